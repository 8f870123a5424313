"""Tables of travel mode: which records are safe to carry, and the trips.

The travel-safe flag is a table of its own rather than a column of ``records``: a
shipped migration is never edited, and a row that disappears with its record (``ON DELETE
CASCADE``) needs no clean-up. A trip row holds only ids, counts, a public key and a hash:
what travel mode needs to refuse a second restore or a file from another trip, and
nothing of what was sealed.
"""

from __future__ import annotations

from vault.migrations import Migration, sql

MIGRATIONS: list[Migration] = [
    Migration(
        "travel_0001_tables",
        sql(
            """
            CREATE TABLE travel_safe (
                record_id TEXT PRIMARY KEY REFERENCES records(id) ON DELETE CASCADE,
                marked TEXT NOT NULL
            ) WITHOUT ROWID;
            -- phase: 'sealed' (records removed; their blob files not yet wiped, the keys
            -- not yet rotated), 'travelling' (start finished), 'ended' (restored).
            CREATE TABLE travel_trips (
                trip_id TEXT PRIMARY KEY,
                started TEXT NOT NULL,
                ended TEXT,
                phase TEXT NOT NULL CHECK (phase IN ('sealed', 'travelling', 'ended')),
                sealed_to TEXT NOT NULL CHECK (sealed_to IN ('recovery-key', 'recipient')),
                recipient TEXT NOT NULL,
                counts TEXT NOT NULL,
                manifest_sha256 TEXT NOT NULL,
                pending_blobs TEXT NOT NULL DEFAULT '[]'
            );
            """
        ),
    ),
]
