"""Whole-process unlock + list against ``keepassxc-cli ls`` with the same Argon2id (issue 16).

A person runs ``evault list`` as a whole process: Python start-up, imports, the header, one
Argon2id derivation, SQLCipher's key and the listing. KeePassXC's command line does the same
job for a KDBX 4 database: start-up, one Argon2id derivation, decryption, the listing. With
the same Argon2id parameters on both sides (evault's default: 1 GiB, 1 pass, 2 lanes, or what
``--memory-mib``/``--iterations``/``--parallelism`` say), whatever is left between the two
is evault's own overhead. Target: evault / keepassxc-cli <= 1.10 (median of the pairwise
ratios), and ``evault --help`` under 60 ms.

``keepassxc-cli db-create`` cannot set Argon2 parameters (only a target decryption time),
so the KDBX file is written with pykeepass (a bench-only tool, like keepassxc-cli itself:
``apt-get install keepassxc``, ``pip install pykeepass``); the parameters are read back from
the file's header and must equal evault's. Both hold ``--records`` entries (title, user
name, a short note).

Runs alternate (python -c pass, evault --help, keepassxc-cli ls, evault list, ...) after
one warm-up of each, so a drift of the shared machine's speed hits both; the passphrase goes
in on standard input for both. Children reuse compiled bytecode as an installed evault does
(this machine sets PYTHONDONTWRITEBYTECODE; it is unset for the children). Reported: min
and median wall time, median CPU time (user + sys, from wait4: less noisy than wall time on
a shared machine), and the median of the pairwise wall-time ratios. Then the Argon2id
derivation alone, in this process, through evault's argon2-cffi and through the system
libargon2 that keepassxc-cli links: the same key, not the same cost.

    python -m bench.keepass [--runs 3] [--records 100] [--memory-mib 1024]

Readable lines; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from crypto import kdf

PASSPHRASE = "correct horse battery staple in the archive"
ARGON2ID_UUID = b"\x9e)\x8b\x19V\xdbGs\xb2=\xfc>\xc6\xf0\xa1\xe6"

#: Children write and reuse compiled bytecode, as an installed evault does.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def make_vault(path: Path, params: kdf.KdfParams, records: int) -> None:
    """An evault vault with ``params`` and ``records`` person records."""
    from vault.session import Vault

    vault = Vault.create(path, PASSPHRASE, params=params).vault
    vault.services.records.add_many("person", (
        {"name": f"Witness {i}", "notes": f"Interviewed in session {i}; see the tape."}
        for i in range(records)))
    vault.close()


def make_kdbx(path: Path, params: kdf.KdfParams, records: int) -> dict[str, int]:
    """A KDBX 4 database with Argon2id at ``params`` and ``records`` entries; returns the
    parameters read back from the saved file's header."""
    try:
        from pykeepass import PyKeePass, create_database
    except ImportError:
        raise SystemExit("pykeepass is needed for this benchmark: pip install pykeepass"
                         ) from None
    db = create_database(str(path), password=PASSPHRASE)
    kdf_dict = db.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    kdf_dict["$UUID"].value = ARGON2ID_UUID
    kdf_dict["M"].value = params.memory_kib * 1024  # bytes in KDBX
    kdf_dict["I"].value = params.iterations
    kdf_dict["P"].value = params.parallelism
    for i in range(records):
        db.add_entry(db.root_group, f"Witness {i}", f"witness{i}", f"pw-{i}",
                     notes=f"Interviewed in session {i}; see the tape.")
    db.save()
    back = PyKeePass(str(path), password=PASSPHRASE)
    read = back.kdbx.header.value.dynamic_header.kdf_parameters.data.dict
    if read["$UUID"].value != ARGON2ID_UUID:
        raise SystemExit("the KDBX file was not written with Argon2id")
    return {"memory_kib": read["M"].value // 1024, "iterations": read["I"].value,
            "parallelism": read["P"].value}


def timed(cmd: list[str], stdin: bytes) -> tuple[float, float, int, bytes]:
    """Run ``cmd`` to the end: (wall seconds, the child's own CPU seconds user + sys as
    wait4 reported them, exit code, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=CHILD_ENV)
    out, _ = proc.communicate(stdin)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode, out


def kdf_alone(params: kdf.KdfParams, runs: int) -> dict[str, float]:
    """The Argon2id derivation alone, in this process, as each side computes it:
    evault's ``crypto.kdf.derive`` (argon2-cffi's bundled, optimised build) and the
    system's libargon2 that keepassxc-cli links (Debian builds its reference code).
    Median CPU seconds (user + sys, both lanes' threads) of each; the outputs must match."""
    import ctypes
    import ctypes.util

    found = ctypes.util.find_library("argon2")
    if found is None:
        return {}
    lib = ctypes.CDLL(found)
    size, u32 = ctypes.c_size_t, ctypes.c_uint32
    lib.argon2id_hash_raw.argtypes = [u32, u32, u32, ctypes.c_char_p, size, ctypes.c_char_p,
                                      size, ctypes.c_void_p, size]
    secret, salt = kdf.normalize_passphrase(PASSPHRASE), os.urandom(kdf.SALT_BYTES)

    def system() -> bytes:
        out = ctypes.create_string_buffer(kdf.KEY_BYTES)
        code = lib.argon2id_hash_raw(params.iterations, params.memory_kib, params.parallelism,
                                     secret, len(secret), salt, len(salt), out, kdf.KEY_BYTES)
        if code != 0:
            raise SystemExit(f"libargon2 failed ({code})")
        return out.raw

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    times: dict[str, list[float]] = {"evault_kdf_cpu_s": [], "libargon2_kdf_cpu_s": []}
    outputs = set()
    for _ in range(runs):
        for name, fn in (("evault_kdf_cpu_s", lambda: kdf.derive(secret, salt, params)),
                         ("libargon2_kdf_cpu_s", system)):
            start = cpu()
            outputs.add(fn())
            times[name].append(cpu() - start)
    if len(outputs) != 1:
        raise SystemExit("argon2-cffi and libargon2 derived different keys")
    return {name: round(statistics.median(values), 3) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=100)
    parser.add_argument("--memory-mib", type=int, default=kdf.CEILING_MEMORY_KIB // 1024)
    parser.add_argument("--iterations", type=int, default=1)
    parser.add_argument("--parallelism", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the two files here")
    args = parser.parse_args()
    keepassxc = shutil.which("keepassxc-cli")
    if keepassxc is None:
        raise SystemExit("keepassxc-cli is needed for this benchmark: apt-get install keepassxc")
    params = kdf.KdfParams(args.memory_mib * 1024, args.iterations, args.parallelism)
    params.check_bounds()
    evault = str(Path(sys.executable).with_name("evault"))

    with tempfile.TemporaryDirectory(prefix="evault-keepass-") as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(where / "pycache")
        vault, kdbx = where / "vault", where / "db.kdbx"
        start = time.perf_counter()
        if not vault.exists():
            make_vault(vault, params, args.records)
        kdbx_params = make_kdbx(kdbx, params, args.records) if not kdbx.exists() else None
        if kdbx_params is not None and kdbx_params != {
                "memory_kib": params.memory_kib, "iterations": params.iterations,
                "parallelism": params.parallelism}:
            raise SystemExit(f"KDBX parameters differ from evault's: {kdbx_params}")
        print(f"built both in {time.perf_counter() - start:.1f} s: {params.describe()}, "
              f"{args.records} entries each", file=sys.stderr)

        secret = (PASSPHRASE + "\n").encode()
        commands = {
            "python_pass": ([sys.executable, "-c", "pass"], b""),
            "evault_help": ([evault, "--help"], b""),
            "keepassxc_ls": ([keepassxc, "ls", "-q", str(kdbx)], secret),
            "evault_list": ([evault, "--vault", str(vault), "--passphrase-stdin", "list"],
                            secret),
        }
        for name, (cmd, stdin) in commands.items():  # warm-up: bytecode, page cache
            _, _, code, out = timed(cmd, stdin)
            if code != 0:
                raise SystemExit(f"{name} failed (exit {code})")
            lines = out.count(b"\n")
            if name.endswith(("_ls", "_list")) and lines < args.records:
                raise SystemExit(f"{name} listed {lines} lines, expected {args.records}")
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (cmd, stdin) in commands.items():
                w, c, _, _ = timed(cmd, stdin)
                wall[name].append(w)
                cpu[name].append(c)

    alone = kdf_alone(params, args.runs)
    ratios = [e / k for e, k in zip(wall["evault_list"], wall["keepassxc_ls"], strict=True)]
    ratio = statistics.median(ratios)
    cpu_ratio = statistics.median(cpu["evault_list"]) / statistics.median(cpu["keepassxc_ls"])
    figures: dict[str, Any] = {"bench": "keepass", "runs": args.runs, "records": args.records,
                               "memory_mib": params.memory_kib // 1024,
                               "iterations": params.iterations,
                               "parallelism": params.parallelism}
    print(f"{'whole process':<16}{'min ms':>10}{'median ms':>11}{'median cpu ms':>15}")
    for name in commands:
        lo, mid = min(wall[name]) * 1e3, statistics.median(wall[name]) * 1e3
        c = statistics.median(cpu[name]) * 1e3
        print(f"{name:<16}{lo:>10.0f}{mid:>11.0f}{c:>15.0f}")
        figures[f"{name}_min_ms"] = round(lo, 1)
        figures[f"{name}_median_ms"] = round(mid, 1)
        figures[f"{name}_cpu_ms"] = round(c, 1)
    if alone:
        print(f"Argon2id alone (CPU s, median): evault's argon2-cffi "
              f"{alone['evault_kdf_cpu_s']:.3f}, keepassxc-cli's libargon2 "
              f"{alone['libargon2_kdf_cpu_s']:.3f}")
        figures.update(alone)
    help_ratio = statistics.median(
        h / p for h, p in zip(wall["evault_help"], wall["python_pass"], strict=True))
    print(f"evault list / keepassxc-cli ls: {ratio:.3f} wall (median of pairs), "
          f"{cpu_ratio:.3f} CPU (target <= 1.10); evault --help "
          f"{figures['evault_help_median_ms']:.0f} ms (target < 60 ms on an idle machine), "
          f"{help_ratio:.2f}x python -c pass")
    figures.update({"ratio_list_over_keepassxc": round(ratio, 4),
                    "ratio_cpu": round(cpu_ratio, 4), "target_ratio": 1.10,
                    "help_over_python_pass": round(help_ratio, 3),
                    "target_help_ms": 60,
                    "meets_targets": ratio <= 1.10 and figures["evault_help_median_ms"] < 60})
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
