"""Working days in mainland China (法定节假日 and 调休 included), from the ``chinesecalendar`` package.

The one owner of the holiday calendar: supervision counts 整改期限 in working days with it, the judging
engine counts the working days (每日) and weeks (每周) a month requires. The package knows the State
Council's holiday arrangements up to the year of its release. For a day in a year it does not know, we count
Monday–Friday as working days and say so: :func:`add_working_days` returns a note naming the years that were
assumed (stored with the 督办事项 and printed wherever its 整改期限 is shown), :func:`month_days` says whether
a month's count was assumed. Nothing is ever silently treated as an ordinary week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from .months import Month


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
        return assumed_note(self.assumed_years)


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


def assumed_note(years) -> str:
    """The Chinese note for days counted Monday–Friday because their years are not in the calendar ("" if none)."""
    years = tuple(sorted(set(years)))
    if not years:
        return ""
    first, last = known_years()
    return (f"{'、'.join(f'{y}年' for y in years)}节假日安排尚未收录（chinesecalendar 已知 {first}–{last} 年），"
            "按周一至周五推算")


@dataclass(frozen=True)
class MonthDays:
    """What a month holds for a 每日 or 每周 duty: its working days, its weeks, and whether its year had to be
    assumed (Monday–Friday)."""

    month: Month
    working_days: int
    weeks: int
    known: bool

    @property
    def note(self) -> str:
        return "" if self.known else assumed_note([self.month.year])


@lru_cache(maxsize=None)
def month_days(month) -> MonthDays:
    """The working days and the weeks of ``month`` (a :class:`Month`, ordinal or ``YYYY-MM``).

    Working days: the days :func:`is_working_day` calls working days (法定节假日 off, 调休 weekends on).
    Weeks: the Monday–Sunday weeks whose Thursday falls in the month — ISO 8601's rule for weeks and years
    applied to months, so every week belongs to exactly one month (4 or 5 a month, 52 or 53 a year) — less
    any such week without a single working day (a week entirely within a holiday).
    """
    m = month if isinstance(month, Month) else Month(month) if isinstance(month, int) else Month.parse(month)
    first, last = m.start, m.end
    workdays, known = 0, True
    for k in range((last - first).days + 1):
        ok, k_known = is_working_day(first + timedelta(days=k))
        workdays += ok
        known &= k_known
    weeks = 0
    day = first + timedelta(days=(3 - first.weekday()) % 7)  # the month's first Thursday
    while day <= last:
        monday = day - timedelta(days=3)
        weeks += any(is_working_day(monday + timedelta(days=k))[0] for k in range(7))
        day += timedelta(days=7)
    return MonthDays(m, workdays, weeks, known)
