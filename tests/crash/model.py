"""What the vault holds, and what it must hold after a kill.

A :class:`Snapshot` is read through the facade before and after a run. The child's
protocol lines become :class:`Step` s; :func:`compare` holds the second snapshot to the
first plus every reported step, and allows the one step in flight at the kill to be
either wholly there or wholly absent — never partly.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vault.session import Vault

TOKEN = re.compile(r"marker (zq[0-9a-f]+k[0-9]+)")
#: Operations that write no audit entry (``bundle open`` does not touch the vault).
UNAUDITED = frozenset({"open"})


@dataclass
class Snapshot:
    """Records (kind, fields, levels), attachments (record, sha256, size), sealed bundle
    ids and the audit length of one vault."""

    records: dict[str, tuple[str, dict[str, Any], dict[str, str]]]
    attachments: dict[str, tuple[str, str, int]]
    sealed: set[str]
    audit: int

    @classmethod
    def take(cls, vault: Vault) -> Snapshot:
        """Read everything through the vault's services (unlocked ``vault``)."""
        records = {
            r.id: (r.kind, r.fields, {k: v.value for k, v in r.levels.items()})
            for r in vault.services.records.iter_records()}
        attachments = {str(row[0]): (str(row[1]), str(row[2]), int(row[3]))
                       for row in vault.store.query(
                           "SELECT id, record_id, sha256, size FROM attachments")}
        sealed = {str(row[0]) for row in vault.store.query(
            "SELECT bundle_id FROM bundles_sealed")}
        audit = int(vault.store.meta("audit_count") or 0)
        return cls(records, attachments, sealed, audit)

    def same_content(self, other: Snapshot) -> bool:
        """Records, attachments and bundles equal (the audit may differ)."""
        return (self.records, self.attachments, self.sealed) == (
            other.records, other.attachments, other.sealed)


@dataclass
class Step:
    """One operation the child began, and what it reported when done (None: it was
    killed before it reported)."""

    op: str
    begin: dict[str, Any]
    done: dict[str, Any] | None = None


@dataclass
class Transcript:
    """Everything the child said before it died."""

    ready: bool = False
    ready_at: float | None = None
    """When the child said READY (unix time)."""
    ended: bool = False
    steps: list[Step] = field(default_factory=list)

    @property
    def in_flight(self) -> Step | None:
        """The operation under way at the kill, if any."""
        if self.steps and self.steps[-1].done is None:
            return self.steps[-1]
        return None

    @property
    def state(self) -> str:
        """Where the kill landed: startup, an operation's name, idle or completed."""
        if self.ended:
            return "completed"
        if not self.ready:
            return "startup"
        step = self.in_flight
        return step.op if step is not None else "idle"


def parse(output: bytes) -> Transcript:
    """The protocol lines of ``output``; a last line cut by the kill does not count."""
    result = Transcript()
    text = output.decode("utf-8", "replace")
    complete = text[: text.rfind("\n") + 1]
    for line in complete.splitlines():
        word, _, rest = line.partition(" ")
        if word == "READY":
            result.ready = True
            result.ready_at = float(rest) if rest else None
        elif word == "END":
            result.ended = True
        elif word in ("BEGIN", "DONE"):
            op, _, payload = rest.partition(" ")
            info = json.loads(payload)
            if word == "BEGIN":
                result.steps.append(Step(op, info))
            else:
                if not result.steps or result.steps[-1].op != op:
                    raise ValueError(f"DONE {op} without its BEGIN")
                result.steps[-1].done = info
    return result


def _key(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False)


@dataclass
class Expectation:
    """The vault after every reported step (the in-flight one kept apart)."""

    records: dict[str, tuple[str, dict[str, Any]]]
    levels: dict[tuple[str, str], str]
    attachments: dict[str, tuple[str, str, int]]
    sealed: set[str]
    min_audit: int


def expect(before: Snapshot, steps: list[Step],
           rows: dict[str, list[dict[str, Any]]]) -> Expectation:
    """Apply the reported steps to ``before``. ``rows`` holds the canonical rows of every
    imported file, by path."""
    records = {rid: (kind, fields) for rid, (kind, fields, _lv) in before.records.items()}
    levels: dict[tuple[str, str], str] = {}
    attachments = dict(before.attachments)
    sealed = set(before.sealed)
    done = [s for s in steps if s.done is not None]
    for step in done:
        assert step.done is not None
        if step.op == "add":
            records[step.done["id"]] = (step.begin["kind"], step.begin["fields"])
        elif step.op == "edit":
            records[step.begin["id"]] = (records[step.begin["id"]][0], step.begin["fields"])
        elif step.op == "level":
            levels[(step.begin["id"], step.begin["field"])] = step.begin["level"]
        elif step.op == "import":
            for rid, data in zip(step.done["ids"], rows[step.begin["file"]], strict=True):
                records[rid] = ("person", data)
        elif step.op == "attach":
            attachments[step.done["id"]] = (step.begin["record"], step.begin["sha256"],
                                            step.begin["size"])
        elif step.op == "export":
            sealed.add(step.done["bundle_id"])
    audited = [s for s in done if s.op not in UNAUDITED]
    return Expectation(records, levels, attachments, sealed, before.audit + len(audited))


def compare(before: Snapshot, after: Snapshot, exp: Expectation, flight: Step | None,
            rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every way ``after`` differs from ``exp`` beyond the in-flight step being wholly
    applied or wholly absent."""
    problems: list[str] = []
    op = flight.op if flight is not None else None
    lost = sorted(set(exp.records) - set(after.records))
    if lost:
        problems.append(f"{len(lost)} reported record(s) missing, e.g. {lost[0]}")
    new = {rid: after.records[rid] for rid in set(after.records) - set(exp.records)}
    if new:
        found = Counter(_key(fields) for _kind, fields, _lv in new.values())
        if op == "add" and flight is not None:
            allowed = [Counter([_key(flight.begin["fields"])])]
        elif op == "import" and flight is not None:
            allowed = [Counter(_key(r) for r in rows[flight.begin["file"]])]
        else:
            allowed = []
        if found not in allowed:
            problems.append(f"{len(new)} record(s) appeared that are not the whole of the "
                            f"operation in flight ({op}): half-written or unknown")
    for rid, (kind, fields) in exp.records.items():
        if rid not in after.records:
            continue
        got_kind, got, _lv = after.records[rid]
        options = [fields]
        if op == "edit" and flight is not None and flight.begin["id"] == rid:
            options.append(flight.begin["fields"])
        if got_kind != kind or got not in options:
            problems.append(f"record {rid}: fields differ from what was written")
    problems += _levels(before, after, exp, flight)
    problems += _attachments(after, exp, flight)
    extra = after.sealed - exp.sealed
    if exp.sealed - after.sealed:
        problems.append("a reported export is not recorded in the vault")
    if extra and not (op == "export" and len(extra) == 1):
        problems.append(f"{len(extra)} sealed bundle(s) recorded that were never reported")
    if after.audit < exp.min_audit:
        problems.append(f"audit log has {after.audit} entries, fewer than the "
                        f"{exp.min_audit} the reported writes need")
    return problems


def _levels(before: Snapshot, after: Snapshot, exp: Expectation,
            flight: Step | None) -> list[str]:
    problems: list[str] = []
    moving = None
    if flight is not None and flight.op == "level":
        moving = (flight.begin["id"], flight.begin["field"])
    for rid, (_kind, _fields, old) in before.records.items():
        if rid not in after.records:
            continue
        new = after.records[rid][2]
        for name in set(old) & set(new):
            want = exp.levels.get((rid, name), old[name])
            allowed = {want, flight.begin["level"]} if moving == (rid, name) and \
                flight is not None else {want}
            if new[name] not in allowed:
                problems.append(f"record {rid}: level of {name} is {new[name]}, not "
                                f"{' or '.join(sorted(allowed))}")
    for (rid, name), level in exp.levels.items():
        got = after.records.get(rid, ("", {}, {}))[2].get(name)
        if got != level and (rid, name) != moving:
            problems.append(f"record {rid}: reported level change of {name} is not there")
    return problems


def _attachments(after: Snapshot, exp: Expectation, flight: Step | None) -> list[str]:
    problems: list[str] = []
    for aid, want in exp.attachments.items():
        if after.attachments.get(aid) != want:
            problems.append(f"attachment {aid}: missing or different from what was attached")
    new = [v for k, v in after.attachments.items() if k not in exp.attachments]
    if new:
        ok = (flight is not None and flight.op == "attach" and len(new) == 1
              and new[0] == (flight.begin["record"], flight.begin["sha256"],
                             flight.begin["size"]))
        if not ok:
            problems.append(f"{len(new)} attachment(s) appeared that were never attached")
    return problems


def touched(before: Snapshot, after: Snapshot) -> list[str]:
    """Records new or changed between the snapshots (their tokens must be searchable)."""
    return sorted(rid for rid, rec in after.records.items()
                  if before.records.get(rid, (None, None))[1] != rec[1])


def tokens(fields: dict[str, Any]) -> set[str]:
    """The workload's markers in a record's text fields."""
    found: set[str] = set()
    for value in fields.values():
        if isinstance(value, str):
            found.update(TOKEN.findall(value))
    return found
