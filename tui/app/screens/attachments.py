"""A record's attachments: add from a file picker, see type, size, hash, extracted
metadata and custody, change the level, extract a plaintext copy (with a warning)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, ProgressBar, Static

from tui.app import levels
from tui.app.i18n import N_, _
from tui.app.messages import (
    Attached,
    AttachmentChanged,
    AttachmentsLoaded,
    CustodyLoaded,
    Extracted,
    Failed,
    Progress,
)
from tui.app.screens.base import BaseScreen
from tui.app.widgets.badge import badge_text
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.text import plain
from vault.errors import VaultError

PLAINTEXT_WARNING = N_(
    "The copy you extract is NOT encrypted. Anyone who gets this device can read it. "
    "Extract only to an encrypted or removable disk, and delete the copy when done.")


def human_size(size: int) -> str:
    """``1.4 MB`` style sizes."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


class AttachmentsScreen(BaseScreen[None]):
    """The files bound to one record."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="attachments.back"),
        Binding("a", "attach", N_("Attach a file"), id="attachments.attach"),
        Binding("x", "extract", N_("Extract a copy"), id="attachments.extract"),
        Binding("l", "protect", N_("Protect more"), id="attachments.level",
                tooltip=N_("One step towards private, for the selected file")),
        Binding("L", "share", N_("Share more…"), id="attachments.share",
                tooltip=N_("One step towards public; asks first")),
        Binding("delete", "detach", N_("Detach"), id="attachments.detach"),
    ]

    def __init__(self, record_id: str) -> None:
        super().__init__()
        self.record_id = record_id
        self.items: dict[str, Any] = {}
        self.cancel = threading.Event()

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        yield Static(Text(_("Attachments")), classes="screen-title", id="attachments-title")
        table: DataTable[Text] = DataTable(id="attachment-list", cursor_type="row")
        yield table
        yield ProgressBar(id="progress", classes="hidden", show_eta=False)
        with VerticalScroll(id="attachment-detail"):
            yield Static("", id="detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#attachment-list", DataTable).add_columns(
            _("Name"), _("Type"), _("Size"), _("Level"), _("Added (UTC)"))
        self._load()

    def on_unmount(self) -> None:
        self.cancel.set()

    @work(thread=True, exclusive=True, group="attachments-load")
    def _load(self) -> None:
        try:
            items = self.vault.services.attachments.list(self.record_id)
            record_title = self.vault.services.records.get(self.record_id).title
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(AttachmentsLoaded(items, record_title))

    def on_attachments_loaded(self, message: AttachmentsLoaded) -> None:
        message.stop()
        heading = Text(_("Attachments of: "))
        heading.append_text(plain(message.record_title))
        self.query_one("#attachments-title", Static).update(heading)
        self._show_list(message.items)

    def on_custody_loaded(self, message: CustodyLoaded) -> None:
        message.stop()
        self._show_detail(message.attachment, message.custody)

    def on_attached(self, message: Attached) -> None:
        message.stop()
        self.query_one("#progress").add_class("hidden")
        self.evault.data_version += 1
        self.notify(_("Attached and encrypted. The original file is still where it was."))
        self._load()

    def on_extracted(self, message: Extracted) -> None:
        message.stop()
        self.query_one("#progress").add_class("hidden")
        self.notify(_("A plaintext copy was written to {path}. Delete it when done.")
                    .format(path=message.path), severity="warning", timeout=10)

    def on_attachment_changed(self, message: AttachmentChanged) -> None:
        message.stop()
        self._load()

    def _show_list(self, items: list[Any]) -> None:
        table = self.query_one("#attachment-list", DataTable)
        table.clear()
        self.items = {a.id: a for a in items}
        for a in items:
            table.add_row(plain(a.name, limit=60), plain(a.media_type), Text(human_size(a.size)),
                          badge_text(str(a.level)), plain(a.ingested.replace("T", " ")),
                          key=a.id)
        if not items:
            self.query_one("#detail", Static).update(Text(_("No files yet. Press a to attach "
                                                            "one.")))

    def _selected(self) -> Any | None:
        table = self.query_one("#attachment-list", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.items.get(str(key))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        item = self.items.get(str(event.row_key.value))
        if item is not None:
            self._custody(item)

    @work(thread=True, exclusive=True, group="attachments-custody")
    def _custody(self, item: Any) -> None:
        try:
            custody = self.vault.services.attachments.custody(item.id)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(CustodyLoaded(item, custody))

    def _show_detail(self, item: Any, custody: list[Any]) -> None:
        text = Text()
        text.append(_("SHA-256 at ingest: "), style="bold")
        text.append(item.sha256 + "\n")
        text.append(_("Level: "), style="bold")
        text.append_text(badge_text(str(item.level)))
        text.append("\n")
        if item.note:
            text.append(_("Note: "), style="bold")
            text.append_text(plain(item.note, single_line=False))
            text.append("\n")
        text.append(_("Extracted metadata (private):") + "\n", style="bold")
        meta = json.dumps(item.metadata, ensure_ascii=False, indent=1, sort_keys=True)
        text.append_text(plain(meta, single_line=False))
        text.append("\n" + _("Custody:") + "\n", style="bold")
        for entry in custody:
            text.append_text(plain(f"  {entry.at[:19]}  {entry.actor}  {entry.action}\n",
                                   single_line=False))
        self.query_one("#detail", Static).update(text)

    # -- attach ------------------------------------------------------------------------

    def action_attach(self) -> None:
        """Choose a file to encrypt into the vault."""
        from tui.app.screens.dialogs import FilePickerDialog

        def chosen(path: Path | None) -> None:
            if path is not None:
                bar = self.query_one("#progress", ProgressBar)
                bar.remove_class("hidden")
                bar.update(total=None, progress=0)
                self._ingest(path)

        self.app.push_screen(FilePickerDialog(_("Attach which file?")), chosen)

    @work(thread=True, exclusive=True, group="long-attach")
    def _ingest(self, path: Path) -> None:
        try:
            service = self.vault.services.attachments
            added = service.attach(
                self.record_id, path, progress=self.post_progress,
                cancel=self.cancel)
            # Then what it says (OCR), for search: same worker, same progress and cancel.
            service.read_text(added.id, progress=self.post_progress, cancel=self.cancel)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(Attached())

    def on_progress(self, message: Progress) -> None:
        message.stop()
        self.query_one("#progress", ProgressBar).update(total=max(message.total, 1),
                                                        progress=message.done)

    def on_failed(self, message: Failed) -> None:
        self.query_one("#progress").add_class("hidden")

    # -- extract, level, detach --------------------------------------------------------

    def action_extract(self) -> None:
        """Write a plaintext copy of the selected file to a path you choose."""
        from tui.app.screens.dialogs import FilePickerDialog

        item = self._selected()
        if item is None:
            return

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            if path.is_dir():
                path = path / Path(item.name).name
            self.query_one("#progress", ProgressBar).remove_class("hidden")
            self._extract(item.id, path)

        self.app.push_screen(FilePickerDialog(_("Extract a plaintext copy to…"), save=True,
                                              warning=_(PLAINTEXT_WARNING)), chosen)

    @work(thread=True, exclusive=True, group="long-extract")
    def _extract(self, attachment_id: str, path: Path) -> None:
        try:
            self.vault.services.attachments.extract(
                attachment_id, path, progress=self.post_progress,
                cancel=self.cancel)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(Extracted(str(path)))

    def action_protect(self) -> None:
        """One step towards private for the selected file (never asks)."""
        item = self._selected()
        if item is None:
            return
        new = levels.more_protected(str(item.level))
        if new is None:
            self.notify(_("Already private."))
            return
        self._change(item.id, "level", new)

    def action_share(self) -> None:
        """One step towards public for the selected file (asks first; a new file is
        private, so it never becomes public in one keystroke)."""
        from tui.app.screens.dialogs import ShareDialog

        item = self._selected()
        if item is None:
            return
        new = levels.less_protected(str(item.level))
        if new is None:
            self.notify(_("Already public."))
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._change(item.id, "level", new)

        self.app.push_screen(ShareDialog(_("File"), str(item.name), str(item.level), new),
                             answer)

    def action_detach(self) -> None:
        """Delete the selected attachment from the vault (after a question)."""
        from tui.app.screens.dialogs import ConfirmDialog

        item = self._selected()
        if item is None:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self._change(item.id, "detach", "")

        self.app.push_screen(ConfirmDialog(_("Detach this file? Its encrypted copy is "
                                             "deleted; the audit log keeps its hash."),
                                           yes=_("Detach"), no=_("Keep"), warning=True),
                             answer)

    @work(thread=True, group="attachments-change")
    def _change(self, attachment_id: str, what: str, level: str) -> None:
        try:
            service = self.vault.services.attachments
            if what == "level":
                service.set_level(attachment_id, level)
            else:
                service.detach(attachment_id)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(AttachmentChanged())

    def action_back(self) -> None:
        """Back to the record."""
        self.app.pop_screen()
