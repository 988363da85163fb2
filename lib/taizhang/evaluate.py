"""Judging each unit × target at an as-of date: statuses with stable codes, Chinese labels and reasons.

``metric_values`` turns raw return fields into metric values per unit and month (rates are computed from
numerator and denominator, never typed). ``evaluate`` joins them with the registry and assigns every unit ×
target a status, a glide-path value, a trend projection and a one-line reason. ``month_over_month`` compares
two ledgers, ``rank_units`` ranks units per metric. The method (and the precedence of statuses) is written
down, with its sources, in ``docs/evaluation.md``.

The work is vectorised: the observations are scattered once into a (field × unit × month) array, each metric
becomes a (unit × month) array, and every status is decided on flat (target × unit) arrays. Python loops run
over metrics and targets only, never over units or months.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from .errors import ParameterError
from .kernel import statuses
from .kernel.formatting import format_values
from .kernel.months import Month, MonthError, label as _ord_str, ordinals as _period_ords
from .kernel.statuses import STATUSES
from .forecast import DAYS_PER_MONTH, crossing_months, glide_path, theil_sen
from .returns import ReturnSet
from .targets import Registry, reporting_levels

EPS = 1e-9


STATUS_BY_CODE = statuses.BY_CODE
STATUS_LABELS = statuses.LABELS
STATUS_RANK = statuses.RANK

LEDGER_COLUMNS = [
    "unit", "unit_name", "unit_level", "target_id", "title", "kind", "metric", "metric_name", "section",
    "op", "threshold", "upper", "target_unit", "threshold_label", "value", "value_period", "gap",
    "deadline", "deadline_text", "days_to_deadline", "status", "status_label", "reason", "quote", "lead",
    "done_date",
    # progress judgement (issue "Judging progress")
    "deadlines_all", "deadline_assumed", "baseline", "baseline_period", "required_value", "progress_ratio",
    "projected_value", "projected_met", "trend_slope", "trend_points", "data_age_months", "was_met",
    "periods_missed", "due_soon_flag",
]


@dataclass(frozen=True)
class Settings:
    """The judgement's parameters (defaults as documented in docs/evaluation.md)."""

    due_soon_days: int = 60
    stale_months: int = 3
    trend_months: int = 12
    min_trend_points: int = 3
    on_track_ratio: float = 0.95
    achieved_tolerance: float = 1.0
    horizon_months: int = 120

    def check(self) -> "Settings":
        """Raise :class:`ParameterError` for the first value out of range."""
        rules = [
            ("due_soon_days", isinstance(self.due_soon_days, int) and 0 <= self.due_soon_days <= 366, "0–366 的整数（天）"),
            ("stale_months", isinstance(self.stale_months, int) and 1 <= self.stale_months <= 36, "1–36 的整数（月）"),
            ("trend_months", isinstance(self.trend_months, int) and 2 <= self.trend_months <= 36, "2–36 的整数（月）"),
            ("min_trend_points", isinstance(self.min_trend_points, int)
             and 2 <= self.min_trend_points <= self.trend_months, "2 至 trend_months 之间的整数"),
            ("on_track_ratio", 0 < float(self.on_track_ratio) <= 2, "大于 0、不超过 2 的数"),
            ("achieved_tolerance", 0 <= float(self.achieved_tolerance) <= 10, "0–10 的数（百分点）"),
            ("horizon_months", isinstance(self.horizon_months, int) and 1 <= self.horizon_months <= 600, "1–600 的整数（月）"),
        ]
        for name, ok, allowed in rules:
            if not ok:
                raise ParameterError(name, getattr(self, name), allowed)
        return self


# --------------------------------------------------------------------------------------------------
# metric values (small frames, used by charts and reports)


def metric_values(registry: Registry, plan_id: str, observations: pd.DataFrame,
                  metrics: list[str] | None = None) -> pd.DataFrame:
    """Metric values per unit and month: columns ``unit, period, metric, value``.

    A rate is numerator / denominator × 100 (no value when the denominator is 0); a count or yes-no metric
    is its field's value. By default only metrics used by the plan's quantitative and recurring targets are
    computed; ``metrics`` names others (e.g. :func:`ranking_metrics`).
    """
    cols = ["unit", "period", "metric", "value"]
    if observations.empty:
        return pd.DataFrame(columns=cols)
    wide = observations.pivot_table(index=["unit", "period"], columns="field", values="value", aggfunc="last",
                                    observed=True)
    used = (sorted({t.metric for t in registry.plan(plan_id).targets if t.kind != "milestone"})
            if metrics is None else list(dict.fromkeys(metrics)))
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
    out["unit"] = out["unit"].astype(str)
    out["period"] = out["period"].astype(str)
    return out[cols].sort_values(["unit", "metric", "period"], ignore_index=True)


# --------------------------------------------------------------------------------------------------
# months as integers (year × 12 + month − 1)


def _ord_end(o: int) -> date:
    return Month(o).end


def _as_of(as_of) -> tuple[int, date]:
    """The as-of month (as an ordinal) and day. A YYYY-MM month means its last day."""
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    if isinstance(as_of, date):
        return as_of.year * 12 + as_of.month - 1, as_of
    try:
        m = Month.parse(as_of)
    except MonthError as err:
        raise ParameterError("as_of", as_of, err.allowed + "，或日期") from None
    return m.ordinal, m.end


def _codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the labels they index (−1 = missing); categorical columns cost nothing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cat = series.array  # the Categorical itself: its codes are a view (``.cat.codes`` copies them)
        return cat.codes, np.asarray(cat.categories, dtype=object)
    codes, uniques = pd.factorize(series, sort=False)
    return codes, np.asarray(uniques, dtype=object)


_SCATTER_CHUNK = 1 << 20  # rows per step: the index arrays of a step stay in the CPU cache
_EXTRA_MONTHS = 36  # months after the as-of month a cube may carry (unread) to keep the fast path


def _offset(m: np.ndarray) -> int | None:
    """``b`` when ``m[k] == k + b`` for every label k (a label code plus a constant gives the position)."""
    if len(m) and (m[0] >= 0) and (m[-1] - m[0] == len(m) - 1) and (np.diff(m) == 1).all():
        return int(m[0])
    return None


def _field_cube(obs: pd.DataFrame, unit_pos: dict, fields: list[str], first_ord: int, months: int,
                ) -> tuple[np.ndarray, dict[str, int]]:
    """Scatter tidy observations into a (field × unit × month) array, NaN where nothing was reported.

    Returns the array and the position of each of ``fields`` on its first axis (the data's own field order
    where it can, so that no lookup is needed). Rows of unknown units or fields, or of months outside the
    axis, are ignored; when a (unit, month, field) appears twice the later row wins, as in
    :func:`taizhang.returns.load_returns`. Float32 values (what a columnar store may hand over) stay float32;
    anything else is read as float64.

    Fast path (a national set held as categoricals in registry order): when every label of the three key
    columns is wanted and each label code is its position plus a constant, the flat position of a row is
    plain arithmetic on the codes — no lookup tables and no masking. Later months than the as-of month are
    then kept in the array (never read: the returned array is a view that stops at the as-of month).
    """
    n_u = len(unit_pos)
    vals = obs["value"].to_numpy()
    dtype = np.float32 if vals.dtype == np.float32 else np.float64
    if vals.dtype != dtype:
        vals = vals.astype(dtype)
    if len(obs) == 0 or not fields or n_u == 0:
        return np.full((len(fields), n_u, months), np.nan, dtype=dtype), {f: i for i, f in enumerate(fields)}
    uc, ulab = _codes(obs["unit"])
    fc, flab = _codes(obs["field"])
    pc, plab = _codes(obs["period"])
    # the field axis: the data's fields in the data's order (those wanted), then wanted fields never reported
    wanted = set(fields)
    order = [x for x in flab if x in wanted]
    order += [f for f in fields if f not in set(order)]
    field_pos = {f: i for i, f in enumerate(order)}
    n_f = len(order)
    umap = np.array([unit_pos.get(x, -1) for x in ulab], dtype=np.int64)
    fmap = np.array([field_pos.get(x, -1) for x in flab], dtype=np.int64)
    pord = _period_ords(plab) - first_ord
    pmap = np.where((pord >= 0) & (pord < months), pord, -1)

    bu, bf, bp = _offset(umap), _offset(fmap), _offset(np.where(pord >= 0, pord, -1))
    span = int(pord.max()) + 1 if len(pord) else months
    fast = (bu is not None and bf is not None and bp is not None and span - months <= _EXTRA_MONTHS
            and not ((uc < 0).any() or (fc < 0).any() or (pc < 0).any()))
    m_alloc = max(months, span) if fast else months
    cube = np.full(n_f * n_u * m_alloc, np.nan, dtype=dtype)
    itype = np.int32 if cube.size < 2**31 - 1 else np.int64
    if fast:
        # flat = ((fc + bf) · n_u + uc + bu) · m_alloc + pc + bp, evaluated step by step in place
        lead = (bf * n_u + bu) * m_alloc + bp
        i = np.empty(_SCATTER_CHUNK, dtype=itype)
        for s in range(0, len(obs), _SCATTER_CHUNK):
            e = min(s + _SCATTER_CHUNK, len(obs))
            w = i[:e - s]
            np.multiply(fc[s:e], n_u, out=w, dtype=itype)
            w += uc[s:e]
            w *= m_alloc
            w += pc[s:e]
            if lead:
                w += lead
            cube[w] = vals[s:e]
        cube = cube.reshape(n_f, n_u, m_alloc)
        return (cube if m_alloc == months else cube[:, :, :months]), field_pos
    # general path: per-label offsets into the flat cube; an invalid label makes the sum negative (also
    # when all three are invalid: int32 only while three invalid offsets cannot wrap around)
    itype, invalid = (np.int32, -(2**29)) if cube.size < 2**29 else (np.int64, -(2**40))
    umap = np.append(np.where(umap >= 0, umap * months, invalid), invalid).astype(itype)
    fmap = np.append(np.where(fmap >= 0, fmap * n_u * months, invalid), invalid).astype(itype)
    pmap = np.append(np.where(pmap >= 0, pmap, invalid), invalid).astype(itype)
    for s in range(0, len(obs), _SCATTER_CHUNK):
        e = min(s + _SCATTER_CHUNK, len(obs))
        i = fmap[fc[s:e]]
        i += umap[uc[s:e]]
        i += pmap[pc[s:e]]
        ok = i >= 0
        cube[i[ok]] = vals[s:e][ok]
    return cube.reshape(n_f, n_u, months), field_pos


def _metric_array(metric, cube: np.ndarray, field_pos: dict, rows: np.ndarray | None) -> np.ndarray:
    """A metric as a (unit × month) float64 array from the field cube (rates × 100, NaN if denominator 0)."""
    def take(field):
        a = cube[field_pos[field]]
        return (a if rows is None else a[rows]).astype(np.float64)

    if metric.type == "rate":
        num, den = take(metric.numerator), take(metric.denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            num /= den
        num *= 100.0
        num[~(den > 0)] = np.nan
        return num
    return take(metric.field)


_OPS = {">=": 0, "<=": 1, "==": 2}


def _meets_scalar(value: np.ndarray, op: str, threshold: float) -> np.ndarray:
    """value meets ``op threshold`` (NaN never meets)."""
    with np.errstate(invalid="ignore"):
        if op == ">=":
            return value >= threshold - EPS
        if op == "<=":
            return value <= threshold + EPS
        if op == "==":
            return np.abs(value - threshold) <= EPS
    return np.zeros(value.shape, dtype=bool)


def _meets(value: np.ndarray, opc: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Row-wise: ``opc`` holds 0 (≥), 1 (≤), 2 (=), 3 (none)."""
    with np.errstate(invalid="ignore"):
        return (((opc == 0) & (value >= threshold - EPS)) | ((opc == 1) & (value <= threshold + EPS))
                | ((opc == 2) & (np.abs(value - threshold) <= EPS)))


#: months a recurring period spans, and the per-month multiple of the per-period count for periods that are
#: shorter than the monthly return (a month holds at least 4 weeks and at least 15 working days)
_PERIOD_MONTHS = {"year": 12, "half_year": 6, "quarter": 3, "month": 1, "week": 1, "day": 1}
_PER_MONTH = {"week": 4, "day": 15}


def _period_of(recurrence: str, as_of_ord: int) -> tuple[int, int]:
    """First and last month ordinal of the recurrence period holding the as-of month."""
    span = _PERIOD_MONTHS[recurrence]
    start = as_of_ord - ((as_of_ord % 12) % span)
    return start, start + span - 1


def _day_numbers(values) -> np.ndarray:
    """Proleptic ordinals (date.toordinal) of dates / Timestamps / ISO strings; −1 where missing."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), sort=False)
    days = np.full(len(uniques) + 1, -1, dtype=np.int64)
    for i, v in enumerate(uniques):
        try:
            days[i] = pd.Timestamp(v).date().toordinal()
        except (ValueError, TypeError):
            days[i] = -1
    return days[codes]


# --------------------------------------------------------------------------------------------------
# the ledger


def _check_assumed(plan, assumed) -> dict[str, date]:
    if not assumed:
        return {}
    by_id = {t.id: t for t in plan.targets}
    out: dict[str, date] = {}
    bad: list[str] = []
    for tid, when in dict(assumed).items():
        t = by_id.get(tid)
        if t is None:
            bad.append(f"{tid}（不是方案 {plan.plan} 的目标）")
            continue
        if t.deadline is not None:
            bad.append(f"{tid}（原文已有期限 {t.deadline}，只能为期限未明确的目标假定期限）")
            continue
        try:
            if isinstance(when, datetime):
                out[tid] = when.date()
            elif isinstance(when, date):
                out[tid] = when
            else:
                out[tid] = date.fromisoformat(str(when).strip())
        except ValueError:
            bad.append(f"{tid}={when!r}（日期应为 YYYY-MM-DD）")
    if bad:
        raise ParameterError("assumed_deadlines", "；".join(bad), "期限未明确的目标编号 → YYYY-MM-DD 日期")
    return out


STATUSES_ORDER = [s.code for s in STATUSES]
_S = {c: i for i, c in enumerate(STATUSES_ORDER)}
_STATUS_ARR = np.array(STATUSES_ORDER, dtype=object)
_LABEL_ARR = np.array([STATUS_LABELS[c] for c in STATUSES_ORDER], dtype=object)
_KINDS = {"quantitative": 0, "recurring": 1, "milestone": 2}


def evaluate(registry: Registry, plan_id: str, returns: ReturnSet, as_of, *, due_soon_days: int = 60,
             stale_months: int = 3, trend_months: int = 12, min_trend_points: int = 3,
             on_track_ratio: float = 0.95, achieved_tolerance: float = 1.0, horizon_months: int = 120,
             assumed_deadlines: dict | None = None, include_not_applicable: bool = True) -> pd.DataFrame:
    """The ledger: one row per unit × target of ``plan_id`` at ``as_of`` (a YYYY-MM month or a date).

    Only data of months up to the as-of month is seen. Statuses (precedence in ``docs/evaluation.md``):
    ``met`` 已达标, ``overdue`` 逾期未达标, ``on_track`` 按期推进, ``behind`` 进度滞后, ``due_soon`` 临期预警,
    ``regressed`` 达标后回落, ``no_data`` 无数据, ``stale`` 数据过期, ``no_deadline`` 期限未明确,
    ``not_applicable`` 不适用; milestones ``done`` 已完成, ``done_late`` 逾期完成, ``task_overdue`` 逾期未完成,
    ``task_pending`` 未到期.

    A deadline day itself is still in time; the day after is overdue. Two deadlines: judged by the earlier,
    both listed in ``deadlines_all``. ``gap`` is the margin to the target in the target's unit (value −
    threshold for ≥, threshold − value for ≤): ≥ 0 means met. ``required_value`` is the glide-path value at
    the as-of date, ``progress_ratio`` actual / required change since the baseline; ``projected_value`` the
    Theil–Sen trend of the last ``trend_months`` months at the deadline, ``projected_met`` the month the trend
    reaches the target (YYYY-MM, empty if not within ``horizon_months``). ``assumed_deadlines`` maps target ids
    without a deadline to an assumed date; those rows carry ``deadline_assumed`` and say so in the reason.
    ``include_not_applicable=False`` leaves out the ``not_applicable`` rows (every report filters them out;
    on a national set they are four rows in five); the other rows are the same either way.
    Parameters out of range raise :class:`~taizhang.errors.ParameterError`.
    """
    cfg = Settings(due_soon_days, stale_months, trend_months, min_trend_points, on_track_ratio,
                   achieved_tolerance, horizon_months).check()
    as_of_ord, as_of_date = _as_of(as_of)
    plan = registry.plan(plan_id)
    assumed = _check_assumed(plan, assumed_deadlines)
    units = registry.unit_list(plan_id)
    targets = plan.targets
    n_u, n_t = len(units), len(targets)
    if n_u == 0 or n_t == 0:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    unit_ids = np.array([u.id for u in units], dtype=object)
    unit_levels = np.array([u.level for u in units], dtype=object)
    levels_present = set(unit_levels)
    as_of_day = as_of_date.toordinal()

    # ---- per-target attributes (small)
    kind_t = np.array([_KINDS[t.kind] for t in targets])
    opc_t = np.array([_OPS.get(t.op or "", 3) for t in targets])
    thr_t = np.array([np.nan if t.value is None else float(t.value) for t in targets])
    sign_t = np.where(opc_t == 1, -1.0, 1.0)
    rec_t = [t.recurrence or "" for t in targets]
    deadline_t = np.empty(n_t, dtype=object)
    assumed_t = np.zeros(n_t, dtype=bool)
    for i, t in enumerate(targets):
        deadline_t[i] = t.deadline if t.deadline is not None else assumed.get(t.id)
        assumed_t[i] = t.deadline is None and t.id in assumed
    applicable = np.zeros((n_t, n_u), dtype=bool)
    for i, t in enumerate(targets):
        applicable[i] = np.isin(unit_levels, list(reporting_levels(t.levels, levels_present)))

    # recurring targets: the deadline shown is the end of the current period. The period before it is judged
    # (overdue if it fell short) while the as-of month is the first month of the current one, provided the
    # plan was in force for the whole of it (see docs/evaluation.md, "Recurring targets")
    period_start_t = np.full(n_t, -1, dtype=np.int64)
    period_end_t = np.full(n_t, -1, dtype=np.int64)
    prev_start_t = np.full(n_t, -1, dtype=np.int64)
    prev_end_t = np.full(n_t, -1, dtype=np.int64)
    per_month_t = np.ones(n_t)
    plan_ord = plan.issued.year * 12 + plan.issued.month - 1
    for i in np.flatnonzero(kind_t == 1):
        period_start_t[i], period_end_t[i] = _period_of(rec_t[i], as_of_ord)
        deadline_t[i] = _ord_end(int(period_end_t[i]))
        if _PERIOD_MONTHS[rec_t[i]] == 1:
            per_month_t[i] = _PER_MONTH.get(rec_t[i], 1)
        ps, pe = _period_of(rec_t[i], int(period_start_t[i]) - 1)
        if period_start_t[i] == as_of_ord and ps >= plan_ord:
            prev_start_t[i], prev_end_t[i] = ps, pe
    dl_day_t = np.array([np.nan if d is None else float(d.toordinal()) for d in deadline_t])
    days_t = dl_day_t - as_of_day
    prev_day_t = np.array([float(_ord_end(int(e)).toordinal()) if e >= 0 else np.nan for e in prev_end_t])

    # ---- month axis and the field cube
    obs = returns.observations
    per_codes, per_labels = _codes(obs["period"]) if len(obs) else (np.zeros(0, np.int64), np.zeros(0, object))
    ords = _period_ords(per_labels)
    seen = ords[(ords >= 0) & (ords <= as_of_ord)]
    first_ord = int(min(seen.min(), plan_ord, as_of_ord)) if len(seen) else min(plan_ord, as_of_ord)
    n_m = as_of_ord - first_ord + 1
    plan_k = plan_ord - first_ord
    month_end_day = np.array([_ord_end(first_ord + k).toordinal() for k in range(n_m)], dtype=float)

    used_metrics = list(dict.fromkeys(t.metric for t in targets if t.kind != "milestone"))
    fields = list(dict.fromkeys(f for m in used_metrics for f in registry.metrics[m].fields if f))
    unit_pos = {u: i for i, u in enumerate(unit_ids)}
    cube, field_pos = _field_cube(obs, unit_pos, fields, first_ord, n_m)

    # ---- per (target × unit) results, filled metric by metric over the units the metric applies to
    shape = (n_t, n_u)
    value = np.full(shape, np.nan)
    value_k = np.full(shape, -1, dtype=np.int64)
    baseline = np.full(shape, np.nan)
    base_k = np.full(shape, -1, dtype=np.int64)
    was_met = np.zeros(shape, dtype=bool)
    last_met_k = np.full(shape, -1, dtype=np.int64)
    slope = np.full(shape, np.nan)
    intercept = np.full(shape, np.nan)
    points = np.zeros(shape, dtype=np.int64)
    periods_missed = np.full(shape, -1, dtype=np.int64)
    prev_value = np.full(shape, np.nan)  # recurring: the count of the period before the current one
    reported_u = np.zeros(n_u, dtype=bool)

    width = min(cfg.trend_months, n_m)
    t_axis = np.arange(-width + 1, 1, dtype=float)
    targets_of: dict[str, list[int]] = {}
    for i, t in enumerate(targets):
        if t.kind != "milestone":
            targets_of.setdefault(t.metric, []).append(i)
    for key, tix in targets_of.items():
        rel = np.flatnonzero(applicable[tix].any(axis=0))
        if len(rel) == 0:
            continue
        rows = None if len(rel) == n_u else rel
        sub = slice(None) if rows is None else rel
        V = _metric_array(registry.metrics[key], cube, field_pos, rows)
        n_r = V.shape[0]
        ar = np.arange(n_r)
        has = ~np.isnan(V)
        any_ = has.any(axis=1)
        reported_u[rel[any_]] = True
        lk = np.where(any_, n_m - 1 - np.argmax(has[:, ::-1], axis=1), -1)
        lv = np.where(any_, V[ar, np.maximum(lk, 0)], np.nan)
        after = has[:, plan_k:] if plan_k > 0 else has
        b_any = after.any(axis=1)
        # the plan may be dated after the as-of month: then nobody has a baseline yet
        bk = np.where(b_any, np.argmax(after, axis=1) + max(plan_k, 0), -1) if after.shape[1] else \
            np.full(n_r, -1, dtype=np.int64)
        bv = np.where(b_any, V[ar, np.maximum(bk, 0)], np.nan)
        need = np.zeros(n_r, dtype=bool)
        for i in tix:
            op, thr = targets[i].op or "", thr_t[i]
            value_k[i, sub] = lk
            if kind_t[i] == 0:
                value[i, sub], baseline[i, sub], base_k[i, sub] = lv, bv, bk
                meets_all = _meets_scalar(V, op, thr)
                ever = meets_all.any(axis=1)
                was_met[i, sub] = ever
                last_met_k[i, sub] = np.where(ever, n_m - 1 - np.argmax(meets_all[:, ::-1], axis=1), -1)
                need |= applicable[i, sub] & any_ & ~_meets_scalar(lv, op, thr)
            else:  # recurring: this period's count so far
                k0 = max(int(period_start_t[i]) - first_ord, 0)
                window = V[:, k0:]
                reported = (~np.isnan(window)).sum(axis=1)
                value[i, sub] = np.where(reported > 0, np.nansum(window, axis=1), np.nan)
                if prev_end_t[i] >= first_ord:
                    pw = V[:, max(int(prev_start_t[i]) - first_ord, 0):int(prev_end_t[i]) - first_ord + 1]
                    prev_value[i, sub] = np.where((~np.isnan(pw)).any(axis=1), np.nansum(pw, axis=1), np.nan)
                if per_month_t[i] != 1 or _PERIOD_MONTHS[rec_t[i]] == 1:
                    # months of this calendar year (from the plan's month) that have ended before the as-of
                    # month and fell below the monthly count (the as-of month itself ends on the as-of date:
                    # it is judged by the status, not counted as missed)
                    y0 = max(max(as_of_ord - as_of_ord % 12, plan_ord) - first_ord, 0)
                    yw = V[:, y0:n_m - 1]
                    short = ~np.isnan(yw) & ~_meets_scalar(yw, op, thr * per_month_t[i])
                    periods_missed[i, sub] = short.sum(axis=1)
        if need.any():
            sel = np.flatnonzero(need)
            s, a, n = theil_sen(V[sel, n_m - width:], t_axis, cfg.min_trend_points)
            cols = rel[sel]
            for i in tix:
                if kind_t[i] == 0:
                    slope[i, cols], intercept[i, cols], points[i, cols] = s, a, n
        del V, has, after
    mile_t = kind_t == 2
    if mile_t.any() and len(obs):  # which units sent any return up to the as-of month (milestone no_data)
        todo = np.flatnonzero(applicable[mile_t].any(axis=0) & ~reported_u)
        for f in range(len(fields)):
            if len(todo) == 0:
                break
            hit = ~np.isnan(cube[f, todo]).all(axis=1)
            reported_u[todo[hit]] = True
            todo = todo[~hit]
        if len(todo):  # units whose returns carry none of the fields above: one pass over the rows
            uc, ulab = _codes(obs["unit"])
            upos = np.array([unit_pos.get(x, -1) for x in ulab] + [-1])[uc]
            pok = np.append((ords >= 0) & (ords <= as_of_ord), False)[per_codes]
            reported_u[np.unique(upos[pok & (upos >= 0)])] = True
    del cube

    # ---- flatten to rows (target-major, as in the registry)
    if include_not_applicable:
        rows_sel = None
        t_idx = np.repeat(np.arange(n_t), n_u)
        u_idx = np.tile(np.arange(n_u), n_t)
    else:  # only the applicable rows (a national run: most unit × target pairs are of another level)
        rows_sel = np.flatnonzero(applicable.reshape(-1))
        t_idx, u_idx = np.divmod(rows_sel, n_u)

    def flat(a: np.ndarray) -> np.ndarray:
        """A (target × unit) array as ledger rows."""
        a = a.reshape(-1)
        return a if rows_sel is None else a[rows_sel]

    appl = flat(applicable)
    kind = kind_t[t_idx]
    opc = opc_t[t_idx]
    thr = thr_t[t_idx]
    sign = sign_t[t_idx]
    val = flat(value)
    days = days_t[t_idx]
    has_dl = ~np.isnan(days)
    quant, recur, mile = kind == 0, kind == 1, kind == 2
    target_unit_t = np.array([t.unit or "" for t in targets], dtype=object)
    is_pct_t = target_unit_t == "%"
    is_pct = is_pct_t[t_idx]

    thr_period = thr * per_month_t[t_idx]
    met = _meets(val, opc, thr_period) & ~np.isnan(val)
    with np.errstate(invalid="ignore"):
        gap = np.where(np.isnan(val) | np.isnan(thr), np.nan, sign * (val - thr_period))
    vk = flat(value_k)
    age = np.where(vk >= 0, (n_m - 1) - vk, -1)
    stale = age > cfg.stale_months
    with np.errstate(invalid="ignore"):
        past = has_dl & (days < 0)
        soon = has_dl & (days >= 0) & (days <= cfg.due_soon_days)

    # glide path (quantitative)
    bk_flat = flat(base_k)
    base_day = np.where(bk_flat >= 0, month_end_day[np.maximum(bk_flat, 0)], np.nan)
    dl_day = dl_day_t[t_idx]
    required, ratio = glide_path(flat(baseline), thr, val, as_of_day - base_day, dl_day - base_day, sign)
    with np.errstate(invalid="ignore"):
        glide_ok = ratio >= cfg.on_track_ratio

    # trend projection (quantitative); a 100% target counts as reached within `achieved_tolerance` points
    s_flat, a_flat, n_flat = flat(slope), flat(intercept), flat(points)
    thr_eff = np.where(is_pct & (opc == 0) & (thr >= 100 - EPS), thr - cfg.achieved_tolerance,
                       np.where(is_pct & (opc == 1) & (thr <= EPS), thr + cfg.achieved_tolerance, thr))
    is_rate = np.array([registry.metrics[t.metric].type == "rate" for t in targets])[t_idx]
    with np.errstate(invalid="ignore"):
        proj = a_flat + s_flat * (days / DAYS_PER_MONTH)
        proj = np.where(is_rate, np.clip(proj, 0, 100), np.maximum(proj, 0))
    trend_avail = ~np.isnan(s_flat) & has_dl
    on_track = np.where(trend_avail, _meets(proj, opc, thr_eff), glide_ok)
    cross = crossing_months(a_flat, s_flat, thr_eff, sign, cfg.horizon_months)

    # recurring progress: this period's count against the whole occurrences due by now, i.e.
    # floor(required × elapsed months / months in the period) — a count cannot be behind before one whole
    # occurrence is due (每年1次 in January: 0 due; 每年不少于5个 at the end of June: 2 due)
    span_t = np.array([_PERIOD_MONTHS.get(r, 1) for r in rec_t])
    elapsed_t = np.where(kind_t == 1, as_of_ord - period_start_t + 1, 1)
    rec_req_t = np.where(span_t == 1, thr_t * per_month_t, np.floor(thr_t * elapsed_t / span_t + EPS))
    rec_req = rec_req_t[t_idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        rec_ratio = np.where(rec_req > 0, val / rec_req, np.nan)
        # a ≤ cap is on track while it is not exceeded (an exceeded cap is not met, hence behind)
        rec_on = np.where(opc == 1, val <= thr_period + EPS, val >= rec_req - EPS)

    # recurring: the period before the current one fell short (judged in the first month of the current one)
    prev_val = flat(prev_value)
    prev_days = prev_day_t[t_idx] - as_of_day
    prev_over = recur & appl & ~met & ~np.isnan(prev_val) & ~_meets(prev_val, opc, thr_period)

    regressed = quant & ~met & flat(was_met)
    novalue = np.isnan(val)
    # overdue = the deadline has passed (days_to_deadline < 0); a deadline or period ending on the as-of date
    # itself is still in time (due_soon / on_track / behind), for every kind of target
    code = np.select(
        [~appl, prev_over, novalue & stale, novalue, regressed, ~met & past & quant, stale & quant, met,
         ~has_dl, soon, quant & on_track, recur & rec_on],
        [_S["not_applicable"], _S["overdue"], _S["stale"], _S["no_data"], _S["regressed"], _S["overdue"],
         _S["stale"], _S["met"], _S["no_deadline"], _S["due_soon"], _S["on_track"], _S["on_track"]],
        default=_S["behind"],
    )
    # a recurring row overdue for the previous period shows that period: its count, deadline and margin
    cur_val = val
    if prev_over.any():
        val = np.where(prev_over, prev_val, val)
        days = np.where(prev_over, prev_days, days)
        with np.errstate(invalid="ignore"):
            gap = np.where(prev_over, sign * (prev_val - thr_period), gap)
        rec_req = np.where(prev_over, thr_period, rec_req)
        with np.errstate(invalid="ignore", divide="ignore"):
            rec_ratio = np.where(prev_over, np.where(thr_period > 0, prev_val / thr_period, np.nan), rec_ratio)

    # milestones: completion dates reported on the 任务完成情况 sheet up to the as-of month
    done_day = np.full(len(t_idx), -1, dtype=np.int64)
    if mile.any():
        tasks = returns.tasks
        if len(tasks):
            tpos = {t.id: i for i, t in enumerate(targets) if t.kind == "milestone"}
            tc, tlab = _codes(tasks["target_id"])
            uc, ulab = _codes(tasks["unit"])
            tmap = np.array([tpos.get(x, -1) for x in tlab] + [-1])[tc]
            umap = np.array([unit_pos.get(x, -1) for x in ulab] + [-1])[uc]
            reported_u[umap[umap >= 0]] = True
            dd = _day_numbers(tasks["done_date"].to_numpy(dtype=object))
            tp = _period_ords(tasks["period"].to_numpy(dtype=object))
            ok = (tmap >= 0) & (umap >= 0) & (dd >= 0) & (tp >= 0) & (tp <= as_of_ord)
            flat_key = tmap[ok] * n_u + umap[ok]
            best = np.full(n_t * n_u, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(best, flat_key, dd[ok])
            done_day = flat(np.where(best == np.iinfo(np.int64).max, -1, best))
        is_done = done_day >= 0
        late = is_done & has_dl & (done_day > np.nan_to_num(dl_day, nan=np.inf))
        ms_code = np.select(
            [~appl, late, is_done, ~reported_u[u_idx], ~has_dl, past],
            [_S["not_applicable"], _S["done_late"], _S["done"], _S["no_data"], _S["no_deadline"],
             _S["task_overdue"]],
            default=_S["task_pending"],
        )
        code = np.where(mile, ms_code, code)
    else:
        is_done = np.zeros(len(t_idx), dtype=bool)
    due_soon_flag = appl & soon & ~met & ~is_done & ((code == _S["due_soon"]) | (code == _S["task_pending"]))

    # ---- assemble the frame
    period_lookup = np.array([_ord_str(first_ord + k) for k in range(n_m)] + [None], dtype=object)
    future_lookup = np.array([""] + [_ord_str(as_of_ord + k) for k in range(1, cfg.horizon_months + 1)],
                             dtype=object)
    rec_label_t = np.array([f"{_ord_str(int(s))}–{_ord_str(as_of_ord)}" if s >= 0 else None
                            for s in period_start_t], dtype=object)
    prev_label_t = np.array([f"{_ord_str(int(s))}–{_ord_str(int(e))}" if e >= 0 else None
                             for s, e in zip(prev_start_t, prev_end_t)], dtype=object)
    vper = np.where(recur, np.where(novalue, None, rec_label_t[t_idx]),
                    period_lookup[np.where(vk >= 0, vk, n_m)])
    vper = np.where(prev_over, prev_label_t[t_idx], vper)
    projected_met = np.where(quant & ~met & ~np.isnan(cross), future_lookup[np.nan_to_num(cross).astype(np.int64)],
                             "")
    deadline_text_t = np.empty(n_t, dtype=object)
    deadlines_all_t = np.empty(n_t, dtype=object)
    for i, t in enumerate(targets):
        deadlines_all_t[i] = "；".join(d.isoformat() for d in sorted(d.date for d in t.deadlines if d.date))
        if kind_t[i] == 1:
            deadline_text_t[i] = f"本期（{_ord_str(int(period_start_t[i]))}至{_ord_str(int(period_end_t[i]))}）"
        elif assumed_t[i]:
            deadline_text_t[i] = f"期限未明确（假定 {deadline_t[i].isoformat()}）"
            deadlines_all_t[i] = f"{deadline_t[i].isoformat()}（假定）"
        else:
            deadline_text_t[i] = t.deadline_text or "期限未明确"
    prev_deadline_t = np.array([_ord_end(int(e)) if e >= 0 else None for e in prev_end_t], dtype=object)
    prev_deadline_text_t = np.array([f"上期（{_ord_str(int(s))}至{_ord_str(int(e))}）" if e >= 0 else None
                                     for s, e in zip(prev_start_t, prev_end_t)], dtype=object)

    def per_target(values, dtype=object):
        return np.array(values, dtype=dtype)[t_idx]

    done_date = np.where(done_day >= 0, done_day - 719163, np.iinfo(np.int64).min).astype("datetime64[D]")
    missed = flat(periods_missed)
    last_met = flat(last_met_k)
    f = {
        "unit": unit_ids[u_idx],
        "unit_name": np.array([u.name for u in units], dtype=object)[u_idx],
        "unit_level": unit_levels[u_idx],
        "target_id": per_target([t.id for t in targets]),
        "title": per_target([t.title for t in targets]),
        "kind": np.array(list(_KINDS), dtype=object)[kind],
        "metric": per_target([t.metric for t in targets]),
        "metric_name": per_target([registry.metrics[t.metric].name for t in targets]),
        "section": per_target([t.section for t in targets]),
        "op": per_target([t.op or "" for t in targets]),
        "threshold": thr,
        "upper": per_target([np.nan if t.upper is None else float(t.upper) for t in targets], float),
        "target_unit": target_unit_t[t_idx],
        "threshold_label": per_target([t.threshold_label for t in targets]),
        "value": val,
        "value_period": vper,
        "gap": gap,
        "deadline": np.where(prev_over, prev_deadline_t[t_idx], deadline_t[t_idx]),
        "deadline_text": np.where(prev_over, prev_deadline_text_t[t_idx], deadline_text_t[t_idx]),
        "days_to_deadline": pd.array(days, dtype="Float64").astype("Int64"),
        "status": _STATUS_ARR[code],
        "status_label": _LABEL_ARR[code],
        "reason": None,
        "quote": per_target([t.quote for t in targets]),
        "lead": per_target(["，".join(t.lead) for t in targets]),
        "done_date": done_date.astype("datetime64[ns]"),
        "deadlines_all": deadlines_all_t[t_idx],
        "deadline_assumed": assumed_t[t_idx],
        "baseline": np.where(quant, flat(baseline), np.nan),
        "baseline_period": np.where(quant, period_lookup[np.where(bk_flat >= 0, bk_flat, n_m)], None),
        "required_value": np.where(quant & has_dl, required, np.where(recur, rec_req, np.nan)),
        "progress_ratio": np.where(quant & has_dl, ratio, np.where(recur, rec_ratio, np.nan)),
        "projected_value": np.where(quant & has_dl & ~met & ~past, proj, np.nan),
        "projected_met": projected_met,
        "trend_slope": np.where(quant, s_flat, np.nan),
        "trend_points": np.where(quant, n_flat, 0),
        "data_age_months": pd.array(np.where(age >= 0, age, np.nan), dtype="Float64").astype("Int64"),
        "was_met": quant & flat(was_met),
        "periods_missed": pd.array(np.where(missed >= 0, missed, np.nan), dtype="Float64").astype("Int64"),
        "due_soon_flag": due_soon_flag,
    }
    # deadline as the reasons cite it: the date, "（假定）", and the other date where the plan gives two
    dl_text_t = np.empty(n_t, dtype=object)
    for i, t in enumerate(targets):
        text = "" if deadline_t[i] is None else deadline_t[i].isoformat()
        others = [x for x in (deadlines_all_t[i] or "").split("；") if x and x != text]
        if assumed_t[i]:
            text += "（假定）"
        elif others and kind_t[i] != 1:
            text += f"（原文另有期限 {'、'.join(others)}）"
        dl_text_t[i] = text
    dl_text = np.where(prev_over, np.array([None if d is None else d.isoformat() for d in prev_deadline_t],
                                           dtype=object)[t_idx], dl_text_t[t_idx])
    f["reason"] = _reasons(f, code, appl, kind, days, age, missed, is_pct, dl_text, dl_day, cur_val,
                           period_lookup[np.where(last_met >= 0, last_met, n_m)], width, cfg, thr_period)
    df = pd.DataFrame({c: (pd.Series(v, dtype=object, copy=False) if isinstance(v, np.ndarray) and v.dtype == object
                           else v) for c, v in f.items()}, columns=LEDGER_COLUMNS, copy=False)
    df.attrs["as_of"] = _ord_str(as_of_ord)
    df.attrs["as_of_date"] = as_of_date.isoformat()
    df.attrs["settings"] = asdict(cfg)
    df.attrs["assumed_deadlines"] = {k: v.isoformat() for k, v in assumed.items()}
    return df


# --------------------------------------------------------------------------------------------------
# reasons: one line a leader understands, defending the status


def _int_text(a: np.ndarray) -> np.ndarray:
    """Whole numbers as text, each distinct number formatted once."""
    uniq, inv = np.unique(np.asarray(a, dtype=np.int64), return_inverse=True)
    return np.array([str(v) for v in uniq], dtype=object)[inv]


def _reasons(f: dict, code: np.ndarray, appl: np.ndarray, kind: np.ndarray, days: np.ndarray, age: np.ndarray,
             missed: np.ndarray, pct: np.ndarray, dl_text: np.ndarray, days_dl: np.ndarray, cur_value: np.ndarray,
             last_met_period: np.ndarray, trend_window: int, cfg: Settings, thr_cmp: np.ndarray) -> np.ndarray:
    """The reason column, built status by status; each piece is formatted only for the rows that cite it."""
    out = np.full(len(appl), "该目标不适用于本级单位", dtype=object)
    if not appl.any():
        return out
    S = _S
    value, unit_of, label_of = f["value"], f["target_unit"], f["threshold_label"]
    done = f["done_date"]

    op_of = f["op"]

    def num(col, r):  # a numeric column formatted with the target's unit
        return format_values(col[r], unit_of[r])

    def val_text(r):  # the judged value: a miss is never printed as reaching the threshold
        return format_values(value[r], unit_of[r], threshold=thr_cmp[r], op=op_of[r])

    def vper(r):
        raw = f["value_period"][r]
        return np.where(pd.isna(raw), "—", raw)

    def day_text(r):
        d = days[r]
        return _int_text(np.where(np.isnan(d), 0, np.abs(d)))

    def miss_text(r):
        ms = missed[r]
        return np.where(ms > 0, np.char.add(np.char.add("；本年已有 ", _int_text(ms).astype(str)), " 个月未达要求")
                        .astype(object), "")

    def per_text(r):
        raw = f["value_period"][r]
        return np.array(["本期" if p is None or p != p else f"本期（{p}）" for p in raw], dtype=object)

    def put(mask, build):
        r = np.flatnonzero(mask)
        if len(r):
            out[r] = np.array(list(build(r)), dtype=object)

    def const(mask, text):
        out[mask] = text

    quant, recur, mile = appl & (kind == 0), appl & (kind == 1), appl & (kind == 2)
    # quantitative
    const(quant & (code == S["no_data"]), "截至本月未收到该单位的相关数据")
    put(quant & (code == S["stale"]), lambda r: (
        f"最新值 {v}（{p}），已 {a} 个月未更新，无法判断当前进展（目标 {lb}）"
        for v, p, a, lb in zip(val_text(r), vper(r), _int_text(age[r]), label_of[r])))
    put(quant & (code == S["met"]), lambda r: (
        f"最新值 {v}（{p}），达到目标 {lb}" for v, p, lb in zip(val_text(r), vper(r), label_of[r])))
    put(quant & (code == S["regressed"]), lambda r: (
        f"曾于 {m} 达标，最新值 {v}（{p}）回落至目标 {lb} 以下"
        for m, v, p, lb in zip(last_met_period[r], val_text(r), vper(r), label_of[r])))
    put(quant & (code == S["overdue"]), lambda r: (
        f"最新值 {v}（{p}），未达目标 {lb}；期限 {dl} 已过 {d} 天"
        for v, p, lb, dl, d in zip(val_text(r), vper(r), label_of[r], dl_text[r], day_text(r))))
    put(quant & (code == S["no_deadline"]), lambda r: (
        f"最新值 {v}（{p}），未达目标 {lb}；原文未规定期限" + (f"，按近期趋势预计 {pm} 达标" if pm else "")
        for v, p, lb, pm in zip(val_text(r), vper(r), label_of[r], f["projected_met"][r])))
    put(quant & (code == S["due_soon"]), lambda r: (
        f"最新值 {v}（{p}），未达目标 {lb}；距期限 {dl} 仅剩 {d} 天"
        for v, p, lb, dl, d in zip(val_text(r), vper(r), label_of[r], dl_text[r], day_text(r))))

    def trend(pv, pm, ratio, req):
        if pv is not None:
            where = f"预计 {pm} 达标" if pm else "按此趋势期限内难以达标"
            return f"按近{trend_window}个月趋势，期限时预计 {pv}，{where}"
        if ratio == ratio:
            return f"按进度应达 {req}，实际完成进度比 {ratio:.2f}"
        return "数据不足以推算趋势"

    def on_or_behind(r):
        pv = f["projected_value"][r]
        pv_text = np.where(np.isnan(pv), None, num(f["projected_value"], r))
        return (f"最新值 {v}（{p}），目标 {lb}，期限 {dl}；{trend(x, pm, ra, rq)}"
                for v, p, lb, dl, x, pm, ra, rq in zip(val_text(r), vper(r), label_of[r], dl_text[r], pv_text,
                                                      f["projected_met"][r], f["progress_ratio"][r],
                                                      num(f["required_value"], r)))

    put(quant & ((code == S["on_track"]) | (code == S["behind"])), on_or_behind)
    # recurring
    put(recur & (code == S["stale"]), lambda r: (f"已 {a} 个月未报送该项数据，无法判断本期完成情况"
                                                 for a in _int_text(age[r])))
    const(recur & (code == S["no_data"]), "本期未收到该单位的相关数据")
    put(recur & (code == S["met"]), lambda r: (
        f"{pe}已完成 {v}，达到要求 {lb}{m}" for pe, v, lb, m in zip(per_text(r), val_text(r), label_of[r],
                                                                 miss_text(r))))
    def this_period(r):  # the current period's count, cited after a missed previous period
        cv = num(cur_value, r)
        return np.where(np.isnan(cur_value[r]), "；本期尚未收到数据",
                        np.char.add("；本期已完成 ", cv.astype(str)).astype(object))

    put(recur & (code == S["overdue"]), lambda r: (
        f"上期（{p}）已结束，完成 {v}，未达要求 {lb}；期限 {dl} 已过 {d} 天{c}{m}"
        for p, v, lb, dl, d, c, m in zip(vper(r), val_text(r), label_of[r], dl_text[r], day_text(r),
                                         this_period(r), miss_text(r))))
    put(recur & (code == S["no_deadline"]), lambda r: (
        f"{pe}完成 {v}，未达要求 {lb}" for pe, v, lb in zip(per_text(r), val_text(r), label_of[r])))
    put(recur & (code == S["due_soon"]), lambda r: (
        f"{pe}完成 {v}，未达要求 {lb}；距本期结束仅剩 {d} 天{m}"
        for pe, v, lb, d, m in zip(per_text(r), val_text(r), label_of[r], day_text(r), miss_text(r))))
    put(recur & ((code == S["on_track"]) | (code == S["behind"])), lambda r: (
        f"{pe}完成 {v}，按时间进度应完成 {rq}（要求 {lb}），{'进度正常' if c == S['on_track'] else '进度落后'}{m}"
        for pe, v, rq, lb, c, m in zip(per_text(r), val_text(r), num(f["required_value"], r), label_of[r],
                                       code[r], miss_text(r))))

    # milestones
    def done_text(r):
        days_ = done[r].astype("datetime64[D]")
        uniq, inv = np.unique(days_, return_inverse=True)
        return uniq.astype(str).astype(object)[inv]

    def late_days(r):
        return _int_text(done[r].astype("datetime64[D]").astype(np.int64) + 719163 - np.nan_to_num(days_dl[r]))

    put(mile & (code == S["done"]), lambda r: (f"已于 {d} 完成" for d in done_text(r)))
    put(mile & (code == S["done_late"]), lambda r: (
        f"于 {d} 完成，晚于期限 {dl}（{n} 天）" for d, dl, n in zip(done_text(r), dl_text[r], late_days(r))))
    put(mile & (code == S["task_overdue"]), lambda r: (
        f"期限 {dl} 已过 {d} 天，尚未报告完成" for dl, d in zip(dl_text[r], day_text(r))))
    const(mile & (code == S["no_deadline"]), "原文未规定期限，尚未报告完成")
    const(mile & (code == S["no_data"]), "截至本月未收到该单位的任何报表")
    put(mile & (code == S["task_pending"]), lambda r: (
        f"距期限 {dl} 还有 {d} 天{'（临期）' if dd <= cfg.due_soon_days else ''}，尚未报告完成"
        for dl, d, dd in zip(dl_text[r], day_text(r), days[r])))
    return out


def status_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """Counts by status (applicable rows only), in display order: columns ``status, status_label, count``."""
    counts = ledger.loc[ledger["status"] != "not_applicable", "status"].value_counts()
    rows = [(s.code, s.label, int(counts.get(s.code, 0))) for s in sorted(STATUSES, key=lambda s: s.rank)
            if s.code != "not_applicable" and counts.get(s.code, 0)]
    return pd.DataFrame(rows, columns=["status", "status_label", "count"])


# --------------------------------------------------------------------------------------------------
# month over month, rankings


CHANGES = {
    "newly_met": "新达标",
    "newly_overdue": "新增逾期",
    "newly_regressed": "新回落",
    "improved": "好转",
    "worsened": "变差",
    "unchanged": "无变化",
    "new": "新纳入",
}
_MET = statuses.MET
_OVERDUE = statuses.OVERDUE


def previous_month(as_of) -> str:
    """The YYYY-MM month before ``as_of``."""
    o, _ = _as_of(as_of)
    return _ord_str(o - 1)


def month_over_month(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """What changed per unit × target between two ledgers of the same plan (``previous`` one month earlier).

    Columns: ``unit, unit_name, target_id, title, kind, status_before, status, change, change_label,
    value_before, value, gap_change``. ``change`` is, in this order of precedence: ``newly_met`` (met now,
    not before), ``newly_overdue``, ``newly_regressed``, ``improved`` / ``worsened`` (status rank moved, see
    :data:`STATUSES`), ``unchanged``; ``new`` for rows absent from ``previous``. Not-applicable rows are left out.
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
    change = np.select(
        [absent, np.isin(now, list(_MET)) & ~np.isin(before, list(_MET)),
         np.isin(now, list(_OVERDUE)) & ~np.isin(before, list(_OVERDUE)),
         (now == "regressed") & (before != "regressed"), r_now > r_before, r_now < r_before],
        ["new", "newly_met", "newly_overdue", "newly_regressed", "improved", "worsened"],
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


def ranking_metrics(registry: Registry, plan_id: str) -> list[str]:
    """The metrics units of ``plan_id`` are ranked by: those of its quantitative targets, then the plan's
    ``rankings`` (metrics the plan asks to rank without a target, e.g. 乌拉特中旗's 办件量 ``total_cases``,
    网办比率 ``online_case_rate``, 按时办结率 ``ontime_rate``), each once, in that order."""
    plan = registry.plan(plan_id)
    keys = [t.metric for t in plan.targets if t.kind == "quantitative"] + list(plan.rankings)
    return list(dict.fromkeys(keys))


def rank_units(registry: Registry, plan_id: str, returns: ReturnSet, as_of, metrics: list[str] | None = None,
               ) -> pd.DataFrame:
    """Rank the plan's units per metric by their latest value up to ``as_of`` (1 = best).

    Higher values rank first unless the metric is lower-is-better (``higher_is_better: false`` in
    metrics.yaml); ties share the better rank. ``metrics`` defaults to :func:`ranking_metrics` (the
    metrics of the plan's quantitative targets, then the plan's ``rankings``). Columns: ``metric,
    metric_name, unit, unit_name, value, value_period, rank, of``. Units without a value are listed last
    without a rank.
    """
    as_of_ord, _ = _as_of(as_of)
    keys = list(metrics) if metrics else ranking_metrics(registry, plan_id)
    unknown = [k for k in keys if k not in registry.metrics]
    if unknown:
        raise ParameterError("metrics", "、".join(unknown), "metrics.yaml 中定义的指标代码")
    values = metric_values(registry, plan_id, returns.observations, keys)
    if len(values):
        values = values[_period_ords(values["period"].to_numpy(dtype=object)) <= as_of_ord]
    latest = values.groupby(["unit", "metric"], sort=False).tail(1)
    units = registry.unit_list(plan_id)
    frames = []
    for key in keys:
        m = registry.metrics[key]
        part = pd.DataFrame({"unit": [u.id for u in units], "unit_name": [u.name for u in units]})
        lv = latest[latest["metric"] == key].set_index("unit")
        part["value"] = lv["value"].reindex(part["unit"]).to_numpy()
        part["value_period"] = lv["period"].reindex(part["unit"]).to_numpy()
        part["rank"] = part["value"].rank(ascending=not m.higher_is_better, method="min").astype("Int64")
        part["of"] = int(part["value"].notna().sum())
        part.insert(0, "metric_name", m.name)
        part.insert(0, "metric", key)
        frames.append(part.sort_values(["rank", "unit"], na_position="last", kind="stable"))
    cols = ["metric", "metric_name", "unit", "unit_name", "value", "value_period", "rank", "of"]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
