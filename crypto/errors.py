"""Errors raised by the crypto layer.

Why one opaque decryption error: telling an attacker *which* check failed (tag, padding,
length, version) turns a decryption routine into an oracle. Like Fernet's
``InvalidToken``, :class:`DecryptionFailed` says only that the data did not
authenticate under the key given.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base of every error the crypto layer raises."""


class DecryptionFailed(CryptoError):
    """The data did not authenticate under this key: wrong key, or the data was altered.

    Deliberately says nothing more.
    """

    def __init__(self, message: str = "decryption failed") -> None:
        super().__init__(message)


class MalformedData(CryptoError):
    """Bytes that do not parse as the format they claim to be (damaged or crafted)."""


class ParametersOutOfBounds(MalformedData):
    """Key-derivation parameters outside the bounds evault accepts when reading.

    A crafted header could otherwise make unlock run for hours or exhaust memory.
    """
