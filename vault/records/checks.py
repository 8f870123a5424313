"""``evault check`` for records: every record readable, of a known kind, with its pinned
fields stored as private and its links matching its references. The database pages are
authenticated by SQLCipher, so a finding here means a bug or a hand-edited database, not
an outside attacker; it is still worth saying before an export relies on the data."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from vault.errors import VaultError
from vault.records.spec import FieldKind, Level
from vault.records.stored import fields as stored_fields

if TYPE_CHECKING:
    from vault.session import Vault

MAX_REPORTED = 20
BATCH = 1000


def check_records(vault: Vault) -> list[str]:
    """Problems found in the records tables, naming records by id only. Reads the records
    a batch at a time and compares each batch's links with the stored ones, so memory
    stays flat at any size."""
    registry = vault.services.records.registry
    store = vault.store
    problems: list[str] = []
    out_of_step = 0
    last = 0
    while True:
        rows = store.query("SELECT rowid, id, kind, data, levels FROM records WHERE rowid > ? "
                           "ORDER BY rowid LIMIT ?", (last, BATCH))
        if not rows:
            break
        last = int(rows[-1][0])
        links: set[tuple[str, str, str]] = set()
        for _rowid, rid, kind, data, levels in rows:
            if len(problems) < MAX_REPORTED:
                problems.extend(_check_one(registry, rid, kind, data, levels, links))
            else:
                _check_one(registry, rid, kind, data, levels, links)
        stored = {tuple(row) for row in store.query(
            "SELECT src, field, dst FROM links WHERE src IN (SELECT value FROM json_each(?))",
            (json.dumps([row[1] for row in rows]),))}
        out_of_step += len(stored ^ links)
    out_of_step += int(store.query_one(
        "SELECT count(*) FROM links WHERE src NOT IN (SELECT id FROM records)")[0])
    if out_of_step:
        problems.append(f"records: {out_of_step} reference link(s) out of step "
                        "with the records")
    counted = dict(store.query("SELECT kind, n FROM record_counts WHERE n != 0"))
    actual = dict(store.query("SELECT kind, count(*) FROM records GROUP BY kind"))
    if counted != actual:
        problems.append("records: the kept record counts are out of step; "
                        "'evault check --repair' recounts them")
    return problems[:MAX_REPORTED]


def _check_one(registry: Any, rid: str, kind: str, data: str | bytes, levels: str,
               links: set[tuple[str, str, str]]) -> list[str]:
    """Problems of one record; adds the links its references imply to ``links``."""
    try:
        fields: dict[str, Any] = stored_fields(data)
        stored: dict[str, str] = json.loads(levels)
        rtype = registry.type(kind)
    except (ValueError, TypeError, VaultError):
        return [f"record {rid}: cannot be read"]
    problems: list[str] = []
    for name, spec in rtype.fields.items():
        if spec.pinned and stored.get(name, Level.PRIVATE.value) != Level.PRIVATE.value:
            problems.append(f"record {rid}: pinned field {name} is stored below private")
        if spec.kind == FieldKind.REFERENCE and name in fields:
            value = fields[name]
            for dst in value if isinstance(value, list) else [value]:
                links.add((rid, name, dst))
    if any(name not in rtype.fields for name in fields):
        problems.append(f"record {rid}: holds a field its type does not declare")
    return problems


def repair_counts(vault: Vault) -> list[str]:
    """Recount the records of each kind (``record_counts``)."""
    store = vault.store
    counted = dict(store.query("SELECT kind, n FROM record_counts WHERE n != 0"))
    actual = dict(store.query("SELECT kind, count(*) FROM records GROUP BY kind"))
    if counted == actual:
        return []
    with store.transaction("recounting records") as tx:
        tx.execute("DELETE FROM record_counts")
        tx.execute("INSERT INTO record_counts(kind, n) "
                   "SELECT kind, count(*) FROM records GROUP BY kind")
        tx.audit("records.recount", kinds=len(actual))
    return ["record counts recounted"]
