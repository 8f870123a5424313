"""The dossier as Markdown: the text a person edits, checks and files.

Every section is always present (an empty one says so), so a reader can see at once what
the submission does not contain. Values from records are escaped: a name or a note holding
Markdown or HTML cannot change the document's structure.
"""

from __future__ import annotations

import re

from vault.dossier.compare import Standing
from vault.dossier.content import ActEntry, Dossier, DossierSet, EvidenceItem

#: The sections, in order (the tests and the PDF renderer use the same titles).
SECTIONS = (
    "Legal basis",
    "Submitter and contact",
    "Target identification",
    "Summary of conduct",
    "Acts and the criteria they meet",
    "Evidence and corroboration",
    "Exculpatory information",
    "National interest",
    "Confidentiality request",
)
DRAFT_NOTE = ("Drafted with evault from the submitting organisation's documentation. A draft "
              "only: every statement must be checked against the evidence, and the legal "
              "basis against the current law, by the people who file it.")
SOURCES_NOTE = ("Sources and witnesses who must stay anonymous are named by pseudonym only; "
                "their identities are withheld for their safety. Files are identified by the "
                "SHA-256 of the original at the time it was secured; the originals can be "
                "made available on request, under conditions that protect the sources.")

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")
_LINE_START = re.compile(r"^(?:(?=[#+=>-])|(\d+)(?=[.)]))")
WITHHELD = "withheld at this clearance"


def esc(text: str) -> str:
    """``text`` as literal Markdown inline content (one line): no emphasis, link, code,
    HTML or table cell can be opened by it, nor a heading or list at a line's start."""
    inline = _SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _LINE_START.sub(lambda m: (m.group(1) or "") + "\\", inline, count=1)


def para(text: str) -> str:
    """A paragraph of record text: escaped, its own line breaks kept."""
    lines = [esc(line) for line in text.splitlines() if line.strip()]
    return "  \n".join(lines)


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _identification(d: Dossier) -> list[str]:
    t = d.target
    out = ["| | |", "|---|---|"]
    rows = [("Name (romanised)", t.name), ("Name (original script)", t.name_original),
            ("Aliases", "; ".join(t.aliases)), ("Date of birth", t.birth_date),
            ("Place of birth", t.birth_place), ("Nationality", ", ".join(t.nationality)),
            ("Sex", t.sex), ("Identity documents", "; ".join(t.id_documents))]
    for key, value in rows:
        out.append(_row(key, esc(value) if value else "not recorded, or withheld"))
    out += ["", "### Positions held", ""]
    if t.positions:
        out += [_row("Organisation", "Unit", "Rank", "From", "To"), _row(*["---"] * 5)]
        for p in t.positions:
            out.append(_row(*(esc(p.get(k, "")) or ("present" if k == "to" else "")
                              for k in ("organisation", "unit", "rank", "from", "to"))))
    else:
        out.append("No position is recorded at this clearance.")
    out += ["", "### Chain of command", "",
            f"- Reports to: {esc('; '.join(t.superiors)) or 'not recorded'}",
            f"- Superior of: {esc('; '.join(t.subordinates)) or 'not recorded'}",
            "", "### Identifiers", ""]
    if t.identifiers:
        out += [f"- {esc(kind)}: {esc(value)}" for kind, value in t.identifiers]
    else:
        out.append("No tracking identifier (phone, plate, account, company, property) is "
                   "included at this clearance.")
    if t.identifier_provenance:
        out += ["", "Where the identifiers come from, and how reliable they are:", ""]
        out += [f"- {para(p)}" for p in t.identifier_provenance]
    if t.withheld:
        out += ["", f"Withheld at this clearance: {esc(', '.join(sorted(set(t.withheld))))}."]
    return out


def _act(d: Dossier, a: ActEntry) -> list[str]:
    head = f"### Act {a.number}: {esc(a.type_label)}"
    if a.date:
        head += f", {esc(a.date)}"
    out = [head, ""]
    def shown(value: str | None, *fields: str) -> str:
        if value:
            return value
        return WITHHELD if any(f in a.withheld for f in fields) else "not recorded"

    victims = "; ".join(a.victims) if a.victims else (
        f"{a.victim_count} person(s)" if a.victim_count else shown(None, "victims"))
    items = [("Date", shown(a.date, "date")), ("Place", shown(a.place, "place")),
             ("Victims", victims), ("During", a.detention),
             ("Target's role", a.degree + (f": {a.role}" if a.role else "")),
             ("Post held at the time", shown(a.position, "position_at_time")),
             ("Verification", a.verification)]
    out += [f"- **{k}:** {para(v)}" for k, v in items if v]
    if a.description:
        out += ["", para(a.description)]
    out += ["", "Criteria met:" if a.criteria else
            "Criteria met: none of this regime's criteria, in our assessment."]
    out += [f"- {esc(c.citation)}: {esc(c.text)}" for c in a.criteria]
    cited = [ref for ref in a.evidence if ref not in a.linked]
    evidence = (f"Evidence: {', '.join(cited)} ({a.origins} independent origin(s))"
                if cited else "Evidence: none cited.")
    if a.linked:
        evidence += (f" Found through links, not yet cited: {', '.join(a.linked)} (a "
                     "testimony that links this act or names its victim; to be checked "
                     "against the act before it is relied on).")
    out += ["", evidence, ""]
    return out


def _evidence_row(e: EvidenceItem) -> str:
    files = str(len(e.files)) if e.files else "none"
    if e.files_withheld:
        files += f" ({e.files_withheld} withheld at this clearance)"
    return _row(e.ref, esc(e.description), esc(e.date or ""), esc(e.language or ""),
                esc(e.reliability or "not assessed, or withheld"), files)


def _files(evidence: list[EvidenceItem]) -> list[str]:
    out = [f"- {e.ref}: {esc(f.media_type)}, {f.size} bytes"
           + (f", SHA-256 `{f.sha256}`" if f.sha256 else "")
           for e in evidence for f in e.files]
    note = ("Files (the SHA-256 of a file that travels with this dossier is in its "
            "bundle's signed manifest; originals' hashes are never listed):")
    return ["", note, "", *out] if out else []


def render(d: Dossier) -> str:
    """The dossier as Markdown text."""
    r = d.regime
    out = [f"# Recommendation for targeted sanctions: {esc(d.target.label)}", "",
           f"- **Regime:** {esc(r.name)}", f"- **Submitted to:** {esc(r.authority)}",
           f"- **Date:** {d.created}", f"- **Clearance:** {d.clearance.value}", "",
           f"> {DRAFT_NOTE}", ""]
    sec = iter(enumerate(SECTIONS, start=1))

    def heading() -> list[str]:
        n, title = next(sec)
        return [f"## {n}. {title}", ""]

    out += heading()
    out += [f"- **{esc(b.citation)}.** {esc(b.text)}" for b in r.legal_basis]
    out += ["", f"Standard: {esc(r.standard)}", "",
            "Measures requested: " + esc("; ".join(r.measures)) + ".", "",
            f"How to file: {esc(r.filing)}", ""]
    if r.counsel:
        out += ["To be confirmed by counsel before filing (the published texts we could "
                "read did not settle these):", ""]
        out += [f"- {esc(c)}" for c in r.counsel] + [""]
    out += heading()
    out += ["- **Organisation:** " + (esc(d.organisation) if d.organisation else
            "not set (evault settings set organisation NAME)"),
            "- **Contact:** " + (esc(d.contact) if d.contact else
            "not set (evault settings set contact ADDRESS)"), ""]
    out += heading() + _identification(d) + [""]
    out += heading() + [esc(d.summary()), ""]
    out += heading()
    for act in d.acts:
        out += _act(d, act)
    if not d.acts:
        out += ["No act is recorded.", ""]
    if r.involvement_note:
        out += [f"On the target's role: {esc(r.involvement_note)}", ""]
    out += heading() + [SOURCES_NOTE, ""]
    if d.evidence:
        out += [_row("Ref", "Evidence", "Date", "Language", "Reliability", "Files"),
                _row(*["---"] * 6)]
        out += [_evidence_row(e) for e in d.evidence]
        out += _files(d.evidence)
    else:
        out.append("No evidence is cited.")
    out += [""] + heading()
    out += [f"- {para(x)}" for x in d.exculpatory] or [
        "None is recorded in the submitting organisation's documentation."]
    out += [""] + heading()
    out += [para(d.national_interest) if d.national_interest else "No notes are recorded."]
    out += [""] + heading() + [esc(r.confidentiality), ""]
    return "\n".join(out)


def comparison(standings: list[Standing]) -> list[str]:
    """The comparison of regimes: a summary line, then one row per regime."""
    can = [s.regime.id.upper() for s in standings if s.can_meet]
    cannot = [s.regime.id.upper() for s in standings if not s.can_meet]
    out = [f"The recorded conduct can meet, in our assessment: {', '.join(can) or 'none'}. "
           f"It cannot meet: {', '.join(cannot) or 'none'}. Each regime's own dossier "
           "follows, with its criteria, the acts and the evidence.", "",
           _row("Regime", "Can the conduct meet it?", "Criteria met (acts)",
                "Why not, act by act", "The filing still lacks"),
           _row(*["---"] * 5)]
    for s in standings:
        acts = ("act " if len(s.acts) == 1 else "acts ") + ", ".join(str(n) for n in s.acts)
        met = f"{esc('; '.join(c.id for c in s.criteria))} ({acts})" if s.criteria else "none"
        out.append(_row(f"{s.regime.id.upper()}: {esc(s.regime.name)}",
                        ("yes" if s.can_meet else "no")
                        + ("" if s.ready else "; not ready to file"),
                        met, esc("; ".join(s.why_not)) or "every act meets a criterion",
                        esc("; ".join(s.lacks)) or "nothing missing or weak"))
    return out


def render_set(ds: DossierSet) -> str:
    """Every regime's dossier in one document, opened by the comparison."""
    first = ds.dossiers[0]
    out = [f"# Recommendations for targeted sanctions: {esc(first.target.label)}", "",
           f"- **Regimes:** {len(ds.dossiers)}", f"- **Date:** {first.created}",
           f"- **Clearance:** {first.clearance.value}", "", f"> {DRAFT_NOTE}", "",
           "## Comparison of regimes", "", *comparison(ds.standings), ""]
    for d in ds.dossiers if ds.complete else []:
        out += ["", render(d)]
    return "\n".join(out)


def render_bytes(d: Dossier | DossierSet) -> bytes:
    """UTF-8 bytes of :func:`render` (or :func:`render_set`)."""
    return (render_set(d) if isinstance(d, DossierSet) else render(d)).encode("utf-8")
