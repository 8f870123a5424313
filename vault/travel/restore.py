"""``travel end``: put everything sealed back, exactly, in one transaction.

Rows come back with their ids, levels and links (and their rowids where still free, so
lists keep their order); index entries are re-tokenized from the stored texts; drafts are
merged with those made during the trip; blobs are written back under their own names
before the commit and removed again if anything fails. The signature and the manifest
are checked at the end of the stream, before the commit: a file that is cut short,
altered, made by another vault or for another trip changes nothing.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyrage
import sqlcipher3

from vault import fsutil
from vault.errors import IntegrityError, InvalidInput
from vault.store import Transaction
from vault.travel import container
from vault.travel.drafts import DRAFTS_SETTING, merged
from vault.travel.state import open_trip, trip

if TYPE_CHECKING:
    from vault.session import Vault

Progress = Callable[[str], None]
_BLOB_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}")
_TMP_PREFIX = ".tmp-"  # what 'check --repair' removes if a kill leaves one behind


class OtherVault(InvalidInput):
    """The sealed file was made by another vault (its ``trip.json`` names another vault
    id): nothing was changed."""


class AlreadyRestored(InvalidInput):
    """The sealed file's trip has ended already: restoring it twice would clash with the
    records it brought back. Nothing was changed."""


def check_trip(vault: Vault, info: Any, vault_id: str, expected_trip: str) -> None:
    """Refuse a ``trip.json`` of another format, vault or trip (the first entry of the
    sealed file, read before anything is written)."""
    if not isinstance(info, dict) or info.get("format") != container.FORMAT:
        raise IntegrityError("this is not an evault travel seal (or a newer format); "
                             "nothing was changed")
    if info.get("vault_id") != vault_id:
        raise OtherVault("this sealed file belongs to another vault; nothing was changed")
    tid = str(info.get("trip_id"))
    if tid != expected_trip or not tid:
        earlier = trip(vault.store, tid)
        if earlier is not None and earlier.phase == "ended":
            raise AlreadyRestored(f"this sealed file was restored already (trip {tid}, "
                                  f"ended {earlier.ended}); nothing was changed")
        if not expected_trip:
            raise InvalidInput("the vault is not in travel mode, and this sealed file is "
                               "from no trip it knows; nothing was changed")
        raise InvalidInput(f"this sealed file is from another trip ({tid}), not the "
                           f"one in progress ({expected_trip}); nothing was changed")


@dataclass(frozen=True)
class Inspected:
    """A sealed file that opened and checked out: its trip and its manifest's counts."""

    trip_id: str
    counts: dict[str, Any]


def inspect(vault: Vault, path: Path, identity: pyrage.x25519.Identity) -> Inspected:
    """Decrypt and check ``path`` the way :func:`end` does (key, vault, trip, signature,
    every entry's hash, the trip's recorded manifest) without writing anything: what the
    app shows before the restore, and the errors it would meet, at the cost of reading
    the file twice."""
    current = open_trip(vault.store)
    expected = current.trip_id if current is not None else ""
    vault_id = str(vault.store.meta("vault_id") or "")

    def handle(name: str, stream: IO[bytes], size: int) -> None:
        if name == container.TRIP:
            check_trip(vault, json.loads(stream.read(1 << 20)), vault_id, expected)

    opened = container.read(Path(path), identity, vault.signing_key().public_key(), handle)
    if (current is None or opened.manifest.get("trip_id") != current.trip_id
            or opened.manifest_sha256 != current.manifest_sha256):
        raise IntegrityError("the sealed file is not the one this trip wrote; nothing was "
                             "changed")
    return Inspected(current.trip_id, dict(opened.manifest.get("counts") or {}))


@dataclass(frozen=True)
class Ended:
    """A trip that has ended: what came back."""

    trip_id: str
    counts: dict[str, Any]


def decode(value: Any) -> Any:
    """The inverse of :func:`vault.travel.seal.encode`."""
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    return value


@dataclass
class _Restore:
    vault: Vault
    tx: Transaction
    say: Progress
    expected_trip: str
    vault_id: str
    known_blobs: set[str] = field(default_factory=set)
    written: list[tuple[Path, int]] = field(default_factory=list)
    records: list[str] = field(default_factory=list)
    drafts: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, set[str]] = field(default_factory=dict)
    saw_trip: bool = False

    def handle(self, name: str, stream: IO[bytes], size: int) -> None:
        if name == container.TRIP:
            self._trip(json.loads(stream.read(1 << 20)))
            return
        if not self.saw_trip:
            raise IntegrityError("the sealed file does not start with its trip; nothing was "
                                 "changed")
        if name.startswith("rows-"):
            for line in stream:
                table, row = json.loads(line)
                self._insert(str(table), row)
        elif name.startswith("search-"):
            from vault import search

            for line in stream:
                rid, kind, date, texts = json.loads(line)
                search.index_record(self.tx, rid, kind,
                                    [(f, text, level) for f, level, text in texts], date)
        elif name == "drafts.json":
            self.drafts = dict(json.loads(stream.read()))
        elif name.startswith(container.BLOBS):
            self._blob(name[len(container.BLOBS):], stream)
        else:
            raise IntegrityError("the sealed file holds an entry evault does not know; "
                                 "nothing was changed")

    def _trip(self, info: Any) -> None:
        check_trip(self.vault, info, self.vault_id, self.expected_trip)
        self.saw_trip = True
        self.known_blobs = {str(r[0]) for r in self.tx.execute(
            "SELECT blob_name FROM attachments")}

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        if table not in self.columns:
            found = {str(r[1]) for r in self.tx.execute(f"PRAGMA table_info('{table}')")}
            if not found:
                raise InvalidInput(f"the vault has no table {table} any more; nothing was "
                                   "changed")
            self.columns[table] = found
        rowid = row.pop("_rowid", None)
        unknown = set(row) - self.columns[table]
        if unknown:
            raise InvalidInput(f"table {table} of the vault no longer has the column(s) "
                               f"{', '.join(sorted(unknown))}; nothing was changed")
        names = list(row)
        values = [decode(row[n]) for n in names]
        if rowid is not None and self.tx.execute(
                f"SELECT 1 FROM {table} WHERE rowid = ?", (rowid,)).fetchone() is None:
            names.insert(0, "rowid")
            values.insert(0, rowid)
        marks = ", ".join("?" for _ in names)
        try:
            self.tx.execute(f"INSERT INTO {table}({', '.join(names)}) VALUES ({marks})",
                            values)
        except sqlcipher3.IntegrityError as exc:
            if table == "records":
                raise InvalidInput(f"record {row.get('id')} is in the vault already; "
                                   "nothing was changed") from None
            if "FOREIGN KEY" in str(exc).upper():
                raise InvalidInput(f"a sealed {table} row refers to a record that is no "
                                   "longer in the vault (deleted during the trip?); nothing "
                                   "was changed") from None
            raise InvalidInput(f"a sealed {table} row clashes with one in the vault; nothing "
                               "was changed") from None
        if table == "records":
            self.records.append(str(row["id"]))

    def _blob(self, name: str, stream: IO[bytes]) -> None:
        if not _BLOB_NAME.fullmatch(name) or name.startswith(_TMP_PREFIX):
            raise IntegrityError("the sealed file names an attachment file oddly; nothing "
                                 "was changed")
        if name in self.known_blobs:
            raise InvalidInput("a sealed attachment's file name is in use in the vault; "
                               "nothing was changed")
        blobs = self.vault.layout.blobs
        final = blobs / name
        tmp = blobs / f"{_TMP_PREFIX}{secrets.token_hex(8)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise fsutil.storage_error(exc, "restoring an attachment") from None
        # Locked while the transaction is open: 'check --repair' in another process
        # leaves a locked file alone (it is being written, not orphaned).
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.written.append((tmp, fd))
        try:
            while chunk := stream.read(1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view):]
            os.fsync(fd)
            # An earlier restore killed before its commit may have left this very file.
            os.replace(tmp, final)
            self.written[-1] = (final, fd)
        except OSError as exc:
            raise fsutil.storage_error(exc, "restoring an attachment") from None

    def discard(self) -> None:
        for path, _fd in self.written:
            with contextlib.suppress(OSError):
                path.unlink()
        self.release()

    def release(self) -> None:
        for _path, fd in self.written:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.written.clear()


def end(vault: Vault, path: Path, identity: pyrage.x25519.Identity, *,
        progress: Progress | None = None) -> Ended:
    """Restore the trip sealed in ``path`` (see the module's docstring)."""
    say = progress or (lambda _m: None)
    store = vault.store
    current = open_trip(store)
    expected = current.trip_id if current is not None else ""
    public = vault.signing_key().public_key()
    vault_id = str(store.meta("vault_id") or "")
    restore: _Restore | None = None
    try:
        with store.transaction("ending travel mode") as tx:
            restore = _Restore(vault, tx, say, expected, vault_id)
            say("opening the sealed file and restoring…")
            opened = container.read(Path(path), identity, public, restore.handle)
            manifest = opened.manifest
            if (current is None or manifest.get("trip_id") != current.trip_id
                    or opened.manifest_sha256 != current.manifest_sha256):
                raise IntegrityError("the sealed file is not the one this trip wrote; "
                                     "nothing was changed")
            counts = dict(manifest.get("counts") or {})
            if len(restore.records) != counts.get("records"):
                raise IntegrityError("the sealed file holds a different number of records "
                                     "than its manifest says; nothing was changed")
            if restore.drafts:
                row = tx.execute("SELECT value FROM settings WHERE key = ?",
                                 (DRAFTS_SETTING,)).fetchone()
                now = merged(json.loads(row[0]) if row else {}, restore.drafts)
                tx.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                           (DRAFTS_SETTING, json.dumps(now, ensure_ascii=False)))
            _reindex(tx, restore.records)
            _identities(tx, restore.records)
            tx.execute("UPDATE travel_trips SET phase = 'ended', ended = ?, "
                       "pending_blobs = '[]' WHERE trip_id = ?",
                       (vault.clock().isoformat(timespec="seconds"), current.trip_id))
            for rid in restore.records:
                tx.audit("travel.restore", record=rid, trip=current.trip_id)
            tx.audit("travel.end", trip=current.trip_id, records=len(restore.records),
                     attachments=counts.get("attachments", 0),
                     manifest_sha256=opened.manifest_sha256)
    except BaseException:
        if restore is not None:
            restore.discard()  # the transaction rolled back: its blobs go too
        raise
    finally:
        with contextlib.suppress(OSError):
            fsutil.fsync_dir(vault.layout.blobs)
    # Committed: from here a kill leaves the vault after the trip (the crash sweep kills on
    # this line to prove it).
    say("restored; closing up…")
    restore.release()
    store.checkpoint()
    return Ended(current.trip_id, counts)


def _identities(tx: Transaction, record_ids: list[str]) -> None:
    """Bring the protected identities of the restored records in step (their rows came
    back from the sealed file, but the records' insertion marked them stale)."""
    from vault.export import protected

    protected.refresh(tx, protected.registry_of(tx), record_ids)


def _reindex(tx: Transaction, record_ids: list[str]) -> None:
    """Index the restored records that the sealed file carried no index entries for: the
    index keeps no copy of a record's values (they are read back from ``records``), so
    they are indexed again from the restored rows, with their attachments' text."""
    from vault import search
    from vault.attachments.text import entries
    from vault.records.searchtext import record_texts

    indexed = {str(r[0]) for r in tx.execute(
        "SELECT record_id FROM search_doc WHERE record_id IN (SELECT value FROM json_each(?))",
        (json.dumps(record_ids),))}
    missing = [rid for rid in record_ids if rid not in indexed]
    for rid, texts in record_texts(lambda sql, params: tx.execute(sql, params).fetchall(),
                                   missing):
        kind, date = tx.execute("SELECT kind, date FROM records WHERE id = ?",
                                (rid,)).fetchone()
        recognised = entries(tx, rid)
        search.index_record(tx, rid, str(kind), [*texts, *recognised], date,
                            keep_text=bool(recognised))
