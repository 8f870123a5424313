"""What screens and widgets may ask of the app, as a typed protocol.

Screens reach the app through this protocol rather than the ``EvaultApp`` class, so
``screens/`` never imports ``app.py`` (which imports the navigation, which imports the
screens): the app's modules form no import cycle (tests/test_tui_navigation.py).
``app.py`` checks that ``EvaultApp`` satisfies it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from tui.app.lock import InactivityLock
from vault.session import Vault


class AppContext(Protocol):
    """The app as a screen sees it."""

    data_version: int
    """Bumped by every write the app makes, so lists know to reload when shown again."""
    idle: InactivityLock
    language: str
    vault: Vault | None
    vault_path: Path
    """Where the vault is (travel mode offers its sealed file beside it)."""

    def session(self) -> Vault:
        """The unlocked vault (VaultLocked when the app is locked)."""

    def switch_language(self, code: str, *, save: bool = True) -> None:
        """Use ``code`` from now on."""

    def subtitle(self) -> str:
        """What the header says under the title."""
