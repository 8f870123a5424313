"""Every message the app's workers and screens post: the one catalogue.

Workers run calls into ``vault/`` in threads and report back with these (Textual's
``post_message`` is thread-safe). Attributes go down, messages go up: a screen that
starts a worker handles its messages; messages for the whole app bubble to the App.
High-rate messages (progress, search results) replace older unprocessed ones of the
same kind (``can_replace``) so the UI never falls behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

from vault.errors import VaultError
from vault.session import Created, Vault

if TYPE_CHECKING:
    from tui.app.drafts import Draft
    from vault.attachments.model import Attachment
    from vault.audit import AuditEntry
    from vault.bundle.importer import Imported
    from vault.bundle.verify import Verified
    from vault.export.plan import Plan
    from vault.export.recipients import Recipient
    from vault.export.service import Sealed
    from vault.records.model import Record
    from vault.records.recordpage import RecordPage


class Failed(Message):
    """A call into ``vault/`` raised a :class:`VaultError`; show it."""

    def __init__(self, error: VaultError, field: str | None = None) -> None:
        super().__init__()
        self.error = error
        self.field = field
        """The field the error belongs beside, when there is one."""


class VaultCreated(Message):
    """The creation wizard made a vault (unlocked); its recovery key is to be shown."""

    def __init__(self, created: Created) -> None:
        super().__init__()
        self.created = created


class Unlocked(Message):
    """A vault is open and unlocked: the app moves to browsing."""

    def __init__(self, vault: Vault, demo: bool = False) -> None:
        super().__init__()
        self.vault = vault
        self.demo = demo


class UnlockFailed(Message):
    """Unlocking failed (usually the wrong passphrase); the screen lets the user retry."""

    def __init__(self, error: VaultError) -> None:
        super().__init__()
        self.error = error


class DemoReady(Message):
    """The demo vault exists at ``path`` (made now or before)."""

    def __init__(self, path: Any) -> None:
        super().__init__()
        self.path = path


class CountsLoaded(Message):
    """Record counts per kind and the list of cases, for the sidebar."""

    def __init__(self, counts: dict[str, int], cases: list[Any], total: int) -> None:
        super().__init__()
        self.counts = counts
        self.cases = cases
        self.total = total


class PageLoaded(Message):
    """One page of the record list. ``generation`` tells stale pages from current ones
    (a filter changed while the page was loading)."""

    def __init__(self, generation: int, offset: int, rows: list[Any],
                 after: str | None = None) -> None:
        super().__init__()
        self.generation = generation
        self.offset = offset
        self.rows = rows
        self.after = after
        """Cursor of the next page (``records.page``); None after the last page."""


class SearchDone(Message):
    """Results for one search-as-you-type query; a newer one replaces an older one."""

    def __init__(self, generation: int, query: str, hits: list[Any]) -> None:
        super().__init__()
        self.generation = generation
        self.query = query
        self.hits = hits

    def can_replace(self, message: Message) -> bool:
        """Only the latest results matter."""
        return isinstance(message, SearchDone)


class RecordLoaded(Message):
    """A record's page (:class:`vault.records.recordpage.RecordPage`) was read."""

    def __init__(self, page: RecordPage) -> None:
        super().__init__()
        self.page = page

    @property
    def record(self) -> Record:
        """The record itself."""
        return self.page.record

    @property
    def provenance(self) -> str | None:
        """Where an imported record came from (sender, bundle, time), else None."""
        return self.page.provenance


class LevelSet(Message):
    """A field's level changed in the vault."""

    def __init__(self, field: str, level: str, *, old: str | None = None,
                 undo: bool = False) -> None:
        super().__init__()
        self.field = field
        self.level = level
        self.old = old
        """The level it had (for undo), when known."""
        self.undo = undo
        """True when this change undid the one before."""


class Saved(Message):
    """The editor's changes were written; ``record_id`` is the (possibly new) record."""

    def __init__(self, record_id: str) -> None:
        super().__init__()
        self.record_id = record_id


class Progress(Message):
    """A long operation's progress (done of total); coalesced."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        """Only the latest position matters."""
        return isinstance(message, Progress)


class AuditPage(Message):
    """A page of the audit log, newest first; ``first``: the newest page (the table is
    started again with it)."""

    def __init__(self, entries: list[Any], first: bool) -> None:
        super().__init__()
        self.entries = entries
        self.first = first


class AuditVerified(Message):
    """The verification of the audit log's hash chain."""

    def __init__(self, status: Any) -> None:
        super().__init__()
        self.status = status


# -- results of one screen's workers: one class per result, typed, handled by type ------
# (Textual calls ``on_<snake_case_name>``; there is no string to dispatch on.)


@dataclass
class EditorLoaded(Message):
    """The editor's record (None for a new one) and its unsaved draft, if any."""

    record: Record | None
    draft: Draft | None


@dataclass
class AttachmentsLoaded(Message):
    """A record's attachments and the record's title (the attachments screen)."""

    items: list[Attachment]
    record_title: str


@dataclass
class CustodyLoaded(Message):
    """One attachment and its chain of custody (audit entries about it)."""

    attachment: Attachment
    custody: list[AuditEntry]


@dataclass
class Attached(Message):
    """A file was attached (encrypted into the vault)."""


@dataclass
class Extracted(Message):
    """A plaintext copy of an attachment was written to ``path``."""

    path: str


@dataclass
class AttachmentChanged(Message):
    """An attachment's level changed, or it was detached: the list is read again."""


@dataclass
class ExportChoicesLoaded(Message):
    """What the export wizard's first step offers: the recipients, and the titles of the
    records and case it was opened for."""

    titles: dict[str, str]
    recipients: list[Recipient]


@dataclass
class PlanReady(Message):
    """The export preview: what each record looks like to the recipients."""

    plan: Plan


@dataclass
class BundleSealed(Message):
    """The bundle was written (gate passed, encrypted, signed)."""

    sealed: Sealed


@dataclass
class BundleVerified(Message):
    """A bundle's signature, manifest and every file checked."""

    verified: Verified


@dataclass
class BundleOpened(Message):
    """A bundle was verified and its files written (unencrypted) to a folder."""

    verified: Verified
    files: list[str]


@dataclass
class BundleImported(Message):
    """A bundle was verified and its records imported."""

    verified: Verified
    imported: Imported


@dataclass
class SettingsLoaded(Message):
    """What the settings screen shows: key derivation, recipients, organisation and its
    contact (for dossiers)."""

    kdf: str
    recipients: list[Recipient]
    organisation: str
    contact: str = ""


@dataclass
class OrganisationSaved(Message):
    """The organisation's name (for dossiers) was saved."""


@dataclass
class ContactSaved(Message):
    """The organisation's contact (for dossiers) was saved."""


@dataclass
class SettingSaved(Message):
    """A setting (auto-lock minutes…) was saved."""


@dataclass
class KeysChanged(Message):
    """A new master key is in force (passphrase changed, or key derivation recalibrated);
    ``recovery_key`` is the new recovery key when one was made."""

    recovery_key: str | None


@dataclass
class RecipientsChanged(Message):
    """A recipient was added or removed."""


class VaultChangedElsewhere(Message):
    """Another evault process (the CLI, a second app) committed to this vault."""

    def can_replace(self, message: Message) -> bool:
        """Two notices of a change are one recount."""
        return isinstance(message, VaultChangedElsewhere)
