"""Chinese mode is complete: every screen rendered in Simplified Chinese shows no Latin-
script message text. What may stay Latin: the vault's content (names, titles, values),
ids, codes (``record.add``, field names), paths, key names, and the names of tools and
formats (age, Argon2id, minisign…). The dossier's draft stays in the regime's language
and is left out; its readiness list is checked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, unlock, wait_for
from tui.app import i18n
from tui.app.screens.record import RecordScreen
from vault.session import Vault

#: Names of tools, formats and keys, which are not translated.
ALLOWED = {
    "evault", "age", "argon2id", "mib", "minisign", "keygen", "rwq", "utc", "json", "pdf",
    "enter", "backspace", "tab", "space", "esc", "escape", "ctrl", "del", "delete", "slash",
    "home", "end", "down", "up", "shift", "sqlcipher", "txt", "zip",
}
WORD = re.compile(r"[A-Za-z][A-Za-z]+")
CODE = re.compile(r"\S*[._:/+@0-9]\S*|\b[0-9a-f]{8,16}\b")


def screen_text(app: Any) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


def content_words(path: Path) -> set[str]:
    """Every word of the vault's content (these are values, not messages)."""
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        words: set[str] = set()
        for summary in vault.services.records.list():
            record = vault.services.records.get(summary.id)
            words.update(w.lower() for w in WORD.findall(f"{record.title} {record.fields}"))
        return words
    finally:
        vault.close()


def latin_messages(text: str, allowed: set[str]) -> list[str]:
    found = []
    for line in text.splitlines():
        for word in WORD.findall(CODE.sub(" ", line)):
            if word.lower() not in allowed and len(word) > 1:
                found.append(f"{word!r} in {line.strip()!r}")
    return found


@pytest.mark.parametrize("language", ["zh_CN", "zh_Hant"])
@run_async
async def test_every_screen_in_chinese_has_no_latin_message_text(
        tmp_path: Path, language: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A short relative path: a long one (an xdist worker's tmp_path) wraps on the unlock
    # screen and leaves a piece of it ("ault") alone on a line, where it looks like a word.
    monkeypatch.chdir(tmp_path)
    path = Path("vault")
    ids = make_vault(path)
    allowed = ALLOWED | content_words(path) | {str(path).lower()}
    problems: list[str] = []
    app = TestApp(path, language=language)

    async def look(pilot: Pilot[Any], name: str) -> None:
        # A screen that says when its content is drawn (record, dossier, editor) is waited
        # for, however loaded the machine; the others get a moment to draw.
        await wait_for(pilot, lambda: getattr(app.screen, "loaded", True) is not None
                       and getattr(app.screen, "form_ready", True))
        await pilot.pause(0.6)
        for draft in app.screen.query("#dossier-draft, #audit"):
            draft.display = False  # the draft is in the regime's language; the log is data
        await pilot.pause(0.1)
        problems.extend(f"{name}: {p}" for p in latin_messages(screen_text(app), allowed))

    async def back_to_browse(pilot: Pilot[Any]) -> None:
        while type(app.screen).__name__ != "BrowseScreen":
            await pilot.press("escape")
            await pilot.pause(0.2)

    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: type(app.screen).__name__ == "UnlockScreen")
            await look(pilot, "unlock")
            await unlock(pilot)
            await look(pilot, "browse")
            for key, name in (("o", "SettingsScreen"), ("x", "ExportScreen"),
                              ("u", "AuditScreen"), ("b", "BundlesScreen"),
                              ("f1", "HelpScreen")):
                await pilot.press(key)
                await wait_for(pilot, lambda name=name: type(app.screen).__name__ == name)
                await look(pilot, name)
                await back_to_browse(pilot)
            for end, name in ((False, "StartTravelScreen"), (True, "EndTravelScreen")):
                app.open_travel(end=end)  # what the command palette's entries call
                await wait_for(pilot, lambda name=name: type(app.screen).__name__ == name)
                await look(pilot, name)
                await back_to_browse(pilot)
            for role, keys, name in (("person", "", "RecordScreen"),
                                     ("person", "s", "DossierScreen"),
                                     ("testimony", "e", "EditorScreen"),
                                     ("testimony", "t", "AttachmentsScreen"),
                                     ("person", "L", "ShareDialog"),
                                     ("person", "delete", "ConfirmDialog")):
                app.screen.open_record(ids[role])
                await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen)
                               and app.screen.loaded is not None)
                for key in keys.split():
                    await pilot.press(key)
                await wait_for(pilot, lambda name=name: type(app.screen).__name__ == name)
                await look(pilot, name)
                await back_to_browse(pilot)
    finally:
        i18n.set_language("en")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", ["zh_CN", "zh_Hant", "vi"])
@run_async
async def test_every_error_is_shown_in_the_ui_language(tmp_path: Path, language: str) -> None:
    """Error dialogs and the refusal beside a field carry no English message text: the
    vault's typed errors are shown by type in the UI language; the vault's own English
    message is one key (d) away."""
    from tests.test_tui_record import focus_field, open_record
    from tui.app.screens.dialogs import ErrorDialog
    from vault import errors as vault_errors
    from vault.records.errors import FieldError

    path = tmp_path / "vault"
    ids = make_vault(path)
    chinese = language.startswith("zh")
    english = {"nothing", "was", "the", "try", "again", "refused", "cannot", "vault",
               "changed", "written", "locked"}
    detail = "zzdetail qqmessage"  # stands for the vault's English one-liner
    allowed = ALLOWED | content_words(path) | {"zzdetail", "qqmessage"}
    problems: list[str] = []
    app = TestApp(path, language=language)

    def check(name: str, text: str) -> None:
        if chinese:
            problems.extend(f"{name}: {p}" for p in latin_messages(text, allowed))
        else:  # Vietnamese is Latin script: look for the English words instead
            problems.extend(f"{name}: {w!r}" for w in WORD.findall(text)
                            if w.lower() in english)

    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await unlock(pilot)
            # A real refusal, by keys: lowering a source's pinned name.
            await open_record(pilot, app, ids["source"])
            name = await focus_field(pilot, app, "name")
            await pilot.press("L")
            await wait_for(pilot, lambda: name.error_text)
            check("pinned refusal", name.error_text)
            classes = [c for c in vars(vault_errors).values()
                       if isinstance(c, type) and issubclass(c, vault_errors.VaultError)]
            for cls in [*classes, FieldError]:
                error = (FieldError("notes", detail) if cls is FieldError
                         else cls(detail))
                app.screen.show_error(error)
                await wait_for(pilot, lambda: isinstance(app.screen, ErrorDialog))
                await pilot.pause(0.1)
                assert detail not in screen_text(app), cls.__name__
                dialog = app.screen.query_one(".dialog-box")
                check(cls.__name__, "\n".join(str(w.render()) for w in dialog.query("*")
                                               if w.display and w.visible))
                await pilot.press("d")  # the vault's own words, on request
                await pilot.pause(0.1)
                assert detail in screen_text(app), cls.__name__
                await pilot.press("escape")
                await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
    finally:
        i18n.set_language("en")
    assert not problems, "\n".join(problems)
