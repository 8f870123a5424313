"""The registry itself: the contract of DESIGN.md, sound declarations, labels, dates, and
docs and JSON Schema that match the code."""

from __future__ import annotations

import datetime as dt
import json
import re

import jsonschema  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.record_samples import full_record
from vault.records import docgen
from vault.records import jsonschema as record_jsonschema
from vault.records.dates import BadDate, parse_date
from vault.records.labels import FIELD_LABELS_ZH, TYPE_LABELS_ZH, field_label
from vault.records.registry import BUILTIN, check_declarations
from vault.records.spec import Level
from vault.records.vocab import VOCABULARIES, codes

#: The stable core of the JSON record format (DESIGN.md, "Command line").
CORE = {
    "person": ["name", "name_original", "aliases", "birth_date", "nationality", "phones",
               "emails", "roles", "positions", "notes"],
    "source": ["name", "name_original", "aliases", "phones", "emails", "address",
               "contact_method", "consent", "reliability", "notes"],
    "testimony": ["source", "interviewer", "interview_date", "place", "language", "narrative",
                  "translation", "summary"],
    "detention": ["detainee", "type", "facility", "place", "authority", "start", "end",
                  "charges", "false_name", "lawyer_access", "family_notified",
                  "ill_treatment", "forced_confession", "outcome"],
    "act": ["type", "date", "place", "victims", "description"],
    "involvement": ["act", "perpetrator", "degree"],
    "case": ["title", "summary", "records"],
    "intervention": ["type", "date", "outcome"],
}
DETENTION_TYPES = ["criminal_detention", "formal_arrest", "rsdl", "liuzhi",
                   "pretrial_detention", "administrative_detention", "black_jail",
                   "psychiatric", "house_arrest", "enforced_disappearance", "exit_ban",
                   "forced_holiday", "non_release_release", "other"]


def test_design_core_fields_and_codes_exist() -> None:
    assert list(BUILTIN.kinds()) == list(CORE)
    for kind, names in CORE.items():
        for name in names:
            assert BUILTIN.field(kind, name)
    assert list(codes("detention_types")) == DETENTION_TYPES
    assert {"torture", "arbitrary_detention", "enforced_disappearance", "forced_confession",
            "killing"} <= set(codes("act_types"))
    assert {"ordered", "carried_out", "complicit", "failed_to_prevent"} <= set(codes("degrees"))
    assert {"victim", "witness", "perpetrator", "family", "lawyer"} <= set(codes("roles"))
    assert BUILTIN.field("detention", "type").vocabulary == "detention_types"
    assert BUILTIN.field("person", "positions").kind == "positions"
    for name in ("detainee", "perpetrator"):
        assert "person" in BUILTIN.field("detention" if name == "detainee" else "involvement",
                                         name).ref_kinds


def test_declarations_are_sound() -> None:
    assert check_declarations(BUILTIN) == []
    for rtype in BUILTIN.types():
        for spec in rtype.fields.values():
            if spec.identifier:
                assert spec.default_level >= Level.PARTNER, f"{rtype.name}.{spec.name}"
            if spec.free_text:
                assert spec.kind == "long_text"


def test_every_type_field_and_term_has_labels_in_both_languages() -> None:
    cjk = re.compile(r"[\u3400-\u9fff]")
    assert set(TYPE_LABELS_ZH) == set(BUILTIN.kinds())
    for rtype in BUILTIN.types():
        for spec in rtype.fields.values():
            assert spec.label and cjk.search(field_label(spec, "zh")), spec.name
    assert set(FIELD_LABELS_ZH) == {n for t in BUILTIN.types() for n in t.fields}
    for vocab in VOCABULARIES.values():
        assert len(set(vocab.codes())) == len(vocab.terms), vocab.name
        for term in vocab.terms:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", term.code)
            assert term.en and cjk.search(term.zh), (vocab.name, term.code)


def test_levels_are_ordered_by_rank_not_by_spelling() -> None:
    assert Level.PUBLIC < Level.PARTNER < Level.PRIVATE
    assert Level("private") > "partner"
    assert sorted(["private", "public", "partner"], key=lambda x: Level(x).rank) == [
        "public", "partner", "private"]
    assert max(Level) == Level.PRIVATE


# -- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "precision", "approx", "first", "last"), [
    ("2019", "year", False, "2019-01-01", "2019-12-31"),
    ("~2019-02", "month", True, "2019-02-01", "2019-02-28"),
    ("2020-02", "month", False, "2020-02-01", "2020-02-29"),
    ("2019-03-14", "day", False, "2019-03-14", "2019-03-14"),
])
def test_dates_with_precision(text: str, precision: str, approx: bool, first: str,
                              last: str) -> None:
    date = parse_date(text)
    assert (date.precision, date.approximate) == (precision, approx)
    assert date.first_day().isoformat() == first and date.last_day().isoformat() == last
    assert str(date) == text


@pytest.mark.parametrize("text", ["2019-02-30", "2019-02-29", "2019-13", "2019-00",
                                  "2019-04-31", "0000", "19", "2019-1-1", "2019/01/01",
                                  " 2019", "2019 ", "~~2019", "2019~", "２０１９", "2019-01-01T00"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(BadDate) as caught:
        parse_date(text)
    assert text.strip() not in str(caught.value) or not text.strip()


@given(st.dates(min_value=dt.date(1, 1, 1)), st.booleans())
@settings(max_examples=200)
def test_every_real_day_parses_and_invalid_days_do_not(day: dt.date, approx: bool) -> None:
    text = ("~" if approx else "") + day.isoformat()
    assert parse_date(text).first_day() == day
    for cut in (4, 7):
        parse_date(day.isoformat()[:cut])
    import calendar

    last = calendar.monthrange(day.year, day.month)[1]
    with pytest.raises(BadDate):
        parse_date(f"{day.year:04d}-{day.month:02d}-{last + 1:02d}")


# -- docs and schema -----------------------------------------------------------------------

def test_docs_list_every_field_of_every_type() -> None:
    text = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    assert docgen.splice(text) == text, "run: python -m vault.records.docgen --write"
    for rtype in BUILTIN.types():
        section = text.split(f"### {rtype.name}\n", 1)[1].split("\n### ", 1)[0]
        for name in rtype.fields:
            assert f"| `{name}` |" in section, f"{rtype.name}.{name} missing from docs"
    for vocab in VOCABULARIES.values():
        for code in vocab.codes():
            assert f"| `{code}` |" in text


def test_committed_schema_matches_the_registry() -> None:
    committed = (ROOT / "docs" / "record.schema.json").read_text(encoding="utf-8")
    assert committed == record_jsonschema.dumps(), "run: python -m vault.records.docgen --write"


def test_schema_accepts_records_and_refuses_bad_ones() -> None:
    schema = json.loads((ROOT / "docs" / "record.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    refs = {kind: [f"{n:016x}" for n in range(i * 10, i * 10 + 2)]
            for i, kind in enumerate(BUILTIN.kinds())}
    for kind in BUILTIN.kinds():
        data = full_record(kind, refs)
        levels = {name: spec.default_level.value
                  for name, spec in BUILTIN.type(kind).fields.items()}
        envelope = {"id": "0123456789abcdef", "kind": kind, "fields": data, "levels": levels}
        validator.validate(envelope)
        sub = {"$schema": schema["$schema"], "$defs": schema["$defs"],
               "$ref": f"#/$defs/{kind}"}
        jsonschema.Draft202012Validator(sub).validate({**data, "levels": levels})
    sub = {"$defs": schema["$defs"], "$ref": "#/$defs/detention"}
    bad = [{"detainee": "0123456789abcdef", "type": "prison"},
           {"type": "rsdl"},
           {"detainee": "0123456789abcdef", "type": "rsdl", "start": "2019-13"},
           {"detainee": "0123456789abcdef", "type": "rsdl", "colour": "red"}]
    for record in bad:
        assert not jsonschema.Draft202012Validator(sub).is_valid(record)
    source = {"$defs": schema["$defs"], "$ref": "#/$defs/source"}
    assert not jsonschema.Draft202012Validator(source).is_valid(
        {"name": "x", "levels": {"name": "public"}})
    assert jsonschema.Draft202012Validator(source).is_valid(
        {"name": "x", "levels": {"name": "private", "reliability": "public"}})
