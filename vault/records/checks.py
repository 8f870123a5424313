"""``evault check`` for records: every record readable, of a known kind, with its pinned
fields stored as private and its links matching its references. The database pages are
authenticated by SQLCipher, so a finding here means a bug or a hand-edited database, not
an outside attacker; it is still worth saying before an export relies on the data."""

from __future__ import annotations

import json
from typing import Any

from vault import session
from vault.errors import VaultError
from vault.records.spec import FieldKind, Level

MAX_REPORTED = 20


def check_records(vault: session.Vault) -> list[str]:
    """Problems found in the records tables, naming records by id only."""
    registry = vault.service("records").registry
    problems: list[str] = []
    links: set[tuple[str, str, str]] = set()
    for rid, kind, data, levels in vault.store.query(
            "SELECT id, kind, data, levels FROM records"):
        try:
            fields: dict[str, Any] = json.loads(data)
            stored: dict[str, str] = json.loads(levels)
            rtype = registry.type(kind)
        except (ValueError, TypeError, VaultError):
            problems.append(f"record {rid}: cannot be read")
            continue
        for name, spec in rtype.fields.items():
            if spec.pinned and stored.get(name, Level.PRIVATE.value) != Level.PRIVATE.value:
                problems.append(f"record {rid}: pinned field {name} is stored below private")
            if spec.kind == FieldKind.REFERENCE and name in fields:
                value = fields[name]
                for dst in value if isinstance(value, list) else [value]:
                    links.add((rid, name, dst))
        if any(name not in rtype.fields for name in fields):
            problems.append(f"record {rid}: holds a field its type does not declare")
    stored_links = {tuple(row) for row in vault.store.query("SELECT src, field, dst FROM links")}
    if stored_links != links:
        problems.append(f"records: {len(stored_links ^ links)} reference link(s) out of step "
                        "with the records")
    return problems[:MAX_REPORTED]


session.CHECKS["records"] = check_records
