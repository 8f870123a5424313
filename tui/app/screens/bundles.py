"""Received bundles: verify, open (to a folder, as plaintext) or import bundles that
partners sent, through ``vault.bundle``. Nothing is written unless everything verified."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, LoadingIndicator, Static

from tui.app import errors
from tui.app.i18n import N_, _
from tui.app.messages import BundleImported, BundleOpened, BundleVerified, Failed
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.text import plain
from vault.errors import VaultError

if TYPE_CHECKING:
    from vault.bundle.verify import Verified

OPEN_WARNING = N_(
    "Opening writes the bundle's files to the folder you choose as ordinary, unencrypted "
    "files. Choose an encrypted or removable disk, and delete them when done.")


class BundlesScreen(BaseScreen[None]):
    """Choose a bundle and your age identity file, then verify, open or import."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="bundles.back"),
        Binding("v", "verify", N_("Verify"), id="bundles.verify"),
        Binding("o", "open", N_("Open into a folder"), id="bundles.open"),
        Binding("i", "import", N_("Import into this vault"), id="bundles.import"),
        Binding("f", "pick", N_("Choose a file"), id="bundles.pick"),
    ]

    _pending: tuple[Path, Any, Any] | None = None

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with VerticalScroll(id="bundle-body"):
            yield Static(Text(_("Received bundles")), classes="screen-title")
            yield Label(Text(_("Bundle file")))
            yield Input(id="bundle", placeholder="…/bundle.age")
            yield Label(Text(_("Your age identity file (from age-keygen; not needed for a "
                               "plain public bundle)")))
            yield Input(id="identity", placeholder="…/key.txt")
            yield Label(Text(_("The sender's minisign public key, if you have it (proves who "
                               "sent it)")))
            yield Input(id="signer", placeholder="RWQ…")
            yield Label(Text(_("Name for a new sender (asked only the first time)")))
            yield Input(id="sender-name", placeholder="…")
            with Horizontal(classes="dialog-buttons"):
                yield Button(_("Verify"), id="verify", variant="primary")
                yield Button(_("Open into a folder"), id="open")
                yield Button(_("Import into this vault"), id="import")
            yield LoadingIndicator(id="busy", classes="hidden")
            yield Static("", id="result")
        yield Footer(compact=True)

    # -- inputs ------------------------------------------------------------------------

    def _paths(self) -> tuple[Path, Any, Any] | None:
        from vault.bundle import load_identity, parse_signer

        bundle = self.query_one("#bundle", Input).value.strip()
        if not bundle:
            self.notify(_("Choose the bundle file first."), severity="warning")
            return None
        identity_path = self.query_one("#identity", Input).value.strip()
        signer_text = self.query_one("#signer", Input).value.strip()
        try:
            identity = load_identity(Path(identity_path).expanduser()) if identity_path else None
            signer = parse_signer(signer_text) if signer_text else None
        except VaultError as exc:
            self.show_error(exc)
            return None
        return Path(bundle).expanduser(), identity, signer

    def action_pick(self) -> None:
        """Fill the focused path field from a file picker."""
        from tui.app.screens.dialogs import FilePickerDialog

        target = self.focused if isinstance(self.focused, Input) else None
        field = target if target is not None and target.id in ("bundle", "identity") \
            else self.query_one("#bundle", Input)

        def chosen(path: Path | None) -> None:
            if path is not None:
                field.value = str(path)

        self.app.push_screen(FilePickerDialog(_("Choose a file")), chosen)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"verify": self.action_verify, "open": self.action_open,
         "import": self.action_import}[event.button.id or "verify"]()

    # -- actions -----------------------------------------------------------------------

    def action_verify(self) -> None:
        """Decrypt in memory and check the signature and every file."""
        chosen = self._paths()
        if chosen is not None:
            self._run("verify", *chosen, None)

    def action_open(self) -> None:
        """Verify, then write the files to a new folder (plaintext)."""
        from tui.app.screens.dialogs import FilePickerDialog

        chosen = self._paths()
        if chosen is None:
            return

        def where(dest: Path | None) -> None:
            if dest is not None and chosen is not None:
                self._run("open", *chosen, dest)

        self.app.push_screen(FilePickerDialog(_("Open into which new folder?"), save=True,
                                              warning=_(OPEN_WARNING)), where)

    def action_import(self) -> None:
        """Verify, then add the records to this vault (all or nothing)."""
        chosen = self._paths()
        if chosen is not None:
            self._pending = chosen
            self._run("import", *chosen, None)

    def _confirm_new_sender(self, sender_key: str) -> None:
        """An unknown sender: show its fingerprint words and import only if the user,
        having compared them by phone, says so (the sender is then remembered)."""
        from tui.app.screens.dialogs import ConfirmDialog
        from vault.bundle.senders import fingerprint

        name = self.query_one("#sender-name", Input).value.strip() or \
            "sender " + " ".join(fingerprint(sender_key).split()[:2])
        question = _("Unknown sender. Fingerprint: {words}\nCall the sender on a number you "
                     "already had and have them read their fingerprint words. Trust this "
                     "sender as \"{name}\" and import?").format(
                         words=fingerprint(sender_key), name=name)

        def answered(yes: bool | None) -> None:
            if yes and self._pending is not None:
                self._run("import", *self._pending, None, name)

        self.app.push_screen(ConfirmDialog(question, yes=_("Trust and import"),
                                           warning=True), answered)

    @work(thread=True, exclusive=True, group="long-bundle")
    def _run(self, what: str, path: Path, identity: Any, signer: Any,
             dest: Path | None, trust_as: str | None = None) -> None:
        import vault.bundle as bundles

        self.app.call_from_thread(self.query_one("#busy").remove_class, "hidden")
        try:
            result: BundleVerified | BundleOpened | BundleImported
            if what == "verify":
                result = BundleVerified(bundles.verify_bundle(path, identity, signer))
            elif what == "open":
                assert dest is not None
                result = BundleOpened(*bundles.open_bundle(path, identity, dest, signer))
            else:
                verified = bundles.verify_bundle(path, identity, signer)
                if trust_as is None and bundles.senders.lookup(
                        self.vault.store, verified.sender_key) is None:
                    self.app.call_from_thread(self.query_one("#busy").add_class, "hidden")
                    self.app.call_from_thread(self._confirm_new_sender, verified.sender_key)
                    return
                result = BundleImported(*bundles.import_bundle(self.vault, path, identity,
                                                               signer, trust_as))
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(result)

    def on_bundle_verified(self, message: BundleVerified) -> None:
        message.stop()
        self._show_result(message.verified, [])

    def on_bundle_opened(self, message: BundleOpened) -> None:
        message.stop()
        self._show_result(message.verified, [_("{n} file(s) written (unencrypted).").format(
            n=len(message.files))])

    def on_bundle_imported(self, message: BundleImported) -> None:
        message.stop()
        self.evault.data_version += 1
        imported = message.imported
        if imported.already:
            line = _("Already imported before: nothing changed.")
        else:
            line = _("Imported: {added} new record(s), {reused} already here, "
                     "{skipped} skipped.").format(added=imported.added, reused=imported.reused,
                                                  skipped=imported.skipped)
        self._show_result(message.verified, [line])

    def _show_result(self, verified: Verified, more: list[str]) -> None:
        """What a verified bundle is, then what was done with it (``more``)."""
        self.query_one("#busy").add_class("hidden")
        lines = [
            "✔ " + _("Verified: bundle {id}, created {created}, clearance {clearance}.")
            .format(id=verified.bundle_id, created=verified.created,
                    clearance=verified.clearance),
            _("Signature valid, by the key you gave.") if verified.signer_pinned else
            _("Signature valid, by the key inside the bundle: it is intact, but that alone "
              "does not prove who sent it. Give the sender's key to check that."),
            _("{n} file(s); every size and SHA-256 checked.").format(n=len(verified.files)),
        ]
        lines.extend(more)
        self.query_one("#result", Static).update(plain("\n".join(lines), single_line=False))

    def on_failed(self, message: Failed) -> None:
        self.query_one("#busy").add_class("hidden")
        self.query_one("#result", Static).update(Text("✘ " + errors.message(message.error),
                                                      style="bold red"))

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()
