"""The full-text index inside the encrypted database, and the queries over it.

Layout (all inside ``vault.db``, so encrypted like everything else; no other file):

- ``search_doc`` — one narrow row per record: kind and date range, what filters need.
- ``search_fts`` — a contentless FTS5 table (``contentless_delete = 1``), one row per
  record, one column per redaction level. Each value's tokens go into the column of its
  level, so ``max_level`` is a column filter inside the MATCH (a value above the chosen
  level can neither match nor be shown) and all terms of a query may be found across the
  fields of one record.
- ``search_text`` — the indexed values as given (field, level, text), only for entries
  that have no other home. Records do (``keep_text=False``): their values are read back
  from the records table by ``vault.records.searchtext`` when a snippet or a rebuild needs
  them, so the vault does not hold every text twice.

Why this layout (measured on 5,000 mixed English/Chinese testimonies, sizes relative to
their JSON): the previous layout was 4.8x the plaintext — the FTS index 1.70x (bigrams
plus a copy of every distinct CJK character), ``search_text`` 1.26x, records 1.26x.
Now: no copy of the text, and no separate single-character tokens (a one-character query
is a prefix query on the bigrams, see ``fold.index_body``): FTS 1.22x, total under 3x.
``detail = full`` stays: CJK words are phrases of bigrams, which need positions, and
``detail = column`` would turn exact phrase search into a scan. ``columnsize`` stays:
without it bm25 ranks one mention above three on a contentless table (measured).
``contentless_delete = 1`` (SQLite 3.43+) lets a delete or an update forget a row without
repeating its tokens, so nothing has to be kept to delete with.

Every function takes the transaction or store it works on, so the benchmark runs the very
same code on the standard library's unencrypted sqlite3 (which must then be 3.43+).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date as Date
from typing import Any, Protocol

from vault.errors import InvalidInput
from vault.search.fold import TOKENIZER_VERSION, index_body
from vault.search.query import Query, parse
from vault.search.romanise import romanised
from vault.search.schema import META_KEY
from vault.search.snippet import compile_terms, cut, find

LEVELS = ("public", "partner", "private")
class Writer(Protocol):
    """What the index needs of a write transaction (``vault.store.Transaction``)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


class Reader(Protocol):
    """What searching needs of a store (``vault.store.Store``)."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...


Fetch = Callable[[str, Sequence[Any]], Iterable[Any]]
Texts = Iterator[tuple[str, list[tuple[str, str, Any]]]]


def _record_texts(fetch: Fetch, record_ids: Sequence[str] | None) -> Texts:
    """Values of records indexed with ``keep_text=False``, read from the records table."""
    from vault.records.searchtext import record_texts

    return record_texts(fetch, record_ids)


@dataclass(frozen=True)
class Hit:
    """One record found by a search."""

    id: str
    kind: str
    field: str
    """The field the snippet comes from (the first one where a term matched)."""
    snippet: str
    """One line of the original text; matches between ``\\x02`` and ``\\x03``."""
    score: float
    """Relevance (bm25, negated): higher is better."""


Entry = tuple[str, str, str]  # (field, level, text)


def _level(value: Any, field: str = "") -> str:
    name = getattr(value, "value", value)
    if name not in LEVELS:
        where = f" of field {field}" if field else ""
        raise InvalidInput(f"unknown redaction level{where}; use public, partner or private")
    return str(name)


def _entries(texts: Iterable[tuple[str, str, Any]]) -> list[Entry]:
    entries: list[Entry] = []
    for field, text, level in texts:
        if not isinstance(text, str):
            raise InvalidInput(f"field {field} is not text and cannot be indexed")
        if text.strip():
            entries.append((str(field), _level(level, field), text))
    return entries


def _bodies(entries: Iterable[Sequence[str]]) -> list[str]:
    """The token string of each level's column (values of one level tokenized together:
    one pass instead of one per field)."""
    columns: dict[str, list[str]] = {level: [] for level in LEVELS}
    for _field, level, text in entries:
        columns[level].append(text)
        extra = romanised(text)  # pinyin of short Chinese values: see romanise.py
        if extra:
            columns[level].append(extra)
    return [index_body("\n".join(parts)) if parts else "" for parts in columns.values()]


_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _span(value: str | None) -> tuple[str | None, str | None]:
    """The first and last day a (possibly partial or approximate) date can mean."""
    match = _DATE.search(value) if value else None
    if match is None:
        return None, None
    year, month, day = match.groups()
    start = f"{year}-{month or '01'}-{day or '01'}"
    end = f"{year}-{month or '12'}-{day or '31'}"  # compared as text: 31 works for any month
    return start, end


def _ensure_current(tx: Writer) -> None:
    row = tx.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    if row is None or row[0] != TOKENIZER_VERSION:
        rebuild(tx)


def index_record(tx: Writer, record_id: str, kind: str,
                 texts: list[tuple[str, str, Any]], date: str | None, *,
                 keep_text: bool = True) -> None:
    """(Re)index one record in the caller's transaction: ``texts`` holds every
    searchable value of the record as ``(field, text, level)``; ``date`` is the record's
    date (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) for date filters, or None.
    ``keep_text=False`` when the values can be read back from the records table (the
    record service): the index then keeps no copy of them."""
    entries = _entries(texts)
    _ensure_current(tx)
    start, end = _span(date)
    row = tx.execute("SELECT docid FROM search_doc WHERE record_id = ?",
                     (record_id,)).fetchone()
    if row is not None:
        docid = int(row[0])
        tx.execute("DELETE FROM search_fts WHERE rowid = ?", (docid,))
        tx.execute("UPDATE search_doc SET kind = ?, date_start = ?, date_end = ? "
                   "WHERE docid = ?", (kind, start, end, docid))
        tx.execute("DELETE FROM search_text WHERE docid = ?", (docid,))
    else:
        cursor = tx.execute("INSERT INTO search_doc(record_id, kind, date_start, date_end) "
                            "VALUES (?, ?, ?, ?)", (record_id, kind, start, end))
        docid = int(cursor.lastrowid)
    if keep_text:
        tx.execute("INSERT INTO search_text(docid, texts) VALUES (?, ?)",
                   (docid, json.dumps(entries, ensure_ascii=False)))
    tx.execute("INSERT INTO search_fts(rowid, public, partner, private) VALUES (?, ?, ?, ?)",
               (docid, *_bodies(entries)))


def remove_record(tx: Writer, record_id: str) -> None:
    """Drop one record from the index (no-op when it is not there)."""
    _ensure_current(tx)
    row = tx.execute("SELECT docid FROM search_doc WHERE record_id = ?",
                     (record_id,)).fetchone()
    if row is None:
        return
    tx.execute("DELETE FROM search_fts WHERE rowid = ?", (row[0],))
    tx.execute("DELETE FROM search_text WHERE docid = ?", (row[0],))
    tx.execute("DELETE FROM search_doc WHERE docid = ?", (row[0],))


def rebuild(tx: Writer) -> int:
    """Re-tokenize every indexed value (after a tokenizer change); returns the count.
    Streams: the values are read a batch at a time, never all at once."""
    tx.execute("INSERT INTO search_fts(search_fts) VALUES ('delete-all')")
    count = 0
    last = 0
    while True:  # entries that keep their own text, in batches
        rows = tx.execute("SELECT docid, texts FROM search_text WHERE docid > ? "
                          "ORDER BY docid LIMIT 500", (last,)).fetchall()
        if not rows:
            break
        for docid, texts_json in rows:
            tx.execute("INSERT INTO search_fts(rowid, public, partner, private) "
                       "VALUES (?, ?, ?, ?)", (docid, *_bodies(json.loads(texts_json))))
            count += 1
        last = int(rows[-1][0])
    for record_id, texts in _record_texts(tx.execute, None):
        row = tx.execute("SELECT d.docid FROM search_doc AS d WHERE d.record_id = ? AND "
                         "d.docid NOT IN (SELECT docid FROM search_text)",
                         (record_id,)).fetchone()
        if row is None:
            continue
        tx.execute("INSERT INTO search_fts(rowid, public, partner, private) "
                   "VALUES (?, ?, ?, ?)", (row[0], *_bodies(_entries(texts))))
        count += 1
    tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
               (META_KEY, TOKENIZER_VERSION))
    return count


def _columns(max_level: Any) -> tuple[str, ...] | None:
    if max_level is None:
        return None
    rank = LEVELS.index(_level(max_level))
    return LEVELS[:rank + 1]


def _filter_date(value: str, last: bool) -> str:
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value.strip())
    try:
        if match is None:
            raise ValueError
        year, month, day = match.groups()
        Date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise InvalidInput("a date filter must be a real date: YYYY, YYYY-MM or "
                           "YYYY-MM-DD") from None
    start, end = _span(value)
    assert start is not None and end is not None
    return end if last else start


def _where(query: Query, columns: tuple[str, ...] | None, kind: str | None,
           record_ids: Iterable[str] | None, date_from: str | None,
           date_to: str | None) -> tuple[str, list[Any]]:
    sql = ("FROM search_fts JOIN search_doc AS d ON d.docid = search_fts.rowid "
           "WHERE search_fts MATCH ?")
    params: list[Any] = [query.fts(columns)]
    if kind is not None:
        sql += " AND d.kind = ?"
        params.append(kind)
    if record_ids is not None:
        sql += " AND d.record_id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted(set(record_ids))))
    if date_from is not None:
        sql += " AND d.date_end >= ?"
        params.append(_filter_date(date_from, last=False))
    if date_to is not None:
        sql += " AND d.date_start <= ?"
        params.append(_filter_date(date_to, last=True))
    return sql, params


def search_ids(store: Reader, query: str, *, kind: str | None = None,
               record_ids: Iterable[str] | None = None, max_level: Any = None,
               date_from: str | None = None, date_to: str | None = None) -> list[str]:
    """Every matching record id, unranked (for selections and for checking the index
    against a scan)."""
    where, params = _where(parse(query), _columns(max_level), kind, record_ids,
                           date_from, date_to)
    return [str(row[0]) for row in store.query(f"SELECT d.record_id {where}", params)]


def _stored_entries(store: Reader, record_ids: list[str]) -> dict[str, list[Entry]]:
    """The indexed values of ``record_ids`` as ``(field, level, text)``: from
    ``search_text`` where kept, else from the records table (one query each way)."""
    found: dict[str, list[Entry]] = {
        str(rid): [tuple(e) for e in json.loads(texts)]
        for rid, texts in store.query(
            "SELECT d.record_id, t.texts FROM search_doc AS d JOIN search_text AS t "
            "ON t.docid = d.docid WHERE d.record_id IN (SELECT value FROM json_each(?))",
            (json.dumps(record_ids),))}
    missing = [rid for rid in record_ids if rid not in found]
    if missing:
        for rid, texts in _record_texts(store.query, missing):
            found[rid] = _entries(texts)
    return found


def search(store: Reader, query: str, *, kind: str | None = None,
           record_ids: Iterable[str] | None = None, max_level: Any = None,
           date_from: str | None = None, date_to: str | None = None,
           limit: int = 50) -> list[Hit]:
    """The best ``limit`` records for ``query``, ranked, each with a snippet of the
    original text. Raises :class:`InvalidInput` for a query with nothing to search or a
    bad filter; never a database error for what a person typed."""
    if limit < 1:
        raise InvalidInput("the number of results must be at least 1")
    parsed = parse(query)
    columns = _columns(max_level)
    where, params = _where(parsed, columns, kind, record_ids, date_from, date_to)
    if kind is None and record_ids is None and date_from is None and date_to is None:
        # Rank inside FTS5 first and look up only the top rows: with no filter there is
        # no reason to visit search_doc once per match (3x faster for common words).
        rows = store.query(
            "SELECT d.record_id, d.kind, f.score FROM (SELECT rowid, bm25(search_fts) AS score "
            "FROM search_fts WHERE search_fts MATCH ? ORDER BY score LIMIT ?) AS f "
            "JOIN search_doc AS d ON d.docid = f.rowid ORDER BY f.score", [*params, limit])
    else:
        rows = store.query(f"SELECT d.record_id, d.kind, bm25(search_fts) AS score {where} "
                           "ORDER BY score LIMIT ?", [*params, limit])
    if not rows:
        return []
    allowed = set(columns or LEVELS)
    stored = _stored_entries(store, [str(row[0]) for row in rows])
    finder = compile_terms([term.pattern() for term in parsed.terms()])
    hits: list[Hit] = []
    for record_id, kind_, score in rows:
        entries = [e for e in stored.get(record_id, []) if e[1] in allowed]
        field, snippet = (entries[0][0], cut(entries[0][2], [])) if entries else ("", "")
        for name, _, text in entries:
            spans = find(text, finder)
            if spans:
                field, snippet = name, cut(text, spans)
                break
        hits.append(Hit(str(record_id), str(kind_), field, snippet, -float(score)))
    return hits
