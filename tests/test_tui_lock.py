"""Locking: the binding locks at once, inactivity locks after the set minutes (injected
clock), keys and every decrypted value leave the UI, and unsaved edits are kept as
encrypted drafts and offered back after unlocking."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Static

from tests.tui_support import (
    PASSPHRASE,
    FakeClock,
    TestApp,
    make_vault,
    run_async,
    shown,
    unlock,
    wait_for,
)
from tui.app import drafts
from tui.app.screens.editor import EditorScreen
from tui.app.screens.record import RecordScreen
from tui.app.screens.unlock import UnlockScreen
from vault.session import Vault


def all_text(app: Any) -> str:
    """Everything every widget of every screen would draw."""
    parts: list[str] = []
    for screen in app.screen_stack:
        for widget in screen.walk_children(Widget, with_self=True):
            try:
                parts.append(str(widget.render()))
            except Exception:  # noqa: BLE001 - some widgets render only when sized
                pass
            if isinstance(widget, Input):
                parts.append(widget.value)
    return "\n".join(parts)


async def edit_person(pilot: Any, app: TestApp, record_id: str) -> EditorScreen:
    app.screen.open_record(record_id)
    await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                   and app.screen.loaded is not None)
    assert "Wang Quanzhang" in all_text(app)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, EditorScreen)
                   and app.screen.form_ready)
    assert isinstance(app.screen, EditorScreen)
    return app.screen


@run_async
async def test_lock_binding_keeps_the_unsaved_edit_encrypted_and_restores_it(tmp_path: Path,
                                                                              ) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        editor = await edit_person(pilot, app, ids["person"])
        editor.query_one("#input-occupation", Input).value = "unsaved 律师"
        vault = app.vault
        assert vault is not None
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: shown(app, UnlockScreen))
        assert not vault.is_unlocked and app.vault is None
        assert [type(s).__name__ for s in app.screen_stack] == ["Screen", "UnlockScreen"]
        text = all_text(app)
        assert "Wang Quanzhang" not in text and "unsaved 律师" not in text
        assert "kept, encrypted" in str(app.screen.query_one(".hint", Static).render())
        # The draft is inside the vault (so encrypted at rest), not lost.
        check = Vault.open(path)
        check.unlock(PASSPHRASE)
        kept = drafts.load(check, ids["person"])
        check.close()
        assert kept is not None and kept.values == {"occupation": "unsaved 律师"}
        # After unlocking, opening the record's editor restores it.
        await unlock(pilot)
        editor = await edit_person(pilot, app, ids["person"])
        assert editor.query_one("#input-occupation", Input).value == "unsaved 律师"
        assert editor.query(".draft-banner")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and "unsaved 律师" in all_text(app))
    check = Vault.open(path)
    check.unlock(PASSPHRASE)
    assert drafts.load(check, ids["person"]) is None  # saved, so the draft is gone
    assert check.services.records.get(ids["person"]).fields["occupation"] == "unsaved 律师"
    check.close()


async def polled(pilot: Pilot[Any], clock: FakeClock) -> None:
    """Wait until the auto-lock poll has read the clock twice since now (so it has surely
    judged the current time), instead of a fixed pause a loaded machine may not honour."""
    seen = clock.reads
    await wait_for(pilot, lambda: clock.reads >= seen + 2)


@run_async
async def test_auto_lock_after_inactivity_with_an_injected_clock(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    clock = FakeClock()
    app = TestApp(path, language="en", clock=clock, lock_poll_seconds=0.02)
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        app.screen.open_record(ids["person"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        assert app.idle.minutes == 5
        clock.advance(4 * 60)
        await polled(pilot, clock)
        assert app.vault is not None  # four minutes: still open
        await pilot.press("down")  # activity restarts the count
        clock.advance(4 * 60)
        await polled(pilot, clock)
        assert app.vault is not None
        clock.advance(60 + 1)
        await wait_for(pilot, lambda: shown(app, UnlockScreen))
        assert app.vault is None and app.locked_count == 1
        assert "Wang Quanzhang" not in all_text(app)
        assert "5 minutes" in str(app.screen.query_one(".hint", Static).render())


@run_async
async def test_the_auto_lock_minutes_setting_is_kept_in_the_vault(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    clock = FakeClock()
    app = TestApp(path, language="en", clock=clock, lock_poll_seconds=0.02)
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SettingsScreen")
        field = app.screen.query_one("#minutes", Input)
        field.value = "2"
        field.focus()
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.idle.minutes == 2)
        clock.advance(2 * 60 + 1)
        await wait_for(pilot, lambda: shown(app, UnlockScreen))
    check = Vault.open(path)
    check.unlock(PASSPHRASE)
    assert check.store.setting("tui.auto_lock_minutes") == 2
    check.close()


@run_async
async def test_the_clipboard_is_cleared_after_a_while(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    app.clipboard_seconds = 0.1
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        app.copy_to_clipboard("Wang Quanzhang")
        assert app.clipboard == "Wang Quanzhang"
        await wait_for(pilot, lambda: app.clipboard == "")


@run_async
async def test_the_clipboard_is_cleared_when_the_vault_locks(tmp_path: Path) -> None:
    """Only a 30 s timer cleared it: locking (or quitting) earlier left the value there."""
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")  # the default timer: far longer than this test
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        app.copy_to_clipboard("Wang Quanzhang")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.vault is None)
        assert app.clipboard == ""


@run_async
async def test_the_clipboard_is_cleared_on_quit(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        app.copy_to_clipboard("Wang Quanzhang")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.clipboard == ""


def test_a_suspend_is_counted_and_locks_on_resume() -> None:
    """time.monotonic stops during suspend: ten hours closed came back unlocked. The lock's
    clock is CLOCK_BOOTTIME, and a gap between it and the awake clock means a resume."""
    from tui.app.lock import InactivityLock, boottime

    boot, awake = FakeClock(), FakeClock()
    idle = InactivityLock(minutes=5, clock=boot, awake_clock=awake)
    boot.advance(60)
    awake.advance(60)
    assert not idle.due()
    boot.advance(10 * 3600)  # the lid was closed: the awake clock did not move
    assert idle.due() and idle.resumed
    idle.touch()  # input right after resume does not cancel the lock
    assert idle.due()
    idle.reset()
    assert not idle.due()
    assert InactivityLock().clock is boottime


@run_async
async def test_the_app_locks_on_resume_from_suspend(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    boot, awake = FakeClock(), FakeClock()
    app = TestApp(path, language="en", clock=boot, lock_poll_seconds=0.02)
    app.idle.awake_clock = awake
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        boot.advance(30)  # well under the 5-minute timeout, but asleep the whole time
        await wait_for(pilot, lambda: app.vault is None)


def test_the_app_and_the_cli_refuse_core_dumps_and_ptrace(tmp_path: Path) -> None:
    """A core dump held the master key and records. Both front ends now start with
    RLIMIT_CORE 0 and PR_SET_DUMPABLE 0 (checked in a fresh process for each)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    probe = """
import resource, sys
from vault.process import is_dumpable
soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
if hard != 0:  # (a parent that already ran evault in-process passed on a hard limit of 0)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
assert is_dumpable()  # every new program starts dumpable
if sys.argv[1] == "cli":
    from tui.cli.main import main
    main(["whoami", "--vault", sys.argv[2]])  # no vault there: exits 1, after start-up
else:
    from tui.app.app import EvaultApp
    EvaultApp(__import__("pathlib").Path(sys.argv[2]))
print(resource.getrlimit(resource.RLIMIT_CORE), is_dumpable())
"""
    for front in ("cli", "app"):
        out = subprocess.run([sys.executable, "-c", probe, front, str(tmp_path / "none")],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.stdout.strip() == "(0, 0) False", (front, out.stdout, out.stderr)
