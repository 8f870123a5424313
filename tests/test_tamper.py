"""Tamper suite: every class of damage to the header and database is detected with exit
4 (never a crash, never wrong data accepted). Blob and bundle tampering live beside the
attachment and bundle tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE, run_cli

PAGE = 4096


def make_vault(root: Path, name: str = "v", rows: int = 40) -> Path:
    path = root / name
    assert run_cli(["--vault", str(path), "init", "--passphrase-stdin"],
                   PASSPHRASE + "\n").code == 0
    from vault.session import Vault

    v = Vault.open(path)
    v.unlock(PASSPHRASE)
    for i in range(rows):
        v.store.set_setting(f"k{i}", "x" * 300)
    v.store.checkpoint()
    v.close()
    return path


def check(path: Path) -> tuple[int, str]:
    res = run_cli(["--vault", str(path), "check", "--passphrase-stdin", "--json"],
                  PASSPHRASE + "\n")
    assert "Traceback" not in res.err
    return res.code, res.out + res.err


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    os.environ["EVAULT_INSECURE_TEST_KDF"] = "1"
    return make_vault(tmp_path_factory.mktemp("pristine"))


def copy_of(pristine: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "v"
    shutil.copytree(pristine, dest)
    return dest


def header_positions(data: bytes) -> dict[str, int]:
    """One byte position per field class of the header."""
    text = data.decode("ascii")
    return {
        "magic": 3,
        "kdf_params": text.index('"m":') + 5,
        "salt": text.index('"salt":"') + 9,
        "nonce": text.index('"nonce":"') + 9,
        "wrapped": text.index('"wrapped":"') + 12,
        "vault_id": text.index('"vault_id":"') + 13,
        "mac": text.index("\nmac ") + 6,
        "sum": text.index("\nsum ") + 6,
        "last_byte": len(data) - 1,
    }


@pytest.mark.parametrize("field", ["magic", "kdf_params", "salt", "nonce", "wrapped",
                                   "vault_id", "mac", "sum", "last_byte"])
def test_header_field_flips(pristine: Path, tmp_path: Path, field: str) -> None:
    v = copy_of(pristine, tmp_path)
    data = bytearray((v / "header").read_bytes())
    data[header_positions(bytes(data))[field]] ^= 0x01
    (v / "header").write_bytes(bytes(data))
    code, _ = check(v)
    assert code == 4


@pytest.mark.parametrize("how", ["truncate", "extend", "empty", "missing"])
def test_header_length_damage(pristine: Path, tmp_path: Path, how: str) -> None:
    v = copy_of(pristine, tmp_path)
    h = v / "header"
    data = h.read_bytes()
    if how == "truncate":
        h.write_bytes(data[:-7])
    elif how == "extend":
        h.write_bytes(data + b"\n")
    elif how == "empty":
        h.write_bytes(b"")
    else:
        h.unlink()
    code, out = check(v)
    assert code == (1 if how == "missing" else 4), out


@pytest.mark.parametrize("where", [
    ("page1_salt", 5), ("page1_body", 100), ("page1_hmac_tail", PAGE - 10),
    ("page2_header", PAGE + 16), ("page2_body", PAGE + 2000), ("page2_iv", PAGE + PAGE - 70),
    ("last_page", -50),
])
def test_database_page_flips(pristine: Path, tmp_path: Path, where: tuple[str, int]) -> None:
    v = copy_of(pristine, tmp_path)
    db = v / "vault.db"
    data = bytearray(db.read_bytes())
    assert len(data) >= 3 * PAGE
    data[where[1]] ^= 0x40
    db.write_bytes(bytes(data))
    code, out = check(v)
    assert code == 4, out


@pytest.mark.parametrize("how", ["truncate_page", "truncate_mid", "extend_page",
                                 "extend_bytes", "missing", "zeroed_page"])
def test_database_length_damage(pristine: Path, tmp_path: Path, how: str) -> None:
    v = copy_of(pristine, tmp_path)
    db = v / "vault.db"
    data = db.read_bytes()
    if how == "truncate_page":
        db.write_bytes(data[:-PAGE])
    elif how == "truncate_mid":
        db.write_bytes(data[: len(data) - PAGE // 2])
    elif how == "extend_page":
        db.write_bytes(data + bytes(PAGE))
    elif how == "extend_bytes":
        db.write_bytes(data + b"garbage")
    elif how == "zeroed_page":
        db.write_bytes(data[:PAGE] + bytes(PAGE) + data[2 * PAGE:])
    else:
        db.unlink()
    code, out = check(v)
    assert code == 4, out


def test_databases_swapped_between_vaults(pristine: Path, tmp_path: Path) -> None:
    v = copy_of(pristine, tmp_path)
    other = make_vault(tmp_path, "other", rows=5)
    shutil.copy(other / "vault.db", v / "vault.db")
    code, out = check(v)
    assert code == 4, out


def test_headers_swapped_between_vaults(pristine: Path, tmp_path: Path) -> None:
    v = copy_of(pristine, tmp_path)
    other = make_vault(tmp_path, "other", rows=5)
    shutil.copy(other / "header", v / "header")  # same passphrase, other master key
    code, out = check(v)
    assert code == 4, out


def test_pristine_copy_passes(pristine: Path, tmp_path: Path) -> None:
    code, out = check(copy_of(pristine, tmp_path))
    assert code == 0 and json.loads(out.split("\n}")[0] + "}")["ok"]
