"""The building blocks of the field registry: levels, field kinds, field and type specs.

Every field of every record type is declared once with these classes (the built-in types
live in :mod:`vault.records.types_people` and :mod:`vault.records.types_events`; users
add custom fields through :class:`vault.records.service.RecordService`). Validation,
storage, search indexing, the command line, import and export all read the declaration,
so a new field is one line and cannot be forgotten by one of them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import TypedDict, Unpack

#: Limits, in characters (code points, as JSON Schema's ``maxLength`` counts them).
SHORT_TEXT_MAX = 4_096
"""A name, a place, an identifier, one item of a list: 4,096 characters."""
LONG_TEXT_MAX = 1_048_576
"""A narrative, a translation, notes: 1,048,576 characters (1 Mi)."""
LIST_MAX = 1_000
"""Items in one multi-valued field (and entries in ``positions``)."""
DATE_MAX = 11
"""``~YYYY-MM-DD``."""
CODE_MAX = 64
"""A vocabulary code or a record id."""


class Level(enum.StrEnum):
    """A redaction level. Ordered by how far a value may travel: ``PUBLIC < PARTNER <
    PRIVATE`` (compare with ``<``, or by :attr:`rank`; plain string order would be wrong).
    """

    PUBLIC = "public"
    PARTNER = "partner"
    PRIVATE = "private"

    @property
    def rank(self) -> int:
        """0 for public, 1 for partner, 2 for private."""
        return _RANK[self.value]

    def __lt__(self, other: str) -> bool:
        return self.rank < Level(other).rank

    def __le__(self, other: str) -> bool:
        return self.rank <= Level(other).rank

    def __gt__(self, other: str) -> bool:
        return self.rank > Level(other).rank

    def __ge__(self, other: str) -> bool:
        return self.rank >= Level(other).rank

    __hash__ = str.__hash__


_RANK = {"public": 0, "partner": 1, "private": 2}


class FieldKind(enum.StrEnum):
    """What a field holds, which decides how it is validated, stored and shown."""

    TEXT = "text"
    """One line of text (up to :data:`SHORT_TEXT_MAX`)."""
    LONG_TEXT = "long_text"
    """Paragraphs: narratives, descriptions, notes (up to :data:`LONG_TEXT_MAX`)."""
    IDENTIFIER = "identifier"
    """A short text that can single a person out (a name, a phone number…)."""
    DATE = "date"
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, ``~`` in front when approximate."""
    ENUM = "enum"
    """A code from a controlled vocabulary (:mod:`vault.records.vocab`)."""
    REFERENCE = "reference"
    """The id of another record, of one of the kinds in ``ref_kinds``."""
    BOOL = "bool"
    """``true`` or ``false``."""
    INTEGER = "integer"
    """A whole number (between -2**53 and 2**53, what JSON carries exactly)."""
    POSITIONS = "positions"
    """A list of ``{organisation, unit, rank, from, to}``: posts a person held."""


#: Field kinds whose values are text a person wrote (indexed for search).
TEXT_KINDS = frozenset({FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.IDENTIFIER})
#: The keys of one entry of a ``positions`` field; ``from`` and ``to`` are dates.
POSITION_KEYS = ("organisation", "unit", "rank", "from", "to")


@dataclass(frozen=True)
class FieldSpec:
    """The one declaration of a field."""

    name: str
    """Stable machine name, the key in the JSON record format."""
    kind: FieldKind
    label: str
    """English label (translations in :mod:`vault.records.labels`)."""
    default_level: Level = Level.PARTNER
    """Level a value gets when the user does not choose one."""
    identifier: bool = False
    """The value can single a person out: exports pseudonymise it and the leak gate
    looks for it in every byte of a bundle."""
    pinned: bool = False
    """Always ``private``; no path may lower it (a protected source's identity)."""
    multi: bool = False
    """A JSON list of values rather than one value."""
    vocabulary: str | None = None
    """For ``enum`` fields: the name of the vocabulary in :mod:`vault.records.vocab`."""
    ref_kinds: tuple[str, ...] = ()
    """For ``reference`` fields: the record kinds it may point to (empty: any kind)."""
    free_text: bool = False
    """Narratives, descriptions, notes, translations: rewritten on export so that no
    identifier the bundle may not carry survives inside them."""
    max_length: int = SHORT_TEXT_MAX
    """Largest accepted text, in characters (per item for lists)."""
    custom: bool = False
    """Added by the user in this vault, not built in."""
    required: bool = False
    """A record of this type cannot be saved without it."""
    help: str = ""
    """One sentence for forms, ``evault fields`` and docs/records.md."""

    @property
    def is_text(self) -> bool:
        """True when the value is text people wrote (text, long text, identifier)."""
        return self.kind in TEXT_KINDS


@dataclass(frozen=True)
class RecordType:
    """A kind of record and its fields, in display order."""

    name: str
    label: str
    fields: dict[str, FieldSpec]
    title_field: str
    """The field shown as the record's title in lists."""
    title_fallback: tuple[str, ...] = ()
    """Fields joined into a title when ``title_field`` is empty."""
    date_field: str | None = None
    """The record's main date (search filters by it), if it has one."""
    help: str = ""

    def field(self, name: str) -> FieldSpec | None:
        """The field called ``name``, or None."""
        return self.fields.get(name)


def record_type(name: str, label: str, specs: list[FieldSpec], *, title_field: str,
                title_fallback: tuple[str, ...] = (), date_field: str | None = None,
                help: str = "") -> RecordType:
    """A :class:`RecordType` from a list of specs (names must be unique)."""
    fields: dict[str, FieldSpec] = {}
    for spec in specs:
        if spec.name in fields:
            raise ValueError(f"{name}.{spec.name} is declared twice")
        fields[spec.name] = spec
    return RecordType(name, label, fields, title_field, title_fallback, date_field, help)


# -- short constructors, so a declaration reads as one line ------------------------------

class Options(TypedDict, total=False):
    """Optional attributes of a :class:`FieldSpec`, for the constructors below."""

    identifier: bool
    pinned: bool
    multi: bool
    ref_kinds: tuple[str, ...]
    free_text: bool
    max_length: int
    custom: bool
    required: bool
    help: str


def _make(base: FieldSpec, kw: Options) -> FieldSpec:
    return replace(base, **kw)


def text(name: str, label: str, level: Level = Level.PARTNER, **kw: Unpack[Options]
         ) -> FieldSpec:
    """A one-line text field."""
    return _make(FieldSpec(name, FieldKind.TEXT, label, level), kw)


def long_text(name: str, label: str, level: Level = Level.PARTNER, **kw: Unpack[Options]
              ) -> FieldSpec:
    """A free-text field (rewritten on export)."""
    return _make(FieldSpec(name, FieldKind.LONG_TEXT, label, level, free_text=True,
                           max_length=LONG_TEXT_MAX), kw)


def ident(name: str, label: str, level: Level = Level.PRIVATE, **kw: Unpack[Options]
          ) -> FieldSpec:
    """An identifier: a value that can single a person out."""
    return _make(FieldSpec(name, FieldKind.IDENTIFIER, label, level, identifier=True), kw)


def date(name: str, label: str, level: Level = Level.PARTNER, **kw: Unpack[Options]
         ) -> FieldSpec:
    """A date with precision (and an approximate marker)."""
    return _make(FieldSpec(name, FieldKind.DATE, label, level, max_length=DATE_MAX), kw)


def enum_(name: str, label: str, vocabulary: str, level: Level = Level.PARTNER,
          **kw: Unpack[Options]) -> FieldSpec:
    """A code from a controlled vocabulary."""
    return _make(FieldSpec(name, FieldKind.ENUM, label, level, vocabulary=vocabulary,
                           max_length=CODE_MAX), kw)


def ref(name: str, label: str, kinds: tuple[str, ...], level: Level = Level.PARTNER,
        **kw: Unpack[Options]) -> FieldSpec:
    """A reference to another record (by id)."""
    return _make(FieldSpec(name, FieldKind.REFERENCE, label, level, ref_kinds=kinds,
                           max_length=CODE_MAX), kw)


def flag(name: str, label: str, level: Level = Level.PARTNER, **kw: Unpack[Options]
         ) -> FieldSpec:
    """A yes/no field."""
    return _make(FieldSpec(name, FieldKind.BOOL, label, level), kw)


def integer(name: str, label: str, level: Level = Level.PARTNER, **kw: Unpack[Options]
            ) -> FieldSpec:
    """A whole number."""
    return _make(FieldSpec(name, FieldKind.INTEGER, label, level), kw)


def positions(name: str, label: str, level: Level = Level.PARTNER, **kw: Unpack[Options]
              ) -> FieldSpec:
    """Posts held: ``[{organisation, unit, rank, from, to}, …]``."""
    return _make(FieldSpec(name, FieldKind.POSITIONS, label, level, multi=True), kw)
