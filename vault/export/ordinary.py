"""Protected values that are ordinary words, flagged before they over-redact.

An alias such as ``Rock`` or ``老虎`` is protected like any identifier: every occurrence
in exported text is replaced, "rock music" included. That is the safe default, but a
person should know, so such a value is flagged when it is entered and in the export
preview. "Ordinary" means: one word, found in the GCIDE English dictionary
(english-words) or in pypinyin's dictionary of Chinese words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")
#: Longer values are names, not words people write by chance.
MAX_LETTERS = 12


@functools.cache
def _english() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["gcide"], lower=True, alpha=True))


@functools.cache
def _chinese() -> frozenset[str]:
    from pypinyin.phrases_dict import phrases_dict

    return frozenset(phrases_dict)


def is_ordinary_word(value: str) -> bool:
    """True when ``value`` is one ordinary English or Chinese word."""
    text = value.strip()
    if len(text) < 2 or len(text) > MAX_LETTERS or re.search(r"\s", text):
        return False
    if re.fullmatch(r"[A-Za-z]+", text):
        return text.lower() in _english()
    if re.fullmatch(r"[\u3400-\u9fff]+", text):
        return text in _chinese()
    return False


def ordinary_aliases(values: Iterable[tuple[str, T]]) -> list[T]:
    """The owners of the alias values that are ordinary words (each owner once)."""
    found: dict[T, None] = {}
    for value, owner in values:
        if getattr(owner, "field", "aliases") != "aliases":
            continue  # names are names; an alias is where a nickname like "Rock" lives
        if owner not in found and is_ordinary_word(value):
            found[owner] = None
    return list(found)


def ordinary_fields(record: Any, registry: Any) -> list[str]:
    """Identifier fields of ``record`` holding an ordinary word (flagged at entry)."""
    if not registry.has(record.kind):
        return []
    rtype = registry.type(record.kind)
    found: list[str] = []
    for name, value in record.fields.items():
        spec = rtype.fields.get(name)
        if spec is None or not spec.identifier or name != "aliases":
            continue
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and is_ordinary_word(v) for v in values):
            found.append(name)
    return found
