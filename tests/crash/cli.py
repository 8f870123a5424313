"""Running ``evault``: in this process (fast, for the checks after a kill) or as a real
child process (what a user runs, and what the harness kills).

The in-process runner needs no pytest, so the soak can use it outside the test suite.
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from vault.session import INSECURE_TEST_KDF_ENV

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class Ran:
    """Exit code and output of one ``evault`` run."""

    code: int
    out: str
    err: str


def run_here(args: list[str], stdin: str = "") -> Ran:
    """``evault ARGS`` in this process, with ``stdin`` as standard input."""
    from tui.cli.main import main

    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = main(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return Ran(code, out.getvalue(), err.getvalue())


def child_env() -> dict[str, str]:
    """The environment of a child: the test-only weak KDF, this checkout importable."""
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, INSECURE_TEST_KDF_ENV: "1",
            "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


def evault_argv(*args: str) -> list[str]:
    """The command line of a real ``evault`` process."""
    return [sys.executable, "-m", "tui.cli.main", *args]
