"""A record as the partner will see it, with every redaction highlighted.

What the export service put in place of a value — a typed placeholder such as
``[phone]`` or a pseudonym such as ``Source-7KQ2-XM4P`` — is drawn reversed and
underlined (readable without colour); withheld fields are listed by name only. Below the
fields, every change is listed with its place (field, characters) and its reason — whose
identifier it was and in which reading of the text it was found (markup decoded,
transliterated…), or which detector found it — so a person can judge each one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rich.text import Text

from tui.app.i18n import _
from tui.app.widgets.fields import display, field_label, type_label
from tui.app.widgets.text import plain
from vault.export.detect import PLACEHOLDERS
from vault.export.pseudonym import PERSON_KINDS
from vault.records.spec import FieldKind

#: Kinds whose stored value is a code: the preview shows its label in the UI language
#: (a code is never a redaction, so nothing is lost by not highlighting it).
_CODED = (FieldKind.ENUM, FieldKind.BOOL)

REDACTED = "bold reverse underline"
_PREFIXES = "|".join(sorted({re.escape(p) for p in PERSON_KINDS.values()}, key=len,
                            reverse=True))
_PLACEHOLDERS = "|".join(re.escape(p) for p in {*PLACEHOLDERS.values(), "[name]", "[place]",
                                                "[handle]", "[identifier]"})
MARKS = re.compile(rf"(?:{_PLACEHOLDERS})|(?:\b(?:{_PREFIXES})-[0-9A-Z]{{4}}-[0-9A-Z]{{4}}\b)")


def highlighted(value: str) -> Text:
    """``value`` (inert) with placeholders and pseudonyms marked."""
    out = Text()
    pos = 0
    for match in MARKS.finditer(value):
        out.append_text(plain(value[pos:match.start()], single_line=False))
        out.append(match.group(0), style=REDACTED)
        pos = match.end()
    out.append_text(plain(value[pos:], single_line=False))
    return out


def _flat(value: Any, refs: dict[str, dict[str, str]]) -> str:
    if isinstance(value, list):
        return "; ".join(_flat(v, refs) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value in refs:
        return refs[value].get("label", value)
    return str(value)


def render_view(view: Any, registry: Any) -> Text:
    """The whole preview of one :class:`vault.export.redact.RecordView`."""
    rtype = registry.type(view.kind)
    text = Text()
    text.append_text(highlighted(view.label))
    text.append(f"  ({type_label(rtype)} {view.id})\n\n", style="dim")
    for name, value in view.fields.items():
        spec = rtype.fields.get(name)
        label = field_label(spec) if spec is not None else name
        text.append(f"{label}: ", style="bold")
        if spec is not None and spec.kind in _CODED:
            text.append_text(display(spec, value))
        else:
            text.append_text(highlighted(_flat(value, view.references)))
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
    changes = getattr(view, "replacements", [])
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
