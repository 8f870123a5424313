"""The regime files: each loads, names only known codes, and a malformed file is refused
the right way (a typo in a code must never silently stop a criterion from being met)."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import pytest

from vault.dossier.regimes import REGIME_IDS, RegimeError, all_regimes, load, parse
from vault.errors import InvalidInput
from vault.export.normalize import Matcher


def raw(regime: str) -> dict[str, Any]:
    text = resources.files("vault.dossier.regimes").joinpath(f"{regime}.toml").read_text()
    return tomllib.loads(text)


def test_every_regime_loads_with_its_legal_basis_and_criteria() -> None:
    regimes = all_regimes()
    assert [r.id for r in regimes] == list(REGIME_IDS)
    for r in regimes:
        assert r.legal_basis and r.criteria and r.confidentiality and r.measures
        assert all(c.act_types and c.degrees for c in r.criteria)


def test_the_instruments_named_in_the_issue_are_cited() -> None:
    cited = {r.id: " ".join(b.citation for b in r.legal_basis) for r in all_regimes()}
    assert "Global Magnitsky" in cited["us"] and "13818" in cited["us"]
    assert "7031(c)" in cited["us"]
    assert "Global Human Rights Sanctions Regulations 2020" in cited["uk"]
    assert "2020/1998" in cited["eu"] and "2020/1999" in cited["eu"]
    assert "Justice for Victims of Corrupt Foreign Officials Act" in cited["ca"]


def test_eu_detention_criteria_cover_rsdl_and_liuzhi() -> None:
    eu = load("eu")
    for cid in ("art2-1-c-iv-disappearance", "art2-1-c-v-detention"):
        assert {"rsdl", "liuzhi"} <= eu.criterion(cid).detention_types
    assert "arbitrary_detention" in eu.criterion("art2-1-c-v-detention").act_types
    assert "torture" in eu.criterion("art2-1-c-i-torture").act_types


def test_uk_regime_does_not_cover_arbitrary_detention_alone() -> None:
    assert all("arbitrary_detention" not in c.act_types for c in load("uk").criteria)


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["criteria"][0]["act_types"].append("tortur"), "not in the act_types"),
    (lambda d: d["criteria"][0]["degrees"].append("commanded"), "not in the degrees"),
    (lambda d: d["criteria"][0].update(victim_roles=["defender"]), "roles"),
    (lambda d: d["criteria"][0].update(act_types=[]), "must not be empty"),
    (lambda d: d["criteria"].append(copy.deepcopy(d["criteria"][0])), "share an id"),
    (lambda d: d["criteria"][0].update(colour="red"), "unknown keys"),
    (lambda d: d.update(extra=1), "unknown keys"),
    (lambda d: d.update(legal_basis=[]), "legal_basis"),
    (lambda d: d["criteria"][0].update(requires_position="yes"), "true or false"),
    (lambda d: d.pop("confidentiality"), "tables"),
    (lambda d: d.update(id="xx"), "declares id"),
])
def test_malformed_regime_files_are_refused(mutate: Any, message: str) -> None:
    data = raw("us")
    mutate(data)
    with pytest.raises(RegimeError, match=message):
        parse(data, "us")


def test_unknown_regime_is_a_user_error() -> None:
    with pytest.raises(InvalidInput):
        load("fr")


def test_a_short_source_label_does_not_match_inside_a_pseudonym_or_a_word() -> None:
    """Regression (found drafting dossiers): 'Source H' matched 'Source-HVCD-…'."""
    m = Matcher([("Source H", "o"), ("Li Na", "p")])
    assert m.search("Testimony of Source-HVCD-XV66") is None
    assert m.search("that the source held back") is None
    assert m.search("Li Nana") is None
    assert m.search("as Source H said") is not None
    assert m.search("SOURCE  h.") is not None
    assert m.search("李 Li Na") is not None


def test_gate_still_finds_a_short_edged_label_as_pdf_text_but_not_in_cmap_words() -> None:
    """Regression: the gate searches 'Source B' word-bounded in PDF streams, so a CMap's
    'findresource begin' passes and a content stream's '(Source B) Tj' does not."""
    import io

    import pikepdf

    from vault.export.gate import Gate
    from vault.export.redact import Owner
    from vault.records.spec import Level

    def pdf(content: bytes) -> bytes:
        doc = pikepdf.new()
        page = doc.add_blank_page()
        page.obj["/Contents"] = doc.make_stream(content)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()

    gate = Gate([("Source B", Owner("r1", "source", "label", Level.PRIVATE, True))])
    cmap = b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap endcmap"
    assert gate.scan_file("dossier/a.pdf", pdf(cmap)) == []
    leaks = gate.scan_file("dossier/b.pdf", pdf(b"BT /F1 12 Tf (Source B) Tj ET"))
    assert leaks and leaks[0].owner.record_id == "r1"
