"""Start and end travel mode (docs/travel.md): the app's face of ``evault travel start``
and ``evault travel end``.

Start shows first what stays and what is sealed (counts by kind, never a title), where
the sealed file goes and to which key; it asks again with Cancel focused; then it runs the
same vault function as the CLI in a worker, step by step. End checks the sealed file
first (key, vault, trip, signature, every hash: nothing written) and shows its manifest's
counts; only then can the restore run. Every refusal is one translated line, and the
vault is unchanged after it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Footer, Input, ProgressBar, RadioButton, RadioSet, Static

from tui.app.i18n import N_, _
from tui.app.screens.base import BaseScreen
from tui.app.travel import (
    START_STEPS,
    TravelEnded,
    TravelFailed,
    TravelInspected,
    TravelPreviewed,
    TravelStarted,
    TravelStep,
    error_line,
    kinds_text,
    start_step,
)
from tui.app.widgets.fields import type_label
from tui.app.widgets.header import SafeHeader
from vault.errors import VaultError
from vault.session import Vault

#: Name of the sealed file offered first, beside the vault directory (never inside it).
DEFAULT_NAME = "evault-travel.age"


def default_sealed_path(vault_root: Path) -> Path:
    """A new file next to the vault directory (``evault-travel.age``, ``-2``…)."""
    folder = vault_root.parent
    candidate = folder / DEFAULT_NAME
    n = 2
    while candidate.exists():
        candidate = folder / f"evault-travel-{n}.age"
        n += 1
    return candidate


def refresh_banner(screen: BaseScreen[Any]) -> None:
    """Every open screen's header says again whether travel mode is on."""
    subtitle = screen.evault.subtitle()
    for open_screen in screen.app.screen_stack:
        if open_screen.sub_title is not None:
            open_screen.sub_title = subtitle


class _TravelScreen(BaseScreen[None]):
    """What both screens share: kind names, the key choice, the error line."""

    DEFAULT_CSS = """
    #travel-preview { margin-bottom: 1; }
    .travel-row { height: auto; }
    .travel-row Input { width: 1fr; }
    .travel-row Button { margin: 0 0 0 1; }
    #travel-error { margin-top: 1; }
    """

    def _kind(self, kind: str) -> str:
        try:
            return type_label(self.vault.services.records.registry.type(kind))
        except (VaultError, KeyError):
            return kind

    def _show_error(self, text: str) -> None:
        line = self.query_one("#travel-error", Static)
        line.update(Text(text))
        line.remove_class("hidden")
        self.query_one("#travel-progress").add_class("hidden")

    def _clear_error(self) -> None:
        self.query_one("#travel-error", Static).add_class("hidden")

    def _compact(self) -> None:
        """No blank line above each field (the app's stylesheet gives every Input one):
        the whole screen fits 80x24 up to the keys."""
        for field in self.query(Input):
            field.styles.margin = (0, 0, 0, 0)

    def _key_choice(self) -> str:
        pressed = self.query_one("#travel-key", RadioSet).pressed_button
        return pressed.id if pressed is not None and pressed.id else "key-recovery"

    def on_unmount(self) -> None:
        for field in self.query(Input):
            if field.password:
                field.value = ""  # secrets leave the widget tree with the screen

    def action_back(self) -> None:
        """Leave (nothing happens before the confirmation)."""
        self.app.pop_screen()


class StartTravelScreen(_TravelScreen):
    """Preview, choose where and to which key, confirm with Cancel focused, seal."""

    BINDINGS = [Binding("escape", "back", N_("Back"), id="travel.start.back")]

    def __init__(self) -> None:
        super().__init__()
        self.preview: Any = None
        self.started = False
        """True from the confirmation on (until a refusal)."""
        self.done = False
        """True once travel mode is on."""

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with VerticalScroll(id="travel-body"):
            yield Static(Text(_("Start travel mode")), classes="screen-title")
            yield Static(Text(_("Counting what stays and what is sealed…")),
                         id="travel-preview")
            yield Static(Text(_("Never carry the recovery key with you: with it, whoever "
                                "holds the sealed file opens everything in it.")),
                         classes="plaintext-warning")
            yield Static(Text(_("Sealed file (keep it apart from this laptop: a USB stick, "
                               "a colleague, sent ahead)")))
            with Horizontal(classes="travel-row"):
                yield Input(str(default_sealed_path(self.evault.vault_path)), id="travel-out")
                yield Button(_("Choose…"), id="travel-browse")
            yield Static(Text(_("Seal to")))
            with RadioSet(id="travel-key"):
                yield RadioButton(_("this vault's recovery key (the one on paper)"),
                                  value=True, id="key-recovery")
                yield RadioButton(_("an age public key (a colleague's or the organisation's)"),
                                  id="key-recipient")
            yield Input(password=True, id="travel-recovery",
                        placeholder=_("Recovery key (checked against this vault)"))
            yield Input(id="travel-recipient", classes="hidden", placeholder="age1…")
            yield Input(password=True, id="travel-passphrase",
                        placeholder=_("Your passphrase (the vault's keys change)"))
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Start travel mode…"), id="travel-start", variant="error",
                             disabled=True)
                yield Button(_("Cancel"), id="travel-cancel")
            yield ProgressBar(id="travel-progress", total=len(START_STEPS), show_eta=False,
                              classes="hidden")
            yield Static("", id="travel-status")
            yield Static("", id="travel-error", classes="error hidden")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._compact()
        self.query_one("#travel-recovery", Input).focus()
        self._load()

    @work(thread=True, exclusive=True, group="travel-preview")
    def _load(self) -> None:
        try:
            travel = self.vault.services.travel
            found = travel.preview()
            trip = travel.trip()
        except VaultError as exc:
            self.post_message(TravelFailed(exc, "preview"))
            return
        self.post_message(TravelPreviewed(found, trip))

    def on_travel_previewed(self, message: TravelPreviewed) -> None:
        message.stop()
        self.preview = found = message.preview
        body = Text()
        body.append(_("Stays on this device: "), style="bold")
        body.append(_("{n} travel-safe record(s) ({kinds}), with {a} attachment(s).").format(
            n=found.kept, kinds=kinds_text(dict(found.kept_by_kind), self._kind) or "—",
            a=found.kept_attachments) + "\n")
        body.append(_("Sealed and removed: "), style="bold")
        body.append(_("{n} record(s) ({kinds}), {a} attachment(s) ({size:,} bytes), "
                      "{d} draft(s).").format(
            n=sum(found.records.values()), kinds=kinds_text(dict(found.records), self._kind)
            or "—", a=found.attachments, size=found.attachment_bytes, d=found.drafts))
        blocked = ""
        if message.trip is not None and message.trip.phase == "sealed":
            blocked = _("The last start was interrupted after its records were sealed: "
                        "run 'evault travel start' to finish it.")
        elif message.trip is not None:
            blocked = _("The vault is already in travel mode: end the trip first.")
        elif found.refusals:
            blocked = _("Cannot start: {n} travel-safe record(s) refer to records that are "
                        "not. Mark both, or neither:").format(n=len(found.refusals))
            for line in found.refusals[:3]:
                blocked += "\n• " + line
        elif not sum(found.records.values()) and not found.drafts:
            blocked = _("Nothing to seal: every record is marked travel-safe.")
        if blocked:
            body.append("\n")
            body.append(blocked, style="bold")
        self.query_one("#travel-preview", Static).update(body)
        self.query_one("#travel-start", Button).disabled = bool(blocked)

    # -- choosing --------------------------------------------------------------------

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        recipient = event.pressed.id == "key-recipient"
        self.query_one("#travel-recipient").set_class(not recipient, "hidden")
        self.query_one("#travel-recovery").set_class(recipient, "hidden")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "travel-browse":
            self._choose_out()
        elif event.button.id == "travel-start":
            self.action_start()
        elif event.button.id == "travel-cancel":
            self.action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def _choose_out(self) -> None:
        from tui.app.screens.dialogs import FilePickerDialog

        current = Path(self.query_one("#travel-out", Input).value.strip() or ".").expanduser()

        def chosen(path: Path | None) -> None:
            if path is not None:
                if path.is_dir():
                    path = path / DEFAULT_NAME
                self.query_one("#travel-out", Input).value = str(path)

        self.app.push_screen(FilePickerDialog(_("Write the sealed file to…"), current.parent,
                                              save=True), chosen)

    def action_start(self) -> None:
        """Check the answers, then ask once more (Cancel focused)."""
        from tui.app.screens.dialogs import ConfirmDialog

        if self.preview is None or self.started \
                or self.query_one("#travel-start", Button).disabled:
            return
        self._clear_error()
        out = Path(self.query_one("#travel-out", Input).value.strip()).expanduser()
        to_recipient = self._key_choice() == "key-recipient"
        key = self.query_one("#travel-recipient" if to_recipient else "#travel-recovery",
                             Input).value.strip()
        passphrase = self.query_one("#travel-passphrase", Input).value
        if not out.name:
            self._show_error(_("Choose where to write the sealed file."))
            return
        if out.exists():
            self._show_error(_("{path} already exists; choose a new file name.").format(
                path=out))
            return
        if not key:
            self._show_error(_("Type the age public key to seal to.") if to_recipient
                             else _("Type the recovery key (it is checked, not kept)."))
            return
        if not passphrase:
            self._show_error(_("Type your passphrase: the vault's keys change at the "
                               "start."))
            return
        found = self.preview
        question = _("Seal {n} record(s), {a} attachment(s) and {d} draft(s) into {path}, "
                     "to {key}, and remove them from this vault until you end travel "
                     "mode?").format(
            n=sum(found.records.values()), a=found.attachments, d=found.drafts, path=out,
            key=_("an age public key") if to_recipient else _("the recovery key"))

        def answer(yes: bool | None) -> None:
            if yes:
                self.started = True
                self.query_one("#travel-start", Button).disabled = True
                self.query_one("#travel-progress").remove_class("hidden")
                self._start(out, to_recipient, key, passphrase)

        self.app.push_screen(ConfirmDialog(question, yes=_("Seal and start"),
                                           no=_("Cancel"), warning=True), answer)

    @work(thread=True, exclusive=True, group="long-travel-start")
    def _start(self, out: Path, to_recipient: bool, key: str, passphrase: str) -> None:
        from vault.travel.service import recipient_from_text

        step = "passphrase"
        try:
            vault = self.vault
            # The keys are re-wrapped under the passphrase typed: check it on a separate
            # handle first (whoever sits at an unlocked laptop must not choose it).
            probe = Vault.open(vault.layout.root, actor="app")
            try:
                probe.unlock(passphrase)
            finally:
                probe.lock()
            travel = vault.services.travel
            if to_recipient:
                step = "recipient"
                recipient, sealed_to = recipient_from_text(key), "recipient"
            else:
                step = "recovery"
                recipient, sealed_to = travel.recovery_recipient(key), "recovery-key"
            step = "start"

            def progress(line: str) -> None:
                number, text = start_step(line)
                if number:
                    self.post_message(TravelStep(number, len(START_STEPS), text))

            started = travel.start(out, recipient, sealed_to=sealed_to, passphrase=passphrase,
                                   progress=progress)
        except VaultError as exc:
            self.post_message(TravelFailed(exc, step))
            return
        self.post_message(TravelStarted(started))

    def action_back(self) -> None:
        """Leave, unless the start is running (its result and the banner show here)."""
        if self.started and not self.done:
            self.notify(_("Travel mode is starting; wait until it has finished."))
            return
        self.app.pop_screen()

    def on_travel_step(self, message: TravelStep) -> None:
        message.stop()
        self.query_one("#travel-progress", ProgressBar).update(total=message.total,
                                                               progress=message.step - 1)
        self.query_one("#travel-status", Static).update(Text(message.text))

    def on_travel_started(self, message: TravelStarted) -> None:
        message.stop()
        self.done = True
        counts = message.started.counts
        self.evault.data_version += 1
        self.query_one("#travel-progress", ProgressBar).update(progress=len(START_STEPS))
        for field in self.query(Input):
            if field.password:
                field.value = ""
        self.query_one("#travel-status", Static).update(Text(_(
            "Travel mode is on. Sealed {n} record(s), {a} attachment(s) and {d} draft(s) "
            "into {path}. Keep that file apart from this device; never carry the recovery "
            "key.").format(n=counts.get("records", 0), a=counts.get("attachments", 0),
                           d=counts.get("drafts", 0), path=message.started.path)))
        cancel = self.query_one("#travel-cancel", Button)
        cancel.label = _("Close")
        cancel.focus()
        refresh_banner(self)

    def on_travel_failed(self, message: TravelFailed) -> None:
        message.stop()
        self.started = False
        self.query_one("#travel-start", Button).disabled = self.preview is None
        self._show_error(error_line(message.error, message.step))
        if message.step == "start":
            self._load()  # the counts again (an Unfinished start changed them)


class EndTravelScreen(_TravelScreen):
    """Choose the sealed file and the key, check it (its counts), then restore."""

    BINDINGS = [Binding("escape", "back", N_("Back"), id="travel.end.back")]

    def __init__(self) -> None:
        super().__init__()
        self.checked: tuple[str, str, str] | None = None
        """(file, key choice, key) that the last check opened; Restore uses only these."""
        self.busy = False
        self.pending: tuple[str, str, str] | None = None
        """The answers being checked right now."""

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with VerticalScroll(id="travel-body"):
            yield Static(Text(_("End travel mode")), classes="screen-title")
            yield Static("", id="travel-trip")
            yield Static(Text(_("Sealed file")))
            with Horizontal(classes="travel-row"):
                yield Input(str(self.evault.vault_path.parent / DEFAULT_NAME),
                            id="travel-from")
                yield Button(_("Choose…"), id="travel-browse")
            yield Static(Text(_("Open it with")))
            with RadioSet(id="travel-key"):
                yield RadioButton(_("this vault's recovery key"), value=True,
                                  id="key-recovery")
                yield RadioButton(_("an age identity file (for a file sealed to an age key)"),
                                  id="key-identity")
            yield Input(password=True, id="travel-recovery", placeholder=_("Recovery key"))
            yield Input(id="travel-identity", classes="hidden",
                        placeholder=_("Path of the age identity file"))
            yield Static("", id="travel-manifest")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Check the file"), id="travel-check", variant="primary")
                yield Button(_("Restore"), id="travel-restore", variant="warning",
                             disabled=True)
                yield Button(_("Cancel"), id="travel-cancel")
            yield ProgressBar(id="travel-progress", total=None, show_eta=False,
                              classes="hidden")
            yield Static("", id="travel-error", classes="error hidden")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._compact()
        self.query_one("#travel-recovery", Input).focus()
        self._load()

    @work(thread=True, exclusive=True, group="travel-trip")
    def _load(self) -> None:
        try:
            trip = self.vault.services.travel.trip()
        except VaultError as exc:
            self.post_message(TravelFailed(exc, "trip"))
            return
        self.app.call_from_thread(self._show_trip, trip)

    def _show_trip(self, trip: Any) -> None:
        if trip is None:
            text = _("The vault is not in travel mode.")
        else:
            key = _("the recovery key") if trip.sealed_to == "recovery-key" \
                else _("an age public key")
            text = _("Travel mode is on since {when}: {n} record(s) and {a} attachment(s) "
                     "were sealed to {key}.").format(
                when=trip.started.replace("T", " "), n=trip.counts.get("records", 0),
                a=trip.counts.get("attachments", 0), key=key)
        self.query_one("#travel-trip", Static).update(Text(text))

    def _answers(self) -> tuple[str, str, str]:
        choice = self._key_choice()
        key = self.query_one("#travel-identity" if choice == "key-identity"
                             else "#travel-recovery", Input).value.strip()
        return self.query_one("#travel-from", Input).value.strip(), choice, key

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        identity = event.pressed.id == "key-identity"
        self.query_one("#travel-identity").set_class(not identity, "hidden")
        self.query_one("#travel-recovery").set_class(identity, "hidden")
        self._answers_changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._answers_changed()

    def _answers_changed(self) -> None:
        """A restore runs only with the file and key that were checked."""
        if self.checked is not None and self.checked != self._answers():
            self.checked = None
            self.query_one("#travel-restore", Button).disabled = True
            self.query_one("#travel-manifest", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id in ("travel-recovery", "travel-identity"):
            self.action_check()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id
        if button == "travel-browse":
            self._choose_file()
        elif button == "travel-check":
            self.action_check()
        elif button == "travel-restore":
            self.action_restore()
        elif button == "travel-cancel":
            self.action_back()

    def _choose_file(self) -> None:
        from tui.app.screens.dialogs import FilePickerDialog

        current = Path(self.query_one("#travel-from", Input).value.strip() or ".").expanduser()

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.query_one("#travel-from", Input).value = str(path)

        self.app.push_screen(FilePickerDialog(_("The sealed file"), current.parent), chosen)

    def action_check(self) -> None:
        """Open and check the sealed file with the key given; write nothing."""
        if self.busy:
            return
        answers = self._answers()
        if not answers[0] or not answers[2]:
            self._show_error(_("Choose the sealed file and give the key that opens it."))
            return
        self._clear_error()
        self.busy = True
        self.pending = answers
        self.query_one("#travel-manifest", Static).update(Text(_("Checking the sealed "
                                                                 "file…")))
        self.query_one("#travel-progress").remove_class("hidden")
        self._run(answers, restore=False)

    def action_restore(self) -> None:
        """Restore what the checked file holds."""
        if self.busy or self.checked is None or self.checked != self._answers():
            return
        self._clear_error()
        self.busy = True
        self.query_one("#travel-restore", Button).disabled = True
        self.query_one("#travel-progress").remove_class("hidden")
        self._run(self.checked, restore=True)

    @work(thread=True, exclusive=True, group="long-travel-end")
    def _run(self, answers: tuple[str, str, str], restore: bool) -> None:
        from vault.travel.service import identity_from_file

        path, choice, key = answers
        step = "identity" if choice == "key-identity" else "end"
        try:
            travel = self.vault.services.travel
            identity = (identity_from_file(Path(key).expanduser()) if choice == "key-identity"
                        else travel.recovery_identity(key))
            step = "end"
            source = Path(path).expanduser()
            done: Message = (TravelEnded(travel.end(source, identity)) if restore
                             else TravelInspected(travel.inspect(source, identity)))
        except VaultError as exc:
            self.post_message(TravelFailed(exc, step))
            return
        self.post_message(done)

    def action_back(self) -> None:
        """Leave, unless the sealed file is being read (its result shows here)."""
        if self.busy:
            self.notify(_("The sealed file is being read; wait until it has finished."))
            return
        self.app.pop_screen()

    def on_travel_inspected(self, message: TravelInspected) -> None:
        message.stop()
        self.busy = False
        self.checked = self.pending
        self.query_one("#travel-progress").add_class("hidden")
        counts = message.inspected.counts
        by_kind = {str(k): int(v) for k, v in dict(counts.get("records_by_kind") or {}).items()}
        text = Text()
        text.append(_("The file opens and is signed by this vault. It holds: "), style="bold")
        text.append(_("{n} record(s) ({kinds}), {a} attachment(s) ({size:,} bytes), {d} "
                      "draft(s).").format(
            n=counts.get("records", 0), kinds=kinds_text(by_kind, self._kind) or "—",
            a=counts.get("attachments", 0), size=counts.get("attachment_bytes", 0),
            d=counts.get("drafts", 0)))
        self.query_one("#travel-manifest", Static).update(text)
        restore = self.query_one("#travel-restore", Button)
        restore.disabled = self.checked != self._answers()
        if not restore.disabled:
            restore.focus()

    def on_travel_ended(self, message: TravelEnded) -> None:
        message.stop()
        self.busy = False
        self.checked = None
        self.evault.data_version += 1
        self.query_one("#travel-progress").add_class("hidden")
        counts = message.ended.counts
        self.query_one("#travel-recovery", Input).value = ""
        self.query_one("#travel-manifest", Static).update(Text(_(
            "Restored {n} record(s) and {a} attachment(s); travel mode is off. The sealed "
            "file is no longer needed.").format(n=counts.get("records", 0),
                                                a=counts.get("attachments", 0))))
        self.query_one("#travel-check", Button).disabled = True
        cancel = self.query_one("#travel-cancel", Button)
        cancel.label = _("Close")
        cancel.focus()
        self._load()
        refresh_banner(self)

    def on_travel_failed(self, message: TravelFailed) -> None:
        message.stop()
        self.busy = False
        if self.checked is not None and self.checked != self._answers():
            self.checked = None
        self.query_one("#travel-restore", Button).disabled = self.checked is None
        self._show_error(error_line(message.error, message.step))
