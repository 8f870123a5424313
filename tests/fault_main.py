"""Run ``evault`` with a fault injected after the vault is unlocked.

``python -m tests.fault_main FAULT ARGS…``. The fault raises an unexpected exception
whose message and local variables hold the passphrase and record content, the worst
case for a crash handler. Nothing of the CLI itself is replaced: only the dependency
that fails.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from vault.records.service import RecordService
from vault.session import Vault


def _after_unlock(exc_type: type[Exception]) -> None:
    original = Vault.unlock

    def unlock(self: Vault, passphrase: str) -> None:
        original(self, passphrase)
        secret_in_scope = passphrase  # noqa: F841 - a local a traceback would print
        raise exc_type(f"unexpected failure holding {passphrase}")

    Vault.unlock = unlock  # type: ignore[method-assign]


def _in_get() -> None:
    original = RecordService.get

    def get(self: RecordService, record_id: str) -> Any:
        record = original(self, record_id)
        raise KeyError(str(record.fields))

    RecordService.get = get  # type: ignore[method-assign]


def _in_thread() -> None:
    original = RecordService.get

    def get(self: RecordService, record_id: str) -> Any:
        record = original(self, record_id)

        def work() -> None:
            raise RuntimeError(str(record.fields))

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return record

    RecordService.get = get  # type: ignore[method-assign]


FAULTS = {
    "unlock-runtime": lambda: _after_unlock(RuntimeError),
    "unlock-value": lambda: _after_unlock(ValueError),
    "get-keyerror": _in_get,
    "thread": _in_thread,
}

if __name__ == "__main__":
    FAULTS[sys.argv[1]]()
    from tui.cli.main import main

    sys.exit(main(sys.argv[2:]))
