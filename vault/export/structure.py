"""Structural checks of the files the sanitizers write, used again by the leak gate.

A sanitized JPEG may hold only the segments an image needs (quantisation and Huffman
tables, frame and scan headers, restart markers, the JFIF header Pillow writes) and
nothing after its end marker; a PNG only IHDR, PLTE, tRNS, IDAT, IEND. Every segment or
chunk that can carry metadata (APPn, COM, tEXt, zTXt, iTXt, eXIf, iCCP, tIME…) is refused,
and so is any byte appended after the end: that is where metadata and smuggled data hide.
"""

from __future__ import annotations

import struct
import zlib

from vault.errors import PolicyRefused

_JPEG_ALLOWED = {0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD}  # SOF0/1/2, DHT, DQT, DRI
_JFIF_APP0_LEN = 16
_PNG_ALLOWED = {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class StructureError(PolicyRefused):
    """A file in a bundle carries a part that may hold metadata."""


def jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """``(marker, start, end)`` of every header segment of a baseline/progressive JPEG,
    ending with the scan data. Raises StructureError on anything unexpected."""
    if not data.startswith(b"\xff\xd8"):
        raise StructureError("not a JPEG")
    pos, out = 2, []
    while pos < len(data):
        if data[pos] != 0xFF:
            raise StructureError("a JPEG segment is malformed")
        while pos < len(data) and data[pos] == 0xFF:
            pos += 1
        if pos >= len(data):
            raise StructureError("a JPEG ends inside a marker")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI: nothing may follow
            if pos != len(data):
                raise StructureError("data follows the end of a JPEG")
            out.append((marker, pos - 2, pos))
            return out
        if 0xD0 <= marker <= 0xD7:
            continue
        if pos + 2 > len(data):
            raise StructureError("a JPEG ends inside a segment")
        (length,) = struct.unpack(">H", data[pos:pos + 2])
        end = pos + length
        if length < 2 or end > len(data):
            raise StructureError("a JPEG segment has a bad length")
        out.append((marker, pos - 2, end))
        pos = end
        if marker == 0xDA:  # SOS: entropy-coded data until the next non-RST marker
            while True:
                nxt = data.find(b"\xff", pos)
                if nxt < 0 or nxt + 1 >= len(data):
                    raise StructureError("a JPEG scan does not end")
                follower = data[nxt + 1]
                if follower == 0x00 or 0xD0 <= follower <= 0xD7 or follower == 0xFF:
                    pos = nxt + (1 if follower == 0xFF else 2)
                    continue
                pos = nxt
                break
    raise StructureError("a JPEG has no end marker")


def check_jpeg(data: bytes) -> None:
    """Refuse a JPEG holding anything but image data (see the module docstring)."""
    for marker, start, end in jpeg_segments(data):
        if marker in _JPEG_ALLOWED or marker in (0xDA, 0xD9):
            continue
        if marker == 0xE0 and end - start == _JFIF_APP0_LEN + 2 and \
                data[start + 4:start + 9] == b"JFIF\x00":
            continue  # the fixed JFIF header: version, density, no thumbnail
        raise StructureError(f"a JPEG carries a segment 0xFF{marker:02X} that may hold "
                             "metadata")


def check_png(data: bytes) -> None:
    """Refuse a PNG holding any chunk but image data, or bytes after IEND."""
    if not data.startswith(_PNG_MAGIC):
        raise StructureError("not a PNG")
    pos = len(_PNG_MAGIC)
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise StructureError("a PNG chunk has a bad length")
        if ctype not in _PNG_ALLOWED:
            raise StructureError(f"a PNG carries a {ctype.decode('latin-1')!r} chunk that "
                                 "may hold metadata")
        crc = struct.unpack(">I", data[end - 4:end])[0]
        if zlib.crc32(data[pos + 4:end - 4]) != crc:
            raise StructureError("a PNG chunk is damaged")
        pos = end
        if ctype == b"IEND":
            if pos != len(data):
                raise StructureError("data follows the end of a PNG")
            return
    raise StructureError("a PNG has no end chunk")
