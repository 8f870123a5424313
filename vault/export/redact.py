"""A record as a bundle's audience may see it.

The rules of DESIGN.md "Redaction levels", applied to one record at a time:
- a field above the clearance is dropped and named in ``withheld`` (never what it held);
- people are named only by fields within the clearance, otherwise by their pseudonym;
- every string that goes into the bundle — free text first of all, but also names,
  places and position titles that are themselves within clearance — is rewritten so that
  no identifier the bundle may not carry survives in it, from whichever record in the vault
  it comes (a private phone number of a source stays out of a public perpetrator's notes);
- free text is also run through the pattern detectors: what they find is redacted unless
  the caller released that finding by id, and every finding is listed for review.

References between records become bundle ids (:mod:`vault.export.pseudonym`), so no vault
id ever leaves the device.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from vault.export.decisions import Collision
from vault.export.detect import detect
from vault.export.identity import IdentityModel
from vault.export.needles import ByteNeedles
from vault.export.normalize import Match, Matcher, skeleton
from vault.export.placeholders import PERSONAL, PLACEHOLDERS
from vault.export.pseudonym import PERSON_KINDS, Pseudonyms
from vault.records.model import Record
from vault.records.registry import Registry
from vault.records.spec import FieldKind, FieldSpec, Level, RecordType

_NAME_FIELDS = {"name", "name_original", "aliases", "label"}


def placeholder_for(field_name: str) -> str:
    """The typed placeholder for a known identifier of a field (``[phone]``…)."""
    n = field_name.lower()
    for needle, kind in (("phone", "phone"), ("email", "email"), ("mail", "email"),
                         ("plate", "plate"), ("id_doc", "id_number"),
                         ("passport", "id_number"), ("ip_", "ip")):
        if needle in n:
            return PLACEHOLDERS[kind]
    if "handle" in n or "account" in n:
        return PLACEHOLDERS["handle"]
    if any(w in n for w in ("address", "location", "place", "coordinates")):
        return PLACEHOLDERS["place"]
    return PLACEHOLDERS["name"]


@dataclass(frozen=True)
class Owner:
    """Where an identifier value lives in the vault (names a leak; never the value)."""

    record_id: str
    kind: str
    field: str
    level: Level
    person_name: bool
    """A name of a person or source: replaced by their pseudonym."""


@dataclass
class Finding:
    """Something a detector found in free text, for review."""

    id: str
    """Stable id (keyed hash of kind and folded value): pass it to release."""
    record_id: str
    field: str
    kind: str
    released: bool
    value: str = dataclasses.field(repr=False)
    """The text found. In memory only, for the preview; never written to a report."""
    automatic: bool = False
    """Released because the vault knows the value as an identifier within clearance."""


@dataclass(frozen=True)
class Replacement:
    """One change the redactor made to a string, for review (never the value)."""

    field: str
    start: int
    """Span in the record's stored text (characters)."""
    end: int
    out_start: int
    """Span of the replacement in the text as the bundle carries it."""
    out_end: int
    reason: str
    """Why: whose identifier (record and field) and in which view it was read, or which
    detector found it."""
    path: tuple[int | str, ...] = ()
    """Which string of the field's value the spans are in: ``()`` for a text value, a
    list index, a position's index and key (``(0, "rank")``). The preview draws there."""


@dataclass
class RecordView:
    """One record as the bundle carries it, with what the owner's report needs."""

    source_id: str
    """The vault id (local only, never in the bundle)."""
    id: str
    kind: str
    label: str
    fields: dict[str, Any]
    withheld: list[str]
    redacted: dict[str, int]
    findings: list[Finding]
    references: dict[str, dict[str, str]]
    attachments: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    replacements: list[Replacement] = dataclasses.field(default_factory=list)
    """Every replacement, with its span and reason (the preview and the report)."""
    label_replaced: bool = False
    """``label`` is the record's pseudonym (its names are above the clearance)."""
    pseudonymous: set[str] = dataclasses.field(default_factory=set)
    """Bundle ids in ``references`` whose label is a pseudonym. Local, for the preview:
    not part of the bundle's record document."""

    def to_json(self) -> dict[str, Any]:
        """The bundle's ``records/<id>.json`` document (see docs/bundles.md)."""
        return {
            "id": self.id, "kind": self.kind, "label": self.label, "fields": self.fields,
            "withheld": sorted(self.withheld),
            "redacted": {k: v for k, v in sorted(self.redacted.items()) if v},
            "references": dict(sorted(self.references.items())),
            "attachments": self.attachments,
        }


def effective_level(spec: FieldSpec | None, record: Record, name: str) -> Level:
    """The field's level on this record; an undeclared field counts as private."""
    if spec is None:
        return Level.PRIVATE
    if spec.pinned:
        return Level.PRIVATE  # pinned means private, whatever a stored level says
    return Level(record.levels.get(name, spec.default_level))


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def identifier_values(record: Record, rtype: RecordType) -> Iterable[tuple[str, Owner]]:
    """Every identifier value of a record with its owner (names of people included)."""
    person = record.kind in PERSON_KINDS
    title_fields = {rtype.title_field, *rtype.title_fallback} if person else set()
    for name, value in record.fields.items():
        spec = rtype.fields.get(name)
        if spec is None or not (spec.identifier or name in title_fields):
            continue
        owner = Owner(record.id, record.kind, name, effective_level(spec, record, name),
                      person and (name in _NAME_FIELDS or name in title_fields))
        for text in _strings(value):
            yield text, owner


@dataclass
class Identifiers:
    """The vault's identifier values split by what a bundle at ``clearance`` may carry."""

    forbidden: Matcher[Owner]
    allowed: Matcher[Owner]
    forbidden_values: list[tuple[str, Owner]]
    """Every form of every forbidden value (the gate reads text for them)."""
    stored_values: list[tuple[str, Owner]] = dataclasses.field(default_factory=list)
    """The forbidden values as stored (the gate searches their exact byte encodings)."""
    folded: dict[str, tuple[str, int, int]] = dataclasses.field(default_factory=dict)
    """Stored value → its skeleton and edge word lengths, when already known (the
    protected identities table stores them), so the gate need not fold them again."""
    prepared: dict[str, tuple[list[str], list[str]]] = dataclasses.field(
        default_factory=dict)
    """Stored value → the gate's byte needles for it, when stored likewise."""
    stored_needles: ByteNeedles[Owner] | None = None
    """The gate's byte needles of the forbidden values, already built (finished) from
    the protected identities table, when it was read (:mod:`vault.export.protected`)."""
    stored_bounded: list[tuple[str, int, int, Owner]] = dataclasses.field(
        default_factory=list)
    """Their short-edged keys (searched word-bounded in PDF streams), likewise."""


def collect(records: Iterable[Record], registry: Registry, clearance: Level,
            extra_forbidden: Iterable[tuple[str, Owner]] = (),
            protected: Iterable[str] = ()) -> Identifiers:
    """Index every form of every identifier of every record (:mod:`vault.export.identity`).
    A value that is above the clearance in ANY record is forbidden everywhere, even where
    another record holds it lower; every identifier of a record in ``protected`` (decided
    to be the same person as a protected one) is forbidden too."""
    forbidden: list[tuple[str, Owner]] = list(extra_forbidden)
    allowed: list[tuple[str, Owner]] = []
    same = set(protected)
    for record in records:
        if not registry.has(record.kind):
            continue
        for text, owner in identifier_values(record, registry.type(record.kind)):
            if owner.level > clearance or record.id in same:
                forbidden.append((text, owner))
            else:
                allowed.append((text, owner))
    forms = IdentityModel((t, o, o.field, o.person_name) for t, o in forbidden).pairs()
    forbidden_keys = {skeleton(t) for t, _ in forms}
    allowed_forms = [(t, o) for t, o in
                     IdentityModel((t, o, o.field, o.person_name) for t, o in allowed).pairs()
                     if skeleton(t) not in forbidden_keys]
    return Identifiers(Matcher(forms), Matcher(allowed_forms), forms, forbidden)


class Redactor:
    """Turns vault records into :class:`RecordView` for one bundle."""

    def __init__(self, registry: Registry, clearance: Level, pseudonyms: Pseudonyms,
                 identifiers: Identifiers, lookup: Callable[[str], Record | None],
                 finding_key: bytes, released: Iterable[str] = (),
                 decisions: dict[tuple[str, str], str] | None = None) -> None:
        self.registry = registry
        self.clearance = clearance
        self.pseudonyms = pseudonyms
        self.ids = identifiers
        self.lookup = lookup
        self._finding_key = finding_key
        self.released = set(released)
        self.decisions = dict(decisions or {})
        self.unreleased: list[tuple[str, Finding]] = []
        """Detector findings left redacted: the leak gate looks for them too."""
        self.collisions: list[Collision] = []
        """Structured fields that hold another record's protected value (undecided)."""
        self.exempt: dict[str, set[str]] = {}
        """Vault record id → values its structured fields keep by a 'different people'
        decision (the gate allows exactly those, in exactly those places)."""
        self._shared = {other for (_, other), d in self.decisions.items()
                        if d == "different"}
        """Protected records that share a value with a person who ships (decided
        'different people'): never named by pseudonym in text, which would link them."""

    # -- names ---------------------------------------------------------------------------

    def _same_person(self, record: Record) -> bool:
        return any(d == "same" for (rid, _), d in self.decisions.items() if rid == record.id)

    def label(self, record: Record) -> str:
        """How the bundle names a record: by a title field within clearance that holds no
        forbidden identifier, else (people) by pseudonym or (other kinds) by kind and id."""
        rtype = self.registry.type(record.kind)
        for name in (rtype.title_field, *rtype.title_fallback):
            value = record.fields.get(name)
            spec = rtype.fields.get(name)
            if not isinstance(value, str) or not value.strip() or spec is None:
                continue
            if effective_level(spec, record, name) > self.clearance or \
                    self._same_person(record):
                continue
            exempt = value in self._exempt_values(record, name, spec)
            if exempt or (self.ids.forbidden.search(value) is None and not detect(value)):
                return " ".join(value.split())[:120]
        if record.kind in PERSON_KINDS:
            return self.pseudonyms.label(record.kind, record.id)
        return f"{rtype.label} {self.pseudonyms.record_id(record.id)[:6]}"

    def _replacement(self, match: Match[Owner]) -> str:
        owners = match.owners
        people = {(o.kind, o.record_id) for o in owners if o.person_name}
        if len(people) == 1 and all(o.person_name for o in owners) and \
                not any(o.record_id in self._shared for o in owners):
            kind, record_id = next(iter(people))
            return self.pseudonyms.label(kind, record_id)
        kinds = {placeholder_for(o.field) for o in owners if not o.person_name}
        if people:
            kinds.add(PLACEHOLDERS["name"])
        return kinds.pop() if len(kinds) == 1 else PLACEHOLDERS["identifier"]

    @staticmethod
    def _reason(match: Match[Owner]) -> str:
        o = match.owners[0]
        how = "" if match.view == "text" else f", read {match.view}"
        return f"identifier of record {o.record_id} ({o.field}){how}"

    # -- collisions ----------------------------------------------------------------------

    def _collides(self, record: Record, spec: FieldSpec) -> bool:
        """A structured field that names or reaches a person: a name, a phone…"""
        if spec.free_text or not spec.is_text:
            return False
        rtype = self.registry.type(record.kind)
        return spec.identifier or (record.kind in PERSON_KINDS and spec.name in
                                   {rtype.title_field, *rtype.title_fallback})

    def _others(self, record: Record, value: str) -> dict[str, str]:
        """Other records whose protected, personal identifier ``value`` holds
        (record id → their field)."""
        found: dict[str, str] = {}
        for m in self.ids.forbidden.iter_find(value, views=False):
            for o in m.owners:
                personal = o.person_name or placeholder_for(o.field) in PERSONAL
                if o.record_id != record.id and personal:
                    found.setdefault(o.record_id, o.field)
        return found

    def _exempt_values(self, record: Record, name: str, spec: FieldSpec) -> set[str]:
        if not self._collides(record, spec):
            return set()
        value = record.fields.get(name)
        values = [value] if isinstance(value, str) else \
            [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
        kept: set[str] = set()
        for v in values:
            others = self._others(record, v)
            if others and all(self.decisions.get((record.id, x)) == "different"
                              for x in others):
                kept.add(v)
        return kept

    def _title(self, record_id: str) -> str:
        record = self.lookup(record_id)
        if record is None or not self.registry.has(record.kind):
            return record_id
        rtype = self.registry.type(record.kind)
        if record.kind == "source":
            label = record.fields.get("label")
            return f"source '{label}'" if isinstance(label, str) and label else "a source"
        for name in (rtype.title_field, *rtype.title_fallback):
            value = record.fields.get(name)
            # A title holding a protected value (the colliding name itself) is not
            # repeated: messages carry ids and safe titles, never an identifier.
            if isinstance(value, str) and value.strip() and \
                    self.ids.forbidden.search(value) is None:
                return f"{rtype.label.lower()} '{' '.join(value.split())[:60]}'"
        return f"a {rtype.label.lower()} record"

    def _structured(self, spec: FieldSpec, value: str, record: Record) -> str | None:
        """The value kept as it is (a 'different people' decision), or None to rewrite;
        an undecided collision is recorded (the plan refuses the export)."""
        if not self._collides(record, spec):
            return None
        others = self._others(record, value)
        if not others:
            return None
        undecided = [x for x in others if self.decisions.get((record.id, x)) != "different"]
        if not undecided:
            self.exempt.setdefault(record.id, set()).add(value)
            return value
        for other in undecided:
            self.collisions.append(Collision(record.id, self._title(record.id), spec.name,
                                             other, self._title(other), others[other]))
        return None

    # -- text ----------------------------------------------------------------------------

    def rewrite(self, text: str, record_id: str, field_name: str,
                detectors: bool) -> tuple[str, int, list[Finding]]:
        """``text`` with every forbidden identifier replaced; with ``detectors``, also
        every unreleased detector finding. Returns the text, the count of known
        identifiers replaced, and the findings."""
        result, count, findings, _ = self.rewrite_spans(text, record_id, field_name,
                                                        detectors)
        return result, count, findings

    def rewrite_spans(self, text: str, record_id: str, field_name: str, detectors: bool
                      ) -> tuple[str, int, list[Finding], list[Replacement]]:
        """As :meth:`rewrite`, with every replacement's span and reason."""
        # (start, end, priority, replacement, reason): known identifiers first.
        spans: list[tuple[int, int, int, str, str]] = []
        known = 0
        for m in self.ids.forbidden.iter_find(text):
            spans.append((m.start, m.end, 0, self._replacement(m), self._reason(m)))
        known_cover = [(s, e) for s, e, *_ in spans]
        findings: list[Finding] = []
        if detectors:
            for d, finding in self._detect(text, record_id, field_name):
                findings.append(finding)
                if finding.released:
                    continue
                if any(s <= d.start and d.end <= e for s, e in known_cover):
                    continue
                spans.append((d.start, d.end, 1, PLACEHOLDERS[d.kind],
                              f"{d.kind} found by the detectors (finding {finding.id})"))
        spans.sort(key=lambda x: (x[0], x[2], -(x[1] - x[0])))
        merged: list[list[Any]] = []
        for s, e, prio, rep, why in spans:
            if merged and s < merged[-1][1]:
                last = merged[-1]
                if (prio, -(e - s)) < (last[2], -(last[1] - last[0])):
                    last[2:] = [prio, rep, why]
                last[1] = max(last[1], e)
            else:
                merged.append([s, e, prio, rep, why])
        out: list[str] = []
        reps: list[Replacement] = []
        pos = length = 0
        for s, e, prio, rep, why in merged:
            out.append(text[pos:s])
            length += s - pos
            reps.append(Replacement(field_name, s, e, length, length + len(rep), why))
            out.append(rep)
            length += len(rep)
            pos = e
            known += prio == 0
        out.append(text[pos:])
        return "".join(out), known, findings, reps

    def _detect(self, text: str, record_id: str, field_name: str
                ) -> list[tuple[Any, Finding]]:
        found: list[tuple[Any, Finding]] = []
        for d in detect(text):
            value = text[d.start:d.end]
            key = skeleton(value)
            # The id depends on the value only (keyed, so it reveals nothing): releasing
            # a finding releases that value wherever it occurs, and the gate agrees.
            digest = hmac.new(self._finding_key, f"{d.kind}\x00{key}".encode(),
                              hashlib.sha256).hexdigest()
            automatic = any(m.key == key or (m.key.isdigit() and len(m.key) >= 7
                                             and m.key in key)
                            for m in self.ids.allowed.iter_find(value, views=False))
            fid = f"f-{digest[:12]}"
            finding = Finding(fid, record_id, field_name, d.kind,
                              automatic or fid in self.released, value, automatic)
            if not finding.released:
                self.unreleased.append((value, finding))
            found.append((d, finding))
        return found

    # -- records -------------------------------------------------------------------------

    def _pseudonymous(self, record: Record, label: str) -> bool:
        """``label`` (from :meth:`label`) is the record's pseudonym, not a title."""
        return record.kind in PERSON_KINDS and \
            label == self.pseudonyms.label(record.kind, record.id)

    def _ref(self, target_id: str, view: RecordView) -> str:
        bundle_id = self.pseudonyms.record_id(target_id)
        target = self.lookup(target_id)
        if target is not None and self.registry.has(target.kind):
            label = self.label(target)
            view.references[bundle_id] = {"kind": target.kind, "label": label}
            if self._pseudonymous(target, label):
                view.pseudonymous.add(bundle_id)
        return bundle_id

    def _value(self, spec: FieldSpec, value: Any, record: Record, view: RecordView,
               path: tuple[int | str, ...] = ()) -> Any:
        if isinstance(value, list):
            return [self._value(spec, v, record, view, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self._value(spec, v, record, view, (*path, k)) for k, v in value.items()}
        if not isinstance(value, str):
            return value  # booleans, integers
        if spec.kind == FieldKind.REFERENCE:
            return self._ref(value, view)
        if spec.kind in (FieldKind.ENUM, FieldKind.DATE) and not self._suspicious(value):
            return value
        kept = self._structured(spec, value, record)
        if kept is not None:
            return kept
        text, count, found, reps = self.rewrite_spans(value, record.id, spec.name,
                                                      spec.is_text)
        view.redacted[spec.name] = view.redacted.get(spec.name, 0) + count + sum(
            1 for f in found if not f.released)
        view.findings.extend(found)
        view.replacements.extend(dataclasses.replace(r, path=path) for r in reps)
        return text

    def _suspicious(self, value: str) -> bool:
        return self.ids.forbidden.search(value) is not None

    def view(self, record: Record) -> RecordView:
        """The record as the bundle carries it."""
        rtype = self.registry.type(record.kind)
        same = self._same_person(record)
        view = RecordView(record.id, self.pseudonyms.record_id(record.id), record.kind, "",
                          {}, [], {}, [], {})
        fields: dict[str, Any] = {}
        for name, value in record.fields.items():
            spec = rtype.fields.get(name)
            if value is None:
                continue
            if spec is None or effective_level(spec, record, name) > self.clearance or (
                    same and (spec.identifier or spec.kind in (FieldKind.TEXT,
                                                               FieldKind.DATE))):
                view.withheld.append(name)
                continue
            fields[name] = self._value(spec, value, record, view)
        view.fields = {n: fields[n] for n in rtype.fields if n in fields}
        view.label = self.label(record)
        view.label_replaced = self._pseudonymous(record, view.label)
        return view
