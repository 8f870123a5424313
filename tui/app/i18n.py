"""Every string the app shows goes through :func:`_` (gettext, catalogs built with Babel).

Why gettext and compiled ``.mo`` files: translators work in the standard ``.po`` format
with the standard tools (Poedit, Weblate, ``pybabel``), and adding a language is adding
one file (``locale/<code>/LC_MESSAGES/evault.po``, compiled with ``pybabel compile``; see
docs/tui.md). The compiled ``.mo`` files are committed so the app needs no build step;
``tests/test_tui_i18n.py`` fails when a ``.mo`` is stale or a string is untranslated.

The language comes from the vault's ``tui.language`` setting when one is saved, else from
the system locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.support import NullTranslations, Translations

DOMAIN = "evault"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: Languages with a complete catalog, each named in its own language (never translated:
#: a person who cannot read the current language must still find their own).
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文", "zh_Hant": "繁體中文",
                             "vi": "Tiếng Việt"}
#: Regions whose Chinese is written in traditional characters.
HANT_TERRITORIES = frozenset({"TW", "HK", "MO"})
DEFAULT_LANGUAGE = "en"

_translations: gettext.NullTranslations = NullTranslations()
_current = DEFAULT_LANGUAGE


def _(message: str) -> str:
    """The message in the current language (the English text when untranslated)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural form of a message for ``n`` in the current language."""
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (binding descriptions and
    tables built at import time are translated when shown)."""
    return message


def available_languages() -> dict[str, str]:
    """Codes and native names of the languages that have a catalog (English always)."""
    found = {DEFAULT_LANGUAGE: LANGUAGES[DEFAULT_LANGUAGE]}
    for code, name in LANGUAGES.items():
        if (LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
            found[code] = name
    return found


def system_language(environ: dict[str, str] | None = None) -> str:
    """The best available language for the system locale variables."""
    env = os.environ if environ is None else environ
    wanted: list[str] = []
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        for part in value.split(":"):
            code = part.split(".")[0].split("@")[0]
            if code and code not in ("C", "POSIX"):
                wanted.append(code)
        if wanted:
            break
    available = list(available_languages())
    for code in wanted:  # in the user's order of preference
        hant = _traditional_chinese(code)
        if hant and "zh_Hant" in available:
            return "zh_Hant"
        exact = negotiate_locale([code], available, sep="_")
        if exact is not None:
            return exact
        try:  # "zh" or "zh_SG": fall back on the language part
            base = Locale.parse(code, sep="_").language
        except (ValueError, UnknownLocaleError):
            continue
        for have in available:
            if have.split("_")[0] == base:
                return have
    return DEFAULT_LANGUAGE


def _traditional_chinese(code: str) -> bool:
    """``zh_TW``, ``zh_HK``, ``zh_MO`` or ``zh_Hant…``: Chinese in traditional script."""
    try:
        parsed = Locale.parse(code.replace("-", "_"), sep="_")
    except (ValueError, UnknownLocaleError):
        return False
    return parsed.language == "zh" and (parsed.script == "Hant"
                                        or parsed.territory in HANT_TERRITORIES)


def set_language(code: str) -> str:
    """Switch every later :func:`_` call to ``code`` (unknown codes fall back to
    English); returns the code now in use."""
    global _translations, _current
    if code not in available_languages() or code == DEFAULT_LANGUAGE:
        _translations, _current = NullTranslations(), DEFAULT_LANGUAGE
        return _current
    loaded = Translations.load(str(LOCALE_DIR), [code], DOMAIN)
    _translations, _current = loaded, code
    return code


def current_language() -> str:
    """The code of the language in use."""
    return _current
