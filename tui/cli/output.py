"""Writing to the terminal safely.

Record content may hold terminal escape sequences (pasted from anywhere, or planted).
Written raw, they could rewrite the screen, set the window title or worse, so every piece
of content goes through :func:`tui.safe_text.safe` (shared with the app) before it reaches
a terminal, and JSON output escapes C0 and C1 controls too.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from tui.safe_text import safe as safe  # re-exported: the commands import it from here

# JSON escapes C0 itself; C1 controls and DEL are escaped here as \uXXXX.
_CONTROL_JSON = {c: f"\\u{c:04x}" for c in [0x7F, *range(0x80, 0xA0)]}


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
