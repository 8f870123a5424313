"""The records table as the search index's source of text.

The search index used to keep its own copy of every indexed value (``search_text``), as
large as the records themselves. Records are now indexed without that copy: when search
needs a record's values (for the snippets of the hits it returns, or to rebuild the
index) it asks this source, which reads them from ``records`` — the same
``index_texts`` the record service indexed them with, so one rule decides what is
searchable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from vault.errors import VaultError
from vault.records.model import index_texts

BATCH = 500


class _Rows:
    """What ``RecordService.registry`` and ``from_row`` need of a store: ``query``."""

    def __init__(self, fetch: Any) -> None:
        self._fetch = fetch

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self._fetch(sql, params))


class _Owner:
    def __init__(self, fetch: Any) -> None:
        self.store = _Rows(fetch)


def record_texts(fetch: Any, record_ids: Sequence[str] | None,
                 ) -> Iterator[tuple[str, list[tuple[str, str, Any]]]]:
    """``(record id, [(field, text, level)])`` for ``record_ids`` (every record when
    None), read in batches so a rebuild of a million records holds a few hundred."""
    from vault.records.service import RecordService

    has_table = list(fetch("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'records'", ()))
    if not has_table:
        return
    service = RecordService(_Owner(fetch))  # type: ignore[arg-type]
    columns = "id, kind, data, levels, title, created, updated"
    if record_ids is None:
        last = 0
        while True:
            rows = list(fetch(f"SELECT rowid, {columns} FROM records WHERE rowid > ? "
                              "ORDER BY rowid LIMIT ?", (last, BATCH)))
            if not rows:
                return
            last = int(rows[-1][0])
            yield from _texts(service, (row[1:] for row in rows))
    else:
        wanted = list(record_ids)
        for start in range(0, len(wanted), BATCH):
            chunk = json.dumps(wanted[start:start + BATCH])
            rows = list(fetch(f"SELECT {columns} FROM records WHERE id IN "
                              "(SELECT value FROM json_each(?))", (chunk,)))
            yield from _texts(service, rows)


def _texts(service: Any, rows: Iterable[Any],
           ) -> Iterator[tuple[str, list[tuple[str, str, Any]]]]:
    for row in rows:
        try:
            record = service.from_row(row)
            rtype = service.registry.type(record.kind)
        except (ValueError, TypeError, VaultError):
            continue  # an unreadable record: `evault check` reports it, search skips it
        yield record.id, list(index_texts(rtype, record.fields, record.levels))
