"""Linking records by name: the editor's reference fields open a search-as-you-type
picker over titles (any script), showing kind and date; a new record can be created
from it. No hex id is ever typed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from tests.tui_support import (
    PASSPHRASE,
    TestApp,
    make_vault,
    run_async,
    type_text,
    unlock,
    wait_for,
)
from tui.app.screens.editor import EditorScreen
from tui.app.screens.record import RecordScreen
from tui.app.widgets.picker import PickerDialog, ReferenceField
from vault.session import Vault


def stored(path: Path, record_id: str):  # type: ignore[no-untyped-def]
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        records = vault.services.records
        record = records.get(record_id)
        titled = {name: records.get(value).title for name, value in record.fields.items()
                  if isinstance(value, str) and len(value) == 16 and name == "source"}
        return record, titled
    finally:
        vault.close()


async def tab_to(pilot, app: TestApp, widget_id: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(60):
        if app.screen.focused is not None and app.screen.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {widget_id}")


def suggestions(app: TestApp) -> list[str]:
    options = app.screen.query_one("#pick-list", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@run_async
async def test_link_the_interviewee_by_typing_part_of_a_name(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["testimony"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        editor = app.screen
        field = editor.query_one("#input-source", ReferenceField)
        assert "Witness K" in str(field.render())  # the title, never the id
        assert ids["source"] not in str(field.render())
        await tab_to(pilot, app, "input-source")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerDialog))
        await type_text(pilot, "王全")  # any script
        await wait_for(pilot, lambda: any("Wang Quanzhang" in s for s in suggestions(app)))
        line = next(s for s in suggestions(app) if "Wang Quanzhang" in s)
        assert "Person" in line  # the kind is shown
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.screen is editor)
        assert "Wang Quanzhang" in str(field.render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
    record, _titled = stored(path, ids["testimony"])
    assert record.fields["source"] == ids["person"]


@run_async
async def test_a_new_record_is_created_from_the_picker(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["testimony"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        editor = app.screen
        await tab_to(pilot, app, "input-persons_mentioned")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerDialog))
        await type_text(pilot, "Zhang Kai")
        await wait_for(pilot, lambda: any("New Person" in s for s in suggestions(app)))
        await pilot.press("down")
        options = app.screen.query_one("#pick-list", OptionList)
        new = next(i for i in range(options.option_count)
                   if "New Person" in str(options.get_option_at_index(i).prompt))
        while options.highlighted != new:
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is editor)
        field = editor.query_one("#input-persons_mentioned", ReferenceField)
        assert "Zhang Kai" in str(field.render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        records = vault.services.records
        mentioned = records.get(ids["testimony"]).fields["persons_mentioned"]
        assert [records.get(m).title for m in mentioned] == ["Zhang Kai"]
        assert records.get(mentioned[0]).kind == "person"
    finally:
        vault.close()
