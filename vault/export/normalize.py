"""The one rule for "is this identifier in this text?", used by the free-text rewriter
AND by the leak gate, so the two can never disagree.

Why a *skeleton*: people write the same identifier many ways — ``138-1234-5678``,
``１３８ １２３４ ５６７８``, ``ZHANG wei``, ``Nguyễn`` typed as ``Nguyen``. Both the text
and each identifier are folded character by character (NFKD, case folding, combining marks
dropped, every decimal digit of any script made ASCII) and everything that is not a letter
or a digit is dropped. An identifier is in a text when its skeleton is a substring of the
text's skeleton, subject to the boundary rule below. Folding one character at a time keeps
a map from the skeleton back to the original text, so the rewriter replaces exactly the
characters that spelled the identifier.

The boundary rule keeps short values from matching inside ordinary words (an alias ``Li``
must not refuse every bundle that says "political"): for a value shorter than
:data:`LONG_WORD` characters, an edge that is a letter of a script written with spaces
must not touch another such letter or a digit; for a value shorter than
:data:`LONG_NUMBER`, an edge that is a digit must not touch a letter or digit. Longer
values match wherever they occur (a name glued to the next word by a missing space, a
phone number glued to its country code ``+86138…``). Scripts written without spaces
(Chinese, Japanese, Thai, Tibetan, Burmese, Khmer, Lao) have no boundary: a name inside a
Chinese sentence is always found. The rule errs towards redacting too much.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

#: Values whose skeleton is shorter than this are too short to find safely (one Chinese
#: character would match everywhere); the plan lists them as not matchable.
MIN_KEY = 2
#: Digit-edged values at least this long need no boundary at their digit edges.
LONG_NUMBER = 7
#: Letter-edged values at least this long need no word boundary either…
LONG_WORD = 6
#: …unless their first or last word is shorter than this (an initial, a letter code).
SHORT_EDGE_WORD = 3

# Scripts written without spaces between words: no word boundary can be required there.
_UNSPACED = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3FFFF),  # CJK extensions B…
)


def _fold_char(ch: str) -> str:
    out: list[str] = []
    for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold()):
        category = unicodedata.category(c)
        if category == "Nd":
            out.append(str(unicodedata.digit(c)))  # ١٢٣ and １２３ are 123
        elif category[0] in "LN":
            out.append(c)
        # marks, spaces, punctuation, symbols, controls, format chars: dropped
    return "".join(out)


class _FoldTable(dict[int, str]):
    """``str.translate`` table computed on first use of each character, then cached."""

    def __missing__(self, code: int) -> str:
        value = _fold_char(chr(code))
        self[code] = value
        return value


_TABLE = _FoldTable()


def skeleton(text: str) -> str:
    """The folded letters and digits of ``text`` (see the module docstring)."""
    return text.translate(_TABLE)


def fold(ch: str) -> str:
    """The skeleton of one character (may be empty or several characters)."""
    return _TABLE[ord(ch)]


class _LengthTable(dict[int, str]):
    """How many skeleton characters each character folds to, as a one-character string
    (so ``str.translate`` computes all the lengths at C speed)."""

    def __missing__(self, code: int) -> str:
        value = chr(min(len(_TABLE[code]), 255))
        self[code] = value
        return value


_LENGTHS = _LengthTable()


class _Origins:
    """Maps a skeleton position back to the character of the text it came from."""

    def __init__(self, text: str) -> None:
        # cumulative[i] = skeleton characters produced by text[:i + 1]
        self._cumulative = list(accumulate(text.translate(_LENGTHS).encode("latin-1")))

    def __getitem__(self, position: int) -> int:
        return bisect_right(self._cumulative, position)


def _unspaced(c: str) -> bool:
    code = ord(c)
    return any(lo <= code <= hi for lo, hi in _UNSPACED)


def _spaced_letter(c: str) -> bool:
    return c.isalpha() and not _unspaced(c)


def edge_words(value: str) -> tuple[int, int]:
    """Skeleton lengths of the first and last words of ``value``."""
    words: list[int] = []
    run = 0
    for ch in value:
        n = len(fold(ch))
        if n:
            run += n
        elif run:
            words.append(run)
            run = 0
    if run:
        words.append(run)
    return (words[0], words[-1]) if words else (0, 0)


def _edge_ok(edge: str, neighbour: str, key_len: int) -> bool:
    if not neighbour:
        return True  # start or end of the text, or a separator
    if _spaced_letter(edge):
        if key_len >= LONG_WORD:
            return True
        return not (_spaced_letter(neighbour) or neighbour.isdigit())
    if edge.isdigit():
        if key_len >= LONG_NUMBER:
            return True
        return not (neighbour.isdigit() or _spaced_letter(neighbour))
    return True


def _trie_pattern(keys: Iterable[str]) -> str:
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for key in keys:
        node = trie
        for c in key:
            node = node.setdefault(c, {})
        node[""] = {}

    def build(node: dict) -> str:  # type: ignore[type-arg]
        alts = [re.escape(c) + build(child) for c, child in sorted(node.items()) if c]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        # Greedy optional: at each position the longest value is tried first.
        return f"(?:{body})?" if "" in node else body

    return build(trie)


@dataclass(frozen=True)
class Match(Generic[T]):
    """One identifier found in a text: ``text[start:end]`` spells it."""

    start: int
    end: int
    key: str
    owners: tuple[T, ...]


class Matcher(Generic[T]):
    """Finds any of a set of identifier values in texts, after normalisation.

    Each value carries an *owner* (who it identifies, which field it came from); a
    skeleton shared by several values keeps all their owners.
    """

    def __init__(self, values: Iterable[tuple[str, T]]) -> None:
        owners: dict[str, list[T]] = {}
        self._edges: dict[str, tuple[int, int]] = {}
        self.too_short: list[T] = []
        for value, owner in values:
            key = skeleton(value)
            if len(key) < MIN_KEY:
                if key:
                    self.too_short.append(owner)
                continue
            owners.setdefault(key, []).append(owner)
            left, right = edge_words(value)
            old = self._edges.get(key, (0, 0))
            # Several spellings of one skeleton: keep the longer edge (matches more).
            self._edges[key] = (max(old[0], left), max(old[1], right))
        self._owners = {k: tuple(v) for k, v in owners.items()}
        pattern = _trie_pattern(self._owners) if self._owners else ""
        # A lookahead finds a candidate at every position, overlapping ones included:
        # a consumed match must never hide another value that starts inside it.
        self._regex = re.compile(f"(?=({pattern}))") if pattern else None

    def __len__(self) -> int:
        return len(self._owners)

    def keys(self) -> Iterable[str]:
        """Every skeleton this matcher looks for."""
        return self._owners.keys()

    def owners(self, key: str) -> tuple[T, ...]:
        """Who a skeleton belongs to."""
        return self._owners.get(key, ())

    def find(self, text: str) -> list[Match[T]]:
        """Every occurrence in ``text``, in order, overlapping ones included."""
        return list(self.iter_find(text))

    def iter_find(self, text: str) -> Iterator[Match[T]]:
        """As :meth:`find`, lazily."""
        if self._regex is None or not text:
            return
        skel = skeleton(text)
        origins: _Origins | None = None
        for m in self._regex.finditer(skel):
            s, e = m.start(1), m.end(1)
            if e <= s:
                continue
            if origins is None:
                origins = _Origins(text)
            # The longest value starting here, or the longest shorter value that is
            # itself an identifier and respects the boundary rule.
            for end in range(e, s, -1):
                key = skel[s:end]
                if key in self._owners and self._bounded(text, origins, skel, s, end):
                    start_o, end_o = origins[s], origins[end - 1] + 1
                    yield Match(start_o, end_o, key, self._owners[key])
                    break

    def _bounded(self, text: str, origins: _Origins, skel: str, s: int, e: int) -> bool:
        n = e - s
        left_i, right_i = origins[s] - 1, origins[e - 1] + 1
        left = fold(text[left_i])[-1:] if left_i >= 0 else ""
        right = fold(text[right_i])[:1] if right_i < len(text) else ""
        # A value folded from the middle of a character's expansion (rare: ligatures)
        # shares the character with its neighbour in the skeleton; check that instead.
        if s > 0 and origins[s - 1] == origins[s]:
            left = skel[s - 1]
        if e < len(skel) and origins[e] == origins[e - 1]:
            right = skel[e]
        # A one- or two-character edge word ("Source K", "Li Na") is held to the
        # boundary rule even in a long value: else "Source K" matches inside
        # "Source-K7Q2…" (a pseudonym) or "source kept", and "Li Na" inside "Li Nana".
        lw, rw = self._edges.get(skel[s:e], (n, n))
        return (_edge_ok(skel[s], left, n if lw >= SHORT_EDGE_WORD else lw)
                and _edge_ok(skel[e - 1], right, n if rw >= SHORT_EDGE_WORD else rw))

    def search(self, text: str) -> Match[T] | None:
        """The first occurrence, or None."""
        return next(self.iter_find(text), None)


def merge_spans(matches: Iterable[Match[T]]) -> list[tuple[int, int, Match[T]]]:
    """Overlapping matches merged into disjoint spans, each with its longest match."""
    merged: list[tuple[int, int, Match[T]]] = []
    for m in sorted(matches, key=lambda x: (x.start, -(x.end - x.start))):
        if merged and m.start < merged[-1][1]:
            start, end, best = merged[-1]
            if m.end - m.start > best.end - best.start:
                best = m
            merged[-1] = (start, max(end, m.end), best)
        else:
            merged.append((m.start, m.end, m))
    return merged
