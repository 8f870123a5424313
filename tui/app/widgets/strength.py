"""Passphrase strength estimate shown while the passphrase is typed.

zxcvbn estimates how many guesses an attacker who knows common passwords, words, names,
dates and keyboard patterns would need. Only the score is used: its feedback sentences
are English-only, so the app says it in its own translated words.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static
from zxcvbn import zxcvbn

from tui.app.i18n import N_, _

#: Below this zxcvbn score (0–4) the wizard warns and asks for confirmation.
STRONG_ENOUGH = 3
#: zxcvbn's cost grows with length; beyond this the estimate no longer changes anything.
MAX_CHECKED = 72

_WORDS = [N_("very weak"), N_("weak"), N_("fair"), N_("strong"), N_("very strong")]
_STYLES = ["bold white on red", "bold white on red", "bold black on yellow",
           "bold black on green", "bold black on green"]


@dataclass(frozen=True)
class Strength:
    """An estimate: zxcvbn score 0–4 and log10 of the guesses needed."""

    score: int
    guesses_log10: float

    @property
    def weak(self) -> bool:
        """True below :data:`STRONG_ENOUGH`."""
        return self.score < STRONG_ENOUGH


def estimate(passphrase: str) -> Strength:
    """Estimate ``passphrase`` (empty counts as the weakest)."""
    if not passphrase:
        return Strength(0, 0.0)
    result = zxcvbn(passphrase[:MAX_CHECKED])
    return Strength(int(result["score"]), float(result["guesses_log10"]))


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
