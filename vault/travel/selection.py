"""What a trip seals: every record not marked travel-safe, and every row that belongs to
one, found from the schema itself.

Why from the schema: other features keep per-record rows in tables of their own
(attachments, links, bundle provenance, and whatever comes next). Every such table
declares a foreign key to ``records`` (or to a table that does); following those keys
finds them all, so a feature added later is sealed without travel mode knowing of it.
The search index (no foreign key: a contentless FTS5 table) and the app's drafts (a
setting) are handled by name in :mod:`vault.travel.seal`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from vault.travel.drafts import DRAFTS_SETTING, sealed_drafts

#: SQL for the ids of the records a trip seals.
SEALED_IDS = "SELECT id FROM records WHERE id NOT IN (SELECT record_id FROM travel_safe)"
#: Tables travel mode itself owns or handles by hand.
_SKIP = {"records", "travel_safe", "travel_trips"}


class Reader(Protocol):
    """A store or a transaction: something that runs SQL."""

    def execute(self, sql: str, params: Any = ()) -> Any: ...


@dataclass(frozen=True)
class TablePart:
    """The rows of one table that belong to sealed records."""

    table: str
    columns: tuple[str, ...]
    where: str
    """A condition selecting those rows (no parameters)."""
    key: str
    """The columns that order the rows (the primary key, or ``rowid``)."""


def _tables(db: Reader) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                      "name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    return [str(r[0]) for r in rows]


def _columns(db: Reader, table: str) -> tuple[str, ...]:
    return tuple(str(r[1]) for r in db.execute(f"PRAGMA table_info('{table}')").fetchall())


def parts(db: Reader) -> list[TablePart]:
    """Every table with rows that belong to sealed records, parents before children (the
    order they are restored in; they are removed in the reverse order)."""
    selected: dict[str, str] = {"records": SEALED_IDS}  # table -> SQL of sealed rows' keys
    found: list[TablePart] = []
    changed = True
    tables = [t for t in _tables(db) if t not in _SKIP]
    while changed:
        changed = False
        for table in tables:
            if table in {p.table for p in found}:
                continue
            conditions = []
            for fk in db.execute(f"PRAGMA foreign_key_list('{table}')").fetchall():
                parent, column, target = str(fk[2]), str(fk[3]), fk[4]
                if parent not in selected:
                    continue
                ref = target or "rowid"
                sub = (selected[parent] if parent == "records" and ref == "id" else
                       f"SELECT {ref} FROM {parent} WHERE {_where_of(found, parent)}")
                conditions.append(f"{column} IN ({sub})")
            if not conditions:
                continue
            where = " OR ".join(conditions)
            columns = _columns(db, table)
            pk = [str(r[1]) for r in db.execute(f"PRAGMA table_info('{table}')").fetchall()
                  if r[5]]
            key = ", ".join(pk) if pk else "rowid"
            found.append(TablePart(table, columns, where, key))
            selected[table] = f"SELECT rowid FROM {table} WHERE {where}"
            changed = True
    return found


def _where_of(found: list[TablePart], table: str) -> str:
    return next(p.where for p in found if p.table == table)


@dataclass
class Preview:
    """What ``travel start`` would do: counts only, never a title or a value."""

    records: Counter[str] = field(default_factory=Counter)
    """Sealed records by kind."""
    kept: int = 0
    """Travel-safe records that stay."""
    kept_by_kind: Counter[str] = field(default_factory=Counter)
    """Travel-safe records that stay, by kind (the app's preview; not in the manifest)."""
    kept_attachments: int = 0
    """Attachments of the travel-safe records (they stay; not in the manifest)."""
    attachments: int = 0
    attachment_bytes: int = 0
    drafts: int = 0
    search_entries: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    """Rows of each other table that go with the sealed records."""
    refusals: list[str] = field(default_factory=list)
    """Why the trip cannot start as marked (record ids and field names only)."""

    def to_json(self) -> dict[str, Any]:
        """The ``--dry-run --json`` shape (also the counts of the manifest)."""
        return {"records": sum(self.records.values()),
                "records_by_kind": dict(sorted(self.records.items())),
                "kept": self.kept, "attachments": self.attachments,
                "attachment_bytes": self.attachment_bytes, "drafts": self.drafts,
                "search_entries": self.search_entries, "rows": dict(sorted(self.rows.items())),
                "refusals": list(self.refusals)}


def preview(db: Reader) -> Preview:
    """Counts of what a trip would seal, and the reasons it cannot (if any)."""
    found = Preview()
    for kind, n in db.execute(f"SELECT kind, count(*) FROM records WHERE id IN ({SEALED_IDS}) "
                              "GROUP BY kind").fetchall():
        found.records[str(kind)] = int(n)
    found.kept = int(db.execute("SELECT count(*) FROM travel_safe").fetchone()[0])
    for kind, n in db.execute(f"SELECT kind, count(*) FROM records WHERE id NOT IN "
                              f"({SEALED_IDS}) GROUP BY kind").fetchall():
        found.kept_by_kind[str(kind)] = int(n)
    found.kept_attachments = int(db.execute(
        f"SELECT count(*) FROM attachments WHERE record_id NOT IN ({SEALED_IDS})")
        .fetchone()[0])
    for part in parts(db):
        n = int(db.execute(f"SELECT count(*) FROM {part.table} WHERE {part.where}")
                .fetchone()[0])
        found.rows[part.table] = n
        if part.table == "attachments":
            found.attachments = n
            found.attachment_bytes = int(db.execute(
                f"SELECT coalesce(sum(size), 0) FROM attachments WHERE {part.where}")
                .fetchone()[0])
    found.search_entries = int(db.execute(
        f"SELECT count(*) FROM search_doc WHERE record_id IN ({SEALED_IDS})").fetchone()[0])
    row = db.execute("SELECT value FROM settings WHERE key = ?", (DRAFTS_SETTING,)).fetchone()
    drafts = json.loads(row[0]) if row else {}
    kept = {str(r[0]) for r in db.execute("SELECT record_id FROM travel_safe").fetchall()}
    found.drafts = len(sealed_drafts(drafts, kept))
    for src, fld, dst in db.execute(
            f"SELECT src, field, dst FROM links WHERE dst IN ({SEALED_IDS}) AND src NOT IN "
            f"({SEALED_IDS}) ORDER BY src LIMIT 20").fetchall():
        found.refusals.append(f"travel-safe record {src} refers to record {dst} (field "
                              f"{fld}), which is not travel-safe: mark {dst} too, or unmark "
                              f"{src}")
    return found
