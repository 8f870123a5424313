"""Romanised forms of Chinese names, so a search typed in Latin letters finds a name stored
in Chinese characters.

The rule (also in docs/search.md):

- Only short values are romanised: a field value of at most :data:`MAX_NAME_CHARS`
  characters that holds Han characters (names, aliases, places, titles — not
  narratives, where a syllable would match far too much).
- Each run of Han characters (already folded to Simplified) gives its Hanyu Pinyin
  syllables without tones, in order, as chosen by ``pypinyin`` (its phrase dictionary
  picks the reading in context: 重庆 → chong qing). For a run of two to four characters
  the joined syllables are added too (zhangwei), and for three or four the joined parts
  after a one- or two-character surname (weiguo, ouyang, nana). So ``Zhang Wei``,
  ``zhangwei``, ``Wei Zhang``, ``Zhāng Wěi``, ``zhang1 wei3``, ``Zhang Wei-guo`` and
  ``Weiguo Zhang`` all find 张伟国 / 張偉國.
- In a query, a word that is pinyin syllables each followed by a tone number 1–5
  (``zhang1``, ``zhang1wei3``) loses the numbers. Tone marks are already removed by the
  diacritic fold.

Not covered: Wade–Giles and other romanisations, heteronyms other than the reading
``pypinyin`` picks (a surname such as 曾 is found as ``zeng`` only if that is the reading
chosen), and romanised text found by a query in characters.

``pypinyin`` costs 0.4 s and ~50 MB to load, so it is imported only when a short Chinese
value is indexed or a query holds a tone number.
"""

from __future__ import annotations

import re
from functools import cache

from vault.search.fold import fold

#: Values longer than this are not romanised (see the module docstring).
MAX_NAME_CHARS = 16

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+")
_TONED = re.compile(r"(?:[a-z]+[1-5])+")
_SYLLABLE_TONE = re.compile(r"([a-z]+)([1-5])")


def _syllables(run: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(run, style=Style.NORMAL, v_to_u=True, errors="ignore")
    return [fold(s).strip() for s in out if fold(s).strip()]


def romanised(text: str) -> str:
    """Extra index tokens for a short value holding Han characters ('' otherwise)."""
    if len(text) > MAX_NAME_CHARS:
        return ""
    folded = fold(text)
    if _HAN.search(folded) is None:
        return ""
    tokens: list[str] = []
    for match in _HAN.finditer(folded):
        syllables = _syllables(match.group())
        if not syllables:
            continue
        tokens.extend(syllables)
        n = len(syllables)
        if 2 <= n <= 4:
            tokens.append("".join(syllables))
            for k in (1, 2):
                if n - k >= 2:
                    tokens.append("".join(syllables[k:]))
                if k >= 2 and n - k >= 1:
                    tokens.append("".join(syllables[:k]))
    return " ".join(tokens)


@cache
def _known() -> frozenset[str]:
    """Every tone-less pinyin syllable ``pypinyin`` knows (for tone-number queries)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            found.add(fold(reading).strip())
    return frozenset(found)


def strip_tone_numbers(word: str) -> str:
    """``zhang1`` → ``zhang``, ``zhang1wei3`` → ``zhangwei``; any other word unchanged."""
    if not word[-1:].isdigit() or _TONED.fullmatch(word) is None:
        return word
    parts = _SYLLABLE_TONE.findall(word)
    if all(letters in _known() for letters, _ in parts):
        return "".join(letters for letters, _ in parts)
    return word
