"""The creation wizard: passphrase twice (masked, with a strength estimate), the vault
made in a thread, then the recovery key shown once and one group of it typed back."""

from __future__ import annotations

import secrets
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Footer,
    Input,
    LoadingIndicator,
    Static,
)

from tui.app.i18n import N_, _
from tui.app.messages import Failed, Unlocked, VaultCreated
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.strength import StrengthMeter, estimate
from vault.errors import VaultError
from vault.session import Created, Vault, params_for_new_vault


class CreateScreen(BaseScreen[None]):
    """Three steps in one screen: choose, wait, write down."""

    BINDINGS = [Binding("escape", "back", N_("Back"), id="create.back")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.created: Created | None = None
        self.group_index = 0
        """Which group of the recovery key (0-based) the user must type back."""

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with ContentSwitcher(initial="choose", id="steps"):
            with Vertical(id="choose", classes="centre-box"):
                yield Static(Text(_("Create a vault")), classes="screen-title")
                yield Static(Text(str(self.path)), classes="path")
                yield Static(Text(_(
                    "Choose a passphrase of several unrelated words. Nobody can reset it: "
                    "without it or the recovery key, the vault cannot be opened.")))
                yield Input(password=True, placeholder=_("Passphrase"), id="pass1")
                yield StrengthMeter(id="meter")
                yield Input(password=True, placeholder=_("The same passphrase again"),
                            id="pass2")
                yield Checkbox(_("I understand this passphrase is weak, use it anyway"),
                               id="accept-weak", classes="hidden")
                yield Static("", id="problem", classes="status error")
                yield Button(_("Create the vault"), id="create", variant="primary")
            with Vertical(id="working", classes="centre-box"):
                yield Static(Text(_(
                    "Measuring this machine and creating the vault… this can take a few "
                    "seconds.")))
                yield LoadingIndicator()
            with Vertical(id="recovery", classes="centre-box"):
                yield Static(Text(_("Your recovery key")), classes="screen-title")
                yield Static(Text(_(
                    "Write it on paper now and keep it away from this computer. It opens the "
                    "vault if the passphrase is forgotten. It will not be shown again.")))
                yield Static("", id="recovery-key", classes="recovery-key")
                yield Static("", id="confirm-prompt")
                yield Input(id="confirm-group", placeholder="ABCDE")
                yield Static("", id="confirm-problem", classes="status error")
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("I wrote it down"), id="confirm", variant="primary")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#pass1", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "pass1":
            strength = self.query_one("#meter", StrengthMeter).show(event.value)
            self.query_one("#accept-weak").set_class(not strength.weak, "hidden")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "pass1":
            self.query_one("#pass2", Input).focus()
        elif event.input.id == "pass2":
            self._create()
        elif event.input.id == "confirm-group":
            self._confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create":
            self._create()
        elif event.button.id == "confirm":
            self._confirm()

    def _problem(self, text: str) -> None:
        self.query_one("#problem", Static).update(Text(text))

    def _create(self) -> None:
        first = self.query_one("#pass1", Input).value
        second = self.query_one("#pass2", Input).value
        if not first:
            self._problem(_("Type a passphrase."))
            return
        if first != second:
            self._problem(_("The two passphrases differ. Type them again."))
            self.query_one("#pass2", Input).value = ""
            return
        if estimate(first).weak and not self.query_one("#accept-weak", Checkbox).value:
            self._problem(_("This passphrase is weak. Choose a longer one, or tick the box "
                            "to use it anyway."))
            return
        self._problem("")
        for name in ("#pass1", "#pass2"):
            self.query_one(name, Input).value = ""
        self.query_one("#steps", ContentSwitcher).current = "working"
        self._make(first)

    @work(thread=True, exclusive=True, group="create")
    def _make(self, passphrase: str) -> None:
        try:
            params, note = params_for_new_vault()
            created = Vault.create(self.path, passphrase, params=params, kdf_note=note,
                                   actor="app")
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(VaultCreated(created))

    def on_failed(self, message: Failed) -> None:
        self.query_one("#steps", ContentSwitcher).current = "choose"

    def on_vault_created(self, message: VaultCreated) -> None:
        message.stop()
        self.created = message.created
        groups = self.created.recovery_key.split("-")
        self.group_index = secrets.randbelow(len(groups))
        self.query_one("#recovery-key", Static).update(Text(self.created.recovery_key))
        self.query_one("#confirm-prompt", Static).update(Text(_(
            "To check, type group {n} of {total} (counting from the left):").format(
                n=self.group_index + 1, total=len(groups))))
        self.query_one("#steps", ContentSwitcher).current = "recovery"
        self.query_one("#confirm-group", Input).focus()
        self.refresh_bindings()

    def _confirm(self) -> None:
        if self.created is None:
            return
        groups = self.created.recovery_key.split("-")
        typed = self.query_one("#confirm-group", Input).value.strip().upper()
        if typed != groups[self.group_index]:
            self.query_one("#confirm-problem", Static).update(Text(_(
                "That is not group {n}. Look at the key again.").format(
                    n=self.group_index + 1)))
            return
        created, self.created = self.created, None
        # Shown once: the key leaves the screen before the vault opens.
        self.query_one("#recovery-key", Static).update("")
        self.post_message(Unlocked(created.vault))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape leaves only the first step: elsewhere it is not offered at all."""
        if action == "back":
            return self.created is None and \
                self.query_one("#steps", ContentSwitcher).current == "choose"
        return True

    def quit_question(self) -> str | None:
        """Asked before Ctrl+Q while the recovery key is shown and not yet confirmed."""
        if self.created is None:
            return None
        return _("The recovery key has not been confirmed and will not be shown again. "
                 "Quit anyway?")

    def action_back(self) -> None:
        """Leave the wizard (only before the vault exists)."""
        if self.created is None and self.query_one("#steps", ContentSwitcher).current == "choose":
            self.app.pop_screen()
