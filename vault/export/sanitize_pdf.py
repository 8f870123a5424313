"""The PDF rewrite that keeps the text (pikepdf/qpdf), and the check the gate runs on PDFs.

The default for a PDF is to render and rebuild it (:mod:`vault.export.pdf_render`); this
rewrite is used only when the user chooses it for one attachment (``--keep-pdf-text``),
and then the page text is checked by the gate's matcher (:mod:`vault.export.seen`).

A PDF is rewritten whole: qpdf writes only the objects reachable from the new trailer,
so earlier revisions kept by incremental updates, orphaned objects and anything appended
after ``%%EOF`` are gone. Before writing, everything that carries metadata or can act is
removed (see :data:`_DROP_KEYS`), so are the catalogue's named destinations, outlines,
page labels, structure tree and form (:data:`_DROP_ROOT`: names and titles that can
hold a person's name), and every image is decoded and re-encoded from its pixels
whatever its ``/Filter`` (a ``[/FlateDecode /DCTDecode]`` JPEG keeps its EXIF otherwise),
its soft mask flattened onto white.
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
_DROP_ROOT = ("/Info", "/Names", "/Dests", "/Outlines", "/PageLabels", "/StructTreeRoot",
              "/AcroForm", "/MarkInfo", "/Lang", "/SpiderInfo", "/Threads", "/Legal",
              "/Perms", "/Collection", "/URI")
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
    for key in _DROP_ROOT:
        if key in pdf.Root:
            del pdf.Root[key]
    for obj in _objects(pdf):
        for key in _DROP_KEYS:
            if key in obj:
                del obj[key]
        if "/A" in obj and _bad_action(obj.get("/A")):
            del obj["/A"]
        if "/Dest" in obj and not isinstance(obj.get("/Dest"), pikepdf.Array):
            del obj["/Dest"]  # a named destination: the name may be a person's
        for key in ("/StructParent", "/StructParents", "/T", "/TU", "/TM", "/Contents"):
            if key in obj and not isinstance(obj, pikepdf.Stream) and \
                    obj.get("/Type") != "/Page":
                del obj[key]  # annotation and field texts, tooltips
    for obj in list(_objects(pdf)):
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" and \
                not bool(obj.get("/ImageMask", False)):
            _reencode(pdf, obj)


def _reencode(pdf: pikepdf.Pdf, obj: pikepdf.Stream) -> None:
    """Replace an image XObject by a JPEG of its pixels (soft mask flattened on white)."""
    from PIL import Image

    from vault.export.sanitize import encode_jpeg, flatten

    try:
        picture = pikepdf.PdfImage(obj).as_pil_image()
        smask = obj.get("/SMask")
        if isinstance(smask, pikepdf.Stream):
            alpha = pikepdf.PdfImage(smask).as_pil_image().convert("L")
            if alpha.size != picture.size:
                alpha = alpha.resize(picture.size)
            rgba = picture.convert("RGB").convert("RGBA")
            rgba.putalpha(alpha)
            picture = flatten(rgba)
    except (pikepdf.PdfError, NotImplementedError, ValueError, OSError):
        raise PdfRefused("an image inside the PDF cannot be decoded; export the PDF "
                         "without --keep-pdf-text (it is then redrawn)") from None
    if picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    clean = Image.frombytes(picture.mode, picture.size, picture.tobytes())
    jpeg = encode_jpeg(clean)
    try:
        strip_jpeg_metadata(jpeg)
    except StructureError:  # pragma: no cover - we just wrote it
        raise PdfRefused("an image inside the PDF is malformed") from None
    for key in list(obj.keys()):
        if key not in ("/Type", "/Subtype", "/Length"):
            del obj[key]
    obj.write(jpeg, filter=pikepdf.Name.DCTDecode)
    obj.Width, obj.Height = clean.width, clean.height
    obj.ColorSpace = pikepdf.Name.DeviceGray if clean.mode == "L" else pikepdf.Name.DeviceRGB
    obj.BitsPerComponent = 8


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
        check_attachment_pdf(result)
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


def check_attachment_pdf(data: bytes) -> None:
    """For a PDF attachment, beyond :func:`check_pdf`: no document info in the catalogue,
    none of :data:`_DROP_ROOT`, and every image a bare JPEG (what the rebuild and the
    rewrite write), so no image can carry its own metadata."""
    from vault.export.seen import filters
    from vault.export.structure import check_jpeg

    check_pdf(data)
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for key in _DROP_ROOT:
                if key in pdf.Root:
                    raise StructureError(f"a PDF still has {key[1:]}")
            for obj in _objects(pdf):
                if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image" \
                        and not bool(obj.get("/ImageMask", False)):
                    if filters(obj) != ["/DCTDecode"]:
                        raise StructureError("an image in a PDF was not re-encoded")
                    check_jpeg(obj.read_raw_bytes())
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
