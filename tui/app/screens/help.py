"""Every binding of every screen, in the current language."""

from __future__ import annotations

import importlib
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from tui.app.bindings import declared
from tui.app.i18n import N_, _
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader

#: (module, class, heading) of every screen whose keys the help lists, in this order.
SCREENS: list[tuple[str, str, str]] = [
    ("tui.app.app", "EvaultApp", N_("Everywhere")),
    ("tui.app.screens.start", "StartScreen", N_("Start")),
    ("tui.app.screens.create", "CreateScreen", N_("Create a vault")),
    ("tui.app.screens.unlock", "UnlockScreen", N_("Unlock")),
    ("tui.app.screens.browse", "BrowseScreen", N_("Browse and search")),
    ("tui.app.screens.record", "RecordScreen", N_("Record")),
    ("tui.app.screens.editor", "EditorScreen", N_("Editor")),
    ("tui.app.screens.attachments", "AttachmentsScreen", N_("Attachments")),
    ("tui.app.screens.export", "ExportScreen", N_("Export wizard")),
    ("tui.app.screens.dossier", "DossierScreen", N_("Sanctions dossier")),
    ("tui.app.screens.bundles", "BundlesScreen", N_("Received bundles")),
    ("tui.app.screens.audit", "AuditScreen", N_("Audit log")),
    ("tui.app.screens.settings", "SettingsScreen", N_("Settings")),
    ("tui.app.screens.travel", "StartTravelScreen", N_("Start travel mode")),
    ("tui.app.screens.travel", "EndTravelScreen", N_("End travel mode")),
    ("tui.app.screens.help", "HelpScreen", N_("Help")),
    ("tui.app.screens.dialogs", "ErrorDialog", N_("Dialogs")),
    ("tui.app.screens.dialogs", "PromptDialog", N_("Dialogs")),
    ("tui.app.widgets.record_table", "RecordTable", N_("The record list")),
    ("tui.app.widgets.field_row", "Link", N_("Links between records")),
    ("tui.app.widgets.field_row", "FieldRow", N_("Record fields")),
    ("tui.app.widgets.picker", "ReferenceField", N_("Reference fields")),
    ("tui.app.widgets.picker", "PickerDialog", N_("Choosing a record")),
    ("tui.app.screens.dossier", "GapLine", N_("Dossier readiness items")),
]


def all_bindings() -> list[tuple[str, list[Binding]]]:
    """(heading, bindings) per screen that exists in this build, plus the palette key."""
    out: list[tuple[str, list[Binding]]] = []
    for module_name, class_name, heading in SCREENS:
        module = importlib.import_module(module_name)
        cls: Any = getattr(module, class_name)
        found = [b for b in declared(list(cls.BINDINGS)) if b.description]
        if found:
            out.append((heading, found))
    return out


class HelpScreen(BaseScreen[None]):
    """A table of keys: screen, key, what it does."""

    BINDINGS = [Binding("escape", "close", N_("Back"), id="help.close")]

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with VerticalScroll():
            yield Static(Text(_("Keys")), classes="screen-title")
            yield Static(Text(_(
                "Everything works with the keyboard alone or with the mouse. Press Ctrl+P "
                "for the command palette: it lists every action of the current screen.")))
            table: DataTable[Text] = DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            table.add_columns(_("Screen"), _("Key"), _("Action"))
            for heading, bindings in all_bindings():
                for binding in bindings:
                    table.add_row(Text(_(heading)), Text(binding.key),
                                  Text(_(binding.description)))
            yield table
        yield Footer(compact=True)

    def action_close(self) -> None:
        """Back to where you were."""
        self.app.pop_screen()
