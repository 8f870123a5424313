"""The identity model: every form an identifier the audience may not see can take.

An identifier is matched as a person, not a string. From each protected value (built
once per export from the *deduplicated* set of values, never per occurrence) come:

- **names** (of people and sources): the value; its words in the other order (given name
  first, surname first); for a name in Chinese characters, its romanisations from
  pypinyin — Hanyu Pinyin (tone marks fold away), with tone numbers, Wade–Giles — with
  the surname (one or two characters) first and last; for a name in another script, its
  anyascii transliteration. Traditional and Simplified characters need no form: the
  matcher folds every character to Simplified (OpenCC);
- **labelled identifiers** (``WeChat: xyz``, ``QQ: 123``, ``Passport E123…``,
  ``https://t.me/xyz``, ``@xyz``): the value part alone, as people write it without its
  label;
- **phone numbers**: parsed with ``phonenumbers`` (international form, else as a number of
  the likeliest regions) and matched by their national significant number, so any
  separators, a trunk 0, a country code or none all match;
- **addresses**: the parts that single a place out (a part with a house or room number and
  a street name), and for a street written in Chinese, its pinyin with the English and
  pinyin street words (``新华路12号`` → ``12 Xinhua Road``, ``Xinhua Lu 12``) and the other
  way round.

Which libraries and why: pypinyin (the maintained Mandarin romaniser, with Wade–Giles and
tone-number styles), anyascii (one transliteration table for every script),
phonenumbers (Google's libphonenumber metadata: every region's formats), OpenCC (the
reference Traditional/Simplified converter, used in :mod:`vault.export.normalize`).
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from vault.export.normalize import skeleton

T = TypeVar("T")

#: Regions a phone number written without a country code is tried in, in order.
PHONE_REGIONS = ("CN", "HK", "TW", "MO", "TR", "US", "GB", "RU", "KZ", "IR", "DE", "FR")
#: Shortest value part (skeleton characters) taken from a labelled identifier.
MIN_PART = 4

_LABEL = re.compile(
    r"^\s*(?P<label>[^\W\d_][^:：#＃\d]{0,40}?)\s*(?:[:：#＃]|\bno\.?|\bnumber\b|号码?|號碼?)"
    r"\s*[:：]?\s*(?P<value>\S.*)$", re.IGNORECASE)
_LABEL_WORDS = re.compile(
    r"^(?:passport|id|id card|resident id|identity card|national id|wechat|weixin|wx|wxid|"
    r"qq|telegram|tg|signal|whatsapp|line|skype|weibo|twitter|x|facebook|fb|instagram|"
    r"ig|tiktok|douyin|email|mail|phone|tel|mobile|cell|plate|licence|license|account|"
    r"handle|user|username|护照|護照|身份证|身份證|微信|微博|电话|電話|手机|手機|账号|帳號)$",
    re.IGNORECASE)
_URL = re.compile(r"(?:https?://)?(?:www\.)?[\w.-]+\.[a-z]{2,}/+@?(?P<value>[\w.-]+)/?$",
                  re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_STREET_CN = re.compile(r"(?P<name>[\u3400-\u9fff]{1,8}?)(?P<kind>路|街|大道|大街|巷|弄|胡同)"
                        r"\s*(?P<num>\d+)?\s*[号號]?")
_STREET_EN = re.compile(
    r"(?:(?P<num1>\d+)\s+)?(?P<name>[A-Za-z][A-Za-z \-]{1,40}?)\s+"
    r"(?P<kind>road|rd|street|st|avenue|ave|lane|alley|lu|jie|dadao|xiang)\b\.?"
    r"(?:\s*(?:no\.?\s*)?(?P<num2>\d+))?", re.IGNORECASE)
_STREET_WORDS = {"路": ("road", "lu"), "街": ("street", "jie"), "大街": ("street", "dajie"),
                 "大道": ("avenue", "dadao"), "巷": ("lane", "xiang"), "弄": ("lane", "long"),
                 "胡同": ("alley", "hutong")}
_EN_STREET = {"road": ("road", "lu"), "rd": ("road", "lu"), "lu": ("road", "lu"),
              "street": ("street", "jie"), "st": ("street", "jie"), "jie": ("street", "jie"),
              "avenue": ("avenue", "dadao"), "ave": ("avenue", "dadao"),
              "dadao": ("avenue", "dadao"), "lane": ("lane", "xiang"),
              "xiang": ("lane", "xiang"), "alley": ("alley", "hutong")}
#: Words of an address part that do not single a place out on their own.
_GENERIC = re.compile(r"^(?:room|rm|building|bldg|block|floor|fl|unit|apt|apartment|flat|"
                      r"no|number|house|door|gate|entrance|level|室|栋|楼|单元|层|号)$",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Form(Generic[T]):
    """One written form of a protected value, and whose it is."""

    text: str
    owner: T
    why: str
    """Which rule made it (``value``, ``name order``, ``pinyin``, ``phone``…)."""


def _words(value: str) -> list[str]:
    return [w for w in re.split(r"[\s,，、·・]+", value) if w]


def name_forms(value: str) -> Iterator[tuple[str, str]]:
    """Forms of a person's name (see the module docstring)."""
    words = _words(value)
    if len(words) >= 2:
        yield " ".join(words[1:] + words[:1]), "name order"
        yield " ".join(words[-1:] + words[:-1]), "name order"
    hanzi = "".join(_CJK.findall(value))
    if 2 <= len(hanzi) <= 6 and len(hanzi) >= len(re.sub(r"\s", "", value)) - 1:
        yield from _pinyin_forms(hanzi)
    elif any(ord(c) > 0x24F and c.isalpha() for c in value):
        from anyascii import anyascii

        latin = anyascii(value)
        yield latin, "transliteration"
        parts = _words(latin)
        if len(parts) >= 2:
            yield " ".join(parts[-1:] + parts[:-1]), "transliteration"


@functools.lru_cache(maxsize=65536)
def _readings(char: str) -> tuple[str, str, str, tuple[str, ...]]:
    """One character's pinyin (no tones, ü as v), with tone numbers, in Wade–Giles, and
    every reading pypinyin knows (heteronyms). Cached: names share their characters, so
    10,000 names cost a few thousand look-ups."""
    # One character at a time needs pypinyin's character table only: without these its
    # import also loads (and copies) the phrase dictionary, about 50 MB we never read.
    # Set only if nobody chose otherwise, before pypinyin's first import.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    from pypinyin import Style, pinyin

    def one(style: Style) -> str:
        return str(pinyin(char, style=style, heteronym=False)[0][0])

    every = tuple(dict.fromkeys(pinyin(char, style=Style.NORMAL, heteronym=True)[0]))
    return one(Style.NORMAL), one(Style.TONE3), one(Style.WADEGILES), every


def _pinyin_forms(hanzi: str) -> Iterator[tuple[str, str]]:
    readings = [_readings(c) for c in hanzi]
    surnames = (1, 2) if len(hanzi) >= 3 else (1,)
    for index, why in ((0, "pinyin"), (1, "pinyin with tone numbers"), (2, "Wade-Giles")):
        syllables = [str(r[index]) for r in readings]
        spellings = [syllables]
        if index == 0 and any("v" in s for s in syllables):
            spellings += [[s.replace("v", "u") for s in syllables],
                          [s.replace("v", "yu") for s in syllables]]
        for spelled in spellings:
            for cut in surnames:
                surname, given = "".join(spelled[:cut]), "".join(spelled[cut:])
                yield f"{surname} {given}", why
                yield f"{given} {surname}", why
        if index == 0:
            # The surname's other readings (单 Shan, 曾 Zeng, 解 Xie…).
            rest = "".join(syllables[1:])
            for reading in set(readings[0][3]) - {syllables[0]}:
                yield f"{reading} {rest}", why
                yield f"{rest} {reading}", why


def labelled_parts(value: str) -> Iterator[str]:
    """The value part of a labelled identifier (``QQ: 123`` → ``123``)."""
    text = value.strip()
    url = _URL.search(text)
    if url:
        yield url.group("value")
    m = _LABEL.match(text)
    if m and len(m.group("label")) <= 24:
        yield m.group("value")
        text = m.group("value")
    words = text.split()
    if len(words) >= 2 and all(_LABEL_WORDS.match(w.strip(":：#")) for w in words[:-1]):
        yield words[-1]
    if text.startswith("@"):
        yield text[1:]
    for word in words:
        word = word.strip(":：#,.;()")
        if word.startswith("@"):
            yield word[1:]
        if len(words) >= 2 and any(c.isdigit() for c in word) and len(skeleton(word)) >= 6:
            yield word


def phone_forms(value: str) -> Iterator[str]:
    """National significant numbers of a phone number (every likely region)."""
    import phonenumbers

    digits = "".join(c for c in skeleton(value) if c.isdigit())
    if len(digits) < 6:
        return
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    seen: set[str] = set()
    regions: tuple[str | None, ...] = (None,) if text.startswith("+") else PHONE_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if region is not None and not phonenumbers.is_possible_number(number):
            continue
        nsn = phonenumbers.national_significant_number(number)
        if nsn not in seen and len(nsn) >= 6:
            seen.add(nsn)
            yield nsn
    stripped = digits.lstrip("0")
    if len(stripped) >= 7 and stripped not in seen:
        yield stripped


def address_forms(value: str) -> Iterator[tuple[str, str]]:
    """The parts of an address that single a place out, in both languages."""
    parts = [p.strip() for p in re.split(r"[,，、;；\n]+", value) if p.strip()]
    for part in parts:
        words = [w for w in re.split(r"[\s.]+", part) if w]
        distinctive = [w for w in words if not _GENERIC.match(w) and not w.isdigit()]
        if any(c.isdigit() for c in part) and any(len(skeleton(w)) >= 4 for w in
                                                  distinctive):
            yield part, "address part"
    for m in _STREET_CN.finditer(value):
        from pypinyin import lazy_pinyin

        name, kind, num = m.group("name"), m.group("kind"), m.group("num")
        # The street's own name: the characters after the last district-level word.
        name = re.split(r"[省市区县州旗镇乡村]", name)[-1] or name
        if not num:
            continue
        yield f"{name}{kind}{num}", "address part"
        py = "".join(lazy_pinyin(name))
        english, pinyin_word = _STREET_WORDS[kind]
        for word in (english, pinyin_word):
            yield f"{num} {py} {word}", "address in another language"
            yield f"{py} {word} {num}", "address in another language"
            yield f"{py} {word} no {num}", "address in another language"
    for m in _STREET_EN.finditer(value):
        num = m.group("num1") or m.group("num2")
        name = m.group("name").strip()
        if not num or len(skeleton(name)) < 3:
            continue
        english, pinyin_word = _EN_STREET[m.group("kind").lower()]
        for word in (english, pinyin_word):
            yield f"{num} {name} {word}", "address part"
            yield f"{name} {word} {num}", "address part"
            yield f"{name} {word} no {num}", "address part"
        yield f"{name} {pinyin_word} {num} hao", "address in another language"


def _field_kind(field: str) -> str:
    n = field.lower()
    if "phone" in n or "mobile" in n or "tel" == n:
        return "phone"
    if any(w in n for w in ("address", "location", "place", "property", "residence")):
        return "address"
    return "other"


#: Version of the form rules above. Forms are stored in the vault (the protected
#: identities table, :mod:`vault.export.protected`); a change to any rule here must raise
#: this number, and the stored forms are then rebuilt before the next export. So must a
#: change to which built-in fields are identifiers or to their default levels, and to the
#: gate's byte encodings (:func:`vault.export.gate.byte_needles`), which are stored too.
RULES = 1


def shape(field: str, person_name: bool) -> str:
    """What the form rules need to know of a value's field: whether it is a person's name
    (and not a source's working label), and whether the field holds a phone, an address or
    something else. Two occurrences of one value with the same shape have the same forms,
    so forms are computed and stored once per (value, shape)."""
    who = "label" if person_name and field == "label" else ("name" if person_name else
                                                            "value")
    return f"{who}:{_field_kind(field)}"


def shape_forms(value: str, value_shape: str) -> Iterator[tuple[str, str]]:
    """Every form of one protected value of that shape, as (text, rule); the value first."""
    who, kind = value_shape.split(":", 1)
    person_name = who != "value"
    yield value, "value"
    # A source's working label ("Source B") is not a name anyone writes in another order
    # or romanises; its reordered form "B Source" matched an HTML tag followed by a
    # pseudonym ("<b>Source-…") and refused innocent bundles.
    if who == "name":
        yield from name_forms(value)
    if kind == "phone" or (kind == "other" and re.fullmatch(r"[\d\s+\-().·]{7,}", value)):
        for text in phone_forms(value):
            yield text, "phone number"
    if kind == "address":
        yield from address_forms(value)
    if not person_name:
        for part in labelled_parts(value):
            if len(skeleton(part)) >= MIN_PART and skeleton(part) != skeleton(value):
                yield part, "value part of a labelled identifier"
                if re.fullmatch(r"[\d\s+\-().·]{7,}", part):
                    for text in phone_forms(part):
                        yield text, "phone number"


def forms(value: str, owner: T, field: str, person_name: bool) -> Iterator[Form[T]]:
    """Every form of one protected value (the value itself first)."""
    for text, why in shape_forms(value, shape(field, person_name)):
        yield Form(text, owner, why)


class IdentityModel(Generic[T]):
    """Every form of every protected value, built once from the deduplicated values."""

    def __init__(self, values: Iterable[tuple[str, T, str, bool]]) -> None:
        """``values``: (value, owner, field name, is a person's name)."""
        self.forms: list[Form[T]] = []
        seen: set[tuple[str, T]] = set()
        for value, owner, field, person_name in values:
            if (value, owner) in seen:
                continue
            seen.add((value, owner))
            normal = unicodedata.normalize("NFC", value)
            self.forms.extend(forms(normal, owner, field, person_name))

    def pairs(self) -> list[tuple[str, T]]:
        """(form, owner) for the matcher."""
        return [(f.text, f.owner) for f in self.forms]
