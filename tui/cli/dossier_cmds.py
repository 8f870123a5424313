"""Commands for sanctions dossiers, and the settings they read.

Thin: drafting, redaction, the readiness check and the leak gate live in
``vault.dossier``. ``--check`` exits 0 whatever it finds (the check ran; the gaps are its
output, and ``--json`` says ``"ready"``); 1 and above mean the command itself failed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.context import Context, command, json_flag
from tui.cli.output import emit, emit_json, info, safe
from tui.cli.secrets import UsageError

if TYPE_CHECKING:
    from vault.dossier.compare import Standing
    from vault.dossier.readiness import Gap
    from vault.dossier.service import DossierService

#: Settings this command manages, and what each is for.
SETTINGS = {"organisation": "the submitting organisation named in sanctions dossiers",
            "contact": "how an authority reaches the submitter (an address, an email)"}


def regime_arg(value: str) -> str:
    """A known regime id (checked when given, so ``--help`` need not load the regimes)."""
    from vault.dossier.regimes import REGIME_CHOICES
    if value not in REGIME_CHOICES:
        raise argparse.ArgumentTypeError(f"invalid choice: {value!r} (choose from "
                                         f"{', '.join(REGIME_CHOICES)})")
    return value


def _dossier_args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("person", metavar="PERSON", help="the person's record id (or a prefix)")
    p.add_argument("--regime", required=True, type=regime_arg, metavar="REGIME",
                   help="the sanctions regime: us, uk, eu, ca, ee, lv, lt or au; or all "
                        "(one dossier per regime, with a comparison)")
    p.add_argument("--check", action="store_true",
                   help="list what the filing still lacks (exit 0 whatever it finds)")
    p.add_argument("--out", metavar="FILE.md|FILE.pdf",
                   help="write the dossier (after the leak gate) as Markdown or PDF")
    p.add_argument("--clearance", choices=["public", "partner"], default="public",
                   help="what may appear in it (default public)")
    p.add_argument("--to", action="append", metavar="NAME|AGE_PUBKEY",
                   help="the partner it is for (required with --clearance partner: people "
                        "are then pseudonymised as in that partner's bundles)")


def _print_gaps(gaps: list[Gap]) -> None:
    from vault.dossier.readiness import SEVERITIES
    for gap in gaps:
        where = f"[{gap.regime}] " if gap.regime else ""
        emit(f"{gap.severity.upper()}: {where}{safe(gap.message, single_line=True)}")
    counts = {s: sum(1 for g in gaps if g.severity == s) for s in SEVERITIES}
    emit(f"{counts['missing']} missing, {counts['weak']} weak, {counts['note']} note(s)")


def _print_comparison(standings: list[Standing]) -> None:
    emit("comparison of regimes:")
    for s in standings:
        met = ", ".join(c.id for c in s.criteria) or "none"
        emit(f"  {s.regime.id}: {'can meet' if s.can_meet else 'cannot meet'} "
             f"({'ready' if s.ready else 'not ready'}); criteria met: {met}")
        for why in s.why_not:
            emit(f"    why not: {safe(why, single_line=True)}")
        if s.lacks:
            emit(f"    lacks: {safe('; '.join(s.lacks), single_line=True)}")


@command("dossier", "draft a sanctions recommendation for a person, or check what it lacks",
         _dossier_args)
def cmd_dossier(ctx: Context) -> int:
    from vault.dossier.compare import compare
    from vault.dossier.profile import gather
    from vault.dossier.readiness import merge
    from vault.dossier.regimes import ALL, resolve
    from vault.export.gate import LeakFound
    args = ctx.args
    if args.check == bool(args.out):
        raise UsageError("choose one: --check, or --out FILE.md|FILE.pdf")
    if args.out and Path(args.out).suffix.lower() not in (".md", ".pdf"):
        raise UsageError("--out must name a .md or .pdf file")
    if args.out and args.clearance == "partner" and not args.to:
        raise UsageError("a partner dossier is for named recipients: add --to NAME")
    with ctx.unlocked_vault() as vault:
        service: DossierService = vault.services.dossier
        if args.check:
            each = service.check_each(args.person, args.regime, args.clearance)
            gaps = merge(each)
            doc: dict[str, object] = {
                "person": vault.services.records.resolve(args.person),
                "regime": args.regime, "clearance": args.clearance,
                "ready": not any(g.severity == "missing" for g in gaps),
                "gaps": [g.to_json() for g in gaps]}
            standings = compare(gather(vault, args.person), resolve(args.regime), each) \
                if args.regime == ALL else []
            if ctx.json:
                if standings:
                    doc["comparison"] = [s.to_json() for s in standings]
                emit_json(doc)
            else:
                _print_gaps(gaps)
                if standings:
                    _print_comparison(standings)
            return 0
        out = Path(args.out)
        try:
            rendered = service.write(args.person, args.regime, out, args.clearance,
                                     args.to or None)
        except LeakFound as exc:
            for leak in exc.leaks:
                info(f"leak: {leak.describe()}")
            raise
    size = sum(len(b) for b in rendered.files.values())
    info(f"dossier written to {out} ({size} bytes, {args.clearance} clearance); it passed "
         "the leak gate. It is a draft: check every statement before filing.")
    if args.clearance == "partner":
        info("warning: this file is not encrypted; send it inside a bundle "
             "('evault export ... --dossier') rather than as it is")
    return 0


def _settings_args(p: argparse.ArgumentParser) -> None:
    json_flag(p)
    p.add_argument("action", choices=["get", "set", "list"], help="what to do")
    p.add_argument("key", nargs="?", choices=sorted(SETTINGS), help="the setting")
    p.add_argument("value", nargs="?", help="the new value (set)")


@command("settings", "show or change the vault's settings (e.g. the submitting organisation)",
         _settings_args)
def cmd_settings(ctx: Context) -> int:
    args = ctx.args
    if args.action == "set" and (args.key is None or args.value is None):
        raise UsageError("usage: evault settings set KEY VALUE")
    if args.action == "get" and (args.key is None or args.value is not None):
        raise UsageError("usage: evault settings get KEY")
    if args.action == "list" and args.key is not None:
        raise UsageError("usage: evault settings list")
    with ctx.unlocked_vault() as vault:
        service: DossierService = vault.services.dossier
        if args.action == "set":
            setter = service.set_contact if args.key == "contact" else service.set_organisation
            setter(args.value)
            info(f"setting {args.key} saved")
            return 0
        values = {"organisation": service.organisation(), "contact": service.contact()}
        if args.action == "get":
            values = {args.key: values[args.key]}
    if ctx.json:
        emit_json(values)
    else:
        for key, value in values.items():
            emit(f"{key}\t{safe(value, single_line=True) if value else ''}")
    return 0
