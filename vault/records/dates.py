"""Dates with precision: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, and ``~`` in front when
the date is approximate (``~2019``, ``~2019-03``).

Testimonies rarely give exact days: "in the spring of 2019", "around the New Year". A
date therefore records only what is known, and says when even that is a guess. The
stored form is the text as written (it is already canonical once it parses); search and
sorting use :meth:`PartialDate.first_day` and :meth:`PartialDate.last_day`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

APPROXIMATE = "~"
_DATE = re.compile(r"(~?)([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")

Precision = Literal["year", "month", "day"]


class BadDate(ValueError):
    """The text is not a date in one of the accepted forms; the message says why and
    holds no part of the text."""


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day, possibly approximate."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    @property
    def precision(self) -> Precision:
        """How much of the date is known."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def first_day(self) -> dt.date:
        """The earliest day the date can mean."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        """The latest day the date can mean."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return dt.date(self.year, month, day)

    def iso(self) -> str:
        """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, without the approximate marker."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    def __str__(self) -> str:
        return (APPROXIMATE if self.approximate else "") + self.iso()


def parse_date(text: str) -> PartialDate:
    """Parse a date (BadDate, with a reason, when it is not one: ``2019-02-30`` is not)."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise BadDate("not a date; write YYYY, YYYY-MM or YYYY-MM-DD, with ~ in front if "
                      "approximate")
    mark, year_s, month_s, day_s = match.groups()
    year = int(year_s)
    if year == 0:
        raise BadDate("the year must be 0001 or later")
    month = int(month_s) if month_s else None
    day = int(day_s) if day_s else None
    if month is not None and not 1 <= month <= 12:
        raise BadDate("the month must be 01 to 12")
    if month is not None and day is not None:
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise BadDate("that day does not exist in that month")
    return PartialDate(year, month, day, bool(mark))
