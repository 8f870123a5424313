"""The content model of a dossier: what the recipient may see, already redacted.

Every value here comes from a :class:`~vault.export.redact.RecordView` made by the export
pipeline's own :class:`~vault.export.redact.Redactor` for the dossier's clearance and
audience, or from the regime's data and the vocabularies' labels. So a dossier follows the
very rules a bundle follows (fields above the clearance dropped, people named only within
it and otherwise by the audience's pseudonym, free text rewritten and run through the
detectors) and has no weaker rules of its own. Sources are always named by pseudonym,
even where a user lowered the level of their working label. Both renderers read this
model and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vault.dossier.compare import Standing
from vault.dossier.regimes import Criterion, Regime
from vault.records.spec import Level


@dataclass(frozen=True)
class FileRef:
    """An attachment behind a piece of evidence (the original's hash, never its name)."""

    media_type: str
    size: int
    sha256: str | None
    """Only for a file that ships (the sanitized copy); never an original's."""


@dataclass
class EvidenceItem:
    """One piece of evidence, cited in the acts as ``ref``."""

    ref: str
    """``E1``, ``E2``…"""
    kind: str
    """``testimony``, ``source``, ``detention`` or ``act``."""
    description: str
    date: str | None = None
    reliability: str | None = None
    """Reliability of the source (or credibility of the testimony), if within clearance."""
    language: str | None = None
    files: list[FileRef] = field(default_factory=list)
    files_withheld: int = 0
    """Attachments behind it that this clearance does not carry (counted, not shown)."""


@dataclass
class ActEntry:
    """One act the target is involved in."""

    number: int
    type_label: str
    title: str | None
    date: str | None
    place: str | None
    victims: list[str]
    """Victims by name within clearance, else by pseudonym."""
    victim_count: int | None
    description: str | None
    degree: str
    """The target's degree of involvement (label)."""
    role: str | None
    """What the target did, as the evidence shows it (rewritten free text)."""
    position: str | None
    """The post held at the time."""
    detention: str | None
    """The kind of detention the act happened in, if any."""
    criteria: list[Criterion]
    evidence: list[str]
    """Refs of the evidence items."""
    origins: int
    """Independent origins of the evidence (corroboration)."""
    verification: str | None
    withheld: frozenset[str] = frozenset()
    """Fields of the act or involvement this clearance does not carry (names only)."""
    linked: list[str] = field(default_factory=list)
    """Refs of evidence found through links (a testimony that links the act or names its
    victim) that nobody has cited yet: shown as such, not counted as corroboration."""


@dataclass
class Target:
    """Target identification."""

    label: str
    """How the dossier names the target: their name if within clearance, else a pseudonym."""
    name: str | None
    name_original: str | None
    aliases: list[str]
    birth_date: str | None
    birth_place: str | None
    nationality: list[str]
    sex: str | None
    id_documents: list[str]
    positions: list[dict[str, str]]
    superiors: list[str]
    subordinates: list[str]
    identifiers: list[tuple[str, str]]
    """(kind, value) for phones, plates, accounts, companies, property… within clearance."""
    identifier_provenance: list[str]
    withheld: list[str]
    """Labels of the target's fields this clearance does not carry (never their values)."""


@dataclass
class Dossier:
    """A drafted recommendation, ready to render."""

    regime: Regime
    clearance: Level
    created: str
    organisation: str | None
    target: Target
    acts: list[ActEntry]
    evidence: list[EvidenceItem]
    exculpatory: list[str]
    national_interest: str | None
    name: str
    """The file stem inside a bundle (``<regime>-<bundle id of the person>``)."""
    gate_needles: list[tuple[str, Any]] = field(default_factory=list, repr=False)
    """Every identifier this dossier may not carry, for the leak gate."""
    contact: str | None = None
    """How the authority reaches the submitter (from the vault's settings, rewritten by
    the redactor like the organisation's name)."""

    def criteria_met(self) -> list[Criterion]:
        """Criteria met by at least one act, in the regime's order."""
        met = {c.id for a in self.acts for c in a.criteria}
        return [c for c in self.regime.criteria if c.id in met]

    def summary(self) -> str:
        """The summary of conduct, composed from labels and dates only."""
        if not self.acts:
            return (f"No act involving {self.target.label} is recorded in this submission.")
        kinds: dict[str, int] = {}
        for act in self.acts:
            kinds[act.type_label] = kinds.get(act.type_label, 0) + 1
        listed = ", ".join(f"{n} of {k}" if n > 1 else k for k, n in kinds.items())
        dates = sorted(a.date.lstrip("~")[:4] for a in self.acts if a.date)
        span = ""
        if dates:
            span = f" between {dates[0]} and {dates[-1]}" if dates[0] != dates[-1] \
                else f" in {dates[0]}"
        roles = sorted({a.degree for a in self.acts})
        met = self.criteria_met()
        text = (f"This submission documents {len(self.acts)} act(s){span} in which "
                f"{self.target.label} was involved ({listed}); the target's role: "
                f"{', '.join(roles)}. ")
        victims = {v for a in self.acts for v in a.victims}
        if victims:
            text += f"The acts concern {len(victims)} named or pseudonymised victim(s). "
        if met:
            text += ("The conduct meets, in our assessment, the following criteria: "
                     + "; ".join(c.citation for c in met) + ".")
        else:
            text += "No recorded act meets a criterion of this regime yet."
        return text


@dataclass
class DossierSet:
    """One dossier per regime for one target, with the comparison that opens them."""

    dossiers: list[Dossier]
    standings: list[Standing]
    name: str
    """The file stem (``all-<bundle id of the person>``, ``comparison-…`` when only the
    comparison is rendered)."""
    complete: bool = True
    """Render every dossier after the comparison (False: the comparison alone, as it
    travels in a bundle beside each regime's own files)."""

    @property
    def gate_needles(self) -> list[tuple[str, Any]]:
        """Every identifier any of the dossiers may not carry (once each: drafted for one
        clearance and audience, they mostly share them)."""
        return list(dict.fromkeys(n for d in self.dossiers for n in d.gate_needles))
