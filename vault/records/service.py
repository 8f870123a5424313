"""The records service: the one place records are written, read and listed.

Every write is one ``store.transaction``: the record row, its links, its search index
entries and its audit entries commit together or not at all. Audit entries name the
record and the field, never a value. A refused attempt to lower a pinned field is audited
in a transaction of its own (the attempt is a fact worth keeping) and then raised.

Front ends reach it as ``vault.services.records`` (:mod:`vault.services`); it is built
from a :class:`vault.context.ServiceContext`. A caller that must write records together
with rows of its own in one transaction (the bundle importer) uses :meth:`RecordService.insert`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from typing import Any

import sqlcipher3

from vault import ids
from vault.context import ServiceContext
from vault.errors import InvalidInput
from vault.records import custom, paging, stored
from vault.records.dates import BadDate, parse_date
from vault.records.errors import FieldError, PinnedField
from vault.records.model import Record, RecordSummary, index_texts, main_date, title_of
from vault.records.recordpage import RecordPage
from vault.records.registry import BUILTIN, Registry
from vault.records.spec import FieldKind, FieldSpec, Level, RecordType
from vault.records.validate import clean_record, parse_level, refuse_pinned
from vault.store import Store, Transaction

Progress = Callable[[int, int], None]
# The service has a ``list`` method, which hides the builtin inside the class body.
Summaries = list[RecordSummary]
Ids = list[str]


def _identities(tx: Transaction, record: Record, registry: Registry, *,
                new: bool = False) -> None:
    """Keep the protected identities table in step with a written record, in the same
    transaction (:mod:`vault.export.protected`; imported on use: it loads the form
    rules)."""
    from vault.export import protected

    protected.write(tx, record, registry, new=new)


def _search_module() -> Any:
    """:mod:`vault.search`, imported on the first write: a command that only reads
    (``evault list``) does not load the search module and its folding tables."""
    import vault.search as search

    return search


class RecordService:
    """Records of one unlocked vault."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context
        self._registry: Registry | None = None

    @property
    def store(self) -> Store:
        """The open store (VaultLocked when the vault was locked)."""
        return self._context.store

    # -- the registry ----------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """The built-in registry with this vault's custom fields."""
        if self._registry is None:
            registry = BUILTIN
            rows = self.store.query("SELECT kind, spec FROM custom_fields ORDER BY rowid")
            for kind, spec in rows:
                if registry.has(kind):
                    registry = registry.with_fields(kind, [custom.spec_from_json(spec)])
            self._registry = registry
        return self._registry

    def add_field(self, kind: str, name: str, field_kind: str, *, label: str | None = None,
                  level: str | None = None, identifier: bool = False, multi: bool = False,
                  ref_kinds: Iterable[str] = ()) -> FieldSpec:
        """Add a custom field to ``kind`` (stored in the vault, audited)."""
        spec = custom.make_spec(self.registry, kind, name, field_kind, label=label,
                                level=level, identifier=identifier, multi=multi,
                                ref_kinds=ref_kinds)
        with self.store.transaction("adding a custom field") as tx:
            tx.execute("INSERT INTO custom_fields(kind, name, spec, created) VALUES (?,?,?,?)",
                       (kind, name, custom.spec_to_json(spec), self._now()))
            tx.audit("field.add", field=name, kind=kind, field_kind=spec.kind.value,
                     level=spec.default_level.value, identifier=spec.identifier)
        self._registry = None
        return spec

    # -- ids -------------------------------------------------------------------------

    def resolve(self, prefix: str) -> str:
        """The full id of the one record whose id starts with ``prefix``."""
        return ids.resolve(self.store, "records", prefix)

    def lookup(self, prefix: str) -> tuple[str, str]:
        """``(id, kind)`` of the record ``prefix`` names (NotFound, InvalidInput)."""
        rid = self.resolve(prefix)
        row = self.store.query_one("SELECT kind FROM records WHERE id = ?", (rid,))
        return rid, str(row[0])

    # -- validation ------------------------------------------------------------------

    def validate(self, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """``data`` checked and made canonical, ``levels`` included if given. Raises
        FieldError (exit 1) or PinnedField (exit 5); writes nothing."""
        fields, levels = clean_record(self.registry, kind, data, self.lookup)
        if levels:
            return {**fields, "levels": {k: v.value for k, v in levels.items()}}
        return fields

    def _clean(self, kind: str, data: Any, levels: dict[str, str] | None,
               ) -> tuple[RecordType, dict[str, Any], dict[str, Level]]:
        rtype = self.registry.type(kind)
        if levels is not None:
            if not isinstance(data, dict):
                raise InvalidInput(f"a {kind} record must be a JSON object")
            data = {**data, "levels": {**(data.get("levels") or {}), **levels}}
        fields, asked = clean_record(self.registry, kind, data, self.lookup)
        return rtype, fields, asked

    # -- writes ----------------------------------------------------------------------

    def add(self, kind: str, data: dict[str, Any], levels: dict[str, str] | None = None,
            ) -> str:
        """Add one record; returns its id."""
        try:
            rtype, fields, asked = self._clean(kind, data, levels)
        except PinnedField as exc:
            self._audit_refusal(exc, None)
            raise
        search = _search_module()
        with self.store.transaction(f"adding a {kind} record") as tx:
            return self._insert(tx, rtype, fields, asked, search)

    def add_many(self, kind: str, rows: Iterable[dict[str, Any]],
                 progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> Ids:
        """Add many records in one transaction: all of them or none. A bad row raises
        FieldError with ``.row`` (1-based position in ``rows``). ``rows`` is read once,
        in order: an importer passes a sized iterable, never a list of every row."""
        batch = rows if isinstance(rows, Sized) else list(rows)
        rtype = self.registry.type(kind)
        search = _search_module()
        added: Ids = []
        refused: PinnedField | None = None
        try:
            with self.store.transaction(f"importing {kind} records") as tx:
                for number, row in enumerate(batch, start=1):
                    if cancel is not None and number % 500 == 0 and cancel.is_set():
                        raise InvalidInput("the import was cancelled; nothing was written")
                    try:
                        _, fields, asked = self._clean(kind, row, None)
                    except FieldError as exc:
                        raise exc.at_row(number) from None
                    except PinnedField as exc:
                        refused = exc
                        raise
                    added.append(self._insert(tx, rtype, fields, asked, search))
                    if progress is not None and (number % 1000 == 0 or number == len(batch)):
                        progress(number, len(batch))
                if not added:
                    tx.audit("record.import", kind=kind, count=0)
        except PinnedField:
            if refused is not None:
                self._audit_refusal(refused, None)
            raise
        return added

    def insert(self, tx: Transaction, kind: str, data: dict[str, Any],
               levels: dict[str, str] | None = None) -> str:
        """Check ``data`` and add it as one record inside the caller's transaction ``tx``;
        returns the new id. The record row, its links, index entries and audit entry are
        written exactly as :meth:`add` writes them.

        Why this exists: a caller that writes records together with rows of its own (a
        partner's bundle: its records, stub records and provenance rows) needs them all
        to commit or roll back as one. Unlike :meth:`add`, a refused pinned level is
        raised without an audit entry of its own: the caller's transaction rolls back,
        and the caller decides what to record. Raises FieldError, PinnedField, NotFound
        (a reference to a missing record)."""
        rtype, fields, asked = self._clean(kind, data, levels)
        return self._insert(tx, rtype, fields, asked, _search_module())

    def _insert(self, tx: Transaction, rtype: RecordType, fields: dict[str, Any],
                asked: dict[str, Level], search: Any | None) -> str:
        rid = ids.new_id()
        levels = self._levels_for(rtype, fields, {}, asked)
        now, date = self._now(), main_date(rtype, fields)
        tx.execute(
            "INSERT INTO records(id, kind, data, levels, title, date, created, updated) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (rid, rtype.name, stored.pack(_dump(fields)), _dump(levels), title_of(rtype, fields),
             date,
             now, now),
        )
        self._write_links(tx, rid, rtype, fields)
        _identities(tx, Record(rid, rtype.name, fields, levels, now, now, ""), self.registry,
                    new=True)
        tx.audit("record.add", record=rid, kind=rtype.name, fields=sorted(fields),
                 levels={k: v.value for k, v in sorted(asked.items())})
        if search is not None:
            search.index_record(tx, rid, rtype.name, index_texts(rtype, fields, levels), date,
                                keep_text=False)
        return rid

    def edit(self, id: str, changes: dict[str, Any]) -> Record:
        """Change fields (``None`` removes one) and, with a ``levels`` key, levels.

        Why the record is read again inside the write transaction: two processes editing
        different fields of one record at once would otherwise each write back the copy
        they read before, and the later commit would silently drop the earlier edit.
        ``BEGIN IMMEDIATE`` holds the write lock from the read to the commit.
        """
        record = self.get(id)
        try:
            delta, asked = clean_record(self.registry, record.kind, changes, self.lookup,
                                        partial=True)
        except PinnedField as exc:
            self._audit_refusal(exc, record.id)
            raise
        if not delta and not asked:
            raise InvalidInput("nothing to change")
        rtype = self.registry.type(record.kind)
        search = _search_module()
        with self.store.transaction(f"editing a {record.kind} record") as tx:
            record = self.get(record.id)
            fields = {k: v for k, v in {**record.fields, **delta}.items() if v is not None}
            for spec in rtype.fields.values():
                if spec.required and spec.name not in fields:
                    raise FieldError(spec.name, "is required", record.kind)
            levels = self._levels_for(rtype, fields, record.levels, asked)
            tx.execute("UPDATE records SET data = ?, levels = ?, title = ?, date = ?, "
                       "updated = ? WHERE id = ?",
                       (stored.pack(_dump(fields)), _dump(levels), title_of(rtype, fields),
                        main_date(rtype, fields), self._now(), record.id))
            tx.execute("DELETE FROM links WHERE src = ?", (record.id,))
            self._write_links(tx, record.id, rtype, fields)
            _identities(tx, Record(record.id, record.kind, fields, levels, "", "", ""),
                        self.registry)
            for name in sorted(delta):
                change = "removed" if delta[name] is None else "set"
                tx.audit("record.edit", record=record.id, field=name, change=change)
            for name, level in sorted(asked.items()):
                tx.audit("level.change", record=record.id, field=name,
                         old=_level_name(record.levels.get(name)), new=level.value)
            self._reindex(tx, search, record.id, rtype, fields, levels)
        return self.get(record.id)

    def set_level(self, id: str, field: str, level: str) -> Record:
        """Set one field's level on one record. Lowering a pinned field raises
        PinnedField (exit 5) after auditing the attempt. The record is read again inside
        the write transaction, for the reason given in :meth:`edit`."""
        record = self.get(id)
        rtype = self.registry.type(record.kind)
        spec = self.registry.field(record.kind, field)
        new = parse_level(level, field, record.kind)
        try:
            refuse_pinned(record.kind, spec, new)
        except PinnedField as exc:
            self._audit_refusal(exc, record.id, requested=new.value)
            raise
        search = _search_module()
        with self.store.transaction("changing a level") as tx:
            record = self.get(record.id)
            levels = {**record.levels, field: new}
            old = record.levels.get(field, spec.default_level)
            tx.execute("UPDATE records SET levels = ?, updated = ? WHERE id = ?",
                       (_dump(levels), self._now(), record.id))
            tx.audit("level.change", record=record.id, field=field, old=old.value,
                     new=new.value)
            _identities(tx, Record(record.id, record.kind, record.fields, levels, "", "", ""),
                        self.registry)
            self._reindex(tx, search, record.id, rtype, record.fields, levels)
        return self.get(record.id)

    def delete(self, id: str) -> None:
        """Delete a record no other record refers to."""
        rid = self.resolve(id)
        refs = self.references_to(rid)
        if refs:
            listed = ", ".join(r.id for r in refs[:5])
            raise InvalidInput(f"record {rid} is referred to by {len(refs)} record(s) "
                               f"({listed}); remove those references first")
        search = _search_module()
        with self.store.transaction("deleting a record") as tx:
            kind = self.store.query_one("SELECT kind FROM records WHERE id = ?", (rid,))[0]
            try:
                tx.execute("DELETE FROM records WHERE id = ?", (rid,))
            except sqlcipher3.IntegrityError:
                raise InvalidInput(f"record {rid} still has attachments or other data bound "
                                   "to it; remove them first") from None
            if search is not None:
                search.remove_record(tx, rid)
            tx.audit("record.delete", record=rid, kind=kind)
        self.store.checkpoint()  # fold the WAL in: no freed frame keeps the deleted row

    def _audit_refusal(self, exc: PinnedField, record: str | None, **detail: Any) -> None:
        with self.store.transaction("recording a refused level change") as tx:
            tx.audit("level.refused", record=record, field=exc.field, kind=exc.kind, **detail)

    def _levels_for(self, rtype: RecordType, fields: dict[str, Any],
                    current: dict[str, Level], asked: dict[str, Level]) -> dict[str, Level]:
        """Every field with a value keeps its level or gets the default; asked levels win;
        a pinned field is private whatever is stored (defence in depth)."""
        levels = dict(current)
        for name in fields:
            levels.setdefault(name, rtype.fields[name].default_level)
        levels.update(asked)
        for name, spec in rtype.fields.items():
            if spec.pinned and name in levels:
                levels[name] = Level.PRIVATE
        return levels

    def _write_links(self, tx: Transaction, rid: str, rtype: RecordType,
                     fields: dict[str, Any]) -> None:
        rows = []
        for name, value in fields.items():
            if rtype.fields[name].kind == FieldKind.REFERENCE:
                for dst in value if isinstance(value, list) else [value]:
                    rows.append((rid, name, dst))
        if rows:
            tx.executemany("INSERT OR IGNORE INTO links(src, field, dst) VALUES (?,?,?)", rows)

    def _reindex(self, tx: Transaction, search: Any | None, rid: str, rtype: RecordType,
                 fields: dict[str, Any], levels: dict[str, Level]) -> None:
        if search is not None:
            from vault.attachments.text import entries

            # index_record replaces what the index held for this record (its
            # attachments' recognised text included). The record's own values can be read
            # back from the records table on a rebuild; recognised text cannot, so a record
            # with some keeps its texts in the index (keep_text).
            recognised = entries(tx, rid)
            search.index_record(tx, rid, rtype.name,
                                [*index_texts(rtype, fields, levels), *recognised],
                                main_date(rtype, fields), keep_text=bool(recognised))

    def _now(self) -> str:
        return self.store.clock().isoformat(timespec="seconds")

    # -- reads -----------------------------------------------------------------------

    def get(self, id_or_prefix: str) -> Record:
        """The record ``id_or_prefix`` names (NotFound, InvalidInput)."""
        rid = self.resolve(id_or_prefix)
        row = self.store.query_one(
            "SELECT id, kind, data, levels, title, created, updated FROM records WHERE id = ?",
            (rid,))
        return self._record(row)

    def iter_records(self, kind: str | None = None) -> Iterator[Record]:
        """Every record (of ``kind``), oldest first, without loading all of them."""
        sql = "SELECT id, kind, data, levels, title, created, updated FROM records"
        params: tuple[str, ...] = ()
        if kind is not None:
            self.registry.type(kind)
            sql, params = sql + " WHERE kind = ?", (kind,)
        rows = self.store.query(sql + " ORDER BY rowid", params)
        for row in rows:
            yield self._record(row)

    def from_row(self, row: Any) -> Record:
        """A :class:`Record` from a ``records`` row read as ``id, kind, data, levels,
        title, created, updated``, with its levels completed as :meth:`get` does (the
        search index reads rows in batches of its own and builds records with this)."""
        return self._record(row)

    def fetch(self, record_ids: Iterable[str]) -> dict[str, Record]:
        """The records of these full ids that exist, in one query (an export reads its
        selection this way, never the whole vault)."""
        rows = self.store.query(
            "SELECT id, kind, data, levels, title, created, updated FROM records WHERE id IN "
            "(SELECT value FROM json_each(?))", (json.dumps(list(record_ids)),))
        return {str(row[0]): self._record(row) for row in rows}

    def _record(self, row: Any) -> Record:
        rid, kind, data, levels_json, title, created, updated = row
        fields: dict[str, Any] = stored.fields(data)
        kept = {k: Level(v) for k, v in json.loads(levels_json).items()}
        rtype = self.registry.type(kind)
        levels = self._levels_for(rtype, fields, kept, {})
        return Record(rid, kind, fields, levels, created, updated, title)

    def list(self, kind: str | None = None, case: str | None = None,
             limit: int | None = None, offset: int = 0, *, order: str = "added",
             descending: bool = False, date_from: str | None = None,
             date_to: str | None = None) -> Summaries:
        """Records (of ``kind``, in ``case``, whose date overlaps ``date_from``..
        ``date_to``), in ``order`` (one of :data:`ORDERS`; ``added`` is oldest first).
        ``offset`` reads and skips that many rows: for paging through a large vault use
        :meth:`page`, whose cost does not grow with the depth."""
        col = paging.column(order)
        base = self._listing(kind, case, date_from, date_to)
        way = " DESC" if descending else ""
        sql = (f"SELECT r.id, r.kind, r.title, r.date, r.updated FROM {base.source}"
               + (" WHERE " + " AND ".join(base.where) if base.where else "")
               + f" ORDER BY {col}{way}, r.rowid{way} LIMIT ? OFFSET ?")
        rows = self.store.query(sql, (*base.params, -1 if limit is None else limit, offset))
        return [RecordSummary(str(r[0]), str(r[1]), str(r[2]), r[3], r[4]) for r in rows]

    def page(self, kind: str | None = None, case: str | None = None, *, limit: int = 100,
             after: str | None = None, order: str = "added", descending: bool = False,
             date_from: str | None = None, date_to: str | None = None) -> paging.Page:
        """One page of :meth:`list` starting after the cursor ``after`` (None: the first
        page); ``Page.next`` is the cursor of the page after it. Same cost at any depth
        (keyset pagination, see ``vault.records.paging``)."""
        base = self._listing(kind, case, date_from, date_to)
        return paging.page(self.store.query, base, order=order, descending=descending,
                           limit=limit, after=after)

    def iter_summaries(self, kind: str | None = None, case: str | None = None, *,
                       order: str = "added", descending: bool = False,
                       date_from: str | None = None, date_to: str | None = None,
                       batch: int = 1000) -> Iterator[RecordSummary]:
        """Every summary of :meth:`list`, a page at a time (flat memory at any size)."""
        after: str | None = None
        while True:
            got = self.page(kind, case, limit=batch, after=after, order=order,
                            descending=descending, date_from=date_from, date_to=date_to)
            yield from got.rows
            if got.next is None:
                return
            after = got.next

    def _listing(self, kind: str | None, case: str | None, date_from: str | None,
                 date_to: str | None) -> paging.Filter:
        """FROM and WHERE of a listing, its arguments checked."""
        source, where, params = "records AS r", list[str](), list[Any]()
        if case is not None:
            cid, ckind = self.lookup(case)
            if ckind != "case":
                raise InvalidInput(f"record {cid} is a {ckind}, not a case")
            source, where, params = paging.case_source(cid)
        if kind is not None:
            self.registry.type(kind)
            where.append("r.kind = ?")
            params.append(kind)

        def iso(bound: str) -> str:
            try:
                return parse_date(bound).iso()
            except BadDate:
                raise InvalidInput("a date filter is YYYY, YYYY-MM or YYYY-MM-DD") from None

        dates, values = paging.date_bounds("r.date", date_from, date_to, iso)
        return paging.Filter(source, where + dates, params + values)

    def count(self, kind: str | None = None) -> int:
        """How many records (of ``kind``): read from ``record_counts``, which triggers
        keep current, so the cost does not grow with the vault."""
        if kind is None:
            return int(self.store.query_one(
                "SELECT coalesce(sum(n), 0) FROM record_counts")[0])
        self.registry.type(kind)
        row = self.store.query_one("SELECT n FROM record_counts WHERE kind = ?", (kind,))
        return 0 if row is None else int(row[0])

    def titles(self, ids: Iterable[str]) -> dict[str, str]:
        """The title of each of ``ids`` (full ids), in one query (search hits)."""
        rows = self.store.query("SELECT id, title FROM records WHERE id IN "
                                "(SELECT value FROM json_each(?))", (json.dumps(list(ids)),))
        return {str(r[0]): str(r[1]) for r in rows}

    def record_page(self, id: str) -> RecordPage:
        """Everything a record's page shows (``evault get``, the app's record screen):
        the record, kind and title of the records it names (one query), the records that
        name it, its attachments and, for an imported record, where it came from.
        (``page`` is the keyset list; this is one record's page.)"""
        from vault.records import recordpage

        record = self.get(id)
        return recordpage.build(self.store, self.registry, record,
                                self.references_to(record.id))

    def references_to(self, id: str) -> Summaries:
        """Records that refer to this one, in any reference field."""
        rid = self.resolve(id)
        rows = self.store.query(
            "SELECT DISTINCT r.id, r.kind, r.title, r.created FROM links l "
            "JOIN records r ON r.id = l.src WHERE l.dst = ? ORDER BY r.rowid", (rid,))
        return [RecordSummary(str(r[0]), str(r[1]), str(r[2])) for r in rows]

    def referrers(self, targets: Mapping[str, Iterable[str]],
                  kind: str | None = None) -> Ids:
        """Full ids of the records (of ``kind``) whose reference field ``f`` names one of
        ``targets[f]``, for any ``f``, oldest first, each once. One query, an index seek
        on ``links(dst, field)`` per (field, id) pair: its cost follows the links found,
        never the size of the vault (a dossier gathers a person's records this way)."""
        pairs = [[name, str(dst)] for name, ids in targets.items() for dst in ids]
        if not pairs:
            return []
        if kind is not None:
            self.registry.type(kind)
        # CROSS JOIN keeps the pairs as the outer loop: each is one seek in links_dst.
        sql = ("SELECT DISTINCT r.id, r.rowid FROM json_each(?) AS p CROSS JOIN links AS l "
               "ON l.dst = json_extract(p.value, '$[1]') "
               "AND l.field = json_extract(p.value, '$[0]') "
               "JOIN records AS r ON r.id = l.src")
        params: tuple[str, ...] = (json.dumps(pairs),)
        if kind is not None:
            sql, params = sql + " WHERE r.kind = ?", (*params, kind)
        return [str(row[0]) for row in self.store.query(sql + " ORDER BY r.rowid", params)]


#: What ``list`` and ``page`` can sort by; each is backed by an index alone and with a
#: kind filter (``records_0002_list_orders``, ``records_0003_keyset_and_counts``).
ORDERS = paging.COLUMNS


_dump = stored.dump


def _level_name(level: Level | None) -> str | None:
    return None if level is None else level.value
