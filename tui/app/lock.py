"""When the app locks itself: after a stretch without keyboard or mouse input, and on
resume from suspend.

Why ``CLOCK_BOOTTIME``: ``time.monotonic`` stops while the machine sleeps, so a laptop
closed for ten hours came back unlocked with "two minutes idle". The boot-time clock counts
the suspend. And whenever the two clocks drift apart by more than a few seconds between two
checks, the machine was asleep: the vault locks on resume whatever the timeout.

The clocks are injected so tests move time forward instead of waiting minutes. Locking
itself (saving drafts, dropping the keys, clearing every screen) is
:meth:`tui.app.app.EvaultApp.lock_now`; this module only decides *when*.
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
#: Boot-time and awake-time advancing apart by more than this between two checks: the
#: machine was suspended.
SUSPEND_SECONDS = 5.0


def boottime() -> float:
    """Seconds on a clock that keeps counting during suspend (``time.monotonic`` where the
    system has no ``CLOCK_BOOTTIME``)."""
    clock_id = getattr(time, "CLOCK_BOOTTIME", None)
    if clock_id is None:
        return time.monotonic()
    return time.clock_gettime(clock_id)


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

    def __init__(self, minutes: float = DEFAULT_MINUTES, clock: Clock = boottime,
                 awake_clock: Clock | None = None) -> None:
        self.clock = clock
        self.awake_clock = awake_clock if awake_clock is not None else (
            time.monotonic if clock is boottime else None)
        """Stops during suspend; None (an injected clock alone) disables resume detection."""
        self.minutes = clamp_minutes(minutes)
        self._last = clock()
        self._seen = self._both()
        self.resumed = False
        """Set once a suspend was seen; cleared by :meth:`touch` after the lock."""

    def _both(self) -> tuple[float, float] | None:
        if self.awake_clock is None:
            return None
        return self.clock(), self.awake_clock()

    def _check_suspend(self) -> None:
        now = self._both()
        if now is None or self._seen is None:
            return
        slept = (now[0] - self._seen[0]) - (now[1] - self._seen[1])
        if slept > SUSPEND_SECONDS:
            self.resumed = True
        self._seen = now

    def touch(self) -> None:
        """Input arrived: start counting again (a suspend seen before still locks)."""
        self._check_suspend()
        self._last = self.clock()

    def reset(self) -> None:
        """After a lock or an unlock: nothing is due."""
        self._last = self.clock()
        self._seen = self._both()
        self.resumed = False

    def set_minutes(self, minutes: object) -> float:
        """Change the timeout (clamped); counting restarts."""
        self.minutes = clamp_minutes(minutes)
        self.touch()
        return self.minutes

    def idle_seconds(self) -> float:
        """Seconds since the last input."""
        return max(0.0, self.clock() - self._last)

    def due(self) -> bool:
        """True once the timeout has passed without input, or the machine was suspended."""
        self._check_suspend()
        return self.resumed or self.idle_seconds() >= self.minutes * 60.0
