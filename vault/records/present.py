"""How a stored value is shown and typed: the one place for both directions.

Both front ends show values the same way because they both call these functions and
only style the result (the command line escapes it for a terminal, the app makes it
inert ``rich`` text and translates yes/no):

- :func:`items` / :func:`joined` — a stored value as human text (enum labels, reference
  titles, one line per position);
- :func:`to_text` — a stored value as the text an editor shows, and :func:`from_text` —
  typed text (the app's editor, ``evault edit --set``, a spreadsheet cell) back to the
  JSON value that :func:`vault.records.validate.clean_value` checks. For every valid
  value ``v`` of every field kind, ``from_text(spec, to_text(spec, v)) == v``
  (tests/test_present.py checks it for every field of the registry).

A position reads ``rank, unit, organisation (from – to)``: most specific first, as a
title is spoken ("Colonel, 3rd Brigade, Ministry of Public Security"). The dates use no
words, so the line reads the same in every language: ``(2019 –)`` since 2019 (or end
not known), ``(– 2021)`` until 2021, no brackets when neither date is known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from vault.records import vocab
from vault.records.errors import FieldError
from vault.records.spec import FieldKind, FieldSpec

__all__ = ["from_text", "items", "joined", "position_line", "to_text"]

#: The order of a position's parts on its line (most specific first).
POSITION_ORDER = ("rank", "unit", "organisation")


def position_line(position: Mapping[str, Any]) -> str:
    """One position as a line: ``rank, unit, organisation (from – to)``."""
    line = ", ".join(str(position[k]) for k in POSITION_ORDER if position.get(k))
    start, end = position.get("from") or "", position.get("to") or ""
    if not (start or end):
        return line
    span = f"{start} – {end}".strip()
    return f"{line} ({span})" if line else f"({span})"


def items(spec: FieldSpec, value: Any, titles: Mapping[str, str] | None = None,
          lang: str = "en") -> list[str]:
    """Each item of a stored value as human text, in order (one for a single value):
    an enum's label in ``lang``, a reference's title (its id when ``titles`` lacks it),
    a position's line, ``yes``/``no``. Text is returned as stored: escaping it for a
    terminal is the front end's job."""
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    if spec.kind == FieldKind.ENUM:
        return [vocab.label(spec.vocabulary or "", str(c), lang) for c in values]
    if spec.kind == FieldKind.BOOL:
        return ["yes" if v else "no" for v in values]
    if spec.kind == FieldKind.POSITIONS:
        return [position_line(p) if isinstance(p, Mapping) else str(p) for p in values]
    if spec.kind == FieldKind.REFERENCE:
        return [(titles or {}).get(str(i), str(i)) for i in values]
    return [str(v) for v in values]


def joined(spec: FieldSpec, value: Any, titles: Mapping[str, str] | None = None,
           lang: str = "en") -> str:
    """A stored value as one text: enum labels and reference titles joined by ``, ``,
    positions and other lists one per line."""
    shown = items(spec, value, titles, lang)
    if spec.kind in (FieldKind.ENUM, FieldKind.REFERENCE):
        return ", ".join(shown)
    return "\n".join(shown)


def to_text(spec: FieldSpec, value: Any) -> str:
    """A stored value as the text an editor shows (and :func:`from_text` reads back).

    A list is ``a; b; c`` unless an item holds ``;``, starts or ends with a space, or the
    text would start with ``[`` (which :func:`from_text` reads as JSON): then a JSON list.
    Positions are JSON."""
    if value is None:
        return ""
    if spec.kind == FieldKind.POSITIONS:
        return json.dumps(value, ensure_ascii=False, indent=1)
    if spec.kind == FieldKind.BOOL and not spec.multi:
        return "true" if value else "false"
    if spec.multi:
        parts = [str(v) for v in value]
        if any(";" in i or i != i.strip() or not i for i in parts) or \
                (parts and parts[0].startswith("[")):
            return json.dumps(parts, ensure_ascii=False)
        return "; ".join(parts)
    return str(value)


# -- values typed as text (the editor, the command line's --set, spreadsheet cells) -----

_TRUE = {"true", "yes", "y", "1", "是", "对"}
_FALSE = {"false", "no", "n", "0", "否", "不"}
# At most 20 digits: int() refuses strings over 4,300 digits, and 2**53 has 16 anyway.
_INT = re.compile(r"[+-]?[0-9]{1,20}")


def from_text(spec: FieldSpec, raw: str) -> Any:
    """The JSON value that ``raw`` (typed, or read from a cell) stands for, to be checked
    by :func:`vault.records.validate.clean_value`. A multi-valued field takes a JSON list
    or items separated by ``;``; ``positions`` take JSON; an empty string means "no
    value"."""
    if raw == "":
        return None
    if spec.multi:
        if raw.lstrip().startswith("["):
            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError):  # also a 4,301-digit number, deep nesting
                raise FieldError(spec.name, "the list is not valid JSON") from None
            if not isinstance(parsed, list):
                raise FieldError(spec.name, "expected a list of values")
            return [_scalar_from_text(spec, x) if isinstance(x, str) else x for x in parsed]
        if spec.kind == FieldKind.POSITIONS:
            raise FieldError(spec.name, "positions are given as a JSON list of objects")
        parts = [part.strip() for part in raw.split(";")]
        return [_scalar_from_text(spec, item) for item in parts if item]
    return _scalar_from_text(spec, raw)


def _scalar_from_text(spec: FieldSpec, raw: str) -> Any:
    if spec.kind == FieldKind.BOOL:
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        return raw  # refused by clean_value with the right reason
    if spec.kind == FieldKind.INTEGER and _INT.fullmatch(raw.strip()):
        return int(raw.strip())
    if spec.kind in (FieldKind.DATE, FieldKind.ENUM, FieldKind.REFERENCE):
        return raw.strip()
    return raw
