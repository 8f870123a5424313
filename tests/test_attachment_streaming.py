"""The parts behind attachments that tell no secrets, each shown able to fail: the media
check refuses what ffmpeg reports, the streamed gate finds a value split across pieces,
a streamed bundle that leaks writes nothing, copies of one picture differ."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyrage
import pytest
from PIL import Image

from vault.errors import PolicyRefused
from vault.export.gate import Gate, LeakFound
from vault.export.media import CleanMedia, check_media, ffmpeg_exe, sanitize_media, unnamed_file
from vault.export.redact import Owner
from vault.export.sanitize import sanitize
from vault.export.sealing import ContainerScan
from vault.export.structure import StructureError
from vault.records.spec import Level
from vault.session import Vault

OWNER = Owner("r1", "source", "name", Level.PRIVATE, False)


def _as_media(data: bytes) -> CleanMedia:
    import hashlib

    fd = unnamed_file()
    os.write(fd, data)
    return CleanMedia(fd, len(data), hashlib.sha256(data).hexdigest())


def _tagged_clip(tmp_path: Path) -> bytes:
    out = tmp_path / "t.mp4"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=64x48:rate=5:duration=1", "-c:v", "libx264",
                    "-metadata", "title=Gulnar", "-metadata", "location=+39.4+075.9/",
                    str(out)], check=True)
    return out.read_bytes()


def test_the_media_check_refuses_tags_and_the_cleaner_removes_them(tmp_path: Path) -> None:
    data = _tagged_clip(tmp_path)
    original = _as_media(data)
    with pytest.raises(StructureError, match="tag"):
        check_media(original)
    original.close()
    clean = sanitize_media([data[:100], data[100:]], data[:64])
    assert clean.media is not None and clean.extension == "mp4"
    check_media(clean.media)
    assert b"Gulnar" not in b"".join(clean.media.chunks())
    clean.media.close()


def test_a_damaged_recording_is_refused_with_the_reason() -> None:
    with pytest.raises(PolicyRefused, match="damaged"):
        sanitize_media([b"ID3\x03\x00" + b"\x00" * 500], b"ID3\x03\x00")


def test_the_streamed_gate_finds_a_value_split_between_pieces() -> None:
    gate = Gate([("Gulnar Abdukerim", OWNER)])
    scan = ContainerScan(gate)
    scan.feed(b"x" * 1000 + b"...Gulnar Abd")
    with pytest.raises(LeakFound):
        scan.feed(b"ukerim and more")


def test_two_copies_of_one_photo_are_different_bytes() -> None:
    img = Image.linear_gradient("L").resize((96, 64)).convert("RGB")
    out = io.BytesIO()
    img.save(out, "JPEG")
    first, second = sanitize(out.getvalue()), sanitize(out.getvalue())
    assert first.media_type == "image/jpeg" and first.data != second.data
    from PIL import ImageChops, ImageStat

    a = Image.open(io.BytesIO(first.data)).convert("L")
    b = Image.open(io.BytesIO(second.data)).convert("L")
    assert ImageStat.Stat(ImageChops.difference(a, b)).mean[0] < 1.0  # same to the eye


def test_a_streamed_bundle_that_leaks_writes_nothing(new_vault: Vault, tmp_path: Path) -> None:
    """A bundle with a video streams; a record text naming the source (planted after
    redaction, as a bug would) is found by the gate mid-stream: no file is left."""
    records = new_vault.services.records
    records.add("source", {"label": "K", "name": "Gulnar Abdukerim"})
    other = records.add("person", {"name": "Someone Public"})
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(_tagged_clip(tmp_path))
    new_vault.services.attachments.attach(other, clip, level="partner")
    export: Any = new_vault.services.export
    key = str(pyrage.x25519.Identity.generate().to_public())
    plan = export.plan(clearance="partner", to=[key], ids=[other], include_attachments=True)
    assert any(a.clean is not None and a.clean.media is not None for a in plan.attachments)
    plan.views[0].fields["name"] = "Gulnar Abdukerim"  # what the gate exists for
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(LeakFound):
        export.seal(plan, out / "b.age")
    assert not list(out.iterdir())
    plan.views[0].fields["name"] = "Someone Public"
    sealed = export.seal(plan, out / "b.age")
    assert sealed.size == (out / "b.age").stat().st_size


FORMATS = {  # extension: ffmpeg arguments making a tagged recording of that kind
    "mov": ["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-c:a", "aac"],
    "m4a": ["-map", "1:a", "-c:a", "aac"],
    "3gp": ["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-c:a", "aac"],
    "webm": ["-map", "0:v", "-map", "1:a", "-c:v", "libvpx", "-c:a", "libopus"],
    "ogg": ["-map", "1:a", "-c:a", "libvorbis"],
    "opus": ["-map", "1:a", "-c:a", "libopus"],
    "wav": ["-map", "1:a", "-c:a", "pcm_s16le"],
    "amr": ["-map", "1:a", "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb",
            "-b:a", "12.2k"],
}


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_every_container_loses_its_tags(ext: str, tmp_path: Path) -> None:
    src = tmp_path / f"in.{ext}"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc=size=64x48:rate=5:duration=1", "-f", "lavfi", "-i",
                    "sine=duration=1", *FORMATS[ext], "-metadata", "title=Gulnar",
                    "-metadata", "artist=SECRETARTIST", "-metadata", "comment=+39.4+075.9",
                    str(src)], check=True)
    data = src.read_bytes()
    clean = sanitize_media([data], data[:64])
    assert clean.media is not None
    out = tmp_path / f"out.{clean.extension}"
    out.write_bytes(b"".join(clean.media.chunks()))
    clean.media.close()
    seen = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(out)],
                          capture_output=True, text=True).stderr
    assert "Input #0" in seen
    for word in ("Gulnar", "SECRET", "075.9", "title", "artist", "comment"):
        assert word not in seen, word
    exiftool = shutil.which("exiftool")
    if exiftool:
        tags = subprocess.run([exiftool, "-a", "-G1", str(out)], capture_output=True,
                              text=True).stdout
        for word in ("Gulnar", "SECRET", "075.9"):
            assert word not in tags, word
