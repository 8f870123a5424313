"""``evault search``: full-text search from the command line.

Snippets come from the vault with matches between ``\\x02`` and ``\\x03``. On a terminal
the matches are shown in bold; otherwise between ``[`` and ``]``. Everything taken from a
record goes through :func:`tui.cli.output.safe` first, so text holding terminal escapes
is shown, never obeyed. ``--json`` keeps the marks (JSON escapes them as ``\\u0002``).
"""

from __future__ import annotations

import argparse
import os
import sys

from tui.cli.context import Context, command, json_flag
from tui.cli.output import emit, emit_json, info, safe

MARK_START, MARK_END = "\x02", "\x03"
MAX_LIMIT = 1000


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a whole number") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_LIMIT}")
    return value


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", metavar="QUERY",
                   help='words (all must match), "a phrase", prefix*, a OR b')
    p.add_argument("--kind", metavar="K", help="only records of this kind")
    p.add_argument("--case", metavar="ID", help="only records in this case")
    p.add_argument("--from", dest="date_from", metavar="DATE",
                   help="only records dated on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD)")
    p.add_argument("--to", dest="date_to", metavar="DATE",
                   help="only records dated on or before DATE")
    p.add_argument("--max-level", choices=["public", "partner", "private"],
                   help="ignore values above this redaction level")
    p.add_argument("--limit", type=_limit, default=50, metavar="N",
                   help="at most N results (default 50)")
    json_flag(p)


def render(snippet: str, *, color: bool) -> str:
    """A snippet for a terminal: content escaped, matches highlighted."""
    start, end = ("\x1b[1m", "\x1b[0m") if color else ("[", "]")
    out: list[str] = []
    inside = False
    for part in snippet.replace(MARK_END, MARK_START).split(MARK_START):
        text = safe(part, single_line=True)
        out.append(f"{start}{text}{end}" if inside and text else text)
        inside = not inside
    return "".join(out)


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@command("search", "find records by words in any language, ranked, with snippets", _args)
def cmd_search(ctx: Context) -> int:
    from vault.search.titled import search_records
    args = ctx.args
    with ctx.unlocked_vault() as vault:
        found = search_records(vault.services.records, args.query, kind=args.kind,
                               case=args.case, max_level=args.max_level,
                               date_from=args.date_from, date_to=args.date_to,
                               limit=args.limit)
    hits = [hit for hit, _title in found]
    titles = {hit.id: title for hit, title in found}
    if ctx.json:
        emit_json([{"id": h.id, "kind": h.kind, "title": titles[h.id], "snippet": h.snippet}
                   for h in hits])
        return 0
    if not hits:
        info("no records match")
        return 0
    color = _color()
    for hit in hits:
        emit(f"{hit.id}  {hit.kind:<12} {safe(titles[hit.id], single_line=True)}")
        emit(f"    {safe(hit.field, single_line=True)}: {render(hit.snippet, color=color)}")
    return 0
