"""Tables of the records feature.

- ``records``: one row per record. ``data`` is the JSON record (field → value) and
  ``levels`` the level of each field (field → level), both inside the encrypted
  database. ``title`` and ``date`` are derived from ``data`` at each write so that lists
  and date filters need not parse JSON.
- ``links``: one row per reference (``src`` record, its ``field``, ``dst`` record), so
  references can be followed both ways (``references_to``, ``list --case``) and a
  referenced record cannot be deleted (the foreign key on ``dst``).
- ``custom_fields``: fields users added to a type, one JSON spec each.
"""

from __future__ import annotations

from vault.migrations import Migration, sql

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
]
