"""The travel service (``vault.services.travel``): mark, preview, start, end, status.

Also its check, listed in :mod:`vault.checks` (a start interrupted before its wipe and key
rotation finished) and nothing to repair (finishing needs the passphrase, so ``travel
start`` does it). Built from the session itself: starting a trip rotates its keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pyrage

from crypto import header as hdr
from crypto import travel_key
from crypto.errors import CryptoError, MalformedData
from crypto.schedule import Purpose, derive_key
from vault.errors import IntegrityError, InvalidInput, WrongKey
from vault.travel import marks, restore, seal
from vault.travel.selection import Preview, preview
from vault.travel.state import Trip, open_trip

if TYPE_CHECKING:
    from vault.session import Vault

Progress = Callable[[str], None]


def recipient_from_text(text: str) -> pyrage.x25519.Recipient:
    """An ``age1…`` public key (InvalidInput when it is not one)."""
    try:
        return pyrage.x25519.Recipient.from_str(text.strip())
    except (pyrage.RecipientError, ValueError):
        raise InvalidInput("that is not an age public key (age1…)") from None


def identity_from_file(path: Path) -> pyrage.x25519.Identity:
    """The first ``AGE-SECRET-KEY-1…`` line of an age identity file."""
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        raise InvalidInput(f"cannot read an age identity from {path}") from None
    for line in lines:
        if line.strip().startswith("AGE-SECRET-KEY-1"):
            try:
                return pyrage.x25519.Identity.from_str(line.strip())
            except (pyrage.IdentityError, ValueError):
                break
    raise InvalidInput(f"{path} holds no age identity (AGE-SECRET-KEY-1…)")


class TravelService:
    """Travel mode of one unlocked vault."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    # -- marks -----------------------------------------------------------------------

    def mark(self, ids: Iterable[str], case: str | None = None) -> list[str]:
        """Mark records (or a case and its records) travel-safe."""
        return marks.mark(self._vault, ids, case)

    def unmark(self, ids: Iterable[str], case: str | None = None) -> list[str]:
        """Remove the travel-safe mark."""
        return marks.unmark(self._vault, ids, case)

    def marked(self) -> list[str]:
        """Ids of the travel-safe records."""
        return marks.marked(self._vault)

    def marked_among(self, ids: Iterable[str]) -> set[str]:
        """Which of these record ids are travel-safe (the app's badges)."""
        return marks.marked_among(self._vault, ids)

    # -- state -----------------------------------------------------------------------

    def trip(self) -> Trip | None:
        """The trip in progress (travel mode is on), or None."""
        return open_trip(self._vault.store)

    def active(self) -> bool:
        """True while the vault is in travel mode."""
        return self.trip() is not None

    def preview(self) -> Preview:
        """What ``start`` would seal (counts) and why it would refuse."""
        with self._vault.store.transaction("previewing travel mode") as tx:
            found = preview(tx)
            tx.audit("travel.preview", records=sum(found.records.values()))
        return found

    # -- keys ------------------------------------------------------------------------

    def recovery_recipient(self, recovery_text: str) -> pyrage.x25519.Recipient:
        """The travel recipient of this vault's recovery key, after checking that the key
        typed really is this vault's (WrongKey otherwise): sealing to a mistyped key would
        lose the data for good."""
        try:
            master = hdr.unlock_with_recovery(self._vault.layout.header.read_bytes(),
                                              recovery_text)
        except MalformedData as exc:
            if "recovery key" in str(exc):
                raise WrongKey(f"{exc}; nothing was changed") from None
            raise IntegrityError(f"the vault header is damaged: {exc}") from None
        except CryptoError:
            raise WrongKey("that is not this vault's recovery key; nothing was "
                           "changed") from None
        except OSError:
            raise IntegrityError("the vault header cannot be read") from None
        if derive_key(master, Purpose.HEADER_MAC) != self._vault.derived_key(
                Purpose.HEADER_MAC):
            raise WrongKey("that is not this vault's recovery key; nothing was changed")
        return travel_key.recipient(recovery_text)

    @staticmethod
    def recovery_identity(recovery_text: str) -> pyrage.x25519.Identity:
        """The travel identity of a recovery key as typed (WrongKey if it cannot be one)."""
        try:
            return travel_key.identity(recovery_text)
        except MalformedData as exc:
            raise WrongKey(f"{exc}; nothing was changed") from None

    # -- the trip --------------------------------------------------------------------

    def start(self, out: Path, recipient: pyrage.x25519.Recipient, *, sealed_to: str,
              passphrase: str, progress: Progress | None = None) -> seal.Started:
        """Seal, remove, wipe, rotate (:mod:`vault.travel.seal`)."""
        return seal.start(self._vault, Path(out), recipient, sealed_to=sealed_to,
                          passphrase=passphrase, progress=progress)

    def inspect(self, path: Path, identity: pyrage.x25519.Identity) -> restore.Inspected:
        """Open and check a sealed file (key, vault, trip, signature, every hash) and
        return its manifest's counts, writing nothing: the app's preview before ``end``."""
        return restore.inspect(self._vault, Path(path), identity)

    def end(self, path: Path, identity: pyrage.x25519.Identity,
            progress: Progress | None = None) -> restore.Ended:
        """Restore everything sealed (:mod:`vault.travel.restore`)."""
        return restore.end(self._vault, Path(path), identity, progress=progress)


def check_travel(vault: Vault) -> list[str]:
    """A start that was interrupted after the records left the vault but before their
    files were wiped and the master key rotated."""
    trip = open_trip(vault.store)
    if trip is not None and trip.phase == "sealed":
        return [f"travel mode: the start of trip {trip.trip_id} was interrupted before the "
                "sealed attachments' files were wiped and the keys rotated; run 'evault "
                "travel start' again to finish it"]
    return []
