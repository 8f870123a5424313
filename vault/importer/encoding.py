"""Which text encoding a spreadsheet export is in, found without asking.

The files people keep come from Excel and WPS on Chinese and Western systems: UTF-8,
UTF-8 with a byte-order mark (Excel's "CSV UTF-8"), UTF-16 with a mark (Excel's "Unicode
text"), and GB18030/GBK (Excel's default "CSV" on a Chinese Windows). The order below is
decisive rather than statistical: a byte-order mark is certain; strict UTF-8 almost never
decodes text written in another encoding; GB18030 is the common case left. Anything else
is refused with a message saying how to save the file, instead of importing mojibake.
A statistical detector is not used: it guesses, and a wrong guess corrupts evidence
silently.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from vault.errors import InvalidInput

_BOMS = [  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 (BOM)"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 (BOM)"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 (BOM)"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 (BOM)"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 (BOM)"),
]


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read with."""

    text: str
    encoding: str
    """A name for people: ``UTF-8``, ``UTF-8 (BOM)``, ``GB18030``…"""


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """The text of ``data``; ``declared`` names the encoding and skips detection."""
    if declared is not None:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            raise InvalidInput("unknown text encoding name; try utf-8, gb18030, utf-16, "
                               "cp1252") from None
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"the file is not valid {declared} text (at byte "
                               f"{exc.start:,})") from None
        return Decoded(text.removeprefix("\ufeff"), name)
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom):].decode(codec), label)
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"the file starts with a {label} mark but is not valid "
                                   f"{label} text (at byte {exc.start:,})") from None
    head = data[:4096]
    if head and head.count(0) * 10 > len(head):  # text has no NULs; UTF-16 has many
        raise InvalidInput("the file looks binary (or UTF-16 without a byte-order mark); "
                           "save it as CSV UTF-8")
    try:
        return Decoded(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("gb18030"), "GB18030")
    except UnicodeDecodeError:
        raise InvalidInput("the file is neither UTF-8 nor GB18030 text; save it as CSV "
                           "UTF-8, or name its encoding with --encoding") from None


#: How much of a file is decoded at a time when detecting its encoding (flat memory).
CHUNK = 1 << 16


@dataclass(frozen=True)
class Detected:
    """How to open a text file: the codec for ``open()`` (it drops a byte-order mark)
    and the name for people."""

    codec: str
    encoding: str


def _valid(path: Path, codec: str, skip: int) -> int | None:
    """None when the whole file decodes with ``codec``, else the offending byte offset.
    Decodes a chunk at a time, so a 1 GB file costs one 64 KiB chunk of memory."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = skip
    with path.open("rb") as handle:
        handle.seek(skip)
        while True:
            chunk = handle.read(CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return offset + max(0, exc.start)
            if not chunk:
                return None
            offset += len(chunk)


def detect(path: Path, declared: str | None = None) -> Detected:
    """The encoding of the file at ``path`` by the rules of :func:`decode`, reading it
    in chunks instead of all at once (the streaming import)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if declared is not None:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            raise InvalidInput("unknown text encoding name; try utf-8, gb18030, utf-16, "
                               "cp1252") from None
        bad = _valid(path, name, 0)
        if bad is not None:
            raise InvalidInput(f"the file is not valid {declared} text (at byte {bad:,})")
        return Detected("utf-8-sig" if name == "utf-8" else name, name)
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            bad = _valid(path, codec, len(bom))
            if bad is not None:
                raise InvalidInput(f"the file starts with a {label} mark but is not valid "
                                   f"{label} text (at byte {bad:,})")
            # open() with utf-8-sig, utf-16 or utf-32 reads the mark and drops it.
            return Detected("utf-8-sig" if codec == "utf-8" else codec[:6], label)
    if head and head.count(0) * 10 > len(head):
        raise InvalidInput("the file looks binary (or UTF-16 without a byte-order mark); "
                           "save it as CSV UTF-8")
    if _valid(path, "utf-8", 0) is None:
        return Detected("utf-8", "UTF-8")
    if _valid(path, "gb18030", 0) is None:
        return Detected("gb18030", "GB18030")
    raise InvalidInput("the file is neither UTF-8 nor GB18030 text; save it as CSV "
                       "UTF-8, or name its encoding with --encoding")
