"""One audience: what a set of recipients may see, built once per export or dossier.

Before this object the rules were written three times (``export/plan.py``,
``dossier/draft.py``, ``dossier/service.py``) and drifted: the dossier indexed only the
records of its profile, and listed hashes of files the bundle never carried. Now both the
export and the dossier ask the same :class:`Audience` for:

- the clearance checks (:meth:`may_see`, :meth:`file_may_ship`);
- the pseudonym key (per recipients) and the findings key;
- the identity model of every identifier the audience may not see, from every record of
  the vault — read from the protected identities table with the forms stored at write
  (:mod:`vault.export.protected`), so no record is decoded but the ones the bundle
  carries or names — and the user's collision decisions (:mod:`vault.export.decisions`);
- the redactor, and the gate's needles and exemptions (:meth:`gate`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crypto.schedule import Purpose
from vault.errors import InvalidInput
from vault.export import protected
from vault.export.decisions import CollisionFound, Decisions
from vault.export.gate import Gate
from vault.export.pseudonym import Pseudonyms, audience
from vault.export.redact import Identifiers, Owner, Redactor
from vault.records.model import Record
from vault.records.spec import Level

_AUDIO_VIDEO = ("audio/", "video/")


class Audience:
    """Everything one audience may see (see the module docstring)."""

    def __init__(self, vault: Any, clearance: Level, age_keys: Iterable[str], plain: bool,
                 released: Iterable[str] = ()) -> None:
        if clearance == Level.PRIVATE:
            raise InvalidInput("private data never leaves the device; the clearance is "
                               "public or partner")
        self.clearance = clearance
        records = vault.services.records
        self._records = records
        self._store = vault.store
        self.registry = records.registry
        self._loaded: dict[str, Record | None] = {}
        self._gate: Gate | None = None
        self._gate_for: tuple[int, dict[str, set[str]]] | None = None
        self.decisions = Decisions(vault.store).all()
        same = {rid for (rid, _), d in self.decisions.items() if d == "same"}
        with protected.no_gc_pauses():
            self.ids: Identifiers = protected.identifiers(
                protected.current(vault.store, self.registry), clearance, same)
        self.pseudonyms = Pseudonyms(vault.derived_key(Purpose.PSEUDONYM,
                                                       audience(list(age_keys), plain)))
        self.redactor = Redactor(self.registry, clearance, self.pseudonyms, self.ids,
                                 self.record,
                                 vault.derived_key(Purpose.PSEUDONYM, b"evault/findings"),
                                 released, self.decisions)

    # -- records -----------------------------------------------------------------------

    def record(self, record_id: str) -> Record | None:
        """One record by its full id, read when first asked for (None if there is none):
        the bundle's records and those they refer to, never the whole vault."""
        if record_id not in self._loaded:
            found = self._records.fetch([record_id])
            self._loaded[record_id] = found.get(record_id)
        return self._loaded[record_id]

    def load(self, record_ids: list[str]) -> None:
        """Read these records in one query (the selection, before it is redacted), and
        check that the protected identities stored for them are what they hold now."""
        missing = [r for r in record_ids if r not in self._loaded]
        found = self._records.fetch(missing)
        for rid in missing:
            self._loaded[rid] = found.get(rid)
        protected.verify(self._store, self.registry, found.values())

    # -- clearance -----------------------------------------------------------------------

    def may_see(self, level: str | Level) -> bool:
        """A value at ``level`` may reach this audience."""
        return Level(level) <= self.clearance

    def from_source(self, record: Record) -> bool:
        """The record is a source, or a testimony given by one (or by nobody known)."""
        if record.kind == "source":
            return True
        interviewee = self.record(str(record.fields.get("source", "")))
        return record.kind == "testimony" and (interviewee is None or
                                               interviewee.kind == "source")

    def file_may_ship(self, level: str | Level, media_type: str, record: Record) -> bool:
        """An attachment may travel: its level allows it and it is not a recording of a
        protected source (even its hash could confirm whose voice it is)."""
        recording = str(media_type).startswith(_AUDIO_VIDEO)
        return self.may_see(level) and not (recording and self.from_source(record))

    # -- the gate ------------------------------------------------------------------------

    def require_no_collisions(self) -> None:
        """CollisionFound (exit 5) when a structured field of a shipping record holds a
        protected identifier of another record and the user has not decided."""
        if self.redactor.collisions:
            raise CollisionFound(self.redactor.collisions)

    def needles(self) -> list[tuple[str, Owner]]:
        """Every form the gate must refuse: protected identifiers and the detector
        findings left redacted."""
        return [*self.ids.forbidden_values,
                *((value, Owner(f.record_id, f"finding:{f.kind}", f.field, Level.PRIVATE,
                                False)) for value, f in self.redactor.unreleased)]

    def exemptions(self) -> dict[str, set[str]]:
        """Bundle record id → values its structured fields keep by decision."""
        return {self.pseudonyms.record_id(rid): set(values)
                for rid, values in self.redactor.exempt.items()}

    def byte_values(self) -> list[tuple[str, Owner]]:
        """The stored forbidden values, for the gate's exact byte search."""
        return self.ids.stored_values

    def gate(self) -> Gate:
        """The leak gate for what this audience may not see: built once, when first asked
        for after every record was redacted (the plan's pictures and the seal share it;
        what the redactor found later would be missing, so it is built again then)."""
        needles = self.needles()
        exemptions = self.exemptions()
        if self._gate is None or self._gate_for != (len(needles), exemptions):
            with protected.no_gc_pauses():
                self._gate = Gate(needles, exemptions, known=self.ids.forbidden,
                                  byte_values=self.byte_values(),
                                  folded=self.ids.folded, prepared=self.ids.prepared,
                                  stored_needles=self.ids.stored_needles,
                                  stored_bounded=self.ids.stored_bounded)
            self._gate_for = (len(needles), exemptions)
        return self._gate
