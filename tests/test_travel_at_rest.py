"""After ``travel start``, an adversary with the passphrase and the vault directory finds
nothing of what was sealed: not in any file's bytes, not in any page of the database
decrypted with the key the passphrase opens (free pages and the WAL included), not with
the header as it was before the start (the master key was rotated), not in the search
index's vocabulary. Canaries sit in every text field of every record type and in an
attached file and its name; every command is a real ``evault`` process under the
no-network guard. The same scans find the canaries before the start (the control)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from crypto import header as hdr
from crypto.schedule import Purpose, derive_key
from tests.canaries import Canaries, all_records, forms, record_with_canaries
from tests.test_at_rest_offline import PASS, Session
from vault.session import Vault

PAGE = 4096  # SQLCipher 4 defaults, which vault.store keeps
RESERVE = 80  # 16-byte IV + 64-byte HMAC-SHA512 at the end of every page


def _decrypt_page(page: bytes, key: bytes, first: bool) -> bytes:
    start = 16 if first else 0  # page 1 begins with the file's salt
    iv = page[PAGE - RESERVE: PAGE - RESERVE + 16]
    body = page[start: PAGE - RESERVE]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def decrypted_pages(vault_dir: Path, key: bytes) -> bytes:
    """Every page of ``vault.db`` and every frame of ``vault.db-wal``, decrypted with
    ``key`` as an adversary would (no HMAC check: free and stale pages too)."""
    out = []
    db = (vault_dir / "vault.db").read_bytes()
    for n in range(len(db) // PAGE):
        out.append(_decrypt_page(db[n * PAGE:(n + 1) * PAGE], key, n == 0))
    wal_path = vault_dir / "vault.db-wal"
    wal = wal_path.read_bytes() if wal_path.exists() else b""
    offset = 32
    while offset + 24 + PAGE <= len(wal):
        number = int.from_bytes(wal[offset:offset + 4], "big")
        out.append(_decrypt_page(wal[offset + 24: offset + 24 + PAGE], key, number == 1))
        offset += 24 + PAGE
    return b"".join(out)


def needles(c: Canaries) -> dict[str, list[bytes]]:
    """Each canary's ASCII token (as typed and as the index folds it), its CJK token and
    the CJK token's bigrams (what the search index stores)."""
    found: dict[str, list[bytes]] = {}
    for where, (ascii_tok, cjk_tok) in c.tokens().items():
        texts = {ascii_tok, ascii_tok.lower(), cjk_tok}
        texts |= {cjk_tok[i:i + 2] for i in range(len(cjk_tok) - 1)}
        found[where] = [f for t in texts for f in forms(t)]
    return found


def hits(data: bytes, wanted: dict[str, list[bytes]]) -> set[str]:
    return {where for where, fs in wanted.items() if any(f in data for f in fs)}


def _db_key(header: bytes) -> bytes:
    return derive_key(hdr.unlock_with_passphrase(header, PASS), Purpose.DATABASE)


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, Canaries, dict[str, object]]:
    s = Session(tmp_path_factory.mktemp("travel"))
    c = Canaries()
    recovery = re.search(r"recovery key: (\S+)", s.evault("init"))
    assert recovery is not None
    ids: dict[str, str] = {}
    for kind, rtype in all_records(c):
        path = s.inputs / f"{kind}.json"
        path.write_text(json.dumps(record_with_canaries(rtype, c, ids), ensure_ascii=False),
                        encoding="utf-8")
        ids[kind] = s.evault("add", kind, "--json", str(path)).strip()
    named = s.inputs / f"{c.new('attachment.name')}.txt"
    named.write_text(f"statement: {c.new('attachment.content')}\n", encoding="utf-8")
    s.evault("attach", ids["testimony"], str(named))
    safe = s.inputs / "safe.json"
    safe.write_text(json.dumps({"name": "Plainly Safe Traveller"}), encoding="utf-8")
    kept = s.evault("add", "person", "--json", str(safe)).strip()
    s.evault("travel", "mark", kept)
    wanted = needles(c)
    old_header = (s.vault / "header").read_bytes()
    control = hits(decrypted_pages(s.vault, _db_key(old_header)), wanted)
    out = s.dirs["work"] / "sealed.age"
    s.evault("travel", "start", "--out", str(out), stdin=f"{PASS}\n{recovery.group(1)}\n")
    return s, c, {"control": control, "old_header": old_header, "kept": kept,
                  "wanted": wanted, "recovery": recovery.group(1), "out": out}


def test_the_control_scan_finds_every_canary_before_the_start(trip) -> None:  # type: ignore[no-untyped-def]
    s, c, info = trip
    assert info["control"] == set(c.issued)


def test_no_sealed_canary_in_any_file_of_the_vault_or_around_it(trip) -> None:  # type: ignore[no-untyped-def]
    s, c, info = trip
    wanted = info["wanted"]
    leaks, searched = [], 0
    for directory in s.dirs.values():
        for path in sorted(directory.rglob("*")):
            if path.is_file():
                searched += 1
                leaks += [f"{w} in {path.relative_to(s.root)}"
                          for w in hits(path.read_bytes(), wanted)]
    assert searched >= 3 and (s.dirs["work"] / "sealed.age").exists()
    assert not leaks, leaks[:20]


def test_no_sealed_canary_in_the_decrypted_database(trip) -> None:  # type: ignore[no-untyped-def]
    """As an adversary with the passphrase: decrypt every page, free ones and WAL frames
    included, with the key the passphrase opens now, and with the header from before the
    start (an old copy): none of the sealed text is there."""
    s, c, info = trip
    wanted = info["wanted"]
    new_header = (s.vault / "header").read_bytes()
    assert new_header != info["old_header"]
    pages = decrypted_pages(s.vault, _db_key(new_header))
    assert b"SQLite format 3" in pages[:200] or b"Plainly" in pages  # decryption worked
    assert b"Plainly Safe Traveller" in pages
    assert not hits(pages, wanted)
    stale = decrypted_pages(s.vault, _db_key(info["old_header"]))
    assert b"Plainly Safe Traveller" not in stale and not hits(stale, wanted)


def test_the_search_index_holds_no_sealed_term(trip) -> None:  # type: ignore[no-untyped-def]
    s, c, info = trip
    with Vault.open(s.vault) as vault:
        vault.unlock(PASS)
        vault.store.query("SELECT 1")
        conn = vault.store._conn
        conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, search_fts, row)")
        terms = {str(r[0]) for r in conn.execute("SELECT term FROM temp.terms")}
        assert terms, "the kept record's words are indexed"
        for where, (ascii_tok, cjk_tok) in c.tokens().items():
            assert not any(ascii_tok.lower() in t or cjk_tok[:2] in t for t in terms), where
    for where, (ascii_tok, _cjk) in list(c.tokens().items())[:10]:
        assert json.loads(s.evault("search", ascii_tok, "--json")) == [], where
    found = json.loads(s.evault("search", "Plainly", "--json"))
    assert [h["id"] for h in found] == [info["kept"]]


def test_status_says_travel_mode_and_end_brings_everything_back(trip) -> None:  # type: ignore[no-untyped-def]
    s, c, info = trip
    assert "travel mode: ON" in s.evault("status")
    s.evault("travel", "end", "--from", str(info["out"]),
             stdin=f"{PASS}\n{info['recovery']}\n")
    assert "travel mode: off" in s.evault("status")
    token = c.tokens()["person.name"][0]
    assert json.loads(s.evault("search", token, "--json"))
    s.evault("check")
