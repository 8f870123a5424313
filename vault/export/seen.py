"""What a reader sees in a bundle's pictures and PDFs, checked by the leak gate's matcher.

The byte searches of :mod:`vault.export.gate` cannot see a name drawn in pixels, nor text
a PDF draws through a font, a kerned ``TJ`` array or a hex string. This module reads them
the way a person would and passes the text to :meth:`Gate.scan_text`:

- a picture (JPEG, PNG) is read by OCR (:mod:`vault.ocr`);
- a PDF: the text of every page as PyMuPDF extracts it (text under a black box included:
  a reader can select it), the strings every text operator draws (so a short identifier
  drawn in pieces is joined again), every name object (``/Li#20Wei`` is a name too, and
  so are ``/Dests`` keys) and every image, whatever its ``/Filter``, read by OCR.

For pictures and rebuilt pages the OCR reading is cached by the SHA-256 of the exact
bytes, so the preview and the gate read each picture once and the gate's reading is
always of the bytes that go into the bundle.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pikepdf

from vault import ocr
from vault.export.gate import Gate, Leak
from vault.export.structure import StructureError

#: Images smaller than this on either side are not read (bullets, rules, masks).
MIN_OCR_SIDE = 16
_TEXT_OPS = {"Tj", "TJ", "'", '"'}


def scan_seen(gate: Gate, path: str, data: bytes) -> list[Leak]:
    """Leaks in what ``data`` (a file of the bundle named ``path``) shows or draws."""
    if path.endswith((".jpg", ".jpeg", ".png")):
        return gate.scan_text(path, ocr.read_bytes(data).text)
    if path.endswith(".pdf"):
        return scan_pdf(gate, path, data)
    return []


def scan_pdf(gate: Gate, path: str, data: bytes) -> list[Leak]:
    """Leaks in a PDF's page text, drawn strings, names and images (see the module
    docstring); stops at the first."""
    import pymupdf

    opener: Any = pymupdf.open
    with opener("pdf", data) as doc:
        for page in doc:
            leaks = gate.scan_text(path, page.get_text())
            if leaks:
                return leaks
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for drawn in _drawn_strings(page):
                leaks = gate.scan_text(path, drawn)
                if leaks:
                    return leaks
        for name in _names(pdf):
            leaks = gate.scan_text(path, name)
            if leaks:
                return leaks
        for image in _images(pdf):
            leaks = gate.scan_text(path, _read(image).text)
            if leaks:
                return leaks
    return []


def _drawn_strings(page: pikepdf.Page) -> Iterator[str]:
    """The strings each text operator of ``page`` draws, a ``TJ`` array joined."""
    try:
        instructions = pikepdf.parse_content_stream(page)
    except pikepdf.PdfError:
        return
    for instruction in instructions:
        if str(instruction.operator) not in _TEXT_OPS:
            continue
        parts: list[bytes] = []
        for operand in getattr(instruction, "operands", ()):
            items = list(operand) if isinstance(operand, pikepdf.Array) else [operand]
            parts.extend(bytes(i) for i in items if isinstance(i, pikepdf.String))
        raw = b"".join(parts)
        if raw:
            yield raw.decode("latin-1")
            if raw.startswith(b"\xfe\xff"):  # a UTF-16 text string (PDF 7.9.2.2)
                yield raw[2:].decode("utf-16-be", "ignore")


def _names(pdf: pikepdf.Pdf) -> Iterator[str]:
    """Every name object's text (keys and values), as a reader of the file sees it."""
    seen: set[str] = set()
    for obj in pdf.objects:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array)):
            continue
        for name in _nested_names(obj, 0):
            if name not in seen:
                seen.add(name)
                yield name


def _nested_names(obj: Any, depth: int) -> Iterator[str]:
    if depth > 32:
        return
    if isinstance(obj, pikepdf.Array):
        children: list[Any] = list(obj)
    elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        children = []
        for key in obj.keys():
            yield str(key)[1:]
            children.append(obj.get(key))
    else:
        return
    for child in children:
        if isinstance(child, pikepdf.Name):
            yield str(child)[1:]
        elif isinstance(child, (pikepdf.Array, pikepdf.Dictionary)) and \
                not child.is_indirect:
            yield from _nested_names(child, depth + 1)


def _images(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Stream]:
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and \
                not bool(obj.get("/ImageMask", False)) and \
                int(obj.get("/Width", 0)) >= MIN_OCR_SIDE and \
                int(obj.get("/Height", 0)) >= MIN_OCR_SIDE:
            yield obj


def filters(obj: pikepdf.Stream) -> list[str]:
    """The stream's filters as a list, whether ``/Filter`` is a name or an array."""
    value = obj.get("/Filter")
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return [str(v) for v in value]
    return [str(value)]


def _read(image: pikepdf.Stream) -> ocr.Reading:
    if filters(image) == ["/DCTDecode"]:
        return ocr.read_bytes(image.read_raw_bytes())  # the JPEG as stored: cached
    from pikepdf import PdfImage

    try:
        picture = PdfImage(image).as_pil_image()
    except (pikepdf.PdfError, NotImplementedError, ValueError, OSError):
        # An image no decoder here can draw cannot be checked; the rewrite re-encodes
        # every image, so one that fails here never reaches a bundle unread.
        raise StructureError("an image inside a PDF cannot be decoded, so what it shows "
                             "cannot be checked") from None
    return ocr.read_image(picture)


def check_planned(planned: list[Any], gate: Gate, values: list[str], skip: bool) -> list[str]:
    """Read every picture and PDF the plan includes and refuse (or, with ``skip``,
    leave out) each one that shows a forbidden identifier, naming the identifier's record
    and field, never its value. Returns the scripts of forbidden identifiers that OCR
    cannot read (for the report: those pictures were not really read for them).
    ``gate`` is the audience's; ``values`` the protected values (their scripts)."""
    for item in planned:
        clean = item.clean
        if item.status != "included" or clean is None or item.path is None or \
                clean.media is not None:
            continue
        try:
            leaks = scan_seen(gate, item.path, clean.data)
        except StructureError as exc:
            item.status, item.reason = ("skipped" if skip else "refused"), exc.message
            item.clean = None
            continue
        if leaks:
            owner = leaks[0].owner
            item.status = "skipped" if skip else "refused"
            item.reason = (f"what it shows holds an identifier of record {owner.record_id} "
                           f"({owner.field}), read by OCR or in its text")
            item.clean = None
    return ocr.unread_scripts(values)
