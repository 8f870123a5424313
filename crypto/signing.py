"""Ed25519 signing keys and signatures in minisign's file formats.

Why minisign: a partner who receives a bundle can check ``manifest.json.minisig`` with
the stock ``minisign -Vm manifest.json -P <key>``, with no evault installed. So the
bytes written here must be exactly what minisign writes and reads; docs/formats.md
spells the formats out.

We always sign in minisign's *prehashed* form (algorithm ``ED``: Ed25519 over the
BLAKE2b-512 of the file) so a file of any size is signed in one streaming pass, and
we verify both that and the legacy form (``Ed``: Ed25519 over the file itself).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from crypto.errors import CryptoError, MalformedData

__all__ = [
    "PublicKey",
    "SignatureInvalid",
    "SigningKey",
    "sign_prehashed",
    "sign_prehashed_file",
    "verify",
    "verify_file",
]

SEED_BYTES = 32
KEY_ID_BYTES = 8
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64

_ALG_ED25519 = b"Ed"  # legacy signatures and every public key
_ALG_PREHASHED = b"ED"  # signature over BLAKE2b-512 of the message
_UNTRUSTED_PREFIX = "untrusted comment: "
_TRUSTED_PREFIX = "trusted comment: "
_PUBKEY_COMMENT = "minisign public key "
DEFAULT_UNTRUSTED_COMMENT = "signature from evault"

# minisign reads each comment line with fgets() into a fixed buffer (1024 bytes for
# the untrusted comment, 8192 for the trusted one), prefix, newline and NUL included;
# a longer line spills into the next read and the file no longer parses there.
MAX_UNTRUSTED_COMMENT_BYTES = 1024 - len(_UNTRUSTED_PREFIX) - 2
MAX_TRUSTED_COMMENT_BYTES = 8192 - len(_TRUSTED_PREFIX) - 2

_CHUNK = 64 * 1024


class SignatureInvalid(CryptoError):
    """The signature does not vouch for this data under this public key.

    The data, the signature or its trusted comment was altered, or it was signed by
    a different key. Do not trust the data; ask the sender to send it again and check
    their public key through another channel.
    """


class _Readable(Protocol):
    """A binary file opened for reading (anything with ``read(n) -> bytes``)."""

    def read(self, size: int, /) -> bytes: ...


@dataclass(frozen=True)
class PublicKey:
    """A minisign public key: what partners pin to check the vault's signatures."""

    key_id: bytes
    """minisign's 8-byte key id; a signature names the key that made it."""
    raw: bytes
    """The 32-byte Ed25519 public key."""

    def __post_init__(self) -> None:
        if len(self.key_id) != KEY_ID_BYTES or len(self.raw) != PUBLIC_KEY_BYTES:
            raise MalformedData("a public key is an 8-byte key id and 32 key bytes")

    @property
    def key_id_hex(self) -> str:
        """The key id as minisign prints it: the little-endian u64 in 16 uppercase hex digits."""
        return _key_id_hex(self.key_id)

    def base64_line(self) -> str:
        """The one line ``minisign -P`` takes: base64 of ``Ed || key_id || raw``."""
        return base64.b64encode(_ALG_ED25519 + self.key_id + self.raw).decode("ascii")

    def to_minisign(self) -> str:
        """The text of a minisign ``.pub`` file, byte for byte as ``minisign -G`` writes it."""
        return f"{_UNTRUSTED_PREFIX}{_PUBKEY_COMMENT}{self.key_id_hex}\n{self.base64_line()}\n"

    @staticmethod
    def from_minisign(text_or_base64_line: str) -> PublicKey:
        """Read a ``.pub`` file's text or its bare base64 line (as pasted from a message).

        The untrusted comment line is not checked beyond its prefix: it is not signed,
        so nothing may depend on it. Raises MalformedData on anything else.
        """
        lines = _lines(text_or_base64_line.strip())
        if len(lines) == 2 and lines[0].startswith(_UNTRUSTED_PREFIX):
            line = lines[1]
        elif len(lines) == 1:
            line = lines[0]
        else:
            raise MalformedData("not a minisign public key")
        blob = _b64decode(line, 2 + KEY_ID_BYTES + PUBLIC_KEY_BYTES, "public key")
        if blob[:2] != _ALG_ED25519:
            raise MalformedData("not an Ed25519 minisign public key")
        public = PublicKey(key_id=blob[2:10], raw=blob[10:])
        public._ed25519()  # reject now, not at verify time, bytes that are not a key
        return public

    def _ed25519(self) -> Ed25519PublicKey:
        try:
            return Ed25519PublicKey.from_public_bytes(self.raw)
        except ValueError as exc:
            raise MalformedData("not an Ed25519 public key") from exc


@dataclass(frozen=True)
class SigningKey:
    """The vault's secret signing key; it lives only inside the encrypted database."""

    seed: bytes = field(repr=False)  # repr=False: a traceback or log must not show it
    """The 32-byte Ed25519 secret seed."""
    key_id: bytes
    """minisign's key id: 8 random bytes, written into every signature and the .pub."""

    def __post_init__(self) -> None:
        if len(self.seed) != SEED_BYTES or len(self.key_id) != KEY_ID_BYTES:
            raise MalformedData("a signing key is an 8-byte key id and a 32-byte seed")

    @staticmethod
    def generate() -> SigningKey:
        """A fresh key pair, with a random key id as ``minisign -G`` makes one."""
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        return SigningKey(seed=seed, key_id=secrets.token_bytes(KEY_ID_BYTES))

    def to_bytes(self) -> bytes:
        """``key_id || seed`` (40 bytes): the form the vault stores, encrypted."""
        return self.key_id + self.seed

    @staticmethod
    def from_bytes(data: bytes) -> SigningKey:
        """Read :meth:`to_bytes` output; MalformedData if it is not 40 bytes."""
        if len(data) != KEY_ID_BYTES + SEED_BYTES:
            raise MalformedData("a stored signing key is 40 bytes")
        return SigningKey(seed=bytes(data[KEY_ID_BYTES:]), key_id=bytes(data[:KEY_ID_BYTES]))

    def public_key(self) -> PublicKey:
        """The matching public key, carrying the same key id."""
        raw = self._ed25519().public_key().public_bytes_raw()
        return PublicKey(key_id=self.key_id, raw=raw)

    def _ed25519(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)


def sign_prehashed(
    key: SigningKey,
    message: bytes,
    trusted_comment: str,
    untrusted_comment: str = DEFAULT_UNTRUSTED_COMMENT,
) -> str:
    """The ``.minisig`` text for ``message``, in minisign's prehashed (``ED``) form.

    The trusted comment is signed too (``minisign -V`` prints it once verified), so
    it is where facts the verifier relies on belong. Both comments must be one line
    (ValueError otherwise), since each occupies exactly one line of the file.
    """
    return _sign_digest(key, hashlib.blake2b(message).digest(), trusted_comment, untrusted_comment)


def sign_prehashed_file(
    key: SigningKey,
    fileobj: _Readable,
    trusted_comment: str,
    untrusted_comment: str = DEFAULT_UNTRUSTED_COMMENT,
) -> str:
    """As :func:`sign_prehashed`, reading ``fileobj`` to its end in 64 KiB chunks.

    Memory use does not grow with the file, which is the point of the prehashed form.
    """
    return _sign_digest(key, _hash_file(fileobj), trusted_comment, untrusted_comment)


def verify(public: PublicKey, message: bytes, minisig_text: str) -> str:
    """Check a ``.minisig`` for ``message`` and return its trusted comment.

    Both signatures are checked: the one over the data and the global one over the
    signature and trusted comment. Raises MalformedData when the text does not parse
    as a minisign signature and SignatureInvalid on any other failure, never anything
    else, whatever the input.
    """
    sig = _parse_minisig(minisig_text)
    signed = hashlib.blake2b(message).digest() if sig.algorithm == _ALG_PREHASHED else message
    return _check(public, sig, signed)


def verify_file(public: PublicKey, fileobj: _Readable, minisig_text: str) -> str:
    """As :func:`verify`, reading the data from ``fileobj`` in chunks.

    A legacy (``Ed``) signature covers the whole file, so that case reads it into
    memory; evault never writes one.
    """
    sig = _parse_minisig(minisig_text)
    if sig.algorithm == _ALG_PREHASHED:
        return _check(public, sig, _hash_file(fileobj))
    return _check(public, sig, b"".join(iter(lambda: fileobj.read(_CHUNK), b"")))


@dataclass(frozen=True)
class _Minisig:
    """A parsed ``.minisig`` file, not yet verified."""

    algorithm: bytes
    key_id: bytes
    signature: bytes
    trusted_comment: bytes
    global_signature: bytes


def _sign_digest(
    key: SigningKey, digest: bytes, trusted_comment: str, untrusted_comment: str
) -> str:
    trusted = _comment_bytes(trusted_comment, MAX_TRUSTED_COMMENT_BYTES, "trusted")
    _comment_bytes(untrusted_comment, MAX_UNTRUSTED_COMMENT_BYTES, "untrusted")
    private = key._ed25519()
    signature = private.sign(digest)
    # The global signature binds the trusted comment to this very signature, so the
    # comment cannot be lifted onto another file's signature.
    global_signature = private.sign(signature + trusted)
    sig_line = base64.b64encode(_ALG_PREHASHED + key.key_id + signature).decode("ascii")
    global_line = base64.b64encode(global_signature).decode("ascii")
    return (
        f"{_UNTRUSTED_PREFIX}{untrusted_comment}\n{sig_line}\n"
        f"{_TRUSTED_PREFIX}{trusted_comment}\n{global_line}\n"
    )


def _comment_bytes(comment: str, limit: int, which: str) -> bytes:
    # minisign cuts a line at its first CR or LF and C strings end at NUL, so any of
    # them would make minisign see a different comment than the one we signed.
    if any(c in comment for c in "\r\n\0"):
        raise ValueError(f"the {which} comment must be one line without CR, LF or NUL")
    try:
        data = comment.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"the {which} comment is not valid Unicode text") from exc
    if len(data) > limit:
        raise ValueError(f"the {which} comment is over {limit} bytes, more than minisign reads")
    return data


def _parse_minisig(text: str) -> _Minisig:
    lines = _lines(text)
    while lines and lines[-1] == "":
        lines.pop()
    if len(lines) != 4:
        raise MalformedData("a minisign signature has four lines")
    untrusted, sig_line, trusted, global_line = lines
    if not untrusted.startswith(_UNTRUSTED_PREFIX) or not trusted.startswith(_TRUSTED_PREFIX):
        raise MalformedData("minisign signature comment lines are missing their prefixes")
    blob = _b64decode(sig_line, 2 + KEY_ID_BYTES + SIGNATURE_BYTES, "signature")
    if blob[:2] not in (_ALG_PREHASHED, _ALG_ED25519):
        raise MalformedData("unsupported minisign signature algorithm")
    try:
        comment = trusted[len(_TRUSTED_PREFIX) :].encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedData("the trusted comment is not valid Unicode text") from exc
    return _Minisig(
        algorithm=blob[:2],
        key_id=blob[2:10],
        signature=blob[10:],
        trusted_comment=comment,
        global_signature=_b64decode(global_line, SIGNATURE_BYTES, "global signature"),
    )


def _check(public: PublicKey, sig: _Minisig, signed: bytes) -> str:
    if sig.key_id != public.key_id:
        raise SignatureInvalid(
            f"signed by key {_key_id_hex(sig.key_id)}, not by key {public.key_id_hex}"
        )
    ed = public._ed25519()
    try:
        ed.verify(sig.signature, signed)
    except InvalidSignature as exc:
        raise SignatureInvalid("the signature does not match the data") from exc
    try:
        ed.verify(sig.global_signature, sig.signature + sig.trusted_comment)
    except InvalidSignature as exc:
        raise SignatureInvalid("the trusted comment was altered") from exc
    # Decodes: _parse_minisig produced these bytes by encoding a str as UTF-8.
    return sig.trusted_comment.decode("utf-8")


def _hash_file(fileobj: _Readable) -> bytes:
    h = hashlib.blake2b()  # 64-byte digest: minisign's crypto_generichash_BYTES_MAX
    for chunk in iter(lambda: fileobj.read(_CHUNK), b""):
        h.update(chunk)
    return h.digest()


def _lines(text: str) -> list[str]:
    # Split on LF only (str.splitlines also splits on VT, FF, U+2028, …, which are
    # ordinary characters to minisign) and drop a CR before it, as minisign does.
    return [line.removesuffix("\r") for line in text.split("\n")]


def _b64decode(line: str, length: int, what: str) -> bytes:
    try:
        data = base64.b64decode(line, validate=True)
    except (binascii.Error, ValueError) as exc:  # ValueError: non-ASCII characters
        raise MalformedData(f"the {what} is not valid base64") from exc
    # Re-encoding rejects non-canonical padding bits, as libsodium's decoder does.
    if len(data) != length or base64.b64encode(data).decode("ascii") != line:
        raise MalformedData(f"the {what} has the wrong length or encoding")
    return data


def _key_id_hex(key_id: bytes) -> str:
    # minisign >= 0.12 formats it "%016" PRIX64 of the little-endian u64 (0.11 did not
    # zero-pad); the comment line is unsigned and ignored by readers either way.
    return f"{int.from_bytes(key_id, 'little'):016X}"
