"""A perpetrator's profile, gathered from the vault's records as they are stored.

This is the vault-side view (nothing redacted): the readiness check reads it to say what a
filing lacks, and :mod:`vault.dossier.content` turns it into what a recipient may see by
passing every record through the export pipeline's redactor. Nothing here leaves the
device by itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from vault.errors import InvalidInput
from vault.records.dates import BadDate, parse_date
from vault.records.model import Record

#: Person fields that track an official (the "identifiers" section of a dossier).
TRACKING_FIELDS = ("phones", "emails", "handles", "plates", "companies", "property",
                   "addresses")
#: Evidence kinds an involvement or act may cite.
EVIDENCE_KINDS = ("testimony", "source", "detention", "act")


@dataclass
class ActLink:
    """One act the person is involved in, with everything that supports it."""

    involvement: Record
    act: Record
    detention: Record | None
    victims: list[Record]
    evidence: list[Record]
    """Records cited as evidence by the involvement or the act, then the testimonies found
    through the links people make (see :func:`linked_testimonies`), without repeats."""
    attachments: dict[str, list[Any]] = field(default_factory=dict)
    """Attachments by record id: on the act, the involvement and every evidence record."""
    position: dict[str, str] | None = None
    """The post (from ``positions``) the person held on the act's date, if one is known."""
    linked: frozenset[str] = frozenset()
    """Ids of the evidence records found through links rather than cited: the readiness
    check asks for them to be cited."""

    @property
    def cited(self) -> list[Record]:
        """The evidence records someone cited on the act or the involvement."""
        return [r for r in self.evidence if r.id not in self.linked]

    @property
    def date(self) -> str | None:
        """The act's date, else its detention's start."""
        value = self.act.fields.get("date")
        if value is None and self.detention is not None:
            value = self.detention.fields.get("start")
        return value if isinstance(value, str) else None

    def origins(self) -> set[str]:
        """Independent origins of the cited evidence: each interviewee of a testimony,
        each protected source, each other evidence record, and the files attached to the
        act or the involvement themselves. Two testimonies from one person are one origin;
        a testimony found only through links is not counted until someone cites it."""
        found: set[str] = set()
        for record in self.cited:
            if record.kind == "testimony":
                found.add(str(record.fields.get("source") or record.id))
            else:
                found.add(record.id)
        if self.attachments.get(self.act.id) or self.attachments.get(self.involvement.id):
            found.add(f"files:{self.act.id}")
        return found

    def attachment_count(self) -> int:
        """Files attached anywhere behind this act, but not behind evidence found only
        through links (uncited, it supports nothing yet)."""
        return sum(len(items) for rid, items in self.attachments.items()
                   if rid not in self.linked)


@dataclass
class Profile:
    """Everything the vault holds about one person that a dossier may draw on."""

    person: Record
    acts: list[ActLink]
    superiors: list[Record]
    subordinates: list[Record]
    records: dict[str, Record]
    """The records this profile read, by id: the person, their involvements, acts,
    detentions, victims, evidence, linked testimonies and their interviewees, superiors
    and subordinates (never the whole vault; the redactor reads the protected identities
    of everyone else from their table)."""


def _covers(position: dict[str, str], when: str) -> bool:
    try:
        act = parse_date(when)
        start = parse_date(position["from"]).first_day() if position.get("from") else None
        end = parse_date(position["to"]).last_day() if position.get("to") else None
    except BadDate:
        return False
    if start is None and end is None:
        return False  # a post with no dates says nothing about the time of the act
    low = start or dt.date.min
    high = end or dt.date.max
    # Overlap of the act's span (a year, a month or a day) with the post's span.
    return act.first_day() <= high and act.last_day() >= low


def position_at(person: Record, when: str | None) -> dict[str, str] | None:
    """The post ``person`` held at ``when`` according to their ``positions``, if any."""
    if not when:
        return None
    for position in person.fields.get("positions") or []:
        if isinstance(position, dict) and _covers(position, when):
            return {k: str(v) for k, v in position.items()}
    return None


def linked_testimonies(act: Record, involvement: Record, detention: Record | None,
                       testimonies: list[Record]) -> list[Record]:
    """Testimonies that speak to an act without being cited on it: those whose ``related``
    field links the act, the involvement or the act's detention, and those whose
    ``persons_mentioned`` names one of the act's victims. That is how interviewers file
    what they hear (a testimony about a detention names the detainee and links the
    detention), so a filing should not call an act unsupported when such a testimony
    exists; the check then asks that it be cited."""
    anchors = {act.id, involvement.id} | ({detention.id} if detention is not None else set())
    victims = {str(v) for v in act.fields.get("victims") or []}
    found: list[Record] = []
    for record in testimonies:
        related = {str(r) for r in record.fields.get("related") or []}
        named = {str(p) for p in record.fields.get("persons_mentioned") or []}
        if related & anchors or named & victims:
            found.append(record)
    return found


class _Reader:
    """The records a profile reads, by full id, fetched a batch per query (None: no such
    record), each once."""

    def __init__(self, records: Any) -> None:
        self._records = records
        self.seen: dict[str, Record | None] = {}

    def load(self, ids: Iterable[Any]) -> None:
        missing = list(dict.fromkeys(str(i) for i in ids if str(i) not in self.seen))
        if missing:
            found = self._records.fetch(missing)
            for rid in missing:
                self.seen[rid] = found.get(rid)

    def get(self, rid: Any) -> Record | None:
        return self.seen.get(str(rid))

    def found(self) -> dict[str, Record]:
        return {rid: r for rid, r in self.seen.items() if r is not None}


def gather(vault: Any, person_id: str) -> Profile:
    """The profile of the person ``person_id`` (an id or unambiguous prefix). InvalidInput
    when the record is not a person.

    Reads the person's records and what they reach, never the whole vault: the
    involvements naming the person and the people reporting to them are found through the
    links table's index (:meth:`RecordService.referrers`), then acts, detentions, victims,
    cited evidence and superiors by id, a batch per query, then the testimonies linked to
    those acts, involvements, detentions or victims (again through the index), and the
    interviewees of the evidence. What a person waits on grows with their own record, not
    with the vault (``bench/dossier.py --unrelated``)."""
    records_service = vault.services.records
    person = records_service.get(person_id)
    if person.kind != "person":
        raise InvalidInput(f"record {person.id} is a {person.kind}, not a person; a dossier "
                           "is drafted for a person")
    reader = _Reader(records_service)
    reader.seen[person.id] = person
    attachments_service = vault.services.attachments
    files: dict[str, list[Any]] = {}

    def attached(record_id: str) -> list[Any]:
        if record_id not in files:
            files[record_id] = list(attachments_service.list(record_id))
        return files[record_id]

    # Oldest first, as the old whole-vault walk met them (the order of equal dates).
    involvement_ids = records_service.referrers({"perpetrator": [person.id]}, "involvement")
    reader.load(involvement_ids)
    involvements = [r for r in map(reader.get, involvement_ids)
                    if r is not None and r.fields.get("perpetrator") == person.id]
    reader.load(str(r.fields.get("act")) for r in involvements)
    pairs = [(inv, act) for inv in involvements
             if (act := reader.get(inv.fields.get("act"))) is not None]
    reader.load([
        *(person.fields.get("superiors") or []),
        *(str(act.fields.get("detention", "")) for _, act in pairs),
        *(v for _, act in pairs for v in act.fields.get("victims") or []),
        *(e for inv, act in pairs
          for e in (*(inv.fields.get("evidence") or []), *(act.fields.get("evidence") or [])))])
    anchors: set[str] = set()
    victims: set[str] = set()
    for inv, act in pairs:
        detention = reader.get(act.fields.get("detention", ""))
        anchors |= {inv.id, act.id} | ({detention.id} if detention is not None else set())
        victims |= {str(v) for v in act.fields.get("victims") or []}
    # Only testimonies that link an anchor or name a victim can be found by
    # linked_testimonies; read in vault order, it finds them in the same order as before.
    candidate_ids = records_service.referrers(
        {"related": sorted(anchors), "persons_mentioned": sorted(victims)}, "testimony")
    reader.load(candidate_ids)
    testimonies = [r for r in map(reader.get, candidate_ids)
                   if r is not None and r.kind == "testimony"]
    links: list[ActLink] = []
    for record, act in pairs:
        detention = reader.get(act.fields.get("detention", ""))
        victim_records = [r for v in act.fields.get("victims") or []
                          if (r := reader.get(v)) is not None]
        cited = [*(record.fields.get("evidence") or []), *(act.fields.get("evidence") or [])]
        evidence = [r for e in dict.fromkeys(cited) if (r := reader.get(e)) is not None]
        known = {e.id for e in evidence}
        found = [t for t in linked_testimonies(act, record, detention, testimonies)
                 if t.id not in known]
        link = ActLink(record, act, detention, victim_records, evidence + found,
                       linked=frozenset(t.id for t in found))
        for rid in (act.id, record.id, *(e.id for e in evidence)):
            items = attached(rid)
            if items:
                link.attachments[rid] = items
        link.position = position_at(person, link.date)
        links.append(link)
    links.sort(key=lambda link: (link.date or "9999", link.act.id))
    # The interviewees of the evidence: the draft names them (by pseudonym).
    reader.load(str(e.fields.get("source", "")) for link in links for e in link.evidence
                if e.kind == "testimony")
    superiors = [r for s in person.fields.get("superiors") or []
                 if (r := reader.get(s)) is not None]
    subordinate_ids = records_service.referrers({"superiors": [person.id]}, "person")
    reader.load(subordinate_ids)
    subordinates = [r for r in map(reader.get, subordinate_ids)
                    if r is not None and person.id in (r.fields.get("superiors") or [])]
    return Profile(person, links, superiors, subordinates, reader.found())
