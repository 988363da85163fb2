"""Judging each unit × target at an as-of date: statuses with stable codes, Chinese labels and reasons.

``metric_values`` turns raw return fields into metric values per unit and month (rates are computed from
numerator and denominator, never typed). ``evaluate`` joins them with the registry and assigns a status.
The rules are documented in ``docs/evaluation.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .returns import ReturnSet, period_end
from .targets import OP_LABELS, Registry, reporting_levels

EPS = 1e-9


@dataclass(frozen=True)
class Status:
    """A status: stable English code, Chinese label, and rank (lower is worse) for sorting."""

    code: str
    label: str
    rank: int


STATUSES: tuple[Status, ...] = (
    Status("overdue", "逾期未达标", 0),
    Status("task_overdue", "逾期未完成", 1),
    Status("not_due", "未到期", 3),
    Status("no_deadline", "期限未明确", 4),
    Status("task_pending", "未到期", 5),
    Status("no_data", "无数据", 2),
    Status("done_late", "逾期完成", 6),
    Status("met", "已达标", 7),
    Status("done", "已完成", 8),
    Status("not_applicable", "不适用", 9),
)
STATUS_BY_CODE = {s.code: s for s in STATUSES}
STATUS_LABELS = {s.code: s.label for s in STATUSES}

LEDGER_COLUMNS = [
    "unit", "unit_name", "unit_level", "target_id", "title", "kind", "metric", "metric_name", "section",
    "op", "threshold", "upper", "target_unit", "threshold_label", "value", "value_period", "gap",
    "deadline", "deadline_text", "days_to_deadline", "status", "status_label", "reason", "quote", "lead",
]


def metric_values(registry: Registry, plan_id: str, observations: pd.DataFrame) -> pd.DataFrame:
    """Metric values per unit and month: columns ``unit, period, metric, value``.

    A rate is numerator / denominator × 100 (no value when the denominator is 0); a count or yes-no metric
    is its field's value. Only metrics used by the plan's quantitative and recurring targets are computed.
    """
    cols = ["unit", "period", "metric", "value"]
    if observations.empty:
        return pd.DataFrame(columns=cols)
    wide = observations.pivot_table(index=["unit", "period"], columns="field", values="value", aggfunc="last")
    used = sorted({t.metric for t in registry.plan(plan_id).targets if t.kind != "milestone"})
    frames = []
    for key in used:
        m = registry.metrics[key]
        if m.type == "rate":
            if m.numerator not in wide or m.denominator not in wide:
                continue
            den = wide[m.denominator]
            val = (wide[m.numerator] / den.where(den > 0)) * 100.0
        else:
            if m.field not in wide:
                continue
            val = wide[m.field]
        frames.append(val.rename("value").reset_index().assign(metric=key))
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True).dropna(subset=["value"])
    return out[cols].sort_values(["unit", "metric", "period"], ignore_index=True)


def _as_of_date(as_of) -> tuple[str, date]:
    if isinstance(as_of, date):
        return f"{as_of.year:04d}-{as_of.month:02d}", as_of
    return str(as_of), period_end(str(as_of))


def _period_bounds(recurrence: str, as_of: date) -> tuple[str, str, date]:
    """First and last month (YYYY-MM) of the recurrence period holding ``as_of``, and its last day."""
    p = pd.Period(as_of, freq="M")
    if recurrence in ("month", "week", "day"):
        start, end = p, p
    elif recurrence == "quarter":
        q = pd.Period(as_of, freq="Q")
        start, end = q.asfreq("M", "start"), q.asfreq("M", "end")
    elif recurrence == "half_year":
        first = 1 if as_of.month <= 6 else 7
        start = pd.Period(year=as_of.year, month=first, freq="M")
        end = start + 5
    else:  # year
        start = pd.Period(year=as_of.year, month=1, freq="M")
        end = pd.Period(year=as_of.year, month=12, freq="M")
    return str(start), str(end), end.end_time.date()


def _meets(value: np.ndarray, op: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    ge = (op == ">=") & (value >= threshold - EPS)
    le = (op == "<=") & (value <= threshold + EPS)
    eq = (op == "==") & (np.abs(value - threshold) <= EPS)
    return ge | le | eq


def evaluate(registry: Registry, plan_id: str, returns: ReturnSet, as_of) -> pd.DataFrame:
    """The ledger: one row per unit × target of ``plan_id`` at ``as_of`` (a YYYY-MM month or a date).

    Statuses: ``met`` 已达标, ``overdue`` 逾期未达标, ``not_due`` 未到期, ``no_deadline`` 期限未明确,
    ``no_data`` 无数据, ``not_applicable`` 不适用; milestones ``done`` 已完成, ``done_late`` 逾期完成,
    ``task_overdue`` 逾期未完成, ``task_pending`` 未到期. Only data of months up to ``as_of`` is seen.
    A deadline day itself is still in time; the day after is overdue. ``gap`` is the margin to the target in
    the target's unit (value − threshold for ≥, threshold − value for ≤): ≥ 0 means met.
    """
    as_of_period, as_of_date = _as_of_date(as_of)
    plan = registry.plan(plan_id)
    units = registry.unit_list(plan_id)
    levels_present = {u.level for u in units}
    values = metric_values(registry, plan_id, returns.observations)
    values = values[values["period"] <= as_of_period]
    latest = values.groupby(["unit", "metric"], sort=False).tail(1).set_index(["unit", "metric"])
    reported_units = set(returns.observations.loc[returns.observations["period"] <= as_of_period, "unit"])

    rows = []
    for t in plan.targets:
        reporters = reporting_levels(t.levels, levels_present)
        for u in units:
            rows.append((u.id, u.name, u.level, t, u.level in reporters))
    df = pd.DataFrame({
        "unit": [r[0] for r in rows], "unit_name": [r[1] for r in rows], "unit_level": [r[2] for r in rows],
        "target_id": [r[3].id for r in rows], "title": [r[3].title for r in rows], "kind": [r[3].kind for r in rows],
        "metric": [r[3].metric for r in rows],
        "metric_name": [registry.metrics[r[3].metric].name for r in rows],
        "section": [r[3].section for r in rows], "op": [r[3].op or "" for r in rows],
        "threshold": [r[3].value for r in rows], "upper": [r[3].upper for r in rows],
        "target_unit": [r[3].unit or "" for r in rows], "threshold_label": [r[3].threshold_label for r in rows],
        "deadline": [r[3].deadline for r in rows], "deadline_text": [r[3].deadline_text or "期限未明确" for r in rows],
        "quote": [r[3].quote for r in rows], "lead": ["，".join(r[3].lead) for r in rows],
        "recurrence": [r[3].recurrence for r in rows], "applicable": [r[4] for r in rows],
    })
    if df.empty:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    df["threshold"] = df["threshold"].astype(float)
    df["upper"] = df["upper"].astype(float)
    deadline_ts = pd.to_datetime(df["deadline"])
    df["days_to_deadline"] = (deadline_ts - pd.Timestamp(as_of_date)).dt.days.astype("Int64")

    # latest value per unit × metric (quantitative) or the sum over the current period (recurring)
    key = pd.MultiIndex.from_arrays([df["unit"], df["metric"]])
    df["value"] = latest["value"].reindex(key).to_numpy()
    df["value_period"] = latest["period"].reindex(key).to_numpy()
    rec = df["kind"].eq("recurring")
    if rec.any():
        for idx in df.index[rec]:
            start, end, last_day = _period_bounds(df.at[idx, "recurrence"], as_of_date)
            sel = values[(values["unit"] == df.at[idx, "unit"]) & (values["metric"] == df.at[idx, "metric"])
                         & (values["period"] >= start) & (values["period"] <= end)]
            df.at[idx, "value"] = sel["value"].sum() if len(sel) else np.nan
            df.at[idx, "value_period"] = f"{start}–{as_of_period}" if len(sel) else None
            df.at[idx, "deadline"] = last_day
            df.at[idx, "days_to_deadline"] = (last_day - as_of_date).days
            df.at[idx, "deadline_text"] = f"本期（{start}至{end}）"

    value = df["value"].to_numpy(dtype=float)
    threshold = df["threshold"].to_numpy(dtype=float)
    op = df["op"].to_numpy(dtype=object)
    sign = np.where(op == "<=", -1.0, 1.0)
    df["gap"] = np.where(np.isnan(value) | np.isnan(threshold), np.nan, sign * (value - threshold))
    met = _meets(value, op, threshold) & ~np.isnan(value)
    has_deadline = df["deadline"].notna().to_numpy()
    past = has_deadline & (df["days_to_deadline"].fillna(0).to_numpy() < 0)
    no_value = np.isnan(value)

    status = np.select(
        [~df["applicable"].to_numpy(), no_value, met, ~has_deadline, past],
        ["not_applicable", "no_data", "met", "no_deadline", "overdue"],
        default="not_due",
    ).astype(object)

    # milestones: completion dates reported on the 任务完成情况 sheet up to the as-of date
    ms = df["kind"].eq("milestone").to_numpy()
    if ms.any():
        tasks = returns.tasks
        tasks = tasks[(tasks["period"] <= as_of_period) & tasks["done_date"].notna()]
        done = tasks.groupby(["unit", "target_id"])["done_date"].min()
        tkey = pd.MultiIndex.from_arrays([df["unit"], df["target_id"]])
        done_date = pd.to_datetime(done.reindex(tkey).to_numpy())
        df["done_date"] = done_date
        is_done = ~pd.isna(done_date)
        late = is_done & has_deadline & (done_date > deadline_ts.to_numpy())
        reported = df["unit"].isin(reported_units).to_numpy()
        ms_status = np.select(
            [~df["applicable"].to_numpy(), late, is_done, ~reported, ~has_deadline, past],
            ["not_applicable", "done_late", "done", "no_data", "no_deadline", "task_overdue"],
            default="task_pending",
        )
        status = np.where(ms, ms_status, status)
    else:
        df["done_date"] = pd.NaT
    df["status"] = status
    df["status_label"] = df["status"].map(STATUS_LABELS)
    df["reason"] = [_reason(r) for r in df.itertuples(index=False)]
    return df[LEDGER_COLUMNS + ["done_date"]].reset_index(drop=True)


def _num(x: float, unit: str) -> str:
    if x is None or x != x:
        return "—"
    text = f"{x:.1f}" if unit == "%" else (f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}")
    return f"{text}{unit}"


def _reason(r) -> str:
    """One line a leader understands, defending the status."""
    unit = r.target_unit
    target = f"{OP_LABELS.get(r.op, '')}{_num(r.threshold, unit)}" if r.op else ""
    days = r.days_to_deadline
    if r.status == "not_applicable":
        return "该目标不适用于本级单位"
    if r.status == "no_data":
        return "截至本月未收到该单位的相关数据"
    if r.kind == "milestone":
        d = r.done_date.date() if not pd.isna(r.done_date) else None
        if r.status == "done":
            return f"已于 {d} 完成"
        if r.status == "done_late":
            return f"于 {d} 完成，晚于期限 {r.deadline}（{(d - r.deadline).days} 天）"
        if r.status == "task_overdue":
            return f"期限 {r.deadline} 已过 {-days} 天，尚未报告完成"
        if r.status == "no_deadline":
            return "原文未规定期限，尚未报告完成"
        return f"距期限 {r.deadline} 还有 {days} 天，尚未报告完成"
    latest = f"最新值 {_num(r.value, unit)}（{r.value_period}）"
    if r.status == "met":
        return f"{latest}，达到目标 {target}"
    if r.status == "overdue":
        return f"{latest}，未达目标 {target}；期限 {r.deadline} 已过 {-days} 天"
    if r.status == "no_deadline":
        return f"{latest}，未达目标 {target}；原文未规定期限"
    return f"{latest}，未达目标 {target}；距期限 {r.deadline} 还有 {days} 天"


def status_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """Counts by status (applicable rows only), in display order: columns ``status, status_label, count``."""
    counts = ledger.loc[ledger["status"] != "not_applicable", "status"].value_counts()
    rows = [(s.code, s.label, int(counts.get(s.code, 0))) for s in sorted(STATUSES, key=lambda s: s.rank)
            if s.code != "not_applicable" and counts.get(s.code, 0)]
    return pd.DataFrame(rows, columns=["status", "status_label", "count"])
