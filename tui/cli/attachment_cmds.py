"""Commands about attachments: attach, attachments, extract, detach, custody.

The file's name, note and metadata are private content: they are printed to the user here
(standard output, through :func:`safe`) and never written to a file by these commands.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.cli.context import Context, command, json_flag
from tui.cli.output import emit, emit_json, info, safe

if TYPE_CHECKING:
    from vault.attachments.model import Attachment
    from vault.audit import AuditEntry

_CAVEAT = ("note: the original was deleted the normal way; its bytes may stay on the disk "
           "until overwritten (and on SSDs even longer). See docs/attachments.md.")


def _progress_line(verb: str) -> Callable[[int, int], None] | None:
    """A progress line on stderr for a person at a terminal; nothing in scripts."""
    if not sys.stderr.isatty():
        return None
    last = [-1]

    def show(done: int, total: int) -> None:
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent != last[0]:
            last[0] = percent
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\r{verb}… {percent:3d}%{end}")
            sys.stderr.flush()
    return show


def _attach_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("record", metavar="ID", help="the record to attach the file to")
    p.add_argument("file", metavar="FILE", help="the file to encrypt into the vault")
    p.add_argument("--level", choices=["public", "partner", "private"], default=None,
                   help="how far the file may travel in bundles (default: private)")
    p.add_argument("--note", metavar="TEXT", default=None, help="a private note")
    p.add_argument("--no-read", action="store_true",
                   help="do not read the file's text (OCR of pictures and scans) into the "
                        "encrypted search index")
    p.add_argument("--remove-original", action="store_true",
                   help="after a verified ingest, delete the original file (a normal "
                        "delete: see docs/attachments.md)")


@command("attach", "encrypt a file into the vault, bound to a record; prints its id",
         _attach_args)
def cmd_attach(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        service = vault.services.attachments
        attachment: Attachment = service.attach(
            ctx.args.record, ctx.args.file, level=ctx.args.level, note=ctx.args.note,
            progress=_progress_line("encrypting"))
        emit(attachment.id)
        if not ctx.args.no_read:
            service.read_text(attachment.id, progress=_progress_line("reading its text"))
        if ctx.args.remove_original:
            service.remove_original(attachment.id, ctx.args.file)
            info(_CAVEAT)
    return 0


def _list_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("record", metavar="ID", help="the record whose attachments to list")
    json_flag(p)


def _line(value: Any) -> str:
    return safe(json.dumps(value, ensure_ascii=False, sort_keys=True), single_line=True)


@command("attachments", "list a record's attachments with their hash, name and metadata",
         _list_args)
def cmd_attachments(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        found: list[Attachment] = vault.services.attachments.list(ctx.args.record)
    if ctx.json:
        emit_json([a.to_json() for a in found])
        return 0
    for a in found:
        emit(f"{a.id}  {a.media_type}  {a.size} bytes  {a.level.value}  "
             f"{safe(a.name, single_line=True)}")
        emit(f"    sha256: {a.sha256}")
        emit(f"    ingested: {a.ingested}")
        if a.note:
            emit(f"    note: {safe(a.note, single_line=True)}")
        if a.metadata:
            emit(f"    metadata: {_line(a.metadata)}")
    if not found:
        info("no attachments")
    return 0


def _extract_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("attachment", metavar="ATTACHMENT", help="the attachment id")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="a new file to write, or - for standard output")


@command("extract", "decrypt an attachment to a new file (or - for stdout), verified",
         _extract_args)
def cmd_extract(ctx: Context) -> int:
    from vault.errors import InvalidInput
    out = ctx.args.out
    with ctx.unlocked_vault() as vault:
        service = vault.services.attachments
        if out == "-":
            sink = getattr(sys.stdout, "buffer", None)
            if sink is None:
                raise InvalidInput("standard output does not take binary data here; use "
                                   "--out FILE")
            if sys.stdout.isatty():
                # Raw file bytes on a terminal could hold escape sequences that act on it.
                raise InvalidInput("standard output is a terminal; redirect it to a file "
                                   "or a pipe, or use --out FILE")
            service.extract(ctx.args.attachment, "-", stdout=sink)
        else:
            service.extract(ctx.args.attachment, out, progress=_progress_line("decrypting"))
            info("extracted and verified against the hash recorded at ingest")
    return 0


def _one_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("attachment", metavar="ATTACHMENT", help="the attachment id")


@command("detach", "delete an attachment (its encrypted file and key); the audit log keeps "
         "its hash", _one_args)
def cmd_detach(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        gone: Attachment = vault.services.attachments.detach(ctx.args.attachment)
    info(f"detached {gone.id} (sha256 {gone.sha256}); its custody stays in the audit log")
    return 0


def _custody_args(p: argparse.ArgumentParser) -> None:
    _one_args(p)
    json_flag(p)


def _entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
            "record": entry.record, "detail": entry.detail, "hash": entry.hash}


@command("custody", "print an attachment's chain of custody from the audit log",
         _custody_args)
def cmd_custody(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        entries: list[AuditEntry] = vault.services.attachments.custody(ctx.args.attachment)
    if ctx.json:
        emit_json([_entry_json(e) for e in entries])
        return 0
    for e in entries:
        facts = "  ".join(f"{k}={safe(str(v), single_line=True)}"
                          for k, v in sorted(e.detail.items()) if k != "attachment")
        emit(f"{e.seq:>6}  {e.at}  {safe(e.actor, single_line=True)}  {e.action}  {facts}")
    return 0
