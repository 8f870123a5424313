"""The SQLCipher store: one connection, one write path, the audit hook.

Why these settings:
- the raw 256-bit key (``x'…'``) skips SQLCipher's own PBKDF2: our Argon2id already did
  the slow part, and opening then costs under a millisecond;
- ``cipher_version`` must start with ``4.``: plain SQLite silently ignores ``PRAGMA key``
  and would write plaintext;
- WAL halves look-up time, and its file is encrypted page by page like the database;
- ``temp_store=MEMORY`` keeps sort and index temporaries off the disk;
- ``secure_delete`` overwrites deleted content, so a detached blob's key does not stay
  in a free page (still encrypted, but recoverable by whoever later has the key).

Every write goes through :meth:`Store.transaction` (``BEGIN IMMEDIATE``), and a write
transaction that records no audit entry is refused: that is how "every write is audited"
is enforced rather than hoped for.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlcipher3

from vault import audit
from vault.errors import (
    IntegrityError,
    ReadOnlyVault,
    StorageError,
    VaultBusy,
    VaultError,
    VaultLocked,
)
from vault.migrations import Migration, all_migrations

Clock = Callable[[], datetime]
#: One SQLCipher page: anything shorter is no database (a truncated file).
MIN_DATABASE_BYTES = 4096


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


#: How long a writer waits for another process's write transaction to finish. Long
#: enough for any ordinary write (an import of thousands of rows, a backup's snapshot),
#: short enough that a user is told why nothing happens. ``$EVAULT_BUSY_TIMEOUT``
#: (seconds) overrides it, for scripts that would rather fail fast, and for tests.
BUSY_TIMEOUT_S = 30.0
BUSY_TIMEOUT_ENV = "EVAULT_BUSY_TIMEOUT"


def busy_timeout() -> float:
    """Seconds a writer waits for the write lock (:data:`BUSY_TIMEOUT_S` or the env)."""
    try:
        return max(0.0, float(os.environ.get(BUSY_TIMEOUT_ENV, "")))
    except ValueError:
        return BUSY_TIMEOUT_S


def _db_error(exc: Exception, what: str) -> VaultError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return VaultBusy(
            f"another evault process is writing to this vault (waited "
            f"{busy_timeout():g} s while {what}); nothing was changed; try again when "
            "it has finished"
        )
    if "full" in text or "disk i/o" in text or "readonly" in text or "read-only" in text:
        return StorageError(f"the disk refused the write while {what}; nothing was changed")
    if "not a database" in text or "malformed" in text or "hmac" in text:
        return IntegrityError(f"the database is damaged or was altered ({what})")
    return StorageError(f"the database refused the operation while {what}")


class Transaction:
    """A write transaction handed out by :meth:`Store.transaction`."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.audited = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement inside the transaction; returns the cursor."""
        return self._store._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> Any:
        """Run one statement for many rows inside the transaction."""
        return self._store._conn.executemany(sql, rows)

    def audit(self, action: str, record: str | None = None, field: str | None = None,
              **detail: Any) -> None:
        """Append an audit entry in this transaction. ``detail`` must hold no content."""
        store = self._store
        conn = store._conn
        head_row = conn.execute("SELECT value FROM meta WHERE key='audit_head'").fetchone()
        count_row = conn.execute("SELECT value FROM meta WHERE key='audit_count'").fetchone()
        prev = head_row[0] if head_row else audit.GENESIS
        seq = (int(count_row[0]) if count_row else 0) + 1
        at = store.clock().isoformat(timespec="microseconds")
        digest = audit.entry_hash(prev, seq, at, store.actor, action, record, field, detail)
        conn.execute(
            "INSERT INTO audit(seq, at, actor, action, record, field, detail, prev, hash) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (seq, at, store.actor, action, record, field,
             json.dumps(detail, sort_keys=True, separators=(",", ":")), prev, digest),
        )
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('audit_head', ?)", (digest,))
        conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('audit_count', ?)",
                     (str(seq),))
        self.audited = True


#: SQLite page cache per connection, in KiB (see ``Store.open``).
CACHE_KIB = 64 * 1024


class Store:
    """An open, keyed SQLCipher database."""

    def __init__(self, conn: Any, *, actor: str, clock: Clock) -> None:
        self._conn: Any = conn
        self._lock = threading.RLock()
        self.actor = actor
        self.clock = clock
        self.read_only: str | None = None
        """Why nothing can be written (read-only media, another user's files), or None."""
        #: Called after every committed write (the session seals the header's state).
        self.on_commit: Callable[[], None] | None = None

    @classmethod
    def open(cls, path: Path, key: bytes, *, actor: str = "owner", clock: Clock = utc_now,
             create: bool = False, migrate: bool = True,
             read_only: str | None = None) -> Store:
        """Open (or with ``create`` make) the database with its raw key and migrate it.

        ``read_only`` (the reason, from :mod:`vault.medium`) opens it for reading only:
        every write then raises :class:`ReadOnlyVault` with that reason.
        """
        if not create and not path.is_file():
            raise IntegrityError("the vault database is missing")
        if read_only:
            return cls._open_read_only(path, key, actor=actor, clock=clock,
                                       reason=read_only)
        if create and not path.exists():
            # SQLite gives -wal and -shm the database file's mode: make it 0600 first.
            path.touch(mode=0o600)
        try:
            conn = sqlcipher3.connect(str(path), isolation_level=None,
                                      check_same_thread=False, timeout=busy_timeout())
        except sqlcipher3.Error as exc:
            raise _db_error(exc, "opening the database") from None
        store = cls._keyed(conn, key, actor=actor, clock=clock, journal="WAL", create=create)
        if migrate:
            store.migrate(all_migrations())
        return store

    @classmethod
    def _open_read_only(cls, path: Path, key: bytes, *, actor: str, clock: Clock,
                        reason: str) -> Store:
        """``mode=ro``; where even that fails (a WAL database whose ``-shm`` cannot be
        made on read-only media), ``immutable=1``, which reads the database file alone."""
        base = "file:" + urllib.parse.quote(str(path.absolute()))
        last: VaultError | None = None
        for flags in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                conn = sqlcipher3.connect(base + flags, uri=True, isolation_level=None,
                                          check_same_thread=False, timeout=busy_timeout())
                store = cls._keyed(conn, key, actor=actor, clock=clock, journal=None)
            except sqlcipher3.Error as exc:
                last = _db_error(exc, "opening the database read-only")
                continue
            except StorageError as exc:
                last = exc
                continue
            store.read_only = reason
            pending = store.pending_migrations(all_migrations())
            if pending:
                store.close()
                raise ReadOnlyVault(f"{reason}: this vault needs an update written to it "
                                    "before this version of evault can read it")
            return store
        assert last is not None
        raise last

    @classmethod
    def _keyed(cls, conn: Any, key: bytes, *, actor: str, clock: Clock,
               journal: str | None, create: bool = False) -> Store:
        try:
            # Quiet SQLCipher's own stderr logging (it prints HMAC failures there).
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            version = conn.execute("PRAGMA cipher_version").fetchone()
            if not version or not str(version[0]).startswith("4."):
                raise IntegrityError(
                    "this build of SQLite does not encrypt (SQLCipher 4 is required); "
                    "refusing to write anything"
                )
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if not create and not tables:
                # SQLite would happily make a new database here: a truncated vault.db
                # must never turn into a healthy empty vault.
                raise IntegrityError("the vault database is empty: it was truncated or "
                                     "replaced; nothing was changed; restore it from a backup")
            if journal is not None:
                conn.execute(f"PRAGMA journal_mode = {journal}").fetchone()
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
            # Deleted rows (a detached blob's key, a deleted record) are overwritten in
            # their pages instead of lingering in free pages until reused.
            conn.execute("PRAGMA secure_delete = ON")
            # A page cache that holds a large vault's hot index pages (rare-term search at
            # 1M records: 19.6 ms with the 2 MB default, 3.4 ms with 64 MB). A bound, not
            # an allocation: it fills only with pages actually read.
            conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        except sqlcipher3.Error as exc:
            conn.close()
            if isinstance(_db_error(exc, ""), StorageError):
                raise _db_error(exc, "opening the database") from None
            raise IntegrityError(
                "the database does not open with this vault's key: it is damaged or was "
                "replaced"
            ) from None
        except VaultError:
            conn.close()
            raise
        return cls(conn, actor=actor, clock=clock)

    # -- reading ---------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """All rows of a read-only statement."""
        with self._lock:
            conn = self._require()
            try:
                return list(conn.execute(sql, params).fetchall())
            except sqlcipher3.DatabaseError as exc:
                raise _db_error(exc, "reading") from None

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a read-only statement, or None."""
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def iterate(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """Rows one at a time, for scans that must not load everything (holds the lock)."""
        with self._lock:
            conn = self._require()
            try:
                yield from conn.execute(sql, params)
            except sqlcipher3.DatabaseError as exc:
                raise _db_error(exc, "reading") from None

    # -- the one write path ----------------------------------------------------------

    @contextmanager
    def transaction(self, what: str = "saving") -> Iterator[Transaction]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolls back on any error. Must be audited."""
        with self._lock:
            conn = self._require()
            self._refuse_if_read_only(what)
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlcipher3.Error as exc:
                raise _db_error(exc, what) from None
            tx = Transaction(self)
            try:
                yield tx
                if not tx.audited:
                    raise RuntimeError("a write transaction recorded no audit entry")
                conn.execute("COMMIT")
            except sqlcipher3.Error as exc:
                self._rollback()
                raise _db_error(exc, what) from None
            except BaseException:
                self._rollback()
                raise
        if self.on_commit is not None:
            self.on_commit()

    def _refuse_if_read_only(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyVault(f"{self.read_only}: reading works, but nothing can be "
                                f"written (while {what}); nothing was changed")

    def pending_migrations(self, migrations: list[Migration]) -> list[str]:
        """Names of migrations not applied yet (reads only)."""
        try:
            done = {row[0] for row in self._require().execute("SELECT name FROM migrations")}
        except sqlcipher3.Error:
            done = set()
        return [m.name for m in migrations if m.name not in done]

    def _rollback(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except sqlcipher3.Error:
            pass  # the transaction is already gone (e.g. SQLite rolled back on I/O error)

    def migrate(self, migrations: list[Migration]) -> list[str]:
        """Apply pending migrations, each in its own transaction; returns names applied."""
        conn = self._require()
        with self._lock:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)"
            )
            done = {row[0] for row in conn.execute("SELECT name FROM migrations")}
            applied = []
            for migration in migrations:
                if migration.name in done:
                    continue
                conn.execute("BEGIN IMMEDIATE")
                try:
                    migration.apply(conn)
                    conn.execute("INSERT INTO migrations(name, applied_at) VALUES (?, ?)",
                                 (migration.name, self.clock().isoformat()))
                    conn.execute("COMMIT")
                except BaseException:
                    self._rollback()
                    raise
                applied.append(migration.name)
            return applied

    # -- meta and settings -----------------------------------------------------------

    def meta(self, key: str) -> Any:
        """A value from the internal ``meta`` table, or None."""
        row = self.query_one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]

    def setting(self, key: str, default: Any = None) -> Any:
        """A user setting (JSON value), or ``default``."""
        row = self.query_one("SELECT value FROM settings WHERE key = ?", (key,))
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        """Change a user setting (audited, the value is not logged)."""
        with self.transaction("saving a setting") as tx:
            tx.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)",
                       (key, json.dumps(value, ensure_ascii=False)))
            tx.audit("setting.change", field=key)

    # -- checks, export, close ---------------------------------------------------------

    def audit_entries(self) -> list[audit.AuditEntry]:
        """The whole audit log, oldest first."""
        rows = self.query(
            "SELECT seq, at, actor, action, record, field, detail, prev, hash "
            "FROM audit ORDER BY seq"
        )
        return list(audit.rows_to_entries(rows))

    def audit_page(self, before: int | None = None,
                   limit: int = 500) -> list[audit.AuditEntry]:
        """Up to ``limit`` entries, newest first, older than entry ``before`` (None: the
        newest): a seek on the log's key, so a page costs the same however long the log
        (the app's audit viewer reads it this way, never the whole log)."""
        rows = self.query("SELECT seq, at, actor, action, record, field, detail, prev, "
                          "hash FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                          (2**63 - 1 if before is None else before, limit))
        return list(audit.rows_to_entries(rows))

    def verify_audit(self) -> audit.ChainStatus:
        """Verify the hash chain against the head kept in ``meta``."""
        head = self.meta("audit_head") or audit.GENESIS
        count = int(self.meta("audit_count") or 0)
        return audit.verify_chain(self._audit_batches(), head, count)

    def _audit_batches(self, size: int = 1000) -> Iterator[audit.AuditEntry]:
        """The audit log oldest first, a batch at a time (flat memory for ``check``)."""
        last = 0
        while True:
            rows = self.query("SELECT seq, at, actor, action, record, field, detail, prev, "
                              "hash FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                              (last, size))
            if not rows:
                return
            yield from audit.rows_to_entries(rows)
            last = int(rows[-1][0])

    def integrity_problems(self) -> list[str]:
        """SQLCipher's page HMAC check and SQLite's structural check; [] when sound."""
        problems: list[str] = []
        try:
            for row in self.query("PRAGMA cipher_integrity_check"):
                problems.append(f"database page check: {row[0]}")
            result = [row[0] for row in self.query("PRAGMA integrity_check")]
        except VaultError as exc:
            return [*problems, exc.message]
        if result != ["ok"]:
            problems.extend(f"database structure: {line}" for line in result[:10])
        return problems

    def export_copy(self, dest: Path, key: bytes) -> None:
        """A consistent encrypted copy of the database at ``dest`` with the same key."""
        self.export_locked(dest, key, lambda: None, what="writing the backup")

    def export_locked(self, dest: Path, key: bytes, freeze: Callable[[], None], *,
                      then: Callable[[], None] | None = None, what: str) -> None:
        """Copy the database to ``dest`` (same key) while holding the write lock, and run
        ``freeze`` (before the copy) and ``then`` (after it) under that same lock.

        Why the write lock and not a read snapshot: files outside the database (blobs)
        must be pinned at the same moment as the rows that name them, and only the write
        lock stops another process from committing a detach and unlinking its blob.
        Nothing is written to this database (``main`` is only read).
        """
        if self.read_only:
            # Nobody can write this vault, so nothing can change under the copy; and a
            # read-only connection cannot attach a file to write.
            with self._lock:
                freeze()
                self._copy_with_backup_api(dest, key, what)
                if then is not None:
                    then()
            return
        with self._lock:
            conn = self._require()
            try:
                conn.execute(f"ATTACH DATABASE ? AS backup KEY \"x'{key.hex()}'\"",
                             (str(dest),))
            except sqlcipher3.Error as exc:
                raise _db_error(exc, what) from None
            try:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                except sqlcipher3.Error as exc:
                    raise _db_error(exc, what) from None
                try:
                    freeze()
                    conn.execute("SELECT sqlcipher_export('backup')").fetchall()
                    if then is not None:
                        then()
                    # Commits the copy in ``backup``; ``main`` was only read.
                    conn.execute("COMMIT")
                except sqlcipher3.Error as exc:
                    self._rollback()
                    raise _db_error(exc, what) from None
                except BaseException:
                    self._rollback()
                    raise
            finally:
                with contextlib.suppress(sqlcipher3.Error):
                    conn.execute("DETACH DATABASE backup")

    def _copy_with_backup_api(self, dest: Path, key: bytes, what: str) -> None:
        target = None
        try:
            target = sqlcipher3.connect(str(dest), isolation_level=None)
            target.execute("PRAGMA cipher_log_level = NONE")
            target.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            self._require().backup(target)
        except sqlcipher3.Error as exc:
            raise _db_error(exc, what) from None
        finally:
            if target is not None:
                target.close()

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version``: changes whenever *another* connection (another
        evault process) commits to the database. Cheap (no page is read): front ends poll
        it to notice writes made elsewhere."""
        row = self.query_one("PRAGMA data_version")
        return int(row[0]) if row else 0

    def audit_position(self) -> tuple[int, str, str]:
        """(entries, head hash, time of the last entry) as committed now."""
        count = int(self.meta("audit_count") or 0)
        head = str(self.meta("audit_head") or audit.GENESIS)
        row = self.query_one("SELECT at FROM audit WHERE seq = ?", (count,))
        return count, head, str(row[0]) if row else ""

    def audit_hash_at(self, seq: int) -> str | None:
        """The hash of audit entry ``seq``, or None if there is no such entry."""
        row = self.query_one("SELECT hash FROM audit WHERE seq = ?", (seq,))
        return None if row is None else str(row[0])

    @staticmethod
    def _rekey_error(exc: Exception, path: Path | None) -> VaultError:
        """SQLCipher reports a re-key that ran out of space as "database table is locked":
        the re-key writes every page once more into the WAL, so compare with free space."""
        if path is not None:
            try:
                stat = os.statvfs(path.parent)
                if stat.f_bavail * stat.f_frsize < 2 * path.stat().st_size + (1 << 20):
                    return StorageError("the disk is full while changing the database key; "
                                        "nothing was changed")
            except OSError:
                pass
        return _db_error(exc, "changing the database key")

    def rekey(self, key: bytes, path: Path | None = None) -> None:
        """Re-encrypt every page under ``key`` (``PRAGMA rekey``) and fold the WAL into
        the database. SQLCipher does this in one transaction of its own: a kill at any
        moment leaves the whole database under the old key or the new one, never a mix
        (tests/test_rotation.py kills it to check). Must run outside a transaction: inside
        one SQLCipher silently keeps the old key."""
        with self._lock:
            conn = self._require()
            try:
                conn.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlcipher3.Error as exc:
                raise self._rekey_error(exc, path) from None

    @staticmethod
    def key_opens(path: Path, key: bytes) -> bool:
        """True when the database at ``path`` is non-empty and reads under ``key``."""
        try:
            if path.stat().st_size < MIN_DATABASE_BYTES:
                return False
        except OSError:
            return False
        try:
            conn = sqlcipher3.connect(str(path), isolation_level=None)
        except sqlcipher3.Error:
            return False
        try:
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return True
        except sqlcipher3.Error:
            return False
        finally:
            conn.close()

    def checkpoint(self) -> None:
        """Fold the WAL into the database (before a backup or a close)."""
        with self._lock:
            self._require().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def close(self) -> None:
        """Close the connection; further use raises VaultLocked."""
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                finally:
                    self._conn = None

    def _require(self) -> Any:
        if self._conn is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        return self._conn
