"""The Textual app: thin. It holds the session, the language and the auto-lock, and
moves between screens; every action lives in a screen that calls ``vault/``."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import WorkerFailed, WorkerState

from tui.app import crash, drafts, i18n, navigation
from tui.app.bindings import translate_bindings
from tui.app.context import AppContext
from tui.app.destinations import Go, Travel, UnlockVault
from tui.app.i18n import N_, _
from tui.app.lock import SETTING as LOCK_SETTING
from tui.app.lock import Clock, InactivityLock, boottime
from tui.app.messages import Unlocked
from vault.errors import VaultError, VaultLocked
from vault.layout import Layout
from vault.process import harden
from vault.session import Vault

STYLES = Path(__file__).resolve().parent / "styles"
#: Vault setting holding the chosen UI language code.
LANGUAGE_SETTING = "tui.language"
#: Seconds a copied value stays on the clipboard before it is overwritten.
CLIPBOARD_SECONDS = 30.0
#: Worker groups whose name starts with this hold off auto-lock until they finish (an
#: export left sealing over lunch should finish, then the vault locks).
LONG_GROUP = "long-"


class EvaultApp(App[int]):
    """evault's terminal app."""

    TITLE = "evault"
    # Absolute, so subclasses defined elsewhere (tests, bench) find the same files.
    CSS_PATH = [STYLES / name for name in ("app.tcss", "browse.tcss", "record.tcss",
                                           "export.tcss")]
    BINDINGS = [
        Binding("ctrl+l", "lock", N_("Lock"), id="app.lock", priority=True,
                tooltip=N_("Lock the vault now: keys are dropped and the screens cleared")),
        Binding("f1", "help", N_("Help"), id="app.help",
                tooltip=N_("Every key of every screen")),
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True,
                tooltip=N_("Lock the vault and leave")),
        # Declared here (Textual would add it at run time, out of reach of the binding
        # translation) so Ctrl+P opens the command palette on every screen.
        Binding("ctrl+p", "command_palette", N_("Commands"), id="app.palette",
                priority=True, show=False,
                tooltip=N_("Search every command of this screen")),
    ]

    def __init__(self, path: Path, *, clock: Clock = boottime,
                 lock_poll_seconds: float = 1.0, language: str | None = None,
                 demo: bool = False) -> None:
        harden()  # before the vault is unlocked: no core file, no ptrace (vault.process)
        self.language = i18n.set_language(language or i18n.system_language())
        super().__init__()
        self.devtools = None  # never connect to a devtools server (no sockets)
        translate_bindings(self)
        self.vault_path = Path(path)
        self.demo = demo
        self.vault: Vault | None = None
        self.idle = InactivityLock(clock=clock)
        self.lock_poll_seconds = lock_poll_seconds
        self.locked_count = 0
        self.clipboard_seconds = CLIPBOARD_SECONDS
        """How long a copied value stays on the clipboard (shortened by tests)."""
        self.data_version = 0
        """Bumped by every write the app makes, so lists know to reload when shown again."""
        """How many times the vault was locked in this run (tests and the status line)."""

    # -- crash handling: one line, never a traceback or locals -------------------------

    def _handle_exception(self, error: Exception) -> None:
        inner = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(inner, VaultLocked) and self.vault is None:
            return  # a late message for a screen that locking is taking down: not a crash
        self._return_code = 1
        if self._exception is None:
            # run_test re-raises this: it carries the type name only.
            self._exception = crash.InternalError(crash.type_name(error))
            self._exception_event.set()
        self._exit_renderables.append(Text(crash.summary(error)))
        self._close_messages_no_wait()

    def _fatal_error(self) -> None:
        self._return_code = 1
        self._exit_renderables.append(Text(crash.summary(RuntimeError())))
        self._close_messages_no_wait()

    def panic(self, *renderables: Any) -> None:
        # Textual panics with a Rich traceback when its input thread dies: drop it.
        self._return_code = 1
        self._exit_renderables.append(Text(crash.summary(RuntimeError())))
        self._close_messages_no_wait()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        # A screenshot is a plaintext file of decrypted content: refused.
        self.notify(_("Screenshots are disabled: they would store vault content unencrypted."),
                    severity="warning")

    _clipboard_used = False

    def clear_clipboard(self) -> None:
        """Overwrite whatever evault put on the clipboard (at lock and quit, not only after
        the timer)."""
        if self._clipboard_used:
            App.copy_to_clipboard(self, "")
            self._clipboard_used = False

    def save_screenshot(self, filename: str | None = None, path: str | None = None,
                        time_format: str | None = None) -> str:
        raise VaultLocked("screenshots are disabled")

    def copy_to_clipboard(self, text: str) -> None:
        super().copy_to_clipboard(text)
        self._clipboard_used = self._clipboard_used or bool(text)
        if text:
            # Whatever was copied (a selection of decrypted text) does not linger.
            self.set_timer(self.clipboard_seconds, partial(super().copy_to_clipboard, ""))

    # -- start -------------------------------------------------------------------------

    def on_mount(self) -> None:
        crash.install_loop_handler()
        self.set_interval(self.lock_poll_seconds, self.check_auto_lock, name="auto-lock")
        self.push_screen(navigation.start_screen(
            self.vault_path, exists=Layout(self.vault_path).exists(), demo=self.demo))

    def on_go(self, message: Go) -> None:
        """A screen asked to open another: :mod:`tui.app.navigation` knows which."""
        message.stop()
        navigation.go(self, message)

    def subtitle(self) -> str:
        """What the header says under the title: the vault, or that it is the demo.

        Set on each screen (not on the App): a change of the App's sub-title reaches the
        headers of screens being removed, which Textual does not survive."""
        where = _("DEMO VAULT — fictional data") if self.demo else str(self.vault_path)
        if self._travelling():
            return _("TRAVEL MODE — only travel-safe records are here") + " · " + where
        return where

    def _travelling(self) -> bool:
        """True while the unlocked vault is in travel mode (docs/travel.md)."""
        if self.vault is None or not self.vault.is_unlocked:
            return False
        try:
            return bool(self.vault.services.travel.active())
        except VaultError:
            return False

    def session(self) -> Vault:
        """The unlocked vault (VaultLocked when the app is locked)."""
        if self.vault is None or not self.vault.is_unlocked:
            raise VaultLocked("the vault is locked; unlock it to continue")
        return self.vault

    def on_unlocked(self, message: Unlocked) -> None:
        """A screen unlocked or created a vault: load its settings and browse."""
        self.vault = message.vault
        self.vault_path = message.vault.layout.root
        self.demo = message.demo or bool(self._setting("demo", False))
        self.idle.set_minutes(self._setting(LOCK_SETTING, self.idle.minutes))
        self.idle.reset()  # a suspend before this unlock is not a reason to lock again
        saved = self._setting(LANGUAGE_SETTING, None)
        if isinstance(saved, str) and saved != self.language:
            # Every screen is about to be replaced: only the app's own words need redoing.
            self.language = i18n.set_language(saved)
            translate_bindings(self)
        self._reset_to(self._browse_screen())
        self._vault_notes(message.vault)
        kept = drafts.load_all(message.vault)
        if kept:
            self.notify(_("{n} unsaved edit(s) were kept from before the lock. Open the "
                          "record to continue.").format(n=len(kept)), timeout=8)

    def _vault_notes(self, vault: Vault) -> None:
        """The notes the CLI prints after unlocking (tui/cli/context.py), as warnings
        that stay a while: a vault that was not closed cleanly, a vault that cannot be
        written."""
        if vault.unclean:
            self.notify(_("This vault was not closed cleanly: an evault process was "
                          "killed, or this folder is a copy made while evault was running. "
                          "Run 'evault check'; to copy a vault, use 'evault backup'."),
                        severity="warning", timeout=30)
        if vault.read_only:
            self.notify(_("This vault cannot be written (read-only media, or files of "
                          "another user): reading works, but nothing can be saved, not "
                          "even audit entries."), severity="warning", timeout=30)

    def _browse_screen(self) -> Screen[Any]:
        return navigation.browse_screen()

    def _setting(self, key: str, default: Any) -> Any:
        try:
            return self.session().store.setting(key, default)
        except VaultError:
            return default

    def _reset_to(self, screen: Screen[Any]) -> None:
        """Replace the whole screen stack with ``screen``."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    # -- locking -----------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.idle.touch()
        await super().on_event(event)

    def check_auto_lock(self) -> None:
        """Lock when the inactivity timeout has passed (unless a long operation runs)."""
        if self.vault is None or not self.idle.due():
            return
        if any(w.group.startswith(LONG_GROUP) and w.state in (WorkerState.PENDING,
                                                               WorkerState.RUNNING)
               for w in self.workers):
            return
        self.lock_now(auto=True)

    def action_lock(self) -> None:
        """Lock now."""
        if self.vault is not None:
            self.lock_now(auto=False)

    def lock_now(self, *, auto: bool) -> None:
        """Keep unsaved edits as encrypted drafts, drop the keys, clear every screen."""
        if self.vault is None:
            return
        kept, problem = self._lock_vault()
        note = _("Locked after {m:g} minutes without activity.").format(m=self.idle.minutes) \
            if auto else _("Locked.")
        if kept and problem is None:
            note += " " + _("Your unsaved edits were kept, encrypted, as drafts.")
        self._reset_to(navigation.screen_for(UnlockVault(self.vault_path, demo=self.demo,
                                                         note=note)))
        if problem is not None:
            from tui.app.screens.dialogs import ErrorDialog

            self.push_screen(ErrorDialog(problem))

    def _lock_vault(self) -> tuple[list[drafts.Draft], VaultError | None]:
        """Save drafts, stop workers, drop the keys. Returns the drafts kept and the error
        that prevented keeping them, if any (the vault locks either way)."""
        vault = self.vault
        assert vault is not None
        kept: list[drafts.Draft] = []
        for screen in self.screen_stack:
            get = getattr(screen, "unsaved_draft", None)
            draft = get() if callable(get) else None
            if isinstance(draft, drafts.Draft):
                kept.append(draft)
        problem: VaultError | None = None
        try:
            drafts.save(vault, kept)
        except VaultError as exc:
            problem = exc
        for worker in list(self.workers):
            worker.cancel()
        self.clear_clipboard()
        vault.lock()
        self.vault = None
        self.idle.reset()
        self.locked_count += 1
        return kept, problem

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Lock is offered only when there is a vault to lock (not on Start or Unlock)."""
        if action == "lock":
            return self.vault is not None
        return True

    async def action_quit(self) -> None:
        """Keep drafts, lock and leave (a screen holding something that would be lost, the
        unconfirmed recovery key, asks first)."""
        ask = getattr(self.screen, "quit_question", None)
        question = ask() if callable(ask) else None
        if isinstance(question, str):
            from tui.app.screens.dialogs import ConfirmDialog

            def answer(yes: bool | None) -> None:
                if yes:
                    self._leave()

            self.push_screen(ConfirmDialog(question, yes=_("Quit"), no=_("Stay"),
                                           warning=True), answer)
            return
        self._leave()

    def _leave(self) -> None:
        if self.vault is not None:
            self._lock_vault()
        self.clear_clipboard()
        self.exit(0)

    # -- language ----------------------------------------------------------------------

    def switch_language(self, code: str, *, save: bool = True) -> None:
        """Use ``code`` from now on (and remember it in the vault when ``save``)."""
        self.language = i18n.set_language(code)
        if save and self.vault is not None:
            self.session().store.set_setting(LANGUAGE_SETTING, self.language)
        translate_bindings(self)
        for screen in self.screen_stack:
            relabel = getattr(screen, "relabel", None)
            if callable(relabel):
                relabel()
        for screen in self.screen_stack:
            if screen.sub_title is not None:
                screen.sub_title = self.subtitle()

    # -- help and the command palette ---------------------------------------------------

    def action_help(self) -> None:
        """Show every binding."""
        screen = navigation.help_screen(self.screen)
        if screen is not None:
            self.push_screen(screen)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every binding active on this screen, then a few app commands. Textual's
        screenshot command is left out on purpose (plaintext on disk)."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                binding.tooltip or binding.key_display or binding.key,
                partial(self._run_bound, binding.action, active.node),
            )
        yield SystemCommand(_("Theme"), _("Change the colours"), self.action_change_theme)
        if self.vault is not None and self.vault.is_unlocked:
            yield SystemCommand(_("Start travel mode"), _("Seal what is not travel-safe to "
                                                         "a key you do not carry"),
                                partial(self.open_travel, end=False))
            yield SystemCommand(_("End travel mode"), _("Restore what a trip sealed"),
                                partial(self.open_travel, end=True))

    def open_travel(self, *, end: bool) -> None:
        """The screen that starts or ends travel mode (docs/travel.md)."""
        self.push_screen(navigation.screen_for(Travel(end=end)))

    async def _run_bound(self, action: str, node: Any) -> None:
        await self.run_action(action, node)


def _satisfies_context(app: EvaultApp) -> AppContext:
    """mypy checks here that screens' view of the app (:class:`AppContext`) is true."""
    return app
