"""Targeted human-rights sanctions regimes, as data (one TOML file per regime here).

Each file gives a regime's legal basis, the standard its authority applies, and its
criteria: what conduct can meet each one, expressed as the act types and degrees of
involvement of :mod:`vault.records.vocab` (and, where the law asks for it, the detention
types that bring an act within it, the victims' roles it requires, and whether the
target's post at the time is needed). The law lives in data so that a lawyer can read and
correct it without reading code; :func:`load` validates a file strictly so that a typo in
a code cannot silently stop a criterion from ever being met.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from vault.errors import InvalidInput
from vault.records.vocab import VOCABULARIES

#: The regimes shipped, in the order they are offered.
REGIME_IDS = ("us", "uk", "eu", "ca", "ee", "lv", "lt", "au")
#: The choice that drafts one dossier per regime, with a comparison.
ALL = "all"
#: How the choice ``all`` is offered, beside the regimes' names.
ALL_NAME = "All regimes: one dossier each, with a comparison"
#: What ``--regime`` accepts.
REGIME_CHOICES = (*REGIME_IDS, ALL)


class RegimeError(ValueError):
    """A regime file that does not follow the format (a programming error, not a user's)."""


@dataclass(frozen=True)
class LegalBasis:
    """One instrument the regime rests on."""

    citation: str
    text: str


@dataclass(frozen=True)
class Criterion:
    """One criterion for listing, and the conduct recorded in the vault that can meet it."""

    id: str
    citation: str
    text: str
    act_types: frozenset[str]
    degrees: frozenset[str]
    detention_types: frozenset[str] = frozenset()
    """An act recorded during a detention of one of these types can meet it too."""
    victim_roles: frozenset[str] = frozenset()
    """If set, at least one victim must hold one of these roles."""
    requires_position: bool = False
    """The target must have held a recorded post at the time of the act."""
    note: str = ""


@dataclass(frozen=True)
class Regime:
    """A sanctions regime."""

    id: str
    name: str
    scope: str
    """What conduct the regime covers, in a line (the comparison says it when an act is
    outside it)."""
    authority: str
    filing: str
    """How a recommendation reaches the authority (address, form or channel), as far as
    the published texts say; what is not published says so."""
    standard: str
    measures: tuple[str, ...]
    legal_basis: tuple[LegalBasis, ...]
    criteria: tuple[Criterion, ...]
    confidentiality: str
    involvement_note: str = ""
    counsel: tuple[str, ...] = ()
    """What the published texts we could read did not settle: each point a lawyer must
    confirm before filing (printed in the dossier, under the legal basis)."""

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with that id (KeyError if none)."""
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)


_TOP = {"id", "name", "scope", "authority", "filing", "standard", "measures", "legal_basis",
        "criteria", "confidentiality", "involvement", "counsel"}
_CRITERION = {"id", "citation", "text", "act_types", "degrees", "detention_types",
              "victim_roles", "requires_position", "note"}


def _str(table: dict[str, Any], key: str, where: str, required: bool = True) -> str:
    value = table.get(key, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()):
        raise RegimeError(f"{where}: '{key}' must be non-empty text")
    return " ".join(value.split())


def _codes(table: dict[str, Any], key: str, vocabulary: str, where: str,
           required: bool) -> frozenset[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegimeError(f"{where}: '{key}' must be a list of codes")
    if required and not value:
        raise RegimeError(f"{where}: '{key}' must not be empty")
    known = set(VOCABULARIES[vocabulary].codes())
    unknown = sorted(set(value) - known)
    if unknown:
        raise RegimeError(f"{where}: '{key}' has codes not in the {vocabulary} vocabulary: "
                          f"{', '.join(unknown)}")
    return frozenset(value)


def parse(data: dict[str, Any], expected_id: str | None = None) -> Regime:
    """A :class:`Regime` from a parsed file, checked strictly (RegimeError)."""
    extra = set(data) - _TOP
    if extra:
        raise RegimeError(f"unknown keys: {', '.join(sorted(extra))}")
    rid = _str(data, "id", "regime")
    if expected_id is not None and rid != expected_id:
        raise RegimeError(f"the file for {expected_id} declares id {rid}")
    bases = data.get("legal_basis")
    if not isinstance(bases, list) or not bases:
        raise RegimeError(f"{rid}: 'legal_basis' must list at least one instrument")
    legal = tuple(LegalBasis(_str(b, "citation", f"{rid} legal basis"),
                             _str(b, "text", f"{rid} legal basis")) for b in bases)
    raw = data.get("criteria")
    if not isinstance(raw, list) or not raw:
        raise RegimeError(f"{rid}: 'criteria' must list at least one criterion")
    criteria: list[Criterion] = []
    for item in raw:
        where = f"{rid} criterion {item.get('id', '?')}"
        extra = set(item) - _CRITERION
        if extra:
            raise RegimeError(f"{where}: unknown keys: {', '.join(sorted(extra))}")
        requires = item.get("requires_position", False)
        if not isinstance(requires, bool):
            raise RegimeError(f"{where}: 'requires_position' must be true or false")
        criteria.append(Criterion(
            id=_str(item, "id", where), citation=_str(item, "citation", where),
            text=_str(item, "text", where),
            act_types=_codes(item, "act_types", "act_types", where, True),
            degrees=_codes(item, "degrees", "degrees", where, True),
            detention_types=_codes(item, "detention_types", "detention_types", where, False),
            victim_roles=_codes(item, "victim_roles", "roles", where, False),
            requires_position=requires, note=_str(item, "note", where, required=False)))
    ids = [c.id for c in criteria]
    if len(set(ids)) != len(ids):
        raise RegimeError(f"{rid}: two criteria share an id")
    measures = data.get("measures")
    if not isinstance(measures, list) or not all(isinstance(m, str) for m in measures):
        raise RegimeError(f"{rid}: 'measures' must be a list of text")
    counsel = data.get("counsel", [])
    if not isinstance(counsel, list) or not all(isinstance(c, str) and c.strip()
                                                for c in counsel):
        raise RegimeError(f"{rid}: 'counsel' must be a list of text")
    conf = data.get("confidentiality")
    involvement = data.get("involvement", {})
    if not isinstance(conf, dict) or not isinstance(involvement, dict):
        raise RegimeError(f"{rid}: 'confidentiality' and 'involvement' must be tables")
    return Regime(
        id=rid, name=_str(data, "name", rid), scope=_str(data, "scope", rid),
        authority=_str(data, "authority", rid),
        filing=_str(data, "filing", rid),
        standard=_str(data, "standard", rid), measures=tuple(measures), legal_basis=legal,
        criteria=tuple(criteria), confidentiality=_str(conf, "text", f"{rid} confidentiality"),
        involvement_note=_str(involvement, "note", f"{rid} involvement", required=False),
        counsel=tuple(" ".join(c.split()) for c in counsel))


@cache
def load(regime_id: str) -> Regime:
    """The regime ``regime_id`` (one of :data:`REGIME_IDS`); InvalidInput otherwise.
    Read from the package's own data: no network, no user file."""
    if regime_id not in REGIME_IDS:
        raise InvalidInput(f"unknown regime; choose one of {', '.join(REGIME_CHOICES)}")
    text = resources.files(__name__).joinpath(f"{regime_id}.toml").read_text("utf-8")
    return parse(tomllib.loads(text), regime_id)


def all_regimes() -> list[Regime]:
    """Every regime shipped."""
    return [load(r) for r in REGIME_IDS]


def resolve(choice: str | Regime) -> list[Regime]:
    """The regimes a choice names: ``all`` is every regime, in the order offered; a
    regime id (or a :class:`Regime`) is itself."""
    if isinstance(choice, Regime):
        return [choice]
    return all_regimes() if choice == ALL else [load(choice)]
