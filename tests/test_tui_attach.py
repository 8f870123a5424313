"""Attachments: attach from the file picker, see type, size, hash and custody, extract a
plaintext copy only after the warning."""

from __future__ import annotations

import hashlib
from pathlib import Path

from textual.widgets import DataTable, DirectoryTree, Input, Static

from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, shown, unlock, wait_for
from tui.app.screens.attachments import AttachmentsScreen
from tui.app.screens.dialogs import FilePickerDialog, ShareDialog
from tui.app.screens.record import RecordScreen
from vault.session import Vault


@run_async
async def test_attach_inspect_and_extract(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    files = tmp_path / "files"
    files.mkdir()
    original = files / "statement.txt"
    content = "证词原文 — statement of witness K\n".encode() * 50
    original.write_bytes(content)
    app = TestApp(path, language="en")
    async with app.run_test(size=(140, 50)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["testimony"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        await pilot.press("t")
        await wait_for(pilot, lambda: shown(app, AttachmentsScreen))
        screen = app.screen
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerDialog))
        picker = app.screen
        assert picker.query(DirectoryTree)  # the disk as a tree, mouse or keyboard
        picker.query_one("#path", Input).value = str(original)
        picker.query_one("#path", Input).focus()
        await pilot.pause()
        await pilot.press("enter")
        table = screen.query_one("#attachment-list", DataTable)
        await wait_for(pilot, lambda: app.screen is screen and table.row_count == 1)
        table.focus()
        await pilot.pause()
        detail = screen.query_one("#detail", Static)
        await wait_for(pilot, lambda: "Custody" in str(detail.render()))
        text = str(detail.render())
        assert hashlib.sha256(content).hexdigest() in text
        assert "attachment.ingest" in text
        row = [str(c) for c in table.get_row_at(0)]
        assert row[0] == "statement.txt" and row[1].startswith("text/plain")
        # The screen names its record.
        assert "Account of the night raid" in str(screen.query_one(".screen-title").render())
        # A new file is private; l never takes it to public (it protects, never shares).
        assert "PRIVATE" in str(table.get_row_at(0)[3])
        await pilot.press("l")
        await pilot.pause(0.3)
        assert "PRIVATE" in str(table.get_row_at(0)[3])
        # L asks, with Cancel focused: Enter keeps it private.
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, ShareDialog))
        assert "[PARTNER]" in str(app.screen.query_one("#share-body", Static).render())
        assert app.screen.focused is not None and app.screen.focused.id == "no"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause(0.3)
        assert "PRIVATE" in str(table.get_row_at(0)[3])
        # Extract: the picker warns that the copy is plaintext.
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePickerDialog))
        warning = str(app.screen.query_one(".plaintext-warning", Static).render())
        assert "NOT encrypted" in warning
        copy = tmp_path / "copy.txt"
        app.screen.query_one("#path", Input).value = str(copy)
        app.screen.query_one("#path", Input).focus()
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: copy.is_file())
    assert copy.read_bytes() == content
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    actions = [e.action for e in vault.store.audit_entries()]
    vault.close()
    assert "attachment.ingest" in actions and "attachment.extract" in actions
