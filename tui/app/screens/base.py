"""What every screen shares: translated bindings, the app's vault, showing errors."""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

# Private Textual API: tested with textual 8.2.8, the version pinned in pyproject.toml.
# Re-test before moving the pin.
from textual._context import active_app
from textual.screen import Screen

from tui.app.context import AppContext
from tui.app.messages import Failed, Progress
from tui.app.screens.modal import BaseModal, Relabel
from vault.errors import VaultError, VaultLocked
from vault.session import Vault

T = TypeVar("T")


class BaseScreen(Relabel, Screen[T], Generic[T]):
    """A full screen of the app."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_labels()
        # Every screen's header names the vault (or says it is the demo). Set before the
        # header exists: changing it later races the removal of screens on lock.
        app = active_app.get(None)
        subtitle = getattr(app, "subtitle", None)
        if callable(subtitle):
            self.sub_title = subtitle()

    @property
    def evault(self) -> AppContext:
        """The app, typed."""
        return cast(AppContext, self.app)

    @property
    def vault(self) -> Vault:
        """The unlocked vault (VaultLocked when there is none)."""
        return self.evault.session()

    def post_progress(self, done: int, total: int) -> None:
        """Post a :class:`Progress` message: the ``progress`` callback a worker hands to a
        vault service (which expects a function returning None)."""
        self.post_message(Progress(done, total))

    def show_error(self, error: VaultError) -> None:
        """The error in a modal (never a traceback). A worker that was already running when
        the vault locked (a thread cannot be cancelled) fails with VaultLocked: that is
        the lock doing its job, not an error to show over the unlock screen."""
        from tui.app.screens.dialogs import ErrorDialog

        if isinstance(error, VaultLocked) and getattr(self.app, "vault", None) is None:
            return
        self.app.push_screen(ErrorDialog(error))

    def on_failed(self, message: Failed) -> None:
        """Default handling of a failed worker call: a modal. Textual calls this after a
        subclass's own ``on_failed`` unless that one calls ``message.prevent_default()``."""
        message.stop()
        self.show_error(message.error)


__all__ = ["BaseModal", "BaseScreen", "Relabel"]
