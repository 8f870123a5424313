"""Built-in record types about people: Person, Source, Testimony.

A Source is a protected person: every field that could identify them is ``pinned`` to
``private`` here, and no command, import or edit can lower it (see
:func:`vault.records.validate.check_levels`).
"""

from __future__ import annotations

from vault.records.spec import (
    Level,
    date,
    enum_,
    flag,
    ident,
    integer,
    long_text,
    positions,
    record_type,
    ref,
    text,
)

PUBLIC, PARTNER, PRIVATE = Level.PUBLIC, Level.PARTNER, Level.PRIVATE

PERSON = record_type("person", "Person", [
    ident("name", "Name (romanised)", PARTNER, help="The name as written in Latin script."),
    ident("name_original", "Name (original script)", PARTNER,
          help="The name in its own script: 汉字, ئۇيغۇرچە, བོད་ཡིག…"),
    ident("aliases", "Aliases", PARTNER, multi=True,
          help="Other names, spellings, nicknames, former names."),
    enum_("person_type", "Individual or group", "person_types", PUBLIC),
    enum_("sex", "Sex", "sex", PARTNER),
    date("birth_date", "Date of birth", PARTNER),
    text("birth_place", "Place of birth", PARTNER),
    date("death_date", "Date of death", PARTNER),
    text("ethnicity", "Ethnicity", PARTNER),
    text("religion", "Religion", PRIVATE),
    text("nationality", "Nationality", PARTNER, multi=True,
         help="Every nationality held, one per item."),
    text("occupation", "Occupation", PARTNER),
    ident("id_documents", "Identity documents", PRIVATE, multi=True,
          help="Type and number, one per item, e.g. resident ID card, passport."),
    ident("phones", "Phone numbers", PRIVATE, multi=True),
    ident("emails", "Email addresses", PRIVATE, multi=True),
    ident("handles", "Online accounts", PRIVATE, multi=True,
          help="WeChat, Weibo, Telegram, X… handles or account ids."),
    ident("addresses", "Addresses", PRIVATE, multi=True),
    enum_("roles", "Roles", "roles", PARTNER, multi=True,
          help="What this person is in the events recorded here."),
    positions("positions", "Positions held", PARTNER,
              help="Posts held: organisation, unit, rank, from, to (for sanctions work)."),
    long_text("notes", "Notes", PRIVATE),
    # Sanctions work (issue 7, vault.dossier): how officials are tracked, and what a
    # filing must weigh. Identifiers default to private like phones and addresses.
    ident("plates", "Vehicle plates", PRIVATE, multi=True),
    ident("companies", "Companies owned or controlled", PARTNER, multi=True,
          help="Name and registration number, one company per item."),
    ident("property", "Property owned or controlled", PRIVATE, multi=True,
          help="Address or land title, one property per item."),
    ref("superiors", "Reports to", ("person",), PARTNER, multi=True,
        help="Chain of command: the persons this person answers to."),
    long_text("identifier_provenance", "Where the identifiers come from", PARTNER,
              multi=True, help="One item per identifier: which one, where it came from, "
              "how reliable it is (e.g. 'plates: photographed 2021, high')."),
    long_text("exculpatory", "Exculpatory information", PARTNER,
              help="Anything that speaks for this person (sanctions filings ask)."),
    long_text("national_interest", "National-interest notes", PARTNER,
              help="Assets that could be frozen, travel, the message a listing sends."),
], title_field="name", title_fallback=("name_original",),
   help="An individual or a group: victim, witness, perpetrator, family, lawyer…")

SOURCE = record_type("source", "Protected source", [
    text("label", "Working label", PRIVATE,
         help="A name that does not identify them (e.g. 'Source K'), shown in lists."),
    ident("name", "Name (romanised)", PRIVATE, pinned=True),
    ident("name_original", "Name (original script)", PRIVATE, pinned=True),
    ident("aliases", "Aliases", PRIVATE, pinned=True, multi=True),
    ident("phones", "Phone numbers", PRIVATE, pinned=True, multi=True),
    ident("emails", "Email addresses", PRIVATE, pinned=True, multi=True),
    ident("handles", "Online accounts", PRIVATE, pinned=True, multi=True),
    ident("address", "Address", PRIVATE, pinned=True),
    ident("current_location", "Where they are now", PRIVATE, pinned=True),
    ident("id_documents", "Identity documents", PRIVATE, pinned=True, multi=True),
    enum_("sex", "Sex", "sex", PRIVATE),
    text("languages", "Languages", PARTNER, multi=True),
    enum_("connection", "Connection to the information", "source_connections", PARTNER),
    enum_("contact_method", "How contact was made", "contact_methods", PRIVATE),
    date("first_contact", "First contact", PRIVATE),
    enum_("consent", "Consent given", "consent", PARTNER, multi=True,
          help="Everything the source agreed to; anything not listed was not agreed."),
    date("consent_date", "Date of consent", PRIVATE),
    long_text("consent_notes", "Consent notes", PRIVATE),
    enum_("reliability", "Reliability", "reliability", PARTNER),
    long_text("reliability_notes", "Reliability notes", PARTNER),
    long_text("security_notes", "Security notes", PRIVATE, pinned=True,
              help="Risks to the source and how to contact them safely."),
    long_text("notes", "Notes", PRIVATE),
], title_field="label", title_fallback=("name", "name_original"),
   help="A person who gave information and must never be identifiable off this device.")

TESTIMONY = record_type("testimony", "Testimony", [
    text("title", "Title", PARTNER),
    ref("source", "Interviewee", ("source", "person"), PARTNER,
        help="The protected source or named witness who gave the testimony."),
    ident("interviewer", "Interviewer", PRIVATE),
    date("interview_date", "Date of interview", PARTNER),
    ident("place", "Place of interview", PRIVATE),
    enum_("method", "How the interview was held", "contact_methods", PARTNER),
    text("language", "Language of the interview", PARTNER,
         help="A language name or code: zh, en, ug, bo, fa…"),
    ident("interpreter", "Interpreter", PRIVATE),
    enum_("consent", "Consent given", "consent", PARTNER, multi=True),
    flag("consent_recorded", "Consent recorded", PARTNER,
         help="Consent was recorded on paper or on tape."),
    long_text("narrative", "Narrative (original language)", PARTNER),
    long_text("translation", "Translation", PARTNER),
    text("translation_language", "Language of the translation", PARTNER),
    long_text("summary", "Summary", PARTNER),
    ref("persons_mentioned", "Persons mentioned", ("person", "source"), PARTNER, multi=True),
    ref("related", "Related records", (), PARTNER, multi=True),
    integer("duration_minutes", "Duration (minutes)", PARTNER),
    flag("recorded", "Audio or video recorded", PRIVATE),
    enum_("reliability", "Credibility assessment", "reliability", PARTNER),
    long_text("notes", "Notes", PRIVATE),
], title_field="title", title_fallback=("interview_date", "language"),
   date_field="interview_date",
   help="What someone said, when, to whom, in which language, with its translation.")
