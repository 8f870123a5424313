"""The vault header: the key-slot table, its file format and slot (un)wrapping.

Format (ASCII, one item per line)::

    EVAULT-HEADER 1
    {"format":1,"slots":[...],"vault_id":"..."}     canonical JSON body
    mac <hex HMAC-SHA256 of the body, keyed from the master key>
    sum <hex SHA-256 of every byte above>

Why two checks: ``sum`` is unkeyed and catches damage (a flipped bit, a truncated copy)
*before* anyone types a passphrase, so damage is reported as damage rather than as a
wrong passphrase. ``mac`` is keyed from the master key and catches deliberate edits that
recomputed ``sum``: a slot added or altered by someone without the master key fails it.
Each wrap also binds its slot's own parameters (kind, KDF, salt) and the vault id as
associated data, so moving a wrapped key to other parameters or another vault fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from crypto import kdf, recovery
from crypto.errors import CryptoError, DecryptionFailed, MalformedData
from crypto.schedule import MASTER_KEY_BYTES, Purpose, derive_key

MAGIC = b"EVAULT-HEADER 1\n"
FORMAT = 1
MAX_HEADER_BYTES = 64 * 1024
PASSPHRASE = "passphrase"  # noqa: S105 - a slot kind, not a password
RECOVERY = "recovery"
_NONCE_BYTES = 12


class HeaderAuthFailed(CryptoError):
    """The header's MAC does not match: it was edited by someone without the master key."""


@dataclass(frozen=True)
class Slot:
    """One way in: a wrapped copy of the master key."""

    kind: str
    """``passphrase`` (Argon2id) or ``recovery`` (a random recovery key)."""
    salt: bytes
    nonce: bytes
    wrapped: bytes
    kdf: kdf.KdfParams | None = None
    """Argon2id parameters, for passphrase slots only."""

    def public_fields(self) -> dict[str, Any]:
        """Everything but the ciphertext: what the wrap binds as associated data."""
        fields: dict[str, Any] = {"kind": self.kind, "salt": self.salt.hex()}
        if self.kdf is not None:
            fields["kdf"] = {
                "alg": "argon2id",
                "m": self.kdf.memory_kib,
                "t": self.kdf.iterations,
                "p": self.kdf.parallelism,
            }
        return fields


@dataclass(frozen=True)
class Header:
    """A parsed header. Parsing checks shape, bounds and ``sum``; not the MAC."""

    vault_id: bytes
    slots: tuple[Slot, ...]
    mac: bytes

    def slot(self, kind: str) -> Slot:
        """The slot of this kind; MalformedData if the header has none."""
        for slot in self.slots:
            if slot.kind == kind:
                return slot
        raise MalformedData(f"the header has no {kind} slot")

    @property
    def passphrase_params(self) -> kdf.KdfParams:
        """Argon2id parameters of the passphrase slot."""
        params = self.slot(PASSPHRASE).kdf
        if params is None:  # pragma: no cover - parse() guarantees it
            raise MalformedData("passphrase slot without KDF parameters")
        return params


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _body(vault_id: bytes, slots: tuple[Slot, ...]) -> bytes:
    return _canonical(
        {
            "format": FORMAT,
            "vault_id": vault_id.hex(),
            "slots": [
                {**s.public_fields(), "nonce": s.nonce.hex(), "wrapped": s.wrapped.hex()}
                for s in slots
            ],
        }
    )


def _associated_data(vault_id: bytes, slot: Slot) -> bytes:
    return b"evault/v1/slot\x00" + vault_id + b"\x00" + _canonical(slot.public_fields())


def _mac(master_key: bytes, body: bytes) -> bytes:
    return hmac.new(derive_key(master_key, Purpose.HEADER_MAC), body, hashlib.sha256).digest()


def serialize(header: Header) -> bytes:
    """The header's file bytes."""
    body = _body(header.vault_id, header.slots)
    head = MAGIC + body + b"\n" + b"mac " + header.mac.hex().encode() + b"\n"
    return head + b"sum " + hashlib.sha256(head).hexdigest().encode() + b"\n"


def _hex(value: Any, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise MalformedData("header field has the wrong type")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise MalformedData("header field is not hex") from exc
    if length is not None and len(raw) != length:
        raise MalformedData("header field has the wrong length")
    return raw


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedData("header field has the wrong type")
    return value


def _parse_slot(raw: Any) -> Slot:
    if not isinstance(raw, dict):
        raise MalformedData("header slot is not an object")
    kind = raw.get("kind")
    if kind == PASSPHRASE:
        spec = raw.get("kdf")
        if not isinstance(spec, dict) or spec.get("alg") != "argon2id":
            raise MalformedData("passphrase slot has no Argon2id parameters")
        if set(raw) != {"kind", "salt", "kdf", "nonce", "wrapped"} or set(spec) != {
            "alg", "m", "t", "p"
        }:
            raise MalformedData("passphrase slot has unexpected fields")
        params = kdf.KdfParams(_int(spec["m"]), _int(spec["t"]), _int(spec["p"]))
        params.check_bounds()
    elif kind == RECOVERY:
        if set(raw) != {"kind", "salt", "nonce", "wrapped"}:
            raise MalformedData("recovery slot has unexpected fields")
        params = None
    else:
        raise MalformedData("header slot of an unknown kind")
    return Slot(
        kind=kind,
        salt=_hex(raw["salt"], kdf.SALT_BYTES),
        nonce=_hex(raw["nonce"], _NONCE_BYTES),
        wrapped=_hex(raw["wrapped"], MASTER_KEY_BYTES + 16),
        kdf=params,
    )


def parse(data: bytes) -> Header:
    """Parse and check a header file: MalformedData (or ParametersOutOfBounds) if damaged."""
    if len(data) > MAX_HEADER_BYTES or not data.startswith(MAGIC):
        raise MalformedData("not an evault header")
    lines = data[len(MAGIC) :].split(b"\n")
    if len(lines) != 4 or lines[3] != b"" or not lines[1].startswith(b"mac "):
        raise MalformedData("header lines are damaged")
    if not lines[2].startswith(b"sum "):
        raise MalformedData("header lines are damaged")
    head_len = len(MAGIC) + len(lines[0]) + 1 + len(lines[1]) + 1
    expected = hashlib.sha256(data[:head_len]).hexdigest().encode()
    if not hmac.compare_digest(lines[2][4:], expected):
        raise MalformedData("header checksum does not match: the header is damaged")
    try:
        body = json.loads(lines[0])
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedData("header body is not valid JSON") from exc
    if not isinstance(body, dict) or set(body) != {"format", "vault_id", "slots"}:
        raise MalformedData("header body has unexpected fields")
    if body["format"] != FORMAT:
        raise MalformedData("header format version not supported")
    slots_raw = body["slots"]
    if not isinstance(slots_raw, list) or not 1 <= len(slots_raw) <= 8:
        raise MalformedData("header slot table is damaged")
    slots = tuple(_parse_slot(s) for s in slots_raw)
    if len({s.kind for s in slots}) != len(slots):
        raise MalformedData("header has duplicate slots")
    header = Header(_hex(body["vault_id"], 16), slots, _hex(lines[1][4:].decode("ascii"), 32))
    if _body(header.vault_id, header.slots) != lines[0]:
        raise MalformedData("header body is not in canonical form")
    return header


def _wrap(vault_id: bytes, kind: str, kek: bytes, salt: bytes, master: bytes,
          params: kdf.KdfParams | None) -> Slot:
    draft = Slot(kind=kind, salt=salt, nonce=os.urandom(_NONCE_BYTES), wrapped=b"", kdf=params)
    wrapped = ChaCha20Poly1305(kek).encrypt(
        draft.nonce, master, _associated_data(vault_id, draft)
    )
    return replace(draft, wrapped=wrapped)


def _unwrap(vault_id: bytes, slot: Slot, kek: bytes) -> bytes:
    try:
        return ChaCha20Poly1305(kek).decrypt(
            slot.nonce, slot.wrapped, _associated_data(vault_id, slot)
        )
    except InvalidTag:
        # Wrong key and altered slot look the same on purpose: one opaque failure.
        raise DecryptionFailed() from None


def _passphrase_slot(vault_id: bytes, master: bytes, passphrase: str,
                     params: kdf.KdfParams) -> Slot:
    salt = os.urandom(kdf.SALT_BYTES)
    kek = kdf.derive(kdf.normalize_passphrase(passphrase), salt, params)
    return _wrap(vault_id, PASSPHRASE, kek, salt, master, params)


def _recovery_slot(vault_id: bytes, master: bytes, recovery_key: bytes) -> Slot:
    salt = os.urandom(kdf.SALT_BYTES)
    kek = derive_key(recovery_key, Purpose.RECOVERY_WRAP, salt)
    return _wrap(vault_id, RECOVERY, kek, salt, master, None)


def _sealed(vault_id: bytes, slots: tuple[Slot, ...], master: bytes) -> bytes:
    return serialize(Header(vault_id, slots, _mac(master, _body(vault_id, slots))))


@dataclass(frozen=True)
class NewVault:
    """What :func:`create` returns. Show ``recovery_key`` once, then forget it."""

    header: bytes
    master_key: bytes
    recovery_key: str


def create(passphrase: str, params: kdf.KdfParams) -> NewVault:
    """A new vault's header: a random master key behind a passphrase and a recovery slot."""
    if not passphrase:
        raise ValueError("empty passphrase")
    vault_id = os.urandom(16)
    master = os.urandom(MASTER_KEY_BYTES)
    rkey = recovery.generate()
    slots = (
        _passphrase_slot(vault_id, master, passphrase, params),
        _recovery_slot(vault_id, master, rkey),
    )
    return NewVault(_sealed(vault_id, slots, master), master, recovery.format_key(rkey))


def _verify_mac(header: Header, master: bytes) -> bytes:
    if not hmac.compare_digest(_mac(master, _body(header.vault_id, header.slots)), header.mac):
        raise HeaderAuthFailed("the header was altered")
    return master


def unlock_with_passphrase(data: bytes, passphrase: str) -> bytes:
    """The master key. DecryptionFailed: wrong passphrase. HeaderAuthFailed: tampered."""
    header = parse(data)
    slot = header.slot(PASSPHRASE)
    kek = kdf.derive(kdf.normalize_passphrase(passphrase), slot.salt, header.passphrase_params)
    return _verify_mac(header, _unwrap(header.vault_id, slot, kek))


def unlock_with_recovery(data: bytes, recovery_text: str) -> bytes:
    """The master key from a recovery key as typed (MalformedData if mistyped)."""
    rkey = recovery.parse_key(recovery_text)
    header = parse(data)
    slot = header.slot(RECOVERY)
    kek = derive_key(rkey, Purpose.RECOVERY_WRAP, slot.salt)
    return _verify_mac(header, _unwrap(header.vault_id, slot, kek))


def with_new_passphrase(data: bytes, master: bytes, passphrase: str,
                        params: kdf.KdfParams) -> bytes:
    """The header with its passphrase slot rewritten; the data is never re-encrypted."""
    if not passphrase:
        raise ValueError("empty passphrase")
    header = parse(data)
    _verify_mac(header, master)
    new_slot = _passphrase_slot(header.vault_id, master, passphrase, params)
    slots = tuple(new_slot if s.kind == PASSPHRASE else s for s in header.slots)
    return _sealed(header.vault_id, slots, master)


def verify(data: bytes, master: bytes) -> Header:
    """Full check of a header against a known master key (used by ``evault check``)."""
    header = parse(data)
    _verify_mac(header, master)
    return header
