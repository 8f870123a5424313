"""The normalising matcher, the pattern detectors and pseudonyms: the rules the rewriter and
the leak gate share."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault.export.detect import detect, prc_id_valid
from vault.export.normalize import Matcher, skeleton
from vault.export.pseudonym import Pseudonyms, audience

FULL = str.maketrans("0123456789abcdefghijklmnopqrstuvwxyz",
                     "０１２３４５６７８９ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ")


@pytest.mark.parametrize("value,text", [
    ("138-1234-5678", "call １３８ １２３４ ５６７８ now"),
    ("13812345678", "+8613812345678"),
    ("13812345678", "(138) 1234.5678"),
    ("13812345678", "۱۳۸۱۲۳۴۵۶۷۸"),  # Persian digits
    ("Zhang Wei", "ZHANG  wei said"),
    ("Zhang Wei", "ｚｈａｎｇ ｗｅｉ"),
    ("张伟", "我昨天见到张伟了"),
    ("Nguyễn Văn An", "Nguyen Van An"),
    ("Nguyen Van An", "NGUYỄN VĂN AN"),
    ("Ilham Tohti", "Ilham\nTohti"),
    ("Qarvekson", "QARVEKSONI saw"),  # glued to the next word (long values)
    ("a.b@example.org", "A.B@EXAMPLE.ORG"),
])
def test_matcher_finds_every_written_form(value: str, text: str) -> None:
    match = Matcher([(value, "owner")]).search(text)
    assert match is not None and match.owners == ("owner",)
    assert skeleton(text[match.start:match.end]) == skeleton(value)


@pytest.mark.parametrize("value,text", [
    ("Li", "political Lisbon"),
    ("Wei", "Weimar weight"),
    ("10.0.0.1", "sha a10001f"),
    ("Zhang Wei", "Zhang Weiming"[:0] + "Zhang Wen"),
])
def test_matcher_respects_word_boundaries_for_short_values(value: str, text: str) -> None:
    assert Matcher([(value, "o")]).search(text) is None


def test_overlapping_values_are_all_found() -> None:
    m = Matcher([("ab12345678", "x"), ("12345678cd", "y")])
    found = {o for match in m.find("zzab12345678cdzz") for o in match.owners}
    assert found == {"x", "y"}


def test_one_character_values_are_reported_not_matched() -> None:
    m = Matcher([("李", "short"), ("李明", "long")])
    assert m.too_short == ["short"]
    assert [x.owners for x in m.find("李明和李")] == [("long",)]


@settings(max_examples=60)
@given(digits=st.text(alphabet="0123456789", min_size=9, max_size=9),
       seps=st.lists(st.sampled_from(["", " ", "-", ".", "·", "\u3000", " - "]),
                     min_size=11, max_size=11),
       full=st.booleans(), prefix=st.sampled_from(["", "+86", "+86 ", "0086-", "tel:"]))
def test_any_spelling_of_a_phone_number_is_found(digits: str, seps: list[str], full: bool,
                                                 prefix: str) -> None:
    phone = "13" + digits
    written = "".join(c + s for c, s in zip(phone, seps, strict=True)).rstrip(" -.·\u3000")
    if full:
        written = written.translate(FULL)
    text = f"他说{prefix}{written}，然后"
    assert Matcher([(phone, "p")]).search(text) is not None
    start = text.index(written)
    # The detectors cover every character of it (as a phone, or as whatever overlapping
    # shape they saw first, e.g. an IPv4-like run of digits and dots).
    assert any(d.start <= start and d.end >= start + len(written) for d in detect(text))


@pytest.mark.parametrize("text,kind", [
    ("电话 138 1234 5678", "phone"),
    ("call +44 20 7946 0958", "phone"),
    ("(010) 8888 6666", "phone"),
    ("身份证 11010519491231002X", "id_number"),
    ("write to zhang.wei@example.org.", "email"),
    ("车牌 京A·12345", "plate"),
    ("licence plate: AB12 CDE", "plate"),
    ("at 39.9042, 116.4074", "coordinates"),
    ("31.2304°N, 121.4737°E", "coordinates"),
    ("from 192.168.1.20", "ip"),
    ("fe80::1ff:fe23:4567:890a", "ip"),
])
def test_detectors_find(text: str, kind: str) -> None:
    assert kind in {d.kind for d in detect(text)}


@pytest.mark.parametrize("text", [
    "on 2023-01-15 at 12:30:45", "detained 2019年3月", "ID 110105194912310021",
    "a plate of rice", "room 1203", "case 2021/44",
])
def test_detectors_stay_quiet(text: str) -> None:
    assert detect(text) == []


def test_prc_checksum() -> None:
    assert prc_id_valid("11010519491231002X")
    assert prc_id_valid("110105 19491231 002x")
    assert not prc_id_valid("110105194912310021")
    assert not prc_id_valid("1101051949123100")


def test_pseudonyms_stable_per_audience_unlinkable_across() -> None:
    key_a = b"a" * 32  # stands for derived_key(PSEUDONYM, audience(A))
    key_b = b"b" * 32
    a1, a2, b = Pseudonyms(key_a), Pseudonyms(key_a), Pseudonyms(key_b)
    rid = "0123456789abcdef"
    assert a1.label("source", rid) == a2.label("source", rid)
    assert a1.record_id(rid) == a2.record_id(rid)
    assert a1.label("source", rid) != b.label("source", rid)
    assert a1.record_id(rid) != b.record_id(rid)
    assert a1.label("source", rid).startswith("Source-")
    assert audience(["age1b", "age1a"]) == audience(["age1a", "age1b"])
    assert audience(["age1a"]) != audience(["age1b"]) != audience([], plain=True)


def test_vault_pseudonyms_differ_per_recipient(new_vault):  # type: ignore[no-untyped-def]
    from crypto.schedule import Purpose

    one = Pseudonyms(new_vault.derived_key(Purpose.PSEUDONYM, audience(["age1x"])))
    two = Pseudonyms(new_vault.derived_key(Purpose.PSEUDONYM, audience(["age1y"])))
    assert one.label("person", "ab" * 8) != two.label("person", "ab" * 8)
