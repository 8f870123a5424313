"""How every main screen looks at 80x24 (a small laptop terminal, first-class) and at
200x60, in every language (pytest-textual-snapshot): English, Simplified and Traditional
Chinese, Vietnamese.

Deterministic: fixed terminal size, fixed data with fixed ids and times (the vault's clock
and id source are injected, the unlocked vault's clock too, so a dossier's date is fixed),
a fixed pseudonym key (a dossier draft names its person ``Person-XXXX-XXXX``, keyed by a
random root the vault keeps), a relative vault path, and the cursor's blink frozen. Every
screen is snapshotted only once the state it shows is loaded (``open_and`` waits for it).
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
    PASSPHRASE,
    TestApp,
    counting_ids,
    fixed_clock,
    make_vault,
    unlock,
    wait_for,
)
from tui.app import i18n
from tui.app.screens.record import RecordScreen
from vault.session import Vault

SIZES = {"80x24": (80, 24), "200x60": (200, 60)}
LANGUAGES = ["en", "zh_CN", "zh_Hant", "vi"]


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> tuple[int, int]:
    """Each snapshot at both sizes."""
    return SIZES[request.param]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path so the app shows the relative path ``vault``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", "/home/interviewer")  # the export wizard's default path
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
def test_start_screen(snap_compare: Any, here: Path, language: str,
                      size: tuple[int, int]) -> None:
    assert snap_compare(TestApp(here, language=language), terminal_size=size,
                        run_before=frozen())


@pytest.mark.parametrize("language", LANGUAGES)
def test_unlock_screen(snap_compare: Any, here: Path, language: str,
                      size: tuple[int, int]) -> None:
    make_vault(here, clock=fixed_clock())
    assert snap_compare(TestApp(here, language=language), terminal_size=size,
                        run_before=frozen())


@pytest.mark.parametrize("language", LANGUAGES)
def test_browse_screen(snap_compare: Any, here: Path, language: str,
                      size: tuple[int, int]) -> None:
    make_vault(here, clock=fixed_clock())

    async def steps(pilot: Pilot[Any]) -> None:
        await unlock(pilot)
        await wait_for(pilot, lambda: pilot.app.screen.query_one("#cases").option_count == 2)

    assert snap_compare(TestApp(here, language=language), terminal_size=size,
                        run_before=frozen(steps))


@pytest.mark.parametrize("language", LANGUAGES)
def test_record_screen(snap_compare: Any, here: Path, language: str,
                      size: tuple[int, int]) -> None:
    ids = make_vault(here, clock=fixed_clock())

    async def steps(pilot: Pilot[Any]) -> None:
        await unlock(pilot)
        pilot.app.screen.open_record(ids["source"])
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RecordScreen)
                       and pilot.app.screen.loaded is not None)

    assert snap_compare(TestApp(here, language=language), terminal_size=size,
                        run_before=frozen(steps))


def fixed_vault(path: Path) -> dict[str, str]:
    """:func:`make_vault` with the fixed clock and a fixed pseudonym root (the vault draws
    it at random when it is created), so a dossier draft's pseudonyms never change."""
    ids = make_vault(path, clock=fixed_clock())
    with Vault.open(path, clock=fixed_clock()) as vault:
        vault.unlock(PASSPHRASE)
        with vault.store.transaction("fixing the pseudonym root") as tx:
            tx.execute("UPDATE meta SET value = ? WHERE key = 'pseudonym_root'",
                       (bytes(range(32)),))
            tx.audit("test.fixed_pseudonym_root")
    return ids


async def open_and(pilot: Pilot[Any], record: str | None, keys: str, screen: str) -> None:
    """Unlock, open ``record`` (by role) if given, press ``keys``, wait for ``screen``."""
    await unlock(pilot)
    assert pilot.app.vault is not None
    pilot.app.vault.clock = fixed_clock()  # a dossier's date is the vault's today
    if record is not None:
        pilot.app.screen.open_record(pilot.app.ids[record])
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, RecordScreen)
                       and pilot.app.screen.loaded is not None)
    for key in keys.split():
        await pilot.press(key)
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == screen
                   and bool(pilot.app.screen.query("HeaderTitle")))
    if screen == "DossierScreen":
        # ``loaded`` is set after the draft's Markdown has mounted all its blocks
        await wait_for(pilot, lambda: pilot.app.screen.loaded is not None)
    if screen == "EditorScreen":
        await wait_for(pilot, lambda: pilot.app.screen.form_ready)
    if screen == "ExportScreen":
        await wait_for(pilot, lambda: "Witness" in str(pilot.app.screen.query_one("#ids")
                                                       .render()))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("record", "keys", "screen"), [
    ("testimony", "e", "EditorScreen"),
    ("source", "x", "ExportScreen"),
    ("person", "s", "DossierScreen"),
    (None, "o", "SettingsScreen"),
], ids=["editor", "export", "dossier", "settings"])
def test_more_screens(snap_compare: Any, here: Path, language: str, size: tuple[int, int],
                      record: str | None, keys: str, screen: str) -> None:
    app = TestApp(here, language=language)
    app.ids = fixed_vault(here)  # type: ignore[attr-defined]

    async def steps(pilot: Pilot[Any]) -> None:
        await open_and(pilot, record, keys, screen)

    assert snap_compare(app, terminal_size=size, run_before=frozen(steps))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("end", [False, True], ids=["start", "end"])
def test_travel_screens(snap_compare: Any, here: Path, language: str, end: bool) -> None:
    """Start travel mode (its preview, with the case marked travel-safe) and End travel
    mode (of a vault travelling since a fixed time), at 80x24."""
    import pyrage

    from tests.tui_support import PASSPHRASE
    from vault.session import Vault

    ids = make_vault(here, clock=fixed_clock())
    vault = Vault.open(here, clock=fixed_clock())
    vault.unlock(PASSPHRASE)
    with vault:
        travel = vault.services.travel
        travel.mark([], ids["case"])
        if end:
            travel.start(Path("sealed.age"), pyrage.x25519.Identity.generate().to_public(),
                         sealed_to="recipient", passphrase=PASSPHRASE)

    async def steps(pilot: Pilot[Any]) -> None:
        await unlock(pilot)
        pilot.app.open_travel(end=end)
        name = "EndTravelScreen" if end else "StartTravelScreen"
        await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == name
                       and bool(pilot.app.screen.query("HeaderTitle")))
        if end:
            await wait_for(pilot, lambda: str(pilot.app.screen.query_one("#travel-trip")
                                              .render()).strip())
        else:
            await wait_for(pilot, lambda: pilot.app.screen.preview is not None)
        await pilot.pause(0.3)

    assert snap_compare(TestApp(here, language=language), terminal_size=(80, 24),
                        run_before=frozen(steps))
