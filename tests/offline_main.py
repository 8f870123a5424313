"""Run ``evault`` with the network made impossible.

An audit hook (PEP 578) refuses every internet socket, connection and name lookup
before it happens: ``python -m tests.offline_main ARGS…``. Unix-domain socket pairs stay
allowed, since asyncio uses one as its internal wake-up pipe; they never leave the
process. Any attempt prints ``NETWORK ATTEMPT: <event>`` on stderr and exits 99.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

BLOCKED_EVENTS = {"socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
                  "socket.gethostbyaddr", "socket.getnameinfo", "socket.sendto",
                  "urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect"}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.__new__":
        family = args[1] if len(args) > 1 else None
        if family in (socket.AF_INET, socket.AF_INET6, -1):
            _refuse(event)
    elif event in BLOCKED_EVENTS:
        target = args[1] if len(args) > 1 else None
        if event in ("socket.connect", "socket.bind") and isinstance(target, (str, bytes)):
            return  # AF_UNIX path inside this machine
        _refuse(event)


def _refuse(event: str) -> None:
    os.write(2, f"NETWORK ATTEMPT: {event}\n".encode())
    os._exit(99)


def install() -> None:
    """Install the guard for the rest of this process."""
    sys.addaudithook(_hook)


if __name__ == "__main__":
    install()
    from tui.cli.main import main

    sys.exit(main(sys.argv[1:]))
