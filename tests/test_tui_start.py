"""The first run: the start screen, the creation wizard, the demo vault."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tests.tui_support import PASSPHRASE, TestApp, browsing, run_async, type_text, wait_for
from tui.app.screens.browse import BrowseScreen
from tui.app.screens.create import CreateScreen
from tui.app.screens.dialogs import ConfirmDialog
from tui.app.screens.start import StartScreen, demo_path_for
from vault.layout import Layout
from vault.session import Vault


def footer_words(app: TestApp) -> list[str]:
    return [b.binding.description for b in app.screen.active_bindings.values()
            if b.binding.show]


@run_async
async def test_no_vault_shows_the_start_screen_and_the_wizard_creates_one(tmp_path: Path,
                                                                          ) -> None:
    path = tmp_path / "vault"
    app = TestApp(path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartScreen))
        assert "Lock" not in footer_words(app)  # nothing to lock yet
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateScreen))
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        # Masked inputs.
        assert screen.query_one("#pass1", Input).password
        assert screen.query_one("#pass2", Input).password
        # A weak passphrase is flagged and refused until the user accepts it.
        await type_text(pilot, "abc123")
        assert "hidden" not in screen.query_one("#accept-weak").classes
        await pilot.press("enter")
        await type_text(pilot, "abc123")
        await pilot.press("enter")
        assert "weak" in str(screen.query_one("#problem", Static).render())
        assert not Layout(path).exists()
        # Two different passphrases are refused.
        screen.query_one("#pass1", Input).value = PASSPHRASE
        screen.query_one("#pass2", Input).value = PASSPHRASE + "x"
        screen.query_one("#pass2", Input).focus()
        await pilot.press("enter")
        assert "differ" in str(screen.query_one("#problem", Static).render())
        # The real thing.
        screen.query_one("#pass1", Input).value = PASSPHRASE
        screen.query_one("#pass2", Input).value = PASSPHRASE
        screen.query_one("#pass2", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.created is not None)
        created = screen.created
        assert created is not None
        key = created.recovery_key
        assert key in str(screen.query_one("#recovery-key", Static).render())
        # The passphrase fields were cleared once used.
        assert screen.query_one("#pass1", Input).value == ""
        # Escape does nothing here, so the footer does not offer it; Ctrl+Q asks first.
        assert "Back" not in footer_words(app)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert app.screen.focused is not None and app.screen.focused.id == "no"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert app.is_running
        groups = key.split("-")
        wrong = groups[(screen.group_index + 1) % len(groups)]
        screen.query_one("#confirm-group", Input).value = wrong
        await pilot.press("enter")
        assert isinstance(app.screen, CreateScreen)  # not confirmed yet
        screen.query_one("#confirm-group", Input).value = groups[screen.group_index].lower()
        await pilot.press("enter")
        await wait_for(pilot, lambda: browsing(app))
        assert app.vault is not None and app.vault.is_unlocked
        # The wizard, and the key it showed, are gone once confirmed.
        assert screen not in app.screen_stack
    assert Layout(path).exists()
    check = Vault.open(path)
    check.unlock(PASSPHRASE)
    check.close()
    check.unlock_with_recovery(key)
    check.close()


@run_async
async def test_demo_vault_is_made_beside_the_path_and_marked_fictional(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    app = TestApp(path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, StartScreen))
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, BrowseScreen)
                       and app.screen.query_one("#records").row_count > 0, timeout=60)
        assert app.demo
        assert "fictional" in (app.screen.sub_title or "")
    assert Layout(demo_path_for(path)).exists()
    assert not path.exists()  # the real vault's place stays free
