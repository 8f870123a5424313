"""Terminal-safe text, shared by both front ends (``tui/cli`` and ``tui/app``).

Record content, case titles, file names, senders' names and search snippets can hold
anything pasted or planted: terminal escape sequences (which could rewrite the screen or
set the window title) and bidi overrides such as U+202E (which make text display in a
misleading order). Both front ends show such characters as visible escapes instead of
obeying them, through :func:`safe` here: one table, one rule, so the command line and
the app can never disagree about what is shown.
"""

from __future__ import annotations

#: C0 and C1 control characters and DEL, shown as ``\\xNN``.
_CONTROL_CODES = {c: f"\\x{c:02x}" for c in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]}
_CONTROL = dict(_CONTROL_CODES)
_CONTROL.pop(0x0A)  # newlines in long text are shown as newlines…
_CONTROL.pop(0x09)  # …and tabs as tabs
# Bidi overrides and isolates can make text display in a misleading order: show them.
_BIDI = {c: f"\\u{c:04x}" for c in [0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                     0x2066, 0x2067, 0x2068, 0x2069]}

_SAFE = {**_CONTROL, **_BIDI}
_SAFE_LINE = {**_SAFE, 0x0A: "\\n", 0x09: "\\t"}


def safe(text: str, *, single_line: bool = False) -> str:
    """``text`` with control characters and bidi overrides shown as escapes instead of
    obeyed; with ``single_line`` newlines and tabs too. (The tables are built once:
    ``evault list`` calls this for every one of a million rows.)"""
    return text.translate(_SAFE_LINE if single_line else _SAFE)
