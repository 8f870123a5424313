"""Finding a record to link to by what a person types of its title (the app's reference
pickers): any script, each word a prefix, records whose *title* matches first.

A separate, small function on purpose: the full search ranks by every field (bm25 over
the whole record); a picker answers "which record did I mean", so it looks at the
title. The candidates still come from the full-text index (one FTS5 MATCH, never a
scan of the records table, so it stays fast at 100,000 records); among them, those
whose title holds every typed term come first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vault.search.index import Reader
from vault.search.query import parse
from vault.search.snippet import compile_terms, find

#: How many index candidates are looked at for one keystroke (then ranked by title).
CANDIDATES = 200


@dataclass(frozen=True)
class Choice:
    """A record a picker can offer."""

    id: str
    kind: str
    title: str
    date: str | None
    title_match: bool
    """Every typed term is in the title (not only somewhere else in the record)."""


def as_you_type(text: str) -> str:
    """What was typed, with every unquoted word made a prefix (``wan qu`` finds
    ``Wang Quanzhang``)."""
    words = []
    for word in text.split():
        words.append(word if word.endswith("*") or '"' in word else word + "*")
    return " ".join(words)


def pick(store: Reader, text: str, *, kinds: Iterable[str] = (), limit: int = 20
         ) -> list[Choice]:
    """Up to ``limit`` records of ``kinds`` (any kind when empty) for what was typed;
    title matches first, then the rest in index order. Raises
    :class:`~vault.errors.InvalidInput` when nothing searchable was typed."""
    query = parse(as_you_type(text))
    wanted = sorted(set(kinds))
    sql = ("SELECT r.id, r.kind, r.title, r.date FROM search_fts "
           "JOIN search_doc AS d ON d.docid = search_fts.rowid "
           "JOIN records AS r ON r.id = d.record_id WHERE search_fts MATCH ?")
    params: list[object] = [query.fts()]
    if wanted:
        sql += f" AND d.kind IN ({', '.join('?' for _ in wanted)})"
        params.extend(wanted)
    sql += " LIMIT ?"
    params.append(CANDIDATES)
    rows = store.query(sql, params)
    terms = [compile_terms([term.pattern()]) for term in query.terms()]
    choices = []
    for rid, kind, title, date in rows:
        in_title = all(find(str(title), term) for term in terms)
        choices.append(Choice(str(rid), str(kind), str(title), date, in_title))
    choices.sort(key=lambda c: (not c.title_match, len(c.title)))
    return choices[:limit]
