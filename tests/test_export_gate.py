"""The leak gate really refuses: identifiers injected past the rewriter (through the
generated-documents hook that the sanctions dossier will use) stop the export with exit 5,
no bundle file, and a report naming the record and field that leaked."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pyrage
import pytest
from PIL import Image

from vault.errors import PolicyRefused
from vault.export import report
from vault.export.gate import Gate, LeakFound
from vault.export.redact import Owner
from vault.records.spec import Level
from vault.session import Vault


@pytest.fixture
def setup(new_vault: Vault) -> tuple[Vault, dict[str, str], str]:
    records = new_vault.services.records
    src = records.add("source", {"label": "K", "name": "Ablimit Tursun",
                                 "name_original": "阿布力米提", "phones": ["138-1234-5678"],
                                 "emails": ["ablimit@example.org"]})
    perp = records.add("person", {"name": "Wang Jianguo", "phones": ["13987654321"]},
                       levels={"name": "public"})
    tst = records.add("testimony", {"title": "T", "source": src,
                                    "narrative": "He met Ablimit Tursun. Call 13700001111."},
                      levels={"narrative": "public"})
    key = pyrage.x25519.Identity.generate()
    new_vault.services.export.recipients.add("Partner", str(key.to_public()))
    return new_vault, {"source": src, "person": perp, "testimony": tst}, str(key)


LEAKS = {
    "plain name": b"# Dossier\nThe witness Ablimit Tursun said so.\n",
    "case and spacing": b"# Dossier\nABLIMIT   tursun said so.\n",
    "chinese in a sentence": "见到阿布力米提了".encode(),
    "full-width phone": "电话１３８－１２３４－５６７８".encode(),
    "dashes in phone": b"call 138 1234 5678 now",
    "email upper case": b"write to ABLIMIT@EXAMPLE.ORG",
    "private phone of a public person": b"his mobile 139-8765-4321",
    "detector finding left redacted": b"the other number was 13700001111",
    "json escape split": b'{"x": "Ablimit\\nTursun"}',
}


@pytest.mark.parametrize("name", list(LEAKS))
def test_gate_refuses_identifiers_in_generated_documents(setup, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                         name: str) -> None:
    vault, ids, _ = setup
    export = vault.services.export
    suffix = ".json" if name == "json escape split" else ".md"
    plan = export.plan(clearance="public", to=["Partner"], ids=[ids["testimony"]],
                       documents={f"dossier{suffix}": LEAKS[name]})
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "b.age"
    with pytest.raises(LeakFound) as caught:
        export.seal(plan, out)
    assert caught.value.exit_code == 5
    assert not list(out_dir.iterdir()), "nothing may be written, not even a temp file"
    leak = caught.value.leaks[0]
    assert leak.path.startswith("dossier/")
    assert leak.owner.record_id in ids.values()
    doc = report.build(plan, caught.value.leaks)
    assert doc["leaks"][0]["record"] in ids.values() and doc["leaks"][0]["field"]
    # The message and the report name ids and fields, never the value.
    text = str(caught.value) + repr(doc)
    # Whole digit runs, not "1234": the report holds random hex ids, where four digits
    # turn up by chance (about one suite run in sixty failed that way).
    for value in ("Ablimit", "Tursun", "1234 5678", "8765-4321", "13987654321",
                  "13700001111", "example.org", "阿布"):
        assert value not in text


def test_released_finding_passes_and_unreleased_stays_out(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, ids, key = setup
    export = vault.services.export
    plan = export.plan(clearance="public", to=["Partner"], ids=[ids["testimony"]])
    finding = next(f for f in plan.findings if f.kind == "phone")
    assert not finding.released
    narrative = plan.views[0].fields["narrative"]
    assert "13700001111" not in narrative and "[phone]" in narrative
    assert "Ablimit" not in narrative and "Source-" in narrative
    released = export.plan(clearance="public", to=["Partner"], ids=[ids["testimony"]],
                           release=[finding.id])
    assert "13700001111" in released.views[0].fields["narrative"]
    sealed = export.seal(released, tmp_path / "b.age")
    zipped = pyrage.decrypt(sealed.path.read_bytes(), [pyrage.x25519.Identity.from_str(key)])
    assert b"13700001111" in zipped and b"Ablimit" not in zipped


def _jpeg(comment: bytes | None = None, tail: bytes = b"") -> bytes:
    out = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(out, "JPEG")
    data = out.getvalue()
    if comment is not None:
        data = data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + \
            data[2:]
    return data + tail


def _pdf_with_title(title: str) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj["/Annots"] = pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[0, 0, 5, 5],
        Contents=pikepdf.String(title))])
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


OWNER = Owner("0123456789abcdef", "source", "name", Level.PRIVATE, True)


@pytest.mark.parametrize("path,data", [
    ("records/x.json", "\"Ablimit Tursun\"".encode("utf-16")),       # not UTF-8
    ("dossier/a.txt", "Tursun 阿布力米提".encode("gb18030")),           # not UTF-8
    ("attachments/a.jpg", _jpeg(comment=b"Ablimit")),                 # metadata segment
    ("attachments/a.jpg", _jpeg(tail=b"Ablimit Tursun")),             # trailing data
    ("attachments/a.bin", b"anything"),                               # unknown type
])
def test_structure_problems_are_refused(path: str, data: bytes) -> None:
    gate = Gate([("Ablimit Tursun", OWNER), ("阿布力米提", OWNER)])
    with pytest.raises(PolicyRefused):
        gate.scan_file(path, data)


def test_byte_forms_are_found_in_binary_and_pdf_files() -> None:
    gate = Gate([("Ablimit Tursun", OWNER), ("13812345678", OWNER)])
    clean = _jpeg()
    assert gate.scan_file("attachments/a.jpg", clean) == []
    # Inside the entropy-coded data (where no metadata check looks), in UTF-16 too.
    for smuggled in (b"ABLIMIT TURSUN", "Ablimit Tursun".encode("utf-16-le"),
                     b"13812345678"):
        sos = clean.index(b"\xff\xda")
        i = sos + (len(clean) - sos) // 2
        while clean[i - 1] == 0xFF:  # keep the byte stuffing after 0xFF intact
            i += 1
        assert gate.scan_file("attachments/a.jpg", clean[:i] + smuggled + clean[i:])
    assert gate.scan_file("dossier/a.pdf", _pdf_with_title("seen: ablimit  TURSUN"))
    assert gate.scan_file("dossier/a.pdf", _pdf_with_title("nothing here")) == []


def test_short_values_do_not_refuse_ordinary_words() -> None:
    short = Owner("0123456789abcdef", "person", "aliases", Level.PRIVATE, True)
    gate = Gate([("Li", short), ("Wei", short)])
    assert gate.scan_file("dossier/a.md", b"political weight, Lisbon, Weimar") == []
    assert gate.scan_file("dossier/a.md", b"and then Li said")
    assert gate.scan_file("dossier/a.md", "然后李说 Wei 来了".encode())
