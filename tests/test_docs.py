"""The docs keep up with the code: every command documented, README links alive, every
benchmark runnable as documented."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from tui.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent


def subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


@pytest.mark.parametrize("name", subcommands())
def test_every_command_is_in_docs_cli(name: str) -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert re.search(rf"`evault {name}\b", text), f"evault {name} is not documented"


def test_readme_links_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        assert (ROOT / target).exists(), target


def test_readme_commands_match_ci() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_line = next(ln for ln in readme.splitlines() if "python -m pytest" in ln)
    assert test_line.strip() in ci


def test_every_benchmark_is_documented_in_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for bench in sorted((ROOT / "bench").glob("*.py")):
        if bench.name != "__init__.py":
            assert f"bench.{bench.stem}" in readme, bench.name
