"""The PDF sanitizer (pikepdf/qpdf), and the check the leak gate runs on PDFs.

A PDF is rewritten whole: qpdf writes only the objects reachable from the new trailer,
so earlier revisions kept by incremental updates, orphaned objects and anything appended
after ``%%EOF`` are gone. Before writing, everything that carries metadata or can act is
removed (see :data:`_DROP_KEYS`).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pikepdf

from vault.export.sanitize import Unsanitizable, strip_jpeg_metadata
from vault.export.structure import StructureError

#: Dictionary keys removed from every object: metadata (Metadata, PieceInfo, LastModified),
#: actions and scripts (AA, OpenAction, JS, JavaScript), attachments (EmbeddedFiles,
#: EmbeddedFile, associated files AF and EF), forms' XFA packets (they can hold scripts
#: and data) and page thumbnails (a picture of the original page).
_DROP_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/AA", "/OpenAction", "/JS",
              "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/Thumb", "/AF", "/EF")
_BAD_ANNOTS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
_BAD_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition",
                "/GoToE", "/Sound", "/Movie", "/RichMediaExecute", "/ResetForm"}


class PdfRefused(Unsanitizable):
    """A PDF that cannot be made safe."""


def _objects(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    for obj in pdf.objects:
        if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
            yield obj


def _bad_action(action: object) -> bool:
    if not isinstance(action, pikepdf.Dictionary):
        return False
    return str(action.get("/S", "")) in _BAD_ACTIONS


def _clean(pdf: pikepdf.Pdf) -> None:
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]
    if "/ID" in pdf.trailer:
        del pdf.trailer["/ID"]  # the original's id would link the copy to it
    for page in pdf.pages:
        annots = page.obj.get("/Annots")
        if isinstance(annots, pikepdf.Array):
            keep = [a for a in annots if isinstance(a, pikepdf.Dictionary)
                    and str(a.get("/Subtype", "")) not in _BAD_ANNOTS
                    and not _bad_action(a.get("/A"))]
            page.obj["/Annots"] = pikepdf.Array(keep)
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
    for obj in _objects(pdf):
        for key in _DROP_KEYS:
            if key in obj:
                del obj[key]
        if "/A" in obj and _bad_action(obj.get("/A")):
            del obj["/A"]
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and \
                obj.get("/Filter") == "/DCTDecode":
            try:
                obj.write(strip_jpeg_metadata(obj.read_raw_bytes()), filter=pikepdf.Name.DCTDecode)
            except StructureError:
                raise PdfRefused("an image inside the PDF is malformed") from None


def sanitize_pdf(data: bytes) -> bytes:
    """The PDF rewritten without metadata, scripts, attachments or history."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            _clean(pdf)
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True, linearize=False,
                     object_stream_mode=pikepdf.ObjectStreamMode.disable,
                     fix_metadata_version=False)
    except pikepdf.PasswordError:
        raise PdfRefused("the PDF is password-protected; remove the password first") from None
    except PdfRefused:
        raise
    except (pikepdf.PdfError, ValueError, RuntimeError):
        raise PdfRefused("the PDF is damaged and cannot be rewritten safely") from None
    result = out.getvalue()
    try:
        check_pdf(result)
    except StructureError as exc:
        raise PdfRefused(f"the rewritten PDF failed its check: {exc.message}") from None
    return result


def check_pdf(data: bytes) -> None:
    """Refuse a PDF that still has document info, XMP, scripts or attachments."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if "/Info" in pdf.trailer:
                raise StructureError("a PDF still has document info")
            for obj in _objects(pdf):
                for key in _DROP_KEYS:
                    if key in obj:
                        raise StructureError(f"a PDF still has {key[1:]}")
                if obj.get("/Subtype") in _BAD_ANNOTS or _bad_action(obj.get("/A")):
                    raise StructureError("a PDF still has an active annotation")
    except pikepdf.PdfError:
        raise StructureError("a PDF in the bundle does not parse") from None


def pdf_texts(data: bytes) -> Iterator[str | bytes]:
    """What the leak gate reads in a PDF beyond its raw bytes: every string object and
    every stream, decoded where qpdf can decode it (fonts may still hide text: see
    docs/bundles.md)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.String):
                yield str(obj)
            elif isinstance(obj, pikepdf.Stream):
                try:
                    yield obj.read_bytes()
                except pikepdf.PdfError:
                    yield obj.read_raw_bytes()
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
                yield from _nested_strings(obj, 0)


def _nested_strings(obj: pikepdf.Object, depth: int) -> Iterator[str]:
    if depth > 32:
        return
    items: list[pikepdf.Object | None]
    if isinstance(obj, pikepdf.Array):
        items = list(obj)
    elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
        items = [obj.get(k) for k in obj.keys()]
    else:
        return
    for item in items:
        if isinstance(item, pikepdf.String):
            yield str(item)
        elif isinstance(item, (pikepdf.Array, pikepdf.Dictionary)) and not item.is_indirect:
            yield from _nested_strings(item, depth + 1)
