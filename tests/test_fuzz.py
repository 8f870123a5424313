"""A short atheris run of every fuzz target (the long runs are on demand:
``python -m tests.fuzz.run TARGET -max_total_time=600``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fuzz import extra_targets  # noqa: F401
from tests.fuzz.targets import TARGETS

RUNS = 3000


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_short_fuzz_run_finds_nothing(target: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris did not build here; hypothesis covers it")
    # The runner's scratch corpus, the targets' vault and libFuzzer's artifacts (a
    # "slow-unit-…" file in the working directory whenever a loaded machine makes one input
    # take over 10 s) go under the test's own folder: a suite run leaves nothing behind.
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.run", target, f"-runs={RUNS}", "-rss_limit_mb=4096",
         f"-artifact_prefix={tmp_path}/"],
        cwd=ROOT, capture_output=True, timeout=300, env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    err = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, err[-3000:]
    done = re.search(r"Done (\d+) runs", err)
    assert done and int(done.group(1)) >= RUNS, err[-2000:]
