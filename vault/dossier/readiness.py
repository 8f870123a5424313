"""What a sanctions filing still lacks, in plain words.

Governments say the recommendations they receive are thin: no date of birth to tell two
officials of the same name apart, no post held when the act happened, one testimony and
nothing else. :func:`check` lists every such gap for one person and one regime, worst
first, so the people preparing the filing know what to look for before they send it.

Gaps name records by id and fields by name, never by content (the same rule as errors),
so the list can be shown, copied or logged without carrying anything sensitive.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from vault.dossier.matching import assess, criteria_met, has_position
from vault.dossier.profile import TRACKING_FIELDS, ActLink, Profile, gather
from vault.dossier.regimes import Regime, resolve
from vault.records.dates import BadDate, parse_date
from vault.records.spec import Level
from vault.records.vocab import label

#: Severities, worst first. ``missing``: a filing without it is unlikely to be acted on;
#: ``weak``: it will be questioned; ``note``: worth doing if it can be done.
SEVERITIES = ("missing", "weak", "note")
#: Fields of the target a filing identifies them by, checked against the clearance.
IDENTIFYING = ("name", "name_original", "birth_date", "nationality", "positions")
#: The target's names: when every one recorded is above the clearance, the dossier names
#: the target by a pseudonym, and an authority cannot act on an unnamed target.
NAMES = ("name", "name_original")
#: Gaps by code, in a few words (the comparison table says what each regime still lacks).
LACKS = {
    "no_organisation": "submitting organisation", "no_contact": "submitter's contact",
    "no_name": "name in Latin script", "name_withheld": "target's names (withheld)",
    "no_name_original": "name in the original script", "no_birth_date": "date of birth",
    "no_nationality": "nationality", "no_positions": "positions held",
    "withheld_at_clearance": "identifying fields above the clearance",
    "no_acts": "an act linked to the target", "no_conduct": "conduct that meets a criterion",
    "act_no_position": "post held at the time", "act_no_evidence": "evidence",
    "act_evidence_uncited": "evidence cited (found only through links)",
    "act_single_source": "corroboration", "act_no_attachment": "documents attached",
    "act_no_date": "date of the act",
}


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
    regime: str | None = None
    """Set by :func:`check_all` on a gap that holds under this regime only."""

    def to_json(self) -> dict[str, Any]:
        """For ``--json``."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def _act_name(link: ActLink) -> str:
    kind = label("act_types", str(link.act.fields.get("type", "other")))
    return f"act {link.act.id[:8]} ({kind})"


def _person_gaps(profile: Profile, clearance: Level, organisation: str | None,
                 contact: str | None) -> list[Gap]:
    person = profile.person
    f = person.fields
    pid = person.id
    gaps: list[Gap] = []
    if not organisation:
        gaps.append(Gap("no_organisation", "missing", "the submitting organisation is not "
                        "set ('evault settings set organisation NAME')"))
    if not contact:
        gaps.append(Gap("no_contact", "weak", "no contact for the submitter is set, so the "
                        "authority cannot come back with questions ('evault settings set "
                        "contact ADDRESS')"))
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
    def withheld(name: str) -> bool:
        return bool(f.get(name)) and person.levels.get(name, Level.PRIVATE) > clearance

    names = [n for n in NAMES if f.get(n)]
    if names and all(withheld(n) for n in names):
        gaps.append(Gap("name_withheld", "missing",
                        f"the target's names are above the {clearance.value} clearance: the "
                        "dossier would name them by a pseudonym only, and an authority cannot "
                        f"act on an unnamed target ('evault level {pid[:8]} name "
                        f"{clearance.value}' if it may)", pid))
    for name in IDENTIFYING:
        if name in NAMES and "name_withheld" in (g.code for g in gaps):
            continue
        if withheld(name):
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
    found = [r.id for r in link.evidence if r.id in link.linked]
    cite = "; ".join([*(str(e) for e in link.act.fields.get("evidence") or []), *found])
    how = f"evault edit {aid[:8]} --set \"evidence={cite}\""
    if not origins and not found:
        gaps.append(Gap("act_no_evidence", "missing", f"no evidence is cited for {name}, and "
                        "no testimony links it: cite a testimony, source or detention record "
                        f"on the act ('evault edit {aid[:8]} --set \"evidence=ID; ID\"'), or "
                        "link a testimony to it (the testimony's 'related' field naming the "
                        "act or its detention, or 'persons_mentioned' naming its victim)", aid))
    elif not origins:
        gaps.append(Gap("act_evidence_uncited", "weak",
                        f"no evidence is cited for {name}, but {len(found)} testimony(ies) "
                        f"link it or name its victim ({', '.join(i[:8] for i in found)}): "
                        f"check that they support it, then cite them ('{how}')", aid))
    else:
        if len(origins) == 1:
            gaps.append(Gap("act_single_source", "weak",
                            f"{name} is supported by one source only", aid))
        if found:
            gaps.append(Gap("act_evidence_uncited", "note",
                            f"{len(found)} more testimony(ies) link {name} or name its victim "
                            f"but are not cited ({', '.join(i[:8] for i in found)}): check "
                            f"them, and cite those that support it ('{how}')", aid))
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
                  organisation: str | None = None, contact: str | None = None) -> list[Gap]:
    """Every gap for ``profile`` under ``regime``, worst first."""
    gaps = _person_gaps(profile, clearance, organisation, contact)
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


def check_all(profile: Profile, regimes: Iterable[Regime], clearance: Level = Level.PUBLIC,
              organisation: str | None = None,
              contact: str | None = None) -> dict[str, list[Gap]]:
    """The gaps under each regime, by regime id."""
    return {r.id: check_profile(profile, r, clearance, organisation, contact)
            for r in regimes}


def merge(by_regime: dict[str, list[Gap]]) -> list[Gap]:
    """One list for several regimes: a gap found under every regime once, a gap found
    under some only once per regime with its ``regime`` set; worst first."""
    keys = [{(g.code, g.record, g.criterion, g.message) for g in gaps}
            for gaps in by_regime.values()]
    common = set.intersection(*keys) if keys else set()
    out: list[Gap] = []
    seen: set[tuple[Any, ...]] = set()
    for rid, gaps in by_regime.items():
        for gap in gaps:
            key = (gap.code, gap.record, gap.criterion, gap.message)
            if key in common:
                if key not in seen:
                    seen.add(key)
                    out.append(gap)
            else:
                out.append(replace(gap, regime=rid))
    out.sort(key=lambda g: SEVERITIES.index(g.severity))
    return out


def lacks(gaps: Iterable[Gap]) -> list[str]:
    """What a filing still lacks, in a few words each (missing and weak gaps only, with
    the number of acts where it is an act's gap): no ids, no values."""
    counts: dict[str, int] = {}
    for gap in gaps:
        if gap.severity != "note" and gap.code in LACKS:
            counts[gap.code] = counts.get(gap.code, 0) + 1
    return [LACKS[code] + (f" ({n} acts)" if code.startswith("act_") and n > 1 else "")
            for code, n in counts.items()]


def check(vault: Any, person_id: str, regime: str | Regime,
          clearance: str | Level = Level.PUBLIC) -> list[Gap]:
    """What the filing against ``person_id`` under ``regime`` (or ``all``) still lacks."""
    profile = gather(vault, person_id)
    settings = [vault.store.setting(k) for k in ("organisation", "contact")]
    organisation, contact = (v if isinstance(v, str) else None for v in settings)
    return merge(check_all(profile, resolve(regime), Level(clearance), organisation, contact))


__all__ = ["LACKS", "SEVERITIES", "Gap", "check", "check_all", "check_profile", "lacks",
           "merge"]
