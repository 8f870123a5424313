"""The redaction-level badge: colour *and* a word, so it reads without colour vision."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.app.i18n import N_, _

#: Badge words, translated when drawn. The word, not the colour, carries the meaning.
LEVEL_WORDS = {"public": N_("PUBLIC"), "partner": N_("PARTNER"), "private": N_("PRIVATE")}
LEVEL_STYLES = {
    "public": "bold black on green",
    "partner": "bold black on yellow",
    "private": "bold white on red",
}
LOCK = "🔒"


def badge_text(level: str, pinned: bool = False) -> Text:
    """``[PRIVATE] 🔒`` with the level's colour."""
    word = _(LEVEL_WORDS.get(level, level.upper()))
    text = Text(f"[{word}]", style=LEVEL_STYLES.get(level, "bold"))
    if pinned:
        text.append(" ")
        text.append(LOCK)
    return text


class LevelBadge(Static):
    """A field's level, shown beside its value."""

    DEFAULT_CLASSES = "level-badge"

    def __init__(self, level: str, pinned: bool = False, **kwargs: object) -> None:
        super().__init__(badge_text(level, pinned), **kwargs)  # type: ignore[arg-type]
        self.level = level
        self.pinned = pinned

    def set_level(self, level: str) -> None:
        """Show a new level."""
        self.level = level
        self.update(badge_text(level, self.pinned))
