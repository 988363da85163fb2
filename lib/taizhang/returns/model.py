"""What reading a return produces: an accepted :class:`MonthlyReturn`, or a :class:`Rejection` record
(raised inside :class:`ReturnRejected`), and the :class:`ReturnSet` of a folder or store."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import pandas as pd

from ..errors import Problem, ReturnError


@dataclass(frozen=True)
class Rejection:
    """A file that was not accepted: who and when it claims to be, and every problem found (a record, not an
    exception: it is stored, listed in reports and written to the 退回修改清单)."""

    file: str
    title: str
    problems: tuple[Problem, ...]
    plan: str | None = None
    unit: str | None = None
    period: str | None = None
    sha256: str = ""

    def __str__(self) -> str:
        return "\n".join([self.title] + [f"  - {p}" for p in self.problems])


class ReturnRejected(ReturnError):
    """Raised when a return cannot be accepted; ``record`` is the :class:`Rejection` (also reachable as the
    attributes ``file``, ``plan``, ``unit``, ``period``, ``sha256``)."""

    def __init__(self, title: str, problems: list[Problem], *, file: str = "", plan: str | None = None,
                 unit: str | None = None, period: str | None = None, sha256: str = "") -> None:
        super().__init__(title, problems)
        self.record = Rejection(file, title, tuple(problems), plan, unit, period, sha256)

    def __getattr__(self, name):  # file, plan, unit, period, sha256 read from the record
        if name in ("file", "plan", "unit", "period", "sha256"):
            return getattr(self.__dict__["record"], name)
        raise AttributeError(name)

    def identify(self, **changes) -> None:
        """Replace parts of who and when the rejected file is (plan, unit, period, sha256)."""
        self.record = replace(self.record, **changes)


@dataclass(frozen=True)
class MonthlyReturn:
    """One accepted return: who, which month, the field values and the task completions."""

    file: Path
    sha256: str
    unit: str  # unit id
    period: str
    values: dict[str, float]
    tasks: tuple[tuple[str, date | None, str], ...] = ()
    plan: str = ""
    filed: date | None = None  # 填报日期, when given


@dataclass
class ReturnSet:
    """Every return read from a folder: accepted data as tidy frames, rejected files with their problems."""

    observations: pd.DataFrame  # unit, period, field, value
    tasks: pd.DataFrame  # unit, period, target_id, done_date, evidence
    files: pd.DataFrame  # file, sha256, unit, period
    rejected: list[Rejection] = field(default_factory=list)
