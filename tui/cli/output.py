"""Writing to the terminal safely.

Record content may hold terminal escape sequences (pasted from anywhere, or planted).
Written raw, they could rewrite the screen, set the window title or worse, so every piece
of content goes through :func:`safe` before it reaches a terminal, and JSON output
escapes C0 and C1 controls too.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]}
_CONTROL.pop(0x0A)  # newlines in long text are shown as newlines…
_CONTROL.pop(0x09)  # …and tabs as tabs
_CONTROL_JSON = {c: f"\\u{c:04x}" for c in [0x7F, *range(0x80, 0xA0)]}
# Bidi overrides can make text display in a misleading order; show them, don't obey them.
_BIDI = {c: f"\\u{c:04x}" for c in [0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                     0x2066, 0x2067, 0x2068, 0x2069]}


_SAFE = {**_CONTROL, **_BIDI}
_SAFE_LINE = {**_SAFE, 0x0A: "\\n", 0x09: "\\t"}


def safe(text: str, *, single_line: bool = False) -> str:
    """``text`` with control characters shown as escapes instead of obeyed (the tables
    are built once: `evault list` calls this for every one of a million rows)."""
    return text.translate(_SAFE_LINE if single_line else _SAFE)


def emit(text: str = "") -> None:
    """Print one line of already-safe text on stdout."""
    sys.stdout.write(text + "\n")


def emit_json(value: Any) -> None:
    """Print JSON on stdout (UTF-8, with every control character escaped)."""
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False)
    sys.stdout.write(text.translate(_CONTROL_JSON) + "\n")


def emit_json_array(items: Iterable[Any]) -> None:
    """Print a JSON array one compact element per line, as the items come (a million
    records are never one string in memory; the C encoder, not the pretty printer)."""
    write = sys.stdout.write
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    first = True
    write("[")
    for item in items:
        write(("\n" if first else ",\n") + encode(item).translate(_CONTROL_JSON))
        first = False
    write("\n]\n" if not first else "]\n")


def info(text: str) -> None:
    """A message for the person at the terminal (stderr, never content)."""
    sys.stderr.write(text + "\n")
