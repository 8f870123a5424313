"""Fuzz harnesses (atheris). ``python -m tests.fuzz.run TARGET -runs=N`` for a run;
``tests/test_fuzz.py`` runs each target briefly in CI."""
