"""The dossier view: from a person's record, the readiness check and the draft for the
chosen regime; the export wizard opens with the dossier."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Markdown, RadioSet, Static

from tests.tui_support import TestApp, make_vault, run_async, type_text, unlock, wait_for
from tui.app.screens.dossier import DossierScreen, GapLine
from tui.app.screens.editor import EditorScreen
from tui.app.screens.export import ExportScreen
from tui.app.screens.record import RecordScreen
from tui.app.screens.settings import SettingsScreen


def gap_lines(screen: DossierScreen) -> list[str]:
    return [str(line.render()) for line in screen.query(GapLine)]


async def focus_gap(pilot, app: TestApp, words: str) -> None:  # type: ignore[no-untyped-def]
    """Tab until the readiness item containing ``words`` has the cursor."""
    for _ in range(60):
        focused = app.screen.focused
        if isinstance(focused, GapLine) and words in str(focused.render()):
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached the item {words!r}")


@run_async
async def test_readiness_items_open_the_place_that_fixes_them(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["person"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierScreen)
                       and app.screen.loaded is not None and app.screen.query(GapLine))
        dossier = app.screen
        assert any("organisation is not set" in line for line in gap_lines(dossier))
        # The organisation is fixed in Settings, not with a CLI command.
        await focus_gap(pilot, app, "organisation")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen)
                       and app.screen.focused is not None
                       and app.screen.focused.id == "organisation")
        await type_text(pilot, "Example Rights Watch")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("Organisation saved" in n.message
                                          for n in app._notifications))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is dossier and dossier.query(GapLine)
                       and not any("organisation" in line for line in gap_lines(dossier)))
        # A missing nationality opens the person's editor in that field.
        await focus_gap(pilot, app, "No nationality")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        assert app.screen.focused is not None and app.screen.focused.id == "input-nationality"


@run_async
async def test_dossier_view_checks_and_drafts_then_offers_export(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["person"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierScreen)
                       and app.screen.loaded is not None)
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        gaps = str(screen.query_one("#dossier-gaps", Static).render())
        assert "Readiness:" in gaps
        assert any("No act is linked" in line for line in gap_lines(screen))
        assert screen.loaded is not None and "## 1. Legal basis" in screen.loaded.markdown
        assert "Executive Order 13818" in screen.loaded.markdown
        assert screen.query_one("#dossier-draft", Markdown) is not None
        # Another regime: the check and the draft follow.
        screen.query_one("#dossier-regime", RadioSet).query_one("#eu").value = True
        await wait_for(pilot, lambda: screen.loaded is not None
                       and screen.loaded.regime == "eu")
        assert "2020/1998" in screen.loaded.markdown
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        export = app.screen
        assert isinstance(export, ExportScreen)
        assert export.dossier == (ids["person"], "eu")
    assert app.original_error is None


@run_async
async def test_the_contact_item_opens_the_contact_setting(tmp_path: Path) -> None:
    """'No contact for the submitter' is fixed in Settings too, not with a CLI command."""
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["person"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, DossierScreen)
                       and app.screen.loaded is not None and app.screen.query(GapLine))
        dossier = app.screen
        await focus_gap(pilot, app, "No contact")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen)
                       and app.screen.focused is not None
                       and app.screen.focused.id == "contact")
        await type_text(pilot, "desk@example.org")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("Contact saved" in n.message
                                          for n in app._notifications))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is dossier and dossier.query(GapLine)
                       and not any("No contact" in line for line in gap_lines(dossier)))
    assert app.return_code in (None, 0)
