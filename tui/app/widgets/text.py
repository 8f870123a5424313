"""Turning vault content into something safe to draw.

Record content can hold anything pasted from anywhere: terminal escape sequences, bidi
overrides, and square brackets that Textual would read as markup. Content is therefore
never passed to a widget as a markup string: it becomes a :class:`rich.text.Text` with
its control characters shown as escapes (:func:`tui.safe_text.safe`, shared with the
command line), and search snippets' ``\\x02…\\x03`` markers become a highlight style
with a visible underline (not colour alone).
"""

from __future__ import annotations

from rich.text import Text

from tui.safe_text import safe

MARK_START = "\x02"
MARK_END = "\x03"
HIGHLIGHT = "bold reverse underline"


def plain(value: object, *, single_line: bool = True, limit: int | None = None) -> Text:
    """A value as inert text (controls escaped, never markup)."""
    text = "" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return Text(safe(text, single_line=single_line), no_wrap=single_line)


def snippet(marked: str, *, single_line: bool = True, match_within: int | None = None
            ) -> Text:
    """A search snippet with its ``\\x02…\\x03`` matches highlighted. With
    ``match_within``, text before the first match is shortened (to "…") so the match
    starts inside the first ``match_within`` cells: a narrow column still shows it."""
    if match_within is not None and MARK_START in marked:
        start = marked.index(MARK_START)
        keep = max(match_within // 4, 4)
        if Text(marked[:start]).cell_len > match_within - keep - 8:
            cut = start
            while cut > 0 and Text(marked[cut - 1:start]).cell_len <= keep:
                cut -= 1
            marked = "…" + marked[cut:]
    out = Text(no_wrap=single_line)
    inside = False
    buffer = ""
    for ch in marked:
        if ch in (MARK_START, MARK_END):
            if buffer:
                out.append(safe(buffer, single_line=single_line), HIGHLIGHT if inside else "")
            buffer = ""
            inside = ch == MARK_START
        else:
            buffer += ch
    if buffer:
        out.append(safe(buffer, single_line=single_line), HIGHLIGHT if inside else "")
    return out
