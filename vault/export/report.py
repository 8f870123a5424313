"""The owner's local report of an export: what was withheld, redacted and detected.

It never goes inside a bundle, and it holds no content either — record ids, field names,
counts, finding ids and kinds, attachment fates, and (when the gate refused) which record
and field leaked — so writing it to disk does not break "nothing readable at rest". The
found values themselves are only in the in-memory plan, for the TUI's preview.
"""

from __future__ import annotations

from typing import Any

from vault.export.gate import Leak
from vault.export.plan import Plan


def build(plan: Plan, leaks: list[Leak] | None = None, out: str | None = None,
          sealed: bool = False) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    records = []
    for view in plan.views:
        records.append({
            "record": view.source_id,
            "bundle_id": view.id,
            "kind": view.kind,
            "withheld": sorted(view.withheld),
            "redacted": {k: v for k, v in sorted(view.redacted.items()) if v},
            "findings": [{"id": f.id, "field": f.field, "kind": f.kind,
                          "released": f.released, "automatic": f.automatic}
                         for f in view.findings],
            # What was changed and why: spans (characters) in the stored text and in
            # the bundle's text, never the text itself.
            "replacements": [{"field": r.field, "start": r.start, "end": r.end,
                              "bundle_start": r.out_start, "bundle_end": r.out_end,
                              "reason": r.reason} for r in view.replacements],
        })
    return {
        "bundle_id": plan.bundle_id,
        "created": plan.created.isoformat(timespec="seconds"),
        "clearance": plan.clearance.value,
        "plain": plan.plain,
        "recipients": [r.name for r in plan.recipients],
        "sealed": sealed,
        "out": out,
        "counts": plan.counts(),
        "records": records,
        "attachments": [{"attachment": a.attachment_id, "record": a.record_id,
                         "status": a.status, "reason": a.reason, "path": a.path}
                        for a in plan.attachments],
        "documents": sorted(plan.extra_documents),
        "not_searchable": [{"record": o.record_id, "field": o.field} for o in plan.too_short],
        "pictures_not_read_for": plan.unread_scripts,
        "ordinary_words": [{"record": o.record_id, "field": o.field}
                           for o in plan.ordinary_words],
        "leaks": [{"file": leak.path, "record": leak.owner.record_id,
                   "field": leak.owner.field, "bundle_field": leak.field,
                   "detector": leak.owner.kind[8:] if leak.owner.kind.startswith("finding:")
                   else None} for leak in leaks or []],
    }


#: Replacements listed on the terminal before the rest are left to the report.
SHOWN_REPLACEMENTS = 200


def summary(plan: Plan) -> list[str]:
    """A few lines for the terminal before asking to seal (no content)."""
    c = plan.counts()
    to = "a plain signed zip (public)" if plan.plain else \
        "age, to " + ", ".join(r.name for r in plan.recipients)
    lines = [
        f"bundle {plan.bundle_id}: clearance {plan.clearance.value}, {to}",
        f"  {c['records']} record(s); {c['withheld_fields']} field(s) withheld; "
        f"{c['redacted']} value(s) redacted in text",
        f"  {c['detected']} detector finding(s), {c['released']} released",
        f"  {c['attachments']} attachment(s) included, {c['attachments_withheld']} left out",
    ]
    for view in plan.views:
        redacted = sum(view.redacted.values())
        if view.withheld or redacted or view.findings:
            lines.append(f"  record {view.source_id} ({view.kind}): {len(view.withheld)} "
                         f"withheld, {redacted} redacted, {len(view.findings)} found")
    for f in plan.findings:
        if not f.released:
            lines.append(f"  finding {f.id}: a {f.kind} in record {f.record_id} field "
                         f"{f.field} (redacted; --release {f.id} to keep it)")
    for a in plan.attachments:
        if a.status != "included":
            lines.append(f"  attachment {a.attachment_id} ({a.status}): {a.reason}")
    if plan.unread_scripts and any(a.status == "included" for a in plan.attachments):
        lines.append("  pictures and pages were read by OCR for Chinese and Latin script only; "
                     "identifiers written in " + ", ".join(s.title() for s in plan.unread_scripts)
                     + " script cannot be seen in them: look at every picture yourself")
    changes = [(view.source_id, r) for view in plan.views for r in view.replacements]
    for source_id, r in changes[:SHOWN_REPLACEMENTS]:
        lines.append(f"  record {source_id} field {r.field} characters "
                     f"{r.start}-{r.end}: {r.reason}")
    if len(changes) > SHOWN_REPLACEMENTS:
        lines.append(f"  … and {len(changes) - SHOWN_REPLACEMENTS} more replacement(s) "
                     "(every one is in --report)")
    for o in plan.ordinary_words:
        lines.append(f"  note: a protected value of record {o.record_id} ({o.field}) is an "
                     "ordinary word; every use of that word in the text is replaced")
    if plan.too_short:
        lines.append(f"  {len(plan.too_short)} identifier(s) too short to search for "
                     "(one character); check the text yourself")
    return lines
