"""Registry-driven field display and input: one function per question, keyed on the
field's kind, so a field declared in the registry appears everywhere with no TUI change.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Select, SelectionList, TextArea

from tui.app.i18n import _
from tui.app.widgets.labels import (
    field_label,
    localise,
    registry_lang,
    type_label,
    vocab_label,
)
from tui.app.widgets.text import plain
from vault.records import present, vocab
from vault.records.spec import FieldKind, FieldSpec

LEVELS = ("public", "partner", "private")

__all__ = ["display", "field_label", "make_input", "read_input", "reference_ids",
           "registry_lang", "type_label"]


def _enum_label(spec: FieldSpec, code: str) -> str:
    return vocab_label(spec.vocabulary or "", code)


def display(spec: FieldSpec, value: Any, titles: dict[str, str] | None = None) -> Text:
    """A stored value as inert text for the record view (:mod:`vault.records.present`
    decides the words; this only translates yes/no and makes the text inert)."""
    if value is None:
        return Text("")
    if spec.kind == FieldKind.BOOL and not spec.multi:
        return Text(_("yes") if value else _("no"))
    if spec.kind == FieldKind.ENUM:  # labels (never the user's values) in the UI's script
        return plain(localise(present.joined(spec, value, titles, registry_lang())),
                     single_line=False)
    return plain(present.joined(spec, value, titles, registry_lang()), single_line=False)


def make_input(spec: FieldSpec, raw: str, widget_id: str,
               titles: dict[str, str] | None = None) -> Widget:
    """The input widget for a field, holding ``raw`` (text as
    :func:`vault.records.present.to_text` makes it). Reference fields get a picker by
    title (``titles``: id -> title of linked records)."""
    if spec.kind == FieldKind.REFERENCE:
        from tui.app.widgets.picker import ReferenceField

        ids = reference_ids(raw)
        return ReferenceField(field_label(spec), spec.ref_kinds, ids, titles or {},
                              multi=spec.multi, id=widget_id)
    if spec.kind == FieldKind.ENUM and spec.vocabulary:
        choices = [(_enum_label(spec, c), c) for c in vocab.codes(spec.vocabulary)]
        if spec.multi:
            chosen = {part.strip() for part in raw.split(";")} if raw else set()
            if raw.startswith("["):
                try:
                    chosen = set(json.loads(raw))
                except ValueError:
                    chosen = set()
            return SelectionList[str](*[(label, code, code in chosen) for label, code in choices],
                                      id=widget_id)
        known = {c for _l, c in choices}
        return Select[str](choices, value=raw if raw in known else Select.NULL,
                           id=widget_id, allow_blank=True, prompt=_("Choose…"))
    if spec.kind == FieldKind.BOOL:
        value: Any = raw if raw in ("true", "false") else Select.NULL
        return Select[str]([(_("yes"), "true"), (_("no"), "false")], value=value,
                           id=widget_id, allow_blank=True, prompt=_("Choose…"))
    if spec.kind == FieldKind.POSITIONS:
        from tui.app.widgets.positions import PositionsField

        return PositionsField(raw, id=widget_id)
    if spec.kind == FieldKind.LONG_TEXT:
        return TextArea(raw, id=widget_id, soft_wrap=True, tab_behavior="focus")
    placeholder = ""
    if spec.kind == FieldKind.DATE:
        placeholder = _("YYYY, YYYY-MM or YYYY-MM-DD; ~ in front if approximate")
    elif spec.multi:
        placeholder = _("several values separated by ;")
    return Input(raw, id=widget_id, placeholder=placeholder)


def reference_ids(raw: str) -> list[str]:
    """Record ids from a reference field's text (``a; b`` or a JSON list)."""
    if raw.startswith("["):
        try:
            return [str(i) for i in json.loads(raw)]
        except ValueError:
            return []
    return [part.strip() for part in raw.split(";") if part.strip()]


def read_input(widget: Widget) -> str:
    """The text a field's input holds now (for :func:`vault.records.present.from_text`)."""
    value_text = getattr(widget, "value_text", None)
    if callable(value_text):
        return str(value_text())
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, SelectionList):
        return "; ".join(str(v) for v in widget.selected)
    if isinstance(widget, Select):
        return "" if widget.value is Select.NULL else str(widget.value)
    return ""
