"""An unexpected error with a passphrase in scope: the canary must appear in no output,
neither on stdout or stderr nor in any file (Textual's log, screenshots, temp files).

Each case runs the real app (``tui.app.main.run``, with the process hooks of
``run_app``) headless in a subprocess whose HOME, TMPDIR, working directory and
``TEXTUAL_LOG`` all point into the test's directory, so every file it could write is
scanned afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vault.session import INSECURE_TEST_KDF_ENV

CANARY = "CANARY-7f3a9b-do-not-print"

SCRIPT = textwrap.dedent('''
    import sys, threading
    from pathlib import Path
    from tui.app import crash
    crash.install_process_hooks()
    from tui.app.app import EvaultApp
    from tui.app.main import run
    from tui.app.screens.browse import BrowseScreen
    from vault.session import Vault

    CANARY = sys.argv[1]
    WHERE = sys.argv[2]
    path = Path("vault")
    Vault.create(path, CANARY).vault.close()

    def explode():
        passphrase = CANARY  # a local a traceback with locals would print
        raise RuntimeError("leaked " + passphrase)

    class Boom(EvaultApp):
        def on_mount(self):  # EvaultApp.on_mount runs too (MRO dispatch)
            if WHERE == "thread":
                self.run_worker(explode, thread=True)

        def on_unlocked(self, message):  # EvaultApp.on_unlocked runs too (MRO dispatch)
            if WHERE == "loop":
                explode()

    async def pilot(p):
        screen = p.app.screen
        for _ in range(200):
            await p.pause(0.02)
            if type(p.app.screen).__name__ == "UnlockScreen":
                break
        p.app.screen.query_one("#passphrase").value = CANARY
        await p.press("enter")
        for _ in range(500):  # until the error ends the app
            await p.pause(0.02)
            if p.app.return_code:
                break

    code = run(Boom(path, language="en"), headless=True, auto_pilot=pilot)
    sys.exit(code)
''')


@pytest.mark.parametrize("where", ["loop", "thread"])
def test_the_canary_passphrase_is_in_no_output(tmp_path: Path, where: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        INSECURE_TEST_KDF_ENV: "1",
        "HOME": str(home),
        "TMPDIR": str(tmp_path),
        "TEXTUAL_LOG": str(tmp_path / "textual.log"),
        "TEXTUAL_SCREENSHOT": "0",
        "TEXTUAL_SCREENSHOT_LOCATION": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "200",  # wide: Rich must not wrap a leaked canary out of sight
    }
    proc = subprocess.run([sys.executable, "-c", SCRIPT, CANARY, where], cwd=tmp_path,
                          env=env, capture_output=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out.decode("utf-8", "replace")
    assert b"internal error (RuntimeError)" in out
    assert CANARY.encode() not in out
    assert b"Traceback" not in out and b"leaked" not in out
    for file in tmp_path.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert CANARY.encode() not in data, file
            assert CANARY.encode("utf-16-le") not in data, file
