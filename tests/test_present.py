"""One place shows and reads values (vault/records/present.py), one read model serves a
record's page (RecordService.record_page), one helper serves search — and both front
ends, the command line and the app, show what these return."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSPHRASE
from tests.record_samples import value_strategy
from tests.tui_support import TestApp, make_vault, run_async, unlock, wait_for
from tui.app.screens.record import RecordScreen
from tui.app.widgets.field_row import FieldRow
from vault.errors import VaultError
from vault.records import present
from vault.records.registry import BUILTIN
from vault.records.spec import FieldKind, FieldSpec
from vault.records.validate import clean_value
from vault.session import Vault

#: Every field of every type in the registry (the property runs over all of them).
FIELDS = [spec for rtype in BUILTIN.types() for spec in rtype.fields.values()]
#: Reference targets for the strategies: any 16-hex id (from_text does not look them up).
REFS = {rtype.name: ["0a1b000000000001", "0a1b0000000000ff"] for rtype in BUILTIN.types()}


@st.composite
def field_and_value(draw: st.DrawFn) -> tuple[FieldSpec, Any]:
    spec = draw(st.sampled_from(FIELDS))
    # The canonical stored form: what to_text is ever given (references not looked up).
    return spec, clean_value(spec, draw(value_strategy(spec, REFS)))


def test_every_field_kind_of_the_registry_is_covered() -> None:
    assert {spec.kind for spec in FIELDS} == set(FieldKind)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field_and_value())
def test_from_text_reads_back_what_to_text_writes(case: tuple[FieldSpec, Any]) -> None:
    spec, value = case
    assert present.from_text(spec, present.to_text(spec, value)) == value


def test_a_list_whose_first_item_starts_with_a_bracket_round_trips() -> None:
    # "[draft]; other" used to be read back as broken JSON (the editor refused to save).
    aliases = BUILTIN.field("person", "aliases")
    for value in (["[draft]", "other"], ["[1, 2]"], ["  [x"]):
        assert present.from_text(aliases, present.to_text(aliases, value)) == value


@pytest.mark.parametrize(("position", "line"), [
    ({"organisation": "Ministry", "unit": "3rd Bureau", "rank": "Colonel",
      "from": "2015", "to": "2019-06"}, "Colonel, 3rd Bureau, Ministry (2015 – 2019-06)"),
    ({"organisation": "Ministry", "from": "2015"}, "Ministry (2015 –)"),
    ({"rank": "Captain", "to": "~2001"}, "Captain (– ~2001)"),
    ({"unit": "Unit 7"}, "Unit 7"),
    ({"from": "2015"}, "(2015 –)"),
])
def test_one_position_format(position: dict[str, str], line: str) -> None:
    assert present.position_line(position) == line


POSITION = {"organisation": "Example City Public Security Bureau", "unit": "Domestic Security",
            "rank": "Deputy Director", "from": "2015-07"}
LINE = "Deputy Director, Domestic Security, Example City Public Security Bureau (2015-07 –)"


def _person_with_position(path: Path) -> dict[str, str]:
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        vault.services.records.edit(ids["person"], {"positions": [POSITION]})
    finally:
        vault.close()
    return ids


def test_evault_get_shows_the_position_line_of_present(tmp_path: Path, cli: Any) -> None:
    ids = _person_with_position(tmp_path / "vault")
    result = cli("get", ids["person"])
    assert result.code == 0, result.err
    assert f"positions [partner]: {LINE}" in result.out


@run_async
async def test_the_record_screen_shows_the_same_position_line(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = _person_with_position(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(140, 50)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["person"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        row = next(r for r in app.screen.query(FieldRow) if r.spec.name == "positions")
        from tui.app.widgets.fields import display

        assert display(row.spec, row.value).plain == LINE


# -- the record page ---------------------------------------------------------------------

def test_record_page_holds_links_back_links_attachments(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        note = tmp_path / "note.txt"
        note.write_text("a note")
        attached = vault.services.attachments.attach(ids["detention"], note)
        records = vault.services.records
        page = records.record_page(ids["detention"][:8])  # a prefix is enough
        assert page.record.id == ids["detention"]
        assert page.linked == {ids["person"]: present_linked(ids["person"], "person",
                                                             "Wang Quanzhang")}
        assert page.titles == {ids["person"]: "Wang Quanzhang"}
        assert [s.id for s in page.back_links] == [ids["case"]]
        assert [a.id for a in page.attachments] == [attached.id]
        assert page.provenance is None
        with pytest.raises(AttributeError):
            page.record = page.record  # type: ignore[misc]  # frozen: a read model
        assert records.record_page(ids["testimony"]).linked.keys() == {ids["source"]}
    finally:
        vault.close()


def present_linked(rid: str, kind: str, title: str) -> Any:
    from vault.records.recordpage import Linked

    return Linked(rid, kind, title)


def test_evault_get_names_each_reference_with_its_kind_and_title(tmp_path: Path,
                                                                  cli: Any) -> None:
    ids = make_vault(tmp_path / "vault")
    result = cli("get", ids["detention"])
    assert result.code == 0, result.err
    assert f"detainee [partner]: {ids['person']} (person: Wang Quanzhang)" in result.out


# -- search ------------------------------------------------------------------------------

def test_search_records_gives_titles_and_refuses_an_unknown_kind(tmp_path: Path) -> None:
    from vault.search.titled import search_records

    path = tmp_path / "vault"
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        records = vault.services.records
        found = search_records(records, "lawyer")
        assert {hit.id: title for hit, title in found}[ids["person"]] == "Wang Quanzhang"
        in_case = search_records(records, "Wang", case=ids["case"])
        assert {hit.id for hit, _ in in_case} <= {ids["person"], ids["detention"]}
        assert search_records(records, "interrogated", case=ids["case"]) == []
        with pytest.raises(VaultError):
            search_records(records, "lawyer", kind="persn")
    finally:
        vault.close()
