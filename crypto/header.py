"""The vault header: the key-slot table, its sealed state, its file format and slot
(un)wrapping.

Format (ASCII, one item per line)::

    EVAULT-HEADER 1
    {"format":2,"slots":[...],"state":"...","vault_id":"..."}     canonical JSON body
    mac <hex HMAC-SHA256 of the body, keyed from the master key>
    sum <hex SHA-256 of every byte above>

Why two checks: ``sum`` is unkeyed and catches damage (a flipped bit, a truncated copy)
*before* anyone types a passphrase, so damage is reported as damage rather than as a
wrong passphrase. ``mac`` is keyed from the master key and catches deliberate edits that
recomputed ``sum``: a slot added or altered by someone without the master key fails it.
Each wrap also binds its slot's own parameters (kind, KDF, salt) and the vault id as
associated data, so moving a wrapped key to other parameters or another vault fails.

Format 2 adds two things:

- ``state``: the generation counter (how many audited changes the database held when the
  header was last sealed), the audit-chain head at that point and its time, encrypted
  under a key from the master key (a fixed 48-byte plaintext, so its size says nothing)
  and covered by the MAC. The vault compares it with the database at unlock and in
  ``check``: a database older than its header (rolled back, emptied, its WAL lost) is an
  integrity failure, never a healthy vault.
- an X25519 recovery slot: the recovery key is an X25519 private key and the header keeps
  its public half, so a new master key can be wrapped for the recovery key without
  knowing it. That is what lets every passphrase change put a *new* master key in force
  while the recovery key on paper keeps working.

Format 1 headers (no state, a symmetric recovery slot) are still read; the first key
change rewrites them as format 2 with a new recovery key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto import kdf, recovery
from crypto.errors import CryptoError, DecryptionFailed, MalformedData
from crypto.schedule import MASTER_KEY_BYTES, Purpose, derive_key

MAGIC = b"EVAULT-HEADER 1\n"
FORMAT = 2
LEGACY_FORMAT = 1
MAX_HEADER_BYTES = 64 * 1024
PASSPHRASE = "passphrase"  # noqa: S105 - a slot kind, not a password
RECOVERY = "recovery"
_NONCE_BYTES = 12
_STATE_PLAIN_BYTES = 8 + 32 + 8
_STATE_BYTES = _NONCE_BYTES + _STATE_PLAIN_BYTES + 16
X25519 = "x25519"


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
    pub: bytes = b""
    """X25519 recovery slots: the recovery key's public half (empty otherwise)."""
    eph: bytes = b""
    """X25519 recovery slots: the ephemeral public key of this wrap."""

    def public_fields(self) -> dict[str, Any]:
        """Everything but the ciphertext: what the wrap binds as associated data."""
        if self.pub:
            return {"kind": self.kind, "alg": X25519, "pub": self.pub.hex(),
                    "eph": self.eph.hex()}
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
class State:
    """What the header remembers of the database when it was sealed."""

    generation: int
    """Audited changes the database held (every write is audited, so this counts commits;
    0 only for a legacy header that never recorded it)."""
    audit_head: bytes
    """The audit chain's head hash at that generation (32 bytes)."""
    at_micros: int
    """Time of that last audited change, microseconds since the epoch (UTC)."""


@dataclass(frozen=True)
class Header:
    """A parsed header. Parsing checks shape, bounds and ``sum``; not the MAC."""

    vault_id: bytes
    slots: tuple[Slot, ...]
    mac: bytes
    format: int = FORMAT
    sealed_state: bytes = b""
    """The encrypted :class:`State` (format 2), readable with the master key."""

    @property
    def legacy_recovery(self) -> bool:
        """True when the recovery slot cannot be re-wrapped without the recovery key."""
        return any(s.kind == RECOVERY and not s.pub for s in self.slots)

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


def _body(vault_id: bytes, slots: tuple[Slot, ...], sealed_state: bytes = b"",
          fmt: int = FORMAT) -> bytes:
    body: dict[str, Any] = {
        "format": fmt,
        "vault_id": vault_id.hex(),
        "slots": [
            {**s.public_fields(), "nonce": s.nonce.hex(), "wrapped": s.wrapped.hex()}
            for s in slots
        ],
    }
    if fmt != LEGACY_FORMAT:
        body["state"] = sealed_state.hex()
    return _canonical(body)


def _header_body(header: Header) -> bytes:
    return _body(header.vault_id, header.slots, header.sealed_state, header.format)


def _associated_data(vault_id: bytes, slot: Slot) -> bytes:
    return b"evault/v1/slot\x00" + vault_id + b"\x00" + _canonical(slot.public_fields())


def _mac(master_key: bytes, body: bytes) -> bytes:
    return hmac.new(derive_key(master_key, Purpose.HEADER_MAC), body, hashlib.sha256).digest()


def serialize(header: Header) -> bytes:
    """The header's file bytes."""
    body = _header_body(header)
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
    elif kind == RECOVERY and raw.get("alg") == X25519:
        if set(raw) != {"kind", "alg", "pub", "eph", "nonce", "wrapped"}:
            raise MalformedData("recovery slot has unexpected fields")
        return Slot(kind=kind, salt=b"", nonce=_hex(raw["nonce"], _NONCE_BYTES),
                    wrapped=_hex(raw["wrapped"], MASTER_KEY_BYTES + 16),
                    pub=_hex(raw["pub"], 32), eph=_hex(raw["eph"], 32))
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
    if not isinstance(body, dict) or body.get("format") not in (FORMAT, LEGACY_FORMAT):
        raise MalformedData("header format version not supported")
    fmt = body["format"]
    expected_keys = {"format", "vault_id", "slots"} | ({"state"} if fmt == FORMAT else set())
    if set(body) != expected_keys:
        raise MalformedData("header body has unexpected fields")
    slots_raw = body["slots"]
    if not isinstance(slots_raw, list) or not 1 <= len(slots_raw) <= 8:
        raise MalformedData("header slot table is damaged")
    slots = tuple(_parse_slot(s) for s in slots_raw)
    if len({s.kind for s in slots}) != len(slots):
        raise MalformedData("header has duplicate slots")
    if fmt == FORMAT and any(s.kind == RECOVERY and not s.pub for s in slots):
        raise MalformedData("format 2 header with a format 1 recovery slot")
    if fmt == LEGACY_FORMAT and any(s.pub for s in slots):
        raise MalformedData("format 1 header with a format 2 recovery slot")
    sealed = _hex(body["state"], _STATE_BYTES) if fmt == FORMAT else b""
    header = Header(_hex(body["vault_id"], 16), slots, _hex(lines[1][4:].decode("ascii"), 32),
                    fmt, sealed)
    if _header_body(header) != lines[0]:
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


def _recovery_private(recovery_key: bytes) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(
        derive_key(recovery_key, Purpose.RECOVERY_WRAP, b"x25519"))


def _x25519_kek(shared: bytes, eph: bytes, pub: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph + pub,
                info=b"evault/v2/recovery-wrap").derive(shared)


def _raw_public(key: X25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _recovery_slot(vault_id: bytes, master: bytes, recovery_pub: bytes) -> Slot:
    """Wrap ``master`` for the holder of the recovery key whose public half is given:
    no knowledge of the recovery key itself is needed (ephemeral X25519, HKDF, AEAD)."""
    eph = X25519PrivateKey.generate()
    eph_pub = _raw_public(eph.public_key())
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recovery_pub))
    draft = Slot(kind=RECOVERY, salt=b"", nonce=os.urandom(_NONCE_BYTES), wrapped=b"",
                 pub=recovery_pub, eph=eph_pub)
    kek = _x25519_kek(shared, eph_pub, recovery_pub)
    wrapped = ChaCha20Poly1305(kek).encrypt(draft.nonce, master,
                                            _associated_data(vault_id, draft))
    return replace(draft, wrapped=wrapped)


def _recovery_kek(slot: Slot, rkey: bytes) -> bytes:
    if not slot.pub:  # format 1: a symmetric wrap
        return derive_key(rkey, Purpose.RECOVERY_WRAP, slot.salt)
    private = _recovery_private(rkey)
    if not hmac.compare_digest(_raw_public(private.public_key()), slot.pub):
        raise DecryptionFailed()
    return _x25519_kek(private.exchange(X25519PublicKey.from_public_bytes(slot.eph)),
                       slot.eph, slot.pub)


def _seal_state(master: bytes, vault_id: bytes, state: State) -> bytes:
    if not 0 <= state.generation < 2**63 or len(state.audit_head) != 32:
        raise ValueError("state out of range")
    plain = (state.generation.to_bytes(8, "big") + state.audit_head
             + (state.at_micros & (2**64 - 1)).to_bytes(8, "big"))
    nonce = os.urandom(_NONCE_BYTES)
    key = derive_key(master, Purpose.HEADER_STATE)
    return nonce + ChaCha20Poly1305(key).encrypt(nonce, plain, b"evault/v2/state\x00" + vault_id)


def _sealed(vault_id: bytes, slots: tuple[Slot, ...], master: bytes,
            state: State | None = None) -> bytes:
    sealed = _seal_state(master, vault_id, state or GENESIS_STATE)
    body = _body(vault_id, slots, sealed)
    return serialize(Header(vault_id, slots, _mac(master, body), FORMAT, sealed))


#: The state of a header whose database has recorded nothing yet.
GENESIS_STATE = State(0, bytes(32), 0)


@dataclass(frozen=True)
class NewVault:
    """What :func:`create` returns. Show ``recovery_key`` once, then forget it."""

    header: bytes
    master_key: bytes
    recovery_key: str


def _new_recovery() -> tuple[bytes, str]:
    rkey = recovery.generate()
    return _raw_public(_recovery_private(rkey).public_key()), recovery.format_key(rkey)


def create(passphrase: str, params: kdf.KdfParams) -> NewVault:
    """A new vault's header: a random master key behind a passphrase and a recovery slot."""
    if not passphrase:
        raise ValueError("empty passphrase")
    vault_id = os.urandom(16)
    master = os.urandom(MASTER_KEY_BYTES)
    pub, text = _new_recovery()
    slots = (
        _passphrase_slot(vault_id, master, passphrase, params),
        _recovery_slot(vault_id, master, pub),
    )
    return NewVault(_sealed(vault_id, slots, master), master, text)


def _verify_mac(header: Header, master: bytes) -> bytes:
    if not hmac.compare_digest(_mac(master, _header_body(header)), header.mac):
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
    return _verify_mac(header, _unwrap(header.vault_id, slot, _recovery_kek(slot, rkey)))


def read_state(data: bytes, master: bytes) -> State | None:
    """The sealed state of a MAC-checked header (None for a format 1 header)."""
    header = verify(data, master)
    if header.format == LEGACY_FORMAT:
        return None
    nonce, box = header.sealed_state[:_NONCE_BYTES], header.sealed_state[_NONCE_BYTES:]
    try:
        plain = ChaCha20Poly1305(derive_key(master, Purpose.HEADER_STATE)).decrypt(
            nonce, box, b"evault/v2/state\x00" + header.vault_id)
    except InvalidTag:
        raise HeaderAuthFailed("the header's sealed state does not authenticate") from None
    return State(int.from_bytes(plain[:8], "big"), plain[8:40],
                 int.from_bytes(plain[40:48], "big"))


def with_state(data: bytes, master: bytes, state: State) -> bytes:
    """The same slots, sealed with a new state (a format 1 header stays format 1: its
    recovery slot cannot be rewritten without a key change)."""
    header = verify(data, master)
    if header.format == LEGACY_FORMAT:
        return data
    return _sealed(header.vault_id, header.slots, master, state)


@dataclass(frozen=True)
class Rekeyed:
    """What :func:`rekeyed` returns."""

    header: bytes
    master_key: bytes
    recovery_key: str | None
    """A new recovery key to show once, or None when the old one still works."""


def rekeyed(data: bytes, master: bytes, passphrase: str, params: kdf.KdfParams,
            state: State, *, new_recovery_key: bool = False) -> Rekeyed:
    """A header for a **new** master key: a passphrase slot for ``passphrase`` and a
    recovery slot for the same recovery key (re-wrapped to its public half) or, when asked
    or when the old slot is format 1, for a new recovery key. The vault id stays."""
    if not passphrase:
        raise ValueError("empty passphrase")
    header = verify(data, master)
    new_master = os.urandom(MASTER_KEY_BYTES)
    text = None
    if new_recovery_key or header.legacy_recovery:
        pub, text = _new_recovery()
    else:
        pub = header.slot(RECOVERY).pub
    slots = (
        _passphrase_slot(header.vault_id, new_master, passphrase, params),
        _recovery_slot(header.vault_id, new_master, pub),
    )
    return Rekeyed(_sealed(header.vault_id, slots, new_master, state), new_master, text)


def verify(data: bytes, master: bytes) -> Header:
    """Full check of a header against a known master key (used by ``evault check``)."""
    header = parse(data)
    _verify_mac(header, master)
    return header
