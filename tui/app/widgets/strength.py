"""Passphrase strength estimate shown while the passphrase is typed (the rule itself is
:mod:`vault.strength`, shared with the command line)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.app.i18n import N_, _
from vault.strength import MAX_CHECKED, STRONG_ENOUGH, Strength, estimate

__all__ = ["MAX_CHECKED", "STRONG_ENOUGH", "Strength", "StrengthMeter", "describe",
           "estimate"]

_WORDS = [N_("very weak"), N_("weak"), N_("fair"), N_("strong"), N_("very strong")]
_STYLES = ["bold white on red", "bold white on red", "bold black on yellow",
           "bold black on green", "bold black on green"]


def describe(strength: Strength) -> Text:
    """The meter line: a word in colour, and a plain explanation."""
    text = Text()
    text.append(f" {_(_WORDS[strength.score])} ", style=_STYLES[strength.score])
    text.append("  ")
    if strength.weak:
        text.append(_("An attacker could guess this. Use several unrelated words."))
    else:
        text.append(_("Good. Write it nowhere near this computer."))
    return text


class StrengthMeter(Static):
    """Shows :func:`describe` for the passphrase it is given."""

    DEFAULT_CLASSES = "strength"

    def show(self, passphrase: str) -> Strength:
        """Re-estimate and redraw; returns the estimate."""
        strength = estimate(passphrase)
        self.update(describe(strength) if passphrase else "")
        return strength
