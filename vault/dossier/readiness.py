"""What a sanctions filing still lacks, in plain words.

Governments say the recommendations they receive are thin: no date of birth to tell two
officials of the same name apart, no post held when the act happened, one testimony and
nothing else. :func:`check` lists every such gap for one person and one regime, worst
first, so the people preparing the filing know what to look for before they send it.

Gaps name records by id and fields by name, never by content (the same rule as errors),
so the list can be shown, copied or logged without carrying anything sensitive.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from vault.dossier.matching import assess, criteria_met, has_position
from vault.dossier.profile import TRACKING_FIELDS, ActLink, Profile, gather
from vault.dossier.regimes import Regime, load
from vault.records.dates import BadDate, parse_date
from vault.records.spec import Level
from vault.records.vocab import label

#: Severities, worst first. ``missing``: a filing without it is unlikely to be acted on;
#: ``weak``: it will be questioned; ``note``: worth doing if it can be done.
SEVERITIES = ("missing", "weak", "note")
#: Fields of the target a filing identifies them by, checked against the clearance.
IDENTIFYING = ("name", "name_original", "birth_date", "nationality", "positions")


@dataclass(frozen=True)
class Gap:
    """One thing the filing lacks."""

    code: str
    """Stable machine name (``no_birth_date``, ``act_single_source``…)."""
    severity: str
    message: str
    """Plain words; ids and field names only, never a value."""
    record: str | None = None
    """The record concerned (the act, for act gaps), if any."""
    criterion: str | None = None

    def to_json(self) -> dict[str, Any]:
        """For ``--json``."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _act_name(link: ActLink) -> str:
    kind = label("act_types", str(link.act.fields.get("type", "other")))
    return f"act {link.act.id[:8]} ({kind})"


def _person_gaps(profile: Profile, clearance: Level, organisation: str | None) -> list[Gap]:
    person = profile.person
    f = person.fields
    pid = person.id
    gaps: list[Gap] = []
    if not organisation:
        gaps.append(Gap("no_organisation", "missing", "the submitting organisation is not "
                        "set ('evault settings set organisation NAME')"))
    if not f.get("name"):
        gaps.append(Gap("no_name", "missing", "no name in Latin script", pid))
    if not f.get("name_original"):
        gaps.append(Gap("no_name_original", "weak", "no name in the original script", pid))
    if not f.get("birth_date"):
        gaps.append(Gap("no_birth_date", "missing", "no date of birth", pid))
    else:
        try:
            if parse_date(str(f["birth_date"])).precision != "day":
                gaps.append(Gap("birth_date_imprecise", "note",
                                "the date of birth is not known to the day", pid))
        except BadDate:  # pragma: no cover - validated on input
            pass
    if not f.get("birth_place"):
        gaps.append(Gap("no_birth_place", "note", "no place of birth", pid))
    if not f.get("nationality"):
        gaps.append(Gap("no_nationality", "missing", "no nationality", pid))
    if not f.get("positions"):
        gaps.append(Gap("no_positions", "missing", "no position held is recorded", pid))
    if not f.get("id_documents"):
        gaps.append(Gap("no_id_documents", "note", "no identity document", pid))
    if not any(f.get(name) for name in TRACKING_FIELDS):
        gaps.append(Gap("no_identifiers", "note", "no phone, plate, account, company or "
                        "property to track the person by", pid))
    if not profile.superiors and not profile.subordinates:
        gaps.append(Gap("no_chain_of_command", "note", "no superior or subordinate is "
                        "recorded (field 'superiors')", pid))
    if not f.get("exculpatory") and not any(
            link.involvement.fields.get("exculpatory") for link in profile.acts):
        gaps.append(Gap("no_exculpatory", "note", "no exculpatory information is recorded "
                        "(authorities ask whether any exists)", pid))
    if not f.get("national_interest"):
        gaps.append(Gap("no_national_interest", "note", "no national-interest notes (assets, "
                        "travel, the message a listing sends)", pid))
    for name in IDENTIFYING:
        if f.get(name) and person.levels.get(name, Level.PRIVATE) > clearance:
            gaps.append(Gap("withheld_at_clearance", "weak",
                            f"field '{name}' is above the {clearance.value} clearance and "
                            f"will not appear ('evault level {pid[:8]} {name} "
                            f"{clearance.value}' if it may)", pid))
    return gaps


def _act_gaps(link: ActLink, regime: Regime) -> list[Gap]:
    gaps: list[Gap] = []
    name, aid = _act_name(link), link.act.id
    if not link.date:
        gaps.append(Gap("act_no_date", "weak", f"{name} has no date", aid))
    if not has_position(link):
        gaps.append(Gap("act_no_position", "missing",
                        f"no position held at the time of {name}", aid))
    origins = link.origins()
    if not link.evidence and not origins:
        gaps.append(Gap("act_no_evidence", "missing", f"no evidence is cited for {name}", aid))
    elif len(origins) == 1:
        gaps.append(Gap("act_single_source", "weak",
                        f"{name} is supported by one source only", aid))
    if link.attachment_count() == 0:
        gaps.append(Gap("act_no_attachment", "weak", f"no evidence is attached for {name} "
                        "(no document, photo or recording)", aid))
    if not criteria_met(link, regime):
        near = [a for a in (assess(link, c) for c in regime.criteria) if a.conduct]
        why = "; ".join(dict.fromkeys(m for a in near for m in a.missing()))
        gaps.append(Gap("act_no_criterion", "note", f"{name} meets none of this regime's "
                        f"criteria" + (f": {why}" if why else ""), aid))
    return gaps


def check_profile(profile: Profile, regime: Regime, clearance: Level = Level.PUBLIC,
                  organisation: str | None = None) -> list[Gap]:
    """Every gap for ``profile`` under ``regime``, worst first."""
    gaps = _person_gaps(profile, clearance, organisation)
    if not profile.acts:
        gaps.append(Gap("no_acts", "missing", "no act is linked to this person (record an "
                        "involvement)", profile.person.id))
    met: set[str] = set()
    for link in profile.acts:
        gaps.extend(_act_gaps(link, regime))
        met.update(c.id for c in criteria_met(link, regime))
    if profile.acts and not met:
        gaps.append(Gap("no_conduct", "missing", "no recorded act meets any criterion of "
                        "this regime", profile.person.id))
    for criterion in regime.criteria:
        if criterion.id not in met:
            gaps.append(Gap("criterion_unmet", "note", f"no recorded act meets criterion "
                            f"{criterion.id} ({criterion.citation})", criterion=criterion.id))
    gaps.sort(key=lambda g: SEVERITIES.index(g.severity))
    return gaps


def check(vault: Any, person_id: str, regime: str | Regime,
          clearance: str | Level = Level.PUBLIC) -> list[Gap]:
    """What the filing against ``person_id`` under ``regime`` still lacks."""
    chosen = load(regime) if isinstance(regime, str) else regime
    profile = gather(vault, person_id)
    organisation = vault.store.setting("organisation")
    return check_profile(profile, chosen, Level(clearance),
                         organisation if isinstance(organisation, str) else None)


__all__ = ["SEVERITIES", "Gap", "check", "check_profile"]
