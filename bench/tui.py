"""The TUI at scale: time from unlock to the first painted record list with 1,000 and with
100,000 records, and search-as-you-type latency at 100,000.

- First paint: from the moment the unlocked vault reaches the app (Argon2id is done; its
  cost does not depend on the vault's size and is measured by ``bench/unlock.py``) to the
  first page of the record list drawn on screen. Median of several fresh app runs per
  vault. Target: 100k / 1k <= 1.5 (the list is paged from an index, never built whole).
- Search as you type: characters typed into the search box about 70 ms apart; latency
  from the last keystroke to the results drawn, which includes the app's debounce
  (``browse.DEBOUNCE``); the search alone is reported too.
- Reference picker (linking records by name, ``tui.app.widgets.picker``): the same, in
  the picker dialog over ``vault.search.pick``: last keystroke to suggestions drawn, and
  that minus the picker's debounce. Target: under 100 ms after the debounce.
  ``--picker-only`` measures it at 10,000 and at ``--records`` and prints the ratio
  (flat: the picker reads at most ``vault.search.pick.CANDIDATES`` index rows).

Vaults are built through the records service's ``add_many`` with mixed English and
Chinese testimonies of about 1.5 KB (fixed seed), in a temporary directory.

    python -m bench.tui [--records 100000] [--small 1000] [--runs 5] [--keep DIR]
                        [--picker-only [--picker-small 10000]]

Readable table; the last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ["EVAULT_INSECURE_TEST_KDF"] = "1"  # the KDF is not what is measured here

from crypto import kdf  # noqa: E402
from tui.app import crash  # noqa: E402
from tui.app.app import EvaultApp  # noqa: E402
from tui.app.messages import PageLoaded, SearchDone, Unlocked  # noqa: E402
from tui.app.screens.browse import DEBOUNCE, BrowseScreen  # noqa: E402
from tui.app.widgets.picker import DEBOUNCE as PICK_DEBOUNCE  # noqa: E402
from tui.app.widgets.picker import PickerDialog, Suggestions  # noqa: E402
from tui.app.widgets.record_table import PAGE, RecordTable  # noqa: E402
from vault.session import Vault  # noqa: E402

PASSPHRASE = "bench passphrase"
SEED = 6
BATCH = 2_000
EN = ("torture detention lawyer family interrogation police custody beaten confession "
      "television prosecutor court guard cell hunger visit denied hospital released "
      "transferred sentenced charged subversion petition night station").split()
ZH = ["酷刑", "律师", "家属", "审讯", "看守所", "拘留", "殴打", "认罪", "电视", "检察院",
      "法院", "监狱", "失踪", "指定居所", "监视居住", "上访", "颠覆", "医院", "释放", "公安"]
FILLER_ZH = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
QUERIES = ["律师", "lawyer", "看守所", "torture", "审讯", "hospital", "酷刑 lawyer",
           "family visit", "释放", "petition", "指定居所", "court", "电视 认罪", "guard",
           "公安", "subversion"]


def testimonies(rng: random.Random, start: int, count: int) -> list[dict[str, Any]]:
    """Deterministic testimonies: ~600 bytes of English and ~900 of Chinese each."""
    rows = []
    for n in range(start, start + count):
        english = " ".join(rng.choice(EN) if rng.random() < 0.3 else
                           "".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6))
                           for _ in range(85))
        chinese = "".join(rng.choice(ZH) if rng.random() < 0.1 else
                          "".join(rng.choices(FILLER_ZH, k=2)) for _ in range(140))
        rows.append({"title": f"Interview {n}", "narrative": f"{english}.\n{chinese}。",
                     "interview_date": f"{2000 + n % 25}-{1 + n % 12:02d}-{1 + n % 28:02d}"})
    return rows


def build(path: Path, count: int) -> float:
    """A vault of ``count`` testimonies; returns the seconds it took."""
    started = time.perf_counter()
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    rng = random.Random(SEED)
    try:
        records = created.vault.services.records
        for first in range(0, count, BATCH):
            records.add_many("testimony", testimonies(rng, first, min(BATCH, count - first)))
    finally:
        created.vault.close()
    return time.perf_counter() - started


class Marks:
    """Times the instrumented app reports."""

    def __init__(self) -> None:
        self.unlocked = 0.0
        self.painted = 0.0
        self.rows = 0
        self.results: dict[int, float] = {}
        self.hits: dict[int, int] = {}
        self.pages: list[float] = []
        """When each later page of the list (scrolling down) was drawn."""


class BenchBrowse(BrowseScreen):
    """The real browse screen, noting when its first page and its results are drawn."""

    def __init__(self, marks: Marks) -> None:
        super().__init__()
        self.marks = marks

    # Textual also calls the base class's handler after these (it dispatches along the
    # MRO), so they only note what happened and when it is next drawn.

    def on_page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self.generation:
            return
        if not self.marks.rows:  # the first page (keyset pages all have offset 0)
            self.marks.rows = len(message.rows)

            def drawn() -> None:
                self.marks.painted = time.perf_counter()
            self.call_after_refresh(drawn)
        else:
            def more() -> None:
                self.marks.pages.append(time.perf_counter())
            self.call_after_refresh(more)

    def on_search_done(self, message: SearchDone) -> None:
        generation = message.generation
        if generation == self.generation:
            count = len(message.hits)

            def drawn() -> None:
                self.marks.results[generation] = time.perf_counter()
                self.marks.hits[generation] = count
            self.call_after_refresh(drawn)


class BenchApp(EvaultApp):
    """The real app with the instrumented browse screen."""

    def __init__(self, path: Path, marks: Marks) -> None:
        super().__init__(path, language="en")
        self.marks = marks

    def _browse_screen(self) -> Any:
        return BenchBrowse(self.marks)

    def on_unlocked(self, message: Unlocked) -> None:
        self.marks.unlocked = time.perf_counter()  # then EvaultApp.on_unlocked runs


async def until(condition: Any, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.002)


async def unlock(app: BenchApp, pilot: Any, marks: Marks) -> None:
    """Type the passphrase as a person does and wait for the first page to be drawn."""
    await until(lambda: app.screen.query("#passphrase"))
    app.screen.query_one("#passphrase").value = PASSPHRASE  # type: ignore[attr-defined]
    await pilot.press("enter")
    await until(lambda: marks.painted > 0)
    await pilot.pause(0.05)


async def first_paint(path: Path) -> tuple[float, int]:
    """Seconds from the unlocked vault reaching the app to the first page drawn."""
    marks = Marks()
    app = BenchApp(path, marks)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(app, pilot, marks)
    return marks.painted - marks.unlocked, marks.rows


async def deep_scroll(path: Path, pages: int = 20) -> list[float]:
    """Seconds from pressing End (the last loaded row, which asks for the next page) to
    that page drawn, for ``pages`` pages in a row: keyset pages cost the same however
    deep the list is scrolled. Fewer when the list ends first."""
    marks = Marks()
    app = BenchApp(path, marks)
    times: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(app, pilot, marks)
        table = app.screen.query_one(RecordTable)
        table.focus()
        for n in range(pages):
            if table.complete:
                break  # a small vault: the whole list is loaded
            start = time.perf_counter()
            await pilot.press("end")
            await until(lambda n=n: len(marks.pages) > n)
            times.append(marks.pages[n] - start)
    return times


async def typing(path: Path) -> list[tuple[str, float, float, int]]:
    """(query, keystroke-to-results, search alone, hits) for each query, typed."""
    marks = Marks()
    app = BenchApp(path, marks)
    out: list[tuple[str, float, float, int]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.screen.query("#passphrase"))
        app.screen.query_one("#passphrase").value = PASSPHRASE  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(lambda: marks.painted > 0)
        screen = app.screen
        assert isinstance(screen, BenchBrowse)
        box = screen.query_one("#search")
        for query in QUERIES:
            box.value = ""  # type: ignore[attr-defined]
            await until(lambda: screen.query_one(RecordTable).mode == "list")
            await asyncio.sleep(0.3)
            for ch in query:
                box.value += ch  # type: ignore[attr-defined]  # an Input.Changed, as typing
                last = time.perf_counter()
                await asyncio.sleep(0.07)
            await until(lambda: screen.generation in marks.results)
            done = marks.results[screen.generation]
            total = done - last
            out.append((query, total, total - DEBOUNCE, marks.hits[screen.generation]))
    return out


#: What a person types into a reference picker: part of a title, a whole title, a word
#: found only in the narrative, Chinese.
PICKS = ["interv", "interview 12", "interview 99998", "律师", "torture", "看守所"]


class BenchPicker(PickerDialog):
    """The real picker, noting when each keystroke's suggestions are drawn."""

    def __init__(self, marks: Marks) -> None:
        super().__init__("bench", ("testimony", "person"))
        self.marks = marks
        self.queries: dict[int, str] = {}
        """What was typed when each generation's search started: a pause between two
        keystrokes longer than the debounce starts a search for part of the word, whose
        suggestions must not count as the answer to the whole word."""

    def _after_typing(self) -> None:
        super()._after_typing()
        self.queries[self.generation] = self.typed

    def on_suggestions(self, message: Suggestions) -> None:
        generation = message.generation
        if generation == self.generation:
            count = len(message.choices)

            def drawn() -> None:
                self.marks.results[generation] = time.perf_counter()
                self.marks.hits[generation] = count
            self.call_after_refresh(drawn)


async def picking(path: Path) -> list[tuple[str, float, float, int]]:
    """(typed, keystroke-to-suggestions, that minus the debounce, suggestions)."""
    marks = Marks()
    app = BenchApp(path, marks)
    out: list[tuple[str, float, float, int]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.screen.query("#passphrase"))
        app.screen.query_one("#passphrase").value = PASSPHRASE  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(lambda: marks.painted > 0)
        for typed in PICKS:
            picker = BenchPicker(marks)
            app.push_screen(picker)
            await until(lambda picker=picker: picker.query("#pick-query"))
            box = picker.query_one("#pick-query")
            for ch in typed:
                box.value += ch  # type: ignore[attr-defined]  # an Input.Changed, as typing
                last = time.perf_counter()
                await asyncio.sleep(0.07)
            await until(lambda picker=picker, last=last, typed=typed:
                        picker.queries.get(picker.generation) == typed
                        and picker.generation in marks.results
                        and marks.results[picker.generation] > last)
            done = marks.results[picker.generation]
            out.append((typed, done - last, done - last - PICK_DEBOUNCE,
                        marks.hits[picker.generation]))
            picker.dismiss(None)
            await pilot.pause(0.05)
    return out


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR",
                        help="build the vaults in DIR and reuse them on the next run")
    parser.add_argument("--picker-only", action="store_true",
                        help="measure only the reference picker, on a --picker-small and "
                             "a --records vault, and report their ratio")
    parser.add_argument("--picker-small", type=int, default=10_000,
                        help="the smaller vault of --picker-only (default 10,000)")
    args = parser.parse_args()
    if args.picker_only:
        return picker_only(args)
    crash.harden_textual()
    with tempfile.TemporaryDirectory(prefix="evault-bench-tui-") as tmp:
        where = Path(args.keep) if args.keep else Path(tmp)
        small = where / f"small-{args.small}"
        large = where / f"large-{args.records}"
        print(f"building {args.small:,} and {args.records:,} testimonies…", file=sys.stderr)
        built_small = 0.0 if small.exists() else build(small, args.small)
        built_large = 0.0 if large.exists() else build(large, args.records)
        paints: dict[str, list[float]] = {"small": [], "large": []}
        rows = 0
        for _ in range(args.runs):  # alternate, so both see the same machine state
            for name, path in (("small", small), ("large", large)):
                seconds, rows = asyncio.run(first_paint(path))
                paints[name].append(seconds)
        searches = asyncio.run(typing(large))
        picks = asyncio.run(picking(large))
    small_ms, large_ms = median_ms(paints["small"]), median_ms(paints["large"])
    ratio = round(large_ms / small_ms, 2) if small_ms else None
    total = [s[1] for s in searches]
    alone = [s[2] for s in searches]
    print(f"{'':34}{args.small:>12,}{args.records:>12,}")
    print(f"{'vault built (s)':34}{built_small:>12.1f}{built_large:>12.1f}")
    print(f"{'unlock -> first list painted (ms)':34}{small_ms:>12}{large_ms:>12}")
    print(f"{'rows loaded at first paint':34}{rows:>12}{rows:>12}")
    print(f"ratio 100k/1k first paint: {ratio} (target <= 1.5)")
    print(f"\nsearch as you type at {args.records:,} records (debounce "
          f"{DEBOUNCE * 1000:.0f} ms):")
    for query, whole, only, hits in searches:
        print(f"  {query:<14} keystroke->results {whole * 1000:7.1f} ms   search "
              f"{only * 1000:7.1f} ms   {hits:>4} results")
    print(f"median keystroke->results {median_ms(total)} ms (search alone "
          f"{median_ms(alone)} ms)")
    picker_figures = picker_report(args.records, picks)
    print(json.dumps({
        **picker_figures,
        "bench": "tui", "records_small": args.small, "records_large": args.records,
        "page_rows": PAGE, "first_paint_ms_small": small_ms, "first_paint_ms_large": large_ms,
        "first_paint_ratio_large_small": ratio, "first_paint_ratio_target": 1.5,
        "search_keystroke_to_results_median_ms": median_ms(total),
        "search_keystroke_to_results_p90_ms": round(
            sorted(total)[int(0.9 * (len(total) - 1))] * 1000, 1),
        "search_alone_median_ms": median_ms(alone), "debounce_ms": DEBOUNCE * 1000,
        "queries": len(searches), "runs": args.runs,
    }))
    return 0


def picker_report(records: int, picks: list[tuple[str, float, float, int]]
                  ) -> dict[str, Any]:
    """Print the picker's lines; its figures for the JSON line."""
    print(f"\nreference picker at {records:,} records (debounce "
          f"{PICK_DEBOUNCE * 1000:.0f} ms):")
    for typed, whole, less, hits in picks:
        print(f"  {typed:<16} keystroke->suggestions {whole * 1000:7.1f} ms   after debounce "
              f"{less * 1000:7.1f} ms   {hits:>3} suggestions")
    after = [p[2] for p in picks]
    print(f"median after debounce {median_ms(after)} ms (target < 100 ms), worst "
          f"{round(max(after) * 1000, 1)} ms")
    return {"picker_keystroke_to_suggestions_median_ms": median_ms([p[1] for p in picks]),
            "picker_after_debounce_median_ms": median_ms(after),
            "picker_after_debounce_max_ms": round(max(after) * 1000, 1),
            "picker_target_ms": 100, "picker_debounce_ms": PICK_DEBOUNCE * 1000,
            "picker_queries": len(picks)}


def picker_only(args: Any) -> int:
    """Only the picker, on a vault of ``--picker-small`` testimonies and one of
    ``--records``: does a keystroke's latency grow with the vault? (It should not: the
    picker asks the full-text index for at most ``pick.CANDIDATES`` rows, never scans.)"""
    crash.harden_textual()
    with tempfile.TemporaryDirectory(prefix="evault-bench-tui-") as tmp:
        where = Path(args.keep) if args.keep else Path(tmp)
        sizes = (args.picker_small, args.records)
        built: dict[int, float] = {}
        medians: dict[int, float] = {}
        figures: dict[str, Any] = {}
        for size in sizes:
            path = where / f"large-{size}"
            print(f"building {size:,} testimonies…", file=sys.stderr)
            built[size] = 0.0 if path.exists() else build(path, size)
            picks = asyncio.run(picking(path))
            figures = picker_report(size, picks)
            medians[size] = figures["picker_after_debounce_median_ms"]
    small, large = sizes
    ratio = round(medians[large] / medians[small], 2) if medians[small] else None
    print(f"\nvaults built in {built[small]:.1f} s and {built[large]:.1f} s (0 = reused)")
    print(f"picker after debounce: {medians[small]} ms at {small:,}, {medians[large]} ms "
          f"at {large:,}; ratio {ratio} (flat is <= 1.5)")
    print(json.dumps({"bench": "tui-picker", "records_small": small, "records": large,
                      "picker_after_debounce_median_ms_small": medians[small],
                      "picker_ratio_large_small": ratio, "picker_ratio_target": 1.5,
                      **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
