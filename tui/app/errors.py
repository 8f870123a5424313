"""How errors from ``vault/`` are shown: in the UI language, chosen by the error's class.

The vault raises typed errors (:mod:`vault.errors`) with a one-line English message that
never holds a passphrase or record content. ``vault/`` must not import the app, and its
messages are formatted with values when raised, so they cannot be looked up in the
app's catalog. The app therefore translates by *type*: each error class has a translated
title and a translated sentence saying what happened and what to do (the class's own
docstring, as a person reads it). In English the vault's precise message is the body;
in any other language the translated sentence is, and the vault's English message stays
one key away (``d`` in the error dialog) for a helper or a bug report.
"""

from __future__ import annotations

from tui.app.i18n import DEFAULT_LANGUAGE, N_, _, current_language
from vault.errors import (
    IntegrityError,
    InvalidInput,
    NotFound,
    NoVault,
    PolicyRefused,
    ReadOnlyVault,
    StorageError,
    VaultBusy,
    VaultError,
    VaultExists,
    VaultLocked,
    WrongKey,
)

#: (class, title, what to do), most specific class first.
_ERRORS: list[tuple[type[VaultError], str, str]] = [
    (WrongKey, N_("Wrong passphrase"),
     N_("The passphrase or key does not open this vault or bundle. Nothing was changed; "
        "check the keyboard layout and Caps Lock, then try again.")),
    (IntegrityError, N_("Damaged or altered data"),
     N_("Stored data failed a check: it was damaged or tampered with. Nothing was "
        "changed. Restore from a backup if the damage is real.")),
    (PolicyRefused, N_("Refused to protect a source"),
     N_("The protection rules refused this (a pinned field, the leak check, or a file "
        "that cannot be cleaned). Nothing was written.")),
    (VaultLocked, N_("Vault locked"),
     N_("The vault is locked. Unlock it again to continue.")),
    (InvalidInput, N_("Cannot accept this"),
     N_("A value or file cannot be accepted. Nothing was written; check what you typed "
        "or chose and try again.")),
    (NotFound, N_("Not found"),
     N_("No record, file or recipient with that name or id. It may have been deleted.")),
    (VaultBusy, N_("Another evault is writing"),
     N_("Another evault window or command is writing to this vault. Nothing was "
        "changed; try again when it has finished.")),
    (ReadOnlyVault, N_("The vault is read-only"),
     N_("The vault's files or the drive cannot be written. Reading works; changes are "
        "impossible until the vault is on writable media.")),
    (StorageError, N_("Could not write to disk"),
     N_("The disk refused a write (full, read-only or failing). The vault is as it "
        "was; free some space or use another drive.")),
    (NoVault, N_("No vault here"),
     N_("There is no vault at this place. Create one, or choose another folder.")),
    (VaultExists, N_("A vault is already there"),
     N_("A vault already exists at this place and is never overwritten. Choose "
        "another place.")),
]
_OTHER = (N_("Something went wrong"),
          N_("The operation failed and nothing was changed. Try again."))


def _entry(error: VaultError) -> tuple[str, str]:
    for cls, heading, advice in _ERRORS:
        if isinstance(error, cls):
            return heading, advice
    return _OTHER


def title(error: VaultError) -> str:
    """The error's title in the current language."""
    return _(_entry(error)[0])


def message(error: VaultError) -> str:
    """What the person reads: the vault's precise message in English, the translated
    sentence for the error's type in any other language."""
    if current_language() == DEFAULT_LANGUAGE:
        return error.message
    return _(_entry(error)[1])


def translated(error: VaultError) -> bool:
    """True when :func:`message` is not the vault's own message (so the dialog offers
    it as a detail)."""
    return current_language() != DEFAULT_LANGUAGE
