"""Shared fixtures. Everything is real: real SQLCipher files, real Argon2id, real files.

The one concession to speed is :func:`insecure_test_kdf`: new vaults in tests use
``crypto.kdf.INSECURE_TEST_PARAMS`` (Argon2id, 8 MiB, 1 pass) instead of the calibrated
~1 second. That is the *only* place tests weaken anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crypto import kdf
from tests.clirun import Result, run_cli
from vault.session import INSECURE_TEST_KDF_ENV, Vault

__all__ = ["PASSPHRASE", "ROOT", "Result", "run_cli", "run_cli_process"]

PASSPHRASE = "correct horse battery staple"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def insecure_test_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small, clearly labelled Argon2id parameters for every vault a test creates."""
    monkeypatch.setenv(INSECURE_TEST_KDF_ENV, "1")


@pytest.fixture(autouse=True)
def evault_state_dir(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> Path:
    """A journal of interrupted commands (vault.leftovers) of the test's own, so one
    test's kill is not swept by another's command nor left in the user's home."""
    path = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("EVAULT_STATE_DIR", str(path))
    return path


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    """Where a test's vault lives (not created yet)."""
    return tmp_path / "vault"


@pytest.fixture
def new_vault(vault_path: Path) -> Iterator[Vault]:
    """A freshly created, unlocked vault with passphrase :data:`PASSPHRASE`."""
    created = Vault.create(vault_path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    try:
        yield created.vault
    finally:
        created.vault.close()


def run_cli_process(args: list[str], stdin: str | bytes = "", env: dict[str, str] | None = None,
                    cwd: Path | None = None, timeout: float = 120) -> Result:
    """Run ``evault`` as a real subprocess (for crash, exit-code and output tests)."""
    full_env = {**os.environ, INSECURE_TEST_KDF_ENV: "1", **(env or {})}
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", *args], input=data, capture_output=True,
        env=full_env, cwd=cwd or ROOT, timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


@pytest.fixture
def cli(vault_path: Path):  # type: ignore[no-untyped-def]
    """``cli("get", "abcd", stdin=...)``: run a command on the test vault in-process,
    with ``--passphrase-stdin`` and the test passphrase as the first stdin line unless
    ``stdin`` is given."""
    def call(*args: str, stdin: str | None = None, passphrase: bool = True) -> Result:
        argv = ["--vault", str(vault_path), *args]
        if passphrase:
            argv.append("--passphrase-stdin")
        return run_cli(argv, PASSPHRASE + "\n" if stdin is None else stdin)
    return call


@pytest.fixture
def cli_vault(new_vault: Vault, cli):  # type: ignore[no-untyped-def]
    """Like :func:`cli`, on a vault that exists (created and then locked)."""
    new_vault.close()
    return cli
