"""Browse: record types and cases on the left, the lazily loaded list or the search
results on the right, filters above."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from tui.app.destinations import Audit, Bundles, Editor, Export, Go, RecordView, Settings
from tui.app.i18n import N_, _
from tui.app.messages import (
    CountsLoaded,
    Failed,
    PageLoaded,
    SearchDone,
    VaultChangedElsewhere,
)
from tui.app.screens.base import BaseScreen
from tui.app.travel import TravelMarked, TravelMarksLoaded, marked_note, toggle_mark
from tui.app.widgets.fields import type_label
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.record_table import PAGE, RecordTable
from tui.app.widgets.text import plain
from vault.errors import InvalidInput, VaultError

#: Seconds after the last keystroke before a search runs.
DEBOUNCE = 0.15
#: Seconds between looks at whether another process wrote to the vault (a PRAGMA that
#: reads no page; the counts are redone only when something changed).
CHANGE_POLL = 2.0
#: Results shown for a search (ranked; refine the query to see others).
SEARCH_LIMIT = 100
#: Sort orders ``s`` cycles through: (order, descending, label).
ORDERS: list[tuple[str, bool, str]] = [
    ("updated", True, N_("recently changed first")),
    ("added", False, N_("oldest first")),
    ("title", False, N_("by title")),
    ("kind", False, N_("by kind")),
    ("date", True, N_("by date, latest first")),
]
_COLUMN_ORDER = {"title": "title", "kind": "kind", "date": "date", "updated": "updated"}


def chosen(label: Text, selected: bool) -> Text:
    """A sidebar entry, marked ``▸`` and bold when it is the filter in use (visible
    whether or not the sidebar has the focus)."""
    if not selected:
        return Text("  ").append_text(label)
    marked = Text("▸ ", style="bold")
    marked.append_text(label)
    marked.stylize("bold")
    return marked


class BrowseScreen(BaseScreen[None]):
    """The home screen once the vault is unlocked."""

    BINDINGS = [
        Binding("slash", "search", N_("Search"), id="browse.search"),
        Binding("escape", "clear_search", N_("Clear search"), id="browse.clear", show=False),
        Binding("n", "new", N_("New record"), id="browse.new"),
        Binding("s", "sort", N_("Sort"), id="browse.sort"),
        Binding("f", "filters", N_("Filters"), id="browse.filters"),
        Binding("x", "export", N_("Export"), id="browse.export"),
        Binding("b", "bundles", N_("Bundles"), id="browse.bundles",
                tooltip=N_("Verify, open and import bundles received from partners")),
        Binding("u", "audit", N_("Audit log"), id="browse.audit",
                tooltip=N_("The audit log and its chain status")),
        Binding("o", "settings", N_("Settings"), id="browse.settings"),
        Binding("m", "travel_mark", N_("Travel-safe"), id="browse.travel_mark", show=False,
                tooltip=N_("Mark or unmark the record under the cursor travel-safe (a "
                           "case: with every record in it)")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind: str | None = None
        self.case: str | None = None
        self.order_index = 0
        self.query_text = ""
        self.generation = 0
        self.page_loading = False
        self.counts: dict[str, int] | None = None
        """Records per kind, as last counted (for the sidebar and the status line)."""
        self.counts_pending = True
        self.version_seen = -1
        self.next_after: str | None = None
        """Where the next page of the list starts (``records.page`` cursor)."""
        self.external_seen: tuple[int, int] | None = None
        """(connection, its ``data_version``) when the poll last looked."""
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with Horizontal():
            with Vertical(id="sidebar"):
                yield Static(Text(_("Record types")), classes="sidebar-title")
                yield OptionList(id="kinds")
                yield Static(Text(_("Cases")), classes="sidebar-title")
                yield OptionList(id="cases")
            with Vertical(id="main"):
                yield Input(placeholder=_("Search in any language… (/)"), id="search")
                with Horizontal(id="filters", classes="hidden"):
                    yield Input(placeholder=_("From date (YYYY-MM-DD)"), id="date-from")
                    yield Input(placeholder=_("To date"), id="date-to")
                    yield Select[str]([(_("values at public level only"), "public"),
                                       (_("values up to partner level"), "partner")],
                                      prompt=_("Search all levels"), id="level")
                yield RecordTable(id="records")
                yield Static("", id="list-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()
        self.query_one(RecordTable).focus()
        self.set_interval(CHANGE_POLL, self._poll_external, name="vault-changes")

    @work(thread=True, exclusive=True, group="browse-poll")
    def _poll_external(self) -> None:
        """Another process wrote (the CLI importing, a second app): recount. Without
        this the sidebar kept the counts of when the screen opened."""
        try:
            store = self.vault.store
            version = store.data_version()
        except VaultError:
            return  # locked meanwhile: the next unlock loads afresh
        # A new connection (after a lock and an unlock) counts from its own start.
        seen = (id(store), version)
        if self.external_seen is None or self.external_seen[0] != seen[0]:
            self.external_seen = seen
        elif seen != self.external_seen:
            self.external_seen = seen
            self.post_message(VaultChangedElsewhere())

    def on_vault_changed_elsewhere(self, message: VaultChangedElsewhere) -> None:
        message.stop()
        vault = self.evault.vault
        if self.is_current and vault is not None and vault.is_unlocked:
            self._load_counts()
        else:
            self.version_seen = -1  # reload when this screen shows again

    def on_screen_resume(self) -> None:
        if self.version_seen != self.evault.data_version:
            self.reload()

    # -- loading -----------------------------------------------------------------------

    def _filters(self) -> dict[str, Any]:
        date_from = self.query_one("#date-from", Input).value.strip() or None
        date_to = self.query_one("#date-to", Input).value.strip() or None
        level = self.query_one("#level", Select).value
        return {"date_from": date_from, "date_to": date_to,
                "level": None if level is Select.NULL else str(level)}

    def reload(self) -> None:
        """Start again from the first page (or re-run the search), then refresh counts."""
        self.version_seen = self.evault.data_version
        # The counts walk whole indexes: they wait until the first rows are on screen, so
        # the list does not queue behind them for the store's one connection.
        self.counts_pending = True
        if self.query_text:
            self._run_search()
        else:
            self._start_list()

    def _start_list(self) -> None:
        self.generation += 1
        self.page_loading = True
        self.query_one(RecordTable).setup("list")
        order, descending, _label = ORDERS[self.order_index]
        self._load_page(self.generation, None, self.kind, self.case, order, descending,
                        self._filters())

    @work(thread=True, group="browse-page")
    def _load_page(self, generation: int, after: str | None, kind: str | None,
                   case: str | None, order: str, descending: bool,
                   filters: dict[str, Any]) -> None:
        try:
            records = self.vault.services.records
            # Keyset paging: the next page starts from the last row's sort key, so a
            # page deep in a million records costs what the first one does.
            page = records.page(kind=kind, case=case, limit=PAGE, after=after, order=order,
                                descending=descending, date_from=filters["date_from"],
                                date_to=filters["date_to"])
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        try:  # the travel-safe sign of the page's rows, drawn with them
            page_ids = [row.id for row in page.rows]
            marked = self.vault.services.travel.marked_among(page_ids)
            self.post_message(TravelMarksLoaded(generation, page_ids, marked))
        except VaultError:
            pass  # locked meanwhile: the page is not shown either
        self.post_message(PageLoaded(generation, 0, page.rows, after=page.next))

    def on_travel_marks_loaded(self, message: TravelMarksLoaded) -> None:
        message.stop()
        table = self.query_one(RecordTable)
        table.travel_safe.difference_update(message.page)
        table.travel_safe.update(message.marked)

    def on_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.generation != self.generation:
            return  # a filter changed while this page was loading
        table = self.query_one(RecordTable)
        self.page_loading = False
        table.add_summaries(message.rows, self._kind_label)
        self.next_after = message.after
        if message.after is None:
            table.complete = True
        self._show_status()
        self._counts_after_first_rows()

    def _counts_after_first_rows(self) -> None:
        if self.counts_pending:
            self.counts_pending = False
            self.call_after_refresh(self._load_counts)

    def on_record_table_need_more(self, message: RecordTable.NeedMore) -> None:
        message.stop()
        table = self.query_one(RecordTable)
        if self.page_loading or table.complete or table.mode != "list":
            return
        self.page_loading = True
        order, descending, _label = ORDERS[self.order_index]
        self._load_page(self.generation, self.next_after, self.kind, self.case, order,
                        descending, self._filters())

    @work(thread=True, exclusive=True, group="browse-counts")
    def _load_counts(self) -> None:
        try:
            records = self.vault.services.records
            counts = {rtype.name: records.count(rtype.name) for rtype in records.registry.types()}
            cases = records.list(kind="case", limit=500)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(CountsLoaded(counts, cases, sum(counts.values())))

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        message.stop()
        records = self.vault.services.records
        kinds = self.query_one("#kinds", OptionList)
        kinds.clear_options()
        kinds.add_option(Option(chosen(Text(_("All records ({n:,})").format(
            n=message.total)), self.kind is None), id="*"))
        for rtype in records.registry.types():
            count = message.counts.get(rtype.name, 0)
            kinds.add_option(Option(chosen(Text(f"{type_label(rtype)} ({count:,})"),
                                           self.kind == rtype.name), id=rtype.name))
        cases = self.query_one("#cases", OptionList)
        cases.clear_options()
        cases.add_option(Option(chosen(Text(_("All cases")), self.case is None), id="*"))
        for case in message.cases:
            cases.add_option(Option(chosen(plain(case.title), self.case == case.id),
                                    id=case.id))
        for box, value in ((kinds, self.kind), (cases, self.case)):
            box.highlighted = box.get_option_index(value or "*") \
                if value is None or value in {box.get_option_at_index(i).id
                                              for i in range(box.option_count)} else 0
        self.counts = message.counts
        self._show_status()

    def _kind_label(self, kind: str) -> str:
        try:
            return type_label(self.vault.services.records.registry.type(kind))
        except VaultError:
            return kind

    def _show_status(self) -> None:
        table = self.query_one(RecordTable)
        if table.mode == "search":
            text = _("{n} results for the search").format(n=table.row_count)
        else:
            total = "…"
            filtered = self.case is not None or any(
                self._filters()[k] for k in ("date_from", "date_to"))
            if self.counts is not None and not filtered:
                count = self.counts.get(self.kind, 0) if self.kind else sum(self.counts.values())
                total = f"{count:,}"
            if table.complete:
                total = f"{table.row_count:,}"
            text = _("Showing {shown:,} of {total} · {order}").format(
                shown=table.row_count, total=total, order=_(ORDERS[self.order_index][2]))
        self.query_one("#list-status", Static).update(Text(text))

    # -- search as you type ------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "search":
            return
        event.stop()
        self.query_text = event.value.strip()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self._after_typing)

    def _after_typing(self) -> None:
        if self.query_text:
            self._run_search()
        else:
            self._start_list()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "search":
            self.query_one(RecordTable).focus()
        else:
            self.reload()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.reload()

    def _run_search(self) -> None:
        self.generation += 1
        self._search(self.generation, self.query_text, self.kind, self.case, self._filters())

    @work(thread=True, exclusive=True, group="browse-search")
    def _search(self, generation: int, query: str, kind: str | None, case: str | None,
                filters: dict[str, Any]) -> None:
        from vault.search.titled import search_records

        try:
            titled = search_records(self.vault.services.records, query, kind=kind,
                                    case=case, max_level=filters["level"],
                                    date_from=filters["date_from"],
                                    date_to=filters["date_to"], limit=SEARCH_LIMIT)
        except InvalidInput as exc:
            self.post_message(SearchDone(generation, query, [exc]))
            return
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(SearchDone(generation, query, titled))

    def on_search_done(self, message: SearchDone) -> None:
        message.stop()
        if message.generation != self.generation:
            return
        table = self.query_one(RecordTable)
        table.setup("search")
        if message.hits and isinstance(message.hits[0], InvalidInput):
            self.query_one("#list-status", Static).update(Text(message.hits[0].message))
            return
        table.add_hits(message.hits, self._kind_label)
        table.complete = True
        self._show_status()
        self._counts_after_first_rows()

    # -- choosing ----------------------------------------------------------------------

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = None if event.option.id in (None, "*") else event.option.id
        if event.option_list.id == "kinds":
            self.kind = chosen
        else:
            self.case = chosen
        self.reload()

    def on_data_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_record(str(event.row_key.value))

    def on_data_table_header_selected(self, event: RecordTable.HeaderSelected) -> None:
        event.stop()
        order = _COLUMN_ORDER.get(str(event.column_key.value))
        if order is None or self.query_text:
            return
        same = [i for i, o in enumerate(ORDERS) if o[0] == order]
        if same:
            self.order_index = same[0]
            self._start_list()

    def open_record(self, record_id: str) -> None:
        """Show one record."""
        self.post_message(Go(RecordView(record_id)))

    # -- actions -----------------------------------------------------------------------

    def action_search(self) -> None:
        """Type to search every record, in any script."""
        self.query_one("#search", Input).focus()

    def action_clear_search(self) -> None:
        """Back to the full list."""
        field = self.query_one("#search", Input)
        if field.value:
            field.value = ""
        self.query_one(RecordTable).focus()

    def action_sort(self) -> None:
        """Next sort order."""
        self.order_index = (self.order_index + 1) % len(ORDERS)
        if not self.query_text:
            self._start_list()

    def action_filters(self) -> None:
        """Show or hide the date and level filters."""
        bar = self.query_one("#filters")
        bar.toggle_class("hidden")
        if not bar.has_class("hidden"):
            self.query_one("#date-from", Input).focus()

    def action_new(self) -> None:
        """Add a record of a kind you choose."""
        from tui.app.screens.dialogs import ChoiceDialog

        registry = self.vault.services.records.registry
        choices = [(t.name, type_label(t)) for t in registry.types()]

        def chosen(kind: str | None) -> None:
            if kind:
                self.post_message(Go(Editor(kind)))

        self.app.push_screen(ChoiceDialog(_("What kind of record?"), choices), chosen)

    def action_export(self) -> None:
        """Export records or a case to a partner."""
        table = self.query_one(RecordTable)
        chosen = table.selected_id()
        self.post_message(Go(Export(case=self.case, record_ids=() if self.case
                                    else ((chosen,) if chosen else ()))))

    def action_bundles(self) -> None:
        """Verify, open and import bundles received from partners."""
        self.post_message(Go(Bundles()))

    def action_audit(self) -> None:
        """The audit log and its chain status."""
        self.post_message(Go(Audit()))

    def action_travel_mark(self) -> None:
        """Mark the record under the cursor travel-safe, or unmark it."""
        chosen = self.query_one(RecordTable).selected_id()
        if chosen is not None:
            self._travel_mark(chosen)

    @work(thread=True, group="browse-travel-mark")
    def _travel_mark(self, record_id: str) -> None:
        try:
            self.post_message(toggle_mark(self.vault, record_id))
        except VaultError as exc:
            self.post_message(Failed(exc))

    def on_travel_marked(self, message: TravelMarked) -> None:
        message.stop()
        self.evault.data_version += 1
        self.version_seen = self.evault.data_version  # drawn here: no reload needed
        self.query_one(RecordTable).show_travel_safe(message.changed, message.marked)
        self.notify(marked_note(message))

    def action_settings(self) -> None:
        """Auto-lock, language, recipients, passphrase."""
        self.post_message(Go(Settings()))
