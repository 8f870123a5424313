"""The dossier's readiness list in the UI language, and where each item is fixed.

``vault.dossier`` reports each gap with a stable ``code`` and an English sentence. The
app draws its own sentence for every known code (so the list is complete in every
language) and maps each code to the place that fixes it: a field of the person or of the
act in the editor, the person's record (to change a level), or Settings (the submitting
organisation). A code the app does not know yet is shown with the vault's sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.app.i18n import N_, _
from vault.dossier.readiness import Gap

#: Regime names in the UI language (the draft itself stays in the regime's language).
REGIME_NAMES = {
    "us": N_("United States: Global Magnitsky sanctions and section 7031(c) visa "
             "restrictions"),
    "uk": N_("United Kingdom: Global Human Rights Sanctions Regulations 2020"),
    "eu": N_("European Union: Global Human Rights Sanctions Regime"),
    "ca": N_("Canada: Justice for Victims of Corrupt Foreign Officials Act (Sergei "
             "Magnitsky Law)"),
    "ee": N_("Estonia: Obligation to Leave and Prohibition on Entry Act (human rights "
             "ground of 2016)"),
    "lv": N_("Latvia: Immigration Law (entry ban for human rights violations, 2018)"),
    "lt": N_("Lithuania: Law on the Legal Status of Aliens, Article 133 (human rights "
             "ground of 2017)"),
    "au": N_("Australia: Autonomous Sanctions Regulations 2011 (thematic human rights "
             "sanctions)"),
    "all": N_("All regimes: one dossier each, with a comparison"),
}

SEVERITY_WORDS = {"missing": N_("MISSING"), "weak": N_("WEAK"), "note": N_("NOTE")}

#: code -> sentence; ``{act}`` is the act's title, ``{field}`` a field's label,
#: ``{criterion}`` the regime's criterion id, ``{clearance}`` the level chosen.
GAP_TEXT = {
    "no_organisation": N_("The submitting organisation is not set (Settings)."),
    "no_name": N_("No name in Latin script."),
    "no_name_original": N_("No name in the original script."),
    "no_birth_date": N_("No date of birth."),
    "birth_date_imprecise": N_("The date of birth is not known to the day."),
    "no_birth_place": N_("No place of birth."),
    "no_nationality": N_("No nationality."),
    "no_positions": N_("No position held is recorded."),
    "no_id_documents": N_("No identity document."),
    "no_identifiers": N_("No phone, plate, account, company or property to track the "
                         "person by."),
    "no_chain_of_command": N_("No superior or subordinate is recorded."),
    "no_exculpatory": N_("No exculpatory information is recorded (authorities ask "
                         "whether any exists)."),
    "no_national_interest": N_("No national-interest notes (assets, travel, the message a "
                               "listing sends)."),
    "withheld_at_clearance": N_("The field “{field}” is above the {clearance} clearance and "
                                "will not appear."),
    "no_acts": N_("No act is linked to this person (record an involvement)."),
    "name_withheld": N_("The target's names are above the {clearance} clearance: an "
                        "authority cannot act on an unnamed target (lower the name's level)."),
    "no_contact": N_("No contact for the submitter is set (Settings)."),
    "act_evidence_uncited": N_("Testimonies link {act} or name its victim but are not cited: "
                               "check them and cite those that support it."),
    "no_conduct": N_("No recorded act meets any criterion of this regime."),
    "criterion_unmet": N_("No recorded act meets criterion {criterion}."),
    "act_no_date": N_("“{act}” has no date."),
    "act_no_position": N_("No position held at the time of “{act}”."),
    "act_no_evidence": N_("No evidence is cited for “{act}”."),
    "act_single_source": N_("“{act}” is supported by one source only."),
    "act_no_attachment": N_("No evidence is attached for “{act}” (no document, photo or "
                            "recording)."),
    "act_no_criterion": N_("“{act}” meets none of this regime's criteria."),
}

#: Person gaps fixed in one field of the person's record.
PERSON_FIELDS = {
    "no_name": "name", "no_name_original": "name_original", "no_birth_date": "birth_date",
    "birth_date_imprecise": "birth_date", "no_birth_place": "birth_place",
    "no_nationality": "nationality", "no_positions": "positions",
    "no_id_documents": "id_documents", "no_identifiers": "phones",
    "no_chain_of_command": "notes", "no_exculpatory": "notes",
    "no_national_interest": "notes",
}
#: Act gaps fixed in one field of the act.
ACT_FIELDS = {
    "act_no_date": "date", "act_no_evidence": "evidence", "act_single_source": "evidence",
    "act_no_criterion": "type", "act_no_position": "title", "act_no_attachment": "evidence",
}
_WITHHELD_FIELD = re.compile(r"field '([a-z_]+)'")


@dataclass(frozen=True)
class Fix:
    """Where a gap is fixed: ``settings`` (a setting), ``edit`` (a record's field in the
    editor), ``record`` (a record's view, to change a level) or ``new`` (a new record)."""

    where: str
    target: str
    """Setting name, record id, or record kind for ``new``."""
    field: str | None = None


def withheld_field(gap: Gap) -> str | None:
    """The field named by a ``withheld_at_clearance`` gap."""
    found = _WITHHELD_FIELD.search(gap.message)
    return found.group(1) if found else None


def gap_text(gap: Gap, *, titles: dict[str, str], field_labels: dict[str, str],
             clearance: str) -> str:
    """The gap in the UI language."""
    template = GAP_TEXT.get(gap.code)
    if template is None:
        return gap.message
    field = withheld_field(gap) or ""
    return _(template).format(
        act=titles.get(gap.record or "", (gap.record or "")[:8]),
        field=field_labels.get(field, field), criterion=gap.criterion or "",
        clearance=_(clearance))


def fix_for(gap: Gap, person_id: str) -> Fix | None:
    """Where the gap is fixed (None when there is no single place)."""
    if gap.code == "no_organisation":
        return Fix("settings", "organisation")
    if gap.code == "no_contact":
        return Fix("settings", "contact")
    if gap.code == "no_acts":
        return Fix("new", "involvement")
    if gap.code == "withheld_at_clearance":
        return Fix("record", person_id, withheld_field(gap))
    if gap.code in PERSON_FIELDS:
        return Fix("edit", person_id, PERSON_FIELDS[gap.code])
    if gap.code in ACT_FIELDS and gap.record:
        return Fix("edit", gap.record, ACT_FIELDS[gap.code])
    return None
