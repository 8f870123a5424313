"""Keyset pagination of the record list: every page costs the same at any depth.

``LIMIT … OFFSET n`` makes SQLite read and discard ``n`` rows: at a million records the
last page took 3.5 s. A page here instead starts from the sort key of the previous
page's last row (the *cursor*: that row's value in the sort column and its rowid) and
seeks into an index ordered the same way, so the page at row 999,900 reads the same 100
index entries as the first page.

Every order the app offers is served by an index on ``(column, rowid)`` (SQLite appends
the rowid to every index), and with a kind filter by one on ``(kind, column, rowid)``
(``records_0003_keyset``). A case filter starts from the case's links (its own size, not
the vault's); a date filter is also a range on the date index, so it is an index seek
when the list is ordered by date, and a filtered walk of the order's index otherwise.

Columns that may be NULL (``date``) sort their NULLs first ascending and last
descending, as SQLite does; the NULL part and the value part are separate seeks, and so
are the rows that tie with the cursor's value (see ``_seeks``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vault.errors import InvalidInput
from vault.records.model import RecordSummary

#: Sort column of each order; ``added`` is insertion order (the rowid).
COLUMNS = {"added": "r.rowid", "updated": "r.updated", "title": "r.title", "date": "r.date",
           "kind": "r.kind"}
#: Columns that can hold NULL (the order then has a NULL part and a value part).
NULLABLE = {"date"}
_SELECT = "SELECT r.id, r.kind, r.title, r.date, r.updated, r.rowid, {col} FROM "


@dataclass(frozen=True)
class Page:
    """One page of the list and where the next one starts."""

    rows: list[RecordSummary]
    next: str | None
    """Pass as ``after`` for the following page; None when this page is the last."""


@dataclass(frozen=True)
class Filter:
    """The WHERE part shared by every seek of one listing."""

    source: str
    where: list[str]
    params: list[Any]


def column(order: str) -> str:
    """The sort column of ``order`` (InvalidInput for an order the list does not have)."""
    if order not in COLUMNS:
        raise InvalidInput(f"records can be listed by {', '.join(COLUMNS)}")
    return COLUMNS[order]


def encode(value: Any, rowid: int) -> str:
    """The opaque cursor of a row (its sort value and rowid)."""
    return json.dumps([value, rowid], ensure_ascii=False, separators=(",", ":"))


def decode(cursor: str) -> tuple[Any, int]:
    """The sort value and rowid of a cursor from :func:`encode` (InvalidInput if not)."""
    try:
        value, rowid = json.loads(cursor)
        if not isinstance(rowid, int) or not (value is None or isinstance(value, str | int)):
            raise ValueError
    except (ValueError, TypeError):
        raise InvalidInput("that list position is not valid; start from the first page") \
            from None
    return value, rowid


Seek = tuple[list[str], list[Any], str]


def _seeks(order: str, descending: bool, start: tuple[Any, int] | None) -> list[Seek]:
    """The index seeks that read the rows after ``start``, in order, as
    ``(where terms, params, ORDER BY)``. A tie on the sort value is its own seek
    (``col = v AND rowid > r``): a row-value comparison ``(col, rowid) > (v, r)`` seeks on
    ``col`` alone and then walks every row sharing ``v`` — a million rows imported in the
    same second share ``updated``, every testimony shares ``kind``."""
    col = COLUMNS[order]
    way, cmp = ("DESC", "<") if descending else ("ASC", ">")
    by_rowid = f"r.rowid {way}"
    by_value = f"{col} {way}, r.rowid {way}"
    if order == "added":
        return [([f"r.rowid {cmp} ?"], [start[1]], by_rowid) if start else ([], [], by_rowid)]
    none: list[Any] = []
    null_part: Seek = ([f"{col} IS NULL"], none, by_rowid)
    value_part: Seek = ([f"{col} IS NOT NULL"] if order in NULLABLE else [], none, by_value)
    parts = [value_part] if order not in NULLABLE else (
        [value_part, null_part] if descending else [null_part, value_part])
    if start is None:
        return parts
    value, rowid = start
    if value is None:  # inside the NULL part: the rest of it, then what follows it
        rest = ([f"{col} IS NULL", f"r.rowid {cmp} ?"], [rowid], by_rowid)
        return [rest, *parts[parts.index(null_part) + 1:]]
    ties = ([f"{col} = ?", f"r.rowid {cmp} ?"], [value, rowid], by_rowid)
    beyond = ([f"{col} {cmp} ?"], [value], by_value)
    return [ties, beyond, *parts[parts.index(value_part) + 1:]]


def page(query: Any, base: Filter, *, order: str, descending: bool, limit: int,
         after: str | None) -> Page:
    """Up to ``limit`` rows of ``base`` in ``order`` after the cursor ``after``: at most
    three index seeks of at most ``limit`` rows each, whatever the depth."""
    if limit < 1:
        raise InvalidInput("a page holds at least one record")
    col = column(order)
    rows: list[Any] = []
    for where, params, sort in _seeks(order, descending,
                                      None if after is None else decode(after)):
        terms = [*base.where, *where]
        sql = (_SELECT.format(col=col) + base.source
               + (" WHERE " + " AND ".join(terms) if terms else "")
               + f" ORDER BY {sort} LIMIT ?")
        rows.extend(query(sql, (*base.params, *params, limit - len(rows))))
        if len(rows) >= limit:
            break
    summaries = [RecordSummary(str(r[0]), str(r[1]), str(r[2]), r[3], r[4]) for r in rows]
    last = rows[-1] if len(rows) == limit else None
    return Page(summaries, None if last is None else encode(last[6], int(last[5])))


def date_bounds(column: str, date_from: str | None, date_to: str | None,
                iso: Any) -> tuple[list[str], list[Any]]:
    """WHERE terms for a date filter: the exact prefix rule, plus the same bounds as a
    range the date index can seek (``substr(d, 1, n) >= v`` ⇔ ``d >= v``, and
    ``substr(d, 1, n) <= v`` ⇔ ``d < v + U+10FFFF``)."""
    where: list[str] = []
    params: list[Any] = []
    for bound, op in ((date_from, ">="), (date_to, "<=")):
        if bound is None:
            continue
        value = iso(bound)
        where.append(f"substr({column}, 1, {len(value)}) {op} ?")
        params.append(value)
        if op == ">=":
            where.append(f"{column} >= ?")
            params.append(value)
        else:
            where.append(f"{column} < ?")
            params.append(value + "\U0010ffff")
    return where, params


def case_source(case_id: str) -> tuple[str, list[str], list[Any]]:
    """FROM/WHERE for the records of one case: the case's links drive the join
    (``CROSS JOIN`` keeps SQLite from walking the whole records table instead)."""
    return ("links AS l CROSS JOIN records AS r ON r.id = l.dst",
            ["l.src = ?", "l.field = 'records'"], [case_id])
