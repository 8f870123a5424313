"""Records as the service hands them out, and what is derived from a record's fields:
its title, its main date, the text the search index gets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vault.records.dates import parse_date
from vault.records.spec import FieldKind, Level, RecordType
from vault.records.vocab import label

TITLE_MAX = 120


@dataclass(frozen=True)
class Record:
    """One record: ``fields`` in the JSON record format, and the level of every field
    that has a value (or was given a level)."""

    id: str
    kind: str
    fields: dict[str, Any]
    levels: dict[str, Level]
    created: str
    updated: str
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The ``get --json`` shape: ``{"id", "kind", "fields", "levels"}``."""
        return {"id": self.id, "kind": self.kind, "fields": self.fields,
                "levels": {name: str(level) for name, level in self.levels.items()}}


@dataclass(frozen=True)
class RecordSummary:
    """A line of a list: id, kind and title."""

    id: str
    kind: str
    title: str
    date: str | None = None
    """The record's main date (for lists; not part of the ``list --json`` output)."""
    updated: str | None = None
    """When it last changed (for lists; not part of the ``list --json`` output)."""

    def to_json(self) -> dict[str, str]:
        """The ``list --json`` item."""
        return {"id": self.id, "kind": self.kind, "title": self.title}


def _display(rtype: RecordType, name: str, value: Any) -> str:
    spec = rtype.fields[name]
    items = value if isinstance(value, list) else [value]
    if spec.kind == FieldKind.ENUM:
        return ", ".join(label(spec.vocabulary or "", code) for code in items)
    if spec.kind == FieldKind.POSITIONS:
        return "; ".join(str(p.get("organisation", "")) for p in items)
    return ", ".join(str(item) for item in items)


def title_of(rtype: RecordType, fields: Mapping[str, Any]) -> str:
    """The record's title: its title field, else its fallback fields joined, else the
    type's label. One line, at most :data:`TITLE_MAX` characters."""
    parts: list[str] = []
    if fields.get(rtype.title_field) is not None:
        parts.append(_display(rtype, rtype.title_field, fields[rtype.title_field]))
    else:
        parts.extend(_display(rtype, name, fields[name]) for name in rtype.title_fallback
                     if fields.get(name) is not None)
    title = " · ".join(p for p in parts if p) or rtype.label
    title = " ".join(title.split())
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def main_date(rtype: RecordType, fields: Mapping[str, Any]) -> str | None:
    """The record's main date for search filters, without the approximate marker."""
    if rtype.date_field is None or fields.get(rtype.date_field) is None:
        return None
    return parse_date(fields[rtype.date_field]).iso()


def index_texts(rtype: RecordType, fields: Mapping[str, Any],
                levels: Mapping[str, Level]) -> list[tuple[str, str, Level]]:
    """What the search index gets for a record: every text-ish value with its level.
    Enum codes are indexed by their labels in every language (so 指定居所监视居住 finds
    RSDL detentions); references, dates, numbers and flags are not text."""
    texts: list[tuple[str, str, Level]] = []
    for name, value in fields.items():
        spec = rtype.fields.get(name)
        if spec is None or value is None:
            continue
        level = levels.get(name, spec.default_level)
        items = value if isinstance(value, list) else [value]
        if spec.is_text:
            joined = "\n".join(items)
        elif spec.kind == FieldKind.ENUM:
            voc = spec.vocabulary or ""
            joined = "\n".join(f"{label(voc, c)} {label(voc, c, 'zh')}" for c in items)
        elif spec.kind == FieldKind.POSITIONS:
            joined = "\n".join(" ".join(p.get(k, "") for k in ("organisation", "unit", "rank"))
                               for p in items)
        else:
            continue
        texts.append((name, joined, level))
    return texts
