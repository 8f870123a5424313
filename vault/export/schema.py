"""Tables of the export feature: recipients, sealed bundles, and (partner side) imported
bundles with the provenance of every record they brought."""

from __future__ import annotations

from typing import Any

from vault.migrations import Migration, sql


def _protected_identities(conn: Any) -> None:
    from vault.export.protected import migrate

    migrate(conn)


MIGRATIONS: list[Migration] = [
    Migration(
        "export_0001_tables",
        sql(
            """
            CREATE TABLE recipients (
                name TEXT PRIMARY KEY,
                age_key TEXT NOT NULL UNIQUE,
                added TEXT NOT NULL
            );
            -- What was sealed, for the owner's own record: counts and names, no content.
            CREATE TABLE bundles_sealed (
                bundle_id TEXT PRIMARY KEY,
                created TEXT NOT NULL,
                clearance TEXT NOT NULL,
                recipients TEXT NOT NULL,
                counts TEXT NOT NULL,
                manifest_sha256 TEXT NOT NULL
            );
            -- Partner side: each bundle imported once (re-import is a no-op).
            CREATE TABLE bundles_imported (
                bundle_id TEXT PRIMARY KEY,
                sender_key TEXT NOT NULL,
                signer_pinned INTEGER NOT NULL,
                created TEXT NOT NULL,
                imported TEXT NOT NULL,
                records INTEGER NOT NULL
            );
            -- Which local record a sender's pseudonymous record became. Keyed by sender
            -- and bundle record id: bundle ids are stable per audience, so a later bundle
            -- from the same sender finds the same record again.
            CREATE TABLE bundle_records (
                sender_key TEXT NOT NULL,
                bundle_record_id TEXT NOT NULL,
                local_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
                bundle_id TEXT NOT NULL,
                PRIMARY KEY (sender_key, bundle_record_id)
            );
            CREATE INDEX bundle_records_local ON bundle_records(local_id);
            """
        ),
    ),
    Migration(
        "export_0002_identity_decisions",
        sql(
            """
            -- The user's answer to a collision (issue 11): a record that may ship holds a
            -- value equal to a protected identifier of another record. 'different' lets
            -- the shipping record keep its value; 'same' withholds its identifying fields.
            CREATE TABLE identity_decisions (
                record_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
                other_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
                decision TEXT NOT NULL CHECK (decision IN ('same', 'different')),
                decided TEXT NOT NULL,
                PRIMARY KEY (record_id, other_id)
            );
            """
        ),
    ),
    # The protected identities table (vault.export.protected): kept on write, so an
    # export reads stored forms instead of decoding every record. Filled here from the
    # records already in the vault.
    Migration("export_0003_protected_identities", _protected_identities),
]
