"""Records' fields are stored compressed (issue 16, size on disk): what is written, what
old vaults become, and that a damaged value is reported, never misread."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import sqlcipher3

from bench.store import Corpus
from vault.migrations import all_migrations
from vault.records import stored
from vault.records.checks import check_records
from vault.records.service import RecordService
from vault.search import search
from vault.session import Vault
from vault.store import Store, utc_now


def test_new_records_are_stored_compressed_and_read_back_exactly(new_vault: Vault) -> None:
    records = new_vault.services.records
    corpus = Corpus()
    testimonies = [corpus.testimony(n) for n in range(50)]
    ids = records.add_many("testimony", testimonies)
    rows = new_vault.store.query("SELECT id, data FROM records ORDER BY rowid")
    assert all(isinstance(data, bytes) for _, data in rows)
    plain = sum(len(stored.dump(t).encode()) for t in testimonies)
    packed = sum(len(data) for _, data in rows)
    assert packed < 0.75 * plain  # the bench corpus: about 0.63
    for rid, testimony in zip(ids, testimonies, strict=True):
        assert records.get(rid).fields == testimony
    # Snippets are cut from the stored (compressed) text.
    wanted = {rid for rid, t in zip(ids, testimonies, strict=True) if "酷刑" in json.dumps(
        t, ensure_ascii=False)}
    hits = search(new_vault.store, "酷刑", limit=100)
    assert wanted and {h.id for h in hits} == wanted
    assert all("\x02酷刑\x03" in h.snippet for h in hits)


def test_an_old_vault_is_compressed_once_when_opened(tmp_path: Path) -> None:
    conn = sqlcipher3.connect(str(tmp_path / "db"), isolation_level=None,
                              check_same_thread=False)
    conn.execute("PRAGMA key = \"x'" + "22" * 32 + "'\"")
    store = Store(conn, actor="test", clock=utc_now)
    store.migrate([m for m in all_migrations() if m.name != "records_0004_compress_data"])
    fields = {"name": "欧阳娜娜 Ngô Thị", "aliases": ["阿娜"]}
    with store.transaction("old data") as tx:  # what the service wrote before
        tx.execute("INSERT INTO records(id, kind, data, levels, title, date, created, "
                   "updated) VALUES ('00000000000000aa', 'person', ?, '{}', 't', NULL, "
                   "'x', 'x')", (json.dumps(fields, ensure_ascii=False),))
        tx.audit("test.old")
    assert store.migrate(all_migrations()) == ["records_0004_compress_data"]
    (data,) = store.query_one("SELECT data FROM records")
    assert isinstance(data, bytes) and stored.fields(data) == fields
    records = RecordService(SimpleNamespace(store=store))  # type: ignore[arg-type]
    assert records.get("00000000000000aa").fields == fields
    store.close()


def test_a_damaged_stored_value_is_reported_by_check(new_vault: Vault) -> None:
    records = new_vault.services.records
    rid = records.add("person", {"name": "Test Person"})
    (data,) = new_vault.store.query_one("SELECT data FROM records WHERE id = ?", (rid,))
    with new_vault.store.transaction("damage") as tx:
        tx.execute("UPDATE records SET data = ? WHERE id = ?", (data[:-3] + b"xyz", rid))
        tx.audit("test.damage")
    assert f"record {rid}: cannot be read" in check_records(new_vault)
