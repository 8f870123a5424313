"""Received bundles: verify, open and import bundles from partners (``vault.bundle``)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from tui.app.i18n import N_, _
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader


class BundlesScreen(BaseScreen[None]):
    """Placeholder until the partner side lands."""

    BINDINGS = [Binding("escape", "back", N_("Back"), id="bundles.back")]

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        yield Static(Text(_("Received bundles")), classes="screen-title")
        yield Static(Text(_("Not available in this build.")))
        yield Footer()

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()
