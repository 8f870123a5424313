"""Streaming a file into ``blobs/`` as an encrypted STREAM blob, crash-safely.

The order of steps is the crash-safety argument:

1. the blob is written to ``blobs/.tmp-<random>`` (never a name derived from the file),
   under a fresh random key that exists only in memory;
2. it is flushed and fsynced, then renamed to its final random name, and the directory
   is fsynced;
3. only then does the caller insert the row that holds the key and refers to the blob,
   in one transaction with its audit entry (:class:`StagedBlob`).

A kill before step 3 commits leaves a file nobody refers to, whose key died with the
process: noise, reported by ``evault check`` and removed by ``evault check --repair``. A
kill after leaves a complete attachment. There is no moment at which the database refers
to a blob that is not whole on disk.

While a blob is being written, its file is ``flock``-ed, so a concurrent check or repair
can tell an ingest in progress from a leftover one and never removes it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import queue
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final

from crypto import stream
from vault import fsutil
from vault.attachments import metadata as meta
from vault.attachments.sniff import sniff
from vault.attachments.source import FileChanged, SourceReader, open_source, same_version
from vault.errors import VaultError

if os.name == "posix":
    import fcntl

__all__ = [
    "TMP_PREFIX",
    "Cancelled",
    "StagedBlob",
    "ingest_file",
    "is_in_use",
    "new_blob_name",
]

TMP_PREFIX: Final = ".tmp-"
"""Prefix of a blob still being written."""

_HEAD: Final = 65536
"""Bytes of the file kept for sniffing its type (the first chunk)."""

_WRITEBACK_EVERY: Final = 256 * stream.CHUNK_SIZE
"""Plaintext bytes between two writeback hints (16 MiB, a whole number of chunks)."""

Progress = Callable[[int, int], None]


class Cancelled(VaultError):
    """The user cancelled a long operation; nothing was stored."""

    title = "Cancelled"


def new_blob_name() -> str:
    """A random blob file name (128 bits), never derived from the file or its name."""
    return secrets.token_hex(16)


def lock_file(fd: int) -> None:
    """Take an exclusive advisory lock that marks a blob as being written."""
    if os.name == "posix":
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def is_in_use(path: Path) -> bool:
    """True when another process (or this one) is writing ``path`` right now."""
    if os.name != "posix":
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        return exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
    finally:
        os.close(fd)  # closing also drops the lock we may have taken
    return False


@dataclass
class StagedBlob:
    """A complete, durable blob under its final name, not yet referenced.

    Use it as a context manager around the transaction that records it, and call
    :meth:`keep` as the last step of that transaction. Leaving the block without
    :meth:`keep` (an error, a rollback, Ctrl-C) removes the blob.
    """

    blob_name: str
    key: bytes
    """The blob's random key: goes into the database, nowhere else."""
    size: int
    """Plaintext bytes."""
    sha256: str
    """Hex SHA-256 of the plaintext, as read."""
    media_type: str
    metadata: dict[str, Any]
    path: Path
    _lock_fd: int | None = field(default=None, repr=False)
    kept: bool = False
    """Set once the row referring to the blob is (about to be) committed: from then on
    the blob is never removed from here."""

    def keep(self) -> None:
        """Mark the blob as referenced (see :attr:`kept`)."""
        self.kept = True

    def release(self) -> None:
        """Remove the blob unless kept, then drop the in-progress lock."""
        try:
            if not self.kept:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                with contextlib.suppress(OSError):
                    fsutil.fsync_dir(self.path.parent)
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def __enter__(self) -> StagedBlob:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


class _ParallelSha256:
    """SHA-256 of the plaintext, computed on a second core while this one encrypts and
    writes. hashlib releases the GIL on large updates, so this nearly doubles ingest
    throughput on two cores; the queue is bounded (1 MiB) to keep memory constant."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=16)
        self._thread = threading.Thread(target=self._run, name="evault-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            self._hash.update(chunk)

    def update(self, chunk: bytes) -> None:
        """Hash ``chunk`` after every chunk given before it."""
        self._queue.put(chunk)

    def finish(self) -> str:
        """Wait for the queued chunks and return the hex digest (call exactly once)."""
        self._queue.put(None)
        self._thread.join()
        return self._hash.hexdigest()


def ingest_file(blobs_dir: Path, source: Path, *, progress: Progress | None = None,
                cancel: threading.Event | None = None) -> StagedBlob:
    """Encrypt ``source`` into a new blob in ``blobs_dir`` in constant memory.

    Returns the staged blob (renamed, durable, locked). Raises :class:`InvalidInput` for
    something that is not a readable regular file, :class:`FileChanged` when the file
    changes while it is read, :class:`Cancelled`, or :class:`~vault.errors.StorageError`
    (disk full…); in every case no blob and no temporary file is left behind.
    """
    src_fd = open_source(source)
    try:
        before = os.fstat(src_fd)
        reader = io.BufferedReader(SourceReader(src_fd), buffer_size=stream.CHUNK_SIZE)
        return _ingest_open(blobs_dir, reader, src_fd, before, progress, cancel)
    finally:
        os.close(src_fd)


def _ingest_open(blobs_dir: Path, reader: BinaryIO, src_fd: int, before: os.stat_result,
                 progress: Progress | None, cancel: threading.Event | None) -> StagedBlob:
    expected = before.st_size
    what = "storing the attachment"
    try:
        blobs_dir.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise fsutil.storage_error(exc, what) from None
    name = new_blob_name()
    tmp = blobs_dir / f"{TMP_PREFIX}{secrets.token_hex(8)}"
    final = blobs_dir / name
    key = stream.new_key()
    head = bytearray()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise fsutil.storage_error(exc, what) from None
    lock_fd: int | None = os.dup(fd)
    staged: StagedBlob | None = None
    hasher = _ParallelSha256()
    digest: str | None = None
    try:
        lock_file(fd)
        # A buffered writer never drops the tail of a short write (a raw one could, on a
        # nearly full disk), so a blob is either whole or the write raises.
        with open(fd, "wb", closefd=True) as sink:

            def on_chunk(chunk: bytes) -> None:
                hasher.update(chunk)
                if not head:
                    head.extend(chunk[:_HEAD])

            def on_progress(done: int) -> None:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("cancelled; nothing was attached")
                if done > expected:
                    # Growing while we read: stop now rather than chase a file that may
                    # never end.
                    raise FileChanged("the file changed while it was being read; nothing "
                                      "was stored")
                if done % _WRITEBACK_EVERY == 0:
                    _start_writeback(sink)
                if progress is not None:
                    progress(done, expected)

            size = stream.seal_stream(key, reader, sink, on_chunk=on_chunk,
                                      progress=on_progress)
            digest = hasher.finish()
            if size != expected or not same_version(before, os.fstat(src_fd)):
                raise FileChanged("the file changed while it was being read; nothing was "
                                  "stored")
            media_type = sniff(bytes(head))
            found = meta.extract(reader, media_type)
            if not same_version(before, os.fstat(src_fd)):
                raise FileChanged("the file changed while it was being read; nothing was "
                                  "stored")
            sink.flush()
            os.fsync(sink.fileno())
            if os.fstat(sink.fileno()).st_size != stream.ciphertext_size(size):
                raise OSError(errno.EIO, "the blob was not written completely")
        os.rename(tmp, final)
        staged = StagedBlob(name, key, size, digest, media_type, found, final,
                            _lock_fd=lock_fd)
        lock_fd = None
        fsutil.fsync_dir(blobs_dir)
        return staged
    except OSError as exc:
        _discard(tmp, staged)
        raise fsutil.storage_error(exc, what) from None
    except BaseException:
        _discard(tmp, staged)
        raise
    finally:
        if digest is None:
            hasher.finish()  # stop the hashing thread on every error path
        if lock_fd is not None:
            os.close(lock_fd)


def _start_writeback(sink: BinaryIO) -> None:
    """Ask the kernel to write out (and then drop) the blob's pages already written.

    Why: left alone, a large blob piles up as dirty page cache and the final fsync waits
    for all of it at once; starting writeback as we go overlaps the disk with the
    encryption, and dropping written pages keeps the page cache from filling with
    ciphertext nobody will read soon. Advisory only, so errors are ignored.
    """
    if not hasattr(os, "posix_fadvise"):
        return
    sink.flush()  # a write error here is real and must propagate
    with contextlib.suppress(OSError):
        os.posix_fadvise(sink.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def _discard(tmp: Path, staged: StagedBlob | None) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()
    if staged is not None:
        staged.release()
