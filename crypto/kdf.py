"""Argon2id passphrase derivation: parameters, read bounds and on-device calibration.

Why memory before iterations: Argon2id's cost to an attacker with GPUs or ASICs grows
with memory far faster than with passes, so the one second we ask of the user is spent
on memory first (1 GiB on a typical laptop, 8-16x what KeePassXC and Bitwarden default
to) and only then on extra passes.
"""

from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw

from crypto.errors import ParametersOutOfBounds

KIB_PER_MIB = 1024
SALT_BYTES = 16
KEY_BYTES = 32

#: Calibration never goes below this unless the machine has too little free memory.
FLOOR_MEMORY_KIB = 256 * KIB_PER_MIB
#: Calibration never goes above this: beyond 1 GiB the gain is small and unlock on a
#: smaller partner machine would start to swap.
CEILING_MEMORY_KIB = 1024 * KIB_PER_MIB

# Bounds applied whenever parameters are *read* from a header. A crafted header must not
# make unlock run for minutes or exhaust memory: memory is bounded by what calibration can
# ever choose (its ceiling), and the total cost to about 4 GiB-passes (a few seconds on a
# laptop).
MIN_MEMORY_KIB = 8 * KIB_PER_MIB
MAX_MEMORY_KIB = CEILING_MEMORY_KIB
MAX_ITERATIONS = 8
MAX_PARALLELISM = 8
MAX_COST_KIB_PASSES = 4 * 1024 * KIB_PER_MIB


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost parameters, stored per key slot."""

    memory_kib: int
    """Memory in KiB (Argon2's ``m``)."""
    iterations: int
    """Number of passes (Argon2's ``t``)."""
    parallelism: int
    """Lanes (Argon2's ``p``); 2 matches the dual-core machines evault targets."""

    def check_bounds(self) -> KdfParams:
        """Return self, or raise ParametersOutOfBounds for values a real vault never has."""
        if not (MIN_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB):
            raise ParametersOutOfBounds("Argon2id memory outside accepted bounds")
        if not (1 <= self.iterations <= MAX_ITERATIONS):
            raise ParametersOutOfBounds("Argon2id iterations outside accepted bounds")
        if not (1 <= self.parallelism <= MAX_PARALLELISM):
            raise ParametersOutOfBounds("Argon2id parallelism outside accepted bounds")
        if self.memory_kib * self.iterations > MAX_COST_KIB_PASSES:
            raise ParametersOutOfBounds("Argon2id total cost outside accepted bounds")
        return self

    def describe(self) -> str:
        """Human-readable form, e.g. ``Argon2id 1024 MiB, 1 pass, 2 lanes``."""
        passes = "pass" if self.iterations == 1 else "passes"
        return (
            f"Argon2id {self.memory_kib // KIB_PER_MIB} MiB, {self.iterations} {passes}, "
            f"{self.parallelism} lanes"
        )


#: The one place test code gets cheap parameters from. Never used by a real vault unless
#: the insecure test switch is set (see :func:`params_for_new_vault`).
INSECURE_TEST_PARAMS = KdfParams(memory_kib=MIN_MEMORY_KIB, iterations=1, parallelism=1)


def normalize_passphrase(passphrase: str) -> bytes:
    """NFC-normalise and encode, so the same passphrase typed on different systems
    (macOS input methods produce NFD, most others NFC) unlocks the same vault."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def derive(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    """Derive a 32-byte key-encryption key with Argon2id, after checking bounds."""
    params.check_bounds()
    return hash_secret_raw(
        secret,
        salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def available_memory_kib() -> int | None:
    """Memory the kernel says it can give us now, or None where that is unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 1024
    except (ValueError, OSError, AttributeError):
        return None


@dataclass(frozen=True)
class Calibration:
    """What calibration chose and why."""

    params: KdfParams
    seconds: float
    """Measured time of one derivation with :attr:`params`."""
    note: str | None
    """Set when the machine forced weaker parameters than evault wants."""


def calibrate(
    target_seconds: float = 1.0,
    *,
    clock: Callable[[], float] = time.perf_counter,
    free_kib: int | None = None,
) -> Calibration:
    """Choose Argon2id parameters that take about ``target_seconds`` on this machine.

    Memory first: start at 1 GiB (or what the machine can spare, never under 256 MiB if it
    can), halve while one pass is slower than the target, then add passes while there is
    time left.
    """
    if free_kib is None:
        free_kib = available_memory_kib()
    note = None
    memory = CEILING_MEMORY_KIB
    if free_kib is not None and free_kib // 2 < memory:
        # Leave half the free memory to everything else.
        memory = max(MIN_MEMORY_KIB, (free_kib // 2) // KIB_PER_MIB * KIB_PER_MIB)
        if memory < FLOOR_MEMORY_KIB:
            note = (
                f"this machine has only {free_kib // KIB_PER_MIB} MiB free, so the passphrase "
                f"is protected with {memory // KIB_PER_MIB} MiB instead of at least 256 MiB; "
                "recalibrate on a machine with more memory"
            )
    salt = os.urandom(SALT_BYTES)
    probe = b"evault calibration probe"

    def timed(params: KdfParams) -> float:
        start = clock()
        derive(probe, salt, params)
        return clock() - start

    params = KdfParams(memory, 1, 2)
    seconds = timed(params)
    while seconds > target_seconds * 1.25 and params.memory_kib > FLOOR_MEMORY_KIB:
        params = KdfParams(max(FLOOR_MEMORY_KIB, params.memory_kib // 2), 1, 2)
        seconds = timed(params)
    per_pass = max(seconds, 1e-6)
    iterations = max(1, min(MAX_ITERATIONS, int(target_seconds / per_pass + 0.25)))
    if iterations > 1:
        params = KdfParams(params.memory_kib, iterations, 2)
        seconds = per_pass * iterations
    return Calibration(params=params, seconds=seconds, note=note)
