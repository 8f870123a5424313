"""Reading attachments back: decrypt and verify while streaming, and write the plaintext
where the user asked without ever leaving an unverified file behind.

Every chunk of a STREAM blob is authenticated before we see it, but the blob as a whole
is authentic only once the final chunk has opened and the SHA-256 of everything read
matches the hash recorded at ingest. Until then the plaintext may be cut short, so an
extraction goes to an unnamed file (``O_TMPFILE``) in the destination's folder and gets
its name only after that final check; a failure or a kill leaves nothing. Where the
filesystem has no unnamed files, a hidden temporary file is used instead, removed on
failure and, after a kill, by the next evault command (:mod:`vault.leftovers`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from crypto import stream
from crypto.errors import DecryptionFailed
from vault import fsutil, leftovers
from vault.attachments.ingest import Cancelled
from vault.attachments.model import BlobRef
from vault.errors import IntegrityError, InvalidInput, StorageError

__all__ = ["damaged", "verified_chunks", "write_verified_file", "write_verified_stream"]

Progress = Callable[[int, int], None]


def damaged(attachment_id: str) -> IntegrityError:
    """The one message for a blob that does not decrypt or does not match its hash."""
    return IntegrityError(
        f"attachment {attachment_id} is damaged or was altered: its encrypted file does not "
        "match what was stored"
    )


def verified_chunks(blobs_dir: Path, ref: BlobRef) -> Iterator[bytes]:
    """The plaintext of a blob, chunk by chunk, in constant memory.

    Raises :class:`IntegrityError` at once when the blob file is missing, and from
    iteration when a chunk does not authenticate, or at the end when the size or the
    SHA-256 differ from those recorded. Only an iteration that ends without error has
    produced the authentic file.
    """
    path = blobs_dir / ref.blob_name
    if not path.is_file():
        raise _missing(ref)  # now, before the caller creates any output
    return _verify(path, ref)


def _missing(ref: BlobRef) -> IntegrityError:
    return IntegrityError(
        f"attachment {ref.attachment_id} is damaged: its encrypted file is missing")


def _unreadable(ref: BlobRef, exc: OSError) -> StorageError:
    return StorageError(
        f"cannot read the encrypted file of attachment {ref.attachment_id} ({exc.strerror})")


def _verify(path: Path, ref: BlobRef) -> Iterator[bytes]:
    # Opened inside the generator, so a generator closed before it started leaks nothing.
    try:
        source = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        raise _missing(ref) from None
    except OSError as exc:
        raise _unreadable(ref, exc) from None
    digest = hashlib.sha256()
    done = 0
    with source:
        try:
            for chunk in stream.open_stream(ref.key, source):
                done += len(chunk)
                if done > ref.size:
                    raise damaged(ref.attachment_id)
                digest.update(chunk)
                yield chunk
        except DecryptionFailed:
            # Wrong key (a blob swapped with another), a flipped bit, a cut or an
            # extension: the stream format tells them apart from nothing, by design.
            raise damaged(ref.attachment_id) from None
        except OSError as exc:
            raise _unreadable(ref, exc) from None
    if done != ref.size or digest.hexdigest() != ref.sha256:
        raise damaged(ref.attachment_id)


def _report(progress: Progress | None, cancel: threading.Event | None, done: int,
            total: int) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled; no file was written")
    if progress is not None:
        progress(done, total)


def write_verified_file(chunks: Iterator[bytes], dest: Path, total: int, *,
                        progress: Progress | None = None,
                        cancel: threading.Event | None = None) -> None:
    """Write ``chunks`` to ``dest`` only if all of them verify.

    The plaintext goes to an unnamed file (mode 0600) in the destination's directory,
    is fsynced, and is linked as ``dest`` after the last chunk verified. On any failure
    or kill nothing is left and ``dest`` is not created. An existing ``dest`` is
    never overwritten: evidence is not clobbered by a typo.
    """
    try:
        _write_verified_file(chunks, dest, total, progress, cancel)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # release the blob file at once, also when we never started


def _write_verified_file(chunks: Iterator[bytes], dest: Path, total: int,
                         progress: Progress | None, cancel: threading.Event | None) -> None:
    if os.path.lexists(dest):
        raise InvalidInput("the output file already exists; choose a new name (nothing "
                           "was written)")
    parent = dest.parent
    if not parent.is_dir():
        raise InvalidInput("the folder for the output file does not exist")
    what = "writing the extracted file"
    try:
        fd = fsutil.unnamed_file(parent)
    except OSError as exc:
        raise fsutil.storage_error(exc, what) from None
    if fd is None:
        _write_named(chunks, dest, total, progress, cancel)
        return
    # The plaintext has no name until it is complete and verified: a kill at any moment
    # leaves nothing beside the destination (the kernel frees an unnamed file).
    try:
        with open(fd, "wb") as out:
            _copy(chunks, out, total, progress, cancel)
            try:
                fsutil.link_unnamed(out.fileno(), dest)
            except FileExistsError:
                raise InvalidInput("the output file appeared while extracting; nothing "
                                   "was written") from None
        fsutil.fsync_dir(parent)
    except OSError as exc:
        raise fsutil.storage_error(exc, what) from None


def _copy(chunks: Iterator[bytes], out: BinaryIO, total: int, progress: Progress | None,
          cancel: threading.Event | None) -> None:
    done = 0
    _report(progress, cancel, done, total)
    for chunk in chunks:
        out.write(chunk)
        done += len(chunk)
        _report(progress, cancel, done, total)
    if cancel is not None and cancel.is_set():
        raise Cancelled("cancelled; no file was written")
    out.flush()
    os.fsync(out.fileno())


def _write_named(chunks: Iterator[bytes], dest: Path, total: int,
                 progress: Progress | None, cancel: threading.Event | None) -> None:
    """Where the filesystem has no unnamed files: a hidden temporary file, journalled so
    that the next evault command removes it if this one is killed."""
    parent = dest.parent
    tmp = parent / f".evault-extract-{secrets.token_hex(8)}.partial"
    what = "writing the extracted file"
    with leftovers.journalled(tmp, "extract"):
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise fsutil.storage_error(exc, what) from None
        try:
            with open(fd, "wb") as out:
                _copy(chunks, out, total, progress, cancel)
            if os.path.lexists(dest):
                raise InvalidInput("the output file appeared while extracting; nothing was "
                                   "written")
            os.rename(tmp, dest)
            fsutil.fsync_dir(parent)
        except OSError as exc:
            _unlink(tmp)
            raise fsutil.storage_error(exc, what) from None
        except BaseException:
            # Never leave unauthenticated (possibly truncated) plaintext behind.
            _unlink(tmp)
            raise


def write_verified_stream(chunks: Iterator[bytes], sink: BinaryIO, attachment_id: str) -> int:
    """Write ``chunks`` to a stream that cannot be taken back (standard output).

    Returns the bytes written. Chunks are written as they verify, so when the blob turns
    out to be damaged, part of its plaintext is already in the pipe: the error says so,
    and the caller must discard the output.
    """
    written = 0
    try:
        for chunk in chunks:
            sink.write(chunk)
            written += len(chunk)
        sink.flush()
    except IntegrityError:
        if written:
            raise IntegrityError(
                f"attachment {attachment_id} is damaged or was altered; part of it was "
                "already written to standard output: discard that output"
            ) from None
        raise
    return written


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
