"""THE LEAK GATE: the last check before a bundle is encrypted.

Everything a bundle holds has already been redacted and sanitized; the gate does not
trust that. It reads the assembled zip again, file by file and as a whole, looking for
every identifier the bundle may not carry (every identifier above the clearance known to
the vault, and every detector finding left redacted). One hit refuses the whole export.

What it reads, and how:
- Text files (``.json``, ``.csv``, ``.txt``, ``.md``, ``.minisig``) must be UTF-8. Each is
  searched with the normalising matcher of :mod:`vault.export.normalize` (the same rule the
  rewriter used: NFKD, case folding, full-width forms, separators inside numbers), JSON
  files a second time string by string after parsing (so an escape such as ``\\n`` cannot
  split a name), and the raw bytes are searched for each identifier encoded as UTF-16
  (both byte orders) and GB18030.
- Images and PDFs must pass the structural checks (:mod:`vault.export.structure`,
  :func:`vault.export.sanitize_pdf.check_pdf`): no segment, chunk or key that can hold
  metadata. Their bytes are searched for every identifier in UTF-8, UTF-16 and GB18030,
  verbatim and as its folded forms; PDF strings are searched with the matcher and PDF
  streams decoded by qpdf are searched as bytes.
- The zip container itself: only the expected names, no comment, no extra fields, every
  entry stored (not compressed, so every byte above is also the container's), and its raw
  bytes searched like an image's.

Honest limits (docs/bundles.md): compressed image data is noise to any search, so there
the byte search only uses encodings of at least :data:`MIN_OPAQUE_BYTES` bytes (shorter
ones would match by chance in megabytes of pixels and refuse innocent bundles); what a
picture *shows* (a face, a name tag) no byte search can see.
"""

from __future__ import annotations

import io
import json
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from vault.errors import PolicyRefused
from vault.export.needles import (  # noqa: F401 - scan_chunks, SCAN_CHUNK: the gate's API
    OPAQUE,
    SCAN_CHUNK,
    TEXT,
    ByteNeedles,
    Use,
    scan_chunks,
)
from vault.export.normalize import SHORT_EDGE_WORD, Match, Matcher, edge_words, skeleton
from vault.export.redact import Owner
from vault.export.structure import StructureError, check_jpeg, check_png

#: Shortest encoded identifier searched for inside opaque (compressed) data.
MIN_OPAQUE_BYTES = 8
#: Shortest encoded identifier searched for as UTF-16/GB18030 inside UTF-8 text.
MIN_TEXT_BYTES = 4
TEXT_SUFFIXES = (".json", ".csv", ".txt", ".md", ".minisig")
_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")


@dataclass(frozen=True)
class Leak:
    """One identifier found in the bundle. Names places, never the value."""

    path: str
    """The file in the bundle (``<container>`` for the zip itself)."""
    owner: Owner
    """Whose identifier it is: the vault record and field it came from."""
    field: str | None = None
    """For a record file: the bundle field that carried it."""

    def describe(self) -> str:
        """One line for the local report."""
        where = f"{self.path}" + (f" (field {self.field})" if self.field else "")
        what = self.owner.field if not self.owner.kind.startswith("finding:") else \
            f"{self.owner.field}, a {self.owner.kind[8:]} the detectors found"
        return f"an identifier of record {self.owner.record_id} ({what}) is in {where}"


class LeakFound(PolicyRefused):
    """The gate found an identifier the bundle may not carry; nothing was written."""

    def __init__(self, leaks: list[Leak]) -> None:
        first = leaks[0]
        more = f" and {len(leaks) - 1} more" if len(leaks) > 1 else ""
        super().__init__(f"the leak gate refused the bundle: {first.describe()}{more}; "
                         "nothing was written")
        self.leaks = leaks


def _forms(value: str, key: str | None = None) -> set[str]:
    # As stored, compatibility-normalised (full-width, ligatures) and case-folded, and
    # the skeleton (no spaces or punctuation). ASCII case is handled by the search.
    nfkc = unicodedata.normalize("NFKC", value)
    forms = {value, nfkc, nfkc.casefold() if not nfkc.isascii() else nfkc,
             skeleton(value) if key is None else key}
    return {f for f in forms if f}


def byte_needles(value: str, key: str, left: int, right: int
                 ) -> tuple[list[str], list[str]]:
    """The exact byte encodings the gate searches for one stored value, lowered with
    ``bytes.lower`` and read as Latin-1 (see :class:`~vault.export.needles.ByteNeedles`):
    those searched in opaque data (images, PDFs, the container) and those searched inside
    UTF-8 text (UTF-16 and GB18030). ``key``, ``left``, ``right``: the value's skeleton
    and edge words' lengths. Stored with the value (:mod:`vault.export.protected`), so
    an export does not encode every value of the vault again."""
    # A value with a one- or two-character edge word ("Source B") is word-bounded in the
    # matcher; searched as bare ASCII bytes it would be "found" in "source be kept" or in
    # every PDF CMap's "findresource begin". Text files are read by the matcher; its
    # other encodings still go to the byte search.
    short_edge = min(left, right) < SHORT_EDGE_WORD
    opaque: dict[str, None] = {}
    text: dict[str, None] = {}
    for form in sorted(_forms(value, key)):
        for enc in _ENCODINGS:
            try:
                data = form.encode(enc)
            except UnicodeEncodeError:
                continue
            needle = data.lower().decode("latin-1")
            if len(data) >= MIN_OPAQUE_BYTES and not (short_edge and form.isascii()
                                                      and enc != "utf-16-le"
                                                      and enc != "utf-16-be"):
                opaque[needle] = None
            if enc != "utf-8" and len(data) >= MIN_TEXT_BYTES and \
                    not (enc == "gb18030" and form.isascii()):
                text[needle] = None
    return list(opaque), list(text)


def _copy(data: bytes) -> bytearray:
    """A copy of ``data`` made a chunk at a time: one copy of a 60 MB container held the
    GIL for a tenth of a second on a busy laptop."""
    out = bytearray()
    view = memoryview(data)
    for start in range(0, len(data), SCAN_CHUNK):
        out += view[start:start + SCAN_CHUNK]
    return out


def _zero(buf: bytearray, start: int, length: int) -> None:
    """Blank ``length`` bytes of ``buf`` from ``start``, a chunk at a time."""
    end = start + length
    for at in range(start, end, SCAN_CHUNK):
        stop = min(end, at + SCAN_CHUNK)
        buf[at:stop] = bytes(stop - at)


class StoredBytes:
    """The gate's byte needles of the stored forbidden values, built while the protected
    identities are read (:func:`vault.export.protected.identifiers`) by the same rules
    as :class:`Gate` applies to values given to it: skip a value too short to search,
    keep a short-edged one for the word-bounded search of PDF streams, add its needles
    for both uses."""

    def __init__(self) -> None:
        self.needles: ByteNeedles[Owner] = ByteNeedles()
        self.bounded: list[tuple[str, int, int, Owner]] = []

    def add(self, value: str, owner: Owner, fold: tuple[str, int, int] | None,
            needles: list[list[str]] | None) -> None:
        """One forbidden value: its fold and stored :func:`byte_needles` when known."""
        key, left, right = fold if fold is not None else (skeleton(value),
                                                           *edge_words(value))
        if len(key) < 2:
            return  # too short to search (listed by the plan)
        if min(left, right) < SHORT_EDGE_WORD:
            self.bounded.append((key, left, right, owner))
        some_opaque, some_text = (needles[0], needles[1]) if needles is not None else \
            byte_needles(value, key, left, right)
        self.needles.add(some_opaque, OPAQUE, owner)
        self.needles.add(some_text, TEXT, owner)

    def finish(self) -> None:
        """Make the needles searchable (after the last :meth:`add`)."""
        self.needles.finish()


def stored_needles() -> StoredBytes:
    """An empty :class:`StoredBytes` to fill."""
    return StoredBytes()


#: Files evault writes itself, holding no record content: dates, sizes and hashes stand
#: next to each other there, so only known identifiers are looked for, on word and
#: number boundaries, and never a detector finding's digits.
GENERATED = ("README.txt", "manifest.json", "manifest.json.minisig")


class Gate:
    """The leak gate for one bundle's forbidden identifiers."""

    def __init__(self, identifiers: Iterable[tuple[str, Owner]],
                 exempt: dict[str, set[str]] | None = None, *,
                 known: Matcher[Owner] | None = None,
                 byte_values: Iterable[tuple[str, Owner]] | None = None,
                 folded: Mapping[str, tuple[str, int, int]] | None = None,
                 prepared: Mapping[str, tuple[list[str], list[str]]] | None = None,
                 stored_needles: ByteNeedles[Owner] | None = None,
                 stored_bounded: Iterable[tuple[str, int, int, Owner]] = ()) -> None:
        """``identifiers``: every form to refuse (protected identifiers and detector
        findings, whose owner kind starts with ``finding:``). ``known``: the matcher the
        rewriter already built over the protected forms (reused, not built twice).
        ``byte_values``: the stored values whose exact encodings are searched in opaque
        bytes (the derived forms are for text; every form in every encoding would be
        millions of needles at 10,000 people); by default every identifier. ``folded``:
        value → (skeleton, first and last word lengths) already computed (the stored
        forms of :mod:`vault.export.protected`), so they are not folded again here;
        ``prepared``: value → its :func:`byte_needles`, likewise stored.
        ``stored_needles``: the byte needles of the stored forbidden values, built already
        (finished) while the protected identities were read, with ``stored_bounded``, their
        short-edged keys; then only the detector findings are encoded here."""
        values = list(identifiers)
        self.exempt = {k: set(v) for k, v in (exempt or {}).items()}
        """Bundle record id → values that record's structured fields keep by decision."""
        findings = [(v, o) for v, o in values if o.kind.startswith("finding:")]
        self.known: Matcher[Owner] = known if known is not None else Matcher(
            [(v, o) for v, o in values if not o.kind.startswith("finding:")])
        self.findings: Matcher[Owner] = Matcher(findings)
        if stored_needles is not None:
            values = findings
        elif byte_values is not None:
            values = [*byte_values, *findings]
        own = StoredBytes()
        known_folds = folded or {}
        ready = prepared or {}
        for value, owner in values:
            got = ready.get(value)
            own.add(value, owner, known_folds.get(value),
                    [got[0], got[1]] if got is not None else None)
        own.finish()
        needles = own.needles
        bounded = [*stored_bounded, *own.bounded]
        searched = [needles] if stored_needles is None else [stored_needles, needles]
        self.opaque: Use[Owner] = Use(searched, OPAQUE)
        self.text_bytes: Use[Owner] = Use(searched, TEXT)
        #: Those short-edged values, searched word-bounded in decoded PDF streams.
        self.bounded: Matcher[Owner] = Matcher.keyed(bounded)

    # -- one file ------------------------------------------------------------------------

    def _find(self, text: str) -> Iterator[Match[Owner]]:
        yield from self.known.iter_find(text)
        yield from self.findings.iter_find(text)

    def scan_text(self, path: str, text: str) -> list[Leak]:
        """Leaks in a text that is not a file of its own (the OCR or extracted text of
        an attachment's pages): every view, the same matcher as the rewriter's."""
        match = next(self._find(text), None)
        return [] if match is None else [Leak(path, match.owners[0])]

    def scan_file(self, path: str, data: bytes) -> list[Leak]:
        """Leaks in one file of the bundle (structural problems raise StructureError)."""
        if path in GENERATED:
            return self._scan_generated(path, data)
        if self.exempt and path.startswith("records/"):
            data = self._blank_exempt(path, data)
        if path.endswith(TEXT_SUFFIXES):
            return self._scan_text(path, data)
        if path.endswith((".jpg", ".jpeg")):
            check_jpeg(data)
        elif path.endswith(".png"):
            check_png(data)
        elif path.endswith(".pdf"):
            return self._scan_pdf(path, data)
        else:
            raise StructureError(f"the bundle holds a file of unknown type ({path})")
        owner = self.opaque.search(data)
        return [Leak(path, owner)] if owner else []

    def _scan_text(self, path: str, data: bytes) -> list[Leak]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StructureError(f"{path} is not UTF-8 text") from None
        leaks = [Leak(path, m.owners[0]) for m in self._find(text)][:1]
        owner = self.text_bytes.search(data)
        if owner is not None:
            leaks.append(Leak(path, owner))
        if path.endswith(".json"):
            try:
                doc = json.loads(text)
            except ValueError:
                raise StructureError(f"{path} is not valid JSON") from None
            for field, string in _json_strings(doc, None):
                m = next(self._find(string), None)
                if m is not None:
                    leaks.append(Leak(path, m.owners[0], field))
                    break
        return leaks

    def _scan_generated(self, path: str, data: bytes) -> list[Leak]:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise StructureError(f"{path} is not UTF-8 text") from None
        match = self.known.search(text, strict=True)
        return [] if match is None else [Leak(path, match.owners[0])]

    def _blank_exempt(self, path: str, data: bytes) -> bytes:
        """The file with the values kept by decision blanked, in their places only: the
        record's own fields and label, and its label where other records refer to it."""
        if path.endswith(".json"):
            try:
                doc = json.loads(data)
            except ValueError:
                return data
            if not isinstance(doc, dict):
                return data
            keep = self.exempt.get(str(doc.get("id")), set())
            if keep:
                if doc.get("label") in keep:
                    doc["label"] = ""
                fields = doc.get("fields")
                if isinstance(fields, dict):
                    for name, value in fields.items():
                        if isinstance(value, str) and value in keep:
                            fields[name] = ""
                        elif isinstance(value, list):
                            fields[name] = ["" if v in keep else v for v in value]
            for bid, ref in (doc.get("references") or {}).items():
                if isinstance(ref, dict) and ref.get("label") in self.exempt.get(bid, set()):
                    ref["label"] = ""
            return json.dumps(doc, ensure_ascii=False).encode("utf-8")
        if path.endswith(".csv"):
            import csv

            rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig", "replace"))))
            out = io.StringIO()
            writer = csv.writer(out)
            for row in rows:
                keep = self.exempt.get(row[0], set()) if row else set()
                writer.writerow(["; ".join("" if p in keep else p for p in cell.split("; "))
                                 if keep else cell for cell in row])
            return out.getvalue().encode("utf-8")
        return data

    def _scan_pdf(self, path: str, data: bytes) -> list[Leak]:
        from vault.export.sanitize_pdf import check_pdf, pdf_texts

        check_pdf(data)
        owner = self.opaque.search(data)
        if owner is not None:
            return [Leak(path, owner)]
        for piece in pdf_texts(data):
            if isinstance(piece, str):
                m = next(self._find(piece), None)
                if m is not None:
                    return [Leak(path, m.owners[0])]
            else:
                owner = self.opaque.search(piece) or self.text_bytes.search(piece)
                if owner is None and len(self.bounded):
                    m = self.bounded.search(piece.decode("latin-1"))
                    owner = m.owners[0] if m is not None else None
                if owner is not None:
                    return [Leak(path, owner)]
        return []

    # -- the whole bundle ------------------------------------------------------------------

    def check(self, container: bytes, expected: Iterable[str]) -> None:
        """Scan every file of the zip and the zip itself; LeakFound or StructureError."""
        names = list(expected)
        leaks: list[Leak] = []
        with zipfile.ZipFile(io.BytesIO(container)) as zf:
            infos = zf.infolist()
            if [i.filename for i in infos] != names:
                raise StructureError("the bundle's file list is not the one assembled")
            if zf.comment:
                raise StructureError("the bundle carries a zip comment")
            blanked = _copy(container)
            for info in infos:
                if info.extra or info.comment or info.compress_type != zipfile.ZIP_STORED:
                    raise StructureError(f"{info.filename} carries zip extras")
                data = zf.read(info)
                leaks.extend(self.scan_file(info.filename, data))
                # Each file's bytes were just read in full; the container's own search
                # covers what is left (names, headers, the directory), so a value kept
                # by decision inside a record file is not "found" again here.
                start = info.header_offset + 30 + len(info.filename.encode()) + len(
                    info.extra)
                if container[start:start + len(data)] == data:
                    _zero(blanked, start, len(data))
        owner = self.opaque.search(blanked)
        if owner is not None:
            leaks.append(Leak("<container>", owner))
        if leaks:
            raise LeakFound(leaks)


def _json_strings(doc: object, field: str | None) -> Iterator[tuple[str | None, str]]:
    if isinstance(doc, str):
        yield field, doc
    elif isinstance(doc, list):
        for item in doc:
            yield from _json_strings(item, field)
    elif isinstance(doc, dict):
        for key, value in doc.items():
            yield field, str(key)
            yield from _json_strings(value, field if field is not None else
                                     (key if key != "fields" else None))
