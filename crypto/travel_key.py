"""The travel key: an age X25519 identity derived from the vault's recovery key.

Why from the recovery key: it is the one secret the traveller already keeps on paper,
apart from the device, so data sealed to it is out of reach of anyone who makes the
traveller unlock the laptop, and comes back with nothing new to remember or carry.

Why an X25519 identity derived with HKDF, and not the recovery key as an age scrypt
passphrase: (1) pyrage streams only to and from recipient objects (``encrypt_io`` /
``decrypt_io``); its scrypt mode takes the whole plaintext in memory, and a sealed trip
may hold gigabytes of attachments; (2) the recovery key already carries 256 bits of
entropy, so scrypt's work factor would only slow the owner down; (3) the derived identity
is a standard ``AGE-SECRET-KEY-1…`` string, so the sealed file opens with the standard
``age`` tool too (``evault travel key`` prints it only when asked). The label is
versioned and distinct from every label of :mod:`crypto.schedule`, so the travel key
shares nothing with the keys that wrap the master key.
"""

from __future__ import annotations

import bech32
import pyrage
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import recovery

#: HKDF ``info`` label of the travel identity (versioned, like the key schedule's).
LABEL = b"evault/v1/travel-identity"


def _secret(recovery_key: bytes) -> bytes:
    if len(recovery_key) != recovery.KEY_BYTES:
        raise ValueError("a recovery key is 32 bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=LABEL).derive(recovery_key)


def identity_text(recovery_text: str) -> str:
    """The ``AGE-SECRET-KEY-1…`` identity for a recovery key as typed (MalformedData when
    the text is not a recovery key)."""
    raw = recovery.parse_key(recovery_text)
    words = bech32.convertbits(list(_secret(raw)), 8, 5)
    assert words is not None
    return str(bech32.bech32_encode("age-secret-key-", words)).upper()


def identity(recovery_text: str) -> pyrage.x25519.Identity:
    """The travel identity (to decrypt) for a recovery key as typed."""
    return pyrage.x25519.Identity.from_str(identity_text(recovery_text))


def recipient(recovery_text: str) -> pyrage.x25519.Recipient:
    """The travel recipient (to encrypt to) for a recovery key as typed."""
    return identity(recovery_text).to_public()
