"""One record, read-only, drawn from the registry: every value with its level badge;
links to the records it names and from the records that name it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, LoadingIndicator, Static

from tui.app.destinations import Attachments, Dossier, Editor, Export, Go, RecordView
from tui.app.i18n import N_, _
from tui.app.messages import Failed, LevelSet, RecordLoaded
from tui.app.screens.base import BaseScreen
from tui.app.screens.level_keys import LevelKeys, LevelTarget
from tui.app.travel import TravelMarked, marked_note, toggle_mark
from tui.app.travel import badge as travel_badge
from tui.app.widgets.field_row import FieldRow, Link
from tui.app.widgets.fields import display, field_label, type_label
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.text import plain
from vault.errors import PolicyRefused, VaultError
from vault.records.spec import FieldKind

if TYPE_CHECKING:
    from vault.session import Vault


def load_record(vault: Vault, record_id: str) -> RecordLoaded:
    """Everything the record view shows, read in one go (called from a worker)."""
    return RecordLoaded(vault.services.records.record_page(record_id))


class RecordScreen(LevelKeys, BaseScreen[None]):
    """Read a record; change levels; follow links; go to the editor or attachments."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="record.back"),
        Binding("e", "edit", N_("Edit"), id="record.edit"),
        Binding("l", "protect", N_("Protect more"), id="record.level",
                tooltip=N_("One step towards private, for the field under the cursor")),
        Binding("L", "share", N_("Share more…"), id="record.share",
                tooltip=N_("One step towards public; asks first")),
        Binding("u", "undo_level", N_("Undo level"), id="record.undo",
                tooltip=N_("Put back the level the last change replaced")),
        Binding("t", "attachments", N_("Attachments"), id="record.attachments"),
        Binding("x", "export", N_("Export this record"), id="record.export"),
        Binding("s", "dossier", N_("Sanctions dossier"), id="record.dossier",
                tooltip=N_("For a person: the readiness check and the draft")),
        Binding("delete", "delete", N_("Delete"), id="record.delete"),
        Binding("m", "travel_mark", N_("Travel-safe"), id="record.travel_mark", show=False,
                tooltip=N_("Mark or unmark this record travel-safe (a case: with every "
                           "record in it)")),
    ]

    def __init__(self, record_id: str, *, focus: str | None = None) -> None:
        super().__init__()
        self.record_id = record_id
        self.focus_field = focus
        """The field to put the cursor on first (a readiness item's fix)."""
        self.loaded: RecordLoaded | None = None
        self.travel_safe = False
        """Whether the record stays on the device during a trip (its badge)."""

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        body = VerticalScroll(id="record-body")
        body.can_focus = False  # the cursor is on a field, never on the scroll area
        with body:
            yield LoadingIndicator()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load()

    def on_screen_resume(self) -> None:
        if self.loaded is not None:
            self._load()

    @work(thread=True, exclusive=True, group="record-load")
    def _load(self) -> None:
        try:
            loaded = load_record(self.vault, self.record_id)
            travel = self.vault.services.travel
            self.travel_safe = loaded.record.id in travel.marked_among([loaded.record.id])
            self.post_message(loaded)
        except VaultError as exc:
            self.post_message(Failed(exc))

    async def on_record_loaded(self, message: RecordLoaded) -> None:
        message.stop()
        focused = self.focused.id if isinstance(self.focused, (FieldRow, Link)) else None
        record = message.record
        self.record_id = record.id
        registry = self.vault.services.records.registry
        rtype = registry.type(record.kind)
        page = message.page
        titles = page.titles
        body = self.query_one("#record-body", VerticalScroll)
        await body.remove_children()
        widgets: list[Any] = [
            Static(plain(record.title), classes="screen-title"),
            Static(Text(f"{type_label(rtype)} · {record.id} · "
                        + _("updated {when}").format(when=record.updated)), classes="path"),
        ]
        if self.travel_safe:
            widgets.append(Static(travel_badge(), id="travel-badge"))
        if page.provenance:  # imported from a partner's bundle: say from whom
            widgets.append(Static(plain(page.provenance), id="provenance", classes="path"))
        for name, spec in rtype.fields.items():
            if name not in record.fields:
                continue
            level = str(record.levels.get(name, spec.default_level))
            widgets.append(FieldRow(spec, record.fields[name], level, titles))
        links = [(name, ref) for name, spec in rtype.fields.items()
                 if spec.kind == FieldKind.REFERENCE and name in record.fields
                 for ref in (record.fields[name] if isinstance(record.fields[name], list)
                             else [record.fields[name]])]
        if links:
            widgets.append(Static(Text(_("Links to")), classes="section-title"))
            for name, ref in links:
                label = Text(f"→ {field_label(rtype.fields[name])}: ")
                label.append_text(plain(titles.get(str(ref), str(ref))))
                widgets.append(Link(str(ref), label))
        if page.back_links:
            widgets.append(Static(Text(_("Linked from")), classes="section-title"))
            for ref in page.back_links:
                label = Text(f"← {type_label(registry.type(ref.kind))}: ")
                label.append_text(plain(ref.title))
                widgets.append(Link(ref.id, label))
        if page.attachments:
            widgets.append(Static(Text(_("Attachments: {n} (press t)").format(
                n=len(page.attachments))), classes="section-title"))
        await body.mount_all(widgets)
        self.loaded = message  # set last: "loaded" means drawn
        if not focused and self.focus_field:
            focused, self.focus_field = f"field-{self.focus_field}", None
        if focused:
            found = self.query(f"#{focused}")
            if found:
                found.first().focus()
                return
        rows = self.query(FieldRow)
        if rows:
            rows.first().focus()

    def on_link_open(self, message: Link.Open) -> None:
        message.stop()
        self.post_message(Go(RecordView(message.record_id)))

    # -- levels (keys in LevelKeys) -----------------------------------------------------

    def level_target(self, name: str | None = None) -> LevelTarget | None:
        if name is None:
            row = self.focused if isinstance(self.focused, FieldRow) else None
        else:
            row = next((r for r in self.query(FieldRow) if r.spec.name == name), None)
        if row is None:
            return None
        kind = self.loaded.record.kind if self.loaded is not None else ""
        return LevelTarget(row.spec.name, field_label(row.spec), row.level, row.spec.pinned,
                           kind, row.spec.identifier,
                           display(row.spec, row.value, row.titles).plain)

    def write_level(self, target: LevelTarget, new: str, *, undo: bool) -> None:
        self._set_level(target.name, target.level, new, undo)

    @work(thread=True, group="record-level")
    def _set_level(self, field: str, old: str, level: str, undo: bool) -> None:
        try:
            self.vault.services.records.set_level(self.record_id, field, level)
        except PolicyRefused as exc:
            self.post_message(Failed(exc, field=field))
            return
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(LevelSet(field, level, old=old, undo=undo))

    def on_level_set(self, message: LevelSet) -> None:
        message.stop()
        self.evault.data_version += 1
        for row in self.query(FieldRow):
            if row.spec.name == message.field:
                row.set_level(message.level)
                self.level_written(field_label(row.spec), message)

    def on_failed(self, message: Failed) -> None:
        if message.field is not None:
            for row in self.query(FieldRow):
                if row.spec.name == message.field:
                    message.stop()
                    message.prevent_default()  # shown beside the field: not the modal
                    row.show_error(message.error)
                    return

    # -- elsewhere ---------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the list (or the record before)."""
        self.app.pop_screen()

    def action_edit(self) -> None:
        """Edit this record's values."""
        if self.loaded is not None:
            self.post_message(Go(Editor(self.loaded.record.kind, self.record_id)))

    def action_attachments(self) -> None:
        """Files bound to this record."""
        self.post_message(Go(Attachments(self.record_id)))

    def action_export(self) -> None:
        """Export this record to a partner."""
        self.post_message(Go(Export(record_ids=(self.record_id,))))

    def action_dossier(self) -> None:
        """The sanctions dossier of this person."""
        if self.loaded is not None and self.loaded.record.kind == "person":
            self.post_message(Go(Dossier(self.record_id)))
        else:
            self.notify(_("A dossier is drafted for a person."))

    def action_travel_mark(self) -> None:
        """Mark this record travel-safe, or unmark it (audited by the vault)."""
        self._travel_mark()

    @work(thread=True, group="record-travel-mark")
    def _travel_mark(self) -> None:
        try:
            self.post_message(toggle_mark(self.vault, self.record_id))
        except VaultError as exc:
            self.post_message(Failed(exc))

    def on_travel_marked(self, message: TravelMarked) -> None:
        message.stop()
        self.evault.data_version += 1
        self.notify(marked_note(message))
        self._load()

    def action_delete(self) -> None:
        """Delete this record (after a question)."""
        from tui.app.screens.dialogs import ConfirmDialog

        def answer(yes: bool | None) -> None:
            if yes:
                self._delete()

        self.app.push_screen(ConfirmDialog(_("Delete this record? This cannot be undone."),
                                           yes=_("Delete"), no=_("Keep"), warning=True),
                             answer)

    @work(thread=True, group="record-delete")
    def _delete(self) -> None:
        try:
            self.vault.services.records.delete(self.record_id)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.app.call_from_thread(self._deleted)

    def _deleted(self) -> None:
        self.evault.data_version += 1
        self.app.pop_screen()
