"""Sanitizers: the only way an attachment's bytes may enter a bundle.

- Images are decoded and re-encoded *from pixels*: nothing of the original file but the
  picture survives (no EXIF, GPS, XMP, IPTC, ICC profile, comments, thumbnails, maker
  notes, serial numbers, trailing data). The EXIF orientation is applied to the pixels
  first (``ImageOps.exif_transpose``) so the picture stays the right way up once the tag
  that said how to turn it is gone. HEIC/HEIF (current iPhones) come out as JPEG.
  Transparency is flattened onto white: a fully transparent pixel shows nothing, but its
  colour channels could still spell a name, so no alpha channel leaves. Every copy is
  re-encoded with its own random perturbation (a few quantisation steps of a JPEG, the
  lowest bit of a few pixels of a PNG), so the files sent to two partners are never
  byte-identical; the pixels themselves still correlate (docs/attachments.md).
- PDFs are rendered to pixels and rebuilt (:mod:`vault.export.pdf_render`), or, only when
  the user asks for it per attachment, rewritten whole by qpdf keeping their text
  (:mod:`vault.export.sanitize_pdf`).
- Audio and video lose every container and stream tag (:mod:`vault.export.media`).
- Everything else (office documents, archives, unknown types) has no sanitizer and is
  refused with the reason.

What is decided from the bytes, never from the stored name or media type.
"""

from __future__ import annotations

import io
import secrets
import struct
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageOps, UnidentifiedImageError

from vault.errors import PolicyRefused
from vault.export.structure import StructureError, check_jpeg, check_png, jpeg_segments

try:  # HEIC/HEIF support: pillow-heif registers an opener with Pillow
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF = True
except ImportError:  # pragma: no cover - it is a dependency; refuse HEIC without it
    HEIF = False

if TYPE_CHECKING:
    from vault.export.media import CleanMedia

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
    """The clean bytes (empty for media, whose bytes stay in :attr:`media`)."""
    media_type: str
    extension: str
    media: CleanMedia | None = None
    """For audio and video: the clean file, unnamed on disk, streamed into the bundle."""
    pages: int = 0
    """For a PDF: its number of pages."""
    rebuilt: bool = False
    """For a PDF: True when rendered to pixels and rebuilt, False when rewritten."""

    @property
    def size(self) -> int:
        """Bytes this file takes in the bundle."""
        return self.media.size if self.media is not None else len(self.data)


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


def sanitize(data: bytes, *, keep_pdf_text: bool = False) -> Sanitized:
    """A clean copy of ``data``, or Unsanitizable with the reason. A PDF is rendered to
    pixels and rebuilt unless ``keep_pdf_text`` (the user's explicit choice for this
    attachment) asks for the rewrite that keeps its text. Audio and video go through
    :func:`vault.export.media.sanitize_media` (it takes a file, not bytes)."""
    kind = kind_of(data)
    if kind == "pdf":
        if keep_pdf_text:
            from vault.export.sanitize_pdf import sanitize_pdf

            clean = sanitize_pdf(data)
            return Sanitized(clean, "application/pdf", "pdf", pages=_page_count(clean))
        from vault.export.pdf_render import rebuild_pdf

        rebuilt = rebuild_pdf(data)
        return Sanitized(rebuilt.data, "application/pdf", "pdf", pages=rebuilt.pages,
                         rebuilt=True)
    if kind in ("jpeg", "png", "gif", "webp", "tiff", "bmp", "heif"):
        return sanitize_image(data, kind)
    if kind in ("audio", "video"):
        raise Unsanitizable(f"{kind} is cleaned from its file, not from bytes")
    if kind in ("archive or office document", "office document"):
        raise Unsanitizable(f"no sanitizer for this file type ({kind}): no offline renderer "
                            "installs with evault; export it as PDF first")
    raise Unsanitizable(f"no sanitizer for this file type ({kind})")


def _page_count(pdf: bytes) -> int:
    import pymupdf

    opener: Any = pymupdf.open
    with opener("pdf", pdf) as doc:
        return int(doc.page_count)


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
    lossless = pixels.mode == "RGBA"  # drawings and screenshots with transparency
    flat = flatten(pixels)
    # A brand-new image from raw pixels: no info dict, no EXIF, no ICC, nothing inherited.
    clean = Image.frombytes(flat.mode, flat.size, flat.tobytes())
    if lossless:
        result = Sanitized(encode_png(clean), "image/png", "png")
        check = check_png
    else:
        result = Sanitized(encode_jpeg(clean), "image/jpeg", "jpg")
        check = check_jpeg
    try:
        check(result.data)  # belt and braces: what we wrote holds image data only
    except StructureError as exc:
        raise Unsanitizable(f"the re-encoded image failed its check: {exc.message}") from None
    return result


def flatten(img: Image.Image) -> Image.Image:
    """The picture as seen on white: RGB (or L) with no alpha channel. A fully
    transparent pixel becomes white whatever its colour channels held."""
    if img.mode not in ("RGBA", "LA"):
        return img
    rgba = img.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def encode_jpeg(img: Image.Image) -> bytes:
    """A JPEG of ``img`` whose quantisation tables carry a random, invisible perturbation
    (one step added to eight high-frequency entries of each table), so two encodings of
    the same pixels are never the same bytes. The tables are libjpeg's own for
    :data:`JPEG_QUALITY`, read back from a first encoding."""
    rgb = img if img.mode in ("RGB", "L") else img.convert("RGB")
    first = io.BytesIO()
    rgb.save(first, format="JPEG", quality=JPEG_QUALITY)
    with Image.open(io.BytesIO(first.getvalue())) as probe:
        tables = {k: list(v) for k, v in getattr(probe, "quantization", {}).items()}
    rnd = secrets.SystemRandom()
    for table in tables.values():
        for index in rnd.sample(range(len(table) // 2, len(table)), 8):
            table[index] = min(255, table[index] + 1)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", qtables=[tables[k] for k in sorted(tables)],
             subsampling=first_subsampling(first.getvalue()))
    return out.getvalue()


def first_subsampling(jpeg: bytes) -> int:
    """The chroma subsampling Pillow chose for ``jpeg`` (kept for the second pass)."""
    from PIL import JpegImagePlugin

    with Image.open(io.BytesIO(jpeg)) as probe:
        return int(JpegImagePlugin.get_sampling(probe))


def encode_png(img: Image.Image) -> bytes:
    """A PNG of ``img`` with the lowest bit of 64 random pixels flipped in one channel
    (invisible), so two encodings of the same pixels are never the same bytes."""
    rnd = secrets.SystemRandom()
    copy = img.copy()
    bands = len(copy.getbands())
    for _ in range(64):
        xy = (rnd.randrange(copy.width), rnd.randrange(copy.height))
        value = copy.getpixel(xy)
        if isinstance(value, tuple):
            band = rnd.randrange(min(bands, 3))
            parts = list(value)
            parts[band] = int(parts[band]) ^ 1
            copy.putpixel(xy, tuple(parts))
        elif isinstance(value, int):
            copy.putpixel(xy, value ^ 1)
    out = io.BytesIO()
    copy.save(out, format="PNG", optimize=False)
    return out.getvalue()


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
