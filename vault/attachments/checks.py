"""``evault check`` and ``evault check --repair`` for attachments.

The check decrypts and hashes every blob (streaming, constant memory) and reports, by
attachment id, blobs that are missing or do not match what was stored; and files in
``blobs/`` that nothing refers to: orphans left by a crash between writing a blob and
recording it, or partial ``.tmp-*`` files from an interrupted attach.

The repair removes those unreferenced files and nothing else. A blob still referenced is
never removed, however damaged: it is evidence, and restoring it from a backup is the
user's decision. A file being written right now (locked by an ingest in progress, in this
process or another) is neither reported nor removed.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Final

from vault import fsutil
from vault.attachments.ingest import TMP_PREFIX, is_in_use
from vault.attachments.model import BlobRef
from vault.attachments.reading import verified_chunks
from vault.errors import VaultError

if TYPE_CHECKING:
    from vault.session import Vault

__all__ = ["blob_refs", "check_attachments", "repair_attachments"]

_PLAIN_NAME: Final = re.compile(r"[A-Za-z0-9._-]{1,80}")


def blob_refs(vault: Vault) -> list[BlobRef]:
    """Every attachment's blob name, key, size and hash."""
    rows = vault.store.query(
        "SELECT id, blob_name, blob_key, size, sha256 FROM attachments ORDER BY id"
    )
    return [BlobRef(str(r[0]), str(r[1]), bytes(r[2]), int(r[3]), str(r[4])) for r in rows]


def _shown(name: str) -> str:
    """A file name from ``blobs/`` safe to print (it could be anything someone put there)."""
    return name if _PLAIN_NAME.fullmatch(name) else ascii(name)


def _unreferenced(vault: Vault, refs: list[BlobRef]) -> list[Path]:
    """Entries of ``blobs/`` that no attachment refers to and no ingest is writing."""
    blobs = vault.layout.blobs
    if not blobs.is_dir():
        return []
    known = {ref.blob_name for ref in refs}
    found = []
    for entry in sorted(os.listdir(blobs)):
        path = blobs / entry
        if entry in known or is_in_use(path):
            continue
        # Ask again now: an ingest commits its row before it lets go of its lock, so a
        # blob that was not locked just now is either recorded by now or truly orphaned.
        if vault.store.query_one("SELECT 1 FROM attachments WHERE blob_name = ?", (entry,)):
            continue
        found.append(path)
    return found


def check_attachments(vault: Vault) -> list[str]:
    """Problems with attachments, one line each, naming attachments by id."""
    problems: list[str] = []
    refs = blob_refs(vault)
    for ref in refs:
        try:
            for _chunk in verified_chunks(vault.layout.blobs, ref):
                pass
        except VaultError as exc:
            problems.append(exc.message)
    for path in _unreferenced(vault, refs):
        name = _shown(path.name)
        if path.name.startswith(TMP_PREFIX):
            problems.append(f"blobs/{name}: a partial file left by an interrupted attach "
                            "(remove it with 'evault check --repair')")
        elif path.is_dir() and not path.is_symlink():
            problems.append(f"blobs/{name}: an unexpected folder among the encrypted files")
        else:
            problems.append(f"blobs/{name}: an encrypted file no attachment refers to "
                            "(remove it with 'evault check --repair')")
    return problems


def repair_attachments(vault: Vault) -> list[str]:
    """Remove unreferenced files from ``blobs/`` (never folders, never referenced blobs);
    returns what was done."""
    refs = blob_refs(vault)
    done: list[str] = []
    for path in _unreferenced(vault, refs):
        if path.is_dir() and not path.is_symlink():
            continue  # not ours to guess about; the check keeps reporting it
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            done.append(f"could not remove blobs/{_shown(path.name)} ({exc.strerror})")
            continue
        done.append(f"removed unreferenced file blobs/{_shown(path.name)}")
    removed = sum(1 for line in done if line.startswith("removed"))
    if removed:
        with contextlib.suppress(OSError):
            fsutil.fsync_dir(vault.layout.blobs)
        with vault.store.transaction("repairing attachments") as tx:
            tx.audit("attachments.repair", removed=removed)
    return done
