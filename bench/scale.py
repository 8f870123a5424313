"""Nothing a person waits on grows with the vault (issue 16): the same operations on vaults
of several sizes, reported as ratios between the largest and the smallest size measured
in this run.

Vaults are real (SQLCipher, the record service, the search index; the weak test KDF,
which is not what is measured) and cached between runs in ``--cache`` (default
``$TMPDIR/evault-scale``): building one is the slow part (printed). Records are the
testimonies of ``bench.store`` (about 1.5 KB of English and Chinese each) plus one person
(a Chinese name) per ten testimonies and a case per thousand.

Measured at each size:

- list: a page of 100 at depth 0, the middle and the end, for every order (keyset
  pages, ``RecordService.page``), with and without a kind filter; the old OFFSET page
  at the end for comparison;
- ``count()`` of all records and of one kind;
- ranked top-20 search with snippets: a rare and a common Latin word, a rare and a
  common Chinese word, a romanised Chinese name;
- the app (``bench.tui``, in process): unlock to the first page of the list drawn
  (median of 3), and End pressed 20 times in a row, each loading the next page (median
  and last page: scrolling deep costs what the first page did);
- the database file / the records' JSON (size on disk);
- peak resident memory of ``evault check`` and of ``evault import`` of size/5 people as
  CSV, as a JSON array and as an XLSX workbook (each a child process reporting its own
  VmHWM);
- whole process: an export of 10 testimonies (``evault export --ids``; time and peak
  resident memory), ``evault --help`` against ``python -c pass``, and ``evault list`` on
  the vault against the ``sqlite3`` shell listing the same rows of a plaintext copy of
  the same database (made for the benchmark in the cache directory, fictional data).

Targets (issue 16): every page and count at the largest size within 2x of the smallest,
size <= 3x, flat memory, ``evault --help`` under 60 ms, an export of 10 records within 2x
and under 300 MB.

    python -m bench.scale [--sizes 10000,100000] [--cache DIR] [--rebuild]
                          [--skip imports,list]

Building 1,000,000 records takes about an hour on a 2-core laptop (insert rate printed
for the sizes built), so it is not a default. Readable lines; the last line is one JSON
object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["EVAULT_INSECURE_TEST_KDF"] = "1"  # the KDF is not what is measured here

from bench import tui as bench_tui  # noqa: E402
from bench.store import BATCH, Corpus  # noqa: E402
from crypto import kdf  # noqa: E402
from tui.app import crash  # noqa: E402
from vault.records import paging  # noqa: E402
from vault.search import search  # noqa: E402
from vault.session import Vault  # noqa: E402

PASSPHRASE = "bench passphrase"
PAGE = 100
RUNS = 5
NAMES = ["张伟国", "王秀英", "李娜", "刘洋", "陈静", "欧阳娜娜", "赵磊", "黄敏", "周杰", "吴芳"]


def best(fn: Callable[[], Any], runs: int = RUNS) -> float:
    """Fastest of ``runs`` (other processes on a shared machine only add time), in ms."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def build(path: Path, size: int) -> dict[str, Any]:
    """Create the vault of ``size`` testimonies (plus people and cases) at ``path``."""
    if path.exists():
        shutil.rmtree(path)
    vault = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS).vault
    records = vault.services.records
    corpus = Corpus()
    plaintext = 0
    start = time.perf_counter()
    for batch in corpus.batches(0, size):
        plaintext += sum(len(json.dumps(r, ensure_ascii=False).encode()) for r in batch)
        records.add_many("testimony", batch)
        first = len(batch) and int(batch[0]["title"].split()[-1])
        people = [{"name": NAMES[(first + i) % len(NAMES)] + str(i), "aliases": [f"P{first + i}"]}
                  for i in range(len(batch) // 10)]
        plaintext += sum(len(json.dumps(p, ensure_ascii=False).encode()) for p in people)
        ids = records.add_many("person", people)
        case = {"title": f"Case {first}", "records": ids[:20]}
        plaintext += len(json.dumps(case, ensure_ascii=False).encode())
        records.add("case", case)
        done = first + len(batch)
        if done % (10 * BATCH) == 0:
            rate = done / (time.perf_counter() - start)
            print(f"... {done:,}/{size:,} testimonies ({rate:,.0f}/s)", file=sys.stderr)
    seconds = time.perf_counter() - start
    vault.store.checkpoint()
    vault.close()
    meta = {"size": size, "plaintext": plaintext, "build_s": round(seconds, 1)}
    (path.parent / f"{path.name}.json").write_text(json.dumps(meta))
    return meta


def cursor_at(store: Any, order: str, kind: str | None, position: int) -> str | None:
    """The cursor of the row just before ``position`` (found once, not timed)."""
    if position == 0:
        return None
    col = paging.COLUMNS[order]
    where = "WHERE r.kind = ?" if kind else ""
    row = store.query_one(f"SELECT {col}, r.rowid FROM records AS r {where} ORDER BY {col}, "
                          "r.rowid LIMIT 1 OFFSET ?", (*([kind] if kind else []), position - 1))
    return paging.encode(row[0], int(row[1]))


#: Children write and reuse compiled bytecode, as an installed evault does (this machine
#: sets PYTHONDONTWRITEBYTECODE, which would make every run compile every module).
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


# The child reports its own peak (VmHWM of its address space). ru_maxrss from wait4 is
# useless here: Linux carries the parent's resident size at fork into the child's
# maxrss, so every child of this (large) process would report at least the parent's.
_PEAK = ("import atexit, sys\n"
         "def _peak():\n"
         "    for line in open('/proc/self/status'):\n"
         "        if line.startswith('VmHWM'):\n"
         "            sys.stderr.write('PEAK_KIB ' + line.split()[1] + '\\n')\n"
         "atexit.register(_peak)\n"
         "sys.argv = ['evault', *sys.argv[1:]]\n"
         "from tui.cli.main import main\n"
         "raise SystemExit(main())\n")


def child(cmd: list[str], stdin: bytes = b"", stdout: Any = subprocess.DEVNULL,
          ) -> tuple[float, int, int]:
    """Run ``cmd``: (seconds, peak RSS in KiB as the child reported it or 0, exit
    code)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, stdout=stdout, stderr=subprocess.PIPE,
                          env=CHILD_ENV, check=False)
    seconds = time.perf_counter() - start
    peak = [int(line.split()[1]) for line in proc.stderr.decode().splitlines()
            if line.startswith("PEAK_KIB ")]
    return seconds, (peak[-1] if peak else 0), proc.returncode


def _person_row(i: int) -> list[str]:
    return [f"Person {i}", f"阿{i}; P{i}", f"{1950 + i % 50}-{1 + i % 12:02d}",
            "维吾尔族，被拘留于看守所。" * 3]


def _people_file(tmp: Path, fmt: str, rows: int) -> Path:
    """``rows`` people to import as CSV, a JSON array or an XLSX workbook (every name
    distinct, so a workbook's shared-strings table grows with the rows, as a real one's
    would)."""
    header = ["name", "aliases", "birth_date", "notes"]
    path = tmp / f"people-{rows}.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(_person_row(i) for i in range(rows))
    elif fmt == "json":
        with path.open("w", encoding="utf-8") as handle:
            handle.write("[")
            for i in range(rows):
                item: dict[str, Any] = dict(zip(header, _person_row(i), strict=True))
                item["aliases"] = item["aliases"].split("; ")
                handle.write(("," if i else "") + json.dumps(item, ensure_ascii=False))
            handle.write("]")
    else:
        import openpyxl

        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for i in range(rows):
            sheet.append(_person_row(i))
        book.save(path)
    return path


def evault(*args: str) -> list[str]:
    return [sys.executable, "-c", _PEAK, *args]


def measure(path: Path, meta: dict[str, Any], tmp: Path,
            skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    size = meta["size"]
    out: dict[str, Any] = {"records_json_mb": round(meta["plaintext"] / 1e6, 1),
                           "build_s": meta["build_s"]}
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    records, store = vault.services.records, vault.store
    total = records.count()
    for order in paging.COLUMNS:
        for kind in (None, "person"):
            n = records.count(kind) if kind else total
            for depth, position in (("0", 0), ("mid", n // 2), ("end", max(0, n - PAGE))):
                after = cursor_at(store, order, kind, position)
                label = f"page_{order}{'_' + kind if kind else ''}_{depth}_ms"
                out[label] = best(lambda a=after, o=order, k=kind: records.page(
                    k, limit=PAGE, after=a, order=o))
    out["offset_page_end_ms"] = best(lambda: records.list(limit=PAGE, offset=total - PAGE), 2)
    out["count_ms"] = best(lambda: records.count())
    out["count_kind_ms"] = best(lambda: records.count("person"))
    for label, query in (("latin_rare", "hospital"), ("latin_common", "torture"),
                         ("cjk_rare", "释放"), ("cjk_common", "酷刑"),
                         ("pinyin_name", "zhang weiguo")):
        search(store, query, limit=20)  # warm, as a working session is
        out[f"search_{label}_ms"] = best(lambda q=query: search(store, q, limit=20))
    vault.close()
    # The app on this vault: unlock to the first page drawn, then End pressed 20 times in a
    # row (each asks for the next keyset page), as a person scrolling deep into the list.
    paints = [asyncio.run(bench_tui.first_paint(path))[0] for _ in range(3)]
    out["app_first_paint_ms"] = round(statistics.median(paints) * 1e3, 1)
    scroll = asyncio.run(bench_tui.deep_scroll(path))
    out["app_scroll_page_ms"] = round(statistics.median(scroll) * 1e3, 1)
    out["app_scroll_last_page_ms"] = round(scroll[-1] * 1e3, 1)
    out["app_scroll_pages"] = len(scroll)
    db = path / "vault.db"
    out["size_ratio"] = round(db.stat().st_size / meta["plaintext"], 3)

    # Child processes: memory and whole-process time.
    secret = (PASSPHRASE + "\n").encode()
    _, out["check_peak_kib"], code = child(evault("--vault", str(path), "--passphrase-stdin",
                                                  "check"), secret)
    assert code == 0, "evault check found problems"
    rows = size // 5
    for fmt in () if "imports" in skip else ("csv", "json", "xlsx"):
        source = _people_file(tmp, fmt, rows)
        target = tmp / f"import-{size}"
        Vault.create(target, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS).vault.close()
        seconds, peak, code = child(evault(
            "--vault", str(target), "--passphrase-stdin", "import", str(source),
            "--kind", "person"), secret)
        assert code == 0, f"evault import of the {fmt} file failed"
        key = "import" if fmt == "csv" else f"import_{fmt}"
        out[f"{key}_peak_kib"], out[f"{key}_s"] = peak, round(seconds, 2)
        shutil.rmtree(target)
        source.unlink()
    out["import_rows"] = rows

    # Export of 10 testimonies (issue 16: the cost follows the bundle, not the vault).
    # Whole process, as a person runs it; the best of two for time, the peak of the last.
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    ten = ",".join(str(r[0]) for r in vault.store.query(
        "SELECT id FROM records WHERE kind = 'testimony' ORDER BY rowid LIMIT 10"))
    vault.close()
    import pyrage

    public = str(pyrage.x25519.Identity.generate().to_public())
    times = []
    for n in range(2):
        bundle = tmp / f"export-{size}-{n}.age"
        seconds, out["export10_peak_kib"], code = child(evault(
            "--vault", str(path), "--passphrase-stdin", "export", "--clearance", "partner",
            "--to", public, "--ids", ten, "--out", str(bundle), "--yes"), secret)
        assert code == 0, "evault export failed"
        bundle.unlink()
        times.append(seconds)
    out["export10_ms"] = min(times) * 1e3

    if "list" in skip:
        return out
    out["evault_list_ms"] = min(child(evault("--vault", str(path), "--passphrase-stdin",
                                             "list"), secret)[0] for _ in range(3)) * 1e3
    plain = tmp / f"plain-{size}.db"
    if not plain.exists():  # a plaintext copy of the same database, for the sqlite3 shell
        vault = Vault.open(path)
        vault.unlock(PASSPHRASE)
        vault.store.query(f"ATTACH DATABASE '{plain}' AS plain KEY ''")
        vault.store.query("SELECT sqlcipher_export('plain')")
        vault.store.query("DETACH DATABASE plain")
        vault.close()
    sqlite = shutil.which("sqlite3")
    if sqlite:
        out["sqlite3_list_ms"] = min(child([sqlite, str(plain),
                                            "SELECT id, kind, title FROM records ORDER BY rowid"]
                                           )[0] for _ in range(3)) * 1e3
        out["list_vs_sqlite3"] = round(out["evault_list_ms"] / out["sqlite3_list_ms"], 2)
    plain.unlink()
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000",
                        help="testimonies per vault, comma-separated (e.g. 10000,100000,1000000)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "evault-scale")
    parser.add_argument("--rebuild", action="store_true", help="build the vaults again")
    parser.add_argument("--skip", default="",
                        help="parts not to measure, comma-separated: imports (three imports "
                             "of size/5 people; they do not read the vault), list (the "
                             "whole-process listing and its plaintext sqlite3 copy)")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    args.cache.mkdir(parents=True, exist_ok=True)
    CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(args.cache / "pycache")
    crash.harden_textual()
    child(evault("--help"))  # compile once: the runs below measure a warm install

    help_ms = min(child(evault("--help"))[0] for _ in range(RUNS)) * 1e3
    pass_ms = min(child([sys.executable, "-c", "pass"])[0] for _ in range(RUNS)) * 1e3
    print(f"evault --help {help_ms:.0f} ms; python -c pass {pass_ms:.0f} ms "
          f"(target --help < 60 ms on an idle machine)")

    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="evault-scale-", dir=args.cache) as tmp:
        for size in sizes:
            path = args.cache / f"vault-{size}"
            meta_path = args.cache / f"vault-{size}.json"
            if args.rebuild or not meta_path.exists() or not path.exists():
                print(f"building a vault of {size:,} testimonies…", file=sys.stderr)
                meta = build(path, size)
                print(f"built in {meta['build_s']:.0f} s", file=sys.stderr)
            else:
                meta = json.loads(meta_path.read_text())
            results[size] = measure(path, meta, Path(tmp),
                                    frozenset(filter(None, args.skip.split(","))))
            print(f"{size:,} records: " + ", ".join(
                f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                for k, v in results[size].items()))

    small, large = sizes[0], sizes[-1]
    ratios: dict[str, float] = {}
    for key, value in results[large].items():
        base = results[small].get(key)
        if isinstance(value, int | float) and isinstance(base, int | float) and base:
            if key.endswith(("_ms", "_kib")) or key == "size_ratio":
                ratios[key] = round(value / base, 2)
    pages = [v for k, v in ratios.items() if k.startswith(("page_", "count", "app_"))]
    worst_page = max(pages) if pages else 0.0
    print(f"ratios {large:,} / {small:,} records:")
    for key, value in ratios.items():
        print(f"  {key:<36}{value:>8.2f}")
    print(f"worst page/count ratio {worst_page:.2f} (target <= 2); size "
          f"{results[large]['size_ratio']:.2f}x plaintext (target <= 3); check memory x"
          f"{ratios.get('check_peak_kib', 0):.2f}, import memory x"
          f"{ratios.get('import_peak_kib', 0):.2f} CSV, "
          f"x{ratios.get('import_json_peak_kib', 0):.2f} JSON array, "
          f"x{ratios.get('import_xlsx_peak_kib', 0):.2f} XLSX (target: flat)")
    print(f"export of 10 records: x{ratios.get('export10_ms', 0):.2f} time (target <= 2), "
          f"{results[large].get('export10_peak_kib', 0) / 1024:.0f} MB peak at "
          f"{large:,} (target < 300 MB)")
    figures = {
        "bench": "scale", "sizes": sizes, "help_ms": round(help_ms, 1),
        "python_pass_ms": round(pass_ms, 1),
        "results": {str(k): {kk: (round(vv, 3) if isinstance(vv, float) else vv)
                             for kk, vv in v.items()} for k, v in results.items()},
        "ratios": ratios, "worst_page_or_count_ratio": worst_page,
        "targets": {"page_ratio": 2, "size_ratio": 3, "help_ms": 60},
        "meets_targets": worst_page <= 2 and results[large]["size_ratio"] <= 3,
    }
    print(json.dumps(figures, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
