"""Render, then rebuild: the default PDF sanitizer (the Dangerzone approach).

Every page is drawn to pixels by MuPDF (PyMuPDF) and a brand-new PDF is built from those
pictures alone. Nothing of the original's structure survives: no fonts, text objects,
names, destinations, outlines, annotations, form fields, hidden layers, scripts,
metadata or incremental history; text under a black "redaction" box is gone because
only what the page shows is kept. So that partners can still search and copy, each page
gets an invisible text layer made by OCR of its own pixels (:mod:`vault.ocr`); that
reading is also what the leak gate checks (cached by the exact image bytes).

Limits (docs/attachments.md): the rendering runs in this process, without the sandbox
Dangerzone puts around it; a page is stored as a JPEG at :data:`DPI` (fine print may
blur); the OCR layer holds only what the model reads.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image

from vault import ocr
from vault.export.sanitize import Unsanitizable, encode_jpeg

#: Resolution pages are drawn at: A4 becomes 1240 x 1754 pixels.
DPI = 150
#: Refuse a page whose picture would exceed this many pixels (a bomb of a page size).
MAX_PAGE_PIXELS = 40_000_000
#: Refuse documents with more pages than this (each page is OCRed at export).
MAX_PAGES = 2000


class PdfRenderRefused(Unsanitizable):
    """A PDF that cannot be rendered (damaged, encrypted, too large)."""


@dataclass(frozen=True)
class Rebuilt:
    """A rebuilt PDF and what was read on its pages."""

    data: bytes
    pages: int
    readings: tuple[ocr.Reading, ...]


def _pymupdf() -> Any:
    import pymupdf

    return pymupdf


def render_pages(data: bytes, dpi: int = DPI) -> list[tuple[float, float, Image.Image]]:
    """Each page of ``data`` as ``(width_pt, height_pt, RGB picture)``."""
    pymupdf = _pymupdf()
    try:
        doc = pymupdf.open("pdf", data)
    except (RuntimeError, ValueError):
        raise PdfRenderRefused("the PDF is damaged and cannot be drawn") from None
    pages: list[tuple[float, float, Image.Image]] = []
    with doc:
        if doc.needs_pass:
            raise PdfRenderRefused("the PDF is password-protected; remove the password "
                                   "first")
        if getattr(doc, "is_repaired", False):
            # MuPDF rebuilt a broken file by guessing: what it draws may not be what the
            # author's viewer showed (pages or objects lost), so refuse as the rewrite did.
            raise PdfRenderRefused("the PDF is damaged; repair it (print it to a new PDF) "
                                   "and attach that")
        if doc.page_count > MAX_PAGES:
            raise PdfRenderRefused(f"the PDF has more than {MAX_PAGES} pages")
        if doc.page_count == 0:
            raise PdfRenderRefused("the PDF has no pages")
        for page in doc:
            rect = page.rect
            scale = dpi / 72
            if rect.width * rect.height * scale * scale > MAX_PAGE_PIXELS:
                raise PdfRenderRefused("a page of the PDF is too large to draw safely")
            try:
                pix = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False,
                                      annots=True)
            except (RuntimeError, ValueError):
                raise PdfRenderRefused("a page of the PDF cannot be drawn") from None
            picture = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
            pages.append((float(rect.width), float(rect.height), picture))
    return pages


def rebuild_pdf(data: bytes, dpi: int = DPI) -> Rebuilt:
    """A new PDF made of the pictures of ``data``'s pages, with an OCR text layer."""
    pymupdf = _pymupdf()
    out = pymupdf.open()
    readings: list[ocr.Reading] = []
    for width, height, picture in render_pages(data, dpi):
        jpeg = encode_jpeg(picture)
        with Image.open(io.BytesIO(jpeg)) as seen:  # read what the partner will see
            seen.load()
            reading = ocr.read_image(seen)
        ocr.remember(jpeg, reading)
        readings.append(reading)
        page = out.new_page(width=width, height=height)
        page.insert_image(page.rect, stream=jpeg)
        _text_layer(pymupdf, page, reading, width / picture.width)
    try:
        out.subset_fonts()
    except (RuntimeError, ValueError):  # pragma: no cover - keeps whole fonts then
        pass
    result = _bare(out.tobytes(garbage=4, deflate=True))
    out.close()
    return Rebuilt(result, len(readings), tuple(readings))


def _bare(pdf: bytes) -> bytes:
    """``pdf`` without the document information MuPDF writes (its producer string, which
    it puts in the catalogue) and with a fresh random /ID."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for holder in (doc.trailer, doc.Root):
            if "/Info" in holder:
                del holder["/Info"]
        out = io.BytesIO()
        doc.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def _text_layer(pymupdf: Any, page: Any, reading: ocr.Reading, scale: float) -> None:
    """Invisible text (render mode 3) over each recognised line, sized to its box."""
    if not reading.lines:
        return
    latin = pymupdf.Font("helv")
    cjk = None
    writer = pymupdf.TextWriter(page.rect)
    for line in reading.lines:
        font = latin
        if not line.text.isascii():
            cjk = cjk or pymupdf.Font("cjk")
            font = cjk
        x0, y0, x1, y1 = (v * scale for v in line.box)
        height = max(y1 - y0, 1.0)
        size = height * 0.85
        width = font.text_length(line.text, fontsize=size)
        if width > 0:
            size = min(size, size * (x1 - x0) / width)
        writer.append((x0, y1 - height * 0.2), line.text, font=font, fontsize=max(size, 1))
    writer.write_text(page, render_mode=3)
