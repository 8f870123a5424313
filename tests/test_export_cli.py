"""``evault recipients``, ``export`` and ``bundle`` through the real command line: output
contracts, exit codes for every bad input, and interop with the real ``age`` and
``minisign`` a partner would use without evault."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PASSPHRASE
from vault.session import Vault

AGE, AGE_KEYGEN, MINISIGN, EXIFTOOL = (shutil.which(t) for t in
                                       ("age", "age-keygen", "minisign", "exiftool"))
needs_tools = pytest.mark.skipif(not (AGE and AGE_KEYGEN and MINISIGN),
                                 reason="interop needs age, age-keygen and minisign")
PHOTO = Path("/work/shared/corpus/photos/jpg/gps/DSCN0010.jpg")
if not PHOTO.exists():
    PHOTO = Path(__file__).resolve().parents[2] / "shared/corpus/photos/jpg/gps/DSCN0010.jpg"


def keypair(tmp_path: Path, name: str = "key.txt") -> tuple[Path, str]:
    """A real age key from age-keygen (or pyrage when the tool is missing)."""
    path = tmp_path / name
    if AGE_KEYGEN:
        subprocess.run([AGE_KEYGEN, "-o", str(path)], check=True, capture_output=True)
        public = subprocess.run([AGE_KEYGEN, "-y", str(path)], check=True,
                                capture_output=True, text=True).stdout.strip()
        return path, public
    import pyrage

    ident = pyrage.x25519.Identity.generate()
    path.write_text(f"{ident}\n")
    return path, str(ident.to_public())


@pytest.fixture
def world(new_vault: Vault, tmp_path: Path) -> dict[str, str]:
    """A vault with a source, a testimony about them with a GPS photo and a voice
    recording, and a perpetrator; then locked for the CLI."""
    records = new_vault.services.records
    src = records.add("source", {"label": "K", "name": "Gulnar Abdukerim",
                                 "phones": ["+86 135 5555 0101"]})
    perp = records.add("person", {"name": "Zhou Yongkang", "roles": ["perpetrator"]},
                       levels={"name": "public"})
    tst = records.add("testimony", {"title": "Camp", "source": src, "narrative":
                                    "Gulnar Abdukerim (135-5555-0101) saw Zhou Yongkang."})
    attachments = new_vault.services.attachments
    attachments.attach(tst, PHOTO, level="partner")
    voice = tmp_path / "voice.mp3"
    voice.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x10" + b"\x00" * 4000)
    attachments.attach(tst, voice, level="partner")
    audio_elsewhere = records.add("person", {"name": "Someone"})
    attachments.attach(audio_elsewhere, voice, level="partner")
    case = records.add("case", {"title": "Camp case", "records": [tst, perp]},
                       levels={"title": "public"})
    new_vault.close()
    return {"source": src, "person": perp, "testimony": tst, "other": audio_elsewhere,
            "case": case}


def test_recipients_add_list_remove(cli_vault: Any, tmp_path: Path) -> None:
    _, public = keypair(tmp_path)
    assert cli_vault("recipients", "add", "Partner Org", public).code == 0
    listed = cli_vault("recipients", "list", "--json")
    assert json.loads(listed.out) == [{"name": "Partner Org", "age_key": public,
                                       "added": json.loads(listed.out)[0]["added"]}]
    assert cli_vault("recipients", "add", "Again", public).code == 1  # same key twice
    bad = cli_vault("recipients", "add", "Bad", public[:-2] + "qq")
    assert bad.code == 1 and "malformed age public key" in bad.err
    assert cli_vault("recipients", "add", "Bad", "age1notakey").code == 1
    assert cli_vault("recipients", "add", "OnlyName").code == 2
    assert cli_vault("recipients", "remove", "Partner Org").code == 0
    assert cli_vault("recipients", "remove", "Partner Org").code == 1
    assert json.loads(cli_vault("recipients", "list", "--json").out) == []


def test_bad_export_inputs_write_nothing(cli: Any, world: dict[str, str],
                                         tmp_path: Path) -> None:
    out = tmp_path / "out" / "b.age"
    out.parent.mkdir()
    _, public = keypair(tmp_path)
    base = ["export", "--out", str(out), "--yes"]
    cases = [
        (["--clearance", "partner", "--to", "Nobody"], 1, "no recipient called"),
        (["--clearance", "partner", "--to", "age1qqqq"], 1, "age public key"),
        (["--clearance", "partner", "--to", public, "--ids", "ffffffffffff"], 1, "no record"),
        (["--clearance", "partner", "--plain"], 2, "--plain"),
        (["--clearance", "partner"], 2, "--to"),
        (["--clearance", "partner", "--to", public, "--ids", world["other"],
          "--include-attachments"], 5, "the recording is damaged"),
    ]
    for args, code, message in cases:
        res = cli(*base, *args)
        assert res.code == code, (args, res.err)
        assert message in res.err
        assert not list(out.parent.iterdir())
    with pytest.raises(SystemExit) as usage:  # argparse: private never leaves the device
        cli(*base, "--clearance", "private", "--to", public)
    assert usage.value.code == 2
    no_yes = cli("export", "--out", str(out), "--clearance", "partner", "--to", public)
    assert no_yes.code == 2 and not out.exists()


def test_empty_selection_is_refused(cli_vault: Any, tmp_path: Path) -> None:
    _, public = keypair(tmp_path)
    res = cli_vault("export", "--clearance", "partner", "--to", public, "--out",
                    str(tmp_path / "b.age"), "--yes")
    assert res.code == 1 and "empty" in res.err and not (tmp_path / "b.age").exists()


def test_skip_unsanitizable_lists_it_in_the_report(cli: Any, world: dict[str, str],
                                                   tmp_path: Path) -> None:
    _, public = keypair(tmp_path)
    out, report = tmp_path / "b.age", tmp_path / "report.json"
    res = cli("export", "--clearance", "partner", "--to", public, "--ids",
              f"{world['testimony']},{world['other']}", "--include-attachments",
              "--skip-unsanitizable", "--out", str(out), "--report", str(report), "--yes")
    assert res.code == 0, res.err
    doc = json.loads(report.read_text())
    fates = sorted((a["status"], a["reason"]) for a in doc["attachments"])
    assert fates[0][0] == "included"
    assert ("skipped", "the recording is damaged or not audio or video ffmpeg reads") in fates
    assert any(s == "withheld" and "protected source" in r for s, r in fates)
    text = report.read_text()
    for value in ("Gulnar", "5555", "voice.mp3", "DSCN"):
        assert value not in text


@needs_tools
def test_interop_with_real_age_and_minisign(cli: Any, world: dict[str, str],
                                            tmp_path: Path) -> None:
    key, public = keypair(tmp_path)
    assert cli("recipients", "add", "Partner", public).code == 0
    out = tmp_path / "bundle.age"
    report = tmp_path / "report.json"
    res = cli("export", "--clearance", "partner", "--to", "Partner", "--case",
              world["case"], "--include-attachments", "--skip-unsanitizable", "--out",
              str(out), "--report", str(report), "--yes")
    assert res.code == 0, res.err
    bundle_id = res.out.strip()
    exported = {r["record"] for r in json.loads(report.read_text())["records"]}
    assert exported == {world["case"], world["testimony"], world["person"]}
    assert out.stat().st_mode & 0o077 == 0
    zipped = tmp_path / "bundle.zip"
    subprocess.run([AGE or "age", "-d", "-i", str(key), "-o", str(zipped), str(out)],
                   check=True)
    opened = tmp_path / "opened"
    with zipfile.ZipFile(zipped) as zf:
        zf.extractall(opened)
    whoami = cli("whoami")
    pub_line = whoami.out.strip().splitlines()[1]
    checked = subprocess.run([MINISIGN or "minisign", "-Vm", str(opened / "manifest.json"),
                              "-P", pub_line], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    assert f"evault bundle {bundle_id}" in checked.stdout
    manifest = json.loads((opened / "manifest.json").read_text())
    for item in manifest["files"]:
        assert hashlib.sha256((opened / item["path"]).read_bytes()).hexdigest() == \
            item["sha256"]
    everything = zipped.read_bytes()
    # Whole forms of the phone number, not its 4-digit groups: "5555" or "0101" occur by
    # chance in hex ids, SHA-256 sums and JPEG bytes (about one run in fifty).
    for value in (b"Gulnar", b"Abdukerim", b"13555550101", b"135 5555 0101",
                  b"135-5555-0101", b"NIKON", b"GPS"):
        assert value not in everything
    assert b"Zhou Yongkang" in everything  # public name of the perpetrator travels
    jpgs = list((opened / "attachments").glob("*.jpg"))
    assert len(jpgs) == 1
    if EXIFTOOL:
        tags = json.loads(subprocess.run([EXIFTOOL, "-j", "-G1", "-a", str(jpgs[0])],
                                         capture_output=True, text=True).stdout)[0]
        assert not [k for k in tags if k.split(":")[0] in ("[GPS]", "GPS", "IFD0", "ExifIFD",
                                                           "XMP-x", "MakerNotes")]
    # The same minisign check fails on a tampered manifest.
    (opened / "manifest.json").write_text(
        (opened / "manifest.json").read_text().replace("partner", "public"))
    bad = subprocess.run([MINISIGN or "minisign", "-Vm", str(opened / "manifest.json"),
                          "-P", pub_line], capture_output=True)
    assert bad.returncode != 0


def test_bundle_commands_verify_open_import(cli: Any, world: dict[str, str],
                                            tmp_path: Path) -> None:
    key, public = keypair(tmp_path)
    other_key, _ = keypair(tmp_path, "other.txt")
    out = tmp_path / "b.age"
    assert cli("export", "--clearance", "partner", "--to", public, "--out", str(out),
               "--yes").code == 0
    pub = tmp_path / "sender.pub"
    pub.write_text(cli("whoami").out)
    from tests.conftest import run_cli

    ok = run_cli(["bundle", "verify", str(out), "--identity", str(key), "--signer",
                  str(pub), "--json"])
    assert ok.code == 0 and json.loads(ok.out)["signer_pinned"] is True
    unpinned = run_cli(["bundle", "verify", str(out), "--identity", str(key)])
    # Unpinned, the key inside the bundle proves nothing about who sent it: refused.
    assert unpinned.code == 5 and "--signer" in unpinned.err and "fingerprint" in unpinned.err
    trusted = run_cli(["bundle", "verify", str(out), "--identity", str(key),
                       "--trust-new-sender", "Sender"])
    assert trusted.code == 0 and "addressed to: you" in trusted.out
    assert run_cli(["bundle", "verify", str(out), "--identity", str(other_key)]).code == 3
    _, stranger = keypair(tmp_path, "stranger.txt")
    stranger_pub = "RWQ" + "A" * 53
    assert run_cli(["bundle", "verify", str(out), "--identity", str(key), "--signer",
                    stranger_pub]).code in (1, 4)
    flipped = tmp_path / "flipped.age"
    data = bytearray(out.read_bytes())
    data[-100] ^= 0x10
    flipped.write_bytes(bytes(data))
    assert run_cli(["bundle", "verify", str(flipped), "--identity", str(key)]).code == 4
    dest = tmp_path / "opened"
    assert run_cli(["bundle", "open", str(flipped), "--identity", str(key), "--out",
                    str(dest)]).code == 4
    assert not dest.exists()
    assert run_cli(["bundle", "open", str(out), "--identity", str(key), "--out",
                    str(dest)]).code == 5
    assert not dest.exists()
    assert run_cli(["bundle", "open", str(out), "--identity", str(key), "--out",
                    str(dest), "--signer", str(pub)]).code == 0
    assert (dest / "manifest.json").is_file()
    # Import into a second (partner) vault, twice.
    partner = tmp_path / "partner"
    Vault.create(partner, PASSPHRASE).vault.close()
    args = ["--vault", str(partner), "--passphrase-stdin", "bundle", "import", str(out),
            "--identity", str(key)]
    refused = run_cli(args, PASSPHRASE + "\n")
    assert refused.code == 5 and "does not know" in refused.err
    first = run_cli([*args, "--trust-new-sender", "Sender"], PASSPHRASE + "\n")
    assert first.code == 0, first.err
    again = run_cli(args, PASSPHRASE + "\n")
    assert again.code == 0 and "already imported" in again.err


def test_a_pdf_that_names_the_source_is_refused_naming_the_attachment(
        new_vault: Vault, cli: Any, tmp_path: Path) -> None:
    """An attached PDF whose page text and annotation name a protected source. Rewritten
    keeping its text (--keep-pdf-text), the page text is read and the export refused
    (exit 5) naming the attachment, the report naming the source's record and field;
    redrawn (the default), the annotation is gone and only what the page shows remains,
    which OCR reads: refused too."""
    import pikepdf

    records = new_vault.services.records
    src = records.add("source", {"label": "K", "name": "Gulnar Abdukerim"})
    tst = records.add("testimony", {"title": "Camp", "source": src})
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(300, 120))
    page.obj["/Annots"] = pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Rect=[0, 0, 9, 9],
        Contents=pikepdf.String("Interview with GULNAR ABDUKERIM, page 2"))])
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)))
    page.obj.Contents = pdf.make_stream(b"BT /F1 18 Tf 20 60 Td [(Gul) -30 (nar Ab) 20 "
                                        b"(dukerim)] TJ ET")
    doc = tmp_path / "scan.pdf"
    pdf.save(doc)
    att = new_vault.services.attachments.attach(tst, doc, level="partner")
    new_vault.close()
    _, public = keypair(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    report = tmp_path / "report.json"
    for extra in (["--keep-pdf-text", att.id], []):
        res = cli("export", "--clearance", "partner", "--to", public, "--ids", tst,
                  "--include-attachments", "--out", str(out_dir / "b.age"), "--report",
                  str(report), "--yes", *extra)
        assert res.code == 5, res.err
        assert att.id in res.err and src in res.err
        assert not list(out_dir.iterdir())
        fate = json.loads(report.read_text())["attachments"][0]
        assert fate["status"] == "refused" and src in fate["reason"]
        assert "Gulnar" not in report.read_text() and "Gulnar" not in res.err
