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
             bundle_id: str = BUNDLE_ID) -> tuple[bytes, bytes]:
    doc = {"format": FORMAT, "bundle_id": bundle_id, "created": CREATED,
           "clearance": "partner", "tool": "test", "counts": {},
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
          compression: int = zipfile.ZIP_STORED, bundle_id: str = BUNDLE_ID) -> bytes:
    files = dict(GOOD_FILES if files is None else files)
    raw, sig = manifest(files if listed is None else listed, key, bundle_id)
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
                                    SENDER.public_key())
    assert (first.added, first.already) == (2, False)
    records = new_vault.service("records")
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
        import_bundle(new_vault, bundle, load_identity(key))
    assert new_vault.service("records").count() == 0
    assert not new_vault.store.query("SELECT * FROM bundles_imported")
    assert len(new_vault.store.audit_entries()) == before


def test_plain_signed_zip_verifies_without_identity(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    path.write_bytes(craft())
    assert not verify_bundle(path, None, SENDER.public_key()).encrypted
