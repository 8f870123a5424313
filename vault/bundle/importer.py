"""Importing a verified bundle into the partner's own vault.

- All or nothing: every record, its provenance row and the audit entry are written in one
  transaction through the records service's own insert path (validation, links, search
  index and audit included).
- Idempotent: a bundle id already imported is a no-op; a record a sender already sent
  (bundle record ids are stable per audience) is found again rather than duplicated.
- Records keep their pseudonyms: a person or source the sender could not name is stored
  under its pseudonym (``name`` of a person, the working ``label`` of a source).
- Provenance: each record's sender key and bundle id (table ``bundle_records``) and each
  bundle's sender key, whether that key was pinned with ``--signer``, and its time.
- References to records outside the bundle become stub records for people and sources
  (named by their pseudonym) and are dropped otherwise; fields this vault does not know
  (a sender's custom fields) are dropped; attachments stay in the bundle (use ``bundle
  open``): the attachments service ingests files from disk and a bundle's plaintext must
  not be written to disk for that. All of this is counted in the result.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vault.bundle import senders
from vault.bundle.verify import Verified
from vault.errors import IntegrityError, PolicyRefused
from vault.export.bundle import RECORD_FORMAT
from vault.records.spec import FieldKind
from vault.store import Transaction

if TYPE_CHECKING:
    from vault.session import Vault

_RECORD_FILE = re.compile(r"^records/([0-9a-f]{16})\.json$")
_STUB_FIELD = {"person": "name", "source": "label"}


@dataclass(frozen=True)
class Imported:
    """What an import did (counts only)."""

    bundle_id: str
    already: bool
    added: int = 0
    reused: int = 0
    stubs: int = 0
    skipped: int = 0
    """Records whose required fields were withheld by the sender."""
    dropped_fields: int = 0
    dropped_references: int = 0
    attachments_left: int = 0


def _docs(bundle: Verified, registry: Any) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    for name, body in bundle.files.items():
        m = _RECORD_FILE.match(name)
        if m is None:
            continue
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise IntegrityError(f"{name} is not valid JSON") from None
        if not (isinstance(doc, dict) and doc.get("format") == RECORD_FORMAT
                and doc.get("id") == m.group(1) and isinstance(doc.get("kind"), str)
                and registry.has(doc["kind"]) and isinstance(doc.get("fields"), dict)
                and isinstance(doc.get("label"), str)
                and isinstance(doc.get("references", {}), dict)):
            raise IntegrityError(f"{name} is not an evault record this vault can import")
        docs[doc["id"]] = doc
    return docs


class _Importer:
    def __init__(self, vault: Vault, bundle: Verified) -> None:
        self.records = vault.services.records
        self.registry = self.records.registry
        self.store = vault.store
        self.bundle = bundle
        self.docs = _docs(bundle, self.registry)
        self.local: dict[str, str] = {
            str(b): str(lid) for b, lid in self.store.query(
                "SELECT bundle_record_id, local_id FROM bundle_records WHERE sender_key = ?",
                (bundle.sender_key,))}
        self.reused = sum(1 for d in self.docs if d in self.local)
        self.added = self.stubs = self.skipped = self.dropped_fields = self.dropped_refs = 0

    def run(self, tx: Transaction) -> None:
        # Records go in through RecordService.insert, inside this one transaction, so
        # the whole bundle (records, stubs, provenance) commits or rolls back as one.
        state: dict[str, str] = {}
        for bid in sorted(self.docs):
            self._visit(tx, bid, state)

    def _visit(self, tx: Transaction, bid: str, state: dict[str, str]) -> None:
        # Depth first with an explicit stack, not recursion: a chain of references is as
        # long as the sender makes it, and 1,000 links overflowed Python's stack.
        if bid in self.local or state.get(bid):
            return
        state[bid] = "visiting"  # a cycle's back edge is dropped, never followed twice
        stack = [(bid, iter(_refs(self.docs[bid], self.registry)))]
        while stack:
            current, targets = stack[-1]
            for target in targets:
                if target in self.docs and target not in state and target not in self.local:
                    state[target] = "visiting"
                    stack.append((target, iter(_refs(self.docs[target], self.registry))))
                    break
            else:
                stack.pop()
                self._insert(tx, self.docs[current])
                state[current] = "done"

    def _map_ref(self, tx: Transaction, target: str, doc: dict[str, Any]) -> str | None:
        if target in self.local:
            return self.local[target]
        info = doc.get("references", {}).get(target)
        if target not in self.docs and isinstance(info, dict) and \
                info.get("kind") in _STUB_FIELD and isinstance(info.get("label"), str):
            local = self._store(tx, info["kind"], {_STUB_FIELD[info["kind"]]: info["label"]})
            self.local[target] = local
            self._provenance(tx, target, local)
            self.stubs += 1
            return local
        self.dropped_refs += 1
        return None

    def _insert(self, tx: Transaction, doc: dict[str, Any]) -> None:
        kind = doc["kind"]
        rtype = self.registry.type(kind)
        data: dict[str, Any] = {}
        for name, value in doc["fields"].items():
            spec = rtype.fields.get(name)
            if spec is None:
                self.dropped_fields += 1
                continue
            if spec.kind == FieldKind.REFERENCE:
                items = value if isinstance(value, list) else [value]
                mapped = [m for m in (self._map_ref(tx, str(v), doc) for v in items) if m]
                if not mapped:
                    continue
                value = mapped if spec.multi else mapped[0]
            data[name] = value
        stub_field = _STUB_FIELD.get(kind)
        if stub_field and not any(data.get(f) for f in ("name", "name_original", stub_field)):
            data[stub_field] = doc["label"]  # the pseudonym stays the record's name
        if any(spec.required and name not in data for name, spec in rtype.fields.items()):
            self.skipped += 1
            return
        local = self._store(tx, kind, data)
        self.local[doc["id"]] = local
        self._provenance(tx, doc["id"], local)
        self.added += 1

    def _store(self, tx: Transaction, kind: str, data: dict[str, Any]) -> str:
        return self.records.insert(tx, kind, data)

    def _provenance(self, tx: Transaction, bid: str, local: str) -> None:
        tx.execute("INSERT INTO bundle_records(sender_key, bundle_record_id, local_id, "
                   "bundle_id) VALUES (?,?,?,?)",
                   (self.bundle.sender_key, bid, local, self.bundle.bundle_id))


def _refs(doc: dict[str, Any], registry: Any) -> list[str]:
    rtype = registry.type(doc["kind"])
    found: list[str] = []
    for name, value in doc["fields"].items():
        spec = rtype.fields.get(name)
        if spec is not None and spec.kind == FieldKind.REFERENCE:
            found.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return found


def import_verified(vault: Vault, bundle: Verified, trust_as: str | None = None) -> Imported:
    """Import a verified bundle (see the module docstring) from a known sender, or from a
    new one the user trusts as ``trust_as`` (see :mod:`vault.bundle.senders`)."""
    store = vault.store
    now = store.clock().isoformat(timespec="seconds")
    senders.resolve(store, bundle.sender_key, trust_as)  # refuse before any work
    if bundle.encrypted and bundle.addressed_to_reader is False:
        raise PolicyRefused("this bundle's signed manifest does not name your key among its "
                            "recipients: someone re-encrypted it to you; nothing was imported")
    if store.query_one("SELECT 1 FROM bundles_imported WHERE bundle_id = ? AND sender_key = ?",
                       (bundle.bundle_id, bundle.sender_key)):
        return Imported(bundle.bundle_id, already=True)
    importer = _Importer(vault, bundle)
    attachments = sum(1 for n in bundle.files if n.startswith("attachments/"))
    with store.transaction("importing a bundle") as tx:
        sender = senders.resolve(store, bundle.sender_key, trust_as, tx, now)
        importer.run(tx)
        tx.execute("INSERT INTO bundles_imported(bundle_id, sender_key, signer_pinned, "
                   "created, imported, records) VALUES (?,?,?,?,?,?)",
                   (bundle.bundle_id, bundle.sender_key, int(bundle.signer_pinned),
                    bundle.created, now, importer.added))
        tx.audit("bundle.import", bundle_id=bundle.bundle_id, sender=sender.name,
                 sender_key=bundle.sender_key, signer_pinned=bundle.signer_pinned,
                 added=importer.added, reused=importer.reused, stubs=importer.stubs)
    return Imported(bundle.bundle_id, False, importer.added, importer.reused, importer.stubs,
                    importer.skipped, importer.dropped_fields, importer.dropped_refs,
                    attachments)
