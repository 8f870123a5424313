"""Dossiers: draft, render and gate for a perpetrator with many acts, against the export
plan of the same records (the baseline: the redaction a dossier reuses).

Builds the demo vault (insecure test KDF parameters: unlocking is not measured), then
gives one demo perpetrator ``--acts`` more acts, each with an involvement and two
testimonies. In one run, medians of ``--runs``:

- ``check``: the readiness check;
- ``build``: the redacted content model;
- ``markdown`` and ``pdf``: rendering, each followed by the leak gate over its bytes (and,
  for the PDF, over its extracted text);
- baseline: ``ExportService.plan`` over the perpetrator and the records of their acts.

    python -m bench.dossier [--acts 200] [--runs 3]

With ``--unrelated 1000,20000`` it measures instead what a dossier costs as the vault
grows around its person (issue 16: nothing a person waits on grows with the vault). For
each size, a child process builds the demo vault, gives the demo perpetrator ``--acts``
acts (default 20 here), and adds that many records unrelated to them (in thirds: acts,
involvements of another official, testimonies linking those acts and naming their
victim: the very links a dossier follows, pointing elsewhere); a second, fresh child
opens the vault and measures, as CPU seconds (medians of ``--runs``; the machine may be
shared): the readiness check, the draft, and the Markdown render with its leak gate; and
the peak memory of that work (resident high-water mark, reset after unlocking; and the
Python heap by tracemalloc in a separate pass). Printed: each size's figures and the
ratios of the largest size to the smallest.

    python -m bench.dossier --unrelated 1000,20000 [--acts 20] [--runs 3]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.export import _peak_mb, _reset_peak
from crypto import kdf
from vault.dossier.service import gate
from vault.records import demo
from vault.session import Vault


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def grow(v: Any, person: str, acts: int) -> list[str]:
    """Add ``acts`` acts to ``person``; returns every id involved."""
    rec = v.services.records
    victims = [r.id for r in rec.iter_records("person")
               if "victim" in (r.fields.get("roles") or [])]
    sources = [r.id for r in rec.iter_records("source")]
    ids = [person]
    for n in range(acts):
        t = [rec.add("testimony", {"source": sources[(n + k) % len(sources)],
                                   "narrative": f"Fictional account {n}.", "language": "en"})
             for k in range(2)]
        act = rec.add("act", {"type": ["torture", "arbitrary_detention", "killing"][n % 3],
                              "date": f"{2015 + n % 8}-0{1 + n % 9}-1{n % 9}",
                              "victims": [victims[n % len(victims)]], "evidence": t,
                              "description": f"Fictional act {n}."})
        inv = rec.add("involvement", {"act": act, "perpetrator": person,
                                      "degree": "ordered", "evidence": t})
        ids += [*t, act, inv]
    return ids


def cpu_median(fn: Callable[[], Any], runs: int) -> float:
    """Median CPU seconds of this process over ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def demo_perpetrator(v: Any) -> str:
    return str(next(r.id for r in v.services.records.iter_records("person")
                    if "perpetrator" in (r.fields.get("roles") or [])))


def add_unrelated(v: Any, n: int, batch: int = 3000) -> None:
    """``n`` records that reach nothing of the demo perpetrator (see the module doc)."""
    rec = v.services.records
    other = rec.add("person", {"name": "Unrelated Official", "roles": ["perpetrator"]})
    victim = rec.add("person", {"name": "Unrelated Victim", "roles": ["victim"]})
    third = n // 3
    for start in range(0, third, batch):
        count = min(batch, third - start)
        acts = rec.add_many("act", [{"type": "torture", "date": f"2018-01-{1 + i % 28:02d}",
                                     "victims": [victim], "description": f"Unrelated {i}."}
                                    for i in range(start, start + count)])
        rec.add_many("involvement", [{"act": a, "perpetrator": other, "degree": "ordered"}
                                     for a in acts])
        rec.add_many("testimony", [{"narrative": f"Unrelated account {start + i}.",
                                    "related": [a], "persons_mentioned": [victim]}
                                   for i, a in enumerate(acts)])


def build_child(path: Path, unrelated: int, acts: int) -> dict[str, float]:
    """Build one vault of the ``--unrelated`` comparison at ``path``."""
    start = time.perf_counter()
    v = demo.create(path, params=kdf.INSECURE_TEST_PARAMS).vault
    person = demo_perpetrator(v)
    grow(v, person, acts)
    add_unrelated(v, unrelated)
    figures = {"records": float(v.services.records.count()),
               "build_s": time.perf_counter() - start}
    v.close()
    return figures


def measure_child(path: Path, runs: int) -> dict[str, float]:
    """Open the vault at ``path`` and measure its perpetrator's dossier."""
    v = Vault.open(path)
    v.unlock(demo.DEMO_PASSPHRASE)
    person = demo_perpetrator(v)
    service = v.services.dossier

    def draft() -> None:
        service.render(service.build(person, "eu"), [".md"])

    service.check(person, "eu")  # imports and first reads, not measured
    draft()
    reset = _reset_peak()
    figures = {"check_cpu_s": cpu_median(lambda: service.check(person, "eu"), runs),
               "draft_cpu_s": cpu_median(draft, runs)}
    figures["peak_rss_mb"] = _peak_mb() if reset else 0.0
    tracemalloc.start()
    service.check(person, "eu")
    draft()
    figures["peak_py_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    figures["acts"] = float(len(service.build(person, "eu").acts))
    v.close()
    return figures


def unrelated_scaling(sizes: list[int], acts: int, runs: int) -> None:
    """Each size built in one child and measured in a fresh one; ratios largest/smallest."""
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"v{n}"
            figures: dict[str, float] = {}
            for step in (["--build-child", str(path), "--unrelated", str(n), "--acts",
                          str(acts)],
                         ["--measure-child", str(path), "--runs", str(runs)]):
                child = subprocess.run([sys.executable, "-m", "bench.dossier", *step],
                                       capture_output=True, text=True, check=True)
                figures.update(json.loads(child.stdout.strip().splitlines()[-1]))
            out[str(n)] = figures
    low, high = out[str(sizes[0])], out[str(sizes[-1])]
    print(f"{'unrelated':>10}{'records':>9}{'build s':>9}{'check cpu':>11}"
          f"{'draft cpu':>11}{'peak RSS':>10}{'peak heap':>11}")
    for size, f in out.items():
        print(f"{size:>10}{int(f['records']):>9}{f['build_s']:>9.1f}{f['check_cpu_s']:>11.3f}"
              f"{f['draft_cpu_s']:>11.3f}{f['peak_rss_mb']:>9.0f}M{f['peak_py_mb']:>10.1f}M")
    ratios = {f"{k}_ratio": round(high[k] / low[k], 2) if low[k] else 0.0
              for k in ("check_cpu_s", "draft_cpu_s", "peak_rss_mb", "peak_py_mb")}
    print(f"{sizes[-1]} vs {sizes[0]} unrelated records: " +
          ", ".join(f"{k} {v}x" for k, v in ratios.items()) + " (target: within 2x)")
    summary: dict[str, Any] = {"sizes": sizes, "acts": low["acts"], **ratios}
    for size, f in out.items():
        summary.update({f"{k}_{size}": round(x, 4) for k, x in f.items()})
    print(json.dumps(summary))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acts", type=int, default=None,
                        help="acts of the perpetrator (default 200; 20 with --unrelated)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--unrelated", default=None,
                        help="vault sizes to compare, as records unrelated to the person "
                             "(comma-separated, e.g. 1000,20000)")
    parser.add_argument("--build-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_child is not None:
        print(json.dumps(build_child(args.build_child, int(args.unrelated),
                                     args.acts if args.acts is not None else 20)))
        return
    if args.measure_child is not None:
        print(json.dumps(measure_child(args.measure_child, args.runs)))
        return
    if args.unrelated is not None:
        unrelated_scaling([int(n) for n in args.unrelated.split(",")],
                          args.acts if args.acts is not None else 20, args.runs)
        return
    if args.acts is None:
        args.acts = 200
    with tempfile.TemporaryDirectory() as tmp:
        created = demo.create(Path(tmp) / "v", params=kdf.INSECURE_TEST_PARAMS)
        v = created.vault
        rec = v.services.records
        person = next(r.id for r in rec.iter_records("person")
                      if "perpetrator" in (r.fields.get("roles") or []))
        ids = grow(v, person, args.acts)
        service = v.services.dossier
        figures: dict[str, float] = {}
        figures["check_s"], _ = median_time(lambda: service.check(person, "eu"), args.runs)
        figures["build_s"], dossier = median_time(lambda: service.build(person, "eu"),
                                                  args.runs)
        figures["markdown_gated_s"], _ = median_time(
            lambda: service.render(dossier, [".md"]), args.runs)
        figures["pdf_gated_s"], rendered = median_time(
            lambda: service.render(dossier, [".pdf"]), args.runs)
        pdf = next(iter(rendered.files.values()))
        figures["gate_pdf_s"], _ = median_time(lambda: gate(dossier, rendered.files),
                                               args.runs)
        figures["baseline_plan_s"], _ = median_time(
            lambda: v.services.export.plan(clearance="public", plain=True, ids=ids),
            args.runs)
        v.close()
    total = figures["build_s"] + figures["markdown_gated_s"] + figures["pdf_gated_s"]
    figures["pdf_bytes"] = float(len(pdf))
    figures["acts"] = float(args.acts)
    figures["dossier_vs_plan"] = round(total / figures["baseline_plan_s"], 2)
    figures["gate_share_of_pdf"] = round(figures["gate_pdf_s"] / figures["pdf_gated_s"], 2)
    print(f"{'step':<22}{'seconds':>10}")
    for key in ("check_s", "build_s", "markdown_gated_s", "pdf_gated_s", "gate_pdf_s",
                "baseline_plan_s"):
        print(f"{key:<22}{figures[key]:>10.3f}")
    print(f"dossier (build + md + pdf) / export plan of the same records: "
          f"{figures['dossier_vs_plan']}x; PDF {int(figures['pdf_bytes'])} bytes")
    print(json.dumps({k: round(x, 4) for k, x in figures.items()}))


if __name__ == "__main__":
    main()
