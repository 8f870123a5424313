"""One field of a record, in the view or the editor: label, value (or input), level
badge with its lock, and the place where the vault's refusal or validation error is
shown, beside the field it concerns."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Static

from tui.app.errors import message, title
from tui.app.i18n import N_
from tui.app.widgets.badge import LevelBadge
from tui.app.widgets.fields import display, field_label
from tui.app.widgets.text import plain
from vault.errors import VaultError
from vault.records.spec import FieldSpec


class _Row(Vertical):
    """What both kinds of row share: the badge and the error line."""

    level: str

    def set_level(self, level: str) -> None:
        """Show a new level and clear any old refusal."""
        self.level = level
        self.query_one(LevelBadge).set_level(level)
        self.show_error(None)

    def show_error(self, error: VaultError | str | None) -> None:
        """Show (or clear) an error beside this field."""
        if error is None:
            text = Text("")
        elif isinstance(error, str):
            text = plain(error)
        else:
            text = Text(f"⛔ {title(error)}: {message(error)}")
        line = self.query_one(".field-error", Static)
        line.update(text)
        line.set_class(not text.plain, "hidden")  # no empty line under every field

    @property
    def error_text(self) -> str:
        """The error shown now ('' when none), for tests."""
        return str(self.query_one(".field-error", Static).render())


#: Up and Down move the cursor between the record's fields and links (not only the
#: view): the field a level key acts on is always the one on screen and highlighted.
MOVE_BINDINGS: list[BindingType] = [
    Binding("down", "app.focus_next", N_("Next field"), id="field.next", show=False),
    Binding("up", "app.focus_previous", N_("Previous field"), id="field.previous",
            show=False),
]


class FieldRow(_Row, can_focus=True):
    """A field in the record view (focus it and press ``l`` or ``L`` to change its
    level). The focused row has a bar and a marker at its left edge."""

    BINDINGS = MOVE_BINDINGS

    def __init__(self, spec: FieldSpec, value: object, level: str,
                 titles: dict[str, str] | None = None) -> None:
        super().__init__(classes="field-row", id=f"field-{spec.name}")
        self.spec = spec
        self.value = value
        self.level = level
        self.titles = titles or {}

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(Text(field_label(self.spec)), classes="field-label")
            yield Static(display(self.spec, self.value, self.titles), classes="field-value")
            yield LevelBadge(self.level, self.spec.pinned)
        yield Static("", classes="field-error hidden")


class EditorRow(_Row):
    """A field in the editor: its input widget in place of the value."""

    def __init__(self, spec: FieldSpec, editor: Widget, level: str) -> None:
        super().__init__(classes="field-row", id=f"edit-{spec.name}")
        self.spec = spec
        self.editor = editor
        self.level = level

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(Text(field_label(self.spec) + (" *" if self.spec.required else "")),
                        classes="field-label")
            yield self.editor
            yield LevelBadge(self.level, self.spec.pinned)
        yield Static("", classes="field-error hidden")



class Link(Static, can_focus=True):
    """Another record, by title: Enter or a click opens it."""

    BINDINGS = [Binding("enter", "open", N_("Open the linked record"), id="link.open"),
                *MOVE_BINDINGS]

    class Open(Message):
        """Open the record ``record_id``."""

        def __init__(self, record_id: str) -> None:
            super().__init__()
            self.record_id = record_id

    def __init__(self, record_id: str, label: Text) -> None:
        super().__init__(label, classes="link")
        self.record_id = record_id

    def action_open(self) -> None:
        """Open the linked record."""
        self.post_message(self.Open(self.record_id))

    def on_click(self) -> None:
        self.action_open()
