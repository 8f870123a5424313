"""``evault backup`` against a plain copy of the vault folder, on the same vault.

Builds a vault with N records (about 1.5 KB of text each) and M attachments, then, in the
same run and alternating, times ``Vault.backup`` (snapshot under the write lock,
``sqlcipher_export``, blob copy with read-back verification, database verification) and
``shutil.copytree`` of the closed vault folder (what ``cp -r`` does: into the page cache,
no fsync, no verification) and the same copy followed by an fsync of every file (a copy
that is on the medium). Also reports how long the write lock was held (what another
writer waits for). Target: ratio backup / durable copy <= 4 (backup also decrypts and
re-encrypts the database, reads every blob back from the medium and checks the
database); lock held <= 3 s for a 100 MB database.

    python -m bench.backup [--records 20000] [--attachments 40] [--attachment-mib 2] [--runs 3]

Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("EVAULT_INSECURE_TEST_KDF", "1")

from crypto import kdf  # noqa: E402
from vault.session import Vault  # noqa: E402
from vault.store import Store  # noqa: E402

PASSPHRASE = "benchmark passphrase"


def _build(path: Path, records: int, attachments: int, mib: float, work: Path) -> None:
    created = Vault.create(path, PASSPHRASE, params=kdf.INSECURE_TEST_PARAMS)
    with created.vault as v:
        service = v.services.records
        text = "A detailed account of the events, names withheld. " * 30
        service.add_many("person", [{"name": f"Person {n}", "notes": f"{n} {text}"}
                                    for n in range(records)])
        rid = service.add("person", {"name": "Holder"})
        source = work / "file.bin"
        for i in range(attachments):
            source.write_bytes(os.urandom(int(mib * (1 << 20))) + i.to_bytes(4, "big"))
            v.services.attachments.attach(rid, source)
        source.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.backup")
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--attachments", type=int, default=40)
    parser.add_argument("--attachment-mib", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="evault-bench-backup-") as tmp:
        root = Path(tmp)
        source = root / "vault"
        _build(source, args.records, args.attachments, args.attachment_mib, root)
        size = sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
        held: list[float] = []
        original = Store.export_locked

        def timed(self: Store, *a: object, **k: object) -> None:
            start = time.monotonic()
            try:
                original(self, *a, **k)  # type: ignore[arg-type]
            finally:
                held.append(time.monotonic() - start)

        Store.export_locked = timed  # type: ignore[method-assign]
        backups, copies, durable = [], [], []
        for run in range(args.runs):
            start = time.monotonic()
            shutil.copytree(source, root / f"copy-{run}")
            copies.append(time.monotonic() - start)
            for path in (root / f"copy-{run}").rglob("*"):
                if path.is_file():
                    fd = os.open(path, os.O_RDONLY)
                    os.fsync(fd)
                    os.close(fd)
            durable.append(time.monotonic() - start)
            v = Vault.open(source)
            v.unlock(PASSPHRASE)
            with v:
                start = time.monotonic()
                v.backup(root / f"backup-{run}")
                backups.append(time.monotonic() - start)
            shutil.rmtree(root / f"copy-{run}")
            shutil.rmtree(root / f"backup-{run}")
        Store.export_locked = original  # type: ignore[method-assign]
    figures = {
        "vault_mib": round(size / (1 << 20), 1),
        "backup_s": round(statistics.median(backups), 3),
        "copytree_s": round(statistics.median(copies), 3),
        "copytree_fsync_s": round(statistics.median(durable), 3),
        "ratio_backup_to_copy": round(statistics.median(backups) / statistics.median(copies), 2),
        "ratio_backup_to_durable_copy": round(
            statistics.median(backups) / statistics.median(durable), 2),
        "write_lock_held_s": round(statistics.median(held), 3),
        "backup_mib_per_s": round(size / (1 << 20) / statistics.median(backups), 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
