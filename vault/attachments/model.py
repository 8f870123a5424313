"""What an attachment is, as the front ends see it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from vault.records.registry import Level

__all__ = ["COLUMNS", "Attachment", "BlobRef"]

COLUMNS: Final = (
    "id, record_id, media_type, size, sha256, ingested, name, metadata, level, note"
)
"""The columns :meth:`Attachment.from_row` reads, in order."""


@dataclass(frozen=True)
class Attachment:
    """One encrypted file bound to a record.

    ``name``, ``metadata`` and ``note`` are ``private`` whatever ``level`` says: ``level``
    governs only whether the (sanitized) file itself may travel in a bundle.
    """

    id: str
    record_id: str
    media_type: str
    """Sniffed from the content at ingest, never taken from the name."""
    size: int
    """Bytes of the original."""
    sha256: str
    """Hex SHA-256 of the original at ingest: what custody and checks verify against."""
    ingested: str
    """UTC time of ingest, ISO 8601."""
    name: str
    """The original file name (private)."""
    metadata: dict[str, Any]
    """EXIF/GPS, PDF info, audio tags extracted at ingest (private)."""
    level: Level
    """How far the file may travel (default ``private``)."""
    note: str | None
    """The user's note (private)."""

    @classmethod
    def from_row(cls, row: Any) -> Attachment:
        """Build from a row of :data:`COLUMNS`."""
        ident, record_id, media_type, size, sha256, ingested, name, meta, level, note = row
        return cls(str(ident), str(record_id), str(media_type), int(size), str(sha256),
                   str(ingested), str(name), json.loads(meta), Level(level), note)

    def to_json(self) -> dict[str, Any]:
        """A plain dict for ``--json`` output (field names as in this class)."""
        return {
            "id": self.id,
            "record_id": self.record_id,
            "media_type": self.media_type,
            "size": self.size,
            "sha256": self.sha256,
            "ingested": self.ingested,
            "name": self.name,
            "metadata": self.metadata,
            "level": self.level.value,
            "note": self.note,
        }


@dataclass(frozen=True)
class BlobRef:
    """Where an attachment's ciphertext is and what it must decrypt to."""

    attachment_id: str
    blob_name: str
    key: bytes
    size: int
    sha256: str
