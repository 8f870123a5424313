"""Every error the vault layer raises for something a user did or met.

Each carries the process exit code of DESIGN.md and a one-line message a frightened user
can act on. Messages never contain a passphrase, a key or record content: they name
records by id and fields by name only.
"""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_WRONG_KEY = 3
EXIT_INTEGRITY = 4
EXIT_POLICY = 5


class VaultError(Exception):
    """Base of all vault errors: a message for the user and an exit code."""

    exit_code = EXIT_FAILED
    title = "Something went wrong"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoVault(VaultError):
    """There is no vault at the path. Create one with ``evault init`` or name another
    with ``--vault``."""

    title = "No vault here"


class VaultExists(VaultError):
    """``init`` or a backup would overwrite an existing vault: refused, always."""

    title = "A vault is already there"


class WrongKey(VaultError):
    """The passphrase, recovery key or identity does not open this vault or bundle.
    Nothing was changed; try again."""

    exit_code = EXIT_WRONG_KEY
    title = "Wrong passphrase"


class IntegrityError(VaultError):
    """Stored data failed a check: it was damaged or tampered with. Nothing was changed.
    Restore from a backup if the damage is real."""

    exit_code = EXIT_INTEGRITY
    title = "Damaged or altered data"


class PolicyRefused(VaultError):
    """The redaction policy refused the operation (a pinned field, the leak gate, an
    attachment with no sanitizer). Nothing was written."""

    exit_code = EXIT_POLICY
    title = "Refused to protect a source"


class VaultLocked(VaultError):
    """The vault is locked or closed; unlock it again."""

    title = "Vault locked"


class InvalidInput(VaultError):
    """A value, file or command argument that cannot be accepted; the message says which
    and why. Nothing was written."""

    title = "Cannot accept this"


class NotFound(VaultError):
    """No record (or attachment, recipient…) with that id or name."""

    title = "Not found"


class StorageError(VaultError):
    """The disk refused a write (full, read-only, I/O error). The vault is as it was."""

    title = "Could not write to disk"


class VaultBusy(StorageError):
    """Another evault process (or the app) held the vault's write lock for longer than
    we wait. Nothing was changed; try again when the other command has finished."""

    title = "Another evault is writing"


class ReadOnlyVault(StorageError):
    """The vault's files or the medium cannot be written (read-only media, another
    user's files). Reading works; writes are impossible until that changes."""

    title = "The vault is read-only"
