"""The export wizard: choose, preview every record as the partner will see it, review
detector findings one by one, seal in a worker with a progress bar, see the leak gate's
verdict, and save the local report if wanted. Every rule is applied by the export
service; this screen only shows its plan."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Footer,
    Input,
    Label,
    OptionList,
    ProgressBar,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option

from tui.app import errors
from tui.app.i18n import N_, _
from tui.app.messages import (
    BundleSealed,
    ExportChoicesLoaded,
    Failed,
    PlanReady,
    Progress,
)
from tui.app.screens.base import BaseScreen
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.picker import ReferenceField
from tui.app.widgets.preview import ordinary_word_note, render_view
from tui.app.widgets.text import plain
from vault.errors import PolicyRefused, VaultError


class ExportScreen(BaseScreen[None]):
    """Choose → preview → seal."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="export.back"),
        Binding("ctrl+n", "next", N_("Next step"), id="export.next"),
        Binding("ctrl+r", "save_report", N_("Save the report"), id="export.report"),
    ]

    def __init__(self, *, case: str | None = None, record_ids: list[str] | None = None,
                 dossier: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.case = case
        self.record_ids = list(record_ids or [])
        self.dossier = dossier
        """(person id, regime): a sanctions dossier to put under ``dossier/``."""
        self.plan: Any = None
        self.sealed: Any = None
        self.leaks: list[Any] = []
        self.released: set[str] = set()
        self.cancel = threading.Event()
        self.titles: dict[str, str] = {}
        """Titles of the records chosen before the wizard opened."""

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        with ContentSwitcher(initial="choose", id="export-steps"):
            with VerticalScroll(id="choose", classes="step"):
                yield Static(Text(_("Export: what, for whom")), classes="screen-title")
                yield Label(Text(_("Records (Enter to add one by name, Backspace removes)")))
                yield ReferenceField(_("Records to export"), (), self.record_ids,
                                     self.titles, multi=True, id="ids")
                yield Label(Text(_("…or a case (the case and every record in it)")))
                yield ReferenceField(_("Case to export"), ("case",),
                                     [self.case] if self.case else [], self.titles,
                                     multi=False, id="case")
                yield Label(Text(_("Clearance: the most a value may be to travel")))
                with RadioSet(id="clearance"):
                    yield RadioButton(_("partner — trusted partner organisations"),
                                      value=True, id="partner")
                    yield RadioButton(_("public — anyone, e.g. a sanctions filing"),
                                      id="public")
                yield Label(Text(_("Recipients (Space or Enter ticks; their age keys are "
                                   "in Settings)")))
                yield SelectionList[str](id="recipients")
                yield Checkbox(_("Include attachments (sanitized; others are refused)"),
                               id="attachments")
                yield Checkbox(_("Leave out attachments that cannot be sanitized"),
                               id="skip")
                yield Button(_("Preview"), id="preview-button", variant="primary")
                # Last, and only with public clearance: an unencrypted bundle is never
                # one Tab away from the encrypted default.
                yield Checkbox(_("Write a plain signed zip instead (public clearance only)"),
                               id="plain", disabled=True)
            with Vertical(id="review", classes="step"):
                yield Static("", id="plan-summary")
                with Horizontal():
                    yield OptionList(id="preview-list")
                    with VerticalScroll(id="preview"):
                        yield Static("", id="preview-body")
                yield Label(Text(_("Detector findings: tick one to RELEASE it (it then "
                                   "travels as written); unticked stay redacted")))
                yield SelectionList[str](id="findings")
                yield Static("", id="attachment-fates")
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("Seal the bundle"), id="seal-button", variant="warning")
                    yield Button(_("Back"), id="back-button")
            with Vertical(id="seal", classes="step"):
                yield Label(Text(_("Write the bundle to")))
                yield Input(str(Path.home() / "evault-bundle.age"), id="out")
                yield Button(_("Seal now"), id="seal-now", variant="warning")
                yield ProgressBar(id="progress", total=4, show_eta=False)
                yield Static("", id="gate")
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("Save the report"), id="report-button")
                    yield Button(_("Close"), id="close-button")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load_recipients()
        if not (self.record_ids or self.case):
            self.query_one("#ids", ReferenceField).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        plain_zip = self.query_one("#plain", Checkbox)
        plain_zip.disabled = event.pressed.id != "public"
        if plain_zip.disabled:
            plain_zip.value = False

    def on_unmount(self) -> None:
        self.cancel.set()

    @work(thread=True, group="export-recipients")
    def _load_recipients(self) -> None:
        try:
            recipients = self.vault.services.export.recipients.list()
            records = self.vault.services.records
            titles = {rid: records.get(rid).title
                      for rid in [*self.record_ids, *([self.case] if self.case else [])]}
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(ExportChoicesLoaded(titles, recipients))

    # -- step 1 -> 2 ---------------------------------------------------------------------

    def _choices(self) -> dict[str, Any]:
        ids = list(self.query_one("#ids", ReferenceField).ids)
        case = self.query_one("#case", ReferenceField).value_text() or None
        pressed = self.query_one("#clearance", RadioSet).pressed_button
        clearance = pressed.id if pressed is not None and pressed.id else "partner"
        return {
            "clearance": clearance,
            "to": list(self.query_one("#recipients", SelectionList).selected),
            "plain": self.query_one("#plain", Checkbox).value,
            "case": case,
            "ids": [] if case else ids,
            "include_attachments": self.query_one("#attachments", Checkbox).value,
            "skip_unsanitizable": self.query_one("#skip", Checkbox).value,
            "release": sorted(self.released),
        }

    def action_next(self) -> None:
        """Go on to the next step."""
        step = self.query_one("#export-steps", ContentSwitcher).current
        if step == "choose":
            self._preview()
        elif step == "review":
            self.query_one("#export-steps", ContentSwitcher).current = "seal"
            self.query_one("#out", Input).focus()
        elif step == "seal" and self.sealed is None:
            self._seal()

    def _preview(self) -> None:
        self.query_one("#plan-summary", Static).update(Text(_("Preparing the preview…")))
        self.query_one("#export-steps", ContentSwitcher).current = "review"
        self._plan(self._choices())

    @work(thread=True, exclusive=True, group="long-export-plan")
    def _plan(self, choices: dict[str, Any]) -> None:
        try:
            documents = None
            if self.dossier is not None:  # drafted for these recipients, gated, gated again
                documents = self.vault.services.dossier.documents(
                    *self.dossier, choices["clearance"], choices["to"], choices["plain"])
            plan = self.vault.services.export.plan(
                **choices, documents=documents, cancel=self.cancel,
                progress=self.post_progress)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(PlanReady(plan))

    def on_export_choices_loaded(self, message: ExportChoicesLoaded) -> None:
        message.stop()
        for field in self.query(ReferenceField):
            field.titles.update(message.titles)
            field.refresh(layout=True)
        box = self.query_one("#recipients", SelectionList)
        box.clear_options()
        only = len(message.recipients) == 1
        for r in message.recipients:
            box.add_option((plain(r.name), r.name, only))  # the only one: ticked
        if box.option_count:
            box.highlighted = 0  # Space and Enter work at once, not after Down
        if self.record_ids or self.case:
            box.focus()

    def on_plan_ready(self, message: PlanReady) -> None:
        message.stop()
        self._show_plan(message.plan)

    def on_bundle_sealed(self, message: BundleSealed) -> None:
        message.stop()
        self._show_sealed(message.sealed)

    def _show_plan(self, plan: Any) -> None:
        self.plan = plan
        c = plan.counts()
        to = _("a plain signed zip") if plan.plain else ", ".join(r.name for r in plan.recipients)
        self.query_one("#plan-summary", Static).update(Text(_(
            "{records} record(s) for {to} at {clearance}: {withheld} field(s) withheld, "
            "{redacted} value(s) redacted, {detected} finding(s) ({released} released), "
            "{att} attachment(s).").format(
                records=c["records"], to=to, clearance=plan.clearance.value,
                withheld=c["withheld_fields"], redacted=c["redacted"],
                detected=c["detected"], released=c["released"], att=c["attachments"])))
        records = self.query_one("#preview-list", OptionList)
        records.clear_options()
        for i, view in enumerate(plan.views):
            records.add_option(Option(plain(f"{view.kind}: {view.label}", limit=40), id=str(i)))
        if plan.views:
            records.highlighted = 0
            self._show_view(0)
        findings = self.query_one("#findings", SelectionList)
        findings.clear_options()
        seen: set[str] = set()
        for f in plan.findings:
            if f.id in seen or f.automatic:
                continue
            seen.add(f.id)
            label = Text(f"{f.kind}: ")
            label.append_text(plain(f.value, limit=60))
            label.append(f"  ({f.record_id} {f.field})", style="dim")
            findings.add_option((label, f.id, f.released))
        fates = [f"{a.attachment_id}: {a.status}" + (f" — {a.reason}" if a.reason else "")
                 for a in plan.attachments]
        self.query_one("#attachment-fates", Static).update(
            plain("\n".join(fates), single_line=False) if fates else Text(""))
        if plan.ordinary_words:
            self.notify(ordinary_word_note(len(plan.ordinary_words)), severity="warning")
        refused = plan.refusals()
        self.query_one("#seal-button", Button).disabled = bool(refused)
        if refused:
            self.notify(_("An attachment cannot be sanitized; tick 'leave out' or remove it."),
                        severity="error")

    def _show_view(self, index: int) -> None:
        if self.plan is None or not 0 <= index < len(self.plan.views):
            return
        registry = self.vault.services.records.registry
        self.query_one("#preview-body", Static).update(
            render_view(self.plan.views[index], registry))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None:
            self._show_view(int(event.option.id))

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str],
                                           ) -> None:
        event.stop()
        if event.selection_list.id != "findings" or self.plan is None:
            return
        chosen = set(event.selection_list.selected)
        if chosen != self.released:
            self.released = chosen
            self._plan(self._choices())  # the service re-applies every rule

    # -- step 3 --------------------------------------------------------------------------

    def _seal(self) -> None:
        if self.plan is None:
            return
        out = Path(self.query_one("#out", Input).value.strip()).expanduser()
        self.query_one("#gate", Static).update(Text(_("Running the leak gate and "
                                                      "encrypting…")))
        self.query_one("#seal-now", Button).disabled = True
        self._do_seal(self.plan, out)

    @work(thread=True, exclusive=True, group="long-export-seal")
    def _do_seal(self, plan: Any, out: Path) -> None:
        try:
            sealed = self.vault.services.export.seal(
                plan, out, cancel=self.cancel,
                progress=self.post_progress)
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.post_message(BundleSealed(sealed))

    def on_progress(self, message: Progress) -> None:
        message.stop()
        if self.query_one("#export-steps", ContentSwitcher).current == "seal":
            self.query_one("#progress", ProgressBar).update(total=message.total,
                                                            progress=message.done)

    def _show_sealed(self, sealed: Any) -> None:
        self.sealed = sealed
        self.evault.data_version += 1
        gate = self.query_one("#gate", Static)
        gate.set_classes("gate-ok")
        gate.update(Text("✔ " + _("Leak gate passed. Bundle {id} written to {path} "
                                  "({size:,} bytes).").format(id=sealed.bundle_id,
                                                              path=sealed.path,
                                                              size=sealed.size)))

    def on_failed(self, message: Failed) -> None:
        if isinstance(message.error, PolicyRefused) and self.plan is not None:
            message.stop()
            message.prevent_default()  # shown in the gate line: not the modal
            self.leaks = list(getattr(message.error, "leaks", []))
            gate = self.query_one("#gate", Static)
            gate.set_classes("gate-failed")
            gate.update(Text("✘ " + _("Refused, nothing was written: ")
                        + errors.message(message.error)))
            self.query_one("#seal-now", Button).disabled = False
            return
        if self.query_one("#export-steps", ContentSwitcher).current == "review" \
                and self.plan is None:
            self.query_one("#export-steps", ContentSwitcher).current = "choose"
        self.query_one("#seal-now", Button).disabled = False

    def action_save_report(self) -> None:
        """Save the local report (ids, field names and counts; no content)."""
        from tui.app.screens.dialogs import FilePickerDialog

        if self.plan is None:
            return

        def chosen(path: Path | None) -> None:
            if path is not None:
                self._write_report(path)

        self.app.push_screen(FilePickerDialog(_("Save the report to…"), Path.home(),
                                              save=True), chosen)

    @work(thread=True, group="export-report")
    def _write_report(self, path: Path) -> None:
        from vault import fsutil
        from vault.export import report

        try:
            doc = report.build(self.plan, self.leaks or None,
                               str(self.sealed.path) if self.sealed else None,
                               sealed=self.sealed is not None)
            fsutil.atomic_write(path, json.dumps(doc, indent=2).encode(),
                                what="saving the report")
        except VaultError as exc:
            self.post_message(Failed(exc))
            return
        self.app.call_from_thread(self.notify, _("Report saved to {path}.").format(path=path))

    # -- buttons and leaving -------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id
        if button == "preview-button":
            self._preview()
        elif button == "seal-button":
            self.action_next()
        elif button == "seal-now":
            self._seal()
        elif button == "report-button":
            self.action_save_report()
        elif button in ("close-button", "back-button"):
            self.action_back()

    def action_back(self) -> None:
        """Previous step, or leave the wizard."""
        switcher = self.query_one("#export-steps", ContentSwitcher)
        if switcher.current == "review":
            switcher.current = "choose"
        elif switcher.current == "seal" and self.sealed is None:
            switcher.current = "review"
        else:
            self.app.pop_screen()
