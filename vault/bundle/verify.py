"""Verifying a received bundle: signature, trusted comment, every file's size and hash.

The order matters: decrypt (wrong identity → exit 3), check the zip's directory
defensively (nothing inflated yet), read and check **the manifest and its signature
first** — against the key the user pinned with ``--signer``, or else against the key the
manifest names, which proves only that the bundle is intact, not who sent it (who sent it
is the known-senders list's job, :mod:`vault.bundle.senders`) — then the trusted comment
(it must name this bundle id, time and this manifest's hash), then that the zip holds
exactly the files the manifest lists, each streamed through SHA-256 in 1 MiB pieces and
compared with its listed size and hash (no entry is held whole while verifying). Any
failure is IntegrityError (exit 4) and nothing is written.

The signed manifest names the age recipients the sender encrypted to; the result says
whether the reader's identity is among them, so a bundle re-encrypted by one recipient to a
third party is seen for what it is.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crypto.errors import MalformedData
from crypto.signing import PublicKey, SignatureInvalid, verify
from vault.bundle.reader import Identity, ZipEntries, decrypt, read_bundle_file
from vault.errors import IntegrityError, InvalidInput
from vault.export.bundle import FORMAT, MANIFEST, SIGNATURE, trusted_comment

_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Verified:
    """A bundle whose every byte checked out (held in memory)."""

    bundle_id: str
    created: str
    clearance: str
    sender_key: str
    """The signer's minisign public key (base64 line)."""
    signer_pinned: bool
    """True when checked against ``--signer``; False: only against the manifest's key."""
    encrypted: bool
    manifest: dict[str, Any]
    files: Mapping[str, bytes]
    """Every file but the manifest and its signature, by name."""
    raw_manifest: bytes
    raw_signature: bytes
    recipients: tuple[str, ...] = ()
    """The age recipients the signed manifest names (empty: an older bundle or plain)."""
    addressed_to_reader: bool | None = None
    """Whether the reader's identity is among :attr:`recipients` (None: cannot tell)."""

    def addressed_line(self) -> str:
        """One line saying to whom the sender addressed the bundle."""
        if not self.encrypted:
            return "  addressed to: anyone (a plain bundle)"
        if self.addressed_to_reader is None:
            return "  addressed to: not stated (a bundle from an older evault)"
        if self.addressed_to_reader:
            return f"  addressed to: you (one of {len(self.recipients)} recipient(s))"
        return ("  addressed to: NOT you — the sender encrypted it to other keys, so someone "
                "re-encrypted it to you")

    def summary(self) -> list[str]:
        """Lines for the terminal (no content)."""
        counts = self.manifest.get("counts", {})
        who = "the key you gave (--signer)" if self.signer_pinned else \
            "the key named inside the bundle itself — this proves it is intact, not who " \
            "sent it; pin the sender's key with --signer"
        return [
            f"bundle {self.bundle_id}: created {self.created}, clearance {self.clearance}",
            f"  signature: valid, by {who}",
            f"  sender key: {self.sender_key}",
            self.addressed_line(),
            f"  {len(self.files)} file(s), every size and SHA-256 checked",
            "  " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        ]


def parse_signer(text: str) -> PublicKey:
    """A minisign public key given as a .pub file's path, its text, or its base64 line."""
    candidate = text.strip()
    path = Path(candidate)
    if len(candidate) < 4096 and path.is_file():
        candidate = path.read_text("utf-8", errors="replace")
    try:
        return PublicKey.from_minisign(candidate)
    except MalformedData:
        raise InvalidInput("--signer is not a minisign public key (the line after "
                           "'untrusted comment' in the sender's .pub file)") from None


def _manifest(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_MANIFEST_BYTES:
        raise IntegrityError("the bundle's manifest is implausibly large")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IntegrityError("the bundle's manifest is not valid JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise IntegrityError("the bundle's manifest is not an evault bundle manifest")
    if not isinstance(doc.get("bundle_id"), str) or not _HEX16.match(doc["bundle_id"]):
        raise IntegrityError("the bundle's manifest has no valid bundle id")
    for key in ("created", "clearance", "sender_key"):
        if not isinstance(doc.get(key), str):
            raise IntegrityError(f"the bundle's manifest has no {key}")
    files = doc.get("files")
    if not isinstance(files, list):
        raise IntegrityError("the bundle's manifest lists no files")
    for item in files:
        if not (isinstance(item, dict) and isinstance(item.get("path"), str)
                and isinstance(item.get("size"), int) and isinstance(item.get("sha256"), str)
                and _HEX64.match(item["sha256"])):
            raise IntegrityError("the bundle's manifest has a malformed file entry")
    return doc


def _recipients(manifest: dict[str, Any]) -> tuple[str, ...]:
    found = manifest.get("recipients", [])
    if not isinstance(found, list) or not all(isinstance(r, str) for r in found):
        raise IntegrityError("the bundle's manifest has a malformed recipient list")
    return tuple(found)


def _addressed(identity: Identity | None, recipients: tuple[str, ...],
               encrypted: bool) -> bool | None:
    if not encrypted or identity is None or not recipients:
        return None
    mine = {str(key.to_public()) for key in identity.keys}
    return bool(mine & set(recipients))


def verify_bytes(data: bytes, identity: Identity | None,
                 signer: PublicKey | None = None) -> Verified:
    """Verify a bundle held in memory (see the module docstring)."""
    zipped, encrypted = decrypt(data, identity)
    files = ZipEntries(zipped)
    if MANIFEST not in files or SIGNATURE not in files:
        raise IntegrityError("the bundle has no signed manifest; refused")
    if files.size(MANIFEST) > MAX_MANIFEST_BYTES or files.size(SIGNATURE) > 64 * 1024:
        raise IntegrityError("the bundle's manifest is implausibly large")
    raw_manifest, raw_sig = files[MANIFEST], files[SIGNATURE]
    files.hidden.update((MANIFEST, SIGNATURE))
    manifest = _manifest(raw_manifest)
    try:
        sender = PublicKey.from_minisign(manifest["sender_key"])
    except MalformedData:
        raise IntegrityError("the manifest's sender key is malformed") from None
    if signer is not None and sender.base64_line() != signer.base64_line():
        raise IntegrityError("the bundle was signed by a different key than --signer; "
                             "refused")
    key = signer or sender
    try:
        comment = verify(key, raw_manifest, raw_sig.decode("utf-8"))
    except (SignatureInvalid, MalformedData, UnicodeDecodeError):
        raise IntegrityError("the manifest's signature does not verify: the bundle was "
                             "altered or signed by another key; refused") from None
    digest = hashlib.sha256(raw_manifest).hexdigest()
    if comment != trusted_comment(manifest["bundle_id"], manifest["created"], digest):
        raise IntegrityError("the signed comment does not match this manifest; refused")
    recipients = _recipients(manifest)
    listed: dict[str, dict[str, Any]] = {}
    for item in manifest["files"]:
        if item["path"] in listed:
            raise IntegrityError("the manifest lists a file twice; refused")
        listed[item["path"]] = item
    missing = sorted(set(listed) - set(files))
    extra = sorted(set(files) - set(listed))
    if missing:
        raise IntegrityError(f"the manifest lists {len(missing)} file(s) missing from the "
                             f"bundle (first: {missing[0]}); refused")
    if extra:
        raise IntegrityError(f"the bundle holds {len(extra)} file(s) the manifest does not "
                             f"list (first: {extra[0]}); refused")
    for name, item in listed.items():
        hasher, total = hashlib.sha256(), 0
        for chunk in files.chunks(name):
            hasher.update(chunk)
            total += len(chunk)
        if total != item["size"] or hasher.hexdigest() != item["sha256"]:
            raise IntegrityError(f"{name} does not match the manifest's hash; refused")
    return Verified(manifest["bundle_id"], manifest["created"], manifest["clearance"],
                    sender.base64_line(), signer is not None, encrypted, manifest, files,
                    raw_manifest, raw_sig, recipients,
                    _addressed(identity, recipients, encrypted))


def verify_bundle(path: Path, identity: Identity | None,
                  signer: PublicKey | None = None) -> Verified:
    """Read and verify the bundle file at ``path``."""
    return verify_bytes(read_bundle_file(path), identity, signer)
