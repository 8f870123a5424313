"""What an attachment says, for search: OCR of pictures and scans, a PDF's own text.

Recognised text lives only in the encrypted database: in ``attachment_text`` (one row
per attachment, deleted with it) and, through :func:`vault.search.index_record`, in the
record's search entries under the field ``attachment text <id>`` at the attachment's
level; never in a file, a log or an audit entry. ``evault search`` and the TUI show that
field name, so a hit says it was found in an attachment's text.

Reading is slow (about a second a page on a laptop): it runs after the file is stored,
chunk by chunk with progress and a cancel flag, and a cancelled or failed reading leaves
the attachment stored, just not searchable by its text (``evault attachment read``
tries again).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from typing import Any, Final

from vault.errors import VaultError

FIELD_PREFIX: Final = "attachment text"
#: Attachments larger than this are not read (a scan of hundreds of pages is read at
#: export, page by page, but not kept whole in memory for the index).
MAX_READ_BYTES: Final = 200 * 1024 * 1024
#: A PDF page with at least this many characters of its own text is not OCRed.
MIN_PAGE_TEXT: Final = 20

Progress = Callable[[int, int], None]


class ReadCancelled(VaultError):
    """The user cancelled reading an attachment's text; it stays stored, unindexed."""

    title = "Cancelled"


def field_name(attachment_id: str) -> str:
    """The search field that holds one attachment's text."""
    return f"{FIELD_PREFIX} {attachment_id}"


def readable(data_head: bytes) -> bool:
    """Whether an attachment with these first bytes has text to read (picture or PDF)."""
    from vault.export.sanitize import kind_of

    return kind_of(data_head) in ("jpeg", "png", "gif", "webp", "tiff", "bmp", "heif",
                                  "pdf")


def recognise(data: bytes, *, progress: Progress | None = None,
              cancel: threading.Event | None = None) -> str:
    """The text of a picture (OCR) or a PDF (its own text; OCR of pages that have
    none, such as scans). ``progress(done, total)`` counts pages."""
    from vault import ocr
    from vault.export.sanitize import kind_of

    if kind_of(data) != "pdf":
        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(data)) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)
            text = ocr.read_image(upright).text
        if progress is not None:
            progress(1, 1)
        return text
    import pymupdf

    opener: Any = pymupdf.open
    parts: list[str] = []
    with opener("pdf", data) as doc:
        total = int(doc.page_count)
        for number, page in enumerate(doc, start=1):
            if cancel is not None and cancel.is_set():
                raise ReadCancelled("reading the attachment's text was cancelled; it is "
                                    "stored but not searchable by its text")
            own = str(page.get_text()).strip()
            if len(own) >= MIN_PAGE_TEXT:
                parts.append(own)
            else:
                pix = page.get_pixmap(dpi=150, alpha=False)
                from PIL import Image

                picture = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
                parts.append(ocr.read_image(picture).text)
            if progress is not None:
                progress(number, total)
    return "\n".join(p for p in parts if p)


def entries(tx: Any, record_id: str) -> list[tuple[str, str, str]]:
    """The search entries ``(field, text, level)`` of a record's attachments' texts."""
    rows = tx.execute(
        "SELECT a.id, t.text, a.level FROM attachment_text AS t JOIN attachments AS a "
        "ON a.id = t.attachment_id WHERE a.record_id = ? ORDER BY a.rowid",
        (record_id,)).fetchall()
    return [(field_name(str(r[0])), str(r[1]), str(r[2])) for r in rows]
