"""Navigation in one place: screens ask to go somewhere with a message and
``tui/app/navigation.py`` alone maps destinations to screens, so the app's modules import
each other without a cycle (today's code had one through ``screens/base.py`` -> ``app.py``
and every screen that imported another)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "tui" / "app"


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    """Every import between the app's modules, wherever it is written (in a function or
    under TYPE_CHECKING too: both still tie the modules together)."""
    modules = {_module(p): p for p in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for target in targets:
                if target in modules and target != name and not target.endswith("__init__"):
                    if modules[target].name != "__init__.py":
                        graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_in_the_app() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


def test_only_navigation_opens_screens() -> None:
    """A screen module imports no other full screen: it posts where it wants to go."""
    graph = _graph()
    full = {m for m in graph if m.startswith("tui.app.screens.")
            and m.rsplit(".", 1)[1] not in ("base", "modal", "dialogs", "passphrase",
                                            "level_keys")}
    bad = sorted(f"{m} imports {t}" for m in full for t in graph[m] if t in full)
    assert not bad, "\n".join(bad)
    assert "tui.app.navigation" in graph
