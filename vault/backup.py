"""``evault backup``: a consistent, verified, encrypted copy of the whole vault.

Why not copy the folder: a database being written and blobs being detached while ``cp``
reads them make a copy that may not open or may miss evidence (issue 14 found damaged
copies in 36 of 44 tries while evault ran). Here:

1. **One moment for everything.** Under the database's write lock (``BEGIN IMMEDIATE``,
   held for seconds at most: no other process can commit meanwhile), the database is
   exported with the same key (``sqlcipher_export``) and every blob the exported database
   refers to is hard-linked into a private snapshot folder inside the vault. The lock is
   then released; a detach after that point removes its blob's name in ``blobs/`` but not
   the snapshot's link, so the copy still has every blob its database names — and no blob
   it does not name. Where the vault's filesystem has no hard links (FAT, exFAT), the
   lock is held until the blobs are copied instead (other writers wait, then say
   "another evault process is writing").
2. **Copied in a hidden staging folder** beside the destination, renamed into place only
   when complete (a kill leaves a staging folder that the next evault command removes,
   saying so; see :mod:`vault.leftovers`). Folders 0700, files 0600.
3. **Verified after writing:** the copied database opens with the vault's key and every
   page passes SQLCipher's HMAC check when read back, it holds the same audit head and
   length as the vault at the snapshot, and every blob it names is there with the bytes
   that were read (each file is read back after ``fsync`` with its cached pages dropped,
   so the bytes come from the medium where the system allows).

Only then is the backup audited (``vault.backup``) and reported written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crypto.schedule import Purpose
from vault import fsutil, leftovers
from vault.errors import IntegrityError, InvalidInput, VaultExists
from vault.layout import Layout
from vault.store import Store

if TYPE_CHECKING:
    from vault.session import Vault

_CHUNK = 1 << 20
WHAT = "writing the backup"


@dataclass(frozen=True)
class BackupReport:
    """What a backup wrote, after it was verified."""

    path: Path
    blobs: int
    """Encrypted attachment files copied (and read back)."""
    bytes: int
    """Bytes written: database and blobs."""


def check_destination(vault: Vault, dest: Path) -> None:
    """Refuse a destination that would overwrite something, that lies inside the vault,
    or whose folder does not exist (an unmounted drive must not silently become a
    folder on the internal disk)."""
    if dest.is_symlink() or (dest.exists() and (not dest.is_dir() or any(dest.iterdir()))):
        raise VaultExists(f"{dest} already exists and is not empty; choose a new path")
    parent = dest.absolute().parent
    if not parent.is_dir():
        raise InvalidInput(f"the folder {parent} does not exist (is the drive mounted?); "
                           "nothing was written")
    if dest.resolve().is_relative_to(vault.layout.root.resolve()):
        raise InvalidInput("the backup must be outside the vault directory")


def write_backup(vault: Vault, dest: Path) -> BackupReport:
    """Write, verify and audit a backup of the unlocked ``vault`` at ``dest``."""
    dest = Path(dest)
    check_destination(vault, dest)
    key = vault.derived_key(Purpose.DATABASE)
    header_bytes = vault.read_header()
    store = vault.store
    written = 0
    # On read-only media nothing can change under the copy: no links are needed (and
    # none could be made).
    pin = contextlib.nullcontext(None) if store.read_only else leftovers.scratch_dir(
        vault.layout.root, kind="backup-links", what=WHAT)
    with leftovers.staging_dir(dest, kind="backup", what=WHAT) as staging, pin as links:
        target = Layout(staging)
        target.blobs.mkdir(mode=0o700)
        target.database.touch(mode=0o600)  # SQLite keeps an existing file's mode
        names: list[str] = []
        audit: tuple[object, object] = (None, None)
        linked = True

        def freeze() -> None:
            # Runs under the write lock: the names read here are those the exported
            # database refers to, and each is pinned by a link before anyone can unlink it.
            nonlocal linked, audit
            names.extend(_blob_names(store))
            audit = (store.meta("audit_head"), store.meta("audit_count"))
            if links is None:
                linked = False
                return
            for name in names:
                try:
                    os.link(vault.layout.blobs / name, links / name)
                except FileNotFoundError:
                    raise _missing(name) from None
                except OSError:
                    linked = False  # no hard links here: copy under the lock instead
                    return

        def copy_all() -> None:
            nonlocal written
            source = links if linked and links is not None else vault.layout.blobs
            for name in names:
                written += _copy_verified(source / name, target.blobs / name)

        def copy_if_unlinked() -> None:
            if not linked:
                copy_all()

        store.export_locked(target.database, key, freeze, then=copy_if_unlinked, what=WHAT)
        if linked:
            copy_all()
        written += target.database.stat().st_size
        fsutil.atomic_write(target.header, header_bytes, what=WHAT)
        fsutil.fsync_dir(target.blobs)
        _verify_copy(target, key, names, audit)
    if store.read_only:
        return BackupReport(dest, len(names), written)  # nothing can be recorded
    try:
        with store.transaction("recording the backup") as tx:
            tx.audit("vault.backup")
    except BaseException:
        # Unrecorded, the copy would contradict the error ("nothing was changed") and
        # block a retry to the same path: take it back.
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return BackupReport(dest, len(names), written)


def _blob_names(store: Store) -> list[str]:
    if not store.query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                           "AND name = 'attachments'"):
        return []
    return [row[0] for row in store.query("SELECT blob_name FROM attachments ORDER BY 1")]


def _copy_verified(src: Path, dst: Path) -> int:
    """Copy one encrypted blob (0600), fsync it, read it back and compare digests."""
    digest = hashlib.blake2b()
    try:
        with open(src, "rb") as fin:
            fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with open(fd, "wb") as fout:
                while block := fin.read(_CHUNK):
                    digest.update(block)
                    fout.write(block)
                fout.flush()
                os.fsync(fout.fileno())
                size = fout.tell()
    except FileNotFoundError:
        raise _missing(src.name) from None
    if _read_back(dst) != digest.digest():
        raise IntegrityError(f"the copy of blobs/{src.name} does not read back as written; "
                             "the backup medium may be failing (no backup was written)")
    return size


def _missing(name: str) -> IntegrityError:
    return IntegrityError(f"the encrypted file blobs/{name} is missing from the vault; run "
                          "'evault check' (no backup was written)")


def _drop_cache(path: Path) -> None:
    """Ask the kernel to forget its cached pages of ``path`` (already fsynced), so the
    next read comes from the medium, not from memory. Best effort."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _read_back(path: Path) -> bytes:
    digest = hashlib.blake2b()
    _drop_cache(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        with open(fd, "rb", closefd=False) as fh:
            while block := fh.read(_CHUNK):
                digest.update(block)
    finally:
        os.close(fd)
    return digest.digest()


def _verify_copy(target: Layout, key: bytes, names: list[str],
                 audit: tuple[object, object]) -> None:
    """Open the copied database and compare it with what was meant to be written."""
    # Read-only: verifying must not need space of its own (a nearly full drive that took
    # the copy must not turn into a false "does not verify").
    copy = Store.open(target.database, key, actor="backup-verify", migrate=False,
                      read_only="the backup being verified")
    try:
        # Every page read back from the medium and its HMAC checked: a page the medium
        # garbled fails here. (The structure was written by SQLite itself from a sound
        # database; ``evault check`` on the backup runs the full structural check.)
        _drop_cache(target.database)
        if copy.query("PRAGMA cipher_integrity_check"):
            raise IntegrityError("the backup does not read back as written (its database "
                                 "fails its page check); the backup medium may be "
                                 "failing; no backup was written")
        # The same audit head and length as the vault at the snapshot: the copy holds
        # that moment's history, no older and no newer (cheaper than re-hashing the chain,
        # and as strong: the head is a hash over every entry).
        if (copy.meta("audit_head"), copy.meta("audit_count")) != audit:
            raise IntegrityError("the backup's audit log is not the vault's; no backup "
                                 "was written")
        copied = sorted(_blob_names(copy))
    finally:
        copy.close()
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{target.database}{suffix}")
    if copied != sorted(names):
        raise IntegrityError("the backup's database and its encrypted files disagree; no "
                             "backup was written")
    present = sorted(os.listdir(target.blobs))
    if present != sorted(names):
        raise IntegrityError("the backup's encrypted files are incomplete; no backup was "
                             "written")
