"""The partner side of bundles: verify, open, import.

``verify_bundle`` decrypts in memory and checks the signature and every hash;
``open_bundle`` writes a verified bundle into a folder; ``import_bundle`` stores its
records in the partner's own vault. Nothing is written unless everything verified.

The names are loaded on first use (PEP 562): importing ``vault.bundle.schema`` (which
every unlock does, to check the schema is current) must not load age, minisign and the
word list, which ``evault list`` never needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crypto.signing import PublicKey
    from vault.bundle import senders
    from vault.bundle.importer import Imported
    from vault.bundle.reader import Identity, load_identity
    from vault.bundle.verify import Verified, parse_signer, verify_bundle
    from vault.session import Vault

__all__ = ["Identity", "Imported", "Verified", "import_bundle", "load_identity",
           "open_bundle", "parse_signer", "senders", "verify_bundle"]

#: Where each lazily loaded name lives.
_HOMES = {"Imported": "importer", "Identity": "reader",
          "load_identity": "reader", "Verified": "verify", "parse_signer": "verify",
          "verify_bundle": "verify"}


def __getattr__(name: str) -> object:
    import importlib

    if name == "senders":
        return importlib.import_module("vault.bundle.senders")
    if name in _HOMES:
        return getattr(importlib.import_module(f"vault.bundle.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'vault.bundle' has no attribute {name!r}")


def open_bundle(path: Path, identity: Identity | None, dest: Path,
                signer: PublicKey | None = None) -> tuple[Verified, list[str]]:
    """Verify, then write the bundle's files into ``dest`` (new or empty folder)."""
    from vault.bundle.unpack import unpack
    from vault.bundle.verify import verify_bundle

    verified = verify_bundle(path, identity, signer)
    return verified, unpack(verified, dest)


def import_bundle(vault: Vault, path: Path, identity: Identity | None,
                  signer: PublicKey | None = None,
                  trust_as: str | None = None) -> tuple[Verified, Imported]:
    """Verify, then import the bundle's records into ``vault`` (all or nothing) if its
    sender is known, or trusted now as ``trust_as`` (see :mod:`vault.bundle.senders`)."""
    from vault.bundle.importer import import_verified
    from vault.bundle.verify import verify_bundle

    verified = verify_bundle(path, identity, signer)
    return verified, import_verified(vault, verified, trust_as)
