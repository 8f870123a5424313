"""No vault at the path yet: create one, or open the demo vault (fictional data)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Footer, LoadingIndicator, Static

from tui.app.destinations import CreateVault, Go, UnlockVault
from tui.app.i18n import N_, _
from tui.app.messages import DemoReady, Failed, Unlocked
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader
from vault.errors import VaultError
from vault.layout import Layout


def demo_path_for(path: Path) -> Path:
    """Where the demo vault lives by default: beside the real one, never in its place."""
    return path.with_name(path.name + "-demo")


class StartScreen(BaseScreen[None]):
    """First run: explains, and offers the two ways in."""

    BINDINGS = [
        Binding("c", "create", N_("Create a vault"), id="start.create"),
        Binding("d", "demo", N_("Open the demo vault"), id="start.demo"),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with Vertical(classes="centre-box"):
            yield Static(Text(_("Welcome to evault")), classes="screen-title")
            yield Static(Text(_("There is no vault at {path} yet.").format(path=self.path)))
            yield Static(Text(_(
                "A vault keeps your records and files encrypted on this device. Nothing "
                "in it can be read without your passphrase or your recovery key.")))
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Create a new vault"), id="create", variant="primary")
                yield Button(_("Open the demo vault"), id="demo")
            yield Static(Text(_(
                "The demo vault holds invented people and events so you can try every "
                "screen safely. Its passphrase is: demo")), classes="hint")
            yield Checkbox(_("Make the demo vault here instead of at {path}").format(
                path=demo_path_for(self.path)), id="demo-here")
            yield LoadingIndicator(id="busy", classes="hidden")
        yield Footer(compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create":
            self.action_create()
        elif event.button.id == "demo":
            self.action_demo()

    def action_create(self) -> None:
        """Start the creation wizard."""
        self.post_message(Go(CreateVault(self.path)))

    def action_demo(self) -> None:
        """Make the demo vault if needed, then ask for its passphrase."""
        here = self.query_one("#demo-here", Checkbox).value
        target = self.path if here else demo_path_for(self.path)
        self.query_one("#busy").remove_class("hidden")
        self._make_demo(target)

    @work(thread=True, exclusive=True, group="long-demo")
    def _make_demo(self, target: Path) -> None:
        try:
            if Layout(target).exists():
                self.post_message(DemoReady(target))
                return
            from vault.records import demo

            created = demo.create(target)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        # Made just now with the public passphrase "demo": open it straight away.
        self.post_message(Unlocked(created.vault, demo=True))

    def on_demo_ready(self, message: DemoReady) -> None:
        self.query_one("#busy").add_class("hidden")
        self.post_message(Go(UnlockVault(Path(message.path), demo=True), replace=True))

    def on_failed(self, message: Failed) -> None:
        self.query_one("#busy").add_class("hidden")
