"""Custom fields: fields a user adds to a record type, stored in the vault.

A custom field is declared like a built-in one (a :class:`FieldSpec`), kept as JSON in the
``custom_fields`` table, and merged into the registry when the vault is unlocked, so
validation, search, import and export treat it like any other field. Kinds that need a
declaration users cannot give yet (``enum`` needs a vocabulary, ``positions`` a structure)
are not offered. On a Source, an identifier is pinned to private like the built-in ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from vault.errors import InvalidInput
from vault.records.errors import FieldError, PinnedField, shown
from vault.records.registry import RESERVED_NAMES, Registry
from vault.records.spec import LONG_TEXT_MAX, SHORT_TEXT_MAX, FieldKind, FieldSpec, Level

#: What ``evault fields add --kind`` accepts.
CUSTOM_KINDS = (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.IDENTIFIER, FieldKind.DATE,
                FieldKind.BOOL, FieldKind.INTEGER, FieldKind.REFERENCE)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,47}")
#: Kinds whose identifying fields are pinned to private.
PROTECTED_KINDS = ("source",)


def make_spec(registry: Registry, kind: str, name: str, field_kind: str, *,
              label: str | None = None, level: str | None = None, identifier: bool = False,
              multi: bool = False, ref_kinds: Iterable[str] = ()) -> FieldSpec:
    """A checked declaration for a new custom field (InvalidInput, PinnedField)."""
    rtype = registry.type(kind)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidInput(f"the field name {shown(name)} must start with a lower-case letter "
                           "and hold only a-z, 0-9 and _ (48 at most)")
    if name in RESERVED_NAMES or name in rtype.fields:
        raise InvalidInput(f"{kind} already has a field called '{name}' (or it is reserved)")
    try:
        fk = FieldKind(field_kind)
    except ValueError:
        fk = None
    if fk not in CUSTOM_KINDS:
        raise InvalidInput(f"a custom field's kind must be one of "
                           f"{', '.join(k.value for k in CUSTOM_KINDS)}")
    assert fk is not None
    if identifier and fk not in (FieldKind.TEXT, FieldKind.IDENTIFIER):
        raise InvalidInput("only a text field can be an identifier")
    if fk == FieldKind.IDENTIFIER:
        identifier = True
    elif identifier:
        fk = FieldKind.IDENTIFIER
    targets = tuple(ref_kinds)
    for target in targets:
        registry.type(target)
    pinned = identifier and kind in PROTECTED_KINDS
    # Anything added to a protected record starts private (issue 11: a custom field on
    # a source defaulted to partner and shipped its value); the user may lower it.
    default = Level.PRIVATE if identifier or kind in PROTECTED_KINDS else Level.PARTNER
    if level is not None and level not in {lv.value for lv in Level}:
        raise FieldError(name, "the level must be public, partner or private", kind)
    chosen = Level(level) if level is not None else default
    if pinned and chosen != Level.PRIVATE:
        raise PinnedField(kind, name)
    text_label = (label or name.replace("_", " ").capitalize()).strip()
    if not text_label or len(text_label) > 200 or not text_label.isprintable():
        raise InvalidInput("the label must be one printable line of at most 200 characters")
    return FieldSpec(
        name=name, kind=fk, label=text_label, default_level=chosen, identifier=identifier,
        pinned=pinned, multi=multi, ref_kinds=targets if fk == FieldKind.REFERENCE else (),
        free_text=fk == FieldKind.LONG_TEXT,
        max_length=LONG_TEXT_MAX if fk == FieldKind.LONG_TEXT else SHORT_TEXT_MAX,
        custom=True,
    )


def spec_to_json(spec: FieldSpec) -> str:
    """The stored form of a custom field's declaration."""
    data = asdict(spec)
    data["ref_kinds"] = list(spec.ref_kinds)
    return json.dumps(data, sort_keys=True)


def spec_from_json(text: str) -> FieldSpec:
    """A declaration back from its stored form."""
    data: dict[str, Any] = json.loads(text)
    data["kind"] = FieldKind(data["kind"])
    data["default_level"] = Level(data["default_level"])
    data["ref_kinds"] = tuple(data.get("ref_kinds", ()))
    data["custom"] = True
    return FieldSpec(**data)
