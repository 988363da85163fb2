"""Ledger tables for reports: summary counts, overdue list, per-unit ledger, milestone overview.

Each ``*_table`` returns a DataFrame (what tests and the Excel writer use); each ``*_html`` renders one as an
HTML fragment with every value escaped. Status labels, colours and symbols come from the one status table
(:mod:`taizhang.kernel.statuses`); every colour is paired with a symbol so that a greyscale print stays readable.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import NamedTuple

import pandas as pd

from .evaluate import Settings, rank_table, status_counts
from .kernel import statuses
from .kernel.statuses import ORDER as STATUS_ORDER  # display order, worst first


class StatusStyle(NamedTuple):
    """How a status is drawn: background colour, text colour and symbol (from :mod:`taizhang.kernel.statuses`)."""

    background: str
    color: str
    symbol: str


STATUS_STYLES = {s.code: StatusStyle(s.colour, s.ink, s.symbol) for s in statuses.STATUSES}

e = html.escape


def status_label(code: str) -> str:
    """The Chinese label of a status code (:mod:`taizhang.kernel.statuses`)."""
    return statuses.label(code)


def status_style(code: str) -> StatusStyle:
    """The colours and symbol of a status code (:mod:`taizhang.kernel.statuses`)."""
    st = statuses.status(code)
    return StatusStyle(st.colour, st.ink, st.symbol)


def badge(code: str) -> str:
    """An HTML status badge: colour plus symbol plus the Chinese label."""
    st = status_style(code)
    return (f'<span class="tz-badge tz-{e(code)}" style="background:{st.background};color:{st.color}">'
            f"{st.symbol} {e(status_label(code))}</span>")


def legend_html(codes) -> str:
    """A one-line legend of the statuses in ``codes`` (symbol, colour and label)."""
    return '<p class="tz-legend">图例：' + " ".join(badge(c) for c in codes) + "</p>"


def _get(r, name: str, default=None):
    """A ledger row's column that newer evaluators add (``default`` while it does not exist)."""
    value = getattr(r, name, default)
    try:
        if pd.isna(value):
            return default
    except (TypeError, ValueError):
        pass
    return value


def deadline_cell(r) -> str:
    """Every deadline of a target in the plan's words; two deadlines both shown; assumed dates labelled."""
    text = str(_get(r, "deadline_text", "") or "期限未明确")
    dates = _get(r, "deadlines_all")
    parts = [p for p in text.split("；") if p]
    html_ = "<br>".join(e(p) for p in parts) or "期限未明确"
    several = (len(parts) > 1) or (isinstance(dates, (list, tuple)) and len(dates) > 1)
    if several:
        html_ += '<br><span class="tz-hint">两个期限，按较早者评估</span>'
    if _get(r, "deadline_assumed", False) is True:
        d = _get(r, "deadline")
        html_ += f'<br><span class="tz-assumed">假定期限 {e(str(d)) if d is not None else ""}</span>'
    return html_


def _fmt_value(x, unit: str) -> str:
    if x is None or pd.isna(x):
        return "—"
    x = float(x)
    text = f"{x:.1f}" if unit == "%" else (f"{x:.0f}" if x.is_integer() else f"{x:.1f}")
    return f"{text}{unit}"


def _fmt_gap(x, unit: str) -> str:
    if x is None or pd.isna(x):
        return "—"
    return ("+" if x >= 0 else "−") + _fmt_value(abs(float(x)), unit)


@lru_cache(maxsize=256)
def _row_type(columns: tuple[str, ...]):
    from collections import namedtuple

    return namedtuple("Row", columns, rename=True)


def records(frame: pd.DataFrame) -> list:
    """The rows of ``frame`` as named tuples, like ``frame.itertuples(index=False)`` (missing values stay
    ``None``/``NaN``/``pd.NA``), built from one object array: ``itertuples`` makes a Series per column,
    which on the ~45-column ledger costs more than the table it feeds."""
    if frame.empty:
        return []
    make = _row_type(tuple(str(c) for c in frame.columns))._make
    return [make(row) for row in frame.to_numpy(dtype=object).tolist()]


def _table(frame: pd.DataFrame, headers: list[str], cells, css: str = "", classes: list[str] | None = None) -> str:
    """An HTML table; ``classes`` (one CSS class per column, "" for none) sets column widths and wrapping."""
    cls = [f' class="{c}"' if c else "" for c in (classes or [""] * len(headers))]
    head = "".join(f"<th{k}>{e(h)}</th>" for h, k in zip(headers, cls))
    body = "".join("<tr>" + "".join(f"<td{k}>{c}</td>" for c, k in zip(cells(r), cls)) + "</tr>"
                   for r in records(frame))
    return f'<table class="tz-table {css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def unit_order(ledger: pd.DataFrame) -> dict[str, int]:
    """Each unit's position in the registry's unit list (the ledger holds its rows in that order)."""
    return {u: i for i, u in enumerate(dict.fromkeys(ledger["unit"]))}


def sort_by_unit(frame: pd.DataFrame, ledger: pd.DataFrame, then: list[str], ascending=True) -> pd.DataFrame:
    """``frame`` in the registry's unit order, then by ``then`` (a stable sort; the index is reset)."""
    order = unit_order(ledger)
    keyed = frame.assign(_unit_order=frame["unit"].map(order).fillna(len(order)))
    asc = [True] + (list(ascending) if isinstance(ascending, (list, tuple)) else [ascending] * len(then))
    return keyed.sort_values(["_unit_order", *then], ascending=asc, kind="stable",
                             ignore_index=True).drop(columns="_unit_order")


def nowrap(text: str) -> str:
    """Escaped ``text`` that the browser never breaks across lines (values, thresholds, gaps)."""
    return f'<span class="tz-nw">{e(text)}</span>'


def threshold_cell(label: str) -> str:
    """A target value such as "≥ 100%" kept on one line; a bracketed remark after it may wrap."""
    head, sep, rest = str(label).partition("（")
    return nowrap(head.strip()) + (f'<span class="tz-hint">{e(sep + rest)}</span>' if sep else "")


def summary_html(ledger: pd.DataFrame) -> str:
    """Counts by status as a row of coloured tiles (applicable unit × target pairs only)."""
    counts = status_counts(ledger)
    tiles = "".join(
        f'<div class="tz-tile" data-status="{e(r.status)}" style="border-color:{status_style(r.status).background}">'
        f'<div class="tz-tile-n" data-count="{int(r.count)}">{int(r.count)}</div><div>{badge(r.status)}</div></div>'
        for r in counts.itertuples(index=False)
    )
    total = int(counts["count"].sum()) if len(counts) else 0
    return (f'<div class="tz-tiles" data-total="{total}">{tiles}</div>'
            f'<p class="tz-note">共 {total} 项（单位 × 目标，不含不适用项）。</p>')


def kind_counts_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Counts by kind (量化指标 / 常态化任务 / 节点任务) × status, applicable rows only."""
    from .targets import KIND_LABELS

    a = ledger[ledger["status"] != "not_applicable"]
    if a.empty:
        return pd.DataFrame()
    t = a.pivot_table(index="kind", columns="status", values="target_id", aggfunc="count", fill_value=0)
    t = t.reindex(columns=[c for c in STATUS_ORDER if c in t.columns])
    t = t.reindex([k for k in KIND_LABELS if k in t.index])
    t.index = [KIND_LABELS[k] for k in t.index]
    return t


def quantitative(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger[ledger["kind"].isin(["quantitative", "recurring"]) & (ledger["status"] != "not_applicable")]


def _fmt_days(x) -> str:
    return "—" if x is None or pd.isna(x) else str(abs(int(x)))


def overdue_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Quantitative and recurring targets past their deadline and not met: by unit (registry order), most overdue first."""
    q = quantitative(ledger)
    return sort_by_unit(q[q["status"] == "overdue"], ledger, ["days_to_deadline"])


def overdue_html(ledger: pd.DataFrame, limit: int = 40) -> str:
    frame = overdue_table(ledger)
    if frame.empty:
        return '<p class="tz-note">本月没有逾期未达标的量化指标。</p>'
    shown = frame.head(limit)
    table = _table(shown, ["单位", "目标", "期限", "最新值", "目标值", "差距", "逾期天数"], lambda r: [
        e(r.unit_name), e(r.title), deadline_cell(r), nowrap(_fmt_value(r.value, r.target_unit)),
        threshold_cell(r.threshold_label), nowrap(_fmt_gap(r.gap, r.target_unit)), e(_fmt_days(r.days_to_deadline)),
    ], css="tz-list", classes=["tz-c-unit", "tz-c-text", "tz-c-date", "tz-c-num", "tz-c-thr", "tz-c-num", "tz-c-num"])
    rest = len(frame) - len(shown)
    return table + (f'<p class="tz-note">另有 {rest} 项，见分单位台账与 Excel 台账。</p>' if rest > 0 else "")


DUE_SOON_DAYS = Settings().due_soon_days  # the default; a run passes its own Settings.due_soon_days


def due_soon_table(ledger: pd.DataFrame, days: int = DUE_SOON_DAYS) -> pd.DataFrame:
    """临期预警: targets and tasks not yet met/done whose (earliest) deadline falls within ``days`` days.

    Uses the evaluator's ``due_soon`` status when it exists; otherwise every not-yet-due, unmet row with
    0 ≤ days to deadline ≤ ``days``. By unit (registry order), nearest deadline first.
    """
    a = ledger[ledger["status"] != "not_applicable"]
    if (a["status"] == "due_soon").any():
        rows = a[a["status"] == "due_soon"]
    else:
        open_ = a["status"].isin(["not_due", "task_pending", "behind", "on_track", "no_data"])
        dtd = pd.to_numeric(a["days_to_deadline"], errors="coerce")
        rows = a[open_ & (dtd >= 0) & (dtd <= days)]
    return sort_by_unit(rows, ledger, ["days_to_deadline"])


def due_soon_html(ledger: pd.DataFrame, days: int = DUE_SOON_DAYS, limit: int = 40) -> str:
    frame = due_soon_table(ledger, days)
    if frame.empty:
        return f'<p class="tz-note">未来 {days} 天内没有到期的未完成目标或任务。</p>'
    shown = frame.head(limit)
    table = _table(shown, ["单位", "目标或任务", "期限", "剩余天数", "最新值", "目标值", "状态"], lambda r: [
        e(r.unit_name), e(r.title), deadline_cell(r), e(_fmt_days(r.days_to_deadline)),
        nowrap(_fmt_value(r.value, r.target_unit)) if r.kind != "milestone" else "—", threshold_cell(r.threshold_label),
        badge(r.status),
    ], css="tz-list", classes=["tz-c-unit", "tz-c-text", "tz-c-date", "tz-c-num", "tz-c-num", "tz-c-thr", "tz-c-st"])
    rest = len(frame) - len(shown)
    return table + (f'<p class="tz-note">另有 {rest} 项临期，见分单位台账与 Excel 台账。</p>' if rest > 0 else "")


_BETTER = {"overdue": 0, "task_overdue": 0, "regressed": 1, "behind": 2, "no_data": 2, "stale": 2, "due_soon": 3,
           "not_due": 4, "task_pending": 4, "no_deadline": 4, "on_track": 5, "done_late": 6, "met": 7, "done": 7}


def changes_table(ledger: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Unit × target rows whose status differs from the previous month's ledger.

    Columns ``unit_name, title, kind, before, after, direction`` (``better`` / ``worse`` / ``changed``),
    worst news first, then by unit in the registry's order. Empty when there is no previous ledger.
    """
    cols = ["unit", "unit_name", "target_id", "title", "kind", "before", "after", "direction"]
    if previous is None or previous.empty:
        return pd.DataFrame(columns=cols)
    try:  # the evaluator's own month-over-month comparison, when it has one
        from .evaluate import month_over_month
    except ImportError:
        month_over_month = None
    if month_over_month is not None:
        m = month_over_month(ledger, previous)
        direction = m["change"].map({"newly_met": "better", "improved": "better", "newly_overdue": "worse",
                                     "newly_regressed": "worse", "worsened": "worse"})
        m = m.assign(before=m["status_before"], after=m["status"], direction=direction.fillna("changed"))
        m = m[m["before"].notna() & (m["before"] != m["after"])].copy()
        m["_o"] = m["direction"].map({"worse": 0, "changed": 1, "better": 2})
        m["_u"] = m["unit"].map(unit_order(ledger)).fillna(len(ledger))
        return m.sort_values(["_o", "_u"], kind="stable", ignore_index=True)[cols]
    prev = previous.set_index(["unit", "target_id"])["status"]
    cur = ledger[ledger["status"] != "not_applicable"]
    before = prev.reindex(pd.MultiIndex.from_arrays([cur["unit"], cur["target_id"]])).to_numpy()
    frame = cur.assign(before=before, after=cur["status"])
    frame = frame[frame["before"].notna() & (frame["before"] != frame["after"])].copy()
    if frame.empty:
        return pd.DataFrame(columns=cols)
    b = frame["before"].map(_BETTER).fillna(4)
    a = frame["after"].map(_BETTER).fillna(4)
    frame["direction"] = ["better" if y > x else "worse" if y < x else "changed" for x, y in zip(b, a)]
    frame["_o"] = frame["direction"].map({"worse": 0, "changed": 1, "better": 2})
    frame["_u"] = frame["unit"].map(unit_order(ledger)).fillna(len(ledger))
    return frame.sort_values(["_o", "_u"], kind="stable", ignore_index=True)[cols]


def changes_html(ledger: pd.DataFrame, previous: pd.DataFrame | None, previous_period: str, limit: int = 25) -> str:
    """What changed since last month: counts of improvements and setbacks, then the list (setbacks first)."""
    if previous is None:
        return f'<p class="tz-note">没有 {e(previous_period)} 的数据，无法与上月比较。</p>'
    frame = changes_table(ledger, previous)
    if frame.empty:
        return f'<p class="tz-note">与 {e(previous_period)} 相比，各项状态没有变化。</p>'
    n_better = int((frame["direction"] == "better").sum())
    n_worse = int((frame["direction"] == "worse").sum())
    n_other = len(frame) - n_better - n_worse
    head = (f'<p class="tz-changes">与 {e(previous_period)} 相比：<b class="tz-up">▲ 好转 {n_better} 项</b>'
            f'　<b class="tz-down">▼ 变差 {n_worse} 项</b>' + (f"　其他变化 {n_other} 项" if n_other else "") + "</p>")
    shown = frame.head(limit)
    table = _table(shown, ["单位", "目标或任务", "上月", "本月"], lambda r: [
        e(r.unit_name), e(r.title), badge(r.before), badge(r.after)], css="tz-list",
        classes=["tz-c-unit", "tz-c-text", "tz-c-st", "tz-c-st"])
    rest = len(frame) - len(shown)
    return head + table + (f'<p class="tz-note">另有 {rest} 项变化，见 Excel 台账。</p>' if rest > 0 else "")


def heatmap_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    """Status codes of the quantitative and recurring targets: one row per target, one column per unit."""
    q = ledger[ledger["kind"].isin(["quantitative", "recurring"])]
    if q.empty:
        return pd.DataFrame()
    frame = q.pivot(index="target_id", columns="unit", values="status")
    frame = frame.reindex(index=list(dict.fromkeys(q["target_id"])), columns=list(dict.fromkeys(q["unit"])))
    return frame


def heatmap_html(ledger: pd.DataFrame) -> str:
    """Units × targets coloured by status, each cell also carrying the status symbol (greyscale-safe)."""
    frame = heatmap_frame(ledger)
    if frame.empty:
        return '<p class="tz-note">本方案没有量化指标。</p>'
    first = ledger.drop_duplicates("target_id").set_index("target_id")
    names = dict(zip(ledger["unit"], ledger["unit_name"]))
    head = "".join(f'<th class="tz-vert"><span>{e(names.get(u, u))}</span></th>' for u in frame.columns)
    body = []
    for tid, row in frame.iterrows():
        t = first.loc[tid]
        cells = []
        for u, code in row.items():
            st = status_style(code)
            label = status_label(code)
            cells.append(f'<td class="tz-hm" data-status="{e(code)}" title="{e(names.get(u, u))}：{e(label)}" '
                         f'style="background:{st.background};color:{st.color}">{st.symbol}</td>')
        body.append(f'<tr><th class="tz-hm-t">{e(t["title"])}<span class="tz-hm-s">{e(t["threshold_label"])}</span>'
                    f'</th>{"".join(cells)}</tr>')
    codes = [c for c in STATUS_ORDER if c in set(frame.to_numpy().ravel())]
    return (f'<table class="tz-heat"><thead><tr><th>目标</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
            + legend_html(codes))


def ranking_table(ledger: pd.DataFrame, values: pd.DataFrame, metric: str, period: str,
                  higher_is_better: bool = True) -> pd.DataFrame:
    """Units ranked by their latest value of ``metric``: ``rank, unit, unit_name, value, change, status``.

    The one ranking (:func:`taizhang.evaluate.rank_table`, the same units and ranks as the CLI's
    ``--view ranking``); ``change`` is the difference to the unit's value of the month before.
    """
    return rank_table(ledger, values, metric, period, higher_is_better)


def ranking_html(frame: pd.DataFrame) -> str:
    if frame.empty:
        return ""

    def change(x, unit):
        if x is None or pd.isna(x):
            return "—"
        if abs(x) < 1e-9:
            return "持平"
        return ("↑" if x > 0 else "↓") + _fmt_value(abs(float(x)), "" if unit == "%" else unit)

    pct = len(frame) and frame["target_unit"].iloc[0] == "%"
    table = _table(frame, ["名次", "单位", "最新值", "较上月", "状态"], lambda r: [
        e("—" if pd.isna(r.rank) else str(int(r.rank))), e(r.unit_name), e(_fmt_value(r.value, r.target_unit)),
        e(change(r.change, r.target_unit)), badge(r.status)], css="tz-rank")
    return table + ('<p class="tz-hint">“较上月”为与上月相比增减的百分点。</p>' if pct else "")


def ledger_table(ledger: pd.DataFrame, unit: str, kinds=("quantitative", "recurring")) -> pd.DataFrame:
    """The ledger rows of one unit (id) of the given kinds, applicable only, in registry order."""
    a = ledger[ledger["kind"].isin(list(kinds)) & (ledger["status"] != "not_applicable")]
    return a[a["unit"] == unit].reset_index(drop=True)


def _target_cell(r) -> str:
    return (f'<b>{e(r.title)}</b><span class="tz-sec">{e(r.section)}</span>'
            f'<div class="tz-quote">“{e(r.quote)}”</div>')


def ledger_html(ledger: pd.DataFrame, unit: str) -> str:
    """The 台账 of one unit: target with the plan's exact words, deadline(s), latest value, gap, status, reason, lead."""
    frame = ledger_table(ledger, unit)
    if frame.empty:
        return '<p class="tz-note">本单位没有适用的量化指标。</p>'
    return _table(frame, ["目标（章节 · 方案原文）", "期限", "最新值", "目标值", "差距", "状态", "说明", "牵头单位"], lambda r: [
        _target_cell(r), deadline_cell(r), nowrap(_fmt_value(r.value, r.target_unit)), threshold_cell(r.threshold_label),
        nowrap(_fmt_gap(r.gap, r.target_unit)), badge(r.status), e(r.reason), e(r.lead or "—"),
    ], css="tz-ledger", classes=["tz-c-target", "tz-c-date", "tz-c-num", "tz-c-thr", "tz-c-num", "tz-c-st",
                                 "tz-c-reason", "tz-c-lead"])


def tasks_html(ledger: pd.DataFrame, unit: str) -> str:
    """Every milestone task of one unit with its completion status (the district report)."""
    frame = ledger_table(ledger, unit, kinds=("milestone",))
    if frame.empty:
        return '<p class="tz-note">本单位没有适用的节点任务。</p>'
    frame = frame.assign(_r=frame["status"].map(lambda c: STATUS_ORDER.index(c) if c in STATUS_ORDER else 99))
    frame = frame.sort_values(["_r", "days_to_deadline"], kind="stable")
    return _table(frame, ["任务（章节 · 方案原文）", "期限", "状态", "说明", "牵头单位"], lambda r: [
        _target_cell(r), deadline_cell(r), badge(r.status), e(r.reason), e(r.lead or "—"),
    ], css="tz-ledger tz-tasks", classes=["tz-c-task", "tz-c-date", "tz-c-st", "tz-c-reason", "tz-c-lead"])


def milestone_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Milestone task statuses counted per unit: one row per unit, one column per status."""
    ms = ledger[(ledger["kind"] == "milestone") & (ledger["status"] != "not_applicable")]
    if ms.empty:
        return pd.DataFrame()
    table = ms.pivot_table(index="unit_name", columns="status", values="target_id", aggfunc="count", fill_value=0)
    table = table.reindex(columns=[c for c in STATUS_ORDER if c in table.columns], fill_value=0)
    unit_order = list(dict.fromkeys(ms["unit_name"]))
    return table.reindex(unit_order)


def milestone_html(ledger: pd.DataFrame) -> str:
    table = milestone_table(ledger)
    if table.empty:
        return '<p class="tz-note">没有适用的节点任务。</p>'
    done = [c for c in ("done", "done_late") if c in table.columns]
    total = table.sum(axis=1)
    rate = (table[done].sum(axis=1) / total * 100) if done else total * 0
    head = "".join(f"<th>{badge(c)}</th>" for c in table.columns)
    body = "".join(f"<tr><td class='tz-c-unit'>{e(str(u))}</td>" + "".join(f"<td class='tz-num'>{int(v)}</td>" for v in row)
                   + f"<td class='tz-num'>{int(total[u])}</td><td class='tz-num'>{rate[u]:.0f}%</td></tr>"
                   for u, row in table.iterrows())
    return (f'<table class="tz-table tz-list"><thead><tr><th>单位</th>{head}<th>合计</th><th>完成率</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


def overdue_tasks_html(ledger: pd.DataFrame, limit: int = 30) -> str:
    """The milestone tasks overdue and not done: by unit (registry order), most overdue first.

    At most ``limit`` rows are listed; the rest are counted.
    """
    ms = sort_by_unit(ledger[ledger["status"] == "task_overdue"], ledger, ["days_to_deadline"])
    if ms.empty:
        return '<p class="tz-note">没有逾期未完成的节点任务。</p>'
    shown = ms.head(limit)
    table = _table(shown, ["单位", "章节", "任务", "期限", "逾期天数"], lambda r: [
        e(r.unit_name), e(r.section), e(r.title), deadline_cell(r), e(_fmt_days(r.days_to_deadline)),
    ], css="tz-list tz-list3", classes=["tz-c-unit", "tz-c-sec", "tz-c-text", "tz-c-date", "tz-c-num"])
    rest = len(ms) - len(shown)
    more = f'<p class="tz-note">另有 {rest} 项逾期未完成的任务，见各单位台账与 Excel 台账。</p>' if rest > 0 else ""
    return table + more


def rejected_html(rejected) -> str:
    """Returns that were not accepted, with every problem, so that nothing is dropped silently."""
    if not rejected:
        return '<p class="tz-note">所有报表均已通过校验。</p>'
    items = "".join(f"<li>{e(err.title)}<ul>" + "".join(f"<li>{e(str(p))}</li>" for p in err.problems) + "</ul></li>"
                    for err in rejected)
    return f'<ul class="tz-rejected">{items}</ul>'


def sources_html(files: pd.DataFrame, units: list | None = None) -> str:
    """The data files behind the report with their sha256 (the report footer).

    ``units`` (the plan's :class:`~taizhang.targets.Unit` list) gives the Chinese unit names and the order:
    by unit as in the registry, then by month.
    """
    if files.empty:
        return '<p class="tz-note">没有使用任何报表文件。</p>'
    units = list(units or [])
    names = {u.id: u.name for u in units}
    order = {u.id: i for i, u in enumerate(units)}
    frame = files.assign(_o=files["unit"].map(order).fillna(len(order)))
    frame = frame.sort_values(["_o", "period", "file"], kind="stable", ignore_index=True)
    return _table(frame, ["文件", "单位", "月份", "SHA-256"], lambda r: [
        e(r.file), e(names.get(r.unit, r.unit)), e(r.period), f'<code>{e(r.sha256)}</code>',
    ], css="tz-small")


STORE_CHECK_HEADERS = {"unit_name": "单位", "status_label": "报送情况", "file": "报表文件", "received": "入库时间",
                       "filed": "填报日期", "revision": "修订次数", "problems": "问题"}


def store_checks_html(frame: pd.DataFrame) -> str:
    """The store's check record of one month (:func:`taizhang.store.quality_frame`): Chinese headers and values.

    One row per unit in the registry's order: unit name, 按时报送 / 逾期报送 / 未报送 / 被退回, file, when it
    was received (local time, to the minute), the 填报日期, revision, and every problem on its own line.
    """
    from datetime import datetime

    def when(text) -> str:
        if not text or (isinstance(text, float) and pd.isna(text)):
            return "—"
        try:
            return datetime.fromisoformat(str(text)).astimezone().strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return str(text)

    def text(v) -> str:
        return "—" if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) or v == "" else str(v)

    css = {"reported": "tz-q-ok", "late": "tz-q-bad", "rejected": "tz-q-bad", "missing": "tz-q-miss"}
    return _table(frame, list(STORE_CHECK_HEADERS.values()), lambda r: [
        e(r.unit_name), f'<span class="tz-qs {css.get(r.status, "")}">{e(r.status_label)}</span>',
        e(text(r.file)), nowrap(when(r.received)), nowrap(text(r.filed)), e(text(r.revision)),
        "<br>".join(e(p) for p in str(text(r.problems)).splitlines()),
    ], css="tz-list tz-store", classes=["tz-c-unit", "tz-c-st", "tz-c-text", "tz-c-date", "tz-c-date", "tz-c-num",
                                         "tz-c-reason"])


def frame_html(frame: pd.DataFrame, headers: list[str], css: str = "") -> str:
    """A plain table of ``frame``'s values (all escaped) under ``headers``."""
    return _table(frame, headers, lambda r: [e("—" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
                                            for v in r], css=css)
