"""Months: the :class:`Month` value and vectorised month ordinals.

A month's *ordinal* is ``year × 12 + month − 1`` (so consecutive months differ by 1). Every part of the
package that reads, compares, shifts or ends a month uses this module; a month text that cannot be read
raises :class:`MonthError` with one Chinese wording (:data:`MONTH_ALLOWED`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

#: a month written YYYY-MM (month 01–12)
MONTH_RE = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
#: the one wording of what a month must look like
MONTH_ALLOWED = "YYYY-MM 格式的月份（2000–2099 年，月份 01–12），例如 2024-06"


class MonthError(ValueError):
    """A month that cannot be read: ``given`` is what was received, ``allowed`` what a month looks like.

    Callers turn it into their own located error (e.g. a parameter or a cell); the wording stays the same.
    """

    def __init__(self, given, allowed: str = MONTH_ALLOWED) -> None:
        self.given = given
        self.allowed = allowed
        super().__init__(f"无法识别的月份 {given!r}，应为 {allowed}")


def month_end(year: int, month: int) -> date:
    """The last day of ``year``-``month``."""
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, held as its ordinal; ``str(m)`` is ``YYYY-MM``.

    >>> m = Month.parse("2024-02")
    >>> str(m + 11), m.end, (Month.parse("2025-01") - m)
    ('2025-01', datetime.date(2024, 2, 29), 11)
    """

    ordinal: int

    @classmethod
    def parse(cls, value) -> "Month":
        """A month from ``YYYY-MM`` text, a :class:`Month`, a date / datetime / Timestamp or a pandas Period.

        Anything else (``2024-13``, ``2024/06``, ``None``) raises :class:`MonthError`.
        """
        if isinstance(value, Month):
            return value
        if isinstance(value, (date, datetime, pd.Timestamp, pd.Period)):
            return cls(value.year * 12 + value.month - 1)
        text = str(value).strip() if isinstance(value, str) else None
        if text is None or not MONTH_RE.match(text):
            raise MonthError(value)
        return cls(int(text[:4]) * 12 + int(text[5:7]) - 1)

    @classmethod
    def of(cls, year: int, month: int) -> "Month":
        return cls(year * 12 + month - 1)

    @property
    def year(self) -> int:
        return self.ordinal // 12

    @property
    def month(self) -> int:
        return self.ordinal % 12 + 1

    @property
    def start(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        """The last day of the month (a month as an as-of date means this day)."""
        return month_end(self.year, self.month)

    def __add__(self, months: int) -> "Month":
        return Month(self.ordinal + int(months))

    def __sub__(self, other):
        """``month − n`` is a month; ``month − month`` the number of months between them."""
        if isinstance(other, Month):
            return self.ordinal - other.ordinal
        return Month(self.ordinal - int(other))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def chinese(self) -> str:
        """The month as Chinese prose writes it: ``2025年12月`` (no leading zero, no spaces).

        >>> Month.parse("2025-03").chinese
        '2025年3月'
        """
        return f"{self.year}年{self.month}月"


def label(ordinal: int) -> str:
    """The ``YYYY-MM`` text of a month ordinal."""
    return f"{ordinal // 12:04d}-{ordinal % 12 + 1:02d}"


def end_day(ordinal: int) -> int:
    """The last day of the month ``ordinal`` as a proleptic day number (``date.toordinal``)."""
    return Month(ordinal).end.toordinal()


def ordinals(labels) -> np.ndarray:
    """Month ordinals of an array of labels (YYYY-MM texts, Periods, dates); −1 where unreadable.

    Each distinct label is read once (a column of months repeats a few labels many times).
    """
    labels = np.asarray(labels, dtype=object)
    codes, uniques = pd.factorize(labels, sort=False)
    out = np.full(len(uniques) + 1, -1, dtype=np.int64)
    for i, c in enumerate(uniques):
        try:
            out[i] = Month.parse(c).ordinal
        except MonthError:
            pass
    return out[codes]
