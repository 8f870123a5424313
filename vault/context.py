"""What a feature service may use of an unlocked session, and nothing more.

The records and attachments services are built from a :class:`ServiceContext`, not from
:class:`vault.session.Vault`: they read and write through the store, find files through
the layout, stamp times with the clock, and may ask whether writing is allowed. They
cannot unlock, lock, change keys or reach the master key, so what a service can do to the
session is visible in this one small type.

The store is reached through a function, not held: a service kept by a front end after
the vault was locked then raises :class:`~vault.errors.VaultLocked`, as the session does,
instead of touching a closed database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from crypto.schedule import Purpose
from vault.layout import Layout
from vault.store import Clock, Store


class KeyFunction(Protocol):
    """``derived_key(purpose, context=b"")``: a key from the schedule (VaultLocked when
    the vault is locked)."""

    def __call__(self, purpose: Purpose, context: bytes = b"") -> bytes: ...


@dataclass(frozen=True)
class ServiceContext:
    """The parts of an unlocked session a feature service is built from."""

    layout: Layout
    clock: Clock
    open_store: Callable[[], Store]
    derived_key: KeyFunction
    read_only_reason: Callable[[], str | None]

    @property
    def store(self) -> Store:
        """The open store (VaultLocked once the session is locked)."""
        return self.open_store()

    @property
    def read_only(self) -> str | None:
        """Why the vault cannot be written (read-only media…), or None."""
        return self.read_only_reason()
