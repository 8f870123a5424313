"""``evault`` with no command: open the Textual app.

Kept apart from :mod:`tui.cli.main` so the command line never imports textual."""

from __future__ import annotations

import argparse
import sys


def launch_app(args: argparse.Namespace) -> int:
    """Start the app on the chosen vault (or the creation wizard / demo)."""
    try:
        from tui.app.main import run_app
    except ModuleNotFoundError:
        sys.stderr.write("the app is not available in this build; see 'evault --help'\n")
        return 2
    return int(run_app(args))
