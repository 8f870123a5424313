"""Spreadsheet import: encodings found without being told, CSV/XLSX/JSON Lines, the
row-by-row dry run, all or nothing, faithful text, pinned fields."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from vault.errors import InvalidInput
from vault.importer import commit, plan
from vault.importer.encoding import decode
from vault.session import Vault

ZH = "王某某，维吾尔族，2019年被指定居所监视居住。𠀀"  # 𠀀 is a four-byte GB18030 character


def records_of(vault: Vault) -> Any:
    return vault.services.records


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def snapshot(vault_path: Path, cli: Any) -> tuple[int, int]:
    """(records, audit entries) as the vault holds them now."""
    with Vault.open(vault_path) as vault:
        vault.unlock("correct horse battery staple")
        return records_of(vault).count(), len(vault.store.audit_entries())


def all_records(vault_path: Path) -> list[Any]:
    with Vault.open(vault_path) as vault:
        vault.unlock("correct horse battery staple")
        return list(records_of(vault).iter_records())


# -- encodings --------------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "label"), [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gb18030", "GB18030"),
    ("utf-16", "UTF-16 (BOM)"),
])
def test_csv_encodings_are_detected(cli_vault: Any, tmp_path: Path, vault_path: Path,
                                    encoding: str, label: str) -> None:
    src = write_csv(tmp_path / "people.csv",
                    [["Name", "Name original", "Notes"],
                     ["Wang", "王某某", ZH], ["Li", "李某", "律师被拒绝会见"]], encoding)
    dry = cli_vault("import", str(src), "--kind", "person", "--dry-run", "--json")
    assert dry.code == 0, dry.err
    report = json.loads(dry.out)
    assert report["encoding"] == label and report["accepted"] == 2 and not report["rejected"]
    done = cli_vault("import", str(src), "--kind", "person")
    assert done.code == 0, done.err
    ids = done.out.split()
    assert len(ids) == 2
    stored = {r.fields["name"]: r.fields for r in all_records(vault_path)}
    assert stored["Wang"]["name_original"] == "王某某" and stored["Wang"]["notes"] == ZH
    found = json.loads(cli_vault("search", "会见", "--json").out)
    assert [f["id"] for f in found] == [ids[1]]


def test_decode_rules() -> None:
    assert decode(ZH.encode("gb18030")).text == ZH
    assert decode(codecs.BOM_UTF16_BE + ZH.encode("utf-16-be")).encoding == "UTF-16 (BOM)"
    assert decode(b"\xef\xbb\xbfa,b").text == "a,b"
    assert decode("café".encode("cp1252"), "cp1252").text == "café"
    with pytest.raises(InvalidInput):
        decode(b"\xff\xfe\x00")  # a UTF-16 mark and half a character
    with pytest.raises(InvalidInput):
        decode("a,b".encode("utf-16-le"))  # no mark: refused, never guessed
    with pytest.raises(InvalidInput):
        decode(b"\x80\x80\xff")
    with pytest.raises(InvalidInput):
        decode(b"abc", "no-such-encoding")


# -- formats ------------------------------------------------------------------------------

def test_xlsx_with_dates_numbers_and_lists(cli_vault: Any, tmp_path: Path,
                                          vault_path: Path) -> None:
    import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["  NAME ", "Date of birth", "Phone numbers", "aliases", "roles", "别名"])
    sheet.append(["Zhang", datetime.datetime(1970, 1, 2), 13800138000,
                  "Zhang San; 张三 | Lao Zhang", "victim;Witness", None])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["Chen", "1980-07", None, None, "律师", None])
    book.create_sheet("second")
    src = tmp_path / "people.xlsx"
    book.save(src)
    dry = cli_vault("import", str(src), "--kind", "person", "--dry-run",
                    "--map", "别名=")
    assert dry.code == 0, dry.out + dry.err
    assert "first of 2 sheets" in dry.out and "(skipped)" in dry.out
    done = cli_vault("import", str(src), "--kind", "person", "--map", "别名=")
    assert done.code == 0, done.err
    by_name = {r.fields["name"]: r.fields for r in all_records(vault_path)}
    zhang = by_name["Zhang"]
    assert zhang["birth_date"] == "1970-01-02"
    assert zhang["phones"] == ["13800138000"]
    assert zhang["aliases"] == ["Zhang San", "张三", "Lao Zhang"]
    assert zhang["roles"] == ["victim", "witness"]
    assert by_name["Chen"]["roles"] == ["lawyer"] and by_name["Chen"]["birth_date"] == "1980-07"


def test_json_lines_and_json_array(cli_vault: Any, tmp_path: Path, vault_path: Path) -> None:
    lines = [{"name": "A", "aliases": ["a1", "a2"], "levels": {"name": "public"}},
             {"Name": "B", "positions": [{"organisation": "Public Security Bureau",
                                          "rank": "director", "from": "2015"}]}]
    src = tmp_path / "people.jsonl"
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n")
    assert cli_vault("import", str(src), "--kind", "person").code == 0
    array = tmp_path / "more.json"
    array.write_text(json.dumps([{"name": "C"}]))
    assert cli_vault("import", str(array), "--kind", "person").code == 0
    stored = {r.fields["name"]: r for r in all_records(vault_path)}
    assert set(stored) == {"A", "B", "C"}
    assert stored["A"].fields["aliases"] == ["a1", "a2"] and stored["A"].levels["name"] == "public"
    assert stored["B"].fields["positions"][0]["organisation"] == "Public Security Bureau"


# -- big files and progress ---------------------------------------------------------------

def test_thousands_of_rows_with_progress(new_vault: Vault, tmp_path: Path) -> None:
    rows = [["name", "notes"]] + [[f"Person {i}", f"第{i}号 testimony {i}"] for i in range(3000)]
    src = write_csv(tmp_path / "many.csv", rows)
    seen: list[tuple[int, int]] = []
    records = records_of(new_vault)
    prepared = plan(records, src, "person", progress=lambda d, t: seen.append((d, t)))
    assert not prepared.problems and len(prepared.rows) == 3000
    assert seen[-1] == (3000, 3000) and len(seen) >= 3
    done: list[tuple[int, int]] = []
    ids = commit(records, prepared, progress=lambda d, t: done.append((d, t)))
    assert len(ids) == 3000 and records.count("person") == 3000
    assert done[-1] == (3000, 3000)
    assert records.get(ids[1234]).fields["name"] == "Person 1234"


def test_cli_progress_line_on_stderr(cli_vault: Any, tmp_path: Path) -> None:
    rows = [["name"]] + [[f"P{i}"] for i in range(2500)]
    src = write_csv(tmp_path / "many.csv", rows)
    result = cli_vault("import", str(src), "--kind", "person")
    assert result.code == 0, result.err
    assert "\rimporting: 2,000 / 2,500 rows" in result.err
    assert "imported 2,500 person records" in result.err
    assert len(result.out.split()) == 2500


# -- the dry run and all-or-nothing -----------------------------------------------------------

SECRET = "13912345678"


def bad_file(tmp_path: Path) -> Path:
    rows = [["Name", "Birth date", "Phones", "Sex", "Mystery"]]
    for i in range(40):
        rows.append([f"P{i}", "1990-01-01", SECRET, "", ""])
    rows[11][1] = "2019-02-30"          # row 12: not a real date
    rows[21][3] = "dragon"              # row 22: not a code of the vocabulary
    rows[31][0] = "x" * 5000            # row 32: over the size limit of a name
    return write_csv(tmp_path / "bad.csv", rows)


def test_dry_run_reports_row_field_reason_never_values(cli_vault: Any, tmp_path: Path,
                                                       vault_path: Path) -> None:
    src = bad_file(tmp_path)
    before = snapshot(vault_path, cli_vault)
    result = cli_vault("import", str(src), "--kind", "person", "--dry-run", "--json")
    assert result.code == 1
    report = json.loads(result.out)
    problems = {(p["row"], p["field"]) for p in report["rejected"]}
    assert problems == {(1, None), (12, "birth_date"), (22, "sex"), (32, "name")}
    header = next(p for p in report["rejected"] if p["row"] == 1)
    assert "Mystery" in header["reason"] and "--map" in header["reason"]
    assert report["rows"] == 40 and report["accepted"] == 37
    assert SECRET not in result.out and "2019-02-30" not in result.out
    assert "dragon" not in result.out and "xxxxx" not in result.out
    text = cli_vault("import", str(src), "--kind", "person", "--dry-run", "--map", "mystery=")
    assert text.code == 1
    assert "row 12: person field 'birth_date':" in text.out or "row 12: field" in text.out
    assert "nothing was written" in text.out
    assert snapshot(vault_path, cli_vault) == before


def test_a_bad_row_in_the_middle_writes_nothing(cli_vault: Any, tmp_path: Path,
                                               vault_path: Path) -> None:
    rows = [["name", "birth_date"]] + [[f"P{i}", "1990"] for i in range(50)]
    rows[26][1] = "2019-02-30"
    src = write_csv(tmp_path / "middle.csv", rows)
    assert cli_vault("import", str(write_csv(tmp_path / "ok.csv", rows[:3])),
                     "--kind", "person").code == 0
    before = snapshot(vault_path, cli_vault)
    result = cli_vault("import", str(src), "--kind", "person")
    assert result.code == 1
    assert result.err.count("\n") == 1 and result.err.startswith("error: ")
    assert "row 27" in result.err and "birth_date" in result.err
    assert "2019-02-30" not in result.err
    assert snapshot(vault_path, cli_vault) == before


def test_missing_reference_rejected_with_row(new_vault: Vault, tmp_path: Path) -> None:
    src = tmp_path / "t.jsonl"
    src.write_text('{"narrative": "ok"}\n{"source": "ffffffffffffffff", "narrative": "x"}\n'
                   "{not json\n[1, 2]\n")
    prepared = plan(records_of(new_vault), src, "testimony")
    assert [(p.row, p.field) for p in prepared.problems] == [(2, "source"), (3, None),
                                                             (4, None)]
    assert "not valid JSON" in prepared.problems[1].reason
    with pytest.raises(InvalidInput, match="^row 3: not valid JSON$"):
        commit(records_of(new_vault), plan(records_of(new_vault), src, "testimony",
                                           validate=False))
    src.write_text('{"narrative": "ok"}\n{"source": "ffffffffffffffff", "narrative": "x"}\n')
    with pytest.raises(InvalidInput, match="^row 2: testimony field 'source': "):
        commit(records_of(new_vault), plan(records_of(new_vault), src, "testimony",
                                           validate=False))
    assert records_of(new_vault).count() == 0


# -- faithful text, pinned fields, bad files ----------------------------------------------------

def test_control_characters_are_stored_faithfully(cli_vault: Any, tmp_path: Path,
                                                 vault_path: Path) -> None:
    hostile = "\x1b]0;owned\x07\x1b[2J\x1b[31mred\x1b[0m \u202eevil\u202c\r\nline 2\t|x"
    src = write_csv(tmp_path / "hostile.csv", [["name", "notes"], ["Esc", hostile]])
    result = cli_vault("import", str(src), "--kind", "person", "--dry-run")
    assert result.code == 0
    result = cli_vault("import", str(src), "--kind", "person")
    assert result.code == 0 and "\x1b" not in result.out + result.err
    [stored] = all_records(vault_path)
    assert stored.fields["notes"] == hostile
    shown = cli_vault("search", "evil")
    assert shown.code == 0 and "\x1b" not in shown.out and "\u202e" not in shown.out


def test_pinned_source_fields_cannot_be_lowered_by_import(cli_vault: Any, tmp_path: Path,
                                                         vault_path: Path) -> None:
    src = tmp_path / "sources.jsonl"
    src.write_text('{"label": "Source K"}\n'
                   '{"label": "Source L", "name": "Real Name", "levels": {"name": "public"}}\n')
    before = snapshot(vault_path, cli_vault)
    dry = cli_vault("import", str(src), "--kind", "source", "--dry-run", "--json")
    assert dry.code == 1
    assert [(p["row"], p["field"]) for p in json.loads(dry.out)["rejected"]] == [(2, "name")]
    result = cli_vault("import", str(src), "--kind", "source")
    assert result.code == 5, result.err
    assert "row 2" in result.err and "Real Name" not in result.err
    table = write_csv(tmp_path / "sources.csv",
                      [["label", "name", "levels"], ["Source M", "N", '{"name": "partner"}']])
    assert cli_vault("import", str(table), "--kind", "source").code == 5
    count, _ = snapshot(vault_path, cli_vault)
    assert count == before[0]
    with Vault.open(vault_path) as vault:
        vault.unlock("correct horse battery staple")
        actions = [e.action for e in vault.store.audit_entries()]
    assert actions.count("level.refused") == 2


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.csv", None, "no file"),
    ("folder.csv", "dir", "directory"),
    ("paper.pdf", b"%PDF-1.7", "not a CSV, XLSX or JSON Lines"),
    ("old.xls", b"\xd0\xcf\x11\xe0", ".xls"),
    ("broken.xlsx", b"PK\x03\x04garbage", "not a readable XLSX"),
    ("fake.xlsx", b"name\nA\n", "not an XLSX"),
    ("binary.csv", bytes(range(256)) * 4 + b"\x00" * 2000, "binary"),
    ("empty.csv", b"", "empty"),
    ("torn.csv", b'name,notes\nA,"unterminated\nB,x\n', "row 2: the CSV is malformed"),
])
def test_bad_files_are_refused_before_the_passphrase(cli_vault: Any, tmp_path: Path,
                                                     name: str, content: Any,
                                                     message: str | None) -> None:
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    result = cli_vault("import", str(path), "--kind", "person", stdin="")
    assert result.code == 1, result.err
    assert result.err.count("\n") == 1 and message in result.err


def test_unknown_kind_header_only_and_bad_map(cli_vault: Any, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "p.csv", [["name"], ["A"]])
    assert cli_vault("import", str(src), "--kind", "dragon").code == 1
    header = write_csv(tmp_path / "h.csv", [["name"]])
    result = cli_vault("import", str(header), "--kind", "person")
    assert result.code == 1 and "no rows" in result.err
    assert cli_vault("import", str(src), "--kind", "person", "--map", "name=nosuch").code == 1
    assert cli_vault("import", str(src), "--kind", "person", "--map", "absent=name").code == 1
    dup = write_csv(tmp_path / "d.csv", [["name", "Name (romanised)"], ["A", "B"]])
    result = cli_vault("import", str(dup), "--kind", "person")
    assert result.code == 1 and "both fill" in result.err
