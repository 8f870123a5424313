"""``evault travel`` (mark, unmark, list, start, end) and ``evault status``.

Thin: what is sealed, how, and every check live in ``vault.travel``. The terminal sees
counts and ids, never a title or a value. Secrets with ``--passphrase-stdin``, one per
line: the passphrase, then (``start`` without ``--to``, ``end`` without ``--identity``)
the recovery key.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.context import Context, command, json_flag
from tui.cli.output import emit, emit_json, info
from tui.cli.secrets import UsageError

if TYPE_CHECKING:  # imported on use: `evault --help` loads no vault feature
    from vault.session import Vault
    from vault.travel.service import TravelService

ACTIONS = ("mark", "unmark", "list", "start", "end")


def _travel(vault: Vault) -> TravelService:
    service: TravelService = vault.services.travel
    return service


def _args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("action", choices=ACTIONS, help="what to do")
    p.add_argument("ids", nargs="*", metavar="ID", help="records to mark or unmark")
    p.add_argument("--case", metavar="ID", help="mark or unmark a case and its records")
    p.add_argument("--to", metavar="AGE_RECIPIENT",
                   help="start: seal to this age public key instead of the recovery key")
    p.add_argument("--out", metavar="FILE", help="start: where to write the sealed file")
    p.add_argument("--dry-run", action="store_true",
                   help="start: show what would be sealed (counts) and change nothing")
    p.add_argument("--from", dest="source", metavar="FILE",
                   help="end: the sealed file to restore")
    p.add_argument("--identity", metavar="FILE",
                   help="end: an age identity file, instead of the recovery key")


def _check_usage(args: argparse.Namespace) -> None:
    action = args.action
    marking = action in ("mark", "unmark")
    if (args.ids or args.case) and not marking:
        raise UsageError(f"usage: evault travel {action} takes no record ids")
    if marking and not (args.ids or args.case):
        raise UsageError(f"usage: evault travel {action} ID... [--case ID]")
    if action != "start" and (args.to or args.out or args.dry_run):
        raise UsageError("--to, --out and --dry-run belong to 'evault travel start'")
    if action != "end" and (args.source or args.identity):
        raise UsageError("--from and --identity belong to 'evault travel end'")
    if action == "end" and not args.source:
        raise UsageError("usage: evault travel end --from FILE [--identity FILE]")


@command("travel", "travel mode: mark travel-safe records, seal the rest before a border "
         "(start), restore it after (end)", _args)
def cmd_travel(ctx: Context) -> int:
    args = ctx.args
    _check_usage(args)
    vault = ctx.locked_vault()
    passphrase = ctx.secrets.ask("Passphrase: ")
    vault.unlock(passphrase)
    with vault:
        travel = _travel(vault)
        if args.action in ("mark", "unmark"):
            do = travel.mark if args.action == "mark" else travel.unmark
            changed = do(args.ids, args.case)
            for rid in changed:
                emit(rid)
            info(f"{len(changed)} record(s) {args.action}ed travel-safe")
        elif args.action == "list":
            marked = travel.marked()
            if ctx.json:
                emit_json(marked)
            else:
                for rid in marked:
                    emit(rid)
        elif args.action == "start":
            return _start(ctx, vault, travel, passphrase)
        else:
            return _end(ctx, travel)
    return 0


def _start(ctx: Context, vault: Vault, travel: TravelService, passphrase: str) -> int:
    from vault.travel.service import recipient_from_text
    args = ctx.args
    if args.dry_run:
        found = travel.preview().to_json()
        if ctx.json:
            emit_json(found)
        else:
            emit(f"would seal: {found['records']} record(s) "
                 f"({', '.join(f'{k} {n}' for k, n in found['records_by_kind'].items())}), "
                 f"{found['attachments']} attachment(s) ({found['attachment_bytes']} bytes), "
                 f"{found['drafts']} draft(s), {found['search_entries']} index entries")
            emit(f"would keep: {found['kept']} travel-safe record(s)")
            for line in found["refusals"]:
                emit(f"REFUSED: {line}")
        return 0
    trip = travel.trip()
    if trip is not None and trip.phase == "sealed":
        recipient = recipient_from_text(trip.recipient)  # finishing: the key is recorded
        sealed_to = trip.sealed_to
    elif not args.out:
        raise UsageError("usage: evault travel start [--to AGE_RECIPIENT] --out FILE "
                         "(or --dry-run)")
    elif args.to:
        recipient, sealed_to = recipient_from_text(args.to), "recipient"
    else:
        text = ctx.secrets.ask("Recovery key (to seal to; it stays on paper): ",
                               "recovery key")
        recipient, sealed_to = travel.recovery_recipient(text), "recovery-key"
    started = travel.start(Path(args.out or "."), recipient, sealed_to=sealed_to,
                           passphrase=passphrase, progress=info)
    if started.resumed:
        info(f"finished the interrupted start of trip {started.trip_id}: files wiped, "
             "keys rotated")
    else:
        counts = started.counts
        info(f"sealed {counts['records']} record(s), {counts['attachments']} attachment(s) "
             f"and {counts['drafts']} draft(s) into {started.path}")
    info("travel mode is on. Keep the sealed file apart from this device or send it "
         "ahead; never carry the recovery key with you.")
    emit(started.trip_id)
    return 0


def _end(ctx: Context, travel: TravelService) -> int:
    from vault.travel.service import identity_from_file
    args = ctx.args
    if args.identity:
        identity = identity_from_file(Path(args.identity))
    else:
        text = ctx.secrets.ask("Recovery key: ", "recovery key")
        identity = travel.recovery_identity(text)
    ended = travel.end(Path(args.source), identity, progress=info)
    counts = ended.counts
    info(f"restored {counts.get('records', 0)} record(s) and {counts.get('attachments', 0)} "
         "attachment(s); travel mode is off. The sealed file is no longer needed.")
    emit(ended.trip_id)
    return 0


@command("status", "say whether the vault is in travel mode, with counts", json_flag)
def cmd_status(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        travel = _travel(vault)
        trip = travel.trip()
        records = int(vault.store.query_one("SELECT count(*) FROM records")[0])
        attachments = int(vault.store.query_one("SELECT count(*) FROM attachments")[0])
        marked = len(travel.marked())
    if ctx.json:
        emit_json({"vault": str(vault.layout.root), "records": records,
                   "attachments": attachments, "travel_safe": marked,
                   "travel_mode": trip is not None,
                   "trip": trip.to_json() if trip is not None else None})
        return 0
    emit(f"vault: {vault.layout.root}")
    emit(f"records: {records}, attachments: {attachments}, travel-safe: {marked}")
    if trip is None:
        emit("travel mode: off")
    else:
        emit(f"travel mode: ON since {trip.started} (trip {trip.trip_id}); "
             f"{trip.counts.get('records', 0)} record(s) sealed to the "
             f"{'recovery key' if trip.sealed_to == 'recovery-key' else 'recipient'}")
        if trip.phase == "sealed":
            emit("travel mode: the start did not finish (files not wiped, keys not "
                 "rotated): run 'evault travel start' again")
    return 0
