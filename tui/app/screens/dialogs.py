"""Typed modal dialogs: each returns its result with ``dismiss`` (Frogmouth style)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DirectoryTree, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.app import errors
from tui.app.errors import title
from tui.app.i18n import N_, _
from tui.app.screens.modal import BaseModal
from tui.app.widgets.text import plain
from vault.errors import VaultError


class ErrorDialog(BaseModal[None]):
    """A vault error in the UI language: its title and what to do
    (:mod:`tui.app.errors`); outside English, ``d`` shows the vault's own message."""

    BINDINGS = [Binding("escape", "close", N_("Close"), id="dialog.close"),
                Binding("d", "details", N_("Details (English)"), id="dialog.details",
                        tooltip=N_("The vault's own message, for a helper or a report"))]

    def __init__(self, error: VaultError) -> None:
        super().__init__(classes="dialog error-dialog")
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text(title(self.error)), classes="dialog-title")
            yield Static(Text(errors.message(self.error)), classes="dialog-body")
            if errors.translated(self.error):
                yield Static(Text(self.error.message), id="error-details",
                             classes="dialog-body hint hidden")
            yield Button(_("Close"), id="close", variant="primary")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``d`` only where there is a detail to show (not in English)."""
        return action != "details" or errors.translated(self.error)

    def action_details(self) -> None:
        """Show the vault's own (English) message."""
        for found in self.query("#error-details"):
            found.toggle_class("hidden")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        """Close the dialog."""
        self.dismiss(None)


class ConfirmDialog(BaseModal[bool]):
    """A yes/no question. The safe answer ("no") has the focus, so Enter pressed by a
    tired hand never deletes or discloses anything."""

    BINDINGS = [Binding("escape", "no", N_("Cancel"), id="dialog.cancel")]
    AUTO_FOCUS = "#no"

    def __init__(self, question: str, yes: str | None = None, no: str | None = None,
                 warning: bool = False) -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.yes = yes or _("Yes")
        self.no = no or _("No")
        self.warning = warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box" + (" warning" if self.warning else "")):
            # A question may quote user text (a sender's name, a title): drawn inert.
            yield Static(plain(self.question, single_line=False), classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, id="yes",
                             variant="error" if self.warning else "primary")
                yield Button(self.no, id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_no(self) -> None:
        """Answer no."""
        self.dismiss(False)


class ShareDialog(ConfirmDialog):
    """"Let this value travel further?": the field, its value (masked for a protected
    source), the level it has and the one it would get. Cancel is focused."""

    def __init__(self, field: str, value: str, old: str, new: str) -> None:
        super().__init__(_("Let this value travel further?"), yes=_("Share more"),
                         no=_("Cancel"), warning=True)
        self.field = field
        self.value = value
        self.old = old
        self.new = new

    def compose(self) -> ComposeResult:
        from tui.app.widgets.badge import badge_text

        body = Text()
        body.append(_("Field: "), style="bold")
        body.append_text(plain(self.field))
        body.append("\n")
        body.append(_("Value: "), style="bold")
        body.append_text(plain(self.value, limit=200))
        body.append("\n")
        body.append(_("Level: "), style="bold")
        body.append_text(badge_text(self.old))
        body.append(" → ")
        body.append_text(badge_text(self.new))
        with Vertical(classes="dialog-box warning"):
            yield Label(Text(self.question), classes="dialog-title")
            yield Static(body, classes="dialog-body", id="share-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes, id="yes", variant="error")
                yield Button(self.no, id="no")


class PromptDialog(BaseModal[str | None]):
    """One line of text (masked for secrets, and then cleared when closed)."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="dialog.cancel")]

    def __init__(self, prompt: str, *, value: str = "", password: bool = False,
                 placeholder: str = "") -> None:
        super().__init__(classes="dialog")
        self.prompt = prompt
        self.initial = value
        self.password = password
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text(self.prompt), classes="dialog-title")
            yield Input(self.initial, password=self.password, placeholder=self.placeholder,
                        id="prompt")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("OK"), id="ok", variant="primary")
                yield Button(_("Cancel"), id="cancel")

    def _finish(self, ok: bool) -> None:
        field = self.query_one("#prompt", Input)
        value = field.value if ok else None
        field.value = ""  # the secret leaves the widget tree with the dialog
        self.dismiss(value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._finish(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._finish(event.button.id == "ok")

    def action_cancel(self) -> None:
        """Close without an answer."""
        self._finish(False)


class ChoiceDialog(BaseModal[str | None]):
    """Pick one of a few labelled choices."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="dialog.cancel")]

    def __init__(self, prompt: str, choices: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog")
        self.prompt = prompt
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(Text(self.prompt), classes="dialog-title")
            yield OptionList(*[Option(Text(label), id=value) for value, label in self.choices],
                             id="choices")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        """Close without a choice."""
        self.dismiss(None)


class FilePickerDialog(BaseModal[Path | None]):
    """Choose a file (or, with ``directory=True``, a destination path) from a tree of the
    disk, or type a path."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="dialog.cancel")]

    def __init__(self, prompt: str, start: Path | None = None, *, save: bool = False,
                 warning: str = "") -> None:
        super().__init__(classes="dialog file-dialog")
        self.prompt = prompt
        self.start = start or Path.home()
        self.save = save
        self.warning = warning

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(Text(self.prompt), classes="dialog-title")
            if self.warning:
                yield Static(Text(self.warning), classes="plaintext-warning")
            yield DirectoryTree(str(self.start), id="tree")
            yield Input(str(self.start) + ("/" if self.save else ""), id="path",
                        placeholder=_("Path"))
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Choose"), id="ok", variant="primary")
                yield Button(_("Cancel"), id="cancel")

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.query_one("#path", Input).value = str(event.path)
        if not self.save:
            self.dismiss(Path(event.path))

    def on_directory_tree_directory_selected(
            self, event: DirectoryTree.DirectorySelected) -> None:
        event.stop()
        self.query_one("#path", Input).value = str(event.path) + "/"

    def _finish(self) -> None:
        value = self.query_one("#path", Input).value.strip()
        if not value or (not self.save and not Path(value).expanduser().is_file()):
            self.notify(_("Choose a file."), severity="warning")
            return
        self.dismiss(Path(value).expanduser())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._finish()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        """Close without a file."""
        self.dismiss(None)
