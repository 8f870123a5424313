"""ruff and mypy --strict are part of the build: a new warning fails the suite."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_ruff_is_clean() -> None:
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_mypy_strict_is_clean() -> None:
    # mypy's own incremental cache (``.mypy_cache/``, git-ignored, as ruff's is): a cold
    # run type-checks textual, rich, openpyxl… from scratch (about a minute of CPU), a warm
    # one only what changed. mypy checks each cached module against its source's hash, so
    # the result is the same as a cold run's.
    proc = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
