"""The file being attached, read safely: only a regular file, through the descriptor that
was checked, and refused if it changes while it is read.

Messages never name the file: its name is private content.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
from pathlib import Path
from typing import Any

from crypto import stream
from vault.errors import InvalidInput

__all__ = ["FileChanged", "SourceReader", "hash_file", "open_source", "same_version"]


class FileChanged(InvalidInput):
    """The file changed while it was read, so its hash would describe no real version of
    it. Nothing was stored; close whatever is writing it and attach it again."""

    title = "The file changed while it was read"


def open_source(path: Path) -> int:
    """Open a regular file for reading (a descriptor), refusing everything else with a
    clear reason."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InvalidInput("the file to attach does not exist; check the path") from None
    except PermissionError:
        raise InvalidInput("no permission to read the file to attach") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read the file to attach ({exc.strerror})") from None
    _require_regular(st.st_mode)
    try:
        # O_NONBLOCK: if a FIFO is swapped in after the stat, open must not hang waiting
        # for a writer (the fstat below then refuses it). O_NOCTTY: never adopt a tty.
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY)
    except PermissionError:
        raise InvalidInput("no permission to read the file to attach") from None
    except OSError as exc:
        raise InvalidInput(f"cannot open the file to attach ({exc.strerror})") from None
    try:
        _require_regular(os.fstat(fd).st_mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _require_regular(mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InvalidInput("that is a directory; attach the files in it one at a time")
    if not stat.S_ISREG(mode):
        raise InvalidInput(
            "that is not a regular file (a pipe, device or socket); only files can be "
            "attached"
        )


class SourceReader(io.RawIOBase):
    """The file being attached, read through the descriptor we checked (so a file
    renamed or replaced at its path meanwhile cannot slip in); read errors become a
    clear message. Never closes the descriptor: its owner does."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return os.lseek(self._fd, offset, whence)

    def tell(self) -> int:
        return os.lseek(self._fd, 0, os.SEEK_CUR)

    def readinto(self, buffer: Any) -> int:
        try:
            return os.readv(self._fd, [buffer])
        except OSError as exc:
            raise InvalidInput(
                f"the file to attach could not be read ({exc.strerror}); nothing was stored"
            ) from None


def same_version(before: os.stat_result, after: os.stat_result) -> bool:
    """True when size and modification time are unchanged (an append or an in-place
    rewrite changes one of them)."""
    return (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)


def hash_file(source: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a regular file, read in constant memory; refuses the
    same things as :func:`ingest_file`, and a file that changes while read."""
    fd = open_source(source)
    try:
        before = os.fstat(fd)
        digest = hashlib.sha256()
        size = 0
        reader = SourceReader(fd)
        buffer = bytearray(stream.CHUNK_SIZE)
        while got := reader.readinto(buffer):
            digest.update(memoryview(buffer)[:got])
            size += got
        if size != before.st_size or not same_version(before, os.fstat(fd)):
            raise FileChanged("the file changed while it was being read")
        return digest.hexdigest(), size
    finally:
        os.close(fd)
