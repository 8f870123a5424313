"""Choosing a new passphrase (settings): twice, masked, with the strength estimate."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from tui.app.i18n import N_, _
from tui.app.screens.modal import BaseModal
from tui.app.widgets.strength import StrengthMeter, estimate


class NewPassphraseDialog(BaseModal[str | None]):
    """Returns the new passphrase, or None; the inputs are cleared when it closes."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="dialog.cancel")]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text(_("Choose a new passphrase")), classes="dialog-title")
            yield Input(password=True, placeholder=_("New passphrase"), id="new1")
            yield StrengthMeter(id="meter")
            yield Input(password=True, placeholder=_("The same passphrase again"), id="new2")
            yield Checkbox(_("I understand this passphrase is weak, use it anyway"),
                           id="accept-weak", classes="hidden")
            yield Static("", id="problem", classes="status error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Change"), id="ok", variant="primary")
                yield Button(_("Cancel"), id="cancel")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "new1":
            weak = self.query_one("#meter", StrengthMeter).show(event.value).weak
            self.query_one("#accept-weak").set_class(not weak, "hidden")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "new1":
            self.query_one("#new2", Input).focus()
        else:
            self._finish(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._finish(event.button.id == "ok")

    def _finish(self, ok: bool) -> None:
        first = self.query_one("#new1", Input).value
        second = self.query_one("#new2", Input).value
        problem = self.query_one("#problem", Static)
        if ok:
            if not first:
                problem.update(Text(_("Type a passphrase.")))
                return
            if first != second:
                problem.update(Text(_("The two passphrases differ. Type them again.")))
                return
            if estimate(first).weak and not self.query_one("#accept-weak", Checkbox).value:
                problem.update(Text(_("This passphrase is weak. Choose a longer one, or tick "
                                      "the box to use it anyway.")))
                return
        for name in ("#new1", "#new2"):
            self.query_one(name, Input).value = ""  # secrets leave with the dialog
        self.dismiss(first if ok else None)

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self._finish(False)
