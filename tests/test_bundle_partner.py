"""The partner side under attack: tampered, re-signed, re-encrypted, truncated, zip-bombed
and path-traversing bundles are refused with the right exit code, and nothing is written.

Malicious bundles are crafted here by hand (zipfile), signed with a test key and encrypted
with pyrage to a test identity, so each case fails for the reason it tests and not for an
earlier one (a traversal name with a *valid* signature must still be refused).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pyrage
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.signing import SigningKey, sign_prehashed
from vault.bundle import import_bundle, load_identity, open_bundle, verify_bundle
from vault.bundle.reader import Identity
from vault.bundle.verify import verify_bytes
from vault.errors import IntegrityError, VaultError, WrongKey
from vault.export.bundle import FORMAT, RECORD_FORMAT, trusted_comment
from vault.session import Vault

SENDER = SigningKey.from_bytes(bytes(range(40)))
ATTACKER = SigningKey.from_bytes(bytes(range(1, 41)))
IDENTITY = pyrage.x25519.Identity.generate()
OTHER = pyrage.x25519.Identity.generate()
BUNDLE_ID = "00112233445566aa"
CREATED = "2026-01-02T03:04:05+00:00"


def record(rid: str, kind: str, fields: dict[str, object], label: str = "R",
           refs: dict[str, dict[str, str]] | None = None) -> bytes:
    return json.dumps({"format": RECORD_FORMAT, "id": rid, "kind": kind, "label": label,
                       "fields": fields, "withheld": [], "redacted": {},
                       "references": refs or {}, "attachments": []}).encode()


GOOD_FILES = {
    "README.txt": b"a bundle\n",
    "records/aaaaaaaaaaaaaaaa.json": record("aaaaaaaaaaaaaaaa", "source", {},
                                            "Source-AAAA-BBBB"),
    "records/bbbbbbbbbbbbbbbb.json": record(
        "bbbbbbbbbbbbbbbb", "testimony",
        {"title": "T", "source": "aaaaaaaaaaaaaaaa", "narrative": "Source-AAAA-BBBB said"},
        refs={"aaaaaaaaaaaaaaaa": {"kind": "source", "label": "Source-AAAA-BBBB"}}),
}


def manifest(files: dict[str, bytes], key: SigningKey = SENDER,
             bundle_id: str = BUNDLE_ID, recipients: list[str] | None = None,
             ) -> tuple[bytes, bytes]:
    doc = {"format": FORMAT, "bundle_id": bundle_id, "created": CREATED,
           "clearance": "partner", "tool": "test", "counts": {},
           "recipients": [str(IDENTITY.to_public())] if recipients is None else recipients,
           "sender_key": key.public_key().base64_line(),
           "files": [{"path": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                     for n, b in sorted(files.items())]}
    raw = json.dumps(doc, indent=2).encode()
    sig = sign_prehashed(key, raw, trusted_comment(bundle_id, CREATED,
                                                   hashlib.sha256(raw).hexdigest()))
    return raw, sig.encode()


def make_zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]],
             compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return out.getvalue()


def craft(files: dict[str, bytes] | None = None, *, listed: dict[str, bytes] | None = None,
          key: SigningKey = SENDER, extra: list[tuple[zipfile.ZipInfo | str, bytes]] = (),  # type: ignore[assignment]
          compression: int = zipfile.ZIP_STORED, bundle_id: str = BUNDLE_ID,
          recipients: list[str] | None = None) -> bytes:
    files = dict(GOOD_FILES if files is None else files)
    raw, sig = manifest(files if listed is None else listed, key, bundle_id, recipients)
    entries: list[tuple[zipfile.ZipInfo | str, bytes]] = [("manifest.json", raw),
                                                          ("manifest.json.minisig", sig)]
    entries += list(files.items()) + list(extra)
    return make_zip(entries, compression)


def seal(zipped: bytes, to: pyrage.x25519.Identity = IDENTITY) -> bytes:
    return pyrage.encrypt(zipped, [to.to_public()])


def ident() -> Identity:
    return Identity((IDENTITY,))


def test_a_good_bundle_verifies_pinned_and_unpinned() -> None:
    data = seal(craft())
    unpinned = verify_bytes(data, ident())
    assert not unpinned.signer_pinned and unpinned.bundle_id == BUNDLE_ID
    pinned = verify_bytes(data, ident(), SENDER.public_key())
    assert pinned.signer_pinned and set(pinned.files) == set(GOOD_FILES)


def test_wrong_identity_is_exit_3() -> None:
    with pytest.raises(WrongKey) as caught:
        verify_bytes(seal(craft()), Identity((OTHER,)))
    assert caught.value.exit_code == 3


@pytest.mark.parametrize("cut", [1, 10, 100, 200, 400, 1000])
def test_truncated_bundle_is_refused(cut: int) -> None:
    data = seal(craft())
    with pytest.raises(VaultError) as caught:
        verify_bytes(data[:-cut], ident())
    assert caught.value.exit_code in (3, 4)


_SEALED = b""


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_any_flipped_bit_is_refused(data: st.DataObject) -> None:
    global _SEALED
    _SEALED = _SEALED or seal(craft())  # one ciphertext: rage adds random grease stanzas
    bundle = bytearray(_SEALED)
    pos = data.draw(st.integers(0, len(bundle) - 1))
    bundle[pos] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(VaultError) as caught:
        verify_bytes(bytes(bundle), ident(), SENDER.public_key())
    assert caught.value.exit_code in (3, 4)


def test_resigned_by_another_key_is_refused_against_signer() -> None:
    tampered = dict(GOOD_FILES)
    tampered["records/bbbbbbbbbbbbbbbb.json"] = record("bbbbbbbbbbbbbbbb", "testimony",
                                                       {"title": "forged"})
    data = seal(craft(tampered, key=ATTACKER))
    with pytest.raises(IntegrityError) as caught:
        verify_bytes(data, ident(), SENDER.public_key())
    assert caught.value.exit_code == 4
    # Without --signer it verifies against the attacker's own key, and says it is unpinned.
    assert not verify_bytes(data, ident()).signer_pinned


def test_reencrypted_after_editing_is_refused() -> None:
    """An attacker who can decrypt (a recipient) edits a record and re-encrypts: the
    signature no longer matches the manifest, or the manifest no longer matches the file."""
    zipped = pyrage.decrypt(seal(craft()), [IDENTITY])
    edited = zipped.replace(b"Source-AAAA-BBBB said", b"Source-AAAA-BBBB lied")
    with pytest.raises(IntegrityError):  # the zip's CRC catches it first
        verify_bytes(seal(edited), ident(), SENDER.public_key())
    files = dict(GOOD_FILES)
    files["records/bbbbbbbbbbbbbbbb.json"] = files["records/bbbbbbbbbbbbbbbb.json"].replace(
        b"said", b"lied")
    raw, _ = manifest(files)
    _, old_sig = manifest(GOOD_FILES)
    forged = make_zip([("manifest.json", raw), ("manifest.json.minisig", old_sig),
                       *files.items()])
    with pytest.raises(IntegrityError, match="signature"):
        verify_bytes(seal(forged), ident(), SENDER.public_key())


def test_missing_extra_and_wrong_hash_files_are_refused() -> None:
    listed = {**GOOD_FILES, "records/cccccccccccccccc.json": b"{}"}
    with pytest.raises(IntegrityError, match="missing"):
        verify_bytes(seal(craft(listed=listed)), ident())
    with pytest.raises(IntegrityError, match="does not list"):
        verify_bytes(seal(craft(extra=[("records/dddddddddddddddd.json", b"{}")],
                                listed=GOOD_FILES)), ident())
    wrong = dict(GOOD_FILES)
    wrong["README.txt"] = b"another readme\n"
    with pytest.raises(IntegrityError, match="hash"):
        verify_bytes(seal(craft(wrong, listed=GOOD_FILES)), ident())


def _info(name: str, mode: int = 0o100644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    info.create_system = 3
    return info


@pytest.mark.parametrize("entry", [
    _info("../evil.txt"), _info("/etc/evil"), _info("records/../../evil"),
    _info("records\\..\\evil"), _info("attachments/x.jpg", stat.S_IFLNK | 0o777),
    _info("records/", stat.S_IFDIR | 0o755), _info("C:/evil"), _info("records/.hidden/x"),
])
def test_unsafe_entries_are_refused_even_when_signed(entry: zipfile.ZipInfo,
                                                     tmp_path: Path) -> None:
    body = b"/etc/passwd" if entry.external_attr >> 16 & stat.S_IFLNK else b"x"
    files = {**GOOD_FILES}
    listed = {**files, entry.filename: body}
    data = seal(craft(files, listed=listed, extra=[(entry, body)]))
    bundle = tmp_path / "b.age"
    bundle.write_bytes(data)
    key = tmp_path / "key.txt"
    key.write_text(str(IDENTITY) + "\n")
    with pytest.raises(IntegrityError):
        open_bundle(bundle, load_identity(key), tmp_path / "out", SENDER.public_key())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.age", "key.txt"]


def test_duplicate_names_are_refused() -> None:
    files = dict(GOOD_FILES)
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate it writes
        data = craft(files, extra=[("README.txt", b"second readme")])
    with pytest.raises(IntegrityError, match="same name"):
        verify_bytes(seal(data), ident())


def test_zip_bombs_are_refused_before_inflating() -> None:
    bomb = b"\0" * (20 * 1024 * 1024)
    files = {**GOOD_FILES, "attachments/bomb.jpg": bomb}
    data = craft(files, compression=zipfile.ZIP_DEFLATED)
    assert len(data) < 200_000
    with pytest.raises(IntegrityError, match="bomb"):
        verify_bytes(seal(data), ident())


def test_a_size_that_lies_is_refused() -> None:
    zipped = bytearray(craft())
    # Shrink README's declared size in both headers: the reader must not trust it.
    name = b"README.txt"
    for sig, size_off, name_off in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (pos := zipped.find(sig, start)) >= 0:
            if zipped[pos + name_off:pos + name_off + len(name)] == name:
                zipped[pos + size_off:pos + size_off + 4] = (3).to_bytes(4, "little")
            start = pos + 4
    with pytest.raises(IntegrityError):
        verify_bytes(seal(bytes(zipped)), ident())


def test_open_writes_only_inside_dir(tmp_path: Path) -> None:
    bundle = tmp_path / "b.age"
    bundle.write_bytes(seal(craft()))
    key = tmp_path / "key.txt"
    key.write_text(str(IDENTITY) + "\n")
    dest = tmp_path / "opened"
    _, names = open_bundle(bundle, load_identity(key), dest)
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()) == \
        sorted(names)
    assert all((dest / n).stat().st_mode & 0o077 == 0 for n in names)
    with pytest.raises(VaultError, match="not an empty folder"):
        open_bundle(bundle, load_identity(key), dest)


def test_import_keeps_pseudonyms_provenance_and_is_idempotent(new_vault: Vault,
                                                              tmp_path: Path) -> None:
    bundle = tmp_path / "b.age"
    bundle.write_bytes(seal(craft()))
    key = tmp_path / "key.txt"
    key.write_text(str(IDENTITY) + "\n")
    verified, first = import_bundle(new_vault, bundle, load_identity(key),
                                    SENDER.public_key(), "Sender Org")
    assert (first.added, first.already) == (2, False)
    records = new_vault.services.records
    by_kind = {r.kind: r for r in records.iter_records()}
    assert by_kind["source"].fields["label"] == "Source-AAAA-BBBB"
    assert by_kind["testimony"].fields["source"] == by_kind["source"].id
    rows = new_vault.store.query("SELECT sender_key, bundle_id FROM bundle_records")
    assert {tuple(r) for r in rows} == {(SENDER.public_key().base64_line(), BUNDLE_ID)}
    _, again = import_bundle(new_vault, bundle, load_identity(key))
    assert again.already and records.count() == 2


def test_import_is_all_or_nothing(new_vault: Vault, tmp_path: Path) -> None:
    files = {**GOOD_FILES, "records/cccccccccccccccc.json": record(
        "cccccccccccccccc", "detention", {"detainee": "aaaaaaaaaaaaaaaa", "type": "no-such"})}
    bundle = tmp_path / "b.age"
    bundle.write_bytes(seal(craft(files)))
    key = tmp_path / "key.txt"
    key.write_text(str(IDENTITY) + "\n")
    before = len(new_vault.store.audit_entries())
    with pytest.raises(VaultError):
        import_bundle(new_vault, bundle, load_identity(key), trust_as="Sender Org")
    assert new_vault.services.records.count() == 0
    assert not new_vault.store.query("SELECT * FROM bundles_imported")
    assert not new_vault.store.query("SELECT * FROM known_senders")
    assert len(new_vault.store.audit_entries()) == before


def test_plain_signed_zip_verifies_without_identity(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(craft())
    assert not verify_bundle(path, None, SENDER.public_key()).encrypted


# -- known senders, provenance, recipients, streaming (issue: trust in bundles) ------------


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _key(tmp_path: Path) -> Path:
    key = tmp_path / "key.txt"
    key.write_text(str(IDENTITY) + "\n")
    return key


def test_an_unknown_sender_is_refused_unless_trusted_then_remembered(
        new_vault: Vault, tmp_path: Path) -> None:
    from vault.bundle.senders import UnknownSender, fingerprint

    key = _key(tmp_path)
    bundle = _write(tmp_path, "b.age", seal(craft()))
    with pytest.raises(UnknownSender) as refused:
        import_bundle(new_vault, bundle, load_identity(key))
    assert refused.value.exit_code == 5
    words = fingerprint(SENDER.public_key().base64_line())
    assert words in refused.value.message and len(words.split()) == 8
    assert new_vault.services.records.count() == 0
    import_bundle(new_vault, bundle, load_identity(key), trust_as="Sender Org")
    (row,) = new_vault.store.query("SELECT name, sender_key, fingerprint FROM known_senders")
    assert tuple(row) == ("Sender Org", SENDER.public_key().base64_line(), words)
    # A later bundle from the same key needs no flag.
    later = _write(tmp_path, "c.age", seal(craft(bundle_id="99887766554433ff")))
    _, result = import_bundle(new_vault, later, load_identity(key))
    assert not result.already
    actions = [e.action for e in new_vault.store.audit_entries()]
    assert "sender.trust" in actions
    imports = [e for e in new_vault.store.audit_entries() if e.action == "bundle.import"]
    assert imports and all(e.detail["sender"] == "Sender Org" for e in imports)


def test_a_known_name_with_a_new_key_is_refused_loudly(new_vault: Vault,
                                                       tmp_path: Path) -> None:
    key = _key(tmp_path)
    import_bundle(new_vault, _write(tmp_path, "b.age", seal(craft())), load_identity(key),
                  trust_as="Sender Org")
    forged = _write(tmp_path, "f.age", seal(craft(key=ATTACKER, bundle_id="0123012301230123")))
    with pytest.raises(IntegrityError, match="WARNING: 'Sender Org' is known with another key"):
        import_bundle(new_vault, forged, load_identity(key), trust_as="Sender Org")
    assert new_vault.services.records.count() == 2  # the first bundle's only


def test_a_forger_reusing_a_bundle_id_does_not_shadow_the_real_bundle(
        new_vault: Vault, tmp_path: Path) -> None:
    key = _key(tmp_path)
    forged = _write(tmp_path, "f.age", seal(craft(key=ATTACKER)))  # same bundle id
    import_bundle(new_vault, forged, load_identity(key), trust_as="Someone Else")
    real = _write(tmp_path, "b.age", seal(craft()))
    _, result = import_bundle(new_vault, real, load_identity(key), trust_as="Sender Org")
    assert not result.already and result.added + result.reused == 2


def test_imported_records_show_their_provenance_in_get(new_vault: Vault, cli: object,
                                                       tmp_path: Path) -> None:
    key = _key(tmp_path)
    import_bundle(new_vault, _write(tmp_path, "b.age", seal(craft())), load_identity(key),
                  trust_as="Sender Org")
    rid = next(r.id for r in new_vault.services.records.iter_records()
               if r.kind == "testimony")
    new_vault.close()
    shown = cli("get", rid)  # type: ignore[operator]
    assert shown.code == 0, shown.err
    assert f"provenance: imported from Sender Org, bundle {BUNDLE_ID}, on " in shown.out


def test_verify_says_whether_the_bundle_was_addressed_to_the_reader(tmp_path: Path) -> None:
    """A recipient who re-encrypts a bundle to a third party: the signature is still valid,
    but the signed manifest names other recipients, and verify says so."""
    zipped = craft()
    mine = verify_bytes(seal(zipped), ident(), SENDER.public_key())
    assert mine.addressed_to_reader is True and "addressed to: you" in "\n".join(
        mine.summary())
    passed_on = verify_bytes(seal(zipped, OTHER), Identity((OTHER,)), SENDER.public_key())
    assert passed_on.addressed_to_reader is False
    assert "NOT you" in "\n".join(passed_on.summary())


def test_import_refuses_a_bundle_re_encrypted_to_the_reader(new_vault: Vault,
                                                            tmp_path: Path) -> None:
    from vault.errors import PolicyRefused

    other_key = tmp_path / "other.txt"
    other_key.write_text(str(OTHER) + "\n")
    passed_on = _write(tmp_path, "p.age", seal(craft(), OTHER))
    with pytest.raises(PolicyRefused, match="re-encrypted"):
        import_bundle(new_vault, passed_on, load_identity(other_key), trust_as="Sender Org")
    assert new_vault.services.records.count() == 0


def test_verifying_streams_entries_instead_of_inflating_them_all() -> None:
    """The reader inflated every entry before checking anything (a 42 MiB file reached
    3.2 GiB). Now the manifest and signature come first and each entry is hashed in
    pieces: peak memory stays near the bundle's own size."""
    import tracemalloc

    big = {**GOOD_FILES, "attachments/big.bin": os.urandom(42 << 20)}
    zipped = craft(big)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        verify_bytes(zipped, None, SENDER.public_key())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 << 20, f"{peak / 2**20:.0f} MiB to verify a 42 MiB bundle"


def test_bundle_readme_does_not_tell_partners_to_trust_the_key_inside() -> None:
    from vault.export.bundle import readme

    text = readme("0" * 16, "partner", CREATED, SENDER.public_key().base64_line(),
                  False).decode()
    assert SENDER.public_key().base64_line() not in text
    assert "-P " not in text and "another channel" in text
