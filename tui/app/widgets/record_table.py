"""The record list: a DataTable filled a page at a time, never with the whole vault.

The table asks for more (``NeedMore``) when the cursor or the scroll position comes near
the last loaded row; the screen answers with the next page from ``records.list``. Cells
are :class:`rich.text.Text` (never markup strings: a title like ``[red]`` must stay text).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from tui.app.i18n import N_, _
from tui.app.widgets.text import plain, snippet

#: Rows fetched per page. Small enough that the first page paints at once.
PAGE = 100
#: Ask for the next page when the cursor is this close to the last loaded row.
AHEAD = 30


class RecordTable(DataTable[Text]):
    """Rows keyed by record id; a page loader lives in the screen."""

    # Home and End go to the first and last row (DataTable's own scroll sideways).
    BINDINGS = [
        Binding("home", "scroll_top", N_("First row"), show=False, id="list.home"),
        Binding("end", "scroll_bottom", N_("Last loaded row"), show=False, id="list.end"),
    ]

    class NeedMore(Message):
        """The user is near the end of what is loaded."""

        def can_replace(self, message: Message) -> bool:
            """One request at a time is enough."""
            return isinstance(message, RecordTable.NeedMore)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.mode = "list"
        self.complete = False
        """True when the last page has been loaded."""
        self._filling = False

    def setup(self, mode: str) -> None:
        """Clear and set the columns for ``list`` or ``search`` results."""
        self.mode = mode
        self.complete = False
        self.clear(columns=True)
        if mode == "search":
            self.add_column(_("Kind"), key="kind", width=14)
            self.add_column(_("Title"), key="title", width=32)
            self.add_column(_("Found in"), key="snippet")
        else:
            self.add_column(_("Title"), key="title")
            self.add_column(_("Kind"), key="kind", width=18)
            self.add_column(_("Date"), key="date", width=12)
            self.add_column(_("Updated"), key="updated", width=20)

    def add_summaries(self, rows: list[Any], kind_label: Any) -> None:
        """Append list rows (``RecordSummary``-like objects)."""
        self._filling = True  # the cursor moves while rows arrive: no requests meanwhile
        try:
            self._add_summaries(rows, kind_label)
        finally:
            self._filling = False

    def _add_summaries(self, rows: list[Any], kind_label: Any) -> None:
        for row in rows:
            if row.id in self.rows:
                continue
            self.add_row(
                plain(row.title, limit=200),
                Text(kind_label(row.kind)),
                plain(getattr(row, "date", None) or ""),
                plain((getattr(row, "updated", None) or "").replace("T", " ")[:19]),
                key=row.id,
            )

    def add_hits(self, hits: list[Any], kind_label: Any) -> None:
        """Append search results: ``(hit, title)`` pairs."""
        for hit, title in hits:
            if hit.id in self.rows:
                continue
            found = snippet(hit.snippet)
            if str(hit.field).startswith("attachment text"):
                # Say where: the word is in what a picture or scan shows, not in a field.
                found = Text.assemble((_("in an attachment's text: "), "italic"), found)
            self.add_row(Text(kind_label(hit.kind)), plain(title, limit=120), found,
                         key=hit.id)

    def selected_id(self) -> str | None:
        """The record id under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return None if key.value is None else str(key.value)

    def _near_end(self) -> bool:
        if self._filling or self.complete or self.mode != "list" or not self.row_count:
            return False
        if self.cursor_row >= self.row_count - AHEAD:
            return True
        return self.scroll_y + self.size.height >= self.row_count - AHEAD

    def watch_cursor_coordinate(self, old: Any, new: Any) -> None:
        super().watch_cursor_coordinate(old, new)
        if self._near_end():
            self.post_message(self.NeedMore())

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._near_end():
            self.post_message(self.NeedMore())
