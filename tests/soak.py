"""``python -m tests.soak --iterations N [--seed S]``: the crash soak (see
:mod:`tests.crash.soak` and docs/reliability.md)."""

from __future__ import annotations

import sys

from tests.crash.soak import main

if __name__ == "__main__":
    sys.exit(main())
