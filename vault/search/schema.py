"""The search index's tables and their migrations, apart from the index code.

Why a module of its own: every unlock checks that the schema is current, which needs
the names of all migrations. Kept here, that check loads neither the tokenizer (OpenCC's
tables) nor the query code; the migrations import them only when they really run (a new
vault, or an upgrade). The layout itself is explained in :mod:`vault.search.index`.
"""

from __future__ import annotations

from typing import Any

from vault.migrations import Migration, statements

META_KEY = "search_tokenizer"
"""The meta row naming the tokenizer rules the index was built with."""

_DDL = """
CREATE TABLE search_doc (
    docid INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    date_start TEXT,
    date_end TEXT
);
CREATE TABLE search_text (
    docid INTEGER PRIMARY KEY REFERENCES search_doc(docid) ON DELETE CASCADE,
    texts TEXT NOT NULL
);
CREATE VIRTUAL TABLE search_fts USING fts5(
    public, partner, private, content = '', tokenize = 'ascii'
)
"""


# The layout of search_0002 (see vault.search.index's docstring); search_0001's _DDL is
# shipped.
_FTS = ("CREATE VIRTUAL TABLE search_fts USING fts5(public, partner, private, "
        "content = '', contentless_delete = 1, tokenize = 'ascii')")



def _create(conn: Any) -> None:
    from vault.search.fold import TOKENIZER_VERSION

    for statement in statements(_DDL):
        conn.execute(statement)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                 (META_KEY, TOKENIZER_VERSION))


def _compact(conn: Any) -> None:
    """search_0002: the smaller layout. The old index is dropped, copies of record texts
    are deleted (records are their own source now), and everything is re-tokenized with
    the current rules (for a large vault this takes a while, once: about a minute per
    100,000 records on a slow laptop)."""
    conn.execute("DROP TABLE search_fts")
    conn.execute(_FTS)
    has_records = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                               "AND name = 'records'").fetchone()
    if has_records:
        conn.execute("DELETE FROM search_text WHERE docid IN (SELECT d.docid FROM "
                     "search_doc AS d JOIN records AS r ON r.id = d.record_id)")
    from vault.search.index import rebuild

    rebuild(conn)


def _secure_delete(conn: Any) -> None:
    # FTS5 otherwise keeps a deleted row's tokens in its index until segments merge:
    # 'secure-delete' removes them at once (SQLite 3.42+; evault's SQLCipher has 3.5x).
    conn.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('secure-delete', 1)")


MIGRATIONS = [Migration("search_0001_fts", _create), Migration("search_0002_compact", _compact),
              Migration("search_0003_secure_delete", _secure_delete)]
