"""The typed feature services of one unlocked session: ``vault.services.records`` and
its siblings.

Why an object with one typed attribute per service instead of a lookup by name: ``mypy
--strict`` then checks every call the front ends and the tests make into ``vault/``
(a misspelt method at a call site fails the type check, see tests/test_typed_seams.py),
and there is no registry that a feature fills by being imported.

:class:`Services` is made at unlock and dropped at lock (and after a change of keys).
Each service is built the first time it is used, so ``evault list`` still loads only the
records service (no image library, no PDF engine). Dependencies point down: attachments
use records; export uses records; dossiers use export and records; travel uses the
session itself (it seals records and rotates the keys). Records and attachments are built
from a :class:`vault.context.ServiceContext`, not from the session.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from vault.context import ServiceContext

if TYPE_CHECKING:
    from vault.attachments.service import AttachmentService
    from vault.dossier.service import DossierService
    from vault.export.service import ExportService
    from vault.records.service import RecordService
    from vault.session import Vault
    from vault.travel.service import TravelService


class Services:
    """The feature services of one unlocked session (read-only attributes)."""

    __slots__ = ("_attachments", "_build", "_context", "_dossier", "_export", "_records",
                 "_travel", "_vault")

    def __init__(self, vault: Vault, context: ServiceContext) -> None:
        self._vault = vault
        self._context = context
        self._build = threading.Lock()  # app workers may ask for a service at once
        self._records: RecordService | None = None
        self._attachments: AttachmentService | None = None
        self._export: ExportService | None = None
        self._dossier: DossierService | None = None
        self._travel: TravelService | None = None

    @property
    def context(self) -> ServiceContext:
        """What the services were built from."""
        return self._context

    @property
    def records(self) -> RecordService:
        """Records: add, edit, read, list, page, levels (:mod:`vault.records.service`)."""
        with self._build:
            if self._records is None:
                from vault.records.service import RecordService

                self._records = RecordService(self._context)
            return self._records

    @property
    def attachments(self) -> AttachmentService:
        """Encrypted files bound to records (:mod:`vault.attachments.service`)."""
        records = self.records
        with self._build:
            if self._attachments is None:
                from vault.attachments.service import AttachmentService

                self._attachments = AttachmentService(self._context, records)
            return self._attachments

    @property
    def export(self) -> ExportService:
        """Recipients, plans and sealed bundles (:mod:`vault.export.service`)."""
        with self._build:
            if self._export is None:
                from vault.export.service import ExportService

                self._export = ExportService(self._vault)
            return self._export

    @property
    def dossier(self) -> DossierService:
        """Sanctions dossiers (:mod:`vault.dossier.service`)."""
        with self._build:
            if self._dossier is None:
                from vault.dossier.service import DossierService

                self._dossier = DossierService(self._vault)
            return self._dossier

    @property
    def travel(self) -> TravelService:
        """Travel mode (:mod:`vault.travel.service`)."""
        with self._build:
            if self._travel is None:
                from vault.travel.service import TravelService

                self._travel = TravelService(self._vault)
            return self._travel
