"""Encrypted attachments: files bound to a record, stored as STREAM blobs under random
names with a per-blob key kept in the database, with a chain of custody in the audit log.

The service lives in :mod:`vault.attachments.service` (``vault.services.attachments``);
the crash-safe streaming ingest in :mod:`vault.attachments.ingest`.
"""

from __future__ import annotations
