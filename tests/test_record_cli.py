"""The record commands through the real command line: output contracts of DESIGN.md,
exit codes, one-line errors, nothing written on failure, content never raw on a terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSPHRASE, Result, run_cli_process
from tests.record_samples import MIXED, full_record, seed_references
from vault.records.registry import BUILTIN
from vault.records.service import RecordService
from vault.session import Vault

ID_LINE = re.compile(r"[0-9a-f]{16}\n")


def _add(cli: Any, tmp_path: Path, kind: str, data: Any) -> str:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = cli("add", kind, "--json", str(path))
    assert result.code == 0, result.err
    assert ID_LINE.fullmatch(result.out)
    return str(result.out.strip())


def _get(cli: Any, rid: str) -> dict[str, Any]:
    result = cli("get", rid, "--json")
    assert result.code == 0, result.err
    parsed: dict[str, Any] = json.loads(result.out)
    return parsed


def _one_error_line(result: Result) -> str:
    assert result.code == 1, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.err
    assert "Traceback" not in result.err
    return lines[0]


def _count(vault_path: Path) -> tuple[int, int]:
    with Vault.open(vault_path) as vault:
        vault.unlock(PASSPHRASE)
        return vault.services.records.count(), len(vault.store.audit_entries())


@pytest.fixture
def refs(new_vault: Vault) -> dict[str, list[str]]:
    svc: RecordService = new_vault.services.records
    found = seed_references(svc)
    new_vault.close()
    return found


@pytest.mark.parametrize("kind", BUILTIN.kinds())
def test_add_then_get_json_round_trips_every_type(cli: Any, refs: dict[str, list[str]],
                                                  tmp_path: Path, kind: str) -> None:
    data = full_record(kind, refs, salt=3)
    rid = _add(cli, tmp_path, kind, data)
    got = _get(cli, rid)
    assert list(got) == ["id", "kind", "fields", "levels"]
    assert got["id"] == rid and got["kind"] == kind
    assert got["fields"] == data
    assert got["levels"] == {n: BUILTIN.field(kind, n).default_level.value for n in data}
    # get --json output fed back to add makes an identical copy
    copy = cli("add", kind, "--json", "-", stdin=PASSPHRASE + "\n" + json.dumps(got))
    assert copy.code == 0, copy.err
    assert _get(cli, copy.out.strip())["fields"] == data


def test_add_from_stdin_in_a_real_process(cli_vault: Any, vault_path: Path) -> None:
    record = {"narrative": MIXED[0], "title": "t", "levels": {"title": "public"}}
    stdin = PASSPHRASE + "\n" + json.dumps(record, ensure_ascii=False)
    result = run_cli_process(["--vault", str(vault_path), "add", "testimony", "--json", "-",
                              "--passphrase-stdin"], stdin=stdin)
    assert result.code == 0, result.err
    assert ID_LINE.fullmatch(result.out)
    got = _get(cli_vault, result.out.strip()[:5])
    assert got["fields"] == {"narrative": MIXED[0], "title": "t"}
    assert got["levels"] == {"narrative": "partner", "title": "public"}


def test_get_text_shows_levels_and_never_raw_escapes(cli_vault: Any, tmp_path: Path) -> None:
    rid = _add(cli_vault, tmp_path, "testimony",
               {"narrative": MIXED[4], "title": "evil \x1b]0;owned\x07 title",
                "language": "zh", "levels": {"language": "public"}})
    result = cli_vault("get", rid[:6])
    assert result.code == 0
    for raw in ("\x1b", "\x07", "\x00", "\x9b", "\u202b", "\r"):
        assert raw not in result.out
    assert "\\x1b" in result.out
    assert "language [public]: zh" in result.out
    assert "narrative [partner]:" in result.out
    listed = cli_vault("list")
    assert "\x1b" not in listed.out and rid in listed.out
    as_json = cli_vault("get", rid, "--json")
    assert "\x1b" not in as_json.out and json.loads(as_json.out)["fields"]["narrative"] == MIXED[4]


def test_list_json_kinds_and_case(cli_vault: Any, tmp_path: Path) -> None:
    person = _add(cli_vault, tmp_path, "person",
                  {"name": "Zhang Moujia", "name_original": "张某甲"})
    act = _add(cli_vault, tmp_path, "act", {"type": "torture", "victims": [person]})
    case = _add(cli_vault, tmp_path, "case", {"title": "Case", "records": [act]})
    everything = json.loads(cli_vault("list", "--json").out)
    assert everything == [{"id": person, "kind": "person", "title": "Zhang Moujia"},
                          {"id": act, "kind": "act", "title": "torture"},
                          {"id": case, "kind": "case", "title": "Case"}]
    assert [r["id"] for r in json.loads(cli_vault("list", "person", "--json").out)] == [person]
    in_case = json.loads(cli_vault("--json", "list", "--case", case[:5]).out)
    assert [r["id"] for r in in_case] == [act]
    text = cli_vault("list", "act").out
    assert text.startswith(act) and "torture" in text


def test_edit_with_set_and_with_json(cli_vault: Any, tmp_path: Path) -> None:
    rid = _add(cli_vault, tmp_path, "person", {"name": "A", "notes": "n"})
    result = cli_vault("edit", rid[:6], "--set", "aliases=Al; 阿", "--set", "notes=",
                       "--set", "birth_date=~1970", "--set", "roles=[\"victim\",\"witness\"]")
    assert result.code == 0, result.err
    assert _get(cli_vault, rid)["fields"] == {
        "name": "A", "aliases": ["Al", "阿"], "birth_date": "~1970",
        "roles": ["victim", "witness"]}
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"aliases": None, "levels": {"name": "public"}}))
    assert cli_vault("edit", rid, "--json", str(changes)).code == 0
    got = _get(cli_vault, rid)
    assert "aliases" not in got["fields"] and got["levels"]["name"] == "public"
    bad = cli_vault("edit", rid, "--set", "birth_date=2019-02-30")
    assert "birth_date" in _one_error_line(bad)
    assert cli_vault("edit", rid, "--set", "nofield").code == 2


def test_level_command_and_pinned_refusal(cli_vault: Any, tmp_path: Path,
                                          vault_path: Path) -> None:
    person = _add(cli_vault, tmp_path, "person", {"name": "P"})
    assert cli_vault("level", person[:6], "name", "public").code == 0
    assert _get(cli_vault, person)["levels"]["name"] == "public"
    source = _add(cli_vault, tmp_path, "source", {"name": "S", "phones": ["+86 100"]})
    for field, level in [("name", "public"), ("phones", "partner")]:
        result = cli_vault("level", source, field, level)
        assert result.code == 5
        line = result.err.strip()
        assert line.startswith("error: ") and field in line and "\n" not in line
    assert _get(cli_vault, source)["levels"] == {"name": "private", "phones": "private"}
    pinned_json = tmp_path / "pinned.json"
    pinned_json.write_text(json.dumps({"name": "S2", "levels": {"name": "public"}}))
    assert cli_vault("add", "source", "--json", str(pinned_json)).code == 5
    assert cli_vault("edit", source, "--json", str(pinned_json)).code == 5
    with Vault.open(vault_path) as vault:
        vault.unlock(PASSPHRASE)
        entries = vault.store.audit_entries()
    actions = [(e.action, e.record, e.field) for e in entries]
    assert ("level.change", person, "name") in actions
    assert actions.count(("level.refused", source, "name")) == 2
    assert ("level.refused", source, "phones") in actions
    assert ("level.refused", None, "name") in actions
    assert "S2" not in json.dumps([e.detail for e in entries])


BAD_INPUTS = [
    ("persn", '{"name": "x"}', "persn"),
    ("person", '{"nmae": "x"}', "nmae"),
    ("person", '{"name": 12}', "name"),
    ("person", '{"birth_date": "2019-02-30"}', "birth_date"),
    ("detention", '{"detainee": "0123456789abcdef", "type": "rsdl"}', "detainee"),
    ("person", '{"notes": "' + "x" * 1_048_577 + '"}', "notes"),
    ("person", '{"name": "x",}', "malformed"),
    ("person", '{"name": "a", "name": "b"}', "twice"),
    ("person", '{"name": NaN}', "NaN"),
    ("person", '["name"]', "JSON object"),
    ("person", "", "malformed"),
]


@pytest.mark.parametrize(("kind", "text", "named"), BAD_INPUTS)
def test_bad_input_is_one_error_line_and_nothing_written(
        cli_vault: Any, tmp_path: Path, vault_path: Path, kind: str, text: str,
        named: str) -> None:
    before = _count(vault_path)
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    line = _one_error_line(cli_vault("add", kind, "--json", str(path)))
    assert named in line
    line = _one_error_line(cli_vault("add", kind, "--json", "-", stdin=PASSPHRASE + "\n" + text))
    assert named in line
    assert _count(vault_path) == before


def test_unreadable_input_files(cli_vault: Any, tmp_path: Path) -> None:
    assert "cannot read" in _one_error_line(
        cli_vault("add", "person", "--json", str(tmp_path / "missing.json")))
    latin = tmp_path / "latin1.json"
    latin.write_bytes('{"name": "Jos\xe9"}'.encode("latin-1"))
    assert "UTF-8" in _one_error_line(cli_vault("add", "person", "--json", str(latin)))
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps({"name": "BOM"}).encode())
    assert cli_vault("add", "person", "--json", str(bom)).code == 0


def test_fields_listing_and_custom_fields(cli_vault: Any, tmp_path: Path) -> None:
    listing = json.loads(cli_vault("fields", "--json").out)
    assert [t["kind"] for t in listing] == list(BUILTIN.kinds())
    detention = json.loads(cli_vault("fields", "detention", "--json").out)
    types = next(f for f in detention["fields"] if f["name"] == "type")
    assert "rsdl" in types["codes"] and types["required"]
    assert "pinned" in cli_vault("fields", "source").out
    added = cli_vault("fields", "add", "person", "wechat_id", "--kind", "text",
                      "--identifier", "--label", "WeChat ID")
    assert added.code == 0, added.err
    spec = next(f for f in json.loads(cli_vault("fields", "person", "--json").out)["fields"]
                if f["name"] == "wechat_id")
    assert spec["identifier"] and spec["custom"] and spec["default_level"] == "private"
    rid = _add(cli_vault, tmp_path, "person", {"name": "C", "wechat_id": "demo_1"})
    assert _get(cli_vault, rid)["fields"]["wechat_id"] == "demo_1"
    assert cli_vault("fields", "add", "source", "signal", "--kind", "identifier",
                     "--level", "public").code == 5
    assert cli_vault("fields", "add", "person", "name", "--kind", "text").code == 1
    assert cli_vault("fields", "add", "person", "Bad-Name", "--kind", "text").code == 1
    assert cli_vault("fields", "add", "person", "x").code == 2


def test_unknown_ids(cli_vault: Any) -> None:
    assert "no record" in _one_error_line(cli_vault("get", "abcdef0123"))
    assert "not a record id" in _one_error_line(cli_vault("get", "xyz"))


def test_fields_without_a_vault_lists_the_built_in_types(cli: Any) -> None:
    result = cli("fields", "detention", "--json", passphrase=False, stdin="")
    assert result.code == 0, result.err
    assert json.loads(result.out)["kind"] == "detention"
