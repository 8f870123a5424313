"""Secrets in output: the CLI forced into unexpected exceptions with a canary passphrase
and canary record content in scope; the canaries appear in no output stream and no file.
(The app's crash handler has its own test in tests/test_tui_*.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.canaries import forms
from tests.conftest import ROOT
from vault.session import INSECURE_TEST_KDF_ENV

PASS_CANARY = "PASSCANARY-41d9-口令"
CONTENT_CANARY = "CONTENTCANARY-8c2e-证词"


def run(fault: str | None, args: list[str], cwd: Path,
        stdin: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, INSECURE_TEST_KDF_ENV: "1", "TMPDIR": str(cwd), "PYTHONPATH": str(ROOT)}
    module = ["-m", "tests.fault_main", fault] if fault else ["-m", "tui.cli.main"]
    return subprocess.run([sys.executable, *module, *args], input=stdin.encode(),
                          capture_output=True, env=env, cwd=cwd, timeout=120)


@pytest.fixture
def record(tmp_path: Path) -> tuple[Path, str]:
    vault = tmp_path / "v"
    base = ["--vault", str(vault), "--passphrase-stdin"]
    assert run(None, ["init", *base], tmp_path, PASS_CANARY + "\n").returncode == 0
    data = tmp_path / "in.json"
    data.write_text(json.dumps({"name": CONTENT_CANARY}), encoding="utf-8")
    proc = run(None, ["add", "person", "--json", str(data), *base], tmp_path, PASS_CANARY + "\n")
    assert proc.returncode == 0, proc.stderr
    data.unlink()
    return vault, proc.stdout.decode().strip()


@pytest.mark.parametrize("fault,command", [
    ("unlock-runtime", ["check"]), ("unlock-value", ["list"]),
    ("get-keyerror", ["get", "{id}"]), ("thread", ["get", "{id}", "--json"]),
])
def test_canaries_in_no_stream_and_no_file(tmp_path: Path, record: tuple[Path, str],
                                           fault: str, command: list[str]) -> None:
    vault, record_id = record
    args = [a.replace("{id}", record_id) for a in command]
    proc = run(fault, ["--vault", str(vault), "--passphrase-stdin", *args], tmp_path,
               PASS_CANARY + "\n")
    # In the thread case the command itself succeeds and prints the record it was asked
    # for on stdout; the failing thread's report (stderr) must hold nothing.
    streams = proc.stderr if fault == "thread" else proc.stdout + proc.stderr
    if fault == "thread":
        assert b"internal error (RuntimeError)" in proc.stderr
    else:
        assert proc.returncode == 1
        assert b"internal error" in proc.stderr
    assert b"Traceback" not in streams
    for canary in (PASS_CANARY, CONTENT_CANARY):
        for form in forms(canary):
            assert form not in streams
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for canary in (PASS_CANARY, CONTENT_CANARY):
                assert not any(f in data for f in forms(canary)), path


def test_the_fault_really_carries_the_canaries(tmp_path: Path, record: tuple[Path, str]) -> None:
    """Without evault's handler (plain Python running the same fault), the canary would
    be printed: proof the test above can fail."""
    vault, record_id = record
    code = ("import sys, tests.fault_main as f; f.FAULTS['get-keyerror'](); "
            "from vault.session import Vault; "
            f"v = Vault.open({str(vault)!r}); v.unlock({PASS_CANARY!r}); "
            f"v.services.records.get({record_id!r})")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT,
                          env={**os.environ, INSECURE_TEST_KDF_ENV: "1"}, timeout=60)
    assert CONTENT_CANARY.encode() in proc.stderr
