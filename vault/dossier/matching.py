"""Which of a regime's criteria an act can meet, given the target's role in it.

An act meets a criterion when its type (or the type of the detention it happened in) is
one the criterion names, the target's degree of involvement is one it accepts, at least
one victim holds a required role (where the law restricts the victims), and the target
held a recorded post at the time (where the law asks for one). "Can meet": the tool
drafts an argument, a person makes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vault.dossier.profile import ActLink
from vault.dossier.regimes import Criterion, Regime


@dataclass(frozen=True)
class Assessment:
    """How one act stands against one criterion."""

    criterion: Criterion
    conduct: bool
    """The act (or its detention) is of a kind the criterion names."""
    degree: bool
    victims: bool
    position: bool

    @property
    def met(self) -> bool:
        """Every condition holds."""
        return self.conduct and self.degree and self.victims and self.position

    def missing(self) -> list[str]:
        """What stands between this act and the criterion, in plain words."""
        out: list[str] = []
        if not self.degree:
            out.append("the target's degree of involvement is not one it covers")
        if not self.victims:
            roles = ", ".join(sorted(r.replace("_", " ") for r in self.criterion.victim_roles))
            out.append(f"no victim is recorded in a role it requires ({roles})")
        if not self.position:
            out.append("no post held at the time is recorded")
        return out


def has_position(link: ActLink) -> bool:
    """A post at the time of the act: from ``positions``, or stated on the involvement."""
    return link.position is not None or bool(link.involvement.fields.get("position_at_time"))


def assess(link: ActLink, criterion: Criterion) -> Assessment:
    """How ``link`` stands against ``criterion``."""
    act_type = str(link.act.fields.get("type", ""))
    detention_type = str(link.detention.fields.get("type", "")) if link.detention else ""
    conduct = act_type in criterion.act_types or detention_type in criterion.detention_types
    degree = str(link.involvement.fields.get("degree", "")) in criterion.degrees
    victims = not criterion.victim_roles or any(
        set(v.fields.get("roles") or []) & criterion.victim_roles for v in link.victims)
    position = not criterion.requires_position or has_position(link)
    return Assessment(criterion, conduct, degree, victims, position)


def criteria_met(link: ActLink, regime: Regime) -> list[Criterion]:
    """The criteria of ``regime`` that ``link`` meets, in the regime's order."""
    return [c for c in regime.criteria if assess(link, c).met]
