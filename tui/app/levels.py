"""How the app moves a value between levels: the one place for the rule that making a
value *more* protected is one key while making it *less* protected is a decision.

Levels are ordered by how far a value may travel (``public < partner < private``,
:class:`vault.records.spec.Level`). "Protect" moves one step towards private and never
asks; "share" moves one step towards public and is confirmed in a dialog that shows
the field, its value (masked for a protected source) and the new level, with Cancel
focused. A step is never more than one level, so private never becomes public in one
keystroke. The vault's own rules (pinned fields) still apply after the dialog.
"""

from __future__ import annotations

from dataclasses import dataclass

from vault.records.spec import Level

#: Record kinds whose values are never shown in the "share more" dialog.
MASKED_KINDS = frozenset({"source"})
MASK = "••••••"


#: Levels from the one that travels furthest to the most protected.
ORDER: tuple[str, ...] = tuple(lv.value for lv in sorted(Level, key=lambda lv: lv.rank))


def more_protected(level: str) -> str | None:
    """The next level towards private, or None when already private (an unknown level
    is made private)."""
    if level not in ORDER:
        return Level.PRIVATE.value
    rank = ORDER.index(level)
    return ORDER[rank + 1] if rank + 1 < len(ORDER) else None


def less_protected(level: str) -> str | None:
    """The next level towards public, or None when already public."""
    if level not in ORDER:
        return None
    rank = ORDER.index(level)
    return ORDER[rank - 1] if rank > 0 else None


def is_lowering(old: str, new: str) -> bool:
    """True when ``new`` lets the value travel further than ``old`` (needs a decision)."""
    return Level(new) < old


def masked(kind: str, identifier: bool, value: str) -> str:
    """The value as the confirmation dialog may show it."""
    return MASK if kind in MASKED_KINDS or identifier else value


@dataclass(frozen=True)
class LevelChange:
    """One level change the app made, kept so ``u`` can undo it."""

    target: str
    """Record field name, or attachment id."""
    old: str
    new: str
