"""A JSON Schema (draft 2020-12) of the JSON record format, generated from the registry.

``$defs/<kind>`` describes what ``evault add KIND --json`` and ``evault import --kind``
take (the flat record with an optional ``levels`` object); the top level describes what
``evault get --json`` prints. Each property carries the field's label, help and, as
``x-evault-*`` annotations, its default level and whether it is an identifier or pinned,
so a partner's tool can read the same declarations we do. What a schema cannot say (that
``2019-02-30`` is not a day, that a reference must exist) is checked by
:mod:`vault.records.validate` and documented in docs/records.md.

``python -m vault.records.jsonschema`` prints the schema of the built-in registry; it is
committed as docs/record.schema.json and a test keeps the two equal.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from vault.records.registry import BUILTIN, Registry
from vault.records.spec import (
    LIST_MAX,
    POSITION_KEYS,
    SHORT_TEXT_MAX,
    FieldKind,
    FieldSpec,
    Level,
    RecordType,
)
from vault.records.validate import JSON_INT_MAX
from vault.records.vocab import VOCABULARIES

SCHEMA_ID = "urn:evault:record-schema:v1"
DATE_PATTERN = r"^~?[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
ID_PATTERN = r"^[0-9a-f]{16}$"


def _scalar(spec: FieldSpec) -> dict[str, Any]:
    kind = spec.kind
    if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.IDENTIFIER):
        return {"type": "string", "minLength": 1, "maxLength": spec.max_length}
    if kind == FieldKind.DATE:
        return {"$ref": "#/$defs/date"}
    if kind == FieldKind.ENUM:
        return {"enum": list(VOCABULARIES[spec.vocabulary or ""].codes())}
    if kind == FieldKind.REFERENCE:
        return {"$ref": "#/$defs/id"}
    if kind == FieldKind.BOOL:
        return {"type": "boolean"}
    if kind == FieldKind.INTEGER:
        return {"type": "integer", "minimum": -JSON_INT_MAX, "maximum": JSON_INT_MAX}
    return {"$ref": "#/$defs/position"}


def field_schema(spec: FieldSpec) -> dict[str, Any]:
    """The schema of one field's value, with its declaration as annotations."""
    value = _scalar(spec)
    if spec.multi:
        value = {"type": "array", "items": value, "minItems": 1, "maxItems": LIST_MAX}
    out: dict[str, Any] = {"title": spec.label}
    if spec.help:
        out["description"] = spec.help
    out.update(value)
    out["x-evault-kind"] = spec.kind.value
    out["x-evault-level"] = spec.default_level.value
    if spec.identifier:
        out["x-evault-identifier"] = True
    if spec.pinned:
        out["x-evault-pinned"] = True
    if spec.free_text:
        out["x-evault-free-text"] = True
    if spec.ref_kinds:
        out["x-evault-ref-kinds"] = list(spec.ref_kinds)
    if spec.vocabulary:
        out["x-evault-vocabulary"] = spec.vocabulary
    return out


def _levels_schema(rtype: RecordType) -> dict[str, Any]:
    props = {name: ({"const": Level.PRIVATE.value} if spec.pinned
                    else {"$ref": "#/$defs/level"})
             for name, spec in rtype.fields.items()}
    return {"type": "object", "additionalProperties": False, "properties": props}


def type_schema(rtype: RecordType) -> dict[str, Any]:
    """The schema of a flat record of ``rtype`` (the input of ``add``)."""
    props = {name: field_schema(spec) for name, spec in rtype.fields.items()}
    props["levels"] = {"$ref": f"#/$defs/{rtype.name}_levels"}
    out: dict[str, Any] = {"title": rtype.label, "type": "object",
                           "additionalProperties": False, "properties": props}
    if rtype.help:
        out["description"] = rtype.help
    required = [name for name, spec in rtype.fields.items() if spec.required]
    if required:
        out["required"] = required
    return out


def record_schema(registry: Registry = BUILTIN) -> dict[str, Any]:
    """The whole schema: the ``get --json`` envelope, one ``$defs`` entry per kind."""
    defs: dict[str, Any] = {
        "id": {"type": "string", "pattern": ID_PATTERN,
               "description": "A record id: 16 lower-case hex digits."},
        "date": {"type": "string", "pattern": DATE_PATTERN,
                 "description": "YYYY, YYYY-MM or YYYY-MM-DD; ~ in front when approximate. "
                                "The day must exist in the calendar."},
        "level": {"enum": [level.value for level in Level]},
        "position": {"type": "object", "additionalProperties": False, "minProperties": 1,
                     "properties": {key: ({"$ref": "#/$defs/date"} if key in ("from", "to")
                                          else {"type": "string", "minLength": 1,
                                                "maxLength": SHORT_TEXT_MAX})
                                    for key in POSITION_KEYS}},
    }
    variants = []
    for rtype in registry.types():
        defs[rtype.name] = type_schema(rtype)
        defs[f"{rtype.name}_levels"] = _levels_schema(rtype)
        variants.append({"properties": {"kind": {"const": rtype.name},
                                        "fields": {"$ref": f"#/$defs/{rtype.name}"},
                                        "levels": {"$ref": f"#/$defs/{rtype.name}_levels"}}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "evault record",
        "description": "What 'evault get ID --json' prints. $defs/<kind> is the flat record "
                       "that 'evault add KIND --json' and 'evault import --kind KIND' take.",
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "kind", "fields", "levels"],
        "properties": {"id": {"$ref": "#/$defs/id"},
                       "kind": {"enum": list(registry.kinds())},
                       "fields": {"type": "object"}, "levels": {"type": "object"}},
        "oneOf": variants,
        "$defs": defs,
    }


def dumps(registry: Registry = BUILTIN) -> str:
    """The schema as the committed file holds it."""
    return json.dumps(record_schema(registry), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(dumps())
