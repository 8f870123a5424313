"""A perpetrator's sanctions dossier: the readiness check and the draft, per regime.

Thin: the check and the draft come from ``vault.services.dossier`` in a worker; the
draft shown is the Markdown that would travel (already redacted for the clearance
chosen). A dossier leaves only through the export wizard, which puts it under
``dossier/`` in the bundle and runs the same leak gate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Markdown, RadioButton, RadioSet, Static

from tui.app import readiness
from tui.app.destinations import Editor, Export, Go, RecordView, Settings
from tui.app.i18n import N_, _
from tui.app.messages import Failed
from tui.app.screens.base import BaseScreen
from tui.app.widgets.fields import field_label
from tui.app.widgets.header import SafeHeader
from tui.app.widgets.text import plain
from tui.safe_text import safe
from vault.dossier import render_md
from vault.dossier.readiness import Gap
from vault.dossier.regimes import ALL, REGIME_IDS, load
from vault.errors import VaultError

if TYPE_CHECKING:
    from vault.session import Vault

_STYLE = {"missing": "bold red", "weak": "yellow", "note": "dim"}


class DossierLoaded(Message):
    """The readiness check and the draft for one regime and clearance (kept beside the
    screen: only this screen posts or handles it)."""

    def __init__(self, regime: str, clearance: str, gaps: list[Gap], markdown: str,
                 titles: dict[str, str] | None = None) -> None:
        super().__init__()
        self.regime = regime
        self.clearance = clearance
        self.gaps = gaps
        self.markdown = markdown
        self.titles = titles or {}
        """Titles of the records the gaps name (acts)."""


class GapLine(Static, can_focus=True):
    """One readiness item; Enter opens the place that fixes it."""

    BINDINGS = [Binding("enter", "fix", N_("Fix this"), id="dossier.fix")]

    class Open(Message):
        """Go to where ``fix`` says."""

        def __init__(self, fix: readiness.Fix) -> None:
            super().__init__()
            self.fix = fix

    def __init__(self, text: Text, fix: readiness.Fix | None) -> None:
        super().__init__(text, classes="gap-line" + (" fixable" if fix else ""))
        self.fix = fix
        self.can_focus = fix is not None

    def action_fix(self) -> None:
        """Open the field or screen that fixes this item."""
        if self.fix is not None:
            self.post_message(self.Open(self.fix))

    def on_click(self) -> None:
        self.action_fix()


def load_dossier(vault: Vault, person_id: str, regime: str, clearance: str) -> DossierLoaded:
    """Check and draft (called from a worker). A partner draft is shown with the public
    audience's pseudonyms: the export wizard redrafts it for the chosen recipients."""
    service = vault.services.dossier
    gaps = service.check(person_id, regime, clearance)
    if regime == ALL:  # every regime's dossier, opened by the comparison of regimes
        dset = service.build_set(person_id, clearance, plain=True)
        return DossierLoaded(regime, clearance, gaps, render_md.render_set(dset))
    dossier = service.build(person_id, regime, clearance, plain=True)
    records = vault.services.records
    titles = {}
    for gap in gaps:
        if gap.record and gap.record not in titles:
            try:
                titles[gap.record] = records.get(gap.record).title
            except VaultError:
                titles[gap.record] = gap.record[:8]
    return DossierLoaded(regime, clearance, gaps, render_md.render(dossier), titles)


class DossierScreen(BaseScreen[None]):
    """The dossier view of one person."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="dossier.back"),
        Binding("r", "refresh", N_("Check again"), id="dossier.refresh"),
        Binding("x", "export", N_("Export with this dossier"), id="dossier.export",
                tooltip=N_("Opens the export wizard; the dossier passes the same leak gate")),
    ]

    def __init__(self, person_id: str, regime: str = "us", clearance: str = "public") -> None:
        super().__init__()
        self.person_id = person_id
        self.regime = regime
        self.clearance = clearance
        self.loaded: DossierLoaded | None = None

    def compose(self) -> ComposeResult:
        yield SafeHeader()
        yield Static(Text(_("Sanctions dossier")), classes="screen-title")
        with Horizontal(id="dossier-choices"):
            with RadioSet(id="dossier-regime"):
                for rid in REGIME_IDS:
                    yield RadioButton(_(readiness.REGIME_NAMES[rid]) if rid in
                                      readiness.REGIME_NAMES else load(rid).name,
                                      value=rid == self.regime, id=rid)
                yield RadioButton(_(readiness.REGIME_NAMES[ALL]), value=self.regime == ALL,
                                  id=ALL)
            with RadioSet(id="dossier-clearance"):
                yield RadioButton(_("public"), value=self.clearance == "public", id="public")
                yield RadioButton(_("partner"), value=self.clearance == "partner",
                                  id="partner")
        with VerticalScroll(id="dossier-body"):
            yield Static(Text(_("Checking…")), id="dossier-gaps")
            yield Vertical(id="dossier-gap-lines")
            yield Static(Text(_("Draft (in the regime's language)")), classes="section-title")
            yield Markdown("", id="dossier-draft")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load()

    def action_refresh(self) -> None:
        """Run the check and the draft again (after editing records)."""
        self._load()

    def on_screen_resume(self) -> None:
        if self.loaded is not None:
            self._load()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        chosen = event.pressed.id or ""
        if event.radio_set.id == "dossier-regime" and chosen in (*REGIME_IDS, ALL):
            self.regime = chosen
        elif event.radio_set.id == "dossier-clearance" and chosen in ("public", "partner"):
            self.clearance = chosen
        self._load()

    @work(thread=True, exclusive=True, group="dossier-load")
    def _load(self) -> None:
        try:
            self.post_message(load_dossier(self.vault, self.person_id, self.regime,
                                           self.clearance))
        except VaultError as exc:
            self.post_message(Failed(exc))

    async def on_dossier_loaded(self, message: DossierLoaded) -> None:
        message.stop()
        if (message.regime, message.clearance) != (self.regime, self.clearance):
            return  # a stale result: another choice was made meanwhile
        lines = Text()
        counts = {s: sum(1 for g in message.gaps if g.severity == s)
                  for s in ("missing", "weak", "note")}
        lines.append(_("Readiness: {missing} missing, {weak} weak, {note} note(s)").format(
            **counts), style="bold")
        if any(readiness.fix_for(g, self.person_id) for g in message.gaps):
            lines.append("  " + _("(Enter on an item opens the place that fixes it)"),
                         style="dim")
        self.query_one("#dossier-gaps", Static).update(lines)
        rtype = self.vault.services.records.registry.type("person")
        labels = {name: field_label(spec) for name, spec in rtype.fields.items()}
        items = []
        for gap in message.gaps:
            line = Text()
            word = _(readiness.SEVERITY_WORDS.get(gap.severity, gap.severity))
            line.append(f"{word} ", style=_STYLE.get(gap.severity, ""))
            if gap.regime:  # with every regime, say which filing lacks it
                line.append(f"[{gap.regime}] ")
            line.append_text(plain(readiness.gap_text(
                gap, titles=message.titles, field_labels=labels, clearance=message.clearance)))
            fix = readiness.fix_for(gap, self.person_id)
            if fix is not None:
                line.append(" →", style="bold")
            items.append(GapLine(line, fix))
        box = self.query_one("#dossier-gap-lines", Vertical)
        await box.remove_children()
        await box.mount_all(items)
        # The draft quotes record values: Markdown syntax in them is escaped by the
        # renderer, terminal controls and bidi overrides here (shown, not obeyed).
        await self.query_one("#dossier-draft", Markdown).update(safe(message.markdown))
        self.loaded = message

    def on_gap_line_open(self, message: GapLine.Open) -> None:
        message.stop()
        fix = message.fix
        if fix.where == "settings":
            self.post_message(Go(Settings(focus=fix.target)))
        elif fix.where == "new":
            self.post_message(Go(Editor(fix.target)))
        elif fix.where == "record":
            self.post_message(Go(RecordView(fix.target, focus=fix.field)))
        else:
            kind = self.vault.services.records.get(fix.target).kind
            self.post_message(Go(Editor(kind, fix.target, focus=fix.field)))

    def action_back(self) -> None:
        """Back to the person."""
        self.app.pop_screen()

    def action_export(self) -> None:
        """The export wizard, with this person's record and this dossier."""
        self.post_message(Go(Export(record_ids=(self.person_id,),
                                    dossier=(self.person_id, self.regime))))
