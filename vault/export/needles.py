"""The leak gate's exact byte search: encodings of identifiers, in one automaton.

Kept apart from :mod:`vault.export.gate` so the protected identities
(:mod:`vault.export.protected`) can build it while they read the table, in the same
pass as the matcher, and hand it to the gate (issue 16): no list of every needle of
every protected person is held in between.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

#: What a byte needle is searched in (bit flags): opaque data (images, PDFs, the
#: container) and UTF-8 text files (their other encodings).
OPAQUE, TEXT = 1, 2


class ByteNeedles(Generic[T]):
    """Exact byte encodings of identifiers, searched regardless of ASCII case.

    Both the needles and the data are lowered with ``bytes.lower`` (ASCII letters only,
    the same way on both sides) and read as Latin-1 (one character per byte) by one
    Aho-Corasick automaton: linear in the data, whatever the number of needles.

    One automaton for both uses (:data:`OPAQUE`, :data:`TEXT`): most needles are
    searched in both, and at 10,000 protected people two automatons held 3.6 million trie
    nodes between them. Each needle is stored once with its number (no Python object per
    needle); which uses it has and its first owner for each are integers in arrays, and a
    hit of the other use is passed over, so each use finds exactly what an automaton of
    its own needles would (the first hit of that use, and the same owner)."""

    def __init__(self) -> None:
        import ahocorasick

        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._uses = array("B")
        self._first = {OPAQUE: array("I"), TEXT: array("I")}
        self._people: list[T] = []
        self._number: dict[T, int] = {}
        #: The longest needle of each use, in bytes: how far chunks of a scan overlap.
        self.longest = {OPAQUE: 0, TEXT: 0}

    def add(self, needles: Iterable[str], use: int, owner: T) -> None:
        """Needles already lowered and read as Latin-1 (:func:`byte_needles`), searched
        for ``use``, each with whose identifier it is (the first owner given is kept)."""
        who = self._number.get(owner)
        if who is None:
            who = self._number[owner] = len(self._people)
            self._people.append(owner)
        get, uses, first = self.automaton.get, self._uses, self._first[use]
        other = self._first[TEXT if use == OPAQUE else OPAQUE]
        for needle in needles:
            k = get(needle, -1)
            if k < 0:
                k = len(uses)
                self.automaton.add_word(needle, k)
                uses.append(use)
                first.append(who)
                other.append(0)
            elif not uses[k] & use:
                uses[k] |= use
                first[k] = who
            if len(needle) > self.longest[use]:
                self.longest[use] = len(needle)

    def finish(self) -> None:
        """Make the automaton searchable (after the last :meth:`add`)."""
        self._number = {}
        if len(self._uses):
            self.automaton.make_automaton()

    def search(self, data: bytes | bytearray, use: int) -> T | None:
        """The owner of the first needle of ``use`` found in ``data``, or None."""
        if not self.longest[use]:
            return None
        uses, first = self._uses, self._first[use]
        for piece in scan_chunks(data, self.longest[use]):
            for _, k in self.automaton.iter(piece.lower().decode("latin-1")):
                if uses[k] & use:
                    found: T = self._people[first[k]]
                    return found
        return None


class Use(Generic[T]):
    """The needles of one use (:data:`OPAQUE` or :data:`TEXT`) of one or more
    :class:`ByteNeedles` (the protected identities' and the detector findings'), searched
    in that order."""

    def __init__(self, needles: Iterable[ByteNeedles[T]], use: int) -> None:
        self._needles = [n for n in needles if n.longest[use]]
        self._use = use

    @property
    def longest(self) -> int:
        """The longest needle of this use, in bytes."""
        return max((n.longest[self._use] for n in self._needles), default=0)

    def search(self, data: bytes | bytearray) -> T | None:
        """The owner of the first needle of this use found in ``data``, or None."""
        for needles in self._needles:
            found = needles.search(data, self._use)
            if found is not None:
                return found
        return None


#: Bytes searched per call into the automaton (and per ``lower``/``decode`` copy). The
#: search holds the GIL while it runs in C; between chunks the interpreter can switch to
#: another thread, so the app's event loop, with the gate in a worker thread, waits at
#: most one chunk's search (about 1-2 ms here) instead of the whole container's (366 ms
#: for 62 MB). bench/gate_stall.py measures it.
SCAN_CHUNK = 256 * 1024


def scan_chunks(data: bytes | bytearray, longest: int, size: int | None = None,
                ) -> Iterator[bytes | bytearray]:
    """``data`` in pieces of about ``size`` bytes (default :data:`SCAN_CHUNK`), each
    starting ``longest - 1`` bytes before the previous one ended: a needle of up to
    ``longest`` bytes that straddles a boundary lies whole inside the later piece."""
    size = size or SCAN_CHUNK
    if len(data) <= size:
        yield data
        return
    overlap = max(0, longest - 1)
    view = memoryview(data)
    for start in range(0, len(data), size):
        yield bytes(view[max(0, start - overlap):start + size])


