"""Travel mode: time and resident memory of ``travel start`` and ``travel end`` against a
plain ``evault backup`` of the same vault.

A vault of ``--records`` person records (about 1 KB of text each; 1 % travel-safe) with
``--attach-mib`` of attachments on sealed records is built once. Then, each in a fresh
process (so peak RSS is that operation's, measured by ``wait4``): an idle unlock (the
baseline RSS of a process that imports evault and opens the vault), ``backup``, ``travel
start`` (sealed to an age recipient), ``travel end``. Times are measured inside the child,
from unlocked to done. The issue's size is ``--records 100000 --attach-mib 1024``; the
default is smaller so a run takes a minute. Last line: one JSON object.

    python -m bench.travel [--records N] [--attach-mib M]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PASSPHRASE = "bench travel passphrase"
FILE_MIB = 64


def _child(op: str, vault_path: str, arg: str, extra: str) -> int:
    import pyrage

    from vault.session import Vault

    vault = Vault.open(Path(vault_path))
    vault.unlock(PASSPHRASE)
    start = time.perf_counter()
    with vault:
        travel = vault.services.travel
        if op == "backup":
            vault.backup(Path(arg))
        elif op == "start":
            recipient = pyrage.x25519.Recipient.from_str(extra)
            travel.start(Path(arg), recipient, sealed_to="recipient", passphrase=PASSPHRASE)
        elif op == "end":
            identity = pyrage.x25519.Identity.from_str(Path(extra).read_text().strip())
            travel.end(Path(arg), identity)
        elif op != "idle":
            raise SystemExit(f"unknown op {op}")
    print(json.dumps({"seconds": time.perf_counter() - start}))
    return 0


def _run(op: str, vault_path: Path, arg: str = "", extra: str = "") -> dict[str, float]:
    env = {**os.environ, "EVAULT_INSECURE_TEST_KDF": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bench.travel", "--child", op,
                             str(vault_path), arg, extra], stdout=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{op} failed")
    return {"seconds": float(json.loads(out)["seconds"]),
            "rss_mib": usage.ru_maxrss / 1024}


def _build(path: Path, records: int, attach_mib: int, work: Path) -> dict[str, Any]:
    import random

    from crypto import kdf
    from vault.session import Vault

    rng = random.Random(18)
    words = ["detention", "lawyer", "interrogation", "family", "notice", "facility",
             "看守所", "律师", "指定居所监视居住", "家属", "通知", "审讯"]
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    with created.vault as vault:
        service = vault.services.records
        ids: list[str] = []
        batch = 5000
        for first in range(0, records, batch):
            rows = [{"name": f"Person {n:06d}",
                     "notes": " ".join(rng.choice(words) for _ in range(120))}
                    for n in range(first, min(records, first + batch))]
            ids += service.add_many("person", rows)
        attachments = vault.services.attachments
        left, number = attach_mib, 0
        while left > 0:
            size = min(left, FILE_MIB)
            path_in = work / f"attachment-{number}.bin"
            with path_in.open("wb") as fh:
                for _ in range(size):
                    fh.write(os.urandom(1 << 20))
            attachments.attach(ids[-1 - number], path_in)
            path_in.unlink()
            left, number = left - size, number + 1
        vault.services.travel.mark(ids[: max(1, records // 100)])
    return {"records": records, "attachments": number, "attach_mib": attach_mib}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--attach-mib", type=int, default=128)
    parser.add_argument("--child", nargs=4, metavar=("OP", "VAULT", "ARG", "EXTRA"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(*args.child)
    os.environ["EVAULT_INSECURE_TEST_KDF"] = "1"  # the KDF is not what is measured here
    import pyrage

    with tempfile.TemporaryDirectory(dir=os.environ.get("EVAULT_BENCH_DIR")) as tmp:
        root = Path(tmp)
        vault_path = root / "vault"
        t = time.perf_counter()
        built = _build(vault_path, args.records, args.attach_mib, root)
        build_s = time.perf_counter() - t
        identity = pyrage.x25519.Identity.generate()
        (root / "id.txt").write_text(f"{identity}\n")
        idle = _run("idle", vault_path)
        backup = _run("backup", vault_path, str(root / "backup"))
        start = _run("start", vault_path, str(root / "sealed.age"), str(identity.to_public()))
        sealed_mib = (root / "sealed.age").stat().st_size / (1 << 20)
        end = _run("end", vault_path, str(root / "sealed.age"), str(root / "id.txt"))
    rows = [("idle unlock", idle), ("backup", backup), ("travel start", start),
            ("travel end", end)]
    print(f"vault: {built['records']} records, {built['attachments']} attachments "
          f"({built['attach_mib']} MiB), built in {build_s:.1f} s; sealed file "
          f"{sealed_mib:.0f} MiB")
    print(f"{'operation':<16}{'seconds':>10}{'peak RSS MiB':>15}{'vs backup':>11}")
    for name, r in rows:
        ratio = r["seconds"] / backup["seconds"]
        print(f"{name:<16}{r['seconds']:>10.2f}{r['rss_mib']:>15.1f}{ratio:>11.2f}")
    print(json.dumps({
        "bench": "travel", **built, "sealed_mib": round(sealed_mib, 1),
        "backup_s": round(backup["seconds"], 3), "start_s": round(start["seconds"], 3),
        "end_s": round(end["seconds"], 3),
        "start_vs_backup": round(start["seconds"] / backup["seconds"], 2),
        "end_vs_backup": round(end["seconds"] / backup["seconds"], 2),
        "idle_rss_mib": round(idle["rss_mib"], 1), "backup_rss_mib": round(backup["rss_mib"], 1),
        "start_rss_mib": round(start["rss_mib"], 1), "end_rss_mib": round(end["rss_mib"], 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
