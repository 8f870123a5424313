"""The key schedule: every key evault uses is derived here from the master key.

One place for every purpose label. Labels are versioned (``evault/v1/...``) so a future
format can change a derivation without any chance of two versions sharing a key.
"""

from __future__ import annotations

from enum import Enum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MASTER_KEY_BYTES = 32


class Purpose(Enum):
    """What a derived key is for; the value is its HKDF ``info`` label."""

    DATABASE = "evault/v1/db"
    """The raw SQLCipher key of ``vault.db``."""
    HEADER_MAC = "evault/v1/header-mac"
    """HMAC key authenticating the whole header once the master key is known."""
    PSEUDONYM = "evault/v1/pseudonym"
    """Keys per-recipient pseudonyms in export bundles."""
    AUDIT = "evault/v1/audit"
    """Reserved for keyed audit-chain checkpoints."""
    RECOVERY_WRAP = "evault/v1/recovery-wrap"
    """Turns a recovery key into the key that wraps the master key in its slot (format 1),
    or into its X25519 private key (format 2, context ``x25519``)."""
    HEADER_STATE = "evault/v1/header-state"
    """Encrypts the header's sealed state (generation, audit head): only the master key
    reads how many changes a vault holds."""


def derive_key(master_key: bytes, purpose: Purpose, context: bytes = b"") -> bytes:
    """HKDF-SHA256 of the master key for one purpose (and an optional context, e.g. a
    recipient's key for pseudonyms). Always 32 bytes."""
    if len(master_key) != MASTER_KEY_BYTES:
        raise ValueError("master key must be 32 bytes")
    info = purpose.value.encode("ascii") + (b"\x00" + context if context else b"")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master_key)
