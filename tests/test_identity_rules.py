"""Issue 11's rules beyond the corpus: collisions are a question (refused, decided, audited,
never a pseudonym in a structured field), custom source fields start private, the
redactor's spans and reasons in the report, ordinary-word aliases flagged, the gate's
``scan_text`` seam and its restraint over generated files, and hypothesis properties of
the views (any written form of a protected identifier in any text is found)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault.export.gate import Gate
from vault.export.identity import IdentityModel
from vault.export.normalize import Matcher
from vault.export.redact import Owner
from vault.records.spec import Level
from vault.session import Vault

AGE, AGE_KEYGEN = shutil.which("age"), shutil.which("age-keygen")


def _keypair(tmp_path: Path) -> tuple[Path, str]:
    assert AGE and AGE_KEYGEN
    key = tmp_path / "key.txt"
    subprocess.run([AGE_KEYGEN, "-o", str(key)], check=True, capture_output=True)
    public = subprocess.run([AGE_KEYGEN, "-y", str(key)], check=True, capture_output=True,
                            text=True).stdout.strip()
    return key, public


def _open(out: Path, key: Path) -> dict[str, Any]:
    assert AGE
    plain = subprocess.run([AGE, "-d", "-i", str(key), str(out)], check=True,
                           capture_output=True).stdout
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        docs = {n: json.loads(zf.read(n)) for n in zf.namelist()
                if n.startswith("records/") and n.endswith(".json")}
        return {"docs": docs, "raw": b"".join(zf.read(n) for n in zf.namelist())}


@pytest.fixture
def collision(new_vault: Vault) -> dict[str, str]:
    records = new_vault.services.records
    src = records.add("source", {"label": "K", "name_original": "张丽华",
                                 "phones": ["+86 138 1234 5678"]})
    victim = records.add("person", {"name": "Zhang Lihua", "birth_date": "1980-01-02",
                                    "birth_place": "Kashgar"},
                         levels={"name": "public", "birth_date": "public",
                                 "birth_place": "public"})
    tst = records.add("testimony", {"title": "Interview", "source": src,
                                    "narrative": "张丽华 said: Zhang Lihua is my name."},
                      levels={"narrative": "public", "title": "public"})
    new_vault.close()
    return {"source": src, "victim": victim, "testimony": tst}


def test_a_shared_name_is_a_question_then_a_decision(cli: Any, collision: dict[str, str],
                                                     tmp_path: Path) -> None:
    key, public = _keypair(tmp_path)
    out = tmp_path / "b.age"
    ids = f"{collision['victim']},{collision['testimony']}"
    args = ["export", "--clearance", "public", "--to", public, "--ids", ids,
            "--out", str(out), "--yes"]
    refused = cli(*args)
    assert refused.code == 5 and not out.exists()
    assert collision["victim"] in refused.err and collision["source"] in refused.err
    assert "evault identity different" in refused.err and "source 'K'" in refused.err
    assert "Zhang" not in refused.err and "张" not in refused.err
    # The decision is stored and audited; a wrong call is a usage error.
    assert cli("identity", "different", collision["victim"]).code == 2
    assert cli("identity", "different", collision["victim"], collision["source"]).code == 0
    listed = json.loads(cli("identity", "list", "--json").out)
    assert listed[0]["decision"] == "different"
    assert cli("export", *args[1:]).code == 0
    bundle = _open(out, key)
    docs = bundle["docs"]
    victim = next(d for d in docs.values() if d["kind"] == "person")
    testimony = next(d for d in docs.values() if d["kind"] == "testimony")
    # The victim keeps their name, next to their own details, and no pseudonym.
    assert victim["fields"]["name"] == "Zhang Lihua" and victim["label"] == "Zhang Lihua"
    assert "Source-" not in json.dumps(victim)
    # The source's own text still never carries the name, and not the source's pseudonym
    # in its place either (that would link the two).
    narrative = testimony["fields"]["narrative"]
    assert "Zhang Lihua" not in narrative and "张丽华" not in narrative
    assert narrative.count("[name]") == 2
    audit = cli("check", "--json")
    assert audit.code == 0


def test_a_shared_phone_is_refused_until_the_level_is_raised(
        cli: Any, new_vault: Vault, tmp_path: Path) -> None:
    records = new_vault.services.records
    records.add("source", {"label": "K", "phones": ["+86 138 1234 5678"]})
    lawyer = records.add("person", {"name": "A Lawyer", "phones": ["138-1234-5678"]},
                         levels={"phones": "partner", "name": "partner"})
    tst = records.add("testimony", {"title": "T", "narrative": "Call 138 1234 5678."})
    new_vault.close()
    key, public = _keypair(tmp_path)
    out = tmp_path / "b.age"
    args = ["export", "--clearance", "partner", "--to", public, "--ids", f"{lawyer},{tst}",
            "--out", str(out), "--yes"]
    refused = cli(*args)
    assert refused.code == 5 and "phones" in refused.err and lawyer in refused.err
    assert cli("level", lawyer, "phones", "private").code == 0
    assert cli(*args).code == 0
    docs = json.dumps(_open(out, key)["docs"])
    assert "5678" not in docs and "[phone]" in docs  # neither the field nor the text


def test_same_person_withholds_the_shipping_records_identity(
        cli: Any, collision: dict[str, str], tmp_path: Path) -> None:
    key, public = _keypair(tmp_path)
    out = tmp_path / "b.age"
    assert cli("identity", "same", collision["victim"], collision["source"]).code == 0
    assert cli("export", "--clearance", "public", "--to", public, "--ids",
               collision["victim"], "--out", str(out), "--yes").code == 0
    victim = next(iter(_open(out, key)["docs"].values()))
    assert {"name", "birth_place", "birth_date"} <= set(victim["withheld"])
    assert victim["label"].startswith("Person-")


def test_custom_source_fields_start_private(cli_vault: Any, tmp_path: Path) -> None:
    assert cli_vault("fields", "add", "source", "nickname", "--kind", "text").code == 0
    fields = json.loads(cli_vault("fields", "source", "--json").out)
    nickname = next(f for f in fields["fields"] if f["name"] == "nickname")
    assert nickname["default_level"] == "private"
    # A custom field may also be declared an identifier (then pinned on a source).
    assert cli_vault("fields", "add", "testimony", "contact_handle", "--kind", "text",
                     "--identifier").code == 0


def test_report_lists_each_replacement_and_ordinary_words(
        cli: Any, new_vault: Vault, tmp_path: Path) -> None:
    records = new_vault.services.records
    records.add("source", {"label": "K", "name": "Ablimit Tursun", "aliases": ["Rock"]})
    text = "Аblimit Tursun liked rock music."
    tst = records.add("testimony", {"title": "T", "narrative": text})
    new_vault.close()
    _, public = _keypair(tmp_path)
    report = tmp_path / "r.json"
    result = cli("export", "--clearance", "partner", "--to", public, "--ids", tst,
                 "--out", str(tmp_path / "b.age"), "--report", str(report), "--yes")
    assert result.code == 0, result.err
    doc = json.loads(report.read_text(encoding="utf-8"))
    reps = doc["records"][0]["replacements"]
    assert [(r["start"], r["end"]) for r in reps] == [(0, 14), (21, 25)]
    assert all("name" in r["reason"] or "aliases" in r["reason"] for r in reps)
    assert [o["field"] for o in doc["ordinary_words"]] == ["aliases"]
    assert "ordinary word" in result.err and "characters 0-14" in result.err
    assert "Ablimit" not in json.dumps(doc) and "rock" not in json.dumps(doc).lower()


OWNER = Owner("0123456789abcdef", "source", "phones", Level.PRIVATE, False)
FINDING = Owner("0123456789abcdef", "finding:phone", "narrative", Level.PRIVATE, False)


def test_scan_text_seam_and_generated_files() -> None:
    gate = Gate([*IdentityModel([("张丽华", OWNER, "name_original", True)]).pairs(),
                 ("20261128", FINDING)])
    assert gate.scan_text("attachments/x.pdf#page1", "OCR: Zhang1 Li4-hua") != []
    assert gate.scan_text("attachments/x.pdf#page1", "張 麗 華") != []
    assert gate.scan_text("attachments/x.pdf#page1", "nothing here") == []
    # A finding's digits in the bundle's own dates are not a leak; in a record they are.
    manifest = b'{"created": "2026-11-28T05:00:00", "sha256": "ab20261128cd"}'
    assert gate.scan_file("manifest.json", manifest) == []
    assert gate.scan_file("README.txt", b"created 2026-11-28, clearance partner") == []
    assert gate.scan_file("records/a.json", b'{"x": "call 2026 1128"}') != []


NAMES = [("张丽华", True, "name_original"), ("劉曉東", True, "name_original"),
         ("Ablimit Tursun", True, "name"), ("Gulnara Sabitova", True, "name"),
         ("+86 138 1234 5678", False, "phones"), ("WeChat: zlh_2019", False, "handles")]
HOMOGLYPHS = str.maketrans("aeopcxiAEOPCXBHKMT", "аеорсхіАЕОРСХВНКМТ")
FILLER = st.text(alphabet=st.sampled_from(list("abcdefghijklmnop qrstuvwxyz.,;:!?-()")
                                          + list("我们在那里看见了他说的话")),
                 max_size=40)


def _variant(value: str, how: int, seed: int) -> str:
    from anyascii import anyascii

    if how == 0:
        return value.translate(HOMOGLYPHS)
    if how == 1:
        return "".join(f"&#{ord(c)};" if (i + seed) % 2 else c for i, c in enumerate(value))
    if how == 2:
        return "".join(f"&#x{ord(c):x};" if (i + seed) % 3 == 0 else c
                       for i, c in enumerate(value))
    if how == 3:
        return "".join(f"%{b:02X}" for b in value.encode())
    if how == 4:
        return "".join(f"\\u{ord(c):04x}" if (i + seed) % 2 else c
                       for i, c in enumerate(value))
    if how == 5:
        cut = 1 + seed % max(1, len(value) - 1)
        return f"{value[:cut]}<b>{value[cut:]}</b>"
    if how == 6:
        return value.upper().translate(str.maketrans(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            "ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ０１２３４５６７８９"))
    if how == 7:
        import opencc

        return str(opencc.OpenCC("s2t" if seed % 2 else "t2s").convert(value))
    # a transliterated spelling (Cyrillic for Latin, pinyin for Chinese)
    if value.isascii():
        return value.translate(str.maketrans("abdegiklmnorstuvzABGLST",
                                             "абдегиклмнорстувзАБГЛСТ"))
    return anyascii(value)


@settings(max_examples=150, deadline=None)
@given(which=st.integers(0, len(NAMES) - 1), how=st.integers(0, 8),
       seed=st.integers(0, 100), before=FILLER, after=FILLER)
def test_any_variant_in_any_text_is_found(which: int, how: int, seed: int, before: str,
                                          after: str) -> None:
    value, person, field = NAMES[which]
    owner = Owner("r", "source", field, Level.PRIVATE, person)
    matcher: Matcher[Owner] = Matcher(IdentityModel([(value, owner, field, person)]).pairs())
    written = _variant(value, how, seed)
    text = f"{before} {written} {after}"
    found = [m for m in matcher.iter_find(text)]
    assert found, (how, written)
    start = text.index(written)
    assert any(m.start <= start + len(written) and m.end >= start for m in found)


def test_an_ordinary_word_alias_is_flagged_at_entry(cli_vault: Any, tmp_path: Path) -> None:
    data = tmp_path / "s.json"
    data.write_text(json.dumps({"label": "K", "aliases": ["Tiger", "老虎"]}), "utf-8")
    added = cli_vault("add", "source", "--json", str(data))
    assert added.code == 0 and "note: the field aliases" in added.err
    assert "Tiger" not in added.err and "老虎" not in added.err
    data.write_text(json.dumps({"label": "K", "aliases": ["Qarvekson"]}), "utf-8")
    assert "note:" not in cli_vault("add", "source", "--json", str(data)).err
