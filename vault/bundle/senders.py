"""Known senders: whose bundles this vault accepts, pinned by their signing key.

Why: a valid signature proves only that the bundle is intact and was signed by *some*
key — the key printed inside the bundle is the forger's own if the bundle is forged. What
makes a bundle trustworthy is that its key is the one the partner pinned the first time,
after comparing it with the sender by another channel. So:

- a sender is a name, a minisign public key, when it was first seen, and **fingerprint
  words**: eight words of the BIP-39 English list (88 bits of the key's SHA-256; the first
  four letters of each word identify it) that two people read to each other by phone;
- an unknown key is refused unless the user trusts it explicitly (``--trust-new-sender
  NAME`` in the CLI, a confirmation showing the words in the app);
- a known name arriving with a different key is refused loudly: that is what an
  impersonation looks like (a sender who really changed keys is removed and re-added);
- imports keep (sender key, bundle id) as the identity of a bundle, so one sender cannot
  shadow another's bundle by reusing its id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from mnemonic import Mnemonic

from vault.errors import IntegrityError, InvalidInput, PolicyRefused

FINGERPRINT_WORDS = 8
_WORDLIST: list[str] = Mnemonic("english").wordlist

def fingerprint(sender_key: str) -> str:
    """Eight words naming a minisign public key (its base64 line), for comparing by
    phone."""
    digest = hashlib.sha256(b"evault/v1/sender-fingerprint\x00" + sender_key.encode("ascii"))
    bits = int.from_bytes(digest.digest(), "big")
    words = [_WORDLIST[(bits >> (256 - 11 * (i + 1))) & 0x7FF] for i in range(FINGERPRINT_WORDS)]
    return " ".join(words)


@dataclass(frozen=True)
class Sender:
    """One known sender."""

    name: str
    sender_key: str
    first_seen: str
    fingerprint: str


class UnknownSender(PolicyRefused):
    """A bundle signed by a key this vault has not been told to trust."""


def _row(row: Any) -> Sender:
    return Sender(str(row[0]), str(row[1]), str(row[2]), str(row[3]))


def lookup(store: Any, sender_key: str) -> Sender | None:
    """The known sender with this key, or None."""
    row = store.query_one("SELECT name, sender_key, first_seen, fingerprint FROM "
                          "known_senders WHERE sender_key = ?", (sender_key,))
    return None if row is None else _row(row)


def all_senders(store: Any) -> list[Sender]:
    """Every known sender, by name."""
    return [_row(r) for r in store.query("SELECT name, sender_key, first_seen, fingerprint "
                                         "FROM known_senders ORDER BY name")]


def unknown_message(sender_key: str) -> str:
    """The refusal for an unknown key, with what to compare."""
    return (f"this bundle is signed by a sender this vault does not know (fingerprint: "
            f"{fingerprint(sender_key)}). Call the sender on a number you already had, have "
            "them read their fingerprint words (evault whoami), and only if every "
            "word matches, run again with --trust-new-sender NAME; nothing was imported")


def resolve(store: Any, sender_key: str, trust_as: str | None, tx: Any | None = None,
            now: str = "") -> Sender:
    """The sender of a bundle signed by ``sender_key``; with ``trust_as``, record an
    unknown key under that name (in ``tx``, so it commits with the import). Raises
    UnknownSender (exit 5) for an unknown key and IntegrityError (exit 4) for a known name
    with another key."""
    known = lookup(store, sender_key)
    if known is not None:
        if trust_as is not None and trust_as.strip() != known.name:
            raise InvalidInput(f"this key is already known as {known.name!r}; leave out "
                               "--trust-new-sender")
        return known
    if trust_as is None:
        raise UnknownSender(unknown_message(sender_key))
    name = trust_as.strip()
    if not name or len(name) > 80 or any(ord(c) < 32 for c in name):
        raise InvalidInput("--trust-new-sender needs a short name for the sender")
    row = store.query_one("SELECT name, sender_key, first_seen, fingerprint FROM "
                          "known_senders WHERE name = ?", (name,))
    if row is not None:
        prior = _row(row)
        raise IntegrityError(
            f"WARNING: {name!r} is known with another key (fingerprint {prior.fingerprint}); "
            f"this bundle's key has fingerprint {fingerprint(sender_key)}. Someone may be "
            "impersonating them. Nothing was imported. If they really changed keys, confirm "
            "by phone, remove the old key ('evault senders remove') and trust the new one")
    sender = Sender(name, sender_key, now, fingerprint(sender_key))
    if tx is not None:
        tx.execute("INSERT INTO known_senders(name, sender_key, first_seen, fingerprint) "
                   "VALUES (?,?,?,?)", (name, sender_key, now, sender.fingerprint))
        tx.audit("sender.trust", sender=name, fingerprint=sender.fingerprint)
    return sender


def remove(store: Any, name: str) -> None:
    """Forget a sender (audited); InvalidInput if unknown."""
    if lookup_name(store, name) is None:
        raise InvalidInput(f"no known sender named {name!r}")
    with store.transaction("removing a known sender") as tx:
        tx.execute("DELETE FROM known_senders WHERE name = ?", (name,))
        tx.audit("sender.remove", sender=name)


def lookup_name(store: Any, name: str) -> Sender | None:
    """The known sender of this name, or None."""
    row = store.query_one("SELECT name, sender_key, first_seen, fingerprint FROM "
                          "known_senders WHERE name = ?", (name.strip(),))
    return None if row is None else _row(row)


def provenance(store: Any, record_id: str) -> str | None:
    """Where an imported record came from, for ``get`` and the app, or None."""
    row = store.query_one(
        "SELECT r.bundle_id, b.imported, r.sender_key, s.name FROM bundle_records r "
        "LEFT JOIN bundles_imported b ON b.bundle_id = r.bundle_id "
        "AND b.sender_key = r.sender_key "
        "LEFT JOIN known_senders s ON s.sender_key = r.sender_key WHERE r.local_id = ?",
        (record_id,))
    if row is None:
        return None
    who = str(row[3]) if row[3] else f"an unlisted sender ({fingerprint(str(row[2]))})"
    return f"imported from {who}, bundle {row[0]}, on {row[1] or 'an unknown date'}"
