"""The passphrase strength rule, one place for the app and the command line.

zxcvbn (Dropbox's estimator, maintained as the ``zxcvbn`` package) estimates how many
guesses an attacker who knows common passwords, words, names, dates and keyboard patterns
would need. Only its score is used: its feedback sentences are English-only, so each front
end says it in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass

from zxcvbn import zxcvbn

#: Below this zxcvbn score (0–4) a passphrase is weak: the app warns and asks, the command
#: line refuses unless ``--accept-weak`` is given.
STRONG_ENOUGH = 3
#: zxcvbn's cost grows with length; beyond this the estimate no longer changes anything.
MAX_CHECKED = 72


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
