"""Commands for sending data out: recipients and export.

Thin: selection, redaction, sanitizing, the leak gate, signing and encryption all live in
``vault.export``. The terminal sees counts, ids and field names — never content.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.context import Context, command, json_flag
from tui.cli.dossier_cmds import regime_arg
from tui.cli.output import emit, emit_json, info, safe
from tui.cli.secrets import UsageError

if TYPE_CHECKING:
    from vault.export.plan import Plan
    from vault.export.service import ExportService
    from vault.session import Vault


def _export(vault: Vault) -> ExportService:
    service: ExportService = vault.services.export
    return service


def _recipients_args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("action", choices=["add", "list", "remove"], help="what to do")
    p.add_argument("name", nargs="?", help="the recipient's name (add, remove)")
    p.add_argument("key", nargs="?", metavar="AGE_PUBKEY",
                   help="the partner's age public key, age1… (add)")


@command("recipients", "add, list or remove partner organisations' age public keys",
         _recipients_args)
def cmd_recipients(ctx: Context) -> int:
    args = ctx.args
    if args.action == "add" and (args.name is None or args.key is None):
        raise UsageError("usage: evault recipients add NAME AGE_PUBKEY")
    if args.action == "remove" and (args.name is None or args.key is not None):
        raise UsageError("usage: evault recipients remove NAME")
    if args.action == "list" and args.name is not None:
        raise UsageError("usage: evault recipients list [--json]")
    with ctx.unlocked_vault() as vault:
        recipients = _export(vault).recipients
        if args.action == "add":
            added = recipients.add(args.name, args.key)
            info(f"added recipient {safe(added.name, single_line=True)}")
        elif args.action == "remove":
            recipients.remove(args.name)
            info(f"removed recipient {safe(args.name, single_line=True)}")
        else:
            items = recipients.list()
            if ctx.json:
                emit_json([{"name": r.name, "age_key": r.age_key, "added": r.added}
                           for r in items])
            else:
                for r in items:
                    emit(f"{safe(r.name, single_line=True)}\t{r.age_key}")
    return 0


def _split_ids(values: list[str] | None) -> list[str]:
    found: list[str] = []
    for value in values or []:
        found.extend(v.strip() for v in value.split(",") if v.strip())
    return found


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--clearance", required=True, choices=["public", "partner"],
                   help="what may travel: public (anyone) or partner (trusted partners)")
    p.add_argument("--to", action="append", metavar="NAME|AGE_PUBKEY",
                   help="a recipient name or an age1… key (repeatable)")
    p.add_argument("--case", metavar="ID", help="export a case and the records it groups")
    p.add_argument("--ids", action="append", metavar="ID[,ID…]",
                   help="export these records (repeatable, comma-separated)")
    p.add_argument("--include-attachments", action="store_true",
                   help="include sanitized attachments whose level allows it")
    p.add_argument("--skip-unsanitizable", action="store_true",
                   help="leave out attachments that have no sanitizer instead of refusing")
    p.add_argument("--keep-pdf-text", action="append", metavar="ATTACHMENT",
                   help="rewrite this PDF attachment keeping its text instead of redrawing "
                        "it from pixels (repeatable; its text must pass the gate)")
    p.add_argument("--reencode-media", action="store_true",
                   help="re-encode audio and video (H.264/AAC) instead of remuxing them")
    p.add_argument("--plain", action="store_true",
                   help="public bundles only: a signed zip, not encrypted")
    p.add_argument("--release", action="append", metavar="FINDING",
                   help="keep a detector finding (id from the report) unredacted")
    p.add_argument("--out", required=True, metavar="FILE", help="the bundle file to write")
    p.add_argument("--report", metavar="FILE",
                   help="write the local report (JSON, counts and ids, no content) here")
    p.add_argument("--yes", action="store_true", help="seal without asking")
    p.add_argument("--dossier", metavar="PERSON",
                   help="also put a sanctions dossier on this person under dossier/")
    p.add_argument("--regime", type=regime_arg, metavar="REGIME",
                   help="the dossier's sanctions regime, or all (with --dossier)")


def _confirm(ctx: Context, plan: Plan) -> bool:
    from vault.export import report as export_report
    for line in export_report.summary(plan):
        info(line)
    if ctx.args.yes:
        return True
    if ctx.secrets.from_stdin or not sys.stdin.isatty():
        raise UsageError("export asks before sealing on a terminal; add --yes in scripts "
                         "(read the report first)")
    answer = input("Seal and write this bundle? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _write_report(path: str | None, doc: dict[str, object]) -> None:
    from vault import fsutil
    if path:
        data = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        fsutil.atomic_write(Path(path), data, what="writing the report")


@command("export", "seal a sanitized, signed bundle for partners or the public", _export_args)
def cmd_export(ctx: Context) -> int:
    from vault.errors import InvalidInput
    from vault.export import report as export_report
    from vault.export.gate import LeakFound
    args = ctx.args
    if args.plain and args.clearance != "public":
        raise UsageError("--plain is only for --clearance public")
    if not args.plain and not args.to:
        raise UsageError("name at least one recipient with --to (or --plain for public)")
    if args.case and args.ids:
        raise UsageError("choose either --case or --ids")
    out = Path(args.out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose a new file name")
    if bool(args.dossier) != bool(args.regime):
        raise UsageError("--dossier PERSON and --regime R go together")
    with ctx.unlocked_vault() as vault:
        service = _export(vault)
        documents = vault.services.dossier.documents(
            args.dossier, args.regime, args.clearance, args.to or [], args.plain,
        ) if args.dossier else None  # gated here, and again with the whole bundle
        plan = service.plan(
            clearance=args.clearance, to=args.to or [], plain=args.plain, case=args.case,
            ids=_split_ids(args.ids), include_attachments=args.include_attachments,
            skip_unsanitizable=args.skip_unsanitizable, release=args.release or [],
            documents=documents, progress=None, keep_pdf_text=args.keep_pdf_text or [],
            reencode_media=args.reencode_media)
        if plan.refusals():  # an attachment without a sanitizer: exit 5, say which
            _write_report(args.report, export_report.build(plan))
            plan.require_sealable()
        if not _confirm(ctx, plan):
            _write_report(args.report, export_report.build(plan))
            info("not sealed; nothing was written")
            return 1
        try:
            sealed = service.seal(plan, out, progress=None)
        except LeakFound as exc:
            _write_report(args.report, export_report.build(plan, exc.leaks))
            for leak in exc.leaks:
                info(f"leak: {leak.describe()}")
            raise
        _write_report(args.report, export_report.build(plan, out=str(out), sealed=True))
    info(f"bundle {sealed.bundle_id} written to {out} ({sealed.size} bytes)")
    emit(sealed.bundle_id)
    return 0


def _identity_args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("action", choices=["same", "different", "list"],
                   help="same person, different people, or list the decisions")
    p.add_argument("record", nargs="?", help="the record that may ship (same, different)")
    p.add_argument("other", nargs="?", help="the protected record it collides with")


@command("identity", "answer an export's collision: same person or different people",
         _identity_args)
def cmd_identity(ctx: Context) -> int:
    from vault.export.decisions import Decisions
    args = ctx.args
    if args.action != "list" and (args.record is None or args.other is None):
        raise UsageError(f"usage: evault identity {args.action} RECORD OTHER")
    if args.action == "list" and args.record is not None:
        raise UsageError("usage: evault identity list [--json]")
    with ctx.unlocked_vault() as vault:
        decisions = Decisions(vault.store)
        if args.action == "list":
            items = decisions.listing()
            if ctx.json:
                emit_json(items)
            else:
                for item in items:
                    emit(f"{item['record']}\t{item['other']}\t{item['decision']}\t"
                         f"{item['decided']}")
            return 0
        records = vault.services.records
        record, other = records.resolve(args.record), records.resolve(args.other)
        decisions.decide(record, other, args.action)
    what = "the same person" if args.action == "same" else "different people"
    info(f"recorded: {record} and {other} are {what}")
    return 0
