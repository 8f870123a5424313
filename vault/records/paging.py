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
descending, as SQLite does; a page crossing from one part to the other is read in two
index seeks, because a row-value comparison never matches NULL.
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


def page(query: Any, base: Filter, *, order: str, descending: bool, limit: int,
         after: str | None) -> Page:
    """Up to ``limit`` rows of ``base`` in ``order`` after the cursor ``after``."""
    if limit < 1:
        raise InvalidInput("a page holds at least one record")
    col = column(order)
    way = "DESC" if descending else "ASC"
    cmp = "<" if descending else ">"
    start = None if after is None else decode(after)
    # The parts of the order: NULLs first ascending, last descending.
    parts = ["value"] if order not in NULLABLE else (
        ["value", "null"] if descending else ["null", "value"])
    if start is not None and order in NULLABLE:
        parts = parts[parts.index("null" if start[0] is None else "value"):]
    rows: list[Any] = []
    for i, part in enumerate(parts):
        where, params = list(base.where), list(base.params)
        resume = start if i == 0 else None
        if part == "null":
            where.append(f"{col} IS NULL")
            if resume is not None:
                where.append(f"r.rowid {cmp} ?")
                params.append(resume[1])
            sort = f"r.rowid {way}"
        else:
            if order in NULLABLE:
                where.append(f"{col} IS NOT NULL")
            if resume is not None:
                if order == "added":
                    where.append(f"r.rowid {cmp} ?")
                    params.append(resume[1])
                else:
                    where.append(f"({col}, r.rowid) {cmp} (?, ?)")
                    params.extend(resume)
            sort = f"{col} {way}, r.rowid {way}" if order != "added" else f"r.rowid {way}"
        sql = (_SELECT.format(col=col) + base.source
               + (" WHERE " + " AND ".join(where) if where else "")
               + f" ORDER BY {sort} LIMIT ?")
        rows.extend(query(sql, (*params, limit - len(rows))))
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
