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
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crypto import header as hdr
from crypto import kdf, signing
from crypto.errors import DecryptionFailed, MalformedData
from crypto.schedule import Purpose, derive_key
from vault import fsutil, leftovers, medium, running
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
from vault.store import Clock, Store, utc_now

if TYPE_CHECKING:
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


#: Feature services register a factory here: ``name -> factory(vault) -> service``.
#: The facade then offers ``vault.<name>``, built on first use after unlock.
SERVICES: dict[str, Callable[[Vault], Any]] = {}


class Vault:
    """One vault directory, locked or unlocked."""

    def __init__(self, path: Path, *, actor: str = "owner", clock: Clock = utc_now) -> None:
        self.layout = Layout(Path(path))
        self.actor = actor
        self.clock = clock
        self._master: bytes | None = None
        self._store: Store | None = None
        self._unlocked_by = ""
        self._services: dict[str, Any] = {}
        self._mark: running.RunningMark | None = None

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
                key = signing.SigningKey.generate()
                with store.transaction("creating the vault") as tx:
                    tx.execute("INSERT INTO meta(key, value) VALUES ('signing_key', ?)",
                               (key.to_bytes(),))
                    tx.execute("INSERT INTO meta(key, value) VALUES ('vault_id', ?)",
                               (hdr.parse(new.header).vault_id.hex(),))
                    tx.audit("vault.create", kdf=params.describe())
                store.checkpoint()
            finally:
                store.close()
            fsutil.atomic_write(layout.header, new.header, what="creating the vault")
        vault = cls(path, actor=actor, clock=clock)
        vault._attach(new.master_key, "passphrase")
        return Created(vault, new.recovery_key, params, kdf_note)

    # -- unlocking ---------------------------------------------------------------------

    def _read_header(self) -> bytes:
        try:
            return self.layout.header.read_bytes()
        except FileNotFoundError:
            raise NoVault(f"no vault at {self.layout.root}") from None
        except OSError as exc:
            raise fsutil.storage_error(exc, "reading the header") from None

    def header_params(self) -> kdf.KdfParams:
        """The passphrase slot's Argon2id parameters (IntegrityError if damaged)."""
        try:
            return hdr.parse(self._read_header()).passphrase_params
        except MalformedData as exc:
            raise IntegrityError(f"the vault header is damaged: {exc}") from None

    def _unwrap(self, unlock: Callable[[bytes], bytes], what: str) -> bytes:
        data = self._read_header()
        try:
            return unlock(data)
        except DecryptionFailed:
            raise WrongKey(f"wrong {what}; nothing was changed") from None
        except hdr.HeaderAuthFailed:
            raise IntegrityError("the vault header was altered (its MAC does not match)") from None
        except MalformedData as exc:
            if what == "recovery key" and "recovery key" in str(exc):
                raise WrongKey(f"{exc}") from None
            raise IntegrityError(f"the vault header is damaged: {exc}") from None

    def unlock(self, passphrase: str) -> None:
        """Unlock with the passphrase (WrongKey, IntegrityError)."""
        master = self._unwrap(lambda d: hdr.unlock_with_passphrase(d, passphrase), "passphrase")
        self._attach(master, "passphrase")

    def unlock_with_recovery(self, recovery_key: str) -> None:
        """Unlock with the recovery key as typed (WrongKey, IntegrityError)."""
        master = self._unwrap(lambda d: hdr.unlock_with_recovery(d, recovery_key),
                              "recovery key")
        self._attach(master, "recovery")

    def _attach(self, master: bytes, how: str) -> None:
        self.lock()
        read_only = medium.read_only_reason(self.layout.root)
        mark = None if read_only else running.RunningMark.take(self.layout.root)
        try:
            store = Store.open(self.layout.database, derive_key(master, Purpose.DATABASE),
                               actor=f"{self.actor}:{how}", clock=self.clock,
                               read_only=read_only)
        except BaseException:
            if mark is not None:
                mark.release()
            raise
        self._master, self._store, self._unlocked_by = master, store, how
        self._mark = mark

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
        return derive_key(self._master, purpose, context)

    def service(self, name: str) -> Any:
        """A feature service registered in :data:`SERVICES`, bound to this session."""
        self.store  # noqa: B018 - raises VaultLocked when locked
        if name not in SERVICES:  # a front end that loaded one feature: load them all
            import vault.services  # noqa: F401
        if name not in self._services:
            self._services[name] = SERVICES[name](self)
        return self._services[name]

    def lock(self) -> None:
        """Drop the keys and close the database. Python cannot wipe the old bytes from
        memory; see docs/threat-model.md."""
        self._services.clear()
        if self._store is not None:
            self._store.close()
        self._store = None
        self._master = None
        if self._mark is not None:
            self._mark.release()

    close = lock

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()

    # -- passphrase --------------------------------------------------------------------

    def change_passphrase(self, new_passphrase: str, params: kdf.KdfParams | None = None,
                          kdf_note: str | None = None) -> None:
        """Rewrite the passphrase slot (atomically); the data is not re-encrypted."""
        _validate_passphrase(new_passphrase)
        if self._master is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        if params is None:
            params, kdf_note = params_for_new_vault()
        data = self._read_header()
        try:
            new_header = hdr.with_new_passphrase(data, self._master, new_passphrase, params)
        except (MalformedData, hdr.HeaderAuthFailed) as exc:
            raise IntegrityError(f"the vault header is damaged: {exc}") from None
        # The new slot is written (its disk space taken) before the audit entry commits,
        # and moved into place only after: a full disk fails one of the first two steps
        # and leaves the old passphrase working, as the error says; the rename needs no
        # space. A crash between commit and rename leaves the old passphrase working and
        # the staged slot behind (reported and removed by 'evault check --repair').
        staged = fsutil.stage(self.layout.header, new_header, what="changing the passphrase")
        try:
            with self.store.transaction("recording the passphrase change") as tx:
                tx.audit("passphrase.change", kdf=params.describe(), via=self._unlocked_by)
        except BaseException:
            with contextlib.suppress(OSError):
                fsutil.overwrite_and_unlink(staged)  # key material: a slot never used
            raise
        fsutil.put_staged(staged, self.layout.header, what="changing the passphrase")

    # -- signing key -------------------------------------------------------------------

    def signing_key(self) -> signing.SigningKey:
        """The vault's Ed25519 signing key (kept inside the encrypted database)."""
        raw = self.store.meta("signing_key")
        if raw is None:
            raise IntegrityError("the vault's signing key is missing")
        return signing.SigningKey.from_bytes(bytes(raw))

    def public_key_minisign(self) -> str:
        """The public signing key as a minisign ``.pub`` file."""
        return self.signing_key().public_key().to_minisign()

    # -- checks ------------------------------------------------------------------------

    def check(self) -> CheckReport:
        """Header MAC, database pages and structure, audit chain, and every check
        registered by feature services (:data:`CHECKS`)."""
        report = CheckReport()
        master = self._master
        if master is None:
            raise VaultLocked("the vault is locked; unlock it to continue")
        try:
            hdr.verify(self._read_header(), master)
            report.checked.append("header")
        except (MalformedData, hdr.HeaderAuthFailed) as exc:
            report.problems.append(f"header: {exc}")
        problems = self.store.integrity_problems()
        report.checked.append("database")
        report.problems.extend(problems)
        status = self.store.verify_audit()
        report.checked.append(f"audit log ({status.entries} entries)")
        if not status.ok:
            report.problems.append(f"audit log: {status.problem}")
        import vault.services  # noqa: F401 - every feature's checks registered
        for name, check in CHECKS.items():
            if name not in report.checked:  # "header" is also a registered check
                report.checked.append(name)
            report.problems.extend(check(self))
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


#: Extra checks run by :meth:`Vault.check`: ``name -> check(vault) -> problems``.
CHECKS: dict[str, Callable[[Vault], list[str]]] = {}
#: Repairs run by ``evault check --repair``: ``name -> repair(vault) -> what was done``.
REPAIRS: dict[str, Callable[[Vault], list[str]]] = {}


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


CHECKS["header"] = check_staged_header
REPAIRS["header"] = remove_staged_header


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
        for key_file in (layout.header, layout.root / ".header.tmp"):
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
