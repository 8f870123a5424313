"""Every message the app's workers and screens post: the one catalogue.

Workers run calls into ``vault/`` in threads and report back with these (Textual's
``post_message`` is thread-safe). Attributes go down, messages go up: a screen that
starts a worker handles its messages; messages for the whole app bubble to the App.
High-rate messages (progress, search results) replace older unprocessed ones of the
same kind (``can_replace``) so the UI never falls behind.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from vault.errors import VaultError
from vault.records.model import Record
from vault.records.recordpage import RecordPage
from vault.session import Created, Vault


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


class AuditLoaded(Message):
    """The audit log and the verification of its chain."""

    def __init__(self, entries: list[Any], status: Any) -> None:
        super().__init__()
        self.entries = entries
        self.status = status


class Done(Message):
    """A worker finished an action with a result for the screen that started it."""

    def __init__(self, what: str, result: Any = None) -> None:
        super().__init__()
        self.what = what
        self.result = result


class VaultChangedElsewhere(Message):
    """Another evault process (the CLI, a second app) committed to this vault."""

    def can_replace(self, message: Message) -> bool:
        """Two notices of a change are one recount."""
        return isinstance(message, VaultChangedElsewhere)
