"""The ``evault`` command line. Entry point: :func:`tui.cli.main.main`.

This package's import runs before any other module of the command line (and before the
libraries that call the clock while they load, such as :mod:`logging`): a system clock
set past 2262-04-11 makes every clock call raise OverflowError, which would otherwise be
a traceback at import time. Say what is wrong instead, in one line.
"""

from __future__ import annotations

import sys
import time

try:
    time.time()
except OverflowError:  # pragma: no cover - exercised in a subprocess by the tests
    sys.stderr.write("error: the system clock is set to a date this program cannot handle "
                     "(after the year 2262); set the correct date and time, then try "
                     "again\n")
    raise SystemExit(1) from None
