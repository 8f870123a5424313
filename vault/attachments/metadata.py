"""Metadata extracted from an attachment at ingest: EXIF and GPS of photos, PDF document
information, audio and video tags.

Why we keep it: where and when a photo was taken, which device recorded a testimony, who
wrote a PDF — these can corroborate evidence. Why it is ``private``: the same facts can
identify the person who took the photo or recorded the voice. So it is stored only in the
encrypted database, shown to the user, and never exported (the export sanitizers strip it
from the files themselves).

Extraction never fails an ingest: whatever goes wrong (a damaged file, a crafted one, a
library error), the result is ``{"error": "unreadable metadata"}``. Everything returned is
plain JSON (str, int, finite float, bool, None, lists, dicts), bounded in size.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, BinaryIO, Final

__all__ = ["UNREADABLE", "extract"]

UNREADABLE: Final = {"error": "unreadable metadata"}
"""What a file whose metadata cannot be read gets."""

_MAX_TEXT: Final = 1000
_MAX_ITEMS: Final = 64
_MAX_BYTES_SHOWN: Final = 64

_IMAGE_TYPES: Final = frozenset({
    "image/jpeg", "image/png", "image/gif", "image/tiff", "image/webp", "image/heic",
    "image/heif", "image/avif", "image/bmp",
})
_TAGGED_MEDIA: Final = frozenset({
    "audio/mpeg", "audio/mp4", "audio/flac", "audio/ogg", "audio/wav", "video/mp4",
    "video/quicktime", "video/3gpp", "video/3gpp2", "video/ogg",
})


def extract(source: BinaryIO, media_type: str) -> dict[str, Any]:
    """Metadata of the file ``source`` (seekable, positioned anywhere) of ``media_type``.

    Returns ``{}`` for a type we have no reader for, and :data:`UNREADABLE` when the
    reader fails.
    """
    reader = _reader_for(media_type)
    if reader is None:
        return {}
    try:
        source.seek(0)
        # Libraries warn about damaged files on stderr; the warning text is not content,
        # but a clean terminal is part of not alarming (or informing) an onlooker.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return reader(source)
    except Exception:  # noqa: BLE001 - a bad file must never fail the ingest
        return dict(UNREADABLE)


_Reader = Callable[[BinaryIO], dict[str, Any]]


def _reader_for(media_type: str) -> _Reader | None:
    if media_type in _IMAGE_TYPES:
        return _image
    if media_type == "application/pdf":
        return _pdf
    if media_type in _TAGGED_MEDIA:
        return _tags
    return None


# -- JSON-able values -----------------------------------------------------------------------


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as bounded plain JSON (library types, bytes and NaN made safe)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value.replace("\x00", "").strip()[:_MAX_TEXT]
    if isinstance(value, bytes | bytearray):
        return _bytes(bytes(value))
    if depth > 4:
        return None
    if isinstance(value, dict):
        items = list(value.items())[:_MAX_ITEMS]
        return {str(k)[:100]: plain(v, depth + 1) for k, v in items}
    if isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value[:_MAX_ITEMS]]
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        # Pillow's IFDRational (and fractions): a float, or None for x/0.
        try:
            return plain(float(value))
        except (ZeroDivisionError, ValueError, OverflowError):
            return None
    return plain(str(value), depth + 1)


def _bytes(data: bytes) -> str:
    text = data.rstrip(b"\x00")
    if len(text) <= _MAX_BYTES_SHOWN and text.isascii() and all(
        32 <= b < 127 or b in (9, 10, 13) for b in text
    ):
        return text.decode("ascii").strip()
    return f"<{len(data)} bytes>"


# -- images ----------------------------------------------------------------------------------

_heif_registered = False


def _register_heif() -> None:
    """Teach Pillow to read HEIC/HEIF (iPhone photos), once, if pillow-heif is there."""
    global _heif_registered
    if _heif_registered:
        return
    _heif_registered = True
    try:
        from pillow_heif import register_heif_opener
    except ImportError:  # pragma: no cover - it is a dependency, but degrade gracefully
        return
    register_heif_opener()


def _image(source: BinaryIO) -> dict[str, Any]:
    from PIL import ExifTags, Image

    _register_heif()
    # Image.open reads headers only; pixels are never decoded here.
    with Image.open(source) as img:
        result: dict[str, Any] = {
            "format": img.format,
            "width": img.width,
            "height": img.height,
        }
        exif = img.getexif()
        fields: dict[str, Any] = {}
        for tag, value in exif.items():
            if tag in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo, ExifTags.IFD.Interop):
                continue
            fields[ExifTags.TAGS.get(tag, f"tag_{tag}")] = value
        for tag, value in exif.get_ifd(ExifTags.IFD.Exif).items():
            if tag == 0x927C:  # MakerNote: opaque vendor binary, often kilobytes
                fields["MakerNote"] = f"<{len(value) if hasattr(value, '__len__') else 0} bytes>"
                continue
            fields[ExifTags.TAGS.get(tag, f"tag_{tag}")] = value
        if isinstance(fields.get("UserComment"), bytes):
            fields["UserComment"] = _user_comment(fields["UserComment"])
        if fields:
            result["exif"] = plain(fields)
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if gps_ifd:
            raw = {ExifTags.GPSTAGS.get(tag, f"tag_{tag}"): value for tag, value in gps_ifd.items()}
            result["gps"] = _gps(raw)
        result["xmp"] = bool(img.info.get("xmp") or img.info.get("XML:com.adobe.xmp"))
        result["icc_profile"] = bool(img.info.get("icc_profile"))
        return result


def _user_comment(raw: bytes) -> str:
    """EXIF UserComment: an 8-byte character-set code, then the text."""
    code, text = raw[:8], raw[8:]
    if code.startswith(b"UNICODE"):
        encoding = "utf-16-be" if text[:1] == b"\x00" else "utf-16-le"
        return text.decode(encoding, "replace")
    return text.decode("utf-8" if code.startswith(b"ASCII") else "latin-1", "replace")


def _gps(raw: dict[str, Any]) -> dict[str, Any]:
    """GPS tags, plus decimal latitude/longitude/altitude when they can be computed."""
    gps: dict[str, Any] = {"tags": plain(raw)}
    lat = _degrees(raw.get("GPSLatitude"), raw.get("GPSLatitudeRef"), "S")
    lon = _degrees(raw.get("GPSLongitude"), raw.get("GPSLongitudeRef"), "W")
    if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
        gps["latitude"] = round(lat, 7)
        gps["longitude"] = round(lon, 7)
    altitude = plain(raw.get("GPSAltitude"))
    if isinstance(altitude, int | float):
        below = raw.get("GPSAltitudeRef") in (1, b"\x01")
        gps["altitude"] = -float(altitude) if below else float(altitude)
    return gps


def _degrees(value: Any, ref: Any, negative: str) -> float | None:
    parts = plain(value)
    if not isinstance(parts, list) or len(parts) != 3:
        return None
    if not all(isinstance(p, int | float) for p in parts):
        return None
    degrees = float(parts[0]) + float(parts[1]) / 60 + float(parts[2]) / 3600
    ref_text = plain(ref)
    return -degrees if isinstance(ref_text, str) and ref_text.upper() == negative else degrees


# -- PDF -------------------------------------------------------------------------------------


def _pdf(source: BinaryIO) -> dict[str, Any]:
    import pikepdf

    with pikepdf.open(source) as pdf:
        info = {str(key).lstrip("/"): _pdf_value(value) for key, value in pdf.docinfo.items()}
        return {
            "pdf_version": str(pdf.pdf_version),
            "pages": len(pdf.pages),
            "encrypted": bool(pdf.is_encrypted),
            "info": plain(info),
            "xmp": "/Metadata" in pdf.Root,
        }


def _pdf_value(value: Any) -> Any:
    import pikepdf

    if isinstance(value, pikepdf.String):
        return str(value)
    if isinstance(value, pikepdf.Name):
        return str(value)
    return str(value)


# -- audio and video tags -------------------------------------------------------------------


def _tags(source: BinaryIO) -> dict[str, Any]:
    import mutagen

    # easy=True maps every format's tags to plain text keys (title, artist, date…) and
    # leaves out embedded pictures and other binary frames.
    found = mutagen.File(source, easy=True)
    if found is None:
        return dict(UNREADABLE)
    result: dict[str, Any] = {}
    info = found.info
    for attr in ("length", "bitrate", "sample_rate", "channels"):
        value = getattr(info, attr, None)
        if value is not None:
            result[attr] = plain(value)
    if found.tags is not None:
        result["tags"] = plain({str(k): v for k, v in found.tags.items()})
    return result
