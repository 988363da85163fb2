"""Judging each unit × target at an as-of date: statuses with stable codes, Chinese labels and reasons.

The package, one concern per module:

* :mod:`.settings` — :class:`Settings`, the judgement's parameters as one typed, frozen object;
* :mod:`.cube` — the one place that computes a metric from its fields (arrays, and :func:`metric_values`);
* :mod:`.targets` — the plan's targets as arrays (deadlines, recurring periods, assumed deadlines);
* :mod:`.judges` — what quantitative, recurring and milestone targets each need (glide path, trend, counts);
* :mod:`.rules` — the status precedence as ordered tables of small named rules;
* :mod:`.narrate` — the Chinese reason of every row, apart from judging;
* :mod:`.engine` — :func:`evaluate`, the ledger;
* :mod:`.compare` — counts by status, month over month;
* :mod:`.ranking` — the one ranking of units, used by the CLI and every report.

Statuses come from :mod:`taizhang.kernel.statuses`. The method is written down, with its sources, in
``docs/evaluation.md``.
"""

from ..kernel import statuses as _statuses
from ..kernel.statuses import STATUSES, Status
from .compare import CHANGES, change_summary, compare_months, month_over_month, previous_month, status_counts
from .cube import metric_values
from .engine import LEDGER_COLUMNS, as_of_month, evaluate
from .ranking import rank, rank_table, rank_units, ranked_units, ranking_metrics
from .settings import Settings

STATUS_BY_CODE = _statuses.BY_CODE
STATUS_LABELS = _statuses.LABELS
STATUS_RANK = _statuses.RANK

__all__ = ["CHANGES", "LEDGER_COLUMNS", "STATUSES", "STATUS_BY_CODE", "STATUS_LABELS", "STATUS_RANK", "Settings",
           "Status", "as_of_month", "change_summary", "compare_months", "evaluate", "metric_values",
           "month_over_month", "previous_month", "rank", "rank_table", "rank_units", "ranked_units",
           "ranking_metrics", "status_counts"]
