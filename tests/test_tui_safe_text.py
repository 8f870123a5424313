"""User text reaches the app's screen inert: a terminal escape or a bidi override in a
case title, a record value or a name typed by the user is drawn as a visible escape
(``\\x1b``, ``\\u202e``), never sent to the terminal (issue 17; the rule is
:func:`tui.safe_text.safe`, shared with the command line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import OptionList

from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, unlock, wait_for
from tui.app.screens.dialogs import ConfirmDialog
from tui.safe_text import safe
from vault.session import Vault

EVIL = "Evil\x1b[31mRED\u202eEND"
SHOWN = "Evil\\x1b[31mRED\\u202eEND"
RAW = ("\x1b", "\u202e")


def screen_lines(app: Any) -> list[str]:
    """The text of every line Textual would send to the terminal now. (Private Textual
    API, ``Screen._compositor``: tested with the textual version pinned in
    pyproject.toml.)"""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def raw_controls(app: Any) -> list[str]:
    return [line for line in screen_lines(app) if any(c in line for c in RAW)]


def test_safe_is_the_one_rule() -> None:
    assert safe(EVIL) == SHOWN
    assert safe("a\nb\tc") == "a\nb\tc"
    assert safe("a\nb\tc", single_line=True) == "a\\nb\\tc"


@run_async
async def test_a_hostile_case_title_is_drawn_escaped_in_browse(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        vault.services.records.add("case", {"title": EVIL, "summary": EVIL,
                                            "records": [ids["person"]]})
    finally:
        vault.close()
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: app.screen.query_one("#cases", OptionList)
                       .option_count > 2)
        await wait_for(pilot, lambda: sum(SHOWN in line for line in screen_lines(app)) >= 2)
        assert raw_controls(app) == []  # neither in the sidebar nor in the list
        cases = app.screen.query_one("#cases", OptionList)
        cases.focus()
        cases.highlighted = next(i for i in range(cases.option_count)
                                 if SHOWN in str(cases.get_option_at_index(i).prompt))
        await pilot.press("enter")  # list the hostile case's records
        await wait_for(pilot, lambda: app.screen.query_one("#records").row_count == 1)
        assert any(SHOWN in line for line in screen_lines(app))
        assert raw_controls(app) == []


@run_async
async def test_a_question_quoting_user_text_is_drawn_escaped(tmp_path: Path) -> None:
    """The bundles screen asks "Trust this sender as "<name>"?" with the name the user
    typed (or pasted): the dialog draws its question inert."""
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        app.push_screen(ConfirmDialog(f'Trust this sender as "{EVIL}" and import?\nSecond '
                                      "line", warning=True))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog)
                       and any(SHOWN in line for line in screen_lines(app)))
        assert raw_controls(app) == []
        assert any("Second line" in line for line in screen_lines(app))  # newline kept
        await pilot.press("escape")
