"""The travel-safe flag: which records stay on the device during a trip.

Marking is per record and audited (``travel.mark`` / ``travel.unmark``, with the record
id only). Marking a case marks the case and every record it groups, because a case
shown without its records, or records without their case, is rarely what a traveller
means; unmarking a case unmarks the same set.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from vault.errors import InvalidInput

if TYPE_CHECKING:
    from vault.session import Vault


def expand(vault: Vault, ids: Iterable[str], case: str | None) -> list[str]:
    """Full ids of the records named (prefixes allowed) and, with ``case``, of the case
    and the records it groups; in a stable order, without repeats."""
    records = vault.services.records
    found: list[str] = []
    for prefix in ids:
        found.append(records.resolve(prefix))
    if case is not None:
        cid, kind = records.lookup(case)
        if kind != "case":
            raise InvalidInput(f"record {cid} is a {kind}, not a case")
        found.append(cid)
        found.extend(str(r[0]) for r in vault.store.query(
            "SELECT dst FROM links WHERE src = ? AND field = 'records' ORDER BY dst", (cid,)))
    if not found:
        raise InvalidInput("name at least one record, or a case with --case")
    return list(dict.fromkeys(found))


def mark(vault: Vault, ids: Iterable[str], case: str | None = None) -> list[str]:
    """Mark records travel-safe; returns those that were not marked before."""
    chosen = expand(vault, ids, case)
    now = vault.clock().isoformat(timespec="seconds")
    changed: list[str] = []
    with vault.store.transaction("marking records travel-safe") as tx:
        for rid in chosen:
            cur = tx.execute("INSERT OR IGNORE INTO travel_safe(record_id, marked) "
                             "VALUES (?, ?)", (rid, now))
            if cur.rowcount:
                changed.append(rid)
                tx.audit("travel.mark", record=rid)
        if not changed:
            tx.audit("travel.mark", count=0)
    return changed


def unmark(vault: Vault, ids: Iterable[str], case: str | None = None) -> list[str]:
    """Remove the travel-safe mark; returns those that were marked."""
    chosen = expand(vault, ids, case)
    changed: list[str] = []
    with vault.store.transaction("unmarking travel-safe records") as tx:
        for rid in chosen:
            cur = tx.execute("DELETE FROM travel_safe WHERE record_id = ?", (rid,))
            if cur.rowcount:
                changed.append(rid)
                tx.audit("travel.unmark", record=rid)
        if not changed:
            tx.audit("travel.unmark", count=0)
    return changed


def marked(vault: Vault) -> list[str]:
    """Ids of every travel-safe record, in the order they were added to the vault."""
    return [str(r[0]) for r in vault.store.query(
        "SELECT r.id FROM records AS r JOIN travel_safe AS t ON t.record_id = r.id "
        "ORDER BY r.rowid")]


def marked_among(vault: Vault, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` (full ids) are travel-safe: one query for a page of the app's
    list, instead of every mark in the vault."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return set()
    return {str(r[0]) for r in vault.store.query(
        "SELECT record_id FROM travel_safe WHERE record_id IN "
        "(SELECT value FROM json_each(?))", (json.dumps(wanted),))}
