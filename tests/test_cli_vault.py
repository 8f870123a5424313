"""The vault commands through the real command line: exit codes, output contracts."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crypto.signing import PublicKey
from tests.conftest import PASSPHRASE, ROOT, run_cli, run_cli_process
from vault.session import INSECURE_TEST_KDF_ENV


def init(vault: Path, passphrase: str = PASSPHRASE) -> str:
    res = run_cli(["--vault", str(vault), "init", "--passphrase-stdin"], passphrase + "\n")
    assert res.code == 0, res.err
    lines = [ln for ln in res.out.splitlines() if ln.startswith("recovery key: ")]
    assert len(lines) == 1
    return lines[0].removeprefix("recovery key: ")


def test_every_vault_command_round_trips(tmp_path: Path) -> None:
    v = tmp_path / "v"
    key = init(v)
    base = ["--vault", str(v), "--passphrase-stdin"]
    who = run_cli(["whoami", *base], PASSPHRASE + "\n")
    assert who.code == 0
    assert who.out.startswith("untrusted comment: ")
    PublicKey.from_minisign(who.out)
    assert run_cli(["check", *base], PASSPHRASE + "\n").code == 0
    assert run_cli(["passwd", *base], f"{PASSPHRASE}\nsecond passphrase for this test\n").code == 0
    assert run_cli(["check", *base], PASSPHRASE + "\n").code == 3
    assert run_cli(["recover", *base], f"{key}\nthird passphrase for this test\n").code == 0
    assert run_cli(["check", *base], "third passphrase for this test\n").code == 0
    third = "third passphrase for this test\n"
    assert run_cli(["backup", "--to", str(tmp_path / "b"), *base], third).code == 0
    assert run_cli(["check", "--vault", str(tmp_path / "b"), "--passphrase-stdin"],
                   "third passphrase for this test\n").code == 0
    assert run_cli(["wipe", "--panic", "--yes", "--vault", str(v)]).code == 0
    assert not v.exists()
    assert run_cli(["check", *base], "third passphrase for this test\n").code == 1


def test_global_options_anywhere(tmp_path: Path) -> None:
    v = tmp_path / "v"
    init(v)
    for argv in (["--vault", str(v), "--json", "--passphrase-stdin", "check"],
                 ["check", "--json", "--vault", str(v), "--passphrase-stdin"],
                 ["--passphrase-stdin", "check", "--vault", str(v), "--json"]):
        res = run_cli(argv, PASSPHRASE + "\n")
        assert res.code == 0, (argv, res.err)
        assert res.out.lstrip().startswith("{")


def test_init_refusals(tmp_path: Path) -> None:
    v = tmp_path / "v"
    assert run_cli(["--vault", str(v), "init", "--passphrase-stdin"], "\n").code == 1
    assert not v.exists()
    init(v)
    before = (v / "header").read_bytes()
    res = run_cli(["--vault", str(v), "init", "--passphrase-stdin"], "other\n")
    assert res.code == 1 and "already exists" in res.err
    assert (v / "header").read_bytes() == before


def test_wrong_passphrase_and_recovery_key_exit_3(tmp_path: Path) -> None:
    v = tmp_path / "v"
    key = init(v)
    before = (v / "header").read_bytes()
    res = run_cli(["--vault", str(v), "passwd", "--passphrase-stdin"], "wrong\nnew\n")
    assert res.code == 3 and res.err.startswith("error: wrong passphrase")
    groups = key.split("-")
    groups[0] = groups[1]
    res = run_cli(["--vault", str(v), "recover", "--passphrase-stdin"],
                  "-".join(groups) + "\nnew\n")
    assert res.code == 3
    assert (v / "header").read_bytes() == before


def test_tampered_header_and_database_exit_4(tmp_path: Path) -> None:
    v = tmp_path / "v"
    init(v)
    header = v / "header"
    good = header.read_bytes()
    header.write_bytes(good[:-10])
    res = run_cli(["--vault", str(v), "check", "--passphrase-stdin"], PASSPHRASE + "\n")
    assert res.code == 4 and "header" in res.err
    header.write_bytes(good)
    db = v / "vault.db"
    db.write_bytes(db.read_bytes()[:4096])
    res = run_cli(["--vault", str(v), "check", "--passphrase-stdin"], PASSPHRASE + "\n")
    assert res.code == 4


def test_no_terminal_no_stdin_is_usage_error(tmp_path: Path) -> None:
    v = tmp_path / "v"
    init(v)
    res = run_cli_process(["--vault", str(v), "check"])
    assert res.code == 2 and "--passphrase-stdin" in res.err


def test_errors_are_one_line_and_never_tracebacks(tmp_path: Path) -> None:
    res = run_cli_process(["--vault", str(tmp_path / "none"), "check", "--passphrase-stdin"],
                          stdin="x\n")
    assert res.code == 1
    assert res.err.count("\n") == 1 and res.err.startswith("error: ")
    assert "Traceback" not in res.err


def test_wipe_asks_without_yes(tmp_path: Path) -> None:
    v = tmp_path / "v"
    init(v)
    res = run_cli_process(["--vault", str(v), "wipe", "--panic"])
    assert res.code == 2
    assert (v / "header").exists()


def _limit_file_size(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_disk_full_during_passwd_leaves_vault_openable(tmp_path: Path) -> None:
    v = tmp_path / "v"
    init(v)
    env = {**os.environ, INSECURE_TEST_KDF_ENV: "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "--vault", str(v), "passwd",
         "--passphrase-stdin", "--accept-weak"], input=f"{PASSPHRASE}\nnew one\n".encode(),
        env=env,
        cwd=ROOT, capture_output=True, preexec_fn=_limit_file_size(200), timeout=60,
    )
    assert proc.returncode == 1
    assert b"disk" in proc.stderr and b"Traceback" not in proc.stderr
    assert run_cli(["--vault", str(v), "check", "--passphrase-stdin"],
                   PASSPHRASE + "\n").code == 0


def test_disk_full_during_init_leaves_nothing(tmp_path: Path) -> None:
    env = {**os.environ, INSECURE_TEST_KDF_ENV: "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "--vault", str(tmp_path / "v"), "init",
         "--passphrase-stdin", "--accept-weak"], input=b"pass\n", env=env, cwd=ROOT,
        capture_output=True,
        preexec_fn=_limit_file_size(20000), timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert b"Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_sigkill_during_passwd_leaves_old_or_new(tmp_path: Path) -> None:
    v = tmp_path / "v"
    init(v)
    env = {**os.environ, INSECURE_TEST_KDF_ENV: "1"}
    argv = [sys.executable, "-m", "tui.cli.main", "--vault", str(v), "passwd",
            "--passphrase-stdin"]
    start = time.perf_counter()
    subprocess.run(argv, input=f"{PASSPHRASE}\n{PASSPHRASE}\n".encode(), env=env, cwd=ROOT,
                   check=True, capture_output=True)
    full = time.perf_counter() - start
    current = PASSPHRASE
    for i in range(12):
        new = f"killed change number {i} of many"
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        assert proc.stdin is not None
        proc.stdin.write(f"{current}\n{new}\n".encode())
        proc.stdin.close()
        time.sleep(full * (0.5 + i / 20))  # sweep the last half of the run, where it writes
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # A kill between staging the new slot and renaming it leaves .header.tmp, which
        # check reports and --repair removes: what a user does after a crash.
        opened = [p for p in (current, new)
                  if run_cli(["--vault", str(v), "check", "--repair", "--passphrase-stdin"],
                             p + "\n").code == 0]
        assert len(opened) == 1, f"iteration {i}: opens with {len(opened)} passphrases"
        current = opened[0]
