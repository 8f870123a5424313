"""The crash harness: a real evault process writing, SIGKILL at a random moment, then a
reopen that checks every promise of "nothing is lost".

- :mod:`tests.crash.workload` — deterministic test data (records, CSV files, attachment
  files) shared by the child and the parent, so the parent knows exactly what was written.
- :mod:`tests.crash.driver` — the child: one process doing a sequence of writes through
  the vault facade, printing ``BEGIN``/``DONE`` lines (flushed) around each one.
- :mod:`tests.crash.model` — what the vault holds (snapshots) and what it must hold after a
  kill, given the lines the child printed.
- :mod:`tests.crash.harness` — runs the child (the driver, or a real ``evault`` command),
  kills it, reopens and verifies.
- :mod:`tests.crash.soak` — the long run (``python -m tests.soak --iterations N``).

See docs/reliability.md ("Crash") for what is checked and the figures of the last runs.
"""
