"""``travel start``: seal every record that is not travel-safe into one file, remove
them, then wipe and rotate.

Order, and why a kill at any moment leaves the vault before or after, never data in
neither place (proven by tests/test_travel_crash.py):

1. One write transaction (``BEGIN IMMEDIATE``: no other writer can add a record that
   would be removed unsealed) reads what is sealed and streams it into the sealed file,
   which is an unnamed file linked into place only once complete and fsynced.
2. In the same transaction the sealed rows, index entries and drafts are deleted
   (``secure_delete``, FTS5 ``secure-delete``), the trip is recorded with its blob file
   names, and the audit log gets an entry per record. Commit. A kill before the commit
   leaves the vault as it was (and possibly a complete sealed file no trip refers to,
   which ``travel end`` refuses); after it, the data is in the file only.
3. :func:`finish`: overwrite and unlink the blob files, optimize the index, checkpoint
   the WAL, rotate the master key (keeping the recovery key: it is the default travel
   key), mark the trip ``travelling``. Every step can run again; a kill in the middle
   leaves the trip ``sealed``, which ``evault status``, ``evault check`` and ``travel
   start`` report, and ``travel start`` finishes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyrage

from vault import ids
from vault.errors import InvalidInput, PolicyRefused, VaultError
from vault.store import Transaction
from vault.travel import container
from vault.travel.drafts import DRAFTS_SETTING, sealed_drafts
from vault.travel.selection import SEALED_IDS, TablePart, parts, preview
from vault.travel.state import Trip, open_trip
from vault.travel.wipe import overwrite_and_unlink

if TYPE_CHECKING:
    from vault.session import Vault

#: Rows per ``rows-*.jsonl`` entry: bounded memory whatever the vault's size.
ROWS_PER_ENTRY = 2000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Started:
    """A trip that has started: its id, the sealed file and the counts sealed."""

    trip_id: str
    path: Path
    counts: dict[str, Any]
    manifest_sha256: str
    resumed: bool = False
    """True when this call only finished a start that had been interrupted."""


def encode(value: Any) -> Any:
    """A column value as JSON (bytes as ``{"b64": …}``)."""
    if isinstance(value, bytes | bytearray | memoryview):
        import base64

        return {"b64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


def without_rowid(tx: Transaction, table: str) -> bool:
    """True for a ``WITHOUT ROWID`` table (its rows have no rowid to keep)."""
    row = tx.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    return bool(row) and "WITHOUT ROWID" in str(row[0]).upper()


def _rows(tx: Transaction, part: TablePart) -> Iterator[list[Any]]:
    keep_rowid = not without_rowid(tx, part.table)
    cols = ", ".join(part.columns)
    select = f"SELECT {'rowid, ' if keep_rowid else ''}{cols} FROM {part.table} " \
             f"WHERE {part.where} ORDER BY {'rowid' if keep_rowid else part.key}"
    for row in tx.execute(select):
        values = list(row)
        record = {"_rowid": values.pop(0)} if keep_rowid else {}
        record.update({c: encode(v) for c, v in zip(part.columns, values, strict=True)})
        yield [part.table, record]


def _entries(rows: Iterator[list[Any]], prefix: str, start: int,
             writer: container.Writer) -> int:
    """Write ``rows`` as numbered JSON-lines entries; returns the next number."""
    batch: list[str] = []
    number = start
    for row in rows:
        batch.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        if len(batch) >= ROWS_PER_ENTRY:
            writer.add_bytes(f"{prefix}-{number:05d}.jsonl", "\n".join(batch).encode())
            batch, number = [], number + 1
    if batch:
        writer.add_bytes(f"{prefix}-{number:05d}.jsonl", "\n".join(batch).encode())
        number += 1
    return number


def start(vault: Vault, out: Path, recipient: pyrage.x25519.Recipient, *, sealed_to: str,
          passphrase: str, progress: Progress | None = None) -> Started:
    """Seal, remove, wipe and rotate (see the module's docstring). Raises PolicyRefused
    when travel-safe records refer to records that are not; InvalidInput when the vault
    is already travelling or there is nothing to seal."""
    store = vault.store
    trip = open_trip(store)
    if trip is not None and trip.phase == "sealed":
        finish(vault, trip, passphrase, progress)
        return Started(trip.trip_id, out, trip.counts, trip.manifest_sha256, resumed=True)
    if trip is not None:
        raise InvalidInput(f"the vault is already in travel mode (trip {trip.trip_id}, since "
                           f"{trip.started}); end it with 'evault travel end' first")
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; nothing was changed; choose a new file name")
    say = progress or (lambda _m: None)
    trip_id = ids.new_id()
    vault_id = str(store.meta("vault_id") or "")
    key = vault.signing_key()
    with store.transaction("starting travel mode") as tx:
        found = preview(tx)
        if found.refusals:
            raise PolicyRefused(found.refusals[0] + (
                f" (and {len(found.refusals) - 1} more; see 'evault travel start --dry-run')"
                if len(found.refusals) > 1 else ""))
        counts = found.to_json()
        del counts["refusals"]
        if not counts["records"] and not counts["drafts"]:
            raise InvalidInput("nothing to seal: every record is marked travel-safe")
        table_parts = parts(tx)
        records = TablePart("records", tuple(
            str(r[1]) for r in tx.execute("PRAGMA table_info('records')").fetchall()),
            f"id IN ({SEALED_IDS})", "id")
        sealed_ids = [str(r[0]) for r in tx.execute(
            f"SELECT id FROM records WHERE id IN ({SEALED_IDS}) ORDER BY rowid").fetchall()]
        drafts_row = tx.execute("SELECT value FROM settings WHERE key = ?",
                                (DRAFTS_SETTING,)).fetchone()
        drafts = json.loads(drafts_row[0]) if drafts_row else {}
        kept_ids = {str(r[0]) for r in tx.execute("SELECT record_id FROM travel_safe")}
        sealed_draft_map = sealed_drafts(drafts, kept_ids)
        blob_names = [str(r[0]) for r in tx.execute(
            f"SELECT blob_name FROM attachments WHERE record_id IN ({SEALED_IDS}) "
            "ORDER BY rowid").fetchall()]
        say(f"sealing {counts['records']} record(s) and {counts['attachments']} "
            "attachment(s)…")
        with container.sealing(out, recipient) as writer:
            trip_json = {"format": container.FORMAT, "trip_id": trip_id, "vault_id": vault_id,
                         "created": vault.clock().isoformat(timespec="seconds")}
            writer.add_bytes(container.TRIP, json.dumps(trip_json).encode())
            number = _entries(_rows(tx, records), "rows", 0, writer)
            for part in table_parts:
                number = _entries(_rows(tx, part), "rows", number, writer)
            _entries(_search_rows(tx), "search", 0, writer)
            writer.add_bytes("drafts.json", json.dumps(sealed_draft_map,
                                                       ensure_ascii=False).encode())
            for name in blob_names:
                writer.add_file(f"{container.BLOBS}{name}", vault.layout.blobs / name)
            digest = writer.finish(key, trip_id, counts)
        say("removing the sealed records from the vault…")
        _remove(tx, table_parts, sealed_ids, drafts, kept_ids)
        tx.execute("INSERT INTO travel_trips(trip_id, started, phase, sealed_to, recipient, "
                   "counts, manifest_sha256, pending_blobs) VALUES (?,?,?,?,?,?,?,?)",
                   (trip_id, vault.clock().isoformat(timespec="seconds"), "sealed", sealed_to,
                    str(recipient), json.dumps(counts), digest, json.dumps(blob_names)))
        for rid in sealed_ids:
            tx.audit("travel.seal", record=rid, trip=trip_id)
        tx.audit("travel.start", trip=trip_id, sealed_to=sealed_to, manifest_sha256=digest,
                 records=counts["records"], attachments=counts["attachments"],
                 drafts=counts["drafts"])
    trip = open_trip(store)
    assert trip is not None
    try:
        finish(vault, trip, passphrase, progress)
    except VaultError as exc:
        # The records have left the vault: "nothing was changed" would be false here.
        cause = exc.message.split(";")[0]
        raise Unfinished(
            f"the records were sealed into {out} and removed from the vault, but the start "
            f"did not finish ({cause}); travel mode is on: run 'evault travel start' again "
            "to wipe their files and rotate the keys", exc.exit_code) from None
    return Started(trip_id, out, counts, digest)


class Unfinished(VaultError):
    """``travel start`` sealed and removed the records but could not wipe their files or
    rotate the keys (another evault process had the vault open, a disk error). The data
    is safe in the sealed file; running ``travel start`` again finishes the job."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _search_rows(tx: Transaction) -> Iterator[list[Any]]:
    rows = tx.execute(
        "SELECT d.record_id, d.kind, r.date, t.texts FROM search_doc AS d "
        "JOIN search_text AS t ON t.docid = d.docid JOIN records AS r ON r.id = d.record_id "
        f"WHERE d.record_id IN ({SEALED_IDS}) ORDER BY d.docid")
    for rid, kind, date, texts in rows:
        yield [str(rid), str(kind), date, json.loads(texts)]


def _remove(tx: Transaction, table_parts: list[TablePart], sealed_ids: list[str],
            drafts: Any, kept_ids: set[str]) -> None:
    from vault import search

    # Tokens of deleted rows are removed from the index itself, not only marked deleted.
    tx.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('secure-delete', 1)")
    kept_docs = int(tx.execute(
        f"SELECT count(*) FROM search_doc WHERE record_id NOT IN ({SEALED_IDS})").fetchone()[0])
    if len(sealed_ids) <= kept_docs:
        for rid in sealed_ids:
            search.remove_record(tx, rid)
    else:
        # Most of the vault leaves (the usual trip): deleting each record's tokens means
        # tokenizing its text again, so empty the index and re-tokenize what stays.
        tx.execute(f"DELETE FROM search_text WHERE docid IN (SELECT docid FROM search_doc "
                   f"WHERE record_id IN ({SEALED_IDS}))")
        tx.execute(f"DELETE FROM search_doc WHERE record_id IN ({SEALED_IDS})")
        search.rebuild(tx)
    for part in reversed(table_parts):  # children before parents
        tx.execute(f"DELETE FROM {part.table} WHERE {part.where}")
    tx.execute(f"DELETE FROM records WHERE id IN ({SEALED_IDS})")
    if isinstance(drafts, dict) and drafts:
        kept = {k: v for k, v in drafts.items() if str(k) in kept_ids}
        tx.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                   (DRAFTS_SETTING, json.dumps(kept, ensure_ascii=False)))


def finish(vault: Vault, trip: Trip, passphrase: str, progress: Progress | None = None,
           ) -> None:
    """Wipe the sealed blobs, compact the index, checkpoint, rotate the master key, and
    mark the trip ``travelling``. Safe to run again after a kill."""
    say = progress or (lambda _m: None)
    store = vault.store
    say("wiping the sealed attachments' files…")
    for name in trip.pending_blobs:
        overwrite_and_unlink(vault.layout.blobs / name)
    from vault import fsutil

    fsutil.fsync_dir(vault.layout.blobs)
    with store.transaction("compacting the search index") as tx:
        # Merge the index into one segment: old segments (and any token they held) are
        # freed, and secure_delete overwrites freed pages.
        tx.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        tx.audit("travel.wipe", trip=trip.trip_id, blobs=len(trip.pending_blobs))
    store.checkpoint()
    say("rotating the master key…")
    # A new master key: what the old one encrypted (free blocks, old WAL frames, a copy
    # of the header taken before) no longer opens with the passphrase. The recovery key
    # is kept: it is the default travel key, and it is on paper.
    vault.rotate_keys(passphrase, new_recovery_key=False)
    with vault.store.transaction("entering travel mode") as tx:
        tx.execute("UPDATE travel_trips SET phase = 'travelling', pending_blobs = '[]' "
                   "WHERE trip_id = ?", (trip.trip_id,))
        tx.audit("travel.ready", trip=trip.trip_id)
    vault.store.checkpoint()
