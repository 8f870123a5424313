"""The header format: slots, MAC, checksum, bounds, recovery keys."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import header, kdf, recovery
from crypto.errors import DecryptionFailed, MalformedData, ParametersOutOfBounds

P = kdf.INSECURE_TEST_PARAMS


@pytest.fixture(scope="module")
def made() -> header.NewVault:
    return header.create("passphrase one", P)


def _resum(body_line: bytes, mac_line: bytes) -> bytes:
    """Rebuild a header with a recomputed checksum, as a deliberate attacker would."""
    head = header.MAGIC + body_line + b"\n" + mac_line + b"\n"
    return head + b"sum " + hashlib.sha256(head).hexdigest().encode() + b"\n"


def test_round_trip_passphrase_and_recovery(made: header.NewVault) -> None:
    assert header.unlock_with_passphrase(made.header, "passphrase one") == made.master_key
    assert header.unlock_with_recovery(made.header, made.recovery_key) == made.master_key


def test_wrong_passphrase_is_opaque(made: header.NewVault) -> None:
    with pytest.raises(DecryptionFailed):
        header.unlock_with_passphrase(made.header, "passphrase two")


def test_every_single_flipped_byte_is_detected(made: header.NewVault) -> None:
    data = made.header
    for position in range(len(data)):
        for bit in (0x01, 0x80):
            damaged = bytearray(data)
            damaged[position] ^= bit
            with pytest.raises((MalformedData, DecryptionFailed, header.HeaderAuthFailed)):
                header.unlock_with_passphrase(bytes(damaged), "passphrase one")


def test_truncated_or_extended_header_is_malformed(made: header.NewVault) -> None:
    for cut in (0, 1, 10, len(made.header) // 2, len(made.header) - 1):
        with pytest.raises(MalformedData):
            header.parse(made.header[:cut])
    with pytest.raises(MalformedData):
        header.parse(made.header + b"x")


def test_deliberate_edit_with_recomputed_checksum_fails_mac(made: header.NewVault) -> None:
    lines = made.header[len(header.MAGIC):].split(b"\n")
    body = json.loads(lines[0])
    # Swap the recovery slot for one the attacker controls: unlock by passphrase still
    # works for the owner, but the MAC (keyed from the master key) exposes the edit.
    other = header.create("attacker", P)
    other_body = json.loads(other.header[len(header.MAGIC):].split(b"\n")[0])
    body["slots"][1] = other_body["slots"][1]
    forged = _resum(json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), lines[1])
    with pytest.raises(header.HeaderAuthFailed):
        header.unlock_with_passphrase(forged, "passphrase one")


def test_slot_parameters_are_bound_to_the_wrap(made: header.NewVault) -> None:
    lines = made.header[len(header.MAGIC):].split(b"\n")
    body = json.loads(lines[0])
    body["slots"][0]["kdf"]["t"] = 2  # same passphrase, other parameters
    forged = _resum(json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), lines[1])
    with pytest.raises(DecryptionFailed):
        header.unlock_with_passphrase(forged, "passphrase one")


@pytest.mark.parametrize("m,t,p", [
    (2**31, 1, 2), (1024, 1, 1), (kdf.MAX_MEMORY_KIB, kdf.MAX_ITERATIONS, 2),
    # 2 GiB, twice what calibration ever writes: a crafted header must not get it.
    (2 * 1024 * 1024, 1, 2), (kdf.CEILING_MEMORY_KIB + 1024, 1, 2),
    (262144, 0, 2), (262144, 1000, 2), (262144, 1, 0), (262144, 1, 255),
])
def test_absurd_kdf_parameters_are_refused_before_deriving(made: header.NewVault, m: int,
                                                           t: int, p: int) -> None:
    lines = made.header[len(header.MAGIC):].split(b"\n")
    body = json.loads(lines[0])
    body["slots"][0]["kdf"].update(m=m, t=t, p=p)
    forged = _resum(json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), lines[1])
    with pytest.raises(ParametersOutOfBounds):
        header.unlock_with_passphrase(forged, "passphrase one")


STATE = header.State(7, bytes(range(32)), 1_700_000_000_000_000)


def test_rekeyed_header_holds_a_new_master_key_for_the_same_recovery_key(
        made: header.NewVault) -> None:
    """A passphrase change must not re-wrap the old master key: an old header copy plus an
    old passphrase would then open the current vault."""
    new = header.rekeyed(made.header, made.master_key, "passphrase two", P, STATE)
    assert new.master_key != made.master_key and new.recovery_key is None
    assert header.unlock_with_passphrase(new.header, "passphrase two") == new.master_key
    # The recovery key on paper still works, re-wrapped without being known.
    assert header.unlock_with_recovery(new.header, made.recovery_key) == new.master_key
    with pytest.raises(DecryptionFailed):
        header.unlock_with_passphrase(new.header, "passphrase one")
    assert header.read_state(new.header, new.master_key) == STATE


def test_rotation_can_replace_the_recovery_key(made: header.NewVault) -> None:
    new = header.rekeyed(made.header, made.master_key, "passphrase one", P, STATE,
                         new_recovery_key=True)
    assert new.recovery_key is not None and new.recovery_key != made.recovery_key
    assert header.unlock_with_recovery(new.header, new.recovery_key) == new.master_key
    with pytest.raises(DecryptionFailed):
        header.unlock_with_recovery(new.header, made.recovery_key)


def test_sealed_state_is_encrypted_and_bound_by_the_mac(made: header.NewVault) -> None:
    sealed = header.with_state(made.header, made.master_key, STATE)
    assert b"0000000000000007" not in sealed and bytes(range(32)).hex().encode() not in sealed
    assert header.read_state(sealed, made.master_key) == STATE
    lines = sealed[len(header.MAGIC):].split(b"\n")
    body = json.loads(lines[0])
    # Putting back an older state (the header of a rolled-back copy) breaks the MAC.
    body["state"] = json.loads(made.header[len(header.MAGIC):].split(b"\n")[0])["state"]
    forged = _resum(json.dumps(body, sort_keys=True, separators=(",", ":")).encode(), lines[1])
    with pytest.raises(header.HeaderAuthFailed):
        header.unlock_with_passphrase(forged, "passphrase one")


def _legacy_header() -> tuple[bytes, bytes, str]:
    """A format 1 header as evault wrote it before: a symmetric recovery slot."""
    from crypto.schedule import Purpose, derive_key

    vault_id, master, rkey = bytes(16), bytes(range(32)), recovery.generate()
    salt = bytes(16)
    slots = (header._passphrase_slot(vault_id, master, "old one", P),
             header._wrap(vault_id, header.RECOVERY,
                          derive_key(rkey, Purpose.RECOVERY_WRAP, salt), salt, master, None))
    body = header._body(vault_id, slots, b"", header.LEGACY_FORMAT)
    made = header.Header(vault_id, slots, header._mac(master, body), header.LEGACY_FORMAT)
    return header.serialize(made), master, recovery.format_key(rkey)


def test_format_1_headers_still_open_and_move_to_format_2_with_a_new_recovery_key() -> None:
    data, master, rkey = _legacy_header()
    assert header.unlock_with_passphrase(data, "old one") == master
    assert header.unlock_with_recovery(data, rkey) == master
    assert header.read_state(data, master) is None
    new = header.rekeyed(data, master, "new one", P, STATE)
    assert new.recovery_key is not None  # the old slot cannot be re-wrapped unknown
    assert header.parse(new.header).format == header.FORMAT
    assert header.unlock_with_recovery(new.header, new.recovery_key) == new.master_key


def test_nfc_and_nfd_passphrases_are_the_same() -> None:
    nfc, nfd = "caf\u00e9 \u1ea1", "cafe\u0301 a\u0323"
    made = header.create(nfc, P)
    assert header.unlock_with_passphrase(made.header, nfd) == made.master_key


@given(st.binary(max_size=2048))
@settings(max_examples=200, deadline=None)
def test_parse_never_raises_anything_else(data: bytes) -> None:
    try:
        header.parse(data)
    except MalformedData:
        pass


def test_recovery_key_is_forgiving_but_checked() -> None:
    key = recovery.generate()
    text = recovery.format_key(key)
    assert len(text.split("-")) == 11
    assert recovery.parse_key(text.lower().replace("-", " ")) == key
    assert recovery.parse_key(text.replace("O", "0").replace("I", "1")) == key
    groups = text.split("-")
    groups[3] = groups[4]
    with pytest.raises(MalformedData):
        recovery.parse_key("-".join(groups))
    with pytest.raises(MalformedData):
        recovery.parse_key(text[:-5])


def test_calibration_spends_on_memory_first() -> None:
    fake_time = iter([0.0, 0.3])  # one probe: 1 GiB takes 0.3 s on this "machine"
    cal = kdf.calibrate(1.0, clock=lambda: next(fake_time), free_kib=64 * 1024 * 1024)
    assert cal.params.memory_kib == kdf.CEILING_MEMORY_KIB
    assert cal.params.iterations == 3
    assert cal.note is None


def test_calibration_on_a_small_machine_says_so() -> None:
    ticks = iter([0.0, 0.1])
    cal = kdf.calibrate(1.0, clock=lambda: next(ticks), free_kib=200 * 1024)
    assert cal.params.memory_kib < kdf.FLOOR_MEMORY_KIB
    assert cal.note is not None and "MiB" in cal.note
