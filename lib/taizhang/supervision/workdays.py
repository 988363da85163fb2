"""Working days with 调休 for supervision's 整改期限 — the calendar lives in :mod:`taizhang.kernel.workdays`
(the one owner of the holiday calendar; the judging engine counts a month's working days with it too)."""

from ..kernel.workdays import (WorkdayResult, add_working_days, is_known, is_working_day, known_years,
                               next_working_day)

__all__ = ["WorkdayResult", "add_working_days", "is_known", "is_working_day", "known_years", "next_working_day"]
