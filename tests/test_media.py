"""Unclear errors made clear (issue 14): read-only media, a wipe that cannot happen,
another user's vault, a clock past 2262, the fuzz runner's --help.

Read-only media is a real read-only mount (a tmpfs remounted ``ro``) when the tests run
as root, else the same vault with its write permissions removed; both are what a
write-protected USB stick or a vault copied from another account look like.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from crypto import kdf
from tests.clirun import run_cli
from tests.conftest import PASSPHRASE, ROOT
from tests.crash.cli import child_env
from vault.session import Vault


@dataclass(frozen=True)
class Readonly:
    vault: Path
    record: str
    attachment: str


def _make(path: Path, tmp_path: Path) -> tuple[str, str]:
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    with created.vault as vault:
        rid = vault.services.records.add("person", {"name": "Readonly Person"})
        source = tmp_path / "evidence.bin"
        source.write_bytes(os.urandom(50_000))
        att = vault.services.attachments.attach(rid, source)
    return str(rid), str(att.id)


def _set_writable(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod(mode | stat.S_IWUSR if writable else mode & ~0o222)


@pytest.fixture
def readonly(tmp_path: Path) -> Iterator[Readonly]:
    media = tmp_path / "media"
    media.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(media)],
                       check=True)
        try:
            rid, aid = _make(media / "vault", tmp_path)
            subprocess.run(["mount", "-o", "remount,ro", str(media)], check=True)
            yield Readonly(media / "vault", rid, aid)
        finally:
            subprocess.run(["umount", str(media)], check=True)
    else:
        rid, aid = _make(media / "vault", tmp_path)
        _set_writable(media / "vault", False)
        try:
            yield Readonly(media / "vault", rid, aid)
        finally:
            _set_writable(media / "vault", True)


def _cli(vault: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(["--vault", str(vault), *args, "--passphrase-stdin"], PASSPHRASE + "\n")
    return result.code, result.out, result.err


def test_reading_works_on_read_only_media(readonly: Readonly, tmp_path: Path) -> None:
    """Before: even list and search failed ("the database refused the operation while
    opening")."""
    code, out, err = _cli(readonly.vault, "list")
    assert code == 0, err
    assert readonly.record in out
    assert "reading works, but nothing can be written" in err
    code, out, err = _cli(readonly.vault, "search", "Readonly")
    assert code == 0 and readonly.record in out, err
    code, _out, err = _cli(readonly.vault, "extract", readonly.attachment,
                           "--out", str(tmp_path / "out.bin"))
    assert code == 0, err
    assert (tmp_path / "out.bin").stat().st_size == 50_000
    code, _out, err = _cli(readonly.vault, "backup", "--to", str(tmp_path / "rescue"))
    assert code == 0, err
    code, out, err = _cli(tmp_path / "rescue", "check")
    assert code == 0, out + err
    code, out, err = _cli(readonly.vault, "check")
    assert code == 0, out + err


def test_writes_on_read_only_media_say_why(readonly: Readonly) -> None:
    code, _out, err = _cli(readonly.vault, "edit", readonly.record, "--set", "notes=new")
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and "nothing can be written" in last
    assert "Traceback" not in err


def test_wipe_on_read_only_media_never_claims_a_wipe(readonly: Readonly) -> None:
    """Before: "the header is destroyed" though it was not."""
    header = (readonly.vault / "header").read_bytes()
    result = run_cli(["--vault", str(readonly.vault), "wipe", "--panic", "--yes"])
    assert result.code == 1
    assert "nothing was wiped" in result.err
    assert "destroyed but" not in result.err
    assert (readonly.vault / "header").read_bytes() == header
    code, _out, err = _cli(readonly.vault, "list")
    assert code == 0, err


def test_a_vault_of_another_user_names_its_owner(new_vault: Vault, vault_path: Path) -> None:
    """Before: "internal error (PermissionError)". As root, the account loses its power
    to read others' files (setpriv drops CAP_DAC_OVERRIDE); otherwise the vault's own
    permissions are removed."""
    new_vault.close()
    if os.geteuid() == 0:
        shutil.chown(vault_path, 65534, 65534)
        for path in vault_path.rglob("*"):
            shutil.chown(path, 65534, 65534)
        argv = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                sys.executable, "-m", "tui.cli.main"]
        expected = "belongs to the user"
    else:
        vault_path.chmod(0)
        argv = [sys.executable, "-m", "tui.cli.main"]
        expected = "do not let you read it"
    try:
        proc = subprocess.run([*argv, "--vault", str(vault_path), "list",
                               "--passphrase-stdin"], input=PASSPHRASE + "\n", text=True,
                              capture_output=True, env=child_env(), cwd=ROOT, timeout=60)
    finally:
        vault_path.chmod(0o700)
    assert proc.returncode == 1, proc.stderr
    assert expected in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


def test_a_clock_past_2262_gives_one_line_not_a_traceback(tmp_path: Path) -> None:
    """Every clock call raises OverflowError past 2262-04-11 (CPython keeps time in
    signed 64-bit nanoseconds). The system clock cannot be moved in a test, so
    ``time.time`` is made to fail the way it then fails, before evault starts."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import time\n"
        "def _past_2262():\n"
        "    raise OverflowError('timestamp too large to convert to C _PyTime_t')\n"
        "time.time = _past_2262\n")
    env = child_env()
    env["PYTHONPATH"] = f"{site}{os.pathsep}{env['PYTHONPATH']}"
    proc = subprocess.run([sys.executable, "-m", "tui.cli.main", "list"], text=True,
                          capture_output=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: the system clock")
    assert proc.stderr.count("\n") == 1


def test_fuzz_runner_help() -> None:
    """Before: KeyError('--help')."""
    proc = subprocess.run([sys.executable, "-m", "tests.fuzz.run", "--help"], text=True,
                          capture_output=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "usage: python -m tests.fuzz.run TARGET" in proc.stdout
    assert "header" in proc.stdout
