"""The dossier view: from a person's record, the readiness check and the draft for the
chosen regime; the export wizard opens with the dossier."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Markdown, RadioSet, Static

from tests.tui_support import TestApp, make_vault, run_async, unlock, wait_for
from tui.app.screens.dossier import DossierScreen
from tui.app.screens.export import ExportScreen
from tui.app.screens.record import RecordScreen


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
        assert "Readiness:" in gaps and "no act is linked" in gaps
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
