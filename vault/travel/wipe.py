"""Removing a sealed attachment's blob file: overwrite, fsync, unlink.

The blob is ciphertext whose key has already left the database (secure-delete overwrote
its row); the overwrite is defence in depth for the case where an old copy of the key
survives elsewhere. On SSDs, flash and copy-on-write filesystems an overwrite may not
reach the old blocks; docs/threat-model.md says so. What makes the old blocks useless
with the passphrase is the rotation of the master key that follows.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

_ZEROS = bytes(1 << 20)


def overwrite_and_unlink(path: Path) -> None:
    """Overwrite ``path`` with zeros over its whole length, fsync, unlink (no error when
    it is already gone: a wipe interrupted by a kill is simply run again)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return
    try:
        left = os.fstat(fd).st_size
        while left > 0:
            left -= os.write(fd, _ZEROS[: min(left, len(_ZEROS))])
        os.fsync(fd)
    finally:
        os.close(fd)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
