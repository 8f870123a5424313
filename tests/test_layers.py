"""Dependencies point tui -> vault -> crypto only, and nothing imports the network."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "crypto": {"vault", "tui", "textual", "rich"},
    "vault": {"tui", "textual", "rich"},
    "tui": set(),
}
NETWORK = {"socket", "requests", "httpx", "urllib.request", "aiohttp", "http.client", "ssl"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_down_only(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN[package] or name in NETWORK or top in NETWORK:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_app_does_not_import_the_command_line() -> None:
    """``tui/app`` and ``tui/cli`` are two front ends side by side: what both need
    (terminal-safe text) lives in a module of ``tui`` both import, never in the other."""
    bad = [f"{path.relative_to(ROOT)} imports {name}"
           for path in sorted((ROOT / "tui" / "app").rglob("*.py"))
           for name in imports(path) if name == "tui.cli" or name.startswith("tui.cli.")]
    assert not bad, "\n".join(bad)


def test_only_crypto_imports_hazmat() -> None:
    for package in ("vault", "tui"):
        for path in (ROOT / package).rglob("*.py"):
            assert not any("hazmat" in n for n in imports(path)), path
