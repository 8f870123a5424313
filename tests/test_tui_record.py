"""Reading and editing records: the registry drives the view and the editor; levels show
as badges and change with a key; a pinned field refuses to be lowered; links both ways."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Input, Static

from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, unlock, wait_for
from tui.app.screens.dialogs import ShareDialog
from tui.app.screens.editor import EditorScreen
from tui.app.screens.record import RecordScreen
from tui.app.widgets.badge import LevelBadge
from tui.app.widgets.field_row import EditorRow, FieldRow, Link
from vault.session import Vault


def rows(app: TestApp) -> dict[str, FieldRow]:
    return {r.spec.name: r for r in app.screen.query(FieldRow)}


async def open_record(pilot, app: TestApp, record_id: str) -> RecordScreen:  # type: ignore[no-untyped-def]
    app.screen.open_record(record_id)
    await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                   and app.screen.loaded is not None and app.screen.record_id == record_id)
    assert isinstance(app.screen, RecordScreen)
    return app.screen


def stored(path: Path, record_id: str):  # type: ignore[no-untyped-def]
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        audit = [(e.action, e.field) for e in vault.store.audit_entries()]
        return vault.services.records.get(record_id), audit
    finally:
        vault.close()


async def focus_field(pilot, app: TestApp, name: str, key: str = "down") -> FieldRow:  # type: ignore[no-untyped-def]
    """Press Down (or ``key``) until the field ``name`` has the cursor, as a person would."""
    for _ in range(40):
        if isinstance(app.screen.focused, FieldRow) and app.screen.focused.spec.name == name:
            return app.screen.focused
        await pilot.press(key)
    raise AssertionError(f"Down never reached {name}")


@run_async
async def test_level_badge_raise_is_one_key_lowering_asks_and_u_undoes(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["person"])
        notes = await focus_field(pilot, app, "notes")
        badge = notes.query_one(LevelBadge)
        assert str(badge.render()) == "[PRIVATE]"  # the word, not only the colour
        await pilot.press("l")  # already private: nothing changes, nothing cycles to public
        await pilot.pause(0.2)
        assert rows(app)["notes"].level == "private"
        # Lowering asks: field, value, new level; Cancel has the focus, so Enter cancels.
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, ShareDialog))
        body = str(app.screen.query_one("#share-body", Static).render())
        assert "Notes" in body and "Human rights lawyer" in body and "[PARTNER]" in body
        assert isinstance(app.screen.focused, Button) and app.screen.focused.id == "no"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        await pilot.pause(0.2)
        assert rows(app)["notes"].level == "private"
        # Confirmed: one step only (private -> partner, never straight to public).
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, ShareDialog))
        await pilot.press("shift+tab")
        assert app.screen.focused.id == "yes"
        await pilot.press("enter")
        await wait_for(pilot, lambda: rows(app)["notes"].level == "partner")
        assert any("Press u to undo" in n.message for n in app._notifications)
        assert str(rows(app)["notes"].query_one(LevelBadge).render()) == "[PARTNER]"
        # u puts it back (a raise: no question).
        await pilot.press("u")
        await wait_for(pilot, lambda: rows(app)["notes"].level == "private")
        # Raising is one key.
        await focus_field(pilot, app, "name", key="up")
        assert rows(app)["name"].level == "partner"
        await pilot.press("l")
        await wait_for(pilot, lambda: rows(app)["name"].level == "private")
    record, audit = stored(path, ids["person"])
    assert record.levels["notes"] == "private"
    assert record.levels["name"] == "private"
    assert audit.count(("level.change", "notes")) == 2


@run_async
async def test_lowering_a_source_field_masks_its_value(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["source"])
        await focus_field(pilot, app, "label")
        await pilot.press("L")
        await wait_for(pilot, lambda: isinstance(app.screen, ShareDialog))
        body = str(app.screen.query_one("#share-body", Static).render())
        assert "Witness K" not in body and "••" in body
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))


@run_async
async def test_arrow_keys_move_a_visible_cursor_between_fields(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        screen = await open_record(pilot, app, ids["testimony"])
        seen = []
        for _ in range(20):
            await pilot.press("down")
            focused = screen.focused
            assert isinstance(focused, (FieldRow, Link))
            seen.append(focused.id)
            # the cursor is on screen, and drawn: a bar at its left edge
            assert screen.query_one("#record-body").region.overlaps(focused.region)
            assert focused.styles.border_left[0] == "thick"
        assert len(set(seen)) > 3
        await pilot.press("up")
        assert screen.focused.id == seen[-2]


@run_async
async def test_a_pinned_field_refuses_to_be_lowered(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["source"])
        phones = rows(app)["phones"]
        assert "🔒" in str(phones.query_one(LevelBadge).render())
        phones.focus()
        await pilot.pause()
        await pilot.press("L")  # pinned: the vault refuses at once (nothing to confirm)
        await wait_for(pilot, lambda: rows(app)["phones"].error_text)
        text = rows(app)["phones"].error_text
        assert "Refused to protect a source" in text and "pinned" in text
        assert rows(app)["phones"].level == "private"
        assert isinstance(app.screen, RecordScreen)  # shown beside the field, not a modal
    record, audit = stored(path, ids["source"])
    assert record.levels["phones"] == "private"
    assert ("level.refused", "phones") in audit


@run_async
async def test_links_are_navigable_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        screen = await open_record(pilot, app, ids["testimony"])
        # testimony -> its source
        link = next(lk for lk in screen.query(Link) if lk.record_id == ids["source"])
        link.focus()
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.record_id == ids["source"]
                       and app.screen.loaded is not None)
        # source <- testimony ("linked from")
        back = [lk for lk in app.screen.query(Link) if lk.record_id == ids["testimony"]]
        assert back and "Account of the night raid" in str(back[0].render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)


@run_async
async def test_edit_validation_and_save(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["person"])
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        # Every registry field has a row (the editor is built from the registry).
        registry = app.session().services.records.registry
        assert {r.spec.name for r in editor.query(EditorRow)} == set(
            registry.type("person").fields)
        editor.query_one("#input-birth_date", Input).value = "1976-02-30"
        editor.query_one("#input-occupation", Input).value = "律师 / lawyer"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: editor._row("birth_date").error_text)  # type: ignore[union-attr]
        assert isinstance(app.screen, EditorScreen)  # nothing saved, still editing
        editor.query_one("#input-birth_date", Input).value = "1976-02-03"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and "occupation" in rows(app))
    record, _audit = stored(path, ids["person"])
    assert record.fields["birth_date"] == "1976-02-03"
    assert record.fields["occupation"] == "律师 / lawyer"


@run_async
async def test_a_new_registry_field_appears_with_no_tui_change(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    vault.services.records.add_field("person", "prison_number", "identifier",
                                       label="Prison number")
    vault.services.records.edit(ids["person"], {"prison_number": "A-1234"})
    vault.close()
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["person"])
        row = rows(app)["prison_number"]
        assert "Prison number" in str(row.query_one(".field-label").render())
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        assert app.screen.query_one("#input-prison_number", Input).value == "A-1234"


@run_async
async def test_editor_level_change_on_a_pinned_field_is_refused_beside_it(tmp_path: Path,
                                                                           ) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["source"])
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        editor.query_one("#input-name", Input).focus()
        await pilot.pause()
        await pilot.press("ctrl+t")  # protect more: already private
        await pilot.pause(0.2)
        row = editor._row("name")
        assert row is not None and row.level == "private" and not row.error_text
        await pilot.press("f3")  # share more: pinned, so the vault refuses
        row = editor._row("name")
        assert row is not None
        await wait_for(pilot, lambda: row.error_text)
        assert "pinned" in row.error_text and row.level == "private"


@run_async
async def test_the_delete_dialog_focuses_keep_so_enter_deletes_nothing(tmp_path: Path) -> None:
    from tui.app.screens.dialogs import ConfirmDialog

    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["person"])
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        focused = app.screen.focused
        assert isinstance(focused, Button) and focused.id == "no"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        await pilot.pause(0.3)
    record, _audit = stored(path, ids["person"])
    assert record.id == ids["person"]


@run_async
async def test_editor_level_keys_ask_before_lowering_and_f4_undoes(tmp_path: Path) -> None:
    """The editor has the record view's level keys (one shared mixin): lowering asks with
    Cancel focused, the toast names the undo key, and F4 puts the level back."""
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await open_record(pilot, app, ids["person"])
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                       and app.screen.form_ready)
        editor = app.screen
        assert isinstance(editor, EditorScreen)
        for _ in range(40):  # Tab to the notes field, as a person would
            row = editor.level_target()
            if row is not None and row.name == "notes":
                break
            await pilot.press("tab")
        notes = editor._row("notes")
        assert notes is not None and notes.level == "private"
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, ShareDialog))
        assert app.screen.focused is not None and app.screen.focused.id == "no"
        await pilot.press("shift+tab", "enter")
        await wait_for(pilot, lambda: notes.level == "partner")
        assert any("Press F4 to undo" in n.message for n in app._notifications)
        await pilot.press("f4")  # back towards private: no question
        await wait_for(pilot, lambda: notes.level == "private")
        await pilot.press("f4")  # an undo is not undone
        await pilot.pause(0.2)
        assert notes.level == "private"
    record, _audit = stored(path, ids["person"])
    assert record.levels.get("notes", "private") == "private"


def test_level_keys_are_written_once() -> None:
    """The record view and the editor share the level keys; neither defines its own."""
    import inspect

    from tui.app.screens.level_keys import LevelKeys

    for screen in (RecordScreen, EditorScreen):
        assert issubclass(screen, LevelKeys)
        source = inspect.getsource(screen)
        for action in ("def action_protect", "def action_share", "def action_undo_level"):
            assert action not in source, f"{screen.__name__} defines {action}"
