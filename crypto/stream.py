"""STREAM: chunked authenticated encryption for attachment blobs.

Modelled on age's ``internal/stream/stream.go`` (itself a variant of the STREAM
construction of Hoang, Reyhanitabar, Rogaway and Vizár). A blob is::

    b"EVS1" || chunk_0 || chunk_1 || ... || chunk_n

Each chunk is ChaCha20-Poly1305 over at most :data:`CHUNK_SIZE` bytes of plaintext
(so at most ``CHUNK_SIZE + TAG_SIZE`` bytes of ciphertext), under a 12-byte nonce of
an 11-byte big-endian chunk counter followed by a one-byte last-chunk flag. Every
chunk but the last holds exactly ``CHUNK_SIZE`` bytes of plaintext; the last holds
1 to ``CHUNK_SIZE`` bytes, or none when the whole plaintext is empty.

Each blob has its own random key (kept in the database), so there is no associated
data and no key material in the file. The full format, with vectors, is in
``docs/formats.md`` and ``tests/vectors/stream.json``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from io import BytesIO
from types import TracebackType
from typing import BinaryIO, Final, TypeAlias

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from crypto.errors import CryptoError, DecryptionFailed

__all__ = [
    "CHUNK_SIZE",
    "KEY_SIZE",
    "MAGIC",
    "TAG_SIZE",
    "StreamWriter",
    "ciphertext_size",
    "new_key",
    "open_bytes",
    "open_stream",
    "seal_bytes",
    "seal_stream",
]

CHUNK_SIZE: Final = 65536
"""Plaintext bytes in every chunk but the last."""

TAG_SIZE: Final = 16
"""Poly1305 tag appended to every chunk."""

KEY_SIZE: Final = 32
"""Bytes in a blob key."""

MAGIC: Final = b"EVS1"
"""File header: names the format and its version."""

_ENC_CHUNK_SIZE: Final = CHUNK_SIZE + TAG_SIZE
_COUNTER_SIZE: Final = 11
_MAX_COUNTER: Final = (1 << (8 * _COUNTER_SIZE)) - 1
_LAST: Final = b"\x01"
_NOT_LAST: Final = b"\x00"

_Bytes: TypeAlias = bytes | bytearray | memoryview


def new_key() -> bytes:
    """Return a fresh random 32-byte blob key."""
    return secrets.token_bytes(KEY_SIZE)


def ciphertext_size(plaintext_size: int) -> int:
    """Return the size of the blob that sealing ``plaintext_size`` bytes produces."""
    if plaintext_size < 0:
        raise ValueError("plaintext size must not be negative")
    # An empty plaintext is still one (empty, final) chunk, hence the max().
    chunks = max(1, -(-plaintext_size // CHUNK_SIZE))
    return len(MAGIC) + plaintext_size + chunks * TAG_SIZE


def _nonce(counter: int, last: bool) -> bytes:
    # Why the flag lives in the nonce: a chunk authenticates as "final" or "not
    # final", never both. Cutting a stream at a chunk boundary leaves a last chunk
    # sealed as not-final, which fails to open; appending after the final chunk makes
    # it a not-final chunk, which fails too. The counter in the nonce does the same
    # for reordering, dropping or duplicating chunks.
    return counter.to_bytes(_COUNTER_SIZE, "big") + (_LAST if last else _NOT_LAST)


def _read_full(source: BinaryIO, size: int) -> bytes:
    """Read ``size`` bytes, fewer only at end of file (pipes may return short reads)."""
    data = source.read(size)
    if len(data) == size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = source.read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


class _ChunkSealer:
    """Seals chunks in order, owning the counter so no nonce is ever used twice."""

    __slots__ = ("_aead", "_counter", "_finished")

    def __init__(self, key: bytes) -> None:
        self._aead = ChaCha20Poly1305(key)
        self._counter = 0
        self._finished = False

    def seal(self, chunk: _Bytes, last: bool) -> bytes:
        if self._finished:
            raise CryptoError("the stream already ended with its final chunk")
        if self._counter > _MAX_COUNTER:
            # Unreachable in practice (2**88 chunks), but a wrapped counter would
            # reuse a nonce, which breaks ChaCha20-Poly1305 outright.
            raise CryptoError("stream too long: chunk counter exhausted")
        nonce = _nonce(self._counter, last)
        self._counter += 1
        self._finished = last
        return self._aead.encrypt(nonce, chunk, None)


class StreamWriter:
    """Encrypts what is written to it into ``sink`` as a STREAM blob.

    Call :meth:`close` (or leave the ``with`` block normally) to seal the final
    chunk; until then the blob does not open. Leaving the ``with`` block by an
    exception does *not* seal it, so a half-written blob reads as truncated rather
    than as a shorter, valid one. The sink is never closed here: it belongs to the
    caller.
    """

    def __init__(self, key: bytes, sink: BinaryIO) -> None:
        self._sealer = _ChunkSealer(key)
        self._sink = sink
        self._pending = bytearray()
        self._closed = False
        sink.write(MAGIC)

    def write(self, data: _Bytes) -> None:
        """Encrypt ``data``, writing every chunk known not to be the last."""
        if self._closed:
            raise ValueError("write to a closed StreamWriter")
        view = memoryview(data).cast("B")
        pending = self._pending
        while view:
            if len(pending) == CHUNK_SIZE:
                # Why we keep a full chunk buffered until now: a chunk's nonce says
                # whether it is the last, so it cannot be sealed before we know more
                # data follows. It does now.
                self._sink.write(self._sealer.seal(pending, last=False))
                pending.clear()
            if not pending and len(view) > CHUNK_SIZE:
                # A whole chunk with more behind it: seal straight from the caller's
                # buffer and skip the copy.
                self._sink.write(self._sealer.seal(view[:CHUNK_SIZE], last=False))
                view = view[CHUNK_SIZE:]
                continue
            take = CHUNK_SIZE - len(pending)
            pending += view[:take]
            view = view[take:]

    def close(self) -> None:
        """Seal the final chunk. Closing twice does nothing."""
        if self._closed:
            return
        self._closed = True
        # The buffer is empty here only if nothing was ever written, because a full
        # buffer is kept until more data arrives: so the final chunk is empty only
        # for an empty plaintext, as the format requires.
        self._sink.write(self._sealer.seal(self._pending, last=True))
        self._pending.clear()

    def __enter__(self) -> StreamWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            # Abandon without sealing: a final chunk here would make a partial blob
            # authenticate as complete.
            self._closed = True
            self._pending.clear()


def seal_stream(
    key: bytes,
    source: BinaryIO,
    sink: BinaryIO,
    *,
    on_chunk: Callable[[bytes], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Encrypt everything ``source`` holds into ``sink`` and return the plaintext size.

    Reads ``CHUNK_SIZE`` bytes at a time, so memory stays constant. ``on_chunk``
    receives each plaintext chunk in order before it is sealed (callers hash the
    original with it; an empty source gives one call with ``b""``). ``progress``
    receives the plaintext bytes sealed so far after each chunk is written.
    """
    sealer = _ChunkSealer(key)
    sink.write(MAGIC)
    done = 0
    chunk = _read_full(source, CHUNK_SIZE)
    while True:
        # Read one chunk ahead: only then do we know whether this one is the last.
        # A short read means end of file, so the lookahead is needed only after a
        # full chunk (and a plaintext that is an exact multiple of CHUNK_SIZE ends
        # with a full final chunk, not an extra empty one).
        following = _read_full(source, CHUNK_SIZE) if len(chunk) == CHUNK_SIZE else b""
        last = not following
        if on_chunk is not None:
            on_chunk(chunk)
        sink.write(sealer.seal(chunk, last))
        done += len(chunk)
        if progress is not None:
            progress(done)
        if last:
            return done
        chunk = following


def open_stream(key: bytes, source: BinaryIO) -> Iterator[bytes]:
    """Decrypt a STREAM blob from ``source``, yielding plaintext chunks in order.

    Each chunk is authenticated before it is yielded, and memory stays constant.
    But the *stream* is authenticated only when the iterator finishes without
    error: until then the data may be truncated, so treat everything yielded as
    unauthenticated, and write it somewhere temporary, until iteration ends.

    Raises :class:`~crypto.errors.DecryptionFailed` (from iteration) on a wrong key,
    a wrong header, any altered, missing, reordered or extra chunk, or bytes after
    the final chunk. A key that is not 32 bytes raises ``ValueError`` at once.
    """
    return _open_chunks(ChaCha20Poly1305(key), source)


def _open_chunks(aead: ChaCha20Poly1305, source: BinaryIO) -> Iterator[bytes]:
    if _read_full(source, len(MAGIC)) != MAGIC:
        raise DecryptionFailed()
    counter = 0
    chunk = _read_full(source, _ENC_CHUNK_SIZE)
    while True:
        # A chunk is final exactly when nothing follows it. Deciding by position,
        # never by a length field, leaves nothing for an attacker to forge: a
        # stream cut short or extended puts a chunk in the wrong position for the
        # flag it was sealed with.
        following = _read_full(source, _ENC_CHUNK_SIZE) if len(chunk) == _ENC_CHUNK_SIZE else b""
        last = not following
        if len(chunk) < TAG_SIZE or counter > _MAX_COUNTER:
            raise DecryptionFailed()
        if last and counter > 0 and len(chunk) == TAG_SIZE:
            # Why an empty final chunk is refused after other chunks: one plaintext
            # must have one encoding. Otherwise a plaintext of whole chunks would
            # have two (full final chunk, or full chunk plus empty final one).
            raise DecryptionFailed()
        try:
            plaintext = aead.decrypt(_nonce(counter, last), chunk, None)
        except InvalidTag:
            raise DecryptionFailed() from None
        if plaintext:
            yield plaintext
        if last:
            return
        counter += 1
        chunk = following


def seal_bytes(key: bytes, data: bytes) -> bytes:
    """Encrypt ``data`` in memory into a STREAM blob."""
    sink = BytesIO()
    with StreamWriter(key, sink) as writer:
        writer.write(data)
    return sink.getvalue()


def open_bytes(key: bytes, blob: bytes) -> bytes:
    """Decrypt a whole STREAM blob in memory; raises ``DecryptionFailed`` if altered."""
    return b"".join(open_stream(key, BytesIO(blob)))
