"""Views of a text: the other ways a reader would read the same characters.

The matcher (:class:`vault.export.normalize.Matcher`) folds each character on its own
(case, width, accents, look-alike letters, Arabic-script variants, Traditional to
Simplified, numerals of every system). Some spellings need more than one character at a
time, so a text is also read in these views, each searched with the same automaton:

- **markup decoded**: HTML entities (named, decimal, hex), URL percent-encoding (UTF-8
  sequences), literal ``\\uXXXX`` escapes and tags removed, so ``Ab<b>li</b>mit``,
  ``&#24352;`` and ``%E5%BC%A0`` read as what they show; ``name dot x at y dot org`` reads
  as an address;
- **tone numbers dropped**: ``Zhang1 Li4hua2`` reads ``Zhang Lihua``;
- **transliterated**: every character through anyascii, each Chinese syllable a word of
  its own, so ``Аблимит`` reads ``Ablimit`` and ``张丽华`` reads ``Zhang Li Hua``. Matches
  here must sit on word (syllable) boundaries, always;
- **digit runs**: the digits of the text with short gaps of anything between them
  removed (``138, then 1234, then 5678``); only numbers of at least
  :data:`DIGIT_KEY_MIN` digits are looked for in it.

Each view keeps, for every character it holds, the span of the original text it came
from, so a match in any view names exactly the characters to replace.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

#: Numbers shorter than this are not looked for across gaps (too many chance matches).
DIGIT_KEY_MIN = 7
#: The most characters between two digit groups that still join them into one number.
DIGIT_GAP_MAX = 24


@dataclass(frozen=True)
class View:
    """A reading of a text: ``text[i]`` came from ``original[starts[i]:ends[i]]``."""

    name: str
    text: str
    starts: list[int]
    ends: list[int]
    strict: bool = False
    """Every match must sit on word boundaries (transliterated text)."""
    digits: bool = False
    """Holds digit runs only (only long numbers are searched in it)."""


_MARKUP = re.compile(
    r"&#[0-9]{1,7};|&#[xX][0-9a-fA-F]{1,6};|&[A-Za-z][A-Za-z0-9]{1,31};"
    r"|(?:%[0-9a-fA-F]{2})+|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2}"
    r"|<[^<>]{0,200}>"
    r"|\s*[\[(]?\s*\b(?:dot|DOT|Dot)\b\s*[\])]?\s*|\s*[\[(]\s*(?:at|AT|At)\s*[\])]\s*"
    r"|\s+\b(?:at|AT)\b\s+(?=[\w-]+\s*[\[(]?\s*(?:dot|DOT)\b)")
_MARKUP_HINT = re.compile(r"[&%\\<]|\b(?:dot|DOT|Dot)\b")


def _decode(token: str) -> str:
    if token.startswith("&"):
        return html.unescape(token)
    if token.startswith("%"):
        return urllib.parse.unquote(token, errors="replace")
    if token.startswith(("\\u", "\\U", "\\x")):
        try:
            return chr(int(token[2:], 16))
        except (ValueError, OverflowError):
            return token
    if token.startswith("<"):
        return ""
    word = token.strip(" \t[]()").lower()
    return "." if word == "dot" else "@" if word == "at" else token


def _rewrite(text: str, pattern: re.Pattern[str], decode: object) -> View | None:
    """The text with every match of ``pattern`` replaced by ``decode(match)``."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    changed = False
    for m in pattern.finditer(text):
        for i in range(pos, m.start()):
            out.append(text[i])
            starts.append(i)
            ends.append(i + 1)
        new = decode(m.group()) if callable(decode) else str(decode)
        changed = changed or new != m.group()
        for c in new:
            out.append(c)
            starts.append(m.start())
            ends.append(m.end())
        pos = m.end()
    if not changed:
        return None
    for i in range(pos, len(text)):
        out.append(text[i])
        starts.append(i)
        ends.append(i + 1)
    return View("markup", "".join(out), starts, ends)


def _compose(outer: View, inner: View) -> View:
    """``inner`` was computed over ``outer.text``: map it back to the original."""
    return View(inner.name, inner.text, [outer.starts[s] for s in inner.starts],
                [outer.ends[e - 1] for e in inner.ends], inner.strict, inner.digits)


def markup(text: str) -> View | None:
    """Markup and escapes decoded (twice, for ``&amp;#65;`` and the like)."""
    if not _MARKUP_HINT.search(text):
        return None
    first = _rewrite(text, _MARKUP, _decode)
    if first is None:
        return None
    second = _rewrite(first.text, _MARKUP, _decode) if _MARKUP_HINT.search(first.text) \
        else None
    return _compose(first, second) if second is not None else first


_TONE = re.compile(r"(?<=[A-Za-zÀ-ɏü])[1-5](?![0-9])")


def detoned(text: str) -> View | None:
    """Tone numbers after romanised syllables removed (``Li4hua2`` → ``Lihua``)."""
    if not _TONE.search(text):
        return None
    view = _rewrite(text, _TONE, "")
    return None if view is None else View("detoned", view.text, view.starts, view.ends)


def _needs_transliteration(text: str) -> bool:
    return any(ord(c) > 0x24F and c.isalpha() for c in text)


def transliterated(text: str) -> View | None:
    """Every character through anyascii; a Chinese character's syllable stands alone."""
    if not _needs_transliteration(text):
        return None
    from anyascii import anyascii

    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, c in enumerate(text):
        if c.isascii():
            rendered = c
        else:
            rendered = anyascii(c)
            code = ord(c)
            if 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code >= 0x20000:
                rendered = f" {rendered} "
        for ch in rendered:
            out.append(ch)
            starts.append(i)
            ends.append(i + 1)
    return View("transliterated", "".join(out), starts, ends, strict=True)


def digit_runs(skel: str, origins: list[int], text: str) -> View | None:
    """The digits of ``skel`` (a skeleton of ``text`` whose character ``j`` came from
    ``text[origins[j]]``), with groups closer than :data:`DIGIT_GAP_MAX` characters of
    the text (and no line break between them) joined."""
    if sum(c.isdigit() for c in skel) < DIGIT_KEY_MIN:
        return None
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last: int | None = None
    for j, c in enumerate(skel):
        if not c.isdigit():
            continue
        o = origins[j]
        if last is not None and o > last + 1:
            gap = text[last + 1:o]
            if len(gap) > DIGIT_GAP_MAX or "\n" in gap:
                out.append(" ")
                starts.append(o)
                ends.append(o)
        out.append(c)
        starts.append(o)
        ends.append(o + 1)
        last = o
    return View("digits", "".join(out), starts, ends, digits=True)


def text_views(text: str) -> Iterator[View]:
    """The views of ``text`` beyond the text itself (see the module docstring)."""
    for make in (markup, detoned, transliterated):
        view = make(text)
        if view is not None:
            yield view
