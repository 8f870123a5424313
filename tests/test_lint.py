"""ruff and mypy --strict are part of the build: a new warning fails the suite."""

from __future__ import annotations

import subprocess
import sys
import tempfile

from tests.conftest import ROOT


def test_ruff_is_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_mypy_strict_is_clean() -> None:
    with tempfile.TemporaryDirectory() as cache:
        proc = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml",
             "--cache-dir", cache], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
