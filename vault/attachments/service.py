"""The attachment service: attach, list, read, extract, detach, custody.

Chain of custody: every operation that creates, hands out, changes or removes an
attachment appends an audit entry in the same transaction as its effect, carrying the
attachment id and the SHA-256 of the original (``attachment.ingest``, ``.extract``,
``.level``, ``.detach``, ``.original_removed``). :meth:`AttachmentService.custody` reads
them back, also after a detach. Entries never hold the file name, the note, the metadata
or any content.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from vault import fsutil, ids
from vault.attachments.ingest import ingest_file
from vault.attachments.model import COLUMNS, Attachment, BlobRef
from vault.attachments.reading import (
    verified_chunks,
    write_verified_file,
    write_verified_stream,
)
from vault.attachments.source import FileChanged, hash_file
from vault.audit import AuditEntry, rows_to_entries
from vault.errors import InvalidInput, NotFound, StorageError
from vault.records.recordpage import attachments_of
from vault.records.registry import Level

if TYPE_CHECKING:
    from vault.context import ServiceContext
    from vault.records.service import RecordService

__all__ = ["MAX_NOTE", "AttachmentService"]

MAX_NOTE: Final = 10_000
"""Characters in an attachment's note."""

Progress = Callable[[int, int], None]
_AUDIT_COLUMNS: Final = "seq, at, actor, action, record, field, detail, prev, hash"


def _level(value: str | Level | None) -> Level:
    if value is None:
        return Level.PRIVATE  # an attachment travels only once someone decides it may
    try:
        return Level(value)
    except ValueError:
        raise InvalidInput("the level must be public, partner or private") from None


def _note(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if len(value) > MAX_NOTE or "\x00" in value:
        raise InvalidInput(f"the note must be text of at most {MAX_NOTE} characters")
    return value


def _original_name(path: Path) -> str:
    """The file's own name, as valid text (undecodable bytes in a name become U+FFFD)."""
    name = os.path.basename(os.path.normpath(os.fspath(path)))
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")[:1024]


class AttachmentService:
    """Attachments of one unlocked vault (``vault.services.attachments``), built from
    the session's :class:`~vault.context.ServiceContext` and its records service (an
    attachment is bound to a record and indexed with it)."""

    def __init__(self, context: ServiceContext, records: RecordService) -> None:
        self._context = context
        self._records = records

    @property
    def _blobs(self) -> Path:
        return self._context.layout.blobs

    # -- adding ------------------------------------------------------------------------

    def attach(self, record_id: str, path: str | os.PathLike[str],
               level: str | Level | None = None, note: str | None = None, *,
               progress: Progress | None = None,
               cancel: threading.Event | None = None) -> Attachment:
        """Encrypt the file at ``path`` into the vault, bound to ``record_id`` (a prefix
        is fine). Constant memory, whatever the size; ``progress(done, total)`` in bytes.

        Raises InvalidInput (not a readable regular file; changed while read),
        Cancelled, StorageError (disk full…), NotFound (no such record). On any failure
        nothing is stored and nothing is left in ``blobs/``.
        """
        store = self._context.store
        rid = ids.resolve(store, "records", record_id, "record")
        chosen = _level(level)
        text = _note(note)
        source = Path(path)
        name = _original_name(source)
        with ingest_file(self._blobs, source, progress=progress, cancel=cancel) as staged:
            attachment = Attachment(
                ids.new_id(), rid, staged.media_type, staged.size, staged.sha256,
                self._context.clock().isoformat(timespec="seconds"), name, staged.metadata,
                chosen, text,
            )
            try:
                with store.transaction("attaching a file") as tx:
                    tx.execute(
                        "INSERT INTO attachments(id, record_id, blob_name, blob_key, "
                        "media_type, size, sha256, ingested, name, metadata, level, note) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                        (attachment.id, rid, staged.blob_name, staged.key,
                         attachment.media_type, attachment.size, attachment.sha256,
                         attachment.ingested, name,
                         json.dumps(staged.metadata, ensure_ascii=False, sort_keys=True),
                         chosen.value, text),
                    )
                    tx.audit("attachment.ingest", record=rid, attachment=attachment.id,
                             sha256=attachment.sha256, size=attachment.size,
                             level=chosen.value)
                    # Kept from here: should the commit fail after all, a leftover blob
                    # is an orphan the repair removes; the reverse (a committed row whose
                    # blob we deleted) would be a lost attachment.
                    staged.kept = True
            except BaseException:
                with contextlib.suppress(Exception):
                    if not self._exists(attachment.id):
                        staged.kept = False
                raise
        return attachment

    def read_text(self, attachment_id: str, *, progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> int:
        """Read what the attachment says (OCR of a picture or scan, a PDF's own text) and
        put it in the encrypted search index under ``attachment text <id>``; returns the
        number of characters read (0 for a file with nothing to read). Plaintext stays
        in memory and in the database only. ``progress(done, total)`` counts pages."""
        from vault.attachments import text as att_text

        attachment, ref = self._ref(attachment_id)
        if attachment.size > att_text.MAX_READ_BYTES:
            return 0
        data = b"".join(verified_chunks(self._blobs, ref))
        if not att_text.readable(data[:1024]):
            return 0
        try:
            found = att_text.recognise(data, progress=progress, cancel=cancel).strip()
        except att_text.ReadCancelled:
            raise
        except Exception:  # noqa: BLE001 - a file OCR cannot read stays unindexed
            return 0
        with self._context.store.transaction("indexing an attachment's text") as tx:
            tx.execute("INSERT OR REPLACE INTO attachment_text(attachment_id, text) "
                       "VALUES (?, ?)", (attachment.id, found))
            tx.audit("attachment.read_text", record=attachment.record_id,
                     attachment=attachment.id, sha256=attachment.sha256,
                     characters=len(found))  # how much was read, never what
            self._reindex_record(tx, attachment.record_id)
        return len(found)

    def _reindex_record(self, tx: Any, record_id: str) -> None:
        """Index the record again with its attachments' recognised text (kept in the
        index, since a rebuild cannot read it back from the records table)."""
        records = self._records
        record = records.get(record_id)
        rtype = records.registry.type(record.kind)
        from vault.attachments.text import entries
        from vault.records.model import index_texts, main_date
        from vault.search import index_record

        index_record(tx, record.id, record.kind,
                     [*index_texts(rtype, record.fields, record.levels),
                      *entries(tx, record.id)], main_date(rtype, record.fields))

    def _exists(self, attachment_id: str) -> bool:
        row = self._context.store.query_one("SELECT 1 FROM attachments WHERE id = ?",
                                            (attachment_id,))
        return row is not None

    # -- reading -----------------------------------------------------------------------

    def resolve(self, prefix: str) -> str:
        """The attachment id starting with ``prefix`` (NotFound, InvalidInput)."""
        return ids.resolve(self._context.store, "attachments", prefix, "attachment")

    def get(self, attachment_id: str) -> Attachment:
        """One attachment by id or unique prefix."""
        ident = self.resolve(attachment_id)
        row = self._context.store.query_one(
            f"SELECT {COLUMNS} FROM attachments WHERE id = ?", (ident,))
        if row is None:
            raise NotFound(f"no attachment with id {ident}")
        return Attachment.from_row(row)

    def list(self, record_id: str) -> list[Attachment]:
        """The attachments of a record, oldest first."""
        rid = ids.resolve(self._context.store, "records", record_id, "record")
        return list(attachments_of(self._context.store, rid))

    def _ref(self, attachment_id: str) -> tuple[Attachment, BlobRef]:
        attachment = self.get(attachment_id)
        row = self._context.store.query_one(
            "SELECT blob_name, blob_key FROM attachments WHERE id = ?", (attachment.id,))
        ref = BlobRef(attachment.id, str(row[0]), bytes(row[1]), attachment.size,
                      attachment.sha256)
        return attachment, ref

    def open_stream(self, attachment_id: str) -> Iterator[bytes]:
        """The plaintext, chunk by chunk, decrypted and verified while streaming.

        The iterator raises IntegrityError if the blob is missing, damaged or swapped, or
        if the SHA-256 at the end differs from the one recorded; treat what it yielded
        as unverified until it ends cleanly. Not audited: callers that take the
        plaintext out of the vault (extract, export) record that themselves.
        """
        _attachment, ref = self._ref(attachment_id)
        return verified_chunks(self._blobs, ref)

    def verify(self, attachment_id: str) -> Attachment:
        """Decrypt and hash the whole blob (IntegrityError when it does not match)."""
        attachment, ref = self._ref(attachment_id)
        for _chunk in verified_chunks(self._blobs, ref):
            pass
        return attachment

    def extract(self, attachment_id: str, dest: str | os.PathLike[str], *,
                stdout: BinaryIO | None = None, progress: Progress | None = None,
                cancel: threading.Event | None = None) -> Attachment:
        """Write the verified plaintext to ``dest``, or to standard output for ``"-"``.

        To a file: through a temporary file beside it, renamed only after the whole blob
        verified; on failure no file is left (an existing ``dest`` is refused). To
        ``"-"``: written as it verifies, so on failure part of the plaintext may already
        be in the pipe; the IntegrityError says so and the output must be discarded.
        Each successful extraction is audited (``attachment.extract``).
        """
        attachment, ref = self._ref(attachment_id)
        if os.fspath(dest) == "-":
            sink = stdout if stdout is not None else sys.stdout.buffer
            write_verified_stream(verified_chunks(self._blobs, ref), sink, attachment.id)
            target = "stdout"
        else:
            out = Path(dest)
            write_verified_file(verified_chunks(self._blobs, ref), out, attachment.size,
                                progress=progress, cancel=cancel)
            target = "file"
        if self._context.read_only:
            # Read-only media: the custody entry cannot be written; the front ends said
            # so when the vault was opened (docs/reliability.md, "Read-only media").
            return attachment
        try:
            with self._context.store.transaction("recording the extraction") as tx:
                tx.audit("attachment.extract", record=attachment.record_id,
                         attachment=attachment.id, sha256=attachment.sha256, to=target)
        except BaseException:
            # No plaintext leaves the vault without its custody entry.
            if target == "file":
                with contextlib.suppress(OSError):
                    Path(dest).unlink()
            raise
        return attachment

    # -- changing ----------------------------------------------------------------------

    def set_level(self, attachment_id: str, level: str | Level) -> Attachment:
        """Change how far the attachment may travel (audited with its hash)."""
        attachment = self.get(attachment_id)
        chosen = _level(level)
        with self._context.store.transaction("changing an attachment's level") as tx:
            tx.execute("UPDATE attachments SET level = ? WHERE id = ?",
                       (chosen.value, attachment.id))
            self._reindex_record(tx, attachment.record_id)  # its text moves level too
            tx.audit("attachment.level", record=attachment.record_id,
                     attachment=attachment.id, sha256=attachment.sha256,
                     before=attachment.level.value, after=chosen.value)
        return self.get(attachment.id)

    def detach(self, attachment_id: str) -> Attachment:
        """Delete the attachment: its row (with the blob's key), then its blob.

        The audit log keeps that it existed, its id, size and hash. The key goes first,
        in the transaction; from then on the blob file is noise, and a crash before it is
        unlinked leaves an orphan that ``evault check --repair`` removes.
        """
        attachment, ref = self._ref(attachment_id)
        with self._context.store.transaction("detaching a file") as tx:
            tx.execute("DELETE FROM attachment_text WHERE attachment_id = ?",
                       (attachment.id,))
            tx.execute("DELETE FROM attachments WHERE id = ?", (attachment.id,))
            self._reindex_record(tx, attachment.record_id)
            tx.audit("attachment.detach", record=attachment.record_id,
                     attachment=attachment.id, sha256=attachment.sha256,
                     size=attachment.size)
        try:
            # Overwritten before unlinking, and the WAL folded in, so neither the body
            # nor the deleted key row lingers in free blocks or freed WAL frames.
            fsutil.overwrite_large_and_unlink(self._blobs / ref.blob_name)
            fsutil.fsync_dir(self._blobs)
            self._context.store.checkpoint()
        except OSError:
            raise StorageError(
                f"attachment {attachment.id} is detached, but its encrypted file could not "
                "be removed; run 'evault check --repair'"
            ) from None
        return attachment

    def remove_original(self, attachment_id: str, path: str | os.PathLike[str]) -> None:
        """Delete the original file at ``path`` after a verified ingest.

        First the blob is decrypted and hashed in full, then the file at ``path`` is
        hashed: only if both match the recorded SHA-256 is the file unlinked (and the
        removal audited). A file that changed since is refused: it is not what the vault
        holds.

        Caveat, said to the user too: this is a normal delete. It removes the directory
        entry; the file's bytes stay on the disk until overwritten, and on SSDs, flash
        and copy-on-write or journaling filesystems even an overwrite may not reach them.
        Someone who seizes the device may recover the original.
        """
        attachment = self.verify(attachment_id)
        original = Path(path)
        try:
            same = hash_file(original) == (attachment.sha256, attachment.size)
        except FileChanged:
            same = False
        if not same:
            raise InvalidInput("the original no longer matches the attachment; it was not "
                               "deleted")
        # The audit entry is written first and the file removed inside the same
        # transaction: if the entry is refused (a full disk), the original stays.
        with self._context.store.transaction("recording the removal of the original") as tx:
            tx.audit("attachment.original_removed", record=attachment.record_id,
                     attachment=attachment.id, sha256=attachment.sha256)
            try:
                original.unlink()
                fsutil.fsync_dir(original.parent)
            except OSError as exc:
                raise fsutil.storage_error(exc, "deleting the original") from None

    # -- custody -----------------------------------------------------------------------

    def custody(self, attachment_id: str) -> builtins.list[AuditEntry]:
        """The audit entries about one attachment, oldest first (also once detached)."""
        store = self._context.store
        try:
            ident = self.resolve(attachment_id)
        except NotFound:
            ident = self._detached_id(attachment_id)
        rows = store.query(
            f"SELECT {_AUDIT_COLUMNS} FROM audit WHERE action LIKE 'attachment.%' "
            "AND json_extract(detail, '$.attachment') = ? ORDER BY seq", (ident,))
        return list(rows_to_entries(rows))

    def _detached_id(self, prefix: str) -> str:
        cleaned = prefix.strip().lower()
        rows = self._context.store.query(
            "SELECT DISTINCT json_extract(detail, '$.attachment') AS a FROM audit "
            # The first term names the index (audit_attachment) the query may use.
            "WHERE action LIKE 'attachment.%' AND action = 'attachment.ingest' "
            "AND a >= ? AND a < ? LIMIT 2",
            (cleaned, cleaned + "g"))
        if not rows:
            raise NotFound(f"no attachment with id {cleaned}, now or in the audit log")
        if len(rows) > 1:
            raise InvalidInput(f"more than one attachment id starts with {cleaned}; type "
                               "more of it")
        return str(rows[0][0])
