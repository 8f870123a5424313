"""A JSON array and a workbook are imported a row at a time (issue 16: memory that grows
with the file). Peak Python allocation (tracemalloc) of reading and passing over every
row, in a child process, for a file and one ten times its size: a ratio, not a time.
Reading whole (as before) made the ratio about 10."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

_PEAK = """
import sys, tracemalloc
from pathlib import Path
tracemalloc.start()
from vault.importer.readers import read
before = tracemalloc.get_traced_memory()[0]
tracemalloc.reset_peak()
sheet = read(Path(sys.argv[1]))
rows = sum(1 for _ in sheet.rows) + sum(1 for _ in sheet.rows)  # two passes, as import
print(rows, len(sheet.rows), tracemalloc.get_traced_memory()[1] - before)
"""


def _peak(path: Path) -> tuple[int, int]:
    proc = subprocess.run([sys.executable, "-c", _PEAK, str(path)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    passed, counted, peak = (int(x) for x in proc.stdout.split())
    assert passed == 2 * counted
    return counted, peak


def _person(i: int) -> dict[str, object]:
    return {"name": f"Người {i} 张伟{i}", "aliases": [f"P{i}", f"阿{i}"],
            "birth_date": f"{1950 + i % 50}-{1 + i % 12:02d}",
            "notes": f"被拘留于看守所 {i}。" * 8, "height": 1.5 + i % 40 / 100}


def test_a_json_array_is_read_an_element_at_a_time(tmp_path: Path) -> None:
    peaks = []
    for n in (3_000, 30_000):
        path = tmp_path / f"people-{n}.json"
        path.write_text(json.dumps([_person(i) for i in range(n)], ensure_ascii=False),
                        encoding="gb18030")
        counted, peak = _peak(path)
        assert counted == n
        peaks.append(peak)
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_a_workbook_is_read_a_row_at_a_time(tmp_path: Path) -> None:
    """Rows stream; the workbook's shared strings (each distinct text once) are held
    whole by openpyxl, so this workbook's text cells repeat (docs/records.md)."""
    import openpyxl

    peaks = []
    for n in (1_000, 10_000):
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(["name", "aliases", "birth_date", "notes"])
        for i in range(n):
            sheet.append([f"Người {i % 50}", i, f"{1950 + i % 50}-{1 + i % 12:02d}",
                          "被拘留于看守所。" * (1 + i % 7)])
        path = tmp_path / f"people-{n}.xlsx"
        book.save(path)
        counted, peak = _peak(path)
        assert counted == n
        peaks.append(peak)
    assert peaks[1] < 1.5 * peaks[0], peaks
