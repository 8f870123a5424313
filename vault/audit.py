"""The append-only, hash-chained audit log.

Every write to the vault appends entries in the same transaction as the write itself
(see :meth:`vault.store.Transaction.audit`). An entry says who, when, what action, which
record and field — never a value. Each entry's hash covers the previous hash, and the
head of the chain and its length are kept in ``meta``, so an edited, inserted or deleted
entry (including the last one) breaks verification.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    seq: int
    at: str
    """UTC time, ISO 8601."""
    actor: str
    """Who: the front end and how the vault was unlocked (``cli:passphrase``)."""
    action: str
    """What happened, a dotted name such as ``record.add`` or ``level.change``."""
    record: str | None
    field: str | None
    detail: dict[str, Any]
    """Non-content facts only: levels, hashes, counts, ids."""
    prev: str
    hash: str


def entry_hash(prev: str, seq: int, at: str, actor: str, action: str, record: str | None,
               field: str | None, detail: dict[str, Any]) -> str:
    """The chained hash of one entry."""
    payload = json.dumps(
        [seq, at, actor, action, record, field, detail],
        sort_keys=True, separators=(",", ":"), ensure_ascii=True,
    )
    return hashlib.sha256(prev.encode("ascii") + b"\n" + payload.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class ChainStatus:
    """Result of verifying the chain."""

    ok: bool
    entries: int
    problem: str | None = None


def verify_chain(entries: Iterable[AuditEntry], head: str, count: int) -> ChainStatus:
    """Check sequence, links and hashes, and that the chain ends where ``meta`` says."""
    prev = GENESIS
    seen = 0
    for entry in entries:
        seen += 1
        if entry.seq != seen:
            return ChainStatus(False, seen, f"audit entry {seen} is missing or out of order")
        if entry.prev != prev:
            return ChainStatus(False, seen, f"audit entry {seen} does not follow the one before")
        expected = entry_hash(entry.prev, entry.seq, entry.at, entry.actor, entry.action,
                              entry.record, entry.field, entry.detail)
        if entry.hash != expected:
            return ChainStatus(False, seen, f"audit entry {seen} was altered")
        prev = entry.hash
    if seen != count or prev != head:
        return ChainStatus(False, seen, "the end of the audit log was removed or altered")
    return ChainStatus(True, seen)


def rows_to_entries(rows: Iterable[tuple[Any, ...]]) -> Iterator[AuditEntry]:
    """Turn ``SELECT seq, at, actor, action, record, field, detail, prev, hash`` rows into
    entries."""
    for seq, at, actor, action, record, field, detail, prev, hsh in rows:
        yield AuditEntry(seq, at, actor, action, record, field, json.loads(detail), prev, hsh)
