"""Which regimes the recorded conduct can meet, which it cannot and why, and what each
filing still lacks: the comparison that opens a dossier drafted for every regime.

Organisations file one target in several jurisdictions at once, and the regimes differ
in what they cover (the UK and Australia: three rights only; Canada: victims who defend
rights; the Baltic entry bans: open-ended wording, an entry ban only). The comparison
says so per regime, act by act, from the same matching and readiness rules the single
dossiers use.

It travels in bundles, so it holds only what any dossier may hold whatever the
clearance: regime names, criterion ids, act numbers and act-type labels (the acts are
numbered as in every dossier of the set), and the few words of
:data:`~vault.dossier.readiness.LACKS`. Never a record id, a name or a value.
"""

from __future__ import annotations

from dataclasses import dataclass

from vault.dossier.matching import assess, criteria_met
from vault.dossier.profile import ActLink, Profile
from vault.dossier.readiness import Gap, lacks
from vault.dossier.regimes import Criterion, Regime
from vault.records.vocab import label


@dataclass(frozen=True)
class Standing:
    """How the recorded conduct stands under one regime."""

    regime: Regime
    criteria: tuple[Criterion, ...]
    """Criteria met by at least one act, in the regime's order."""
    acts: tuple[int, ...]
    """Numbers of the acts that meet at least one criterion."""
    why_not: tuple[str, ...]
    """For each act that meets none: why (the regime does not cover it, or what is
    missing: the degree, the victims' roles, the post at the time)."""
    lacks: tuple[str, ...]
    """What the filing still lacks under this regime (missing and weak gaps)."""
    ready: bool
    """No gap is missing."""

    @property
    def can_meet(self) -> bool:
        """At least one recorded act meets at least one criterion."""
        return bool(self.acts)

    def to_json(self) -> dict[str, object]:
        """For ``--json``."""
        return {"regime": self.regime.id, "can_meet": self.can_meet,
                "criteria": [c.id for c in self.criteria], "acts": list(self.acts),
                "why_not": list(self.why_not), "lacks": list(self.lacks),
                "ready": self.ready}


def _act_label(number: int, link: ActLink) -> str:
    return f"act {number} ({label('act_types', str(link.act.fields.get('type', 'other')))})"


def _why_not(link: ActLink, regime: Regime) -> str:
    near = [a for a in (assess(link, c) for c in regime.criteria) if a.conduct]
    if not near:
        return f"not conduct this regime covers (it covers {regime.scope})"
    return "; ".join(dict.fromkeys(m for a in near for m in a.missing()))


def standing(profile: Profile, regime: Regime, gaps: list[Gap]) -> Standing:
    """The standing of ``profile``'s recorded conduct under ``regime``, given the
    readiness ``gaps`` for it."""
    met: set[str] = set()
    acts: list[int] = []
    grouped: dict[str, list[str]] = {}  # one reason, every act it holds for
    for number, link in enumerate(profile.acts, start=1):
        found = criteria_met(link, regime)
        if found:
            acts.append(number)
            met.update(c.id for c in found)
        else:
            grouped.setdefault(_why_not(link, regime), []).append(_act_label(number, link))
    why = [f"{', '.join(labels)}: {reason}" for reason, labels in grouped.items()]
    if not profile.acts:
        why.append("no act is linked to the target")
    return Standing(regime, tuple(c for c in regime.criteria if c.id in met), tuple(acts),
                    tuple(why), tuple(lacks(gaps)),
                    not any(g.severity == "missing" for g in gaps))


def compare(profile: Profile, regimes: list[Regime],
            gaps: dict[str, list[Gap]]) -> list[Standing]:
    """The standing under each regime, in the order given."""
    return [standing(profile, r, gaps[r.id]) for r in regimes]
