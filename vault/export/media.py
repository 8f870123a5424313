"""Audio and video without their tags: remuxed (or re-encoded on request) by ffmpeg.

Why ffmpeg, and this one: the ``imageio-ffmpeg`` wheel ships a static ffmpeg binary, so
``pip install`` alone brings it and nothing is fetched at run time; no Python library
rewrites every container (MP4/MOV/3GP, Matroska/WebM, Ogg, MP3, WAV, AMR) so well.

What leaves: the video streams that are not cover pictures and the audio streams, their
packets copied unchanged (``-c copy``) into a new container, or re-encoded (H.264/AAC in
MP4, or AAC in M4A for audio) when the user asks. What is dropped: every container and
stream tag (``-map_metadata -1`` globally and per stream: titles, comments, GPS
``©xyz``/``location`` atoms, device make and model, creation times, encoder names),
chapters, subtitle, data and attachment streams, cover art, and the muxer's own version
string (``-fflags +bitexact``). :func:`check_media` verifies the result the way the
gate does: any tag outside :data:`ALLOWED_TAGS`, any chapter, any stream that is neither
audio nor video refuses it.

Plaintext never gets a name on disk: the attachment is decrypted into an unnamed
``O_TMPFILE`` file and ffmpeg reads it and writes the clean copy, also unnamed, through
``/proc/self/fd``; both vanish when closed. (The bytes do reach the disk's free space,
like any swap; docs/attachments.md says so.) A voice still identifies its speaker and a
face its owner: a recording linked to a protected source is never exported (the plan).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from vault.export.sanitize import Sanitized, Unsanitizable
from vault.export.structure import StructureError

CHUNK = 1 << 20
#: Tags ffmpeg reports that describe the format, not the recording or its maker.
ALLOWED_TAGS = frozenset({"major_brand", "minor_version", "compatible_brands",
                          "handler_name", "vendor_id", "language", "duration",
                          "encoder", "_statistics_tags", "number_of_frames",
                          "number_of_bytes", "bps", "duration-eng", "bps-eng"})
#: Encoder values allowed for ``encoder``: the bit-exact muxer writes only its name.
_ALLOWED_ENCODER = re.compile(r"^(Lavf|Lavc)?[A-Za-z0-9_ ]*$")
_ALLOWED_VALUES = {"handler_name": re.compile(r"^((Video|Sound|Audio)Handler)?$"),
                   "language": re.compile(r"^[a-z]{3}$")}
_TIMEOUT = 3600

Progress = Callable[[int, int], None]


class MediaRefused(Unsanitizable):
    """A recording ffmpeg cannot clean (damaged, or a codec its container cannot hold)."""


def ffmpeg_exe() -> str:
    """The ffmpeg binary shipped in the imageio-ffmpeg wheel."""
    try:
        import imageio_ffmpeg
    except ImportError:  # pragma: no cover - it is a dependency
        raise MediaRefused("audio and video need imageio-ffmpeg, which is not installed; "
                           "reinstall evault") from None
    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass
class CleanMedia:
    """A cleaned recording held in an unnamed file (close it when done)."""

    fd: int
    size: int
    sha256: str

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """The file's bytes from the start, ``size`` at a time (``pread``: the offset of
        the descriptor is never moved, so two readers do not disturb each other)."""
        offset = 0
        while offset < self.size:
            piece = os.pread(self.fd, min(size, self.size - offset), offset)
            if not piece:
                raise StructureError("a media file in the bundle shrank while read")
            offset += len(piece)
            yield piece

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        """Release the unnamed file (its bytes are freed by the filesystem)."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1


def unnamed_file() -> int:
    """A read-write file with no name (``O_TMPFILE``) in the system's temporary folder."""
    if not hasattr(os, "O_TMPFILE"):
        raise MediaRefused("this system cannot hold a recording without naming it on disk; "
                           "audio and video cannot be exported here")
    try:
        return os.open(tempfile.gettempdir(), os.O_TMPFILE | os.O_RDWR, 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            raise MediaRefused("the temporary folder cannot hold unnamed files; audio and "
                               "video cannot be exported here") from None
        raise MediaRefused(f"no room to clean the recording ({exc.strerror})") from None


def _write_all(fd: int, chunks: Iterable[bytes], cancel: threading.Event | None) -> None:
    for chunk in chunks:
        if cancel is not None and cancel.is_set():
            from vault.export.plan import Cancelled

            raise Cancelled("the export was cancelled; nothing was written")
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]


def _container(head: bytes, probe: str) -> tuple[str, str, str]:
    """``(muxer, extension, media type)`` for a remux into the input's own family."""
    first = probe.split("Input #0, ", 1)[-1].split(",", 1)[0] if "Input #0" in probe else ""
    video = " Video: " in probe
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "mov", "mov", "video/quicktime"
        if brand.startswith(b"3g"):
            return "3gp", "3gp", "video/3gpp" if video else "audio/3gpp"
        if not video:
            return "ipod", "m4a", "audio/mp4"
        return "mp4", "mp4", "video/mp4"
    if first == "matroska" or head[:4] == b"\x1aE\xdf\xa3":
        if b"webm" in head[:64]:
            return "webm", "webm", "video/webm" if video else "audio/webm"
        return "matroska", "mkv", "video/x-matroska"
    if first == "ogg" or head.startswith(b"OggS"):
        if "Audio: opus" in probe and not video:
            return "opus", "opus", "audio/ogg"
        return "ogg", "ogg", "audio/ogg" if not video else "video/ogg"
    if first == "mp3" or head.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")):
        return "mp3", "mp3", "audio/mpeg"
    if first == "wav" or (head[:4] == b"RIFF" and head[8:12] == b"WAVE"):
        return "wav", "wav", "audio/wav"
    if first == "amr" or head.startswith(b"#!AMR"):
        return "amr", "amr", "audio/amr"
    if first == "avi":
        return "avi", "avi", "video/x-msvideo"
    raise MediaRefused("this audio or video container is not one evault can clean "
                       "(mp4, mov, m4a, 3gp, amr, webm, mkv, mp3, ogg, opus, wav)")


def probe(fd: int) -> str:
    """ffmpeg's description of the file open at ``fd`` (its streams, tags, chapters)."""
    result = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", f"/proc/self/fd/{fd}"],
        pass_fds=(fd,), capture_output=True, timeout=_TIMEOUT, check=False)
    return result.stderr.decode("utf-8", "replace")


def sanitize_media(chunks: Iterable[bytes], head: bytes, *, reencode: bool = False,
                   cancel: threading.Event | None = None) -> Sanitized:
    """A clean copy of the recording whose bytes ``chunks`` yields (``head``: its first
    bytes, for the container type). MediaRefused with the reason when ffmpeg fails."""
    source = unnamed_file()
    out = -1
    try:
        _write_all(source, chunks, cancel)
        description = probe(source)
        if "Input #0" not in description:
            raise MediaRefused("the recording is damaged or not audio or video ffmpeg reads")
        video = " Video: " in description
        if reencode:
            muxer, ext, mtype = ("mp4", "mp4", "video/mp4") if video else \
                ("ipod", "m4a", "audio/mp4")
            codecs = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                      "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k"]
        else:
            muxer, ext, mtype = _container(head, description)
            codecs = ["-c", "copy"]
        out = unnamed_file()
        command = [
            ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-i", f"/proc/self/fd/{source}",
            "-map", "0:V?", "-map", "0:a?",  # V: video that is not a cover picture
            "-map_metadata", "-1", "-map_metadata:s:v", "-1", "-map_metadata:s:a", "-1",
            "-map_chapters", "-1", "-sn", "-dn",
            "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
            *codecs, "-f", muxer, f"/proc/self/fd/{out}",
        ]
        result = subprocess.run(command, pass_fds=(source, out), capture_output=True,
                                timeout=_TIMEOUT, check=False)
        if result.returncode != 0:
            raise MediaRefused("ffmpeg could not rewrite this recording without its tags"
                               + ("" if reencode else "; try re-encoding it"))
        os.lseek(out, 0, os.SEEK_SET)
        size = os.fstat(out).st_size
        digest = hashlib.sha256()
        offset = 0
        while offset < size:
            piece = os.pread(out, min(CHUNK, size - offset), offset)
            if not piece:
                break
            digest.update(piece)
            offset += len(piece)
        clean = CleanMedia(out, size, digest.hexdigest())
        try:
            check_media(clean)
        except StructureError as exc:
            raise MediaRefused(f"the cleaned recording failed its check: {exc.message}") \
                from None
        out = -1  # owned by clean from here
        return Sanitized(b"", mtype, ext, media=clean)
    except subprocess.TimeoutExpired:
        raise MediaRefused("ffmpeg took too long on this recording") from None
    finally:
        os.close(source)
        if out >= 0:
            os.close(out)


_TAG = re.compile(r"^\s+([^:]+?)\s*:\s?(.*)$")


def check_media(media: CleanMedia) -> None:
    """StructureError when the file still has a tag outside :data:`ALLOWED_TAGS`, a
    chapter, or a stream that is neither audio nor video (a cover picture included)."""
    description = probe(media.fd)
    if "Input #0" not in description:
        raise StructureError("a media file in the bundle does not parse")
    if "Chapter #" in description or "Chapters:" in description:
        raise StructureError("a media file in the bundle still has chapters")
    in_metadata = False
    for line in description.splitlines()[description.splitlines().index(
            next(ln for ln in description.splitlines() if ln.startswith("Input #0"))):]:
        stripped = line.strip()
        if stripped.startswith("Stream #"):
            kind = stripped.split(": ", 2)[1] if stripped.count(": ") >= 2 else ""
            if kind not in ("Video", "Audio") or "(attached pic)" in stripped:
                raise StructureError("a media file in the bundle has a stream that is "
                                     "neither audio nor video")
            in_metadata = False
            continue
        if stripped == "Metadata:":
            in_metadata = True
            continue
        if stripped.startswith(("Duration:", "Side data:", "Input #", "Output #")):
            in_metadata = False
            continue
        if in_metadata:
            m = _TAG.match(line)
            if m is None:
                continue
            key, value = m.group(1).strip().lower(), m.group(2).strip()
            if key not in ALLOWED_TAGS:
                raise StructureError(f"a media file in the bundle still has a "
                                     f"{key!r} tag")
            if key == "encoder" and not _ALLOWED_ENCODER.match(value):
                raise StructureError("a media file in the bundle names its encoder")
            rule = _ALLOWED_VALUES.get(key)
            if rule is not None and not rule.match(value):
                raise StructureError(f"a media file in the bundle has a {key!r} tag with "
                                     "text of its own")
