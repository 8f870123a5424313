"""The session facade and the store: unlock, lock, audit chain, at-rest encryption."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlcipher3

from crypto import kdf
from tests.conftest import PASSPHRASE
from vault.errors import IntegrityError, NoVault, VaultExists, VaultLocked, WrongKey
from vault.session import Vault, wipe

CANARY = "CANARY-7f3a-秘密证人-Zeugin"


def all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_create_unlock_lock(new_vault: Vault, vault_path: Path) -> None:
    new_vault.store.set_setting("organisation", "Test Org")
    new_vault.lock()
    with pytest.raises(VaultLocked):
        new_vault.store.setting("organisation")
    again = Vault.open(vault_path)
    with pytest.raises(WrongKey):
        again.unlock("not it")
    again.unlock(PASSPHRASE)
    assert again.store.setting("organisation") == "Test Org"
    again.close()


def test_no_vault_and_existing_vault(tmp_path: Path, new_vault: Vault, vault_path: Path) -> None:
    with pytest.raises(NoVault):
        Vault.open(tmp_path / "nothing")
    with pytest.raises(VaultExists):
        Vault.create(vault_path, "x", params=kdf.INSECURE_TEST_PARAMS)
    (tmp_path / "file").write_text("keep me")
    with pytest.raises(VaultExists):
        Vault.create(tmp_path, "x", params=kdf.INSECURE_TEST_PARAMS)
    assert (tmp_path / "file").read_text() == "keep me"


def test_canary_never_reaches_disk_in_clear(new_vault: Vault, vault_path: Path) -> None:
    for i in range(50):
        new_vault.store.set_setting(f"note{i}", f"{CANARY} {i}")
    # The WAL and SHM files exist now and must be encrypted too.
    assert (vault_path / "vault.db-wal").exists()
    data = all_bytes(vault_path)
    for form in (CANARY.encode("utf-8"), CANARY.encode("utf-16-le"), b"CANARY-7f3a",
                 "秘密证人".encode("gb18030")):
        assert form not in data
    new_vault.close()
    assert b"CANARY-7f3a" not in all_bytes(vault_path)


def test_database_needs_the_key(new_vault: Vault, vault_path: Path) -> None:
    new_vault.close()
    db = str(vault_path / "vault.db")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db).execute("SELECT * FROM sqlite_master").fetchall()
    conn = sqlcipher3.connect(db)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute("PRAGMA key = \"x'" + "11" * 32 + "'\"")
    with pytest.raises(sqlcipher3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()


def test_audit_chain_detects_edit_and_deletion(new_vault: Vault) -> None:
    store = new_vault.store
    for i in range(5):
        store.set_setting(f"k{i}", i)
    assert store.verify_audit().ok
    entries = store.audit_entries()
    assert [e.action for e in entries][:1] == ["vault.create"]
    assert all("k" not in str(e.detail.values()) for e in entries)
    conn = store._conn
    # The triggers refuse ordinary edits; an attacker with the key drops them first.
    with pytest.raises(sqlcipher3.DatabaseError):
        conn.execute("UPDATE audit SET field='x' WHERE seq=3")
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("UPDATE audit SET field='other' WHERE seq=3")
    status = store.verify_audit()
    assert not status.ok and "altered" in (status.problem or "")
    report = new_vault.check()
    assert not report.ok


def test_audit_chain_detects_deleted_tail(new_vault: Vault) -> None:
    store = new_vault.store
    store.set_setting("a", 1)
    store.set_setting("b", 2)
    conn = store._conn
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
    assert not store.verify_audit().ok


def test_unaudited_write_is_refused(new_vault: Vault) -> None:
    with pytest.raises(RuntimeError), new_vault.store.transaction() as tx:
        tx.execute("INSERT INTO settings(key, value) VALUES ('sneaky', '1')")
    assert new_vault.store.setting("sneaky") is None


def test_change_passphrase_and_recover(tmp_path: Path) -> None:
    created = Vault.create(tmp_path / "v", "old pass", params=kdf.INSECURE_TEST_PARAMS)
    v = created.vault
    v.change_passphrase("new pass", kdf.INSECURE_TEST_PARAMS)
    v.close()
    v = Vault.open(tmp_path / "v")
    with pytest.raises(WrongKey):
        v.unlock("old pass")
    v.unlock_with_recovery(created.recovery_key)
    v.change_passphrase("third pass", kdf.INSECURE_TEST_PARAMS)
    v.close()
    v.unlock("third pass")
    assert [e.action for e in v.store.audit_entries()].count("passphrase.change") == 2
    v.close()


def test_damaged_database_is_integrity_error(new_vault: Vault, vault_path: Path) -> None:
    new_vault.store.set_setting("x", "y")
    new_vault.store.checkpoint()
    new_vault.close()
    db = vault_path / "vault.db"
    data = bytearray(db.read_bytes())
    data[5000] ^= 0xFF  # inside a page: its HMAC no longer matches
    db.write_bytes(bytes(data))
    v = Vault.open(vault_path)
    try:
        v.unlock(PASSPHRASE)
        assert not v.check().ok
    except IntegrityError:
        pass
    finally:
        v.close()


def test_damaged_header_is_integrity_error(new_vault: Vault, vault_path: Path) -> None:
    new_vault.close()
    h = vault_path / "header"
    data = bytearray(h.read_bytes())
    data[40] ^= 1
    h.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        Vault.open(vault_path).unlock(PASSPHRASE)


def test_backup_is_encrypted_and_opens(new_vault: Vault, tmp_path: Path) -> None:
    new_vault.store.set_setting("note", CANARY)
    new_vault.backup(tmp_path / "copy")
    with pytest.raises(VaultExists):
        new_vault.backup(tmp_path / "copy")
    new_vault.close()
    assert CANARY.encode() not in all_bytes(tmp_path / "copy")
    copy = Vault.open(tmp_path / "copy")
    copy.unlock(PASSPHRASE)
    assert copy.store.setting("note") == CANARY
    assert copy.check().ok
    copy.close()


def test_wipe_destroys_header_first(new_vault: Vault, vault_path: Path) -> None:
    new_vault.close()
    wipe(vault_path)
    assert not vault_path.exists()
    with pytest.raises(NoVault):
        wipe(vault_path)
