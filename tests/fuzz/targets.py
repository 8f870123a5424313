"""What each fuzz target feeds and which errors are the *right* way to fail.

A target raises only for a real defect: any exception outside its allowed set (a
``KeyError``, an ``IndexError``, a raw SQLite error, a crash) is a finding, and every
finding becomes a case under ``tests/corpus/bad/``.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from crypto import header, stream
from crypto.errors import CryptoError

_STREAM_KEY = bytes(range(32))


def fuzz_header(data: bytes) -> None:
    """The header parser and both unlock paths."""
    try:
        parsed = header.parse(data)
    except CryptoError:
        return
    # A header that parses must never make unlock misbehave (bounds already checked).
    for kind in ("passphrase", "recovery"):
        try:
            parsed.slot(kind)
        except CryptoError:
            continue


def fuzz_stream(data: bytes) -> None:
    """The STREAM reader: any input either yields authenticated plaintext or fails with
    the one opaque error."""
    try:
        for _chunk in stream.open_stream(_STREAM_KEY, io.BytesIO(data)):
            pass
    except CryptoError:
        return


def fuzz_stream_mutation(data: bytes) -> None:
    """Flip bytes of a real sealed stream: must always be detected."""
    if len(data) < 3:
        return
    plaintext = data[: len(data) // 2]
    sealed = bytearray(stream.seal_bytes(_STREAM_KEY, plaintext))
    position = int.from_bytes(data[-2:], "big") % len(sealed)
    sealed[position] ^= data[-3] or 1
    try:
        stream.open_bytes(_STREAM_KEY, bytes(sealed))
    except CryptoError:
        return
    raise AssertionError("a flipped byte was not detected")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "header": fuzz_header,
    "stream": fuzz_stream,
    "stream_mutation": fuzz_stream_mutation,
}


def register(name: str, target: Callable[[bytes], None]) -> None:
    """Add a target (feature modules' harnesses call this)."""
    TARGETS[name] = target
