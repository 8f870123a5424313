"""Attachments through the session facade: round trips at chunk boundaries, tampering,
canaries at rest, bad input, custody, checks and repairs. Real vaults, real files."""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from crypto.stream import CHUNK_SIZE, ciphertext_size
from vault.attachments.checks import repair_attachments
from vault.attachments.ingest import Cancelled
from vault.attachments.metadata import UNREADABLE
from vault.attachments.source import FileChanged
from vault.errors import IntegrityError, InvalidInput, NotFound
from vault.session import Vault

# shared/ sits beside the work tree (and beside CI's fresh clone).
GPS_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "photos" / "jpg" / "gps"
if not GPS_PHOTOS.is_dir():
    GPS_PHOTOS = Path("/work/shared/corpus/photos/jpg/gps")
CANARY = "CANARY-7f3a9c-Xinjiang-证人"


def add_record(vault: Vault, name: str = "Test Person") -> str:
    """A person record through the records service (the real one)."""
    return str(vault.services.records.add("person", {"name": name}))


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def blob_files(vault: Vault) -> list[Path]:
    return sorted(vault.layout.blobs.iterdir())


@pytest.fixture
def svc(new_vault: Vault) -> Any:
    return new_vault.services.attachments


@pytest.fixture
def rid(new_vault: Vault) -> str:
    return add_record(new_vault)


# -- round trips ------------------------------------------------------------------------------

SIZES = [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE - 1,
         3 * CHUNK_SIZE, 3 * CHUNK_SIZE + 1]


def test_round_trip_at_chunk_boundaries(new_vault: Vault, svc: Any, rid: str,
                                        tmp_path: Path) -> None:
    for size in SIZES:
        data = os.urandom(size)
        src = write(tmp_path / f"in-{size}.bin", data)
        att = svc.attach(rid, src)
        assert (att.size, att.sha256) == (size, hashlib.sha256(data).hexdigest())
        row = new_vault.store.query_one("SELECT blob_name FROM attachments WHERE id = ?",
                                        (att.id,))
        assert (new_vault.layout.blobs / row[0]).stat().st_size == ciphertext_size(size)
        assert b"".join(svc.open_stream(att.id)) == data
        out = tmp_path / f"out-{size}.bin"
        svc.extract(att.id, out)
        assert out.read_bytes() == data
    assert [a.size for a in svc.list(rid)] == SIZES
    assert svc.get(svc.list(rid)[0].id).media_type == "application/x-empty"
    assert new_vault.check().ok


def test_round_trip_large_file(svc: Any, rid: str, tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(src, "wb") as fh:
        for i in range(50):
            piece = block[i:] + block[:i]  # no two mebibytes alike
            fh.write(piece)
            digest.update(piece)
        fh.write(b"tail")
        digest.update(b"tail")
    seen: list[tuple[int, int]] = []
    att = svc.attach(rid, src, progress=lambda done, total: seen.append((done, total)))
    assert att.sha256 == digest.hexdigest()
    assert seen[-1] == (50 * (1 << 20) + 4, 50 * (1 << 20) + 4)
    out = tmp_path / "out.bin"
    svc.extract(att.id, out)
    check = hashlib.sha256()
    with open(out, "rb") as fh:
        while chunk := fh.read(1 << 20):
            check.update(chunk)
    assert check.hexdigest() == att.sha256


# -- tampering --------------------------------------------------------------------------------


def _two_blobs(new_vault: Vault, svc: Any, rid: str, tmp_path: Path) -> tuple[Any, Any]:
    a = svc.attach(rid, write(tmp_path / "a.bin", os.urandom(3 * CHUNK_SIZE + 5)))
    b = svc.attach(rid, write(tmp_path / "b.bin", os.urandom(3 * CHUNK_SIZE + 5)))
    return a, b


def _blob(new_vault: Vault, att_id: str) -> Path:
    row = new_vault.store.query_one("SELECT blob_name FROM attachments WHERE id = ?",
                                    (att_id,))
    return new_vault.layout.blobs / str(row[0])


def _swap(a: Path, b: Path) -> None:
    tmp = a.with_name("swap")
    os.rename(a, tmp)
    os.rename(b, a)
    os.rename(tmp, b)


def _truncate(p: Path) -> None:
    os.truncate(p, p.stat().st_size - CHUNK_SIZE - 16)


def _extend(p: Path) -> None:
    with open(p, "ab") as fh:
        fh.write(os.urandom(CHUNK_SIZE + 16))


def _flip(p: Path) -> None:
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01
    p.write_bytes(bytes(data))


@pytest.mark.parametrize("tamper", ["swap", "truncate", "extend", "flip", "delete"])
def test_tampered_blob_detected_by_extract_and_check(new_vault: Vault, svc: Any, rid: str,
                                                     tmp_path: Path, tamper: str) -> None:
    a, b = _two_blobs(new_vault, svc, rid, tmp_path)
    blob_a, blob_b = _blob(new_vault, a.id), _blob(new_vault, b.id)
    actions: dict[str, Callable[[], None]] = {
        "swap": lambda: _swap(blob_a, blob_b), "truncate": lambda: _truncate(blob_a),
        "extend": lambda: _extend(blob_a), "flip": lambda: _flip(blob_a),
        "delete": blob_a.unlink}
    actions[tamper]()
    outdir = tmp_path / "out"
    outdir.mkdir()
    with pytest.raises(IntegrityError) as caught:
        svc.extract(a.id, outdir / "a.bin")
    assert caught.value.exit_code == 4 and a.id in caught.value.message
    assert list(outdir.iterdir()) == []  # no output, no partial temp file
    with pytest.raises(IntegrityError):
        b"".join(svc.open_stream(a.id))
    report = new_vault.check()
    assert not report.ok
    assert any(a.id in p for p in report.problems)
    assert any(b.id in p for p in report.problems) == (tamper == "swap")
    # the repair never removes a referenced blob, however damaged
    repair_attachments(new_vault)
    if tamper != "delete":
        assert blob_a.exists()


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_flipped_bit_is_detected(new_vault: Vault, svc: Any, rid: str, tmp_path: Path,
                                     data: st.DataObject) -> None:
    existing = svc.list(rid)
    if existing:
        att = existing[0]
    else:
        att = svc.attach(rid, write(tmp_path / "f.bin", os.urandom(2 * CHUNK_SIZE + 3)))
    blob = _blob(new_vault, att.id)
    original = blob.read_bytes()
    pos = data.draw(st.integers(0, len(original) - 1))
    bit = data.draw(st.integers(0, 7))
    damaged = bytearray(original)
    damaged[pos] ^= 1 << bit
    blob.write_bytes(bytes(damaged))
    try:
        with pytest.raises(IntegrityError):
            svc.verify(att.id)
    finally:
        blob.write_bytes(original)
    svc.verify(att.id)


def test_extraction_failure_leaves_no_plaintext(new_vault: Vault, svc: Any, rid: str,
                                                tmp_path: Path) -> None:
    marker = b"PLAINTEXT-MARKER" * 20000  # several chunks, recognisable
    att = svc.attach(rid, write(tmp_path / "m.bin", marker))
    _truncate(_blob(new_vault, att.id))
    outdir = tmp_path / "out"
    outdir.mkdir()
    with pytest.raises(IntegrityError):
        svc.extract(att.id, outdir / "m.bin")
    assert list(outdir.iterdir()) == []
    # cancelled half way: same promise
    att2 = svc.attach(rid, write(tmp_path / "n.bin", marker))
    cancel = threading.Event()

    def stop(done: int, total: int) -> None:
        if done > CHUNK_SIZE:
            cancel.set()
    with pytest.raises(Cancelled):
        svc.extract(att2.id, outdir / "n.bin", progress=stop, cancel=cancel)
    assert list(outdir.iterdir()) == []


def test_extract_refuses_to_overwrite(svc: Any, rid: str, tmp_path: Path) -> None:
    att = svc.attach(rid, write(tmp_path / "x.txt", b"hello\n"))
    existing = write(tmp_path / "exists.txt", b"keep me")
    with pytest.raises(InvalidInput):
        svc.extract(att.id, existing)
    assert existing.read_bytes() == b"keep me"


# -- nothing readable at rest -------------------------------------------------------------------


def _canary_forms() -> list[bytes]:
    forms = [CANARY.encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be")]
    ascii_part = CANARY.split("-证")[0].encode()
    return [*forms, ascii_part, ascii_part.decode().encode("utf-16-le")]


def _files_holding(root: Path, needles: list[bytes]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            hits += [f"{path.relative_to(root)}" for n in needles if n in content]
    return hits


def test_canary_in_content_name_note_and_metadata_never_on_disk(
        vault_path: Path, new_vault: Vault, svc: Any, rid: str, tmp_path: Path) -> None:
    src = tmp_path / f"{CANARY}.txt"
    src.write_bytes((CANARY + "\n").encode() * 5000)
    photo = tmp_path / f"photo-{CANARY}.png"
    exif = Image.Exif()
    ascii_canary = CANARY.split("-证")[0]  # EXIF ASCII fields hold ASCII only
    exif[0x013B] = ascii_canary  # Artist
    exif[0x010E] = ascii_canary  # ImageDescription
    Image.new("RGB", (8, 8), "red").save(photo, exif=exif)
    a = svc.attach(rid, src, note=CANARY)
    p = svc.attach(rid, photo, level="partner")
    assert p.metadata["exif"]["Artist"] == ascii_canary  # the canary really was extracted
    assert a.name == src.name and p.name == photo.name
    svc.extract(a.id, tmp_path / "extracted.txt")
    svc.set_level(a.id, "public")
    needles = _canary_forms()
    assert _files_holding(vault_path, needles) == []  # while open: -wal and -shm included
    new_vault.close()
    assert _files_holding(vault_path, needles) == []


# -- bad input --------------------------------------------------------------------------------


def test_refuses_what_is_not_a_regular_readable_file(new_vault: Vault, svc: Any, rid: str,
                                                     tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for path, words in [(tmp_path / "missing", "does not exist"),
                        (tmp_path, "directory"),
                        (fifo, "not a regular file"),
                        (Path("/dev/null"), "not a regular file")]:
        with pytest.raises(InvalidInput) as caught:
            svc.attach(rid, path)
        assert words in caught.value.message
        assert str(path.name) not in caught.value.message or path.name == "null"
    if os.geteuid() != 0:  # root reads anything
        locked = write(tmp_path / "locked", b"secret")
        locked.chmod(0)
        with pytest.raises(InvalidInput):
            svc.attach(rid, locked)
    assert svc.list(rid) == []
    assert blob_files(new_vault) == []


def test_zero_byte_file_is_allowed(svc: Any, rid: str, tmp_path: Path) -> None:
    att = svc.attach(rid, write(tmp_path / "empty", b""))
    assert (att.size, att.media_type) == (0, "application/x-empty")
    assert att.sha256 == hashlib.sha256(b"").hexdigest()
    assert b"".join(svc.open_stream(att.id)) == b""


def test_file_growing_while_read_is_refused(new_vault: Vault, svc: Any, rid: str,
                                            tmp_path: Path) -> None:
    src = write(tmp_path / "growing.bin", os.urandom(4 * CHUNK_SIZE))

    def append(done: int, total: int) -> None:
        if done == CHUNK_SIZE:  # another program appends while we read
            with open(src, "ab") as fh:
                fh.write(b"more")
    with pytest.raises(FileChanged):
        svc.attach(rid, src, progress=append)
    assert svc.list(rid) == [] and blob_files(new_vault) == []


def test_file_rewritten_in_place_while_read_is_refused(new_vault: Vault, svc: Any, rid: str,
                                                       tmp_path: Path) -> None:
    src = write(tmp_path / "rewritten.bin", os.urandom(4 * CHUNK_SIZE))

    def rewrite(done: int, total: int) -> None:
        if done == 2 * CHUNK_SIZE:  # same size, new bytes at the start, new mtime
            with open(src, "r+b") as fh:
                fh.write(os.urandom(100))
            st_ = src.stat()
            os.utime(src, ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000))
    with pytest.raises(FileChanged):
        svc.attach(rid, src, progress=rewrite)
    assert svc.list(rid) == [] and blob_files(new_vault) == []


def test_file_appended_by_another_thread_is_refused_or_complete(
        new_vault: Vault, svc: Any, rid: str, tmp_path: Path) -> None:
    src = write(tmp_path / "log.bin", os.urandom(64 * CHUNK_SIZE))
    stop, started = threading.Event(), threading.Event()

    def writer() -> None:
        with open(src, "ab", buffering=0) as fh:
            while not stop.is_set():
                fh.write(b"x" * 1000)
                started.set()
    thread = threading.Thread(target=writer)
    thread.start()
    started.wait()
    try:
        att = svc.attach(rid, src)
    except FileChanged:
        att = None
    finally:
        stop.set()
        thread.join()
    if att is None:
        assert blob_files(new_vault) == []
    else:
        # The writer happened not to run while we read: then what we stored must be
        # exactly the file as it was, which is a prefix of the file now.
        assert att.sha256 == hashlib.sha256(src.read_bytes()[:att.size]).hexdigest()
        assert b"".join(svc.open_stream(att.id)) == src.read_bytes()[:att.size]


def test_cancel_stores_nothing(new_vault: Vault, svc: Any, rid: str, tmp_path: Path) -> None:
    src = write(tmp_path / "c.bin", os.urandom(6 * CHUNK_SIZE))
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        svc.attach(rid, src, progress=lambda d, t: cancel.set(), cancel=cancel)
    assert svc.list(rid) == [] and blob_files(new_vault) == []
    assert new_vault.check().ok


def test_unknown_record_and_bad_level(svc: Any, rid: str, tmp_path: Path) -> None:
    src = write(tmp_path / "f.txt", b"x")
    with pytest.raises(NotFound):
        svc.attach("0123456789abcdef", src)
    with pytest.raises(InvalidInput):
        svc.attach(rid, src, level="secret")
    with pytest.raises(InvalidInput):
        svc.attach(rid, src, note="a\x00b")


def test_record_with_attachments_cannot_be_deleted(new_vault: Vault, svc: Any, rid: str,
                                                   tmp_path: Path) -> None:
    att = svc.attach(rid, write(tmp_path / "f.txt", b"x"))
    with pytest.raises(InvalidInput):
        new_vault.services.records.delete(rid)
    svc.detach(att.id)
    new_vault.services.records.delete(rid)


# -- metadata and media types ---------------------------------------------------------------


def test_photo_gps_metadata_extracted(svc: Any, rid: str, tmp_path: Path) -> None:
    photo = sorted(GPS_PHOTOS.glob("*.jpg"))[0]
    renamed = write(tmp_path / "notes.txt", photo.read_bytes())  # the name lies
    att = svc.attach(rid, renamed)
    assert att.media_type == "image/jpeg"
    gps = att.metadata["gps"]
    assert -90 <= gps["latitude"] <= 90 and -180 <= gps["longitude"] <= 180
    assert att.metadata["exif"]["Make"]


def test_pdf_info_extracted(svc: Any, rid: str, tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Author"] = "Officer Wang"
    pdf.docinfo["/Title"] = "Notice of detention"
    path = tmp_path / "scan.jpg"
    pdf.save(path)
    att = svc.attach(rid, path)
    assert att.media_type == "application/pdf"
    assert att.metadata["info"]["Author"] == "Officer Wang"
    assert att.metadata["pages"] == 1 and att.metadata["xmp"] is False


def test_unreadable_metadata_never_fails_ingest(svc: Any, rid: str, tmp_path: Path) -> None:
    fake = write(tmp_path / "broken.jpg", b"\xff\xd8\xff\xe0" + os.urandom(5000))
    att = svc.attach(rid, fake)
    assert att.media_type == "image/jpeg"
    assert att.metadata == UNREADABLE
    bad_pdf = write(tmp_path / "broken.pdf", b"%PDF-1.7\n" + os.urandom(3000))
    assert svc.attach(rid, bad_pdf).metadata == UNREADABLE


# -- custody, detach, remove original --------------------------------------------------------


def test_custody_records_every_step_with_the_hash(new_vault: Vault, svc: Any, rid: str,
                                                  tmp_path: Path) -> None:
    att = svc.attach(rid, write(tmp_path / f"{CANARY}.txt", b"evidence"), note=CANARY)
    svc.extract(att.id, tmp_path / "copy.txt")
    svc.set_level(att.id, "partner")
    blob = _blob(new_vault, att.id)
    svc.detach(att.id)
    assert not blob.exists()
    with pytest.raises(NotFound):
        svc.get(att.id)
    entries = svc.custody(att.id[:6])  # still answerable after the detach, by prefix
    assert [e.action for e in entries] == ["attachment.ingest", "attachment.extract",
                                           "attachment.level", "attachment.detach"]
    assert all(e.detail["sha256"] == att.sha256 for e in entries)
    assert all(e.record == rid for e in entries)
    assert entries[2].detail["before"] == "private" and entries[2].detail["after"] == "partner"
    for e in new_vault.store.audit_entries():
        assert CANARY not in repr(e)
    assert new_vault.check().ok


def test_custody_seeks_in_the_audit_log(new_vault: Vault, svc: Any, rid: str,
                                        tmp_path: Path) -> None:
    """The audit log grows with everything done in the vault; an attachment's custody is
    read through an index over the attachment entries, never by walking the log (issue
    16): every statement custody runs, live and detached, is planned without a scan of
    the audit table."""
    att = svc.attach(rid, write(tmp_path / "a.txt", b"evidence"))
    gone = svc.attach(rid, write(tmp_path / "b.txt", b"other evidence"))
    svc.detach(gone.id)
    new_vault.services.records.add_many("person", [{"name": f"P {i}"} for i in range(30)])
    store = new_vault.store
    statements: list[tuple[str, tuple[Any, ...]]] = []
    original = store.query

    def recording(sql: str, params: Any = ()) -> list[Any]:
        statements.append((sql, tuple(params)))
        return original(sql, params)

    store.query = recording  # type: ignore[method-assign]  # counted, not replaced
    try:
        assert [e.action for e in svc.custody(att.id)] == ["attachment.ingest"]
        assert svc.custody(gone.id[:6])[-1].action == "attachment.detach"
    finally:
        del store.query
    on_audit = [(sql, p) for sql, p in statements if "FROM audit" in sql]
    assert len(on_audit) == 3  # two custody reads and the detached prefix
    for sql, params in on_audit:
        plan = " ".join(str(row[-1]) for row in store.query(f"EXPLAIN QUERY PLAN {sql}",
                                                            params))
        assert "USING INDEX audit_attachment" in plan and "SCAN audit" not in plan, plan


def test_remove_original_after_verified_ingest(new_vault: Vault, svc: Any, rid: str,
                                               tmp_path: Path) -> None:
    src = write(tmp_path / "orig.bin", os.urandom(CHUNK_SIZE + 7))
    att = svc.attach(rid, src)
    svc.remove_original(att.id, src)
    assert not src.exists()
    assert svc.custody(att.id)[-1].action == "attachment.original_removed"
    # a changed original is not what the vault holds: never deleted
    other = write(tmp_path / "other.bin", b"v1")
    att2 = svc.attach(rid, other)
    other.write_bytes(b"v2")
    with pytest.raises(InvalidInput):
        svc.remove_original(att2.id, other)
    assert other.read_bytes() == b"v2"
    # nor when the blob does not verify
    third = write(tmp_path / "third.bin", b"abc")
    att3 = svc.attach(rid, third)
    _flip(_blob(new_vault, att3.id))
    with pytest.raises(IntegrityError):
        svc.remove_original(att3.id, third)
    assert third.exists()


# -- check and repair ----------------------------------------------------------------------------


def test_check_reports_orphans_and_repair_removes_only_them(new_vault: Vault, svc: Any,
                                                            rid: str, tmp_path: Path) -> None:
    att = svc.attach(rid, write(tmp_path / "keep.bin", os.urandom(100)))
    kept = _blob(new_vault, att.id)
    blobs = new_vault.layout.blobs
    write(blobs / ("ab" * 16), os.urandom(64))  # an orphan from a crash before commit
    write(blobs / ".tmp-0123456789abcdef", os.urandom(64))  # a partial write
    write(blobs / "\x1b[31mevil", b"x")  # a name meant to mess with the terminal
    report = new_vault.check()
    assert len(report.problems) == 3
    assert not any("\x1b" in p for p in report.problems)
    done = repair_attachments(new_vault)
    assert len(done) == 3
    assert blob_files(new_vault) == [kept]
    assert new_vault.check().ok
    assert new_vault.store.audit_entries()[-1].action == "attachments.repair"


def test_blob_being_written_is_not_an_orphan(new_vault: Vault, tmp_path: Path) -> None:
    busy = new_vault.layout.blobs / ".tmp-busybusybusybusy"
    with open(busy, "wb") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # as an ingest in progress holds it
        assert new_vault.check().ok
        repair_attachments(new_vault)
        assert busy.exists()
    assert not new_vault.check().ok


def test_stdout_extraction_says_output_must_be_discarded(new_vault: Vault, svc: Any,
                                                          rid: str, tmp_path: Path) -> None:
    att = svc.attach(rid, write(tmp_path / "s.bin", os.urandom(3 * CHUNK_SIZE)))
    sink = io.BytesIO()
    svc.extract(att.id, "-", stdout=sink)
    assert hashlib.sha256(sink.getvalue()).hexdigest() == att.sha256
    _truncate(_blob(new_vault, att.id))
    with pytest.raises(IntegrityError) as caught:
        svc.extract(att.id, "-", stdout=io.BytesIO())
    assert "discard" in caught.value.message
