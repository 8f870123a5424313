"""Kills swept over ``evault travel start`` and ``evault travel end``: after each SIGKILL
the vault is the vault before the command or the vault after it, never data that exists
only in memory or in neither place (crash harness of tests/crash/).

Kills are aimed, not only timed: the child's progress lines on stderr ("sealing…",
"removing…", "wiping…", "rotating…", "opening…") mark each step, and the kill follows a
chosen line after a chosen delay, so every step gets its kills whatever the machine's
load. After each kill:

- the vault opens with the passphrase; ``check`` passes (after ``check --repair`` removing
  only blob files an interrupted restore left, or after ``travel start`` finished an
  interrupted start);
- before: the records and attachments are exactly those before the command;
- after: only the travel-safe ones (start) or all of them (end); a trip in progress
  always has its sealed file, whole, and ``travel end`` with it restores everything;
- no temporary file is left beside the sealed file or in the vault directory.

``EVAULT_TRAVEL_KILLS=N`` repeats the sweep N times with jittered delays (the short run
here kills 5 times in start and 3 times in end; each kill costs a
fresh ``evault`` process, about 4 s of imports on a loaded machine).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.clirun import run_cli
from tests.crash import model, verify, workload
from tests.crash.cli import ROOT, child_env, evault_argv
from tests.crash.harness import Harness
from vault.session import Vault

START_KILLS = [("sealing", 0.0), ("removing", 0.0), ("wiping", 0.0), ("rotating", 0.0),
               ("rotating", 0.3)]
# Kills timed after "opening" may all land before the commit on a slow machine; the kill
# on "restored" (printed once the restore has committed) always lands after it.
END_KILLS = [("opening", 0.0), ("opening", 0.12), ("opening", 0.5), ("restored", 0.0)]
REPEAT = int(os.environ.get("EVAULT_TRAVEL_KILLS", "1"))


@dataclass
class Case:
    """A vault ready to travel: what it holds, and what stays."""

    before: model.Snapshot
    kept: set[str]
    out: Path


@dataclass
class Tally:
    outcomes: list[tuple[str, str, float, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _kill_after(argv: list[str], stdin: str, marker: str, delay: float) -> bool:
    """Run ``argv``; SIGKILL it ``delay`` s after it prints a stderr line starting with
    ``marker``. True when it was killed (False: it ended first)."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=child_env(), cwd=ROOT)
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.write(stdin.encode())
    proc.stdin.close()
    for line in proc.stderr:
        if line.decode("utf-8", "replace").startswith(marker):
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            break
    proc.stderr.read()
    return proc.wait() == -signal.SIGKILL


def _prepare(h: Harness, rng: random.Random, number: int) -> Case:
    h.new_vault()
    out = h.work / f"sealed-{number}.age"
    with verify._open(h.vault_path, h.passphrase) as v:
        ids = sorted(v.services.records.list(), key=lambda r: r.id)
        for i, summary in enumerate(ids[:3]):
            path = h.work / f"file-{number}-{i}.bin"
            workload.write_file(path, rng, (3 << 20) if i < 2 else 50_000)
            v.services.attachments.attach(summary.id, path)
        kept = {ids[2].id, ids[4].id}
        v.services.travel.mark(sorted(kept))
        before = model.Snapshot.take(v)
    return Case(before, kept, out)


def _base(h: Harness) -> list[str]:
    return ["--vault", str(h.vault_path), "--passphrase-stdin"]


def _start_argv(h: Harness, case: Case) -> list[str]:
    return [*_base(h), "travel", "start", "--to", h.partner_key, "--out", str(case.out)]


def _end_argv(h: Harness, case: Case) -> list[str]:
    return [*_base(h), "travel", "end", "--from", str(case.out), "--identity", str(h.identity)]


def _state(h: Harness) -> tuple[model.Snapshot, str | None]:
    with verify._open(h.vault_path, h.passphrase) as v:
        trip = v.services.travel.trip()
        return model.Snapshot.take(v), None if trip is None else trip.phase


def _only_kept(snap: model.Snapshot, kept: set[str]) -> model.Snapshot:
    return model.Snapshot(
        {k: v for k, v in snap.records.items() if k in kept},
        {k: v for k, v in snap.attachments.items() if v[0] in kept}, snap.sealed, 0)


def _check(h: Harness, repair_blobs: bool) -> list[str]:
    problems, _repaired = verify.run_check(h.vault_path, h.passphrase,
                                           "attach" if repair_blobs else None)
    return problems + verify.stray_files(h.vault_path, h.work)


def _restore_and_compare(h: Harness, case: Case, tally: Tally, where: str) -> None:
    ended = run_cli([*_end_argv(h, case)], h.passphrase + "\n")
    if ended.code != 0:
        tally.problems.append(f"{where}: travel end failed after the kill: {ended.err}")
        return
    snap, phase = _state(h)
    if phase is not None or not snap.same_content(case.before):
        tally.problems.append(f"{where}: the round trip did not restore the vault exactly")
    tally.problems += [f"{where}: {p}" for p in _check(h, repair_blobs=False)]


def _judge_start(h: Harness, case: Case, tally: Tally, where: str) -> str:
    if not verify.unlocks(h.vault_path, h.passphrase):
        tally.problems.append(f"{where}: the passphrase no longer opens the vault")
        return "broken"
    snap, phase = _state(h)
    if phase is None:
        if not snap.same_content(case.before):
            tally.problems.append(f"{where}: no trip recorded, but the vault changed")
        tally.problems += [f"{where}: {p}" for p in _check(h, repair_blobs=False)]
        return "before"
    if not snap.same_content(_only_kept(case.before, case.kept)):
        tally.problems.append(f"{where}: a trip is recorded but the vault holds more or "
                              "less than the travel-safe records")
    if not case.out.is_file():
        tally.problems.append(f"{where}: a trip is recorded but its sealed file is missing")
        return "after"
    if phase == "sealed":
        again = run_cli(_start_argv(h, case), h.passphrase + "\n")
        if again.code != 0 or "finished the interrupted start" not in again.err:
            tally.problems.append(f"{where}: travel start did not finish the interrupted "
                                  f"start: {again.err}")
    tally.problems += [f"{where}: {p}" for p in _check(h, repair_blobs=False)]
    _restore_and_compare(h, case, tally, where)
    return "after (finished)" if phase == "sealed" else "after"


def _judge_end(h: Harness, case: Case, tally: Tally, where: str) -> str:
    snap, phase = _state(h)
    if phase == "ended" or phase is None:
        if not snap.same_content(case.before):
            tally.problems.append(f"{where}: the trip ended but the vault is not whole")
        tally.problems += [f"{where}: {p}" for p in _check(h, repair_blobs=False)]
        return "after"
    if not snap.same_content(_only_kept(case.before, case.kept)):
        tally.problems.append(f"{where}: the trip is open but the vault changed")
    # Blob files written before the commit may be left: check --repair removes exactly
    # those (verify.run_check holds it to that), then the restore runs again.
    tally.problems += [f"{where}: {p}" for p in _check(h, repair_blobs=True)]
    _restore_and_compare(h, case, tally, where)
    return "before"


def test_kills_swept_over_travel_start_and_end(tmp_path: Path) -> None:
    rng = random.Random(1818)
    h = Harness(tmp_path, seed=1818)
    tally = Tally()
    number = 0
    for _ in range(REPEAT):
        for marker, delay in START_KILLS:
            number += 1
            delay *= rng.uniform(0.5, 1.5) if REPEAT > 1 else 1.0
            case = _prepare(h, rng, number)
            killed = _kill_after(evault_argv(*_start_argv(h, case)),
                                 h.passphrase + "\n", marker, delay)
            where = f"start killed after '{marker}' +{delay:.3f}s"
            state = _judge_start(h, case, tally, where) if killed else "completed"
            if not killed:
                _restore_and_compare(h, case, tally, where)
            tally.outcomes.append(("start", marker, delay, state))
        for marker, delay in END_KILLS:
            number += 1
            delay *= rng.uniform(0.5, 1.5) if REPEAT > 1 else 1.0
            case = _prepare(h, rng, number)
            started = run_cli(_start_argv(h, case), h.passphrase + "\n")
            assert started.code == 0, started.err
            killed = _kill_after(evault_argv(*_end_argv(h, case)), h.passphrase + "\n",
                                 marker, delay)
            where = f"end killed after '{marker}' +{delay:.3f}s"
            state = _judge_end(h, case, tally, where) if killed else "completed"
            if not killed:
                snap, phase = _state(h)
                if phase is not None or not snap.same_content(case.before):
                    tally.problems.append(f"{where}: an end that completed did not restore")
            tally.outcomes.append(("end", marker, delay, state))
    for outcome in tally.outcomes:
        print(outcome)
    assert not tally.problems, tally.problems
    for command in ("start", "end"):
        states = {o[3] for o in tally.outcomes if o[0] == command}
        assert "before" in states, (command, states)
        assert states & {"after", "after (finished)", "completed"}, (command, states)
    assert "after (finished)" in {o[3] for o in tally.outcomes}, tally.outcomes


def test_the_sweep_would_see_data_in_neither_place(tmp_path: Path) -> None:
    """The judge can fail: a trip recorded while its sealed file is gone (what a seal
    committed before its file was complete would leave) is reported."""
    rng = random.Random(7)
    h = Harness(tmp_path, seed=7)
    case = _prepare(h, rng, 1)
    started = run_cli(_start_argv(h, case), h.passphrase + "\n")
    assert started.code == 0, started.err
    case.out.unlink()
    tally = Tally()
    _judge_start(h, case, tally, "lost file")
    assert any("sealed file is missing" in p for p in tally.problems)
    with Vault.open(h.vault_path) as v:
        v.unlock(h.passphrase)
        assert v.services.travel.active()
