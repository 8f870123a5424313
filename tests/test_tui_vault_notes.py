"""After unlocking, the app says what the CLI says (tui/cli/context.py): a vault that was
not closed cleanly, and a vault on read-only media — in the UI language."""

from __future__ import annotations

from pathlib import Path

from tests.test_media import Readonly, readonly  # noqa: F401 - the fixture
from tests.tui_support import TestApp, browsing, make_vault, run_async, unlock, wait_for
from tui.app import i18n
from vault.running import NAME


def _notes(app: TestApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "warning"]


@run_async
async def test_a_vault_not_closed_cleanly_is_noted(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    (path / NAME).touch()  # the mark a killed evault leaves behind, held by nobody
    app = TestApp(path, language="zh_CN")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot)
            await wait_for(pilot, lambda: browsing(app))
            await wait_for(pilot, lambda: any("evault check" in n for n in _notes(app)))
            assert any("未正常关闭" in n for n in _notes(app))
    finally:
        i18n.set_language("en")


@run_async
async def test_a_clean_vault_has_no_note(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: browsing(app))
        await pilot.pause(0.3)
        assert not _notes(app)


@run_async
async def test_read_only_media_is_noted(readonly: Readonly) -> None:  # noqa: F811
    app = TestApp(readonly.vault, language="en")
    vault = None
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await unlock(pilot)
            await wait_for(pilot, lambda: browsing(app))
            vault = app.vault
            await wait_for(pilot, lambda: any("cannot be written" in n for n in _notes(app)))
    finally:
        if vault is not None:
            vault.close()  # the media is unmounted after the test
