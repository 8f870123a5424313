"""How errors from ``vault/`` are shown: a translated title chosen by the error's class,
and the vault's own one-line message (which never holds a value or passphrase)."""

from __future__ import annotations

from tui.app.i18n import N_, _
from vault.errors import (
    IntegrityError,
    InvalidInput,
    NotFound,
    NoVault,
    PolicyRefused,
    StorageError,
    VaultError,
    VaultExists,
    VaultLocked,
    WrongKey,
)

_TITLES: list[tuple[type[VaultError], str]] = [
    (WrongKey, N_("Wrong passphrase")),
    (IntegrityError, N_("Damaged or altered data")),
    (PolicyRefused, N_("Refused to protect a source")),
    (VaultLocked, N_("Vault locked")),
    (InvalidInput, N_("Cannot accept this")),
    (NotFound, N_("Not found")),
    (StorageError, N_("Could not write to disk")),
    (NoVault, N_("No vault here")),
    (VaultExists, N_("A vault is already there")),
]


def title(error: VaultError) -> str:
    """The error's title in the current language."""
    for cls, text in _TITLES:
        if isinstance(error, cls):
            return _(text)
    return _("Something went wrong")
