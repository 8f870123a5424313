"""Drafting: a perpetrator's profile turned into the redacted content model.

The redactor, its identifier index and its pseudonyms are built exactly as
:func:`vault.export.plan.build_plan` builds them for a bundle to the same audience, so a
dossier placed in a bundle names every person the way the bundle's records do, and a
dossier written on its own follows the same rules.
"""

from __future__ import annotations

from typing import Any

from vault.dossier.content import ActEntry, Dossier, EvidenceItem, FileRef, Target
from vault.dossier.matching import criteria_met
from vault.dossier.profile import TRACKING_FIELDS, ActLink, Profile
from vault.dossier.regimes import Regime
from vault.export.audience import Audience
from vault.export.redact import RecordView
from vault.records.labels import field_label
from vault.records.model import Record
from vault.records.spec import Level
from vault.records.vocab import label

_AUDIO_VIDEO = ("audio/", "video/")


class Drafter:
    """Builds one :class:`Dossier` for one clearance and audience."""

    def __init__(self, vault: Any, profile: Profile, regime: Regime, clearance: Level,
                 age_keys: list[str], plain: bool) -> None:
        self.vault = vault
        self.profile = profile
        self.regime = regime
        self.clearance = clearance
        # The same audience object an export to these recipients builds: identifiers of
        # every record in the vault, decisions, pseudonyms, the redactor, the gate.
        self.audience = Audience(vault, clearance, age_keys, plain)
        self.registry = self.audience.registry
        self.ids = self.audience.ids
        self.pseudonyms = self.audience.pseudonyms
        self.redactor = self.audience.redactor
        self._views: dict[str, RecordView] = {}
        self._evidence: dict[str, EvidenceItem] = {}

    # -- helpers -------------------------------------------------------------------------

    def view(self, record: Record) -> RecordView:
        """The record as this audience may see it (cached)."""
        if record.id not in self._views:
            self._views[record.id] = self.redactor.view(record)
        return self._views[record.id]

    def name(self, record: Record) -> str:
        """A person by name within clearance, else by pseudonym; a source ALWAYS by
        pseudonym (its working label may have been lowered; its identity never travels)."""
        if record.kind == "source":
            return self.pseudonyms.label("source", record.id)
        return self.redactor.label(record)

    def _text(self, view: RecordView, name: str) -> str | None:
        value = view.fields.get(name)
        return value if isinstance(value, str) and value.strip() else None

    def _list(self, view: RecordView, name: str) -> list[str]:
        value = view.fields.get(name)
        return [str(v) for v in value] if isinstance(value, list) else []

    # -- target --------------------------------------------------------------------------

    def target(self) -> Target:
        person = self.profile.person
        v = self.view(person)
        rtype = self.registry.type("person")
        identifiers: list[tuple[str, str]] = []
        for name in TRACKING_FIELDS:
            spec = rtype.fields.get(name)
            for value in self._list(v, name):
                identifiers.append((field_label(spec) if spec else name, value))
        positions = [p for p in v.fields.get("positions") or [] if isinstance(p, dict)]
        shown = ("name", "name_original", "aliases", "birth_date", "birth_place",
                 "nationality", "sex", "id_documents", "positions", *TRACKING_FIELDS,
                 "identifier_provenance", "exculpatory", "national_interest", "superiors")
        withheld = [field_label(rtype.fields[n]) for n in v.withheld
                    if n in shown and n in rtype.fields]
        sex = self._text(v, "sex")
        return Target(
            label=self.name(person), name=self._text(v, "name"),
            name_original=self._text(v, "name_original"), aliases=self._list(v, "aliases"),
            birth_date=self._text(v, "birth_date"), birth_place=self._text(v, "birth_place"),
            nationality=self._list(v, "nationality"),
            sex=label("sex", sex) if sex else None,
            id_documents=self._list(v, "id_documents"),
            positions=[{k: str(val) for k, val in p.items()} for p in positions],
            superiors=[self.name(r) for r in self.profile.superiors]
            if "superiors" in v.fields else [],
            subordinates=[self.name(r) for r in self.profile.subordinates],
            identifiers=identifiers,
            identifier_provenance=self._list(v, "identifier_provenance"),
            withheld=withheld)

    # -- evidence ------------------------------------------------------------------------

    def _files(self, item: EvidenceItem, record: Record, files: list[Any]) -> None:
        from_source = self.audience.from_source(record)
        for att in files:
            # Same rule as the export (one audience object): a file above the clearance,
            # or a recording of a protected source, stays home. The SHA-256 of an
            # ORIGINAL is never listed: whoever holds the original (a seized phone) could
            # confirm it; only a file that ships is described, and its hash is the one
            # the bundle's manifest lists for the sanitized copy.
            if not self.audience.file_may_ship(att.level, str(att.media_type), record) or \
                    from_source:
                item.files_withheld += 1
            else:
                item.files.append(FileRef(str(att.media_type), int(att.size), None))

    def evidence_item(self, record: Record, files: list[Any]) -> str:
        """The ref of ``record`` as evidence, adding it on first use."""
        if record.id in self._evidence:
            return self._evidence[record.id].ref
        v = self.view(record)
        ref = f"E{len(self._evidence) + 1}"
        kind_label = label("detention_types", str(record.fields.get("type", "other"))) \
            if record.kind == "detention" else record.kind
        reliability: str | None = None
        language: str | None = None
        date: str | None = None
        if record.kind == "testimony":
            speaker = self.profile.records.get(str(record.fields.get("source", "")))
            # Interviewees by pseudonym only, whoever they are: a filing needs what they
            # said and how reliable it is, never who said it.
            who = self.pseudonyms.label(speaker.kind, speaker.id) if speaker is not None \
                else "an unnamed interviewee"
            description = f"Testimony of {who}"
            date = self._text(v, "interview_date")
            language = self._text(v, "language")
            rel = self._text(v, "reliability")
            if speaker is not None and speaker.kind == "source":
                source_rel = self._text(self.view(speaker), "reliability")
                rel = source_rel or rel
            reliability = label("reliability", rel) if rel else None
        elif record.kind == "source":
            description = f"Information from {self.name(record)}"
            rel = self._text(v, "reliability")
            reliability = label("reliability", rel) if rel else None
        elif record.kind == "detention":
            description = f"Record of {kind_label}"
            date = self._text(v, "start")
        else:
            description = f"Record of {label('act_types', str(record.fields.get('type')))}"
            date = self._text(v, "date")
        item = EvidenceItem(ref, record.kind, description, date, reliability, language)
        self._files(item, record, files)
        self._evidence[record.id] = item
        return ref

    # -- acts ----------------------------------------------------------------------------

    def act(self, number: int, link: ActLink) -> ActEntry:
        av, iv = self.view(link.act), self.view(link.involvement)
        refs = [self.evidence_item(r, link.attachments.get(r.id, [])) for r in link.evidence]
        linked = [ref for r, ref in zip(link.evidence, refs, strict=True) if r.id in link.linked]
        own = [*link.attachments.get(link.act.id, []),
               *link.attachments.get(link.involvement.id, [])]
        if own:
            refs.append(self.evidence_item(link.act, own))
        position: str | None = None
        if link.position is not None and "positions" in self.view(self.profile.person).fields:
            pv = self.view(self.profile.person).fields["positions"]
            stored = self.profile.person.fields.get("positions") or []
            index = next((i for i, s in enumerate(stored) if s == link.position), None)
            p = pv[index] if index is not None and index < len(pv) else {}
            position = ", ".join(str(p[k]) for k in ("rank", "unit", "organisation") if p.get(k))
        position = position or self._text(iv, "position_at_time")
        victim_count = av.fields.get("victim_count")
        detention = None
        if link.detention is not None and "detention" in av.fields:
            detention = label("detention_types", str(link.detention.fields.get("type")))
        verification = self._text(iv, "verification") or self._text(av, "verification")
        return ActEntry(
            number=number, type_label=label("act_types", str(link.act.fields.get("type"))),
            title=self._text(av, "title"), date=self._text(av, "date") or (
                self._text(self.view(link.detention), "start") if link.detention else None),
            place=self._text(av, "place"),
            victims=[self.name(v) for v in link.victims] if "victims" in av.fields else [],
            victim_count=victim_count if isinstance(victim_count, int) else None,
            description=self._text(av, "description"),
            degree=label("degrees", str(link.involvement.fields.get("degree"))),
            role=self._text(iv, "role_description"), position=position, detention=detention,
            criteria=criteria_met(link, self.regime), evidence=refs,
            origins=len(link.origins()),
            verification=label("verification", verification) if verification else None,
            withheld=frozenset([*av.withheld, *iv.withheld]), linked=linked)

    # -- the whole -----------------------------------------------------------------------

    def draft(self, organisation: str | None, contact: str | None = None) -> Dossier:
        """The dossier."""
        target = self.target()
        acts = [self.act(n, link) for n, link in enumerate(self.profile.acts, start=1)]
        pv = self.view(self.profile.person)
        exculpatory: list[str] = []
        own = self._text(pv, "exculpatory")
        if own:
            exculpatory.append(own)
        for link in self.profile.acts:
            text = self._text(self.view(link.involvement), "exculpatory")
            if text:
                exculpatory.append(text)
        if organisation:
            organisation, _, _ = self.redactor.rewrite(organisation, self.profile.person.id,
                                                      "organisation", True)
        if contact:  # the submitter's own address, so no detectors: an email must stay
            contact, _, _ = self.redactor.rewrite(contact, self.profile.person.id,
                                                 "contact", False)
        self.audience.require_no_collisions()
        needles: list[tuple[str, Any]] = self.audience.needles()
        stem = f"{self.regime.id}-{self.pseudonyms.record_id(self.profile.person.id)}"
        return Dossier(
            regime=self.regime, clearance=self.clearance,
            created=self.vault.clock().date().isoformat(), organisation=organisation,
            target=target, acts=acts, evidence=list(self._evidence.values()),
            exculpatory=exculpatory, national_interest=self._text(pv, "national_interest"),
            name=stem, gate_needles=needles, contact=contact)
