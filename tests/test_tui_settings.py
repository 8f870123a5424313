"""Settings (passphrase change, recipients), the audit log viewer, and adding a record."""

from __future__ import annotations

from pathlib import Path

import pyrage
import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, shown, unlock, wait_for
from tui.app.screens import audit as audit_screen
from tui.app.screens.audit import AuditScreen
from tui.app.screens.dialogs import ChoiceDialog, PromptDialog
from tui.app.screens.editor import EditorScreen
from tui.app.screens.passphrase import NewPassphraseDialog
from tui.app.screens.record import RecordScreen
from tui.app.screens.settings import SettingsScreen
from vault.session import Vault
from vault.store import Store

NEW = "a completely different passphrase of five words"


@run_async
async def test_change_the_passphrase_and_add_a_recipient(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: shown(app, SettingsScreen))
        settings = app.screen
        await wait_for(pilot, lambda: "Argon2id" in str(settings.query_one("#kdf").render()))
        assert settings.focused is not None and settings.focused.id == "language"
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        prompt = app.screen.query_one("#prompt", Input)
        assert prompt.password
        prompt.value = PASSPHRASE
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, NewPassphraseDialog))
        dialog = app.screen
        dialog.query_one("#new1", Input).value = NEW
        dialog.query_one("#new2", Input).value = NEW
        dialog.query_one("#new2", Input).focus()
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is settings
                       and "hidden" in settings.query_one("#busy").classes)
        # A recipient, added by name and age key.
        key = str(pyrage.x25519.Identity.generate().to_public())
        settings.query_one("#recipients").focus()
        await pilot.pause()
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog))
        app.screen.query_one("#prompt", Input).value = "Partner NGO"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptDialog)
                       and app.screen.query_one("#prompt", Input).placeholder == "age1…")
        app.screen.query_one("#prompt", Input).value = key
        await pilot.press("enter")
        table = settings.query_one("#recipients", DataTable)
        await wait_for(pilot, lambda: app.screen is settings and table.row_count == 1)
    vault = Vault.open(path)
    vault.unlock(NEW)
    assert [r.name for r in vault.services.export.recipients.list()] == ["Partner NGO"]
    vault.close()


@run_async
async def test_the_audit_viewer_shows_the_chain_status(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: shown(app, AuditScreen))
        status = app.screen.query_one("#audit-status", Static)
        await wait_for(pilot, lambda: "Chain intact" in str(status.render()))
        table = app.screen.query_one("#audit", DataTable)
        assert table.row_count >= 6  # creation and five records
        actions = {str(table.get_row_at(i)[3]) for i in range(table.row_count)}
        assert "record.add" in actions and "vault.create" in actions


@run_async
async def test_the_audit_viewer_reads_the_log_a_page_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log grows with everything done in the vault: the viewer shows the newest page
    and reads older ones when asked, never the whole log at once (issue 16)."""
    path = tmp_path / "vault"
    make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    total = len(vault.store.audit_entries())
    vault.close()

    def whole_log(_store: Store) -> None:
        raise AssertionError("the viewer read the whole audit log")

    monkeypatch.setattr(Store, "audit_entries", whole_log)
    monkeypatch.setattr(audit_screen, "PAGE", 4)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: shown(app, AuditScreen))
        table = app.screen.query_one("#audit", DataTable)
        status = app.screen.query_one("#audit-status", Static)
        await wait_for(pilot, lambda: "Chain intact" in str(status.render()))
        assert f"{total:,} entries" in str(status.render())
        assert table.row_count == 4
        while table.row_count < total:
            before = table.row_count
            await pilot.press("m")
            await wait_for(pilot, lambda b=before: table.row_count > b)
        await pilot.press("m")
        await pilot.pause()
        seqs = [int(str(table.get_row_at(i)[0])) for i in range(table.row_count)]
        assert seqs == list(range(total, 0, -1))  # newest first, each once, all of them


@run_async
async def test_add_a_record_from_the_list(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        choices = app.screen.query_one(OptionList)
        kinds = [choices.get_option_at_index(i).id for i in range(choices.option_count)]
        choices.highlighted = kinds.index("person")
        choices.action_select()
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        app.screen.query_one("#input-name", Input).value = "Zhang Wei"
        app.screen.query_one("#input-name_original", Input).value = "张伟"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        assert app.screen.loaded.record.fields["name_original"] == "张伟"
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "BrowseScreen"
                       and app.screen.query_one("#records").row_count == 6)
