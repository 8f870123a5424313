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

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crypto import kdf
from vault.dossier.service import gate
from vault.records import demo


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
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
