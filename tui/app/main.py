"""``evault`` with no command: run the app on ``--vault``, ``$EVAULT_PATH`` or the
default path."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.app import crash

if TYPE_CHECKING:
    from tui.app.app import EvaultApp


def run_app(args: argparse.Namespace) -> int:
    """Run the app until the user quits; returns the process exit code."""
    crash.install_process_hooks()
    from tui.app.app import EvaultApp
    from vault.layout import default_vault_path

    given = getattr(args, "vault", None)
    path = Path(given).expanduser() if given else default_vault_path()
    return run(EvaultApp(path))


def run(app: EvaultApp, **options: Any) -> int:
    """Run ``app`` (``options`` go to ``App.run``: the crash test runs it headless) and
    make sure nothing but the type of an unexpected error is printed."""
    try:
        app.run(**options)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: type name only
        sys.stderr.write(crash.summary(exc) + "\n")
        return 1
    finally:
        if app.vault is not None:
            app.vault.lock()
    return int(app.return_code or 0)
