"""Sealing a bundle as a stream: gate and encrypt while the zip is written.

Used when a bundle holds a recording (which may be gigabytes): the zip is never held
whole in memory. The guarantee of the in-memory path is kept, piece by piece:

- every file is checked just before its bytes are written (records, pictures and PDFs by
  :meth:`Gate.scan_file` and :func:`vault.export.seen.scan_seen`; a recording by
  :func:`vault.export.media.check_media`, and its bytes hashed again while written and
  compared with the manifest);
- every byte of the container, as it goes to age, is searched by the gate's byte search
  (:class:`ContainerScan`, with an overlap so nothing is missed at a piece's edge);
- the encrypted output goes to an unnamed file that gets its name only when all of that
  has passed: a refusal, an error or a kill leaves nothing.

Memory: age (pyrage ``encrypt_io``) pulls 8 KiB at a time; a recording is read 1 MiB at a
time; the resident growth stays a few MiB whatever the size (bench/export_media.py).
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyrage

from vault import fsutil
from vault.export import bundle as bundle_format
from vault.export.gate import Gate, Leak, LeakFound
from vault.export.structure import StructureError


class ContainerScan:
    """The gate's byte search over a stream of container bytes."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.keep = max(gate.opaque.longest, 1) - 1
        self.tail = b""

    def feed(self, piece: bytes) -> None:
        """Search ``piece`` joined to the end of the previous one (LeakFound on a hit)."""
        if not piece:
            return
        window = self.tail + piece
        owner = self.gate.opaque.search(window)
        if owner is not None:
            raise LeakFound([Leak("<container>", owner)])
        self.tail = window[-self.keep:] if self.keep > 0 else b""


class _Reader(io.RawIOBase):
    """A readable stream over the zip's pieces, each scanned before age sees it."""

    def __init__(self, pieces: Iterator[bytes], scan: ContainerScan,
                 cancel: threading.Event | None) -> None:
        self.pieces = pieces
        self.scan = scan
        self.cancel = cancel
        self.buffer = b""
        self.done = False
        self.error: BaseException | None = None
        """What stopped the stream (age reports it only as an I/O error)."""

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        try:
            return self._readinto(target)
        except BaseException as exc:
            self.error = exc
            raise

    def _readinto(self, target: Any) -> int:
        while not self.buffer and not self.done:
            if self.cancel is not None and self.cancel.is_set():
                from vault.export.plan import Cancelled

                raise Cancelled("the export was cancelled; nothing was written")
            piece = next(self.pieces, None)
            if piece is None:
                self.done = True
                break
            self.scan.feed(piece)
            self.buffer = piece
        n = min(len(target), len(self.buffer))
        target[:n] = self.buffer[:n]
        self.buffer = self.buffer[n:]
        return n


def write_sealed(streamed: bundle_format.Streamed, gate: Gate, recipients: list[Any] | None,
                 out: Path, *, cancel: threading.Event | None = None) -> tuple[int, int]:
    """Encrypt (or, with ``recipients`` None, copy) the streamed zip into an unnamed file
    in ``out``'s folder. Returns ``(fd, size)``: name it with :func:`name` once the audit
    entry is in, or close ``fd`` to leave nothing."""
    fd = fsutil.unnamed_file(out.parent)
    if fd is None:
        raise StructureError("this file system cannot hold a bundle without naming it "
                             "first; write it to another folder")
    try:
        scan = ContainerScan(gate)
        reader = _Reader(streamed.pieces, scan, cancel)
        with open(fd, "wb", closefd=False, buffering=1 << 20) as sink:
            if recipients is None:
                while True:
                    block = reader.read(1 << 20)
                    if not block:
                        break
                    sink.write(block)
            else:
                try:
                    pyrage.encrypt_io(reader, sink, recipients)
                except pyrage.EncryptError:
                    if reader.error is not None:  # the gate's refusal, a cancel…
                        raise reader.error from None
                    raise StructureError("age could not encrypt the bundle") from None
            sink.flush()
        os.fsync(fd)
        return fd, os.fstat(fd).st_size
    except BaseException:
        os.close(fd)
        raise
    finally:
        with contextlib.suppress(Exception):
            streamed.pieces.close()  # type: ignore[attr-defined]


def name(fd: int, out: Path) -> None:
    """Give the sealed bundle its name (InvalidInput when it was taken meanwhile)."""
    fsutil.name_unnamed(fd, out, what="writing the bundle")


CheckFile = Callable[[str, bytes], None]
