"""``evault import``: bring a CSV, XLSX or JSON Lines file in as records of one kind.

The file is read (and its encoding found) before the passphrase is asked, so a wrong path
fails at once. ``--dry-run`` reports row by row what would be rejected and why, and exits
1 if anything would be; a real import is all or nothing. Progress goes to stderr as one
line rewritten with ``\\r``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.context import Context, command, json_flag
from tui.cli.output import emit, emit_json, info, safe
from tui.cli.secrets import UsageError

if TYPE_CHECKING:
    pass

PROGRESS_MIN = 1000  # rows: smaller files finish before a progress line would help


class _ProgressLine:
    """``(done, total)`` callback drawing one line on stderr."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total >= PROGRESS_MIN:
            sys.stderr.write(f"\r{self.what}: {done:,} / {total:,} rows")
            sys.stderr.flush()
            self.shown = True

    def end(self) -> None:
        """Finish the line (also when the work failed)."""
        if self.shown:
            sys.stderr.write("\n")
            self.shown = False


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a .csv, .tsv, .xlsx, .jsonl or .json file")
    p.add_argument("--kind", required=True, metavar="KIND", help="the kind of every record")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help="fill FIELD from COLUMN (COLUMN= skips the column); repeatable")
    p.add_argument("--dry-run", action="store_true",
                   help="check every row and report what would be rejected; write nothing")
    p.add_argument("--encoding", metavar="ENC",
                   help="the text encoding, when detection (UTF-8, UTF-16, GB18030) is wrong")
    json_flag(p)


def _mapping(items: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, target = item.rpartition("=")
        if not sep or not column.strip():
            raise UsageError("--map takes COLUMN=FIELD (or COLUMN= to skip a column)")
        mapping[column] = target.strip()
    return mapping


def _report(prepared: Any, name: str) -> None:
    sheet = prepared.sheet
    encoding = f", {sheet.encoding}" if sheet.encoding else ""
    emit(f"dry run: {prepared.kind} records from {safe(name, single_line=True)} "
         f"({sheet.format}{encoding})")
    if sheet.sheets > 1:
        emit(f"  only the first of {sheet.sheets} sheets is read")
    for number, (column, target) in enumerate(prepared.columns):
        shown = "(matches no field)" if number in prepared.unmatched else target or "(skipped)"
        emit(f"  column {safe(repr(column), single_line=True)} -> {shown}")
    for problem in prepared.problems:
        emit(safe(problem.message(), single_line=True))
    header = prepared.header_problems
    emit(f"dry run: {len(prepared.rows):,} of {prepared.total:,} rows would be imported, "
         f"{prepared.rejected_rows:,} rejected"
         + (f", {header:,} problem(s) with the columns" if header else "")
         + "; nothing was written")


@command("import", "import a CSV, XLSX or JSON Lines file as records of one kind", _args)
def cmd_import(ctx: Context) -> int:
    from vault.importer import commit, plan
    from vault.importer.readers import describe, read
    args = ctx.args
    mapping = _mapping(args.map)
    path = Path(args.file).expanduser()
    sheet = read(path, args.encoding)  # file errors before any passphrase is asked
    with ctx.unlocked_vault() as vault:
        records = vault.services.records
        line = _ProgressLine("checking" if args.dry_run else "reading")
        try:
            prepared = plan(records, sheet, args.kind, mapping, validate=args.dry_run,
                            progress=line)
        finally:
            line.end()
        if args.dry_run:
            if ctx.json:
                emit_json({"dry_run": True, "kind": args.kind, "format": sheet.format,
                           "encoding": sheet.encoding, "rows": prepared.total,
                           "accepted": len(prepared.rows),
                           "columns": [{"column": c, "field": f} for c, f in prepared.columns],
                           "rejected": [p.to_json() for p in prepared.problems]})
            else:
                _report(prepared, describe(path))
            return 1 if prepared.problems else 0
        line = _ProgressLine("importing")
        try:
            ids = commit(records, prepared, progress=line)
        finally:
            line.end()
    if ctx.json:
        emit_json({"kind": args.kind, "imported": len(ids), "ids": ids})
    else:
        info(f"imported {len(ids):,} {args.kind} records from {describe(path)} "
             f"({sheet.format}{', ' + sheet.encoding if sheet.encoding else ''})")
        for record_id in ids:
            emit(record_id)
    return 0
