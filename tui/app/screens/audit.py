"""The audit log: who did what, when, to which record and field (never a value), and
whether the hash chain is intact."""

from __future__ import annotations

import json

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, LoadingIndicator, Static

from tui.app.i18n import N_, _
from tui.app.messages import AuditLoaded, Failed
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.text import plain
from vault.errors import VaultError

#: Entries added to the table per page (newest first).
PAGE = 500


class AuditScreen(BaseScreen[None]):
    """Newest entries first, the chain's verdict on top."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="audit.back"),
        Binding("m", "more", N_("Older entries"), id="audit.more"),
        Binding("r", "reload", N_("Verify again"), id="audit.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[object] = []
        self.shown = 0

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        yield Static(Text(_("Verifying the audit chain…")), id="audit-status")
        yield LoadingIndicator(id="busy")
        table: DataTable[Text] = DataTable(id="audit", cursor_type="row", zebra_stripes=True)
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#audit", DataTable)
        table.add_columns("#", _("When (UTC)"), _("Who"), _("Action"), _("Record"),
                          _("Field"), _("Details"))
        self._load()

    @work(thread=True, exclusive=True, group="audit-load")
    def _load(self) -> None:
        try:
            store = self.vault.store
            entries = store.audit_entries()
            status = store.verify_audit()
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(AuditLoaded(entries, status))

    def on_audit_loaded(self, message: AuditLoaded) -> None:
        message.stop()
        self.query_one("#busy").add_class("hidden")
        status = message.status
        box = self.query_one("#audit-status", Static)
        if status.ok:
            box.update(Text("✔ " + _("Chain intact: {n:,} entries, each linked to the one "
                                     "before.").format(n=status.entries), style="bold green"))
        else:
            box.update(Text("✘ " + _("Chain BROKEN: the log was altered. {problem}").format(
                problem=status.problem or ""), style="bold red"))
        self.entries = list(reversed(message.entries))
        self.shown = 0
        self.query_one("#audit", DataTable).clear()
        self.action_more()

    def action_more(self) -> None:
        """Show older entries."""
        table = self.query_one("#audit", DataTable)
        for entry in self.entries[self.shown:self.shown + PAGE]:
            e = entry  # AuditEntry
            detail = json.dumps(getattr(e, "detail", {}), ensure_ascii=False, sort_keys=True)
            table.add_row(Text(str(getattr(e, "seq", ""))), plain(getattr(e, "at", "")[:19]),
                          plain(getattr(e, "actor", "")), plain(getattr(e, "action", "")),
                          plain(getattr(e, "record", None) or ""),
                          plain(getattr(e, "field", None) or ""), plain(detail, limit=120))
        self.shown = min(len(self.entries), self.shown + PAGE)

    def action_reload(self) -> None:
        """Read and verify the log again."""
        self.query_one("#busy").remove_class("hidden")
        self._load()

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()
