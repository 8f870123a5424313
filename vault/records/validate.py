"""Checking a record against the registry before anything is written.

:func:`clean_record` turns the JSON record format (DESIGN.md) into the canonical stored
form, or raises :class:`FieldError` naming the field and the reason, never the value.
Rules, all documented in docs/records.md:

- unknown kinds and fields are refused; ``null``, ``""`` and ``[]`` mean "no value";
- text is stored exactly as given, control characters included (front ends escape them
  when showing); text that is not valid Unicode (a lone surrogate) is refused;
- size limits per field (``FieldSpec.max_length`` characters, :data:`LIST_MAX` items);
- dates must exist in the calendar; enum codes must be in the vocabulary; references
  must name an existing record of an allowed kind (an unambiguous id prefix is accepted
  and stored as the full id);
- levels must be ``public``, ``partner`` or ``private``, and a pinned field cannot be
  set below ``private`` (PolicyRefused, exit 5).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vault.errors import InvalidInput, NotFound
from vault.records.dates import BadDate, parse_date
from vault.records.errors import FieldError, PinnedField, shown
from vault.records.present import from_text  # kept importable here: it moved in issue 17
from vault.records.registry import RESERVED_NAMES, Registry
from vault.records.spec import (
    LIST_MAX,
    POSITION_KEYS,
    SHORT_TEXT_MAX,
    FieldKind,
    FieldSpec,
    Level,
    RecordType,
)
from vault.records.vocab import VOCABULARIES

__all__ = ["FieldError", "PinnedField", "clean_record", "check_levels", "clean_value", "from_text",
           "unwrap", "Lookup", "is_empty", "parse_level", "refuse_pinned"]

#: ``lookup(id_or_prefix) -> (full id, kind)``; raises NotFound or InvalidInput.
Lookup = Callable[[str], tuple[str, str]]
JSON_INT_MAX = 2**53


def is_empty(value: Any) -> bool:
    """``null``, ``""`` and ``[]`` all mean "no value"."""
    return value is None or (isinstance(value, str | list) and len(value) == 0)


def unwrap(kind: str, data: Any) -> dict[str, Any]:
    """The flat record from ``data``: either the flat form itself, or the ``get --json``
    envelope ``{"id", "kind", "fields", "levels"}`` (so its output can be fed back)."""
    if not isinstance(data, dict):
        raise InvalidInput(f"a {kind} record must be a JSON object of field names and values")
    if isinstance(data.get("fields"), dict) and set(data) <= RESERVED_NAMES:
        if "kind" in data and data["kind"] != kind:
            raise InvalidInput(f"this JSON holds a record of another kind, not a {kind}")
        flat = dict(data["fields"])
        if data.get("levels") is not None:
            flat["levels"] = data["levels"]
        return flat
    return data


def clean_record(registry: Registry, kind: str, data: Any, lookup: Lookup | None = None,
                 *, partial: bool = False) -> tuple[dict[str, Any], dict[str, Level]]:
    """The canonical fields and the levels asked for in ``data`` (its ``levels`` key).

    ``partial`` checks a set of changes (an edit): ``None`` then means "remove the field"
    and is kept, and required fields need not be present.
    """
    rtype = registry.type(kind)
    data = unwrap(kind, data)
    levels = check_levels(rtype, data.get("levels"))
    fields: dict[str, Any] = {}
    for name, value in data.items():
        if name == "levels":
            continue
        spec = rtype.fields.get(name) if isinstance(name, str) else None
        if spec is None:
            raise FieldError(str(name), "no such field (see 'evault fields " + kind + "')",
                             kind)
        cleaned = clean_value(spec, value, lookup, kind)
        if cleaned is None:
            if partial:
                fields[name] = None
            continue
        fields[name] = cleaned
    if not partial:
        for spec in rtype.fields.values():
            if spec.required and spec.name not in fields:
                raise FieldError(spec.name, "is required", kind)
    return fields, levels


def check_levels(rtype: RecordType, levels: Any) -> dict[str, Level]:
    """Levels asked for, checked against the registry. A pinned field may only be
    ``private``: anything lower raises PolicyRefused (exit 5), whatever path asked."""
    if levels is None:
        return {}
    if not isinstance(levels, dict):
        raise InvalidInput("'levels' must be a JSON object of field names and levels")
    checked: dict[str, Level] = {}
    for name, raw in levels.items():
        spec = rtype.fields.get(name)
        if spec is None:
            raise FieldError(str(name), "levels name a field that does not exist", rtype.name)
        level = parse_level(raw, spec.name, rtype.name)
        refuse_pinned(rtype.name, spec, level)
        checked[name] = level
    return checked


def parse_level(raw: Any, field: str = "level", kind: str | None = None) -> Level:
    """A :class:`Level` from its name (FieldError otherwise)."""
    try:
        return Level(raw)
    except ValueError:
        raise FieldError(field, "the level must be public, partner or private", kind) from None


def refuse_pinned(kind: str, spec: FieldSpec, level: Level) -> None:
    """PolicyRefused when ``level`` would lower a pinned field."""
    if spec.pinned and level != Level.PRIVATE:
        # The one rule that protects a source's identity: no path may lower it.
        raise PinnedField(kind, spec.name)


def clean_value(spec: FieldSpec, value: Any, lookup: Lookup | None = None,
                kind: str | None = None) -> Any:
    """The canonical form of one field's value, or None for "no value"."""
    if is_empty(value):
        return None
    if spec.multi:
        if not isinstance(value, list):
            raise FieldError(spec.name, "expected a list of values", kind)
        if len(value) > LIST_MAX:
            raise FieldError(spec.name, f"more than {LIST_MAX} items", kind)
        if spec.kind == FieldKind.POSITIONS:
            return [_position(spec, item, kind) for item in value]
        return [_one(spec, item, lookup, kind) for item in value]
    return _one(spec, value, lookup, kind)


def _one(spec: FieldSpec, value: Any, lookup: Lookup | None, kind: str | None) -> Any:
    fk = spec.kind
    if value is None or value == "":
        raise FieldError(spec.name, "a list item is empty", kind)
    if fk in (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.IDENTIFIER):
        return _text(spec.name, value, spec.max_length, kind)
    if fk == FieldKind.DATE:
        return _date(spec.name, value, kind)
    if fk == FieldKind.BOOL:
        if not isinstance(value, bool):
            raise FieldError(spec.name, "expected true or false", kind)
        return value
    if fk == FieldKind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(spec.name, "expected a whole number", kind)
        if abs(value) > JSON_INT_MAX:
            raise FieldError(spec.name, "the number is too large", kind)
        return value
    if fk == FieldKind.ENUM:
        codes = VOCABULARIES[spec.vocabulary or ""].codes()
        if not isinstance(value, str) or value not in codes:
            listed = ", ".join(codes) if len(codes) <= 24 else f"see 'evault fields {kind}'"
            raise FieldError(spec.name, f"not a known code (one of: {listed})", kind)
        return value
    if fk == FieldKind.REFERENCE:
        return _reference(spec, value, lookup, kind)
    raise FieldError(spec.name, "expected a list of positions", kind)


def _text(name: str, value: Any, limit: int, kind: str | None) -> str:
    if not isinstance(value, str):
        raise FieldError(name, "expected text (a JSON string)", kind)
    if len(value) > limit:
        raise FieldError(name, f"longer than the limit of {limit:,} characters", kind)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldError(name, "not valid Unicode text (it holds a lone surrogate)",
                         kind) from None
    return value


def _date(name: str, value: Any, kind: str | None) -> str:
    if not isinstance(value, str):
        raise FieldError(name, "expected a date as text: YYYY, YYYY-MM or YYYY-MM-DD", kind)
    try:
        parse_date(value)
    except BadDate as exc:
        raise FieldError(name, str(exc), kind) from None
    return value


def _reference(spec: FieldSpec, value: Any, lookup: Lookup | None,
               kind: str | None) -> str:
    if not isinstance(value, str):
        raise FieldError(spec.name, "expected a record id (text)", kind)
    if lookup is None:
        return value
    try:
        full, target = lookup(value)
    except NotFound:
        raise FieldError(spec.name, "refers to a record that does not exist", kind) from None
    except InvalidInput:
        raise FieldError(spec.name, "is not a record id, or an id prefix that matches more "
                         "than one record", kind) from None
    if spec.ref_kinds and target not in spec.ref_kinds:
        raise FieldError(spec.name, f"must refer to a {' or '.join(spec.ref_kinds)} record, "
                         f"not a {target}", kind)
    return full


def _position(spec: FieldSpec, item: Any, kind: str | None) -> dict[str, str]:
    if not isinstance(item, dict):
        raise FieldError(spec.name, "each position must be an object with organisation, "
                         "unit, rank, from, to", kind)
    out: dict[str, str] = {}
    for key, value in item.items():
        if key not in POSITION_KEYS:
            raise FieldError(spec.name, f"a position has an unknown key {shown(key)}; keys "
                             "are organisation, unit, rank, from, to", kind)
        if value is None or value == "":
            continue
        if key in ("from", "to"):
            out[key] = _date(f"{spec.name}.{key}", value, kind)
        else:
            out[key] = _text(f"{spec.name}.{key}", value, SHORT_TEXT_MAX, kind)
    if not out:
        raise FieldError(spec.name, "a position is empty", kind)
    return {key: out[key] for key in POSITION_KEYS if key in out}
