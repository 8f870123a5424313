"""Snippets cut from the ORIGINAL text of a value, with the matches marked.

The index holds folded bigrams, not the text a person wrote, so FTS5's own ``snippet()``
would show "酷刑 刑罪". Instead the top results' stored values are folded again here with a
map back to the original characters, the query's terms are found in the folded text, and
the snippet is cut from the original around the first match. Marks are ``\\x02`` (start)
and ``\\x03`` (end); those two characters, if they occur in the text itself, are shown as
U+FFFD so a front end can never confuse content with a mark.
"""

from __future__ import annotations

import re

from vault.search.fold import fold_with_map

START, END = "\x02", "\x03"
BEFORE = 40  # characters of context before the first match
WIDTH = 160  # characters in a snippet at most (plus the ellipses)
_ELLIPSIS = "…"
_BLANKS = re.compile(r"\s+")


def compile_terms(patterns: list[str]) -> re.Pattern[str]:
    """One expression finding any of the terms' patterns."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def find(text: str, finder: re.Pattern[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` (original indices) where a term matches."""
    folded, where = fold_with_map(text)
    spans: list[tuple[int, int]] = []
    for match in finder.finditer(folded):
        if match.end() > match.start():
            spans.append((where[match.start()], where[match.end() - 1] + 1))
    return spans


def _clean(piece: str) -> str:
    # Keep the text faithful except for our two marks and line structure.
    piece = piece.replace(START, "\ufffd").replace(END, "\ufffd")
    return _BLANKS.sub(" ", piece)


def cut(text: str, spans: list[tuple[int, int]]) -> str:
    """A one-line excerpt of ``text`` around the first span, with every span in it
    marked; the beginning of the text when there is no span."""
    if not spans:
        end = min(len(text), WIDTH)
        return _clean(text[:end]).strip() + (_ELLIPSIS if end < len(text) else "")
    first = spans[0][0]
    start = max(0, first - BEFORE)
    if start > 0:
        space = text.find(" ", start, first)
        if space != -1 and space - start < 15:
            start = space + 1  # begin on a word when one is close
    end = min(len(text), max(start + WIDTH, spans[0][1]))
    out: list[str] = [_ELLIPSIS] if start > 0 else []
    position = start
    for a, b in spans:
        a, b = max(a, position), min(b, end)
        if a >= b:
            continue
        out += [_clean(text[position:a]), START, _clean(text[a:b]), END]
        position = b
    out.append(_clean(text[position:end]))
    if end < len(text):
        out.append(_ELLIPSIS)
    return "".join(out).strip(" ")
