"""Write the bad bundles of the corpus (``bundles/``), signed and encrypted with the
committed TEST-ONLY keys beside this script.

Determinism: every plain ``.zip`` is built from constants (fixed entry times, fixed
signing key, Ed25519 signatures are deterministic), so a rerun writes the same bytes and
``--check`` compares them with the committed files. age encryption is randomised by
design (a fresh file key and ephemeral share each time) and pyrage offers no way to fix
them, so an ``.age`` file is written once and committed; ``--check`` then decrypts it with
the test identity and compares the zip inside with what this script builds. The one file
that cannot be decrypted here (sealed to another recipient) is checked to be an age file
for an X25519 recipient.

The keys (``TEST-ONLY-*``) are test keys, published with the code on purpose: nothing real
is ever sealed to them or signed with them. The age identity is made once if missing; the
signing keys come from fixed bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import stat
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyrage

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))  # run as a script from anywhere

from crypto.signing import SigningKey, sign_prehashed  # noqa: E402
from vault.export.bundle import FORMAT, RECORD_FORMAT, trusted_comment  # noqa: E402

IDENTITY_FILE = HERE / "TEST-ONLY-age-identity.txt"
OTHER_RECIPIENT_FILE = HERE / "TEST-ONLY-other-recipient.txt"
SIGNER_PUB = HERE / "TEST-ONLY-signer.pub"
SIGNER = SigningKey.from_bytes(hashlib.sha512(b"evault corpus TEST-ONLY signer").digest()[:40])
ATTACKER = SigningKey.from_bytes(hashlib.sha512(b"evault corpus TEST-ONLY attacker").digest()[:40])
STAMP = (2020, 1, 1, 0, 0, 0)
BUNDLE_ID = "c0c0c0c0c0c0c0c0"
CREATED = "2020-01-01T00:00:00+00:00"
SOURCE_ID, TESTIMONY_ID = "aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"

Entry = tuple[zipfile.ZipInfo, bytes]


def _record(rid: str, kind: str, label: str, fields: dict[str, object],
            refs: dict[str, dict[str, str]] | None = None) -> bytes:
    return (json.dumps({"format": RECORD_FORMAT, "id": rid, "kind": kind, "label": label,
                        "fields": fields, "withheld": [], "redacted": {},
                        "references": refs or {}, "attachments": []}, indent=2) + "\n").encode()


FILES: dict[str, bytes] = {
    "README.txt": b"A test bundle of the evault bad-input corpus. Nothing in it is real.\n",
    f"records/{SOURCE_ID}.json": _record(SOURCE_ID, "source", "Source-TEST-AAAA", {}),
    f"records/{TESTIMONY_ID}.json": _record(
        TESTIMONY_ID, "testimony", "Test testimony",
        {"title": "Test testimony", "source": SOURCE_ID, "narrative": "Source-TEST-AAAA said."},
        {SOURCE_ID: {"kind": "source", "label": "Source-TEST-AAAA"}}),
}


def info(name: str, mode: int = stat.S_IFREG | 0o644,
         compress: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    """A zip entry header with the fixed time and a Unix mode."""
    zi = zipfile.ZipInfo(name, date_time=STAMP)
    zi.create_system = 3
    zi.external_attr = mode << 16
    zi.compress_type = compress
    return zi


def manifest(listed: dict[str, bytes], key: SigningKey = SIGNER, *,
             comment_id: str = BUNDLE_ID, edit: Callable[[bytes], bytes] | None = None,
             ) -> tuple[bytes, bytes]:
    """A manifest listing ``listed`` and its signature (``edit`` alters the manifest
    after it was signed)."""
    doc = {"format": FORMAT, "bundle_id": BUNDLE_ID, "created": CREATED,
           "clearance": "partner", "tool": "evault corpus", "counts": {},
           "sender_key": key.public_key().base64_line(),
           "sender_key_id": key.public_key().key_id_hex,
           "files": [{"path": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                     for n, b in sorted(listed.items())]}
    raw = (json.dumps(doc, indent=2) + "\n").encode()
    sig = sign_prehashed(key, raw, trusted_comment(comment_id, CREATED,
                                                   hashlib.sha256(raw).hexdigest()),
                         untrusted_comment="evault corpus TEST-ONLY signature")
    return (edit(raw) if edit else raw), sig.encode()


def build(files: dict[str, bytes] | None = None, *, listed: dict[str, bytes] | None = None,
          extra: list[Entry] = (), key: SigningKey = SIGNER,  # type: ignore[assignment]
          comment_id: str = BUNDLE_ID, edit: Callable[[bytes], bytes] | None = None,
          signed: bool = True) -> bytes:
    """A bundle zip: manifest, signature, ``files`` and the ``extra`` raw entries."""
    files = dict(FILES if files is None else files)
    raw, sig = manifest(files if listed is None else listed, key, comment_id=comment_id,
                        edit=edit)
    entries: list[Entry] = [(info("manifest.json"), raw)]
    if signed:
        entries.append((info("manifest.json.minisig"), sig))
    entries += [(info(n), b) for n, b in files.items()]
    entries += list(extra)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for zi, data in entries:
            zf.writestr(zi, data)
    return out.getvalue()


def _listed_as(name: str, body: bytes, mode: int = stat.S_IFREG | 0o644,
               compress: int = zipfile.ZIP_STORED) -> bytes:
    """A bundle whose manifest lists, and which holds, ``name`` — so the case fails
    because of the entry itself, not because of a missing hash."""
    files = {**FILES, name: body}
    raw, sig = manifest(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(info("manifest.json"), raw)
        zf.writestr(info("manifest.json.minisig"), sig)
        for n, b in FILES.items():
            zf.writestr(info(n), b)
        zf.writestr(info(name, mode, compress), body)
    return out.getvalue()


def _patch_central(data: bytes, fn: Callable[[bytearray, int], None]) -> bytes:
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        fn(out, at)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def _lying_size(data: bytes) -> bytes:
    """The deflated entry's sizes (local header and directory) claim 100 bytes."""
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(sig)
        while at != -1:
            name_len = struct.unpack_from("<H", out, at + (26 if sig == b"PK\x03\x04" else 28))[0]
            start = at + (30 if sig == b"PK\x03\x04" else 46)
            if out[start:start + name_len] == b"records/inflates.json":
                struct.pack_into("<I", out, at + offset, 100)
            at = out.find(sig, at + 4)
    return bytes(out)


def _encrypted_flag(data: bytes) -> bytes:
    out = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = out.find(sig)
        while at != -1:
            out[at + offset] |= 0x1
            at = out.find(sig, at + 4)
    return bytes(out)


def reference_chain(length: int = 1200) -> bytes:
    """A signed bundle of ``length`` cases, each grouping the next: deeper than Python's
    recursion limit (importing it was an internal error). Deflated, compact JSON: small."""
    ids = [f"{n:016x}" for n in range(1, length + 1)]
    files = {"README.txt": b"A chain of test cases.\n"}
    for n, rid in enumerate(ids):
        doc: dict[str, object] = {"format": RECORD_FORMAT, "id": rid, "kind": "case",
                                  "label": f"C{n}", "fields": {"title": f"C{n}"},
                                  "references": {}}
        if n + 1 < length:
            doc["fields"] = {"title": f"C{n}", "records": [ids[n + 1]]}
            doc["references"] = {ids[n + 1]: {"kind": "case", "label": f"C{n + 1}"}}
        files[f"records/{rid}.json"] = json.dumps(doc, separators=(",", ":")).encode()
    raw, sig = manifest(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(info("manifest.json", compress=zipfile.ZIP_DEFLATED), raw)
        zf.writestr(info("manifest.json.minisig"), sig)
        for name, body in files.items():
            zf.writestr(info(name, compress=zipfile.ZIP_DEFLATED), body)
    return out.getvalue()


def plain_bundles() -> dict[str, bytes]:
    """Every deterministic bundle, by file name."""
    bomb = b"\x00" * (64 * 1024 * 1024)
    with warnings.catch_warnings():  # zipfile warns about the duplicate: it is the point
        warnings.simplefilter("ignore", UserWarning)
        duplicate = build(extra=[(info(f"records/{SOURCE_ID}.json"), b"{}\n")])
    b: dict[str, bytes] = {
        "good.zip": build(),
        "not-a-bundle.bin": b"This is not a bundle: neither age nor zip.\n" * 4,
        "traversal-dotdot.zip": _listed_as("../evault-corpus-escaped.json", b"{}\n"),
        "traversal-nested.zip": _listed_as("records/../../evault-corpus-escaped.json",
                                           b"{}\n"),
        "absolute-path.zip": _listed_as("/tmp/evault-corpus-escaped.json", b"{}\n"),
        "backslash-path.zip": _listed_as("records\\..\\..\\evault-corpus-escaped.json",
                                         b"{}\n"),
        "symlink.zip": _listed_as("records/link.json", b"/etc/passwd",
                                  stat.S_IFLNK | 0o777),
        "directory-entry.zip": build(extra=[(info("records/sub/", stat.S_IFDIR | 0o755), b"")]),
        "fifo-entry.zip": _listed_as("records/fifo.json", b"", stat.S_IFIFO | 0o644),
        "zip-bomb.zip": _listed_as("records/bomb.json", bomb, compress=zipfile.ZIP_DEFLATED),
        "lying-size.zip": _lying_size(_listed_as("records/inflates.json", b"\x00" * 100_000,
                                                 compress=zipfile.ZIP_DEFLATED)),
        "duplicate-names.zip": duplicate,
        "encrypted-entry.zip": _encrypted_flag(build()),
        "bzip2-entry.zip": _listed_as("records/packed.json", b"{}\n" * 100,
                                      compress=zipfile.ZIP_BZIP2),
        "missing-file.zip": build(listed={**FILES, "records/cccccccccccccccc.json": b"{}\n"}),
        "extra-file.zip": build(extra=[(info("records/dddddddddddddddd.json"), b"{}\n")]),
        "wrong-hash.zip": build(files={**FILES, "README.txt": b"Altered after signing.\n"},
                                listed=FILES),
        "unsigned.zip": build(signed=False),
        "bad-signature.zip": build(edit=lambda raw: raw.replace(b'"partner"', b'"public"')),
        "signed-by-attacker.zip": build(key=ATTACKER),
        "manifest-not-json.zip": build(edit=lambda raw: raw[:-10]),
        "comment-mismatch.zip": build(comment_id="dddddddddddddddd"),
        "record-not-json.zip": build(files={**FILES, f"records/{TESTIMONY_ID}.json":
                                            b'{"format": "evault-record/1", "id": '}),
        "reference-chain.zip": reference_chain(),
        "record-unknown-kind.zip": build(files={**FILES, f"records/{TESTIMONY_ID}.json":
                                                _record(TESTIMONY_ID, "spaceship", "X", {})}),
    }
    return b


def _identity() -> pyrage.x25519.Identity:
    if not IDENTITY_FILE.exists():
        IDENTITY_FILE.write_text(
            "# TEST-ONLY age identity of the evault bad-input corpus. Published on purpose:\n"
            "# never encrypt anything real to it.\n" + str(pyrage.x25519.Identity.generate())
            + "\n")
    line = [x for x in IDENTITY_FILE.read_text().splitlines() if x.startswith("AGE-SECRET")][0]
    return pyrage.x25519.Identity.from_str(line)


def _other_recipient() -> pyrage.x25519.Recipient:
    if not OTHER_RECIPIENT_FILE.exists():
        OTHER_RECIPIENT_FILE.write_text(
            "# TEST-ONLY: the public key of an age identity nobody kept (wrong recipient)\n"
            + str(pyrage.x25519.Identity.generate().to_public()) + "\n")
    line = [x for x in OTHER_RECIPIENT_FILE.read_text().splitlines() if x.startswith("age1")][0]
    return pyrage.x25519.Recipient.from_str(line)


def main(argv: list[str]) -> int:
    """Write the bundles (age files only when missing), or ``--check`` them."""
    check = "--check" in argv
    out = HERE / "bundles"
    out.mkdir(exist_ok=True)
    identity = _identity()
    bad: list[str] = []
    pub = SIGNER.public_key().to_minisign()
    if check and SIGNER_PUB.read_text() != pub:
        bad.append(SIGNER_PUB.name)
    elif not check:
        SIGNER_PUB.write_text(pub)
    plain = plain_bundles()
    for name, data in plain.items():
        if check:
            if (out / name).read_bytes() != data:
                bad.append(name)
        else:
            (out / name).write_bytes(data)
    sealed = {"good.age": (plain["good.zip"], identity.to_public()),
              "signed-by-attacker.age": (plain["signed-by-attacker.zip"], identity.to_public()),
              "wrong-recipient.age": (plain["good.zip"], _other_recipient())}
    for name, (inner, recipient) in sealed.items():
        path = out / name
        if not check and not path.exists():
            path.write_bytes(pyrage.encrypt(inner, [recipient]))
        data = path.read_bytes()
        if name == "wrong-recipient.age":
            ok = data.startswith(b"age-encryption.org/v1\n-> X25519 ")
        else:
            ok = pyrage.decrypt(data, [identity]) == inner
        if not ok:
            bad.append(name)
    truncated = (out / "good.age").read_bytes()[:-40]
    if check:
        if (out / "truncated.age").read_bytes() != truncated:
            bad.append("truncated.age")
    else:
        (out / "truncated.age").write_bytes(truncated)
    for name in bad:
        print(f"differs from make_bundles.py: {name}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
