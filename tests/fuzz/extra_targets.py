"""Fuzz targets for the feature modules: the bundle reader, the importers, record
validation and the minisign signature parser.

Each target states the errors that are the *right* way to fail; anything else (a
``KeyError``, a ``RecursionError``, a ``ValueError`` from a parser, a hang) is a finding,
and every finding becomes a case under ``tests/corpus/bad/``. Targets that need a vault
(record validation looks references up; the importers validate each row; a bundle import
writes records) share one real vault, made on first use in a temporary folder with the
insecure test KDF parameters, holding a few records to refer to.

The first byte of an input picks a mode, so one target covers a layer's entry points and
libFuzzer learns which byte leads where.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl  # noqa: F401 - imported here so that atheris instruments it

from crypto import kdf
from crypto.errors import MalformedData
from crypto.signing import (
    PublicKey,
    SignatureInvalid,
    SigningKey,
    sign_prehashed,
    verify,
    verify_file,
)
from tests.fuzz.targets import register
from vault.bundle.importer import import_verified
from vault.bundle.reader import read_zip
from vault.bundle.verify import verify_bytes
from vault.errors import InvalidInput, VaultError
from vault.export.bundle import FORMAT, RECORD_FORMAT, trusted_comment
from vault.importer import plan
from vault.importer.encoding import decode
from vault.records.errors import PinnedField
from vault.records.present import from_text
from vault.records.registry import BUILTIN
from vault.records.validate import clean_record
from vault.session import Vault

_KEY = SigningKey.from_bytes(bytes(range(40)))  # fixed test key: signatures are fuzz input
_MESSAGE = b"evault fuzz message\n"
_SUFFIXES = [".csv", ".jsonl", ".xlsx", ".tsv", ".json", ".txt"]
_PREFIX = "evault-fuzz-vault-"
_ENCODINGS = ["utf-8", "gb18030", "utf-16", "cp1252", "latin-1", "no-such-codec"]


class _Shared:
    """The lazily made vault and scratch folder (nothing is made at import time: the
    short CI run imports this module only to list the targets)."""

    vault: Vault | None = None
    folder: Path | None = None
    ids: dict[str, list[str]] = {}

    @classmethod
    def records(cls) -> Any:
        if cls.vault is None:
            # The vault holds only fuzz data. libFuzzer ends the process without running
            # atexit handlers, so each run removes the folders of runs that have ended.
            _sweep()
            cls.folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
            created = Vault.create(cls.folder / "vault", "fuzz passphrase",
                                   params=kdf.INSECURE_TEST_PARAMS)
            cls.vault = created.vault
            records = cls.vault.services.records
            person = records.add("person", {"name": "Fuzz Person"})
            source = records.add("source", {"label": "Fuzz Source"})
            act = records.add("act", {"type": "torture", "victims": [person]})
            cls.ids = {"person": [person], "source": [source], "act": [act]}
        return cls.vault.services.records

    @classmethod
    def scratch(cls, suffix: str) -> Path:
        cls.records()
        assert cls.folder is not None
        return cls.folder / f"input{suffix}"


def _sweep(prefix: str = _PREFIX) -> None:
    """Remove the ``{prefix}{pid}-…`` folders of processes that have ended."""
    for folder in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        pid = folder.name[len(prefix):].split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            continue  # a live process of another user


# -- the bundle reader -------------------------------------------------------------------

def _signed_zip(manifest: bytes, files: dict[str, bytes]) -> bytes:
    """A zip whose manifest is signed by the fuzz key, with the trusted comment the
    manifest calls for when it names a bundle id and a time."""
    digest = hashlib.sha256(manifest).hexdigest()
    try:
        doc = json.loads(manifest)
        comment = trusted_comment(str(doc["bundle_id"]), str(doc["created"]), digest)
        signature = sign_prehashed(_KEY, manifest, comment)
    except Exception:  # noqa: BLE001 - any manifest: a comment that then fails to match
        signature = sign_prehashed(_KEY, manifest, "not this manifest")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", manifest)
        zf.writestr("manifest.json.minisig", signature)
        for name, body in files.items():
            zf.writestr(name, body)
    return out.getvalue()


def _manifest_for(files: dict[str, bytes], bundle_id: str) -> bytes:
    return json.dumps({
        "format": FORMAT, "bundle_id": bundle_id, "created": "2020-01-01T00:00:00+00:00",
        "clearance": "partner", "tool": "fuzz", "counts": {},
        "sender_key": _KEY.public_key().base64_line(),
        "files": [{"path": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                  for n, b in sorted(files.items())]}).encode()


def fuzz_bundle(data: bytes) -> None:
    """Mode 0: arbitrary bytes as the decrypted zip (structure checks, then the whole
    verification). Mode 1: arbitrary bytes as a manifest that is validly signed. Mode 2:
    arbitrary bytes as a record file in a validly signed and hashed bundle, then imported
    into the fuzz vault (a malicious sender can sign anything). Only VaultError."""
    if not data:
        return
    mode, body = data[0] % 3, data[1:]
    try:
        if mode == 0:
            read_zip(body)
            verify_bytes(body, None)
        elif mode == 1:
            verify_bytes(_signed_zip(body, {"README.txt": b"fuzz\n"}), None)
        else:
            files = {"records/aaaaaaaaaaaaaaaa.json": body,
                     "records/bbbbbbbbbbbbbbbb.json": _record_file()}
            bundle_id = hashlib.sha256(body).hexdigest()[:16]
            verified = verify_bytes(_signed_zip(_manifest_for(files, bundle_id), files), None)
            _Shared.records()
            import_verified(_Shared.vault, verified)
    except VaultError:
        return


def _record_file() -> bytes:
    return json.dumps({"format": RECORD_FORMAT, "id": "bbbbbbbbbbbbbbbb", "kind": "source",
                       "label": "Source-FUZZ-0000", "fields": {}, "references": {}}).encode()


# -- the importers -----------------------------------------------------------------------

def fuzz_import(data: bytes) -> None:
    """Modes 0-5: the bytes as a file of each suffix (CSV, JSON Lines, XLSX, TSV, JSON,
    TXT), read and planned as person records with row-by-row validation. Mode 6: the
    encoding detector, undeclared and declared. Only InvalidInput (VaultError)."""
    if not data:
        return
    mode, body = data[0] % 7, data[1:]
    try:
        if mode == 6:
            decode(body)
            decode(body, _ENCODINGS[len(body) % len(_ENCODINGS)])
            return
        path = _Shared.scratch(_SUFFIXES[mode])
        path.write_bytes(body)
        kind = ("person", "act", "source")[len(body) % 3]
        plan(_Shared.records(), path, kind, validate=True)
    except VaultError:
        return


# -- record JSON validation --------------------------------------------------------------

def _value(fdp: Any, names: list[str], depth: int) -> Any:
    pick = fdp.ConsumeIntInRange(0, 11 if depth < 4 else 7)
    if pick == 0:
        return None
    if pick == 1:
        return fdp.ConsumeBool()
    if pick == 2:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 80))
    if pick == 3:
        return fdp.ConsumeFloat()
    if pick == 4:
        return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 64))
    if pick == 5:  # an id or a prefix of one
        ids = [i for group in _Shared.ids.values() for i in group] or ["0" * 16]
        full = ids[fdp.ConsumeIntInRange(0, len(ids) - 1)]
        return full[: fdp.ConsumeIntInRange(0, 16)]
    if pick == 6:  # something date-like or a vocabulary-like code
        return fdp.PickValueInList(["2020", "2020-02", "2020-02-29", "2021-02-29", "0000",
                                    "torture", "rsdl", "public", "private", "ordered",
                                    "9999-12-31", "2020-13", ""])
    if pick == 7:
        return fdp.PickValueInList(names) if names else ""
    if pick in (8, 9):
        return [_value(fdp, names, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    keys = names + ["organisation", "unit", "rank", "from", "to", "levels", "fields", "kind"]
    return {(fdp.PickValueInList(keys) if fdp.ConsumeBool() else fdp.ConsumeUnicode(8)):
            _value(fdp, names, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 5))}


def fuzz_record(data: bytes) -> None:
    """Mode 0: a JSON object built from the bytes (field names of the kind, levels,
    references to real records, values of every JSON type) through the records service's
    validation, and through ``clean_record`` as an edit. Mode 1: the bytes as text typed
    into a field (``from_text``, as ``edit --set`` and spreadsheet cells use it). Only
    InvalidInput (FieldError) or PinnedField."""
    import atheris  # type: ignore[import-untyped]  # here: collecting tests must not need it

    records = _Shared.records()
    fdp = atheris.FuzzedDataProvider(data)
    kinds = list(BUILTIN.kinds())
    kind = kinds[fdp.ConsumeIntInRange(0, len(kinds) - 1)]
    names = list(BUILTIN.type(kind).fields)
    try:
        if fdp.ConsumeIntInRange(0, 1) == 0:
            obj = {fdp.PickValueInList(names) if fdp.ConsumeIntInRange(0, 5) else
                   fdp.ConsumeUnicode(8): _value(fdp, names, 0)
                   for _ in range(fdp.ConsumeIntInRange(0, 8))}
            if fdp.ConsumeBool():
                obj["levels"] = _value(fdp, names, 3) if fdp.ConsumeBool() else {
                    fdp.PickValueInList(names): fdp.PickValueInList(
                        ["public", "partner", "private", "secret", 1, None])
                    for _ in range(fdp.ConsumeIntInRange(0, 3))}
            records.validate(kind, obj)
            clean_record(records.registry, kind, obj, records.lookup, partial=True)
        else:
            spec = records.registry.type(kind).fields[fdp.PickValueInList(names)]
            from_text(spec, fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes()))
    except (InvalidInput, PinnedField):
        return


# -- the minisign signature parser -------------------------------------------------------

_SIGNATURE = sign_prehashed(_KEY, _MESSAGE, "trusted fuzz comment")


def fuzz_signature(data: bytes) -> None:
    """Mode 0: arbitrary text as a ``.minisig`` for a fixed message and key (``verify``).
    Mode 1: the same through ``verify_file``. Mode 2: arbitrary text as a public key.
    Only MalformedData or SignatureInvalid."""
    if not data:
        return
    mode = data[0] % 3
    text = data[1:].decode("utf-8", "surrogateescape")  # lone surrogates included
    public = _KEY.public_key()
    try:
        if mode == 0:
            verify(public, _MESSAGE, text)
        elif mode == 1:
            verify_file(public, io.BytesIO(_MESSAGE), text)
        else:
            PublicKey.from_minisign(text)
    except (MalformedData, SignatureInvalid):
        return


register("bundle", fuzz_bundle)
register("import", fuzz_import)
register("record", fuzz_record)
register("signature", fuzz_signature)
