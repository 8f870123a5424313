"""What a person waits on must not grow with the vault (issue 16): keyset pages, kept
counts, streamed output and checks, the smaller search index and its migration, search
that folds Traditional/Simplified Chinese and finds Chinese names by their pinyin, and a
command line whose ``--help`` does not load every feature.

Costs are asserted as SQLite virtual-machine steps (``set_progress_handler``), which are
deterministic: no timing in tests (timings are in bench/scale.py)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlcipher3

from tests.conftest import PASSPHRASE, ROOT
from vault.migrations import Migration, all_migrations
from vault.records import paging
from vault.records.service import RecordService
from vault.search import search
from vault.session import Vault
from vault.store import Store, utc_now


def _records(vault: Vault) -> RecordService:
    service: RecordService = vault.services.records
    return service


def _steps(store: Store, fn: Callable[[], Any]) -> int:
    """SQLite VM instructions (in units of 10) that ``fn`` costs on ``store``."""
    counter = [0]

    def tick() -> int:
        counter[0] += 1
        return 0

    conn = store._conn  # the real connection: the cost is measured, not mocked
    conn.set_progress_handler(tick, 10)
    try:
        fn()
    finally:
        conn.set_progress_handler(None, 10)
    return counter[0]


@pytest.fixture
def filled(new_vault: Vault) -> Vault:
    """2,400 testimonies added in one transaction (so they share ``updated``: ties), a
    third without a date (NULLs), and some persons and a case."""
    rows = [{"title": f"T{i % 50:03d}", "narrative": "statement",
             **({"interview_date": f"20{i % 20:02d}-0{1 + i % 9}-1{i % 9}"} if i % 3 else {})}
            for i in range(2400)]
    records = _records(new_vault)
    records.add_many("testimony", rows)
    people = records.add_many("person", [{"name": f"P{i}"} for i in range(60)])
    records.add("case", {"title": "Case", "records": people[:7]})
    return new_vault


# -- keyset pagination ----------------------------------------------------------------------

def test_pages_in_every_order_and_filter_equal_the_full_list(filled: Vault) -> None:
    records = _records(filled)
    case = records.list("case")[0].id
    for order in paging.COLUMNS:
        for descending in (False, True):
            for kind, in_case in ((None, None), ("testimony", None), ("person", None),
                                  (None, case)):
                full = [r.id for r in records.list(kind, case=in_case, order=order,
                                                   descending=descending)]
                paged = [r.id for r in records.iter_summaries(
                    kind, case=in_case, order=order, descending=descending, batch=97)]
                assert paged == full, (order, descending, kind, in_case)
    dated = [r.id for r in records.iter_summaries(order="date", date_from="2005",
                                                  date_to="2008-03", batch=50)]
    assert dated == [r.id for r in records.list(order="date", date_from="2005",
                                                date_to="2008-03")]


def test_a_deep_page_costs_what_the_first_costs(filled: Vault) -> None:
    """The last page reads as few rows as the first, in every order, even where 2,400
    rows tie on the sort value (``updated``, ``kind``). OFFSET paging read every earlier
    row; a row-value seek walked every tie."""
    records, store = _records(filled), filled.store
    for order in paging.COLUMNS:
        for kind in (None, "testimony"):
            cursors: list[str | None] = [None]
            for page in _all_pages(records, kind, order):
                cursors.append(page.next)
            first = _steps(store, partial(records.page, kind, limit=100, order=order))
            deep = _steps(store, partial(records.page, kind, limit=100, order=order,
                                         after=cursors[-2]))
            assert deep <= 3 * first + 50, (order, kind, first, deep)
            offset = _steps(store, partial(records.list, kind, limit=100, offset=2300,
                                           order=order))
            assert offset > 5 * first  # what the old way cost: the test can fail


def _all_pages(records: RecordService, kind: str | None, order: str) -> list[paging.Page]:
    pages, after = [], None
    while True:
        page = records.page(kind, limit=100, order=order, after=after)
        pages.append(page)
        if page.next is None:
            return pages
        after = page.next


def test_a_bad_cursor_or_order_is_a_plain_error(filled: Vault) -> None:
    records = _records(filled)
    for bad in ("", "[", '["x"]', '{"a":1}', '[1.5, "x"]'):
        with pytest.raises(Exception) as caught:
            records.page(after=bad)
        assert type(caught.value).__name__ == "InvalidInput"
    with pytest.raises(Exception) as caught:
        records.page(order="secret")
    assert type(caught.value).__name__ == "InvalidInput"


# -- counts -----------------------------------------------------------------------------------

def test_counts_are_kept_not_recounted(filled: Vault) -> None:
    records, store = _records(filled), filled.store
    assert records.count() == 2461 and records.count("person") == 60
    assert records.count("detention") == 0
    steps = _steps(store, lambda: records.count("testimony"))
    assert steps < 20  # a scan of 2,400 rows costs thousands of steps
    victim = records.add("person", {"name": "gone"})
    assert records.count("person") == 61
    records.delete(victim)
    assert records.count("person") == 60 and records.count() == 2461


def test_check_finds_and_repair_fixes_counts_out_of_step(filled: Vault) -> None:
    with filled.store.transaction("test") as tx:
        tx.execute("UPDATE record_counts SET n = 5 WHERE kind = 'person'")
        tx.audit("test.damage")
    assert any("record counts" in p for p in filled.check().problems)
    from vault.records.checks import repair_counts
    assert repair_counts(filled) == ["record counts recounted"]
    assert _records(filled).count("person") == 60
    assert not any("record counts" in p for p in filled.check().problems)


def test_check_reads_records_in_batches(filled: Vault) -> None:
    """No statement of the records check returns every record (flat memory)."""
    seen: list[int] = []
    store = filled.store
    original = store.query

    def counting(sql: str, params: Any = ()) -> list[Any]:
        rows = original(sql, params)
        if "FROM records" in sql and "count(" not in sql:
            seen.append(len(rows))
        return rows

    store.query = counting  # type: ignore[method-assign]
    try:
        from vault.records.checks import check_records
        assert check_records(filled) == []
    finally:
        del store.query
    assert seen and max(seen) <= 1000


# -- streamed list --json ---------------------------------------------------------------------

def test_list_json_streams_one_compact_record_per_line(filled: Vault, cli: Any) -> None:
    expected = [r.id for r in _records(filled).list()]
    filled.close()
    result = cli("list", "--json")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == len(expected) + 2
    assert [row["id"] for row in json.loads(result.out)] == expected
    assert json.loads(lines[1].rstrip(","))["id"] == expected[0]


# -- search: folding and pinyin ---------------------------------------------------------------

def test_traditional_and_simplified_find_each_other(new_vault: Vault) -> None:
    records = _records(new_vault)
    simp = records.add("testimony", {"title": "a", "narrative": "他在国家安全局被审讯。"})
    trad = records.add("testimony", {"title": "b", "narrative": "他在國家安全局被審訊後失蹤。"})
    store = new_vault.store
    assert {h.id for h in search(store, "國家安全")} == {simp, trad}
    assert {h.id for h in search(store, "国家安全")} == {simp, trad}
    assert {h.id for h in search(store, "审讯")} == {simp, trad}
    assert {h.id for h in search(store, "失踪")} == {trad}
    hit = search(store, "失踪")[0]
    assert "\x02失蹤\x03" in hit.snippet  # highlighted in the original (Traditional) text


def test_a_romanised_query_finds_a_name_stored_in_chinese(new_vault: Vault) -> None:
    records = _records(new_vault)
    zhang = records.add("person", {"name": "张伟国"})
    trad = records.add("person", {"name": "歐陽娜娜"})
    other = records.add("person", {"name": "Li Ming"})
    store = new_vault.store
    for query in ("Zhang Weiguo", "zhangweiguo", "Weiguo Zhang", "Zhāng Wěiguó",
                  "zhang1 wei3 guo2", "Zhang Wei-guo", "zhang1wei3guo2"):
        assert [h.id for h in search(store, query)] == [zhang], query
    for query in ("Ouyang Nana", "ouyangnana", "Nana Ouyang"):
        assert [h.id for h in search(store, query)] == [trad], query
    assert [h.id for h in search(store, "Li Ming")] == [other]
    assert search(store, "room1") == []  # a tone number only on pinyin syllables


def test_narratives_are_not_romanised(new_vault: Vault) -> None:
    records = _records(new_vault)
    records.add("testimony", {"title": "x", "narrative": "他被关押在看守所里很多天了。" * 3})
    assert search(new_vault.store, "kan shou suo") == []


def test_one_character_queries_still_match_exactly(new_vault: Vault) -> None:
    records = _records(new_vault)
    first = records.add("testimony", {"title": "x", "narrative": "酷刑"})
    last = records.add("testimony", {"title": "y", "narrative": "被判刑"})
    lone = records.add("testimony", {"title": "z", "narrative": "刑 alone"})
    store = new_vault.store
    assert {h.id for h in search(store, "刑")} == {first, last, lone}
    assert {h.id for h in search(store, "酷")} == {first}
    assert {h.id for h in search(store, "判")} == {last}


def test_records_keep_no_second_copy_of_their_text(new_vault: Vault) -> None:
    records = _records(new_vault)
    rid = records.add("testimony", {"title": "x", "narrative": "unique words here"})
    assert new_vault.store.query("SELECT count(*) FROM search_text")[0][0] == 0
    hit = search(new_vault.store, "unique")[0]
    assert hit.id == rid and "\x02unique\x03" in hit.snippet
    records.edit(rid, {"narrative": "changed text"})
    assert search(new_vault.store, "unique") == []
    assert [h.id for h in search(new_vault.store, "changed")] == [rid]


def test_an_old_vault_is_migrated_to_the_small_index(tmp_path: Path) -> None:
    """A database made with the shipped migrations only (the old index, text copies in
    search_text) gets record counts and a rebuilt index without the copies."""
    new = {"records_0003_keyset_and_counts", "search_0002_compact"}
    old_migrations = [m for m in all_migrations() if m.name not in new]
    conn = sqlcipher3.connect(str(tmp_path / "db"), isolation_level=None,
                              check_same_thread=False)
    conn.execute("PRAGMA key = \"x'" + "11" * 32 + "'\"")
    store = Store(conn, actor="test", clock=utc_now)
    store.migrate(old_migrations)
    with store.transaction("old data") as tx:  # what the old record service wrote
        for i, (text, kind) in enumerate([("國家 torture", "testimony"), ("张伟", "person")]):
            data = {"narrative": text} if kind == "testimony" else {"name": text}
            tx.execute("INSERT INTO records(id, kind, data, levels, title, date, created, "
                       "updated) VALUES (?, ?, ?, '{}', ?, NULL, 'x', 'x')",
                       (f"{i:016x}", kind, json.dumps(data), text))
            tx.execute("INSERT INTO search_doc(docid, record_id, kind) VALUES (?, ?, ?)",
                       (i + 1, f"{i:016x}", kind))
            field = "narrative" if kind == "testimony" else "name"
            entries = [[field, "partner", text]]
            tx.execute("INSERT INTO search_text(docid, texts) VALUES (?, ?)",
                       (i + 1, json.dumps(entries)))
            tx.execute("INSERT INTO search_fts(rowid, public, partner, private) "
                       "VALUES (?, '', ?, '')", (i + 1, text))
        tx.audit("test.old")
    applied = store.migrate(all_migrations())
    assert set(applied) == new
    assert store.query("SELECT count(*) FROM search_text")[0][0] == 0
    records = RecordService(SimpleNamespace(store=store))  # type: ignore[arg-type]
    assert records.count() == 2 and records.count("person") == 1
    assert [h.id for h in search(store, "国家")] == [f"{0:016x}"]
    assert [h.id for h in search(store, "zhang wei")] == [f"{1:016x}"]
    assert "\x02國家\x03" in search(store, "國家")[0].snippet
    store.close()


def test_migrations_are_append_only() -> None:
    names = [m.name for m in all_migrations()]
    assert names.index("search_0002_compact") > names.index("search_0001_fts")
    assert all(isinstance(m, Migration) for m in all_migrations())


# -- whole-process latency --------------------------------------------------------------------

def test_help_does_not_load_the_features() -> None:
    """``evault --help`` builds the parser only: no feature service, no database driver,
    no image library, no Chinese dictionaries."""
    code = ("import sys\nfrom tui.cli.main import build_parser\nbuild_parser()\n"
            "heavy = ['vault.services', 'sqlcipher3', 'PIL', 'pillow_heif', 'pypinyin',"
            " 'opencc', 'vault.export.plan', 'vault.records.service', 'importlib.metadata',"
            " 'vault.session', 'textual', 'ctypes.util', 'subprocess', 'platformdirs']\n"
            "print([m for m in heavy if m in sys.modules])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_list_loads_only_what_a_listing_needs(new_vault: Vault, vault_path: Path) -> None:
    """``evault list`` (the real command, a whole process) unlocks and lists without
    loading search, bundles, export, attachments or the signing key: checking the schema
    is current needs only the migrations' names (vault/search/schema.py,
    vault/bundle/schema.py), and no child process is started (``ctypes.util`` ran
    ``ldconfig`` to find libc). Before: every unlock imported the tokenizer with OpenCC's
    tables, age, minisign and the BIP-39 word list."""
    _records(new_vault).add("person", {"name": "Listed Person"})
    new_vault.close()
    code = ("import sys\nfrom tui.cli.main import main\n"
            f"code = main(['--vault', {str(vault_path)!r}, '--passphrase-stdin', 'list'])\n"
            "heavy = ['vault.search.index', 'vault.search.fold', 'opencc', 'pypinyin',"
            " 'vault.bundle.importer', 'vault.bundle.verify', 'vault.bundle.senders', 'pyrage',"
            " 'mnemonic', 'crypto.signing', 'vault.export.plan', 'vault.export.protected',"
            " 'vault.attachments.service', 'PIL', 'pillow_heif', 'textual', 'ctypes.util',"
            " 'subprocess', 'importlib.metadata']\n"
            "print(code, [m for m in heavy if m in sys.modules], file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], input=PASSPHRASE + "\n",
                          capture_output=True, text=True, cwd=ROOT, check=True)
    assert "Listed Person" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1] == "0 []"


def test_a_command_named_on_the_line_gets_only_its_parser() -> None:
    """The CLI builds the one subparser the line names (building all of them is a
    noticeable part of a short command); help and unknown words get them all."""
    from tui.cli.main import build_parser, chosen_command

    build_parser()
    assert chosen_command(["--vault", "list", "get", "abc"]) == "get"
    assert chosen_command(["--vau", "list", "--passphrase-stdin", "get"]) == "get"
    assert chosen_command(["--vault=x", "list"]) == "list"
    assert chosen_command(["-h", "list"]) is None
    assert chosen_command(["lst"]) is None
    assert chosen_command([]) is None
    only = build_parser("list")
    assert only.parse_args(["--vault", "v", "list", "person"]).kind == "person"
    with pytest.raises(SystemExit):
        only.parse_args(["get", "abc"])


# -- streaming import ---------------------------------------------------------------------------

def _import_peak(vault: Vault, path: Path, rows: int) -> int:
    """Peak Python memory (tracemalloc) of planning and committing a CSV of ``rows``."""
    import tracemalloc

    from vault.importer import commit, plan
    from vault.importer.readers import read

    with path.open("w", newline="", encoding="gb18030") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "aliases", "notes"])
        for i in range(rows):
            writer.writerow([f"Person {i}", f"阿{i}; P{i}", "维吾尔族，被拘留于看守所。" * 8])
    records = _records(vault)
    tracemalloc.start()
    try:
        ids = commit(records, plan(records, read(path), "person", validate=False))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(ids) == rows
    return peak


def test_import_memory_does_not_follow_the_file(new_vault: Vault, tmp_path: Path) -> None:
    """Ten times the rows, not ten times the memory: the file is read a row at a time
    and the accepted rows are converted again while they are written (the old importer
    held the text, every row's cells and every record at once)."""
    _import_peak(new_vault, tmp_path / "warm.csv", 50)  # one-time loads (pinyin tables)
    small = _import_peak(new_vault, tmp_path / "small.csv", 500)
    large = _import_peak(new_vault, tmp_path / "large.csv", 4000)
    # measured (tracemalloc peak): old importer 500 rows 0.86 MB, 4,000 rows 6.9 MB; now
    # 4,000 rows 0.41 MB
    assert large < 2.5 * small, (small, large)
    assert _records(new_vault).count("person") == 4550
