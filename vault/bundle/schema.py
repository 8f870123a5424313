"""The tables of known senders and imported bundles, apart from the bundle code.

Why a module of its own: every unlock checks that the schema is current, which needs the
names of all migrations; kept here, that check loads neither the BIP-39 word list nor
age and minisign (see :mod:`vault.bundle.senders` for what the tables hold).
"""

from __future__ import annotations

from vault.migrations import Migration, sql

MIGRATIONS: list[Migration] = [
    Migration(
        "senders_0001_known",
        sql(
            """
            CREATE TABLE known_senders (
                name TEXT PRIMARY KEY,
                sender_key TEXT NOT NULL UNIQUE,
                first_seen TEXT NOT NULL,
                fingerprint TEXT NOT NULL
            );
            -- A bundle is identified by its sender and its id (a forger reusing another
            -- sender's bundle id must not make the real bundle count as imported).
            CREATE TABLE bundles_imported_v2 (
                sender_key TEXT NOT NULL,
                bundle_id TEXT NOT NULL,
                signer_pinned INTEGER NOT NULL,
                created TEXT NOT NULL,
                imported TEXT NOT NULL,
                records INTEGER NOT NULL,
                PRIMARY KEY (sender_key, bundle_id)
            );
            INSERT INTO bundles_imported_v2
                SELECT sender_key, bundle_id, signer_pinned, created, imported, records
                FROM bundles_imported;
            DROP TABLE bundles_imported;
            ALTER TABLE bundles_imported_v2 RENAME TO bundles_imported;
            """
        ),
    ),
]
