"""Built-in record types about events: Detention, Act, Involvement, Case, Intervention."""

from __future__ import annotations

from vault.records.spec import (
    Level,
    date,
    enum_,
    flag,
    ident,
    integer,
    long_text,
    record_type,
    ref,
    text,
)

PUBLIC, PARTNER, PRIVATE = Level.PUBLIC, Level.PARTNER, Level.PRIVATE
PEOPLE = ("person", "source")
EVIDENCE = ("testimony", "source", "detention", "act")

DETENTION = record_type("detention", "Detention", [
    text("title", "Title", PARTNER),
    ref("detainee", "Detainee", PEOPLE, PARTNER, required=True),
    enum_("type", "Type of detention", "detention_types", PARTNER, required=True),
    text("facility", "Facility", PARTNER, help="Detention centre, hotel, 'training centre'…"),
    text("place", "Place", PARTNER, help="Town or district."),
    ident("exact_location", "Exact location", PRIVATE, help="Address or coordinates."),
    text("authority", "Holding authority", PARTNER,
         help="The body that holds the detainee (PSB, state security, commission…)."),
    date("start", "Start", PARTNER),
    date("end", "End", PARTNER),
    text("charges", "Charges", PARTNER, multi=True, help="One charge per item."),
    text("legal_basis", "Legal basis", PARTNER, help="Law and article invoked, if any."),
    flag("notice_issued", "Detention notice issued", PARTNER),
    flag("held_under_false_name", "Held under a false name", PARTNER),
    ident("false_name", "False name used", PRIVATE,
          help="The name under which the detainee was registered."),
    flag("incommunicado", "Held incommunicado", PARTNER),
    enum_("lawyer_access", "Lawyer access", "lawyer_access", PARTNER),
    ref("lawyers", "Lawyers who sought access", ("person",), PARTNER, multi=True),
    enum_("family_notified", "Family notified", "family_notified", PARTNER),
    flag("ill_treatment", "Ill-treatment reported", PARTNER),
    enum_("ill_treatment_methods", "Ill-treatment methods", "ill_treatment_methods",
          PARTNER, multi=True),
    long_text("ill_treatment_details", "Ill-treatment details", PARTNER),
    flag("forced_confession", "Forced confession", PARTNER),
    flag("confession_recorded", "Confession recorded on video", PARTNER),
    flag("confession_broadcast", "Confession broadcast", PARTNER),
    text("confession_channel", "Broadcast channel", PARTNER, help="e.g. CCTV-13, CGTN."),
    date("confession_broadcast_date", "Broadcast date", PARTNER),
    enum_("outcome", "Outcome", "detention_outcomes", PARTNER),
    date("outcome_date", "Date of outcome", PARTNER),
    text("sentence", "Sentence", PARTNER),
    long_text("description", "Description", PARTNER),
    ref("evidence", "Evidence", EVIDENCE, PARTNER, multi=True),
    long_text("notes", "Notes", PRIVATE),
], title_field="title", title_fallback=("type", "facility", "start"), date_field="start",
   help="A deprivation of liberty, in any of its forms, formal or not.")

ACT = record_type("act", "Act (violation)", [
    text("title", "Title", PARTNER),
    enum_("type", "Type of act", "act_types", PARTNER, required=True),
    date("date", "Date", PARTNER),
    date("end_date", "End date", PARTNER, help="For acts that lasted."),
    text("place", "Place", PARTNER),
    ident("exact_location", "Exact location", PRIVATE),
    ref("victims", "Victims", PEOPLE, PARTNER, multi=True),
    integer("victim_count", "Number of victims", PARTNER,
            help="When victims are counted rather than named."),
    enum_("methods", "Methods", "ill_treatment_methods", PARTNER, multi=True),
    ref("detention", "During detention", ("detention",), PARTNER),
    long_text("description", "Description", PARTNER),
    enum_("verification", "Verification", "verification", PARTNER),
    ref("evidence", "Evidence", EVIDENCE, PARTNER, multi=True),
    long_text("notes", "Notes", PRIVATE),
], title_field="title", title_fallback=("type", "place", "date"), date_field="date",
   help="A violation: who did what to whom, when and where.")

INVOLVEMENT = record_type("involvement", "Involvement", [
    text("title", "Title", PARTNER),
    ref("act", "Act", ("act",), PARTNER, required=True),
    ref("perpetrator", "Perpetrator", ("person",), PARTNER, required=True),
    enum_("degree", "Degree of involvement", "degrees", PARTNER, required=True),
    text("position_at_time", "Position at the time", PARTNER),
    long_text("role_description", "Role", PARTNER,
              help="What the perpetrator did, as the evidence shows it."),
    enum_("verification", "Verification", "verification", PARTNER),
    ref("evidence", "Evidence", EVIDENCE, PARTNER, multi=True),
    long_text("exculpatory", "Exculpatory information", PARTNER,
              help="Anything that speaks for the perpetrator (sanctions filings ask)."),
    long_text("notes", "Notes", PRIVATE),
], title_field="title", title_fallback=("degree",),
   help="Links a perpetrator to an act, with the degree of their involvement.")

CASE = record_type("case", "Case", [
    text("title", "Title", PARTNER, required=True),
    long_text("summary", "Summary", PARTNER),
    ref("records", "Records", (), PARTNER, multi=True),
    enum_("status", "Status", "case_status", PRIVATE),
    date("opened", "Opened", PRIVATE),
    date("closed", "Closed", PRIVATE),
    ident("lead", "Lead investigator", PRIVATE),
    long_text("notes", "Notes", PRIVATE),
], title_field="title", date_field="opened",
   help="Groups records for an investigation.")

INTERVENTION = record_type("intervention", "Intervention", [
    text("title", "Title", PARTNER),
    enum_("type", "Type of intervention", "intervention_types", PARTNER, required=True),
    date("date", "Date", PARTNER),
    text("submitted_by", "Submitted by", PARTNER, help="The organisation that acted."),
    text("addressee", "Addressed to", PARTNER,
         help="e.g. a UN special procedure, a sanctions authority, a regulator."),
    enum_("regime", "Sanctions regime", "sanctions_regimes", PARTNER),
    text("reference_number", "Reference number", PARTNER),
    ref("targets", "Persons named", ("person",), PARTNER, multi=True),
    ref("concerning", "Records concerned", (), PARTNER, multi=True),
    enum_("status", "Status", "intervention_status", PARTNER),
    long_text("outcome", "Outcome", PARTNER),
    date("outcome_date", "Date of outcome", PARTNER),
    long_text("notes", "Notes", PRIVATE),
], title_field="title", title_fallback=("type", "addressee", "date"), date_field="date",
   help="What was done about it (a UN communication, a sanctions submission…) and what came "
        "of it.")
