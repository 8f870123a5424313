"""Tests for crypto.signing: minisign-format Ed25519 signatures.

What a partner sees is what matters, so the interop tests run the real ``minisign``
binary both ways. The fixed vectors pin the exact bytes even where it is missing.
"""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import MalformedData
from crypto.signing import (
    MAX_TRUSTED_COMMENT_BYTES,
    MAX_UNTRUSTED_COMMENT_BYTES,
    PublicKey,
    SignatureInvalid,
    SigningKey,
    sign_prehashed,
    sign_prehashed_file,
    verify,
    verify_file,
)

MINISIGN = shutil.which("minisign")
requires_minisign = pytest.mark.skipif(
    MINISIGN is None,
    reason="interop test needs the real minisign binary (CI installs it: apt-get install minisign)",
)

# A fixed key and the exact files evault must produce for it (checked against
# minisign 0.11 when written; Ed25519 signatures are deterministic).
FIXED_KEY = SigningKey.from_bytes(bytes.fromhex("0123456789abcdef") + bytes(range(32)))
FIXED_PUB = (
    "untrusted comment: minisign public key EFCDAB8967452301\n"
    "RWQBI0VniavN7wOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4\n"
)
FIXED_MESSAGE = b"evault test vector\n"
FIXED_COMMENT = "bundle:0001\ttime:2024-01-01T00:00:00Z"
FIXED_SIG = (
    "untrusted comment: signature from evault\n"
    "RUQBI0VniavN76WMsgLzQPaEgOq23US2hDQR0xCI60j8kxR0onZC5uNLcXE8s2Pv0DPSyz1HPZnNfPazIbmgibhP1tQLv2Bb"
    "Xww=\n"
    "trusted comment: bundle:0001\ttime:2024-01-01T00:00:00Z\n"
    "nXLG9IEy+Py0wKRWm/jLGHzCAd01zEJKNAcIJIecVG333ANur51kfS6hz/p2eMIwHwRSCDaXyzXy3mN52T/fAQ==\n"
)

# Files written by minisign 0.11 itself (`minisign -G -W`, then `-S` and `-S -l`).
MINISIGN_PUB = (
    "untrusted comment: minisign public key D7ECE2B4DFF52805\n"
    "RWQFKPXftOLs15rBWHi7/4JXiAX4OByYXnCAMJ9Z5Ugy343xXcUoOh3P\n"
)
MINISIGN_PREHASHED = (
    b"hi\n",
    "untrusted comment: signature from minisign secret key\n"
    "RUQFKPXftOLs1xoPqEMEsM7kz41QrJxIXY3Wc6OtQpXEbMp+2lcVKn9n1QzFLaWDH2uhUOYgoyzSeCsuKkmWJ1S6H5mBy85v"
    "zgU=\n"
    "trusted comment: tc here\n"
    "kFfLaCTUWgXILBR5iLBFuk2KgOGzN2NX9X/1a5nXny7PN1NPVF2djKg++F2IzJ/qXHL+ij6m7YAXD6qmJzBlAw==\n",
    "tc here",
)
MINISIGN_LEGACY = (
    b"legacy message\n",
    "untrusted comment: signature from minisign secret key\n"
    "RWQFKPXftOLs19v9bhz6tGoV0BpUJ/xZoTc6mIh3ANl0r6LGODFn0RbK1VgA2XhNWV3CcYdDuSxW9xjT5rrLWbPfzVYouIN8"
    "MAg=\n"
    "trusted comment: legacy tc\n"
    "+DXASq4XK9AMN22N5spEkTlQVSNV9AMAQXrOtV4IQ/7EYx3kl0W+fNgP8vX8LgNXDiykfIyolEjhRpSx9aG2Aw==\n",
    "legacy tc",
)

KEY = SigningKey.generate()
PUB = KEY.public_key()


def _replace_line(text: str, index: int, line: str) -> str:
    lines = text.split("\n")
    lines[index] = line
    return "\n".join(lines)


def _algorithm(minisig_text: str) -> bytes:
    return base64.b64decode(minisig_text.split("\n")[1])[:2]


def _flip_in_b64_line(text: str, index: int, byte: int) -> str:
    """Flip one bit of the decoded bytes of base64 line ``index``, re-encoding cleanly."""
    line = text.split("\n")[index]
    blob = bytearray(base64.b64decode(line))
    blob[byte] ^= 0x01
    return _replace_line(text, index, base64.b64encode(bytes(blob)).decode())


# --- keys --------------------------------------------------------------------


def test_fixed_public_key_file_is_exact() -> None:
    assert FIXED_KEY.public_key().to_minisign() == FIXED_PUB
    assert FIXED_KEY.public_key().key_id_hex == "EFCDAB8967452301"


def test_key_id_is_zero_padded_little_endian() -> None:
    public = PublicKey(key_id=bytes.fromhex("0100000000000000"), raw=bytes(32))
    assert public.key_id_hex == "0000000000000001"
    assert public.to_minisign().startswith(
        "untrusted comment: minisign public key 0000000000000001\n"
    )


def test_signing_key_bytes_round_trip() -> None:
    data = KEY.to_bytes()
    assert len(data) == 40
    assert data[:8] == KEY.key_id
    assert SigningKey.from_bytes(data) == KEY
    assert SigningKey.from_bytes(data).public_key() == PUB


def test_generate_gives_distinct_keys() -> None:
    other = SigningKey.generate()
    assert other.seed != KEY.seed and other.key_id != KEY.key_id


def test_seed_not_in_repr() -> None:
    assert KEY.seed.hex() not in repr(KEY)
    assert repr(KEY.seed) not in repr(KEY)


@pytest.mark.parametrize("length", [0, 8, 32, 39, 41, 80])
def test_signing_key_wrong_length(length: int) -> None:
    with pytest.raises(MalformedData):
        SigningKey.from_bytes(bytes(length))


def test_public_key_reads_file_and_line() -> None:
    text = PUB.to_minisign()
    line = PUB.base64_line()
    assert text.endswith(f"\n{line}\n")
    assert PublicKey.from_minisign(text) == PUB
    assert PublicKey.from_minisign(line) == PUB
    assert PublicKey.from_minisign(f"  {line}\n") == PUB
    assert PublicKey.from_minisign(text.replace("\n", "\r\n")) == PUB


def test_minisign_written_public_key_reads_and_rewrites_exactly() -> None:
    assert PublicKey.from_minisign(MINISIGN_PUB).to_minisign() == MINISIGN_PUB


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "untrusted comment: minisign public key 00\n",
        "RWQ",
        "not base64 at all!",
        # wrong algorithm: "Ex" instead of "Ed"
        base64.b64encode(b"Ex" + bytes(40)).decode(),
        # one byte short / long
        base64.b64encode(b"Ed" + bytes(39)).decode(),
        base64.b64encode(b"Ed" + bytes(41)).decode(),
        # a signature line, not a key
        FIXED_SIG.split("\n")[1],
        # two lines, first without the comment prefix
        "comment\n" + FIXED_PUB.split("\n")[1],
        # three lines
        FIXED_PUB + FIXED_PUB.split("\n")[1],
        "RWQBI0VniavN7wOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4é",
    ],
)
def test_public_key_malformed(text: str) -> None:
    with pytest.raises(MalformedData):
        PublicKey.from_minisign(text)


@given(st.text())
def test_public_key_parser_raises_only_malformed(text: str) -> None:
    try:
        PublicKey.from_minisign(text)
    except MalformedData:
        pass


# --- sign and verify -----------------------------------------------------------


def test_fixed_signature_is_exact() -> None:
    assert sign_prehashed(FIXED_KEY, FIXED_MESSAGE, FIXED_COMMENT) == FIXED_SIG
    assert verify(FIXED_KEY.public_key(), FIXED_MESSAGE, FIXED_SIG) == FIXED_COMMENT


@pytest.mark.parametrize("vector", [MINISIGN_PREHASHED, MINISIGN_LEGACY], ids=["ED", "Ed"])
def test_verifies_minisign_written_vectors(vector: tuple[bytes, str, str]) -> None:
    message, sig, comment = vector
    public = PublicKey.from_minisign(MINISIGN_PUB)
    assert verify(public, message, sig) == comment
    assert verify_file(public, io.BytesIO(message), sig) == comment
    with pytest.raises(SignatureInvalid):
        verify(public, message + b"x", sig)


@given(
    message=st.binary(max_size=4096),
    comment=st.text().filter(
        lambda c: (
            "\r" not in c
            and "\n" not in c
            and "\0" not in c
            and len(c.encode("utf-8", "replace")) <= 8000
        )
    ),
)
@settings(max_examples=50)
def test_round_trip(message: bytes, comment: str) -> None:
    try:
        comment.encode("utf-8")
    except UnicodeEncodeError:
        with pytest.raises(ValueError):
            sign_prehashed(KEY, message, comment)
        return
    sig = sign_prehashed(KEY, message, comment)
    assert verify(PUB, message, sig) == comment
    assert _algorithm(sig) == b"ED"  # the prehashed form


def test_file_variant_matches_and_streams() -> None:
    message = bytes(range(256)) * 1000  # several 64 KiB chunks and a partial one
    from_file = sign_prehashed_file(KEY, io.BytesIO(message), "c", "u")
    assert from_file == sign_prehashed(KEY, message, "c", "u")
    assert verify_file(PUB, io.BytesIO(message), from_file) == "c"
    with pytest.raises(SignatureInvalid):
        verify_file(PUB, io.BytesIO(message[:-1]), from_file)


def test_crlf_signature_file_verifies() -> None:
    assert verify(FIXED_KEY.public_key(), FIXED_MESSAGE, FIXED_SIG.replace("\n", "\r\n")) == (
        FIXED_COMMENT
    )


def test_untrusted_comment_is_not_signed() -> None:
    changed = _replace_line(FIXED_SIG, 0, "untrusted comment: anything at all")
    assert verify(FIXED_KEY.public_key(), FIXED_MESSAGE, changed) == FIXED_COMMENT


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\0b", "\n", "a\ud800b"])
def test_comments_must_be_one_line_of_text(bad: str) -> None:
    with pytest.raises(ValueError):
        sign_prehashed(KEY, b"m", bad)
    with pytest.raises(ValueError):
        sign_prehashed(KEY, b"m", "ok", untrusted_comment=bad)


def test_comment_length_limits_match_minisign() -> None:
    sign_prehashed(KEY, b"m", "a" * MAX_TRUSTED_COMMENT_BYTES, "u" * MAX_UNTRUSTED_COMMENT_BYTES)
    with pytest.raises(ValueError):
        sign_prehashed(KEY, b"m", "a" * (MAX_TRUSTED_COMMENT_BYTES + 1))
    with pytest.raises(ValueError):
        sign_prehashed(KEY, b"m", "a", "u" * (MAX_UNTRUSTED_COMMENT_BYTES + 1))


# --- tampering -----------------------------------------------------------------

SIG = sign_prehashed(KEY, b"the manifest", "bundle:42")


def test_tampered_message() -> None:
    with pytest.raises(SignatureInvalid):
        verify(PUB, b"the manifesT", SIG)


def test_tampered_trusted_comment() -> None:
    with pytest.raises(SignatureInvalid):
        verify(PUB, b"the manifest", SIG.replace("bundle:42", "bundle:43"))


def test_wrong_public_key() -> None:
    other = SigningKey.generate().public_key()
    with pytest.raises(SignatureInvalid):
        verify(other, b"the manifest", SIG)
    # Same key id, different key: the signature check itself must fail.
    impostor = PublicKey(key_id=PUB.key_id, raw=other.raw)
    with pytest.raises(SignatureInvalid):
        verify(impostor, b"the manifest", SIG)


@pytest.mark.parametrize("byte", range(2, 10))
def test_tampered_key_id(byte: int) -> None:
    with pytest.raises(SignatureInvalid, match="signed by key"):
        verify(PUB, b"the manifest", _flip_in_b64_line(SIG, 1, byte))


def test_algorithm_switch_to_legacy_fails() -> None:
    # "ED" -> "Ed": the same signature then claims to cover the raw message.
    line = SIG.split("\n")[1]
    blob = base64.b64decode(line)
    legacy = _replace_line(SIG, 1, base64.b64encode(b"Ed" + blob[2:]).decode())
    with pytest.raises(SignatureInvalid):
        verify(PUB, b"the manifest", legacy)


@given(st.integers(min_value=10, max_value=73))
def test_any_flipped_signature_byte(byte: int) -> None:
    with pytest.raises(SignatureInvalid):
        verify(PUB, b"the manifest", _flip_in_b64_line(SIG, 1, byte))


@given(st.integers(min_value=0, max_value=63))
def test_any_flipped_global_signature_byte(byte: int) -> None:
    with pytest.raises(SignatureInvalid):
        verify(PUB, b"the manifest", _flip_in_b64_line(SIG, 3, byte))


# --- garbage -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        SIG.split("\n", 1)[1],  # missing untrusted comment line
        "\n".join(SIG.split("\n")[:3]),  # missing global signature
        SIG.replace("trusted comment: ", "trusted: "),
        SIG.replace("untrusted comment: ", "comment: "),
        _replace_line(SIG, 1, "!!!!"),
        _replace_line(SIG, 1, SIG.split("\n")[1][:-4]),  # 3 bytes short
        _replace_line(SIG, 3, SIG.split("\n")[3] + "AAAA"),  # 3 bytes long
        _replace_line(SIG, 1, base64.b64encode(b"XX" + bytes(72)).decode()),
        _replace_line(SIG, 1, SIG.split("\n")[1] + "é"),
        _replace_line(SIG, 1, SIG.split("\n")[1][:-2] + "//="),  # non-canonical padding bits
        SIG + "extra line\n",
        _replace_line(SIG, 2, "trusted comment: \ud800"),
    ],
    # Named, not shown: the texts hold a signature by a key made at import, and the xdist
    # workers must collect the same test ids.
    ids=["empty", "no-untrusted-line", "no-global-signature", "trusted-label",
         "untrusted-label", "bad-base64", "signature-short", "global-long", "wrong-algorithm",
         "non-ascii", "padding-bits", "extra-line", "lone-surrogate"],
)
def test_malformed_signature_text(text: str) -> None:
    with pytest.raises(MalformedData):
        verify(PUB, b"the manifest", text)


@given(st.text())
def test_arbitrary_text_raises_only_our_errors(text: str) -> None:
    try:
        verify(PUB, b"the manifest", text)
    except (MalformedData, SignatureInvalid):
        pass


@given(st.integers(min_value=0), st.characters())
def test_any_changed_character_is_caught(position: int, char: str) -> None:
    index = position % len(SIG)
    changed = SIG[:index] + char + SIG[index + 1 :]
    untrusted_end = SIG.index("\n")
    if changed == SIG or index < untrusted_end or index == len(SIG) - 1:
        return  # the untrusted comment and the final line break are not signed, by design
    with pytest.raises((MalformedData, SignatureInvalid)):
        verify(PUB, b"the manifest", changed)


# --- interop with the real minisign --------------------------------------------


def _minisign(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert MINISIGN is not None
    return subprocess.run(
        [MINISIGN, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


@requires_minisign
@pytest.mark.parametrize(
    "comment",
    [
        "bundle:7f3a time:2024-05-01T12:00:00Z sha256:" + "ab" * 32,
        "timestamp:1714564800\tfile:manifest.json",
        "证据包 — Beweis ✓",
        "a" * MAX_TRUSTED_COMMENT_BYTES,
    ],
    ids=["ascii", "tab", "unicode", "longest"],
)
def test_minisign_verifies_our_signature(tmp_path: Path, comment: str) -> None:
    message = b'{"bundle": "7f3a"}\n'
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "msg.minisig").write_text(sign_prehashed(KEY, message, comment), encoding="utf-8")
    result = _minisign("-Vm", "msg", "-x", "msg.minisig", "-P", PUB.base64_line(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"Trusted comment: {comment}" in result.stdout
    # -H: minisign must also see it as the prehashed form.
    result = _minisign("-V", "-H", "-m", "msg", "-P", PUB.base64_line(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr


@requires_minisign
def test_minisign_verifies_file_signature_with_pub_file(tmp_path: Path) -> None:
    message = bytes(range(256)) * 600
    (tmp_path / "big").write_bytes(message)
    with (tmp_path / "big").open("rb") as f:
        sig = sign_prehashed_file(KEY, f, "streamed")
    (tmp_path / "big.minisig").write_text(sig, encoding="utf-8")
    (tmp_path / "key.pub").write_text(PUB.to_minisign(), encoding="utf-8")
    result = _minisign("-Vm", "big", "-p", "key.pub", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Trusted comment: streamed" in result.stdout


@requires_minisign
def test_minisign_rejects_what_we_reject(tmp_path: Path) -> None:
    (tmp_path / "msg").write_bytes(b"the manifesT")
    (tmp_path / "msg.minisig").write_text(SIG, encoding="utf-8")
    result = _minisign("-Vm", "msg", "-P", PUB.base64_line(), cwd=tmp_path)
    assert result.returncode != 0
    (tmp_path / "msg").write_bytes(b"the manifest")
    (tmp_path / "msg.minisig").write_text(SIG.replace("bundle:42", "bundle:43"), encoding="utf-8")
    result = _minisign("-Vm", "msg", "-P", PUB.base64_line(), cwd=tmp_path)
    assert result.returncode != 0


@requires_minisign
@pytest.mark.parametrize("legacy", [False, True], ids=["ED", "Ed"])
def test_we_verify_minisign_signature(tmp_path: Path, legacy: bool) -> None:
    result = _minisign("-G", "-W", "-p", "k.pub", "-s", "k.key", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    message = b"signed by the real minisign\n" * 100
    (tmp_path / "msg").write_bytes(message)
    args = ["-S", "-s", "k.key", "-m", "msg", "-t", "from minisign 证据"]
    result = _minisign(*args, *(["-l"] if legacy else []), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pub_text = (tmp_path / "k.pub").read_text(encoding="utf-8")
    sig_text = (tmp_path / "msg.minisig").read_text(encoding="utf-8")
    public = PublicKey.from_minisign(pub_text)
    # Same key id and key line. minisign 0.11 prints the id without leading zeros,
    # 0.12 and evault zero-pad it to 16 digits (upstream PR #137); it is unsigned.
    ours, theirs = public.to_minisign().split("\n"), pub_text.split("\n")
    assert ours[1:] == theirs[1:]
    prefix = "untrusted comment: minisign public key "
    assert ours[0].startswith(prefix) and theirs[0].startswith(prefix)
    assert int(ours[0].removeprefix(prefix), 16) == int(theirs[0].removeprefix(prefix), 16)
    assert _algorithm(sig_text) == (b"Ed" if legacy else b"ED")
    assert verify(public, message, sig_text) == "from minisign 证据"
    assert verify_file(public, io.BytesIO(message), sig_text) == "from minisign 证据"
    with pytest.raises(SignatureInvalid):
        verify(public, message[:-1], sig_text)
    with pytest.raises(SignatureInvalid):
        verify(PUB, message, sig_text)
