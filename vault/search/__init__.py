"""Full-text search inside the encrypted database, in every script.

The public surface (contract in docs/architecture.md, "Search"): :func:`index_record`
and :func:`remove_record`, called by the record service in its own write transaction,
and :func:`search` for the front ends. How Chinese, Japanese and Korean text is indexed
and why is in docs/search.md.
"""

from __future__ import annotations

from vault.search.index import (
    LEVELS,
    MIGRATIONS,
    Hit,
    index_record,
    rebuild,
    remove_record,
    search,
    search_ids,
)

__all__ = ["LEVELS", "MIGRATIONS", "Hit", "index_record", "rebuild", "remove_record",
           "search", "search_ids"]
