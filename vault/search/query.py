"""What a person types in the search box, turned into a safe FTS5 expression.

The syntax is small on purpose: words (all must match), ``"a phrase"``, ``prefix*``, and
``OR`` between alternatives. Every term reaches FTS5 as a double-quoted string built from
folded tokens that cannot contain a quote, so no input — stray quotes, ``NEAR(``, ``*``,
control characters — can be read as FTS5 syntax or make SQLite raise: it is either
searched for as text or refused with :class:`~vault.errors.InvalidInput`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vault.errors import InvalidInput
from vault.search.fold import DENSE_CLASS, is_dense, is_single_dense, piece_tokens, pieces
from vault.search.romanise import strip_tone_numbers

MAX_QUERY_CHARS = 1000
MAX_TERMS = 32

# A quoted phrase (an unclosed quote runs to the end), or a run of anything else.
_RAW_TERM = re.compile(r'"([^"]*)(?:"|$)(\*?)|([^\s"]+)')
# Between words in folded text: start, end, a space or a dense-script character.
_NOT_WORD_BEFORE = f"(?<![^\\s{DENSE_CLASS}])"
_NOT_WORD_AFTER = f"(?![^\\s{DENSE_CLASS}])"
_REST_OF_WORD = f"[^\\s{DENSE_CLASS}]*"


@dataclass(frozen=True)
class Term:
    """One thing to find: its folded pieces in order, and whether the last is a prefix."""

    pieces: tuple[str, ...]
    prefix: bool

    def fts(self) -> str:
        """This term as an FTS5 phrase (tokens hold no quote: see ``fold``)."""
        tokens = [token for piece in self.pieces for token in piece_tokens(piece)]
        # A lone dense character at the end is the first character of a bigram (or the
        # last one of its run) in the index: a prefix query finds it (see fold.index_body).
        prefix = self.prefix or is_single_dense(self.pieces[-1])
        return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")

    def pattern(self) -> str:
        """A regular expression finding this term in folded text (for snippets)."""
        parts: list[str] = []
        last = len(self.pieces) - 1
        for i, piece in enumerate(self.pieces):
            if is_dense(piece[0]):
                parts.append(re.escape(piece))
            elif self.prefix and i == last:
                parts.append(_NOT_WORD_BEFORE + re.escape(piece) + _REST_OF_WORD)
            else:
                parts.append(_NOT_WORD_BEFORE + re.escape(piece) + _NOT_WORD_AFTER)
        return r"\s*".join(parts)


@dataclass(frozen=True)
class Query:
    """Alternatives (OR) of groups of terms that must all match (AND)."""

    alternatives: tuple[tuple[Term, ...], ...]

    def fts(self, columns: tuple[str, ...] | None = None) -> str:
        """The FTS5 MATCH expression, limited to ``columns`` when given."""
        groups = ["(" + " AND ".join(t.fts() for t in group) + ")"
                  for group in self.alternatives]
        expression = " OR ".join(groups)
        if columns is None:
            return expression
        return "{" + " ".join(columns) + "} : (" + expression + ")"

    def terms(self) -> list[Term]:
        """Every term, for highlighting."""
        return [term for group in self.alternatives for term in group]


def parse(text: str) -> Query:
    """Parse a search as typed; :class:`InvalidInput` when nothing searchable is left."""
    if not isinstance(text, str):
        raise InvalidInput("the search query must be text")
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the search query is longer than {MAX_QUERY_CHARS} characters")
    raw: list[tuple[str, bool, bool]] = []  # (text, prefix, quoted)
    for match in _RAW_TERM.finditer(text):
        phrase, star, word = match.groups()
        if word is not None:
            stripped = word.rstrip("*")
            raw.append((stripped, stripped != word, False))
        else:
            raw.append((phrase, bool(star), True))
    alternatives: list[tuple[Term, ...]] = []
    group: list[Term] = []
    count = 0
    for i, (value, prefix, quoted) in enumerate(raw):
        between = 0 < i < len(raw) - 1
        if not quoted and not prefix and value in ("OR", "AND") and between:
            if value == "OR" and group:
                alternatives.append(tuple(group))
                group = []
            continue
        found = tuple(p if is_dense(p[0]) else strip_tone_numbers(p) for p in pieces(value))
        if not found:
            continue  # only punctuation or symbols: nothing to look for
        group.append(Term(found, prefix))
        count += 1
    if group:
        alternatives.append(tuple(group))
    if not alternatives:
        raise InvalidInput("the search has no letters or digits to look for")
    if count > MAX_TERMS:
        raise InvalidInput(f"the search has more than {MAX_TERMS} terms; shorten it")
    return Query(tuple(alternatives))
