"""Opening a verified bundle into a directory.

Only after :func:`vault.bundle.verify.verify_bytes` accepted every byte. The files are
written into a hidden staging directory beside ``DIR`` and renamed into place at the end,
so a failure leaves no half-opened bundle; the staging directory is journalled
(:mod:`vault.leftovers`), so after a kill the next evault command removes it. Every path
is checked again against the staging root (defence in depth: the names were already
restricted to plain relative paths), files are created exclusively without following
links, with mode 0600. The opened files are
plaintext by the user's choice: ``open`` is how a partner reads a bundle.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from vault import fsutil, leftovers
from vault.bundle.verify import Verified
from vault.errors import IntegrityError, InvalidInput


def _write(root: Path, name: str, data: bytes) -> None:
    target = (root / name).resolve()
    if not target.is_relative_to(root.resolve()):
        raise IntegrityError("a file in the bundle would land outside the folder; refused")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def unpack(bundle: Verified, dest: Path) -> list[str]:
    """Write the bundle's files (manifest and signature included) into ``dest``, which
    must not exist or be an empty directory. Returns the names written."""
    dest = Path(dest)
    if dest.is_symlink() or (dest.exists() and (not dest.is_dir() or any(dest.iterdir()))):
        raise InvalidInput(f"{dest} exists and is not an empty folder; choose a new one")
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir():
        raise InvalidInput(f"the folder {parent} does not exist")
    staging = parent / f".{dest.name}.opening-{os.urandom(4).hex()}"
    names = ["manifest.json", "manifest.json.minisig", *sorted(bundle.files)]
    signed = {"manifest.json": bundle.raw_manifest,
              "manifest.json.minisig": bundle.raw_signature}
    # Journalled before it exists: if this process is killed, the next evault command
    # removes the staging folder (it holds decrypted records) and says so.
    with leftovers.journalled(staging, "opening"):
        try:
            staging.mkdir(mode=0o700)
            for name in names:
                # One file inflated at a time (bundle.files reads lazily from the zip).
                _write(staging, name,
                       signed[name] if name in signed else bundle.files[name])
            fsutil.fsync_dir(staging)
            if dest.exists():
                dest.rmdir()
            os.rename(staging, dest)
            fsutil.fsync_dir(parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
            raise fsutil.storage_error(exc, "opening the bundle") from None
        except BaseException:
            with contextlib.suppress(OSError):
                shutil.rmtree(staging)
            raise
    return names
