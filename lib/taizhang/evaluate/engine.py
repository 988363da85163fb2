"""The ledger: one row per unit × target of a plan at an as-of date (:func:`evaluate`).

The steps, each a function: the plan's targets as arrays (:mod:`.targets`); the month axis and the field
cube (:mod:`.cube`); one pass per metric scanning its (unit × month) array (:func:`_scan_metrics`, with the
judges of :mod:`.judges`); the ledger rows and their facts (:func:`_judge_rows`); the statuses from the
precedence tables (:mod:`.rules`); the frame (:func:`_assemble`); the reasons (:mod:`.narrate`).

The work is vectorised: the observations are scattered once into a (field × unit × month) array, each
metric becomes a (unit × month) array, and every status is decided on flat (target × unit) arrays. Python
loops run over metrics and targets only, never over units or months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..forecast import theil_sen
from ..kernel import statuses
from ..kernel.formatting import constant_texts
from ..kernel.months import Month, MonthError, label as month_label, ordinals as month_ordinals
from ..returns import ReturnSet
from ..targets import Registry
from . import judges, rules
from .cube import codes, field_cube, metric_array
from .narrate import reasons
from .settings import ReadOnlyDict, Settings
from .targets import KINDS, TargetAxis, check_assumed, deadline_texts, target_axis

LEDGER_COLUMNS = [
    "unit", "unit_name", "unit_level", "target_id", "title", "kind", "metric", "metric_name", "section",
    "op", "threshold", "upper", "target_unit", "threshold_label", "value", "value_period", "gap",
    "deadline", "deadline_text", "days_to_deadline", "status", "status_label", "reason", "quote", "lead",
    "done_date",
    # progress judgement (issue "Judging progress")
    "deadlines_all", "deadline_assumed", "baseline", "baseline_period", "required_value", "progress_ratio",
    "projected_value", "projected_met", "trend_slope", "trend_points", "data_age_months", "was_met",
    "periods_missed", "due_soon_flag",
    # rules that match the plans' meaning (issue 12 point 5)
    "status_note",
]

_STATUS_ARR = np.array(statuses.ORDER, dtype=object)
_LABEL_ARR = np.array([s.label for s in statuses.STATUSES], dtype=object)
_KIND_ARR = np.array(list(KINDS), dtype=object)


def as_of_month(as_of) -> tuple[int, date]:
    """The as-of month (as an ordinal) and day. A YYYY-MM month means its last day."""
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    if isinstance(as_of, date):
        return Month.parse(as_of).ordinal, as_of
    try:
        m = Month.parse(as_of)
    except MonthError as err:
        raise ParameterError("as_of", as_of, err.allowed + "，或日期") from None
    return m.ordinal, m.end


def evaluate(registry: Registry, plan_id: str, returns: ReturnSet, as_of, settings: Settings | None = None, *,
             assumed_deadlines: dict | None = None, include_not_applicable: bool = True,
             **method) -> pd.DataFrame:
    """The ledger: one row per unit × target of ``plan_id`` at ``as_of`` (a YYYY-MM month or a date).

    ``settings`` holds the judgement's parameters (:class:`Settings`; default: the documented defaults).
    ``**method`` is the keyword form of the same fields (``due_soon_days=30``), for callers that hold a
    scenario's ``method`` mapping; any other name is refused. Only data of months up to the as-of month is
    seen. Statuses and their precedence: :mod:`taizhang.evaluate.rules` and ``docs/evaluation.md``.

    A deadline day itself is still in time; the day after is overdue. Two deadlines: judged by the earlier,
    both listed in ``deadlines_all``. ``gap`` is the margin to the target in the target's unit (value −
    threshold for ≥, threshold − value for ≤): ≥ 0 means met. ``required_value`` is the glide-path value at
    the as-of date, ``progress_ratio`` actual / required change since the baseline; ``projected_value`` the
    Theil–Sen trend of the last ``trend_months`` months at the deadline, ``projected_met`` the month the trend
    reaches the target (YYYY-MM, empty if not within ``horizon_months``). ``assumed_deadlines`` maps target ids
    without a deadline to an assumed date; those rows carry ``deadline_assumed`` and say so in the reason.
    ``include_not_applicable=False`` (an output switch, not a method parameter) leaves out the
    ``not_applicable`` rows; the other rows are the same either way. ``status_note`` flags a row for checking
    (a 达标后回落 resting on a single month's value: ``待核实：仅一个月数据回落``). The settings used are kept in
    ``ledger.attrs["settings"]``. Parameters out of range raise :class:`~taizhang.errors.ParameterError`.
    """
    cfg = Settings.of(settings, **method)
    as_of_ord, as_of_date = as_of_month(as_of)
    plan = registry.plan(plan_id)
    assumed = check_assumed(plan, assumed_deadlines)
    units = registry.unit_list(plan_id)
    if not units or not plan.targets:
        return pd.DataFrame(columns=LEDGER_COLUMNS)
    ta = target_axis(plan, units, assumed, as_of_ord)
    axis = _MonthAxis.of(returns.observations, ta.plan_ord, as_of_ord)
    scan = _scan_metrics(registry, ta, units, returns.observations, axis, cfg)
    rows = _Rows.of(ta, include_not_applicable)
    judged = _judge_rows(registry, ta, rows, scan, axis, returns.tasks, as_of_date.toordinal(), cfg)
    frame = _assemble(registry, ta, units, rows, scan, axis, judged, cfg)
    df = pd.DataFrame({c: (pd.Series(v, dtype=object, copy=False) if isinstance(v, np.ndarray) and v.dtype == object
                           else v) for c, v in frame.items()}, columns=LEDGER_COLUMNS, copy=False)
    df.attrs["as_of"] = month_label(as_of_ord)
    df.attrs["as_of_date"] = as_of_date.isoformat()
    df.attrs["settings"] = ReadOnlyDict(cfg.as_dict())
    df.attrs["assumed_deadlines"] = ReadOnlyDict({k: v.isoformat() for k, v in assumed.items()})
    return df


@dataclass
class _MonthAxis:
    """The months the arrays span: from the earliest of the data, the plan's month and the as-of month."""

    first: int
    n: int
    as_of: int
    plan_k: int
    month_end_day: np.ndarray
    period_codes: np.ndarray
    period_ords: np.ndarray

    @classmethod
    def of(cls, obs: pd.DataFrame, plan_ord: int, as_of_ord: int) -> "_MonthAxis":
        per_codes, per_labels = codes(obs["period"]) if len(obs) else (np.zeros(0, np.int64), np.zeros(0, object))
        ords = month_ordinals(per_labels)
        seen = ords[(ords >= 0) & (ords <= as_of_ord)]
        first = int(min(seen.min(), plan_ord, as_of_ord)) if len(seen) else min(plan_ord, as_of_ord)
        n = as_of_ord - first + 1
        ends = np.array([Month(first + k).end.toordinal() for k in range(n)], dtype=float)
        return cls(first, n, as_of_ord, plan_ord - first, ends, per_codes, ords)

    def labels(self) -> np.ndarray:
        """YYYY-MM of each month position, and None at position ``n`` (the "no month" index)."""
        return np.array([month_label(self.first + k) for k in range(self.n)] + [None], dtype=object)


@dataclass
class _Scan:
    """Per target × unit results of the metric pass (quantitative and recurring targets)."""

    value: np.ndarray
    value_k: np.ndarray
    baseline: np.ndarray
    base_k: np.ndarray
    was_met: np.ndarray
    last_met_k: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray
    points: np.ndarray
    periods_missed: np.ndarray
    prev_value: np.ndarray
    reported_u: np.ndarray
    width: int
    unit_pos: dict
    thr_eff: np.ndarray  # per target: the threshold judged (judges.effective_threshold)
    short_dl: np.ndarray  # met now, but not at the deadline (the latest value on or before its month fell short)
    dl_k: np.ndarray  # the month of that value at the deadline (−1: none)
    dl_value: np.ndarray  # and the value
    met_after_k: np.ndarray  # the first month after the deadline's that met the target (−1: none)
    below: np.ndarray  # reported months below the target since it was last met (not met now, met before)
    span: np.ndarray | None = None  # months from the unit's first value in the trend window to the as-of month

    @classmethod
    def empty(cls, n_t: int, n_u: int, width: int, unit_pos: dict, thr_eff: np.ndarray) -> "_Scan":
        shape = (n_t, n_u)

        def nan():
            return np.full(shape, np.nan)

        def pos():  # month positions and month counts: int32 (half the memory of int64 to fill and read)
            return np.full(shape, -1, dtype=np.int32)

        return cls(value=nan(), value_k=pos(), baseline=nan(), base_k=pos(), was_met=np.zeros(shape, dtype=bool),
                   last_met_k=pos(), slope=nan(), intercept=nan(), points=np.zeros(shape, dtype=np.int64),
                   periods_missed=pos(), prev_value=nan(), reported_u=np.zeros(n_u, dtype=bool), width=width,
                   unit_pos=unit_pos, thr_eff=thr_eff, short_dl=np.zeros(shape, dtype=bool), dl_k=pos(),
                   dl_value=nan(), met_after_k=pos(), below=np.zeros(shape, dtype=np.int32),
                   span=np.zeros(shape, dtype=np.int16))


def _scan_metrics(registry: Registry, ta: TargetAxis, units, obs: pd.DataFrame, axis: _MonthAxis,
                  cfg: Settings) -> _Scan:
    """One pass per metric over the units its targets apply to: latest values, baselines, was-met, recurring
    counts, and the Theil–Sen trend of the units that do not meet a target now."""
    targets = ta.targets
    used = list(dict.fromkeys(t.metric for t in targets if t.kind != "milestone"))
    fields = list(dict.fromkeys(f for m in used for f in registry.metrics[m].fields if f))
    unit_pos = {u.id: i for i, u in enumerate(units)}
    cube, field_pos = field_cube(obs, unit_pos, fields, axis.first, axis.n)
    n_u = len(units)
    is_pct_t = np.array([t.unit == "%" for t in targets], dtype=bool)
    thr_eff = judges.effective_threshold(ta.threshold, ta.opc, is_pct_t, cfg.achieved_tolerance)
    scan = _Scan.empty(ta.n, n_u, min(cfg.trend_months, axis.n), unit_pos, thr_eff)
    t_axis = np.arange(-scan.width + 1, 1, dtype=float)
    targets_of: dict[str, list[int]] = {}
    for i, t in enumerate(targets):
        if t.kind != "milestone":
            targets_of.setdefault(t.metric, []).append(i)
    for key, tix in targets_of.items():
        rel = np.flatnonzero(ta.applicable[tix].any(axis=0))
        if len(rel) == 0:
            continue
        rows = None if len(rel) == n_u else rel
        sub = slice(None) if rows is None else rel
        V = metric_array(registry.metrics[key], cube, field_pos, rows)
        latest = judges.Latest.of(V, axis.plan_k)
        scan.reported_u[rel[latest.any]] = True
        need = np.zeros(V.shape[0], dtype=bool)
        for i in tix:
            op, thr = targets[i].op or "", thr_eff[i]
            scan.value_k[i, sub] = latest.month
            if ta.kind[i] == 0:
                scan.value[i, sub], scan.baseline[i, sub], scan.base_k[i, sub] = (
                    latest.value, latest.base_value, latest.base_month)
                dl = ta.deadline[i]
                dl_k = None if dl is None else Month.parse(dl).ordinal - axis.first
                qs = judges.scan_quantitative(V, latest, op, thr, dl_k)
                scan.was_met[i, sub], scan.last_met_k[i, sub] = qs.ever, qs.last_met
                scan.short_dl[i, sub], scan.dl_k[i, sub], scan.dl_value[i, sub], scan.met_after_k[i, sub] = (
                    qs.short_at_deadline, qs.dl_month, qs.dl_value, qs.met_after)
                scan.below[i, sub] = qs.below
                need |= ta.applicable[i, sub] & qs.needs_trend
            else:
                _scan_recurring(scan, ta, i, sub, V, axis)
        if need.any():
            sel = np.flatnonzero(need)
            window = V[sel, axis.n - scan.width:]
            s, a, n = theil_sen(window, t_axis, cfg.min_trend_points)
            span = scan.width - np.argmax(~np.isnan(window), axis=1)  # the unit's own months (近N个月)
            for i in tix:
                if ta.kind[i] == 0:
                    scan.slope[i, rel[sel]], scan.intercept[i, rel[sel]], scan.points[i, rel[sel]] = s, a, n
                    scan.span[i, rel[sel]] = span
        del V, latest
    _reported_units(scan, ta, obs, cube, axis)
    return scan


def _scan_recurring(scan: _Scan, ta: TargetAxis, i: int, sub, V: np.ndarray, axis: _MonthAxis) -> None:
    """Fill the recurring target ``i``'s counts into ``scan`` (this period, the previous one, months missed)."""
    k0 = max(int(ta.period_start[i]) - axis.first, 0)
    prev = None
    if ta.prev_end[i] >= axis.first:
        prev = (max(int(ta.prev_start[i]) - axis.first, 0), int(ta.prev_end[i]) - axis.first)
    year_start = max(max(axis.as_of - axis.as_of % 12, ta.plan_ord) - axis.first, 0)
    multiples = judges.per_month(ta.recurrence[i], axis.first, axis.n)
    value, prev_value, missed = judges.scan_recurring(V, ta.targets[i].op or "", ta.threshold[i], multiples,
                                                      ta.recurrence[i], k0, prev, year_start)
    scan.value[i, sub] = value
    if prev_value is not None:
        scan.prev_value[i, sub] = prev_value
    if missed is not None:
        scan.periods_missed[i, sub] = missed


def _reported_units(scan: _Scan, ta: TargetAxis, obs: pd.DataFrame, cube: np.ndarray, axis: _MonthAxis) -> None:
    """Mark the units that sent any return up to the as-of month (a milestone's ``no_data`` needs it)."""
    mile_t = ta.kind == 2
    if not (mile_t.any() and len(obs)):
        return
    todo = np.flatnonzero(ta.applicable[mile_t].any(axis=0) & ~scan.reported_u)
    for f in range(cube.shape[0]):
        if len(todo) == 0:
            return
        hit = ~np.isnan(cube[f, todo]).all(axis=1)
        scan.reported_u[todo[hit]] = True
        todo = todo[~hit]
    if len(todo):  # units whose returns carry none of the fields above: one pass over the rows
        uc, ulab = codes(obs["unit"])
        upos = np.array([scan.unit_pos.get(x, -1) for x in ulab] + [-1])[uc]
        pok = np.append((axis.period_ords >= 0) & (axis.period_ords <= axis.as_of), False)[axis.period_codes]
        scan.reported_u[np.unique(upos[pok & (upos >= 0)])] = True


@dataclass
class _Rows:
    """The ledger rows (target-major, as in the registry): target and unit index of each row."""

    t_idx: np.ndarray
    u_idx: np.ndarray
    sel: np.ndarray | None  # positions in the flat (target × unit) arrays; None = every pair

    @classmethod
    def of(cls, ta: TargetAxis, include_not_applicable: bool) -> "_Rows":
        n_t, n_u = ta.applicable.shape
        if include_not_applicable:
            return cls(np.repeat(np.arange(n_t), n_u), np.tile(np.arange(n_u), n_t), None)
        # only the applicable rows (a national run: most unit × target pairs are of another level)
        sel = np.flatnonzero(ta.applicable.reshape(-1))
        t_idx, u_idx = np.divmod(sel, n_u)
        return cls(t_idx, u_idx, sel)

    def flat(self, a: np.ndarray) -> np.ndarray:
        """A (target × unit) array as ledger rows."""
        a = a.reshape(-1)
        return a if self.sel is None else a[self.sel]


def _judge_rows(registry: Registry, ta: TargetAxis, rows: _Rows, scan: _Scan, axis: _MonthAxis, tasks,
                as_of_day: int, cfg: Settings) -> dict:
    """Every row's facts, its status (first rule that holds, per kind) and the numbers the ledger shows.

    Returns a dict of row arrays: the facts' inputs (value, gap, days …), ``code`` (position in the status
    table), the kind-specific results and ``shown``: a recurring row overdue for the previous period shows
    that period (its count, deadline, margin, required value and ratio).
    """
    t_idx = rows.t_idx
    appl, kind, opc = rows.flat(ta.applicable), ta.kind[t_idx], ta.opc[t_idx]
    thr, sign = ta.threshold[t_idx], ta.sign[t_idx]
    val = rows.flat(scan.value)
    days = (ta.dl_day - as_of_day)[t_idx]
    has_dl = ~np.isnan(days)
    quant, recur, mile = kind == 0, kind == 1, kind == 2
    is_pct = np.array([t.unit == "%" for t in ta.targets])[t_idx]
    # the count a recurring period requires (每周 / 每日: this month's weeks / working days); a quantitative
    # target's effective threshold (a 100 % target less achieved_tolerance, 0 by default)
    thr_period = np.where(quant, scan.thr_eff[t_idx], thr * ta.per_month[t_idx])
    met = judges.meets(val, opc, thr_period) & ~np.isnan(val)
    with np.errstate(invalid="ignore"):
        gap = np.where(np.isnan(val) | np.isnan(thr), np.nan, sign * (val - thr_period))
    past, soon = _deadline_window(ta, t_idx, days, has_dl, recur, axis, as_of_day, cfg)
    vk = rows.flat(scan.value_k)
    age = np.where(vk >= 0, (axis.n - 1) - vk, -1)
    bk = rows.flat(scan.base_k)
    base_day = np.where(bk >= 0, axis.month_end_day[np.maximum(bk, 0)], np.nan)
    is_rate = np.array([registry.metrics[t.metric].type == "rate" for t in ta.targets])[t_idx]
    q = judges.quantitative_facts(val, rows.flat(scan.baseline), base_day, as_of_day, ta.dl_day[t_idx], days, thr,
                                  thr_period, opc, sign, is_rate, rows.flat(scan.slope), rows.flat(scan.intercept),
                                  cfg)
    span_t = np.array([judges.PERIOD_MONTHS.get(r, 1) for r in ta.recurrence])
    elapsed_t = np.where(ta.kind == 1, axis.as_of - ta.period_start + 1, 1)
    prev_val = rows.flat(scan.prev_value)
    r = judges.recurring_facts(val, prev_val, thr, thr_period, opc, span_t[t_idx], elapsed_t[t_idx],
                               ta.per_month[t_idx])
    done_day = _done_days(ta, rows, tasks, scan, axis) if mile.any() else np.full(len(t_idx), -1, dtype=np.int64)
    is_done, late = judges.milestone_facts(done_day, has_dl, ta.dl_day[t_idx])
    facts = rules.Facts(applicable=appl, has_value=~np.isnan(val), stale=cfg.is_stale(age), met=met,
                        was_met=quant & rows.flat(scan.was_met), has_deadline=has_dl, past=past, soon=soon,
                        on_pace=np.where(quant, q.on_pace, r.on_pace), previous_short=recur & r.previous_short,
                        done=is_done, done_late=late, reported=scan.reported_u[rows.u_idx],
                        short_at_deadline=quant & rows.flat(scan.short_dl))
    code = np.select([quant, recur], [rules.decide(rules.QUANTITATIVE, facts), rules.decide(rules.RECURRING, facts)],
                     default=rules.decide(rules.MILESTONE, facts))
    # overdue for the previous period (rule 2), not for the current one ended this month
    prev_over = recur & (code == rules.POSITION["overdue"]) & facts.previous_short
    rec_req, rec_ratio, cur_val = r.required, r.ratio, val
    if prev_over.any():
        val = np.where(prev_over, prev_val, val)
        days = np.where(prev_over, (ta.prev_day - as_of_day)[t_idx], days)
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.where(prev_over, sign * (prev_val - thr_period), gap)
            rec_ratio = np.where(prev_over, np.where(thr_period > 0, prev_val / thr_period, np.nan), rec_ratio)
        rec_req = np.where(prev_over, thr_period, rec_req)
    due_soon_flag = appl & soon & ~met & ~is_done & ((code == rules.POSITION["due_soon"])
                                                     | (code == rules.POSITION["task_pending"]))
    return dict(appl=appl, kind=kind, quant=quant, recur=recur, is_pct=is_pct, thr_period=thr_period, met=met,
                novalue=np.isnan(cur_val), val=val, cur_val=cur_val, gap=gap, days=days, has_dl=has_dl, past=past,
                age=age, vk=vk, bk=bk, q=q, rec_req=rec_req, rec_ratio=rec_ratio, prev_over=prev_over,
                done_day=done_day, code=code, due_soon_flag=due_soon_flag)


def period_end_reading(as_of_day: int, as_of_ord: int) -> bool:
    """Whether the as-of day is the last day of its month: a report for month M is read after M has ended."""
    return as_of_day == Month(as_of_ord).end.toordinal()


def _deadline_window(ta: TargetAxis, t_idx: np.ndarray, days: np.ndarray, has_dl: np.ndarray, recur: np.ndarray,
                     axis: "_MonthAxis", as_of_day: int, cfg: Settings) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the deadline has passed, and the deadline is near (临期).

    Period-end reading (the as-of day is a month's last day, as for every YYYY-MM report): a deadline in
    the as-of month has passed — the report is read after the month — and the deadline is near when it falls
    1–``due_soon_months`` months after the as-of month; a recurring period is never near in its first half
    (a quarterly duty is not 临期 in its first month). A mid-month date: the deadline day itself is still in
    time, and near means 0–``due_soon_days`` days away.
    """
    with np.errstate(invalid="ignore"):
        if not period_end_reading(as_of_day, axis.as_of):
            return has_dl & (days < 0), has_dl & (days >= 0) & (days <= cfg.due_soon_days)
        dl_mo_t = np.array([Month.parse(d).ordinal if d is not None else -1 for d in ta.deadline], dtype=np.int64)
        span_t = np.array([judges.PERIOD_MONTHS.get(r, 1) for r in ta.recurrence])
        ahead = (dl_mo_t - axis.as_of)[t_idx]
        past = has_dl & (days <= 0)
        soon = (has_dl & (ahead >= 1) & (ahead <= cfg.due_soon_months)
                & (~recur | (2 * ahead < span_t[t_idx])))
    return past, soon


def _done_days(ta: TargetAxis, rows: _Rows, tasks: pd.DataFrame, scan: _Scan, axis: _MonthAxis) -> np.ndarray:
    """Per row: the earliest completion day reported on the 任务完成情况 sheet up to the as-of month (−1: none).

    Units that reported a task count as having sent a return (``reported_u``).
    """
    n_u = ta.applicable.shape[1]
    if not len(tasks):
        return np.full(len(rows.t_idx), -1, dtype=np.int64)
    tpos = {t.id: i for i, t in enumerate(ta.targets) if t.kind == "milestone"}
    tc, tlab = codes(tasks["target_id"])
    uc, ulab = codes(tasks["unit"])
    tmap = np.array([tpos.get(x, -1) for x in tlab] + [-1])[tc]
    umap = np.array([scan.unit_pos.get(x, -1) for x in ulab] + [-1])[uc]
    scan.reported_u[umap[umap >= 0]] = True
    dd = _day_numbers(tasks["done_date"].to_numpy(dtype=object))
    tp = month_ordinals(tasks["period"].to_numpy(dtype=object))
    ok = (tmap >= 0) & (umap >= 0) & (dd >= 0) & (tp >= 0) & (tp <= axis.as_of)
    best = np.full(ta.n * n_u, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, tmap[ok] * n_u + umap[ok], dd[ok])
    return rows.flat(np.where(best == np.iinfo(np.int64).max, -1, best))


def _day_numbers(values) -> np.ndarray:
    """Proleptic ordinals (date.toordinal) of dates / Timestamps / ISO strings; −1 where missing."""
    codes_, uniques = pd.factorize(pd.Series(values, dtype=object), sort=False)
    days = np.full(len(uniques) + 1, -1, dtype=np.int64)
    for i, v in enumerate(uniques):
        try:
            days[i] = pd.Timestamp(v).date().toordinal()
        except (ValueError, TypeError):
            days[i] = -1
    return days[codes_]


def _since_note(registry: Registry, target) -> str:
    """What a 无数据 reason adds for a target whose metric reads a field added to the template later
    (metrics.yaml ``since``): returns made from the older template do not carry it."""
    if target.kind == "milestone":
        return ""
    added = [(registry.fields[f].name, registry.fields[f].since) for f in registry.metrics[target.metric].fields
             if f and registry.fields[f].since]
    if not added:
        return ""
    names = "、".join(f"“{n}”" for n, _ in added)
    return f"（{names}自 {min(s for _, s in added)} 起列入报表模板，此前按旧模板报送的报表未含此项）"


def _assemble(registry: Registry, ta: TargetAxis, units, rows: _Rows, scan: _Scan, axis: _MonthAxis, j: dict,
              cfg: Settings) -> dict:
    """The ledger's columns (:data:`LEDGER_COLUMNS`, in that order) as row arrays, the reasons last (they cite
    the others). The columns come in three groups: what each row is (:func:`_target_columns`), where it stands
    (:func:`_state_columns`) and how it progresses (:func:`_progress_columns`)."""
    dt = deadline_texts(ta)
    period_lookup = axis.labels()
    columns = {**_target_columns(registry, ta, units, rows, j, dt),
               **_state_columns(ta, rows, axis, j, dt, period_lookup),
               **_progress_columns(rows, scan, axis, j, cfg, period_lookup), "reason": None, "status_note": None}
    f = {c: columns[c] for c in LEDGER_COLUMNS}
    unconfirmed = (j["code"] == rules.POSITION["regressed"]) & (rows.flat(scan.below) < judges.REGRESS_CONFIRM_MONTHS)
    f["status_note"] = np.where(unconfirmed, judges.REGRESS_UNCONFIRMED, "").astype(object)
    f["reason"] = _reason_column(f, registry, ta, rows, scan, axis, j, cfg, dt, period_lookup, unconfirmed)
    return f


def _per_target(values, t_idx: np.ndarray, dtype=object) -> np.ndarray:
    """One value per target as ledger rows."""
    return np.array(values, dtype=dtype)[t_idx]


def _target_columns(registry: Registry, ta: TargetAxis, units, rows: _Rows, j: dict, dt) -> dict:
    """What each row is: its unit, and its target as the plan states it (threshold, quote, deadlines as written)."""
    t_idx, u_idx = rows.t_idx, rows.u_idx
    targets = ta.targets
    target_unit_t = np.array([t.unit or "" for t in targets], dtype=object)
    return {
        "unit": np.array([u.id for u in units], dtype=object)[u_idx],
        "unit_name": np.array([u.name for u in units], dtype=object)[u_idx],
        "unit_level": np.array([u.level for u in units], dtype=object)[u_idx],
        "target_id": _per_target([t.id for t in targets], t_idx),
        "title": _per_target([t.title for t in targets], t_idx),
        "kind": _KIND_ARR[j["kind"]],
        "metric": _per_target([t.metric for t in targets], t_idx),
        "metric_name": _per_target([registry.metrics[t.metric].name for t in targets], t_idx),
        "section": _per_target([t.section for t in targets], t_idx),
        "op": _per_target([t.op or "" for t in targets], t_idx),
        "threshold": ta.threshold[t_idx],
        "upper": _per_target([np.nan if t.upper is None else float(t.upper) for t in targets], t_idx, float),
        "target_unit": target_unit_t[t_idx],
        "threshold_label": _per_target([t.threshold_label for t in targets], t_idx),
        "quote": _per_target([t.quote for t in targets], t_idx),
        "lead": _per_target(["，".join(t.lead) for t in targets], t_idx),
        "deadlines_all": dt.all[t_idx],
        "deadline_assumed": ta.assumed[t_idx],
    }


def _state_columns(ta: TargetAxis, rows: _Rows, axis: _MonthAxis, j: dict, dt, period_lookup: np.ndarray) -> dict:
    """Where each row stands: the value shown and its month, the margin, the deadline judged by, the status and
    a milestone's completion date."""
    t_idx, prev_over = rows.t_idx, j["prev_over"]
    done_day = j["done_day"]
    done_date = np.where(done_day >= 0, done_day - 719163, np.iinfo(np.int64).min).astype("datetime64[D]")
    return {
        "value": j["val"],
        "value_period": _value_periods(ta, rows, axis, j, period_lookup),
        "gap": j["gap"],
        "deadline": np.where(prev_over, dt.prev_deadline[t_idx], ta.deadline[t_idx]),
        "deadline_text": np.where(prev_over, dt.prev_text[t_idx], dt.text[t_idx]),
        "days_to_deadline": pd.array(j["days"], dtype="Float64").astype("Int64"),
        "status": _STATUS_ARR[j["code"]],
        "status_label": _LABEL_ARR[j["code"]],
        "done_date": done_date.astype("datetime64[ns]"),
    }


def _value_periods(ta: TargetAxis, rows: _Rows, axis: _MonthAxis, j: dict, period_lookup: np.ndarray) -> np.ndarray:
    """Per row, the month of the value shown; a recurring row's period (``YYYY年M月–YYYY年M月``), the previous
    one for a row overdue for it."""
    t_idx, vk = rows.t_idx, j["vk"]
    rec_label_t = np.array([f"{month_label(int(s))}–{month_label(axis.as_of)}" if s >= 0 else None
                            for s in ta.period_start], dtype=object)
    prev_label_t = np.array([f"{month_label(int(s))}–{month_label(int(e))}" if e >= 0 else None
                             for s, e in zip(ta.prev_start, ta.prev_end)], dtype=object)
    vper = np.where(j["recur"], np.where(j["novalue"], None, rec_label_t[t_idx]),
                    period_lookup[np.where(vk >= 0, vk, axis.n)])
    return np.where(j["prev_over"], prev_label_t[t_idx], vper)


def _progress_columns(rows: _Rows, scan: _Scan, axis: _MonthAxis, j: dict, cfg: Settings,
                      period_lookup: np.ndarray) -> dict:
    """How each row progresses: baseline, glide path, trend projection, data age, missed periods, 临期."""
    quant, recur, q = j["quant"], j["recur"], j["q"]
    met, has_dl, bk, age = j["met"], j["has_dl"], j["bk"], j["age"]
    future_lookup = np.array([""] + [month_label(axis.as_of + k) for k in range(1, cfg.horizon_months + 1)],
                             dtype=object)
    cross = q.crossing
    projected_met = np.where(quant & ~met & ~np.isnan(cross), future_lookup[np.nan_to_num(cross).astype(np.int64)], "")
    missed = rows.flat(scan.periods_missed)
    return {
        "baseline": np.where(quant, rows.flat(scan.baseline), np.nan),
        "baseline_period": period_lookup[np.where(quant & (bk >= 0), bk, axis.n)],
        "required_value": np.where(quant & has_dl, q.required, np.where(recur, j["rec_req"], np.nan)),
        "progress_ratio": np.where(quant & has_dl, q.ratio, np.where(recur, j["rec_ratio"], np.nan)),
        "projected_value": np.where(quant & has_dl & ~met & ~j["past"], q.projected, np.nan),
        "projected_met": projected_met,
        "trend_slope": np.where(quant, rows.flat(scan.slope), np.nan),
        "trend_points": np.where(quant, rows.flat(scan.points), 0),
        "data_age_months": pd.array(np.where(age >= 0, age, np.nan), dtype="Float64").astype("Int64"),
        "was_met": quant & rows.flat(scan.was_met),
        "periods_missed": pd.array(np.where(missed >= 0, missed, np.nan), dtype="Float64").astype("Int64"),
        "due_soon_flag": j["due_soon_flag"],
    }


def _reason_column(f: dict, registry: Registry, ta: TargetAxis, rows: _Rows, scan: _Scan, axis: _MonthAxis,
                   j: dict, cfg: Settings, dt, period_lookup: np.ndarray, unconfirmed: np.ndarray) -> np.ndarray:
    """The reasons (:func:`.narrate.reasons`), citing the other columns ``f`` and the plan-meaning facts."""
    t_idx, code, prev_over = rows.t_idx, j["code"], j["prev_over"]
    late = code == rules.POSITION["met_late"]
    dl_k, after_k = rows.flat(scan.dl_k), rows.flat(scan.met_after_k)
    value_at = np.where(late, rows.flat(scan.dl_value), np.nan)
    monthly = j["recur"] & np.array([r in ("week", "day") for r in ta.recurrence], dtype=bool)[t_idx]
    cal_note_t = np.array([judges.calendar_note(r, axis.as_of) for r in ta.recurrence], dtype=object)
    extra = dict(value_at_deadline=value_at, deadline_period=period_lookup[np.where(late & (dl_k >= 0), dl_k, axis.n)],
                 met_after_period=period_lookup[np.where(late & (after_k >= 0), after_k, axis.n)],
                 unconfirmed=unconfirmed, monthly=monthly, calendar_note=cal_note_t[t_idx],
                 tolerance=cfg.achieved_tolerance, threshold=ta.threshold[t_idx])
    cited = np.where(prev_over, dt.prev_cited[t_idx], dt.cited[t_idx])
    last_met = rows.flat(scan.last_met_k)
    return reasons(f, code, j["appl"], j["kind"], j["days"], j["age"], rows.flat(scan.periods_missed), cited,
                   ta.dl_day[t_idx], j["cur_val"], period_lookup[np.where(last_met >= 0, last_met, axis.n)],
                   scan.width, cfg, j["thr_period"], prev_over, extra, trend_span=rows.flat(scan.span),
                   field_note=_per_target([_since_note(registry, t) for t in ta.targets], t_idx))
