"""Sanitizers: the only way an attachment's bytes may enter a bundle.

- Images are decoded and re-encoded *from pixels*: nothing of the original file but the
  picture survives (no EXIF, GPS, XMP, IPTC, ICC profile, comments, thumbnails, maker
  notes, serial numbers, trailing data). The EXIF orientation is applied to the pixels
  first (``ImageOps.exif_transpose``) so the picture stays the right way up once the tag
  that said how to turn it is gone. HEIC/HEIF (current iPhones) come out as JPEG.
- PDFs are rewritten whole by qpdf (pikepdf): no document info, no XMP (on the catalogue
  or any object), no JavaScript, open actions, additional actions, embedded files, file
  attachment or script annotations, no incremental history, a fresh document id; JPEG
  images inside lose their APPn/COM segments (their own EXIF).
- Everything else (audio, video, office documents, archives, unknown types) has no
  sanitizer and is refused with the reason.

What is decided from the bytes, never from the stored name or media type.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from vault.errors import PolicyRefused
from vault.export.structure import StructureError, check_jpeg, check_png, jpeg_segments

try:  # HEIC/HEIF support: pillow-heif registers an opener with Pillow
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - it is a dependency; refuse HEIC without it
    HEIF = False

#: Refuse images above this many pixels (a decompression bomb would exhaust memory).
MAX_PIXELS = 120_000_000
JPEG_QUALITY = 90


class Unsanitizable(PolicyRefused):
    """An attachment that cannot be made safe to send; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sanitized:
    """A clean file ready for a bundle."""

    data: bytes
    media_type: str
    extension: str


def kind_of(data: bytes) -> str:
    """``jpeg``, ``png``, ``gif``, ``webp``, ``tiff``, ``bmp``, ``heif``, ``pdf`` or a
    description of what it is when no sanitizer exists."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"BM"):
        return "bmp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1",
                     b"msf1", b"heif", b"avif"):
            return "heif"
        if brand.startswith((b"M4A", b"M4B")):
            return "audio"
        return "video"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head[:4] in (b"RIFF",) and head[8:12] == b"WAVE" or head.startswith(
            (b"ID3", b"OggS", b"fLaC", b"\xff\xfb", b"\xff\xf3", b"#!AMR")):
        return "audio"
    if head[:4] == b"\x1aE\xdf\xa3" or head[:4] == b"RIFF":
        return "video"
    if head.startswith(b"PK\x03\x04"):
        return "archive or office document"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "office document"
    return "unknown"


def sanitize(data: bytes) -> Sanitized:
    """A clean copy of ``data``, or Unsanitizable with the reason."""
    kind = kind_of(data)
    if kind == "pdf":
        from vault.export.sanitize_pdf import sanitize_pdf

        return Sanitized(sanitize_pdf(data), "application/pdf", "pdf")
    if kind in ("jpeg", "png", "gif", "webp", "tiff", "bmp", "heif"):
        return sanitize_image(data, kind)
    if kind == "audio":
        raise Unsanitizable("audio has no sanitizer (a voice identifies its speaker)")
    if kind == "video":
        raise Unsanitizable("video has no sanitizer (faces, voices and metadata)")
    raise Unsanitizable(f"no sanitizer for this file type ({kind})")


def sanitize_image(data: bytes, kind: str) -> Sanitized:
    """Re-encode an image from its pixels (JPEG for photographs, PNG when the picture
    has transparency or a palette)."""
    if kind == "heif" and not HEIF:
        raise Unsanitizable("HEIC/HEIF images need pillow-heif, which is not installed")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise Unsanitizable("the image is too large to sanitize safely")
                img.load()  # decodes every pixel: a damaged file fails here, not later
                upright = ImageOps.exif_transpose(img)
                pixels = _plain_mode(upright)
    except Unsanitizable:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Unsanitizable("the image is too large to sanitize safely") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            struct.error):
        raise Unsanitizable("the image is damaged or not a picture Pillow can decode") from None
    # A brand-new image from raw pixels: no info dict, no EXIF, no ICC, nothing inherited.
    clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if clean.mode in ("RGBA", "LA", "P"):
        clean.save(out, format="PNG", optimize=False)
        result = Sanitized(out.getvalue(), "image/png", "png")
        check = check_png
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY)
        result = Sanitized(out.getvalue(), "image/jpeg", "jpg")
        check = check_jpeg
    try:
        check(result.data)  # belt and braces: what we wrote holds image data only
    except StructureError as exc:
        raise Unsanitizable(f"the re-encoded image failed its check: {exc.message}") from None
    return result


def _plain_mode(img: Image.Image) -> Image.Image:
    if img.mode in ("RGB", "L"):
        return img
    if img.mode == "P":
        return img.convert("RGBA") if "transparency" in img.info else img.convert("RGB")
    if img.mode in ("RGBA", "LA", "PA"):
        return img.convert("RGBA")
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return img.convert("L") if img.mode != "I" else img.point(lambda v: v / 256).convert("L")
    if img.mode == "1":
        return img.convert("L")
    return img.convert("RGB")  # CMYK, YCbCr, LAB, HSV…


def strip_jpeg_metadata(data: bytes) -> bytes:
    """A JPEG stream without APPn (except JFIF and Adobe colour) and COM segments. Used
    for images embedded in PDFs, which are not re-encoded (that would change the page)."""
    parts = [b"\xff\xd8"]
    segments = jpeg_segments(data)
    for marker, start, end in segments:
        if marker == 0xE0 and data[start + 4:start + 9] == b"JFIF\x00" and end - start >= 16:
            # version, units and density only; no thumbnail (it could show the original)
            parts.append(b"\xff\xe0\x00\x10" + data[start + 4:start + 16] + b"\x00\x00")
            continue
        if marker == 0xEE and data[start + 4:start + 9] == b"Adobe":
            parts.append(data[start:end])  # colour transform flag; no text in it
            continue
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            continue
        if marker == 0xDA:
            nxt = next((s for m, s, _ in segments if s > start), len(data))
            parts.append(data[start:nxt])
            continue
        if marker == 0xD9:
            parts.append(b"\xff\xd9")
            continue
        parts.append(data[start:end])
    return b"".join(parts)
