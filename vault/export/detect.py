"""Pattern detectors: identifiers the vault does not know, found in free text.

A narrative may quote a phone number, an ID card, a plate or a position that no record
holds. These detectors find the common shapes; what they find is redacted by default and
listed for review (the caller may release a finding). They err towards finding too much
(a version number looks like an IPv4 address): a false finding costs a review, a missed
one could cost a life.

Detectors run on a *view* of the text in which full-width forms, the ideographic space and
digits of other scripts are mapped one-to-one to ASCII, so positions are those of the
original text.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Detection:
    """One thing a detector found: ``text[start:end]`` is a ``kind``."""

    kind: str
    start: int
    end: int


def _ascii_view_char(c: str) -> str:
    code = ord(c)
    if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII
        return chr(code - 0xFEE0)
    if c in "\u3000\u00a0\u2002\u2003\u2009\u202f":
        return " "
    if c in "\u2010\u2011\u2012\u2013\u2014\u2212\uff0d":
        return "-"
    if c.isdigit() and not c.isascii():
        try:
            return str(unicodedata.decimal(c))
        except ValueError:
            return c
    if c in _CJK_DIGITS:
        return _CJK_DIGITS[c]
    if c in "\uff0e\u3002\uff61":  # full-width and ideographic full stops
        return "."
    return c


# Chinese numerals read digit by digit (幺 is 1 in phone numbers); one character each,
# so positions in the view are those of the text.
_CJK_DIGITS = {c: str(i) for i, chars in enumerate(
    ("〇零", "一壹幺", "二贰貳两", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖"))
    for c in chars}


class _ViewTable(dict[int, str]):
    def __missing__(self, code: int) -> str:
        value = _ascii_view_char(chr(code))
        self[code] = value
        return value


_VIEW = _ViewTable()


def ascii_view(text: str) -> str:
    """``text`` with full-width forms and foreign digits as ASCII, same length."""
    return text.translate(_VIEW)


# An optional separator between digits, as people write them: "138 1234", "138-1234",
# "138 - 1234", "138·1234".
_SEP = r"(?: {0,2}[\-.·•/]? {0,2})"

_CN_MOBILE = re.compile(
    r"(?<![\d])(?:(?:\+|00)?86[ \-]?)?1" + _SEP + r"[3-9]" + rf"(?:{_SEP}\d){{9}}(?![\d])"
)
_INTL_PHONE = re.compile(r"(?<![\w+])(?:\+|00)[1-9](?:[ \-.()·]{0,2}\d){6,14}(?![\d])")
_CN_LANDLINE = re.compile(r"(?<![\d])\(?0\d{2,3}\)?[ \-]?\d{3,4}[ \-]?\d{4}(?![\d])")
_PRC_ID = re.compile(
    r"(?<![\dA-Za-z])[1-9]\d{5}[ \-]?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12]\d|3[01])[ \-]?\d{3}[\dXx](?![\dA-Za-z])"
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w])"
)
_CN_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[ ]?[A-HJ-NP-Za-hj-np-z][ ·•\-]?[A-HJ-NP-Za-hj-np-z0-9]{4,5}[挂学警港澳]?"
    r"(?![A-Za-z0-9])"
)
_PLATE_CONTEXT = re.compile(
    r"(?:licen[cs]e\s*plate|number\s*plate|plate(?:\s*(?:no\.?|number))?|registration|"
    r"车牌号?码?|牌照|车号)\s*[:：#]?\s*"
    r"(?P<plate>[A-Za-z0-9][A-Za-z0-9 \-·]{2,9}[A-Za-z0-9])",
    re.IGNORECASE,
)
_COORD = re.compile(
    r"(?<![\d.])(?P<lat>[-+]?\d{1,2}\.\d{3,})(?:\s*°)?(?:\s*[NSns])?\s*[,;/ ]\s*"
    r"(?P<lon>[-+]?\d{1,3}\.\d{3,})(?:\s*°)?(?:\s*[EWew](?![A-Za-z]))?(?!\d|\.\d)"
)
# Degrees, minutes, seconds: 43°49'32"N, 43° 49′ 32″ N, 43d49m32s.
_DMS = re.compile(
    r"(?<![\d.])\d{1,3}\s*[°º˚d]\s*\d{1,2}(?:\.\d+)?\s*['′’m]\s*"
    r"(?:\d{1,2}(?:\.\d+)?\s*(?:[\"″”]|''|s)\s*)?[NSEWnsew]?(?![A-Za-z])")
# A latitude or longitude written alone with its hemisphere or after 北纬/东经.
_COORD_ONE = re.compile(
    r"(?:(?:北纬|南纬|东经|西经|北緯|南緯|東經|西經|lat(?:itude)?|lon(?:gitude)?|lng)\s*[:：]?\s*)"
    r"(?P<v>[-+]?\d{1,3}\.\d{3,})", re.IGNORECASE)
_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}"
    r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.]*\d)"
)
_IPV6_CANDIDATE = re.compile(r"(?<![0-9A-Fa-f:])[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def prc_id_valid(number: str) -> bool:
    """True for an 18-character PRC resident ID whose ISO 7064 MOD 11-2 check holds."""
    digits = re.sub(r"[ \-]", "", number).upper()
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17]


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


#: Regions whose national formats the phone detector reads (any number written with
#: its country code is read whatever the region).
PHONE_REGIONS = ("CN", "HK", "TW", "TR", "US", "GB", "RU", "IR", "DE")
_PHONE_CANDIDATE = re.compile(r"[+(]?\d[\d \-.()·/]{5,24}\d\)?")


def _phones(view: str) -> Iterator[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for rx in (_CN_MOBILE, _INTL_PHONE, _CN_LANDLINE):
        for m in rx.finditer(view):
            if 7 <= _digits(m.group()) <= 15:
                found.append((m.start(), m.end()))
    yield from found
    if _digits(view) < 7:
        return
    import phonenumbers

    # libphonenumber's matcher is thorough and slow: run it only around runs of digits
    # long enough to be a phone number and not found above, with a little context for
    # "+" and "(". A number with its country code is read the same in every region.
    for candidate in _PHONE_CANDIDATE.finditer(view):
        if _digits(candidate.group()) < 7 or any(
                s <= candidate.start() and candidate.end() <= e for s, e in found):
            continue
        lo = max(0, candidate.start() - 2)
        piece = view[lo:candidate.end() + 1]
        regions = PHONE_REGIONS[:1] if "+" in piece else PHONE_REGIONS
        for region in regions:
            # STRICT_GROUPING: a valid number of the region, its digit groups as the
            # region writes them (a case number 2021-0042-17 is not a Washington phone).
            for number in phonenumbers.PhoneNumberMatcher(
                    piece, region, leniency=phonenumbers.Leniency.STRICT_GROUPING):
                yield lo + int(number.start), lo + int(number.end)


_HANDLE_LABEL = re.compile(
    r"(?:wechat|weixin|wxid|wx|qq|telegram|signal|whatsapp|skype|weibo|twitter|instagram|"
    r"facebook|tiktok|douyin|line\s+id|微信号?|微博|抖音|电报|推特|账号|帳號)"
    r"(?:\s*(?:id|号|號|account|handle|is|:|：|#))*\s*[:：]?\s*@?"
    r"(?P<h>[A-Za-z0-9][A-Za-z0-9_.\-]{2,40}[A-Za-z0-9_])", re.IGNORECASE)
_HANDLE_URL = re.compile(
    r"(?:t\.me|telegram\.me|weibo\.com|twitter\.com|x\.com|instagram\.com|"
    r"facebook\.com|tiktok\.com/@|wa\.me)/+@?(?P<h>[A-Za-z0-9_.\-+]{3,64})",
    re.IGNORECASE)
_HANDLE_AT = re.compile(r"(?<![\w@.])@(?P<h>[A-Za-z0-9_][A-Za-z0-9_.]{2,40}[A-Za-z0-9_])")


def _handles(view: str) -> Iterator[tuple[int, int]]:
    for rx in (_HANDLE_LABEL, _HANDLE_URL, _HANDLE_AT):
        for m in rx.finditer(view):
            yield m.start("h"), m.end("h")


_PASSPORT_LABEL = re.compile(
    r"(?:passport|pasaport|паспорт|护照|護照|旅行证|通行证)(?:\s*(?:no\.?|number|#|号码?|號碼?))*"
    r"\s*[:：]?\s*(?P<p>[A-Za-z]{0,2}\s?\d[\d ]{5,10}\d)", re.IGNORECASE)
# Chinese passports (E/G + 8 digits, EA + 7) written bare.
_PASSPORT_BARE = re.compile(r"(?<![A-Za-z0-9])(?:[EG]\d{8}|E[A-Z]\d{7})(?![A-Za-z0-9])")


def _passports(view: str) -> Iterator[tuple[int, int]]:
    for rx, group in ((_PASSPORT_LABEL, "p"), (_PASSPORT_BARE, 0)):
        for m in rx.finditer(view):
            yield m.start(group), m.end(group)


def _ids(view: str) -> Iterator[tuple[int, int]]:
    for m in _PRC_ID.finditer(view):
        if prc_id_valid(m.group()):
            yield m.start(), m.end()


def _emails(view: str) -> Iterator[tuple[int, int]]:
    for m in _EMAIL.finditer(view):
        yield m.start(), m.end()


def _plates(view: str) -> Iterator[tuple[int, int]]:
    for m in _CN_PLATE.finditer(view):
        yield m.start(), m.end()
    for m in _PLATE_CONTEXT.finditer(view):
        plate = m.group("plate")
        if any(c.isdigit() for c in plate):
            yield m.start("plate"), m.end("plate")


def _coordinates(view: str) -> Iterator[tuple[int, int]]:
    for m in _COORD.finditer(view):
        lat, lon = float(m.group("lat")), float(m.group("lon"))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            yield m.start(), m.end()
    for m in _DMS.finditer(view):
        yield m.start(), m.end()
    for m in _COORD_ONE.finditer(view):
        yield m.start("v"), m.end("v")


_VERSION_BEFORE = re.compile(
    r"(?:\bv|\bver\.?|\bversion|\brelease|\bbuild|\bfirmware|\bupdate|\bpatch|"
    r"\bandroid|\bios|\bpython|\bopenssl|版本|版)\s*$", re.IGNORECASE)


def _ips(view: str) -> Iterator[tuple[int, int]]:
    for m in _IPV4.finditer(view):
        # "version 1.2.3.4", "v2.0.1.3": a version number, not an address.
        if _VERSION_BEFORE.search(view[max(0, m.start() - 12):m.start()]):
            continue
        yield m.start(), m.end()
    for m in _IPV6_CANDIDATE.finditer(view):
        candidate = m.group().rstrip(".:")
        if candidate.count(":") < 2:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield m.start(), m.start() + len(candidate)


#: Detector kind → finder over the ASCII view. Order matters for overlaps: an ID number
#: wins over the phone number that its digits could also spell.
DETECTORS: dict[str, Callable[[str], Iterator[tuple[int, int]]]] = {
    "id_number": _ids,
    "passport": _passports,
    "email": _emails,
    "coordinates": _coordinates,
    "ip": _ips,
    "phone": _phones,
    "handle": _handles,
    "plate": _plates,
}


def detect(text: str) -> list[Detection]:
    """Everything the detectors find in ``text``, as disjoint spans in text order.

    Where two findings overlap, the one found first in :data:`DETECTORS` order is kept and
    the other is merged into it, so every character any detector flagged is covered.
    """
    view = ascii_view(text)
    found: list[Detection] = []
    for kind, finder in DETECTORS.items():
        for start, end in finder(view):
            found.append(Detection(kind, start, end))
    rank = {kind: i for i, kind in enumerate(DETECTORS)}
    found.sort(key=lambda d: (d.start, rank[d.kind]))
    merged: list[Detection] = []
    for d in found:
        if merged and d.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Detection(last.kind, last.start, max(last.end, d.end))
        else:
            merged.append(d)
    return merged
