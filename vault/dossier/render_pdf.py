"""The dossier as PDF, laid out from the very Markdown :mod:`render_md` writes.

Why PyMuPDF: it ships MuPDF's built-in fonts, among them a CJK font (Droid Sans
Fallback) and Noto fonts for other scripts, lays out HTML with HarfBuzz shaping and
per-script font fallback, and embeds only the glyphs used. So names in Chinese, Uyghur or
Tibetan come out as real, extractable text (``pdftotext`` finds them), with no font files
of our own, no system fonts and no network. reportlab's CID fonts are not embedded (a
reader without Adobe's Asian font packs shows boxes), and fpdf2 needs a CJK TrueType file
that no small, maintained package ships.

Two details: HarfBuzz forms the ligatures "fi", "fl", "ff" in Latin fonts and MuPDF gives
no way to turn them off, so a zero-width non-joiner is placed inside those pairs (text
extraction then yields plain letters, not U+FB01); and the PDF is written without a
document information dictionary or XMP, so it passes the export's PDF check.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pymupdf as _pymupdf
from markdown_it import MarkdownIt

from vault.dossier.content import Dossier, DossierSet
from vault.dossier.render_md import render as render_markdown
from vault.dossier.render_md import render_set

_CSS = """
* { font-family: sans-serif; }
body { font-size: 10pt; line-height: 1.35; }
h1 { font-size: 16pt; margin-bottom: 6pt; }
h2 { font-size: 13pt; margin-top: 12pt; margin-bottom: 4pt; }
h3 { font-size: 11pt; margin-top: 8pt; margin-bottom: 3pt; }
p, li { margin-top: 2pt; margin-bottom: 2pt; }
blockquote { margin-left: 12pt; font-style: italic; }
table { border-collapse: collapse; margin-top: 4pt; margin-bottom: 4pt; }
th, td { border: 0.5pt solid #888888; padding: 2pt 4pt; font-size: 9pt; vertical-align: top; }
th { background-color: #eeeeee; }
code { font-family: monospace; font-size: 7.5pt; }
"""
# PyMuPDF's annotations are partial (untyped calls); treat the module as dynamic here.
pymupdf: Any = _pymupdf
_PAGE = pymupdf.paper_rect("a4")
_MARGIN = 50
_LIGATURE = re.compile(r"f(?=[fil])")
_TEXT = re.compile(r">([^<]+)<")


def _no_ligatures(markup: str) -> str:
    # Only text between tags is touched; the joiner keeps HarfBuzz from fusing the pair.
    return _TEXT.sub(lambda m: ">" + _LIGATURE.sub("f\u200c", m.group(1)) + "<", markup)


def to_html(d: Dossier | DossierSet) -> str:
    """The dossier's Markdown as HTML (raw HTML in the Markdown is never passed through:
    record text is escaped there, and ``html=False`` here is the second lock)."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    if isinstance(d, DossierSet):
        body, who = md.render(render_set(d)), d.dossiers[0].target.label
    else:
        body, who = md.render(render_markdown(d)), d.target.label
    title = html.escape(f"Recommendation: {who}")
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


def render(d: Dossier | DossierSet) -> bytes:
    """The dossier as PDF bytes (fonts subset and embedded; no document info)."""
    story = pymupdf.Story(html=_no_ligatures(to_html(d)), user_css=_CSS)
    raw = io.BytesIO()
    writer = pymupdf.DocumentWriter(raw)
    where = _PAGE + (_MARGIN, _MARGIN, -_MARGIN, -_MARGIN)
    more = True
    while more:
        device = writer.begin_page(_PAGE)
        more, _ = story.place(where)
        story.draw(device)
        writer.end_page()
    writer.close()
    doc = pymupdf.open("pdf", raw.getvalue())
    try:
        doc.subset_fonts()
        doc.set_metadata({})  # no title, author, producer or dates
        doc.del_xml_metadata()
        data: bytes = doc.tobytes(garbage=4, deflate=True, no_new_id=True)
    finally:
        doc.close()
    return _strip_info(data)


def _strip_info(data: bytes) -> bytes:
    """The PDF with no ``/Info`` in its trailer (MuPDF may leave an empty one), rewritten
    by the same qpdf path the export's sanitizer uses."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" not in pdf.trailer:
            return data
        del pdf.trailer["/Info"]
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, linearize=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 fix_metadata_version=False)
    return out.getvalue()


def text_of(data: bytes) -> str:
    """The text a reader extracts from the PDF (the leak gate reads it: glyphs of a
    subset font are invisible to a byte search)."""
    doc = pymupdf.open("pdf", data)
    try:
        return "\n".join(page.get_text() for page in doc)
    finally:
        doc.close()
