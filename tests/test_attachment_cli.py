"""The attachment commands through the real command line: output contracts, exit codes,
a SIGKILL in the middle of an ingest, a full disk."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crypto.stream import CHUNK_SIZE
from tests.conftest import PASSPHRASE, ROOT, run_cli_process
from vault.session import INSECURE_TEST_KDF_ENV, Vault


@pytest.fixture
def rid(new_vault: Vault) -> str:
    """A person record in a vault that is then locked, for the CLI to open."""
    ident = str(new_vault.services.records.add("person", {"name": "Test Person"}))
    new_vault.close()
    return ident


def _blob_of(vault_path: Path, att_id: str) -> Path:
    vault = Vault.open(vault_path)
    vault.unlock(PASSPHRASE)
    with vault:
        row = vault.store.query_one("SELECT blob_name FROM attachments WHERE id = ?",
                                    (att_id,))
    return vault_path / "blobs" / str(row[0])


def _attach(cli: Any, rid: str, path: Path, *extra: str) -> str:
    res = cli("attach", rid, str(path), *extra)
    assert res.code == 0, res.err
    att_id: str = res.out.strip()
    assert len(att_id) == 16 and all(c in "0123456789abcdef" for c in att_id)
    return att_id


def test_attach_list_extract_detach_custody(cli: Any, rid: str, tmp_path: Path) -> None:
    src = tmp_path / "témoignage 1.txt"
    src.write_bytes(b"what happened on the night of the 4th\n" * 100)
    att = _attach(cli, rid, src, "--level", "partner", "--note", "recorded in person")
    listed = cli("attachments", rid[:6], "--json")
    assert listed.code == 0, listed.err
    (entry,) = json.loads(listed.out)
    assert entry["id"] == att and entry["name"] == src.name
    assert entry["level"] == "partner" and entry["note"] == "recorded in person"
    assert entry["media_type"] == "text/plain" and entry["size"] == src.stat().st_size
    assert entry["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    text = cli("attachments", rid)
    assert att in text.out and src.name in text.out and "sha256: " in text.out
    out = tmp_path / "copy.txt"
    res = cli("extract", att[:8], "--out", str(out))
    assert res.code == 0, res.err
    assert out.read_bytes() == src.read_bytes()
    again = cli("extract", att, "--out", str(out))
    assert again.code == 1 and "exists" in again.err
    assert cli("detach", att).code == 0
    assert cli("attachments", rid, "--json").out.strip() == "[]"
    custody = cli("custody", att, "--json")
    assert custody.code == 0
    actions = [e["action"] for e in json.loads(custody.out)]
    assert actions == ["attachment.ingest", "attachment.extract", "attachment.detach"]
    assert all(e["detail"]["sha256"] == entry["sha256"] for e in json.loads(custody.out))
    lines = cli("custody", att).out.splitlines()
    assert len(lines) == 3 and "attachment.detach" in lines[-1]
    assert cli("check").code == 0


def test_exit_codes(cli: Any, rid: str, tmp_path: Path) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(os.urandom(2 * CHUNK_SIZE + 1))
    att = _attach(cli, rid, src)
    assert cli("attachments", rid, stdin="wrong passphrase\n").code == 3
    with pytest.raises(SystemExit) as usage:  # argparse exits by itself on a usage error
        cli("attach", rid, str(src), "--level", "secret")
    assert usage.value.code == 2
    assert cli("attach", rid, str(tmp_path / "missing")).code == 1
    assert cli("attach", rid, str(tmp_path)).code == 1
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused = cli("attach", rid, str(fifo))  # must not hang waiting for a writer
    assert refused.code == 1 and "not a regular file" in refused.err
    assert cli("extract", "ffffffffffffffff", "--out", str(tmp_path / "x")).code == 1
    assert cli("custody", "ffffffffffffffff").code == 1
    blob = _blob_of(tmp_path / "vault", att)
    data = bytearray(blob.read_bytes())
    data[-5] ^= 0x80
    blob.write_bytes(bytes(data))
    outdir = tmp_path / "out"
    outdir.mkdir()
    res = cli("extract", att, "--out", str(outdir / "f.bin"))
    assert res.code == 4 and att in res.err
    assert list(outdir.iterdir()) == []
    check = cli("check")
    assert check.code == 4 and att in check.out


def test_extract_to_stdout(cli: Any, rid: str, tmp_path: Path, vault_path: Path) -> None:
    src = tmp_path / "s.bin"
    src.write_bytes(os.urandom(3 * CHUNK_SIZE + 3))
    att = _attach(cli, rid, src)
    argv = ["--vault", str(vault_path), "extract", att, "--out", "-", "--passphrase-stdin"]
    proc = subprocess.run([sys.executable, "-m", "tui.cli.main", *argv],
                          input=(PASSPHRASE + "\n").encode(), capture_output=True, cwd=ROOT,
                          env={**os.environ, INSECURE_TEST_KDF_ENV: "1"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == src.read_bytes()
    blob = _blob_of(vault_path, att)
    os.truncate(blob, blob.stat().st_size - CHUNK_SIZE - 16)
    bad = run_cli_process(argv, stdin=PASSPHRASE + "\n")
    assert bad.code == 4 and "discard" in bad.err and "Traceback" not in bad.err


def test_check_and_repair_of_orphans(cli: Any, rid: str, tmp_path: Path,
                                     vault_path: Path) -> None:
    src = tmp_path / "k.bin"
    src.write_bytes(b"keep")
    att = _attach(cli, rid, src)
    (vault_path / "blobs" / ("cd" * 16)).write_bytes(os.urandom(40))
    (vault_path / "blobs" / ".tmp-feedfeedfeedfeed").write_bytes(os.urandom(40))
    check = cli("check", "--json")
    assert check.code == 4
    assert len(json.loads(check.out)["problems"]) == 2
    assert cli("check", "--repair").code == 0
    assert cli("check").code == 0
    assert _blob_of(vault_path, att).exists()


def _attached(vault_path: Path, rid: str) -> list[Any]:
    vault = Vault.open(vault_path)
    vault.unlock(PASSPHRASE)
    with vault:
        return list(vault.services.attachments.list(rid))


@pytest.mark.slow
def test_sigkill_during_attach_leaves_vault_consistent(cli: Any, rid: str, tmp_path: Path,
                                                       vault_path: Path) -> None:
    big = tmp_path / "big.bin"
    block = os.urandom(1 << 20)
    with open(big, "wb") as fh:
        for _ in range(256):
            fh.write(block)
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    env = {**os.environ, INSECURE_TEST_KDF_ENV: "1"}
    argv = [sys.executable, "-m", "tui.cli.main", "--vault", str(vault_path), "attach", rid,
            str(big), "--passphrase-stdin"]
    blobs = vault_path / "blobs"
    outcomes = []
    for delay in (0.0, 0.05, 0.15, 0.4):
        before = set(os.listdir(blobs))
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        assert proc.stdin is not None
        proc.stdin.write((PASSPHRASE + "\n").encode())
        proc.stdin.close()
        deadline = time.monotonic() + 60
        while set(os.listdir(blobs)) == before and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.001)  # wait for the ingest to start writing its blob
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        attached = _attached(vault_path, rid)
        check = cli("check")
        assert check.code in (0, 4), check.err
        problems = [ln for ln in check.out.splitlines() if ln.startswith("PROBLEM")]
        assert all("blobs/" in p for p in problems), problems  # leftovers only, no damage
        assert cli("check", "--repair").code == 0
        assert cli("check").code == 0
        for att in attached:  # whatever is there is whole
            assert att.sha256 == digest and att.size == big.stat().st_size
            assert cli("extract", att.id, "--out", str(tmp_path / f"{att.id}.bin")).code == 0
        outcomes.append(len(attached))
    # each kill adds no attachment or one complete one, and never loses an earlier one
    steps = [b - a for a, b in zip([0, *outcomes], outcomes, strict=False)]
    assert all(step in (0, 1) for step in steps), outcomes


def _limit_file_size(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_disk_full_during_attach_leaves_nothing(cli: Any, rid: str, tmp_path: Path,
                                                vault_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(8 << 20))
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli.main", "--vault", str(vault_path), "attach", rid,
         str(big), "--passphrase-stdin"], input=(PASSPHRASE + "\n").encode(), cwd=ROOT,
        env={**os.environ, INSECURE_TEST_KDF_ENV: "1"}, capture_output=True,
        preexec_fn=_limit_file_size(2 << 20), timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert b"disk is full" in proc.stderr and b"Traceback" not in proc.stderr
    assert proc.stdout == b""
    assert os.listdir(vault_path / "blobs") == []
    assert _attached(vault_path, rid) == []
    assert cli("check").code == 0


def test_extract_to_a_terminal_is_refused(cli: Any, rid: str, tmp_path: Path,
                                          vault_path: Path) -> None:
    import pty

    src = tmp_path / "esc.bin"
    src.write_bytes(b"\x1b]0;owned\x07\x1b[2J")  # escape sequences a terminal would obey
    att = _attach(cli, rid, src)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "tui.cli.main", "--vault", str(vault_path), "extract", att,
             "--out", "-", "--passphrase-stdin"], input=(PASSPHRASE + "\n").encode(),
            stdout=follower, stderr=subprocess.PIPE, cwd=ROOT, timeout=60,
            env={**os.environ, INSECURE_TEST_KDF_ENV: "1"})
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 1 and b"terminal" in proc.stderr
