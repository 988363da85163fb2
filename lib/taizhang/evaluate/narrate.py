"""Narration: the one-line Chinese reason of every ledger row, apart from judging.

The reasons read the judged row (status, value, deadline, trend …) and never change it. They are built status
by status, one function per kind of target; each piece (a formatted number, a date) is formatted once per
distinct value and only for the rows that cite it — the judged value and its month, which nearly every row
cites, once for all rows (:mod:`taizhang.kernel.formatting`: a value that misses its threshold is never
printed as reaching it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kernel import statuses
from ..kernel.formatting import constant_texts, format_values

S = {c: i for i, c in enumerate(statuses.ORDER)}
NOT_APPLICABLE = "该目标不适用于本级单位"


def _int_text(a: np.ndarray, template: str = "{}") -> np.ndarray:
    """Whole numbers as text (in ``template``), each distinct number formatted once."""
    uniq, inv = np.unique(np.asarray(a, dtype=np.int64), return_inverse=True)
    return np.array([template.format(v) for v in uniq], dtype=object)[inv]


class _Cite:
    """The row arrays a reason cites, and the pieces of text made from them for a set of rows ``r``."""

    def __init__(self, f: dict, code, appl, kind, days, age, missed, dl_text, days_dl, cur_value,
                 last_met_period, trend_window: int, settings, thr_cmp) -> None:
        self.f, self.code, self.days, self.age, self.missed = f, code, days, age, missed
        self.dl_text, self.days_dl, self.cur_value = dl_text, days_dl, cur_value
        self.last_met_period, self.trend_window, self.settings, self.thr_cmp = (
            last_met_period, trend_window, settings, thr_cmp)
        self.out = constant_texts(len(appl), NOT_APPLICABLE)
        self.quant, self.recur, self.mile = appl & (kind == 0), appl & (kind == 1), appl & (kind == 2)
        self._value = self._vper = self._vper_code = None  # every row's, made on first use (most rows cite them)

    def num(self, col, r):
        """A numeric column formatted with the target's unit."""
        return format_values(col[r], self.f["target_unit"][r])

    def value(self, r):
        """The judged value: a miss is never printed as reaching the threshold."""
        if self._value is None:
            self._value = format_values(self.f["value"], self.f["target_unit"], threshold=self.thr_cmp,
                                        op=self.f["op"])
        return self._value[r]

    def projected(self, r):
        """The projected value at the deadline: a projected miss is never printed as reaching the target."""
        return format_values(self.f["projected_value"][r], self.f["target_unit"][r], threshold=self.thr_cmp[r],
                             op=self.f["op"][r])

    def label(self, r):
        return self.f["threshold_label"][r]

    def vper(self, r):
        if self._vper is None:
            raw = self.f["value_period"]
            self._vper = np.where(pd.isna(raw), "—", raw)
        return self._vper[r]

    def day_text(self, r, template: str = "{}"):
        d = self.days[r]
        return _int_text(np.where(np.isnan(d), 0, np.abs(d)), template)

    def past_text(self, r):
        """How long ago the deadline passed: "已过 N 天", or "已到期" for a deadline on the as-of day."""
        return np.where(np.nan_to_num(self.days[r]) >= 0, "已到期", self.day_text(r, "已过 {} 天"))

    def overdue_text(self, r):
        """How long a task is overdue: "已逾期 N 天", or "于报告截止日到期" for a deadline on the as-of day."""
        return np.where(np.nan_to_num(self.days[r]) >= 0, "于报告截止日到期", self.day_text(r, "已逾期 {} 天"))

    def regress_text(self, r):
        """Where a regressed value went, by the target's direction: a ≤ limit is exceeded, not fallen below."""
        ops = self.f["op"][r]
        return [(f"最新值升至 {v}（{p}），超出目标 {lb}" if op == "<=" else
                 f"最新值 {v}（{p}），偏离目标 {lb}" if op == "==" else
                 f"最新值 {v}（{p}）回落至目标 {lb} 以下")
                for op, v, p, lb in zip(ops, self.value(r), self.vper(r), self.label(r))]

    def miss_text(self, r):
        ms = self.missed[r]
        return np.where(ms > 0, _int_text(ms, "；本年已有 {} 个月未达要求"), "")

    def per_text(self, r):
        codes, periods = pd.factorize(self.f["value_period"][r])  # a missing period: code −1, "本期"
        return np.array([f"本期（{p}）" for p in periods] + ["本期"], dtype=object)[codes]

    def put(self, mask, build):
        """Rows of ``mask`` get the texts ``build(rows)`` yields."""
        r = np.flatnonzero(mask)
        if len(r):
            self.out[r] = np.array(list(build(r)), dtype=object)

    def put_per_value(self, mask, build):
        """:meth:`put` for texts that depend only on the row's target, value and value month (``x["target"]``:
        each row's target position): each distinct (target, value, month) is built once — a national ledger
        repeats a few hundred texts over 250,000 met rows."""
        target = self.x.get("target")
        r = np.flatnonzero(mask)
        if target is None or len(r) == 0:
            return self.put(mask, build)
        if self._vper_code is None:
            self._vper_code = pd.factorize(self.f["value_period"])[0]  # missing: −1
        vcode, vals = pd.factorize(np.ascontiguousarray(self.f["value"][r]).view(np.int64))  # the exact bits
        key = (vcode.astype(np.int64) * (int(target.max()) + 1) + target[r]) * (int(self._vper_code.max()) + 2) \
            + self._vper_code[r] + 1
        codes, uniq = pd.factorize(key)
        first = np.empty(len(uniq), dtype=np.int64)
        first[codes[::-1]] = np.arange(len(r) - 1, -1, -1)  # each key's first row
        texts = np.array(list(build(r[first])), dtype=object)
        self.out[r] = texts[codes]

    def const(self, mask, text):
        self.out[mask] = text

    def status(self, kind_mask, code):
        return kind_mask & (self.code == S[code])


def reasons(f: dict, code: np.ndarray, appl: np.ndarray, kind: np.ndarray, days: np.ndarray, age: np.ndarray,
            missed: np.ndarray, dl_text: np.ndarray, days_dl: np.ndarray, cur_value: np.ndarray,
            last_met_period: np.ndarray, trend_window: int, settings, thr_cmp: np.ndarray,
            prev_over: np.ndarray | None = None, extra: dict | None = None, trend_span: np.ndarray | None = None,
            field_note: np.ndarray | None = None) -> np.ndarray:
    """The reason column of a ledger (``f``: its columns as row arrays; ``code``: status positions;
    ``prev_over``: recurring rows overdue for the previous period rather than the current one; ``extra``: row
    arrays of the plan-meaning rules — ``value_at_deadline``, ``deadline_period``, ``met_after_period``
    (逾期达标), ``unconfirmed`` (a 达标后回落 on one month's value), ``monthly`` (每周 / 每日 rows, their month's
    count being ``thr_cmp``), ``calendar_note``, ``tolerance``, ``threshold`` (the plan's own) and ``target``
    (each row's target position: the texts of met and overdue quantitative rows are built once per target,
    value and month);
    ``trend_span``: per row, the months of the unit's own trend window — from its first value in the window
    to the as-of month — that "按近N个月趋势" cites (default ``trend_window`` for every row); ``field_note``: per
    row, why a field is missing from older returns (a field listed in the template only since a month))."""
    c = _Cite(f, code, appl, kind, days, age, missed, dl_text, days_dl, cur_value, last_met_period, trend_window,
              settings, thr_cmp)
    c.trend_span = np.full(len(appl), trend_window, dtype=np.int64) if trend_span is None else trend_span
    c.field_note = constant_texts(len(appl), "") if field_note is None else field_note
    c.prev_over = np.zeros(len(appl), dtype=bool) if prev_over is None else prev_over
    n = len(appl)
    c.x = dict(extra or {})
    defaults = {"value_at_deadline": lambda: np.full(n, np.nan), "deadline_period": lambda: constant_texts(n, None),
                "met_after_period": lambda: constant_texts(n, None), "unconfirmed": lambda: np.zeros(n, dtype=bool),
                "monthly": lambda: np.zeros(n, dtype=bool), "calendar_note": lambda: constant_texts(n, ""),
                "tolerance": lambda: 0.0, "threshold": lambda: thr_cmp}
    for key, default in defaults.items():  # only the arrays the caller did not give
        if key not in c.x:
            c.x[key] = default()
    if appl.any():
        _quantitative(c)
        _plan_meaning_quantitative(c)
        _recurring(c)
        _plan_meaning_recurring(c)
        _milestones(c)
    return c.out


def _quantitative(c: _Cite) -> None:
    q, f = c.quant, c.f
    no_data = c.status(q, "no_data")
    if (c.field_note[no_data] != "").any():  # a field added to the template later says why it is missing
        c.put(no_data, lambda r: ("截至本月未收到该单位的相关数据" + n for n in c.field_note[r]))
    else:
        c.const(no_data, "截至本月未收到该单位的相关数据")
    c.put(c.status(q, "stale"), lambda r: (
        f"最新值 {v}（{p}），已 {a} 个月未更新，无法判断当前进展（目标 {lb}）"
        for v, p, a, lb in zip(c.value(r), c.vper(r), _int_text(c.age[r]), c.label(r))))
    c.put_per_value(c.status(q, "met"), lambda r: (
        f"最新值 {v}（{p}），达到目标 {lb}" for v, p, lb in zip(c.value(r), c.vper(r), c.label(r))))
    c.put(c.status(q, "regressed") & ~c.x["unconfirmed"], lambda r: (  # unconfirmed: _plan_meaning_quantitative
        f"曾于 {m} 达标，{t}" for m, t in zip(c.last_met_period[r], c.regress_text(r))))
    c.put_per_value(c.status(q, "overdue"), lambda r: (  # a quantitative row's deadline is its target's
        f"最新值 {v}（{p}），未达目标 {lb}；期限 {dl} {d}"
        for v, p, lb, dl, d in zip(c.value(r), c.vper(r), c.label(r), c.dl_text[r], c.past_text(r))))
    c.put(c.status(q, "no_deadline"), lambda r: (
        f"最新值 {v}（{p}），未达目标 {lb}；原文未规定期限" + (f"，按近期趋势预计 {pm} 达标" if pm else "")
        for v, p, lb, pm in zip(c.value(r), c.vper(r), c.label(r), f["projected_met"][r])))
    c.put(c.status(q, "due_soon"), lambda r: (
        f"最新值 {v}（{p}），未达目标 {lb}；距期限 {dl} 仅剩 {d} 天"
        for v, p, lb, dl, d in zip(c.value(r), c.vper(r), c.label(r), c.dl_text[r], c.day_text(r))))

    def trend(pv, pm, ratio, req, span):
        if pv is not None:
            where = f"预计 {pm} 达标" if pm else "按此趋势期限内难以达标"
            return f"按近{span}个月趋势，期限时预计 {pv}，{where}"
        if ratio == ratio:
            return f"按进度应达 {req}，实际完成进度比 {ratio:.2f}"
        return "数据不足以推算趋势"

    def on_or_behind(r):
        pv = f["projected_value"][r]
        pv_text = np.where(np.isnan(pv), None, c.projected(r))
        return (f"最新值 {v}（{p}），目标 {lb}，期限 {dl}；{trend(x, pm, ra, rq, n)}"
                for v, p, lb, dl, x, pm, ra, rq, n in zip(c.value(r), c.vper(r), c.label(r), c.dl_text[r], pv_text,
                                                         f["projected_met"][r], f["progress_ratio"][r],
                                                         c.num(f["required_value"], r), c.trend_span[r]))

    c.put(c.status(q, "on_track") | c.status(q, "behind"), on_or_behind)


def _tolerance_text(c: _Cite, r) -> np.ndarray:
    """"（在 N 个百分点容差内，视为达标）" for met rows that meet only the tolerated threshold."""
    tol, x = c.x["tolerance"], c.x
    if not tol:
        return constant_texts(len(r), "")
    from .judges import OPS, meets

    opc = np.array([OPS.get(o, 3) for o in c.f["op"][r]])
    strict = meets(c.f["value"][r], opc, x["threshold"][r])
    return np.where(strict, "", f"（在 {tol:g} 个百分点容差内，视为达标）").astype(object)


def _plan_meaning_quantitative(c: _Cite) -> None:
    """逾期达标, a 100 % target's tolerance, and a 达标后回落 resting on one month (docs/evaluation.md)."""
    q, f, x = c.quant, c.f, c.x
    c.put(c.status(q, "met_late"), lambda r: (
        f"最新值 {v}（{p}），达到目标 {lb}；期限 {dl} 时未达标（{dv}，{dp}），期限后于 {fm} 达标{t}"
        for v, p, lb, dl, dv, dp, fm, t in zip(
            c.value(r), c.vper(r), c.label(r), c.dl_text[r],
            format_values(x["value_at_deadline"][r], f["target_unit"][r], threshold=c.thr_cmp[r], op=f["op"][r]),
            x["deadline_period"][r], x["met_after_period"][r], _tolerance_text(c, r))))
    met = np.flatnonzero(c.status(q, "met"))
    if len(met) and x["tolerance"]:
        c.out[met] = np.char.add(c.out[met].astype(str), _tolerance_text(c, met).astype(str)).astype(object)
    c.put(c.status(q, "regressed") & x["unconfirmed"], lambda r: (
        f"曾于 {m} 达标，最新值 {v}（{p}）未达目标 {lb}；仅此一个月未达标，待核实（连续 2 个月未达标即确认回落）"
        for m, v, p, lb in zip(c.last_met_period[r], c.value(r), c.vper(r), c.label(r))))


def _plan_meaning_recurring(c: _Cite) -> None:
    """每周 / 每日 duties: the count the month requires — its weeks or working days (docs/evaluation.md)."""
    q, f, x = c.recur & c.x["monthly"], c.f, c.x

    def need(r):
        note = x["calendar_note"][r]
        req = format_values(c.thr_cmp[r], f["target_unit"][r])
        return [f"本月应完成 {n}（{lb}{'；' + w if w else ''}）" for n, lb, w in zip(req, c.label(r), note)]

    c.put(c.status(q, "met"), lambda r: (
        f"{pe}已完成 {v}，{nd}，已达要求{m}" for pe, v, nd, m in zip(c.per_text(r), c.value(r), need(r),
                                                               c.miss_text(r))))
    c.put(c.status(q, "overdue") & ~c.prev_over, lambda r: (
        f"本期（{p}）已结束，完成 {v}，{nd}；期限 {dl} {d}{m}"
        for p, v, nd, dl, d, m in zip(c.vper(r), c.value(r), need(r), c.dl_text[r], c.past_text(r),
                                      c.miss_text(r))))
    on = S["on_track"]
    c.put(c.status(q, "on_track") | c.status(q, "behind"), lambda r: (
        f"{pe}完成 {v}，{nd}，{'进度正常' if k == on else '进度落后'}{m}"
        for pe, v, nd, k, m in zip(c.per_text(r), c.value(r), need(r), c.code[r], c.miss_text(r))))


def _recurring(c: _Cite) -> None:
    q, f = c.recur, c.f
    c.put(c.status(q, "stale"), lambda r: (f"已 {a} 个月未报送该项数据，无法判断本期完成情况"
                                          for a in _int_text(c.age[r])))
    c.const(c.status(q, "no_data"), "本期未收到该单位的相关数据")
    c.put(c.status(q, "met"), lambda r: (
        f"{pe}已完成 {v}，达到要求 {lb}{m}" for pe, v, lb, m in zip(c.per_text(r), c.value(r), c.label(r),
                                                                 c.miss_text(r))))

    def this_period(r):  # the current period's count, cited after a missed previous period
        cv = c.num(c.cur_value, r)
        return np.where(np.isnan(c.cur_value[r]), "；本期尚未收到数据",
                        np.char.add("；本期已完成 ", cv.astype(str)).astype(object))

    c.put(c.status(q, "overdue") & c.prev_over, lambda r: (
        f"上期（{p}）已结束，完成 {v}，未达要求 {lb}；期限 {dl} {d}{n}{m}"
        for p, v, lb, dl, d, n, m in zip(c.vper(r), c.value(r), c.label(r), c.dl_text[r], c.past_text(r),
                                         this_period(r), c.miss_text(r))))
    c.put(c.status(q, "overdue") & ~c.prev_over, lambda r: (
        f"本期（{p}）已结束，完成 {v}，未达要求 {lb}；期限 {dl} {d}{m}"
        for p, v, lb, dl, d, m in zip(c.vper(r), c.value(r), c.label(r), c.dl_text[r], c.past_text(r),
                                      c.miss_text(r))))
    c.put(c.status(q, "no_deadline"), lambda r: (
        f"{pe}完成 {v}，未达要求 {lb}" for pe, v, lb in zip(c.per_text(r), c.value(r), c.label(r))))
    c.put(c.status(q, "due_soon"), lambda r: (
        f"{pe}完成 {v}，未达要求 {lb}；距本期结束仅剩 {d} 天{m}"
        for pe, v, lb, d, m in zip(c.per_text(r), c.value(r), c.label(r), c.day_text(r), c.miss_text(r))))
    on = S["on_track"]
    c.put(c.status(q, "on_track") | c.status(q, "behind"), lambda r: (
        f"{pe}完成 {v}，按时间进度应完成 {rq}（要求 {lb}），{'进度正常' if k == on else '进度落后'}{m}"
        for pe, v, rq, lb, k, m in zip(c.per_text(r), c.value(r), c.num(f["required_value"], r), c.label(r),
                                       c.code[r], c.miss_text(r))))


def _milestones(c: _Cite) -> None:
    q, done = c.mile, c.f["done_date"]

    def done_text(r):
        days_ = done[r].astype("datetime64[D]")
        uniq, inv = np.unique(days_, return_inverse=True)
        return uniq.astype(str).astype(object)[inv]

    def late_days(r):
        return _int_text(done[r].astype("datetime64[D]").astype(np.int64) + 719163 - np.nan_to_num(c.days_dl[r]))

    c.put(c.status(q, "done"), lambda r: (f"已于 {d} 完成" for d in done_text(r)))
    c.put(c.status(q, "done_late"), lambda r: (
        f"于 {d} 完成，晚于期限 {dl}（{n} 天）" for d, dl, n in zip(done_text(r), c.dl_text[r], late_days(r))))
    c.put(c.status(q, "task_overdue"), lambda r: (
        f"期限 {dl} {d}，尚未报告完成" for dl, d in zip(c.dl_text[r], c.overdue_text(r))))
    c.const(c.status(q, "no_deadline"), "原文未规定期限，尚未报告完成")
    c.const(c.status(q, "no_data"), "截至本月未收到该单位的任何报表")
    c.put(c.status(q, "task_pending"), lambda r: (
        f"距期限 {dl} 还有 {d} 天{'（临期）' if soon else ''}，尚未报告完成"
        for dl, d, soon in zip(c.dl_text[r], c.day_text(r), c.f["due_soon_flag"][r])))
