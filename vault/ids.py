"""Record and attachment ids: random, never derived from content, and accepted as any
unique prefix (people type the first few characters)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from vault.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from vault.store import Store

ID_CHARS = 16
MIN_PREFIX = 4


def new_id() -> str:
    """A fresh 16-hex-character id (64 random bits)."""
    return secrets.token_hex(ID_CHARS // 2)


def resolve(store: Store, table: str, prefix: str, what: str = "record") -> str:
    """The one id in ``table`` starting with ``prefix`` (NotFound, or InvalidInput when
    ambiguous or malformed). ``table`` is a constant chosen by the caller, never input."""
    cleaned = prefix.strip().lower()
    if len(cleaned) < MIN_PREFIX or any(c not in "0123456789abcdef" for c in cleaned):
        raise InvalidInput(f"'{prefix[:20]}' is not a {what} id (at least {MIN_PREFIX} hex "
                           "characters)")
    rows = store.query(f"SELECT id FROM {table} WHERE id >= ? AND id < ? LIMIT 2",
                 (cleaned, cleaned + "g"))
    if not rows:
        raise NotFound(f"no {what} with id {cleaned}")
    if len(rows) > 1:
        raise InvalidInput(f"more than one {what} id starts with {cleaned}; type more of it")
    return str(rows[0][0])
