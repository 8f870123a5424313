"""The session facade both front ends use: create, open, unlock, lock, check, back up,
change the passphrase, wipe.

A :class:`Vault` starts locked (it has read the header only). Unlocking derives the master
key, checks the header's MAC, opens the database, and hands the front ends the feature
services (records, attachments, export…) that live beside this module. Locking drops the
keys and closes the database; any further use raises :class:`~vault.errors.VaultLocked`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crypto import header as hdr
from crypto import kdf
from crypto.errors import DecryptionFailed, MalformedData
from crypto.schedule import Purpose, derive_key
from vault import fsutil, leftovers, medium, running
from vault.context import ServiceContext
from vault.errors import (
    IntegrityError,
    InvalidInput,
    NoVault,
    StorageError,
    VaultExists,
    VaultLocked,
    WrongKey,
)
from vault.layout import Layout
from vault.locks import SessionLock, header_lock
from vault.services import Services
from vault.store import MIN_DATABASE_BYTES, Clock, Store, utc_now

if TYPE_CHECKING:
    from crypto import signing
    from vault.backup import BackupReport

#: Set to ``1`` only by the test suite and benchmarks: new vaults then use
#: :data:`crypto.kdf.INSECURE_TEST_PARAMS` instead of calibrating. Each use says so on
#: stderr through :func:`params_for_new_vault`'s caller.
INSECURE_TEST_KDF_ENV = "EVAULT_INSECURE_TEST_KDF"


def insecure_test_kdf() -> bool:
    """True when the test-only weak KDF switch is set."""
    return os.environ.get(INSECURE_TEST_KDF_ENV) == "1"


def params_for_new_vault(
    progress: Callable[[str], None] | None = None,
) -> tuple[kdf.KdfParams, str | None]:
    """Calibrated Argon2id parameters for this machine, and a note if they are weak."""
    if insecure_test_kdf():
        return kdf.INSECURE_TEST_PARAMS, (
            f"{INSECURE_TEST_KDF_ENV}=1: using insecure test key-derivation parameters"
        )
    if progress:
        progress("measuring this machine to choose key-derivation parameters…")
    calibration = kdf.calibrate()
    return calibration.params, calibration.note


def params_for_existing_vault(
    current: kdf.KdfParams, progress: Callable[[str], None] | None = None,
) -> tuple[kdf.KdfParams, str | None]:
    """Parameters for a new passphrase on an existing vault: calibrated on this machine.

    The insecure test switch never weakens an existing vault: when it is set the vault
    keeps the parameters it already has (which, for a vault the test suite made, are the
    test ones) instead of calibrating — it can never lower them.
    """
    if insecure_test_kdf():
        return current, None
    return params_for_new_vault(progress)


def kdf_below_floor(params: kdf.KdfParams) -> str | None:
    """A problem sentence when the passphrase is protected by less memory than calibration
    ever chooses on a machine with enough of it, else None."""
    if params.memory_kib >= kdf.FLOOR_MEMORY_KIB:
        return None
    return (f"the passphrase is protected by {params.describe()}, below the floor of "
            f"{kdf.FLOOR_MEMORY_KIB // kdf.KIB_PER_MIB} MiB: a stolen copy can be guessed "
            "at far less cost; change the passphrase ('evault passwd') on a machine with "
            "enough free memory")


def _when(micros: int) -> str:
    try:
        return datetime.fromtimestamp(micros / 1e6, UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return "an unknown time"


def _micros(iso: str) -> int:
    try:
        return int(datetime.fromisoformat(iso).timestamp() * 1e6)
    except ValueError:
        return 0


def rollback_problem(state: hdr.State | None, store: Store) -> str | None:
    """What the database lost compared with the header's sealed state, or None.

    The header is sealed after each committed change; the database may be ahead of it (a
    kill between the two) but never behind it or on another history."""
    if state is None or state.generation == 0:
        return None
    count, _head, _at = store.audit_position()
    if count < state.generation:
        missing = state.generation - count
        return (f"the database is older than its header: {missing} recorded change(s), "
                f"the last on {_when(state.at_micros)}, are missing (vault.db was replaced "
                "by an older copy or emptied, or its write-ahead log vault.db-wal was lost)")
    if store.audit_hash_at(state.generation) != state.audit_head.hex():
        return ("the database's history does not match its header: vault.db was replaced "
                "by a copy from another vault or another history")
    return None


def _validate_passphrase(passphrase: str) -> None:
    if not passphrase:
        raise InvalidInput("the passphrase is empty; choose a long one (several words)")
    if passphrase != passphrase.strip("\r\n"):
        raise InvalidInput("the passphrase contains a line break")


@dataclass
class CheckReport:
    """What ``evault check`` found."""

    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


@dataclass(frozen=True)
class Created:
    """A new vault and what must be shown to the user once."""

    vault: Vault
    recovery_key: str
    kdf_params: kdf.KdfParams
    kdf_note: str | None


class Vault:
    """One vault directory, locked or unlocked."""

    def __init__(self, path: Path, *, actor: str = "owner", clock: Clock = utc_now) -> None:
        self.layout = Layout(Path(path))
        self.actor = actor
        self.clock = clock
        self._master: bytes | None = None
        self._store: Store | None = None
        self._unlocked_by = ""
        self._services: Services | None = None
        self._mark: running.RunningMark | None = None
        self._session_lock: SessionLock | None = None

    # -- construction ----------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, actor: str = "owner", clock: Clock = utc_now) -> Vault:
        """A locked handle on an existing vault (NoVault if there is none)."""
        vault = cls(path, actor=actor, clock=clock)
        medium.ensure_readable(Path(path))
        if not vault.layout.exists():
            raise NoVault(f"no vault at {path}; create one with 'evault init'")
        return vault

    @classmethod
    def create(cls, path: Path, passphrase: str, *, params: kdf.KdfParams | None = None,
               kdf_note: str | None = None, actor: str = "owner",
               clock: Clock = utc_now) -> Created:
        """Make a new vault at ``path`` (which must not exist, or be an empty directory).

        Built in a hidden sibling directory and renamed into place at the end, so a crash
        leaves no half-made vault at ``path``.
        """
        _validate_passphrase(passphrase)
        path = Path(path)
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise VaultExists(f"{path} already exists and is not empty; refusing to overwrite")
        if params is None:
            params, kdf_note = params_for_new_vault()
        new = hdr.create(passphrase, params)
        with leftovers.staging_dir(path, kind="creating", what="creating the vault") as staging:
            layout = Layout(staging)
            layout.blobs.mkdir(mode=0o700)
            store = Store.open(layout.database, derive_key(new.master_key, Purpose.DATABASE),
                               actor=actor, clock=clock, create=True)
            try:
                from crypto.signing import SigningKey

                key = SigningKey.generate()
                with store.transaction("creating the vault") as tx:
                    tx.execute("INSERT INTO meta(key, value) VALUES ('signing_key', ?)",
                               (key.to_bytes(),))
                    tx.execute("INSERT INTO meta(key, value) VALUES ('vault_id', ?)",
                               (hdr.parse(new.header).vault_id.hex(),))
                    tx.audit("vault.create", kdf=params.describe())
                store.checkpoint()
                header_bytes = hdr.with_state(new.header, new.master_key, _state_of(store))
            finally:
                store.close()
            fsutil.atomic_write(layout.header, header_bytes, what="creating the vault")
        vault = cls(path, actor=actor, clock=clock)
        session_lock = SessionLock(vault.layout.root)
        session_lock.acquire_shared()
        try:
            vault._attach(new.master_key, "passphrase")
        except BaseException:
            session_lock.release()
            raise
        vault._session_lock = session_lock
        return Created(vault, new.recovery_key, params, kdf_note)

    # -- unlocking ---------------------------------------------------------------------

    def _read_header(self) -> bytes:
        try:
            return self.layout.header.read_bytes()
        except FileNotFoundError:
            raise NoVault(f"no vault at {self.layout.root}") from None
        except OSError as exc:
            raise fsutil.storage_error(exc, "reading the header") from None

    def read_header(self) -> bytes:
        """The header file as it is on disk (NoVault, StorageError): a backup copies it
        byte for byte."""
        return self._read_header()

    def header_params(self) -> kdf.KdfParams:
        """The passphrase slot's Argon2id parameters (IntegrityError if damaged). A header
        overwritten by a key change killed before its last rename is read from the next
        header, which is then the one in force."""
        try:
            return hdr.parse(self._read_header()).passphrase_params
        except (MalformedData, NoVault) as exc:
            with contextlib.suppress(OSError, MalformedData):
                return hdr.parse(self.layout.next_header.read_bytes()).passphrase_params
            if isinstance(exc, NoVault):
                raise
            raise IntegrityError(f"the vault header is damaged: {exc}") from None

    def _candidates(self) -> list[tuple[Path, bytes]]:
        """The header and, after an interrupted key change, the next header."""
        found = []
        for path in (self.layout.header, self.layout.next_header):
            try:
                found.append((path, path.read_bytes()))
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise fsutil.storage_error(exc, "reading the header") from None
        if not found:
            raise NoVault(f"no vault at {self.layout.root}")
        return found

    def _unwrap(self, unlock: Callable[[bytes], bytes], what: str) -> bytes:
        """The master key in force. Why more than one header may be tried: a key change
        killed half-way leaves ``.header.next`` beside ``header``; the one whose key opens
        the database is the one in force, and the other is removed here."""
        opened: list[tuple[Path, bytes]] = []
        first_error: Exception | None = None
        for path, data in self._candidates():
            try:
                opened.append((path, unlock(data)))
            except DecryptionFailed:
                first_error = first_error or WrongKey(f"wrong {what}; nothing was changed")
            except hdr.HeaderAuthFailed:
                first_error = first_error or IntegrityError(
                    "the vault header was altered (its MAC does not match)")
            except MalformedData as exc:
                if what == "recovery key" and "recovery key" in str(exc):
                    raise WrongKey(f"{exc}") from None
                if path == self.layout.header:
                    # Overwritten by a key change killed before its rename: the next
                    # header (tried below) is the one that counts.
                    damaged = IntegrityError(f"the vault header is damaged: {exc}")
                    first_error = None if self.layout.next_header.exists() else damaged
        if not self.layout.next_header.exists():
            if not opened:
                assert first_error is not None
                raise first_error
            return opened[0][1]
        for path, master in opened:
            if Store.key_opens(self.layout.database, derive_key(master, Purpose.DATABASE)):
                self._settle_key_change(path == self.layout.next_header)
                return master
        if opened and opened[0][0] == self.layout.header and (
                not self.layout.database.exists()
                or self.layout.database.stat().st_size < MIN_DATABASE_BYTES):
            return opened[0][1]  # the database is gone: _attach says so
        if opened and opened[0][0] == self.layout.header:
            raise WrongKey(f"wrong {what}: a change of keys interrupted earlier had already "
                           "taken effect, so the new one is in force; nothing was changed")
        if opened:
            raise WrongKey(f"this {what} was being set when evault was interrupted, before "
                           "it took effect; the previous one still works; nothing was changed")
        assert first_error is not None
        raise first_error

    def _remove_stale_header_copies(self) -> None:
        """Temporary header files a kill left while a header was being written (a sealed
        state, or a next header not yet complete): never the one in force, so overwrite
        and remove them. Runs under the header lock, so never while one is being
        written."""
        stale = [self.layout.root / ".header.seal", self.layout.root / ".header.next.tmp"]
        if not any(p.exists() for p in stale):
            return
        with contextlib.suppress(OSError), header_lock(self.layout.root):
            for path in stale:
                fsutil.overwrite_and_unlink(path)
            fsutil.fsync_dir(self.layout.root)

    def _settle_key_change(self, new_in_force: bool) -> None:
        """Finish an interrupted key change (the new key is in force: overwrite the old
        header, put the new one in its place) or undo it (the old key is in force: overwrite
        and remove the unused next header)."""
        with header_lock(self.layout.root):
            nxt = self.layout.next_header
            if not nxt.exists():
                return  # another process settled it meanwhile
            try:
                if new_in_force:
                    _replace_overwriting(nxt, self.layout.header)
                else:
                    fsutil.overwrite_and_unlink(nxt)
                    fsutil.fsync_dir(self.layout.root)
            except OSError as exc:
                raise fsutil.storage_error(exc, "finishing an interrupted key change") from None

    def unlock(self, passphrase: str) -> None:
        """Unlock with the passphrase (WrongKey, IntegrityError)."""
        self._unlock(lambda d: hdr.unlock_with_passphrase(d, passphrase), "passphrase")

    def unlock_with_recovery(self, recovery_key: str) -> None:
        """Unlock with the recovery key as typed (WrongKey, IntegrityError)."""
        self._unlock(lambda d: hdr.unlock_with_recovery(d, recovery_key), "recovery key")

    def _unlock(self, unlock: Callable[[bytes], bytes], what: str) -> None:
        self.lock()
        session_lock = SessionLock(self.layout.root)
        try:
            session_lock.acquire_shared()
        except OSError as exc:
            raise fsutil.storage_error(exc, "opening the vault") from None
        try:
            self._remove_stale_header_copies()
            master = self._unwrap(unlock, what)
            self._attach(master, "passphrase" if what == "passphrase" else "recovery")
        except BaseException:
            session_lock.release()
            raise
        self._session_lock = session_lock

    def _header_state(self, master: bytes) -> hdr.State | None:
        try:
            return hdr.read_state(self._read_header(), master)
        except hdr.HeaderAuthFailed:
            raise IntegrityError("the vault header was altered (its MAC does not match)") from None
        except MalformedData as exc:
            raise IntegrityError(f"the vault header is damaged: {exc}") from None

    def _attach(self, master: bytes, how: str) -> None:
        self.lock()
        state = self._header_state(master)
        database = self.layout.database
        if state is not None and state.generation > 0 and (
                not database.exists() or database.stat().st_size < MIN_DATABASE_BYTES):
            gone = "missing" if not database.exists() else "empty or truncated"
            raise IntegrityError(
                f"the vault database is {gone}, but the header says it held "
                f"{state.generation} recorded change(s), the last on "
                f"{_when(state.at_micros)}: it was deleted or truncated. Nothing was changed; "
                "restore the vault from a backup ('evault backup' makes one)")
        read_only = medium.read_only_reason(self.layout.root)
        mark = None if read_only else running.RunningMark.take(self.layout.root)
        try:
            store = Store.open(database, derive_key(master, Purpose.DATABASE),
                               actor=f"{self.actor}:{how}", clock=self.clock,
                               read_only=read_only)
        except BaseException:
            if mark is not None:
                mark.release()
            raise
        problem = rollback_problem(state, store)
        if problem is not None:
            store.close()
            if mark is not None:
                mark.release()
            raise IntegrityError(f"{problem}. Nothing was changed; restore the vault from "
                                 "a backup, or keep this copy as it is for examination")
        if not read_only:
            store.on_commit = self._seal_state
        self._master, self._store, self._unlocked_by = master, store, how
        self._mark = mark
        self._services = self._new_services()

    @property
    def unclean(self) -> bool:
        """True when this vault was found not closed cleanly: an evault process was
        killed, or the folder is a copy made while evault was running (see
        :mod:`vault.running`). ``evault check`` tells whether anything is wrong."""
        return self._mark is not None and self._mark.unclean

    @property
    def read_only(self) -> str | None:
        """Why this unlocked vault cannot be written (read-only media, another user's
        files), or None. Reading works; every write raises ReadOnlyVault."""
        return self._store.read_only if self._store is not None else None

    def _seal_state(self) -> None:
        """Seal the database's current audit position into the header (after a commit).

        Best effort: a header left behind the database (a kill, a full disk) is allowed;
        a header ahead of it never happens because this runs after the commit."""
        master, store = self._master, self._store
        if master is None or store is None:
            return
        with contextlib.suppress(OSError, MalformedData, hdr.HeaderAuthFailed,
                                 IntegrityError, StorageError):
            with header_lock(self.layout.root):
                data = self._read_header()
                sealed = hdr.read_state(data, master)
                now = _state_of(store)
                if sealed is None or now.generation <= sealed.generation:
                    return
                fsutil.atomic_write(self.layout.header, hdr.with_state(data, master, now),
                                    what="sealing the header",
                                    staged=self.layout.root / ".header.seal")

    @property
    def is_unlocked(self) -> bool:
        """True between a successful unlock and lock/close."""
        return self._store is not None

    @property
    def store(self) -> Store:
        """The open store (VaultLocked when locked)."""
        if self._store is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        return self._store

    def derived_key(self, purpose: Purpose, context: bytes = b"") -> bytes:
        """A key from the schedule, for feature services (VaultLocked when locked)."""
        if self._master is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        if purpose is Purpose.PSEUDONYM:
            # Pseudonyms must survive a change of master key (a partner follows a source
            # across bundles): they come from a random key kept in the database.
            root = self.store.meta("pseudonym_root")
            if root is not None:
                return derive_key(bytes(root), purpose, context)
        return derive_key(self._master, purpose, context)

    @property
    def services(self) -> Services:
        """The typed feature services of this session (``vault.services.records``…),
        made at unlock, each built on first use (VaultLocked when locked)."""
        services = self._services
        if services is None or self._store is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        return services

    def _new_services(self) -> Services:
        """Services built from what they may use of this session (see
        :mod:`vault.context`), not from the session itself where that suffices."""
        context = ServiceContext(layout=self.layout, clock=self.clock,
                                 open_store=lambda: self.store,
                                 derived_key=self.derived_key,
                                 read_only_reason=lambda: self.read_only)
        return Services(self, context)

    def lock(self) -> None:
        """Drop the keys and close the database. Python cannot wipe the old bytes from
        memory; see docs/threat-model.md."""
        self._services = None
        if self._store is not None:
            self._store.close()
        self._store = None
        self._master = None
        if self._mark is not None:
            self._mark.release()
        if self._session_lock is not None:
            self._session_lock.release()
            self._session_lock = None

    close = lock

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()

    # -- changing the keys -------------------------------------------------------------

    def change_passphrase(self, new_passphrase: str, params: kdf.KdfParams | None = None,
                          kdf_note: str | None = None) -> str | None:
        """Set a new passphrase **and put a new master key in force** (see
        :meth:`_change_keys`). ``params`` None: calibrate on this machine (or, under the
        test switch, keep the vault's own). Returns a new recovery key when the old one
        could not be carried over (a format 1 vault), else None."""
        _validate_passphrase(new_passphrase)
        self._require_master()
        if params is None:
            params, kdf_note = params_for_existing_vault(self.header_params())
        return self._change_keys(new_passphrase, params, "passphrase.change",
                                 new_recovery_key=False)

    def rotate_keys(self, passphrase: str, *, new_recovery_key: bool = True) -> str | None:
        """A new master key under the same passphrase (which must be the one in force) and,
        by default, a new recovery key, returned to be shown once."""
        master = self._require_master()
        try:
            if hdr.unlock_with_passphrase(self._read_header(), passphrase) != master:
                raise WrongKey("that is not the passphrase in force; nothing was changed")
        except DecryptionFailed:
            raise WrongKey("that is not the passphrase in force; nothing was changed") from None
        except (MalformedData, hdr.HeaderAuthFailed) as exc:
            raise IntegrityError(f"the vault header is damaged: {exc}") from None
        return self._change_keys(passphrase, self.header_params(), "keys.rotate",
                                 new_recovery_key=new_recovery_key)

    def _require_master(self) -> bytes:
        if self._master is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        return self._master

    def _change_keys(self, passphrase: str, params: kdf.KdfParams, action: str, *,
                     new_recovery_key: bool) -> str | None:
        """Put a new master key in force, crash-safely.

        1. hold the session lock exclusive (no other process has the old database key);
        2. record the change in the audit log (old key);
        3. write the new header, for the new key, durably as ``.header.next``;
        4. ``PRAGMA rekey`` the database to the new key — one atomic step;
        5. overwrite the old header in place with random bytes, then rename the new one
           over it.

        A kill before 4 completes leaves the old key in force; after it, the new one. The
        next unlock tries both headers and keeps the one whose key opens the database
        (:meth:`_unwrap`), so some key always works and never both. Attachment bodies are
        not touched: each has its own random key stored in the database, which 4 re-encrypts
        with everything else. Pseudonyms use a key kept in the database, so partners see
        the same names after a change as before.
        """
        master = self._require_master()
        assert self._session_lock is not None
        with self._session_lock.exclusive("changing the keys"):
            data = self._read_header()
            try:
                hdr.verify(data, master)
            except hdr.HeaderAuthFailed:
                raise StorageError("another evault process changed this vault's keys "
                                   "meanwhile; nothing was changed here. Unlock again with "
                                   "the keys now in force") from None
            except MalformedData as exc:
                raise IntegrityError(f"the vault header is damaged: {exc}") from None
            made = hdr.rekeyed(data, master, passphrase, params, _state_of(self.store),
                               new_recovery_key=new_recovery_key)
            nxt = self.layout.next_header
            fsutil.atomic_write(nxt, made.header, what="changing the keys",
                                staged=self.layout.root / ".header.next.tmp")
            try:
                self.store.rekey(derive_key(made.master_key, Purpose.DATABASE),
                               self.layout.database)
            except BaseException:
                with contextlib.suppress(OSError):
                    if Store.key_opens(self.layout.database,
                                       derive_key(master, Purpose.DATABASE)):
                        fsutil.overwrite_and_unlink(nxt)
                raise
            self._master = made.master_key
            self._services = self._new_services()
            with header_lock(self.layout.root):
                try:
                    _replace_overwriting(nxt, self.layout.header)
                except OSError:
                    pass  # the new key is in force; the next unlock finishes the swap
            # Recorded after the fact, under the new key: recorded first, a full disk that
            # stops the re-key would leave an entry for a change that never happened. If
            # this entry cannot be written (the disk filled in between), the change stands
            # unrecorded rather than reported as failed: a new recovery key must be shown.
            with contextlib.suppress(StorageError):
                with self.store.transaction("recording the change of keys") as tx:
                    tx.audit(action, kdf=params.describe(), via=self._unlocked_by,
                             recovery_key="new" if new_recovery_key else "kept")
        return made.recovery_key

    # -- signing key -------------------------------------------------------------------

    def signing_key(self) -> signing.SigningKey:
        """The vault's Ed25519 signing key (kept inside the encrypted database)."""
        from crypto.signing import SigningKey

        raw = self.store.meta("signing_key")
        if raw is None:
            raise IntegrityError("the vault's signing key is missing")
        return SigningKey.from_bytes(bytes(raw))

    def public_key_minisign(self) -> str:
        """The public signing key as a minisign ``.pub`` file."""
        return self.signing_key().public_key().to_minisign()

    # -- checks ------------------------------------------------------------------------

    def check(self) -> CheckReport:
        """Header MAC, database pages and structure, audit chain, and every check
        listed in :func:`vault.checks.all_checks`."""
        report = CheckReport()
        master = self._master
        if master is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        try:
            header = hdr.verify(self._read_header(), master)
            report.checked.append("header")
            state = hdr.read_state(self._read_header(), master)
            report.checked.append("rollback (header state against the database)"
                                  if state is not None else
                                  "rollback: not recorded by this older header format; "
                                  "the next change of keys adds it")
            problem = rollback_problem(state, self.store)
            if problem is not None:
                report.problems.append(f"rollback: {problem}")
            params = header.passphrase_params
            weak = kdf_below_floor(params)
            if weak is None:
                report.checked.append(f"key derivation ({params.describe()})")
            elif insecure_test_kdf():
                report.checked.append(f"key derivation ({params.describe()}, below the floor: "
                                      f"allowed only because {INSECURE_TEST_KDF_ENV}=1)")
            else:
                report.problems.append(f"key derivation: {weak}")
        except (MalformedData, hdr.HeaderAuthFailed) as exc:
            report.problems.append(f"header: {exc}")
        problems = self.store.integrity_problems()
        report.checked.append("database")
        report.problems.extend(problems)
        status = self.store.verify_audit()
        report.checked.append(f"audit log ({status.entries} entries)")
        if not status.ok:
            report.problems.append(f"audit log: {status.problem}")
        from vault.checks import all_checks

        for item in all_checks():
            if item.name not in report.checked:  # "header" is also a listed check
                report.checked.append(item.name)
            report.problems.extend(item.check(self))
        return report

    # -- backup and wipe ---------------------------------------------------------------

    def backup(self, dest: Path) -> BackupReport:
        """A consistent, verified encrypted copy of the whole vault at ``dest``, which
        opens with the same passphrase and recovery key. Never plaintext. See
        :mod:`vault.backup`."""
        from vault.backup import write_backup

        if self._master is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        return write_backup(self, Path(dest))


def _state_of(store: Store) -> hdr.State:
    count, head, at = store.audit_position()
    return hdr.State(count, bytes.fromhex(head), _micros(at) if at else 0)


def _replace_overwriting(new: Path, old: Path) -> None:
    """Overwrite ``old`` in place with random bytes (so its blocks do not keep the old
    wrapped keys), then rename ``new`` over it. A kill between the two leaves a damaged
    ``header`` and a whole ``.header.next``, which unlock uses."""
    with contextlib.suppress(FileNotFoundError):
        size = old.stat().st_size
        with open(old, "r+b", buffering=0) as fh:
            fh.write(os.urandom(max(size, 1)))
            os.fsync(fh.fileno())
    os.replace(new, old)
    fsutil.fsync_dir(old.parent)


def check_staged_header(vault: Vault) -> list[str]:
    """A key slot staged by a passphrase change that was killed before it finished."""
    if fsutil.staged_name(vault.layout.header).exists():
        return ["a key slot left by an interrupted passphrase change (.header.tmp); remove "
                "it with 'evault check --repair'"]
    return []


def remove_staged_header(vault: Vault) -> list[str]:
    """Overwrite and remove that slot (the passphrase in the header is the one that works;
    run no passphrase change at the same time)."""
    staged = fsutil.staged_name(vault.layout.header)
    if not staged.exists():
        return []
    try:
        fsutil.overwrite_and_unlink(staged)
        fsutil.fsync_dir(vault.layout.root)
    except OSError as exc:
        return [f"could not remove .header.tmp ({exc.strerror})"]
    with vault.store.transaction("removing a leftover key slot") as tx:
        tx.audit("header.repair", removed="staged key slot")
    return ["removed the key slot of an interrupted passphrase change (.header.tmp)"]


def wipe(path: Path) -> None:
    """Crypto-shred the vault at ``path``: overwrite and remove the header (and any
    leftover header temp file) first — from then on nothing is recoverable, whatever the
    size — then remove everything else."""
    layout = Layout(Path(path))
    if not layout.root.is_dir():
        raise NoVault(f"no vault at {path}")
    if not layout.exists() and not layout.database.exists():
        raise NoVault(f"no vault at {path}")
    reason = medium.read_only_reason(layout.root)
    if reason:
        raise StorageError(f"nothing was wiped: {reason}, so its header cannot be "
                           "destroyed; the vault still opens with its passphrase. Destroy "
                           "the medium itself if you must")
    destroyed = False
    try:
        for key_file in (layout.header, layout.root / ".header.tmp", layout.next_header,
                         layout.root / ".header.next.tmp", layout.root / ".header.seal"):
            fsutil.overwrite_and_unlink(key_file)
            destroyed = True
        fsutil.fsync_dir(layout.root)
        shutil.rmtree(layout.root)
    except OSError as exc:
        if not destroyed:
            # Never claim a wipe that did not happen (issue 14).
            raise StorageError(f"nothing was wiped: the header could not be overwritten "
                               f"({exc.strerror}); the vault still opens with its "
                               "passphrase") from None
        raise StorageError(
            f"the header is destroyed but some files remain under {path}: {exc.strerror}"
        ) from None
