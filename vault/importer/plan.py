"""From rows of a file to records: map columns to fields, turn cells into JSON record
values, check every row, then add them all in one transaction.

The dry run (:func:`plan` with ``validate=True``) checks each row exactly as an import
would and lists what would be rejected and why — row number, field, reason, never the
value. A real import (:func:`commit`) is ``RecordService.add_many``: one transaction, so a
bad row anywhere leaves the vault (records and audit log) as it was.

Cells: an empty cell is "no value"; a multi-valued field takes items separated by ``;``
or ``|`` (or a JSON list); ``positions`` and a ``levels`` column take JSON; an enum cell
may hold the code, the code with spaces, or its English or Chinese label.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vault.errors import InvalidInput, PolicyRefused
from vault.importer.readers import Row, Sheet, read
from vault.records.errors import FieldError, PinnedField, shown
from vault.records.labels import field_label
from vault.records.present import from_text
from vault.records.spec import FieldKind, FieldSpec, RecordType
from vault.records.vocab import VOCABULARIES

Progress = Callable[[int, int], None]
LEVELS_KEY = "levels"
PROGRESS_EVERY = 1000


def normalise(name: str) -> str:
    """A header as compared with field names: case, spaces and hyphens ignored."""
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def _column(number: int, name: str) -> str:
    if name and name.isprintable() and len(name) <= 64:
        return f"column {number} '{name}'"
    return f"column {number}"


@dataclass(frozen=True)
class Problem:
    """Why one row (row 1: the header) would be rejected."""

    row: int
    field: str | None
    reason: str
    policy: bool = False
    """A pinned field would be lowered (exit 5 rather than 1)."""

    def message(self) -> str:
        """One line: row, field, reason."""
        where = f"row {self.row}: field {shown(self.field)}" if self.field else f"row {self.row}"
        return f"{where}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` shape."""
        return {"row": self.row, "field": self.field, "reason": self.reason}


class AcceptedRows:
    """``(row number, JSON record)`` of every row the plan accepted, converted again from
    the sheet on each iteration: an import of 200,000 rows holds one, not 200,000."""

    def __init__(self, sheet: Sheet, convert: Callable[[Row], dict[str, Any]],
                 rejected: set[int], count: int) -> None:
        self._sheet = sheet
        self._convert = convert
        self._rejected = rejected
        self._count = count

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for row in self._sheet.rows:
            if row.problem is None and row.number not in self._rejected:
                yield row.number, self._convert(row)

    def __len__(self) -> int:
        return self._count


class _Records:
    """The JSON records of accepted rows, sized (for progress), for ``add_many``."""

    def __init__(self, rows: AcceptedRows | list[tuple[int, dict[str, Any]]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (data for _, data in self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass
class Plan:
    """What an import of one file would do."""

    kind: str
    sheet: Sheet
    columns: list[tuple[str, str | None]]
    """Each column of a table (or key of JSON) and the field it fills (None: skipped)."""
    rows: AcceptedRows | list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """Rows that could be turned into records: (row number, JSON record). Made again
    from the file on each pass (:class:`AcceptedRows`), never all held at once."""
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Data rows in the file."""
        return len(self.sheet.rows)

    unmatched: set[int] = field(default_factory=set)
    """Positions (from 0) of columns whose header matches no field."""

    @property
    def rejected_rows(self) -> int:
        """Data rows that would be refused (header problems are counted apart)."""
        return self.total - len(self.rows)

    @property
    def header_problems(self) -> int:
        """Problems of the header row (unknown, duplicate or unnamed columns)."""
        return sum(1 for p in self.problems if p.row == 1 and self.sheet.columns is not None)


class _Mapper:
    """Header or key → field name, following ``--map`` first, then names and labels."""

    def __init__(self, rtype: RecordType, overrides: dict[str, str]) -> None:
        self.rtype = rtype
        self.known: dict[str, str] = {}
        for spec in rtype.fields.values():
            for name in (field_label(spec), field_label(spec, "zh"), spec.name):
                self.known[normalise(name)] = spec.name
        self.known[LEVELS_KEY] = LEVELS_KEY
        self.overrides: dict[str, str | None] = {}
        for column, target in overrides.items():
            if target and target != LEVELS_KEY and target not in rtype.fields:
                raise InvalidInput(f"--map names {shown(target)}, which is not a field of "
                                   f"{rtype.name}")
            self.overrides[normalise(column)] = target or None

    def field(self, name: str) -> tuple[bool, str | None]:
        """(known, field): known is False when the name matches nothing."""
        key = normalise(name)
        if key in self.overrides:
            return True, self.overrides[key]
        if key in self.known:
            return True, self.known[key]
        return False, None


def _enum(spec: FieldSpec, raw: str) -> str:
    vocabulary = VOCABULARIES.get(spec.vocabulary or "")
    if vocabulary is None or raw in vocabulary.codes():
        return raw
    wanted, code = raw.strip().casefold(), normalise(raw)
    for term in vocabulary.terms:
        if code == term.code or wanted in (term.en.casefold(), term.zh):
            return term.code
    return raw  # refused by validation, with the list of codes


def cell_value(spec: FieldSpec, cell: Any) -> Any:
    """The JSON record value a table cell stands for (validation comes later)."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, str):
        raw = cell
        if spec.multi and not raw.lstrip().startswith("["):
            raw = raw.replace("|", ";")
        value = from_text(spec, raw)
        if spec.kind == FieldKind.ENUM:
            if isinstance(value, list):
                return [_enum(spec, v) if isinstance(v, str) else v for v in value]
            return _enum(spec, value) if isinstance(value, str) else value
        return value
    if not isinstance(cell, bool) and isinstance(cell, int | float) \
            and spec.kind != FieldKind.INTEGER:
        cell = str(cell)  # a phone number or an id typed into a number cell
    return [cell] if spec.multi else cell


def _levels(cell: Any) -> Any:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    try:
        value = json.loads(cell) if isinstance(cell, str) else None
    except (ValueError, RecursionError):  # RecursionError: a cell of nested brackets
        value = None
    if not isinstance(value, dict):
        raise FieldError(LEVELS_KEY, "must be a JSON object of field names and levels")
    return value


def _table_row(rtype: RecordType, fields: list[str | None], values: dict[Any, Any],
               ) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for index, name in enumerate(fields):
        if name is None:
            continue
        cell = values.get(index)
        value = _levels(cell) if name == LEVELS_KEY else cell_value(rtype.fields[name], cell)
        if value is not None:
            data[name] = value
    return data


def _json_row(mapper: _Mapper, values: dict[Any, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in values.items():
        known, name = mapper.field(key) if isinstance(key, str) else (False, None)
        if known and name is None:
            continue  # skipped with --map KEY=
        data[name if known and name else key] = value  # unknown keys: validation says so
    return data


def _map_columns(plan: Plan, mapper: _Mapper, rtype: RecordType) -> list[str | None]:
    columns = plan.sheet.columns or []
    fields: list[str | None] = []
    first: dict[str, int] = {}
    for number, name in enumerate(columns, start=1):
        known, target = mapper.field(name) if name else (True, None)
        plan.columns.append((name, target))
        fields.append(target)
        if not name and any(row.values.get(number - 1) not in (None, "")
                            for row in plan.sheet.rows):
            plan.problems.append(Problem(1, None, f"column {number} has data but no header"))
        elif not known:
            plan.unmatched.add(number - 1)
            plan.problems.append(Problem(1, None, f"{_column(number, name)} is not a field of "
                                 f"{rtype.name}; map it with --map 'COLUMN=FIELD' or skip "
                                 "it with --map 'COLUMN='"))
        elif target is not None and target in first:
            plan.problems.append(Problem(1, target, f"columns {first[target]} and {number} "
                                                    "both fill this field"))
        elif target is not None:
            first[target] = number
    return fields


def plan(records: Any, source: Path | Sheet, kind: str, mapping: dict[str, str] | None = None, *,
         encoding: str | None = None, validate: bool = True,
         progress: Progress | None = None, cancel: threading.Event | None = None) -> Plan:
    """Read ``source`` (a path, or a sheet already read) and prepare its rows as ``kind``
    records; with ``validate`` check each row as an import would (the dry run). Nothing
    is written."""
    rtype: RecordType = records.registry.type(kind)
    mapper = _Mapper(rtype, mapping or {})
    sheet = source if isinstance(source, Sheet) else read(source, encoding)
    result = Plan(kind, sheet, [])
    if sheet.columns is not None:
        absent = set(mapper.overrides) - {normalise(c) for c in sheet.columns}
        if absent:
            raise InvalidInput("--map names a column the file does not have")
        fields = _map_columns(result, mapper, rtype)
    total = len(sheet.rows)
    rejected: set[int] = set()
    accepted = 0

    def convert(row: Row) -> dict[str, Any]:
        if sheet.columns is not None:
            return _table_row(rtype, fields, row.values)
        return _json_row(mapper, row.values)

    for done, row in enumerate(sheet.rows, start=1):
        if cancel is not None and cancel.is_set():
            raise InvalidInput("the import was cancelled; nothing was written")
        if row.problem is not None:
            result.problems.append(Problem(row.number, None, row.problem))
            continue
        rejected.add(row.number)  # until it is accepted below
        try:
            data = convert(row)
            if validate:
                records.validate(kind, data)
        except FieldError as exc:
            result.problems.append(Problem(row.number, exc.field, exc.reason))
        except PinnedField as exc:
            result.problems.append(Problem(row.number, exc.field, "identifies a protected "
                                           "source and is pinned to private; it cannot be "
                                           "lowered", policy=True))
        except InvalidInput as exc:
            result.problems.append(Problem(row.number, None, exc.message))
        else:
            rejected.discard(row.number)
            accepted += 1
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    result.rows = AcceptedRows(sheet, convert, rejected, accepted)
    return result


def commit(records: Any, prepared: Plan, progress: Progress | None = None,
           cancel: threading.Event | None = None) -> list[str]:
    """Add every row of ``prepared`` in one transaction; the first problem is raised with
    its row, field and reason, and then nothing at all is written."""
    if prepared.problems:
        first = prepared.problems[0]
        raise (PolicyRefused if first.policy else InvalidInput)(first.message())
    if not len(prepared.rows):
        raise InvalidInput("the file has no rows to import")
    try:
        return list(records.add_many(prepared.kind, _Records(prepared.rows),
                                     progress=progress, cancel=cancel))
    except FieldError as exc:
        row = next((number for i, (number, _) in enumerate(prepared.rows, start=1)
                    if i == exc.row), None) if exc.row else None
        raise FieldError(exc.field, exc.reason, exc.kind, row) from None
    except PinnedField as exc:
        row = next((n for n, data in prepared.rows
                    if isinstance(data.get(LEVELS_KEY), dict)
                    and exc.field in data[LEVELS_KEY]), None)
        raise PolicyRefused(f"row {row}: {exc.message}" if row else exc.message) from None
