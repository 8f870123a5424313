"""Two real ``evault`` processes writing the same vault at once: nothing may be lost.

Each mode starts two worker processes (``python -m tests.crash.concurrent worker ...``)
that run real ``evault`` commands (the CLI's ``main``, in the worker process) in a loop,
at the same time, on one vault. Every worker checks, before each of its commands, that
what its previous command reported done is still there, and prints one JSON line:
commands run, failures, and losses. The parent then checks the vault itself.

Modes:

- ``edits``: both workers edit *different* fields of the *same* record (``notes`` and
  ``occupation``). A lost edit is a value a worker wrote (exit 0) that is gone before its
  next edit. Before issue 14, the record was read outside the write transaction and about
  one edit in ten was lost with both commands exiting 0.
- ``edit-import``: one worker edits, the other imports small CSV files; every imported row
  and every edit must be there at the end.
- ``backup-attach``: one worker attaches and detaches files, the other takes backups;
  every backup that said "written" must pass ``evault check`` (a detach during a backup
  used to leave it referencing a missing blob).

``python -m tests.crash.concurrent --mode all --rounds 200`` is the long run of
docs/reliability.md; the test suite runs a few dozen rounds of each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.clirun import run_cli
from tests.crash.cli import child_env

PASSPHRASE = "concurrent writers passphrase"
MODES = ("edits", "edit-import", "backup-attach")


@dataclass
class Figures:
    """What one mode's run found."""

    mode: str
    commands: int = 0
    """Commands both workers ran."""
    refused: int = 0
    """Commands that failed (exit not 0) — allowed only as 'another evault is writing'."""
    lost: int = 0
    """Writes reported done that were gone later."""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing lost and nothing else wrong."""
        return self.lost == 0 and not self.problems


def _cli(vault: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    result = run_cli(["--vault", str(vault), *args, "--passphrase-stdin"],
                     PASSPHRASE + "\n" + stdin)
    return result.code, result.out, result.err


def _field(vault: Path, rid: str, name: str) -> Any:
    code, out, err = _cli(vault, "get", rid, "--json")
    if code != 0:
        raise RuntimeError(f"get failed: {err.strip()}")
    return json.loads(out)["fields"].get(name)


# -- workers (each a process of its own) -------------------------------------------------

def _worker_edit(vault: Path, rid: str, name: str, rounds: int) -> dict[str, Any]:
    done, refused, lost, last = 0, 0, 0, None
    for i in range(rounds):
        if last is not None and _field(vault, rid, name) != last:
            lost += 1
        value = f"{name}-{os.getpid()}-{i}"
        code, _out, err = _cli(vault, "edit", rid, "--set", f"{name}={value}")
        done += 1
        if code == 0:
            last = value
        else:
            refused += 1
            if "another evault process is writing" not in err:
                return {"commands": done, "refused": refused, "lost": lost,
                        "problem": f"edit failed: {err.strip()}"}
    if last is not None and _field(vault, rid, name) != last:
        lost += 1
    return {"commands": done, "refused": refused, "lost": lost, "last": last}


def _worker_import(vault: Path, work: Path, rounds: int) -> dict[str, Any]:
    done, refused, imported = 0, 0, 0
    for i in range(rounds):
        csv = work / f"import-{i}.csv"
        rows = "\n".join(f"imp-{os.getpid()}-{i}-{n},note {n}" for n in range(20))
        csv.write_text("name,notes\n" + rows + "\n", encoding="utf-8")
        code, _out, err = _cli(vault, "import", str(csv), "--kind", "person")
        done += 1
        if code == 0:
            imported += 20
        else:
            refused += 1
            if "another evault process is writing" not in err:
                return {"commands": done, "refused": refused, "lost": 0,
                        "problem": f"import failed: {err.strip()}"}
    return {"commands": done, "refused": refused, "lost": 0, "imported": imported}


def _worker_attach(vault: Path, rid: str, work: Path, rounds: int) -> dict[str, Any]:
    done, refused = 0, 0
    for i in range(rounds):
        src = work / f"file-{i}.bin"
        src.write_bytes(os.urandom(64 * 1024 + i))
        code, out, err = _cli(vault, "attach", rid, str(src))
        done += 1
        if code == 0 and i % 2 == 0:
            aid = out.split()[0] if out.split() else ""
            code, out, err = _cli(vault, "detach", aid)
            done += 1
        if code != 0:
            refused += 1
            if "another evault process is writing" not in err:
                return {"commands": done, "refused": refused, "lost": 0,
                        "problem": f"attach/detach failed: {err.strip()}"}
    return {"commands": done, "refused": refused, "lost": 0}


def _worker_backup(vault: Path, work: Path, rounds: int) -> dict[str, Any]:
    done, refused, lost = 0, 0, 0
    problems = []
    for i in range(rounds):
        dest = work / f"backup-{i}"
        code, _out, err = _cli(vault, "backup", "--to", str(dest))
        done += 1
        if code != 0:
            refused += 1
            if "another evault process is writing" not in err:
                problems.append(f"backup failed: {err.strip()}")
            continue
        code, out, err = _cli(dest, "check")
        if code != 0:
            lost += 1
            problems.append(f"backup {i} fails check: {out.strip().splitlines()[-1:]}")
    return {"commands": done, "refused": refused, "lost": lost,
            "problem": "; ".join(problems[:3]) or None}


def worker(argv: list[str]) -> int:
    """``worker KIND VAULT ARG ROUNDS``: run one worker and print its JSON line."""
    kind, vault, arg, rounds = argv[0], Path(argv[1]), argv[2], int(argv[3])
    if kind in ("notes", "occupation"):
        result = _worker_edit(vault, arg, kind, rounds)
    elif kind == "import":
        result = _worker_import(vault, Path(arg), rounds)
    elif kind == "attach":
        rid, work = arg.split(":", 1)
        result = _worker_attach(vault, rid, Path(work), rounds)
    else:
        result = _worker_backup(vault, Path(arg), rounds)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


# -- the parent ------------------------------------------------------------------------

def _spawn(*args: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "tests.crash.concurrent", "worker", *args]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=child_env())


def _collect(procs: list[subprocess.Popen[bytes]], figures: Figures) -> list[dict[str, Any]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=1800)
        if proc.returncode != 0 or not out.strip():
            figures.problems.append(f"worker died ({proc.returncode}): "
                                    f"{err.decode(errors='replace')[-300:]}")
            continue
        result = json.loads(out.decode().strip().splitlines()[-1])
        figures.commands += result["commands"]
        figures.refused += result["refused"]
        figures.lost += result["lost"]
        if result.get("problem"):
            figures.problems.append(result["problem"])
        results.append(result)
    return results


def _new_vault(root: Path) -> tuple[Path, str]:
    vault = root / "vault"
    result = run_cli(["--vault", str(vault), "init", "--passphrase-stdin"],
                     f"{PASSPHRASE}\n{PASSPHRASE}\n")
    if result.code != 0:
        raise RuntimeError(f"init failed: {result.err}")
    code, out, err = _cli(vault, "add", "person", "--json", "-",
                          stdin=json.dumps({"name": "Shared Record"}))
    if code != 0:
        raise RuntimeError(f"add failed: {err}")
    return vault, out.split()[0]


def run_mode(mode: str, rounds: int, root: Path) -> Figures:
    """Run ``mode`` for ``rounds`` commands per worker in ``root`` (a new vault)."""
    os.environ.setdefault("EVAULT_INSECURE_TEST_KDF", "1")
    root.mkdir(parents=True, exist_ok=True)
    figures = Figures(mode)
    vault, rid = _new_vault(root)
    work = root / "work"
    work.mkdir()
    if mode == "edits":
        procs = [_spawn("notes", str(vault), rid, str(rounds)),
                 _spawn("occupation", str(vault), rid, str(rounds))]
        results = _collect(procs, figures)
        for result, name in zip(results, ("notes", "occupation"), strict=False):
            if result.get("last") is not None and _field(vault, rid, name) != result["last"]:
                figures.lost += 1
    elif mode == "edit-import":
        procs = [_spawn("notes", str(vault), rid, str(rounds)),
                 _spawn("import", str(vault), str(work), str(max(1, rounds // 4)))]
        results = _collect(procs, figures)
        code, out, _err = _cli(vault, "list", "person", "--json")
        have = len(json.loads(out)) - 1 if code == 0 else -1
        want = sum(r.get("imported", 0) for r in results)
        if have != want:
            figures.lost += abs(want - have)
            figures.problems.append(f"imported {want} rows, the vault holds {have}")
    elif mode == "backup-attach":
        procs = [_spawn("attach", str(vault), f"{rid}:{work}", str(rounds)),
                 _spawn("backup", str(vault), str(work), str(max(1, rounds // 3)))]
        _collect(procs, figures)
    else:
        raise ValueError(mode)
    code, out, _err = _cli(vault, "check")
    if code != 0:
        figures.problems.append(f"the vault fails check after {mode}: {out[-300:]}")
    return figures


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.crash.concurrent --mode all --rounds N``."""
    args_list = sys.argv[1:] if argv is None else argv
    if args_list[:1] == ["worker"]:
        return worker(args_list[1:])
    parser = argparse.ArgumentParser(prog="python -m tests.crash.concurrent",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=[*MODES, "all"], default="all")
    parser.add_argument("--rounds", type=int, default=60,
                        help="commands per worker (default 60)")
    args = parser.parse_args(args_list)
    modes = MODES if args.mode == "all" else (args.mode,)
    failed = False
    all_figures = []
    with tempfile.TemporaryDirectory(prefix="evault-concurrent-") as tmp:
        for mode in modes:
            figures = run_mode(mode, args.rounds, Path(tmp) / mode)
            failed |= not figures.ok
            all_figures.append({"mode": mode, "commands": figures.commands,
                                "refused": figures.refused, "lost": figures.lost,
                                "problems": figures.problems[:5]})
            sys.stdout.write(f"{mode}: {figures.commands} commands, {figures.refused} "
                             f"refused (busy), {figures.lost} lost, "
                             f"{len(figures.problems)} problems\n")
    sys.stdout.write(json.dumps(all_figures) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
