"""The audit log: who did what, when, to which record and field (never a value), and
whether the hash chain is intact.

The log grows with everything done in the vault (a million records: a million entries),
so the viewer reads it a page at a time, newest first (``Store.audit_page``), and shows
the first page before the chain is verified; the verification streams the log in
batches (flat memory) and its verdict replaces the "Verifying…" line when it is done."""

from __future__ import annotations

import json

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, LoadingIndicator, Static

from tui.app.i18n import N_, _
from tui.app.messages import AuditPage, AuditVerified, Failed
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
        self.shown = 0
        self.oldest: int | None = None
        self.complete = False

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
            self.post_message(AuditPage(store.audit_page(limit=PAGE), first=True))
            status = store.verify_audit()
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(AuditVerified(status))

    @work(thread=True, exclusive=True, group="audit-more")
    def _load_older(self, before: int) -> None:
        try:
            self.post_message(AuditPage(self.vault.store.audit_page(before, PAGE),
                                        first=False))
        except VaultError as exc:
            self.post_message(Failed(exc))

    def on_audit_page(self, message: AuditPage) -> None:
        message.stop()
        table = self.query_one("#audit", DataTable)
        if message.first:
            table.clear()
            self.shown = 0
        elif message.entries and self.oldest is not None and \
                int(message.entries[0].seq) >= self.oldest:
            return  # a page asked for before a reload
        for e in message.entries:
            detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True)
            table.add_row(Text(str(e.seq)), plain(e.at[:19]), plain(e.actor),
                          plain(e.action), plain(e.record or ""), plain(e.field or ""),
                          plain(detail, limit=120))
        self.shown += len(message.entries)
        if message.entries:
            self.oldest = int(message.entries[-1].seq)
        self.complete = len(message.entries) < PAGE

    def on_audit_verified(self, message: AuditVerified) -> None:
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

    def action_more(self) -> None:
        """Show older entries (the next page, read when asked for)."""
        if not self.complete and self.oldest is not None:
            self._load_older(self.oldest)

    def action_reload(self) -> None:
        """Read and verify the log again."""
        self.query_one("#busy").remove_class("hidden")
        self._load()

    def action_back(self) -> None:
        """Back."""
        self.app.pop_screen()
