"""The people of the demo vault: victims, perpetrators with their posts, family, lawyers,
witnesses and protected sources, all fictional (:mod:`vault.records.demo_text`)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

from vault.records import demo_text as words
from vault.records.service import RecordService


class PeopleBuilder:
    """Adds the demo's people through the records service (so the demo is audited and
    indexed like real work)."""

    def __init__(self, service: RecordService, rng: random.Random) -> None:
        self.svc = service
        self.rng = rng
        self.ids: dict[str, list[str]] = {kind: [] for kind in service.registry.kinds()}
        self.names: dict[str, tuple[str, str]] = {}
        self._phone = itertools.count(1)
        self.pool = self._names()
        self.posts: dict[str, list[dict[str, str]]] = {}

    def add(self, kind: str, data: dict[str, Any], levels: dict[str, str] | None = None,
            ) -> str:
        rid = self.svc.add(kind, {k: v for k, v in data.items() if v not in (None, "", [])},
                           levels)
        self.ids[kind].append(rid)
        return rid

    # -- small generators --------------------------------------------------------------

    def date(self, first: int, last: int, precision: str = "day") -> str:
        year = self.rng.randint(first, last)
        month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
        if precision == "year":
            return f"{year}"
        return f"{year}-{month:02d}" if precision == "month" else f"{year}-{month:02d}-{day:02d}"

    def phone(self) -> str:
        return f"+86 100 {next(self._phone):04d} {self.rng.randint(1000, 9999)}"

    def id_number(self, birth: str) -> str:
        body = f"99{self.rng.randint(1000, 9999)}{birth.replace('-', '')[:8]:0<8}" \
               f"{self.rng.randint(100, 999)}"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
        return f"resident ID (fictional) {body}{check}"

    def _names(self) -> Iterator[tuple[str, str]]:
        pairs = [(f"{s[0]} {g[0]}", s[1] + g[1]) for s in words.SURNAMES for g in words.GIVEN]
        yield from self.rng.sample(pairs, len(pairs))

    # -- the data set ------------------------------------------------------------------

    def person(self, name: tuple[str, str], roles: list[str], ethnicity: str,
               occupation: str | None = None) -> str:
        birth = self.date(1955, 1995, self.rng.choice(["year", "month", "day"]))
        if self.rng.random() < 0.2:
            birth = "~" + birth[:4]
        data: dict[str, Any] = {
            "name": name[0], "name_original": name[1], "person_type": "individual",
            "sex": self.rng.choice(["female", "male"]), "birth_date": birth,
            "ethnicity": ethnicity, "nationality": ["PRC"], "roles": roles,
            "occupation": occupation or self.rng.choice(
                ["petitioner", "teacher", "blogger", "shop owner", "student", "farmer"]),
            "phones": [self.phone()],
            "emails": [f"{name[0].lower().replace(' ', '.')}@example.org"],
            "addresses": [f"{self.rng.randint(1, 99)} Demo Road, "
                          f"{self.rng.choice(words.PLACES)[0]}"],
        }
        if self.rng.random() < 0.5 and not birth.startswith("~"):
            data["id_documents"] = [self.id_number(birth)]
        if occupation == "lawyer":
            data["positions"] = [{"organisation": "Shili Example Law Firm (fictional)",
                                  "rank": "Partner", "from": self.date(2005, 2012, "year")}]
        rid = self.add("person", data)
        self.names[rid] = name
        return rid

    def perpetrator(self, name: tuple[str, str]) -> str:
        start = self.rng.randint(2005, 2014)
        posts = []
        for _ in range(self.rng.randint(1, 3)):
            org, units = self.rng.choice(words.ORGANISATIONS)
            end = start + self.rng.randint(2, 5)
            posts.append({"organisation": org, "unit": self.rng.choice(units),
                          "rank": self.rng.choice(words.RANKS), "from": f"{start}",
                          "to": f"{end}-{self.rng.randint(1, 12):02d}"})
            start = end
        del posts[-1]["to"]  # still in post
        data = {"name": name[0], "name_original": name[1], "person_type": "individual",
                "sex": self.rng.choice(["female", "male"]), "nationality": ["PRC"],
                "birth_date": self.date(1960, 1985, "year"), "roles": ["perpetrator"],
                "positions": posts, "aliases": [f"{name[0].split()[0]} Chuzhang (nickname)"]}
        # A sanctions filing names a perpetrator publicly: these fields are raised.
        rid = self.add("person", data, {"name": "public", "name_original": "public",
                                        "positions": "public", "birth_date": "public"})
        self.names[rid] = name
        self.posts[rid] = posts
        return rid

    def source(self, number: int) -> str:
        letter = "ABCDEFGH"[number]
        name = next(self.pool)
        return self.add("source", {
            "label": f"Source {letter}", "name": name[0], "name_original": name[1],
            "phones": [self.phone()], "emails": [f"source.{letter.lower()}@example.org"],
            "handles": [f"wechat: demo_source_{letter.lower()}"],
            "address": f"{self.rng.randint(1, 99)} Sample Lane, {words.CITY[0]}",
            "languages": self.rng.choice([["Mandarin"], ["Mandarin", "English"], ["Uyghur"]]),
            "connection": self.rng.choice(["direct_victim", "family_member", "eyewitness"]),
            "contact_method": self.rng.choice(["in_person", "encrypted_messenger", "intermediary"]),
            "first_contact": self.date(2018, 2023, "month"),
            "consent": self.rng.sample(["quote_anonymously", "share_with_partners",
                                        "use_in_public_report", "use_in_sanctions_filing",
                                        "submit_to_un"], 3),
            "reliability": self.rng.choice(["high", "high", "medium", "unknown"]),
            "security_notes": "Fictional: contact only through the intermediary; never call "
                              "the listed phone from a local number.",
        })
