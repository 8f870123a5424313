"""Running ``evault`` in this process: fast, and with no pytest, so both the test suite
(through tests/conftest.py) and the crash soak (``python -m tests.soak``) use it."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass


@dataclass
class Result:
    """Exit code and output of one ``evault`` run."""

    code: int
    out: str
    err: str


def run_cli(args: list[str], stdin: str = "") -> Result:
    """``evault ARGS`` in this process, with ``stdin`` as standard input; never raises."""
    from tui.cli.main import main

    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = main(args)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return Result(code, out.getvalue(), err.getvalue())
