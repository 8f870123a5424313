"""Attachments that tell no secrets (issue 12), through the real CLI: every bundle is
decrypted with the real ``age`` and read with pdftotext, PyMuPDF, exiftool and ffmpeg.

Corpus files are generated here: pictures and PDF pages showing a protected name, text
under a black box, names in PDF name objects and /Dests, a short name as a hex string,
a JPEG inside a PDF behind ``[/FlateDecode /DCTDecode]`` keeping its EXIF, a fully
transparent PNG whose colour channels spell a name, and recordings with GPS, titles,
chapters, subtitle and data streams.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pikepdf
import pymupdf
import pytest
from PIL import Image

from tests.test_export_cli import EXIFTOOL, keypair
from vault.export.media import ffmpeg_exe
from vault.session import Vault

SOURCE = "Gulnar Abdukerim"
pm: Any = pymupdf


def picture(lines: list[str], *, size: tuple[int, int] = (420, 140), fmt: str = "PNG",
            exif: bytes | None = None) -> bytes:
    """A picture showing ``lines`` in black on white (drawn by MuPDF's own fonts)."""
    doc = pm.open()
    page = doc.new_page(width=size[0], height=size[1])
    font = pm.Font("cjk")
    writer = pm.TextWriter(page.rect)
    for n, line in enumerate(lines):
        writer.append((16, 40 + 40 * n), line, font=font, fontsize=22)
    writer.write_text(page)
    pix = page.get_pixmap(dpi=96, alpha=False)
    img = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
    out = io.BytesIO()
    img.save(out, format=fmt, **({"exif": exif} if exif else {}))
    return out.getvalue()


def export(cli: Any, tmp_path: Path, ids: str, *extra: str) -> tuple[Any, Path, Path]:
    n = len(list(tmp_path.glob("key*.txt")))
    key, public = keypair(tmp_path, f"key{n}.txt")
    out = tmp_path / f"b{n}.age"
    report = tmp_path / "report.json"
    res = cli("export", "--clearance", "partner", "--to", public, "--ids", ids,
              "--include-attachments", "--out", str(out), "--report", str(report), "--yes",
              *extra)
    return res, out, key


def opened(bundle: Path, key: Path) -> zipfile.ZipFile:
    """The bundle decrypted by the real age."""
    plain = subprocess.run(["age", "-d", "-i", str(key), str(bundle)], check=True,
                           capture_output=True).stdout
    return zipfile.ZipFile(io.BytesIO(plain))


def attachments_of(zf: zipfile.ZipFile) -> dict[str, bytes]:
    return {n: zf.read(n) for n in zf.namelist() if n.startswith("attachments/")}


def exif_tags(data: bytes, suffix: str, tmp_path: Path) -> str:
    path = tmp_path / f"seen.{suffix}"
    path.write_bytes(data)
    return subprocess.run([str(EXIFTOOL), "-a", "-G1", "-s", str(path)], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
def case(new_vault: Vault) -> dict[str, str]:
    records = new_vault.services.records
    src = records.add("source", {"label": "K", "name": SOURCE,
                                 "phones": ["+86 135 5555 0101"]})
    short = records.add("source", {"label": "L", "name": "Li Na"})
    tst = records.add("testimony", {"title": "Camp", "source": src})
    event = records.add("person", {"name": "Someone Public"})
    return {"source": src, "short": short, "testimony": tst, "other": event}


def test_a_photo_showing_a_protected_name_refuses_the_bundle(
        new_vault: Vault, case: dict[str, str], cli: Any, tmp_path: Path) -> None:
    photo = tmp_path / "board.jpg"
    photo.write_bytes(picture(["Detainee list", "GULNAR ABDUKERIM"], fmt="JPEG"))
    benign = tmp_path / "yard.png"
    benign.write_bytes(picture(["Camp yard, north gate"]))
    service = new_vault.services.attachments
    bad = service.attach(case["testimony"], photo, level="partner")
    service.attach(case["testimony"], benign, level="partner")
    new_vault.close()
    res, out, _ = export(cli, tmp_path, case["testimony"])
    assert res.code == 5, res.err
    assert bad.id in res.err and case["source"] in res.err and "Gulnar" not in res.err
    assert not out.exists()
    # Left out on request, the rest ships; the benign picture was read and passed.
    res, out, key = export(cli, tmp_path, case["testimony"], "--skip-unsanitizable")
    assert res.code == 0, res.err
    assert len(attachments_of(opened(out, key))) == 1


def test_a_word_only_in_a_scan_is_found_by_search(case: dict[str, str], cli_vault: Any,
                                                  tmp_path: Path) -> None:
    scan = tmp_path / "scan.png"
    scan.write_bytes(picture(["Transfer order Kashgar"]))
    att = cli_vault("attach", case["other"], str(scan), "--level", "partner")
    assert att.code == 0, att.err
    found = cli_vault("search", "Kashgar")
    assert found.code == 0, found.err
    assert case["other"] in found.out and f"attachment text {att.out.strip()}" in found.out
    skipped = tmp_path / "skip.png"
    skipped.write_bytes(picture(["Yarkand"]))
    assert cli_vault("attach", case["other"], str(skipped), "--no-read").code == 0
    assert "no records match" in cli_vault("search", "Yarkand").err


def test_pdf_is_redrawn_text_under_a_black_box_is_gone(
        new_vault: Vault, case: dict[str, str], cli: Any, tmp_path: Path) -> None:
    doc = pm.open()
    page = doc.new_page(width=360, height=160)
    page.insert_text((20, 50), "Case report 2019", fontsize=20)
    page.insert_text((20, 110), SOURCE, fontsize=20)
    page.draw_rect(pm.Rect(14, 88, 300, 118), color=(0, 0, 0), fill=(0, 0, 0))
    doc.set_metadata({"author": SOURCE, "title": "Interview with the source"})
    path = tmp_path / "report.pdf"
    path.write_bytes(doc.tobytes())
    att = new_vault.services.attachments.attach(case["other"], path, level="partner")
    new_vault.close()
    # Kept as text, the name under the box is still there to select: refused.
    res, out, key = export(cli, tmp_path, case["other"], "--keep-pdf-text", att.id)
    assert res.code == 5 and att.id in res.err and case["source"] in res.err, res.err
    res, out, key = export(cli, tmp_path, case["other"])
    assert res.code == 0, res.err
    (name, data), = attachments_of(opened(out, key)).items()
    assert name.endswith(".pdf")
    pdf_path = tmp_path / "seen.pdf"
    pdf_path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "Case report" in text  # the OCR layer: partners can search and copy
    assert "Gulnar" not in text and b"Gulnar" not in data
    with pm.open("pdf", data) as rebuilt:
        fonts = {f[3] for p in rebuilt for f in p.get_fonts()}
        assert all("Helv" in f or "Droid" in f or "Fallback" in f or f.startswith("F")
                   for f in fonts), fonts
        assert not rebuilt.metadata.get("author") and not rebuilt.metadata.get("title")
        assert all(len(p.get_images()) == 1 for p in rebuilt)
    if EXIFTOOL:
        tags = exif_tags(data, "pdf", tmp_path)
        assert "Gulnar" not in tags and "Interview" not in tags


def _pdf_with(tmp_path: Path, name: str, content: bytes, dests: str | None = None,
              image: pikepdf.Stream | None = None) -> tuple[Path, pikepdf.Pdf]:
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(320, 200))
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
        BaseFont=pikepdf.Name.Helvetica)))
    page.obj.Resources = resources
    page.obj.Contents = pdf.make_stream(content)
    if dests is not None:
        pdf.Root.Dests = pikepdf.Dictionary({"/" + dests: pikepdf.Array(
            [page.obj, pikepdf.Name.Fit])})
    path = tmp_path / name
    pdf.save(path)
    return path, pdf


def test_keep_text_rewrite_reads_hex_strings_short_names_and_dests(
        new_vault: Vault, case: dict[str, str], cli: Any, tmp_path: Path) -> None:
    """With --keep-pdf-text the PDF keeps its text, so the gate reads it: a short name
    (under the byte search's 8 bytes) drawn as a hex string, and a name in /Dests."""
    hex_pdf, _ = _pdf_with(tmp_path, "hex.pdf", b"BT /F1 14 Tf 20 100 Td <4c69204e61> Tj ET")
    dest_pdf, _ = _pdf_with(tmp_path, "dest.pdf", b"BT /F1 14 Tf 20 100 Td (Minutes) Tj ET",
                            dests="Gulnar Abdukerim")
    named_pdf, named = _pdf_with(tmp_path, "named.pdf",
                                 b"BT /GulnarAbdukerim 14 Tf 20 100 Td (Minutes) Tj ET")
    named.pages[0].obj.Resources.Font = pikepdf.Dictionary(
        {"/GulnarAbdukerim": named.pages[0].obj.Resources.Font.F1})
    named.save(tmp_path / "named2.pdf")
    service = new_vault.services.attachments
    hex_att = service.attach(case["other"], hex_pdf, level="partner")
    dest_att = service.attach(case["testimony"], dest_pdf, level="partner")
    named_att = service.attach(case["testimony"], tmp_path / "named2.pdf", level="partner")
    new_vault.close()
    res, out, _ = export(cli, tmp_path, case["other"], "--keep-pdf-text", hex_att.id)
    assert res.code == 5 and hex_att.id in res.err and case["short"] in res.err, res.err
    assert not out.exists()
    # A name object (here a font resource's name) is read too.
    res, out, _ = export(cli, tmp_path, case["testimony"], "--keep-pdf-text", dest_att.id,
                         "--keep-pdf-text", named_att.id)
    assert res.code == 5 and named_att.id in res.err and case["source"] in res.err, res.err
    # Redrawn (the default), the name object is gone and the page ships.
    res, out, _ = export(cli, tmp_path, case["testimony"], "--keep-pdf-text", dest_att.id)
    assert res.code == 0, res.err
    # /Dests are dropped by the rewrite and the font name by the redraw: no name ships.
    key = tmp_path / f"key{len(list(tmp_path.glob('key*.txt'))) - 1}.txt"
    files = attachments_of(opened(out, key))
    assert len(files) == 2
    for data in files.values():
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert "/Dests" not in pdf.Root and "/Names" not in pdf.Root
        assert b"Gulnar" not in data
        text = subprocess.run(["pdftotext", "-", "-"], input=data, check=True,
                              capture_output=True).stdout
        assert b"Minutes" in text  # the rewrite kept the text; the redraw OCRed it


def test_jpeg_behind_a_filter_array_loses_its_exif(new_vault: Vault, case: dict[str, str],
                                                   cli: Any, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "SECRETMAKE"
    exif[0x0110] = "SECRETMODEL"
    exif[0xA431] = "SERIAL123456"  # body serial number
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (39.0, 28.0, 0.0), "E", (75.0, 59.0, 0.0)
    jpeg = picture(["Site photo"], size=(200, 120), fmt="JPEG", exif=exif.tobytes())
    assert b"SECRETMAKE" in jpeg
    path, pdf = _pdf_with(tmp_path, "photo.pdf", b"q 200 0 0 120 20 20 cm /Im0 Do Q")
    for filters, name in (([pikepdf.Name.FlateDecode, pikepdf.Name.DCTDecode], "a.pdf"),
                          ([pikepdf.Name.DCTDecode], "b.pdf")):
        with pikepdf.open(path) as doc:
            img = pikepdf.Stream(doc, zlib.compress(jpeg) if len(filters) == 2 else jpeg)
            img.Type, img.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
            img.Width, img.Height = Image.open(io.BytesIO(jpeg)).size
            img.ColorSpace, img.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
            img.Filter = pikepdf.Array(filters)
            doc.pages[0].obj.Resources.XObject = pikepdf.Dictionary(Im0=img)
            doc.save(tmp_path / name)
    service = new_vault.services.attachments
    kept = [service.attach(case["other"], tmp_path / n, level="partner") for n in
            ("a.pdf", "b.pdf")]
    new_vault.close()
    for extra in (["--keep-pdf-text", kept[0].id, "--keep-pdf-text", kept[1].id], []):
        res, out, key = export(cli, tmp_path, case["other"], *extra)
        assert res.code == 0, res.err
        for data in attachments_of(opened(out, key)).values():
            for needle in (b"SECRET", b"SERIAL", b"Exif"):
                assert needle not in data
            with pm.open("pdf", data) as doc:
                for xref, *_ in doc[0].get_images(full=True):
                    raw = doc.extract_image(xref)["image"]
                    assert b"SECRETMAKE" not in raw and b"Exif" not in raw
                    if EXIFTOOL:
                        tags = exif_tags(raw, "jpg", tmp_path)
                        assert "GPS" not in tags and "SECRET" not in tags


def test_transparent_png_carries_no_colour_and_copies_differ(
        new_vault: Vault, case: dict[str, str], cli: Any, tmp_path: Path) -> None:
    shown = Image.open(io.BytesIO(picture(["Someone Public +86 135 0000 9999"]))).convert("RGB")
    rgba = shown.convert("RGBA")
    rgba.putalpha(0)  # invisible, but the colour channels still spell it
    path = tmp_path / "blank.png"
    rgba.save(path)
    new_vault.services.attachments.attach(case["other"], path, level="partner")
    new_vault.close()
    copies = []
    for _ in range(2):
        res, out, key = export(cli, tmp_path, case["other"])
        assert res.code == 0, res.err
        (data,) = attachments_of(opened(out, key)).values()
        copies.append(data)
        with Image.open(io.BytesIO(data)) as img:
            assert img.mode == "RGB"  # no alpha channel left
            low, high = img.convert("L").getextrema()
            assert low >= 254 and high == 255  # white (one bit of per-copy noise at most)
    assert copies[0] != copies[1]  # two partners never get the same bytes


def _recording(tmp_path: Path, name: str, args: list[str]) -> Path:
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nGulnar speaks\n")
    meta = tmp_path / "meta.txt"
    meta.write_text(";FFMETADATA1\ntitle=Interview of Gulnar\n[CHAPTER]\nTIMEBASE=1/1000\n"
                    "START=0\nEND=500\ntitle=Chapter Gulnar\n")
    out = tmp_path / name
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=96x64:rate=5:duration=1",
                    "-f", "lavfi", "-i", "sine=duration=1", "-i", str(srt), "-i", str(meta),
                    "-map_metadata", "3", "-map_chapters", "3",
                    "-metadata", "location=+39.4667+075.9833/",
                    "-metadata", "artist=SECRETARTIST", "-metadata", "comment=Gulnar",
                    "-metadata", "creation_time=2024-01-02T03:04:05Z", *args, str(out)],
                   check=True, capture_output=True)
    return out


def test_audio_and_video_leave_without_any_tag(new_vault: Vault, case: dict[str, str],
                                               cli: Any, tmp_path: Path) -> None:
    mp4 = _recording(tmp_path, "clip.mp4", ["-map", "0:v", "-map", "1:a", "-map", "2",
                                            "-c:v", "libx264", "-c:a", "aac",
                                            "-c:s", "mov_text"])
    mkv = _recording(tmp_path, "clip.mkv", ["-map", "0:v", "-map", "1:a", "-map", "2",
                                            "-c:v", "libx264", "-c:a", "aac", "-c:s", "srt"])
    mp3 = _recording(tmp_path, "voice.mp3", ["-map", "1:a", "-c:a", "libmp3lame"])
    before = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(mp4)],
                            capture_output=True, text=True).stderr
    assert "Gulnar" in before and "Subtitle" in before and "Chapter" in before
    service = new_vault.services.attachments
    for path in (mp4, mkv, mp3):
        service.attach(case["other"], path, level="partner")
    service.attach(case["testimony"], mp3, level="partner")  # the source's own voice
    new_vault.close()
    res, out, key = export(cli, tmp_path, f"{case['other']},{case['testimony']}")
    assert res.code == 0, res.err
    zf = opened(out, key)
    files = attachments_of(zf)
    assert sorted(n.rsplit(".", 1)[1] for n in files) == ["mkv", "mp3", "mp4"]
    for name, data in files.items():
        path = tmp_path / f"out.{name.rsplit('.', 1)[1]}"
        path.write_bytes(data)
        seen = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                              capture_output=True, text=True).stderr
        for word in ("Gulnar", "SECRET", "location", "creation_time", "Chapter",
                     "Subtitle", "Data:", "title"):
            assert word not in seen, (name, word)
        if EXIFTOOL:
            tags = exif_tags(data, path.suffix[1:], tmp_path)
            for word in ("Gulnar", "SECRET", "GPS", "2024:01:02", "Chapter"):
                assert word not in tags, (name, word)
    # The manifest's hashes are those of the streamed files; the source's voice is out.
    import hashlib
    import json

    manifest = json.loads(zf.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert any(a["status"] == "withheld" and "protected source" in a["reason"]
               for a in report["attachments"])
    # The streamed bundle verifies like any other: minisign alone, and evault's partner side.
    pub = tmp_path / "sender.pub"
    pub.write_text(cli("whoami").out)
    manifest_path = tmp_path / "manifest.json"
    manifest_path.write_bytes(zf.read("manifest.json"))
    signature = tmp_path / "manifest.json.minisig"
    signature.write_bytes(zf.read("manifest.json.minisig"))
    checked = subprocess.run(["minisign", "-Vm", str(manifest_path), "-p", str(pub)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    from tests.conftest import run_cli

    verified = run_cli(["bundle", "verify", str(out), "--identity", str(key), "--signer",
                        str(pub), "--json"])
    assert verified.code == 0, verified.err


def test_the_app_says_a_hit_is_in_an_attachments_text(tmp_path: Path) -> None:
    from textual.widgets import Input

    from tests.tui_support import PASSPHRASE, TestApp, make_vault, run_async, unlock, wait_for
    from tui.app.widgets.record_table import RecordTable

    path = tmp_path / "vault"
    ids = make_vault(path)
    vault = Vault.open(path)
    vault.unlock(PASSPHRASE)
    try:
        scan = tmp_path / "scan.png"
        scan.write_bytes(picture(["Transfer order Kashgar"]))
        service = vault.services.attachments
        att = service.attach(ids["testimony"], scan, level="partner")
        assert service.read_text(att.id) > 0
    finally:
        vault.close()

    @run_async
    async def scenario() -> None:
        app = TestApp(path, language="en")
        async with app.run_test(size=(120, 40)) as pilot:
            await unlock(pilot)
            await pilot.press("slash")
            app.screen.query_one("#search", Input).value = "Kashgar"
            table = app.screen.query_one(RecordTable)

            def shown() -> bool:
                return table.mode == "search" and table.row_count == 1 and \
                    "Kashgar" in table.get_row_at(0)[2].plain

            await wait_for(pilot, shown)
            snippet = table.get_row_at(0)[2]
            assert snippet.plain.startswith("in an attachment's text: ")
            assert "Kashgar" in snippet.plain

    scenario()


def test_the_report_says_which_scripts_pictures_were_not_read_for(
        new_vault: Vault, cli: Any, tmp_path: Path) -> None:
    records = new_vault.services.records
    records.add("source", {"label": "U", "name": "ئابلاجان"})  # Uyghur: no OCR model
    records.add("source", {"label": "T", "name": "བཀྲ་ཤིས"})  # Tibetan
    other = records.add("person", {"name": "Someone Public"})
    photo = tmp_path / "p.png"
    photo.write_bytes(picture(["Camp gate"]))
    new_vault.services.attachments.attach(other, photo, level="partner")
    new_vault.close()
    res, out, _ = export(cli, tmp_path, other)
    assert res.code == 0, res.err
    assert "Arabic" in res.err and "Tibetan" in res.err and "OCR" in res.err
    import json

    doc = json.loads((tmp_path / "report.json").read_text())
    assert set(doc["pictures_not_read_for"]) == {"ARABIC", "TIBETAN"}
