"""Deterministic test data for the crash harness, shared by the child and the parent.

Why shared: the parent must know *exactly* what a killed child was writing (to tell a
complete write from a half-written one), so both draw the same values from the same
seed, and every value is made canonical with the vault's own validation before it is
written or compared.

Every record carries a *token* (``zq…k…``, ASCII, one word) in a free-text field, so the
parent can also check that the search index was committed together with the record.
"""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path
from typing import Any

from vault.importer import plan as import_plan
from vault.records.spec import Level

_ZH = ("他说律师被拒绝会见被指定居所监视居住六个月家属没有收到通知看守所提审强迫认罪"
       "电视台播出了他的认罪视频公安局国保大队审讯室留置调查对象")
_EN = ("held incommunicado", "lawyer access denied", "family not notified",
       "interrogated at night", "forced confession broadcast", "transferred again",
       "released on bail pending trial", "exit ban imposed")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_ROMAN = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou")

#: Import rows are persons with these columns (header as the CSV carries it).
CSV_COLUMNS = ("name", "name_original", "aliases", "birth_date", "nationality", "phones",
               "notes")
#: Fields the level changes pick from (present on the records the workload writes, never
#: pinned): a level change on them must stick exactly.
LEVEL_FIELDS = {"person": ("name", "name_original", "aliases", "birth_date", "notes",
                           "nationality"),
                "testimony": ("narrative", "summary", "language", "title")}


def token(seed: int, number: int) -> str:
    """A one-word marker unique to one write of one run."""
    return f"zq{seed:x}k{number}"


def text(rng: random.Random, tok: str, size: int) -> str:
    """Mixed Chinese and English text of about ``size`` characters holding ``tok``."""
    parts: list[str] = [f"marker {tok}."]
    length = len(parts[0])
    while length < size:
        if rng.random() < 0.5:
            start = rng.randrange(len(_ZH) - 12)
            piece = _ZH[start:start + rng.randint(6, 12)] + "。"
        else:
            piece = rng.choice(_EN) + "; "
        parts.append(piece)
        length += len(piece)
    return "".join(parts)


def _name(rng: random.Random) -> tuple[str, str]:
    i = rng.randrange(len(_ROMAN))
    given = "".join(rng.choice(_ZH[:40]) for _ in range(2))
    return f"{_ROMAN[i]} {rng.randrange(10**6):06d}", _SURNAMES[i] + given


def person(rng: random.Random, tok: str) -> dict[str, Any]:
    """A person record (notes of a few kilobytes, so a row spans database pages)."""
    name, original = _name(rng)
    return {
        "name": name, "name_original": original,
        "aliases": [f"alias-{rng.randrange(10**6)}" for _ in range(rng.randint(1, 3))],
        "birth_date": f"19{rng.randint(40, 99)}-{rng.randint(1, 12):02d}",
        "nationality": ["CN"],
        "phones": [f"+86 139 {rng.randrange(10**4):04d} {rng.randrange(10**4):04d}"],
        "notes": text(rng, tok, rng.randint(200, 6000)),
    }


def testimony(rng: random.Random, tok: str) -> dict[str, Any]:
    """A testimony with a long narrative (up to ~20 KB: several pages)."""
    return {
        "title": f"Interview {tok}", "language": "zh",
        "interview_date": f"20{rng.randint(10, 24)}-{rng.randint(1, 12):02d}",
        "narrative": text(rng, tok, rng.randint(1000, 20000)),
        "summary": text(rng, tok, rng.randint(50, 400)),
    }


def new_record(rng: random.Random, tok: str) -> tuple[str, dict[str, Any]]:
    """(kind, data) of a record to add."""
    if rng.random() < 0.7:
        return "person", person(rng, tok)
    return "testimony", testimony(rng, tok)


def edit_changes(rng: random.Random, kind: str, tok: str) -> dict[str, Any]:
    """Changes for an edit: always a new free text holding ``tok``, sometimes more."""
    if kind == "person":
        changes: dict[str, Any] = {"notes": text(rng, tok, rng.randint(100, 8000))}
        if rng.random() < 0.5:
            changes["aliases"] = [f"alias-{rng.randrange(10**6)}"]
        if rng.random() < 0.3:
            changes["occupation"] = rng.choice(["lawyer", "teacher", "journalist"])
        return changes
    changes = {"summary": text(rng, tok, rng.randint(50, 3000))}
    if rng.random() < 0.5:
        changes["translation"] = text(rng, tok, rng.randint(500, 15000))
    return changes


def level_change(rng: random.Random, kind: str, fields: dict[str, Any],
                 levels: dict[str, str]) -> tuple[str, str] | None:
    """(field, new level) for a field the record has, different from its current level."""
    choices = [f for f in LEVEL_FIELDS.get(kind, ()) if f in fields]
    if not choices:
        return None
    name = rng.choice(choices)
    current = levels.get(name)
    level = rng.choice([lv.value for lv in Level if lv.value != current])
    return name, level


def write_csv(path: Path, rng: random.Random, rows: int, seed: int, first: int) -> None:
    """A CSV of ``rows`` persons (tokens numbered from ``first``), as a spreadsheet
    exports it (UTF-8 with a BOM)."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for i in range(rows):
            data = person(rng, token(seed, first + i))
            data["notes"] = data["notes"][:1500]
            writer.writerow([";".join(v) if isinstance(v, list) else v
                             for v in (data[c] for c in CSV_COLUMNS)])


def expected_rows(records: Any, path: Path, kind: str = "person") -> list[dict[str, Any]]:
    """The canonical records an import of ``path`` writes, in row order."""
    prepared = import_plan(records, path, kind, validate=False)
    return [records.validate(kind, data) for _number, data in prepared.rows]


def write_file(path: Path, rng: random.Random, size: int) -> str:
    """A file of ``size`` random bytes; returns its SHA-256 (hex)."""
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        left = size
        while left:
            block = rng.randbytes(min(left, 1 << 20))
            fh.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()
