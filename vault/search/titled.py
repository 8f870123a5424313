"""The search both front ends run: a query with its filters in, hits with their records'
titles out (``evault search`` and the app's browse screen).

Why one function: the command line fetched each hit's record in full to print its
title (one query per hit) while the app fetched all titles in one query; the filters
(a case's records, an unknown kind) were also checked in two places. Now both call
:func:`search_records` and only draw the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from vault.search.index import Hit, search

if TYPE_CHECKING:
    from vault.records.service import RecordService


class TitledHit(NamedTuple):
    """One search result and the title of its record (a pair, so ``hit, title = x``)."""

    hit: Hit
    title: str
    """The record's title as stored ("" if the record went away meanwhile)."""


def search_records(records: RecordService, query: str, *, kind: str | None = None,
                   case: str | None = None, max_level: Any = None,
                   date_from: str | None = None, date_to: str | None = None,
                   limit: int = 50) -> list[TitledHit]:
    """The best ``limit`` records for ``query``, best first, each with its title (all
    titles read in one query). ``kind`` must be a known record type and ``case`` a case
    id or prefix: both refuse what they do not know (``InvalidInput`` / ``NotFound``)
    rather than answer "no hits". Bad queries raise ``InvalidInput``
    (:func:`vault.search.search`)."""
    if kind is not None:
        records.registry.type(kind)  # an unknown kind is an error, not "no hits"
    record_ids = None if case is None else [s.id for s in records.list(case=case)]
    hits = search(records.store, query, kind=kind, record_ids=record_ids,
                  max_level=max_level, date_from=date_from, date_to=date_to, limit=limit)
    titles = records.titles([hit.id for hit in hits])
    return [TitledHit(hit, titles.get(hit.id, "")) for hit in hits]
