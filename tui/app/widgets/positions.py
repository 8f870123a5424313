"""The editor's input for a ``positions`` field: a small form per position held
(organisation, unit, rank, since, until) instead of raw JSON.

Each key of :data:`vault.records.spec.POSITION_KEYS` gets a labelled one-line input, so
the form fits beside the field label at 80×24 and Tab walks through it. "Add a
position" appends an empty entry; an entry left empty is dropped when saving. What the
vault reads back (:meth:`PositionsField.value_text`) is the same JSON text
:func:`vault.records.present.to_text` makes, so an untouched form is "unchanged" and
the vault's ``from_text`` checks every date as it does for the command line.
"""

from __future__ import annotations

import json
from typing import Any, Self

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from tui.app.i18n import N_, _
from vault.records.spec import POSITION_KEYS

#: The label of each key, as the form shows it (translated when drawn).
KEY_LABELS: dict[str, str] = {
    "organisation": N_("Organisation"),
    "unit": N_("Unit"),
    "rank": N_("Rank"),
    "from": N_("Since"),
    "to": N_("Until"),
}
_DATE_HINT = N_("YYYY, YYYY-MM or YYYY-MM-DD")


def parse(raw: str) -> list[dict[str, str]]:
    """Entries from the field's text (JSON, as stored or kept in a draft); nothing when
    the text is not a JSON list of objects."""
    if not raw.strip().startswith("["):
        return []
    try:
        items = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [{k: str(v) for k, v in item.items() if k in POSITION_KEYS and v is not None}
            for item in items if isinstance(item, dict)]


class PositionEntry(Vertical):
    """One position held: a labelled input per key."""

    DEFAULT_CSS = """
    PositionEntry { height: auto; border-left: outer $primary 50%; margin-bottom: 1; }
    PositionEntry Horizontal { height: 1; }
    PositionEntry .position-key { width: 14; padding-right: 1; }
    PositionEntry Input { width: 1fr; }
    """

    def __init__(self, values: dict[str, str], number: int) -> None:
        super().__init__(classes="position-entry")
        self.values = values
        self.number = number

    def compose(self) -> ComposeResult:
        for key in POSITION_KEYS:
            with Horizontal():
                yield Label(Text(_(KEY_LABELS[key])), classes="position-key")
                yield Input(self.values.get(key, ""), compact=True,
                            placeholder=_(_DATE_HINT) if key in ("from", "to") else "",
                            classes=f"position-{key}")

    def read(self) -> dict[str, str]:
        """This entry's keys that hold something, in the registry's order."""
        out: dict[str, str] = {}
        for key in POSITION_KEYS:
            value = self.query_one(f".position-{key}", Input).value.strip()
            if value:
                out[key] = value
        return out


class PositionsField(Vertical):
    """Every position of the field, then a button that adds one."""

    DEFAULT_CSS = """
    PositionsField { height: auto; width: 1fr; }
    PositionsField Button { min-width: 0; height: 1; border: none; margin: 0; }
    """

    def __init__(self, raw: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries = parse(raw) or [{}]

    def compose(self) -> ComposeResult:
        for n, values in enumerate(self.entries):
            yield PositionEntry(values, n)
        yield Button(Text("+ " + _("Add a position")), id="position-add", compact=True)

    def focus(self, scroll_visible: bool = True) -> Self:
        """The cursor goes to the first input (the container itself takes no keys), or
        stays where it is in the form (after an error, on the entry being fixed)."""
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            return self
        inputs = self.query(Input)
        if inputs:
            inputs.first().focus(scroll_visible)
        return self

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "position-add":
            return
        event.stop()
        entry = PositionEntry({}, len(self.query(PositionEntry)))
        await self.mount(entry, before=event.button)
        entry.query(Input).first().focus()

    def read(self) -> list[dict[str, Any]]:
        """Every entry that holds something."""
        return [v for v in (e.read() for e in self.query(PositionEntry)) if v]

    def value_text(self) -> str:
        """The positions as the vault's text form reads them (JSON), '' when none."""
        entries = self.read()
        return json.dumps(entries, ensure_ascii=False, indent=1) if entries else ""
