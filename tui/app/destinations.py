"""Where a screen can ask to go: plain data, and the one message that carries it.

A screen posts ``Go(RecordView(id))`` instead of importing ``RecordScreen``; the message
bubbles to the app, and :mod:`tui.app.navigation` alone maps each destination to the
screen that shows it. Screens therefore never import each other, and adding a screen
means one new destination here and one line in the navigation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message


@dataclass(frozen=True)
class RecordView:
    """One record, read-only; ``focus`` puts the cursor on that field."""

    record_id: str
    focus: str | None = None


@dataclass(frozen=True)
class Editor:
    """Add a record of ``kind`` (no ``record_id``) or edit one."""

    kind: str
    record_id: str | None = None
    focus: str | None = None


@dataclass(frozen=True)
class Attachments:
    """The files bound to a record."""

    record_id: str


@dataclass(frozen=True)
class Export:
    """The export wizard, with a case or records chosen (and a person's dossier)."""

    case: str | None = None
    record_ids: tuple[str, ...] = ()
    dossier: tuple[str, str] | None = None


@dataclass(frozen=True)
class Dossier:
    """A person's sanctions dossier."""

    person_id: str


@dataclass(frozen=True)
class Settings:
    """The settings, with the cursor on ``focus`` (a readiness item's fix)."""

    focus: str | None = None


@dataclass(frozen=True)
class Bundles:
    """Bundles received from partners."""


@dataclass(frozen=True)
class Audit:
    """The audit log."""


@dataclass(frozen=True)
class Travel:
    """Start travel mode, or end it (``end``): docs/travel.md."""

    end: bool = False


@dataclass(frozen=True)
class CreateVault:
    """The creation wizard for a vault at ``path``."""

    path: Path


@dataclass(frozen=True)
class UnlockVault:
    """The passphrase prompt for the vault at ``path``."""

    path: Path
    demo: bool = False
    note: str = ""


Destination = (RecordView | Editor | Attachments | Export | Dossier | Settings | Bundles
               | Audit | Travel | CreateVault | UnlockVault)


class Go(Message):
    """Open ``to`` on top of this screen, or in its place when ``replace``."""

    def __init__(self, to: Destination, *, replace: bool = False) -> None:
        super().__init__()
        self.to = to
        self.replace = replace


__all__ = ["Attachments", "Audit", "Bundles", "CreateVault", "Destination", "Dossier",
           "Editor", "Export", "Go", "RecordView", "Settings", "UnlockVault"]
