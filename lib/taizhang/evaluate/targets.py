"""The plan's targets as per-target arrays for the judges: kinds, comparators, thresholds, deadlines,
recurring periods (the current one and the previous one) and the deadline texts the reasons cite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np

from ..errors import ParameterError
from ..kernel.months import Month, label as month_label
from ..targets import reporting_levels
from .judges import OPS, PERIOD_MONTHS, per_month as month_multiple, period_of

KINDS = {"quantitative": 0, "recurring": 1, "milestone": 2}


def check_assumed(plan, assumed) -> dict[str, date]:
    """``assumed`` (target id → date) checked against ``plan``: only undated targets; every problem at once."""
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


@dataclass
class TargetAxis:
    """Per-target arrays (index = the target's position in the plan)."""

    targets: tuple
    kind: np.ndarray
    opc: np.ndarray
    threshold: np.ndarray
    sign: np.ndarray
    recurrence: list[str]
    deadline: np.ndarray  # date or None (recurring: the end of the current period)
    assumed: np.ndarray
    applicable: np.ndarray  # (target × unit)
    period_start: np.ndarray  # recurring: month ordinals of the current period (−1 otherwise)
    period_end: np.ndarray
    prev_start: np.ndarray  # recurring: the previous period, when it is judged (−1 otherwise)
    prev_end: np.ndarray
    per_month: np.ndarray  # the as-of month's occurrences per one of the period (每周: its weeks, 每日: working days)
    dl_day: np.ndarray  # deadline as a day number (NaN: none)
    prev_day: np.ndarray  # the previous period's last day (NaN: not judged)
    plan_ord: int

    @property
    def n(self) -> int:
        return len(self.targets)


def target_axis(plan, units, assumed: dict[str, date], as_of_ord: int) -> TargetAxis:
    """The per-target arrays of ``plan`` at the as-of month.

    A recurring target's deadline is the end of the current period; the period before it is judged
    (overdue if it fell short) in every month of the current one but its last (where the current period is
    judged itself), provided the plan was in force for the whole of it (see docs/evaluation.md, "Recurring
    targets").
    """
    targets = plan.targets
    n_t = len(targets)
    unit_levels = np.array([u.level for u in units], dtype=object)
    levels_present = set(unit_levels)
    kind = np.array([KINDS[t.kind] for t in targets])
    opc = np.array([OPS.get(t.op or "", 3) for t in targets])
    deadline = np.empty(n_t, dtype=object)
    assumed_t = np.zeros(n_t, dtype=bool)
    applicable = np.zeros((n_t, len(units)), dtype=bool)
    for i, t in enumerate(targets):
        deadline[i] = t.deadline if t.deadline is not None else assumed.get(t.id)
        assumed_t[i] = t.deadline is None and t.id in assumed
        applicable[i] = np.isin(unit_levels, list(reporting_levels(t.levels, levels_present)))
    rec = [t.recurrence or "" for t in targets]
    ps_t, pe_t, qs_t, qe_t = (np.full(n_t, -1, dtype=np.int64) for _ in range(4))
    per_month = np.ones(n_t)
    plan_ord = Month.parse(plan.issued).ordinal
    for i in np.flatnonzero(kind == 1):
        ps_t[i], pe_t[i] = period_of(rec[i], as_of_ord)
        deadline[i] = Month(int(pe_t[i])).end
        if PERIOD_MONTHS[rec[i]] == 1:
            per_month[i] = month_multiple(rec[i], as_of_ord)[0]
        ps, pe = period_of(rec[i], int(ps_t[i]) - 1)
        # a missed period stays on record until the period that follows is judged (at its own end)
        if as_of_ord < pe_t[i] and ps >= plan_ord:
            qs_t[i], qe_t[i] = ps, pe
    thr = np.array([np.nan if t.value is None else float(t.value) for t in targets])
    return TargetAxis(
        targets=targets, kind=kind, opc=opc, threshold=thr, sign=np.where(opc == 1, -1.0, 1.0), recurrence=rec,
        deadline=deadline, assumed=assumed_t, applicable=applicable, period_start=ps_t, period_end=pe_t,
        prev_start=qs_t, prev_end=qe_t, per_month=per_month,
        dl_day=np.array([np.nan if d is None else float(d.toordinal()) for d in deadline]),
        prev_day=np.array([float(Month(int(e)).end.toordinal()) if e >= 0 else np.nan for e in qe_t]),
        plan_ord=plan_ord)


@dataclass
class DeadlineTexts:
    """Per target: the deadline column's text, every date of the plan, the date as reasons cite it, and the
    previous period's texts (recurring rows judged for the previous period)."""

    text: np.ndarray
    all: np.ndarray
    cited: np.ndarray
    prev_deadline: np.ndarray
    prev_text: np.ndarray
    prev_cited: np.ndarray


def deadline_texts(ta: TargetAxis) -> DeadlineTexts:
    """The deadline texts of every target: the plan's words, "期限未明确（假定 …）", "本期（…至…）", and for
    the reasons the date with "（假定）" or "（原文另有期限 …）" where the plan gives two."""
    n_t = ta.n
    text, all_, cited = (np.empty(n_t, dtype=object) for _ in range(3))
    for i, t in enumerate(ta.targets):
        all_[i] = "；".join(d.isoformat() for d in sorted(d.date for d in t.deadlines if d.date))
        if ta.kind[i] == 1:
            text[i] = f"本期（{month_label(int(ta.period_start[i]))}至{month_label(int(ta.period_end[i]))}）"
        elif ta.assumed[i]:
            text[i] = f"期限未明确（假定 {ta.deadline[i].isoformat()}）"
            all_[i] = f"{ta.deadline[i].isoformat()}（假定）"
        else:
            text[i] = t.deadline_text or "期限未明确"
    for i in range(n_t):
        c = "" if ta.deadline[i] is None else ta.deadline[i].isoformat()
        others = [x for x in (all_[i] or "").split("；") if x and x != c]
        if ta.assumed[i]:
            c += "（假定）"
        elif others and ta.kind[i] != 1:
            c += f"（原文另有期限 {'、'.join(others)}）"
        cited[i] = c
    prev_deadline = np.array([Month(int(e)).end if e >= 0 else None for e in ta.prev_end], dtype=object)
    prev_text = np.array([f"上期（{month_label(int(s))}至{month_label(int(e))}）" if e >= 0 else None
                          for s, e in zip(ta.prev_start, ta.prev_end)], dtype=object)
    prev_cited = np.array([None if d is None else d.isoformat() for d in prev_deadline], dtype=object)
    return DeadlineTexts(text, all_, cited, prev_deadline, prev_text, prev_cited)
