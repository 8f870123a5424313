"""zh_Hant (Taiwan, Hong Kong) is written in Traditional characters: no msgstr holds a
character that OpenCC's Simplified-to-Traditional conversion would change, except in the
few phrases listed below, which are correct Taiwan usage that OpenCC rewrites."""

from __future__ import annotations

from pathlib import Path

import opencc
from babel.messages.pofile import read_po

from tests.test_tui_record import open_record
from tests.tui_support import TestApp, make_vault, run_async, unlock
from tui.app import i18n

PO = Path(i18n.__file__).resolve().parent / "locale" / "zh_Hant" / "LC_MESSAGES" / "evault.po"
#: Phrases that are right in Taiwan although OpenCC's 's2t' changes them, with why.
TAIWAN_USAGE = {
    "游標",  # cursor: the Ministry of Education dictionary writes 游標, not 遊標
}


def _outside_allowed(text: str) -> str:
    for phrase in TAIWAN_USAGE:
        text = text.replace(phrase, "")
    return text


def test_every_zh_hant_string_is_traditional() -> None:
    s2t = opencc.OpenCC("s2t")
    wrong = []
    for message in read_po(PO.open("rb")):
        if not message.id:
            continue
        text = _outside_allowed(str(message.string))
        # Character by character too: a phrase table can miss a lone simplified
        # character (准備 passes 's2t' as a whole string; 准 -> 準 alone does not).
        simplified = [c for c in text if s2t.convert(c) != c]
        if s2t.convert(text) != text or simplified:
            wrong.append(f"{message.string!r}: {simplified}")
    assert not wrong, "\n".join(wrong)


@run_async
async def test_field_labels_and_codes_are_traditional_in_zh_hant(tmp_path: Path) -> None:
    """The registry's Chinese labels are Simplified; in zh_Hant the record view shows
    them in Traditional characters (OpenCC at display time)."""
    path = tmp_path / "vault"
    ids = make_vault(path)
    s2t = opencc.OpenCC("s2t")
    app = TestApp(path, language="zh_Hant")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await unlock(pilot)
            await open_record(pilot, app, ids["person"])
            shown = [str(w.render()) for w in app.screen.query(".field-label")]
            shown += [str(w.render()) for w in app.screen.query(".field-value")]
            assert any("職" in text or "姓名" in text for text in shown), shown
            simplified = {text: [c for c in _outside_allowed(text) if s2t.convert(c) != c]
                          for text in shown}
            assert not any(simplified.values()), simplified
    finally:
        i18n.set_language("en")
