"""``evault check`` and ``evault check --repair`` for the search index.

The index is derived data: ``search_text`` holds what was indexed, so a stale index
(built with other text rules, e.g. after a Python upgrade changed Unicode tables) or one
with rows of records that no longer exist can always be rebuilt without losing anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vault.errors import VaultError
from vault.search.fold import TOKENIZER_VERSION
from vault.search.index import rebuild, remove_record
from vault.search.schema import META_KEY

if TYPE_CHECKING:
    from vault.session import Vault


def _orphans(store: Any) -> list[str]:
    if store.query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                       "AND name = 'records'") is None:
        return []
    rows = store.query("SELECT record_id FROM search_doc "
                       "WHERE record_id NOT IN (SELECT id FROM records)")
    return [str(row[0]) for row in rows]


def _orphan_count(store: Any) -> int:
    """How many index entries have no record (counted by SQLite: flat memory)."""
    if store.query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                       "AND name = 'records'") is None:
        return 0
    return int(store.query_one("SELECT count(*) FROM search_doc WHERE record_id NOT IN "
                               "(SELECT id FROM records)")[0])


def check(vault: Vault) -> list[str]:
    """Problems with the search index, as one-line messages (no content)."""
    store = vault.store
    problems: list[str] = []
    if store.meta(META_KEY) != TOKENIZER_VERSION:
        problems.append("search index: built with other text rules; "
                        "'evault check --repair' rebuilds it")
    # FTS5's integrity check is spelled as a write: on read-only media it cannot run
    # (the index is derived data; the database's own checks still cover its pages).
    if not vault.read_only:
        try:
            store.query(
                "INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 0)")
        except VaultError:
            problems.append("search index: damaged; 'evault check --repair' rebuilds it")
    orphans = _orphan_count(store)
    if orphans:
        problems.append(f"search index: {orphans} entries of deleted records; "
                        "'evault check --repair' removes them")
    return problems


def repair(vault: Vault) -> list[str]:
    """Remove entries of deleted records and rebuild the index from the stored values."""
    store = vault.store
    orphans = _orphans(store)
    with store.transaction("rebuilding the search index") as tx:
        for record_id in orphans:
            remove_record(tx, record_id)
        count = rebuild(tx)
        tx.audit("search.rebuild", records=count, removed=len(orphans))
    return [f"search index rebuilt for {count} records ({len(orphans)} stale entries removed)"]
