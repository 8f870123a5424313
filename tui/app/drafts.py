"""Unsaved edits kept across a lock, encrypted inside the vault.

Why drafts and not a question: auto-lock happens when nobody is at the keyboard, so
there is nobody to ask; losing a half-typed testimony is not acceptable either. So when
the vault locks (by the binding or by inactivity), every editor's unsaved values are
written to the vault's ``settings`` table (inside the SQLCipher database, so encrypted
like everything else; the audit log records that drafts changed, never what they hold).
Opening the same record (or a new record of the same kind) again restores them; saving
or discarding the edit removes the draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vault.session import Vault

#: Vault setting (JSON) holding ``{key: {"kind", "record", "values", "levels"}}``.
SETTING = "tui.drafts"


@dataclass
class Draft:
    """One editor's unsaved state."""

    kind: str
    record_id: str | None
    """None for a record not saved yet."""
    values: dict[str, Any] = field(default_factory=dict)
    """Field name -> the value as typed (not validated: it is a draft)."""

    @property
    def key(self) -> str:
        """Where the draft is filed: the record id, or ``new:<kind>``."""
        return self.record_id or f"new:{self.kind}"


def load_all(vault: Vault) -> dict[str, Draft]:
    """Every kept draft by key."""
    raw = vault.store.setting(SETTING, {}) or {}
    drafts: dict[str, Draft] = {}
    if not isinstance(raw, dict):
        return drafts
    for key, item in raw.items():
        if isinstance(item, dict) and isinstance(item.get("values"), dict):
            drafts[str(key)] = Draft(str(item.get("kind", "")), item.get("record"),
                                     dict(item["values"]))
    return drafts


def load(vault: Vault, key: str) -> Draft | None:
    """The draft filed under ``key``, if any."""
    return load_all(vault).get(key)


def save(vault: Vault, drafts: list[Draft]) -> None:
    """Add or replace drafts (one audited write)."""
    if not drafts:
        return
    current = {key: {"kind": d.kind, "record": d.record_id, "values": d.values}
               for key, d in load_all(vault).items()}
    for draft in drafts:
        current[draft.key] = {"kind": draft.kind, "record": draft.record_id,
                              "values": draft.values}
    vault.store.set_setting(SETTING, current)


def discard(vault: Vault, key: str) -> None:
    """Forget the draft filed under ``key`` (no write when there is none)."""
    drafts = load_all(vault)
    if key not in drafts:
        return
    del drafts[key]
    vault.store.set_setting(SETTING, {k: {"kind": d.kind, "record": d.record_id,
                                          "values": d.values} for k, d in drafts.items()})
