"""Recovery keys in a form a person can copy to paper without mistakes.

32 random bytes plus a 2-byte checksum, in RFC 4648 base32 (no 0/1/8/9 to confuse with
O/I/B/g), in groups of five letters. Reading is forgiving: case, spaces and dashes are
ignored and the look-alike digits 0, 1, 8 are read as O, I, B. The checksum catches a
mistyped group before any key derivation is attempted.
"""

from __future__ import annotations

import base64
import hashlib
import os

from crypto.errors import MalformedData

KEY_BYTES = 32
_CHECK_BYTES = 2
_GROUP = 5


def generate() -> bytes:
    """A fresh 256-bit recovery key."""
    return os.urandom(KEY_BYTES)


def _checksum(key: bytes) -> bytes:
    return hashlib.sha256(b"evault/v1/recovery-check" + key).digest()[:_CHECK_BYTES]


def format_key(key: bytes) -> str:
    """``ABCDE-FGHIJ-...``: 11 groups of 5 base32 letters (key and checksum)."""
    text = base64.b32encode(key + _checksum(key)).decode("ascii").rstrip("=")
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def parse_key(text: str) -> bytes:
    """Read a recovery key as a person typed it; MalformedData if it cannot be one."""
    cleaned = "".join(ch for ch in text.upper() if ch not in " -\t\r\n")
    cleaned = cleaned.translate(str.maketrans("018", "OIB"))
    expected_len = len(format_key(bytes(KEY_BYTES)).replace("-", ""))
    if len(cleaned) != expected_len:
        raise MalformedData("a recovery key has 55 letters and digits in 11 groups")
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        raw = base64.b32decode(padded)
    except ValueError as exc:
        raise MalformedData("the recovery key contains characters it cannot hold") from exc
    key, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if _checksum(key) != check:
        raise MalformedData("the recovery key's checksum does not match: check each group")
    return key
