"""``evault``: parse the line, run one command, map every error to its exit code.

No traceback ever reaches the terminal: vault errors print ``error: …`` with their exit
code; anything unexpected prints its type only (a message or a local variable could hold
record content or a passphrase) and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
from collections.abc import Sequence

from tui.cli.context import COMMANDS, Context
from tui.cli.secrets import SecretSource, UsageError
from vault.errors import EXIT_FAILED, EXIT_USAGE, VaultError
from vault.process import harden

#: Modules that register subcommands, in the order they appear in ``--help``.
COMMAND_MODULES = [
    "tui.cli.vault_cmds",
    "tui.cli.record_cmds",
    "tui.cli.search_cmds",
    "tui.cli.import_cmds",
    "tui.cli.attachment_cmds",
    "tui.cli.export_cmds",
    "tui.cli.bundle_cmds",
    "tui.cli.dossier_cmds",
    "tui.cli.travel_cmds",
]


def _load_commands() -> None:
    if COMMANDS:
        return
    for name in COMMAND_MODULES:
        importlib.import_module(name)


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--vault", metavar="PATH", default=default,
                        help="the vault directory (default: $EVAULT_PATH or the user data dir)")
    parser.add_argument("--passphrase-stdin", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="read the passphrase (and any further secret) from stdin lines")


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the line, found without parsing it: the first word that
    is not an option or the value of ``--vault`` (or an abbreviation of it, as argparse
    allows). None when there is none, it is not a command, or the top level's help comes
    first."""
    names = {cmd.name for cmd in COMMANDS}
    takes_value = False
    for arg in argv:
        if takes_value:
            takes_value = False
        elif arg.startswith("-"):
            takes_value = len(arg) >= 3 and "--vault".startswith(arg)
            if arg in ("--", "-h", "--help"):
                return None  # the top level's help lists every command
        else:
            return arg if arg in names else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line (also used by the docs test), or with ``only`` the top
    level and that one subcommand: building all ~30 subparsers (argparse looks up a
    translation of its own strings for each, a few file look-ups every time) is a
    noticeable part of a short command such as ``evault list``. ``evault --help`` and a
    misspelt command get the whole parser, so they list every command."""
    _load_commands()
    parser = argparse.ArgumentParser(
        prog="evault",
        description="An offline, encrypted evidence vault. With no command, opens the app.",
    )
    _common(parser, top=True)
    parser.add_argument("--json", action="store_true", default=False,
                        help="JSON output for read commands")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS:
        if only is not None and cmd.name != only:
            continue
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        _common(p, top=False)
        cmd.configure(p)
        p.set_defaults(handler=cmd.run)
    return parser


def _quiet_excepthook(exc_type: type[BaseException], exc: BaseException,
                      tb: object) -> None:
    sys.stderr.write(f"error: internal error ({exc_type.__name__}); no details are shown "
                     "because they could contain vault content\n")


def _quiet_thread_hook(args: threading.ExceptHookArgs) -> None:
    _quiet_excepthook(args.exc_type, args.exc_value or Exception(), args.exc_traceback)


def run(argv: Sequence[str] | None = None) -> int:
    """Parse and run; may raise VaultError (handled by :func:`main`)."""
    words = sys.argv[1:] if argv is None else argv
    _load_commands()
    parser = build_parser(chosen_command(words))
    args = parser.parse_args(words)  # exits here for --help: nothing below is loaded
    from vault import leftovers

    for line in leftovers.sweep():
        sys.stderr.write(f"note: {line}\n")
    if args.command is None:
        from tui.launch import launch_app

        return launch_app(args)
    ctx = Context(args=args, secrets=SecretSource(bool(args.passphrase_stdin)))
    return int(args.handler(ctx))


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point."""
    harden()  # before any key or record is in memory: no core file, no ptrace
    sys.excepthook = _quiet_excepthook
    threading.excepthook = _quiet_thread_hook
    try:
        code = run(argv)
    except VaultError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        code = exc.exit_code
    except UsageError as exc:
        sys.stderr.write(f"error: {exc}\n")
        code = EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        code = 130
    except BrokenPipeError:
        code = EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        _quiet_excepthook(type(exc), exc, None)
        code = EXIT_FAILED
    finally:
        sys.stdout.flush()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
