"""The records service on a real vault: round trips for every type, validation, levels
and pinning on every path, links, imports all or nothing, and the audit log."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.record_samples import MIXED, full_record, record_strategy, seed_references
from vault.errors import InvalidInput, NotFound, PolicyRefused
from vault.records.errors import FieldError, PinnedField
from vault.records.registry import BUILTIN
from vault.records.service import RecordService
from vault.records.spec import LIST_MAX, LONG_TEXT_MAX, SHORT_TEXT_MAX, Level
from vault.session import Vault

KINDS = BUILTIN.kinds()
CANARY = "CANARY-7f3a-金丝雀"


@pytest.fixture
def svc(new_vault: Vault) -> RecordService:
    service: RecordService = new_vault.services.records
    return service


@pytest.fixture
def refs(svc: RecordService) -> dict[str, list[str]]:
    return seed_references(svc)


def _state(svc: RecordService) -> tuple[int, int, Any]:
    rows = svc.store.query("SELECT id, data, levels FROM records ORDER BY id")
    return svc.count(), len(svc.store.audit_entries()), rows


# -- round trips -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_every_field_of_every_type_round_trips(svc: RecordService, refs: dict[str, list[str]],
                                               kind: str) -> None:
    data = full_record(kind, refs)
    assert set(data) == set(BUILTIN.type(kind).fields)
    rid = svc.add(kind, data)
    record = svc.get(rid)
    assert record.kind == kind
    assert record.fields == data
    assert json.loads(json.dumps(record.to_json()))["fields"] == data
    assert set(record.levels) == set(data)
    for name, level in record.levels.items():
        assert level == BUILTIN.field(kind, name).default_level


@pytest.mark.parametrize("kind", KINDS)
def test_generated_records_round_trip(new_vault: Vault, kind: str) -> None:
    svc: RecordService = new_vault.services.records
    refs = seed_references(svc)

    @settings(max_examples=15, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(record_strategy(kind, refs))
    def check(data: dict[str, Any]) -> None:
        rid = svc.add(kind, data)
        assert svc.get(rid).fields == data
        assert svc.validate(kind, data) == data

    check()


def test_mixed_script_and_control_characters_are_stored_faithfully(
        svc: RecordService) -> None:
    for text in MIXED:
        rid = svc.add("testimony", {"narrative": text, "title": text[:50], "language": "mul"})
        assert svc.get(rid).fields["narrative"] == text
    rid = svc.add("person", {"name_original": "مىسالبەك ئۆرنەك", "aliases": MIXED[2:4]})
    assert svc.get(rid).fields["aliases"] == MIXED[2:4]


def test_id_prefix_in_a_reference_is_stored_as_the_full_id(svc: RecordService) -> None:
    person = svc.add("person", {"name": "P"})
    did = svc.add("detention", {"detainee": person[:6], "type": "liuzhi"})
    assert svc.get(did[:5]).fields["detainee"] == person
    assert [r.id for r in svc.references_to(person)] == [did]


def test_get_json_envelope_is_accepted_as_input(svc: RecordService) -> None:
    rid = svc.add("person", {"name": "Copy me", "levels": {"name": "public"}})
    envelope = svc.get(rid).to_json()
    copy = svc.add("person", envelope)
    assert svc.get(copy).fields == {"name": "Copy me"}
    assert svc.get(copy).levels["name"] == Level.PUBLIC
    with pytest.raises(InvalidInput):
        svc.add("source", envelope)


def test_empty_values_mean_no_value(svc: RecordService) -> None:
    rid = svc.add("person", {"name": "A", "aliases": [], "notes": "", "sex": None})
    assert svc.get(rid).fields == {"name": "A"}


# -- validation ----------------------------------------------------------------------------

BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("person", {"nmae": "x"}, "nmae", "no such field"),
    ("person", {"name": 5}, "name", "expected text"),
    ("person", {"name": ["a"]}, "name", "expected text"),
    ("person", {"aliases": "one"}, "aliases", "expected a list"),
    ("person", {"aliases": ["a", ""]}, "aliases", "empty"),
    ("person", {"birth_date": "2019-02-30"}, "birth_date", "does not exist"),
    ("person", {"birth_date": "2019-13"}, "birth_date", "month"),
    ("person", {"birth_date": "19-01-01"}, "birth_date", "not a date"),
    ("person", {"birth_date": "0000"}, "birth_date", "0001 or later"),
    ("person", {"birth_date": 2019}, "birth_date", "expected a date"),
    ("person", {"sex": "yes"}, "sex", "not a known code"),
    ("person", {"roles": ["victim", "hero"]}, "roles", "not a known code"),
    ("person", {"name": "x" * (SHORT_TEXT_MAX + 1)}, "name", "longer than"),
    ("person", {"notes": "x" * (LONG_TEXT_MAX + 1)}, "notes", "longer than"),
    ("person", {"phones": ["1"] * (LIST_MAX + 1)}, "phones", "more than"),
    ("person", {"name": "bad \ud800 surrogate"}, "name", "Unicode"),
    ("person", {"positions": [{"organisation": "x", "salary": "y"}]}, "positions", "unknown key"),
    ("person", {"positions": [{"from": "2019-02-30"}]}, "positions.from", "does not exist"),
    ("person", {"positions": [{}]}, "positions", "empty"),
    ("person", {"positions": ["x"]}, "positions", "object"),
    ("detention", {"type": "rsdl"}, "detainee", "required"),
    ("detention", {"detainee": "0123456789abcdef", "type": "rsdl"}, "detainee",
     "does not exist"),
    ("detention", {"detainee": "PERSON", "type": "prison"}, "type", "not a known code"),
    ("detention", {"detainee": "ACT", "type": "rsdl"}, "detainee", "must refer to"),
    ("detention", {"detainee": "zz", "type": "rsdl"}, "detainee", "not a record id"),
    ("detention", {"detainee": "PERSON", "type": "rsdl", "ill_treatment": "yes"},
     "ill_treatment", "true or false"),
    ("testimony", {"duration_minutes": "90"}, "duration_minutes", "whole number"),
    ("testimony", {"duration_minutes": True}, "duration_minutes", "whole number"),
    ("testimony", {"duration_minutes": 2**60}, "duration_minutes", "too large"),
    ("testimony", {"levels": {"narrative": "secret"}}, "narrative", "level"),
    ("testimony", {"levels": {"nope": "public"}}, "nope", "does not exist"),
]


@pytest.mark.parametrize(("kind", "data", "field", "reason"), BAD)
def test_bad_values_are_refused_naming_field_and_reason(
        svc: RecordService, kind: str, data: dict[str, Any], field: str, reason: str) -> None:
    person = svc.add("person", {"name": "P"})
    act = svc.add("act", {"type": "torture"})
    data = {k: (person if v == "PERSON" else act if v == "ACT" else v) for k, v in data.items()}
    before = _state(svc)
    with pytest.raises(FieldError) as caught:
        svc.add(kind, data)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert caught.value.exit_code == 1
    assert "\n" not in caught.value.message
    assert _state(svc) == before


def test_unknown_kind_and_non_object(svc: RecordService) -> None:
    with pytest.raises(InvalidInput, match="unknown record kind"):
        svc.add("persn", {"name": "x"})
    with pytest.raises(InvalidInput, match="JSON object"):
        svc.add("person", ["name"])  # type: ignore[arg-type]
    assert svc.count() == 0


def test_error_messages_never_hold_the_value_or_raw_escapes(svc: RecordService) -> None:
    cases: list[dict[str, Any]] = [{"birth_date": CANARY}, {"sex": CANARY}, {"name": CANARY * 2000},
             {CANARY: "x"}, {"\x1b[31mfield": "x"}, {"roles": [CANARY]}]
    for data in cases:
        with pytest.raises(FieldError) as caught:
            svc.add("person", data)
        assert CANARY not in caught.value.message
        assert "\x1b" not in caught.value.message


# -- levels and pinning ----------------------------------------------------------------------

SOURCE_IDENTITY = ["name", "name_original", "aliases", "phones", "emails", "address",
                   "handles", "current_location", "id_documents", "security_notes"]


def test_source_identity_fields_are_pinned_private() -> None:
    rtype = BUILTIN.type("source")
    for name in SOURCE_IDENTITY:
        assert rtype.fields[name].pinned
        assert rtype.fields[name].default_level == Level.PRIVATE
    for spec in rtype.fields.values():
        assert spec.pinned or not spec.identifier


def _refusals(svc: RecordService) -> list[Any]:
    return [e for e in svc.store.audit_entries() if e.action == "level.refused"]


@pytest.mark.parametrize("field", SOURCE_IDENTITY)
@pytest.mark.parametrize("level", ["public", "partner"])
def test_no_path_lowers_a_pinned_field(svc: RecordService, field: str, level: str) -> None:
    value: Any = ["x"] if BUILTIN.field("source", field).multi else "x"
    # add, with levels inside the JSON or as the argument
    before = svc.count()
    with pytest.raises(PinnedField):
        svc.add("source", {field: value, "levels": {field: level}})
    with pytest.raises(PolicyRefused):
        svc.add("source", {field: value}, levels={field: level})
    with pytest.raises(PinnedField):
        svc.validate("source", {field: value, "levels": {field: level}})
    # import
    with pytest.raises(PinnedField):
        svc.add_many("source", [{"label": "ok"}, {field: value, "levels": {field: level}}])
    assert svc.count() == before
    # edit and level, on an existing source
    rid = svc.add("source", {field: value})
    stored = svc.store.query("SELECT data, levels FROM records WHERE id = ?", (rid,))
    with pytest.raises(PinnedField):
        svc.edit(rid, {"levels": {field: level}})
    with pytest.raises(PinnedField) as caught:
        svc.set_level(rid[:6], field, level)
    assert caught.value.exit_code == 5
    assert svc.store.query("SELECT data, levels FROM records WHERE id = ?", (rid,)) == stored
    assert svc.get(rid).levels[field] == Level.PRIVATE
    refused = _refusals(svc)
    assert len(refused) == 5  # validate() writes nothing, not even an audit entry
    assert all(e.field == field for e in refused)
    assert [e.record for e in refused[-2:]] == [rid, rid]
    assert refused[-1].detail["requested"] == level


def test_pinned_field_can_be_set_private_and_others_lowered(svc: RecordService) -> None:
    rid = svc.add("source", {"name": "n", "reliability": "high"})
    svc.set_level(rid, "name", "private")
    svc.set_level(rid, "reliability", "public")
    assert svc.get(rid).levels["reliability"] == Level.PUBLIC


def test_reading_forces_pinned_fields_private(svc: RecordService) -> None:
    rid = svc.add("source", {"name": "n"})
    with svc.store.transaction("test: tamper") as tx:
        tx.execute("UPDATE records SET levels = ? WHERE id = ?", ('{"name":"public"}', rid))
        tx.audit("test.tamper", record=rid)
    assert svc.get(rid).levels["name"] == Level.PRIVATE


def test_check_reports_inconsistent_records(new_vault: Vault, svc: RecordService) -> None:
    person = svc.add("person", {"name": "A"})
    sid = svc.add("source", {"name": "n"})
    svc.add("detention", {"detainee": person, "type": "rsdl"})
    assert new_vault.check().ok
    with svc.store.transaction("test: tamper") as tx:
        tx.execute("UPDATE records SET levels = ? WHERE id = ?", ('{"name":"public"}', sid))
        tx.execute("DELETE FROM links")
        tx.audit("test.tamper")
    problems = new_vault.check().problems
    assert any(sid in p and "pinned" in p for p in problems)
    assert any("link" in p for p in problems)


def test_custom_identifier_on_source_is_pinned(svc: RecordService) -> None:
    with pytest.raises(PinnedField):
        svc.add_field("source", "signal_number", "identifier", level="partner")
    spec = svc.add_field("source", "signal_number", "text", identifier=True)
    assert spec.pinned and spec.default_level == Level.PRIVATE
    rid = svc.add("source", {"signal_number": "+86 100 0000 0000"})
    with pytest.raises(PinnedField):
        svc.set_level(rid, "signal_number", "public")


def test_levels_set_at_creation_and_changed_later(svc: RecordService) -> None:
    rid = svc.add("person", {"name": "N", "notes": "x", "levels": {"name": "public"}})
    assert svc.get(rid).levels == {"name": Level.PUBLIC, "notes": Level.PRIVATE}
    svc.set_level(rid, "notes", "partner")
    svc.set_level(rid, "phones", "public")  # a field with no value yet keeps its level
    svc.edit(rid, {"phones": ["+86 100 0000 0001"]})
    assert svc.get(rid).levels["phones"] == Level.PUBLIC
    svc.edit(rid, {"notes": None})
    assert "notes" not in svc.get(rid).fields
    assert svc.get(rid).levels["notes"] == Level.PARTNER


# -- edit, delete, links, lists -----------------------------------------------------------------

def test_edit_changes_removes_and_keeps_required(svc: RecordService) -> None:
    person, other = svc.add("person", {"name": "A"}), svc.add("person", {"name": "B"})
    did = svc.add("detention", {"detainee": person, "type": "rsdl", "facility": "F"})
    svc.edit(did, {"detainee": other[:8], "facility": None, "start": "~2019-05"})
    record = svc.get(did)
    assert record.fields == {"detainee": other, "type": "rsdl", "start": "~2019-05"}
    assert svc.references_to(person) == []
    assert [r.id for r in svc.references_to(other)] == [did]
    with pytest.raises(FieldError, match="required"):
        svc.edit(did, {"type": None})
    with pytest.raises(InvalidInput, match="nothing to change"):
        svc.edit(did, {})
    assert svc.get(did).fields == record.fields


def test_delete_refuses_a_referenced_record(svc: RecordService) -> None:
    person = svc.add("person", {"name": "A"})
    did = svc.add("detention", {"detainee": person, "type": "rsdl"})
    with pytest.raises(InvalidInput, match="referred to"):
        svc.delete(person)
    svc.delete(did)
    svc.delete(person)
    assert svc.count() == 0
    with pytest.raises(NotFound):
        svc.get(person)


def test_list_count_and_case(svc: RecordService) -> None:
    people = [svc.add("person", {"name": f"P{i}"}) for i in range(3)]
    act = svc.add("act", {"type": "torture", "victims": people[:2]})
    case = svc.add("case", {"title": "C", "records": [people[0], act]})
    assert svc.count() == 5 and svc.count("person") == 3
    assert [r.id for r in svc.list("person")] == people
    assert [r.title for r in svc.list("person", limit=1, offset=1)] == ["P1"]
    assert {r.id for r in svc.list(case=case[:6])} == {people[0], act}
    assert [r.id for r in svc.list("act", case=case)] == [act]
    with pytest.raises(InvalidInput, match="not a case"):
        svc.list(case=act)
    assert svc.list("act")[0].title == "torture"


# -- import ----------------------------------------------------------------------------------

def test_add_many_is_all_or_nothing(svc: RecordService) -> None:
    seen: list[tuple[int, int]] = []
    rows = [{"name": f"P{i}"} for i in range(5)]
    ids = svc.add_many("person", rows, progress=lambda d, t: seen.append((d, t)))
    assert len(ids) == 5 and seen[-1] == (5, 5)
    before = _state(svc)
    bad = [{"name": "ok"}, {"name": "ok"}, {"birth_date": "2019-02-30"}]
    with pytest.raises(FieldError) as caught:
        svc.add_many("person", bad)
    assert caught.value.row == 3 and caught.value.field == "birth_date"
    assert caught.value.message.startswith("row 3: ")
    assert _state(svc) == before


# -- the audit log ---------------------------------------------------------------------------

def test_every_write_is_audited_without_values(svc: RecordService) -> None:
    start = len(svc.store.audit_entries())
    pid = svc.add("person", {"name": CANARY, "notes": CANARY, "phones": [CANARY]})
    svc.add_many("person", [{"name": CANARY}])
    svc.edit(pid, {"notes": CANARY + "2", "aliases": [CANARY]})
    svc.set_level(pid, "name", "public")
    sid = svc.add("source", {"name": CANARY})
    with pytest.raises(PinnedField):
        svc.set_level(sid, "name", "public")
    svc.add_field("person", "passport_scan_ref", "text")
    svc.delete(pid)
    entries = svc.store.audit_entries()[start:]
    actions = [(e.action, e.record, e.field) for e in entries]
    assert ("record.add", pid, None) in actions
    assert ("record.edit", pid, "notes") in actions and ("record.edit", pid, "aliases") in actions
    assert ("level.change", pid, "name") in actions
    assert ("level.refused", sid, "name") in actions
    assert ("field.add", None, "passport_scan_ref") in actions
    assert ("record.delete", pid, None) in actions
    assert sum(a == "record.add" for a, _, _ in actions) == 3
    change = next(e for e in entries if e.action == "level.change")
    assert change.detail == {"old": "partner", "new": "public"}
    dumped = json.dumps([e.__dict__ for e in svc.store.audit_entries()], ensure_ascii=False)
    assert CANARY not in dumped
    assert svc.store.verify_audit().ok


# -- search hook ------------------------------------------------------------------------------

def test_records_are_indexed_for_search(svc: RecordService) -> None:
    search = pytest.importorskip("vault.search")
    tid = svc.add("testimony", {"narrative": "他们对我施以酷刑，不让我见律师。"})
    did = svc.add("detention", {"detainee": svc.add("person", {"name": "X"}), "type": "rsdl"})
    assert {h.id for h in search.search(svc.store, "酷刑")} == {tid}
    assert did in {h.id for h in search.search(svc.store, "指定居所监视居住")}
    mixed = svc.add("testimony", {"narrative": MIXED[1], "translation": MIXED[2]})
    assert mixed in {h.id for h in search.search(svc.store, "سولاپ")}
    assert mixed in {h.id for h in search.search(svc.store, "بازداشت")}
    svc.edit(tid, {"narrative": "nothing here"})
    assert search.search(svc.store, "酷刑") == []
    svc.delete(did)
    assert search.search(svc.store, "指定居所监视居住") == []


@given(st.sampled_from(MIXED))
@settings(max_examples=5, deadline=None)
def test_validate_is_idempotent_for_text(text: str) -> None:
    from vault.records.validate import clean_record

    fields, _ = clean_record(BUILTIN, "testimony", {"narrative": text})
    assert clean_record(BUILTIN, "testimony", fields)[0] == fields
