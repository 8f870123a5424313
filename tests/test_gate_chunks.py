"""The gate's byte search runs over a large container in chunks (issue 16: one search
over a 62 MB bundle held the GIL and stalled the app for 366 ms). Chunks overlap by the
longest needle less one byte, so an identifier that straddles a boundary is found."""

from __future__ import annotations

import io
import zipfile

import pytest

from vault.export import gate as gate_module
from vault.export.gate import SCAN_CHUNK, Gate, LeakFound, scan_chunks
from vault.export.redact import Owner
from vault.records.spec import Level

NAME = "Nguyễn Thị Hoa"
OWNER = Owner("00000000000000ab", "person", "name", Level.PRIVATE, True)


def _gate() -> Gate:
    return Gate([(NAME, OWNER), ("欧阳娜娜", OWNER)])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "gb18030"])
@pytest.mark.parametrize("cut", [1, 5, "half", "last"])
def test_a_needle_across_a_chunk_boundary_is_found(encoding: str, cut: int | str) -> None:
    needle = NAME.encode(encoding)
    before = {"half": len(needle) // 2, "last": len(needle) - 1}.get(str(cut), cut)
    assert isinstance(before, int) and 0 < before < len(needle)
    data = bytearray(b"\x00" * (3 * SCAN_CHUNK))
    start = 2 * SCAN_CHUNK - before  # the second boundary falls inside the needle
    data[start:start + len(needle)] = needle
    pieces = list(scan_chunks(bytes(data), _gate().opaque.longest))
    assert len(pieces) == 3 and not any(needle in p for p in pieces[:1])
    assert _gate().opaque.search(bytes(data)) == OWNER
    # Without the overlap neither piece holds it whole: the test can fail.
    plain = [bytes(data[i:i + SCAN_CHUNK]) for i in range(0, len(data), SCAN_CHUNK)]
    assert not any(needle in p for p in plain)


def test_needles_at_the_very_ends_and_clean_data() -> None:
    needle = NAME.encode()
    size = 2 * SCAN_CHUNK + 17
    for where in (0, size - len(needle)):
        data = bytearray(size)
        data[where:where + len(needle)] = needle
        assert _gate().opaque.search(bytes(data)) == OWNER
    assert _gate().opaque.search(bytes(size)) is None


def test_the_chunks_cover_everything_once_plus_the_overlap() -> None:
    data = bytes(range(256)) * 4000
    pieces = list(scan_chunks(data, 10, size=1000))
    assert pieces[0] == data[:1000]
    assert all(len(p) == 1009 for p in pieces[1:-1])
    assert b"".join([pieces[0], *(p[9:] for p in pieces[1:])]) == data


def test_a_container_with_a_name_across_a_boundary_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole gate: a name in bytes trailing the zip (where no file's own scan reads
    it) and across a chunk boundary of the container scan (4 KiB chunks here, so the
    zip stays small)."""
    monkeypatch.setattr(gate_module, "SCAN_CHUNK", 4096)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("records/a.json", '{"id": "a"}')
    container = bytearray(buf.getvalue())
    pad = 4096 - 3 - len(container) % 4096
    container += b"\x00" * pad + NAME.encode()
    with pytest.raises(LeakFound) as refused:
        _gate().check(bytes(container), ["records/a.json"])
    assert refused.value.leaks[-1].path == "<container>"
