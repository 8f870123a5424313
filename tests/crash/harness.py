"""One kill at a time: start a writer (the driver, or a real ``evault`` command), SIGKILL it
after a given delay, then verify the vault (:mod:`tests.crash.verify`).

The harness keeps the vault between kills — each kill lands on a vault with the history
of the ones before — and what it verified last becomes the starting point of the next.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage

from crypto import kdf
from tests.crash import model, verify, workload
from tests.crash.cli import ROOT, child_env, evault_argv
from vault.session import Vault

CLI_OPS = ("add", "attach", "import", "export", "passwd", "extract", "backup", "open", "rotate")
#: Commands that write outside the vault, and the folder of the harness they write to:
#: after each kill the next evault command must leave no hidden file or folder there.
OUTSIDE = {"extract": "out", "backup": "backups", "open": "opened"}
#: Operations per driver run that does one kind only: about a second of writes each, so
#: short operations (a level change, a passphrase change) get their share of kills too.
FOCUS_OPS = {"add": 100, "edit": 120, "level": 120, "passwd": 30, "attach": 8, "export": 3,
             "import": 3}
RECIPIENT = "partner"


@dataclass
class Outcome:
    """One kill and what the checks found."""

    runner: str
    """``driver`` or ``cli``."""
    state: str
    """Where the kill landed: an operation, ``startup``, ``idle`` or ``completed``."""
    delay: float
    reported: int
    """Operations the child reported done before it died."""
    problems: list[str] = field(default_factory=list)
    repaired: int = 0
    elapsed: float = 0.0
    startup: float | None = None
    """Seconds from launch to READY (the driver only)."""
    swept: int = 0
    """Hidden leftovers of the kill that the next evault command removed (saying so)."""
    leftovers: int = 0
    """Hidden files or folders still there after the next command: must stay 0."""


class Harness:
    """A vault, a partner's age key, a work folder, and the kills made on them."""

    def __init__(self, root: Path, seed: int, *, ops: int = 12, attach_mb: float = 3.0) -> None:
        self.root = root
        self.seed = seed
        self.ops = ops
        self.attach_mb = attach_mb
        self.rng = random.Random(seed)
        self.work = root / "work"
        self.identity = root / "partner.key"
        self.vaults = 0
        self.keep = False
        """Keep the current vault when the next one is made (it failed a check)."""
        self.runs = 0
        self.passphrase = ""
        self.vault_path = root / "vault"
        self.signer = ""
        self.snapshot: model.Snapshot | None = None
        identity = pyrage.x25519.Identity.generate()
        self.identity.write_text(f"{identity}\n")
        self.partner_key = str(identity.to_public())

    # -- the vault ---------------------------------------------------------------------

    def new_vault(self) -> None:
        """A fresh vault with a recipient and a few records to edit and attach to."""
        if self.vaults and not self.keep:
            shutil.rmtree(self.vault_path, ignore_errors=True)
        self.keep = False
        self.vaults += 1
        self.vault_path = self.root / f"vault-{self.vaults}"
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.passphrase = f"crash start {self.seed}"
        created = Vault.create(self.vault_path, self.passphrase, params=kdf.INSECURE_TEST_PARAMS)
        with created.vault as v:
            v.services.export.recipients.add(RECIPIENT, self.partner_key)
            records = v.services.records
            rng = random.Random(self.seed)
            for number in range(6):
                kind, data = workload.new_record(rng, workload.token(self.seed, number))
                records.add(kind, data)
            self.signer = v.public_key_minisign()
            self.snapshot = model.Snapshot.take(v)

    # -- running and killing -----------------------------------------------------------

    def _spawn(self, argv: list[str], stdin: str, delay: float | None,
               ) -> tuple[bytes, bytes, int, float, float]:
        """Run ``argv``, SIGKILL it after ``delay`` seconds unless it ended first."""
        self.runs += 1
        out_path = self.root / f"run-{self.runs}.out"
        err_path = self.root / f"run-{self.runs}.err"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            start, launched = time.monotonic(), time.time()
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out, stderr=err,
                                    env=child_env(), cwd=ROOT)
            assert proc.stdin is not None
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            elapsed = time.monotonic() - start
        data, errors = out_path.read_bytes(), err_path.read_bytes()
        out_path.unlink()
        err_path.unlink()
        return data, errors, proc.returncode, elapsed, launched

    def run_driver(self, delay: float | None, only: str | None = None) -> Outcome:
        """The driver with a fresh seed, killed after ``delay`` (None: not killed), doing
        a mix of every operation or ``only`` one kind (:data:`FOCUS_OPS` of them)."""
        seed = self.seed * 100_000 + self.runs
        ops = FOCUS_OPS[only] if only else self.ops
        argv = [sys.executable, "-m", "tests.crash.driver", "--vault", str(self.vault_path),
                "--work", str(self.work), "--seed", str(seed), "--ops", str(ops),
                "--recipient", RECIPIENT, "--attach-mb", str(self.attach_mb)]
        if only:
            argv += ["--only", only]
        out, err, code, elapsed, launched = self._spawn(argv, self.passphrase + "\n", delay)
        script = model.parse(out)
        outcome = Outcome("driver", script.state, delay or 0.0,
                          sum(1 for s in script.steps if s.done is not None), elapsed=elapsed)
        if script.ready_at is not None:
            outcome.startup = script.ready_at - launched
        if code not in (0, -signal.SIGKILL):
            outcome.problems.append(f"the driver failed (exit {code}): {err[-500:]!r}")
        return self._verify(outcome, script)

    def _outside(self, op: str) -> Path:
        folder = self.root / OUTSIDE[op]
        folder.mkdir(exist_ok=True)
        return folder

    def run_cli(self, op: str, delay: float | None) -> Outcome:
        """A real ``evault`` command doing ``op``, killed after ``delay``."""
        argv, stdin, step = self._cli_step(op)
        op = step.op  # extract and open fall back to attach and export on a new vault
        out, err, code, elapsed, _launched = self._spawn(argv, stdin, delay)
        killed = code == -signal.SIGKILL
        script = model.Transcript(ready=True, ended=not killed, steps=[step])
        outcome = Outcome("cli", op if killed else "completed", delay or 0.0, 0,
                          elapsed=elapsed)
        if not killed:
            text = out.decode()
            if code != 0:
                outcome.problems.append(f"evault {op} failed (exit {code}): {err[-300:]!r}")
                script.ended = False  # nothing was reported: hold it as in flight
            else:
                step.done = self._cli_done(op, text, step)
                outcome.reported = 1
        return self._verify(outcome, script)

    def _cli_step(self, op: str) -> tuple[list[str], str, model.Step]:
        assert self.snapshot is not None
        base = ["--vault", str(self.vault_path), "--passphrase-stdin"]
        number = self.runs + 1
        tok = workload.token(self.seed * 100_000 + 99_999, number)
        stdin = self.passphrase + "\n"
        targets = sorted(self.snapshot.records)
        if op == "add":
            kind, data = workload.new_record(self.rng, tok)
            path = self.work / f"add-{number}.json"
            path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
            with verify._open(self.vault_path, self.passphrase) as v:
                fields = v.services.records.validate(kind, data)
            return (evault_argv(*base, "add", kind, "--json", str(path)), stdin,
                    model.Step("add", {"kind": kind, "fields": fields}))
        if op == "attach":
            rid = self.rng.choice(targets)
            size = int(self.rng.uniform(0.25, 2.0) * self.attach_mb * (1 << 20))
            path = self.work / f"cli-file-{number}.bin"
            digest = workload.write_file(path, self.rng, size)
            return (evault_argv(*base, "attach", rid, str(path)), stdin,
                    model.Step("attach", {"record": rid, "sha256": digest, "size": size}))
        if op == "import":
            path = self.work / f"cli-import-{number}.csv"
            workload.write_csv(path, self.rng, self.rng.randint(100, 400), self.seed, number)
            return (evault_argv(*base, "import", str(path), "--kind", "person"), stdin,
                    model.Step("import", {"file": str(path)}))
        if op == "export":
            people = [r for r in targets if self.snapshot.records[r][0] == "person"]
            chosen = self.rng.sample(people, min(5, len(people)))
            out = self.work / f"cli-export-{number}.age"
            return (evault_argv(*base, "export", "--clearance", "partner", "--to", RECIPIENT,
                                "--ids", ",".join(chosen), "--out", str(out), "--yes"),
                    stdin, model.Step("export", {"out": str(out), "ids": chosen}))
        if op == "rotate":  # a new master key and recovery key, the passphrase kept
            return (evault_argv(*base, "rotate"), stdin, model.Step("rotate", {}))
        if op == "extract" and self.snapshot.attachments:
            aid = self.rng.choice(sorted(self.snapshot.attachments))
            out = self._outside("extract") / f"extract-{number}.bin"
            return (evault_argv(*base, "extract", aid, "--out", str(out)), stdin,
                    model.Step("extract", {"out": str(out),
                                           "sha256": self.snapshot.attachments[aid][1]}))
        if op == "backup":
            out = self._outside("backup") / f"backup-{number}"
            return (evault_argv(*base, "backup", "--to", str(out)), stdin,
                    model.Step("backup", {"out": str(out)}))
        bundles = sorted(self.work.glob("*.age"))
        if op == "open" and bundles:
            out = self._outside("open") / f"opened-{number}"
            bundle = self.rng.choice(bundles)
            return (evault_argv("bundle", "open", str(bundle), "--identity",
                                str(self.identity), "--out", str(out)), "",
                    model.Step("open", {"out": str(out)}))
        if op in ("extract", "open"):
            return self._cli_step("attach" if op == "extract" else "export")
        if op == "passwd":
            new = f"cli pass {self.seed} {number}"
            return (evault_argv(*base, "passwd"), f"{self.passphrase}\n{new}\n",
                    model.Step("passwd", {"new": new}))
        raise ValueError(op)

    @staticmethod
    def _cli_done(op: str, out: str, step: model.Step) -> dict[str, Any]:
        lines = out.split()
        if op in ("add", "attach"):
            return {"id": lines[0]}
        if op == "import":
            return {"ids": lines}
        if op == "export":
            return {"out": step.begin["out"], "bundle_id": lines[0]}
        return {}

    # -- verifying ---------------------------------------------------------------------

    def _verify(self, outcome: Outcome, script: model.Transcript) -> Outcome:
        """Every check of :mod:`tests.crash.verify`; the verified state becomes the next
        starting point (a failed iteration starts a new vault)."""
        assert self.snapshot is not None
        passphrase, problems = verify.which_passphrase(self.vault_path, self.passphrase,
                                                        script)
        outcome.problems += problems
        if passphrase is None:
            self.keep = True
            self.new_vault()
            return outcome
        self.passphrase = passphrase
        flight = script.in_flight
        op = flight.op if flight is not None else None
        before_repair = None
        if op in ("attach", "passwd"):  # the kills that may leave something to repair
            with verify._open(self.vault_path, passphrase) as v:
                before_repair = model.Snapshot.take(v)
        problems, outcome.repaired = verify.run_check(self.vault_path, passphrase, op,
                                                      before_repair)
        outcome.problems += problems
        with verify._open(self.vault_path, passphrase) as v:
            after, problems = verify.contents(v, self.snapshot, script, self.rng)
        outcome.problems += problems
        reported = {s.done["bundle_id"] for s in script.steps
                    if s.op == "export" and s.done is not None}
        for step in script.steps:
            if step.op == "export":
                out = Path(step.begin["out"])
                if step.done is not None or out.exists():
                    bundle_id = step.done["bundle_id"] if step.done else None
                    outcome.problems += verify.check_bundle(out, self.identity, self.signer,
                                                            bundle_id)
                elif after.sealed - self.snapshot.sealed - reported:
                    outcome.problems.append("an export is recorded as sealed but its "
                                            "bundle file is not there")
        outcome.problems += verify.stray_files(self.vault_path, self.work)
        outcome.swept, left = verify.leftovers_after_next_command(
            [self.root / name for name in OUTSIDE.values()])
        outcome.leftovers = len(left)
        outcome.problems += left
        for step in script.steps:
            if step.op in OUTSIDE:
                outcome.problems += verify.outside_result(step, self.passphrase)
        self.snapshot = after
        if outcome.problems:
            self.keep = True
            self.new_vault()
        return outcome
