"""Unlock cost against the bare Argon2id derivation with the same parameters.

Target: ratio <= 1.10 (everything but the KDF is negligible). Also prints the
parameters calibration chose on this machine. Last line: one JSON object.

    python -m bench.unlock [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from crypto import header, kdf
from vault.session import Vault


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("EVAULT_INSECURE_TEST_KDF", None)

    start = time.perf_counter()
    calibration = kdf.calibrate()
    calibration_s = time.perf_counter() - start
    params = calibration.params
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vault"
        Vault.create(path, "benchmark passphrase", params=params).vault.close()
        slot = header.parse((path / "header").read_bytes()).slot(header.PASSPHRASE)
        bare, unlock = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            kdf.derive(kdf.normalize_passphrase("benchmark passphrase"), slot.salt, params)
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            vault = Vault.open(path)
            vault.unlock("benchmark passphrase")
            vault.store.setting("anything")  # the database really answers
            unlock.append(time.perf_counter() - t)
            vault.close()
    bare_s, unlock_s = statistics.median(bare), statistics.median(unlock)
    ratio = unlock_s / bare_s
    print(f"{'measure':<34}{'seconds':>10}")
    print(f"{'calibration (init)':<34}{calibration_s:>10.3f}")
    print(f"{'bare Argon2id (median)':<34}{bare_s:>10.3f}")
    print(f"{'full unlock (median)':<34}{unlock_s:>10.3f}")
    print(f"chosen: {params.describe()}; ratio unlock/bare = {ratio:.3f} (target <= 1.10)")
    if calibration.note:
        print(f"note: {calibration.note}")
    print(json.dumps({
        "bench": "unlock", "runs": args.runs, "memory_mib": params.memory_kib // 1024,
        "iterations": params.iterations, "parallelism": params.parallelism,
        "calibration_s": round(calibration_s, 4), "bare_kdf_s": round(bare_s, 4),
        "unlock_s": round(unlock_s, 4), "ratio_unlock_over_kdf": round(ratio, 4),
        "target_ratio": 1.10, "meets_target": ratio <= 1.10,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
