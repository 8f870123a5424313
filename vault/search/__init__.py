"""Full-text search inside the encrypted database, in every script.

The public surface (contract in docs/architecture.md, "Search"): :func:`index_record`
and :func:`remove_record`, called by the record service in its own write transaction,
and :func:`search` for the front ends. How Chinese, Japanese and Korean text is indexed
and why is in docs/search.md.

The names are loaded on first use (PEP 562): importing ``vault.search.schema`` (which
every unlock does, to check the schema is current) must not load the tokenizer and its
OpenCC tables, which ``evault list`` never needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vault.search.schema import MIGRATIONS

if TYPE_CHECKING:
    from vault.search.index import (
        LEVELS,
        Hit,
        index_record,
        rebuild,
        remove_record,
        search,
        search_ids,
    )

__all__ = ["LEVELS", "MIGRATIONS", "Hit", "index_record", "rebuild", "remove_record",
           "search", "search_ids"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from vault.search import index

        return getattr(index, name)
    raise AttributeError(f"module 'vault.search' has no attribute {name!r}")
