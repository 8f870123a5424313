"""What the vault's folder and the medium under it allow: may we read it, may we write it,
and if not, why — in words a user can act on.

Why a module of its own: "the database refused the operation while opening" and
"internal error (PermissionError)" were what a read-only USB stick or a vault of another
user account produced (issue 14). The answers are asked once, before anything is opened.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from vault.errors import StorageError


def _user(uid: int) -> str:
    try:
        return f"'{pwd.getpwuid(uid).pw_name}' (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def ensure_readable(root: Path) -> None:
    """Raise a StorageError naming the owner when this account may not read ``root``."""
    try:
        st = root.stat()
    except PermissionError:
        raise StorageError(f"this account may not look inside the folder above {root}; "
                           "run evault as the user who owns the vault") from None
    except OSError:
        return  # missing or odd: the caller's own checks say what is wrong
    probes = [root, root / "header", root / "vault.db"]
    for path in probes:
        try:
            readable = not path.exists() or os.access(
                path, os.R_OK | (os.X_OK if path.is_dir() else 0))
        except PermissionError:
            readable = False
        if not readable:
            raise _not_ours(root, st.st_uid)


def _not_ours(root: Path, owner: int) -> StorageError:
    me = os.geteuid()
    if owner != me:
        return StorageError(f"the vault at {root} belongs to the user {_user(owner)}; this "
                            f"account, {_user(me)}, may not read it. Run evault as that user")
    return StorageError(f"the permissions of the vault at {root} do not let you read it; "
                        f"restore them with 'chmod -R u+rwX {root}'")


def read_only_reason(root: Path) -> str | None:
    """Why the vault at ``root`` cannot be written, or None when it can."""
    try:
        if os.statvfs(root).f_flag & os.ST_RDONLY:
            return "the vault is on read-only media"
    except OSError:
        return None
    for path in (root, root / "vault.db"):
        if path.exists() and not os.access(path, os.W_OK):
            owner = path.stat().st_uid
            if owner != os.geteuid():
                return f"the vault's files belong to the user {_user(owner)}"
            return "the vault's files are not writable (their permissions forbid it)"
    return None
