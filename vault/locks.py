"""Locks between evault processes on one vault (``flock``; no lock files are created).

Why two locks:

- the **session lock** is on the vault directory itself. Every unlocked session holds it
  shared; a change of master key holds it exclusive, because a process still holding the
  old database key would read a re-keyed database as damage. So a passphrase change waits
  for other open sessions (the app, another command) and, if they stay, says so instead of
  racing them.
- the **header lock** is on ``blobs/``. Whoever rewrites ``header`` (the state sealed after
  each change, the end of an interrupted key change) holds it, so two writers never
  interleave and the sealed state only moves forward.

``flock`` locks belong to an open file description: they vanish with the process (a kill
leaves no stale lock) and are independent of SQLite's own POSIX locks on ``vault.db``.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vault.errors import VaultError

#: How long a session waits for a key change in another process to finish.
SHARED_WAIT_SECONDS = 60.0
#: How long a key change waits for other sessions to close.
EXCLUSIVE_WAIT_SECONDS = 5.0
_POLL_SECONDS = 0.05


class Busy(VaultError):
    """Another evault process holds the lock for longer than we wait."""


def _acquire(fd: int, mode: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_SECONDS)


class SessionLock:
    """The shared/exclusive lock on a vault directory held while a session is open."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._fd: int | None = None

    def acquire_shared(self, seconds: float = SHARED_WAIT_SECONDS) -> None:
        """Hold the lock shared (Busy if a key change does not finish in time)."""
        if self._fd is None:
            self._fd = os.open(self._root, os.O_RDONLY | os.O_DIRECTORY)
        if not _acquire(self._fd, fcntl.LOCK_SH, seconds):
            self.release()
            raise Busy("another evault process is changing this vault's keys; try again "
                       "when it has finished")

    @contextmanager
    def exclusive(self, what: str, seconds: float = EXCLUSIVE_WAIT_SECONDS) -> Iterator[None]:
        """Hold the lock exclusive for the ``with`` body, then shared again."""
        if self._fd is None:
            self._fd = os.open(self._root, os.O_RDONLY | os.O_DIRECTORY)
        if not _acquire(self._fd, fcntl.LOCK_EX, seconds):
            _acquire(self._fd, fcntl.LOCK_SH, SHARED_WAIT_SECONDS)
            raise Busy(f"another evault process has this vault open; close it (the app, "
                       f"or a command still running) and try again; nothing was changed "
                       f"({what})")
        try:
            yield
        finally:
            _acquire(self._fd, fcntl.LOCK_SH, SHARED_WAIT_SECONDS)

    def release(self) -> None:
        """Drop the lock (closing the descriptor releases it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@contextmanager
def header_lock(root: Path, seconds: float = 30.0) -> Iterator[None]:
    """Exclusive lock for rewriting ``header`` (on ``blobs/``; a vault whose ``blobs/`` is
    missing is damaged, and ``check`` says so: its header is then rewritten unlocked)."""
    try:
        fd = os.open(root / "blobs", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    try:
        if not _acquire(fd, fcntl.LOCK_EX, seconds):
            raise Busy("another evault process is writing this vault's header; try again")
        yield
    finally:
        os.close(fd)
