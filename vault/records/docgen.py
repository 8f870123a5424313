"""The generated part of docs/records.md: every record type, field and vocabulary, from
the registry. ``python -m vault.records.docgen --write`` rewrites that part (between the
``BEGIN GENERATED`` and ``END GENERATED`` markers) and docs/record.schema.json; a test
fails when either is out of date, so the docs cannot drift from the code."""

from __future__ import annotations

import sys
from pathlib import Path

from vault.records import jsonschema
from vault.records.registry import BUILTIN, Registry
from vault.records.spec import FieldKind, FieldSpec
from vault.records.vocab import VOCABULARIES

BEGIN = "<!-- BEGIN GENERATED: python -m vault.records.docgen --write -->"
END = "<!-- END GENERATED -->"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def _kind(spec: FieldSpec) -> str:
    text = spec.kind.value
    if spec.kind == FieldKind.ENUM:
        text += f" ([{spec.vocabulary}](#{spec.vocabulary}))"
    if spec.kind == FieldKind.REFERENCE:
        text += f" → {' or '.join(spec.ref_kinds) or 'any kind'}"
    if spec.multi and spec.kind != FieldKind.POSITIONS:
        text = f"list of {text}"
    return text


def _marks(spec: FieldSpec) -> str:
    marks = [m for m, on in (("required", spec.required), ("identifier", spec.identifier),
                             ("**pinned**", spec.pinned), ("free text", spec.free_text)) if on]
    return ", ".join(marks)


def generated(registry: Registry = BUILTIN) -> str:
    """The markdown between the markers."""
    out: list[str] = []
    for rtype in registry.types():
        out += [f"### {rtype.name}", "", f"{rtype.label}. {rtype.help}", "",
                f"Title in lists: `{rtype.title_field}`"
                + (f", else {', '.join(f'`{n}`' for n in rtype.title_fallback)}"
                   if rtype.title_fallback else "")
                + (f". Main date: `{rtype.date_field}`." if rtype.date_field else "."), "",
                "| field | kind | default level | marks | label |",
                "|---|---|---|---|---|"]
        for spec in rtype.fields.values():
            label = spec.label + (f": {spec.help}" if spec.help else "")
            out.append(f"| `{spec.name}` | {_kind(spec)} | {spec.default_level.value} | "
                       f"{_marks(spec)} | {label.replace('|', '/')} |")
        out.append("")
    out += ["### Vocabularies", ""]
    for vocab in VOCABULARIES.values():
        out += [f"#### {vocab.name}", "", f"Reference: {vocab.reference}.", "",
                "| code | English | 中文 |", "|---|---|---|"]
        out += [f"| `{t.code}` | {t.en} | {t.zh} |" for t in vocab.terms]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def splice(document: str, registry: Registry = BUILTIN) -> str:
    """``document`` with its generated part brought up to date."""
    start = document.index(BEGIN) + len(BEGIN)
    end = document.index(END)
    return document[:start] + "\n\n" + generated(registry) + "\n" + document[end:]


def main(argv: list[str]) -> int:
    """``--write`` updates the docs; without it, exit 1 when they are out of date."""
    records_md = DOCS / "records.md"
    schema = DOCS / "record.schema.json"
    current = records_md.read_text(encoding="utf-8")
    wanted = splice(current)
    wanted_schema = jsonschema.dumps()
    if "--write" in argv:
        records_md.write_text(wanted, encoding="utf-8")
        schema.write_text(wanted_schema, encoding="utf-8")
        return 0
    stale = current != wanted or schema.read_text(encoding="utf-8") != wanted_schema
    return 1 if stale else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
