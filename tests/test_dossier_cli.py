"""``evault dossier``, ``evault settings`` and ``evault export --dossier`` through the real
command line: exit codes, output contracts, files written only after the gate."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result, run_cli
from tests.dossier_support import NAME_ZH, Scenario, complete_profile, make_template, open_copy
from vault.records.demo import DEMO_PASSPHRASE

Cli = Callable[..., Result]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("demo") / "vault")


@pytest.fixture
def setup(template: Path, tmp_path: Path) -> tuple[Cli, Scenario]:
    vault = open_copy(template, tmp_path / "vault")
    try:
        scenario = complete_profile(vault, tmp_path)
    finally:
        vault.close()

    def call(*args: str) -> Result:
        try:
            return run_cli(["--vault", str(tmp_path / "vault"), *args, "--passphrase-stdin"],
                           DEMO_PASSPHRASE + "\n")
        except SystemExit as exc:  # argparse refuses the line itself (exit 2)
            return Result(int(exc.code or 0), "", "")
    return call, scenario


def test_check_lists_gaps_and_exits_0(setup: tuple[Cli, Scenario]) -> None:
    cli, s = setup
    result = cli("dossier", s.person, "--regime", "eu", "--check")
    assert result.code == 0, result.err
    assert "missing, " in result.out.splitlines()[-1]
    result = cli("dossier", s.person[:8], "--regime", "ca", "--check", "--json")
    assert result.code == 0
    doc = json.loads(result.out)
    assert doc["person"] == s.person and doc["regime"] == "ca" and doc["ready"] is True
    assert all({"code", "severity", "message"} <= set(g) for g in doc["gaps"])


def test_check_reports_a_removed_birth_date(setup: tuple[Cli, Scenario]) -> None:
    cli, s = setup
    assert cli("edit", s.person, "--set", "birth_date=").code == 0
    result = cli("--json", "dossier", s.person, "--regime", "us", "--check")
    doc = json.loads(result.out)
    assert doc["ready"] is False
    assert any(g["code"] == "no_birth_date" for g in doc["gaps"])


@pytest.mark.parametrize("suffix", [".md", ".pdf"])
def test_out_writes_a_gated_file(setup: tuple[Cli, Scenario], tmp_path: Path,
                                 suffix: str) -> None:
    cli, s = setup
    out = tmp_path / f"dossier{suffix}"
    result = cli("dossier", s.person, "--regime", "uk", "--out", str(out))
    assert result.code == 0, result.err
    assert "leak gate" in result.err
    data = out.read_bytes()
    assert data.startswith(b"%PDF") if suffix == ".pdf" else NAME_ZH in data.decode()
    again = cli("dossier", s.person, "--regime", "uk", "--out", str(out))
    assert again.code == 1 and "already exists" in again.err
    assert out.read_bytes() == data


@pytest.mark.parametrize("args", [
    ["--regime", "us"],  # neither --check nor --out
    ["--regime", "us", "--check", "--out", "x.md"],
    ["--regime", "us", "--out", "x.docx"],
    ["--regime", "us", "--out", "x.md", "--clearance", "partner"],  # partner needs --to
    ["--regime", "fr", "--check"],
])
def test_usage_errors_exit_2(setup: tuple[Cli, Scenario], args: list[str]) -> None:
    cli, s = setup
    result = cli("dossier", s.person, *args)
    assert result.code == 2
    assert "Traceback" not in result.err


def test_a_record_that_is_not_a_person_is_refused(setup: tuple[Cli, Scenario]) -> None:
    cli, s = setup
    result = cli("dossier", s.act, "--regime", "eu", "--check")
    assert result.code == 1 and "not a person" in result.err


def test_settings_organisation(setup: tuple[Cli, Scenario]) -> None:
    cli, _ = setup
    assert cli("settings", "set", "organisation", "Rights  Group\t(fictional)").code == 0
    result = cli("settings", "get", "organisation", "--json")
    assert json.loads(result.out) == {"organisation": "Rights Group (fictional)"}
    assert cli("settings", "set", "organisation").code == 2
    assert cli("settings", "set", "colour", "red").code == 2


def test_export_puts_the_dossier_in_the_bundle(setup: tuple[Cli, Scenario],
                                               tmp_path: Path) -> None:
    cli, s = setup
    out = tmp_path / "bundle.zip"
    result = cli("export", "--clearance", "public", "--plain", "--ids", s.person,
                 "--dossier", s.person, "--regime", "eu", "--out", str(out), "--yes")
    assert result.code == 0, result.err
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        docs = [n for n in names if n.startswith("dossier/")]
        assert {Path(n).suffix for n in docs} == {".md", ".pdf"}
        manifest = json.loads(zf.read("manifest.json"))
        md = zf.read(next(n for n in docs if n.endswith(".md"))).decode()
    listed = json.dumps(manifest)
    assert all(n in listed for n in docs)
    assert NAME_ZH in md
    assert cli("export", "--clearance", "public", "--plain", "--dossier", s.person,
               "--out", str(tmp_path / "b2.zip"), "--yes").code == 2
