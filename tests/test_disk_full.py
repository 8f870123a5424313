"""Disk full and I/O errors: every write command, refused by the disk, says so in one
``error:`` line (exit 1, no traceback) and leaves the vault exactly as it was — same
records, same audit log, ``check`` passes, the old passphrase opens it, no file left over.

Two ways of making the disk refuse:
- ``RLIMIT_FSIZE`` in a real ``evault`` process (``preexec_fn``; Python ignores SIGXFSZ, so
  a write past the limit fails with EFBIG). It caps each file, so it hits the biggest write
  of each command: the WAL of a large transaction, the blob, the bundle, the backup. These
  always run.
- A nearly full filesystem: a small tmpfs filled to leave N bytes, N swept across each
  command's needs, so every step of a command (the WAL, the staged key slot, the blob,
  the bundle, the audit entry after a file was written) meets a full disk in turn. Needs
  ``mount -t tmpfs`` (root with CAP_SYS_ADMIN): skipped, with the reason, where mounting is
  not permitted. Runs in-process to stay fast.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyrage
import pytest

from crypto import kdf
from tests.conftest import PASSPHRASE, ROOT, run_cli
from tests.crash import workload
from tests.crash.cli import child_env
from vault.session import Vault

NEW_PASSPHRASE = "a new passphrase for the test"
VAULT_FILES = {"header", "vault.db", "blobs"}  # after a clean close (no WAL, no -shm)


@dataclass(frozen=True)
class Template:
    """A vault to copy for each case, and the inputs of each command."""

    vault: Path
    ids: list[str]
    record: str
    add_json: Path
    csv: Path
    big_file: Path


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    root = tmp_path_factory.mktemp("disk-full")
    rng = random.Random(8)
    created = Vault.create(root / "vault", PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    with created.vault as v:
        identity = pyrage.x25519.Identity.generate()
        v.services.export.recipients.add("partner", str(identity.to_public()))
        records = v.services.records
        ids = [records.add(*workload.new_record(rng, f"t{i}")) for i in range(40)]
        small = root / "small.bin"
        workload.write_file(small, rng, 20_000)
        v.services.attachments.attach(ids[0], small)
    big_person = workload.person(rng, "big")
    big_person["notes"] = workload.text(rng, "big", 300_000)  # ~0.9 MB: many WAL pages
    add_json = root / "add.json"
    add_json.write_text(json.dumps(big_person, ensure_ascii=False), "utf-8")
    csv = root / "rows.csv"
    workload.write_csv(csv, rng, 300, 8, 0)
    big_file = root / "big.bin"
    workload.write_file(big_file, rng, 4 << 20)
    return Template(root / "vault", ids, ids[1], add_json, csv, big_file)


def commands(t: Template, out_dir: Path) -> dict[str, tuple[list[str], str]]:
    """Each write command with its standard input (after ``--vault V --passphrase-stdin``)."""
    one = PASSPHRASE + "\n"
    return {
        "add": (["add", "person", "--json", str(t.add_json)], one),
        "import": (["import", str(t.csv), "--kind", "person"], one),
        "attach": (["attach", t.record, str(t.big_file)], one),
        "export": (["export", "--clearance", "partner", "--to", "partner", "--ids",
                    ",".join(t.ids), "--out", str(out_dir / "out.age"), "--yes"], one),
        "passwd": (["passwd"], f"{PASSPHRASE}\n{NEW_PASSPHRASE}\n"),
        "backup": (["backup", "--to", str(out_dir / "backup")], one),
    }


@dataclass(frozen=True)
class State:
    """What must not change when a command fails."""

    records: int
    audit: int
    attachments: int
    blobs: tuple[str, ...]
    header: bytes


def state(path: Path, passphrase: str = PASSPHRASE) -> State:
    vault = Vault.open(path)
    vault.unlock(passphrase)  # the old passphrase still opens it
    with vault:
        return State(vault.services.records.count(),
                     int(vault.store.meta("audit_count") or 0),
                     len(vault.store.query("SELECT id FROM attachments")),
                     tuple(sorted(os.listdir(path / "blobs"))),
                     (path / "header").read_bytes())


def assert_failed_cleanly(code: int, err: str, path: Path, before: State, out_dir: Path,
                          ) -> None:
    lines = err.strip().splitlines()
    assert code == 1, err
    assert lines and lines[-1].startswith("error: ") and "disk" in lines[-1], err
    assert sum(ln.startswith("error:") for ln in lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert state(path) == before
    check = run_cli(["--vault", str(path), "--passphrase-stdin", "check"], PASSPHRASE + "\n")
    assert check.code == 0, check.out
    assert set(os.listdir(path)) <= VAULT_FILES | {"vault.db-wal", "vault.db-shm"}
    assert os.listdir(out_dir) == []  # no bundle, no backup, no temporary file


def _limit(size: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return apply


#: A per-file limit for each command, and the step that must then fail: the limit lets the
#: vault open (its -shm file takes 32 KiB) and stops the command's own largest write.
RLIMITS = {
    "add": (256 << 10, "adding a person record"),
    "import": (64 << 10, "importing person records"),
    "attach": (1 << 20, "storing the attachment"),
    "export": (64 << 10, "writing the bundle"),
    # The new key slot (~0.5 KB) and its audit entry (~12 KB of WAL) fit under any limit
    # that lets the database open, so a file-size limit can only stop passwd there; the
    # nearly-full filesystem below stops it between slot and audit entry.
    "passwd": (16 << 10, "opening the database"),
    "backup": (128 << 10, "writing the backup"),
}


@pytest.mark.parametrize("op", sorted(RLIMITS))
def test_file_size_limit_fails_cleanly(template: Template, tmp_path: Path, op: str) -> None:
    path = tmp_path / "vault"
    shutil.copytree(template.vault, path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = state(path)
    args, stdin = commands(template, out_dir)[op]
    limit, where = RLIMITS[op]
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "--vault", str(path), "--passphrase-stdin",
         *args], input=stdin.encode(), capture_output=True, env=child_env(), cwd=ROOT,
        preexec_fn=_limit(limit), timeout=120)
    err = proc.stderr.decode()
    assert f"while {where}" in err, err
    assert proc.stdout == b""
    assert_failed_cleanly(proc.returncode, err, path, before, out_dir)


# -- a nearly full filesystem --------------------------------------------------------------

@pytest.fixture(scope="module")
def small_fs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 24 MiB tmpfs of our own (skipped where mounting is not permitted)."""
    mount = tmp_path_factory.mktemp("tmpfs")
    tried = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs",
                            str(mount)], capture_output=True)
    if tried.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root with CAP_SYS_ADMIN): "
                    f"{tried.stderr.decode().strip()!r}; the RLIMIT_FSIZE cases still ran")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def _free(fs: Path) -> int:
    st = os.statvfs(fs)
    return st.f_bavail * st.f_frsize


def _fresh(template: Template, fs: Path) -> tuple[Path, Path]:
    for entry in fs.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    path, out_dir = fs / "vault", fs / "out"
    shutil.copytree(template.vault, path)
    out_dir.mkdir()
    return path, out_dir


def _run_with_free(template: Template, fs: Path, op: str, free: int | None,
                   ) -> tuple[int, str, Path, Path, State]:
    """Run ``op`` on a fresh copy with ``free`` bytes left on the filesystem."""
    path, out_dir = _fresh(template, fs)
    before = state(path)
    args, stdin = commands(template, out_dir)[op]
    filler = fs / "filler"
    if free is not None:
        with filler.open("wb") as fh:
            fh.write(bytes(max(_free(fs) - free, 0)))
    try:
        result = run_cli(["--vault", str(path), "--passphrase-stdin", *args], stdin)
    finally:
        filler.unlink(missing_ok=True)
    return result.code, result.err, path, out_dir, before


#: Free space that the small writes meet: below 32 KiB the database cannot open (-shm),
#: then the staged key slot, the WAL of small transactions, the audit entries.
SMALL = [28 << 10, 32 << 10, 36 << 10, 40 << 10, 44 << 10, 48 << 10, 52 << 10, 60 << 10]


def _used(fs: Path) -> int:
    st = os.statvfs(fs)
    return (st.f_blocks - st.f_bavail) * st.f_frsize


def _needs(template: Template, fs: Path, op: str) -> int:
    """Bytes ``op`` leaves on the filesystem when it succeeds (vault and output)."""
    _fresh(template, fs)
    base = _used(fs)
    code, err, *_ = _run_with_free(template, fs, op, None)
    assert code == 0, err
    return _used(fs) - base


@pytest.mark.parametrize("op", sorted(RLIMITS))
def test_nearly_full_filesystem_fails_cleanly(template: Template, small_fs: Path,
                                              op: str) -> None:
    need = _needs(template, small_fs, op)
    # A transaction passes through the WAL before the database: up to twice what it leaves.
    around = [need + d for d in (-16 << 10, -4 << 10, 8 << 10, 32 << 10, 96 << 10)]
    around += [need * 3 // 2, 2 * need + (160 << 10)]
    if op == "passwd":
        # A new master key re-encrypts the database: every page passes through the WAL once
        # more, then the WAL is truncated, so what passwd *leaves* says nothing of its need.
        size = (template.vault / "vault.db").stat().st_size
        around += [size // 2, size + (64 << 10), 3 * size + (512 << 10)]
    outcomes = []
    for free in sorted({f for f in SMALL + around if f > 0}):
        code, err, path, out_dir, before = _run_with_free(template, small_fs, op, free)
        if code == 0:
            new = NEW_PASSPHRASE if op == "passwd" else PASSPHRASE
            check = run_cli(["--vault", str(path), "--passphrase-stdin", "check"], new + "\n")
            assert check.code == 0, (free, check.out)
        else:
            assert_failed_cleanly(code, err, path, before, out_dir)
        outcomes.append((free, code))
    print(f"\n{op}: needs {need} B; (free bytes, exit) {outcomes}")
    # The sweep reached both sides: refused writes, and enough room to succeed.
    assert {code for _free, code in outcomes} == {0, 1}, outcomes


def test_passwd_on_a_full_disk_keeps_the_old_passphrase(template: Template,
                                                        small_fs: Path) -> None:
    """Regression: the new key slot was put in place before its audit entry committed, so
    a disk that refused the entry left the NEW passphrase in force while the error said
    nothing had changed. 40-48 KiB free: the new header fits, the re-keyed database does
    not (a passphrase change now re-keys the database before the new header is in place)."""
    for free in (40 << 10, 44 << 10, 48 << 10):
        code, err, path, out_dir, before = _run_with_free(template, small_fs, "passwd", free)
        assert "changing the" in err, (free, err)
        assert_failed_cleanly(code, err, path, before, out_dir)


def test_backup_refused_at_its_audit_entry_leaves_no_copy(template: Template,
                                                          small_fs: Path) -> None:
    """Regression: when the backup's audit entry could not be written the complete copy
    stayed at the destination, though the error said nothing was changed (and a retry to
    the same path was refused as 'not empty')."""
    need = _needs(template, small_fs, "backup")
    hits = 0
    for slack in range(0, 80 << 10, 8 << 10):
        code, err, path, out_dir, before = _run_with_free(template, small_fs, "backup",
                                                          need + slack)
        if code:
            assert_failed_cleanly(code, err, path, before, out_dir)
            hits += "recording the backup" in err
    assert hits, "no amount of free space stopped the backup at its audit entry"
