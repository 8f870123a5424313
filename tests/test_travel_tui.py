"""The app's header says when the vault is in travel mode (and only then)."""

from __future__ import annotations

from pathlib import Path

import pyrage

from crypto import kdf
from tests.tui_support import PASSPHRASE, TestApp, run_async, unlock, wait_for
from vault.session import Vault


def _vault(path: Path, travelling: bool) -> None:
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    with created.vault as vault:
        records = vault.services.records
        kept = records.add("person", {"name": "Shown at the border"})
        records.add("person", {"name": "Sealed away"})
        travel = vault.services.travel
        travel.mark([kept])
        if travelling:
            key = pyrage.x25519.Identity.generate().to_public()
            travel.start(path.parent / "sealed.age", key, sealed_to="recipient",
                         passphrase=PASSPHRASE)


async def _header(path: Path) -> str:
    app = TestApp(path, language="en")
    async with app.run_test(size=(110, 40)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: app.screen.sub_title)
        return str(app.screen.sub_title)


@run_async
async def test_the_header_says_travel_mode_is_on(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    _vault(path, travelling=True)
    title = await _header(path)
    assert "TRAVEL MODE" in title and str(path) in title


@run_async
async def test_the_header_says_nothing_of_travel_otherwise(tmp_path: Path) -> None:
    path = tmp_path / "vault"
    _vault(path, travelling=False)
    assert "TRAVEL" not in await _header(path)
