"""What a killed evault command leaves behind, and how the next command removes it.

Some commands build a folder (a backup, a new vault, an opened bundle) or a file in a
hidden place beside where the user asked, and rename it into place when complete. A
``SIGKILL``, a power cut or a closed laptop lid in between leaves the hidden thing
behind, outside any vault, where ``check --repair`` never looks — and for an opened
bundle it holds decrypted records.

So each such place is first written into a small journal (one file per place, under
the user's state folder: ``$EVAULT_STATE_DIR``, else ``platformdirs.user_state_dir``),
and the journal entry is ``flock``-ed by the command for as long as it runs. The next
start of any evault command (:func:`sweep`) removes every journalled place whose entry
is not locked — its command is gone, since the kernel drops a dead process's locks —
and says so on stderr. A finished command removes its entry itself.

The journal holds paths (where a backup or an opened bundle was being written), never
content; it is empty unless a command was interrupted.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vault import fsutil

STATE_ENV = "EVAULT_STATE_DIR"


def journal_dir() -> Path:
    """Where the entries live (``$EVAULT_STATE_DIR/pending`` or the platform's)."""
    env = os.environ.get(STATE_ENV)
    if env:
        return Path(env).expanduser() / "pending"
    import platformdirs  # here: it is a noticeable part of a short command's start-up

    base = Path(platformdirs.user_state_dir("evault", appauthor=False))
    return base / "pending"


@contextmanager
def _entry(place: Path, kind: str) -> Iterator[None]:
    """Journal ``place`` for the duration of the ``with`` body (entry locked, durable)."""
    directory = journal_dir()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        entry = directory / f"{kind}-{os.getpid()}-{os.urandom(6).hex()}.json"
        fd = os.open(entry, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError:
        # No state folder (read-only home, odd system): the work is still safe, only
        # the clean-up after a kill is lost. Not worth failing the command for.
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        payload = json.dumps({"path": str(place.absolute()), "kind": kind}).encode()
        os.write(fd, payload)
        os.fsync(fd)
        fsutil.fsync_dir(directory)
        yield
    finally:
        with contextlib.suppress(OSError):
            entry.unlink()
        os.close(fd)


@contextmanager
def staging_dir(dest: Path, *, kind: str, what: str) -> Iterator[Path]:
    """:func:`vault.fsutil.new_directory`, journalled: a kill leaves a hidden folder
    that the next evault command removes."""
    with fsutil.new_directory(dest, kind=kind, what=what, journal=_entry) as staging:
        yield staging


@contextmanager
def scratch_dir(parent: Path, *, kind: str, what: str) -> Iterator[Path]:
    """A hidden folder in ``parent`` (0700) removed when the ``with`` body ends, and by
    the next evault command if this one is killed."""
    place = parent / f".evault-{kind}-{os.urandom(4).hex()}"
    with _entry(place, kind):
        try:
            place.mkdir(mode=0o700)
        except OSError as exc:
            raise fsutil.storage_error(exc, what) from None
        try:
            yield place
        finally:
            shutil.rmtree(place, ignore_errors=True)


@contextmanager
def journalled(place: Path, kind: str) -> Iterator[None]:
    """Journal a named file (or folder) written by the ``with`` body, for the systems
    where :func:`vault.fsutil.write_new`'s unnamed file is not available."""
    with _entry(place, kind):
        yield


def sweep() -> list[str]:
    """Remove what killed evault commands left; one line per place removed.

    Never raises: a clean-up that fails is reported and retried next time.
    """
    directory = journal_dir()
    try:
        entries = sorted(directory.iterdir())
    except OSError:
        return []
    said: list[str] = []
    for entry in entries:
        if entry.suffix != ".json":
            continue
        try:
            fd = os.open(entry, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # its command is still running
            said.extend(_remove(entry, fd))
        finally:
            os.close(fd)
    return said


def _remove(entry: Path, fd: int) -> list[str]:
    try:
        with open(fd, "rb", closefd=False) as fh:
            data = json.loads(fh.read() or b"{}")
        place, kind = Path(data["path"]), str(data["kind"])
    except (OSError, ValueError, KeyError, TypeError):
        with contextlib.suppress(OSError):
            entry.unlink()
        return []
    try:
        if place.is_dir() and not place.is_symlink():
            shutil.rmtree(place)
            message = f"removed {place}, a half-written folder ({kind}) left by an evault " \
                      "command that was interrupted"
        elif place.exists() or place.is_symlink():
            place.unlink()
            message = f"removed {place}, a half-written file ({kind}) left by an evault " \
                      "command that was interrupted"
        else:
            message = ""
    except OSError as exc:
        return [f"could not remove {place} ({kind}) left by an interrupted evault command: "
                f"{exc.strerror}; remove it by hand"]
    with contextlib.suppress(OSError):
        entry.unlink()
    return [message] if message else []
