"""The app's dossier view offers every regime at once: one dossier per regime, opened by
the comparison of regimes, and the export wizard takes the whole set (issue 19)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import RadioSet

from tests.tui_support import TestApp, make_vault, run_async, unlock, wait_for
from tui.app.screens.dossier import DossierScreen
from tui.app.screens.export import ExportScreen
from tui.app.screens.record import RecordScreen
from vault.dossier.regimes import ALL, REGIME_IDS


@run_async
async def test_dossier_view_drafts_every_regime_with_the_comparison(tmp_path: Path) -> None:
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
        screen.query_one("#dossier-regime", RadioSet).query_one(f"#{ALL}").value = True
        await wait_for(pilot, lambda: screen.loaded is not None
                       and screen.loaded.regime == ALL)
        markdown = screen.loaded.markdown
        assert "## Comparison of regimes" in markdown
        assert markdown.count("# Recommendation for targeted sanctions:") == len(REGIME_IDS)
        # One line per gap, each a widget that opens the place that fixes it (issue 15).
        gaps = " ".join(str(line.render()) for line in
                        screen.query_one("#dossier-gap-lines").children)
        assert "no act is linked" in gaps.lower() and "[uk] " in gaps and "[au] " in gaps
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        export = app.screen
        assert isinstance(export, ExportScreen)
        assert export.dossier == (ids["person"], ALL)
    assert app.original_error is None
