"""Unlock: the passphrase (masked), Argon2id in a thread with a spinner, retry on a
wrong passphrase; or the recovery key."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Footer, Input, LoadingIndicator, Static

from tui.app.i18n import N_, _
from tui.app.messages import Unlocked, UnlockFailed
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader
from vault.errors import VaultError, WrongKey
from vault.session import Vault


class UnlockScreen(BaseScreen[None]):
    """Asks for the passphrase of the vault at ``path``."""

    BINDINGS = [
        Binding("ctrl+r", "recovery", N_("Use the recovery key"), id="unlock.recovery"),
    ]

    def __init__(self, path: Path, *, demo: bool = False, note: str = "") -> None:
        super().__init__()
        self.path = path
        self.demo = demo
        self.note = note
        self.attempts = 0
        self.busy = False

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with Vertical(classes="centre-box"):
            yield Static(Text(_("Unlock the vault")), classes="screen-title")
            yield Static(Text(str(self.path)), classes="path")
            if self.demo:
                yield Static(Text(_("DEMO VAULT — fictional data. Passphrase: demo")),
                             classes="demo-banner")
            if self.note:
                yield Static(Text(self.note), classes="hint")
            yield Input(password=True, placeholder=_("Passphrase"), id="passphrase")
            yield Button(_("Unlock"), id="unlock", variant="primary")
            yield LoadingIndicator(id="busy", classes="hidden")
            yield Static("", id="status", classes="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._submit()

    def _submit(self, recovery: str | None = None) -> None:
        if self.busy:
            return
        field = self.query_one("#passphrase", Input)
        secret = field.value
        field.value = ""  # not kept in the widget while Argon2id runs
        if recovery is None and not secret:
            self._status(_("Type your passphrase."))
            return
        self.busy = True
        self.query_one("#busy").remove_class("hidden")
        self._status(_("Unlocking… (this takes a second on purpose)"))
        self._unlock(secret, recovery)

    @work(thread=True, exclusive=True, group="unlock")
    def _unlock(self, passphrase: str, recovery: str | None) -> None:
        # Argon2id runs here, off the event loop: the UI keeps drawing the spinner.
        try:
            vault = Vault.open(self.path, actor="app")
            if recovery is not None:
                vault.unlock_with_recovery(recovery)
            else:
                vault.unlock(passphrase)
        except VaultError as exc:
            self.post_message(UnlockFailed(exc))
            return
        self.post_message(Unlocked(vault, demo=self.demo))

    def on_unlock_failed(self, message: UnlockFailed) -> None:
        message.stop()
        self.busy = False
        self.attempts += 1
        self.query_one("#busy").add_class("hidden")
        if isinstance(message.error, WrongKey):
            self._status(_("Wrong passphrase. Nothing was changed; try again."), error=True)
        else:
            self._status("", error=True)
            self.show_error(message.error)
        self.query_one("#passphrase", Input).focus()

    def on_unlocked(self, message: Unlocked) -> None:
        # Bubbles on to the App, which leaves this screen.
        self.busy = False

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(Text(text))
        status.set_class(error, "error")

    def action_recovery(self) -> None:
        """Unlock with the recovery key written on paper."""
        from tui.app.screens.dialogs import PromptDialog

        def done(key: str | None) -> None:
            if key:
                self._submit(recovery=key)

        self.app.push_screen(PromptDialog(_("Recovery key (11 groups of 5)"), password=True,
                                          placeholder="ABCDE-FGHIJ-…"), done)
