"""Durable file writes: temp file, fsync, rename, fsync the directory.

Why: a crash or power cut must leave either the old file or the new one, never a mix or
an empty file. ``rename`` is atomic on POSIX; the fsyncs make it durable.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from vault.errors import StorageError


def fsync_dir(path: Path) -> None:
    """Flush a directory entry (a rename or a new file) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def storage_error(exc: OSError, what: str) -> StorageError:
    """Turn an OSError into a user message that names the cause, never the content."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StorageError(f"the disk is full while {what}; nothing was changed")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageError(f"no permission to write while {what}; nothing was changed")
    return StorageError(f"the disk reported an error while {what} ({exc.strerror})")


def atomic_write(path: Path, data: bytes, *, what: str = "saving") -> None:
    """Replace ``path`` with ``data`` atomically and durably (mode 0600)."""
    put_staged(stage(path, data, what=what), path, what=what)


def staged_name(path: Path) -> Path:
    """Where :func:`stage` writes the next version of ``path``."""
    return path.with_name(f".{path.name}.tmp")


def stage(path: Path, data: bytes, *, what: str = "saving") -> Path:
    """Write ``data`` durably beside ``path`` (not yet in its place) and return where.

    Why split from :func:`put_staged`: the space a write needs is taken here, so a caller
    can commit something else (an audit entry) between the two and still have a last step
    that cannot fail for lack of space (a rename takes none).
    """
    tmp = staged_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        discard_staged(tmp)
        raise storage_error(exc, what) from None
    return tmp


def put_staged(tmp: Path, path: Path, *, what: str = "saving") -> None:
    """Move a file written by :func:`stage` into place (atomic rename, directory fsync)."""
    try:
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        discard_staged(tmp)
        raise storage_error(exc, what) from None


def discard_staged(tmp: Path) -> None:
    """Remove a staged file that will not be used (best effort)."""
    with contextlib.suppress(OSError):
        tmp.unlink()


def overwrite_and_unlink(path: Path) -> None:
    """Overwrite a small file with random bytes, fsync, then unlink it.

    Used for key material (the header). On SSDs and copy-on-write filesystems the old
    blocks may survive; the threat model says so.
    """
    try:
        size = path.stat().st_size
        with open(path, "r+b", buffering=0) as fh:
            fh.write(os.urandom(max(size, 1)))
            os.fsync(fh.fileno())
    except FileNotFoundError:
        return
    path.unlink()
