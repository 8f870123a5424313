"""Turning text into the tokens the full-text index holds, the same way for documents and
queries.

Why we tokenize in Python and hand FTS5 only space-separated tokens (its ``ascii``
tokenizer then just splits on the spaces):

- Chinese, Japanese and Korean are written without spaces between words. FTS5's
  ``unicode61`` tokenizer would make a whole sentence one token, so a two-character word
  such as 酷刑 would almost never be found, and ``trigram`` cannot find anything shorter
  than three characters. We index every run of such "dense" script as overlapping
  character bigrams (酷刑罪 → 酷刑 刑罪) and also every distinct character once; a query
  of n ≥ 2 characters becomes the phrase of its n-1 bigrams, which matches exactly where
  the string occurs, and a one-character query matches the single characters. Thai, Lao,
  Khmer and Burmese, also written without spaces, are treated the same way.
- ``unicode61`` treats combining marks as separators, which breaks Tibetan, Burmese,
  Devanagari… words apart, and its diacritic folding misses đ, ł, ø (Vietnamese and
  Polish names). Here diacritics of Latin, Greek and Cyrillic letters, Hebrew points and
  Arabic harakat are removed, other marks stay inside their word, and case is folded
  with ``str.casefold`` (ß → ss).

- Traditional and Simplified Chinese are one script for search: every Han character is
  folded to its Simplified form, character by character, with OpenCC's ``t2s`` tables
  (the ``opencc`` package; a character whose conversion is not exactly one character is
  kept). Documents and queries go through the same fold, so 國家 finds 国家 and 国家
  finds 國家. Per character, not per phrase, so the fold never depends on the words
  around it and a folded text keeps one character per original character (highlights
  still point into the original).

Everything is deterministic for one Python release (``unicodedata`` decides categories)
and one OpenCC release; :data:`TOKENIZER_VERSION` names the rules, and the index is
rebuilt when they change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any

import opencc

#: Changes whenever the rules below change; with the Unicode and OpenCC versions it
#: decides whether an existing index is still valid (see ``vault.search.index``).
TOKENIZER_VERSION = (f"evault-fold-2/unicode-{unicodedata.unidata_version}"
                     f"/opencc-{opencc.__version__}")

# Scripts written without spaces between words: indexed as character bigrams.
_DENSE_RANGES = [
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3000, 0x303F),  # CJK symbols (only its letters: 々 〆 〇 …)
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Hangul compatibility Jamo, Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA960, 0xA97F),  # Hangul Jamo extended A
    (0xA9E0, 0xA9FF),  # Myanmar extended B
    (0xAA60, 0xAA7F),  # Myanmar extended A
    (0xAC00, 0xD7FF),  # Hangul syllables, Jamo extended B
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B-G and compatibility supplement
]
DENSE_CLASS = "".join(f"{chr(a)}-{chr(b)}" for a, b in _DENSE_RANGES)
DENSE_RUN = re.compile(f"[{DENSE_CLASS}]+")
#: A piece of folded text: a run of dense script, or one word of any other script.
PIECE = re.compile(f"[{DENSE_CLASS}]+|[^\\s{DENSE_CLASS}]+")

# Marks removed when folding: Latin/Greek/Cyrillic diacritics, Hebrew points, Arabic
# harakat (and the tatweel stretching letter). Other marks belong to their letter.
_STRIPPED = [
    (0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F), (0x0591, 0x05BD), (0x05BF, 0x05BF), (0x05C1, 0x05C2),
    (0x05C4, 0x05C5), (0x05C7, 0x05C7), (0x0610, 0x061A), (0x0640, 0x0640),
    (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06DC), (0x06DF, 0x06E4),
    (0x06E7, 0x06E8), (0x06EA, 0x06ED),
]
# Letters with a stroke have no Unicode decomposition, so NFKD keeps them: fold by hand.
_SPECIAL = str.maketrans({"đ": "d", "ħ": "h", "ł": "l", "ø": "o", "ŧ": "t", "ı": "i",
                          "ŀ": "l", "ƚ": "l", "ɨ": "i", "ʉ": "u"})
# Invisible characters that sit inside words (soft hyphen, joiners, BOM): dropped.
_DROPPED = {0x00AD, 0x200D, 0x2060, 0xFEFF, 0x180E}


@cache
def _t2s() -> Any:
    """OpenCC's Traditional-to-Simplified converter (loaded on first use: 6 ms)."""
    return opencc.OpenCC("t2s")


def simplified(ch: str) -> str:
    """The Simplified form of one Han character (itself when it has none, or when OpenCC
    would turn it into more or fewer than one character)."""
    converted = str(_t2s().convert(ch))
    return converted if len(converted) == 1 else ch


def is_dense(ch: str) -> bool:
    """True for a character of a script written without spaces between words."""
    cp = ord(ch)
    return any(a <= cp <= b for a, b in _DENSE_RANGES)


def _stripped(ch: str) -> bool:
    cp = ord(ch)
    return any(a <= cp <= b for a, b in _STRIPPED)


def _is_word(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "LMN" or category == "Co"


def _fold(ch: str) -> str:
    """What one (already NFKC-normalised) character becomes in the index."""
    if ord(ch) in _DROPPED:
        return ""
    if is_dense(ch):
        # Dense-script punctuation (、。「」・…) separates; letters and marks stay as-is,
        # Traditional Han characters become Simplified.
        return simplified(ch) if _is_word(ch) else " "
    if not _is_word(ch):
        return " "
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold())
    text = "".join(c for c in text if not _stripped(c)).translate(_SPECIAL)
    return "".join(c if _is_word(c) and not is_dense(c) else " " for c in text)


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table filled on first sight of each character, so folding a
    document costs one C-level pass once the characters are known."""

    def __missing__(self, cp: int) -> str:
        value = _fold(chr(cp))
        self[cp] = value
        return value


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """``text`` normalised (NFKC), case- and diacritic-folded, separators as spaces."""
    return unicodedata.normalize("NFKC", text).translate(_TABLE)


class _CharTable(dict[int, str]):
    """Per character: NFKC, then folded (what :func:`fold_with_map` needs)."""

    def __missing__(self, cp: int) -> str:
        value = unicodedata.normalize("NFKC", chr(cp)).translate(_TABLE)
        self[cp] = value
        if len(value) != 1:
            _NOT_ONE.add(chr(cp))
        return value


_CHARS = _CharTable()
_NOT_ONE: set[str] = set()  # characters that fold to none or several


def fold_with_map(text: str) -> tuple[str, Sequence[int]]:
    """Like :func:`fold`, character by character, with the index in ``text`` each folded
    character came from (to highlight matches in the original text)."""
    folded = text.translate(_CHARS)
    if _NOT_ONE.isdisjoint(text):
        return folded, range(len(text))  # the common case: one character for one
    where: list[int] = []
    for i, ch in enumerate(text):
        where.extend([i] * len(_CHARS[ord(ch)]))
    return folded, where


def bigrams(run: str) -> list[str]:
    """Overlapping character pairs of a dense-script run (the run itself if shorter)."""
    if len(run) < 2:
        return [run]
    return list(map(str.__add__, run[:-1], run[1:]))


def index_body(text: str) -> str:
    """The token string stored in the index for one text: words, and dense-script bigrams
    in order (so phrases keep their positions), each run ending with its last character
    alone. Every character of a run thus starts one token, and a one-character query is a
    prefix query on it (``酷*`` finds 酷刑): no separate copy of each character."""

    def expand(match: re.Match[str]) -> str:
        run = match.group()
        tokens = bigrams(run)
        if len(run) > 1:
            tokens.append(run[-1])
        return " " + " ".join(tokens) + " "

    return " ".join(DENSE_RUN.sub(expand, fold(text)).split())


def pieces(text: str) -> list[str]:
    """The folded pieces of a query term, in order: dense runs and words."""
    return PIECE.findall(fold(text))


def piece_tokens(piece: str) -> list[str]:
    """The index tokens one query piece stands for (bigrams for a dense run)."""
    return bigrams(piece) if is_dense(piece[0]) else [piece]


def is_single_dense(piece: str) -> bool:
    """A one-character dense piece: searched as the prefix of the tokens it starts."""
    return len(piece) == 1 and is_dense(piece)
