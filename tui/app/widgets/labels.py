"""Labels of record types and fields in the UI language: the registry carries English
and Chinese; every other UI language shows the English label.

Kept apart from ``fields.py`` so widgets that ``fields.py`` builds (the reference
picker, the positions form) can name types and fields without importing it back.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from tui.app.i18n import current_language
from vault.records import labels, vocab
from vault.records.spec import FieldSpec, RecordType

#: UI languages written in Traditional characters (see ``i18n``).
TRADITIONAL = frozenset({"zh_Hant"})


@cache
def _to_traditional() -> Any:
    import opencc  # OpenCC's own tables, shipped in the wheel: no network, no download

    return opencc.OpenCC("s2twp")


def localise(text: str) -> str:
    """A registry label (written in Simplified Chinese) in the UI's script: converted to
    Traditional characters with Taiwan phrasing (OpenCC ``s2twp``) for ``zh_Hant``, so
    the registry keeps one Chinese label per field instead of two hand-kept copies."""
    if current_language() in TRADITIONAL:
        return str(_to_traditional().convert(text))
    return text


def registry_lang() -> str:
    """The registry's label language for the UI language (``zh`` or ``en``)."""
    return "zh" if current_language().startswith("zh") else "en"


def field_label(spec: FieldSpec) -> str:
    """The field's label in the UI language (English when not translated)."""
    return localise(labels.field_label(spec, registry_lang()))


def type_label(rtype: RecordType) -> str:
    """The record type's label in the UI language."""
    return localise(labels.type_label(rtype, registry_lang()))


def vocab_label(vocabulary: str, code: str) -> str:
    """A vocabulary code's label in the UI language."""
    return localise(vocab.label(vocabulary, code, registry_lang()))
