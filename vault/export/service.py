"""The export service (``vault.services.export``): recipients, plan, seal.

``plan(...)`` is the preview; ``seal(plan, out)`` assembles the zip in memory, runs the
leak gate over every byte, encrypts to every recipient with age (or, for a public bundle
with ``plain``, leaves it a signed zip) and writes it atomically. A refusal at any step
writes nothing. Documents generated elsewhere (the sanctions dossier of issue 7) enter
through ``documents=`` on :meth:`ExportService.plan` and pass the same gate.

pyrage holds the GIL while it encrypts: fine for the CLI; the TUI should seal in a worker
thread and accept that its event loop stalls for the duration of that one call.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from vault import fsutil
from vault.errors import InvalidInput
from vault.export import bundle as bundle_format
from vault.export import sealing
from vault.export.gate import Gate, LeakFound
from vault.export.plan import Cancelled, Plan, Selection, build_plan
from vault.export.recipients import Recipients, parse_age_key
from vault.records.spec import Level

if TYPE_CHECKING:
    from vault.session import Vault

Progress = Callable[[int, int], None]


def tool_version() -> str:
    """This program's version, for the manifest."""
    try:
        return metadata.version("evidence-vault")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a checkout
        return "0.0.0"


@dataclass(frozen=True)
class Sealed:
    """A bundle written to disk."""

    bundle_id: str
    path: Path
    size: int
    manifest_sha256: str
    counts: dict[str, int]


def bundle_files(plan: Plan, registry: Any, public_key_line: str) -> dict[str, bytes]:
    """Every file of the bundle but the manifest and its signature (recordings, which
    stay on disk, are in :func:`large_files`)."""
    created = plan.created.isoformat(timespec="seconds")
    files: dict[str, bytes] = {
        bundle_format.README: bundle_format.readme(plan.bundle_id, plan.clearance.value,
                                                   created, public_key_line, plan.plain)}
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for view in plan.views:
        doc = view.to_json()
        files[f"records/{view.id}.json"] = bundle_format.record_json(doc)
        by_kind.setdefault(view.kind, []).append(doc)
    for kind, docs in by_kind.items():
        order = list(registry.type(kind).fields)
        files[f"records/{kind}.csv"] = bundle_format.records_csv(docs, order)
    for item in plan.attachments:
        if item.status == "included" and item.clean is not None and item.path is not None \
                and item.clean.media is None:
            files[item.path] = item.clean.data
    for name, data in plan.extra_documents.items():
        files[f"dossier/{name}"] = data
    return files


def large_files(plan: Plan) -> dict[str, bundle_format.LargeFile]:
    """The cleaned recordings of the bundle, by their name in it."""
    return {item.path: item.clean.media for item in plan.attachments
            if item.status == "included" and item.clean is not None and
            item.path is not None and item.clean.media is not None}


def check_seen(gate: Gate, name: str, data: bytes) -> None:
    """What a bundle's pictures and PDF attachments show or draw, through the gate
    (LeakFound); attachment PDFs also pass their stricter structure check."""
    if not name.startswith("attachments/"):
        return
    from vault.export.seen import scan_seen  # pikepdf and OCR: loaded only when needed

    if name.endswith(".pdf"):
        from vault.export.sanitize_pdf import check_attachment_pdf

        check_attachment_pdf(data)
    leaks = scan_seen(gate, name, data)
    if leaks:
        raise LeakFound(leaks)


class ExportService:
    """Export for one unlocked vault."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    @property
    def recipients(self) -> Recipients:
        """The recipients table."""
        return Recipients(self.vault.store)

    def plan(self, *, clearance: str | Level, to: Iterable[str] = (), plain: bool = False,
             case: str | None = None, ids: Iterable[str] = (),
             include_attachments: bool = False, skip_unsanitizable: bool = False,
             release: Iterable[str] = (), documents: Mapping[str, bytes] | None = None,
             progress: Progress | None = None,
             cancel: threading.Event | None = None, keep_pdf_text: Iterable[str] = (),
             reencode_media: bool = False) -> Plan:
        """The preview of a bundle (see :func:`vault.export.plan.build_plan`).

        ``to`` holds recipient names or ``age1…`` keys; ``release`` finding ids to leave
        unredacted; ``documents`` generated files (name → bytes) that travel under
        ``dossier/`` and are checked by the gate like everything else; ``keep_pdf_text``
        attachment ids whose PDF is rewritten keeping its text instead of redrawn;
        ``reencode_media`` re-encodes audio and video instead of remuxing them.
        """
        try:
            level = Level(clearance)
        except ValueError:
            raise InvalidInput("the clearance is public or partner") from None
        recipients = self.recipients.resolve(list(to)) if to else []
        return build_plan(self.vault, clearance=level, recipients=recipients, plain=plain,
                          selection=Selection(case, tuple(ids)),
                          include_attachments=include_attachments,
                          skip_unsanitizable=skip_unsanitizable, released=release,
                          extra_documents=documents, progress=progress, cancel=cancel,
                          keep_pdf_text=keep_pdf_text, reencode_media=reencode_media)

    def seal(self, plan: Plan, out: Path, *, progress: Progress | None = None,
             cancel: threading.Event | None = None) -> Sealed:
        """Gate, encrypt, write atomically. PolicyRefused (exit 5) when the gate finds
        anything or an attachment cannot be sanitized; nothing is written then."""
        out = Path(out)
        plan.require_sealable()
        if out.exists() or out.is_symlink():
            raise InvalidInput(f"{out} already exists; choose a new file name")
        if not out.parent.is_dir():
            raise InvalidInput(f"the folder {out.parent} does not exist")

        def step(done: int) -> None:
            if cancel is not None and cancel.is_set():
                raise Cancelled("the export was cancelled; nothing was written")
            if progress is not None:
                progress(done, 4)

        key = self.vault.signing_key()
        step(0)
        files = bundle_files(plan, self.vault.services.records.registry,
                             key.public_key().base64_line())
        large = large_files(plan)
        if large:
            return self._seal_streamed(plan, out, files, large, key, step, cancel)
        assembled = bundle_format.assemble(
            files, bundle_id=plan.bundle_id, created=plan.created,
            clearance=plan.clearance.value, counts=plan.counts(), key=key,
            tool_version=tool_version(),
            recipients=[] if plan.plain else [r.age_key for r in plan.recipients])
        step(1)
        gate = plan.gate()
        gate.check(assembled.zip, assembled.names)  # THE LEAK GATE
        for name, data in files.items():  # ... and what the pictures and pages show
            check_seen(gate, name, data)
        step(2)
        if plan.plain:
            data = assembled.zip
        else:
            keys = [parse_age_key(r.age_key) for r in plan.recipients]
            data = pyrage.encrypt(assembled.zip, keys)
        step(3)
        counts = plan.counts()
        names = [r.name for r in plan.recipients]
        written = False
        try:
            with self.vault.store.transaction("sealing an export bundle") as tx:
                _record_seal(tx, plan, names, counts, assembled.manifest_sha256)
                fsutil.write_new(out, data, what="writing the bundle")  # a kill leaves nothing
                written = True
        except BaseException:
            if written:  # the audit did not commit: take the file back
                with contextlib.suppress(OSError):
                    out.unlink()
            raise
        step(4)
        return Sealed(plan.bundle_id, out, len(data), assembled.manifest_sha256, counts)

    def _seal_streamed(self, plan: Plan, out: Path, files: dict[str, bytes],
                       large: dict[str, bundle_format.LargeFile], key: Any,
                       step: Callable[[int], None],
                       cancel: threading.Event | None) -> Sealed:
        """As :meth:`seal`, for a bundle holding recordings: gated and encrypted while
        written (:mod:`vault.export.sealing`), never whole in memory."""
        from vault.export.media import check_media

        gate = plan.gate()

        def check_file(name: str, data: bytes) -> None:
            leaks = gate.scan_file(name, data)
            if leaks:
                raise LeakFound(leaks)
            check_seen(gate, name, data)

        def check_large(name: str, media: Any) -> None:
            check_media(media)

        streamed = bundle_format.stream(
            {**files, **large}, bundle_id=plan.bundle_id, created=plan.created,
            clearance=plan.clearance.value, counts=plan.counts(), key=key,
            tool_version=tool_version(), check_file=check_file, check_large=check_large,
            recipients=[] if plan.plain else [r.age_key for r in plan.recipients])
        step(1)
        keys = None if plan.plain else [parse_age_key(r.age_key) for r in plan.recipients]
        fd, size = sealing.write_sealed(streamed, gate, keys, out, cancel=cancel)
        step(3)
        counts = plan.counts()
        names = [r.name for r in plan.recipients]
        try:
            with self.vault.store.transaction("sealing an export bundle") as tx:
                _record_seal(tx, plan, names, counts, streamed.manifest_sha256)
                sealing.name(fd, out)  # named last: a refused commit leaves nothing
                fd = -1
        except BaseException:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
            else:
                with contextlib.suppress(OSError):
                    out.unlink()
            raise
        step(4)
        return Sealed(plan.bundle_id, out, size, streamed.manifest_sha256, counts)



def _record_seal(tx: Any, plan: Plan, names: list[str], counts: dict[str, int],
                 manifest_sha256: str) -> None:
    """The sealed bundle's row and audit entry (ids and counts, never content): the same
    for in-memory and streamed bundles."""
    tx.execute(
        "INSERT INTO bundles_sealed(bundle_id, created, clearance, recipients, "
        "counts, manifest_sha256) VALUES (?,?,?,?,?,?)",
        (plan.bundle_id, plan.created.isoformat(timespec="seconds"),
         plan.clearance.value, json.dumps(names, ensure_ascii=False),
         json.dumps(counts), manifest_sha256))
    tx.audit("export.seal", bundle_id=plan.bundle_id, clearance=plan.clearance.value,
             recipients=names, plain=plan.plain, counts=counts)

