"""Which screen shows which destination: the one module that imports the screens.

Screens post :class:`tui.app.destinations.Go`; the app hands it here. Imports are made
on use so that starting the app loads only the screens a person opens.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen

from tui.app.destinations import (
    Attachments,
    Audit,
    Bundles,
    CreateVault,
    Destination,
    Dossier,
    Editor,
    Export,
    Go,
    RecordView,
    Settings,
    Travel,
    UnlockVault,
)


def screen_for(to: Destination) -> Screen[Any]:
    """A new screen showing ``to``."""
    if isinstance(to, RecordView):
        from tui.app.screens.record import RecordScreen

        return RecordScreen(to.record_id, focus=to.focus)
    if isinstance(to, Editor):
        from tui.app.screens.editor import EditorScreen

        return EditorScreen(to.kind, to.record_id, focus=to.focus)
    if isinstance(to, Attachments):
        from tui.app.screens.attachments import AttachmentsScreen

        return AttachmentsScreen(to.record_id)
    if isinstance(to, Export):
        from tui.app.screens.export import ExportScreen

        return ExportScreen(case=to.case, record_ids=list(to.record_ids), dossier=to.dossier)
    if isinstance(to, Dossier):
        from tui.app.screens.dossier import DossierScreen

        return DossierScreen(to.person_id)
    if isinstance(to, Settings):
        from tui.app.screens.settings import SettingsScreen

        return SettingsScreen(focus=to.focus)
    if isinstance(to, Bundles):
        from tui.app.screens.bundles import BundlesScreen

        return BundlesScreen()
    if isinstance(to, Audit):
        from tui.app.screens.audit import AuditScreen

        return AuditScreen()
    if isinstance(to, Travel):
        from tui.app.screens.travel import EndTravelScreen, StartTravelScreen

        return EndTravelScreen() if to.end else StartTravelScreen()
    if isinstance(to, CreateVault):
        from tui.app.screens.create import CreateScreen

        return CreateScreen(to.path)
    if isinstance(to, UnlockVault):
        from tui.app.screens.unlock import UnlockScreen

        return UnlockScreen(to.path, demo=to.demo, note=to.note)
    raise TypeError(f"no screen for {type(to).__name__}")


def go(app: App[Any], message: Go) -> None:
    """Open the screen for ``message.to`` (in place of the current one when asked)."""
    screen = screen_for(message.to)
    if message.replace:
        app.switch_screen(screen)
    else:
        app.push_screen(screen)


def start_screen(path: Any, *, exists: bool, demo: bool) -> Screen[Any]:
    """The first screen: unlock an existing vault, else the welcome screen."""
    if exists:
        return screen_for(UnlockVault(path, demo=demo))
    from tui.app.screens.start import StartScreen

    return StartScreen(path)


def browse_screen() -> Screen[Any]:
    """The record list, the app's home after unlocking."""
    from tui.app.screens.browse import BrowseScreen

    return BrowseScreen()


def help_screen(current: Screen[Any]) -> Screen[Any] | None:
    """The key list, unless it is already showing."""
    from tui.app.screens.help import HelpScreen

    return None if isinstance(current, HelpScreen) else HelpScreen()
