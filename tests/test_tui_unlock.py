"""Unlocking: masked, a wrong passphrase says so and lets the user retry, the recovery key
works, and Argon2id runs off the event loop."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, LoadingIndicator, Static

from crypto.kdf import KdfParams
from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, unlock, wait_for
from tui.app.screens.browse import BrowseScreen
from tui.app.screens.unlock import UnlockScreen
from vault.session import Vault


@run_async
async def test_wrong_then_right_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        field = screen.query_one("#passphrase", Input)
        assert field.password
        field.value = "not the passphrase"
        await pilot.press("enter")
        assert field.value == ""  # not kept in the widget while the KDF runs
        await wait_for(pilot, lambda: screen.attempts == 1)
        status = str(screen.query_one("#status", Static).render())
        assert "Wrong passphrase" in status
        assert app.vault is None and isinstance(app.screen, UnlockScreen)
        await unlock(pilot)
        assert app.vault is not None and app.vault.is_unlocked


@run_async
async def test_the_ui_keeps_running_while_argon2id_works(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    # Heavier than the test parameters so the derivation takes a visible moment.
    params = KdfParams(memory_kib=256 * 1024, iterations=1, parallelism=2)
    Vault.create(path, PASSPHRASE, params=params).vault.close()
    app = TestApp(path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        screen = app.screen
        assert isinstance(screen, UnlockScreen)
        ticks: list[float] = []
        app.set_interval(0.01, lambda: ticks.append(0.0))
        field = screen.query_one("#passphrase", Input)
        field.value = PASSPHRASE
        await field.action_submit()  # like Enter, without the pilot waiting for idle
        # The Submitted message is handled on a later turn of the event loop; on a loaded
        # machine that takes longer than any fixed sleep.
        await wait_for(pilot, lambda: screen.busy)
        assert "hidden" not in screen.query_one("#busy", LoadingIndicator).classes
        before = len(ticks)
        await wait_for(pilot, lambda: isinstance(app.screen, BrowseScreen)
                       and app.screen.query_one("#kinds").option_count > 0, timeout=30)
        # The event loop ticked while Argon2id ran in its thread.
        assert len(ticks) - before >= 3


@run_async
async def test_unlock_with_the_recovery_key(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    created = Vault.create(path, PASSPHRASE)
    key = created.recovery_key
    created.vault.close()
    app = TestApp(path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.screen.query("#prompt"))
        app.screen.query_one("#prompt", Input).value = key.lower()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowseScreen)
                       and app.screen.query_one("#kinds").option_count > 0)
        assert app.vault is not None and app.vault.is_unlocked
