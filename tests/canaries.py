"""Canary values for the at-rest and secrets suites.

Each canary is unique to one field of one record (or one file), ASCII in one form and
CJK in another, so a hit names exactly what leaked; :func:`forms` gives every encoding
the suites search for (UTF-8, UTF-16 LE/BE, GB18030).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from vault.records import vocab
from vault.records.registry import BUILTIN
from vault.records.spec import FieldKind, RecordType

_CJK = "零一二三四五六七八九甲乙丙丁戊己"
#: The order records are made in, so references can point at earlier ones.
ORDER = ("person", "source", "testimony", "detention", "act", "involvement", "case",
         "intervention")


class Canaries:
    """A fresh set of canaries for one run."""

    def __init__(self) -> None:
        self.run = secrets.token_hex(3)
        self.issued: dict[str, str] = {}

    def new(self, where: str) -> str:
        """A canary for ``where`` (e.g. ``person.name``): ASCII token plus CJK token."""
        token = f"{self.run}{len(self.issued):03x}"
        value = f"QZX{token}X " + "".join(_CJK[int(c, 16)] for c in token) + "证"
        self.issued[where] = value
        return value

    def tokens(self) -> dict[str, list[str]]:
        """Searchable parts of each canary: the ASCII token and the CJK token."""
        return {where: [value.split(" ")[0], value.split(" ")[1]]
                for where, value in self.issued.items()}


def forms(text: str) -> list[bytes]:
    """Every encoding of ``text`` the suites look for."""
    found = []
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "gb18030"):
        try:
            found.append(text.encode(encoding))
        except UnicodeEncodeError:
            continue
    return found


def record_with_canaries(rtype: RecordType, canaries: Canaries,
                         ids: dict[str, str]) -> dict[str, Any]:
    """A record of ``rtype`` with a canary in every text-bearing field and a valid value
    in every other field (references point at records made earlier)."""
    data: dict[str, Any] = {}
    for spec in rtype.fields.values():
        where = f"{rtype.name}.{spec.name}"
        value: Any
        if spec.is_text:
            value = canaries.new(where)
        elif spec.kind is FieldKind.POSITIONS:
            value = [{"organisation": canaries.new(where + ".organisation"),
                      "unit": canaries.new(where + ".unit"),
                      "rank": canaries.new(where + ".rank"), "from": "2019", "to": "2020-06"}]
        elif spec.kind is FieldKind.ENUM and spec.vocabulary:
            value = vocab.codes(spec.vocabulary)[0]
        elif spec.kind is FieldKind.DATE:
            value = "2020-01-02"
        elif spec.kind is FieldKind.BOOL:
            value = True
        elif spec.kind is FieldKind.INTEGER:
            value = 3
        elif spec.kind is FieldKind.REFERENCE:
            targets = [ids[k] for k in (spec.ref_kinds or tuple(ids)) if k in ids]
            if not targets:
                continue
            value = targets[0]
        else:
            continue
        data[spec.name] = [value] if spec.multi and not isinstance(value, list) else value
    return data


def all_records(canaries: Canaries) -> Iterable[tuple[str, RecordType]]:
    """Every built-in type, in :data:`ORDER`."""
    for kind in ORDER:
        yield kind, BUILTIN.type(kind)
