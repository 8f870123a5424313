"""The error a record write raises for one bad field, and how names enter messages.

Messages name the record kind and the field, and say why: never the value (it may be a
source's phone number). A field *name* comes from the user's input too (a JSON key, a
spreadsheet header), so it is shown only when it looks like a name; anything else could
carry terminal escapes or content, and is described instead.
"""

from __future__ import annotations

import re

from vault.errors import InvalidInput, PolicyRefused

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")


def shown(name: object) -> str:
    """``name`` quoted if it is safe to print, else a description of it."""
    if isinstance(name, str) and _NAME.fullmatch(name):
        return f"'{name}'"
    return "(a name with unusual characters)"


class FieldError(InvalidInput):
    """One field of a record cannot be accepted. ``.field`` is its name and ``.reason``
    says why, in words that hold no value. Nothing was written."""

    def __init__(self, field: str, reason: str, kind: str | None = None,
                 row: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.kind = kind
        self.row = row
        where = f"{kind} field {shown(field)}" if kind else f"field {shown(field)}"
        if row is not None:
            where = f"row {row}: {where}"
        super().__init__(f"{where}: {reason}")

    def at_row(self, row: int) -> FieldError:
        """The same error, naming the row of an import it came from."""
        return FieldError(self.field, self.reason, self.kind, row)


class PinnedField(PolicyRefused):
    """A pinned field (a protected source's identity) would have been lowered below
    ``private``. Refused, whatever the path; the attempt is audited. Nothing was written."""

    def __init__(self, kind: str, field: str) -> None:
        self.kind = kind
        self.field = field
        super().__init__(f"{kind} field {shown(field)} identifies a protected source and is "
                         "pinned to private; it cannot be lowered")
