"""Running ``evault`` as a real child process (what a user runs, and what the harness
kills). The in-process runner for the checks after a kill is :mod:`tests.clirun`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from vault.session import INSECURE_TEST_KDF_ENV

ROOT = Path(__file__).resolve().parent.parent.parent


def child_env() -> dict[str, str]:
    """The environment of a child: the test-only weak KDF, this checkout importable."""
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, INSECURE_TEST_KDF_ENV: "1",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


def evault_argv(*args: str) -> list[str]:
    """The command line of a real ``evault`` process."""
    return [sys.executable, "-m", "tui.cli.main", *args]
