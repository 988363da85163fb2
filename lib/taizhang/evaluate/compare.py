"""Comparing ledgers: counts by status, month over month, and the changes per unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kernel import statuses
from ..kernel.months import label as month_label
from ..returns import ReturnSet
from ..targets import Registry
from .engine import as_of_month, evaluate


def status_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """Counts by status (applicable rows only), in display order: columns ``status, status_label, count``."""
    counts = ledger.loc[ledger["status"] != "not_applicable", "status"].value_counts()
    rows = [(s.code, s.label, int(counts.get(s.code, 0))) for s in statuses.STATUSES
            if s.code != "not_applicable" and counts.get(s.code, 0)]
    return pd.DataFrame(rows, columns=["status", "status_label", "count"])


CHANGES = {
    "data_missing": "数据缺失",
    "newly_met": "新达标",
    "newly_overdue": "新增逾期",
    "newly_regressed": "新回落",
    "improved": "好转",
    "worsened": "变差",
    "unchanged": "无变化",
    "new": "新纳入",
    "data_restored": "恢复数据",
}
_MISSING = statuses.MISSING
_MET = statuses.MET
_OVERDUE = statuses.OVERDUE
STATUS_RANK = statuses.RANK


def previous_month(as_of) -> str:
    """The YYYY-MM month before ``as_of``."""
    o, _ = as_of_month(as_of)
    return month_label(o - 1)


def month_over_month(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """What changed per unit × target between two ledgers of the same plan (``previous`` one month earlier).

    Columns: ``unit, unit_name, target_id, title, kind, status_before, status, change, change_label,
    value_before, value, gap_change``. ``change`` is, in this order of precedence: ``new`` for rows absent
    from ``previous``; ``data_missing`` (数据缺失: now in :data:`~taizhang.kernel.statuses.MISSING` — 无数据,
    数据过期, 未报送 — and not the same status before: a move to missing data is never 好转); ``newly_met``
    (met now, not before), ``newly_overdue``, ``newly_regressed``; ``data_restored`` (missing before, data
    now, none of the above: no order of merit between "no data" and a judged status); ``improved`` /
    ``worsened`` (rank in the order of merit of :data:`taizhang.kernel.statuses.STATUSES` moved);
    ``unchanged``. Not-applicable rows are left out.
    """
    cur = current[current["status"] != "not_applicable"]
    keys = ["unit", "target_id"]
    prev = previous[keys + ["status", "value", "gap"]].rename(
        columns={"status": "status_before", "value": "value_before", "gap": "gap_before"})
    m = cur[keys + ["unit_name", "title", "kind", "status", "value", "gap"]].merge(prev, on=keys, how="left")
    now, before = m["status"].to_numpy(dtype=object), m["status_before"].to_numpy(dtype=object)
    r_now = np.array([STATUS_RANK.get(s, 99) for s in now])
    r_before = np.array([STATUS_RANK.get(s, 99) if isinstance(s, str) else 99 for s in before])
    absent = pd.isna(m["status_before"]).to_numpy()
    now_missing, before_missing = np.isin(now, list(_MISSING)), np.isin(before, list(_MISSING))
    change = np.select(
        [absent, now_missing & (now != before),
         np.isin(now, list(_MET)) & ~np.isin(before, list(_MET)),
         np.isin(now, list(_OVERDUE)) & ~np.isin(before, list(_OVERDUE)),
         (now == "regressed") & (before != "regressed"), before_missing & ~now_missing,
         r_now > r_before, r_now < r_before],
        ["new", "data_missing", "newly_met", "newly_overdue", "newly_regressed", "data_restored", "improved",
         "worsened"],
        default="unchanged",
    )
    m["change"] = change
    m["change_label"] = m["change"].map(CHANGES)
    m["gap_change"] = m["gap"] - m["gap_before"]
    return m[["unit", "unit_name", "target_id", "title", "kind", "status_before", "status", "change",
              "change_label", "value_before", "value", "gap_change"]].reset_index(drop=True)


def change_summary(changes: pd.DataFrame) -> pd.DataFrame:
    """Counts of each change per unit: one row per unit, one column per change code (unchanged left out)."""
    codes = [c for c in CHANGES if c != "unchanged"]
    table = pd.crosstab(changes["unit_name"], changes["change"]).reindex(columns=codes, fill_value=0)
    order = list(dict.fromkeys(changes["unit_name"]))
    return table.reindex(order).fillna(0).astype(int)


def compare_months(registry: Registry, plan_id: str, returns: ReturnSet, as_of, **options) -> pd.DataFrame:
    """:func:`month_over_month` of the ledger at ``as_of`` against the ledger one month earlier."""
    return month_over_month(evaluate(registry, plan_id, returns, as_of, **options),
                            evaluate(registry, plan_id, returns, previous_month(as_of), **options))
