"""zh_Hant (Taiwan, Hong Kong) is written in Traditional characters: no msgstr holds a
character that OpenCC's Simplified-to-Traditional conversion would change, except in the
few phrases listed below, which are correct Taiwan usage that OpenCC rewrites."""

from __future__ import annotations

from pathlib import Path

import opencc
from babel.messages.pofile import read_po

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
