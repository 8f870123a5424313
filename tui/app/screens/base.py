"""What every screen shares: translated bindings, the app's vault, showing errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

# Private Textual API: tested with textual 8.2.8, the version pinned in pyproject.toml.
# Re-test before moving the pin.
from textual._context import active_app
from textual.screen import ModalScreen, Screen

from tui.app.bindings import translate_bindings
from tui.app.messages import Failed, Progress
from vault.errors import VaultError
from vault.session import Vault

if TYPE_CHECKING:
    from tui.app.app import EvaultApp

T = TypeVar("T")


class Relabel:
    """Mixin: translate bindings now and again when the language changes."""

    #: Rebuild the widgets on a language switch. Screens build their content in
    #: ``compose`` and fill it from ``on_mount``, so after the rebuild ``on_mount`` runs
    #: again. A screen holding typed input (the editor) keeps its widgets instead.
    REBUILD_ON_RELABEL = True

    def _setup_labels(self) -> None:
        translate_bindings(cast(Screen[Any], self))

    def relabel(self) -> None:
        """Re-draw words after a language switch (bindings and composed widgets)."""
        screen = cast(Screen[Any], self)
        translate_bindings(screen)
        screen.refresh_bindings()
        if self.REBUILD_ON_RELABEL:
            screen.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        screen = cast(Screen[Any], self)
        if screen not in screen.app.screen_stack:
            return  # replaced meanwhile (e.g. the unlock screen after unlocking)
        await screen.recompose()
        refill = getattr(screen, "on_mount", None)
        if callable(refill):
            refill()


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
    def evault(self) -> EvaultApp:
        """The app, typed."""
        return cast("EvaultApp", self.app)

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
        from vault.errors import VaultLocked

        if isinstance(error, VaultLocked) and getattr(self.app, "vault", None) is None:
            return
        self.app.push_screen(ErrorDialog(error))

    def on_failed(self, message: Failed) -> None:
        """Default handling of a failed worker call: a modal. Textual calls this after a
        subclass's own ``on_failed`` unless that one calls ``message.prevent_default()``."""
        message.stop()
        self.show_error(message.error)


class BaseModal(Relabel, ModalScreen[T], Generic[T]):
    """A dialog that returns a typed result with ``dismiss``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_labels()

    @property
    def evault(self) -> EvaultApp:
        """The app, typed."""
        return cast("EvaultApp", self.app)
