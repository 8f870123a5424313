"""Pseudonyms and bundle ids: stable for one audience, unlinkable across audiences.

Everything that names a record inside a bundle — its id, and the label of a person or
source who may not be named — is an HMAC of the vault's record id under a key derived from
the master key and the *audience* (the sorted set of recipient keys, or ``public`` for a
plain bundle). The same source is ``Source-7KQ2-XM4P`` in every bundle to one partner, so
the partner can follow them across bundles, and something else to every other partner, so
two partners comparing notes cannot tell they hold the same person. Without the vault's
master key nobody can compute or invert one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

_CROCKFORD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "ABCDEFGHJKMNPQRSTVWXYZ0123456789"
)

#: Readable prefixes for the kinds that stand for people.
PERSON_KINDS = {"person": "Person", "source": "Source"}


def audience(recipient_keys: Iterable[str], plain: bool = False) -> bytes:
    """The HKDF context that keys a bundle's pseudonyms."""
    if plain:
        return b"evault/audience/public"
    keys = sorted({k.strip() for k in recipient_keys})
    return b"evault/audience/age\x00" + "\x00".join(keys).encode("ascii")


class Pseudonyms:
    """Per-audience names for records. ``key`` is ``vault.derived_key(Purpose.PSEUDONYM,
    audience(...))``."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, label: bytes, record_id: str) -> bytes:
        return hmac.new(self._key, label + b"\x00" + record_id.encode("ascii"),
                        hashlib.sha256).digest()

    def record_id(self, record_id: str) -> str:
        """The record's id inside the bundle (16 hex characters, like a vault id)."""
        return self._mac(b"record-id", record_id)[:8].hex()

    def attachment_id(self, attachment_id: str) -> str:
        """An attachment's file name stem inside the bundle."""
        return self._mac(b"attachment-id", attachment_id)[:8].hex()

    def label(self, kind: str, record_id: str) -> str:
        """A readable pseudonym such as ``Source-7KQ2-XM4P`` (40 bits: collisions among
        even 10,000 people are improbable)."""
        code = base64.b32encode(self._mac(b"label", record_id)[:5]).decode("ascii")
        code = code.translate(_CROCKFORD)  # no I, L, O, U: easy to read aloud
        prefix = PERSON_KINDS.get(kind, kind.capitalize() or "Record")
        return f"{prefix}-{code[:4]}-{code[4:8]}"
