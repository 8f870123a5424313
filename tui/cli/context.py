"""What every command receives: parsed arguments, where the vault is, how to ask for
secrets, and a way to open and unlock the vault."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from tui.cli.output import info
from tui.cli.secrets import SecretSource

if TYPE_CHECKING:
    from vault.session import Vault


class Context:
    """Per-invocation state for a command. (A plain class, not a dataclass: importing
    ``dataclasses`` is a noticeable part of ``evault --help``.)"""

    def __init__(self, args: argparse.Namespace, secrets: SecretSource) -> None:
        self.args = args
        self.secrets = secrets

    @property
    def vault_path(self) -> Path:
        """``--vault``, else ``$EVAULT_PATH``, else the platform default."""
        from vault.layout import default_vault_path
        given = getattr(self.args, "vault", None)
        return Path(given).expanduser() if given else default_vault_path()

    @property
    def json(self) -> bool:
        """True when ``--json`` output was asked for (anywhere on the line)."""
        return bool(getattr(self.args, "json", False))

    def locked_vault(self) -> Vault:
        """The vault, opened but locked; its header is checked before anything is asked."""
        from vault.session import Vault
        vault = Vault.open(self.vault_path, actor="cli")
        vault.header_params()  # a damaged header is exit 4 before any prompt
        return vault

    def unlocked_vault(self) -> Vault:
        """The vault, unlocked with the passphrase."""
        vault = self.locked_vault()
        passphrase = self.secrets.ask("Passphrase: ")
        if sys.stdin.isatty() and not self.secrets.from_stdin:
            info("unlocking…")
        vault.unlock(passphrase)
        if vault.unclean:
            info("note: this vault was not closed cleanly: an evault process was killed, "
                 "or this folder is a copy made while evault was running. Run 'evault "
                 "check'; to copy a vault, use 'evault backup'")
        if vault.read_only:
            info(f"note: {vault.read_only}; reading works, but nothing can be written "
                 "(not even the audit entries of extract and backup)")
        return vault


Handler = Callable[[Context], int]


class Command(NamedTuple):
    """One subcommand: how to configure its parser and how to run it."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Handler


#: Every subcommand, registered by the modules listed in :mod:`tui.cli.main`.
COMMANDS: list[Command] = []


def command(name: str, help: str,
            configure: Callable[[argparse.ArgumentParser], None] | None = None
            ) -> Callable[[Handler], Handler]:
    """Register a subcommand (decorator on its handler)."""
    def register(run: Handler) -> Handler:
        COMMANDS.append(Command(name, help, configure or (lambda _p: None), run))
        return run
    return register


def json_flag(parser: argparse.ArgumentParser) -> None:
    """Add the ``--json`` output flag to a read command (it may also come before the
    subcommand, so the default is SUPPRESS to keep a value given there)."""
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of text")
