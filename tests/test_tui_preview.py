"""The export preview draws the spans the redactor recorded — and only those. It used to
guess with a regular expression over the output, so a user's own text that looked like
a placeholder (``[name]``, ``[phone]`` typed in a narrative) was shown as a redaction,
and a placeholder list was kept in three places."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from tests.test_tui_export import partner
from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, shown, unlock, wait_for
from tui.app.screens.export import ExportScreen
from tui.app.screens.record import RecordScreen
from tui.app.widgets.preview import REDACTED, render_view
from vault.export.placeholders import PLACEHOLDERS
from vault.session import Vault

#: What the user typed: a protected phone number, and brackets of their own.
NARRATIVE = ("Witness K called from +86 139 0000 0000. Notes: [name] refused; the [phone] "
             "line was bad; Li Ming confirmed.")


def marked(text: Text) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, text.plain[s.start:s.end]) for s in text.spans
            if s.style == REDACTED]


@run_async
async def test_preview_marks_replaced_spans_and_not_look_alike_text(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    _key, public_key = partner(tmp_path)
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    vault.services.export.recipients.add("Partner", public_key)
    vault.services.records.edit(ids["testimony"], {"narrative": NARRATIVE})
    vault.close()
    app = TestApp(path, language="en")
    async with app.run_test(size=(140, 50)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["testimony"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        await pilot.press("x")
        await wait_for(pilot, lambda: shown(app, ExportScreen))
        wizard = app.screen
        assert isinstance(wizard, ExportScreen)
        await wait_for(pilot, lambda: wizard.query_one("#recipients").option_count == 1)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: wizard.plan is not None
                       and "What was replaced" in wizard.query_one("#preview-body",
                                                                     Static).content.plain)
        shown_text = wizard.query_one("#preview-body", Static).content
        assert isinstance(shown_text, Text)
        line = next(li for li in shown_text.plain.split("\n") if "called from" in li)
        start = shown_text.plain.index(line)
        in_line = [(s - start, e - start, t) for s, e, t in marked(shown_text)
                   if start <= s < start + len(line)]
        # The protected phone number and the source's name were replaced, and exactly
        # those replacements are marked, where the redactor says it put them.
        view = wizard.plan.views[0]
        spans = [(r.out_start, r.out_end) for r in view.replacements
                 if r.field == "narrative"]
        narrative = view.fields["narrative"]
        assert "+86 139 0000 0000" not in narrative and "Li Ming" not in narrative
        assert len(spans) == 3  # the source's label, phone and name
        offset = line.index(narrative)
        assert [(s - offset, e - offset) for s, e, _t in in_line] == spans
        assert [t for _s, _e, t in in_line] == [narrative[s:e] for s, e in spans]
        assert in_line[1][2] == PLACEHOLDERS["phone"]
        # A reference to a person named by pseudonym is marked too.
        source_line = next(li for li in shown_text.plain.split("\n")
                           if li.startswith("Interviewee: "))
        at = shown_text.plain.index(source_line) + len("Interviewee: ")
        assert (at, at + len(view.references[view.fields["source"]]["label"])) in \
            {(s, e) for s, e, _t in marked(shown_text)}
        # The user's own "[name]" and "[phone]" are in the preview, unmarked.
        own_name = offset + narrative.index("[name] refused")
        own_phone = offset + narrative.index("[phone] line")
        marked_starts = {s for s, _e, _t in in_line}
        assert own_name not in marked_starts and own_phone not in marked_starts
        # The same drawing outside the app (what the wizard shows is render_view's).
        registry = app.session().services.records.registry
        assert marked(render_view(view, registry)) == marked(shown_text)


def test_placeholders_are_written_in_one_place() -> None:
    """Every placeholder string appears in the code once: vault/export/placeholders.py."""
    root = Path(__file__).resolve().parent.parent
    owners: dict[str, list[str]] = {}
    for package in ("vault", "tui"):
        for source in (root / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            for placeholder in set(PLACEHOLDERS.values()):
                if f'"{placeholder}"' in text:
                    owners.setdefault(placeholder, []).append(str(source.relative_to(root)))
    assert owners and all(where == ["vault/export/placeholders.py"]
                          for where in owners.values()), owners
