"""Process hardening applied at start-up by both front ends.

Why: the master key and decrypted records live in this process's memory. A core dump (a
crash, ``gcore``, a distribution's crash reporter) would write them to disk in the clear,
and a dumpable process can be read by any other process of the same user through
``ptrace`` or ``/proc/PID/mem``. So evault refuses core files (``RLIMIT_CORE`` 0, soft and
hard, so a child cannot raise it back) and, on Linux, marks itself not dumpable
(``PR_SET_DUMPABLE`` 0), which also stops same-user ptrace attach. Python cannot wipe the
memory itself; docs/threat-model.md says what remains.
"""

from __future__ import annotations

import ctypes
import resource
import sys

PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4


def _prctl() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """libc's ``prctl``, looked up among the symbols already loaded into this process
    (``dlopen(NULL)``: Python itself links the C library). Not ``ctypes.util.find_library``:
    on Linux that runs ``ldconfig -p`` in a child process, a fork and an exec on every
    command, ``evault --help`` included."""
    if not sys.platform.startswith("linux"):
        return None
    for name in (None, "libc.so.6"):
        try:
            func = ctypes.CDLL(name, use_errno=True).prctl
        except (OSError, AttributeError):
            continue
        func.restype = ctypes.c_int
        return func
    return None


def harden() -> list[str]:
    """Disable core dumps and ptrace-ability; returns what could not be done (empty when
    all is well; the caller may warn)."""
    failed = []
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        failed.append("core dumps could not be disabled")
    prctl = _prctl()
    if prctl is not None and prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        failed.append("the process could not be made non-dumpable")
    return failed


def is_dumpable() -> bool | None:
    """Whether this process is dumpable (None where the system cannot say)."""
    prctl = _prctl()
    if prctl is None:
        return None
    return bool(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
