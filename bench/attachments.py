"""Attachment ingest: throughput against the raw primitives, and memory growth.

Ingests a generated file (1 GiB by default) with ``AttachmentService.attach`` — read,
SHA-256, STREAM encryption, write, fsync, rename, database row — and compares its
throughput with the same machine's raw ChaCha20-Poly1305 plus SHA-256 over the same
bytes with the same 64 KiB chunking (read from the same file, nothing written), measured
in the same run, alternating. Targets: ratio >= 0.5; peak resident memory growth during
ingest <= 64 MiB (``ru_maxrss`` before and after, in a fresh process per run, cross-checked
by sampling ``VmRSS``). Also reports the verify (decrypt + SHA-256) throughput.

    python -m bench.attachments [--size-mib 1024] [--runs 3]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from crypto.stream import CHUNK_SIZE

PASSPHRASE = "benchmark passphrase"
ROOT = Path(__file__).resolve().parent.parent


def _vmrss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _generate(path: Path, size: int) -> None:
    """Incompressible bytes, no two mebibytes alike, without spending a minute in urandom."""
    block = os.urandom(16 << 20)
    with open(path, "wb") as fh:
        written, i = 0, 0
        while written < size:
            shift = (i * 4099) % len(block)
            piece = (block[shift:] + block[:shift])[: size - written]
            fh.write(piece)
            written += len(piece)
            i += 1


def _baseline(path: Path) -> float:
    """Seconds for raw AEAD + SHA-256 over the file, 64 KiB chunks, one core, no writes."""
    aead = ChaCha20Poly1305(os.urandom(32))
    digest = hashlib.sha256()
    counter = 0
    start = time.perf_counter()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            digest.update(chunk)
            aead.encrypt(counter.to_bytes(12, "big"), chunk, None)
            counter += 1
    return time.perf_counter() - start


def _child(vault_path: str, record_id: str, file: str) -> int:
    """One ingest in a fresh process: time, memory growth, then verify and detach."""
    from vault.session import Vault

    vault = Vault.open(Path(vault_path))
    vault.unlock(PASSPHRASE)
    service = vault.services.attachments
    peak = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _vmrss_kib())
            time.sleep(0.005)

    rss_start = _vmrss_kib()
    max_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    attachment = service.attach(record_id, file)
    ingest_s = time.perf_counter() - start
    stop.set()
    sampler.join()
    max_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    service.verify(attachment.id)
    verify_s = time.perf_counter() - start
    service.detach(attachment.id)
    vault.close()
    print(json.dumps({
        "ingest_s": ingest_s, "verify_s": verify_s,
        "maxrss_growth_kib": max_after - max_before,
        "sampled_growth_kib": max(0, peak[0] - rss_start),
    }))
    return 0


def _run_child(vault_path: Path, record_id: str, file: Path) -> dict[str, Any]:
    env = {**os.environ, "EVAULT_INSECURE_TEST_KDF": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "bench.attachments", "--child", str(vault_path), record_id,
         str(file)], capture_output=True, check=True, env=env, cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("VAULT", "RECORD", "FILE"))
    args = parser.parse_args()
    if args.child:
        return _child(*args.child)

    os.environ["EVAULT_INSECURE_TEST_KDF"] = "1"  # the KDF is not what is measured here
    from crypto import kdf
    from vault.session import Vault

    size = args.size_mib << 20
    with tempfile.TemporaryDirectory(prefix="evault-bench-") as tmp:
        file = Path(tmp) / "evidence.bin"
        _generate(file, size)
        vault_path = Path(tmp) / "vault"
        created = Vault.create(vault_path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
        with created.vault as vault:
            record_id = str(vault.services.records.add("person", {"name": "Bench"}))
        baseline, runs = [], []
        _baseline(file)  # warm the page cache so both sides read the same way
        for _ in range(args.runs):
            baseline.append(_baseline(file))
            runs.append(_run_child(vault_path, record_id, file))
    base_s = statistics.median(baseline)
    ingest_s = statistics.median(r["ingest_s"] for r in runs)
    verify_s = statistics.median(r["verify_s"] for r in runs)
    growth_mib = max(r["maxrss_growth_kib"] for r in runs) / 1024
    sampled_mib = max(r["sampled_growth_kib"] for r in runs) / 1024
    mb = size / 1e6
    ratio = base_s / ingest_s
    print(f"{'measure (' + str(args.size_mib) + ' MiB, median of ' + str(args.runs) + ')':<46}"
          f"{'seconds':>9}{'MB/s':>9}")
    print(f"{'raw ChaCha20-Poly1305 + SHA-256 (baseline)':<46}{base_s:>9.3f}{mb / base_s:>9.0f}")
    print(f"{'attach (ingest, fsync, row)':<46}{ingest_s:>9.3f}{mb / ingest_s:>9.0f}")
    print(f"{'verify (decrypt + SHA-256)':<46}{verify_s:>9.3f}{mb / verify_s:>9.0f}")
    print(f"ratio attach/baseline throughput = {ratio:.2f} (target >= 0.5)")
    print(f"peak RSS growth during attach = {growth_mib:.1f} MiB by ru_maxrss, "
          f"{sampled_mib:.1f} MiB sampled (target <= 64)")
    print(json.dumps({
        "bench": "attachments", "size_mib": args.size_mib, "runs": args.runs,
        "baseline_s": round(base_s, 4), "ingest_s": round(ingest_s, 4),
        "verify_s": round(verify_s, 4), "baseline_mb_s": round(mb / base_s, 1),
        "ingest_mb_s": round(mb / ingest_s, 1), "verify_mb_s": round(mb / verify_s, 1),
        "ratio_ingest_over_baseline": round(ratio, 3), "target_ratio": 0.5,
        "rss_growth_mib": round(growth_mib, 2), "rss_growth_sampled_mib": round(sampled_mib, 2),
        "target_rss_growth_mib": 64,
        "meets_target": ratio >= 0.5 and growth_mib <= 64,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
