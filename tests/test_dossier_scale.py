"""A dossier follows its person, not the vault (issue 16): drafting, the readiness check
and rendering read the person's records and what those reach through links, so records
that have nothing to do with the person cost nothing. And the profile found that way is
exactly the one the old walk over every record found, for every person of the demo data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dossier_support import Scenario, complete_profile, make_template, open_copy
from vault.dossier.profile import ActLink, Profile, gather, linked_testimonies, position_at
from vault.records import stored
from vault.records.model import Record
from vault.session import Vault


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("demo") / "vault")


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Iterator[Vault]:
    v = open_copy(template, tmp_path / "vault")
    try:
        yield v
    finally:
        v.close()


@pytest.fixture
def scenario(vault: Vault, tmp_path: Path) -> Scenario:
    return complete_profile(vault, tmp_path)


def add_unrelated(vault: Vault, n: int) -> None:
    """``n`` acts of another perpetrator, each with its involvement and a testimony that
    links the act and names the act's victim: the same shapes of links a dossier follows,
    none of them reaching the scenario's person."""
    rec = vault.services.records
    other = rec.add("person", {"name": "Unrelated Official", "roles": ["perpetrator"]})
    victim = rec.add("person", {"name": "Unrelated Victim", "roles": ["victim"]})
    acts = rec.add_many("act", [{"type": "torture", "date": f"2018-01-{1 + i % 28:02d}",
                                 "victims": [victim], "description": f"Unrelated act {i}."}
                                for i in range(n)])
    rec.add_many("involvement", [{"act": a, "perpetrator": other, "degree": "ordered"}
                                 for a in acts])
    rec.add_many("testimony", [{"narrative": f"Unrelated account {i}.", "related": [a],
                                "persons_mentioned": [victim]}
                               for i, a in enumerate(acts)])
    rec.add_many("person", [{"name": f"Unrelated Clerk {i}", "superiors": [other]}
                            for i in range(n // 10)])


def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every record whose stored fields are decoded, by whatever code: the one
    function every reader goes through (counted, not replaced)."""
    count = [0]
    original: Callable[[str | bytes], str] = stored.unpack

    def counting(value: str | bytes) -> str:
        count[0] += 1
        return original(value)

    monkeypatch.setattr(stored, "unpack", counting)
    return count


def dossier_work(vault: Vault, person: str) -> None:
    """What a person waits on in the dossier screen: the check, the draft, the render."""
    service = vault.services.dossier
    service.check(person, "eu")
    service.render(service.build(person, "eu"), [".md"])


def test_a_dossier_reads_nothing_unrelated_to_its_person(
        vault: Vault, scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    count = decodes(monkeypatch)
    dossier_work(vault, scenario.person)
    alone = count[0]
    total = vault.services.records.count()
    assert 0 < alone < total / 3, (alone, total)

    add_unrelated(vault, 150)
    assert vault.services.records.count() > total + 450
    count[0] = 0
    dossier_work(vault, scenario.person)
    assert count[0] == alone  # the old profile decoded every record: 450 more here


def test_the_cli_check_reads_nothing_unrelated(
        vault: Vault, scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """``evault dossier --check`` under every regime gathers the profile for the
    comparison too (the same function, through the same index)."""
    count = decodes(monkeypatch)
    service = vault.services.dossier
    service.check_each(scenario.person, "all")
    gather(vault, scenario.person)
    alone = count[0]
    add_unrelated(vault, 60)
    count[0] = 0
    service.check_each(scenario.person, "all")
    gather(vault, scenario.person)
    assert count[0] == alone


# -- the same profile as the walk over every record -------------------------------------


def walk(vault: Vault, person_id: str) -> Profile:
    """The profile as it was gathered before issue 16: every record of the vault decoded,
    then filtered. Kept here as the reference the indexed gathering must equal."""
    records_service = vault.services.records
    person = records_service.get(person_id)
    by_id: dict[str, Record] = {r.id: r for r in records_service.iter_records()}
    attachments = vault.services.attachments
    testimonies = [r for r in by_id.values() if r.kind == "testimony"]
    links: list[ActLink] = []
    for record in by_id.values():
        if record.kind != "involvement" or record.fields.get("perpetrator") != person.id:
            continue
        act = by_id.get(str(record.fields.get("act")))
        if act is None:
            continue
        detention = by_id.get(str(act.fields.get("detention", "")))
        victims = [by_id[v] for v in act.fields.get("victims") or [] if v in by_id]
        cited = [*(record.fields.get("evidence") or []), *(act.fields.get("evidence") or [])]
        evidence = [by_id[e] for e in dict.fromkeys(cited) if e in by_id]
        known = {e.id for e in evidence}
        found = [t for t in linked_testimonies(act, record, detention, testimonies)
                 if t.id not in known]
        link = ActLink(record, act, detention, victims, evidence + found,
                       linked=frozenset(t.id for t in found))
        for rid in (act.id, record.id, *(e.id for e in evidence)):
            items = list(attachments.list(rid))
            if items:
                link.attachments[rid] = items
        link.position = position_at(person, link.date)
        links.append(link)
    links.sort(key=lambda link: (link.date or "9999", link.act.id))
    superiors = [by_id[s] for s in person.fields.get("superiors") or [] if s in by_id]
    subordinates = [r for r in by_id.values() if r.kind == "person"
                    and person.id in (r.fields.get("superiors") or [])]
    return Profile(person, links, superiors, subordinates, by_id)


def shape(profile: Profile) -> dict[str, Any]:
    """Everything a dossier draws from a profile, by id and value."""
    def ids(records: list[Record]) -> list[str]:
        return [r.id for r in records]

    return {
        "person": (profile.person.id, profile.person.fields),
        "acts": [(link.involvement.id, link.involvement.fields, link.act.id,
                  link.act.fields, link.detention.id if link.detention else None,
                  ids(link.victims), ids(link.evidence), [e.fields for e in link.evidence],
                  sorted(link.linked), {k: [a.id for a in v]
                                        for k, v in link.attachments.items()},
                  link.position) for link in profile.acts],
        "superiors": ids(profile.superiors),
        "subordinates": ids(profile.subordinates),
        "speakers": {str(e.fields.get("source")): profile.records.get(
            str(e.fields.get("source"))) is not None
            for link in profile.acts for e in link.evidence
            if e.kind == "testimony" and e.fields.get("source")},
    }


def test_every_person_gets_the_profile_the_whole_vault_walk_found(
        vault: Vault, scenario: Scenario) -> None:
    rec = vault.services.records
    # Links the walk followed that the scenario lacks: a testimony linked to the act
    # (not cited), one naming the victim, one linking the detention, two involvements of
    # the person in one act, a subordinate, and 20 unrelated acts.
    rec.add("testimony", {"narrative": "Linked by act.", "related": [scenario.act]})
    rec.add("testimony", {"narrative": "Names the victim.",
                          "persons_mentioned": [scenario.victim]})
    rec.add("testimony", {"narrative": "About the detention.",
                          "related": [scenario.detention]})
    rec.add("involvement", {"act": scenario.act, "perpetrator": scenario.person,
                            "degree": "complicit"})
    rec.add("person", {"name": "A subordinate", "superiors": [scenario.person]})
    add_unrelated(vault, 20)
    people = [r.id for r in rec.iter_records("person")]
    compared = 0
    for pid in people:
        expected = shape(walk(vault, pid))
        got = shape(gather(vault, pid))
        assert got == expected, pid
        compared += bool(expected["acts"] or expected["subordinates"])
    assert compared >= 5  # the demo's perpetrators, the scenario's, the unrelated one
    mine = shape(gather(vault, scenario.person))
    assert len(mine["acts"]) == 3 and mine["subordinates"]
    assert any(act[8] for act in mine["acts"])  # testimonies found through links
    # Every interviewee the draft names was read with the profile.
    assert mine["speakers"] and all(mine["speakers"].values())
