"""Write the bad-input corpus files (everything but the bundles: see make_bundles.py).

Every file is built from constants, so a rerun writes the same bytes: the files are
committed and ``python tests/corpus/bad/make_files.py --check`` (run by
tests/test_bad_input.py) fails when the committed files and this script disagree. Files
that are simply text are written here too, so each one's exact bytes are documented in one
place. No file holds real data.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import struct
import sys
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAMP = (2020, 1, 1, 0, 0, 0)  # every zip entry's time: deterministic files
LONG_TEXT_MAX = 1_048_576
SHORT_TEXT_MAX = 4_096

TIBETAN = "བོད་"  # four-byte sequences in GB18030
CHINESE = "张某甲"


def _zip(entries: list[tuple[str, bytes]], deflate: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            info.external_attr = 0o100644 << 16
            zf.writestr(info, data)
    return out.getvalue()


# -- XLSX built by hand (openpyxl stamps the current time into docProps) ---------------

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _cell(ref: str, value: str | int) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _sheet(rows: list[tuple[int, list[tuple[str, str | int]]]], dimension: str) -> bytes:
    body = "".join(f'<row r="{n}">' + "".join(_cell(f"{col}{n}", v) for col, v in cells)
                   + "</row>" for n, cells in rows)
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}">'
            f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
            ).encode()


def xlsx(sheet_xml: bytes) -> bytes:
    """A minimal workbook of one sheet that openpyxl and Excel read."""
    return _zip([
        ("[Content_Types].xml", (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            b'.org/package/2006/content-types"><Default Extension="rels" ContentType="applicat'
            b'ion/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" Cont'
            b'entType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="ap'
            b'plication/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Over'
            b'ride PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlfo'
            b'rmats-officedocument.spreadsheetml.worksheet+xml"/></Types>')),
        ("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relations'
            f'hip Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>').encode()),
        ("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_REL}">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode()),
        ("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}"><Relations'
            f'hip Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            '</Relationships>').encode()),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ])


def _lying_sizes(data: bytes, claimed: int) -> bytes:
    """``data`` (a zip) with every central-directory entry claiming ``claimed`` bytes
    inflated: what a zip bomb's directory says, without the bomb."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        struct.pack_into("<I", out, at + 24, claimed)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


# -- images and PDFs ------------------------------------------------------------------

def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rows: bytes | None = None) -> bytes:
    """An RGB PNG; ``rows`` (filtered scanlines) default to black."""
    raw = rows if rows is not None else (b"\x00" + b"\x00" * 3 * width) * height
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(raw, 9)) + _png_chunk(b"IEND", b""))


def _jpeg_header_only() -> bytes:
    # SOI, a JFIF APP0, a start-of-frame for a 64x64 picture, then nothing: no scan data.
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 64, 64, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof


def _pdf(objects: list[bytes], trailer_root: int = 1, break_xref: bool = False) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % (offset + (7 if break_xref else 0))
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, trailer_root, xref)
    return bytes(out)


_PAGE = [b"<< /Type /Catalog /Pages 2 0 R >>",
         b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
         b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
         b"<< /Length 44 >>\nstream\nBT /F1 12 Tf 20 100 Td (Hello) Tj ET\n\nendstream"]


def files() -> dict[str, bytes]:
    """Every corpus file (but the bundles) by path relative to this directory."""
    f: dict[str, bytes] = {}
    person = {"name": "Test Person", "name_original": CHINESE}

    # JSON for `add`
    f["json/trailing-comma.json"] = b'{"name": "Test Person",}\n'
    f["json/truncated.json"] = b'{"name": "Test Per'
    f["json/single-quotes.json"] = b"{'name': 'Test Person'}\n"
    f["json/empty.json"] = b""
    f["json/duplicate-key.json"] = b'{"name": "A", "name": "B"}\n'
    f["json/nan.json"] = b'{"name": "A", "birth_year": NaN}\n'
    f["json/deep-nesting.json"] = b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    f["json/latin1.json"] = '{"name": "José Müller"}\n'.encode("latin-1")
    f["json/utf16-bom.json"] = codecs.BOM_UTF16_LE + json.dumps(person).encode("utf-16-le")
    f["json/top-level-array.json"] = json.dumps([person]).encode()
    f["json/unknown-field.json"] = b'{"name": "A", "favourite_colour": "blue"}\n'
    f["json/wrong-type.json"] = b'{"name": ["A", "B"]}\n'
    f["json/lone-surrogate.json"] = b'{"name": "A\\ud800B"}\n'
    f["json/impossible-date.json"] = b'{"name": "A", "birth_date": "2023-02-30"}\n'
    f["json/dangling-reference.json"] = b'{"source": "ffffffffffffffff", "narrative": "x"}\n'
    f["json/bad-level.json"] = b'{"name": "A", "levels": {"name": "secret"}}\n'
    f["json/pinned-level.json"] = b'{"name": "A", "levels": {"name": "public"}}\n'
    f["json/utf8-bom.json"] = codecs.BOM_UTF8 + json.dumps(person, ensure_ascii=False).encode()
    f["json/terminal-escapes.json"] = json.dumps({
        "name": "Esc \x1b[31mred\x1b[0m \x1b]0;owned\x07 \x9b2J end",
        "notes": "bell\x07 nul\x00 backspace\x08 cr\r done"}).encode()

    # huge fields, over the documented limits
    f["fields/name-over-limit.json"] = json.dumps({"name": "x" * (SHORT_TEXT_MAX + 1)}).encode()
    f["fields/notes-over-limit.json"] = json.dumps(
        {"name": "A", "notes": "y" * (LONG_TEXT_MAX + 1)}).encode()
    f["fields/aliases-over-limit.json"] = json.dumps(
        {"name": "A", "aliases": [f"a{i}" for i in range(1001)]}).encode()
    f["fields/huge-cell.csv"] = b"name,notes\n" + b"z" * (SHORT_TEXT_MAX + 1) + b",n\n"

    # numbers and nesting that Python's parsers refuse with ValueError or RecursionError
    # (found reading the parsers while writing the fuzz targets: each was an internal error)
    digits = "9" * 5000
    f["json/huge-integer.json"] = ('{"name": "A", "aliases": [' + digits + "]}\n").encode()
    f["fields/digits-5000.txt"] = digits.encode() + b"\n"
    f["csv/list-cell-huge-integer.csv"] = f'name,aliases\nA,"[{digits}]"\n'.encode()
    f["csv/list-cell-deep-nesting.csv"] = b"name,aliases\nA," + b"[" * 100_000 + b"\n"
    f["csv/levels-cell-deep-nesting.csv"] = b"name,levels\nA," + b"[" * 100_000 + b"\n"
    f["csv/integer-cell-huge.csv"] = f"type,victim_count\ntorture,{digits}\n".encode()

    # CSV and JSON Lines for `import`
    f["csv/ragged-rows.csv"] = b"name,notes\nA,one\nB,two,three,four\n"
    f["csv/unterminated-quote.csv"] = b'name,notes\nA,"never closed\nB,two\n'
    f["csv/quote-inside-cell.csv"] = b'name,notes\n"A"B,one\n'
    f["csv/nul-in-cell.csv"] = b"name,notes\nA,before\x00after\n"
    f["csv/mostly-nul.csv"] = b"name,notes\n" + b"\x00" * 400 + b"\n"
    f["csv/empty.csv"] = b""
    f["csv/header-only.csv"] = b"name,notes\n"
    f["csv/unknown-column.csv"] = b"name,shoe_size\nA,42\n"
    f["csv/not-text.csv"] = b"name,notes\nA,\xff\xfe\xfd\xff\n"
    f["csv/bom-but-invalid.csv"] = codecs.BOM_UTF8 + b"name,notes\nA,\xff\xff\n"
    f["csv/old-excel.xls"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    f["csv/bad-line.jsonl"] = b'{"name": "A"}\n{"name": "B",\n'
    f["csv/not-objects.jsonl"] = b'{"name": "A"}\n["B"]\n'
    table = f"name,name_original,aliases\nTest Person,{CHINESE},{TIBETAN}; 阿甲\n"
    f["csv/gb18030.csv"] = table.encode("gb18030")
    f["csv/utf8-bom.csv"] = codecs.BOM_UTF8 + table.encode()
    f["csv/utf16le-bom.txt"] = codecs.BOM_UTF16_LE + table.replace(",", "\t").encode("utf-16-le")
    f["csv/utf16be-bom.csv"] = codecs.BOM_UTF16_BE + table.encode("utf-16-be")
    f["csv/utf32-bom.csv"] = codecs.BOM_UTF32_LE + table.encode("utf-32-le")
    f["csv/gb18030-semicolons.csv"] = (f"name;name_original;aliases\nTest Person;{CHINESE};"
                                       f"{TIBETAN} | 阿甲\n").encode("gb18030")
    f["csv/utf8-bom.jsonl"] = codecs.BOM_UTF8 + (json.dumps(
        {"name": "Test Person", "name_original": CHINESE, "aliases": [TIBETAN]},
        ensure_ascii=False) + "\n").encode()

    # XLSX
    good = _sheet([(1, [("A", "name"), ("B", "name_original")]),
                   (2, [("A", "Test Person"), ("B", CHINESE)])], "A1:B2")
    f["xlsx/good.xlsx"] = xlsx(good)
    f["xlsx/truncated.xlsx"] = f["xlsx/good.xlsx"][:700]
    f["xlsx/zip-not-xlsx.xlsx"] = _zip([("hello.txt", b"this zip is not a workbook\n")])
    f["xlsx/not-a-zip.xlsx"] = b"name,notes\nA,B\n"
    f["xlsx/huge-dimension.xlsx"] = xlsx(_sheet(
        [(1, [("A", "name"), ("B", "name_original")]), (2, [("A", "Test Person"), ("B", CHINESE)])],
        "A1:XFD1048576"))
    f["xlsx/far-cell.xlsx"] = xlsx(_sheet(
        [(1, [("A", "name")]), (2, [("A", "Test Person")]), (1048576, [("XFD", 1)])],
        "A1:XFD1048576"))
    f["xlsx/row-beyond-excel.xlsx"] = xlsx(_sheet(
        [(1, [("A", "name")]), (2, [("A", "Test Person")]), (99_999_999_999, [("A", "x")])],
        "A1:A99999999999"))
    f["xlsx/wide-header.xlsx"] = xlsx(_sheet(
        [(1, [("A", "name"), ("AMK", "far")]), (2, [("A", "Test Person")])], "A1:AMK2"))
    f["xlsx/bomb-directory.xlsx"] = _lying_sizes(xlsx(good), 0xFFFF_0000)
    f["xlsx/broken-sheet-xml.xlsx"] = xlsx(good[:-40])

    # attachments: accepted by attach, refused by export
    f["attachments/truncated.png"] = png(64, 64)[:60]
    f["attachments/header-only.jpg"] = _jpeg_header_only()
    real = png(32, 32)
    f["attachments/bad-crc.png"] = real[:29] + bytes([real[29] ^ 0xFF]) + real[30:]
    f["attachments/pixel-bomb.png"] = png(20_000, 20_000, b"")
    f["attachments/not-really.png"] = b"\x89PNG\r\n\x1a\n" + b"this is not a picture\n" * 4
    f["attachments/truncated.pdf"] = _pdf(_PAGE)[:120]
    f["attachments/garbage.pdf"] = b"%PDF-1.7\n" + hashlib.sha256(b"evault").digest() * 8
    f["attachments/no-root.pdf"] = _pdf(_PAGE, trailer_root=9)
    f["attachments/zero-bytes.bin"] = b""

    # vault headers with absurd Argon2id parameters (canonical body, valid checksum)
    absurd: dict[str, dict[str, float]] = {
        "memory-1-tib": {"m": 2**30, "t": 1, "p": 1},
        "iterations-1e9": {"m": 8192, "t": 10**9, "p": 1},
        "parallelism-zero": {"m": 8192, "t": 1, "p": 0},
        "memory-negative": {"m": -1, "t": 1, "p": 1},
        "memory-float": {"m": 8192.5, "t": 1, "p": 1},
        "cost-over-cap": {"m": 2048 * 1024, "t": 8, "p": 1},
    }
    for name, kdf in absurd.items():
        f[f"headers/{name}"] = header(kdf)
    return f


def header(kdf: dict[str, float]) -> bytes:
    """A header whose passphrase slot names these Argon2id parameters. It parses as far
    as its bounds check; the MAC is zeros (it is never reached)."""
    body = {"format": 1, "vault_id": "00" * 16, "slots": [
        {"kind": "passphrase", "salt": "11" * 16, "nonce": "22" * 12, "wrapped": "33" * 48,
         "kdf": {"alg": "argon2id", **kdf}},
        {"kind": "recovery", "salt": "44" * 16, "nonce": "55" * 12, "wrapped": "66" * 48}]}
    raw = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    head = b"EVAULT-HEADER 1\n" + raw + b"\nmac " + b"00" * 32 + b"\n"
    return head + b"sum " + hashlib.sha256(head).hexdigest().encode() + b"\n"


def main(argv: list[str]) -> int:
    """Write the files, or with ``--check`` compare them with what is committed."""
    check = "--check" in argv
    bad = []
    for name, data in sorted(files().items()):
        path = HERE / name
        if check:
            if not path.is_file() or path.read_bytes() != data:
                bad.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for name in bad:
        print(f"differs from make_files.py: {name}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
