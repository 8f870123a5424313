"""Rows out of the files people keep: CSV (any delimiter Excel writes), XLSX and JSON
Lines. Everything is read in memory: an import never writes a temporary file.

Every format is streamed: :func:`read` checks the whole file once (encoding, structure,
row count) and keeps only where it is; each pass over ``Sheet.rows`` reads it again, a
row at a time, so importing 200,000 rows holds one row, not the file. A JSON array
(``[...]``) is parsed incrementally by ijson (its C backend, yajl), one element at a
time. A workbook's first sheet is read by openpyxl in read-only mode, which parses the
sheet's XML incrementally (iterparse over the zip member); what it holds whole is the
workbook's shared-strings table (every distinct text of the workbook, which a cell
refers to by number), so memory follows the distinct text, not the rows.

Row numbers are the ones a person sees: in a CSV or a workbook the header is row 1 and
the first record row 2 (a quoted cell with line breaks is still one row); in JSON Lines
the line number. Only the first sheet of a workbook is read.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from vault.errors import InvalidInput
from vault.importer.encoding import Detected, detect

FIELD_LIMIT = 64 * 1024 * 1024  # characters in one CSV cell; validation says what is too long
_DELIMITERS = [",", ";", "\t", "|"]
_TABLE_SUFFIXES = {".csv": "CSV", ".tsv": "CSV", ".txt": "CSV"}
_JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_ZIP = b"PK\x03\x04"
#: A workbook's declared size and shape are attacker-sized numbers: a sheet that claims
#: (or holds) a cell at row 1,048,576, column XFD must not become 17 billion cells.
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit
XLSX_MAX_COLUMNS = 1_024  # no record type has near this many fields
XLSX_MAX_EXPANDED = 1024**3  # bytes the workbook's parts may inflate to (a zip bomb)


@dataclass(frozen=True)
class Row:
    """One row: its number in the file and its cells (by column position for tables, by
    key for JSON), or why it could not be read."""

    number: int
    values: dict[Any, Any]
    problem: str | None = None


@dataclass(frozen=True)
class Sheet:
    """What was read from a file."""

    format: str
    """``CSV``, ``XLSX`` or ``JSON Lines``."""
    encoding: str | None
    """How the text was decoded (None for XLSX)."""
    columns: list[str] | None
    """The header of a table; None for JSON, whose keys are per row."""
    rows: Sequence[Row] | FileRows
    """Every data row: a list, or for CSV and JSON Lines a :class:`FileRows` that reads
    the file again on each pass."""
    sheets: int = 1
    """Sheets in a workbook (only the first is read)."""


class FileRows:
    """The rows of a file, read again on each iteration (flat memory at any size).
    ``len()`` is the count found when the file was first checked."""

    def __init__(self, produce: Callable[[], Iterator[Row]], count: int) -> None:
        self._produce = produce
        self._count = count

    def __iter__(self) -> Iterator[Row]:
        return self._produce()

    def __len__(self) -> int:
        return self._count


def describe(path: Path) -> str:
    """The path for a message, or a description when it holds unprintable characters."""
    text = str(path)
    return text if text.isprintable() and len(text) <= 200 else "the file"


def read(path: Path, encoding: str | None = None) -> Sheet:
    """Read ``path`` (format from its content and name); InvalidInput when it cannot be."""
    name = describe(path)
    if not path.exists():
        raise InvalidInput(f"no file at {name}")
    if path.is_dir():
        raise InvalidInput(f"{name} is a directory; name a CSV, XLSX or JSON Lines file")
    if not path.is_file():
        raise InvalidInput(f"{name} is not a regular file")
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == _ZIP or suffix in _XLSX_SUFFIXES:
        if magic != _ZIP:
            raise InvalidInput(f"{name} is not an XLSX workbook (it is not a zip file)")
        return _read_xlsx(path)
    if suffix == ".xls":
        raise InvalidInput("old Excel .xls files cannot be read; save it as .xlsx or CSV")
    if suffix not in _TABLE_SUFFIXES and suffix not in _JSON_SUFFIXES:
        raise InvalidInput(f"{name} is not a CSV, XLSX or JSON Lines file (by its name: "
                           "use .csv, .tsv, .xlsx, .jsonl or .json)")
    detected = detect(path, encoding)
    if suffix in _JSON_SUFFIXES:
        with _open(path, detected, "\n") as handle:
            head = handle.read(4096).lstrip().removeprefix("\ufeff")
        if head.startswith("["):  # one JSON document: parsed an element at a time

            def json_array() -> Iterator[Row]:
                with _open(path, detected, "\n") as handle:
                    yield from _json_array_rows(handle)

            count = sum(1 for _ in json_array())  # the whole array checked once, here
            return Sheet("JSON Lines", detected.encoding, None, FileRows(json_array, count))

        def json_lines() -> Iterator[Row]:
            with _open(path, detected, "\n") as handle:
                yield from _json_line_rows(handle)

        count = sum(1 for _ in json_lines())
        return Sheet("JSON Lines", detected.encoding, None, FileRows(json_lines, count))
    with _open(path, detected) as handle:
        first = handle.readline()
    delimiter = "\t" if suffix == ".tsv" else _delimiter(first)

    def table() -> Iterator[tuple[int, list[Any]]]:
        with _open(path, detected) as handle:
            yield from _csv_records(handle, delimiter)

    columns = _header(table())
    count = sum(1 for _ in _table_rows(columns, table()))  # every row checked once, here

    def rows() -> Iterator[Row]:
        return _table_rows(columns, table())

    return Sheet("CSV", detected.encoding, columns, FileRows(rows, count))


def _open(path: Path, detected: Detected, newline: str = "") -> Any:
    """The file as text in its encoding, line ends untranslated (csv needs that; JSON
    Lines end at "\n" only)."""
    return path.open("r", encoding=detected.codec, newline=newline)


def _delimiter(text: str) -> str:
    """The delimiter of the header line: the candidate it holds most of (comma on a tie)."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _table(records: list[tuple[int, list[Any]]]) -> tuple[list[str], list[Row]]:
    """Header and rows from ``(row number, cells)``; blank rows are skipped."""
    columns = _header(iter(records))
    return columns, list(_table_rows(columns, iter(records)))


def _header(records: Iterator[tuple[int, list[Any]]]) -> list[str]:
    """The header (the first record), checked."""
    first = next(records, None)
    if first is None:
        raise InvalidInput("the file is empty: no header row")
    _, header_cells = first
    columns = ["" if c is None else str(c).strip() for c in header_cells]
    if columns:
        columns[0] = columns[0].removeprefix("\ufeff")
    while columns and not columns[-1]:
        columns.pop()
    if not columns:
        raise InvalidInput("row 1 (the header) is empty")
    return columns


def _table_rows(columns: list[str], records: Iterator[tuple[int, list[Any]]],
                ) -> Iterator[Row]:
    """The data rows after the header of ``records``; blank rows are skipped."""
    next(records, None)  # the header
    for number, cells in records:
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue
        extra = cells[len(columns):]
        if any(c is not None and (not isinstance(c, str) or c.strip()) for c in extra):
            yield Row(number, {}, "more cells than the header has columns")
            continue
        yield Row(number, {i: c for i, c in enumerate(cells[:len(columns)])})


def _csv_rows(text: str, delimiter: str) -> tuple[list[str], list[Row]]:
    return _table(list(_csv_records(io.StringIO(text, newline=""), delimiter)))


def _csv_records(handle: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, cells)`` of a CSV text, one row at a time."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    # strict: an unterminated quote must be an error, not a cell that swallows the rest
    # of the file.
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)
    except csv.Error as exc:
        # csv's messages describe structure ("unexpected end of data"), never content.
        raise InvalidInput(f"row {number + 1}: the CSV is malformed ({exc})") from None


def _cell(value: Any) -> Any:
    """A workbook cell as a JSON-ish value: dates as ISO text, whole floats as ints."""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _check_expansion(path: Path) -> None:
    """Refuse a workbook whose parts would inflate beyond :data:`XLSX_MAX_EXPANDED`
    (zipfile never yields more than an entry declares, so the declared sizes bound it)."""
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except Exception:  # noqa: BLE001 - a damaged zip raises many kinds (NotImplementedError…)
        raise InvalidInput(f"{describe(path)} is not a readable XLSX workbook") from None
    if total > XLSX_MAX_EXPANDED:
        raise InvalidInput(f"{describe(path)} would expand to more than 1 GiB; it is not a "
                           "spreadsheet evault can import (a damaged file or a zip bomb?)")


def _clip(cells: list[Any], width: int) -> list[Any]:
    """The row's first ``width`` cells, plus its first non-empty cell beyond them (so the
    row is still reported as having more cells than the header)."""
    extra = next((c for c in cells[width:] if c is not None and c != ""), None)
    return cells[:width] if extra is None else [*cells[:width], extra]


def _read_xlsx(path: Path) -> Sheet:
    _check_expansion(path)
    facts: dict[str, int] = {}
    records = _xlsx_records(path, facts)
    columns = _header(records)
    # Every row checked once, here (the caps, damaged XML); the header is already read.
    count = sum(1 for _ in _table_rows(columns, itertools.chain([(1, [])], records)))

    def rows() -> Iterator[Row]:
        return _table_rows(columns, _xlsx_records(path, {}))

    return Sheet("XLSX", None, columns, FileRows(rows, count), facts.get("sheets", 1))


def _xlsx_records(path: Path, facts: dict[str, int]) -> Iterator[tuple[int, list[Any]]]:
    """``(row number, cells)`` of the first sheet, one row at a time, the header's width
    deciding how many cells of later rows are kept (:func:`_clip`). Sets
    ``facts["sheets"]``."""
    import openpyxl  # only when a workbook is read: it is a large import

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged workbook raises many kinds of error
        raise InvalidInput(f"{describe(path)} is not a readable XLSX workbook") from None
    try:
        facts["sheets"] = len(book.worksheets)
        if not book.worksheets:
            raise InvalidInput("the workbook has no sheet")
        sheet = book.worksheets[0]
        # Never trust the sheet's declared <dimension>: openpyxl pads every row to it.
        sheet.reset_dimensions()
        number, width, header = 0, XLSX_MAX_COLUMNS, True
        try:
            for cells in sheet.iter_rows():
                rows_at = [c.row for c in cells if getattr(c, "row", None)]
                number = rows_at[0] if rows_at else number + 1
                if number > XLSX_MAX_ROWS:
                    raise InvalidInput(f"the workbook's first sheet has more than "
                                       f"{XLSX_MAX_ROWS:,} rows; it is not a spreadsheet "
                                       "evault can import")
                values = [_cell(c.value) for c in cells]
                while values and (values[-1] is None or values[-1] == ""):
                    values.pop()
                if not values and not header:
                    continue  # a blank row (skipped later anyway)
                if header:
                    if len(values) > XLSX_MAX_COLUMNS:
                        raise InvalidInput(f"the workbook's header has more than "
                                           f"{XLSX_MAX_COLUMNS:,} columns; it is not a "
                                           "spreadsheet evault can import")
                    width, header = len(values), False
                    yield number, values
                else:
                    yield number, _clip(values, width)
        except InvalidInput:
            raise
        except Exception:  # noqa: BLE001 - damaged sheet XML
            raise InvalidInput(f"row {number + 1} of the workbook cannot be read; the file "
                               "is damaged") from None
    finally:
        book.close()


def _no_constants(name: str) -> Any:
    raise ValueError(name)


class _Utf8:
    """A decoded text file as UTF-8 bytes without a byte-order mark, for ijson (its C
    backend reads bytes; the file may be GB18030 or UTF-16)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.first = True

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing first, to see whether it gets bytes
            return b""
        text = self.handle.read(size if size > 0 else -1)
        if self.first:
            text, self.first = text.removeprefix("\ufeff"), False
        return str(text).encode("utf-8")


def _json_array_rows(handle: Any) -> Iterator[Row]:
    """One row per element of the JSON array in ``handle``, parsed incrementally.
    Numbers come back as int or float (as ``json.loads`` gives them); NaN and Infinity
    are not JSON and are refused like any syntax error."""
    import ijson  # only when a JSON array is read

    try:
        items = ijson.items(_Utf8(handle), "item", use_float=True)
        for number, item in enumerate(items, start=1):
            yield _json_row(number, item)
    except (ijson.JSONError, RecursionError, UnicodeError):
        # ijson's messages quote the text around the error: never shown.
        raise InvalidInput("the file is not valid JSON (a JSON array of records, or "
                           "one record per line)") from None


def _json_line_rows(handle: Iterable[str]) -> Iterator[Row]:
    """One row per non-blank line. Lines end at "\n" only (the file is opened without
    newline translation): str.splitlines() would also split on U+2028 inside strings."""
    for number, line in enumerate(handle, start=1):
        line = line.strip().removeprefix("\ufeff") if number == 1 else line.strip()
        if not line:
            continue
        try:
            item = json.loads(line, parse_constant=_no_constants)
        except (ValueError, RecursionError):
            yield Row(number, {}, "not valid JSON")
            continue
        yield _json_row(number, item)


def _json_row(number: int, item: Any) -> Row:
    if not isinstance(item, dict):
        return Row(number, {}, "not a JSON object of field names and values")
    return Row(number, item)
