"""How a record's fields are stored in the ``records.data`` column.

The fields are JSON, compressed with zlib (standard library, DEFLATE level 6) and stored
as a BLOB. Why: the JSON of the records was the largest part of a vault (about 1.0x its
plaintext, with the search index 1.2x and the rest 0.9x); compressed it is about 0.6x,
which is what brings a vault under 3x its plaintext (docs/search.md, "Size on disk").
Each record is compressed on its own, so reading one record never reads another, and
zlib's checksum makes a damaged value an error, not different text.

Rows written before ``records_0004_compress_data`` hold JSON text; :func:`unpack` reads
both, and that migration rewrites old rows once. Nothing here is visible outside the
encrypted database: the compressed bytes are inside SQLCipher pages like the text was.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

#: DEFLATE level: 6 (zlib's default) is within 1 % of 9 on testimonies, twice as fast.
LEVEL = 6


class Unreadable(ValueError):
    """A stored value that is neither JSON text nor a valid compressed JSON object."""


def dump(value: Any) -> str:
    """The JSON text of a record's fields (or levels): compact, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def pack(text: str) -> bytes:
    """The stored form of a record's JSON text."""
    return zlib.compress(text.encode("utf-8"), LEVEL)


def unpack(value: str | bytes) -> str:
    """The JSON text of a stored ``data`` value (compressed BLOB, or text of old rows)."""
    if isinstance(value, str):
        return value
    try:
        return zlib.decompress(value).decode("utf-8")
    except (zlib.error, UnicodeDecodeError):
        raise Unreadable("a record's stored fields are damaged") from None


def fields(value: str | bytes) -> Any:
    """The decoded fields of a stored ``data`` value (ValueError when unreadable)."""
    return json.loads(unpack(value))
