"""Nothing left behind by a kill (issue 14): a real ``evault`` process is SIGKILLed while it
writes, at the moment its hidden work file or folder exists, and then

- ``extract`` must have left nothing at all beside the output (its plaintext has no name
  until it is complete: ``O_TMPFILE``);
- ``bundle open``, ``backup`` and ``init`` leave a hidden staging folder, which the next
  evault command — any command — removes, saying so on stderr.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest

from crypto.signing import SigningKey, sign_prehashed
from tests.clirun import run_cli
from tests.conftest import PASSPHRASE
from tests.crash.cli import child_env, evault_argv
from tests.test_bundle_partner import make_zip, record
from vault.export.bundle import FORMAT, trusted_comment
from vault.session import Vault


def _kill_when(argv: list[str], stdin: str, ready: Callable[[int], bool],
               tries: int = 8) -> None:
    """Run ``argv`` and SIGKILL it as soon as ``ready(pid)`` holds (polled each ms).
    Retries when the command finished first; fails when it never could be caught."""
    for _ in range(tries):
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=child_env())
        assert proc.stdin is not None
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
        caught = False
        while proc.poll() is None:
            try:
                caught = ready(proc.pid)
            except OSError:
                caught = False
            if caught:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
        proc.wait()
        if caught:
            return
    pytest.fail("the command always finished before it could be killed")


def _writing_under(folder: Path) -> Callable[[int], bool]:
    """True while process ``pid`` has a file open under ``folder`` (named or not)."""
    prefix = str(folder) + os.sep

    def ready(pid: int) -> bool:
        fd_dir = f"/proc/{pid}/fd"
        for fd in os.listdir(fd_dir):
            with_name = os.readlink(os.path.join(fd_dir, fd))
            if with_name.startswith(prefix):
                return True
        return False
    return ready


def _hidden_in(folder: Path, marker: str) -> Callable[[int], bool]:
    def ready(_pid: int) -> bool:
        return any(marker in name for name in os.listdir(folder))
    return ready


def _next_command_sweeps(vault_path: Path) -> str:
    """Run any evault command (here a failing one: no vault) and return its stderr."""
    result = run_cli(["--vault", str(vault_path / "nothing-here"), "list",
                      "--passphrase-stdin"], PASSPHRASE + "\n")
    return result.err


@pytest.fixture
def big_attachment(new_vault: Vault, tmp_path: Path) -> str:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(48 << 20))
    rid = new_vault.services.records.add("person", {"name": "Kill Test"})
    att = new_vault.services.attachments.attach(rid, source)
    new_vault.close()
    source.unlink()
    return str(att.id)


def test_killed_extract_leaves_no_plaintext(vault_path: Path, big_attachment: str,
                                            tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    argv = evault_argv("--vault", str(vault_path), "extract", big_attachment,
                       "--out", str(out_dir / "file.bin"), "--passphrase-stdin")
    _kill_when(argv, PASSPHRASE + "\n", _writing_under(out_dir))
    assert os.listdir(out_dir) == []


def _bundle(tmp_path: Path, records: int) -> tuple[Path, Path]:
    identity = pyrage.x25519.Identity.generate()
    files = {f"records/{i:016x}.json": record(f"{i:016x}", "source", {"notes": "x" * 2000},
                                              f"Source-{i}") for i in range(records)}
    key = SigningKey.from_bytes(bytes(range(40)))
    created = "2026-01-02T03:04:05+00:00"
    doc = {"format": FORMAT, "bundle_id": "0011223344556677", "created": created,
           "clearance": "partner", "tool": "test", "counts": {},
           "sender_key": key.public_key().base64_line(),
           "files": [{"path": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                     for n, b in sorted(files.items())]}
    raw = json.dumps(doc).encode()
    sig = sign_prehashed(key, raw, trusted_comment("0011223344556677", created,
                                                   hashlib.sha256(raw).hexdigest()))
    zipped = make_zip([("manifest.json", raw), ("manifest.json.minisig", sig.encode()),
                       *files.items()])
    bundle = tmp_path / "b.age"
    bundle.write_bytes(pyrage.encrypt(zipped, [identity.to_public()]))
    key_file = tmp_path / "key.txt"
    key_file.write_text(f"{identity}\n")
    return bundle, key_file


def test_killed_bundle_open_is_removed_by_the_next_command(tmp_path: Path) -> None:
    bundle, key_file = _bundle(tmp_path, 400)
    out_dir = tmp_path / "partner"
    out_dir.mkdir()
    # --trust-new-sender: without it an unknown sender is refused at once (issue 13),
    # before anything is written, and there would be nothing to kill.
    argv = evault_argv("bundle", "open", str(bundle), "--identity", str(key_file),
                       "--out", str(out_dir / "opened"), "--trust-new-sender", "Partner")
    _kill_when(argv, "", _hidden_in(out_dir, ".opening-"))
    assert os.listdir(out_dir), "the kill landed before the staging folder existed"
    err = _next_command_sweeps(tmp_path)
    assert "removed" in err and "interrupted" in err
    assert os.listdir(out_dir) == []


def test_killed_backup_is_removed_by_the_next_command(vault_path: Path, big_attachment: str,
                                                      tmp_path: Path) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    argv = evault_argv("--vault", str(vault_path), "backup", "--to", str(drive / "copy"),
                       "--passphrase-stdin")
    _kill_when(argv, PASSPHRASE + "\n", _writing_under(drive))
    err = _next_command_sweeps(tmp_path)
    assert "removed" in err
    assert os.listdir(drive) == []
    # The pinned links of the snapshot are gone (the running mark stays until the vault
    # is next opened and closed: it is how the kill is noticed).
    assert sorted(p.name for p in vault_path.iterdir()
                  if p.name.startswith(".evault-backup-links")) == []


def test_killed_init_is_removed_by_the_next_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    argv = evault_argv("--vault", str(home / "vault"), "init", "--passphrase-stdin")
    _kill_when(argv, f"{PASSPHRASE}\n{PASSPHRASE}\n", _hidden_in(home, ".creating-"))
    err = _next_command_sweeps(tmp_path)
    assert "removed" in err
    assert [p for p in os.listdir(home) if p != "vault"] == []


def test_a_running_command_is_not_swept(new_vault: Vault, tmp_path: Path) -> None:
    """The journal entry of a command still running is locked: another command started
    meanwhile leaves its work alone."""
    from vault import leftovers

    place = tmp_path / "drive"
    with leftovers.staging_dir(place, kind="backup", what="testing") as staging:
        assert leftovers.sweep() == []
        assert staging.is_dir()
    assert place.is_dir()


def test_a_copy_made_while_evault_runs_is_recognised(new_vault: Vault, vault_path: Path,
                                                     tmp_path: Path) -> None:
    """Issue 14: 'cp -r' of a vault in use made damaged copies, silently. An open vault
    holds '.evault-running'; a folder that has it with nobody holding it is said to be
    a copy made while evault ran (or left by a kill), with 'evault backup' as the way."""
    import shutil

    shutil.copytree(vault_path, tmp_path / "copy")  # while new_vault is open
    second = Vault.open(vault_path)
    second.unlock(PASSPHRASE)
    assert not second.unclean  # another process having it open is not a problem
    second.close()
    assert (vault_path / ".evault-running").exists()  # new_vault still holds it
    new_vault.close()
    assert not (vault_path / ".evault-running").exists()
    copied = run_cli(["--vault", str(tmp_path / "copy"), "list", "--passphrase-stdin"],
                     PASSPHRASE + "\n")
    assert copied.code == 0
    assert "copy made while evault was running" in copied.err
    assert "evault backup" in copied.err
    clean = run_cli(["--vault", str(vault_path), "list", "--passphrase-stdin"],
                    PASSPHRASE + "\n")
    assert clean.code == 0 and clean.err == ""
    again = run_cli(["--vault", str(tmp_path / "copy"), "list", "--passphrase-stdin"],
                    PASSPHRASE + "\n")
    assert again.err == ""  # said once; the mark went with the clean close
