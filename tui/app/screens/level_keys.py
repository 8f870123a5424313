"""The level keys every screen that shows fields shares: protect (one key), share (asks
first) and undo, with the toast that confirms a change.

The rule itself (order of levels, one step at a time, what needs a decision, what is
masked) lives in :mod:`tui.app.levels`; this mixin is the keystroke side of it, written
once for the record view and the editor. A screen says which field has the cursor
(:meth:`LevelKeys.level_target`) and how a level is written (:meth:`LevelKeys.write_level`);
the write reports back through :meth:`LevelKeys.level_written`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from textual.screen import Screen

from tui.app import levels
from tui.app.i18n import _
from tui.app.messages import LevelSet
from tui.app.screens.dialogs import ShareDialog
from tui.app.widgets.badge import LEVEL_WORDS


@dataclass(frozen=True)
class LevelTarget:
    """The field a level key acts on, as the screen shows it."""

    name: str
    """Field name (what the vault's ``set_level`` takes)."""
    label: str
    """The field's label in the UI language."""
    level: str
    pinned: bool
    """A pinned field is refused by the vault beside it: nothing to confirm."""
    kind: str
    """The record's kind (a source's values are masked in the dialog)."""
    identifier: bool
    """The value identifies a person (masked in the dialog)."""
    value: str
    """The value as text (shown in the dialog unless masked)."""


class LevelKeys:
    """Mixin for a :class:`~textual.screen.Screen`: ``action_protect``,
    ``action_share`` and ``action_undo_level`` for the field under the cursor."""

    last_change: levels.LevelChange | None = None
    """The last level change made on this screen, for undo (an undo is not undone)."""

    def level_target(self, name: str | None = None) -> LevelTarget | None:
        """The field ``name`` (None: the one with the cursor), or None when there is none."""
        raise NotImplementedError

    def write_level(self, target: LevelTarget, new: str, *, undo: bool) -> None:
        """Write ``new`` for ``target``; the screen reports with :meth:`level_written`."""
        raise NotImplementedError

    def _screen(self) -> Screen[Any]:
        return cast(Screen[Any], self)

    def _focused_target(self) -> LevelTarget | None:
        target = self.level_target()
        if target is None:
            self._screen().notify(_("Move to a field first (Tab or the arrow keys)."))
        return target

    def action_protect(self) -> None:
        """One step towards private for the field under the cursor (never asks)."""
        target = self._focused_target()
        if target is None:
            return
        new = levels.more_protected(target.level)
        if new is None:
            self._screen().notify(_("Already private."))
            return
        self.change_level(target, new)

    def action_share(self) -> None:
        """One step towards public for the field under the cursor (asks first)."""
        target = self._focused_target()
        if target is None:
            return
        new = levels.less_protected(target.level)
        if new is None:
            self._screen().notify(_("Already public."))
            return
        self.change_level(target, new)

    def action_undo_level(self) -> None:
        """Put back the level that the last change replaced."""
        change = self.last_change
        target = self.level_target(change.target) if change is not None else None
        if change is None or target is None:
            self._screen().notify(_("No level change to undo."))
            return
        self.change_level(target, change.old, undo=True)

    def change_level(self, target: LevelTarget, new: str, *, undo: bool = False) -> None:
        """Write ``new``; a step towards public is confirmed first (Cancel focused)."""
        if not levels.is_lowering(target.level, new) or target.pinned:
            self.write_level(target, new, undo=undo)
            return
        shown = levels.masked(target.kind, target.identifier or target.pinned, target.value)

        def answer(yes: bool | None) -> None:
            if yes:
                self.write_level(target, new, undo=undo)

        self._screen().app.push_screen(ShareDialog(target.label, shown, target.level, new),
                                       answer)

    def level_written(self, label: str, message: LevelSet) -> None:
        """The toast after a change; remembers it for undo."""
        screen = self._screen()
        word = _(LEVEL_WORDS.get(message.level, message.level))
        if message.undo:
            self.last_change = None
            screen.notify(_("{field}: back to {level}.").format(field=label, level=word))
            return
        self.last_change = levels.LevelChange(message.field, message.old or "", message.level)
        screen.notify(self.undo_hint().format(field=label, level=word))

    def undo_hint(self) -> str:
        """The toast's text (the screen names its own undo key)."""
        return _("{field}: now {level}. Press u to undo.")
