"""Helpers for the TUI tests (tests/test_tui_*.py): a small real vault, an app that
remembers the original of an unexpected exception (for the test's own diagnostics; the
app itself never shows it), and waiting for a condition instead of sleeping."""

from __future__ import annotations

import asyncio
import functools
import itertools
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from crypto import kdf
from tui.app.app import EvaultApp
from vault.session import Vault

PASSPHRASE = "correct horse battery staple"


class TestApp(EvaultApp):
    """The real app; ``original_error`` keeps an unexpected exception for the test."""

    __test__ = False
    original_error: BaseException | None = None

    def _handle_exception(self, error: Exception) -> None:
        self.original_error = error
        # For the test's own diagnostics only (the real app prints the type name alone).
        traceback.print_exception(error, file=sys.__stderr__)
        super()._handle_exception(error)


class FakeClock:
    """A monotonic clock the test moves by hand. ``reads`` counts how often it was read,
    so a test can wait until the app has looked at it (instead of sleeping)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def fixed_clock(start: datetime | None = None) -> Callable[[], datetime]:
    """A vault clock that ticks one second per call from a fixed instant."""
    base = start or datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    counter = itertools.count()
    return lambda: base + timedelta(seconds=next(counter))


def counting_ids(prefix: str = "0a1b") -> Iterator[str]:
    """Deterministic 16-hex-character record ids (for snapshots)."""
    for n in itertools.count(1):
        yield f"{prefix}{n:012x}"


def make_vault(path: Path, *, clock: Callable[[], datetime] | None = None) -> dict[str, str]:
    """A small vault: a person, a protected source, a testimony in Chinese naming the
    source, a detention of the person, a case holding them. Returns ids by role."""
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS,
                           **({"clock": clock} if clock else {}))
    vault = created.vault
    try:
        records = vault.services.records
        ids: dict[str, str] = {}
        ids["person"] = records.add("person", {
            "name": "Wang Quanzhang", "name_original": "王全璋", "roles": ["victim", "lawyer"],
            "birth_date": "1976", "notes": "Human rights lawyer (fictional record)."})
        ids["source"] = records.add("source", {
            "label": "Witness K", "name": "Li Ming", "phones": ["+86 139 0000 0000"]})
        ids["testimony"] = records.add("testimony", {
            "title": "Account of the night raid", "source": ids["source"],
            "interview_date": "2019-03-14", "language": "zh",
            "narrative": "他说律师在看守所里被审讯了三天。The lawyer was interrogated."})
        ids["detention"] = records.add("detention", {
            "title": "RSDL in Example City", "detainee": ids["person"], "type": "rsdl",
            "start": "2015-08-03"})
        ids["case"] = records.add("case", {
            "title": "Example City lawyers", "records": [ids["person"], ids["detention"]]})
        return ids
    finally:
        vault.close()


async def wait_for(pilot: Pilot[Any], condition: Callable[[], object],
                   timeout: float = 20.0) -> None:
    """Let the app run until ``condition()`` is true (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        try:
            if condition():
                return
        except Exception:  # noqa: BLE001 - widgets may not exist yet
            pass
    app = pilot.app
    original = getattr(app, "original_error", None)
    shown = getattr(getattr(app.screen, "error", None), "message", "")
    raise AssertionError(f"timed out; screen={type(app.screen).__name__} {shown}; "
                         f"error={original!r}")


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` key by key."""
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def unlock(pilot: Pilot[Any], passphrase: str = PASSPHRASE) -> None:
    """On the unlock screen: type the passphrase and wait for the browse screen."""
    from tui.app.screens.browse import BrowseScreen

    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "UnlockScreen")
    pilot.app.screen.query_one("#passphrase").value = passphrase
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, BrowseScreen)
                   and pilot.app.screen.query_one("#records").row_count > 0)


def run_async(test: Callable[..., Any]) -> Callable[..., Any]:
    """Run an ``async def`` test in a fresh event loop (no async plugin needed)."""
    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(test(*args, **kwargs))
    return wrapper


def browsing(app: Any) -> bool:
    """True once the browse screen is up and its sidebar counts are drawn."""
    from tui.app.screens.browse import BrowseScreen

    return isinstance(app.screen, BrowseScreen) and app.screen.query_one(
        "#kinds").option_count > 0


def shown(app: Any, screen_type: type) -> bool:
    """True once a screen of ``screen_type`` is on top and fully mounted (its header's
    title is drawn). Leaving a test before that races Textual's own mounting."""
    screen = app.screen
    return isinstance(screen, screen_type) and bool(screen.query("HeaderTitle"))
