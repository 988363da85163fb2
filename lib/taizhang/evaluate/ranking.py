"""The one ranking of units, used by the CLI (``taizhang evaluate --view ranking``) and every report.

Who is ranked (:func:`ranked_units`): on a metric that targets set, the units a quantitative or recurring
target on it applies to (the same units the ledger judges on it); on a metric a plan ranks without a
target (``Plan.rankings``), every unit of the plan. How (:func:`rank`): by the latest value up to the
as-of month, 1 = best, higher first unless the metric is lower-is-better, ties share the better rank,
units without a value last and unranked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..kernel.months import Month, ordinals as month_ordinals
from ..returns import ReturnSet
from ..targets import Registry, reporting_levels
from .cube import metric_values
from .engine import as_of_month

RANK_COLUMNS = ["metric", "metric_name", "unit", "unit_name", "value", "value_period", "rank", "of"]
TABLE_COLUMNS = ["rank", "unit", "unit_name", "value", "change", "status", "target_unit"]


def ranking_metrics(registry: Registry, plan_id: str) -> list[str]:
    """The metrics units of ``plan_id`` are ranked by: those of its quantitative targets, then the plan's
    ``rankings`` (metrics the plan asks to rank without a target, e.g. 乌拉特中旗's 办件量 ``total_cases``,
    网办比率 ``online_case_rate``, 按时办结率 ``ontime_rate``), each once, in that order."""
    keys = registry.plan_metrics(plan_id, ("quantitative",)) + list(registry.plan(plan_id).rankings)
    return list(dict.fromkeys(keys))


def ranked_units(registry: Registry, plan_id: str, metric: str) -> list:
    """The plan's units ranked on ``metric`` (registry order): those a quantitative or recurring target on
    it applies to; every unit when no such target exists."""
    units = registry.unit_list(plan_id)
    targets = [t for t in registry.plan(plan_id).targets if t.metric == metric and t.kind != "milestone"]
    if not targets:
        return list(units)
    present = {u.level for u in units}
    levels = set().union(*(reporting_levels(t.levels, present) for t in targets))
    return [u for u in units if u.level in levels]


def rank(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """1 = best; ties share the better rank; no value → no rank (``<NA>``)."""
    return values.astype(float).rank(ascending=not higher_is_better, method="min").astype("Int64")


def rank_units(registry: Registry, plan_id: str, returns: ReturnSet, as_of, metrics: list[str] | None = None,
               ) -> pd.DataFrame:
    """Rank the plan's units per metric by their latest value up to ``as_of`` (see the module docstring).

    ``metrics`` defaults to :func:`ranking_metrics`. Columns: ``metric, metric_name, unit, unit_name, value,
    value_period, rank, of`` (``of``: how many units are ranked). Units without a value are listed last.
    """
    as_of_ord, _ = as_of_month(as_of)
    keys = list(metrics) if metrics else ranking_metrics(registry, plan_id)
    unknown = [k for k in keys if k not in registry.metrics]
    if unknown:
        raise ParameterError("metrics", "、".join(unknown), "metrics.yaml 中定义的指标代码")
    values = metric_values(registry, plan_id, returns.observations, keys)
    if len(values):
        values = values[month_ordinals(values["period"].to_numpy(dtype=object)) <= as_of_ord]
    latest = values.groupby(["unit", "metric"], sort=False).tail(1)
    frames = []
    for key in keys:
        m = registry.metrics[key]
        units = ranked_units(registry, plan_id, key)
        part = pd.DataFrame({"unit": [u.id for u in units], "unit_name": [u.name for u in units]})
        lv = latest[latest["metric"] == key].set_index("unit")
        part["value"] = lv["value"].reindex(part["unit"]).to_numpy()
        part["value_period"] = lv["period"].reindex(part["unit"]).to_numpy()
        part["rank"] = rank(part["value"], m.higher_is_better)
        part["of"] = int(part["value"].notna().sum())
        part.insert(0, "metric_name", m.name)
        part.insert(0, "metric", key)
        frames.append(part.sort_values(["rank", "unit"], na_position="last", kind="stable"))
    return pd.concat(frames, ignore_index=True)[RANK_COLUMNS] if frames else pd.DataFrame(columns=RANK_COLUMNS)


def rank_table(ledger: pd.DataFrame, values: pd.DataFrame, metric: str, period: str,
               higher_is_better: bool = True) -> pd.DataFrame:
    """The report's ranking of ``metric`` from a ledger: ``rank, unit, unit_name, value, change, status,
    target_unit`` — the same units and ranks as :func:`rank_units` (a test checks it on every sample plan).

    The ranked units are those of the ledger's applicable quantitative and recurring rows on ``metric``;
    the value is the latest value (a quantitative row's; a unit with only recurring rows: the nearest
    period's count), the status that of the row with the nearest deadline, ``change`` the difference to
    the unit's value of the month before.
    """
    rows = ledger.loc[(ledger["metric"] == metric) & (ledger["status"] != "not_applicable")
                      & ledger["kind"].isin(["quantitative", "recurring"]),
                      ["unit", "unit_name", "kind", "value", "status", "target_unit", "days_to_deadline"]]
    if rows.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    nearest = rows.sort_values("days_to_deadline", na_position="last", kind="stable").drop_duplicates("unit")
    quant = rows[rows["kind"] == "quantitative"].drop_duplicates("unit").set_index("unit")["value"]
    value = quant.reindex(nearest["unit"]).to_numpy(dtype=float)
    value = np.where(nearest["unit"].isin(quant.index).to_numpy(), value, nearest["value"].to_numpy(dtype=float))
    out = pd.DataFrame({"unit": nearest["unit"].to_numpy(), "unit_name": nearest["unit_name"].to_numpy(),
                        "value": value, "status": nearest["status"].to_numpy(),
                        "target_unit": nearest["target_unit"].to_numpy()})
    prev_period = str(Month.parse(period) - 1)
    by_metric = values[values["metric"] == metric]
    before = by_metric[by_metric["period"] == prev_period].set_index("unit")["value"]
    now = by_metric[by_metric["period"] == period].set_index("unit")["value"]
    out["change"] = now.reindex(out["unit"]).to_numpy() - before.reindex(out["unit"]).to_numpy()
    out = out.sort_values("value", ascending=not higher_is_better, na_position="last", kind="stable")
    out["rank"] = rank(out["value"], higher_is_better)
    return out.reset_index(drop=True)[TABLE_COLUMNS]
