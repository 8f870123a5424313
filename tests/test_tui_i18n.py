"""Languages: every UI string is in the catalog and translated, the compiled catalog
matches its source, the system locale picks the language, and switching in Settings
re-draws the app and is remembered by the vault."""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from textual.widgets import OptionList, Select, Static

from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, shown, unlock, wait_for
from tui.app import i18n
from tui.app.screens.record import RecordScreen
from tui.app.screens.settings import SettingsScreen
from tui.app.widgets.field_row import FieldRow
from vault.session import Vault

APP = Path(i18n.__file__).resolve().parent
PO = APP / "locale" / "zh_CN" / "LC_MESSAGES" / "evault.po"
MO = PO.with_suffix(".mo")
#: Every catalog: each must be complete and compiled.
CATALOGS = [APP / "locale" / code / "LC_MESSAGES" / "evault.po"
            for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]


def extracted() -> set[str]:
    """Every string marked in the app's code, as ``pybabel extract`` finds them."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(APP), method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "ngettext": (1, 2)}):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_every_ui_string_has_a_translation(po: Path) -> None:
    catalog = read_po(po.open("rb"))
    translated = {m.id: m.string for m in catalog if m.id}
    missing = sorted(extracted() - set(translated))
    assert not missing, f"not in {po} (run pybabel update, then translate): {missing}"
    for message in catalog:
        if not message.id:
            continue
        assert message.string and not message.fuzzy, message.id
        # Placeholders must survive translation, or .format() would fail in Chinese.
        assert set(re.findall(r"\{[^}]*\}", message.id)) == \
            set(re.findall(r"\{[^}]*\}", str(message.string))), message.id


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_the_compiled_catalog_matches_its_source(po: Path) -> None:
    fresh = io.BytesIO()
    write_mo(fresh, read_po(po.open("rb")))
    fresh.seek(0)
    compiled = gettext.GNUTranslations(fresh)
    committed = gettext.GNUTranslations(po.with_suffix(".mo").open("rb"))
    # The messages must match; the header ("" entry) does not: it names the Babel version
    # that compiled it (e.g. "Generated-By: Babel 2.19.0"), which changes with every
    # release and says nothing about whether a translation is stale.
    def messages(catalog: dict[object, str]) -> dict[object, str]:
        return {key: text for key, text in catalog.items() if key != ""}
    assert messages(committed._catalog) == messages(compiled._catalog), (  # type: ignore[attr-defined]
        "the .mo is stale: run 'pybabel compile -d tui/app/locale -D evault'")


def test_system_locale_chooses_the_language() -> None:
    assert i18n.system_language({"LANG": "zh_CN.UTF-8"}) == "zh_CN"
    assert i18n.system_language({"LANGUAGE": "zh:en", "LANG": "en_US.UTF-8"}) == "zh_CN"
    assert i18n.system_language({"LC_ALL": "zh_SG.UTF-8"}) == "zh_CN"
    assert i18n.system_language({"LANG": "fr_FR.UTF-8"}) == "en"
    assert i18n.system_language({"LANG": "C"}) == "en"
    # Taiwan, Hong Kong and Macau read traditional characters.
    assert i18n.system_language({"LANG": "zh_TW.UTF-8"}) == "zh_Hant"
    assert i18n.system_language({"LANG": "zh_HK.UTF-8"}) == "zh_Hant"
    assert i18n.system_language({"LANGUAGE": "zh_Hant_TW"}) == "zh_Hant"
    assert i18n.system_language({"LANG": "vi_VN.UTF-8"}) == "vi"
    assert i18n.system_language({}) == "en"


def test_switching_language_translates_and_falls_back() -> None:
    try:
        assert i18n.set_language("zh_CN") == "zh_CN"
        assert i18n._("Lock") == "锁定"
        assert i18n.set_language("zh_Hant") == "zh_Hant"
        assert i18n._("Lock") == "鎖定" and i18n._("Settings") == "設定"
        assert i18n.set_language("vi") == "vi"
        assert i18n._("Lock") == "Khóa"
        assert i18n.set_language("xx") == "en"
        assert i18n._("Lock") == "Lock"
    finally:
        i18n.set_language("en")


@run_async
async def test_language_switch_in_settings_redraws_and_is_remembered(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    ids = make_vault(path)
    app = TestApp(path, language="en")
    async with app.run_test(size=(120, 50)) as pilot:
        await unlock(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: shown(app, SettingsScreen))
        app.screen.query_one("#language", Select).value = "zh_CN"
        await wait_for(pilot, lambda: app.language == "zh_CN")
        await wait_for(pilot, lambda: "设置" in str(app.screen.query_one(".screen-title", Static)
                                                     .render()))
        # The footer's bindings are translated too.
        descriptions = {b.binding.description for b in app.screen.active_bindings.values()}
        assert "返回" in descriptions
        await pilot.press("escape")
        # The list below was rebuilt in Chinese and filled again.
        kinds = app.screen.query_one("#kinds", OptionList)
        await wait_for(pilot, lambda: app.screen.query_one("#records").row_count == 5
                       and any("人物" in str(kinds.get_option_at_index(i).prompt)
                               for i in range(kinds.option_count)))
        app.screen.open_record(ids["person"])
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                       and app.screen.loaded is not None)
        labels = [str(r.query_one(".field-label").render()) for r in app.screen.query(FieldRow)]
        assert "姓名（拼音）" in labels  # the registry's Chinese field labels
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    assert vault.store.setting("tui.language") == "zh_CN"
    vault.close()
    # A new session starts in the system language, then follows the vault's setting.
    app = TestApp(path, language="en")
    try:
        async with app.run_test(size=(120, 50)) as pilot:
            await unlock(pilot)
            assert app.language == "zh_CN"
            assert i18n._("Search") == "搜索"
    finally:
        i18n.set_language("en")
