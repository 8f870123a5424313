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
from tui.app.travel import marked_title
from tui.app.widgets.text import plain, snippet

#: Rows fetched per page. Small enough that the first page paints at once.
PAGE = 100
#: Cells the browse screen's sidebar takes (its width and border, browse.tcss).
SIDEBAR_CELLS = 31
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
        self.travel_safe: set[str] = set()
        """Ids shown with the travel-safe sign (kept up to date by the screen)."""

    def setup(self, mode: str) -> None:
        """Clear and set the columns for ``list`` or ``search`` results."""
        self.mode = mode
        self.complete = False
        self.clear(columns=True)
        widths = self.widths()
        if mode == "search":
            self.add_column(_("Kind"), key="kind", width=widths["kind"])
            self.add_column(_("Title"), key="title", width=widths["search_title"])
            self.add_column(_("Found in"), key="snippet", width=widths["snippet"])
        else:
            # Every column has a width that fits the table: a long title is cut with "…"
            # instead of pushing Kind, Date and Updated off the screen.
            self.add_column(_("Title"), key="title", width=widths["title"])
            self.add_column(_("Kind"), key="kind", width=widths["kind"])
            self.add_column(_("Date"), key="date", width=widths["date"])
            if widths["updated"]:
                self.add_column(_("Updated"), key="updated", width=widths["updated"])

    def widths(self) -> dict[str, int]:
        """Column widths for the table's current width (each column has 2 cells of
        padding). Below 70 cells the Updated column is left out."""
        # Before the first layout the table has no size yet: estimate it from the
        # terminal's width less the sidebar (browse.tcss), so the columns chosen at
        # mount time are already right.
        known = self.size.width or (self.app.size.width - SIDEBAR_CELLS)
        total = max(known, 40) - 1  # the scrollbar
        kind, date = 16, 11
        updated = 19 if total >= 70 else 0
        fixed = kind + date + updated + 2 * (3 + (1 if updated else 0))
        title = max(12, total - fixed)
        search_title = max(12, min(32, (total - kind - 6) // 3))
        snippet = max(12, total - kind - search_title - 6)
        return {"kind": kind, "date": date, "updated": updated, "title": title,
                "search_title": search_title, "snippet": snippet}

    def on_resize(self) -> None:
        """Fit the columns to the new width (rows keep their cells)."""
        widths = self.widths()
        changed = False
        for key, column in self.columns.items():
            name = "search_title" if (key.value == "title" and self.mode == "search") \
                else str(key.value)
            want = widths.get(name)
            if want and column.width != want:
                column.width = want
                column.auto_width = False
                changed = True
        if changed:
            self._require_update_dimensions = True
            self.refresh()

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
                marked_title(plain(row.title, limit=200), row.id in self.travel_safe),
                Text(kind_label(row.kind)),
                plain(getattr(row, "date", None) or ""),
                *([plain((getattr(row, "updated", None) or "").replace("T", " ")[:19])]
                  if len(self.columns) == 4 else []),
                key=row.id,
            )

    def add_hits(self, hits: list[Any], kind_label: Any) -> None:
        """Append search results: ``(hit, title)`` pairs."""
        for hit, title in hits:
            if hit.id in self.rows:
                continue
            width = self.widths()["snippet"]
            found = snippet(hit.snippet, match_within=width)
            if str(hit.field).startswith("attachment text"):
                # Say where: the word is in what a picture or scan shows, not in a field.
                found = Text.assemble((_("in an attachment's text: "), "italic"), found)
            self.add_row(Text(kind_label(hit.kind)), plain(title, limit=120), found,
                         key=hit.id)

    def show_travel_safe(self, ids: list[str], marked: bool) -> None:
        """Add or take away the travel-safe sign of these rows' titles."""
        for rid in ids:
            if marked:
                self.travel_safe.add(rid)
            else:
                self.travel_safe.discard(rid)
            if rid in self.rows and self.mode == "list":
                title = self.get_cell(rid, "title")
                self.update_cell(rid, "title", marked_title(title, marked))

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
