"""Commands about records: add, get, list, edit, level, fields, demo.

Thin: every rule (validation, levels, pinning, audit) lives in ``vault.records``. Content
reaches the terminal only through :func:`tui.cli.output.safe` or :func:`emit_json`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.context import Context, command, json_flag
from tui.cli.output import emit, emit_json, emit_json_array, info, safe
from tui.cli.secrets import UsageError

if TYPE_CHECKING:
    from vault.records.recordpage import RecordPage
    from vault.records.registry import Registry
    from vault.records.service import RecordService
    from vault.records.spec import FieldSpec, RecordType
    from vault.session import Vault

#: Largest JSON input accepted (a record's long texts are 1 Mi characters each).
JSON_INPUT_MAX = 64 * 1024 * 1024


def _records(vault: Vault) -> RecordService:
    service: RecordService = vault.services.records
    return service


# -- JSON input --------------------------------------------------------------------------

def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    from vault.errors import InvalidInput
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise InvalidInput("the JSON input names the same key twice in one object")
        seen[key] = value
    return seen


def _no_constant(_name: str) -> Any:
    from vault.errors import InvalidInput
    raise InvalidInput("the JSON input holds NaN or Infinity, which JSON does not allow")


def parse_json(text: str) -> Any:
    """JSON from the user: strict (no duplicate keys, no NaN), errors without content."""
    from vault.errors import InvalidInput
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the JSON input is malformed (line {exc.lineno}, column "
                           f"{exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InvalidInput("the JSON input is nested too deeply") from None
    except ValueError:  # an integer of more than 4,300 digits (Python's int parsing limit)
        raise InvalidInput("the JSON input holds a number with too many digits") from None


def read_json_file(name: str) -> Any:
    """JSON from a file (UTF-8, a byte-order mark allowed) or, for ``-``, standard input
    (after the passphrase line when it is read from there too)."""
    from vault.errors import InvalidInput
    if name == "-":
        text = sys.stdin.read(JSON_INPUT_MAX + 1)
    else:
        try:
            with open(name, "rb") as fh:
                raw = fh.read(JSON_INPUT_MAX + 1)
        except OSError as exc:
            raise InvalidInput(f"cannot read {name}: {exc.strerror}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(f"{name} is not UTF-8 text") from None
    if len(text) > JSON_INPUT_MAX:
        raise InvalidInput("the JSON input is larger than 64 MiB")
    return parse_json(text.removeprefix("\ufeff"))


def _json_source(ctx: Context) -> Any:
    """Read a file before asking for the passphrase (fail early); ``-`` after it."""
    name: str = ctx.args.json_input
    return None if name == "-" else read_json_file(name)


# -- add ---------------------------------------------------------------------------------

def _add_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", help="person, source, testimony, detention, act, involvement, "
                                "case, intervention")
    p.add_argument("--json", dest="json_input", metavar="FILE", required=True,
                   help="the record as JSON (a file, or - for standard input)")


@command("add", "add a record from JSON; prints its id", _add_args)
def cmd_add(ctx: Context) -> int:
    data = _json_source(ctx)
    with ctx.unlocked_vault() as vault:
        if data is None:
            data = read_json_file("-")
        rid = _records(vault).add(ctx.args.kind, data)
        _flag_ordinary_words(vault, rid)
    emit(rid)
    return 0


def _flag_ordinary_words(vault: Vault, rid: str) -> None:
    """Say when a protected value is an ordinary word (it will redact ordinary text)."""
    from vault.export.ordinary import ordinary_fields

    service = _records(vault)
    for name in ordinary_fields(service.get(rid), service.registry):
        info(f"note: the field {name} of record {rid} holds an ordinary word; exports "
             "replace every use of that word in text, so add a fuller form if you can")


# -- get ---------------------------------------------------------------------------------

def _get_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="a record id or a unique prefix of one")
    json_flag(p)


def _show_value(page: RecordPage, spec: FieldSpec, value: Any) -> list[str]:
    """One line per item: the words of :mod:`vault.records.present`, with the code or
    id beside them (what ``edit --set`` takes), escaped for the terminal."""
    from vault.records import present
    from vault.records.spec import FieldKind
    codes = value if isinstance(value, list) else [value]
    lines: list[str] = []
    for code, text in zip(codes, present.items(spec, value, page.titles), strict=True):
        if spec.kind == FieldKind.ENUM:
            lines.append(code if text == code else f"{code} ({text})")
        elif spec.kind == FieldKind.REFERENCE:
            target = page.linked.get(str(code))
            lines.append(f"{code} ({target.kind}: {safe(target.title, single_line=True)})"
                         if target is not None else str(code))
        elif spec.kind == FieldKind.POSITIONS:
            lines.append(safe(text, single_line=True))
        else:
            lines.append(safe(text))
    return lines


def print_record(service: RecordService, page: RecordPage) -> None:
    """A record as text: each value with its level, content made safe for a terminal."""
    record = page.record
    rtype = service.registry.type(record.kind)
    emit(f"{record.kind} {record.id}  {safe(record.title, single_line=True)}")
    emit(f"created {record.created}  updated {record.updated}")
    for name, spec in rtype.fields.items():
        if name not in record.fields:
            continue
        level = record.levels.get(name, spec.default_level)
        marks = " pinned" if spec.pinned else ""
        values = _show_value(page, spec, record.fields[name])
        head = f"{name} [{level}{marks}]:"
        if len(values) == 1 and "\n" not in values[0]:
            emit(f"  {head} {values[0]}")
            continue
        emit(f"  {head}")
        for value in values:
            for line in value.split("\n"):
                emit(f"      {line}")


@command("get", "show a record, each value with its level", _get_args)
def cmd_get(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        service = _records(vault)
        page = service.record_page(ctx.args.id)
        origin = page.provenance
        if ctx.json:
            emit_json({**page.record.to_json(), **({"provenance": origin} if origin else {})})
        else:
            print_record(service, page)
            if origin:
                emit(f"provenance: {safe(origin, single_line=True)}")
    return 0


# -- list --------------------------------------------------------------------------------

def _list_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", nargs="?", help="only records of this kind")
    p.add_argument("--case", metavar="ID", help="only records grouped in this case")
    json_flag(p)


@command("list", "list records (of a kind, in a case)", _list_args)
def cmd_list(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        # Streamed a page at a time: flat memory at a million records.
        rows = _records(vault).iter_summaries(ctx.args.kind, case=ctx.args.case)
        if ctx.json:
            emit_json_array(row.to_json() for row in rows)
        else:
            for row in rows:
                emit(f"{row.id}  {row.kind:<12} {safe(row.title, single_line=True)}")
    return 0


# -- edit and level ----------------------------------------------------------------------

def _edit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="a record id or a unique prefix of one")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--set", action="append", metavar="FIELD=VALUE", dest="assignments",
                       help="set a field (repeatable); FIELD= removes it; lists as JSON or "
                            "items separated by ;")
    group.add_argument("--json", dest="json_input", metavar="FILE",
                       help="the changes as a JSON object (a file, or - for standard input)")


def _assignments(registry: Registry, kind: str, pairs: list[str]) -> dict[str, Any]:
    from vault.records.present import from_text
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise UsageError("--set takes FIELD=VALUE")
        spec = registry.field(kind, name)
        changes[name] = from_text(spec, raw)
    return changes


@command("edit", "change fields of a record", _edit_args)
def cmd_edit(ctx: Context) -> int:
    from vault.errors import InvalidInput
    changes = _json_source(ctx) if ctx.args.json_input else None
    with ctx.unlocked_vault() as vault:
        service = _records(vault)
        if ctx.args.json_input == "-":
            changes = read_json_file("-")
        if changes is None:
            kind = service.get(ctx.args.id).kind
            changes = _assignments(service.registry, kind, ctx.args.assignments)
        if not isinstance(changes, dict):
            raise InvalidInput("the changes must be a JSON object of field names and values")
        record = service.edit(ctx.args.id, changes)
        _flag_ordinary_words(vault, record.id)
    info(f"record {record.id} changed")
    return 0


def _level_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", help="a record id or a unique prefix of one")
    p.add_argument("field", help="the field's name")
    p.add_argument("level", help="public, partner or private")


@command("level", "set the redaction level of one field of one record", _level_args)
def cmd_level(ctx: Context) -> int:
    with ctx.unlocked_vault() as vault:
        record = _records(vault).set_level(ctx.args.id, ctx.args.field, ctx.args.level)
    info(f"{ctx.args.field} of record {record.id} is now {record.levels[ctx.args.field]}")
    return 0


# -- fields ------------------------------------------------------------------------------

def _fields_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("words", nargs="*", metavar="[KIND] | add KIND NAME",
                   help="a kind to show its fields, or 'add KIND NAME' to add a custom field")
    p.add_argument("--kind", dest="field_kind", metavar="K",
                   help="with add: text, long_text, identifier, date, bool, integer, reference")
    p.add_argument("--label", help="with add: the label shown in forms")
    p.add_argument("--level", help="with add: the default level (public, partner, private)")
    p.add_argument("--identifier", action="store_true",
                   help="with add: the value can single a person out")
    p.add_argument("--multi", action="store_true", help="with add: a list of values")
    p.add_argument("--ref", action="append", default=[], metavar="KIND",
                   help="with add --kind reference: a kind it may point to (repeatable)")
    json_flag(p)


def spec_json(spec: FieldSpec) -> dict[str, Any]:
    """A field's declaration as ``fields --json`` prints it."""
    from vault.records.spec import FieldKind
    from vault.records.vocab import VOCABULARIES
    out: dict[str, Any] = {
        "name": spec.name, "kind": spec.kind.value, "label": spec.label,
        "default_level": spec.default_level.value, "identifier": spec.identifier,
        "pinned": spec.pinned, "multi": spec.multi, "required": spec.required,
        "free_text": spec.free_text, "max_length": spec.max_length, "custom": spec.custom,
    }
    if spec.vocabulary:
        out["vocabulary"] = spec.vocabulary
        out["codes"] = list(VOCABULARIES[spec.vocabulary].codes())
    if spec.kind == FieldKind.REFERENCE:
        out["ref_kinds"] = list(spec.ref_kinds)
    return out


def type_json(rtype: RecordType) -> dict[str, Any]:
    """A record type as ``fields --json`` prints it."""
    return {"kind": rtype.name, "label": rtype.label, "title_field": rtype.title_field,
            "fields": [spec_json(s) for s in rtype.fields.values()]}


def _print_type(rtype: RecordType) -> None:
    emit(f"{rtype.name} — {rtype.label}")
    for spec in rtype.fields.values():
        marks = [m for m, on in (("identifier", spec.identifier), ("pinned", spec.pinned),
                                 ("list", spec.multi), ("required", spec.required),
                                 ("custom", spec.custom)) if on]
        kind = spec.kind.value + (f":{spec.vocabulary}" if spec.vocabulary else "")
        emit(f"  {spec.name:<26} {kind:<32} {spec.default_level.value:<8} "
             f"{' '.join(marks):<18} {safe(spec.label, single_line=True)}")


@command("fields", "show record types and fields; 'fields add' adds a custom field",
         _fields_args)
def cmd_fields(ctx: Context) -> int:
    from vault.layout import Layout
    from vault.records.registry import BUILTIN
    words: list[str] = ctx.args.words
    if words and words[0] == "add":
        if len(words) != 3 or not ctx.args.field_kind:
            raise UsageError("usage: evault fields add KIND NAME --kind K [--label L] "
                             "[--level L] [--identifier]")
        with ctx.unlocked_vault() as vault:
            spec = _records(vault).add_field(
                words[1], words[2], ctx.args.field_kind, label=ctx.args.label,
                level=ctx.args.level, identifier=ctx.args.identifier, multi=ctx.args.multi,
                ref_kinds=ctx.args.ref)
        info(f"added the field {spec.name} to {words[1]} ({spec.kind.value}, "
             f"{spec.default_level.value}{', pinned' if spec.pinned else ''})")
        return 0
    if len(words) > 1:
        raise UsageError("usage: evault fields [KIND] | evault fields add KIND NAME --kind K")
    registry: Registry = BUILTIN
    if Layout(ctx.vault_path).exists():  # with a vault, include its custom fields
        with ctx.unlocked_vault() as vault:
            registry = _records(vault).registry
    types = [registry.type(words[0])] if words else registry.types()
    if ctx.json:
        emit_json(type_json(types[0]) if words else [type_json(t) for t in types])
    else:
        for rtype in types:
            _print_type(rtype)
    return 0


# -- demo --------------------------------------------------------------------------------

def _demo_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--force", action="store_true",
                   help="replace an existing demo vault (never a real one)")
    p.add_argument("--seed", type=int, default=None,
                   help="seed for the fictional data (the same seed gives the same data)")


@command("demo", "create a demo vault of fictional data (passphrase: demo)", _demo_args)
def cmd_demo(ctx: Context) -> int:
    from vault.records import demo
    from vault.session import params_for_new_vault
    path = Path(ctx.vault_path)
    demo.refuse_to_replace(path, force=ctx.args.force)
    params, note = params_for_new_vault(progress=info)
    seed = demo.DEFAULT_SEED if ctx.args.seed is None else ctx.args.seed
    created = demo.create(path, params=params, kdf_note=note, seed=seed,
                          force=ctx.args.force)
    with created.vault as vault:
        counts = {kind: _records(vault).count(kind) for kind in _records(vault).registry.kinds()}
    if note:
        info(f"warning: {note}")
    info(f"created a demo vault at {path}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    info("Everything in it is fictional, so its passphrase is not secret.")
    emit(f"passphrase: {demo.DEMO_PASSPHRASE}")
    emit(f"recovery key: {created.recovery_key}")
    return 0
