"""The protected identities table: every identifier value of every record, with its forms,
kept current on write so an export never reads the whole vault.

Why a table: the leak gate and the rewriter must catch every protected identity of the
vault, not only those of the selected records (a selected testimony may name any source).
Before this table an export decoded every record, gathered its identifiers and computed
the forms of each (:mod:`vault.export.identity`): 3.9 s and 680 MB to export 10 records
from 100,000. Now each write keeps the table in step, in the write's own transaction, and
an export reads the stored forms and builds its matcher from them (issue 16).

Tables (all inside the SQLCipher database, encrypted like everything else):

- ``identity_forms``: one row per distinct (value, shape) — the value, what the form rules
  need to know of its field (:func:`vault.export.identity.shape`) and its forms, each as
  ``[text, skeleton, first word length, last word length]`` (folded once, at write), and
  the byte encodings the gate searches in images, PDFs and the container
  (:func:`vault.export.gate.byte_needles`), encoded once, at write. A row
  nobody refers to any more is deleted by a trigger: a deleted source's name does not
  linger here. Ids are never reused (``AUTOINCREMENT``): rows travel mode sealed and
  restores later can never point at another value.
- ``identities``: one row per (record, field, value): whose identifier it is, at which
  level, whether it is a person's name. Deleted with its record (``ON DELETE CASCADE``,
  which also lets travel mode seal these rows with their records).
- ``identity_stale``: records written by something that did not keep the table in step
  (an older evault, travel mode's restore, a hand edit). Triggers on ``records`` mark
  every inserted or changed record; the records service clears the mark in the same
  transaction once it has written the record's rows. An export computes the rows of
  marked records afresh in memory (never trusts the table for them); ``check`` reports
  them and ``check --repair`` rebuilds.

The meta key ``identity_rules`` holds :data:`vault.export.identity.RULES` of the rules the
stored forms were computed with; a vault written by other rules is rebuilt before export.
"""

from __future__ import annotations

import gc
import json
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vault.errors import IntegrityError
from vault.export.identity import RULES, shape, shape_forms
from vault.export.normalize import LazyMatcher, Matcher, form_key
from vault.export.pseudonym import PERSON_KINDS
from vault.export.redact import Identifiers, Owner, identifier_values
from vault.records.model import Record
from vault.records.registry import Registry
from vault.records.spec import Level
from vault.records.stored import fields as stored_fields

if TYPE_CHECKING:
    from vault.session import Vault

Connection = Any  # a sqlcipher3 connection or a store Transaction (both have execute)
BATCH = 500

TABLES = """
CREATE TABLE identity_forms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    value TEXT NOT NULL,
    shape TEXT NOT NULL,
    forms TEXT NOT NULL,
    needles TEXT NOT NULL,
    UNIQUE (value, shape)
);
CREATE TABLE identities (
    record TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    form INTEGER NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    person INTEGER NOT NULL,
    PRIMARY KEY (record, field, form)
) WITHOUT ROWID;
CREATE INDEX identities_form ON identities(form);
CREATE TABLE identity_stale (record TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TRIGGER identity_stale_add AFTER INSERT ON records BEGIN
    INSERT OR IGNORE INTO identity_stale(record) VALUES (NEW.id);
END;
CREATE TRIGGER identity_stale_edit AFTER UPDATE OF id, kind, data, levels ON records BEGIN
    INSERT OR IGNORE INTO identity_stale(record) VALUES (NEW.id);
END;
CREATE TRIGGER identity_stale_remove AFTER DELETE ON records BEGIN
    DELETE FROM identity_stale WHERE record = OLD.id;
END;
CREATE TRIGGER identity_forms_unused AFTER DELETE ON identities
    WHEN NOT EXISTS (SELECT 1 FROM identities WHERE form = OLD.form) BEGIN
    DELETE FROM identity_forms WHERE id = OLD.form;
END
"""


@dataclass(frozen=True)
class Row:
    """One identifier of one record, as the table holds it."""

    field: str
    value: str
    shape: str
    kind: str
    level: Level
    person: bool


def rows_of(record: Record, registry: Registry) -> list[Row]:
    """The identifier rows of one record (deduplicated), by the rules of
    :func:`vault.export.redact.identifier_values`."""
    if not registry.has(record.kind):
        return []
    found: dict[tuple[str, str, str], Row] = {}
    for value, owner in identifier_values(record, registry.type(record.kind)):
        row = Row(owner.field, value, shape(owner.field, owner.person_name), record.kind,
                  owner.level, owner.person_name)
        found.setdefault((row.field, row.value, row.shape), row)
    return list(found.values())


def compute_forms(value: str, value_shape: str) -> list[list[Any]]:
    """The stored form list of one value: ``[text, skeleton, left, right]`` each. The
    forms are those of the value's NFC form (as :class:`~vault.export.identity.
    IdentityModel` builds them), and the value as stored if it differs."""
    out: list[list[Any]] = []
    seen: set[str] = set()
    normal = unicodedata.normalize("NFC", value)
    for text, _why in [(value, "value"), *shape_forms(normal, value_shape)]:
        if text in seen:
            continue
        seen.add(text)
        out.append([text, *form_key(text)])
    return out


def compute_needles(value: str, forms: list[list[Any]]) -> list[list[str]]:
    """The stored byte needles of one value: ``[opaque, text]`` (see
    :func:`vault.export.gate.byte_needles`)."""
    from vault.export.gate import byte_needles

    first = forms[0]  # the value itself (compute_forms puts it first)
    opaque, text = byte_needles(value, first[1], first[2], first[3])
    return [opaque, text]


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def registry_of(conn: Connection) -> Registry:
    """The registry with this vault's custom fields, read through ``conn`` (migrations
    and checks run before the records service exists)."""
    from vault.records import custom
    from vault.records.registry import BUILTIN

    registry = BUILTIN
    for kind, spec in conn.execute("SELECT kind, spec FROM custom_fields ORDER BY rowid"
                                   ).fetchall():
        if registry.has(kind):
            registry = registry.with_fields(kind, [custom.spec_from_json(spec)])
    return registry


def record_from_row(row: Any) -> Record:
    """A :class:`Record` from ``(id, kind, data, levels)`` as stored."""
    rid, kind, data, levels = row
    return Record(str(rid), str(kind), stored_fields(data),
                  {k: Level(v) for k, v in json.loads(levels).items()}, "", "", "")


def _form_id(conn: Connection, value: str, value_shape: str) -> int:
    got = conn.execute("SELECT id FROM identity_forms WHERE value = ? AND shape = ?",
                       (value, value_shape)).fetchone()
    if got is not None:
        return int(got[0])
    forms = compute_forms(value, value_shape)
    cur = conn.execute(
        "INSERT INTO identity_forms(value, shape, forms, needles) VALUES (?,?,?,?)",
        (value, value_shape, _dump(forms), _dump(compute_needles(value, forms))))
    return int(cur.lastrowid)


def write(conn: Connection, record: Record, registry: Registry, *, new: bool = False
          ) -> None:
    """Bring one record's rows in step with it and clear its stale mark. Runs inside the
    caller's write transaction: the record and its identities commit together. ``new``:
    the record was just inserted (it has no rows yet; one query fewer per insert)."""
    wanted: dict[tuple[str, int], tuple[str, str, int]] = {}
    for row in _merged(rows_of(record, registry)):
        form = _form_id(conn, row.value, row.shape)
        wanted[(row.field, form)] = (row.kind, row.level.value, int(row.person))
    have = {(str(f), int(form)): (str(k), str(lv), int(p)) for f, form, k, lv, p in
            ([] if new else conn.execute("SELECT field, form, kind, level, person FROM "
                                         "identities WHERE record = ?", (record.id,)
                                         ).fetchall())}
    # New rows first: deleting an old row drops a value nobody else refers to, and a
    # value this record still needs must be referred to by then.
    for key, value in wanted.items():
        if key not in have:
            conn.execute("INSERT INTO identities(record, field, form, kind, level, person) "
                         "VALUES (?,?,?,?,?,?)", (record.id, *key, *value))
        elif have[key] != value:  # an UPDATE, never a REPLACE (which deletes first)
            conn.execute("UPDATE identities SET kind = ?, level = ?, person = ? "
                         "WHERE record = ? AND field = ? AND form = ?",
                         (*value, record.id, *key))
    for key in have.keys() - wanted.keys():
        conn.execute("DELETE FROM identities WHERE record = ? AND field = ? AND form = ?",
                     (record.id, *key))
    conn.execute("DELETE FROM identity_stale WHERE record = ?", (record.id,))


def refresh(conn: Connection, registry: Registry, record_ids: Iterable[str]) -> int:
    """Rewrite the rows of these records (those that still exist); returns how many."""
    ids = list(record_ids)
    done = 0
    for start in range(0, len(ids), BATCH):
        chunk = json.dumps(ids[start:start + BATCH])
        rows = conn.execute("SELECT id, kind, data, levels FROM records WHERE id IN "
                            "(SELECT value FROM json_each(?))", (chunk,)).fetchall()
        for row in rows:
            write(conn, record_from_row(row), registry)
            done += 1
        conn.execute("DELETE FROM identity_stale WHERE record IN "
                     "(SELECT value FROM json_each(?))", (chunk,))
    return done


def _all_ids(conn: Connection) -> Iterator[str]:
    last = 0
    while True:
        got = conn.execute("SELECT rowid, id FROM records WHERE rowid > ? ORDER BY rowid "
                           "LIMIT ?", (last, BATCH)).fetchall()
        if not got:
            return
        last = int(got[-1][0])
        yield from (str(r[1]) for r in got)


def rebuild(conn: Connection, registry: Registry | None = None) -> int:
    """Empty the tables and fill them from every record (the migration, ``check
    --repair``, a change of rules). A batch of records at a time: flat memory."""
    registry = registry if registry is not None else registry_of(conn)
    conn.execute("DELETE FROM identities")
    conn.execute("DELETE FROM identity_forms")
    conn.execute("DELETE FROM identity_stale")
    done = 0
    batch: list[str] = []
    for rid in _all_ids(conn):
        batch.append(rid)
        if len(batch) >= BATCH:
            done += refresh(conn, registry, batch)
            batch = []
    done += refresh(conn, registry, batch)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('identity_rules', ?)",
                 (str(RULES),))
    return done


def migrate(conn: Connection) -> None:
    """The migration: create the tables and fill them for the records already there."""
    from vault.migrations import statements

    for statement in statements(TABLES):
        conn.execute(statement)
    rebuild(conn)


# -- reading, for an export ---------------------------------------------------------------


@dataclass
class Stored:
    """Every identity of the vault as an export needs it, read as the table is walked.

    Holds no list of every form: :meth:`entries` streams the table's rows (the forms'
    JSON parsed one row at a time), so the matcher and the gate's byte needles are built
    in one pass without the forms of 10,000 people in memory at once (issue 16)."""

    store: Any
    stale: set[str]
    """Records whose rows are not trusted (marked stale, or with no forms): in ``fresh``."""
    fresh: list[tuple[Owner, str, list[list[Any]], list[list[str]]]]
    """(owner, value as stored, forms, byte needles) computed afresh from those records."""

    def entries(self) -> Iterator[tuple[Owner, str, list[list[Any]], str | list[list[str]]]]:
        """(owner, value as stored, forms, byte needles) for every identity row; the
        needles of a stored row as their JSON text (parse with :func:`needles_of`: only
        the forbidden values' are ever needed)."""
        owners: dict[tuple[str, str, str, str, int], Owner] = {}
        stale = self.stale
        for rid, field, kind, level, person, value, data, needles in self.store.iterate(
                "SELECT i.record, i.field, i.kind, i.level, i.person, f.value, f.forms, "
                "f.needles FROM identities AS i JOIN identity_forms AS f ON f.id = i.form"):
            if rid in stale:
                continue
            key = (str(rid), str(kind), str(field), str(level), int(person))
            owner = owners.get(key)
            if owner is None:
                owner = owners[key] = Owner(key[0], key[1], key[2], Level(key[3]),
                                            bool(key[4]))
            yield owner, str(value), json.loads(data), str(needles)
        yield from self.fresh


def needles_of(needles: str | list[list[str]]) -> list[list[str]]:
    """The byte needles of an entry of :meth:`Stored.entries`, parsed if still JSON."""
    return json.loads(needles) if isinstance(needles, str) else needles


def load(store: Any, registry: Registry, *, everything: bool = False) -> Stored:
    """Every identity, from the table; records marked stale are computed afresh from the
    records themselves (never trusted from the table). Reads no other record, unless
    ``everything``: then every record is computed afresh (forms stored by other rules,
    in a vault that cannot be written to)."""
    stale = {str(r[0]) for r in store.query(
        "SELECT id FROM records" if everything else "SELECT record FROM identity_stale")}
    # A person or source with no row at all (a hand edit, a bug): computed afresh too. The
    # query walks the people only (an index on kind), never the whole vault.
    stale.update(str(r[0]) for r in store.query(
        "SELECT id FROM records AS r WHERE kind IN (SELECT value FROM json_each(?)) AND "
        "NOT EXISTS (SELECT 1 FROM identities AS i WHERE i.record = r.id)",
        (json.dumps(sorted(PERSON_KINDS)),)))
    # A row whose forms are gone: only a hand edit does this. Recompute that record from
    # itself rather than miss its identifiers.
    stale.update(str(r[0]) for r in store.query(
        "SELECT DISTINCT record FROM identities AS i WHERE NOT EXISTS "
        "(SELECT 1 FROM identity_forms AS f WHERE f.id = i.form)"))
    fresh: list[tuple[Owner, str, list[list[Any]], list[list[str]]]] = []
    ids = sorted(stale)
    for start in range(0, len(ids), BATCH):
        for row in store.query("SELECT id, kind, data, levels FROM records WHERE id IN "
                               "(SELECT value FROM json_each(?))",
                               (json.dumps(ids[start:start + BATCH]),)):
            record = record_from_row(row)
            for r in rows_of(record, registry):
                owner = Owner(record.id, r.kind, r.field, r.level, r.person)
                computed = compute_forms(r.value, r.shape)
                fresh.append((owner, r.value, computed, compute_needles(r.value, computed)))
    return Stored(store, stale, fresh)


def verify(store: Any, registry: Registry, records: Iterable[Record]) -> None:
    """IntegrityError (exit 4) when the stored rows of these records (the bundle's own)
    are not what the records hold now and no stale mark says so: the table was edited
    by hand or a bug skipped it. The export stops rather than trust it."""
    by_id = {r.id: r for r in records}
    if not by_id:
        return
    ids = json.dumps(sorted(by_id))
    stale = {str(r[0]) for r in store.query(
        "SELECT record FROM identity_stale WHERE record IN (SELECT value FROM json_each(?))",
        (ids,))}
    have: dict[str, set[tuple[str, str, str, str, int]]] = {rid: set() for rid in by_id}
    for rid, field, value, value_shape, level, person in store.query(
            "SELECT i.record, i.field, f.value, f.shape, i.level, i.person FROM identities i "
            "JOIN identity_forms f ON f.id = i.form "
            "WHERE i.record IN (SELECT value FROM json_each(?))", (ids,)):
        have[str(rid)].add((str(field), str(value), str(value_shape), str(level), int(person)))
    for rid, record in by_id.items():
        if rid in stale:
            continue  # computed afresh by load()
        want = {(r.field, r.value, r.shape, r.level.value, int(r.person))
                for r in _merged(rows_of(record, registry))}
        if want != have[rid]:
            raise IntegrityError(
                f"the protected identities stored for record {rid} are not what it holds "
                "(the database was edited or a write was interrupted); nothing was "
                "exported; run 'evault check --repair' and export again")


def rules_current(store: Any) -> bool:
    """The stored forms were computed by this version's rules."""
    return str(store.meta("identity_rules") or "") == str(RULES)


def identifiers(stored: Stored, clearance: Level, protected: Iterable[str] = ()
                ) -> Identifiers:
    """The identifiers of the vault split by what a bundle at ``clearance`` may carry,
    from the stored forms (what :func:`vault.export.redact.collect` computes from every
    record): a value above the clearance in ANY record is forbidden everywhere, and every
    identifier of a record in ``protected`` (decided to be the same person as a protected
    one) is forbidden too.

    One pass over the table builds both the matcher and the gate's byte needles of the
    forbidden values (:class:`~vault.export.needles.ByteNeedles`, finished here): the
    stored needles are parsed for forbidden values only and never kept as lists (nor
    the folds of the values, which only the gate's own encoding of values needed)."""
    from vault.export.gate import stored_needles

    same = set(protected)
    allowed: list[tuple[str, int, int, Owner]] = []
    forbidden_values: list[tuple[str, Owner]] = []
    stored_values: list[tuple[str, Owner]] = []
    bytes_of = stored_needles()

    def forbidden() -> Iterator[tuple[str, int, int, Owner]]:
        for owner, value, forms, needles in stored.entries():
            if owner.level > clearance or owner.record_id in same:
                stored_values.append((value, owner))
                first = forms[0]  # the value as stored comes first (compute_forms)
                fold = (first[1], first[2], first[3]) if first[0] == value else None
                bytes_of.add(value, owner, fold, needles_of(needles))
                for text, key, left, right in forms:
                    forbidden_values.append((text, owner))
                    yield key, left, right, owner
            else:
                allowed.extend((key, left, right, owner) for _t, key, left, right in forms)

    matcher: Matcher[Owner] = Matcher.keyed(forbidden())
    bytes_of.finish()
    return Identifiers(matcher,
                       LazyMatcher(e for e in allowed if e[0] not in matcher),
                       forbidden_values, stored_values,
                       stored_needles=bytes_of.needles, stored_bounded=bytes_of.bounded)


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Python's cyclic garbage collector off while hundreds of thousands of small objects
    are made that form no cycles (the forms, the matcher's tables): each full collection
    walks every live object, and they are triggered by allocations, so building the
    matcher for 10,000 people spent half its time there. Restored afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def current(store: Any, registry: Registry) -> Stored:
    """Every identity for an export: the stored forms, rebuilt first (in a transaction of
    its own, audited) if they were computed by other rules; in a vault that cannot be
    written to, computed afresh in memory instead."""
    if not rules_current(store):
        if store.read_only:
            return load(store, registry, everything=True)
        with store.transaction("updating the protected identities") as tx:
            count = rebuild(tx, registry)
            tx.audit("identities.rebuild", records=count, reason="rules")
    return load(store, registry)


# -- check and repair ---------------------------------------------------------------------


def problems(store: Any, registry: Registry) -> list[str]:
    """What is out of step between the records and the table (counts only, never a
    value): every record's rows recomputed and compared, a batch at a time."""
    if not rules_current(store):
        return ["protected identities: stored by other rules; 'evault check --repair' "
                "rebuilds them (an export rebuilds them first anyway)"]
    stale = int(store.query_one("SELECT count(*) FROM identity_stale")[0])
    wrong = 0
    last = 0
    while True:
        got = store.query("SELECT rowid, id, kind, data, levels FROM records WHERE rowid > ? "
                          "ORDER BY rowid LIMIT ?", (last, BATCH))
        if not got:
            break
        last = int(got[-1][0])
        ids = json.dumps([str(r[1]) for r in got])
        have: set[tuple[str, str, str, str, str, str, int]] = {
            (str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), int(r[6]))
            for r in store.query(
                "SELECT i.record, i.field, f.value, f.shape, i.kind, i.level, i.person "
                "FROM identities i JOIN identity_forms f ON f.id = i.form "
                "WHERE i.record IN (SELECT value FROM json_each(?))", (ids,))}
        want: set[tuple[str, str, str, str, str, str, int]] = set()
        for row in got:
            record = record_from_row(row[1:])
            want.update((record.id, r.field, r.value, r.shape, r.kind, r.level.value,
                         int(r.person)) for r in _merged(rows_of(record, registry)))
        wrong += len({h[0] for h in have ^ want})
    orphans = int(store.query_one(
        "SELECT count(*) FROM identities WHERE form NOT IN (SELECT id FROM identity_forms)"
    )[0])
    unused = int(store.query_one(
        "SELECT count(*) FROM identity_forms WHERE id NOT IN (SELECT form FROM identities)"
    )[0])
    bad_forms = _bad_forms(store)
    found = []
    if wrong or orphans or unused or bad_forms:
        found.append(f"protected identities: {wrong} record(s) out of step, {orphans} row(s) "
                     f"without forms, {unused} unused value(s), {bad_forms} value(s) with "
                     "wrong forms; 'evault check --repair' rebuilds the table")
    if stale:
        found.append(f"protected identities: {stale} record(s) written without updating "
                     "them (exports recompute those); 'evault check --repair' updates them")
    return found


def _merged(rows: list[Row]) -> list[Row]:
    """One row per (field, value, shape), at the highest level (as :func:`write`)."""
    best: dict[tuple[str, str, str], Row] = {}
    for row in rows:
        key = (row.field, row.value, row.shape)
        if key not in best or row.level > best[key].level:
            best[key] = row
    return list(best.values())


def _bad_forms(store: Any) -> int:
    bad = 0
    last = 0
    while True:
        got = store.query("SELECT id, value, shape, forms, needles FROM identity_forms "
                          "WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH))
        if not got:
            return bad
        last = int(got[-1][0])
        for _fid, value, value_shape, data, needles in got:
            try:
                stored = (json.loads(data), json.loads(needles))
            except ValueError:
                bad += 1
                continue
            forms = compute_forms(str(value), str(value_shape))
            if stored != (forms, compute_needles(str(value), forms)):
                bad += 1


def check(vault: Vault) -> list[str]:
    """``evault check``: the protected identities table against the records."""
    return problems(vault.store, vault.services.records.registry)


def repair(vault: Vault) -> list[str]:
    """``evault check --repair``: rebuild the table when :func:`check` found anything."""
    if not check(vault):
        return []
    with vault.store.transaction("rebuilding the protected identities") as tx:
        count = rebuild(tx, vault.services.records.registry)
        tx.audit("identities.rebuild", records=count, reason="repair")
    return [f"protected identities rebuilt from {count} record(s)"]
