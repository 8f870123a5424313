"""The leak gate lets the app breathe (issue 16): the longest stall of an asyncio event
loop while the gate checks a ~60 MB bundle in a worker thread.

The gate's byte search runs in C and holds the GIL while it runs; one search over the
whole container (as before) stalled the app's loop for 366 ms on a 62 MB bundle. It now
searches in chunks of ``vault.export.gate.SCAN_CHUNK`` bytes, between which the
interpreter can hand the GIL to the loop. Measured in one run, same container, same
gate:

- the loop alone (its ``asyncio.sleep(0.001)`` ticks' longest lateness: the noise floor
  of this machine);
- the loop while ``Gate.check`` runs in a thread with one search over the whole
  container (``SCAN_CHUNK`` set larger than the container: the old behaviour);
- the same with the shipped chunk size.

The bundle: a few record files and stored JPEG attachments (noise, so incompressible,
as photos are) adding up to ``--mib`` MiB, checked against ``--people`` protected names
(UTF-8, UTF-16 and GB18030 needles, as an export builds them). Median of ``--runs``.

    python -m bench.gate_stall [--mib 60] [--people 1000] [--runs 3]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import time
import zipfile
from collections.abc import Callable
from typing import Any

from PIL import Image

from vault.export import gate as gate_module
from vault.export.gate import Gate
from vault.export.redact import Owner
from vault.records.spec import Level

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Wang Zhang Liu Chen Yang Ahmed Khan Ali".split()
GIVEN = "Thị Văn Hoa Minh Wei Fang Jing Lei Min Hassan Fatima Ayşe Olena".split()


def photo(side: int) -> bytes:
    """A JPEG of noise (``side`` x ``side``): as incompressible as a photo's data."""
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95)
    return out.getvalue()


def container(mib: int) -> tuple[bytes, list[str]]:
    jpeg = photo(1600)
    names: list[str] = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(20):
            name = f"records/{i:016x}.json"
            zf.writestr(name, json.dumps({"id": f"{i:016x}", "fields": {
                "narrative": "He was held for three weeks. 他被关押了三个星期。" * 20}},
                ensure_ascii=False))
            names.append(name)
        i = 0
        while buf.tell() < mib * 1024 * 1024:
            name = f"attachments/{i:04d}.jpg"
            zf.writestr(name, jpeg)
            names.append(name)
            i += 1
    return buf.getvalue(), names


def people(n: int) -> list[tuple[str, Owner]]:
    out = []
    for i in range(n):
        name = f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[(i // 7) % len(GIVEN)]} {i:04d}"
        out.append((name, Owner(f"{i:016x}", "person", "name", Level.PRIVATE, True)))
    return out


async def _longest_stall(work: Callable[[], Any] | None) -> tuple[float, float]:
    """(longest lateness of a 1 ms tick in ms, seconds the work took)."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    start = time.perf_counter()
    task = loop.run_in_executor(None, work) if work is not None else asyncio.sleep(1.0)
    future = asyncio.ensure_future(task)
    while not future.done():
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        worst = max(worst, time.perf_counter() - before - 0.001)
    await future
    return worst * 1e3, time.perf_counter() - start


def stall(work: Callable[[], Any] | None, runs: int) -> tuple[float, float]:
    results = [asyncio.run(_longest_stall(work)) for _ in range(runs)]
    return (statistics.median(r[0] for r in results),
            statistics.median(r[1] for r in results))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=60)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data, names = container(args.mib)
    gate = Gate(people(args.people))
    shipped = gate_module.SCAN_CHUNK
    print(f"container {len(data) / 2**20:.1f} MiB, {len(names)} files, "
          f"{args.people} protected people; chunk {shipped // 1024} KiB")

    idle_ms, _ = stall(None, args.runs)
    gate_module.SCAN_CHUNK = len(data) + 1  # one search over everything: the old gate
    whole_ms, whole_s = stall(lambda: gate.check(data, names), args.runs)
    gate_module.SCAN_CHUNK = shipped
    chunked_ms, chunked_s = stall(lambda: gate.check(data, names), args.runs)
    print(f"longest loop stall: idle {idle_ms:.1f} ms; gate, one search "
          f"{whole_ms:.1f} ms; gate, chunked {chunked_ms:.1f} ms")
    print(f"gate time: one search {whole_s:.2f} s, chunked {chunked_s:.2f} s")
    print(json.dumps({
        "bench": "gate_stall", "container_mib": round(len(data) / 2**20, 1),
        "people": args.people, "chunk_kib": shipped // 1024,
        "idle_stall_ms": round(idle_ms, 1), "whole_stall_ms": round(whole_ms, 1),
        "chunked_stall_ms": round(chunked_ms, 1),
        "stall_ratio_chunked_vs_whole": round(chunked_ms / whole_ms, 3),
        "gate_s_whole": round(whole_s, 2), "gate_s_chunked": round(chunked_s, 2),
        "time_ratio_chunked_vs_whole": round(chunked_s / whole_s, 3),
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
