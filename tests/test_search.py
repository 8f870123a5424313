"""Full-text search inside the vault: exact CJK matching against a brute-force scan,
every script, folding, query syntax, filters, hostile queries, nothing in plaintext."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vault import search as search_mod
from vault.errors import InvalidInput
from vault.search import index_record, remove_record, search, search_ids
from vault.search.fold import TOKENIZER_VERSION
from vault.session import Vault

_ids = itertools.count(1)


def rid() -> str:
    """A fresh record id (16 hex characters, like vault.ids.new_id)."""
    return f"{next(_ids):016x}"


def put(vault: Vault, kind: str, texts: list[tuple[str, str, str]],
        date: str | None = None, record_id: str | None = None) -> str:
    """Index one record directly, in an audited transaction of the real store."""
    record_id = record_id or rid()
    with vault.store.transaction("test") as tx:
        index_record(tx, record_id, kind, texts, date)
        tx.audit("test.index", record=record_id)
    return record_id


# -- CJK: the index must agree with a scan --------------------------------------------

CJK = "酷刑律师监狱黑被关押の가"
doc_text = st.text(alphabet=CJK + " ，a", max_size=30)
levels = st.sampled_from(["public", "partner", "private"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(st.lists(st.tuples(doc_text, levels), min_size=1, max_size=2),
                     min_size=1, max_size=12),
       query=st.text(alphabet=CJK, min_size=1, max_size=4),
       max_level=st.sampled_from([None, "public", "partner", "private"]))
def test_cjk_queries_equal_a_brute_force_scan(new_vault: Vault, docs: Any, query: str,
                                             max_level: str | None) -> None:
    kind = f"k{next(_ids)}"  # one kind per example: examples never see each other
    allowed = {"public": 0, "partner": 1, "private": 2}
    expected = set()
    for fields in docs:
        texts = [(f"f{i}", text, level) for i, (text, level) in enumerate(fields)]
        record_id = put(new_vault, kind, texts)
        if any(query in text for text, level in fields
               if max_level is None or allowed[level] <= allowed[max_level]):
            expected.add(record_id)
    found = search_ids(new_vault.store, query, kind=kind, max_level=max_level)
    assert len(found) == len(set(found))
    assert set(found) == expected
    ranked = search(new_vault.store, query, kind=kind, max_level=max_level, limit=100)
    assert {hit.id for hit in ranked} == expected
    for hit in ranked:
        marked = re.findall("\x02(.*?)\x03", hit.snippet)
        assert marked and all(query in m or m in query for m in marked)


words = st.lists(st.sampled_from(["ab", "abc", "ba", "bab", "c"]), max_size=6)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(words, min_size=1, max_size=8),
       query=st.sampled_from(["ab", "abc", "ba", "c"]), prefix=st.booleans())
def test_latin_words_and_prefixes_equal_a_scan(new_vault: Vault, docs: Any, query: str,
                                              prefix: bool) -> None:
    kind = f"k{next(_ids)}"
    expected = set()
    for doc in docs:
        record_id = put(new_vault, kind, [("notes", ", ".join(doc).upper(), "public")])
        if any(w.startswith(query) if prefix else w == query for w in doc):
            expected.add(record_id)
    text = query + ("*" if prefix else "")
    assert set(search_ids(new_vault.store, text, kind=kind)) == expected


# -- scripts, folding, syntax -----------------------------------------------------------

def test_mixed_scripts_are_found(new_vault: Vault) -> None:
    mixed = put(new_vault, "testimony", [(
        "narrative",
        "He said 他在黑监狱被关押，遭受酷刑. ئۇيغۇر تىلى Uyghur; به زبان فارسی گفت "
        "고문을 당했다 拷問を受けた བོད་ཡིག",
        "partner")])
    for query in ["黑监狱", "酷刑", "监", "Uyghur", "ئۇيغۇر", "فارسی", "고문", "拷問",
                  "受け", "བོད", "گفت", "他在"]:
        assert search_ids(new_vault.store, query) == [mixed], query
    hit = search(new_vault.store, "فارسی")[0]
    assert "\x02فارسی\x03" in hit.snippet


def test_diacritics_and_case_are_folded(new_vault: Vault) -> None:
    viet = put(new_vault, "person", [("name", "Nguyễn Văn Đặng", "public")])
    plain = put(new_vault, "person", [("name", "NGUYEN van dang", "public")])
    other = put(new_vault, "person", [("name", "Łódź Straße Ørsted", "public")])
    assert set(search_ids(new_vault.store, "nguyen")) == {viet, plain}
    assert set(search_ids(new_vault.store, "Nguyễn")) == {viet, plain}
    assert set(search_ids(new_vault.store, "dang")) == {viet, plain}
    assert search_ids(new_vault.store, "lodz strasse orsted") == [other]
    hit = search(new_vault.store, "nguyen", limit=5)
    assert any("\x02Nguyễn\x03" in h.snippet for h in hit)


def test_prefix_phrase_and_or(new_vault: Vault) -> None:
    a = put(new_vault, "act", [("description", "He was tortured in a black jail.", "public")])
    b = put(new_vault, "act", [("description", "Jail staff wore black; torture denied.",
                                "public")])
    c = put(new_vault, "act", [("description", "律师无法会见", "public")])
    assert set(search_ids(new_vault.store, "tortur*")) == {a, b}
    assert search_ids(new_vault.store, "tortured") == [a]
    assert search_ids(new_vault.store, '"black jail"') == [a]
    assert set(search_ids(new_vault.store, "black jail")) == {a, b}
    assert set(search_ids(new_vault.store, "denied OR 律师")) == {b, c}
    assert search_ids(new_vault.store, '"无法会见"') == [c]
    assert search_ids(new_vault.store, '"会见无法"') == []
    hit = search(new_vault.store, "tortur*", kind="act")
    assert {h.id for h in hit} == {a, b}
    assert any("\x02tortured\x03" in h.snippet for h in hit)


def test_filters_kind_ids_dates_and_levels(new_vault: Vault) -> None:
    t1 = put(new_vault, "testimony", [("narrative", "酷刑 in 2019", "public")], "2019-05-02")
    t2 = put(new_vault, "testimony", [("narrative", "酷刑 in 2021", "partner")], "2021")
    t3 = put(new_vault, "testimony", [("summary", "no date", "public"),
                                      ("notes", "酷刑 secret", "private")], None)
    act = put(new_vault, "act", [("description", "酷刑", "public")], "~2020-02")
    store = new_vault.store
    assert set(search_ids(store, "酷刑")) == {t1, t2, t3, act}
    assert set(search_ids(store, "酷刑", kind="testimony")) == {t1, t2, t3}
    assert set(search_ids(store, "酷刑", record_ids=[t1, act, "ffffffffffffffff"])) == {t1, act}
    assert search_ids(store, "酷刑", record_ids=[]) == []
    assert set(search_ids(store, "酷刑", date_from="2019-06")) == {t2, act}
    assert set(search_ids(store, "酷刑", date_from="2019", date_to="2020-02-10")) == {t1, act}
    assert set(search_ids(store, "酷刑", date_to="2019-05-02")) == {t1}
    assert set(search_ids(store, "酷刑", max_level="public")) == {t1, act}
    assert set(search_ids(store, "酷刑", max_level="partner")) == {t1, t2, act}
    assert set(search_ids(store, "酷刑", max_level="private")) == {t1, t2, t3, act}
    # a value above the level is neither matched nor shown in a snippet
    assert search_ids(store, "secret", max_level="partner") == []
    hits = search(store, "date", max_level="partner")
    assert [h.id for h in hits] == [t3] and "secret" not in hits[0].snippet
    for bad in ["2019-02-30", "19", "2019/01", "soon"]:
        with pytest.raises(InvalidInput):
            search(store, "酷刑", date_from=bad)
    with pytest.raises(InvalidInput):
        search(store, "酷刑", max_level="secret")


def test_ranking_and_limit(new_vault: Vault) -> None:
    weak = put(new_vault, "act", [("description", "torture once among many other words "
                                   "about the weather, food, the courtyard and visits", "public")])
    strong = put(new_vault, "act", [("description", "torture torture torture", "public")])
    hits = search(new_vault.store, "torture")
    assert [h.id for h in hits] == [strong, weak]
    assert hits[0].score > hits[1].score
    assert len(search(new_vault.store, "torture", limit=1)) == 1
    with pytest.raises(InvalidInput):
        search(new_vault.store, "torture", limit=0)


def test_snippets_show_original_text_and_neutralise_marks(new_vault: Vault) -> None:
    long = "前言。" * 40 + "他被关押在黑监狱\x02里\x03。" + "后记。" * 40
    put(new_vault, "testimony", [("narrative", long, "public"),
                                 ("summary", "\x1b[31mred\x1b[0m 黑监狱", "public")])
    hit = search(new_vault.store, "黑监狱")[0]
    assert hit.field == "narrative"
    assert "他被关押在\x02黑监狱\x03\ufffd里\ufffd。" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "黑监 监狱" not in hit.snippet
    assert len(hit.snippet) < 200


# -- hostile queries ---------------------------------------------------------------------

HOSTILE = ['"', '""', "*", "**", "NEAR(", "NEAR(a b", "AND OR", "OR", "a OR", "NOT",
           '"unbalanced', 'a"b"c', "col:thing", "{public} : x", "^start", "a + b", "(", ")",
           "\x00", "\x1b[2J\x07", "\u202e", "-x", "'; DROP TABLE records; --", "a" * 999,
           "\ud800", "酷*刑", "*酷", "😀"]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_raise_only_invalid_input(new_vault: Vault, query: str) -> None:
    put(new_vault, "act", [("description", "near and or not public thing a b x 酷刑", "public")])
    try:
        search(new_vault.store, query)
        search_ids(new_vault.store, query, max_level="public")
    except InvalidInput as exc:
        assert "\n" not in exc.message


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=40))
def test_any_text_query_raises_only_invalid_input(new_vault: Vault, query: str) -> None:
    try:
        search(new_vault.store, query, max_level="partner")
    except InvalidInput:
        pass


def test_too_long_or_empty_queries_are_refused(new_vault: Vault) -> None:
    for query in ["", "   ", "!!!", "a" * 1001, " ".join(["w"] * 33)]:
        with pytest.raises(InvalidInput):
            search(new_vault.store, query)


# -- updates, removal, rebuild, health ------------------------------------------------------

def test_reindex_and_remove(new_vault: Vault) -> None:
    record = put(new_vault, "person", [("notes", "old words 旧的", "public")])
    put(new_vault, "person", [("notes", "new words 新的", "private")], record_id=record)
    assert search_ids(new_vault.store, "old") == []
    assert search_ids(new_vault.store, "旧的") == []
    assert search_ids(new_vault.store, "新的") == [record]
    assert search_ids(new_vault.store, "新的", max_level="partner") == []
    with new_vault.store.transaction("test") as tx:
        remove_record(tx, record)
        remove_record(tx, "0123456789abcdef")  # not indexed: nothing to do
        tx.audit("test.remove")
    assert search_ids(new_vault.store, "words") == []
    assert new_vault.check().ok


def test_a_changed_tokenizer_rebuilds_the_index(new_vault: Vault) -> None:
    record = put(new_vault, "act", [("description", "律师 lawyer", "public")])
    with new_vault.store.transaction("test") as tx:
        tx.execute("UPDATE meta SET value = 'old-rules' WHERE key = 'search_tokenizer'")
        tx.audit("test.meta")
    report = new_vault.check()
    assert any("other text rules" in p for p in report.problems)
    other = put(new_vault, "act", [("description", "律师 again", "public")])
    assert new_vault.store.meta("search_tokenizer") == TOKENIZER_VERSION
    assert set(search_ids(new_vault.store, "律师")) == {record, other}
    # (records indexed directly have no row in ``records``: only those problems remain)
    assert all("deleted records" in p for p in new_vault.check().problems)


def test_repair_rebuilds_and_removes_stale_entries(new_vault: Vault) -> None:
    records: Any = new_vault.services.records
    kept = records.add("act", {"type": "torture", "description": "律师 lawyer"})
    put(new_vault, "act", [("description", "律师 stale", "public")])  # no record behind it
    assert len(search_ids(new_vault.store, "律师")) == 2
    assert any("deleted records" in p for p in new_vault.check().problems)
    before = len(new_vault.store.audit_entries())
    lines = search_mod.health.repair(new_vault)
    assert lines == ["search index rebuilt for 1 records (1 stale entries removed)"]
    assert new_vault.store.audit_entries()[-1].action == "search.rebuild"
    assert len(new_vault.store.audit_entries()) == before + 1
    assert search_ids(new_vault.store, "律师") == [kept]
    assert new_vault.check().ok


def test_bad_index_input_is_refused(new_vault: Vault) -> None:
    with pytest.raises(InvalidInput):
        put(new_vault, "act", [("description", "x", "secret")])
    with pytest.raises(InvalidInput):
        put(new_vault, "act", [("count", 3, "public")])  # type: ignore[list-item]


# -- nothing readable at rest ----------------------------------------------------------------

def test_indexed_text_is_not_in_plaintext_on_disk(new_vault: Vault, vault_path: Path) -> None:
    canary = "CanaryZebra7431"
    cjk = "金丝雀酷刑见证"
    put(new_vault, "testimony", [("narrative", f"{canary} {cjk} " * 50, "private")])
    assert search_ids(new_vault.store, canary.lower()) and search_ids(new_vault.store, "丝雀")
    new_vault.store.checkpoint()
    put(new_vault, "testimony", [("narrative", f"{canary} wal copy {cjk}", "public")])
    names = sorted(p.name for p in vault_path.rglob("*") if p.is_file())
    # .evault-running: the empty mark an open vault holds (vault/running.py).
    assert all(n in {"header", "vault.db", "vault.db-wal", "vault.db-shm", ".evault-running"}
               for n in names)
    needles = [v.encode(enc) for v in (canary, canary.lower(), cjk, "丝雀")
               for enc in ("utf-8", "utf-16-le", "utf-16-be", "gb18030")]
    for path in vault_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(n in data for n in needles), path.name


# -- through the record service and the command line ---------------------------------------

def test_record_service_writes_are_searchable(new_vault: Vault) -> None:
    records: Any = new_vault.services.records
    tid = records.add("testimony", {"narrative": "他说律师被拒绝会见。The lawyer was refused.",
                                    "interview_date": "2020-03-04"})
    assert [h.id for h in search(new_vault.store, "律师")] == [tid]
    assert search_ids(new_vault.store, "lawyer", date_from="2020-03") == [tid]
    records.set_level(tid, "narrative", "private")
    assert search_ids(new_vault.store, "律师", max_level="partner") == []
    records.edit(tid, {"narrative": "nothing left"})
    assert search_ids(new_vault.store, "律师") == []
    records.delete(tid)
    assert search_ids(new_vault.store, "nothing") == []


def test_cli_search_json_and_safe_text(new_vault: Vault, cli: Any) -> None:
    records: Any = new_vault.services.records
    tid = records.add("testimony", {"title": "Interview \x1b]0;pwned\x07 K",
                                    "narrative": "Beaten in a black jail \x1b[31m\x1b[0m; 黑监狱",
                                    "interview_date": "2019-02"})
    other = records.add("act", {"type": "torture", "description": "black jail again"})
    case = records.add("case", {"title": "File", "records": [tid]})
    new_vault.close()
    result = cli("search", "black jail", "--json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert {r["id"] for r in rows} == {tid, other}
    assert set(rows[0]) == {"id", "kind", "title", "snippet"}
    assert "\u0002" in result.out or "\\u0002" in result.out
    assert json.loads(cli("search", "黑监狱", "--case", case[:6], "--json").out)[0]["id"] == tid
    assert json.loads(cli("search", "jail", "--kind", "act", "--json").out)[0]["id"] == other
    assert json.loads(cli("search", "jail", "--from", "2019", "--to", "2019-12",
                          "--json").out)[0]["id"] == tid
    text = cli("search", "black jail")
    assert text.code == 0
    assert "\x1b" not in text.out and "\x07" not in text.out and "\x02" not in text.out
    assert "[black]" in text.out or "[black jail]" in text.out
    assert tid in text.out
    assert cli("search", "nothingmatches").out == ""
    bad = cli("search", '"')
    assert bad.code == 1 and bad.err.startswith("error: ")
    assert cli("search", "x", "--kind", "nosuchkind").code == 1
    assert cli("search", "x", "--from", "2019-02-30").code == 1
    try:
        usage = cli("search", "x", "--limit", "0").code
    except SystemExit as exc:  # argparse exits by itself on a usage error
        usage = int(exc.code or 0)
    assert usage == 2
