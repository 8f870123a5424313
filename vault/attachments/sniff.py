"""The media type of a file, from its first bytes.

Why never from the name: a name is whatever someone typed, and the export sanitizers
choose how to rewrite a file by its type. A ``.jpg`` that is really a PDF must be treated
as a PDF (or refused), so the type is read from the content's magic bytes only.

:func:`sniff` looks at the head of the file (the first chunk, up to 64 KiB) and nothing
else, so it costs no extra read and no memory beyond that chunk.
"""

from __future__ import annotations

import struct
from typing import Final

__all__ = ["EMPTY", "OCTET_STREAM", "sniff"]

EMPTY: Final = "application/x-empty"
"""A zero-byte file."""

OCTET_STREAM: Final = "application/octet-stream"
"""Anything we do not recognise."""

_HEIC_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_BRANDS: Final = frozenset({b"mif1", b"msf1", b"heif"})
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_QUICKTIME_BRANDS: Final = frozenset({b"qt  "})
_M4A_BRANDS: Final = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
_3GP_PREFIXES: Final = (b"3gp", b"3gg", b"3gs", b"3g2")

_ZIP_OFFICE: Final = (
    (b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)


def sniff(head: bytes) -> str:
    """The media type of a file whose first bytes are ``head`` (64 KiB is plenty)."""
    if not head:
        return EMPTY
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and _is_text(head):
        return "text/plain"  # a UTF-16 byte-order mark would otherwise pass for MP3 sync
    found = (
        _image(head) or _riff(head) or _ftyp(head) or _document(head) or _audio(head)
        or _zip(head)
    )
    if found:
        return found
    return "text/plain" if _is_text(head) else OCTET_STREAM


def _image(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"  # also camera raw files such as DNG
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\x00\x00\x00\x00":
        return "image/bmp"
    return None


def _riff(head: bytes) -> str | None:
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RIFX"):
        return None
    form = head[8:12]
    if form == b"WEBP":
        return "image/webp"
    if form == b"WAVE":
        return "audio/wav"
    if form == b"AVI ":
        return "video/x-msvideo"
    return None


def _ftyp(head: bytes) -> str | None:
    """ISO base media files (MP4, M4A, MOV, 3GP, HEIC/HEIF, AVIF): an ``ftyp`` box first,
    naming a major brand and a list of compatible brands."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return None
    box_size = struct.unpack(">I", head[:4])[0]
    major = head[8:12]
    end = min(len(head), box_size if 16 <= box_size <= 4096 else 16)
    compatible = {head[i:i + 4] for i in range(16, end - 3, 4)}
    brands = {major, *compatible}
    # The major brand decides first; images are checked before video because a HEIC
    # may also list generic ISO brands.
    if major in _HEIC_BRANDS:
        return "image/heic"
    if major in _AVIF_BRANDS:
        return "image/avif"
    if major in _HEIF_BRANDS:
        if brands & _HEIC_BRANDS:
            return "image/heic"
        if brands & _AVIF_BRANDS:
            return "image/avif"
        return "image/heif"
    if major in _QUICKTIME_BRANDS:
        return "video/quicktime"
    if major in _M4A_BRANDS:
        return "audio/mp4"
    if major.startswith(_3GP_PREFIXES):
        return "video/3gpp2" if major.startswith(b"3g2") else "video/3gpp"
    return "video/mp4"


def _document(head: bytes) -> str | None:
    # PDF readers accept the header anywhere in the first kilobyte (junk before it is
    # common in scanned files), so we do too: the sanitizer must see such a file as PDF.
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    return None


def _audio(head: bytes) -> str | None:
    if head.startswith(b"ID3"):
        return "audio/mpeg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"\x80theora" in head[:512] else "audio/ogg"
    if _mpeg_audio_frame(head):
        return "audio/mpeg"
    return None


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header without an ID3 tag (a bare MP3)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0x3
    layer = (head[1] >> 1) & 0x3
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 0x3
    # Layer 0 is reserved (and is how AAC ADTS headers look), version 1 is reserved,
    # bitrate 15 and sample-rate 3 are invalid: together they rule out most noise.
    return layer != 0 and version != 1 and bitrate not in (0, 15) and rate != 3


def _zip(head: bytes) -> str | None:
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return None
    if head[30:38] == b"mimetype":
        # OpenDocument and EPUB store their type uncompressed as the first entry.
        stored_size = struct.unpack("<I", head[18:22])[0]
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        start = 30 + name_len + extra_len
        declared = head[start:start + min(stored_size, 100)]
        if declared.startswith(b"application/") and declared.isascii():
            return declared.decode("ascii").strip()
    names = _zip_entry_names(head)
    if any(name == b"[Content_Types].xml" for name in names):
        for prefix, media_type in _ZIP_OFFICE:
            if any(name.startswith(prefix) for name in names):
                return media_type
    return "application/zip"


def _zip_entry_names(head: bytes) -> list[bytes]:
    """Names of the local file headers found in ``head``.

    Found by searching for the signature rather than by skipping entry sizes, because
    entries written with a data descriptor carry no size in their header.
    """
    names = []
    at = head.find(b"PK\x03\x04")
    while at != -1 and at + 30 <= len(head):
        name_len = struct.unpack("<H", head[at + 26:at + 28])[0]
        names.append(head[at + 30:at + 30 + name_len])
        at = head.find(b"PK\x03\x04", at + 4)
    return names


def _is_text(head: bytes) -> bool:
    """UTF-8 (or UTF-16 with a byte-order mark) with no binary control bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = head[: len(head) // 2 * 2].decode("utf-16")
        except UnicodeDecodeError:
            return False
        return _printable(text)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may end in the middle of a multi-byte character: that is fine.
        if exc.start < len(head) - 3 or exc.reason != "unexpected end of data":
            return False
        text = head[: exc.start].decode("utf-8")
    return _printable(text)


def _printable(text: str) -> bool:
    allowed = {"\t", "\n", "\r", "\f", "\x1b"}
    bad = sum(1 for c in text if ord(c) < 0x20 and c not in allowed)
    return "\x00" not in text and bad <= len(text) // 100
