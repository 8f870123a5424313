"""Tables of the records feature.

- ``records``: one row per record. ``data`` is the JSON record (field → value) and
  ``levels`` the level of each field (field → level), both inside the encrypted
  database. ``title`` and ``date`` are derived from ``data`` at each write so that lists
  and date filters need not parse JSON.
- ``links``: one row per reference (``src`` record, its ``field``, ``dst`` record), so
  references can be followed both ways (``references_to``, ``list --case``) and a
  referenced record cannot be deleted (the foreign key on ``dst``).
- ``custom_fields``: fields users added to a type, one JSON spec each.
- ``data`` is compressed JSON since ``records_0004_compress_data``
  (:mod:`vault.records.stored` says why).
- ``record_counts``: how many records of each kind, kept by triggers on ``records`` so a
  count never walks a million rows, whoever writes.
"""

from __future__ import annotations

from typing import Any

from vault.migrations import Migration, sql
from vault.records import stored

#: Rows rewritten per statement batch by ``records_0004_compress_data``.
_BATCH = 1_000


def _compress_data(conn: Any) -> None:
    """records_0004: rows written before records' fields were stored compressed
    (:mod:`vault.records.stored`) are rewritten once, a batch at a time, so an existing
    vault shrinks like a new one (its freed pages are reused by later writes)."""
    last = 0
    while True:
        rows = conn.execute("SELECT rowid, data FROM records WHERE rowid > ? ORDER BY rowid "
                            "LIMIT ?", (last, _BATCH)).fetchall()
        if not rows:
            return
        last = int(rows[-1][0])
        conn.executemany("UPDATE records SET data = ? WHERE rowid = ?",
                         [(stored.pack(data), rowid) for rowid, data in rows
                          if isinstance(data, str)])


MIGRATIONS = [
    Migration("records_0001_tables", sql(
        """
        CREATE TABLE records (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            data TEXT NOT NULL,
            levels TEXT NOT NULL,
            title TEXT NOT NULL,
            date TEXT,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        );
        CREATE INDEX records_kind ON records(kind, created);
        CREATE TABLE links (
            src TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
            field TEXT NOT NULL,
            dst TEXT NOT NULL REFERENCES records(id),
            PRIMARY KEY (src, field, dst)
        ) WITHOUT ROWID;
        CREATE INDEX links_dst ON links(dst, field);
        CREATE TABLE custom_fields (
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            spec TEXT NOT NULL,
            created TEXT NOT NULL,
            PRIMARY KEY (kind, name)
        )
        """
    )),
    # Sort orders of RecordService.list (the TUI's list): a page in any order is an
    # index walk, never a sort of the whole table.
    Migration("records_0002_list_orders", sql(
        """
        CREATE INDEX records_updated ON records(updated);
        CREATE INDEX records_title ON records(title);
        CREATE INDEX records_date ON records(date)
        """
    )),
    # Keyset pagination (vault.records.paging): with a kind filter, every order is an
    # index seek too; (kind, created) served no query and is replaced by (kind, rowid).
    # Counts kept by triggers (RecordService.count), started from one scan here.
    Migration("records_0003_keyset_and_counts", sql(
        """
        DROP INDEX records_kind;
        CREATE INDEX records_kind ON records(kind);
        CREATE INDEX records_kind_updated ON records(kind, updated);
        CREATE INDEX records_kind_title ON records(kind, title);
        CREATE INDEX records_kind_date ON records(kind, date);
        CREATE TABLE record_counts (
            kind TEXT PRIMARY KEY,
            n INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT INTO record_counts(kind, n) SELECT kind, count(*) FROM records GROUP BY kind;
        CREATE TRIGGER records_count_add AFTER INSERT ON records BEGIN
            INSERT INTO record_counts(kind, n) VALUES (NEW.kind, 1)
                ON CONFLICT(kind) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER records_count_remove AFTER DELETE ON records BEGIN
            UPDATE record_counts SET n = n - 1 WHERE kind = OLD.kind;
        END;
        CREATE TRIGGER records_count_kind AFTER UPDATE OF kind ON records
            WHEN OLD.kind IS NOT NEW.kind BEGIN
            UPDATE record_counts SET n = n - 1 WHERE kind = OLD.kind;
            INSERT INTO record_counts(kind, n) VALUES (NEW.kind, 1)
                ON CONFLICT(kind) DO UPDATE SET n = n + 1;
        END
        """
    )),
    Migration("records_0004_compress_data", _compress_data),
]
