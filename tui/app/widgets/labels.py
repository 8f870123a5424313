"""Labels of record types and fields in the UI language: the registry carries English
and Chinese; every other UI language shows the English label.

Kept apart from ``fields.py`` so widgets that ``fields.py`` builds (the reference
picker, the positions form) can name types and fields without importing it back.
"""

from __future__ import annotations

from tui.app.i18n import current_language
from vault.records import labels
from vault.records.spec import FieldSpec, RecordType


def registry_lang() -> str:
    """The registry's label language for the UI language (``zh`` or ``en``)."""
    return "zh" if current_language().startswith("zh") else "en"


def field_label(spec: FieldSpec) -> str:
    """The field's label in the UI language (English when not translated)."""
    return labels.field_label(spec, registry_lang())


def type_label(rtype: RecordType) -> str:
    """The record type's label in the UI language."""
    return labels.type_label(rtype, registry_lang())
