"""Travel mode in the app, pressing the keys a person presses: mark a case travel-safe in
the list (its badge), open "Start travel mode" from the command palette, read the
preview's counts, Cancel (nothing changes), confirm (sealed; gone from the list and the
search), then "End travel mode" with a wrong key (one translated line, nothing changes)
and with the recovery key (everything back: ids, levels, links, attachment hashes). The
other refusals of the end screen (another vault's file, a file restored already, a damaged
file) each show their line and change nothing. Real vault, real age, real app."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from crypto import kdf, travel_key
from tests.test_travel import snapshot
from tests.tui_support import PASSPHRASE, TestApp, run_async, type_text, unlock, wait_for
from tui.app.screens.browse import BrowseScreen
from tui.app.screens.travel import DEFAULT_NAME, EndTravelScreen, StartTravelScreen
from vault.session import Vault


@dataclass
class Made:
    path: Path
    recovery_key: str
    ids: dict[str, str]


def make(path: Path) -> Made:
    """A person and a detention grouped by a case (to be marked travel-safe together); a
    source and a testimony naming it (to be sealed); one attachment on each side."""
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    with created.vault as vault:
        records = vault.services.records
        ids = {"person": records.add("person", {"name": "Wang Quanzhang",
                                                "notes": "Human rights lawyer."})}
        ids["source"] = records.add("source", {"label": "Witness K", "name": "Li Ming"})
        ids["testimony"] = records.add("testimony", {
            "title": "Account of the night raid", "source": ids["source"],
            "narrative": "The lawyer was interrogated for three days."})
        ids["detention"] = records.add("detention", {
            "title": "RSDL in Example City", "detainee": ids["person"], "type": "rsdl"})
        ids["case"] = records.add("case", {"title": "Example City lawyers",
                                           "records": [ids["person"], ids["detention"]]})
        records.set_level(ids["testimony"], "narrative", "private")
        for role in ("testimony", "person"):
            f = path.parent / f"{role}.bin"
            f.write_bytes(os.urandom(50_000))
            vault.services.attachments.attach(ids[role], f, level="partner")
    return Made(path, created.recovery_key, ids)


def state(path: Path) -> dict[str, Any]:
    """What a round trip must keep (records, levels, links, attachment rows and hashes)."""
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    with vault:
        return snapshot(vault)


def travelling(path: Path) -> tuple[bool, int]:
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    with vault:
        return (vault.services.travel.active(),
                int(vault.store.query_one("SELECT count(*) FROM records")[0]))


def screen_text(app: Any) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query("Static"))


async def palette(pilot: Pilot[Any], command: str) -> None:
    """Ctrl+P, type the command's name, Enter."""
    from textual.command import CommandPalette

    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    await type_text(pilot, command)
    await pilot.pause(0.3)
    await pilot.press("enter")


async def open_end(pilot: Pilot[Any]) -> EndTravelScreen:
    await palette(pilot, "End travel mode")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, EndTravelScreen)
                   and "travel mode" in str(pilot.app.screen.query_one("#travel-trip")
                                            .render()).lower())
    screen = pilot.app.screen
    assert isinstance(screen, EndTravelScreen)
    return screen


async def try_key(pilot: Pilot[Any], screen: EndTravelScreen, key: str) -> None:
    """Type a recovery key in the focused masked field and press Enter (the check)."""
    field = screen.query_one("#travel-recovery")
    assert field.has_focus and field.password
    field.value = ""
    await type_text(pilot, key)
    await pilot.press("enter")


def error_shown(screen: Any) -> str:
    line = screen.query_one("#travel-error")
    return "" if line.has_class("hidden") else str(line.render())


@run_async
async def test_mark_start_cancel_confirm_then_end_restores_everything(tmp_path: Path) -> None:
    made = make(tmp_path / "vault")
    before = state(made.path)
    other = Vault.create(tmp_path / "other", PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    other.vault.close()
    app = TestApp(made.path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await unlock(pilot)
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        table = browse.query_one("#records")
        await wait_for(pilot, lambda: table.row_count == 5)
        # Mark the case (and so its person and detention): cursor to its row, press m.
        row = table.get_row_index(made.ids["case"])
        for _ in range(row):
            await pilot.press("down")
        assert table.selected_id() == made.ids["case"]
        await pilot.press("m")
        kept = {made.ids[r] for r in ("case", "person", "detention")}
        await wait_for(pilot, lambda: table.travel_safe == kept)
        assert str(table.get_cell(made.ids["person"], "title")).startswith("✈ ")
        assert not str(table.get_cell(made.ids["source"], "title")).startswith("✈")
        # The record screen shows the badge.
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "RecordScreen"
                       and app.screen.loaded is not None)
        assert "TRAVEL-SAFE" in str(app.screen.query_one("#travel-badge").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is browse)

        # Start travel mode from the command palette: the preview's counts.
        await palette(pilot, "Start travel mode")
        await wait_for(pilot, lambda: isinstance(app.screen, StartTravelScreen)
                       and app.screen.preview is not None)
        start = app.screen
        preview = str(start.query_one("#travel-preview").render())
        assert "3 travel-safe record(s)" in preview and "with 1 attachment(s)" in preview
        assert "2 record(s) (Protected source 1, Testimony 1), 1 attachment(s)" in preview, preview
        text = screen_text(app)
        for title in ("Witness K", "night raid", "Li Ming"):
            assert title not in text  # counts, never titles of what is sealed
        assert "Never carry the recovery key" in text
        out = Path(start.query_one("#travel-out").value)
        assert out == made.path.parent / DEFAULT_NAME
        # The recovery key (masked), Tab, the passphrase (masked), Tab to the button.
        assert start.query_one("#travel-recovery").has_focus
        assert start.query_one("#travel-recovery").password
        await type_text(pilot, made.recovery_key)
        await pilot.press("tab")
        assert start.query_one("#travel-passphrase").has_focus
        await type_text(pilot, PASSPHRASE)
        await pilot.press("tab")
        assert app.focused is start.query_one("#travel-start")
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        assert app.focused is not None and app.focused.id == "no"  # Cancel is the default
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is start)
        await pilot.pause(0.3)
        assert state(made.path) == before and travelling(made.path) == (False, 5)
        assert not out.exists()
        # Again, and this time confirm.
        start.query_one("#travel-start").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "yes"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Travel mode is on" in str(
            start.query_one("#travel-status").render()), timeout=60)
        assert out.is_file()
        assert "TRAVEL MODE" in str(start.sub_title)
        assert start.query_one("#travel-recovery").value == ""  # the key is not kept

        # Back in the list: only the travel-safe records, and the search finds no other.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is browse and table.row_count == 3)
        assert set(table.rows) == {r for r in kept}
        assert "TRAVEL MODE" in str(browse.sub_title)
        await pilot.press("slash")
        await type_text(pilot, "raid")
        await wait_for(pilot, lambda: table.mode == "search"
                       and "0 results" in str(browse.query_one("#list-status").render()))
        await pilot.press("escape")

        # End: a wrong key (another vault's recovery key) is one line; nothing changes.
        end = await open_end(pilot)
        assert "2 record(s)" in str(end.query_one("#travel-trip").render())
        assert end.query_one("#travel-from").value == str(out)
        await try_key(pilot, end, other.recovery_key)
        await wait_for(pilot, lambda: error_shown(end))
        assert error_shown(end) == ("That key does not open this sealed file. Nothing was "
                                    "changed.")
        assert end.query_one("#travel-restore").disabled
        assert travelling(made.path) == (True, 3)
        # The right key: the check shows the manifest's counts, then Restore.
        await try_key(pilot, end, made.recovery_key)
        await wait_for(pilot, lambda: not end.query_one("#travel-restore").disabled)
        assert not error_shown(end)
        manifest = str(end.query_one("#travel-manifest").render())
        assert "2 record(s) (Protected source 1, Testimony 1), 1 attachment(s)" in manifest
        assert travelling(made.path) == (True, 3)  # checking wrote nothing
        assert app.focused is end.query_one("#travel-restore")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Restored 2 record(s)" in str(
            end.query_one("#travel-manifest").render()), timeout=60)
        assert "TRAVEL" not in str(end.sub_title)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is browse)
        assert "TRAVEL" not in str(browse.sub_title)
    assert state(made.path) == before


def _travel_started(made: Made, out: Path) -> None:
    vault = Vault.open(made.path)
    vault.unlock(PASSPHRASE)
    with vault:
        travel = vault.services.travel
        travel.mark([], made.ids["case"])
        travel.start(out, travel.recovery_recipient(made.recovery_key),
                     sealed_to="recovery-key", passphrase=PASSPHRASE)


async def _refused(made: Made, source: Path, key: str, line: str) -> None:
    before = travelling(made.path)
    app = TestApp(made.path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await unlock(pilot)
        end = await open_end(pilot)
        end.query_one("#travel-from").value = str(source)
        await try_key(pilot, end, key)
        await wait_for(pilot, lambda: error_shown(end))
        assert error_shown(end) == line
        assert end.query_one("#travel-restore").disabled
    assert travelling(made.path) == before


@run_async
async def test_a_file_of_another_vault_is_refused(tmp_path: Path) -> None:
    made = make(tmp_path / "vault")
    _travel_started(made, tmp_path / "mine.age")
    # Another vault sealed its trip to this vault's recovery key: it opens, but is not ours.
    theirs = make(tmp_path / "theirs")
    vault = Vault.open(theirs.path)
    vault.unlock(PASSPHRASE)
    with vault:
        travel = vault.services.travel
        travel.mark([theirs.ids["person"]])
        travel.start(tmp_path / "theirs.age", travel_key.recipient(made.recovery_key),
                     sealed_to="recipient", passphrase=PASSPHRASE)
    await _refused(made, tmp_path / "theirs.age", made.recovery_key,
                   "This sealed file belongs to another vault. Nothing was changed.")


@run_async
async def test_a_file_restored_already_is_refused(tmp_path: Path) -> None:
    made = make(tmp_path / "vault")
    out = tmp_path / "trip.age"
    _travel_started(made, out)
    vault = Vault.open(made.path)
    vault.unlock(PASSPHRASE)
    with vault:
        travel = vault.services.travel
        travel.end(out, travel.recovery_identity(made.recovery_key))
    await _refused(made, out, made.recovery_key,
                   "This sealed file was restored already. Nothing was changed.")


@run_async
async def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    made = make(tmp_path / "vault")
    out = tmp_path / "trip.age"
    _travel_started(made, out)
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x40
    out.write_bytes(bytes(data))
    await _refused(made, out, made.recovery_key,
                   "The sealed file is damaged, cut short or altered. Nothing was changed.")


@run_async
async def test_start_refuses_a_wrong_recovery_key_and_changes_nothing(tmp_path: Path) -> None:
    made = make(tmp_path / "vault")
    vault = Vault.open(made.path)
    vault.unlock(PASSPHRASE)
    with vault:
        vault.services.travel.mark([], made.ids["case"])
    before = state(made.path)
    app = TestApp(made.path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await unlock(pilot)
        # This time from Settings (o), its "Start travel mode…" button.
        await pilot.press("o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SettingsScreen")
        app.screen.query_one("#travel-start").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StartTravelScreen)
                       and app.screen.preview is not None)
        start = app.screen
        other = Vault.create(tmp_path / "other", PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
        other.vault.close()
        # A wrong passphrase first (the keys are re-wrapped under it: checked first).
        start.query_one("#travel-recovery").value = made.recovery_key
        start.query_one("#travel-passphrase").value = PASSPHRASE + " typo"
        start.query_one("#travel-start").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.press("shift+tab", "enter")
        await wait_for(pilot, lambda: error_shown(start))
        assert error_shown(start) == ("That is not the passphrase of this vault. Nothing "
                                      "was changed.")
        # Then the right passphrase with another vault's recovery key.
        start.query_one("#travel-recovery").value = other.recovery_key
        start.query_one("#travel-passphrase").value = PASSPHRASE
        start.query_one("#travel-start").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog")
        await pilot.press("shift+tab", "enter")
        await wait_for(pilot, lambda: "recovery key" in error_shown(start))
        assert error_shown(start) == ("That is not this vault's recovery key. Nothing was "
                                      "changed.")
        assert "TRAVEL" not in str(start.sub_title)
    assert state(made.path) == before and travelling(made.path) == (False, 5)
    assert not (made.path.parent / DEFAULT_NAME).exists()


@run_async
async def test_m_on_the_record_screen_marks_and_unmarks_with_audit(tmp_path: Path) -> None:
    made = make(tmp_path / "vault")
    app = TestApp(made.path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await unlock(pilot)
        app.screen.open_record(made.ids["source"])
        await wait_for(pilot, lambda: type(app.screen).__name__ == "RecordScreen"
                       and app.screen.loaded is not None)
        record = app.screen
        assert not record.query("#travel-badge")
        await pilot.press("m")
        await wait_for(pilot, lambda: bool(record.query("#travel-badge")))
        await pilot.press("m")
        await wait_for(pilot, lambda: not record.query("#travel-badge")
                       and record.loaded is not None and not record.travel_safe)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowseScreen))
        table = app.screen.query_one("#records")
        await wait_for(pilot, lambda: table.row_count == 5)
        assert not table.travel_safe
    vault = Vault.open(made.path)
    vault.unlock(PASSPHRASE)
    with vault:
        assert vault.services.travel.marked() == []
        actions = [(e.action, e.record) for e in vault.store.audit_entries()
                   if e.action.startswith("travel.")]
    assert actions == [("travel.mark", made.ids["source"]),
                       ("travel.unmark", made.ids["source"])]
