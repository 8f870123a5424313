"""Settings: auto-lock, language, recipients, passphrase and Argon2id recalibration."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    LoadingIndicator,
    Select,
    Static,
)

from tui.app import lock
from tui.app.destinations import Go, Travel
from tui.app.i18n import N_, _, available_languages
from tui.app.messages import (
    ContactSaved,
    Failed,
    KeysChanged,
    OrganisationSaved,
    RecipientsChanged,
    SettingSaved,
    SettingsLoaded,
)
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.text import plain
from vault.errors import VaultError
from vault.session import Vault, params_for_existing_vault


def describe_kdf(params: Any) -> str:
    """The key derivation's cost in the UI language (``KdfParams.describe`` is English,
    for logs and the CLI)."""
    return _("Argon2id, {mib} MiB of memory, {passes} pass(es), {lanes} lane(s)").format(
        mib=params.memory_kib // 1024, passes=params.iterations, lanes=params.parallelism)


class SettingsScreen(BaseScreen[None]):
    """Each setting is saved in the vault (encrypted) as soon as it is changed."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="settings.back"),
        Binding("p", "passphrase", N_("Change the passphrase"), id="settings.passphrase"),
        Binding("k", "recalibrate", N_("Recalibrate Argon2id"), id="settings.recalibrate"),
        Binding("a", "add_recipient", N_("Add a recipient"), id="settings.add_recipient"),
        Binding("delete", "remove_recipient", N_("Remove the recipient"),
                id="settings.remove_recipient"),
    ]

    def __init__(self, *, focus: str | None = None) -> None:
        super().__init__()
        self.focus_id = focus or "language"
        """The setting that has the cursor when the screen opens."""

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with VerticalScroll():
            yield Static(Text(_("Settings")), classes="screen-title")
            with Horizontal(classes="setting-row"):
                yield Label(Text(_("Submitting organisation (for sanctions dossiers)")))
                yield Input("", id="organisation",
                            placeholder=_("Your organisation's name; Enter saves"))
            with Horizontal(classes="setting-row"):
                yield Label(Text(_("Submitter's contact (for sanctions dossiers)")))
                yield Input("", id="contact",
                            placeholder=_("An address the authority can write to; Enter "
                                          "saves"))
            with Horizontal(classes="setting-row"):
                yield Label(Text(_("Language")))
                yield Select[str]([(name, code) for code, name in available_languages().items()],
                                  value=self.evault.language, allow_blank=False, id="language")
            with Horizontal(classes="setting-row"):
                yield Label(Text(_("Lock after this many minutes without activity")))
                yield Input(f"{self.evault.idle.minutes:g}", id="minutes", type="number")
            yield Static(Text(_("Passphrase and key derivation")), classes="section-title")
            yield Static("", id="kdf")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Change the passphrase"), id="passphrase")
                yield Button(_("Recalibrate Argon2id for this machine"), id="recalibrate")
            yield LoadingIndicator(id="busy", classes="hidden")
            yield Static(Text(_("Recipients (partner organisations' age keys)")),
                         classes="section-title")
            table: DataTable[Text] = DataTable(id="recipients", cursor_type="row")
            yield table
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Add a recipient"), id="add-recipient")
                yield Button(_("Remove the recipient"), id="remove-recipient")
            yield Static(Text(_("Travel mode (docs/travel.md)")), classes="section-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Start travel mode…"), id="travel-start")
                yield Button(_("End travel mode…"), id="travel-end")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#recipients", DataTable).add_columns(_("Name"), _("age key"),
                                                             _("Added"))
        found = self.query(f"#{self.focus_id}")
        (found.first() if found else self.query_one("#language")).focus()
        self._load()

    @work(thread=True, exclusive=True, group="settings-load")
    def _load(self) -> None:
        try:
            vault = self.vault
            kdf = describe_kdf(vault.header_params())
            organisation = vault.services.dossier.organisation() or ""
            contact = vault.services.dossier.contact() or ""
            recipients = vault.services.export.recipients.list()
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(SettingsLoaded(kdf, recipients, organisation, contact))

    def on_settings_loaded(self, message: SettingsLoaded) -> None:
        message.stop()
        self.query_one("#busy").add_class("hidden")
        for widget_id, value in (("organisation", message.organisation),
                                 ("contact", message.contact)):
            field = self.query_one(f"#{widget_id}", Input)
            if not field.value:
                field.value = value
        self.query_one("#kdf", Static).update(Text(_("Now: {kdf}").format(kdf=message.kdf)))
        table = self.query_one("#recipients", DataTable)
        table.clear()
        for r in message.recipients:
            table.add_row(plain(r.name), plain(r.age_key), plain(r.added), key=r.name)

    def on_organisation_saved(self, message: OrganisationSaved) -> None:
        message.stop()
        self.query_one("#busy").add_class("hidden")
        self.notify(_("Organisation saved."))

    def on_contact_saved(self, message: ContactSaved) -> None:
        message.stop()
        self.query_one("#busy").add_class("hidden")
        self.notify(_("Contact saved."))

    def on_keys_changed(self, message: KeysChanged) -> None:
        message.stop()
        self.query_one("#busy").add_class("hidden")
        self.notify(_("Done. A new master key is in force: copies of the vault made "
                      "before now open only with the old keys, and only as they were."))
        if message.recovery_key:
            self.notify(_("Write down the new recovery key; the old one no longer "
                          "works: {key}").format(key=message.recovery_key),
                        severity="warning", timeout=600)
        self._load()

    def on_setting_saved(self, message: SettingSaved) -> None:
        message.stop()
        self.query_one("#busy").add_class("hidden")
        self._load()

    def on_recipients_changed(self, message: RecipientsChanged) -> None:
        message.stop()
        self.query_one("#busy").add_class("hidden")
        self._load()

    def on_failed(self, message: Failed) -> None:
        self.query_one("#busy").add_class("hidden")

    # -- language and auto-lock ----------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "language" and event.value != self.evault.language \
                and isinstance(event.value, str):
            self.evault.switch_language(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "organisation":
            self._save_organisation(event.value)
        elif event.input.id == "contact":
            self._save_contact(event.value)
        elif event.input.id == "minutes":
            minutes = self.evault.idle.set_minutes(event.value)
            event.input.value = f"{minutes:g}"
            self._save_setting(lock.SETTING, minutes)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        if event.input.id == "minutes" and event.value.strip():
            minutes = lock.clamp_minutes(event.value)
            if minutes != self.evault.idle.minutes:
                self.evault.idle.set_minutes(minutes)
                self._save_setting(lock.SETTING, minutes)

    @work(thread=True, group="settings-save")
    def _save_organisation(self, name: str) -> None:
        try:
            self.vault.services.dossier.set_organisation(name)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(OrganisationSaved())

    @work(thread=True, group="settings-save")
    def _save_contact(self, text: str) -> None:
        try:
            self.vault.services.dossier.set_contact(text)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(ContactSaved())

    @work(thread=True, group="settings-save")
    def _save_setting(self, key: str, value: Any) -> None:
        try:
            self.vault.store.set_setting(key, value)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(SettingSaved())

    # -- passphrase ----------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"passphrase": self.action_passphrase,
                   "recalibrate": self.action_recalibrate,
                   "add-recipient": self.action_add_recipient,
                   "remove-recipient": self.action_remove_recipient}
        if event.button.id in ("travel-start", "travel-end"):
            self.post_message(Go(Travel(end=event.button.id == "travel-end")))
            return
        action = actions.get(event.button.id or "")
        if action is not None:
            action()

    def _ask_current(self, then: Any) -> None:
        from tui.app.screens.dialogs import PromptDialog

        def got(current: str | None) -> None:
            if current:
                then(current)

        self.app.push_screen(PromptDialog(_("Your current passphrase"), password=True), got)

    def action_passphrase(self) -> None:
        """Change the passphrase (asks the current one first)."""
        from tui.app.screens.passphrase import NewPassphraseDialog

        def with_current(current: str) -> None:
            def with_new(new: str | None) -> None:
                if new:
                    self.query_one("#busy").remove_class("hidden")
                    self._change(current, new, "passphrase")
            self.app.push_screen(NewPassphraseDialog(), with_new)

        self._ask_current(with_current)

    def action_recalibrate(self) -> None:
        """Measure this machine again and rewrite the slot with new Argon2id costs."""
        def with_current(current: str) -> None:
            self.query_one("#busy").remove_class("hidden")
            self._change(current, current, "recalibrate")

        self._ask_current(with_current)

    @work(thread=True, exclusive=True, group="long-passphrase")
    def _change(self, current: str, new: str, what: str) -> None:
        try:
            vault = self.vault
            # Check the current passphrase on a separate handle: whoever sits at an
            # unlocked laptop must not be able to change it.
            probe = Vault.open(vault.layout.root, actor="app")
            try:
                probe.unlock(current)
            finally:
                probe.lock()
            # Never the test switch's parameters on an existing vault (it keeps the
            # vault's own when set); otherwise calibrated on this machine.
            params, note = params_for_existing_vault(vault.header_params())
            recovery_key = vault.change_passphrase(new, params, note)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(KeysChanged(recovery_key))

    # -- recipients ----------------------------------------------------------------------

    def action_add_recipient(self) -> None:
        """Add a partner's age public key under a name."""
        from tui.app.screens.dialogs import PromptDialog

        def got_name(name: str | None) -> None:
            if not name:
                return

            def got_key(key: str | None) -> None:
                if key:
                    self._recipients("add", name, key)

            self.app.push_screen(PromptDialog(_("Their age public key (age1…)"),
                                              placeholder="age1…"), got_key)

        self.app.push_screen(PromptDialog(_("Name of the partner organisation")), got_name)

    def action_remove_recipient(self) -> None:
        """Forget the recipient under the cursor."""
        table = self.query_one("#recipients", DataTable)
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            self._recipients("remove", str(key), "")

    @work(thread=True, group="settings-recipients")
    def _recipients(self, what: str, name: str, key: str) -> None:
        try:
            recipients = self.vault.services.export.recipients
            if what == "add":
                recipients.add(name, key)
            else:
                recipients.remove(name)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(RecipientsChanged())

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()
