"""Linking records by name, never by id: a search-as-you-type picker over titles, and
the editor's reference field that opens it.

The picker asks ``vault.search.pick`` (title matches first, any script, each word a
prefix) 150 ms after the last keystroke, in a worker, and shows each record's title, kind
and date. The last options create a new record of an allowed kind with what was typed as
its title, so a person met in an interview can be linked without leaving the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.app import errors
from tui.app.i18n import N_, _
from tui.app.screens.modal import BaseModal
from tui.app.widgets.labels import type_label
from tui.app.widgets.text import plain
from tui.safe_text import safe
from vault.errors import InvalidInput, VaultError

#: Seconds without a keystroke before the picker searches (as in the browse screen).
DEBOUNCE = 0.15
#: Suggestions shown at once.
LIMIT = 20
NEW_PREFIX = "new:"


@dataclass(frozen=True)
class Picked:
    """The record chosen in a picker."""

    id: str
    title: str


class Suggestions(Message):
    """One keystroke's suggestions (a newer one replaces an older one)."""

    def __init__(self, generation: int, choices: list[Any], error: str = "") -> None:
        super().__init__()
        self.generation = generation
        self.choices = choices
        self.error = error

    def can_replace(self, message: Message) -> bool:
        """Only the latest suggestions matter."""
        return isinstance(message, Suggestions)


class Created(Message):
    """A record was created from the picker."""

    def __init__(self, picked: Picked | None, error: str = "") -> None:
        super().__init__()
        self.picked = picked
        self.error = error


class PickerDialog(BaseModal[Picked | None]):
    """Type part of a title; Down to the list; Enter links the record."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="picker.cancel"),
                Binding("down", "to_list", N_("To the suggestions"), id="picker.list",
                        show=False)]
    AUTO_FOCUS = "#pick-query"

    def __init__(self, prompt: str, kinds: tuple[str, ...] = (), *,
                 exclude: frozenset[str] = frozenset()) -> None:
        super().__init__(classes="dialog picker-dialog")
        self.prompt = prompt
        self.kinds = kinds
        self.exclude = exclude
        self.generation = 0
        self.typed = ""
        self._debounce: Timer | None = None
        self.choices: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box picker-box"):
            yield Label(Text(self.prompt), classes="dialog-title")
            yield Input(placeholder=_("Type part of a name or title, in any language"),
                        id="pick-query")
            yield OptionList(id="pick-list")
            yield Static("", id="pick-status", classes="hint")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.typed = event.value.strip()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self._after_typing)

    def _after_typing(self) -> None:
        self.generation += 1
        if not self.typed:
            self.post_message(Suggestions(self.generation, []))
            return
        self._suggest(self.generation, self.typed)

    @work(thread=True, exclusive=True, group="picker-suggest")
    def _suggest(self, generation: int, typed: str) -> None:
        from vault.search.pick import pick

        try:
            choices = pick(self.evault.session().store, typed, kinds=self.kinds,
                           limit=LIMIT + len(self.exclude))
        except InvalidInput:
            self.post_message(Suggestions(generation, []))
            return
        except VaultError as exc:
            self.post_message(Suggestions(generation, [], errors.message(exc)))
            return
        self.post_message(Suggestions(generation, [c for c in choices
                                                   if c.id not in self.exclude][:LIMIT]))

    def on_suggestions(self, message: Suggestions) -> None:
        message.stop()
        if message.generation != self.generation:
            return
        options = self.query_one("#pick-list", OptionList)
        options.clear_options()
        self.choices = {c.id: c for c in message.choices}
        registry = self.evault.session().services.records.registry
        for choice in message.choices:
            line = plain(choice.title, limit=60)
            line.append(f"  · {type_label(registry.type(choice.kind))}", style="dim")
            if choice.date:
                line.append(f" · {choice.date}", style="dim")
            options.add_option(Option(line, id=choice.id))
        if self.typed:
            for kind in self.kinds or ():
                line = Text("+ " + _("New {kind}: ").format(
                    kind=type_label(registry.type(kind))))
                line.append_text(plain(self.typed, limit=60))
                options.add_option(Option(line, id=NEW_PREFIX + kind))
        status = message.error or (
            _("{n} found. Down to choose, Enter to link.").format(n=len(message.choices))
            if self.typed else "")
        self.query_one("#pick-status", Static).update(Text(status))
        if options.option_count:
            options.highlighted = 0

    def action_to_list(self) -> None:
        """Move from the query to the suggestions."""
        options = self.query_one("#pick-list", OptionList)
        if options.option_count:
            options.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#pick-list", OptionList)
        if options.option_count and options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            self._choose(str(option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(str(event.option.id))

    def _choose(self, option_id: str) -> None:
        if option_id.startswith(NEW_PREFIX):
            self._create(option_id[len(NEW_PREFIX):], self.typed)
            return
        choice = self.choices.get(option_id)
        if choice is not None:
            self.dismiss(Picked(choice.id, choice.title))

    @work(thread=True, exclusive=True, group="picker-create")
    def _create(self, kind: str, title: str) -> None:
        records = self.evault.session().services.records
        field = records.registry.type(kind).title_field
        try:
            new_id = records.add(kind, {field: title})
        except VaultError as exc:
            self.post_message(Created(None, errors.message(exc)))
            return
        self.post_message(Created(Picked(new_id, title)))

    def on_created(self, message: Created) -> None:
        message.stop()
        if message.picked is None:
            self.query_one("#pick-status", Static).update(
                Text(_("Could not create it: {reason}").format(reason=message.error)))
            return
        self.evault.data_version += 1
        self.notify(_("Created and linked: {title}").format(
            title=safe(message.picked.title, single_line=True)), markup=False)
        self.dismiss(message.picked)

    def action_cancel(self) -> None:
        """Close without linking."""
        self.dismiss(None)


class ReferenceField(Widget, can_focus=True):
    """The editor's input for a reference field: the linked records by title. Enter
    opens the picker (adds for a list, replaces for a single link); Backspace removes
    the last link. Holds ids; :func:`value_text` is what the vault reads back."""

    DEFAULT_CSS = """
    ReferenceField { height: auto; width: 1fr; padding: 0 1; border: tall $border-blurred; }
    ReferenceField:focus { border: tall $accent; }
    """
    BINDINGS = [
        Binding("enter", "pick", N_("Choose a record"), id="reference.pick"),
        Binding("backspace", "remove", N_("Remove the last link"), id="reference.remove"),
    ]

    def __init__(self, label: str, kinds: tuple[str, ...], ids: list[str],
                 titles: dict[str, str], *, multi: bool, id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.kinds = kinds
        self.ids = list(ids)
        self.titles = dict(titles)
        self.multi = multi

    def render(self) -> Text:
        if not self.ids:
            return Text(_("(none) — press Enter to choose"), style="dim")
        text = Text()
        for n, rid in enumerate(self.ids):
            if n:
                text.append("; ")
            text.append_text(plain(self.titles.get(rid, rid)))
        return text

    def value_text(self) -> str:
        """The ids as the vault's text form reads them (``a; b`` for lists)."""
        return "; ".join(self.ids) if self.multi else (self.ids[0] if self.ids else "")

    def action_pick(self) -> None:
        """Open the picker."""
        def chosen(picked: Picked | None) -> None:
            if picked is None:
                return
            self.titles[picked.id] = picked.title
            if self.multi:
                if picked.id not in self.ids:
                    self.ids.append(picked.id)
            else:
                self.ids = [picked.id]
            self.refresh(layout=True)

        self.app.push_screen(PickerDialog(self.label, self.kinds,
                                          exclude=frozenset(self.ids)), chosen)

    def action_remove(self) -> None:
        """Remove the last link."""
        if self.ids:
            self.ids.pop()
            self.refresh(layout=True)
