"""Crash: SIGKILL real evault writers at random moments, then hold the vault to what they
reported (the harness is in tests/crash/; the long run is ``python -m tests.soak``).

The short run here kills 30 times — the driver (a mix of every write, and runs of one kind
of write so short ones get their share) and real ``evault`` commands (attach, import,
passwd, export) — and every kill must be survived. The model tests below show the checks
can fail: each feeds them a vault that differs from what was reported.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSPHRASE, ROOT, run_cli
from tests.crash import model, soak
from vault import fsutil
from vault.session import Vault

SEED = int(os.environ.get("EVAULT_CRASH_SEED", "20240"))
KILLS = 30


def test_short_crash_run_survives_every_kill(tmp_path: Path) -> None:
    summary = soak.run(KILLS, SEED, tmp_path, cli_share=0.2, focus_share=0.4, ops=20,
                       reset_every=6, cli_ops=("attach", "import", "passwd", "rotate", "export",
                                               "extract", "backup", "open"),
                       focus=("edit", "level", "passwd"))
    print(f"\n{summary.table()}\n{summary.figures()}")
    failures = [(o.runner, o.state, round(o.delay, 3), o.problems) for o in summary.failures]
    assert not failures, failures
    assert len(summary.outcomes) == KILLS
    states = {o.state for o in summary.outcomes}
    # The sweep reached the writes themselves, not only start-up and the end.
    assert len(states - {"startup", "idle", "completed"}) >= 4, states
    assert sum(o.reported for o in summary.outcomes) >= KILLS
    figures = summary.figures()
    assert figures["leftovers"] == 0
    # Kills are spent on writes, not on start-up (issue 14: 35% were). A loaded machine
    # can make a run slower to say READY than its median: a few may still land there.
    assert figures["kills_in_startup"] <= KILLS // 10, figures
    assert figures["kills_during_a_write"] >= KILLS // 2, figures


# -- the checks can fail -------------------------------------------------------------------

Records = Mapping[str, tuple[str, Mapping[str, Any]]]


def _snapshot(records: Records,
              attachments: dict[str, tuple[str, str, int]] | None = None,
              levels: dict[str, dict[str, str]] | None = None, audit: int = 10,
              ) -> model.Snapshot:
    return model.Snapshot(
        {rid: (kind, dict(fields), dict((levels or {}).get(rid, {"name": "partner"})))
         for rid, (kind, fields) in records.items()},
        dict(attachments or {}), set(), audit)


def _problems(before: model.Snapshot, after: model.Snapshot, steps: list[model.Step],
              rows: dict[str, list[dict[str, Any]]] | None = None) -> list[str]:
    exp = model.expect(before, steps, rows or {})
    script = model.Transcript(ready=True, steps=steps)
    return model.compare(before, after, exp, script.in_flight, rows or {})


BASE: Records = {"a": ("person", {"name": "A"})}


def test_a_reported_add_must_be_there() -> None:
    before = _snapshot(BASE)
    step = model.Step("add", {"kind": "person", "fields": {"name": "B"}}, {"id": "b"})
    assert _problems(before, _snapshot(BASE, audit=11), [step])
    good = _snapshot({**BASE, "b": ("person", {"name": "B"})}, audit=11)
    assert not _problems(before, good, [step])


def test_an_add_in_flight_is_whole_or_absent() -> None:
    before = _snapshot(BASE)
    step = model.Step("add", {"kind": "person", "fields": {"name": "B", "notes": "n"}})
    assert not _problems(before, _snapshot(BASE), [step])
    whole = _snapshot({**BASE, "x": ("person", {"name": "B", "notes": "n"})})
    assert not _problems(before, whole, [step])
    half = _snapshot({**BASE, "x": ("person", {"name": "B"})})
    assert _problems(before, half, [step])


def test_an_import_is_all_rows_or_none() -> None:
    before = _snapshot(BASE)
    rows: dict[str, list[dict[str, Any]]] = {"f.csv": [{"name": f"R{i}"} for i in range(3)]}
    step = model.Step("import", {"file": "f.csv"})
    assert not _problems(before, _snapshot(BASE), [step], rows)
    all_rows: dict[str, tuple[str, Mapping[str, Any]]] = {
        f"r{i}": ("person", {"name": f"R{i}"}) for i in range(3)}
    assert not _problems(before, _snapshot({**BASE, **all_rows}), [step], rows)
    del all_rows["r2"]
    assert _problems(before, _snapshot({**BASE, **all_rows}), [step], rows)


def test_a_reported_edit_and_level_must_stick() -> None:
    before = _snapshot(BASE)
    edit = model.Step("edit", {"id": "a", "fields": {"name": "A2"}}, {"id": "a"})
    assert _problems(before, _snapshot(BASE, audit=11), [edit])
    level = model.Step("level", {"id": "a", "field": "name", "level": "public"}, {"id": "a"})
    assert _problems(before, _snapshot(BASE, audit=11), [level])
    moved = _snapshot(BASE, levels={"a": {"name": "public"}}, audit=11)
    assert not _problems(before, moved, [level])
    assert _problems(before, moved, [])  # a level that changed with nothing reported


def test_attachments_are_exactly_those_attached() -> None:
    before = _snapshot(BASE)
    step = model.Step("attach", {"record": "a", "sha256": "f" * 64, "size": 5})
    assert not _problems(before, _snapshot(BASE, {"t": ("a", "f" * 64, 5)}), [step])
    assert _problems(before, _snapshot(BASE, {"t": ("a", "0" * 64, 5)}), [step])
    done = model.Step("attach", step.begin, {"id": "t"})
    assert _problems(before, _snapshot(BASE, audit=11), [done])


def test_a_cut_last_line_is_not_a_report() -> None:
    out = (b'READY\nBEGIN add {"kind": "person", "fields": {}}\n'
           b'DONE add {"id": "ab"}\nBEGIN edit {"id": "ab", "fie')
    script = model.parse(out)
    assert [s.op for s in script.steps] == ["add"] and script.state == "idle"
    script = model.parse(b'READY\nBEGIN add {"kind": "person", "fields": {}}\nDONE add {"i')
    assert script.in_flight is not None and script.state == "add"


# -- regressions found by the harness ------------------------------------------------------

def test_a_staged_key_slot_is_reported_and_repaired(new_vault: Vault, vault_path: Path,
                                                    ) -> None:
    """A kill between writing the new key slot and renaming it into place (passwd) leaves
    ``.header.tmp``; check must say so and repair remove it, the old passphrase working."""
    fsutil.stage(new_vault.layout.header, os.urandom(400))
    new_vault.close()
    args = ["--vault", str(vault_path), "--passphrase-stdin", "check"]
    found = run_cli(args, PASSPHRASE + "\n")
    assert found.code == 4 and ".header.tmp" in found.out
    repaired = run_cli([*args, "--repair"], PASSPHRASE + "\n")
    assert repaired.code == 0, repaired.out
    assert "removed the key slot" in repaired.err
    assert sorted(os.listdir(vault_path)) == ["blobs", "header", "vault.db"]


_WRITER = """
import os, sys
from pathlib import Path
from vault import fsutil
data = os.urandom(48 << 20)
sys.stdout.write("READY\\n"); sys.stdout.flush()
getattr(fsutil, sys.argv[1])(Path(sys.argv[2]), data, what="writing the bundle")
"""


@pytest.mark.parametrize("how", ["write_new", "atomic_write"])
def test_a_killed_bundle_write_leaves_nothing_beside_it(tmp_path: Path, how: str) -> None:
    """Regression: the bundle was written through a named temporary file, which a kill
    mid-write left beside the user's files (the soak found '.export-….age.tmp'). Export
    now writes an unnamed file and names it once complete. ``atomic_write`` is the
    control: the same kills do leave its temporary file, so the kills land mid-write."""
    leftovers = 0
    for i in range(6):
        folder = tmp_path / f"k{i}"
        folder.mkdir()
        out = folder / "out.age"
        proc = subprocess.Popen([sys.executable, "-c", _WRITER, how, str(out)],
                                stdout=subprocess.PIPE, cwd=ROOT)
        assert proc.stdout is not None and proc.stdout.readline() == b"READY\n"
        time.sleep(0.004 * i)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        names = os.listdir(folder)
        if out.exists() and proc.returncode != -signal.SIGKILL:
            assert out.stat().st_size == 48 << 20
        leftovers += any(name.startswith(".") for name in names)
        if how == "write_new":
            assert names in ([], ["out.age"]), names
            if names:
                assert out.stat().st_size == 48 << 20 and out.stat().st_mode & 0o777 == 0o600
    if how == "atomic_write":
        assert leftovers, "no kill landed while the file was being written"
