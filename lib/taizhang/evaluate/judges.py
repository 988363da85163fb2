"""The judges: what each kind of target needs to know before a status can be decided.

Each judge works on arrays (never loops over units or months) and records its intermediates by name:

* :func:`scan_quantitative` / :func:`scan_recurring` — one metric's (unit × month) array → per target ×
  unit: the value judged, baseline, whether and when it was met; this period's count, the previous period's,
  the months missed;
* :func:`quantitative_facts`, :func:`recurring_facts`, :func:`milestone_facts` — per ledger row: met, gap,
  glide path, trend projection, pace, previous-period shortfall, completion — the :class:`~.rules.Facts`
  the precedence tables (:mod:`.rules`) decide on, plus the numbers the ledger shows.

The method is written down in ``docs/evaluation.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from functools import lru_cache

from ..forecast import DAYS_PER_MONTH, crossing_months, glide_path
from ..kernel.workdays import month_days

EPS = 1e-9

#: months a recurring period spans; periods shorter than the monthly return (每周, 每日) are counted per month,
#: the month's requirement being the per-period count × the month's weeks or working days (:func:`per_month`)
PERIOD_MONTHS = {"year": 12, "half_year": 6, "quarter": 3, "month": 1, "week": 1, "day": 1}
OPS = {">=": 0, "<=": 1, "==": 2}
#: reported months below the target, after the last month that met it, that confirm a 达标后回落; with fewer
#: (a single month's value) the row is flagged for checking (``status_note``)
REGRESS_CONFIRM_MONTHS = 2
REGRESS_UNCONFIRMED = "待核实：仅一个月数据回落"


@lru_cache(maxsize=256)
def _multiples(recurrence: str, first: int, n: int) -> tuple[float, ...]:
    if recurrence == "week":
        return tuple(float(month_days(first + k).weeks) for k in range(n))
    if recurrence == "day":
        return tuple(float(month_days(first + k).working_days) for k in range(n))
    return (1.0,) * n


def per_month(recurrence: str, first: int, n: int = 1) -> np.ndarray:
    """Per month (ordinals ``first`` … ``first + n − 1``): the occurrences of a once-per-period duty the month
    requires — its weeks for 每周, its working days for 每日 (the Chinese holiday calendar,
    :func:`taizhang.kernel.workdays.month_days`), 1 for every other recurrence."""
    return np.array(_multiples(recurrence, int(first), int(n)))


def calendar_note(recurrence: str, month_ord: int) -> str:
    """The note to cite when a 每周 / 每日 month's count had to assume Monday–Friday ("" otherwise)."""
    return month_days(int(month_ord)).note if recurrence in ("week", "day") else ""


def effective_threshold(threshold: np.ndarray, opc: np.ndarray, is_pct: np.ndarray, tolerance: float
                        ) -> np.ndarray:
    """The threshold judged: a 100 % target (and a "≤ 0 %" one) less ``tolerance`` percentage points, every
    other target as written. The one place the tolerance is applied — status, was-met, projection and the
    reasons all judge against this value (``achieved_tolerance``, 0 by default: 100 % means 100 %)."""
    if not tolerance:
        return threshold
    return np.where(is_pct & (opc == 0) & (threshold >= 100 - EPS), threshold - tolerance,
                    np.where(is_pct & (opc == 1) & (threshold <= EPS), threshold + tolerance, threshold))


def period_of(recurrence: str, as_of_ord: int) -> tuple[int, int]:
    """First and last month ordinal of the recurrence period holding the as-of month."""
    span = PERIOD_MONTHS[recurrence]
    start = as_of_ord - ((as_of_ord % 12) % span)
    return start, start + span - 1


def meets_scalar(value: np.ndarray, op: str, threshold: float) -> np.ndarray:
    """value meets ``op threshold`` (NaN never meets)."""
    with np.errstate(invalid="ignore"):
        if op == ">=":
            return value >= threshold - EPS
        if op == "<=":
            return value <= threshold + EPS
        if op == "==":
            return np.abs(value - threshold) <= EPS
    return np.zeros(value.shape, dtype=bool)


def meets(value: np.ndarray, opc: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """Row-wise: ``opc`` holds 0 (≥), 1 (≤), 2 (=), 3 (none)."""
    with np.errstate(invalid="ignore"):
        return (((opc == 0) & (value >= threshold - EPS)) | ((opc == 1) & (value <= threshold + EPS))
                | ((opc == 2) & (np.abs(value - threshold) <= EPS)))


# --------------------------------------------------------------------------------------------------
# per metric: one (unit × month) array → per target × unit


@dataclass
class Latest:
    """The latest and the baseline value of each unit in one metric's array (month positions, −1 = none)."""

    has: np.ndarray
    any: np.ndarray
    month: np.ndarray
    value: np.ndarray
    base_month: np.ndarray
    base_value: np.ndarray

    @classmethod
    def of(cls, V: np.ndarray, plan_k: int) -> "Latest":
        n_r, n_m = V.shape
        ar = np.arange(n_r)
        has = ~np.isnan(V)
        any_ = has.any(axis=1)
        lk = np.where(any_, n_m - 1 - np.argmax(has[:, ::-1], axis=1), -1)
        lv = np.where(any_, V[ar, np.maximum(lk, 0)], np.nan)
        after = has[:, plan_k:] if plan_k > 0 else has
        b_any = after.any(axis=1)
        # the plan may be dated after the as-of month: then nobody has a baseline yet
        bk = np.where(b_any, np.argmax(after, axis=1) + max(plan_k, 0), -1) if after.shape[1] else \
            np.full(n_r, -1, dtype=np.int64)
        bv = np.where(b_any, V[ar, np.maximum(bk, 0)], np.nan)
        return cls(has, any_, lk, lv, bk, bv)


@dataclass
class QuantitativeScan:
    """Per unit of one quantitative target (month positions, −1 = none).

    ``ever`` met in some month, ``last_met`` the last such month, ``needs_trend`` not met now;
    at the deadline (``dl_k``: the deadline's month; the month holding the deadline counts as in time,
    monthly data cannot say on which day a level was reached): ``short_at_deadline`` the latest value on or
    before that month did not meet the target, ``dl_month`` and ``dl_value`` that value's month and value, ``met_after`` the first
    month after the deadline's that met it; ``below`` the reported months after ``last_met`` (all below the
    target) — filled only where they are cited: met now (deadline facts), not met now but met before
    (``below``).
    """

    ever: np.ndarray
    last_met: np.ndarray
    needs_trend: np.ndarray
    short_at_deadline: np.ndarray
    dl_month: np.ndarray
    dl_value: np.ndarray
    met_after: np.ndarray
    below: np.ndarray


def scan_quantitative(V: np.ndarray, latest: Latest, op: str, threshold: float, dl_k: int | None = None
                      ) -> QuantitativeScan:
    """One quantitative target over one metric's (unit × month) array ``V``; ``threshold`` is the effective
    one (:func:`effective_threshold`), ``dl_k`` the deadline's month position (None: no deadline, or the
    deadline is after the as-of month)."""
    n_r, n_m = V.shape
    meets_all = meets_scalar(V, op, threshold)
    ever = meets_all.any(axis=1)
    last_met = np.where(ever, n_m - 1 - np.argmax(meets_all[:, ::-1], axis=1), -1)
    now = meets_scalar(latest.value, op, threshold)
    short = np.zeros(n_r, dtype=bool)
    dl_month = np.full(n_r, -1, dtype=np.int64)
    dl_value = np.full(n_r, np.nan)
    met_after = np.full(n_r, -1, dtype=np.int64)
    below = np.zeros(n_r, dtype=np.int64)
    if dl_k is not None and 0 <= dl_k < n_m - 1:
        sel = np.flatnonzero(now)  # only a value met now can be met late
        if len(sel):
            has_b = latest.has[sel, :dl_k + 1]
            any_b = has_b.any(axis=1)
            k_at = np.where(any_b, dl_k - np.argmax(has_b[:, ::-1], axis=1), -1)
            short[sel] = any_b & ~meets_all[sel, np.maximum(k_at, 0)]
            dl_month[sel] = k_at
            dl_value[sel] = np.where(any_b, V[sel, np.maximum(k_at, 0)], np.nan)
            after = meets_all[sel, dl_k + 1:]
            met_after[sel] = np.where(after.any(axis=1), np.argmax(after, axis=1) + dl_k + 1, -1)
    fell = np.flatnonzero(latest.any & ~now & ever)
    if len(fell):
        below[fell] = (latest.has[fell] & (np.arange(n_m) > last_met[fell, None])).sum(axis=1)
    return QuantitativeScan(ever, last_met, latest.any & ~now, short, dl_month, dl_value, met_after, below)


def scan_recurring(V: np.ndarray, op: str, threshold: float, multiples: np.ndarray, recurrence: str,
                   k0: int, prev: tuple[int, int] | None, year_start: int
                   ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """This period's count so far (NaN if nothing reported), the previous period's count (``prev`` = its
    month positions, judged in the first month of the current period) and the months missed this year.

    Months missed: months of this calendar year (from the plan's month, position ``year_start``) that ended
    before the as-of month and fell below the month's count (``threshold`` × that month's ``multiples``: its
    weeks or working days for 每周 / 每日, see :func:`per_month`); the as-of month itself ends on the as-of
    date and is judged by the status, not counted as missed. ``None`` where not judged.
    """
    n_m = V.shape[1]
    window = V[:, k0:]
    reported = (~np.isnan(window)).sum(axis=1)
    value = np.where(reported > 0, np.nansum(window, axis=1), np.nan)
    prev_value = None
    if prev is not None:
        pw = V[:, prev[0]:prev[1] + 1]
        prev_value = np.where((~np.isnan(pw)).any(axis=1), np.nansum(pw, axis=1), np.nan)
    missed = None
    if PERIOD_MONTHS[recurrence] == 1:
        yw = V[:, year_start:n_m - 1]
        missed = (~np.isnan(yw) & ~meets_scalar(yw, op, threshold * multiples[year_start:n_m - 1])).sum(axis=1)
    return value, prev_value, missed


# --------------------------------------------------------------------------------------------------
# per ledger row


@dataclass
class QuantitativeFacts:
    """Per row of a quantitative target: the glide path and the trend projection."""

    required: np.ndarray
    ratio: np.ndarray
    projected: np.ndarray
    crossing: np.ndarray
    on_pace: np.ndarray


def quantitative_facts(value, baseline, base_day, as_of_day, dl_day, days, threshold, thr_eff, opc, sign,
                       is_rate, slope, intercept, settings) -> QuantitativeFacts:
    """Glide path (required value, ratio of actual to required change) and Theil–Sen projection at the
    deadline; on pace = the projection meets the effective threshold ``thr_eff`` (the one the status judges:
    a 100 % target less ``achieved_tolerance``, 0 by default), or with too few points the glide-path ratio ≥
    ``on_track_ratio``; the projected month is when the line reaches that same threshold."""
    required, ratio = glide_path(baseline, threshold, value, as_of_day - base_day, dl_day - base_day, sign)
    with np.errstate(invalid="ignore"):
        glide_ok = ratio >= settings.on_track_ratio
    with np.errstate(invalid="ignore"):
        proj = intercept + slope * (days / DAYS_PER_MONTH)
        proj = np.where(is_rate, np.clip(proj, 0, 100), np.maximum(proj, 0))
    trend_avail = ~np.isnan(slope) & ~np.isnan(days)
    on_pace = np.where(trend_avail, meets(proj, opc, thr_eff), glide_ok)
    cross = crossing_months(intercept, slope, thr_eff, sign, settings.horizon_months)
    return QuantitativeFacts(required, ratio, proj, cross, on_pace)


@dataclass
class RecurringFacts:
    """Per row of a recurring target: whole occurrences due by now, the ratio, pace, previous shortfall."""

    required: np.ndarray
    ratio: np.ndarray
    on_pace: np.ndarray
    previous_short: np.ndarray


def recurring_facts(value, prev_value, threshold, threshold_period, opc, span, elapsed, multiple
                    ) -> RecurringFacts:
    """This period's count against the whole occurrences due by now, ⌊threshold × elapsed / span⌋ — a count
    cannot be behind before one whole occurrence is due (每年1次 in January: 0 due) — and whether the
    previous period fell short. A ``≤`` cap is on pace while it is not exceeded."""
    required = np.where(span == 1, threshold * multiple, np.floor(threshold * elapsed / span + EPS))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(required > 0, value / required, np.nan)
        on_pace = np.where(opc == 1, value <= threshold_period + EPS, value >= required - EPS)
    previous_short = ~np.isnan(prev_value) & ~meets(prev_value, opc, threshold_period)
    return RecurringFacts(required, ratio, on_pace, previous_short)


def milestone_facts(done_day: np.ndarray, has_deadline: np.ndarray, dl_day: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Done (a completion date was reported) and done late (after the deadline)."""
    is_done = done_day >= 0
    late = is_done & has_deadline & (done_day > np.nan_to_num(dl_day, nan=np.inf))
    return is_done, late
