"""Browsing: the lazily filled list, the sidebar, sorting, filters, search as you type."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList

from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, unlock, wait_for
from tui.app.screens.browse import BrowseScreen
from tui.app.widgets.record_table import PAGE, RecordTable
from tui.app.widgets.text import HIGHLIGHT
from vault.session import Vault

EXTRA = 3 * PAGE + 20


def big_vault(path: Path) -> dict[str, str]:
    """The small vault plus a few pages of persons (one in Uyghur, one in Farsi)."""
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        records = vault.services.records
        rows = [{"name": f"Person {n:04d}"} for n in range(EXTRA - 2)]
        rows += [{"name": "Ablajan", "name_original": "ئابلاجان"},
                 {"name": "Nasrin", "name_original": "نسرین"}]
        records.add_many("person", rows)
    finally:
        vault.close()
    return ids


def table(app: TestApp) -> RecordTable:
    return app.screen.query_one(RecordTable)


def titles(app: TestApp) -> list[str]:
    t = table(app)
    col = 1 if t.mode == "search" else 0
    return [t.get_row_at(i)[col].plain for i in range(t.row_count)]


@run_async
async def test_the_list_loads_page_by_page(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    big_vault(path)
    total = EXTRA + 5
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        t = table(app)
        await wait_for(pilot, lambda: "Showing" in str(app.screen.query_one("#list-status")
                                                        .render()))
        assert t.row_count == PAGE  # one page, never the whole vault
        assert f"of {total:,}" in str(app.screen.query_one("#list-status").render())
        t.focus()
        loaded = [t.row_count]
        while not t.complete:
            await pilot.press("end")
            await wait_for(pilot, lambda: t.row_count > loaded[-1] or t.complete)
            loaded.append(t.row_count)
        assert loaded[:4] == [PAGE, 2 * PAGE, 3 * PAGE, 4 * PAGE] or loaded[-1] == total
        assert t.row_count == total
        assert len({k.value for k in t.rows}) == total  # no duplicates across pages


@run_async
async def test_sidebar_kinds_cases_and_sorting(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        kinds = screen.query_one("#kinds", OptionList)
        labels = [str(kinds.get_option_at_index(i).prompt)[2:]
                  for i in range(kinds.option_count)]
        assert "All records (5)" in labels and "Testimony (1)" in labels
        index = next(i for i, label in enumerate(labels) if label.startswith("Person"))
        kinds.highlighted = index
        kinds.action_select()
        await wait_for(pilot, lambda: table(app).row_count == 1)
        assert titles(app) == ["Wang Quanzhang"]
        # A case shows its records.
        kinds.highlighted = 0
        kinds.action_select()
        await wait_for(pilot, lambda: table(app).row_count == 5)
        cases = screen.query_one("#cases", OptionList)
        await wait_for(pilot, lambda: cases.option_count == 2)
        cases.highlighted = 1
        cases.action_select()
        await wait_for(pilot, lambda: table(app).row_count == 2)
        assert {k.value for k in table(app).rows} == {ids["person"], ids["detention"]}
        # The case in use is marked in the sidebar, focused or not.
        table(app).focus()
        await wait_for(pilot, lambda: str(cases.get_option_at_index(1).prompt)
                       == "▸ Example City lawyers")
        assert str(cases.get_option_at_index(0).prompt) == "  All cases"
        cases.highlighted = 0
        cases.action_select()
        await wait_for(pilot, lambda: table(app).row_count == 5)
        # Sorting by title (the third order), then by date, latest first.
        table(app).focus()
        await pilot.press("s", "s")
        await wait_for(pilot, lambda: "by title" in str(screen.query_one("#list-status")
                                                        .render()))
        await wait_for(pilot, lambda: table(app).row_count == 5)
        assert titles(app) == sorted(titles(app))
        await pilot.press("s", "s")
        await wait_for(pilot, lambda: "by date" in str(screen.query_one("#list-status")
                                                       .render()))
        await wait_for(pilot, lambda: table(app).row_count == 5)
        assert titles(app)[0] == "Account of the night raid"  # 2019, the latest date


@run_async
async def test_date_filter(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        screen = app.screen
        table(app).focus()
        await pilot.press("f")
        screen.query_one("#date-from", Input).value = "2016"
        await pilot.press("enter")
        await wait_for(pilot, lambda: table(app).row_count == 1)
        assert titles(app) == ["Account of the night raid"]


@run_async
async def test_search_as_you_type_in_chinese_highlights_the_match(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = big_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#search", Input)
        await pilot.press("律", "师")
        await wait_for(pilot, lambda: table(app).mode == "search" and table(app).row_count)
        t = table(app)
        # The testimony's narrative, and the person whose role is 律师 (lawyer).
        found = [k.value for k in t.rows]
        assert set(found) == {ids["testimony"], ids["person"]}
        snippet = t.get_row_at(found.index(ids["testimony"]))[2]
        marked = [snippet.plain[s.start:s.end] for s in snippet.spans if s.style == HIGHLIGHT]
        assert "律师" in marked
        # Right-to-left and other scripts are found and shown as stored.
        app.screen.query_one("#search", Input).value = "ئابلاجان"
        await wait_for(pilot, lambda: t.row_count == 1 and "Ablajan" in titles(app)[0])
        # Escape goes back to the whole list.
        await pilot.press("escape")
        await wait_for(pilot, lambda: t.mode == "list" and t.row_count == PAGE)


@run_async
async def test_counts_follow_writes_made_by_another_process(tmp_path: Path) -> None:
    """Issue 14: the sidebar kept the counts of when it opened while the CLI imported
    (4,510 records shown as 500). Another connection stands for the other process: the
    app is told only by the database itself (PRAGMA data_version)."""
    path = tmp_path / "vault"
    make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        kinds = app.screen.query_one("#kinds", OptionList)

        def all_label() -> str:
            # The entry in use is marked "▸ " (issue 15): compare the label itself.
            prompt = str(kinds.get_option_at_index(0).prompt) if kinds.option_count else ""
            return prompt.lstrip("▸ ")

        await wait_for(pilot, lambda: all_label() == "All records (5)")
        # One poll has seen the vault as it was (its baseline), however loaded the machine.
        await wait_for(pilot, lambda: app.screen.external_seen is not None)
        other = Vault.open(path)
        other.unlock(PASSPHRASE)
        try:
            other.services.records.add_many(
                "person", [{"name": f"Imported {n}"} for n in range(40)])
        finally:
            other.close()
        await wait_for(pilot, lambda: all_label() == "All records (45)")


def long_title_vault(path: Path) -> dict[str, str]:
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        records = vault.services.records
        ids["long"] = records.add("testimony", {
            "title": "A very long title about the second hearing " * 6,
            "narrative": "Background that goes on and on before anything is said. " * 8
                         + "Then the witness named the interrogator Zhou."})
    finally:
        vault.close()
    return ids


@run_async
async def test_columns_that_matter_are_never_pushed_off_by_long_titles(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    long_title_vault(path)
    for size in ((140, 40), (80, 24)):
        app = TestApp(path, language="en")
        async with app.run_test(size=size) as pilot:
            await unlock(pilot)
            t = table(app)
            await wait_for(pilot, lambda t=t: t.row_count == 6)
            width = sum(c.get_render_width(t) for c in t.columns.values())
            assert width <= t.size.width, (size, width, t.size.width)
            labels = [str(c.label) for c in t.columns.values()]
            assert labels[:3] == ["Title", "Kind", "Date"]
            if size[0] >= 140:
                assert "Updated" in labels


@run_async
async def test_a_search_snippet_keeps_the_match_in_view_at_80x24(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = long_title_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("slash", "z", "h", "o", "u")
        t = table(app)
        await wait_for(pilot, lambda: t.mode == "search" and t.row_count == 1)
        assert [k.value for k in t.rows] == [ids["long"]]
        snippet = t.get_row_at(0)[2]
        column = list(t.columns.values())[2]
        starts = [s.start for s in snippet.spans if s.style == HIGHLIGHT]
        assert starts, snippet.plain
        from rich.cells import cell_len

        assert cell_len(snippet.plain[:starts[0]]) + 4 <= column.width, snippet.plain
