"""What one record's page shows, read in one go: the read model under ``evault get`` and
the app's record screen.

Both front ends used to assemble this themselves (one fetched every referenced record in
full to show its title, the other skipped attachments when the feature was "not built");
now :meth:`vault.records.service.RecordService.record_page` builds a
:class:`RecordPage` and the front ends only draw it. Nothing here writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vault.records.model import Record, RecordSummary
from vault.records.spec import FieldKind

if TYPE_CHECKING:
    from vault.attachments.model import Attachment
    from vault.records.registry import Registry
    from vault.store import Store


@dataclass(frozen=True)
class Linked:
    """A record that the page's record names in a reference field."""

    id: str
    kind: str
    title: str


@dataclass(frozen=True)
class RecordPage:
    """One record and everything around it that its page shows."""

    record: Record
    linked: dict[str, Linked]
    """Records this one names in its reference fields, by id (an id whose record is gone
    is absent: front ends then show the bare id)."""
    back_links: tuple[RecordSummary, ...]
    """Records that name this one, oldest first."""
    attachments: tuple[Attachment, ...]
    """Files bound to this record, oldest first."""
    provenance: str | None
    """Where an imported record came from (sender, bundle, time), else None."""

    @property
    def titles(self) -> dict[str, str]:
        """Title of each linked record by id (what field display needs)."""
        return {rid: link.title for rid, link in self.linked.items()}


def referenced_ids(record: Record, registry: Registry) -> list[str]:
    """Every id the record's reference fields name, in field order, once each."""
    rtype = registry.type(record.kind)
    seen: dict[str, None] = {}
    for name, spec in rtype.fields.items():
        if spec.kind != FieldKind.REFERENCE or name not in record.fields:
            continue
        value = record.fields[name]
        for ref in value if isinstance(value, list) else [value]:
            seen.setdefault(str(ref), None)
    return list(seen)


def linked_records(store: Store, ids: list[str]) -> dict[str, Linked]:
    """Kind and title of each of ``ids`` that exists, in one query."""
    rows = store.query("SELECT id, kind, title FROM records WHERE id IN "
                       "(SELECT value FROM json_each(?))", (json.dumps(ids),))
    return {str(r[0]): Linked(str(r[0]), str(r[1]), str(r[2])) for r in rows}


def attachments_of(store: Store, record_id: str) -> tuple[Attachment, ...]:
    """The attachments of a record, oldest first (the same rows as
    ``AttachmentService.list``, without loading the attachments feature)."""
    from vault.attachments.model import COLUMNS, Attachment

    rows = store.query(f"SELECT {COLUMNS} FROM attachments WHERE record_id = ? "
                       "ORDER BY rowid", (record_id,))
    return tuple(Attachment.from_row(row) for row in rows)


def build(store: Store, registry: Registry, record: Record,
          back_links: list[RecordSummary]) -> RecordPage:
    """The page of ``record`` (read by the record service)."""
    from vault.bundle.senders import provenance

    linked = linked_records(store, referenced_ids(record, registry))
    return RecordPage(record, linked, tuple(back_links), attachments_of(store, record.id),
                      provenance(store, record.id))
