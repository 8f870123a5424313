"""The editor, built from the registry: every field of the record's type gets the input
its kind calls for, its level badge and a place for its error. Values are saved together
(one ``edit`` or ``add``); a level change on an existing record is written at once, so a
refusal (a pinned field) shows beside the field as soon as it is asked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, LoadingIndicator, Static

from tui.app import drafts
from tui.app.destinations import Go, RecordView
from tui.app.i18n import N_, _
from tui.app.messages import EditorLoaded, Failed, LevelSet, Saved
from tui.app.screens.base import BaseScreen
from tui.app.screens.level_keys import LevelKeys, LevelTarget
from tui.app.widgets.field_row import EditorRow
from tui.app.widgets.fields import (
    field_label,
    make_input,
    read_input,
    reference_ids,
    type_label,
)
from tui.app.widgets.header import SafeHeader
from vault.errors import PolicyRefused, VaultError
from vault.records.errors import FieldError
from vault.records.present import from_text, to_text
from vault.records.spec import FieldKind
from vault.records.validate import check_levels

if TYPE_CHECKING:
    from vault.session import Vault


def linked_titles(vault: Vault, kind: str, record: Any, draft: drafts.Draft | None
                  ) -> dict[str, str]:
    """Titles of every record the form's reference fields name (called from a worker)."""
    records = vault.services.records
    rtype = records.registry.type(kind)
    titles: dict[str, str] = {}
    for name, spec in rtype.fields.items():
        if spec.kind != FieldKind.REFERENCE:
            continue
        raw = to_text(spec, record.fields.get(name)) if record is not None else ""
        if draft is not None and name in draft.values:
            raw = str(draft.values[name])
        for ref in reference_ids(raw):
            try:
                titles[ref] = records.get(ref).title
            except VaultError:
                titles[ref] = ref
    return titles


class EditorScreen(LevelKeys, BaseScreen[None]):
    """Add a record of ``kind`` (no ``record_id``) or edit one."""

    REBUILD_ON_RELABEL = False  # never lose what is being typed

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), id="editor.save", priority=True),
        Binding("ctrl+t,f2", "protect", N_("Protect more"), id="editor.level",
                tooltip=N_("One step towards private, for the field being edited")),
        Binding("f3", "share", N_("Share more…"), id="editor.share",
                tooltip=N_("One step towards public; asks first")),
        Binding("f4", "undo_level", N_("Undo level"), id="editor.undo",
                tooltip=N_("Put back the level the last change replaced")),
        Binding("escape", "cancel", N_("Cancel"), id="editor.cancel"),
    ]

    def __init__(self, kind: str, record_id: str | None = None, *,
                 focus: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.record_id = record_id
        self.focus_field = focus
        """The field to put the cursor in first (a readiness item's fix)."""
        self.original: dict[str, str] = {}
        """Field name -> text as loaded; what "unsaved" is measured against."""
        self.pending_levels: dict[str, str] = {}
        """Levels chosen for a record not saved yet (given to ``add``)."""
        self.form_ready = False
        self.saving = False
        self.titles: dict[str, str] = {}
        """Titles of the records the reference fields link to (read with the record)."""

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with VerticalScroll(id="editor-body"):
            yield LoadingIndicator()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="editor-load")
    def _load(self) -> None:
        try:
            vault = self.vault
            record = None
            if self.record_id is not None:
                record = vault.services.records.get(self.record_id)
            draft = drafts.load(vault, self.record_id or f"new:{self.kind}")
            titles = linked_titles(vault, self.kind, record, draft)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.titles = titles
        self.post_message(EditorLoaded(record, draft))

    async def on_editor_loaded(self, message: EditorLoaded) -> None:
        message.stop()
        await self._build(message.record, message.draft)

    async def _build(self, record: Any, draft: drafts.Draft | None) -> None:
        rtype = self.vault.services.records.registry.type(self.kind)
        values = record.fields if record is not None else {}
        levels = record.levels if record is not None else {}
        body = self.query_one("#editor-body", VerticalScroll)
        await body.remove_children()
        heading = _("Edit") if record is not None else _("New")
        widgets: list[Any] = [Static(Text(f"{heading}: {type_label(rtype)}"
                                          + (f" · {record.id}" if record else "")),
                                     classes="screen-title")]
        if draft is not None:
            widgets.append(Static(Text(_(
                "Unsaved edits from before the vault was locked are restored below. Save "
                "them with Ctrl+S, or press Escape to discard them.")), classes="draft-banner"))
        for name, spec in rtype.fields.items():
            raw = to_text(spec, values.get(name))
            self.original[name] = raw
            if draft is not None and name in draft.values:
                raw = str(draft.values[name])
            level = str(levels.get(name, spec.default_level))
            widgets.append(EditorRow(spec, make_input(spec, raw, f"input-{name}", self.titles),
                                     level))
        await body.mount_all(widgets)
        self.form_ready = True
        wanted = self._row(self.focus_field) if self.focus_field else None
        if wanted is not None:
            wanted.editor.focus()
            return
        rows = self.query(EditorRow)
        if rows:
            rows.first().editor.focus()

    # -- reading the form --------------------------------------------------------------

    def current(self) -> dict[str, str]:
        """Field name -> text as it stands in the form."""
        return {row.spec.name: read_input(row.editor) for row in self.query(EditorRow)}

    def changed(self) -> dict[str, str]:
        """Only the fields whose text differs from what was loaded."""
        return {k: v for k, v in self.current().items() if v != self.original.get(k, "")}

    def unsaved_draft(self) -> drafts.Draft | None:
        """What the app keeps, encrypted, if the vault locks now."""
        if not self.form_ready:
            return None
        changed = self.changed()
        if not changed:
            return None
        return drafts.Draft(self.kind, self.record_id, dict(changed))

    def _row(self, name: str) -> EditorRow | None:
        for row in self.query(EditorRow):
            if row.spec.name == name:
                return row
        return None

    # -- saving ------------------------------------------------------------------------

    def action_save(self) -> None:
        """Check and save every changed field in one write."""
        if not self.form_ready or self.saving:
            return
        registry = self.vault.services.records.registry
        rtype = registry.type(self.kind)
        changes: dict[str, Any] = {}
        problems = 0
        for row in self.query(EditorRow):
            row.show_error(None)
        for name, raw in self.changed().items():
            try:
                changes[name] = from_text(rtype.fields[name], raw)
            except FieldError as exc:
                problems += 1
                bad = self._row(name)
                if bad is not None:
                    bad.show_error(exc.reason)
        if problems:
            return
        if not changes and not (self.record_id is None and self.pending_levels):
            self.notify(_("Nothing changed."))
            self._close()
            return
        self.saving = True
        self._save(changes, dict(self.pending_levels))

    @work(thread=True, exclusive=True, group="editor-save")
    def _save(self, changes: dict[str, Any], levels: dict[str, str]) -> None:
        records = self.vault.services.records
        try:
            if self.record_id is None:
                clean = {k: v for k, v in changes.items() if v is not None}
                record_id = records.add(self.kind, clean, levels=levels or None)
            else:
                record_id = records.edit(self.record_id, changes).id
            drafts.discard(self.vault, self.record_id or f"new:{self.kind}")
        except FieldError as exc:
            self.post_message(Failed(exc, field=exc.field))
            return
        except VaultError as exc:
            self.post_message(Failed(exc, field=getattr(exc, "field", None)))
            return
        self.post_message(Saved(record_id))

    def on_saved(self, message: Saved) -> None:
        message.stop()
        self.saving = False
        self.original = self.current()
        self.evault.data_version += 1
        self.notify(_("Saved."))
        if self.record_id is None:
            self.post_message(Go(RecordView(message.record_id), replace=True))
        else:
            self._close()

    def on_failed(self, message: Failed) -> None:
        self.saving = False
        if message.field is not None:
            # "positions.from": the part of a structured field belongs beside the field.
            row = self._row(message.field.split(".")[0])
            if row is not None:
                message.stop()
                message.prevent_default()  # shown beside the field: not the base's modal
                error = message.error
                row.show_error(error.reason if isinstance(error, FieldError) else error)
                row.editor.focus()
                return

    # -- levels (keys in LevelKeys) -----------------------------------------------------

    def level_target(self, name: str | None = None) -> LevelTarget | None:
        if name is None:
            focused = self.focused
            row = next((r for r in self.query(EditorRow)
                        if focused is not None and (focused is r.editor
                                                    or r.editor in focused.ancestors_with_self)),
                       None)
        else:
            row = self._row(name)
        if row is None:
            return None
        return LevelTarget(row.spec.name, field_label(row.spec), row.level, row.spec.pinned,
                           self.kind, row.spec.identifier, read_input(row.editor))

    def undo_hint(self) -> str:
        return _("{field}: now {level}. Press F4 to undo.")

    def write_level(self, target: LevelTarget, new: str, *, undo: bool) -> None:
        row = self._row(target.name)
        if row is None:
            return
        if self.record_id is None:
            rtype = self.vault.services.records.registry.type(self.kind)
            try:
                check_levels(rtype, {row.spec.name: new})  # the vault's rule, no write yet
            except PolicyRefused as exc:
                row.show_error(exc)
                return
            self.pending_levels[row.spec.name] = new
            self.post_message(LevelSet(target.name, new, old=target.level, undo=undo))
            return
        self._set_level(target.name, target.level, new, undo)

    @work(thread=True, group="editor-level")
    def _set_level(self, field: str, old: str, level: str, undo: bool) -> None:
        try:
            assert self.record_id is not None
            self.vault.services.records.set_level(self.record_id, field, level)
        except VaultError as exc:
            self.post_message(Failed(exc, field=field))
            return
        self.post_message(LevelSet(field, level, old=old, undo=undo))

    def on_level_set(self, message: LevelSet) -> None:
        message.stop()
        if self.record_id is not None:
            self.evault.data_version += 1
        row = self._row(message.field)
        if row is not None:
            row.set_level(message.level)
            self.level_written(field_label(row.spec), message)

    # -- leaving -----------------------------------------------------------------------

    def action_cancel(self) -> None:
        """Leave; asks first when there are unsaved changes."""
        if not self.form_ready or not self.changed():
            self._close()
            return
        from tui.app.screens.dialogs import ConfirmDialog

        def answer(discard: bool | None) -> None:
            if discard:
                self._discard()

        self.app.push_screen(ConfirmDialog(_("Discard your unsaved changes?"),
                                           yes=_("Discard"), no=_("Keep editing"),
                                           warning=True), answer)

    @work(thread=True, group="editor-discard")
    def _discard(self) -> None:
        try:
            drafts.discard(self.vault, self.record_id or f"new:{self.kind}")
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.app.call_from_thread(self._close)

    def _close(self) -> None:
        self.original = self.current() if self.form_ready else {}
        self.form_ready = False
        self.app.pop_screen()
