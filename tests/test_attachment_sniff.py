"""Media types from content (never names) and metadata extraction, on real files made
here with the real libraries (Pillow, pillow-heif, pikepdf, openpyxl, wave, zipfile)."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from vault.attachments import metadata
from vault.attachments.sniff import EMPTY, OCTET_STREAM, sniff

# shared/ sits beside the work tree (and beside CI's fresh clone).
GPS_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "photos" / "jpg" / "gps"
if not GPS_PHOTOS.is_dir():
    GPS_PHOTOS = Path("/work/shared/corpus/photos/jpg/gps")


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00" * 32


def _image(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(out, format=fmt)
    return out.getvalue()


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 8000)
    return out.getvalue()


def _zip(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for i, (name, data) in enumerate(entries):
            kind = zipfile.ZIP_STORED if stored_first and i == 0 else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=kind)
    return out.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "detainee"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CASES = [
    (_image("JPEG"), "image/jpeg"),
    (_image("PNG"), "image/png"),
    (_image("GIF"), "image/gif"),
    (_image("WEBP"), "image/webp"),
    (_image("TIFF"), "image/tiff"),
    (_ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
    (_ftyp(b"mif1", b"heic", b"miaf"), "image/heic"),
    (_ftyp(b"mif1", b"miaf"), "image/heif"),
    (_ftyp(b"avif", b"mif1"), "image/avif"),
    (_ftyp(b"isom", b"iso2", b"avc1", b"mp41"), "video/mp4"),
    (_ftyp(b"M4A ", b"isom"), "audio/mp4"),
    (_ftyp(b"qt  ", b"qt  "), "video/quicktime"),
    (_ftyp(b"3gp4", b"isom"), "video/3gpp"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    (b"\r\n\r\njunk before the header %PDF-1.4\n", "application/pdf"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" * 4, "audio/mpeg"),
    (b"\xff\xfb\x90\x64" + b"\x00" * 400, "audio/mpeg"),
    (_wav(), "audio/wav"),
    (b"OggS\x00\x02" + b"\x00" * 22 + b"\x01vorbis", "audio/ogg"),
    (b"fLaC\x00\x00\x00\x22" + b"\x00" * 34, "audio/flac"),
    (_zip([("a.txt", b"hello")]), "application/zip"),
    (_zip([("[Content_Types].xml", b"<Types/>"), ("_rels/.rels", b"<r/>"),
           ("word/document.xml", b"<w:document/>")]),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (_zip([("mimetype", b"application/vnd.oasis.opendocument.text"),
           ("content.xml", b"<x/>")], stored_first=True),
     "application/vnd.oasis.opendocument.text"),
    ("他们在凌晨把他带走了。\nHe was taken at dawn.\n".encode(), "text/plain"),
    ("text".encode("utf-16"), "text/plain"),
    (b"", EMPTY),
    (bytes(range(256)) * 4, OCTET_STREAM),
    (b"\xff\xf1\x50\x80" + b"\x00" * 100, OCTET_STREAM),  # AAC ADTS is not MP3
]


@pytest.mark.parametrize(("data", "expected"), CASES, ids=[c[1] + str(i)
                                                           for i, c in enumerate(CASES)])
def test_sniff(data: bytes, expected: str) -> None:
    assert sniff(data[:65536]) == expected


def test_text_cut_inside_a_character_is_still_text() -> None:
    data = ("证人" * 40000).encode()
    head = data[:65536]  # 65536 is not a multiple of 3: the last character is cut
    assert sniff(head) == "text/plain"


@settings(max_examples=200)
@given(st.binary(max_size=2048))
def test_sniff_never_fails(data: bytes) -> None:
    assert isinstance(sniff(data), str)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096), st.sampled_from(["image/jpeg", "image/png",
       "application/pdf", "audio/mpeg", "video/mp4", "image/heic", "audio/wav"]))
def test_metadata_never_fails(data: bytes, media_type: str) -> None:
    found = metadata.extract(io.BytesIO(data), media_type)
    assert isinstance(found, dict)


def test_metadata_of_a_real_gps_photo() -> None:
    photos = sorted(GPS_PHOTOS.glob("*.jpg"))[:3]
    assert photos, "the photo corpus is missing"
    for photo in photos:
        with open(photo, "rb") as fh:
            found = metadata.extract(fh, "image/jpeg")
        assert "latitude" in found["gps"] and "longitude" in found["gps"]
        assert found["exif"]["DateTimeOriginal"]


def test_metadata_of_a_heic_photo_with_gps() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = Image.Exif()
    exif[0x010F] = "Apple"
    exif[0x8825] = {1: "S", 2: (33.0, 52.0, 0.0), 3: "W", 4: (70.0, 39.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "blue").save(out, format="HEIF", exif=exif.tobytes())
    data = out.getvalue()
    assert sniff(data) == "image/heic"
    found = metadata.extract(io.BytesIO(data), "image/heic")
    assert found["exif"]["Make"] == "Apple"
    assert found["gps"]["latitude"] == pytest.approx(-33.8666667)
    assert found["gps"]["longitude"] == pytest.approx(-70.65)


def test_metadata_of_audio() -> None:
    found = metadata.extract(io.BytesIO(_wav()), "audio/wav")
    assert found["length"] == pytest.approx(1.0)
    assert (found["sample_rate"], found["channels"]) == (8000, 1)


def test_metadata_values_are_plain_json() -> None:
    import json

    assert metadata.plain(float("nan")) is None
    assert metadata.plain(b"\x00\x01\x02" * 100) == "<300 bytes>"
    assert metadata.plain(b"Canon\x00") == "Canon"
    json.dumps(metadata.plain({"a": [1.5, b"x", (1, 2)], "b": {"c": None}}), allow_nan=False)
