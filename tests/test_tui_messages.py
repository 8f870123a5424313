"""The app's messages are typed: one class per result with typed fields, handled by
type (Textual's ``on_<name>``), never a catch-all ``Done(what, result: Any)`` whose
payload mypy cannot see and whose handlers dispatch on a string."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

from textual.message import Message

import tui.app.messages as messages

APP = Path(__file__).resolve().parent.parent / "tui" / "app"

#: The results of workers that used to travel as ``Done("what", result)``.
RESULTS = ["EditorLoaded", "AttachmentsLoaded", "CustodyLoaded", "Attached", "Extracted",
           "AttachmentChanged", "ExportChoicesLoaded", "PlanReady", "BundleSealed",
           "BundleVerified", "BundleOpened", "BundleImported", "SettingsLoaded",
           "OrganisationSaved", "SettingSaved", "KeysChanged", "RecipientsChanged"]


def test_no_catch_all_message() -> None:
    assert not hasattr(messages, "Done")


def test_every_result_is_a_typed_dataclass_message() -> None:
    for name in RESULTS:
        cls = getattr(messages, name)
        assert issubclass(cls, Message) and dataclasses.is_dataclass(cls), name
        assert inspect.getdoc(cls), f"{name} needs a docstring saying what it carries"
        for field in dataclasses.fields(cls):
            assert "Any" not in str(field.type), f"{name}.{field.name} is typed Any"


def test_no_screen_dispatches_on_a_string() -> None:
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.name != "on_done", f"{path.name}: on_done"
            if isinstance(node, ast.Attribute) and node.attr == "what" and \
                    isinstance(node.value, ast.Name) and node.value.id == "message":
                raise AssertionError(f"{path.name}:{node.lineno} dispatches on message.what")


def test_every_result_has_a_handler_somewhere() -> None:
    """A message nobody handles is a result that silently goes nowhere."""
    handlers = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                handlers.add(node.name)
    for name in RESULTS:
        handler = "on_" + "".join("_" + c.lower() if c.isupper() else c for c in name)[1:]
        assert handler in handlers, f"no {handler} for {name}"
