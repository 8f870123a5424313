"""Two things at once (issue 14): two real evault processes writing one vault lose
nothing, a writer that must wait says why, and a backup is one consistent moment.

The concurrent modes run :mod:`tests.crash.concurrent` (two worker processes, each running
real ``evault`` commands in a loop) for a few dozen commands each; the long run is
``python -m tests.crash.concurrent --rounds 200`` (docs/reliability.md).
"""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.conftest import PASSPHRASE
from tests.crash.concurrent import run_mode
from vault.session import Vault


def test_two_edits_of_one_record_at_once_lose_nothing(tmp_path: Path) -> None:
    """Before: about one edit in ten was lost, both commands exiting 0 (the record was
    read outside the write transaction and written back whole)."""
    figures = run_mode("edits", 30, tmp_path)
    assert figures.problems == []
    assert figures.lost == 0
    assert figures.commands == 60


def test_edit_and_import_at_once_lose_nothing(tmp_path: Path) -> None:
    figures = run_mode("edit-import", 20, tmp_path)
    assert figures.problems == []
    assert figures.lost == 0


def test_backups_taken_during_attach_and_detach_all_pass_check(tmp_path: Path) -> None:
    """Before: a detach between the database copy and the blob copy left backups that
    said "written" and failed check with a missing blob."""
    figures = run_mode("backup-attach", 24, tmp_path)
    assert figures.problems == []
    assert figures.lost == 0


def _edit(vault_path: Path, rid: str, value: str) -> tuple[int, str]:
    result = run_cli(["--vault", str(vault_path), "edit", rid, "--set", f"notes={value}",
                      "--passphrase-stdin"], PASSPHRASE + "\n")
    return result.code, result.err


@pytest.fixture
def rid(new_vault: Vault) -> str:
    ident = str(new_vault.services.records.add("person", {"name": "Busy Test"}))
    new_vault.close()
    return ident


def test_a_writer_that_gives_up_says_another_evault_is_writing(
        vault_path: Path, rid: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVAULT_BUSY_TIMEOUT", "0.3")
    other = Vault.open(vault_path)
    other.unlock(PASSPHRASE)
    with other, pytest.raises(RuntimeError), other.store.transaction("holding") as tx:
        tx.audit("test.hold")
        code, err = _edit(vault_path, rid, "blocked")
        assert code == 1
        assert "another evault process is writing" in err
        assert err.count("\n") == 1
        raise RuntimeError("roll back the held transaction")


def test_a_writer_waits_for_a_short_transaction_of_another(vault_path: Path,
                                                           rid: str) -> None:
    other = Vault.open(vault_path)
    other.unlock(PASSPHRASE)
    held = threading.Event()

    def hold() -> None:
        with other.store.transaction("holding") as tx:
            tx.audit("test.hold")
            held.set()
            time.sleep(0.8)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        code, err = _edit(vault_path, rid, "after the wait")
    finally:
        thread.join()
        other.close()
    assert code == 0, err


# -- backup ------------------------------------------------------------------------------

def test_backup_refuses_a_destination_whose_folder_is_missing(cli_vault, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """An unmounted drive's mount point must not silently become a folder on the
    internal disk."""
    dest = tmp_path / "media" / "usb" / "evault-backup"
    result = cli_vault("backup", "--to", str(dest))
    assert result.code == 1
    assert "is the drive mounted?" in result.err
    assert not (tmp_path / "media").exists()


def test_backup_files_are_private_and_it_opens(new_vault: Vault, tmp_path: Path) -> None:
    source = tmp_path / "evidence.bin"
    source.write_bytes(os.urandom(300_000))
    rid = new_vault.services.records.add("person", {"name": "Backup Test"})
    new_vault.services.attachments.attach(rid, source)
    report = new_vault.backup(tmp_path / "copy")
    assert report.blobs == 1
    for path in [tmp_path / "copy", *(tmp_path / "copy").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    copy = Vault.open(tmp_path / "copy")
    copy.unlock(PASSPHRASE)
    with copy:
        assert copy.check().ok
    assert sorted(os.listdir(tmp_path)) == ["copy", "evidence.bin", "vault"]


def test_backup_verifies_and_refuses_a_vault_missing_a_blob(new_vault: Vault,
                                                            tmp_path: Path) -> None:
    """Before: the blobs folder was copied as it was, and the backup said "written"
    though it failed check."""
    source = tmp_path / "evidence.bin"
    source.write_bytes(os.urandom(10_000))
    rid = new_vault.services.records.add("person", {"name": "Backup Test"})
    new_vault.services.attachments.attach(rid, source)
    for blob in (new_vault.layout.blobs).iterdir():
        blob.unlink()
    with pytest.raises(Exception, match="missing from the vault"):
        new_vault.backup(tmp_path / "copy")
    assert not (tmp_path / "copy").exists()
    assert [p.name for p in new_vault.layout.root.iterdir()
            if p.name.startswith(".") and p.name != ".evault-running"] == []
