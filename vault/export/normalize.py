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
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from vault.export.views import View

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
#: Word and key lengths are kept as 16-bit integers (a longer one counts as this long).
_WORDS_MAX = 0xFFFF

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


# Chinese numerals, read digit by digit the way phone and ID numbers are spoken and
# written (幺 is how 1 is said in phone numbers; 两 is 2). 十/百/千 are not digits of a
# number written digit by digit and are left alone.
_CJK_DIGITS = {c: str(i) for i, chars in enumerate(
    ("〇零", "一壹幺", "二贰两", "三叁", "四肆", "五伍", "六陆", "七柒", "八捌", "九玖"))
    for c in chars}
# Arabic-script letters written differently in Persian, Arabic and Uyghur: Persian yeh and
# alef maksura are yeh, keheh is kaf, teh marbuta and heh goal are heh, tatweel (the
# stretching stroke) is nothing. Harakat are combining marks and NFKD drops them anyway.
_ARABIC = {"\u06cc": "\u064a", "\u0649": "\u064a", "\u06d2": "\u064a", "\u06a9": "\u0643",
           "\u06aa": "\u0643", "\u0629": "\u0647", "\u06c1": "\u0647", "\u06d5": "\u0647",
           "\u0640": ""}


def _cjk(c: str) -> bool:
    code = ord(c)
    return 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF


def _letter_fold(c: str) -> str:
    """A letter NFKD leaves as it is: a Latin letter it does not decompose (đ, ı, ø, ł,
    ß, æ, þ…) is transliterated by anyascii; a letter of another script that looks like
    an ASCII letter (Cyrillic а, Greek ο…) becomes that letter (UTS #39 confusables, from
    confusable-homoglyphs)."""
    if c.isascii() or _cjk(c):
        return c
    name = unicodedata.name(c, "")
    if name.startswith("LATIN"):
        from anyascii import anyascii

        folded = "".join(x for x in anyascii(c).casefold() if x.isalnum())
        return folded or c
    return _confusables().get(c, c)


_CONFUSABLES: dict[str, str] | None = None


def _confusables() -> dict[str, str]:
    """Non-ASCII letters whose UTS #39 prototype is one ASCII letter (lower case)."""
    global _CONFUSABLES
    if _CONFUSABLES is None:
        import json
        from importlib import resources

        data = json.loads(resources.files("confusable_homoglyphs")
                          .joinpath("confusables.json").read_text(encoding="utf-8"))
        table: dict[str, str] = {}
        for char, glyphs in data.items():
            if len(char) != 1 or char.isascii() or _cjk(char) or not char.isalpha():
                continue
            letters = sorted({g["c"].casefold() for g in glyphs
                              if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalpha()})
            if letters:
                table[char] = letters[0]
        _CONFUSABLES = table
    return _CONFUSABLES


def _t2s(ch: str) -> str:
    """One character in Simplified form (OpenCC, character by character, so both the
    identifiers and the text fold the same way whatever the phrase around them)."""
    import opencc

    global _OPENCC
    if _OPENCC is None:
        _OPENCC = opencc.OpenCC("t2s")
    out = str(_OPENCC.convert(ch))
    return out if len(out) == 1 else ch


_OPENCC: Any = None


def _fold_char(ch: str) -> str:
    if _cjk(ch):
        ch = _t2s(ch)
    if ch in _CJK_DIGITS:
        return _CJK_DIGITS[ch]
    ch = _ARABIC.get(ch, ch)
    if ch and not ch.isascii() and not _cjk(ch):
        ch = _confusables().get(ch, ch)  # capitals first: Cyrillic Т is T before it is т
    out: list[str] = []
    for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", ch).casefold()):
        category = unicodedata.category(c)
        if category == "Nd":
            out.append(str(unicodedata.digit(c)))  # ١٢٣ and １２３ are 123
        elif category[0] in "LN":
            out.append(_letter_fold(_ARABIC.get(c, c)))
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


_WORD_BREAK = re.compile(r"[\W_]+")


def edge_words(value: str) -> tuple[int, int]:
    """Skeleton lengths of the first and last words of ``value`` (words split at
    anything that is not a letter or digit)."""
    words = [n for n in (len(skeleton(w)) for w in _WORD_BREAK.split(value)) if n]
    return (words[0], words[-1]) if words else (0, 0)


def form_key(value: str) -> tuple[str, int, int]:
    """What a matcher needs of one form: its skeleton and its edge words' lengths."""
    return (skeleton(value), *edge_words(value))


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


@dataclass(frozen=True)
class Match(Generic[T]):
    """One identifier found in a text: ``text[start:end]`` spells it."""

    start: int
    end: int
    key: str
    owners: tuple[T, ...]
    view: str = "text"
    """The view of the text it was read in (see :mod:`vault.export.views`)."""


class Matcher(Generic[T]):
    """Finds any of a set of identifier values in texts, after normalisation.

    Each value carries an *owner* (who it identifies, which field it came from); a
    skeleton shared by several values keeps all their owners. All skeletons go into ONE
    Aho-Corasick automaton (pyahocorasick), so a search costs the length of the text
    (times the few views it is read in), whatever the number of identifiers.

    The automaton holds each distinct skeleton once, with its number as value; what a hit
    needs (the key's length, its edge words, its owners) is in integer arrays indexed by
    that number, so the matcher holds no Python object per skeleton or per form (at
    10,000 protected people: ~140,000 skeletons, ~200,000 forms).
    """

    def __init__(self, values: Iterable[tuple[str, T]]) -> None:
        self._build((skeleton(value), *edge_words(value), owner) for value, owner in values)

    @classmethod
    def keyed(cls, entries: Iterable[tuple[str, int, int, T]]) -> Matcher[T]:
        """A matcher from forms already folded: (skeleton, first and last word's skeleton
        lengths, owner), as :func:`form_key` computes them. The protected identities
        table stores forms this way, so an export does not fold them again."""
        matcher = cls.__new__(cls)
        matcher._build(entries)
        return matcher

    def _build(self, entries: Iterable[tuple[str, int, int, T]]) -> None:
        # Compact on purpose (issue 16): at 10,000 protected people there are ~140,000
        # distinct skeletons. The automaton stores each key's number (STORE_INTS, no
        # Python object per key); its edge words and first owner are machine integers in
        # arrays indexed by that number; only the few skeletons shared by several owners
        # keep a list. Owners themselves are one object per record field, not per form.
        import ahocorasick

        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        people: list[T] = []
        number: dict[T, int] = {}
        left_words, right_words = array("H"), array("H")
        lengths, first = array("I"), array("I")
        more: dict[int, list[int]] = {}
        self.too_short: list[T] = []
        get, add = automaton.get, automaton.add_word
        for key, left, right, owner in entries:
            if len(key) < MIN_KEY:
                if key:
                    self.too_short.append(owner)
                continue
            who = number.get(owner)
            if who is None:
                who = number[owner] = len(people)
                people.append(owner)
            k = get(key, -1)
            if k < 0:
                add(key, len(first))
                left_words.append(min(left, _WORDS_MAX))
                right_words.append(min(right, _WORDS_MAX))
                lengths.append(len(key))
                first.append(who)
                continue
            if who != first[k]:
                shared = more.setdefault(k, [])
                if who not in shared:
                    shared.append(who)
            # Several spellings of one skeleton: keep the longer edge (matches more).
            if left > left_words[k]:
                left_words[k] = min(left, _WORDS_MAX)
            if right > right_words[k]:
                right_words[k] = min(right, _WORDS_MAX)
        self._people = people
        self._left, self._right, self._lengths = left_words, right_words, lengths
        self._first, self._more = first, more
        self._automaton = automaton
        if len(first):
            automaton.make_automaton()

    def __len__(self) -> int:
        return len(self._first)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._automaton.exists(key)

    def keys(self) -> Iterable[str]:
        """Every skeleton this matcher looks for."""
        found: Iterable[str] = self._automaton.keys() if len(self._first) else ()
        return found

    def _owners_of(self, k: int) -> tuple[T, ...]:
        people = self._people
        shared = self._more.get(k)
        if shared is None:
            return (people[self._first[k]],)
        return (people[self._first[k]], *(people[x] for x in shared))

    def owners(self, key: str) -> tuple[T, ...]:
        """Who a skeleton belongs to."""
        k = self._automaton.get(key, -1) if len(self._first) else -1
        return () if k < 0 else self._owners_of(k)

    def find(self, text: str) -> list[Match[T]]:
        """Every occurrence in ``text``, in order, overlapping ones included."""
        return sorted(self.iter_find(text), key=lambda m: (m.start, -m.end))

    def iter_find(self, text: str, *, strict: bool = False,
                  views: bool = True) -> Iterator[Match[T]]:
        """Every occurrence in ``text`` and in each of its views, lazily (not in order).

        ``strict`` holds every match to word boundaries (generated files, where numbers
        stand next to numbers); ``views=False`` reads the text as it is only."""
        if not len(self._first) or not text:
            return
        from vault.export.views import DIGIT_KEY_MIN, digit_runs, text_views

        skel = skeleton(text)
        origins = _Origins(text)
        yield from self._scan(text, skel, origins, None, strict)
        if not views:
            return
        for view in text_views(text):
            vskel = skeleton(view.text)
            yield from self._scan(view.text, vskel, _Origins(view.text), view,
                                  strict or view.strict)
        if strict:
            return
        digits = digit_runs(skel, [origins[j] for j in range(len(skel))], text)
        if digits is None:
            return
        lengths = self._lengths
        for end, k in self._automaton.iter(digits.text):
            n = lengths[k]
            if n >= DIGIT_KEY_MIN:
                s = end - n + 1
                key = digits.text[s:end + 1]
                if key.isdigit():
                    yield Match(digits.starts[s], digits.ends[end], key, self._owners_of(k),
                                digits.name)

    def _scan(self, text: str, skel: str, origins: _Origins, view: View | None,
              strict: bool) -> Iterator[Match[T]]:
        lengths = self._lengths
        for last, k in self._automaton.iter(skel):
            s, e = last - lengths[k] + 1, last + 1
            if not self._bounded(text, origins, skel, s, e, k, strict):
                continue
            start_o, end_o = origins[s], origins[e - 1] + 1
            if view is None:
                yield Match(start_o, end_o, skel[s:e], self._owners_of(k))
            else:
                yield Match(view.starts[start_o], view.ends[end_o - 1], skel[s:e],
                            self._owners_of(k), view.name)

    def _bounded(self, text: str, origins: _Origins, skel: str, s: int, e: int, k: int,
                 strict: bool = False) -> bool:
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
        lw, rw = (1, 1) if strict else (self._left[k], self._right[k])
        return (_edge_ok(skel[s], left, n if lw >= SHORT_EDGE_WORD else lw)
                and _edge_ok(skel[e - 1], right, n if rw >= SHORT_EDGE_WORD else rw))

    def search(self, text: str, *, strict: bool = False) -> Match[T] | None:
        """The first occurrence found, or None."""
        return next(self.iter_find(text, strict=strict), None)


class LazyMatcher(Matcher[T]):
    """A :class:`Matcher` built on its first search. The identifiers a bundle MAY carry
    are only consulted when a detector finds something; at 10,000 people building their
    automaton for every export would cost as much as the protected one."""

    def __init__(self, entries: Iterable[tuple[str, int, int, T]]) -> None:
        self._pending: list[tuple[str, int, int, T]] | None = list(entries)

    def _ready(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._build(pending)

    def __len__(self) -> int:
        self._ready()
        return super().__len__()

    def __contains__(self, key: object) -> bool:
        self._ready()
        return super().__contains__(key)

    def keys(self) -> Iterable[str]:
        """Every skeleton this matcher looks for."""
        self._ready()
        return super().keys()

    def owners(self, key: str) -> tuple[T, ...]:
        """Who a skeleton belongs to."""
        self._ready()
        return super().owners(key)

    def iter_find(self, text: str, *, strict: bool = False,
                  views: bool = True) -> Iterator[Match[T]]:
        """As :meth:`Matcher.iter_find`, building the automaton first."""
        self._ready()
        return super().iter_find(text, strict=strict, views=views)


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
