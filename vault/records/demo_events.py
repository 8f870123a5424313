"""The events of the demo vault: testimonies in Chinese and English with the detentions
they describe (every detention type appears), the acts, who was involved, what was done
about it, and cases grouping them. All fictional."""

from __future__ import annotations

import datetime as dt
from typing import Any

from vault.records import demo_text as words
from vault.records.dates import parse_date
from vault.records.demo_people import PeopleBuilder
from vault.records.vocab import ACT_TYPES, DEGREES, DETENTION_TYPES, label

#: Detention types whose detainee is usually cut off from lawyer and family.
_INCOMMUNICADO = {"rsdl", "liuzhi", "enforced_disappearance", "black_jail"}
_CRIMINAL = {"criminal_detention", "formal_arrest", "pretrial_detention", "rsdl", "liuzhi"}
_ROLE_TEXT = {
    "ordered": "Fictional: signed the decision that authorised it.",
    "carried_out": "Fictional: led the officers who carried it out.",
    "complicit": "Fictional: supplied the premises and the guards.",
    "failed_to_prevent": "Fictional: received the complaints and opened no investigation.",
    "instigated": "Fictional: named the victim as a target in an internal meeting.",
}


class DemoBuilder(PeopleBuilder):
    """Builds the whole demo data set."""

    def build(self) -> dict[str, list[str]]:
        """Add everything; returns the ids by kind."""
        victims = [self.person(next(self.pool), ["victim"], "Han") for _ in range(10)]
        victims += [self.person(next(self.pool), ["victim", "human_rights_defender"], "Han")
                    for _ in range(2)]
        victims += [self.person(n, ["victim"], "Uyghur") for n in words.UYGHUR_NAMES]
        perpetrators = [self.perpetrator(next(self.pool)) for _ in range(10)]
        family = [self.person(next(self.pool), ["family", "witness"], "Han") for _ in range(5)]
        lawyers = [self.person(next(self.pool), ["lawyer"], "Han", "lawyer") for _ in range(4)]
        witnesses = [self.person(next(self.pool), ["witness"], "Han") for _ in range(3)]
        self.person(next(self.pool), ["journalist", "witness"], "Han", "journalist")
        ngo = self.add("person", {"name": "Example Rights Network (fictional)",
                                  "name_original": "示例人权网络（虚构）", "person_type": "group",
                                  "roles": ["intervening_party"]},
                       {"name": "public", "name_original": "public"})
        sources = [self.source(i) for i in range(8)]
        told = self.testimonies(victims, sources, family, witnesses, lawyers)
        extra = [("formal_arrest", victims[5]), ("exit_ban", sources[5]), ("other", victims[6]),
                 ("liuzhi", victims[7]), ("rsdl", victims[8]), ("pretrial_detention", victims[9]),
                 ("administrative_detention", victims[10]),
                 ("criminal_detention", victims[11]), ("enforced_disappearance", victims[13])]
        detentions = told + [(self.detention(dtype, who), []) for dtype, who in extra]
        acts = [act for did, evidence in detentions for act in self.acts_for(did, evidence)]
        for number, act in enumerate(acts):
            self.involvement(act, perpetrators, number)
        self.interventions(ngo, perpetrators, [d for d, _ in detentions])
        self.cases([d for d, _ in detentions], lawyers)
        return self.ids

    # -- detentions and the testimonies about them -------------------------------------

    def later(self, start: str, low: int, high: int) -> str:
        """A date ``low``–``high`` days after ``start``, at the same precision."""
        first = parse_date(start).first_day() + dt.timedelta(days=self.rng.randint(low, high))
        text = first.isoformat()
        return text[: len(start.lstrip("~"))]

    def detention(self, dtype: str, detainee: str, **extra: Any) -> str:
        (facility, _zh), authority, basis = words.FACILITIES[dtype]
        start = extra.pop("start", None) or self.date(2016, 2023,
                                                      self.rng.choice(["day", "month"]))
        ended = dtype not in ("house_arrest", "exit_ban", "enforced_disappearance")
        data: dict[str, Any] = {
            "title": f"{label('detention_types', dtype).split(' (')[0].capitalize()}, "
                     f"{facility}, {start[:4]}",
            "detainee": detainee, "type": dtype, "facility": facility,
            "place": self.rng.choice(words.PLACES)[0], "authority": authority,
            "start": start, "end": self.later(start, 10, 400) if ended else None,
            "legal_basis": basis or None,
            "charges": [self.rng.choice(words.CHARGES)] if dtype in _CRIMINAL else None,
            "notice_issued": dtype in _CRIMINAL and self.rng.random() < 0.5,
            "incommunicado": dtype in _INCOMMUNICADO,
            "lawyer_access": self.rng.choice(["denied", "state_appointed_only"])
            if dtype in _CRIMINAL else "unknown",
            "family_notified": self.rng.choice(["not_notified", "notified_late"])
            if dtype in _CRIMINAL | _INCOMMUNICADO else "notified",
            "outcome": ("still_held" if not ended and dtype != "enforced_disappearance"
                        else "disappeared" if dtype == "enforced_disappearance"
                        else self.rng.choice(["released", "released_on_bail", "sentenced"])),
            "description": f"Fictional record of {label('detention_types', dtype)}.",
        }
        data.update(extra)
        if data["outcome"] == "sentenced":
            data["sentence"] = f"{self.rng.randint(2, 8)} years"
        return self.add("detention", data)

    def testimonies(self, victims: list[str], sources: list[str], family: list[str],
                    witnesses: list[str], lawyers: list[str]) -> list[tuple[str, list[str]]]:
        """The fourteen testimonies and the detention each describes."""
        s, v = sources, victims
        # (language, template, interviewee, detainee, lawyer, extra detention fields)
        plan: list[tuple[str, int, str, str, str, dict[str, Any]]] = [
            ("zh", 0, s[0], s[0], lawyers[0], {}),
            ("zh", 1, s[1], s[1], lawyers[1], {
                "ill_treatment": True, "held_under_false_name": True,
                "false_name": "Wu Mouren (fictional)",
                "ill_treatment_methods": ["tiger_chair", "sleep_deprivation", "beating",
                                          "threats_against_family"]}),
            ("zh", 2, family[0], v[0], lawyers[2], {}),
            ("zh", 3, s[2], s[2], lawyers[3], {
                "forced_confession": True, "confession_recorded": True,
                "confession_broadcast": True, "confession_channel": words.CHANNEL[0]}),
            ("zh", 4, s[3], s[3], lawyers[0], {}),
            ("zh", 5, s[4], s[4], lawyers[1], {
                "ill_treatment": True, "ill_treatment_methods": ["forced_medication",
                                                                 "shackling"]}),
            ("zh", 6, s[5], s[5], lawyers[2], {}),
            ("en", 0, witnesses[0], v[1], lawyers[3], {
                "ill_treatment": True, "ill_treatment_methods": ["beating"]}),
            ("en", 1, lawyers[1], v[2], lawyers[1], {"lawyers": [lawyers[1]]}),
            ("en", 2, s[6], v[3], lawyers[0], {
                "ill_treatment": True, "ill_treatment_methods": ["stress_positions",
                                                                 "shackling"]}),
            ("en", 3, s[7], s[7], lawyers[2], {}),
            ("en", 4, family[1], v[4], lawyers[3], {}),
            ("en", 5, family[2], v[5], lawyers[0], {"lawyers": [lawyers[0]]}),
            ("en", 6, family[3], v[12], lawyers[1], {}),
        ]
        told = []
        for lang, number, speaker, detainee, lawyer, extra in plan:
            templates = words.ZH_TESTIMONIES if lang == "zh" else words.EN_TESTIMONIES
            dtype = templates[number][0]
            if extra.get("forced_confession"):
                extra["confession_broadcast_date"] = self.date(2019, 2023, "day")
            did = self.detention(dtype, detainee, **extra)
            told.append((did, [self.testimony(lang, number, speaker, detainee, lawyer, did)]))
        return told

    def testimony(self, lang: str, number: int, speaker: str, detainee: str, lawyer: str,
                  detention: str) -> str:
        record = self.svc.get(detention)
        (facility_en, facility_zh), _, _ = words.FACILITIES[record.fields["type"]]
        place = next(p for p in words.PLACES if p[0] == record.fields["place"])
        name = self.names.get(detainee, ("the detainee", "被羁押人"))
        lawyer_name = self.names[lawyer]
        values = {
            "name_en": name[0], "name_zh": name[1], "place_en": place[0], "place_zh": place[1],
            "facility_en": facility_en, "facility_zh": facility_zh,
            "lawyer_en": lawyer_name[0], "lawyer_zh": lawyer_name[1],
            "date": record.fields["start"], "months": self.rng.randint(3, 6),
            "channel_en": words.CHANNEL[0], "channel_zh": words.CHANNEL[1],
        }
        if lang == "zh":
            _, original, english = words.ZH_TESTIMONIES[number]
            narrative, translation = original.format(**values), english.format(**values)
        else:
            narrative, translation = words.EN_TESTIMONIES[number][1].format(**values), None
        kind = label("detention_types", record.fields["type"])
        return self.add("testimony", {
            "title": f"Testimony on {kind.split(' (')[0]} ({record.fields['start'][:4]})",
            "source": speaker, "interviewer": "Interviewer 1 (fictional)",
            "interview_date": self.later(record.fields["start"], 200, 900),
            "place": "a café in a third country (fictional)",
            "method": self.rng.choice(["in_person", "video_call", "encrypted_messenger"]),
            "language": lang, "narrative": narrative, "translation": translation,
            "translation_language": "en" if translation else None,
            "consent": ["quote_anonymously", "share_with_partners"],
            "consent_recorded": True,
            "summary": f"Fictional account of {kind} at {facility_en}.",
            "persons_mentioned": [detainee, lawyer], "related": [detention],
            "duration_minutes": self.rng.randint(40, 180), "recorded": self.rng.random() < 0.5,
            "reliability": self.rng.choice(["high", "medium"]),
        })

    # -- acts, involvement, interventions, cases ---------------------------------------

    def act(self, atype: str, detention: dict[str, Any], did: str, evidence: list[str],
            **extra: Any) -> str:
        data = {"title": f"{label('act_types', atype).capitalize()}, {detention['facility']}",
                "type": atype, "date": detention["start"], "place": detention["place"],
                "victims": [detention["detainee"]], "detention": did, "evidence": evidence,
                "verification": "corroborated" if evidence else "alleged",
                "description": f"Fictional: {label('act_types', atype)} during "
                               f"{label('detention_types', detention['type'])}."}
        data.update(extra)
        return self.add("act", data)

    def acts_for(self, did: str, evidence: list[str]) -> list[str]:
        fields = self.svc.get(did).fields
        dtype = fields["type"]
        main = {"exit_ban": "travel_restriction", "forced_holiday": "travel_restriction",
                "enforced_disappearance": "enforced_disappearance",
                "psychiatric": "forced_psychiatric_treatment"}.get(dtype, "arbitrary_detention")
        acts = [self.act(main, fields, did, evidence)]
        if fields.get("ill_treatment"):
            acts.append(self.act("torture", fields, did, evidence,
                                 methods=fields.get("ill_treatment_methods", [])))
        if fields.get("forced_confession"):
            acts.append(self.act("televised_confession", fields, did, evidence))
        if fields.get("lawyer_access") == "denied":
            acts.append(self.act("denial_of_counsel", fields, did, evidence))
        if dtype == "pretrial_detention" and not evidence:
            acts.append(self.act("death_in_custody", fields, did, evidence))
        return acts

    def involvement(self, act: str, perpetrators: list[str], number: int) -> None:
        chosen = self.rng.sample(perpetrators, self.rng.randint(1, 2))
        codes = DEGREES.codes()
        act_record = self.svc.get(act)
        for offset, who in enumerate(chosen):
            degree = codes[(number + offset) % len(codes)]
            post = self.posts[who][-1]
            self.add("involvement", {
                "title": f"{label('degrees', degree).capitalize()}: {act_record.title}",
                "act": act, "perpetrator": who, "degree": degree,
                "position_at_time": f"{post['rank']}, {post['organisation']}",
                "role_description": _ROLE_TEXT[degree],
                "verification": act_record.fields.get("verification"),
                "evidence": act_record.fields.get("evidence", []),
            })

    def interventions(self, ngo: str, perpetrators: list[str], detentions: list[str]) -> None:
        by = "Example Rights Network (fictional)"
        self.add("intervention", {
            "title": "Petition to the WGAD (fictional)", "type": "wgad_petition",
            "date": "2023-04-12", "submitted_by": by, "status": "submitted",
            "addressee": "UN Working Group on Arbitrary Detention",
            "concerning": detentions[:2]})
        self.add("intervention", {
            "title": "Communication on a liuzhi case (fictional)", "type": "un_communication",
            "date": "2022-11", "submitted_by": by, "status": "response_received",
            "addressee": "UN Special Rapporteur on torture", "concerning": [detentions[2]],
            "outcome": "Fictional: the government replied that the detention was lawful.",
            "outcome_date": "2023-02"})
        for regime, addressee in (("us", "US Department of the Treasury"),
                                  ("uk", "UK Foreign, Commonwealth and Development Office")):
            self.add("intervention", {
                "title": f"Sanctions submission ({regime.upper()}, fictional)",
                "type": "sanctions_submission", "regime": regime, "date": "~2024",
                "submitted_by": by, "addressee": addressee, "status": "planned",
                "targets": perpetrators[:2], "reference_number": f"DEMO-{regime.upper()}-001"})
        self.add("intervention", {
            "title": "Complaint about a broadcast confession (fictional)",
            "type": "broadcaster_complaint", "date": "2021-06-30", "submitted_by": by,
            "addressee": "a broadcasting regulator (fictional)", "status": "closed",
            "concerning": [detentions[3]], "outcome": "Fictional: the complaint was upheld."})
        self.add("intervention", {"title": "Legal aid to a family (fictional)",
                                  "type": "legal_aid", "date": "2020-09", "submitted_by": by,
                                  "concerning": [detentions[4]]})

    def cases(self, detentions: list[str], lawyers: list[str]) -> None:
        def linked(ids: list[str]) -> list[str]:
            found = list(ids)
            for rid in ids:
                found += [r.id for r in self.svc.references_to(rid) if r.id not in found]
            return found
        rsdl = [d for d in detentions if self.svc.get(d).fields["type"] in ("rsdl", "liuzhi")]
        confession = [d for d in detentions if self.svc.get(d).fields.get("forced_confession")]
        groups = [lawyers + [detentions[0], detentions[8]], rsdl, confession]
        for (title, title_zh), ids in zip(words.CASE_TITLES, groups, strict=True):
            self.add("case", {"title": title, "records": linked(ids), "status": "open",
                              "opened": self.date(2020, 2023, "month"),
                              "summary": f"Fictional case ({title_zh})."})


__all__ = ["ACT_TYPES", "DETENTION_TYPES", "DemoBuilder"]
