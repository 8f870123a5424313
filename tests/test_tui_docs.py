"""Every binding has an id and a description, is documented in docs/tui.md, and is listed
by the help screen; the command palette offers the screen's actions and no screenshot."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.binding import Binding

import tui.app
from tests.tui_support import TestApp, make_vault, run_async, unlock, wait_for
from tui.app.bindings import declared
from tui.app.screens.help import all_bindings

DOC = Path(__file__).resolve().parent.parent / "docs" / "tui.md"


def declared_bindings() -> dict[str, list[Binding]]:
    """Class name -> bindings, for every class in tui/app that declares its own."""
    found: dict[str, list[Binding]] = {}
    for info in pkgutil.walk_packages(tui.app.__path__, "tui.app."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "BINDINGS" in vars(cls):
                found[f"{module.__name__}.{name}"] = list(declared(list(cls.BINDINGS)))
    return found


def test_every_binding_has_an_id_a_description_and_a_line_in_the_docs() -> None:
    doc = DOC.read_text()
    everything = declared_bindings()
    assert len(everything) >= 10
    for where, bindings in everything.items():
        for binding in bindings:
            assert binding.id, f"{where}: {binding.key} has no id"
            assert binding.description, f"{where}: {binding.id} has no description"
            assert f"`{binding.id}`" in doc, f"{binding.id} ({where}) is not in docs/tui.md"


def test_the_help_screen_lists_every_binding() -> None:
    listed = {b.id for _heading, bindings in all_bindings() for b in bindings}
    for where, bindings in declared_bindings().items():
        for binding in bindings:
            assert binding.id in listed, f"{binding.id} ({where}) is missing from help"


@run_async
async def test_the_command_palette_offers_the_screen_actions(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Search", "New record", "Export", "Settings", "Lock", "Help"):
            assert wanted in titles
        assert not any("screenshot" in t.lower() for t in titles)
        # Help opens from the keyboard and lists the keys.
        await pilot.press("f1")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "BrowseScreen"


async def palette_opens(pilot, app) -> None:  # type: ignore[no-untyped-def]
    """Press Ctrl+P: the command palette opens over the current screen; Escape closes it."""
    from textual.command import CommandPalette

    under = app.screen
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is under)


@run_async
async def test_ctrl_p_opens_the_palette_on_every_screen(tmp_path: Path) -> None:
    from tui.app.screens.browse import BrowseScreen

    app = TestApp(tmp_path / "none", language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "StartScreen")
        await palette_opens(pilot, app)
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "UnlockScreen")
        await palette_opens(pilot, app)
        await unlock(pilot)
        await palette_opens(pilot, app)
        for key, name in (("o", "SettingsScreen"), ("x", "ExportScreen"), ("u", "AuditScreen"),
                          ("b", "BundlesScreen"), ("n", "ChoiceDialog")):
            await pilot.press(key)
            await wait_for(pilot, lambda name=name: type(app.screen).__name__ == name
                           and bool(app.screen.query("*")))
            await palette_opens(pilot, app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, BrowseScreen))
        app.screen.open_record(ids["person"])
        await wait_for(pilot, lambda: type(app.screen).__name__ == "RecordScreen"
                       and app.screen.loaded is not None)
        await palette_opens(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "EditorScreen"
                       and app.screen.form_ready)
        await palette_opens(pilot, app)  # even with the cursor in a text field
