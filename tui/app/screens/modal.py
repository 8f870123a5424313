"""The part every screen and dialog shares that needs no other screen: translated
bindings (``Relabel``) and the typed dialog base (``BaseModal``).

Kept apart from ``base.py`` so dialogs and widgets that open dialogs import no full
screen, and ``base.py`` can open the error dialog without an import cycle.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

from textual.screen import ModalScreen, Screen

from tui.app.bindings import translate_bindings
from tui.app.context import AppContext

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


class BaseModal(Relabel, ModalScreen[T], Generic[T]):
    """A dialog that returns a typed result with ``dismiss``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._setup_labels()

    @property
    def evault(self) -> AppContext:
        """The app, typed."""
        return cast(AppContext, self.app)
