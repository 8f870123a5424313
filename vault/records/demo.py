"""The demo vault: a realistic, clearly fictional data set, so every screen has something
to show and a new user can try everything without typing real testimony.

Its passphrase is ``demo`` and is printed when it is made: the data is invented (see
:mod:`vault.records.demo_text`), so there is nothing to protect. The same seed gives the
same data. ``--force`` replaces only a vault that opens with ``demo`` and is marked as a
demo vault; a real vault is never overwritten.
"""

from __future__ import annotations

import contextlib
import random
from pathlib import Path

from crypto import kdf
from vault.errors import VaultExists, WrongKey
from vault.layout import Layout
from vault.records.demo_events import DemoBuilder
from vault.session import Created, Vault, wipe

DEMO_PASSPHRASE = "demo"  # noqa: S105 - public on purpose: the demo data is fictional
DEFAULT_SEED = 2024
#: The setting that marks a demo vault (so ``--force`` can tell it from a real one).
DEMO_SETTING = "demo"


def refuse_to_replace(path: Path, *, force: bool) -> None:
    """VaultExists unless ``path`` is free, or ``force`` and it holds a demo vault."""
    if not path.exists() or (path.is_dir() and not any(path.iterdir())):
        return
    if not force:
        raise VaultExists(f"{path} already exists; the demo never overwrites anything "
                          "(choose another place with --vault)")
    if not Layout(path).exists():
        raise VaultExists(f"{path} is not a vault; --force only replaces a demo vault")
    try:
        with Vault.open(path) as old:
            old.unlock(DEMO_PASSPHRASE)
            is_demo = old.store.setting(DEMO_SETTING) is not None
    except WrongKey:
        is_demo = False
    if not is_demo:
        raise VaultExists(f"the vault at {path} is not a demo vault; --force only replaces a "
                          "demo vault, never a real one")


def create(path: Path, *, params: kdf.KdfParams | None = None, kdf_note: str | None = None,
           seed: int = DEFAULT_SEED, force: bool = False) -> Created:
    """Make a demo vault at ``path`` (refused as :func:`refuse_to_replace` says) and fill it.
    A failure part-way removes the half-made demo vault."""
    refuse_to_replace(path, force=force)
    if force and Layout(path).exists():
        wipe(path)
    created = Vault.create(path, DEMO_PASSPHRASE, params=params, kdf_note=kdf_note,
                           actor="demo")
    try:
        populate(created.vault, seed)
        created.vault.store.set_setting(DEMO_SETTING, {"seed": seed})
    except BaseException:
        created.vault.close()
        with contextlib.suppress(Exception):
            wipe(path)
        raise
    return created


def populate(vault: Vault, seed: int = DEFAULT_SEED) -> dict[str, list[str]]:
    """Fill ``vault`` with the demo records; returns their ids by kind."""
    return DemoBuilder(vault.services.records, random.Random(seed)).build()
