"""Tests for crypto/stream.py: round trips, vectors, and tampering of every kind."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import DecryptionFailed
from crypto.stream import (
    CHUNK_SIZE,
    MAGIC,
    TAG_SIZE,
    StreamWriter,
    ciphertext_size,
    new_key,
    open_bytes,
    open_stream,
    seal_bytes,
    seal_stream,
)

C = CHUNK_SIZE
VECTORS_DIR = Path(__file__).parent / "vectors"
KEY = bytes(range(32))
ROUND_TRIP_SIZES = [0, 1, C - 1, C, C + 1, 3 * C + 7]
BOUNDARY_SIZES = [0, 1, 2, C - 1, C, C + 1, 2 * C - 1, 2 * C, 2 * C + 1]


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_stream_vectors", VECTORS_DIR / "make_stream_vectors.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()
VECTORS: dict[str, Any] = json.loads((VECTORS_DIR / "stream.json").read_text(encoding="utf-8"))


def _plaintext(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def _reference_seal(key: bytes, data: bytes) -> bytes:
    """A one-shot encoder written from docs/formats.md alone, to check the streaming one."""
    aead = ChaCha20Poly1305(key)
    starts = list(range(0, len(data), C)) or [0]
    out = [MAGIC]
    for i, start in enumerate(starts):
        last = i == len(starts) - 1
        nonce = i.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        out.append(aead.encrypt(nonce, data[start : start + C], None))
    return b"".join(out)


class _Trickle(io.BytesIO):
    """A source that returns at most 1000 bytes per read, like a pipe."""

    def read(self, size: int | None = -1, /) -> bytes:
        if size is None or size < 0 or size > 1000:
            size = 1000
        return super().read(size)


# --- round trips ---------------------------------------------------------------------


@pytest.mark.parametrize("size", ROUND_TRIP_SIZES)
def test_round_trip_bytes(size: int) -> None:
    key = new_key()
    data = _plaintext(size)
    blob = seal_bytes(key, data)
    assert blob.startswith(MAGIC)
    assert len(blob) == ciphertext_size(size)
    assert open_bytes(key, blob) == data


@pytest.mark.parametrize("size", ROUND_TRIP_SIZES)
def test_all_encoders_agree_with_reference(size: int) -> None:
    data = _plaintext(size)
    expected = _reference_seal(KEY, data)
    assert seal_bytes(KEY, data) == expected
    sink = io.BytesIO()
    assert seal_stream(KEY, io.BytesIO(data), sink) == size
    assert sink.getvalue() == expected
    sink = io.BytesIO()
    assert seal_stream(KEY, _Trickle(data), sink) == size
    assert sink.getvalue() == expected


@pytest.mark.parametrize("size", ROUND_TRIP_SIZES)
def test_open_stream_yields_whole_chunks(size: int) -> None:
    data = _plaintext(size)
    chunks = list(open_stream(KEY, io.BytesIO(seal_bytes(KEY, data))))
    assert b"".join(chunks) == data
    assert all(len(chunk) == C for chunk in chunks[:-1])
    assert all(chunks)  # nothing empty is yielded, not even for an empty plaintext
    assert list(open_stream(KEY, _Trickle(seal_bytes(KEY, data)))) == chunks


def test_five_megabytes_through_files(tmp_path: Path) -> None:
    data = os.urandom(5 * 1024 * 1024 + 123)
    source = tmp_path / "original"
    source.write_bytes(data)
    sealed_path = tmp_path / "blob"
    digest = hashlib.sha256()
    progress: list[int] = []
    with source.open("rb") as src, sealed_path.open("wb") as sink:
        size = seal_stream(KEY, src, sink, on_chunk=digest.update, progress=progress.append)
    assert size == len(data)
    assert digest.digest() == hashlib.sha256(data).digest()
    assert progress == [min(n, len(data)) for n in range(C, len(data) + C, C)]
    assert sealed_path.stat().st_size == ciphertext_size(len(data))
    opened = hashlib.sha256()
    with sealed_path.open("rb") as blob:
        for chunk in open_stream(KEY, blob):
            opened.update(chunk)
    assert opened.digest() == digest.digest()


def test_empty_source_callbacks() -> None:
    seen: list[bytes] = []
    progress: list[int] = []
    sink = io.BytesIO()
    assert seal_stream(KEY, io.BytesIO(), sink, on_chunk=seen.append, progress=progress.append) == 0
    assert seen == [b""]
    assert progress == [0]
    assert len(sink.getvalue()) == len(MAGIC) + TAG_SIZE == ciphertext_size(0)


@settings(max_examples=60, deadline=None)
@given(
    size=st.one_of(st.sampled_from(BOUNDARY_SIZES), st.integers(0, 3 * C)),
    splits=st.lists(st.integers(0, 2 * C + 3), max_size=8),
)
def test_writer_any_write_sizes(size: int, splits: list[int]) -> None:
    data = _plaintext(size, seed=size)
    sink = io.BytesIO()
    with StreamWriter(KEY, sink) as writer:
        view = memoryview(data)
        for n in splits:
            writer.write(view[:n])
            view = view[n:]
        writer.write(bytearray(view))
    assert sink.getvalue() == _reference_seal(KEY, data)


# --- the writer's edges ----------------------------------------------------------------


def test_writer_abandoned_by_exception_does_not_open() -> None:
    sink = io.BytesIO()
    with pytest.raises(RuntimeError), StreamWriter(KEY, sink) as writer:
        writer.write(b"partial evidence" * 10_000)
        raise RuntimeError("disk full")
    with pytest.raises(DecryptionFailed):
        open_bytes(KEY, sink.getvalue())


def test_writer_close_is_idempotent_and_final() -> None:
    sink = io.BytesIO()
    writer = StreamWriter(KEY, sink)
    writer.write(b"abc")
    writer.close()
    writer.close()
    assert open_bytes(KEY, sink.getvalue()) == b"abc"
    with pytest.raises(ValueError):
        writer.write(b"more")


# --- sizes and keys ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, C - 1, C, C + 1, 2 * C, 2 * C + 1, 10 * C + 5])
def test_ciphertext_size(size: int) -> None:
    assert ciphertext_size(size) == len(seal_bytes(KEY, bytes(size)))


def test_ciphertext_size_rejects_negative() -> None:
    with pytest.raises(ValueError):
        ciphertext_size(-1)


def test_new_key() -> None:
    assert len(new_key()) == 32
    assert new_key() != new_key()


@pytest.mark.parametrize("size", [0, 1, C + 1])
def test_wrong_key_detected(size: int) -> None:
    blob = seal_bytes(KEY, _plaintext(size))
    with pytest.raises(DecryptionFailed):
        open_bytes(new_key(), blob)


def test_bad_key_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        seal_bytes(b"short", b"x")
    with pytest.raises(ValueError):
        open_stream(b"short", io.BytesIO())


# --- tampering, for every input -------------------------------------------------------


_sizes = st.one_of(st.sampled_from(BOUNDARY_SIZES), st.integers(0, 2 * C + 100))


@settings(max_examples=200, deadline=None)
@given(size=_sizes, data=st.data())
def test_any_flipped_byte_is_detected(size: int, data: st.DataObject) -> None:
    blob = bytearray(seal_bytes(KEY, _plaintext(size, seed=size)))
    offset = data.draw(st.integers(0, len(blob) - 1), label="offset")
    blob[offset] ^= data.draw(st.integers(1, 255), label="xor")
    with pytest.raises(DecryptionFailed):
        open_bytes(KEY, bytes(blob))


@settings(max_examples=200, deadline=None)
@given(size=_sizes, data=st.data())
def test_any_truncation_is_detected(size: int, data: st.DataObject) -> None:
    blob = seal_bytes(KEY, _plaintext(size, seed=size))
    cut = data.draw(
        st.one_of(
            st.integers(0, len(blob) - 1),
            # the boundaries matter most: just after the header and each chunk
            st.sampled_from(
                [n for n in range(len(MAGIC), len(blob), C + TAG_SIZE)] + [len(blob) - 1]
            ),
        ),
        label="cut",
    )
    with pytest.raises(DecryptionFailed):
        open_bytes(KEY, blob[:cut])


@settings(max_examples=50, deadline=None)
@given(size=_sizes, extra=st.binary(min_size=1, max_size=C + TAG_SIZE + 1))
def test_anything_appended_is_detected(size: int, extra: bytes) -> None:
    blob = seal_bytes(KEY, _plaintext(size, seed=size))
    with pytest.raises(DecryptionFailed):
        open_bytes(KEY, blob + extra)


# --- vectors ---------------------------------------------------------------------------


def _good_blob(name: str) -> bytes:
    (entry,) = [v for v in VECTORS["good"] if v["name"] == name]
    plaintext = GEN.fill(entry["plaintext"]["len"], entry["plaintext"]["fill"])
    return seal_bytes(bytes.fromhex(VECTORS["key_hex"]), plaintext)


def test_vectors_parameters() -> None:
    assert VECTORS["chunk_size"] == CHUNK_SIZE
    assert VECTORS["tag_size"] == TAG_SIZE
    assert bytes.fromhex(VECTORS["magic_hex"]) == MAGIC


@pytest.mark.parametrize("vector", VECTORS["good"], ids=lambda v: v["name"])
def test_good_vector(vector: dict[str, Any]) -> None:
    key = bytes.fromhex(VECTORS["key_hex"])
    plaintext = GEN.fill(vector["plaintext"]["len"], vector["plaintext"]["fill"])
    assert hashlib.sha256(plaintext).hexdigest() == vector["plaintext_sha256"]
    blob = seal_bytes(key, plaintext)
    assert len(blob) == vector["ciphertext_len"]
    assert hashlib.sha256(blob).hexdigest() == vector["ciphertext_sha256"]
    assert blob == _reference_seal(key, plaintext)
    if "ciphertext_hex" in vector:
        assert blob.hex() == vector["ciphertext_hex"]
        assert plaintext.hex() == vector["plaintext_hex"]
    assert open_bytes(key, blob) == plaintext


@pytest.mark.parametrize("vector", VECTORS["bad"], ids=lambda v: v["name"])
def test_bad_vector(vector: dict[str, Any]) -> None:
    key = bytes.fromhex(VECTORS["key_hex"])
    blob = GEN.apply(key, _good_blob(vector["base"]), vector["mutations"])
    assert len(blob) == vector["result_len"]
    assert hashlib.sha256(blob).hexdigest() == vector["result_sha256"]
    if "result_hex" in vector:
        assert blob.hex() == vector["result_hex"]
    with pytest.raises(DecryptionFailed):
        open_bytes(key, blob)
    with pytest.raises(DecryptionFailed):
        for _ in open_stream(key, _Trickle(blob)):
            pass


def test_bad_vectors_cover_the_brief() -> None:
    names = {v["name"] for v in VECTORS["bad"]}
    for required in [
        "wrong_magic",
        "truncated_at_chunk_boundary",
        "truncated_mid_chunk",
        "chunks_swapped",
        "final_resealed_as_not_final",
        "not_final_resealed_as_final",
        "extra_chunk_appended",
        "empty_final_after_full",
        "trailing_byte",
        "flipped_tag_bit",
    ]:
        assert required in names


def test_committed_vectors_match_generator() -> None:
    committed = (VECTORS_DIR / "stream.json").read_text(encoding="utf-8")
    assert committed == GEN.render(), "run: python tests/vectors/make_stream_vectors.py"
