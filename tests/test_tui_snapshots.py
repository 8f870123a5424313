"""How the main screens look, in English and Simplified Chinese (pytest-textual-snapshot).

Deterministic: fixed terminal size, fixed data with fixed ids and times (the vault's clock
and id source are injected), a relative vault path, and the cursor's blink frozen.
Update after a deliberate change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at every changed SVG.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

import vault.ids
from tests.tui_support import (
    TestApp,
    counting_ids,
    fixed_clock,
    make_vault,
    unlock,
    wait_for,
)
from tui.app import i18n
from tui.app.screens.record import RecordScreen

SIZE = (120, 36)
LANGUAGES = ["en", "zh_CN"]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path so the app shows the relative path ``vault``."""
    monkeypatch.chdir(tmp_path)
    ids = counting_ids()
    monkeypatch.setattr(vault.ids, "new_id", lambda: next(ids))
    yield Path("vault")
    i18n.set_language("en")


def frozen(steps: Callable[[Pilot[Any]], Awaitable[None]] | None = None,
           ) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        if steps is not None:
            await steps(pilot)
        await pilot.pause()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()
    return run_before


@pytest.mark.parametrize("language", LANGUAGES)
def test_start_screen(snap_compare: Any, here: Path, language: str) -> None:
    assert snap_compare(TestApp(here, language=language), terminal_size=SIZE,
                        run_before=frozen())


@pytest.mark.parametrize("language", LANGUAGES)
def test_unlock_screen(snap_compare: Any, here: Path, language: str) -> None:
    make_vault(here, clock=fixed_clock())
    assert snap_compare(TestApp(here, language=language), terminal_size=SIZE,
                        run_before=frozen())


@pytest.mark.parametrize("language", LANGUAGES)
def test_browse_screen(snap_compare: Any, here: Path, language: str) -> None:
    make_vault(here, clock=fixed_clock())

    async def steps(pilot: Pilot[Any]) -> None:
        await unlock(pilot)
        await wait_for(pilot, lambda: pilot.app.screen.query_one("#cases").option_count == 2)

    assert snap_compare(TestApp(here, language=language), terminal_size=SIZE,
                        run_before=frozen(steps))


@pytest.mark.parametrize("language", LANGUAGES)
def test_record_screen(snap_compare: Any, here: Path, language: str) -> None:
    ids = make_vault(here, clock=fixed_clock())

    async def steps(pilot: Pilot[Any]) -> None:
        await unlock(pilot)
        pilot.app.screen.open_record(ids["source"])
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RecordScreen)
                       and pilot.app.screen.loaded is not None)

    assert snap_compare(TestApp(here, language=language), terminal_size=SIZE,
                        run_before=frozen(steps))
