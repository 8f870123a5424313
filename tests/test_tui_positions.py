"""Positions are entered in a small form (organisation, unit, rank, since, until), by
keyboard, at 80×24 and in the UI language: never as raw JSON."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Label

from tests.test_tui_record import open_record, stored
from tests.tui_support import TestApp, make_vault, run_async, type_text, unlock, wait_for
from tui.app.screens.editor import EditorScreen
from tui.app.screens.record import RecordScreen
from tui.app.widgets.positions import PositionEntry, PositionsField


async def _tab_to(pilot, app: TestApp, css_class: str, entry: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the cursor is in ``css_class`` of position ``entry``."""
    for _ in range(60):
        focused = app.screen.focused
        if isinstance(focused, Input) and focused.has_class(css_class):
            owner = next(a for a in focused.ancestors if isinstance(a, PositionEntry))
            if list(app.screen.query(PositionEntry)).index(owner) == entry:
                return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached {css_class}")


@run_async
async def test_positions_are_typed_in_a_translated_form_at_80x24(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="zh_CN")
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["person"])
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        editor = app.screen
        form = editor.query_one("#input-positions", PositionsField)
        keys = [str(lbl.render()) for lbl in form.query(Label)]
        assert keys[:5] == ["组织", "单位", "职级", "起始", "截止"], keys
        await _tab_to(pilot, app, "position-organisation")
        await type_text(pilot, "Public Security Bureau")
        await pilot.press("tab")
        await type_text(pilot, "Domestic Security")
        await pilot.press("tab")
        await type_text(pilot, "Captain")
        await pilot.press("tab")
        await type_text(pilot, "2015-13")  # no thirteenth month: refused beside the field
        await pilot.press("ctrl+s")
        row = editor._row("positions")
        assert row is not None
        await wait_for(pilot, lambda: row.error_text)
        assert isinstance(app.screen, EditorScreen)
        await pilot.press("backspace", "backspace", "backspace")  # "2015"
        await pilot.press("tab", "tab")  # past "until" to "Add a position"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(form.query(PositionEntry)) == 2)
        await _tab_to(pilot, app, "position-organisation", entry=1)
        await type_text(pilot, "Example City Detention Centre")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
    record, _audit = stored(path, ids["person"])
    assert record.fields["positions"] == [
        {"organisation": "Public Security Bureau", "unit": "Domestic Security",
         "rank": "Captain", "from": "2015"},
        {"organisation": "Example City Detention Centre"}]


@run_async
async def test_stored_positions_fill_the_form_and_an_untouched_form_is_unchanged(
        tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    from tests.tui_support import PASSPHRASE
    from vault.session import Vault

    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    vault.services.records.edit(ids["person"], {"positions": [
        {"organisation": "律师事务所", "rank": "Partner", "from": "2010", "to": "2015-07"}]})
    vault.close()
    app = TestApp(path, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["person"])
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        form = editor.query_one("#input-positions", PositionsField)
        assert form.query_one(".position-organisation", Input).value == "律师事务所"
        assert form.query_one(".position-to", Input).value == "2015-07"
        assert "positions" not in editor.changed()
