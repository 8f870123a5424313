"""The checks after a kill: the vault opens, ``evault check`` passes (after a repair that
may only remove orphans, and only when the kill landed in an attach), what was reported is
there exactly, nothing half-written is visible, exported bundles are whole, no temporary
file is left behind."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.clirun import run_cli
from tests.crash import model, workload
from vault import leftovers
from vault.errors import WrongKey
from vault.search import search_ids
from vault.session import Vault

#: What a vault directory may hold after a kill (SQLite's WAL files included).
VAULT_FILES = {"header", "vault.db", "vault.db-wal", "vault.db-shm", "blobs"}
_REMOVED = re.compile(r"^repaired \(attachments\): removed unreferenced file blobs/\S+$")
_UNSTAGED = re.compile(r"^repaired \(header\): removed the key slot of an interrupted "
                       r"passphrase change \(\.header\.tmp\)$")
_REINDEXED = re.compile(r"^repaired \(search\): .*\(0 stale entries removed\)$")
#: Records of one run whose search tokens are looked up (a sample: imports touch hundreds).
SEARCH_SAMPLE = 25


@dataclass
class Verdict:
    """What the checks found after one kill."""

    passphrase: str | None = None
    """The passphrase that opens the vault now (None: none did)."""
    problems: list[str] = field(default_factory=list)
    repaired: int = 0
    """Leftovers ``check --repair`` removed (orphaned blobs, a staged key slot)."""
    snapshot: model.Snapshot | None = None


def unlocks(path: Path, passphrase: str) -> bool:
    """True when ``passphrase`` opens the vault at ``path``."""
    vault = Vault.open(path)
    try:
        vault.unlock(passphrase)
    except WrongKey:
        return False
    vault.close()
    return True


def which_passphrase(path: Path, current: str, script: model.Transcript) -> tuple[
        str | None, list[str]]:
    """The one passphrase of (the last reported, the one in flight) that opens the vault."""
    reported = [s.begin["new"] for s in script.steps if s.op == "passwd" and s.done is not None]
    candidates = [reported[-1] if reported else current]
    flight = script.in_flight
    if flight is not None and flight.op == "passwd":
        candidates.append(flight.begin["new"])
    opened = [p for p in candidates if unlocks(path, p)]
    if len(opened) != 1:
        return None, [f"the vault opens with {len(opened)} of the passphrases it may have"]
    if flight is None or flight.op != "passwd":
        assert opened == candidates[:1]
    return opened[0], []


def _leftover(problem: str, op: str | None) -> bool:
    """A problem a kill during ``op`` may leave and ``check --repair`` exists to remove:
    blob files of an interrupted attach, the staged key slot of an interrupted passwd."""
    if op == "attach":
        return problem.startswith("blobs/")
    if op == "passwd":
        return problem.startswith("a key slot left by an interrupted passphrase change")
    return False


def run_check(path: Path, passphrase: str, op: str | None,
              before_repair: model.Snapshot | None = None) -> tuple[list[str], int]:
    """``evault check``; when it reports only leftovers that the kill during ``op``
    explains, ``check --repair`` — which must remove those and nothing else."""
    base = ["--vault", str(path), "--passphrase-stdin"]
    ran = run_cli([*base, "check", "--json"], passphrase + "\n")
    if ran.code == 0:
        return [], 0
    found = json.loads(ran.out)["problems"] if ran.out.strip() else [ran.err.strip()]
    if not all(_leftover(p, op) for p in found):
        return [f"check: {p}" for p in found], 0
    blobs = path / "blobs"
    present = set(os.listdir(blobs))
    referenced = _referenced(path, passphrase)
    repair = run_cli([*base, "check", "--repair", "--json"], passphrase + "\n")
    lines = [ln for ln in repair.err.splitlines() if ln.startswith("repaired")]
    removed = [ln for ln in lines if _REMOVED.match(ln) or _UNSTAGED.match(ln)]
    problems = [f"repair did more than remove leftovers: {ln}" for ln in lines
                if ln not in removed and not _REINDEXED.match(ln)]
    if repair.code != 0:
        problems.append(f"check --repair exit {repair.code}: {repair.out[-300:]}")
    left = set(os.listdir(blobs))
    if left != referenced or len(removed) != len(found) or not left <= present:
        problems.append("repair removed a referenced blob or left a leftover")
    if before_repair is not None:
        with _open(path, passphrase) as vault:
            if not model.Snapshot.take(vault).same_content(before_repair):
                problems.append("repair changed records or attachments")
    return problems, len(removed)


def _referenced(path: Path, passphrase: str) -> set[str]:
    with _open(path, passphrase) as vault:
        return {str(r[0]) for r in vault.store.query("SELECT blob_name FROM attachments")}


def _open(path: Path, passphrase: str) -> Vault:
    vault = Vault.open(path)
    vault.unlock(passphrase)
    return vault


def check_bundle(out: Path, identity: Path, signer: str, bundle_id: str | None) -> list[str]:
    """A bundle file must be whole: ``evault bundle verify`` accepts it (and it is the
    bundle reported, when one was)."""
    ran = run_cli(["bundle", "verify", str(out), "--identity", str(identity),
                    "--signer", signer, "--json"])
    if ran.code != 0:
        return [f"bundle {out.name} does not verify (exit {ran.code}): {ran.err.strip()}"]
    if bundle_id is not None and json.loads(ran.out)["bundle_id"] != bundle_id:
        return [f"bundle {out.name} is not the bundle reported"]
    return []


def contents(vault: Vault, before: model.Snapshot, script: model.Transcript,
             rng: random.Random) -> tuple[model.Snapshot, list[str]]:
    """Snapshot the vault and hold it to the transcript; sample the search index."""
    records: Any = vault.services.records
    rows = {s.begin["file"]: workload.expected_rows(records, Path(s.begin["file"]))
            for s in script.steps if s.op == "import"}
    after = model.Snapshot.take(vault)
    exp = model.expect(before, script.steps, rows)
    problems = model.compare(before, after, exp, script.in_flight, rows)
    changed = model.touched(before, after)
    for rid in rng.sample(changed, min(len(changed), SEARCH_SAMPLE)):
        for tok in model.tokens(after.records[rid][1]):
            if rid not in search_ids(vault.store, tok):
                problems.append(f"record {rid}: its text is not in the search index")
    return after, problems


def stray_files(vault_path: Path, work: Path) -> list[str]:
    """Temporary files a kill left behind, in the vault or beside exported bundles."""
    problems = [f"vault directory holds {name!r} after the kill"
                for name in sorted(set(os.listdir(vault_path)) - VAULT_FILES)]
    problems += [f"temporary file {name!r} left beside the exports"
                 for name in sorted(os.listdir(work)) if name.startswith(".")]
    return problems


def leftovers_after_next_command(folders: list[Path]) -> tuple[int, list[str]]:
    """Run what the next evault command runs first (:func:`vault.leftovers.sweep`), then
    scan every folder the commands write to: (places the sweep removed, what is left)."""
    swept = len(leftovers.sweep())
    left = []
    for folder in folders:
        if folder.is_dir():
            left += [f"{folder.name}/{name} is left after the next command"
                     for name in sorted(os.listdir(folder)) if name.startswith(".")]
    return swept, left


def outside_result(step: model.Step, passphrase: str) -> list[str]:
    """What a command that writes outside the vault left at its destination: nothing, or
    the whole of it (a complete file with the recorded hash, a backup that passes check,
    an opened bundle with its manifest)."""
    out = Path(step.begin["out"])
    if not out.exists():
        return [f"{step.op} reported done but {out.name} is not there"] if step.done else []
    if step.op == "extract":
        if hashlib.sha256(out.read_bytes()).hexdigest() != step.begin["sha256"]:
            return [f"extract left {out.name} with content that is not the attachment"]
        return []
    if step.op == "backup":
        ran = run_cli(["--vault", str(out), "--passphrase-stdin", "check"], passphrase + "\n")
        if ran.code != 0:
            return [f"the backup {out.name} fails check: {ran.out.strip()[-200:]}"]
        return []
    if not (out / "manifest.json").is_file():
        return [f"bundle open left {out.name} without its manifest"]
    return []
