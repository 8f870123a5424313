"""Asking for passphrases and keys: on the terminal without echo, or line by line from
standard input with ``--passphrase-stdin`` (for scripts and tests)."""

from __future__ import annotations

import getpass
import sys

from vault.errors import InvalidInput


class UsageError(Exception):
    """The command line cannot go on as given (exit 2)."""


def _has_terminal() -> bool:
    """True when the process has a controlling terminal getpass can ask on."""
    try:
        with open("/dev/tty", "rb"):
            return True
    except OSError:
        return False


class SecretSource:
    """Hands out secrets in the order a command asks for them."""

    def __init__(self, from_stdin: bool) -> None:
        self.from_stdin = from_stdin

    def _line(self, what: str) -> str:
        line = sys.stdin.readline()
        if not line:
            raise InvalidInput(f"expected the {what} on standard input, found nothing")
        return line.removesuffix("\n").removesuffix("\r")

    def ask(self, prompt: str, what: str = "passphrase") -> str:
        """One secret."""
        if self.from_stdin:
            return self._line(what)
        if not sys.stdin.isatty() and not _has_terminal():
            # Standard input may carry data (``echo JSON | evault add … --json -``):
            # getpass asks on the controlling terminal, so only its absence is an error.
            raise UsageError(
                f"no terminal to ask for the {what}; pass --passphrase-stdin to read it "
                "from standard input"
            )
        try:
            return getpass.getpass(prompt)
        except EOFError:
            raise InvalidInput(f"no {what} given") from None

    def ask_new(self, what: str = "new passphrase") -> str:
        """A new secret: twice on a terminal (a mistyped confirmation is refused), once
        from standard input."""
        first = self.ask(f"{what.capitalize()}: ", what)
        if not first:
            raise InvalidInput("the passphrase is empty; choose a long one (several words)")
        if not self.from_stdin:
            again = self.ask(f"{what.capitalize()} again: ", what)
            if again != first:
                raise InvalidInput("the two passphrases differ; nothing was changed")
        return first
