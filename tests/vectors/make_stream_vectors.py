"""Regenerate ``tests/vectors/stream.json``: good and bad STREAM blobs.

Run from anywhere: ``python tests/vectors/make_stream_vectors.py``.

Good vectors are sealed with :mod:`crypto.stream` under a fixed key. Bad vectors are
mutations of good ones, stored as the list of mutations (so a 128 KiB blob need not
be stored twice) with the SHA-256 of the result, and in full hex when small. The
mutations are applied here with plain byte operations and the raw AEAD, never with
``crypto.stream``'s own helpers, so the vectors check the format and not only the
code that wrote them. ``tests/test_stream.py`` asserts this script's output equals
the committed JSON.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from crypto import stream  # noqa: E402

OUT = Path(__file__).with_name("stream.json")
KEY = bytes(range(32))
C = stream.CHUNK_SIZE
ENC = stream.CHUNK_SIZE + stream.TAG_SIZE
HEADER = len(stream.MAGIC)
SMALL = 1024  # blobs up to this size are also stored in full hex
SIZES = [0, 1, C - 1, C, C + 1, 2 * C, 2 * C + 1]

Mutation = dict[str, Any]


def fill(length: int, pattern: str) -> bytes:
    """The plaintext a ``{"len": N, "fill": pattern}`` description stands for."""
    if pattern != "mod251":
        raise ValueError(f"unknown fill {pattern!r}")
    # 251 is prime and does not divide CHUNK_SIZE, so no two chunks are equal.
    return bytes(i % 251 for i in range(length))


def nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def chunk_span(blob: bytes, index: int) -> tuple[int, int]:
    start = HEADER + index * ENC
    return start, min(start + ENC, len(blob))


def mutate(key: bytes, blob: bytes, mutation: Mutation) -> bytes:
    """Apply one mutation, as described in ``stream.json``."""
    op = mutation["op"]
    if op == "truncate":
        return blob[: mutation["length"]]
    if op == "replace":
        new = bytes.fromhex(mutation["hex"])
        offset = mutation["offset"]
        return blob[:offset] + new + blob[offset + len(new) :]
    if op == "flip_bit":
        out = bytearray(blob)
        out[mutation["offset"]] ^= 1 << mutation["bit"]
        return bytes(out)
    if op == "append":
        return blob + bytes.fromhex(mutation["hex"])
    if op == "swap_chunks":
        a0, a1 = chunk_span(blob, mutation["a"])
        b0, b1 = chunk_span(blob, mutation["b"])
        if not a1 <= b0:
            raise ValueError("swap_chunks needs a before b")
        return blob[:a0] + blob[b0:b1] + blob[a1:b0] + blob[a0:a1] + blob[b1:]
    aead = ChaCha20Poly1305(key)
    if op == "reseal_chunk":
        index = mutation["index"]
        start, end = chunk_span(blob, index)
        sealed = blob[start:end]
        plaintext = None
        for last in (False, True):
            try:
                plaintext = aead.decrypt(nonce(index, last), sealed, None)
            except InvalidTag:
                continue
            break
        if plaintext is None:
            raise ValueError("reseal_chunk: chunk does not open under either flag")
        resealed = aead.encrypt(nonce(index, mutation["last"]), plaintext, None)
        return blob[:start] + resealed + blob[end:]
    if op == "append_chunk":
        plaintext = bytes.fromhex(mutation["plaintext_hex"])
        return blob + aead.encrypt(nonce(mutation["counter"], mutation["last"]), plaintext, None)
    raise ValueError(f"unknown mutation {op!r}")


def apply(key: bytes, blob: bytes, mutations: list[Mutation]) -> bytes:
    for mutation in mutations:
        blob = mutate(key, blob, mutation)
    return blob


def _bad_cases() -> list[tuple[str, str, int, list[Mutation]]]:
    last_of = {n: max(1, -(-n // C)) - 1 for n in SIZES}  # index of the final chunk
    size = stream.ciphertext_size
    return [
        (
            "wrong_magic",
            "header is not EVS1",
            1,
            [{"op": "replace", "offset": 0, "hex": b"EVS2".hex()}],
        ),
        ("empty_file", "no header at all", 0, [{"op": "truncate", "length": 0}]),
        (
            "header_only",
            "header but not even the empty final chunk",
            0,
            [{"op": "truncate", "length": HEADER}],
        ),
        ("truncated_in_header", "cut inside the magic", 1, [{"op": "truncate", "length": 2}]),
        (
            "truncated_in_tag",
            "one-chunk blob missing its last byte",
            1,
            [{"op": "truncate", "length": size(1) - 1}],
        ),
        (
            "truncated_at_chunk_boundary",
            "final chunk dropped; the rest is whole chunks",
            2 * C + 1,
            [{"op": "truncate", "length": HEADER + 2 * ENC}],
        ),
        (
            "truncated_at_chunk_boundary_full_final",
            "final full chunk dropped",
            2 * C,
            [{"op": "truncate", "length": HEADER + ENC}],
        ),
        (
            "truncated_mid_chunk",
            "cut 1000 bytes into the second chunk",
            2 * C + 1,
            [{"op": "truncate", "length": HEADER + ENC + 1000}],
        ),
        (
            "chunks_swapped",
            "first two chunks exchanged",
            2 * C + 1,
            [{"op": "swap_chunks", "a": 0, "b": 1}],
        ),
        (
            "final_resealed_as_not_final",
            "short final chunk re-sealed with the flag 0x00 (needs the key)",
            2 * C + 1,
            [{"op": "reseal_chunk", "index": last_of[2 * C + 1], "last": False}],
        ),
        (
            "full_final_resealed_as_not_final",
            "full final chunk re-sealed with the flag 0x00 (needs the key)",
            2 * C,
            [{"op": "reseal_chunk", "index": last_of[2 * C], "last": False}],
        ),
        (
            "not_final_resealed_as_final",
            "first chunk re-sealed with the flag 0x01, more chunks follow (needs the key)",
            2 * C + 1,
            [{"op": "reseal_chunk", "index": 0, "last": True}],
        ),
        (
            "extra_chunk_appended",
            "a validly sealed final chunk with the next counter appended (needs the key)",
            2 * C,
            [{"op": "append_chunk", "counter": 2, "last": True, "plaintext_hex": "78"}],
        ),
        (
            "empty_final_after_full",
            "whole-chunk plaintext encoded as full non-final chunk plus empty final chunk",
            C,
            [
                {"op": "reseal_chunk", "index": 0, "last": False},
                {"op": "append_chunk", "counter": 1, "last": True, "plaintext_hex": ""},
            ],
        ),
        ("trailing_byte", "one byte after the final chunk", 1, [{"op": "append", "hex": "00"}]),
        (
            "trailing_garbage_full_final",
            "16 bytes after a full final chunk",
            2 * C,
            [{"op": "append", "hex": "00" * 16}],
        ),
        (
            "trailing_byte_empty",
            "one byte after the empty final chunk",
            0,
            [{"op": "append", "hex": "00"}],
        ),
        (
            "flipped_tag_bit",
            "one bit flipped in the first chunk's tag",
            C + 1,
            [{"op": "flip_bit", "offset": HEADER + ENC - 1, "bit": 7}],
        ),
        (
            "flipped_ciphertext_bit",
            "one bit flipped in the final chunk's ciphertext",
            C + 1,
            [{"op": "flip_bit", "offset": HEADER + ENC, "bit": 0}],
        ),
        (
            "flipped_bit_empty",
            "one bit flipped in the empty final chunk's tag",
            0,
            [{"op": "flip_bit", "offset": HEADER, "bit": 0}],
        ),
    ]


def build() -> dict[str, Any]:
    """Return the vectors as the JSON document ``stream.json`` holds."""
    good: list[dict[str, Any]] = []
    blobs: dict[int, bytes] = {}
    for n in SIZES:
        plaintext = fill(n, "mod251")
        blob = stream.seal_bytes(KEY, plaintext)
        blobs[n] = blob
        entry: dict[str, Any] = {
            "name": f"len_{n}",
            "plaintext": {"len": n, "fill": "mod251"},
            "plaintext_sha256": hashlib.sha256(plaintext).hexdigest(),
            "ciphertext_len": len(blob),
            "ciphertext_sha256": hashlib.sha256(blob).hexdigest(),
        }
        if len(blob) <= SMALL:
            entry["plaintext_hex"] = plaintext.hex()
            entry["ciphertext_hex"] = blob.hex()
        good.append(entry)
    bad: list[dict[str, Any]] = []
    for name, comment, base, mutations in _bad_cases():
        result = apply(KEY, blobs[base], mutations)
        entry = {
            "name": name,
            "comment": comment,
            "base": f"len_{base}",
            "mutations": mutations,
            "result_len": len(result),
            "result_sha256": hashlib.sha256(result).hexdigest(),
        }
        if len(result) <= SMALL:
            entry["result_hex"] = result.hex()
        bad.append(entry)
    return {
        "description": (
            "evault STREAM vectors (docs/formats.md). Good: seal the plaintext under key_hex "
            "and expect the ciphertext. Bad: apply the mutations, in order, to the base "
            "ciphertext; opening the result must fail with DecryptionFailed. "
            "Regenerate with tests/vectors/make_stream_vectors.py."
        ),
        "algorithm": "ChaCha20-Poly1305, nonce = 11-byte big-endian counter || last flag",
        "magic_hex": stream.MAGIC.hex(),
        "chunk_size": C,
        "tag_size": stream.TAG_SIZE,
        "key_hex": KEY.hex(),
        "fills": {"mod251": "byte i of the plaintext is i % 251"},
        "mutations": {
            "truncate": "keep the first `length` bytes",
            "replace": "overwrite bytes from `offset` with `hex`",
            "flip_bit": "xor byte `offset` with 1 << `bit`",
            "append": "append `hex`",
            "swap_chunks": "exchange ciphertext chunks `a` and `b` (chunk i starts at "
            "4 + i * (chunk_size + tag_size))",
            "reseal_chunk": "open chunk `index` under its own flag, seal it again with "
            "the flag `last`",
            "append_chunk": "append `plaintext_hex` sealed under (`counter`, `last`)",
        },
        "good": good,
        "bad": bad,
    }


def render() -> str:
    """The exact text of ``stream.json``."""
    return json.dumps(build(), indent=2) + "\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
