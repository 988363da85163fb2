"""The domain kernel: months, statuses and value formatting — one owner for each, used by every module.

* :mod:`.months` — :class:`~.months.Month` (a YYYY-MM month: parsing with one Chinese error wording, its
  end date, arithmetic) and vectorised month ordinals for arrays of labels.
* :mod:`.statuses` — the one status table: code, Chinese label, rank (order of merit, worst first), colour,
  ink, symbol and the met / overdue groupings. Tiles, heat map, Excel, task lists, change list and CLI read it.
* :mod:`.formatting` — the one value formatter (units, decimals, percentage points); a value that misses its
  threshold is never printed as reaching it.
* :mod:`.workdays` — the Chinese holiday calendar (``chinesecalendar``: 法定节假日 and 调休): working days,
  a month's working days and weeks (每日 / 每周 duties), 整改期限 in working days.

The kernel imports nothing of ours (a test checks this), so any module may import it.
"""

from .formatting import format_change, format_gap, format_number, format_value, format_values
from .months import Month, MonthError, month_end, ordinals
from .statuses import STATUSES, Status, status

__all__ = ["Month", "MonthError", "STATUSES", "Status", "format_change", "format_gap", "format_number",
           "format_value", "format_values", "month_end", "ordinals", "status"]
