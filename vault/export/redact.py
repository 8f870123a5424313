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

from vault.export.detect import PLACEHOLDERS, detect
from vault.export.normalize import Matcher, merge_spans, skeleton
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
        return "[handle]"
    if any(w in n for w in ("address", "location", "place", "coordinates")):
        return "[place]"
    return "[name]"


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
    """The raw values behind ``forbidden`` (the gate also searches their byte forms)."""


def collect(records: Iterable[Record], registry: Registry, clearance: Level,
            extra_forbidden: Iterable[tuple[str, Owner]] = ()) -> Identifiers:
    """Index every identifier of every record. A value that is above the clearance in
    ANY record is forbidden everywhere, even where another record holds it lower."""
    forbidden: list[tuple[str, Owner]] = list(extra_forbidden)
    allowed: list[tuple[str, Owner]] = []
    for record in records:
        if not registry.has(record.kind):
            continue
        for text, owner in identifier_values(record, registry.type(record.kind)):
            (forbidden if owner.level > clearance else allowed).append((text, owner))
    forbidden_keys = {skeleton(t) for t, _ in forbidden}
    allowed = [(t, o) for t, o in allowed if skeleton(t) not in forbidden_keys]
    return Identifiers(Matcher(forbidden), Matcher(allowed), forbidden)


class Redactor:
    """Turns vault records into :class:`RecordView` for one bundle."""

    def __init__(self, registry: Registry, clearance: Level, pseudonyms: Pseudonyms,
                 identifiers: Identifiers, lookup: Callable[[str], Record | None],
                 finding_key: bytes, released: Iterable[str] = ()) -> None:
        self.registry = registry
        self.clearance = clearance
        self.pseudonyms = pseudonyms
        self.ids = identifiers
        self.lookup = lookup
        self._finding_key = finding_key
        self.released = set(released)
        self.unreleased: list[tuple[str, Finding]] = []
        """Detector findings left redacted: the leak gate looks for them too."""

    # -- names ---------------------------------------------------------------------------

    def label(self, record: Record) -> str:
        """How the bundle names a record: by a title field within clearance that holds no
        forbidden identifier, else (people) by pseudonym or (other kinds) by kind and id."""
        rtype = self.registry.type(record.kind)
        for name in (rtype.title_field, *rtype.title_fallback):
            value = record.fields.get(name)
            spec = rtype.fields.get(name)
            if not isinstance(value, str) or not value.strip() or spec is None:
                continue
            if effective_level(spec, record, name) > self.clearance:
                continue
            if self.ids.forbidden.search(value) is None and not detect(value):
                return " ".join(value.split())[:120]
        if record.kind in PERSON_KINDS:
            return self.pseudonyms.label(record.kind, record.id)
        return f"{rtype.label} {self.pseudonyms.record_id(record.id)[:6]}"

    def _replacement(self, owners: tuple[Owner, ...]) -> str:
        people = {(o.kind, o.record_id) for o in owners if o.person_name}
        if len(people) == 1 and all(o.person_name for o in owners):
            kind, record_id = next(iter(people))
            return self.pseudonyms.label(kind, record_id)
        kinds = {placeholder_for(o.field) for o in owners if not o.person_name}
        if people:
            kinds.add("[name]")
        return kinds.pop() if len(kinds) == 1 else "[identifier]"

    # -- text ----------------------------------------------------------------------------

    def rewrite(self, text: str, record_id: str, field_name: str,
                detectors: bool) -> tuple[str, int, list[Finding]]:
        """``text`` with every forbidden identifier replaced; with ``detectors``, also
        every unreleased detector finding. Returns the text, the count of known
        identifiers replaced, and the findings."""
        spans = merge_spans(self.ids.forbidden.iter_find(text))
        out: list[str] = []
        pos = 0
        for start, end, match in spans:
            out.append(text[pos:start])
            out.append(self._replacement(match.owners))
            pos = end
        out.append(text[pos:])
        result = "".join(out)
        findings: list[Finding] = []
        if detectors:
            result, findings = self._detect(result, record_id, field_name)
        return result, len(spans), findings

    def _detect(self, text: str, record_id: str, field_name: str
                ) -> tuple[str, list[Finding]]:
        findings: list[Finding] = []
        out: list[str] = []
        pos = 0
        for d in detect(text):
            value = text[d.start:d.end]
            key = skeleton(value)
            # The id depends on the value only (keyed, so it reveals nothing): releasing
            # a finding releases that value wherever it occurs, and the gate agrees.
            digest = hmac.new(self._finding_key, f"{d.kind}\x00{key}".encode(),
                              hashlib.sha256).hexdigest()
            known = self.ids.allowed.search(value)
            automatic = known is not None and known.key == key
            finding = Finding(f"f-{digest[:12]}", record_id, field_name, d.kind,
                              automatic or f"f-{digest[:12]}" in self.released, value,
                              automatic)
            findings.append(finding)
            if not finding.released:
                out.append(text[pos:d.start])
                out.append(PLACEHOLDERS[d.kind])
                pos = d.end
                self.unreleased.append((value, finding))
        out.append(text[pos:])
        return "".join(out), findings

    # -- records -------------------------------------------------------------------------

    def _ref(self, target_id: str, refs: dict[str, dict[str, str]]) -> str:
        bundle_id = self.pseudonyms.record_id(target_id)
        target = self.lookup(target_id)
        if target is not None and self.registry.has(target.kind):
            refs[bundle_id] = {"kind": target.kind, "label": self.label(target)}
        return bundle_id

    def _value(self, spec: FieldSpec, value: Any, record: Record, redacted: dict[str, int],
               findings: list[Finding], refs: dict[str, dict[str, str]]) -> Any:
        if isinstance(value, list):
            return [self._value(spec, v, record, redacted, findings, refs) for v in value]
        if isinstance(value, dict):
            return {k: self._value(spec, v, record, redacted, findings, refs)
                    for k, v in value.items()}
        if not isinstance(value, str):
            return value  # booleans, integers
        if spec.kind == FieldKind.REFERENCE:
            return self._ref(value, refs)
        if spec.kind in (FieldKind.ENUM, FieldKind.DATE) and not self._suspicious(value):
            return value
        text, count, found = self.rewrite(value, record.id, spec.name, spec.free_text)
        redacted[spec.name] = redacted.get(spec.name, 0) + count + sum(
            1 for f in found if not f.released)
        findings.extend(found)
        return text

    def _suspicious(self, value: str) -> bool:
        return self.ids.forbidden.search(value) is not None

    def view(self, record: Record) -> RecordView:
        """The record as the bundle carries it."""
        rtype = self.registry.type(record.kind)
        fields: dict[str, Any] = {}
        withheld: list[str] = []
        redacted: dict[str, int] = {}
        findings: list[Finding] = []
        refs: dict[str, dict[str, str]] = {}
        for name, value in record.fields.items():
            spec = rtype.fields.get(name)
            if value is None:
                continue
            if spec is None or effective_level(spec, record, name) > self.clearance:
                withheld.append(name)
                continue
            fields[name] = self._value(spec, value, record, redacted, findings, refs)
        ordered = {n: fields[n] for n in rtype.fields if n in fields}
        return RecordView(record.id, self.pseudonyms.record_id(record.id), record.kind,
                          self.label(record), ordered, withheld, redacted, findings, refs)

