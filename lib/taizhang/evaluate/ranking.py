"""The one ranking of units, used by the CLI (``taizhang evaluate --view ranking``) and every report.

Who is ranked (:func:`ranked_units`): on a metric that targets set, the units a quantitative or recurring
target on it applies to (the same units the ledger judges on it); on a metric a plan ranks without a
target (``Plan.rankings``), every unit of the plan. How (:func:`rank`): by the latest value up to the
as-of month, 1 = best, higher first unless the metric is lower-is-better, ties share the better rank.

Only comparable units are ranked against each other (docs/evaluation.md, "Rankings"):

* units are ranked **within their level** (市级, 旗县区级, 专业分中心 …: ``group``); a level with fewer
  than two rankable units is not ranked (nothing to compare with);
* a value the ledger calls stale (:meth:`Settings.is_stale`, the rule of 数据过期) is listed with its month
  but not ranked;
* a ranking the plan asks for by a level the plan has no units of (``Plan.rankings_by``, 乌拉特中旗 按部门)
  is not produced: :func:`unproduced_rankings` says why, and :func:`rank_units` gives one row per such
  metric with that reason in ``note``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..kernel.months import Month, ordinals as month_ordinals
from ..returns import ReturnSet
from ..targets import LEVEL_LABELS, Registry, reporting_levels
from .cube import metric_values
from .engine import as_of_month
from .settings import Settings

RANK_COLUMNS = ["metric", "metric_name", "unit", "unit_name", "value", "value_period", "rank", "of",
                "group", "data_age_months", "stale", "note"]
TABLE_COLUMNS = ["rank", "unit", "unit_name", "value", "change", "status", "target_unit", "group", "of",
                 "value_period", "stale", "note"]
SINGLE_NOTE = "同级无其他可比单位，不排名"


def ranking_metrics(registry: Registry, plan_id: str) -> list[str]:
    """The metrics units of ``plan_id`` are ranked by: those of its quantitative targets, then the plan's
    ``rankings`` (metrics the plan asks to rank without a target, e.g. 乌拉特中旗's 办件量 ``total_cases``,
    网办比率 ``online_case_rate``, 按时办结率 ``ontime_rate``), each once, in that order."""
    keys = registry.plan_metrics(plan_id, ("quantitative",)) + list(registry.plan(plan_id).rankings)
    return list(dict.fromkeys(keys))


def unproduced_rankings(registry: Registry, plan_id: str) -> dict[str, str]:
    """``{metric: reason}`` of the plan's ``rankings`` that are not produced because the plan ranks by a level
    (``rankings_by``) it has no units of — 乌拉特中旗 asks to rank 按部门, its returns come from 旗本级 and
    the 苏木镇; ranking those instead would answer another question."""
    plan = registry.plan(plan_id)
    by = plan.rankings_by
    units = registry.unit_list(plan_id)
    if not plan.rankings or by is None or any(u.level == by for u in units):
        return {}
    present = "、".join(dict.fromkeys(LEVEL_LABELS.get(u.level, u.level) for u in units))
    where = f"（{plan.rankings_section}）" if plan.rankings_section else ""
    reason = (f"未生成：方案{where}要求“{plan.rankings_quote}”，本方案的报送单位为{present}，"
              f"未按{LEVEL_LABELS.get(by, by)}采集数据")
    return {key: reason for key in plan.rankings}


def ranked_units(registry: Registry, plan_id: str, metric: str) -> list:
    """The plan's units ranked on ``metric`` (registry order): those a quantitative or recurring target on
    it applies to; every unit when no such target exists; none when the ranking is not produced."""
    if metric in unproduced_rankings(registry, plan_id):
        return []
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


def _rank_comparable(part: pd.DataFrame, higher_is_better: bool) -> pd.DataFrame:
    """``rank``, ``of`` and ``note`` of ``part`` (columns ``value``, ``group``, ``stale``, ``value_period``):
    ranked within each group, stale values and single-unit groups unranked (see the module docstring)."""
    part = part.copy()
    rankable = part["value"].notna() & ~part["stale"].astype(bool)
    part["rank"] = pd.array([pd.NA] * len(part), dtype="Int64")
    part["of"] = 0
    note = np.where(part["value"].isna(), "无数据", "").astype(object)
    stale_rows = part["stale"].astype(bool).to_numpy() & part["value"].notna().to_numpy()
    note[stale_rows] = [f"数据过期（最新 {p}），不排名" for p in part.loc[stale_rows, "value_period"]]
    for _, idx in part.groupby("group", sort=False).groups.items():
        ok = rankable.loc[idx]
        n = int(ok.sum())
        sel = idx[ok.to_numpy()]
        if n < 2:  # nothing to compare with
            note[part.index.get_indexer(sel)] = SINGLE_NOTE
            continue
        part.loc[sel, "rank"] = rank(part.loc[sel, "value"], higher_is_better)
        part.loc[idx, "of"] = n
    part["note"] = note
    return part


def _order(part: pd.DataFrame, group_order: dict) -> pd.DataFrame:
    keyed = part.assign(_g=part["group"].map(group_order), _r=part["rank"].astype("Float64").fillna(np.inf))
    return keyed.sort_values(["_g", "_r"], kind="stable").drop(columns=["_g", "_r"])


def rank_units(registry: Registry, plan_id: str, returns: ReturnSet, as_of, metrics: list[str] | None = None,
               settings: Settings | None = None) -> pd.DataFrame:
    """Rank the plan's units per metric by their latest value up to ``as_of`` (see the module docstring).

    ``metrics`` defaults to :func:`ranking_metrics`; ``settings`` gives ``stale_months`` (the ledger's).
    Columns: ``metric, metric_name, unit, unit_name, value, value_period, rank, of`` (``of``: how many units
    of the group are ranked), ``group`` (the level label units are ranked within), ``data_age_months``,
    ``stale``, ``note`` (why a unit is not ranked; for a ranking not produced, its one row's reason).
    Ranked units come first in each group, then the unranked ones.
    """
    cfg = settings if settings is not None else Settings()
    as_of_ord, _ = as_of_month(as_of)
    keys = list(metrics) if metrics else ranking_metrics(registry, plan_id)
    unknown = [k for k in keys if k not in registry.metrics]
    if unknown:
        raise ParameterError("metrics", "、".join(unknown), "metrics.yaml 中定义的指标代码")
    unproduced = unproduced_rankings(registry, plan_id)
    values = metric_values(registry, plan_id, returns.observations, [k for k in keys if k not in unproduced])
    if len(values):
        values = values[month_ordinals(values["period"].to_numpy(dtype=object)) <= as_of_ord]
    latest = values.groupby(["unit", "metric"], sort=False).tail(1)
    frames = []
    for key in keys:
        m = registry.metrics[key]
        if key in unproduced:
            frames.append(pd.DataFrame([{"metric": key, "metric_name": m.name, "unit": "", "unit_name": "",
                                         "value": np.nan, "value_period": None, "rank": pd.NA, "of": 0,
                                         "group": "", "data_age_months": pd.NA, "stale": False,
                                         "note": unproduced[key]}]))
            continue
        units = ranked_units(registry, plan_id, key)
        part = pd.DataFrame({"unit": [u.id for u in units], "unit_name": [u.name for u in units],
                             "group": [LEVEL_LABELS.get(u.level, u.level) for u in units]})
        lv = latest[latest["metric"] == key].set_index("unit")
        part["value"] = lv["value"].reindex(part["unit"]).to_numpy()
        part["value_period"] = lv["period"].reindex(part["unit"]).to_numpy()
        have = part["value_period"].notna().to_numpy()
        age = np.full(len(part), -1, dtype=np.int64)
        if have.any():
            age[have] = as_of_ord - month_ordinals(part["value_period"].to_numpy(dtype=object)[have])
        part["data_age_months"] = pd.array(np.where(have, age, 0), dtype="Int64")
        part.loc[~have, "data_age_months"] = pd.NA
        part["stale"] = cfg.is_stale(age)
        part = _rank_comparable(part, m.higher_is_better)
        part.insert(0, "metric_name", m.name)
        part.insert(0, "metric", key)
        frames.append(_order(part, {g: i for i, g in enumerate(dict.fromkeys(part["group"]))}))
    if not frames:
        return pd.DataFrame(columns=RANK_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[RANK_COLUMNS]
    out["rank"] = out["rank"].astype("Int64")
    return out


def rank_table(ledger: pd.DataFrame, values: pd.DataFrame, metric: str, period: str,
               higher_is_better: bool = True, settings: Settings | None = None) -> pd.DataFrame:
    """The report's ranking of ``metric`` from a ledger: ``rank, unit, unit_name, value, change, status,
    target_unit, group, of, value_period, stale, note`` — the same units and ranks as :func:`rank_units` (a
    test checks it on every sample plan).

    The ranked units are those of the ledger's applicable quantitative and recurring rows on ``metric``;
    the value is the latest value (a quantitative row's; a unit with only recurring rows: the nearest
    period's count), the status that of the row with the nearest deadline, ``change`` the difference to
    the unit's value of the month before. Staleness is the ledger's own (its rows' ``data_age_months``
    judged by :meth:`Settings.is_stale` with the ledger's settings), groups are unit levels.
    """
    cfg = settings if settings is not None else Settings.from_ledger(ledger)
    rows = ledger.loc[(ledger["metric"] == metric) & (ledger["status"] != "not_applicable")
                      & ledger["kind"].isin(["quantitative", "recurring"]),
                      ["unit", "unit_name", "unit_level", "kind", "value", "value_period", "status", "target_unit",
                       "days_to_deadline", "data_age_months"]]
    if rows.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    nearest = rows.sort_values("days_to_deadline", na_position="last", kind="stable").drop_duplicates("unit")
    quant = rows[rows["kind"] == "quantitative"].drop_duplicates("unit").set_index("unit")
    is_q = nearest["unit"].isin(quant.index).to_numpy()
    pick = lambda col: np.where(is_q, quant[col].reindex(nearest["unit"]).to_numpy(dtype=object),  # noqa: E731
                                nearest[col].to_numpy(dtype=object))
    age = pd.to_numeric(pd.Series(pick("data_age_months")), errors="coerce").to_numpy(dtype=float)
    out = pd.DataFrame({"unit": nearest["unit"].to_numpy(), "unit_name": nearest["unit_name"].to_numpy(),
                        "value": pick("value").astype(float), "status": nearest["status"].to_numpy(),
                        "target_unit": nearest["target_unit"].to_numpy(),
                        "group": [LEVEL_LABELS.get(lv, lv) for lv in nearest["unit_level"]],
                        "value_period": pick("value_period"),
                        "stale": cfg.is_stale(np.nan_to_num(age, nan=-1))})
    prev_period = str(Month.parse(period) - 1)
    by_metric = values[values["metric"] == metric]
    before = by_metric[by_metric["period"] == prev_period].set_index("unit")["value"]
    now = by_metric[by_metric["period"] == period].set_index("unit")["value"]
    out["change"] = now.reindex(out["unit"]).to_numpy() - before.reindex(out["unit"]).to_numpy()
    order = {u: i for i, u in enumerate(dict.fromkeys(ledger["unit"]))}  # registry order within a group
    out = out.assign(_u=out["unit"].map(order)).sort_values("_u", kind="stable").drop(columns="_u")
    out = _rank_comparable(out.reset_index(drop=True), higher_is_better)
    groups = {g: i for i, g in enumerate(dict.fromkeys(out["group"]))}
    out = out.sort_values("value", ascending=not higher_is_better, na_position="last", kind="stable")
    return _order(out, groups).reset_index(drop=True)[TABLE_COLUMNS]
