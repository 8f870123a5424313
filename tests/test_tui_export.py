"""The export wizard to a real bundle that ``evault bundle verify`` accepts, and the
received-bundles screen verifying and importing it on the partner's side."""

from __future__ import annotations

from pathlib import Path

import pyrage
from rich.text import Text
from textual.widgets import Checkbox, Input, SelectionList, Static

from tests.conftest import run_cli
from tests.tui_support import (
    PASSPHRASE,
    TestApp,
    make_vault,
    run_async,
    shown,
    unlock,
    wait_for,
)
from tui.app.screens.bundles import BundlesScreen
from tui.app.screens.export import ExportScreen
from tui.app.screens.record import RecordScreen
from tui.app.widgets.picker import ReferenceField
from tui.app.widgets.preview import REDACTED, render_view
from vault.session import Vault


def partner(tmp_path: Path) -> tuple[Path, str]:
    """An age identity file and its public key."""
    identity = pyrage.x25519.Identity.generate()
    key_file = tmp_path / "partner-key.txt"
    key_file.write_text(str(identity) + "\n")
    return key_file, str(identity.to_public())


def vault_with_recipient(path: Path, public_key: str) -> dict[str, str]:
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    vault.services.export.recipients.add("Partner", public_key)
    vault.services.records.edit(ids["testimony"], {
        "narrative": "他说律师被审讯了三天。Witness K called from +86 139 0000 0000 and "
                     "gave a second number, 13912345678."})
    vault.close()
    return ids


def marked(text: Text) -> list[str]:
    return [text.plain[s.start:s.end] for s in text.spans if s.style == REDACTED]


@run_async
async def test_export_wizard_writes_a_bundle_that_verifies(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    key_file, public_key = partner(tmp_path)
    ids = vault_with_recipient(path, public_key)
    out = tmp_path / "to-partner.age"
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
        records = wizard.query_one("#ids", ReferenceField)
        assert records.ids == [ids["testimony"]]
        await wait_for(pilot, lambda: "Account of the night raid" in str(records.render()))
        recipients = wizard.query_one("#recipients", SelectionList)
        await wait_for(pilot, lambda: recipients.option_count == 1)
        # The only recipient is ticked and has the focus; Space and Enter toggle it.
        assert recipients.selected == ["Partner"]
        assert wizard.focused is recipients
        await pilot.press("space")
        assert recipients.selected == []
        await pilot.press("enter")
        assert recipients.selected == ["Partner"]
        # The plain (unencrypted) zip is not reachable with partner clearance.
        plain_zip = wizard.query_one("#plain", Checkbox)
        assert plain_zip.disabled
        for _ in range(6):
            await pilot.press("tab")
            assert wizard.focused is not plain_zip
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: wizard.plan is not None)
        plan = wizard.plan
        # The preview: the known phone number is replaced, and the replacement marked.
        body = str(wizard.query_one("#preview-body", Static).render())
        assert "[phone]" in body and "+86 139 0000 0000" not in body
        # Each change is listed with its place and reason (issue 11), never the value.
        assert "What was replaced, and why:" in body and "(phones)" in body
        assert "found by the detectors" in body
        registry = app.session().services.records.registry
        assert "[phone]" in marked(render_view(plan.views[0], registry))
        # The unknown number is a detector finding, listed and left redacted.
        findings = wizard.query_one("#findings", SelectionList)
        assert findings.option_count >= 1 and not findings.selected
        assert any(f.kind == "phone" for f in plan.findings)
        await pilot.press("ctrl+n")
        wizard.query_one("#out", Input).value = str(out)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: wizard.sealed is not None, timeout=30)
        gate = str(wizard.query_one("#gate", Static).render())
        assert "Leak gate passed" in gate
    assert out.is_file()
    result = run_cli(["bundle", "verify", str(out), "--identity", str(key_file),
                      "--trust-new-sender", "Sender"])
    assert result.code == 0, result.err
    assert "13912345678" not in result.out


@run_async
async def test_received_bundle_is_verified_and_imported(tmp_path: Path) -> None:
    sender = tmp_path / "sender"
    key_file, public_key = partner(tmp_path)
    ids = vault_with_recipient(sender, public_key)
    out = tmp_path / "bundle.age"
    vault = Vault.open(sender)
    vault.unlock(PASSPHRASE)
    export = vault.services.export
    export.seal(export.plan(clearance="partner", to=["Partner"], ids=[ids["testimony"]]), out)
    sender_line = vault.signing_key().public_key().base64_line()
    vault.close()
    receiver = tmp_path / "receiver"
    make_vault(receiver)
    app = TestApp(receiver, language="en")
    async with app.run_test(size=(140, 50)) as pilot:
        await unlock(pilot)
        await pilot.press("b")
        await wait_for(pilot, lambda: shown(app, BundlesScreen))
        screen = app.screen
        screen.query_one("#bundle", Input).value = str(out)
        screen.query_one("#identity", Input).value = str(key_file)
        screen.query_one("#verify").focus()
        await pilot.pause()
        await pilot.press("v")
        await wait_for(pilot, lambda: "Verified" in str(screen.query_one("#result").render()))
        screen.query_one("#sender-name", Input).value = "Sender Org"
        await pilot.press("i")
        # An unknown sender: the confirmation shows the fingerprint words to compare.
        from tui.app.screens.dialogs import ConfirmDialog
        from vault.bundle.senders import fingerprint

        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert fingerprint(sender_line) in app.screen.question
        assert '"Sender Org"' in app.screen.question
        await pilot.click("#yes")
        await wait_for(pilot, lambda: "Imported" in str(screen.query_one("#result").render()))
        # A bundle for someone else is refused, with nothing written.
        (tmp_path / "other").mkdir()
        other, _key = partner(tmp_path / "other")
        screen.query_one("#identity", Input).value = str(other)
        await pilot.press("v")
        await wait_for(pilot, lambda: "✘" in str(screen.query_one("#result").render()))
    check = Vault.open(receiver)
    check.unlock(PASSPHRASE)
    assert check.services.records.count("testimony") == 2
    imported = check.store.query_one("SELECT local_id FROM bundle_records LIMIT 1")[0]
    check.close()
    # The record view says where an imported record came from.
    from tui.app.screens.record import load_record

    again = Vault.open(receiver)
    again.unlock(PASSPHRASE)
    try:
        origin = load_record(again, imported).provenance
    finally:
        again.close()
    assert origin is not None and origin.startswith("imported from Sender Org, bundle ")


@run_async
async def test_export_wizard_at_80x24_focus_and_pick_records_by_name(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    _key_file, public_key = partner(tmp_path)
    vault_with_recipient(path, public_key)
    app = TestApp(path, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("x")
        await wait_for(pilot, lambda: shown(app, ExportScreen))
        wizard = app.screen
        records = wizard.query_one("#ids", ReferenceField)
        recipients = wizard.query_one("#recipients", SelectionList)
        await wait_for(pilot, lambda: recipients.option_count == 1)
        # The highlighted record is chosen, so the recipients have the focus.
        assert len(records.ids) == 1 and wizard.focused is recipients
        assert recipients.size.height >= 1  # visible at 80x24
        while wizard.focused is not records:
            await pilot.press("shift+tab")
        await pilot.press("backspace")
        assert records.ids == []
        await pilot.press("enter")
        from tui.app.widgets.picker import PickerDialog

        await wait_for(pilot, lambda: isinstance(app.screen, PickerDialog))
        for key in "night":
            await pilot.press(key)
        await wait_for(pilot, lambda: app.screen.query_one("#pick-list").option_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is wizard)
        assert "Account of the night raid" in str(records.render())


@run_async
async def test_the_preview_shows_labels_of_coded_values_in_the_ui_language(
        tmp_path: Path) -> None:
    """'How the interview was held' reads 面谈 in Chinese, never the code in_person."""
    path = tmp_path / "vault"
    _key_file, public_key = partner(tmp_path)
    ids = vault_with_recipient(path, public_key)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    vault.services.records.edit(ids["testimony"], {"method": "in_person"})
    vault.close()
    app = TestApp(path, language="zh_CN")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["testimony"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        await pilot.press("x")
        await wait_for(pilot, lambda: shown(app, ExportScreen))
        wizard = app.screen
        assert isinstance(wizard, ExportScreen)
        await wait_for(pilot, lambda: wizard.query_one("#recipients", SelectionList)
                       .selected == ["Partner"])
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: wizard.plan is not None)
        body = str(wizard.query_one("#preview-body", Static).render())
        assert "面谈" in body and "in_person" not in body
        assert "证词" in body and "(testimony" not in body
