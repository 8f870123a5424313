"""A mark that an evault process has this vault open: ``.evault-running`` in its folder.

Why: copying the vault folder (``cp -r``, a file manager, a sync tool) while evault writes
makes a copy whose database and blobs come from different moments; issue 14 found damaged
copies in 36 of 44 tries. The copy cannot be prevented, but it can be recognised: every
open vault holds a shared ``flock`` on this file and the last process to close it removes
it. So a vault folder that holds the file while *no* process holds its lock was either
left by an evault that was killed, or is a copy taken while evault ran. Either way the
user is told to run ``evault check`` — and that ``evault backup`` is the safe way to copy.

The mark holds nothing (an empty file); on read-only media none is made.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

NAME = ".evault-running"


class RunningMark:
    """This process's hold on a vault's mark (release it with :meth:`release`)."""

    def __init__(self, path: Path, fd: int, unclean: bool) -> None:
        self.path = path
        self._fd: int | None = fd
        self.unclean = unclean
        """True when the mark was there with no process holding it (see the module)."""

    @classmethod
    def take(cls, root: Path) -> RunningMark | None:
        """Hold the mark of the vault at ``root`` (None where no file can be made)."""
        path = root / NAME
        for _attempt in range(5):
            existed = path.exists()
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
                             0o600)
            except OSError:
                return None
            unclean = False
            try:
                if existed:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        unclean = True  # there, and nobody holds it
                    except BlockingIOError:
                        pass
                fcntl.flock(fd, fcntl.LOCK_SH)
                # The last holder may have removed the file between our open and our lock.
                if os.fstat(fd).st_ino == os.stat(path).st_ino:
                    return cls(path, fd, unclean)
            except OSError:
                pass
            os.close(fd)
        return None

    def release(self) -> None:
        """Let go; the last process to let go removes the mark."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another evault still has the vault open
            with contextlib.suppress(OSError):
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    self.path.unlink()
        finally:
            os.close(fd)
