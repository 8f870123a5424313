"""The seams between the parts are typed and explicit (issue 17).

- ``vault.services`` is a typed object: ``mypy --strict`` catches a misspelt service
  method at a call site in ``tui/`` (checked on a temporary copy of the source);
- it exists only while the vault is unlocked, and cannot be reassigned;
- ``evault check`` runs one explicit list of checks, whatever was imported before;
- no module of ``vault/`` calls another module's private methods.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE, ROOT, run_cli_process
from vault.attachments.service import AttachmentService
from vault.checks import all_checks
from vault.dossier.service import DossierService
from vault.errors import VaultLocked
from vault.export.service import ExportService
from vault.records.service import RecordService
from vault.session import Vault
from vault.travel.service import TravelService

#: One call site in tui/ into the records service, and how a typo would spell it.
CALL_SITE = Path("tui/app/screens/browse.py")
CALL = 'records.list(kind="case"'
TYPO = 'records.lisst(kind="case"'


def _mypy(root: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    # Only the module holding the call site (and what it imports): enough to prove the
    # call is checked, and a fraction of the whole run tests/test_lint.py does.
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml", "--cache-dir",
         str(cache), "-m", "tui.app.screens.browse"],
        cwd=root, capture_output=True, text=True, timeout=600)


def test_mypy_catches_a_misspelt_service_method_in_the_app(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", "*.mo", "*.po",
                                  "*.pot", "*.ttf", "*.otf")
    for package in ("crypto", "vault", "tui"):
        shutil.copytree(ROOT / package, copy / package, ignore=skip)
    shutil.copy2(ROOT / "pyproject.toml", copy / "pyproject.toml")
    cache = tmp_path / "cache"

    clean = _mypy(copy, cache)
    assert clean.returncode == 0, clean.stdout[-4000:]

    source = (copy / CALL_SITE).read_text(encoding="utf-8")
    assert source.count(CALL) == 1, "the call site this test edits moved; pick another"
    (copy / CALL_SITE).write_text(source.replace(CALL, TYPO), encoding="utf-8")
    broken = _mypy(copy, cache)  # incremental: only the edited module is checked again
    assert broken.returncode != 0
    assert '"RecordService" has no attribute "lisst"' in broken.stdout, broken.stdout[-4000:]
    assert str(CALL_SITE) in broken.stdout


def test_services_are_typed_attributes_built_at_unlock(new_vault: Vault) -> None:
    services = new_vault.services
    assert isinstance(services.records, RecordService)
    assert isinstance(services.attachments, AttachmentService)
    assert isinstance(services.export, ExportService)
    assert isinstance(services.dossier, DossierService)
    assert isinstance(services.travel, TravelService)
    assert services.records is services.records  # one per session
    with pytest.raises(AttributeError):
        services.records = services.records  # type: ignore[misc]


def test_services_raise_vault_locked_once_locked(vault_path: Path) -> None:
    created = Vault.create(vault_path, PASSPHRASE)
    vault = created.vault
    records = vault.services.records
    rid = records.add("person", {"name": "Test Person"})
    vault.lock()
    with pytest.raises(VaultLocked):
        vault.services  # noqa: B018
    with pytest.raises(VaultLocked):  # a service kept across the lock
        records.get(rid)
    vault.unlock(PASSPHRASE)
    try:
        fresh = vault.services.records
        assert fresh is not records
        assert fresh.get(rid).title == "Test Person"
    finally:
        vault.close()


def test_checks_are_one_explicit_list_in_report_order(vault_path: Path) -> None:
    names = [c.name for c in all_checks()]
    assert names == ["header", "records", "search", "attachments", "protected identities",
                     "travel"]
    assert [c.name for c in all_checks() if c.repair] == [
        "header", "records", "search", "attachments", "protected identities"]
    Vault.create(vault_path, PASSPHRASE).vault.close()
    # A fresh process that imported nothing but the session still runs every check.
    code = ("import sys\nfrom vault.session import Vault\n"
            "v = Vault.open(sys.argv[1]); v.unlock(sys.argv[2])\n"
            "print('\\n'.join(v.check().checked)); v.close()\n")
    proc = subprocess.run([sys.executable, "-c", code, str(vault_path), PASSPHRASE],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    listed = [line for line in proc.stdout.splitlines() if line in names]
    assert listed == names
    result = run_cli_process(["--vault", str(vault_path), "--passphrase-stdin", "check",
                              "--repair"], stdin=PASSPHRASE + "\n")
    assert result.code == 0, result.err
    assert "repaired (search)" in result.err


def _private_calls(path: Path, root: Path = ROOT) -> list[str]:
    """``x._name(...)`` where ``x`` is not ``self``/``cls`` and ``_name`` is not defined
    in the same file: a call into another module's private method. (A class may use
    its own private methods on another instance of itself.)"""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    own = {node.name for node in ast.walk(tree)
           if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        attr = node.func.attr
        if not attr.startswith("_") or attr.startswith("__") or attr in own:
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
            continue  # an object's own private state (a stored callable)
        found.append(f"{path.relative_to(root)}:{node.lineno} calls .{attr}()")
    return found


def test_no_private_calls_between_objects_in_vault() -> None:
    found = [hit for path in sorted((ROOT / "vault").rglob("*.py"))
             for hit in _private_calls(path)]
    assert not found, "\n".join(found)


def test_the_private_call_finder_finds_one(tmp_path: Path) -> None:
    sample = tmp_path / "importer.py"
    sample.write_text("def _ok(self):\n    pass\n\n\ndef f(self, records, tx):\n"
                      "    self._ok()\n    return records._insert(tx)\n", encoding="utf-8")
    assert _private_calls(sample, tmp_path) == ["importer.py:7 calls ._insert()"]
