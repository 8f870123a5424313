"""Durable file writes: temp file, fsync, rename, fsync the directory.

Why: a crash or power cut must leave either the old file or the new one, never a mix or
an empty file. ``rename`` is atomic on POSIX; the fsyncs make it durable.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from vault.errors import InvalidInput, StorageError

#: Journals a place for as long as a ``with`` block runs (see :mod:`vault.leftovers`).
Journal = Callable[[Path, str], AbstractContextManager[None]]


@contextmanager
def new_directory(dest: Path, *, kind: str, what: str,
                  journal: Journal | None = None) -> Iterator[Path]:
    """Build a directory in a hidden sibling of ``dest`` and rename it into place only
    when the ``with`` body has finished, so a crash or an error never leaves a half-made
    directory at ``dest`` (``dest`` must not exist or be an empty directory). On any
    error the sibling is removed; an OSError becomes a StorageError naming ``what``.
    With ``journal``, the sibling is journalled first, so that the next evault command
    removes it if this one is killed.
    """
    staging = dest.parent / f".{dest.name}.{kind}-{os.urandom(4).hex()}"
    with journal(staging, kind) if journal is not None else contextlib.nullcontext():
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            staging.mkdir(mode=0o700)
            yield staging
            fsync_dir(staging)
            if dest.exists():
                dest.rmdir()
            os.rename(staging, dest)
            fsync_dir(dest.parent)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise storage_error(exc, what) from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


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


def atomic_write(path: Path, data: bytes, *, what: str = "saving",
                 staged: Path | None = None) -> None:
    """Replace ``path`` with ``data`` atomically and durably (mode 0600); ``staged`` names
    the temporary file when the default (``.NAME.tmp``) means something else."""
    put_staged(stage(path, data, what=what, tmp=staged), path, what=what)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte (os.write may write fewer) and fsync."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def staged_name(path: Path) -> Path:
    """Where :func:`stage` writes the next version of ``path``."""
    return path.with_name(f".{path.name}.tmp")


def stage(path: Path, data: bytes, *, what: str = "saving", tmp: Path | None = None) -> Path:
    """Write ``data`` durably beside ``path`` (not yet in its place) and return where.

    Why split from :func:`put_staged`: the space a write needs is taken here, so a caller
    can commit something else (an audit entry) between the two and still have a last step
    that cannot fail for lack of space (a rename takes none).
    """
    tmp = tmp or staged_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_all(fd, data)
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


def write_new(path: Path, data: bytes, *, what: str = "saving") -> None:
    """Create ``path`` (which must not exist) holding ``data``, whole or not at all.

    Why not :func:`atomic_write`: its named temporary file stays behind when the process
    is killed while writing, beside the user's files where no repair looks. Here the data
    goes into an unnamed file (``O_TMPFILE``) that gets its name only once complete and
    fsynced, so a kill leaves nothing; and linking refuses to replace a file that appeared
    meanwhile. Where ``O_TMPFILE`` or ``/proc`` is missing, falls back to a named
    temporary file linked into place (a kill mid-write may then leave ``.NAME.tmp``).
    """
    try:
        fd = unnamed_file(path.parent)
    except OSError as exc:
        raise storage_error(exc, what) from None
    if fd is None:
        tmp = stage(path, data, what=what)
        try:
            os.link(tmp, path)
            fsync_dir(path.parent)
        except FileExistsError:
            raise _taken(path) from None
        except OSError as exc:
            raise storage_error(exc, what) from None
        finally:
            discard_staged(tmp)
        return
    try:
        try:
            _write_all(fd, data)
            link_unnamed(fd, path)
        finally:
            os.close(fd)
        fsync_dir(path.parent)
    except FileExistsError:
        raise _taken(path) from None
    except OSError as exc:
        raise storage_error(exc, what) from None


def unnamed_file(directory: Path) -> int | None:
    """A writable file with no name yet in ``directory`` (None where the system has no
    ``O_TMPFILE``): for data written as a stream, named by :func:`name_unnamed`."""
    try:
        return _unnamed_file(directory)
    except OSError as exc:
        raise storage_error(exc, "preparing a new file") from None


def name_unnamed(fd: int, path: Path, *, what: str = "saving") -> None:
    """Give the complete, fsynced unnamed file ``fd`` the name ``path`` (which must not
    exist), then close ``fd``."""
    try:
        try:
            link_unnamed(fd, path)
        finally:
            os.close(fd)
        fsync_dir(path.parent)
    except FileExistsError:
        raise _taken(path) from None
    except OSError as exc:
        raise storage_error(exc, what) from None


def _taken(path: Path) -> InvalidInput:
    return InvalidInput(f"{path} already exists; nothing was written; choose a new file name")


def _unnamed_file(directory: Path) -> int | None:
    """A file in ``directory`` with no name yet (``O_TMPFILE``), or None where the system
    or the filesystem has no such thing (OSError for any other failure)."""
    if not hasattr(os, "O_TMPFILE") or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None
        raise


def link_unnamed(fd: int, path: Path) -> None:
    """Give the unnamed file ``fd`` the name ``path`` (EEXIST if taken). A directory fd
    makes Python call ``linkat`` with AT_SYMLINK_FOLLOW: plain ``link`` would try to link
    the ``/proc`` symlink itself (EXDEV)."""
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(f"/proc/self/fd/{fd}", path.name, dst_dir_fd=dir_fd, follow_symlinks=True)
    finally:
        os.close(dir_fd)


def overwrite_and_unlink(path: Path) -> None:
    """Overwrite a small file with random bytes, fsync, then unlink it.

    Used for key material (the header). On SSDs and copy-on-write filesystems the old
    blocks may survive; the threat model says so.
    """
    try:
        info = path.stat()
        if info.st_nlink > 1:
            # Another name holds this file: a backup in progress pinned it with a hard link
            # (vault/backup.py) and will copy these very bytes. Overwriting would put random
            # bytes in the backup; unlink only, and the backup drops its link when done.
            path.unlink()
            return
        size = info.st_size
        with open(path, "r+b", buffering=0) as fh:
            fh.write(os.urandom(max(size, 1)))
            os.fsync(fh.fileno())
    except FileNotFoundError:
        return
    path.unlink()


@contextmanager
def new_file_streamed(path: Path, *, what: str = "saving") -> Iterator[int]:
    """Create ``path`` (which must not exist) from data written to the yielded file
    descriptor; it gets its name only when the ``with`` body ends without error.

    The streaming sibling of :func:`write_new`, for files too large to hold in memory (a
    travel seal): the data goes into an unnamed file (``O_TMPFILE``), is fsynced and
    linked into place at the end, so a kill or an error at any moment leaves no file at
    all rather than a partial one. Where ``O_TMPFILE`` is missing, falls back to
    ``.NAME.tmp`` linked into place (a kill may then leave it behind).
    """
    if path.exists():
        raise _taken(path)
    try:
        fd = _unnamed_file(path.parent)
        tmp = None
        if fd is None:
            tmp = staged_name(path)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise storage_error(exc, what) from None
    try:
        try:
            yield fd
            os.fsync(fd)
            if tmp is None:
                link_unnamed(fd, path)
            else:
                os.link(tmp, path)
        finally:
            os.close(fd)
            if tmp is not None:
                discard_staged(tmp)
        fsync_dir(path.parent)
    except FileExistsError:
        raise _taken(path) from None
    except OSError as exc:
        raise storage_error(exc, what) from None


def overwrite_large_and_unlink(path: Path) -> None:
    """Overwrite a file of any size with random bytes in 1 MiB pieces, fsync, unlink.

    Used for attachment blobs when they are detached or shredded: their key is already
    gone with the database row, but a blob left in a free block stays decryptable by
    whoever later recovers an old database page holding that key. SSDs and copy-on-write
    filesystems may keep old blocks anyway (docs/threat-model.md)."""
    try:
        info = path.stat()
        if info.st_nlink > 1:
            # Another name holds this file: a backup in progress pinned it with a hard link
            # (vault/backup.py) and will copy these very bytes. Overwriting would put random
            # bytes in the backup; unlink only, and the backup drops its link when done.
            path.unlink()
            return
        size = info.st_size
        with open(path, "r+b", buffering=0) as fh:
            left = size
            while left > 0:
                step = min(left, 1 << 20)
                fh.write(os.urandom(step))
                left -= step
            os.fsync(fh.fileno())
    except FileNotFoundError:
        return
    path.unlink()
