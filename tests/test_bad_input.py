"""The bad-input corpus (``tests/corpus/bad/cases.json``): every case runs the real CLI
and must end with its exit code and message, with no traceback and no internal error,
and a failing step must leave everything as it was: the record count, the audit log's
length, the attachments, the header bytes, and no file left in the work folder (no
bundle, no half-opened folder, nothing escaped outside it).

Most steps run in this process (``run_cli``, fast); steps marked ``process`` run as a
real ``evault`` process, to prove that a real process prints no traceback either. The
cases, the files and how they are made: docs/reliability.md, ``make_files.py`` and
``make_bundles.py`` beside the manifest.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyrage
import pytest

import crypto.kdf
from crypto import header as header_format
from crypto import kdf
from crypto.errors import CryptoError
from tests.conftest import PASSPHRASE, ROOT, Result, run_cli, run_cli_process
from vault.errors import VaultError
from vault.session import Vault

CORPUS = ROOT / "tests" / "corpus" / "bad"
MANIFEST: dict[str, Any] = json.loads((CORPUS / "cases.json").read_text("utf-8"))
CASES: list[dict[str, Any]] = MANIFEST["cases"]
IDENTITY = CORPUS / "TEST-ONLY-age-identity.txt"
SIGNER = CORPUS / "TEST-ONLY-signer.pub"
#: Names a traversal case tries to write; none may ever exist.
ESCAPED = "evault-corpus-escaped.json"
#: Terminal control characters (C0 but newline and tab, DEL, C1) that must never be shown raw.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    """A locked vault holding one person record, copied for every case."""

    path: Path
    record: str


@dataclass(frozen=True)
class State:
    """What a failing step must not change."""

    header: bytes
    records: int | None
    audit: int | None
    attachments: int | None
    blobs: frozenset[str]
    database: str | None
    """SHA-256 of vault.db, only when the header cannot be unlocked (then nothing may
    open the database at all)."""
    work: frozenset[str]
    """Every path in the case's work folder outside the vault."""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    path = tmp_path_factory.mktemp("bad-input-template") / "vault"
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    try:
        record = created.vault.services.records.add("person", {"name": "Corpus Person"})
    finally:
        created.vault.close()
    return Template(path, record)


def _key_slots(data: bytes) -> bytes:
    """The header's key slots: what a failed command must leave alone. (Its sealed state
    moves with every audited change by design, and a refusal may be audited.)"""
    try:
        return repr(header_format.parse(data).slots).encode()
    except CryptoError:
        return data


def state(vault: Path, work: Path) -> State:
    """A snapshot of the vault and the work folder."""
    header = _key_slots((vault / "header").read_bytes())
    blobs = frozenset(p.name for p in (vault / "blobs").glob("*")) if (vault / "blobs"
                                                                         ).is_dir() else frozenset()
    files = frozenset(str(p.relative_to(work)) for p in work.rglob("*")
                      if p != vault and vault not in p.parents)
    try:
        v = Vault.open(vault)
        v.unlock(PASSPHRASE)
    except VaultError:
        digest = hashlib.sha256((vault / "vault.db").read_bytes()).hexdigest()
        return State(header, None, None, None, blobs, digest, files)
    try:
        records = int(v.services.records.count())
        audit = int(v.store.query_one("SELECT count(*) FROM audit", ())[0])
        attachments = int(v.store.query_one("SELECT count(*) FROM attachments", ())[0])
    finally:
        v.close()
    return State(header, records, audit, attachments, blobs, None, files)


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with its ``{name}`` placeholders filled (KeyError for an unknown one)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def run_step(step: dict[str, Any], values: dict[str, str]) -> Result:
    argv = [fill(a, values) for a in step["argv"]]
    stdin = fill(step.get("stdin", "{passphrase}\n"), values)
    if step.get("process"):
        return run_cli_process(argv, stdin)
    return run_cli(argv, stdin)


def printed_id(result: Result) -> str:
    lines = [line for line in result.out.splitlines() if line.strip()]
    assert lines, "the command printed no id"
    return lines[-1].strip()


def stored_fields(vault: Path, record_id: str) -> dict[str, Any]:
    v = Vault.open(vault)
    v.unlock(PASSPHRASE)
    try:
        return dict(v.services.records.get(record_id).fields)
    finally:
        v.close()


def check_no_raw_escapes(vault: Path, record_id: str) -> None:
    """``get``, ``get --json`` and ``list`` never send a control character raw."""
    base = ["--vault", str(vault), "--passphrase-stdin"]
    for argv in (["get", record_id], ["get", record_id, "--json"], ["list"]):
        result = run_cli([*base, *argv], PASSPHRASE + "\n")
        assert result.code == 0, result.err
        assert not RAW_CONTROL.search(result.out), f"raw control character in {argv}"
    real = run_cli_process([*base, "get", record_id], PASSPHRASE + "\n")
    assert real.code == 0 and not RAW_CONTROL.search(real.out + real.err)


def check_step(case: dict[str, Any], number: int, step: dict[str, Any], result: Result,
               before: State, after: State, values: dict[str, str]) -> None:
    where = f"{case['id']} step {number} ({' '.join(step['argv'][2:4])})"
    shown = (f"{where}: exit {result.code}\nstdout: {result.out[-1500:]}\n"
             f"stderr: {result.err[-1500:]}")
    assert result.code == step["exit"], shown
    both = result.out + result.err
    assert "Traceback" not in both, shown
    assert "internal error" not in result.err, shown
    message = step["message"]
    if result.code != 0:
        errors = [line for line in result.err.splitlines() if line.startswith("error: ")]
        if step.get("stream") == "out":
            assert message in result.out, shown
        else:
            assert errors and message in errors[-1], shown
        audit = None if before.audit is None else before.audit + step.get("audit_added", 0)
        assert after == replace(before, audit=audit), f"{where}: the failure changed something"
    elif message:
        assert message in (result.out if step.get("stream") == "out" else both), shown
    if result.code == 0 and "records_added" in step:
        assert after.records == (before.records or 0) + step["records_added"], where
    if result.code == 0 and "attachments_added" in step:
        assert after.attachments == (before.attachments or 0) + step["attachments_added"]
        assert after.records == before.records, where
    vault = Path(values["vault"])
    if "stored" in step:
        fields = stored_fields(vault, printed_id(result))
        assert {k: fields.get(k) for k in step["stored"]} == step["stored"], where
    if step.get("stored_from_file"):
        expected = json.loads(Path(values["file"]).read_text("utf-8"))
        assert stored_fields(vault, printed_id(result)) == expected, where
    if step.get("no_raw_escapes"):
        check_no_raw_escapes(vault, printed_id(result))


def counting_kdf(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count Argon2id derivations (the real function still runs)."""
    calls: list[int] = []
    real: Callable[..., bytes] = crypto.kdf.derive

    def derive(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(crypto.kdf, "derive", derive)
    return calls


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_case(case: dict[str, Any], template: Template, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    vault = work / "vault"
    shutil.copytree(template.path, vault)
    if case.get("install") == "header":
        shutil.copyfile(CORPUS / case["file"], vault / "header")
    values = {
        "vault": str(vault), "corpus": str(CORPUS), "work": str(work),
        "file": str(CORPUS / case["file"]) if case.get("file") else "",
        "file_text": (CORPUS / case["file"]).read_text("utf-8").strip()
        if any("{file_text}" in a for step in case["steps"] for a in step["argv"]) else "",
        "identity": str(IDENTITY), "signer": str(SIGNER), "record": template.record,
        "recipient": _recipient(), "out": str(work / "out"), "passphrase": PASSPHRASE,
    }
    kdf_calls = counting_kdf(monkeypatch) if case.get("no_kdf") else None
    for number, step in enumerate(case["steps"], start=1):
        before = state(vault, work)
        result = run_step(step, values)
        after = state(vault, work)
        check_step(case, number, step, result, before, after, values)
    if kdf_calls is not None:
        assert not kdf_calls, "a key derivation ran for a header that was out of bounds"
    for escaped in (Path("/tmp") / ESCAPED, tmp_path / ESCAPED, work / ESCAPED):
        assert not escaped.exists(), "a bundle entry was written outside its folder"


def _recipient() -> str:
    line = next(x for x in IDENTITY.read_text().splitlines() if x.startswith("AGE-SECRET"))
    return str(pyrage.x25519.Identity.from_str(line).to_public())


def _script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"corpus_{name}", CORPUS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", ["make_files", "make_bundles"])
def test_committed_files_are_what_the_scripts_make(script: str) -> None:
    assert _script(script).main(["--check"]) == 0


def test_every_corpus_file_is_a_case() -> None:
    named = {c["file"] for c in CASES if c.get("file")}
    for case in CASES:
        for step in case["steps"]:
            named |= {a.removeprefix("{corpus}/") for a in step["argv"] if "{corpus}/" in a}
    files = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
             if p.is_file() and p.parent != CORPUS and "__pycache__" not in p.parts}
    assert files - named == set(), "corpus files no case uses"
    assert named - files == set(), "cases naming files that do not exist"


def test_manifest_is_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert case["steps"] and case["about"]
        for step in case["steps"]:
            assert isinstance(step["exit"], int) and isinstance(step["message"], str)
            assert step["exit"] == 0 or step["message"], f"{case['id']}: no message given"
