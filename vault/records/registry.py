"""The field registry: every record type and field, declared once.

Validation (:mod:`vault.records.validate`), storage and search indexing
(:mod:`vault.records.service`), the command line, import, export and the JSON Schema
(:mod:`vault.records.jsonschema`) all read a :class:`Registry`. :data:`BUILTIN` holds the
types of DESIGN.md; a vault's registry is BUILTIN plus the custom fields its users added
(``RecordService.registry``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from vault.errors import InvalidInput
from vault.records.errors import FieldError, shown
from vault.records.spec import (
    CODE_MAX,
    LIST_MAX,
    LONG_TEXT_MAX,
    POSITION_KEYS,
    SHORT_TEXT_MAX,
    FieldKind,
    FieldSpec,
    Level,
    RecordType,
)
from vault.records.types_events import ACT, CASE, DETENTION, INTERVENTION, INVOLVEMENT
from vault.records.types_people import PERSON, SOURCE, TESTIMONY
from vault.records.vocab import VOCABULARIES

#: Keys of the ``get --json`` envelope; no field may take one of these names.
RESERVED_NAMES = frozenset({"id", "kind", "fields", "levels", "created", "updated"})


class Registry:
    """Record types by name, in display order."""

    def __init__(self, types: Iterable[RecordType]) -> None:
        self._types = {t.name: t for t in types}

    def types(self) -> list[RecordType]:
        """Every record type."""
        return list(self._types.values())

    def kinds(self) -> tuple[str, ...]:
        """Every record kind's name."""
        return tuple(self._types)

    def has(self, kind: str) -> bool:
        """True when ``kind`` is a record type."""
        return kind in self._types

    def type(self, kind: str) -> RecordType:
        """The record type ``kind`` (InvalidInput naming the known kinds if there is none)."""
        try:
            return self._types[kind]
        except (KeyError, TypeError):
            raise InvalidInput(f"unknown record kind {shown(kind)}; the kinds are "
                               f"{', '.join(self._types)}") from None

    def field(self, kind: str, name: str) -> FieldSpec:
        """The field ``name`` of ``kind`` (FieldError if the type has no such field)."""
        spec = self.type(kind).fields.get(name)
        if spec is None:
            raise FieldError(name, "no such field (see 'evault fields " + kind + "')", kind)
        return spec

    def with_fields(self, kind: str, specs: Iterable[FieldSpec]) -> Registry:
        """A copy with ``specs`` appended to the type ``kind``."""
        types = []
        for rtype in self._types.values():
            if rtype.name == kind:
                fields = dict(rtype.fields)
                for spec in specs:
                    fields[spec.name] = spec
                rtype = replace(rtype, fields=fields)
            types.append(rtype)
        return Registry(types)


def check_declarations(registry: Registry) -> list[str]:
    """Problems with the declarations themselves (a test asserts there are none): a
    pinned field that is not private, a missing vocabulary, a reference to no kind…"""
    problems: list[str] = []
    kinds = set(registry.kinds())
    for rtype in registry.types():
        where = rtype.name
        if rtype.title_field not in rtype.fields:
            problems.append(f"{where}: title field {rtype.title_field} is not a field")
        for name in (*rtype.title_fallback, *( [rtype.date_field] if rtype.date_field else [])):
            if name not in rtype.fields:
                problems.append(f"{where}: {name} is not a field")
        if rtype.date_field and rtype.fields[rtype.date_field].kind != FieldKind.DATE:
            problems.append(f"{where}: date field {rtype.date_field} is not a date")
        for spec in rtype.fields.values():
            at = f"{where}.{spec.name}"
            if spec.name in RESERVED_NAMES:
                problems.append(f"{at}: reserved name")
            if spec.pinned and spec.default_level != Level.PRIVATE:
                problems.append(f"{at}: pinned but not private")
            if spec.kind == FieldKind.IDENTIFIER and not spec.identifier:
                problems.append(f"{at}: identifier kind not marked identifier")
            if spec.kind == FieldKind.ENUM and spec.vocabulary not in VOCABULARIES:
                problems.append(f"{at}: unknown vocabulary {spec.vocabulary}")
            if spec.kind != FieldKind.ENUM and spec.vocabulary is not None:
                problems.append(f"{at}: vocabulary on a non-enum field")
            if any(k not in kinds for k in spec.ref_kinds):
                problems.append(f"{at}: reference to an unknown kind")
            if spec.free_text and spec.kind != FieldKind.LONG_TEXT:
                problems.append(f"{at}: free text must be long text")
            if rtype.name == "source" and spec.identifier and not spec.pinned:
                problems.append(f"{at}: a source identifier must be pinned")
    return problems


BUILTIN = Registry([PERSON, SOURCE, TESTIMONY, DETENTION, ACT, INVOLVEMENT, CASE,
                    INTERVENTION])
"""The record types of DESIGN.md, with every built-in field."""

__all__ = [
    "BUILTIN", "CODE_MAX", "LIST_MAX", "LONG_TEXT_MAX", "POSITION_KEYS", "RESERVED_NAMES",
    "SHORT_TEXT_MAX", "FieldKind", "FieldSpec", "Level", "RecordType", "Registry",
    "check_declarations",
]
