"""Working days in mainland China (法定节假日 and 调休 included), from the ``chinesecalendar`` package.

The package knows the State Council's holiday arrangements up to the year of its release. For a day in a
year it does not know, we count Monday–Friday as working days and say so: :func:`add_working_days` returns
a note naming the years that were assumed, the note is stored with the 督办事项 and printed wherever its
整改期限 is shown. Nothing is ever silently treated as an ordinary week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache


@lru_cache(maxsize=1)
def known_years() -> tuple[int, int]:
    """First and last year whose holiday arrangement ``chinesecalendar`` carries."""
    from chinese_calendar.constants import holidays, workdays

    years = {d.year for d in holidays} | {d.year for d in workdays}
    return min(years), max(years)


def is_known(day: date) -> bool:
    """True when ``day``'s year is covered by the holiday calendar."""
    first, last = known_years()
    return first <= day.year <= last


def is_working_day(day: date) -> tuple[bool, bool]:
    """(is a working day, judged from the official calendar). Outside the known years: Mon–Fri, False."""
    if is_known(day):
        from chinese_calendar import is_workday

        return bool(is_workday(day)), True
    return day.weekday() < 5, False


@dataclass(frozen=True)
class WorkdayResult:
    """A computed day and, when some year had to be assumed, a Chinese note saying so."""

    day: date
    assumed_years: tuple[int, ...] = ()

    @property
    def note(self) -> str:
        if not self.assumed_years:
            return ""
        years = "、".join(f"{y}年" for y in self.assumed_years)
        return f"{years}节假日安排尚未收录（chinesecalendar 已知 {known_years()[0]}–{known_years()[1]} 年），按周一至周五推算"


def next_working_day(day: date) -> WorkdayResult:
    """``day`` itself when it is a working day, else the first working day after it."""
    assumed: set[int] = set()
    while True:
        ok, known = is_working_day(day)
        if not known:
            assumed.add(day.year)
        if ok:
            return WorkdayResult(day, tuple(sorted(assumed)))
        day += timedelta(days=1)


def add_working_days(start: date, n: int) -> WorkdayResult:
    """The ``n``-th working day after ``start`` (``start`` itself not counted; n ≥ 1)."""
    if n < 1:
        raise ValueError(n)
    assumed: set[int] = set()
    day, count = start, 0
    while count < n:
        day += timedelta(days=1)
        ok, known = is_working_day(day)
        if not known:
            assumed.add(day.year)
        count += ok
    return WorkdayResult(day, tuple(sorted(assumed)))
