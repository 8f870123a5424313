"""Assembling a bundle's zip: manifest, signature, records, attachments, README.

Two ways with one layout: :func:`assemble` builds the zip in memory (bundles of records,
pictures and PDFs); :func:`stream` yields it piece by piece, so a bundle holding a
recording of gigabytes is gated and encrypted while it is written and never held whole
in memory (:mod:`vault.export.sealing`).

Why these choices:
- Entries are *stored*, not compressed: the leak gate then reads in the container exactly
  the bytes it read in each file, and a bundle cannot be a compression bomb.
- Everything is deterministic (sorted names, the bundle's own time on every entry, fixed
  permissions, no extra fields): two exports of the same data differ only in bundle id and
  time, which makes a bundle easy to audit.
- The manifest lists every file but itself and its signature with size and SHA-256; the
  signature (minisign, prehashed) covers the manifest, and its trusted comment repeats the
  bundle id, the time and the manifest's SHA-256, so ``minisign -Vm manifest.json -P …``
  checks everything with no evault installed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from crypto.signing import SigningKey, sign_prehashed

FORMAT = "evault-bundle/1"
RECORD_FORMAT = "evault-record/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.minisig"
README = "README.txt"
#: Names a bundle may hold: plain ASCII path components, no "..", no leading slash.
SAFE_NAME = re.compile(r"^(?:README\.txt|manifest\.json(?:\.minisig)?|"
                       r"(?:records|attachments|dossier)/[A-Za-z0-9][A-Za-z0-9._-]{0,99})$")


@dataclass(frozen=True)
class Assembled:
    """A bundle zip ready for the gate and for encryption."""

    bundle_id: str
    zip: bytes
    names: list[str]
    """Entry names in zip order."""
    manifest: bytes
    manifest_sha256: str


class LargeFile(Protocol):
    """A file too large for memory (a cleaned recording): its size, hash and bytes."""

    size: int
    sha256: str

    def chunks(self) -> Iterator[bytes]:
        """Its bytes from the start."""
        ...


Content = bytes | LargeFile


def _size(data: Content) -> int:
    return len(data) if isinstance(data, bytes) else data.size


def _sha256(data: Content) -> str:
    return hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else data.sha256


def trusted_comment(bundle_id: str, created: str, manifest_sha256: str) -> str:
    """The signed comment: what ``minisign -V`` prints once the signature verifies."""
    return f"evault bundle {bundle_id} created {created} manifest-sha256 {manifest_sha256}"


def record_json(doc: Mapping[str, Any]) -> bytes:
    """A record file: UTF-8 JSON (not ASCII-escaped, so the gate reads what people read)."""
    body = {"format": RECORD_FORMAT, **doc}
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return "; ".join(value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def records_csv(docs: Sequence[Mapping[str, Any]], field_order: list[str]) -> bytes:
    """One CSV per record kind (UTF-8 with a BOM so spreadsheets read Chinese right)."""
    present = [f for f in field_order if any(f in d["fields"] for d in docs)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["id", "label", *present, "withheld"])
    for d in docs:
        writer.writerow([d["id"], d["label"], *(_cell(d["fields"].get(f)) for f in present),
                         "; ".join(d["withheld"])])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def readme(bundle_id: str, clearance: str, created: str, public_key_line: str,
           plain: bool) -> bytes:
    """What the bundle is and how to check it, for whoever opens it."""
    how = ("This bundle is a plain signed zip (public material)." if plain else
           "This bundle was encrypted with age to its recipients; you decrypted it.")
    text = f"""evault export bundle {bundle_id}
created {created}, clearance {clearance}

{how}

Contents
  manifest.json          every other file with its size and SHA-256
  manifest.json.minisig  minisign signature of manifest.json by the sender
  records/<id>.json      one file per record (format {RECORD_FORMAT}, see docs/bundles.md)
  records/<kind>.csv     the same records as spreadsheets, one per record kind
  attachments/           sanitized files (pictures re-encoded, PDFs rewritten)
  dossier/               generated documents, if any

People who may not be named appear under pseudonyms such as Source-7KQ2-XM4P. A field
that was withheld is named in "withheld"; what it held is not in this bundle.

Verify it with the sender's public key as YOU received it from them by another channel
(in person, or read out by phone) -- never with a key found inside this bundle or sent
with it: a forger signs with their own key and would put that one here.
  age -d -i key.txt -o bundle.zip bundle.age      (skip for a plain bundle)
  unzip bundle.zip -d bundle && cd bundle
  minisign -Vm manifest.json -p sender.pub         (sender.pub: the key you were given)
  sha256sum the files and compare with manifest.json
or with evault, which also keeps a list of the senders you trust:
  evault bundle verify bundle.age --identity key.txt --signer sender.pub
The manifest names the age keys the sender encrypted to ("recipients"); if yours is not
among them, someone else re-encrypted it to you.
"""
    return text.encode("utf-8")


def _zip_time(created: datetime) -> tuple[int, int, int, int, int, int]:
    t = created.timetuple()
    return (max(t.tm_year, 1980), t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min,
            t.tm_sec - t.tm_sec % 2)


def _signed_manifest(files: Mapping[str, Content], *, bundle_id: str, created: datetime,
                     clearance: str, counts: Mapping[str, int], key: SigningKey,
                     tool_version: str, recipients: Sequence[str] = ()
                     ) -> tuple[list[str], bytes, str, bytes]:
    """``(zip order, manifest, its SHA-256, signature)`` for ``files``. The manifest names
    the age ``recipients`` (signed, so a recipient who re-encrypts the bundle to a third
    party cannot hide that it was not addressed to them)."""
    created_text = created.isoformat(timespec="seconds")
    public = key.public_key()
    for name in files:
        if not SAFE_NAME.match(name) or name in (MANIFEST, SIGNATURE):
            raise ValueError(f"not a bundle file name: {name!r}")
    names = sorted(files)
    manifest = {
        "format": FORMAT,
        "bundle_id": bundle_id,
        "created": created_text,
        "clearance": clearance,
        "tool": f"evault {tool_version}",
        "sender_key": public.base64_line(),
        "sender_key_id": public.key_id_hex,
        "counts": dict(sorted(counts.items())),
        "recipients": sorted({r.strip() for r in recipients}),
        "files": [{"path": n, "size": _size(files[n]), "sha256": _sha256(files[n])}
                  for n in names],
    }
    manifest_bytes = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode()
    digest = hashlib.sha256(manifest_bytes).hexdigest()
    signature = sign_prehashed(key, manifest_bytes,
                               trusted_comment(bundle_id, created_text, digest),
                               untrusted_comment=f"evault bundle {bundle_id}")
    order = [README, MANIFEST, SIGNATURE, *[n for n in names if n != README]]
    return order, manifest_bytes, digest, signature.encode("ascii")


def _info(name: str, created: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_zip_time(created))
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
    return info


def assemble(files: Mapping[str, bytes], *, bundle_id: str, created: datetime,
             clearance: str, counts: Mapping[str, int], key: SigningKey,
             tool_version: str, recipients: Sequence[str] = ()) -> Assembled:
    """The zip holding ``files`` plus README, manifest (naming ``recipients``) and its
    signature."""
    order, manifest_bytes, digest, signature = _signed_manifest(
        files, bundle_id=bundle_id, created=created, clearance=clearance, counts=counts,
        key=key, tool_version=tool_version, recipients=recipients)
    content = {**files, MANIFEST: manifest_bytes, SIGNATURE: signature}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in order:
            zf.writestr(_info(name, created), content[name])
    return Assembled(bundle_id, out.getvalue(), order, manifest_bytes, digest)


class _Drain(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come (no seek: zipfile then
    writes sizes after each entry's data, as a data descriptor)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


@dataclass
class Streamed:
    """What :func:`stream` knows before its first byte: the manifest and the order."""

    names: list[str]
    manifest: bytes
    manifest_sha256: str
    pieces: Iterator[bytes]
    """The zip's bytes, in order."""


def stream(files: Mapping[str, Content], *, bundle_id: str, created: datetime,
           clearance: str, counts: Mapping[str, int], key: SigningKey, tool_version: str,
           check_file: Callable[[str, bytes], None],
           check_large: Callable[[str, LargeFile], None],
           recipients: Sequence[str] = ()) -> Streamed:
    """The same zip as :func:`assemble`, yielded piece by piece. Each in-memory file is
    passed to ``check_file`` and each large file to ``check_large`` just before it is
    written; a large file's bytes are hashed again while written and must match the
    manifest (a file that changed since is refused, never shipped unchecked)."""
    order, manifest_bytes, digest, signature = _signed_manifest(
        files, bundle_id=bundle_id, created=created, clearance=clearance, counts=counts,
        key=key, tool_version=tool_version, recipients=recipients)
    content: dict[str, Content] = {**files, MANIFEST: manifest_bytes, SIGNATURE: signature}

    def pieces() -> Iterator[bytes]:
        from vault.export.structure import StructureError

        sink = _Drain()
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as zf:
            for name in order:
                data = content[name]
                info = _info(name, created)
                if isinstance(data, bytes):
                    check_file(name, data)
                    zf.writestr(info, data)
                    yield sink.take()
                    continue
                check_large(name, data)
                info.file_size = data.size
                hasher = hashlib.sha256()
                written = 0
                with zf.open(info, "w", force_zip64=data.size > zipfile.ZIP64_LIMIT) as w:
                    for chunk in data.chunks():
                        hasher.update(chunk)
                        written += len(chunk)
                        w.write(chunk)
                        yield sink.take()
                if written != data.size or hasher.hexdigest() != data.sha256:
                    raise StructureError(f"{name} changed after it was checked")
                yield sink.take()
        yield sink.take()

    return Streamed(order, manifest_bytes, digest, pieces())
