"""Shared set-up for the dossier tests: the demo vault (made once per session, copied per
test) and a complete, fictional perpetrator whose filing has no gap to begin with."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from crypto import kdf
from vault.records import demo
from vault.session import Vault

#: The torture criterion of each regime (the one the complete profile's act meets).
TORTURE = {"us": "eo13818-abuse", "uk": "reg4-torture", "eu": "art2-1-c-i-torture",
           "ca": "s4-2-a-gross-violations", "ee": "hr-serious-harm",
           "lv": "s61-2-human-rights", "lt": "art133-human-rights", "au": "6a4-torture"}
#: The submitter's contact set by the complete profile.
CONTACT = "filings@rights-network.example"
NAME, NAME_ZH = "Wang Jianguo", "王建国"
#: Private values of the target: none may ever appear in a dossier.
PRIVATE_CANARIES = {"notes": "Canary private note qzxv", "religion": "Canaryfaith",
                    "phones": ["+86 139 0000 1111"], "id_documents": ["passport E98765432"],
                    "addresses": ["77 Canary Lane, Xugou"]}


def make_template(root: Path) -> Path:
    """A demo vault at ``root`` (closed), to be copied by :func:`open_copy`."""
    created = demo.create(root, params=kdf.INSECURE_TEST_PARAMS)
    created.vault.close()
    return root


def open_copy(template: Path, dest: Path) -> Vault:
    """An unlocked copy of the template vault."""
    shutil.copytree(template, dest)
    vault = Vault.open(dest)
    vault.unlock(demo.DEMO_PASSPHRASE)
    return vault


def demo_perpetrator(vault: Vault) -> str:
    """The first perpetrator of the demo data that is involved in an act with evidence."""
    records = vault.services.records
    involved = {r.fields["perpetrator"] for r in records.iter_records("involvement")
                if r.fields.get("evidence")}
    return next(r.id for r in records.iter_records("person")
                if "perpetrator" in (r.fields.get("roles") or []) and r.id in involved)


def png_file(path: Path) -> Path:
    """A tiny real PNG."""
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


@dataclass
class Scenario:
    """The complete profile's record ids."""

    person: str
    victim: str
    sources: list[str]
    testimonies: list[str]
    detention: str
    act: str
    involvement: str
    other_act: str
    attachment: str


def complete_profile(vault: Vault, tmp: Path) -> Scenario:
    """A perpetrator with everything a filing needs, under every regime: names in both
    scripts, birth date and place, nationality, a post covering the act, two independent
    testimonies, an attached photo, a victim who is a human rights defender."""
    rec: Any = vault.services.records
    vault.services.dossier.set_organisation("Example Rights Network (fictional)")
    vault.services.dossier.set_contact(CONTACT)
    boss = rec.add("person", {"name": "Zhao Shangji", "roles": ["perpetrator"]})
    person = rec.add("person", {
        "name": NAME, "name_original": NAME_ZH, "aliases": ["Wang Juzhang"],
        "birth_date": "1968-04-12", "birth_place": "Xugou", "nationality": ["PRC"],
        "roles": ["perpetrator"], "superiors": [boss],
        "positions": [{"organisation": "Xugou Public Security Bureau", "unit": "Domestic "
                       "Security", "rank": "Director", "from": "2015", "to": "2022-06"}],
        "plates": ["CANARY-PLATE-77"], "companies": ["Xugou Canary Trading Co."],
        "exculpatory": "He is reported to have allowed one family visit in 2019.",
        "national_interest": "Holds a flat abroad; travels to Europe yearly.",
        **PRIVATE_CANARIES,
    }, {"name": "public", "name_original": "public", "aliases": "public",
        "birth_date": "public", "birth_place": "public", "nationality": "public",
        "positions": "public", "superiors": "public", "exculpatory": "public",
        "national_interest": "public", "companies": "public"})
    victim = rec.add("person", {"name": "Li Mouyi", "name_original": "李某乙",
                                "roles": ["victim", "human_rights_defender"]},
                     {"roles": "public"})
    sources = [rec.add("source", {"label": f"Source {c}", "name": n, "phones": [p],
                                  "reliability": "high"}, {"reliability": "public"})
               for c, n, p in (("K", "Canary Sourcename", "+86 138 0000 2222"),
                               ("M", "Other Canarysource", "+86 138 0000 3333"))]
    testimonies = [rec.add("testimony", {
        "title": f"Testimony {i}", "source": s, "interview_date": "2022-03-0" + str(i + 1),
        "language": "zh", "narrative": "Fictional narrative.", "reliability": "high",
        "interviewer": "Canary Interviewer"}, {"interview_date": "public",
                                               "language": "public", "reliability": "public"})
        for i, s in enumerate(sources)]
    detention = rec.add("detention", {"detainee": victim, "type": "rsdl",
                                      "start": "2019-05-02", "facility": "a hotel"})
    act = rec.add("act", {
        "title": "Torture in RSDL", "type": "torture", "date": "2019-05-10",
        "place": "Xugou", "victims": [victim], "detention": detention,
        "evidence": testimonies, "description": "Fictional: tiger chair for three days.",
        "verification": "corroborated"},
        {k: "public" for k in ("title", "type", "date", "place", "victims", "detention",
                               "evidence", "description", "verification")})
    involvement = rec.add("involvement", {
        "act": act, "perpetrator": person, "degree": "ordered",
        "position_at_time": "Director, Xugou PSB", "evidence": testimonies,
        "role_description": "Fictional: signed the order."},
        {k: "public" for k in ("act", "perpetrator", "degree", "position_at_time",
                               "evidence", "role_description")})
    other = rec.add("act", {"type": "surveillance", "date": "2020-01-01", "victims": [victim],
                            "evidence": testimonies})
    rec.add("involvement", {"act": other, "perpetrator": person, "degree": "carried_out",
                            "evidence": testimonies})
    # The photo belongs to the first testimony (the interviewee handed it over), so it is
    # part of that origin, not a second one.
    att = vault.services.attachments.attach(testimonies[0], png_file(tmp / "photo.png"),
                                              "public")
    vault.services.attachments.attach(other, png_file(tmp / "photo2.png"))
    return Scenario(person, victim, sources, testimonies, detention, act, involvement,
                    other, att.id)
