"""The README's first steps work as written, in a real terminal (tmux): piping JSON into
``evault add`` asks for the passphrase on the terminal instead of refusing; and
``evault check`` names each thing it checked once."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import PASSPHRASE, ROOT, run_cli
from vault.session import INSECURE_TEST_KDF_ENV


def init(path: Path) -> None:
    result = run_cli(["--vault", str(path), "init", "--passphrase-stdin"], PASSPHRASE + "\n")
    assert result.code == 0, result.err


def test_readme_third_command_asks_on_the_terminal(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    init(vault)
    out = tmp_path / "out.txt"
    command = (f"cd {shlex.quote(str(ROOT))} && echo '{{\"name\": \"Wang Wei\", \"roles\": "
               f"[\"victim\"]}}' | {INSECURE_TEST_KDF_ENV}=1 {shlex.quote(sys.executable)} "
               f"-m tui.cli.main --vault {shlex.quote(str(vault))} add person --json - "
               f"> {shlex.quote(str(out))} 2>&1; echo $? >> {shlex.quote(str(out))}")
    session = f"evault-readme-{os.getpid()}"
    short = Path(tempfile.mkdtemp(prefix="ev"))  # a socket path must stay under 108 bytes
    socket = short / "s"
    tmux = ["tmux", "-S", str(socket)]
    subprocess.run([*tmux, "new-session", "-d", "-s", session, "-x", "100", "-y", "20",
                    "bash", "--norc", "-c", command + "; sleep 30"], check=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            screen = subprocess.run([*tmux, "capture-pane", "-p", "-t", session],
                                    capture_output=True, text=True).stdout
            if "assphrase" in screen:  # getpass flushes what was typed before its prompt
                break
            time.sleep(0.2)
        subprocess.run([*tmux, "send-keys", "-t", session, PASSPHRASE, "Enter"], check=True)
        while time.monotonic() < deadline and not (out.exists() and
                                                     out.read_text().strip()
                                                     .splitlines()[-1:] in (["0"], ["1"],
                                                                            ["2"], ["3"])):
            time.sleep(0.2)
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
        socket.unlink(missing_ok=True)
        short.rmdir()
    lines = out.read_text().strip().splitlines()
    assert lines[-1] == "0", lines
    listed = run_cli(["--vault", str(vault), "list", "--json", "--passphrase-stdin"],
                     PASSPHRASE + "\n")
    assert "Wang Wei" in json.dumps(json.loads(listed.out), ensure_ascii=False)


def test_check_names_each_item_once(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    init(vault)
    result = run_cli(["--vault", str(vault), "check", "--passphrase-stdin"], PASSPHRASE + "\n")
    assert result.code == 0, result.err
    lines = [line for line in result.out.splitlines() if line.startswith("checked: ")]
    assert len(lines) == len(set(lines)), lines
    assert "checked: header" in lines
