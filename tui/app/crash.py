"""What happens when the app meets an error nobody expected.

Textual's default crash handler prints a Rich traceback *with local variables*
(``show_locals=True``), and a local can hold a passphrase, a decrypted field or a file's
content. It can also log to ``$TEXTUAL_LOG`` and save SVG screenshots: plaintext on disk.
Here all of that is replaced by one line naming the exception's type only.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from types import TracebackType

from textual import constants
from textual.worker import WorkerFailed

PROCESS_MESSAGE = ("error: internal error ({name}); no details are shown because they could "
                   "contain vault content")


class InternalError(Exception):
    """Stands in for an unexpected exception, carrying its type name only."""

    def __init__(self, type_name: str) -> None:
        super().__init__(f"internal error ({type_name})")
        self.type_name = type_name


def type_name(error: BaseException) -> str:
    """The name of the exception that really happened (unwrapping a failed worker)."""
    if isinstance(error, WorkerFailed) and error.error is not None:
        error = error.error
    return type(error).__name__


def summary(error: BaseException) -> str:
    """The only thing ever shown about an unexpected error."""
    return PROCESS_MESSAGE.format(name=type_name(error))


def _excepthook(exc_type: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
    sys.stderr.write(PROCESS_MESSAGE.format(name=exc_type.__name__) + "\n")


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    sys.stderr.write(PROCESS_MESSAGE.format(name=args.exc_type.__name__) + "\n")


def _unraisable_hook(args: sys.UnraisableHookArgs) -> None:
    # Errors in __del__ and friends: say nothing about their content either.
    sys.stderr.write(PROCESS_MESSAGE.format(name=args.exc_type.__name__) + "\n")


def _loop_handler(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
    exc = context.get("exception")
    name = type(exc).__name__ if isinstance(exc, BaseException) else "asyncio"
    sys.stderr.write(PROCESS_MESSAGE.format(name=name) + "\n")


def install_process_hooks() -> None:
    """Replace Python's own traceback printers for the app's process and switch off
    Textual's file-writing debug aids. Call before the app starts."""
    sys.excepthook = _excepthook
    threading.excepthook = _thread_hook
    sys.unraisablehook = _unraisable_hook
    # asyncio logs "Task exception was never retrieved" with the exception's message.
    logging.getLogger("asyncio").disabled = True
    harden_textual()


def harden_textual() -> None:
    """Switch off Textual features that would write content outside the vault: the
    ``$TEXTUAL_LOG`` log file, timed screenshots (``$TEXTUAL_SCREENSHOT``)."""
    constants.LOG_FILE = None  # type: ignore[misc] # no plaintext log file, whatever the env says
    constants.SCREENSHOT_DELAY = -1  # type: ignore[misc] # no SVG of decrypted screens on disk
    constants.DEBUG = False  # type: ignore[misc]


def install_loop_handler() -> None:
    """Route errors the running event loop reports through the safe printer."""
    asyncio.get_running_loop().set_exception_handler(_loop_handler)
