"""Collisions are a question: the user's stored, audited answers.

A record that may ship (a victim named Zhang Lihua, a lawyer with a partner-level phone)
can hold a value equal to a protected identifier of another record (a source of the same
name, the same number). The export never guesses: it refuses and names both records
(:class:`Collision`). The user answers once, per pair of records:

- ``different`` — two people who happen to share the value. The shipping record's
  structured field keeps its value; the value is still replaced everywhere else, including
  the protected record's own text, and never by a pseudonym (``[name]``), so nothing links
  the two;
- ``same`` — one person recorded twice. The shipping record is then treated as protected:
  its identifying fields are withheld and it is named by pseudonym.

Raising the field's level (``evault level``) is the third way out and needs no decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vault.errors import InvalidInput, PolicyRefused

DECISIONS = ("same", "different")


@dataclass(frozen=True)
class Collision:
    """A shipping record's structured field holds another record's protected value."""

    record_id: str
    record_title: str
    field: str
    other_id: str
    other_title: str
    other_field: str


class CollisionFound(PolicyRefused):
    """The export would put a protected identifier in a structured field; nothing was
    written. The message names both records and the three ways out."""

    def __init__(self, collisions: list[Collision]) -> None:
        c = collisions[0]
        more = f" (and {len(collisions) - 1} more)" if len(collisions) > 1 else ""
        super().__init__(
            f"record {c.record_id} ({c.record_title}) holds in its field '{c.field}' the "
            f"same value as the protected field '{c.other_field}' of record {c.other_id} "
            f"({c.other_title}){more}. Decide: 'evault identity different {c.record_id} "
            f"{c.other_id}' if they are different people, 'evault identity same "
            f"{c.record_id} {c.other_id}' if they are the same person, or raise the "
            f"field's level with 'evault level {c.record_id} {c.field} private'; nothing "
            "was written")
        self.collisions = collisions


class Decisions:
    """The ``identity_decisions`` table of one vault."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def all(self) -> dict[tuple[str, str], str]:
        """(shipping record, protected record) → ``same`` or ``different``."""
        rows = self.store.query("SELECT record_id, other_id, decision FROM identity_decisions")
        return {(str(r[0]), str(r[1])): str(r[2]) for r in rows}

    def decide(self, record_id: str, other_id: str, decision: str) -> None:
        """Store (or change) the answer for one pair; audited, no content."""
        if decision not in DECISIONS:
            raise InvalidInput("the decision is 'same' or 'different'")
        if record_id == other_id:
            raise InvalidInput("a record cannot collide with itself")
        at = self.store.clock().isoformat(timespec="seconds")
        with self.store.transaction("storing an identity decision") as tx:
            tx.execute("INSERT OR REPLACE INTO identity_decisions(record_id, other_id, "
                       "decision, decided) VALUES (?,?,?,?)",
                       (record_id, other_id, decision, at))
            tx.audit("identity.decide", record=record_id, other=other_id,
                     decision=decision)

    def listing(self) -> list[dict[str, str]]:
        """Every stored decision, for ``evault identity list``."""
        rows = self.store.query("SELECT record_id, other_id, decision, decided FROM "
                                "identity_decisions ORDER BY decided, record_id")
        return [{"record": str(r[0]), "other": str(r[1]), "decision": str(r[2]),
                 "decided": str(r[3])} for r in rows]
