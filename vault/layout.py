"""Where a vault keeps its files, and where the default vault lives."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_PATH = "EVAULT_PATH"


def default_vault_path() -> Path:
    """``$EVAULT_PATH`` if set, else the platform's user data directory (``evault/vault``)."""
    env = os.environ.get(ENV_PATH)
    if env:
        return Path(env).expanduser()
    import platformdirs  # here: ``--vault`` and ``$EVAULT_PATH`` need no look-up

    return Path(platformdirs.user_data_dir("evault", appauthor=False)) / "vault"


@dataclass(frozen=True)
class Layout:
    """The files of one vault directory."""

    root: Path

    @property
    def header(self) -> Path:
        """The key-slot table; destroying it crypto-shreds the vault."""
        return self.root / "header"

    @property
    def next_header(self) -> Path:
        """The header of a key change in progress (see ``Vault._change_keys``)."""
        return self.root / ".header.next"

    @property
    def database(self) -> Path:
        """The SQLCipher database (with ``-wal`` and ``-shm`` beside it)."""
        return self.root / "vault.db"

    @property
    def blobs(self) -> Path:
        """Encrypted attachment bodies under random names."""
        return self.root / "blobs"

    def exists(self) -> bool:
        """True when a header is present (a vault, possibly damaged)."""
        return self.header.is_file()
