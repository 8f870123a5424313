"""Run one fuzz target with atheris (libFuzzer options pass through).

    python -m tests.fuzz.run header -runs=100000
    python -m tests.fuzz.run stream -max_total_time=600

Seeds come from ``tests/corpus/fuzz/<target>/`` when that directory exists. libFuzzer
prints ``Done N runs`` on stderr at the end.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "fuzz"


USAGE = "usage: python -m tests.fuzz.run TARGET [libFuzzer options]\n"


def _targets() -> dict[str, object]:
    """The registered targets, without instrumenting (for --help and a wrong name)."""
    from tests.fuzz import extra_targets  # noqa: F401 - registers feature targets
    from tests.fuzz.targets import TARGETS
    return dict(TARGETS)


def _usage(names: list[str]) -> str:
    return (USAGE + "\n" + (__doc__ or "") + "\ntargets: " + ", ".join(sorted(names)) + "\n")


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        out = sys.stdout if len(sys.argv) >= 2 else sys.stderr
        out.write(_usage(list(_targets())))
        sys.exit(0 if len(sys.argv) >= 2 else 2)
    name, options = sys.argv[1], sys.argv[2:]
    os.environ.setdefault("EVAULT_INSECURE_TEST_KDF", "1")
    # Our code (and openpyxl, whose XML the importer feeds): instrumenting every library
    # vault.services pulls in (PyMuPDF, Pillow, pikepdf, …) costs ~25 s per run.
    with atheris.instrument_imports(include=["crypto", "vault", "tests", "openpyxl"]):
        from tests.fuzz import extra_targets  # registers feature targets
        from tests.fuzz.targets import TARGETS
    if name not in TARGETS:
        sys.stderr.write(f"error: no fuzz target {name!r}\n")
        sys.stderr.write(_usage(list(TARGETS)))
        sys.exit(2)
    target = TARGETS[name]

    def one(data: bytes) -> None:
        target(data)

    seeds = CORPUS / name
    # libFuzzer writes new inputs into the first corpus directory: a scratch one, so the
    # committed seeds stay as they are. libFuzzer ends the process without running atexit
    # handlers, so each run removes the scratch folders of runs that have ended (they
    # used to pile up in /tmp, one per target per suite run).
    prefix = f"evault-fuzz-{name}-"
    extra_targets._sweep(prefix)
    scratch = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")
    argv = [sys.argv[0], *options, scratch]
    if seeds.is_dir():
        argv.append(str(seeds))
    atheris.Setup(argv, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
