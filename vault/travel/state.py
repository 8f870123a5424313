"""The trip in progress, as recorded in ``travel_trips``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol


class Reader(Protocol):
    """A store: something that answers queries."""

    def query_one(self, sql: str, params: Any = ()) -> Any: ...


@dataclass(frozen=True)
class Trip:
    """One trip: when it started, how far it got, what it sealed (counts only)."""

    trip_id: str
    started: str
    ended: str | None
    phase: str
    """``sealed`` (start interrupted after the records left), ``travelling``, ``ended``."""
    sealed_to: str
    """``recovery-key`` or ``recipient``."""
    recipient: str
    """The age public key the file is sealed to (public: reveals nothing of the data)."""
    counts: dict[str, Any]
    manifest_sha256: str
    pending_blobs: list[str]

    def to_json(self) -> dict[str, Any]:
        """The ``status --json`` shape of a trip."""
        return {"trip_id": self.trip_id, "started": self.started, "ended": self.ended,
                "phase": self.phase, "sealed_to": self.sealed_to, "recipient": self.recipient,
                "counts": self.counts}


_COLUMNS = ("trip_id, started, ended, phase, sealed_to, recipient, counts, manifest_sha256, "
            "pending_blobs")


def _trip(row: Any) -> Trip:
    return Trip(str(row[0]), str(row[1]), row[2], str(row[3]), str(row[4]), str(row[5]),
                json.loads(row[6]), str(row[7]), list(json.loads(row[8])))


def open_trip(store: Reader) -> Trip | None:
    """The trip not yet ended, if any (there is at most one)."""
    row = store.query_one(f"SELECT {_COLUMNS} FROM travel_trips WHERE phase != 'ended' "
                          "ORDER BY started DESC LIMIT 1")
    return None if row is None else _trip(row)


def trip(store: Reader, trip_id: str) -> Trip | None:
    """A trip by id, ended or not."""
    row = store.query_one(f"SELECT {_COLUMNS} FROM travel_trips WHERE trip_id = ?", (trip_id,))
    return None if row is None else _trip(row)
