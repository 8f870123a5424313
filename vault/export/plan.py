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

from vault.errors import InvalidInput, PolicyRefused
from vault.export.audience import Audience
from vault.export.bundle import SAFE_NAME
from vault.export.gate import Gate
from vault.export.pseudonym import Pseudonyms
from vault.export.recipients import Recipient
from vault.export.redact import Finding, Owner, RecordView
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
    gate_exempt: dict[str, set[str]] = field(default_factory=dict, repr=False)
    """Bundle record id → values its structured fields keep by a 'different people'
    decision (:mod:`vault.export.decisions`)."""
    ordinary_words: list[Owner] = field(default_factory=list)
    """Protected aliases that are ordinary words (they will redact ordinary text)."""
    audience: Audience | None = field(default=None, repr=False)
    """What built the plan; the seal asks it for the gate (one matcher, built once)."""

    def gate(self) -> Gate:
        """The leak gate for this plan (the audience's, when the plan has one)."""
        if self.audience is not None:
            return self.audience.gate()
        return Gate(self.gate_needles, self.gate_exempt)

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
    records = vault.services.records
    chosen = select(records, selection)
    aud = Audience(vault, clearance, [r.age_key for r in recipients], plain, released)
    pseudonyms = aud.pseudonyms
    redactor = aud.redactor
    attachments_service = vault.services.attachments if include_attachments else None
    keep_text = {attachments_service.resolve(a) for a in keep_pdf_text} \
        if attachments_service is not None else set()
    total = len(chosen)
    views: list[RecordView] = []
    planned: list[AttachmentPlan] = []
    for done, rid in enumerate(chosen, start=1):
        if cancel is not None and cancel.is_set():
            raise Cancelled("the export was cancelled; nothing was written")
        if (done - 1) % 500 == 0:
            aud.load(chosen[done - 1:done + 499])  # a batch of the selection per query
        record = aud.record(rid)
        if record is None:
            raise InvalidInput(f"record {rid} was deleted while the export was prepared")
        view = redactor.view(record)
        if attachments_service is not None:
            for att in attachments_service.list(rid):
                item = _plan_attachment(attachments_service, att, record, aud,
                                        pseudonyms, skip_unsanitizable,
                                        att.id in keep_text, reencode_media, cancel)
                planned.append(item)
                if item.clean is not None and item.path is not None:
                    view.attachments.append({"file": item.path,
                                             "media_type": item.clean.media_type})
        views.append(view)
        if progress is not None:
            progress(done, total)
    aud.require_no_collisions()
    from vault.export.ordinary import ordinary_aliases
    from vault.export.seen import check_planned

    gate = aud.gate()
    unread = check_planned(planned, gate, [v for v, _owner in aud.ids.stored_values],
                           skip_unsanitizable)
    dropped = {a.path for a in planned if a.status != "included" and a.path}
    for view in views:  # a picture left out for what it shows is not listed either
        view.attachments[:] = [a for a in view.attachments if a["file"] not in dropped]
    return Plan(secrets.token_hex(8), vault.clock(), clearance, recipients, plain, views,
                planned, aud.needles(), aud.ids.forbidden.too_short, docs,
                unread_scripts=unread, gate_exempt=aud.exemptions(),
                ordinary_words=ordinary_aliases(aud.ids.stored_values), audience=aud)


def _plan_attachment(service: Any, att: Any, record: Record, aud: Audience,
                     pseudonyms: Pseudonyms, skip: bool, keep_text: bool = False,
                     reencode: bool = False,
                     cancel: threading.Event | None = None) -> AttachmentPlan:
    item = AttachmentPlan(att.id, record.id, "withheld")
    if not aud.may_see(att.level):
        item.reason = f"its level is {Level(att.level).value}"
        return item
    chunks = service.open_stream(att.id)  # verified chunk by chunk while read
    head = next(chunks, b"")
    if not aud.file_may_ship(att.level, _media_type(head), record):
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


def _media_type(data: bytes) -> str:
    kind = kind_of(data)
    return f"{kind}/" if kind in ("audio", "video") else "application/octet-stream"

