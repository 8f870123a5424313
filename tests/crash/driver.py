"""The child of the crash harness: one process doing a sequence of writes through the
vault facade, exactly as the front ends do them.

``python -m tests.crash.driver --vault V --work DIR --seed S --ops N --recipient NAME``
reads the passphrase as the first line of standard input, prints ``READY <unix time>`` once
the vault is unlocked (so the parent knows how long start-up took), then for each operation::

    BEGIN <op> <json: what it is about to write, canonical>
    DONE <op> <json: what the vault reported (ids…)>

and ``END`` at the end. Every line is flushed before the next write starts, so a line the
parent read is a promise: a ``DONE`` means the operation had returned (committed). The
parent kills this process with SIGKILL at a random moment and holds the vault to every
``DONE`` it saw.

The feature services the workload needs are imported up front (services are built on
first use; the dossier's PDF stack, never used here, takes a second to import) so the run
is spent writing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import vault.attachments.service
import vault.export.service
import vault.records.service
import vault.search.index  # noqa: F401 - imported before the first operation, not during it
from tests.crash import workload
from vault.importer import commit
from vault.importer import plan as import_plan
from vault.session import Vault

#: Relative weights of the operations in a run.
WEIGHTS = {"add": 4, "edit": 3, "level": 3, "import": 1, "attach": 2, "export": 1,
           "passwd": 1}


def say(*parts: str) -> None:
    """One protocol line, flushed at once (the parent may kill us right after)."""
    sys.stdout.write(" ".join(parts) + "\n")
    sys.stdout.flush()


def begin(op: str, info: dict[str, Any]) -> None:
    """Announce a write about to start."""
    say("BEGIN", op, json.dumps(info, ensure_ascii=False, sort_keys=True))


def done(op: str, info: dict[str, Any]) -> None:
    """Report a write the vault has committed."""
    say("DONE", op, json.dumps(info, ensure_ascii=False, sort_keys=True))


class Driver:
    """A sequence of writes drawn from one seed."""

    def __init__(self, vault: Vault, work: Path, seed: int, recipient: str,
                 attach_mb: float) -> None:
        self.vault = vault
        self.work = work
        self.seed = seed
        self.rng = random.Random(seed)
        self.recipient = recipient
        self.attach_mb = attach_mb
        self.records: Any = vault.services.records
        self.targets: list[tuple[str, str]] = [
            (str(r[0]), str(r[1])) for r in vault.store.query(
                "SELECT id, kind FROM records WHERE kind IN ('person', 'testimony') "
                "ORDER BY rowid")]
        self.number = 0

    def token(self) -> str:
        """A fresh token for the next write."""
        self.number += 1
        return workload.token(self.seed, self.number)

    def run(self, ops: int, only: str | None = None) -> None:
        """Do ``ops`` operations, of every kind or ``only`` one (an operation with no
        target becomes an add)."""
        names = [only] if only else list(WEIGHTS)
        weights = [WEIGHTS[n] for n in names]
        for _ in range(ops):
            op = self.rng.choices(names, weights)[0]
            if op in ("edit", "level", "attach", "export") and not self.targets:
                op = "add"
            getattr(self, f"op_{op}")()

    def op_add(self) -> None:
        kind, data = workload.new_record(self.rng, self.token())
        begin("add", {"kind": kind, "fields": self.records.validate(kind, data)})
        rid = self.records.add(kind, data)
        self.targets.append((rid, kind))
        done("add", {"id": rid})

    def op_edit(self) -> None:
        rid, kind = self.rng.choice(self.targets)
        changes = workload.edit_changes(self.rng, kind, self.token())
        current = self.records.get(rid).fields
        expect = self.records.validate(kind, {**current, **changes})
        begin("edit", {"id": rid, "fields": expect})
        self.records.edit(rid, changes)
        done("edit", {"id": rid})

    def op_level(self) -> None:
        rid, kind = self.rng.choice(self.targets)
        record = self.records.get(rid)
        levels = {k: v.value for k, v in record.levels.items()}
        change = workload.level_change(self.rng, kind, record.fields, levels)
        if change is None:
            return self.op_edit()
        field, level = change
        begin("level", {"id": rid, "field": field, "level": level})
        self.records.set_level(rid, field, level)
        done("level", {"id": rid})
        return None

    def op_import(self) -> None:
        rows = self.rng.randint(100, 400)
        path = self.work / f"import-{self.seed}-{self.number}.csv"
        first = self.number + 1
        self.number += rows
        workload.write_csv(path, self.rng, rows, self.seed, first)
        begin("import", {"file": str(path), "rows": rows})
        prepared = import_plan(self.records, path, "person")
        ids = commit(self.records, prepared)
        self.targets.extend((rid, "person") for rid in ids)
        done("import", {"ids": ids})

    def op_attach(self) -> None:
        rid, _kind = self.rng.choice(self.targets)
        size = int(self.rng.uniform(0.25, 2.0) * self.attach_mb * (1 << 20))
        path = self.work / f"file-{self.seed}-{self.number}.bin"
        digest = workload.write_file(path, self.rng, size)
        self.number += 1
        begin("attach", {"record": rid, "sha256": digest, "size": size})
        attachment = self.vault.services.attachments.attach(rid, path)
        done("attach", {"id": attachment.id})

    def op_export(self) -> None:
        people = [rid for rid, kind in self.targets if kind == "person"]
        chosen = self.rng.sample(people, min(len(people), 5)) if people else []
        if not chosen:
            return self.op_add()
        out = self.work / f"export-{self.seed}-{self.number}.age"
        self.number += 1
        begin("export", {"out": str(out), "ids": chosen})
        service = self.vault.services.export
        plan = service.plan(clearance="partner", to=[self.recipient], ids=chosen)
        sealed = service.seal(plan, out)
        done("export", {"out": str(out), "bundle_id": sealed.bundle_id})
        return None

    def op_passwd(self) -> None:
        new = f"crash pass {self.seed} {self.number}"
        self.number += 1
        begin("passwd", {"new": new})
        self.vault.change_passphrase(new)
        done("passwd", {})


def main(argv: list[str] | None = None) -> int:
    """Unlock, say READY, run the operations, say END."""
    parser = argparse.ArgumentParser(prog="python -m tests.crash.driver")
    parser.add_argument("--vault", required=True, type=Path)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--seed", required=True, type=int)
    parser.add_argument("--ops", type=int, default=10)
    parser.add_argument("--recipient", required=True)
    parser.add_argument("--attach-mb", type=float, default=3.0)
    parser.add_argument("--only", choices=list(WEIGHTS), help="one kind of operation only")
    args = parser.parse_args(argv)
    passphrase = sys.stdin.readline().removesuffix("\n")
    vault = Vault.open(args.vault, actor="crash-driver")
    vault.unlock(passphrase)
    with vault:
        say("READY", repr(time.time()))
        driver = Driver(vault, args.work, args.seed, args.recipient, args.attach_mb)
        driver.run(args.ops, args.only)
    say("END")
    return 0


if __name__ == "__main__":
    sys.exit(main())
