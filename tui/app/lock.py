"""When the app locks itself: after a stretch without keyboard or mouse input.

The clock is injected (``time.monotonic`` by default) so tests move time forward
instead of waiting minutes. Locking itself — saving drafts, dropping the keys, clearing
every screen — is :meth:`tui.app.app.EvaultApp.lock_now`; this module only decides *when*.
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: Minutes without input before the vault locks itself (the setting's default).
DEFAULT_MINUTES = 5.0
#: The setting is kept within these bounds: never "off", and never so short that typing a
#: long testimony with pauses is interrupted by surprise.
MIN_MINUTES = 1.0
MAX_MINUTES = 240.0
#: Vault setting holding the user's choice.
SETTING = "tui.auto_lock_minutes"

Clock = Callable[[], float]


def clamp_minutes(value: object) -> float:
    """A stored or typed value turned into a usable number of minutes."""
    try:
        minutes = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_MINUTES
    if minutes != minutes:  # NaN
        return DEFAULT_MINUTES
    return min(MAX_MINUTES, max(MIN_MINUTES, minutes))


class InactivityLock:
    """Tracks the last input and says when the lock is due."""

    def __init__(self, minutes: float = DEFAULT_MINUTES, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.minutes = clamp_minutes(minutes)
        self._last = clock()

    def touch(self) -> None:
        """Input arrived: start counting again."""
        self._last = self.clock()

    def set_minutes(self, minutes: object) -> float:
        """Change the timeout (clamped); counting restarts."""
        self.minutes = clamp_minutes(minutes)
        self.touch()
        return self.minutes

    def idle_seconds(self) -> float:
        """Seconds since the last input."""
        return max(0.0, self.clock() - self._last)

    def due(self) -> bool:
        """True once the timeout has passed without input."""
        return self.idle_seconds() >= self.minutes * 60.0
