"""The export plan: the preview of a bundle, computed entirely in memory.

``build_plan`` applies every rule (selection, withholding, pseudonyms, rewriting,
detectors, attachment sanitizing) and returns a :class:`Plan`: every record as the partner
will see it, what was withheld, redacted and detected, each attachment's fate, and the
identifiers the leak gate must look for. Nothing is written; sealing is a separate step
(:mod:`vault.export.service`) that may only take a plan.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crypto.schedule import Purpose
from vault.errors import InvalidInput, PolicyRefused
from vault.export.bundle import SAFE_NAME
from vault.export.pseudonym import Pseudonyms, audience
from vault.export.recipients import Recipient
from vault.export.redact import Finding, Owner, RecordView, Redactor, collect
from vault.export.sanitize import Sanitized, Unsanitizable, kind_of, sanitize
from vault.records.model import Record
from vault.records.spec import Level

Progress = Callable[[int, int], None]


class Cancelled(InvalidInput):
    """The user cancelled the export; nothing was written."""


@dataclass
class AttachmentPlan:
    """What happens to one attachment of a selected record."""

    attachment_id: str
    record_id: str
    status: str
    """``included``, ``withheld`` (level or a source's recording), ``skipped``
    (unsanitizable, with --skip-unsanitizable) or ``refused`` (unsanitizable)."""
    reason: str = ""
    path: str | None = None
    """Its name in the bundle when included."""
    clean: Sanitized | None = field(default=None, repr=False)


@dataclass
class Plan:
    """A bundle, previewed. Build with :func:`build_plan`; seal with the export service."""

    bundle_id: str
    created: datetime
    clearance: Level
    recipients: list[Recipient]
    plain: bool
    views: list[RecordView]
    attachments: list[AttachmentPlan]
    gate_needles: list[tuple[str, Owner]] = field(repr=False)
    too_short: list[Owner]
    """Identifiers too short to search for safely (the report lists them)."""
    extra_documents: dict[str, bytes] = field(default_factory=dict, repr=False)
    """Generated documents (``dossier/<name>``), checked by the same gate."""
    unread_scripts: list[str] = field(default_factory=list)
    """Scripts of forbidden identifiers OCR cannot read in pictures (``ARABIC``…)."""

    @property
    def findings(self) -> list[Finding]:
        """Every detector finding, in record order."""
        return [f for v in self.views for f in v.findings]

    def refusals(self) -> list[AttachmentPlan]:
        """Attachments that stop the export (no sanitizer, not skipped)."""
        return [a for a in self.attachments if a.status == "refused"]

    def require_sealable(self) -> None:
        """PolicyRefused (exit 5) naming the first attachment that cannot be sanitized."""
        refused = self.refusals()
        if refused:
            first = refused[0]
            more = f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""
            raise PolicyRefused(
                f"attachment {first.attachment_id} of record {first.record_id} cannot be "
                f"sanitized: {first.reason}{more}; add --skip-unsanitizable to leave it out")

    def counts(self) -> dict[str, int]:
        """What the manifest and the audit say (counts only)."""
        return {
            "records": len(self.views),
            "withheld_fields": sum(len(v.withheld) for v in self.views),
            "redacted": sum(sum(v.redacted.values()) for v in self.views),
            "detected": len(self.findings),
            "released": sum(1 for f in self.findings if f.released),
            "attachments": sum(1 for a in self.attachments if a.status == "included"),
            "attachments_withheld": sum(1 for a in self.attachments
                                        if a.status in ("withheld", "skipped")),
            "documents": len(self.extra_documents),
        }


@dataclass(frozen=True)
class Selection:
    """Which records: a case (with the case itself), explicit ids, or everything."""

    case: str | None = None
    ids: tuple[str, ...] = ()


def select(records_service: Any, selection: Selection) -> list[str]:
    """Vault ids of the selected records, in a stable order (InvalidInput when empty)."""
    if selection.case and selection.ids:
        raise InvalidInput("choose either --case or --ids, not both")
    if selection.case:
        case_id = records_service.resolve(selection.case)
        chosen = [case_id, *(s.id for s in records_service.list(case=case_id))]
    elif selection.ids:
        chosen = [records_service.resolve(i) for i in selection.ids]
    else:
        chosen = [s.id for s in records_service.list()]
    unique = list(dict.fromkeys(chosen))
    if not unique:
        raise InvalidInput("the selection is empty: there is nothing to export")
    return unique


def _is_source_recording(head: bytes, record: Record, by_id: Mapping[str, Record]) -> bool:
    if kind_of(head) not in ("audio", "video"):
        return False
    if record.kind == "source":
        return True
    interviewee = by_id.get(str(record.fields.get("source", "")))
    return record.kind == "testimony" and (interviewee is None or interviewee.kind == "source")


def build_plan(vault: Any, *, clearance: Level, recipients: list[Recipient], plain: bool,
               selection: Selection, include_attachments: bool = False,
               skip_unsanitizable: bool = False, released: Iterable[str] = (),
               extra_documents: Mapping[str, bytes] | None = None,
               progress: Progress | None = None,
               cancel: threading.Event | None = None,
               keep_pdf_text: Iterable[str] = (), reencode_media: bool = False) -> Plan:
    """The preview of one bundle (see the module docstring)."""
    if plain and clearance != Level.PUBLIC:
        raise InvalidInput("only a public bundle may be written unencrypted (--plain)")
    if not plain and not recipients:
        raise InvalidInput("name at least one recipient with --to")
    if clearance == Level.PRIVATE:
        raise InvalidInput("private data never leaves the device; the clearance is public "
                           "or partner")
    docs = dict(extra_documents or {})
    for name in docs:
        if not SAFE_NAME.match(f"dossier/{name}"):
            raise InvalidInput("a generated document has a name a bundle cannot hold")
    records = vault.service("records")
    chosen = select(records, selection)
    by_id = {r.id: r for r in records.iter_records()}
    registry = records.registry
    ids = collect(by_id.values(), registry, clearance)
    context = audience([r.age_key for r in recipients], plain)
    pseudonyms = Pseudonyms(vault.derived_key(Purpose.PSEUDONYM, context))
    redactor = Redactor(registry, clearance, pseudonyms, ids, by_id.get,
                        vault.derived_key(Purpose.PSEUDONYM, b"evault/findings"), released)
    attachments_service = vault.service("attachments") if include_attachments else None
    keep_text = {attachments_service.resolve(a) for a in keep_pdf_text} \
        if attachments_service is not None else set()
    total = len(chosen)
    views: list[RecordView] = []
    planned: list[AttachmentPlan] = []
    for done, rid in enumerate(chosen, start=1):
        if cancel is not None and cancel.is_set():
            raise Cancelled("the export was cancelled; nothing was written")
        record = by_id[rid]
        view = redactor.view(record)
        if attachments_service is not None:
            for att in attachments_service.list(rid):
                item = _plan_attachment(attachments_service, att, record, by_id, clearance,
                                        pseudonyms, skip_unsanitizable,
                                        att.id in keep_text, reencode_media, cancel)
                planned.append(item)
                if item.clean is not None and item.path is not None:
                    view.attachments.append({"file": item.path,
                                             "media_type": item.clean.media_type})
        views.append(view)
        if progress is not None:
            progress(done, total)
    needles = [*ids.forbidden_values,
               *((value, Owner(f.record_id, f"finding:{f.kind}", f.field, Level.PRIVATE,
                               False)) for value, f in redactor.unreleased)]
    from vault.export.seen import check_planned

    unread = check_planned(planned, needles, skip_unsanitizable)
    dropped = {a.path for a in planned if a.status != "included" and a.path}
    for view in views:  # a picture left out for what it shows is not listed either
        view.attachments[:] = [a for a in view.attachments if a["file"] not in dropped]
    return Plan(secrets.token_hex(8), vault.clock(), clearance, recipients, plain, views,
                planned, needles, ids.forbidden.too_short, docs, unread)


def _plan_attachment(service: Any, att: Any, record: Record, by_id: Mapping[str, Record],
                     clearance: Level, pseudonyms: Pseudonyms,
                     skip: bool, keep_text: bool = False, reencode: bool = False,
                     cancel: threading.Event | None = None) -> AttachmentPlan:
    item = AttachmentPlan(att.id, record.id, "withheld")
    if Level(att.level) > clearance:
        item.reason = f"its level is {Level(att.level).value}"
        return item
    chunks = service.open_stream(att.id)  # verified chunk by chunk while read
    head = next(chunks, b"")
    if _is_source_recording(head, record, by_id):
        item.reason = "a recording of a protected source is never exported"
        return item
    try:
        if kind_of(head) in ("audio", "video"):
            from itertools import chain

            from vault.export.media import sanitize_media

            # Streamed into an unnamed file: a recording is never held whole in memory.
            item.clean = sanitize_media(chain([head], chunks), head, reencode=reencode,
                                        cancel=cancel)
        else:
            data = head + b"".join(chunks)
            item.clean = sanitize(data, keep_pdf_text=keep_text)
    except Unsanitizable as exc:
        item.status, item.reason = ("skipped" if skip else "refused"), exc.reason
        return item
    item.status = "included"
    item.path = f"attachments/{pseudonyms.attachment_id(att.id)}.{item.clean.extension}"
    return item
