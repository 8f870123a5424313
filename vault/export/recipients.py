"""Recipients: the partner organisations' age X25519 public keys, kept in the vault.

A key is checked by parsing it with pyrage (bech32 checksum included) before it is stored,
so a mistyped key is refused here rather than producing a bundle nobody can open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyrage

from vault.errors import InvalidInput, NotFound
from vault.store import Store

_Names = list[str]  # the class below has a ``list`` method that hides the builtin
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


@dataclass(frozen=True)
class Recipient:
    """A named age public key."""

    name: str
    age_key: str
    added: str


_Recipients = list[Recipient]


def parse_age_key(text: str) -> pyrage.x25519.Recipient:
    """An ``age1…`` X25519 public key, or InvalidInput."""
    key = text.strip()
    if not key.startswith("age1") or len(key) > 100:
        raise InvalidInput("not an age public key (it starts with age1 and comes from "
                           "age-keygen -y)")
    try:
        return pyrage.x25519.Recipient.from_str(key)
    except (pyrage.RecipientError, ValueError):
        raise InvalidInput("malformed age public key (a character is wrong or missing); "
                           "ask the partner to send it again") from None


def looks_like_age_key(text: str) -> bool:
    """True when ``text`` is meant as a key rather than a recipient name."""
    return text.strip().lower().startswith("age1")


class Recipients:
    """The recipients table."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, name: str, age_key: str) -> Recipient:
        """Store a recipient (InvalidInput for a bad name or key, or a duplicate)."""
        name = name.strip()
        if not _NAME.match(name) or looks_like_age_key(name):
            raise InvalidInput("a recipient name is 1–64 printable characters and not a key")
        parse_age_key(age_key)
        key = age_key.strip()
        if self.store.query_one("SELECT 1 FROM recipients WHERE name = ?", (name,)):
            raise InvalidInput(f"there is already a recipient called {name}")
        if self.store.query_one("SELECT 1 FROM recipients WHERE age_key = ?", (key,)):
            raise InvalidInput("this key is already stored under another name")
        added = self.store.clock().isoformat(timespec="seconds")
        with self.store.transaction("adding a recipient") as tx:
            tx.execute("INSERT INTO recipients(name, age_key, added) VALUES (?,?,?)",
                       (name, key, added))
            tx.audit("recipient.add", recipient=name)
        return Recipient(name, key, added)

    def list(self) -> list[Recipient]:
        """Every recipient, by name."""
        rows = self.store.query("SELECT name, age_key, added FROM recipients ORDER BY name")
        return [Recipient(str(n), str(k), str(a)) for n, k, a in rows]

    def get(self, name: str) -> Recipient:
        """The recipient called ``name`` (NotFound)."""
        row = self.store.query_one(
            "SELECT name, age_key, added FROM recipients WHERE name = ?", (name.strip(),))
        if row is None:
            raise NotFound(f"no recipient called {name.strip()[:64]}; see "
                           "'evault recipients list'")
        return Recipient(str(row[0]), str(row[1]), str(row[2]))

    def remove(self, name: str) -> None:
        """Forget a recipient (NotFound)."""
        recipient = self.get(name)
        with self.store.transaction("removing a recipient") as tx:
            tx.execute("DELETE FROM recipients WHERE name = ?", (recipient.name,))
            tx.audit("recipient.remove", recipient=recipient.name)

    def resolve(self, names_or_keys: _Names) -> _Recipients:
        """``--to`` values: stored names, or ``age1…`` keys given directly."""
        found: dict[str, Recipient] = {}
        for item in names_or_keys:
            if looks_like_age_key(item):
                parse_age_key(item)
                key = item.strip()
                row = self.store.query_one("SELECT name FROM recipients WHERE age_key = ?",
                                           (key,))
                found[key] = Recipient(str(row[0]) if row else f"key {key[:12]}…", key, "")
            else:
                recipient = self.get(item)
                found[recipient.age_key] = recipient
        return list(found.values())
