"""The ``attachments`` table.

One row per attachment. The blob's key lives here, inside the encrypted database, and
nowhere else: deleting the row makes the blob noise. The original file name, the note and
the extracted metadata are content (``private``) and so live only here too, never in a
file name, a log or an audit entry.
"""

from __future__ import annotations

from vault.migrations import Migration, sql

MIGRATIONS: list[Migration] = [
    Migration(
        "attachments_0001_table",
        sql(
            """
            CREATE TABLE attachments (
                id TEXT PRIMARY KEY,
                -- No ON DELETE CASCADE: deleting a record must not silently drop evidence;
                -- its attachments are detached first (each detach is audited).
                record_id TEXT NOT NULL REFERENCES records(id),
                blob_name TEXT NOT NULL UNIQUE,
                blob_key BLOB NOT NULL,
                media_type TEXT NOT NULL,
                size INTEGER NOT NULL CHECK (size >= 0),
                sha256 TEXT NOT NULL,
                ingested TEXT NOT NULL,
                name TEXT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                level TEXT NOT NULL DEFAULT 'private'
                    CHECK (level IN ('public', 'partner', 'private')),
                note TEXT
            );
            CREATE INDEX attachments_record ON attachments(record_id);
            """
        ),
    ),
    Migration(
        "attachments_0002_text",
        sql(
            """
            -- What OCR or the PDF's own text says, for search (vault/attachments/text.py).
            CREATE TABLE attachment_text (
                attachment_id TEXT PRIMARY KEY REFERENCES attachments(id),
                text TEXT NOT NULL
            );
            """
        ),
    ),
    # An attachment's chain of custody (AttachmentService.custody) is read from the
    # audit log, which grows with everything done in the vault: an index over the
    # attachment entries' ids makes it a seek, not a walk of the whole log (issue 16).
    Migration(
        "attachments_0003_custody_index",
        sql(
            """
            CREATE INDEX audit_attachment ON audit(json_extract(detail, '$.attachment'), seq)
                WHERE action LIKE 'attachment.%';
            """
        ),
    ),
]
