"""A record as the partner will see it, with every redaction highlighted.

What the export service put in place of a value — a typed placeholder such as
``[phone]`` or a pseudonym such as ``Source-7KQ2-XM4P`` — is drawn reversed and
underlined (readable without colour), at the spans the redactor recorded
(:class:`vault.export.redact.Replacement`): nothing is guessed from the text, so what a
user typed that looks like a placeholder stays plain. Withheld fields are listed by
name only. Below the
fields, every change is listed with its place (field, characters) and its reason — whose
identifier it was and in which reading of the text it was found (markup decoded,
transliterated…), or which detector found it — so a person can judge each one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from rich.text import Text

from tui.app.i18n import _
from tui.app.widgets.fields import display, field_label, type_label
from tui.app.widgets.text import plain
from vault.export.redact import RecordView, Replacement
from vault.records.registry import Registry
from vault.records.spec import FieldKind

#: Kinds whose stored value is a code: the preview shows its label in the UI language
#: (a code is never a redaction, so nothing is lost by not highlighting it).
_CODED = (FieldKind.ENUM, FieldKind.BOOL)

REDACTED = "bold reverse underline"

Path = tuple[int | str, ...]


def _marked(value: str) -> Text:
    out = plain(value, single_line=False)
    out.stylize(REDACTED)
    return out


def _pieces(value: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``value`` cut at the spans: (piece, replaced?) in order."""
    pieces: list[tuple[str, bool]] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            continue  # the redactor merges overlaps; never draw a character twice
        pieces += [(value[pos:start], False), (value[start:end], True)]
        pos = end
    pieces.append((value[pos:], False))
    return [(piece, replaced) for piece, replaced in pieces if piece]


def highlighted(value: str, spans: list[tuple[int, int]]) -> Text:
    """``value`` (inert) with the redactor's replacement ``spans`` marked. Nothing is
    guessed from the text itself: a user's own ``[name]`` stays plain."""
    out = Text()
    for piece, replaced in _pieces(value, spans):
        out.append_text(_marked(piece) if replaced else plain(piece, single_line=False))
    return out


def _json_string(value: str, spans: list[tuple[int, int]]) -> Text:
    """``value`` as a JSON string literal, inert, the spans marked (each piece escaped
    alone, so a mark stays on the characters it belongs to)."""
    out = Text('"')
    for piece, replaced in _pieces(value, spans):
        escaped = json.dumps(piece, ensure_ascii=False)[1:-1]
        out.append_text(_marked(escaped) if replaced else plain(escaped, single_line=False))
    out.append('"')
    return out


class _Drawer:
    """Draws one field's value the way the bundle carries it, with the recorded spans."""

    def __init__(self, view: RecordView, replacements: list[Replacement]) -> None:
        self.view = view
        self.spans: dict[Path, list[tuple[int, int]]] = defaultdict(list)
        for r in replacements:
            self.spans[r.path].append((r.out_start, r.out_end))

    def value(self, value: Any, path: Path = ()) -> Text:
        if isinstance(value, list):
            return Text("; ").join(self.value(v, (*path, i)) for i, v in enumerate(value))
        if isinstance(value, dict):
            out = Text("{")
            for n, (key, item) in enumerate(value.items()):
                if n:
                    out.append(", ")
                out.append(json.dumps(key, ensure_ascii=False) + ": ")
                if isinstance(item, str):
                    out.append_text(_json_string(item, self.spans.get((*path, key), [])))
                else:
                    out.append(json.dumps(item, ensure_ascii=False))
            return out.append("}")
        if isinstance(value, str) and value in self.view.references:
            label = self.view.references[value].get("label", value)
            return _marked(label) if value in self.view.pseudonymous else \
                plain(label, single_line=False)
        return highlighted(str(value), self.spans.get(path, []))


def render_view(view: RecordView, registry: Registry) -> Text:
    """The whole preview of one :class:`vault.export.redact.RecordView`: every span the
    redactor replaced is drawn reversed and underlined, and nothing else is."""
    rtype = registry.type(view.kind)
    by_field: dict[str, list[Replacement]] = defaultdict(list)
    for r in view.replacements:
        by_field[r.field].append(r)
    text = Text()
    text.append_text(_marked(view.label) if view.label_replaced else
                     plain(view.label, single_line=False))
    text.append(f"  ({type_label(rtype)} {view.id})\n\n", style="dim")
    for name, value in view.fields.items():
        spec = rtype.fields.get(name)
        label = field_label(spec) if spec is not None else name
        text.append(f"{label}: ", style="bold")
        if spec is not None and spec.kind in _CODED:
            text.append_text(display(spec, value))
        else:
            text.append_text(_Drawer(view, by_field[name]).value(value))
        text.append("\n")
    if view.withheld:
        names = [field_label(rtype.fields[n]) if n in rtype.fields else n
                 for n in sorted(view.withheld)]
        text.append("\n" + _("Withheld (not in the bundle): "), style="bold")
        text.append(", ".join(names) + "\n")
    redacted = sum(view.redacted.values())
    if redacted:
        text.append(_("{n} value(s) replaced in text (highlighted above).").format(n=redacted)
                    + "\n")
    changes = view.replacements
    if changes:
        text.append("\n" + _("What was replaced, and why:") + "\n", style="bold")
        for change in changes:
            spec = rtype.fields.get(change.field)
            label = field_label(spec) if spec is not None else change.field
            text.append(f"  {label} {change.start}–{change.end}: ")
            text.append_text(plain(change.reason, single_line=True))
            text.append("\n")
    return text


def ordinary_word_note(count: int) -> str:
    """The preview's warning when protected values are ordinary words."""
    return _("{n} protected value(s) are ordinary words: every use of those words in the "
             "text is replaced. Check the changes below.").format(n=count)
