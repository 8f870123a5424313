"""Named schema migrations, recorded in a table.

Each migration runs in its own transaction: a failing one rolls back and stays pending,
and a rerun applies each exactly once. Append new migrations at the end of
:data:`MIGRATIONS`; never edit, rename or reorder one that has shipped.

Feature modules keep their own DDL next to their code and are listed here, so the order
in which a vault's schema grew is in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Connection = Any  # a sqlcipher3 connection (the module ships no type hints)


@dataclass(frozen=True)
class Migration:
    """One named, idempotent-by-record step of the schema."""

    name: str
    apply: Callable[[Connection], None]


def statements(script: str) -> list[str]:
    """Split a script into complete statements (triggers keep their inner ``;``)."""
    import sqlcipher3

    found: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlcipher3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        found.append(pending.strip())
    return found


def sql(script: str) -> Callable[[Connection], None]:
    """A migration step that runs a SQL script."""
    parts = statements(script)

    def run(conn: Connection) -> None:
        # Statements one by one: executescript() would COMMIT our transaction.
        for statement in parts:
            conn.execute(statement)
    return run


CORE = sql(
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        record TEXT,
        field TEXT,
        detail TEXT NOT NULL,
        prev TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX audit_record ON audit(record);
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """
)


#: Modules that declare ``MIGRATIONS: list[Migration]``, in the order their schema was
#: added. Append only.
FEATURE_MODULES = [
    "vault.records.schema",
    "vault.search.schema",
    "vault.attachments.schema",
    "vault.export.schema",
    "vault.dossier.schema",
    "vault.bundle.schema",
    "vault.travel.schema",
]


#: A random key for pseudonyms, kept in the (encrypted) database so that a change of master
#: key does not change the names partners know records by.
PSEUDONYM_ROOT = sql(
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('pseudonym_root', randomblob(32));"
)


def _later() -> list[Migration]:
    """Migrations of feature modules, imported lazily so this module stays import-light."""
    import importlib

    found: list[Migration] = []
    for name in FEATURE_MODULES:
        found.extend(importlib.import_module(name).MIGRATIONS)
    return found


def all_migrations() -> list[Migration]:
    """Every migration in the order it must run."""
    return [Migration("0001_core", CORE), Migration("0002_pseudonym_root", PSEUDONYM_ROOT),
            *_later()]
