"""Ledger tables for reports: summary counts, overdue list, per-unit ledger, milestone overview.

Each ``*_table`` returns a DataFrame (what tests and the Excel writer use); each ``*_html`` renders one as an
HTML fragment with every value escaped. Status colours live here, once, and pair every colour with a symbol
so that a greyscale print stays readable.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from .evaluate import STATUS_BY_CODE, status_counts


@dataclass(frozen=True)
class StatusStyle:
    background: str
    color: str
    symbol: str


STATUS_STYLES = {
    "overdue": StatusStyle("#c0392b", "#ffffff", "✕"),
    "task_overdue": StatusStyle("#c0392b", "#ffffff", "✕"),
    "no_data": StatusStyle("#7f8c8d", "#ffffff", "？"),
    "not_due": StatusStyle("#f6d55c", "#3d3d3d", "…"),
    "task_pending": StatusStyle("#f6d55c", "#3d3d3d", "…"),
    "no_deadline": StatusStyle("#d6cfe6", "#3d3d3d", "～"),
    "done_late": StatusStyle("#a9d8b8", "#1e4d2b", "✓"),
    "met": StatusStyle("#1e8449", "#ffffff", "✓"),
    "done": StatusStyle("#1e8449", "#ffffff", "✓"),
    "not_applicable": StatusStyle("#ffffff", "#999999", "—"),
    # statuses of the progress judgement (issue "Judging progress")
    "behind": StatusStyle("#e67e22", "#ffffff", "▼"),
    "due_soon": StatusStyle("#f39c12", "#3d3d3d", "！"),
    "regressed": StatusStyle("#8e44ad", "#ffffff", "↘"),
    "stale": StatusStyle("#95a5a6", "#3d3d3d", "⌛"),
    "on_track": StatusStyle("#a9dfbf", "#1e4d2b", "▲"),
}

e = html.escape


def badge(code: str) -> str:
    """An HTML status badge: colour plus symbol plus the Chinese label."""
    st = STATUS_STYLES[code]
    return (f'<span class="tz-badge tz-{e(code)}" style="background:{st.background};color:{st.color}">'
            f"{st.symbol} {e(STATUS_BY_CODE[code].label)}</span>")


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


def _table(frame: pd.DataFrame, headers: list[str], cells, css: str = "") -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in cells(r)) + "</tr>" for r in frame.itertuples(index=False))
    return f'<table class="tz-table {css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def summary_html(ledger: pd.DataFrame) -> str:
    """Counts by status as a row of coloured tiles (applicable unit × target pairs only)."""
    counts = status_counts(ledger)
    tiles = "".join(
        f'<div class="tz-tile" data-status="{e(r.status)}" style="border-color:{STATUS_STYLES[r.status].background}">'
        f'<div class="tz-tile-n" data-count="{int(r.count)}">{int(r.count)}</div><div>{badge(r.status)}</div></div>'
        for r in counts.itertuples(index=False)
    )
    total = int(counts["count"].sum()) if len(counts) else 0
    return f'<div class="tz-tiles">{tiles}</div><p class="tz-note">共 {total} 项（单位 × 目标，不含不适用项）。</p>'


def quantitative(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger[ledger["kind"].isin(["quantitative", "recurring"]) & (ledger["status"] != "not_applicable")]


def overdue_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Quantitative and recurring targets past their deadline and not met, most overdue first."""
    q = quantitative(ledger)
    return q[q["status"] == "overdue"].sort_values(["days_to_deadline", "unit", "target_id"], ignore_index=True)


def overdue_html(ledger: pd.DataFrame) -> str:
    frame = overdue_table(ledger)
    if frame.empty:
        return '<p class="tz-note">本月没有逾期未达标的量化指标。</p>'
    return _table(frame, ["单位", "目标", "期限", "最新值", "目标值", "差距", "逾期天数"], lambda r: [
        e(r.unit_name), e(r.title), e(r.deadline_text), e(_fmt_value(r.value, r.target_unit)),
        e(r.threshold_label), e(_fmt_gap(r.gap, r.target_unit)), e(str(-int(r.days_to_deadline))),
    ])


def ledger_table(ledger: pd.DataFrame, unit: str) -> pd.DataFrame:
    """The quantitative ledger of one unit (id), in registry order."""
    q = quantitative(ledger)
    return q[q["unit"] == unit].reset_index(drop=True)


def ledger_html(ledger: pd.DataFrame, unit: str) -> str:
    frame = ledger_table(ledger, unit)
    if frame.empty:
        return '<p class="tz-note">本单位没有适用的量化指标。</p>'
    return _table(frame, ["章节", "目标", "原文摘录", "期限", "最新值", "目标值", "差距", "状态", "说明", "牵头单位"], lambda r: [
        e(r.section), e(r.title), f'<span class="tz-quote">{e(r.quote)}</span>', e(r.deadline_text),
        e(_fmt_value(r.value, r.target_unit)), e(r.threshold_label), e(_fmt_gap(r.gap, r.target_unit)),
        badge(r.status), e(r.reason), e(r.lead),
    ], css="tz-ledger")


def milestone_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Milestone task statuses counted per unit: one row per unit, one column per status label."""
    ms = ledger[(ledger["kind"] == "milestone") & (ledger["status"] != "not_applicable")]
    if ms.empty:
        return pd.DataFrame()
    order = [c for c in ("task_overdue", "done_late", "done", "task_pending", "no_deadline", "no_data")
             if c in set(ms["status"])]
    table = ms.pivot_table(index="unit_name", columns="status", values="target_id", aggfunc="count", fill_value=0)
    table = table.reindex(columns=order, fill_value=0)
    unit_order = list(dict.fromkeys(ms["unit_name"]))
    return table.reindex(unit_order)


def milestone_html(ledger: pd.DataFrame) -> str:
    table = milestone_table(ledger)
    if table.empty:
        return '<p class="tz-note">没有适用的节点任务。</p>'
    head = "".join(f"<th>{badge(c)}</th>" for c in table.columns)
    body = "".join(f"<tr><td>{e(str(u))}</td>" + "".join(f"<td class='tz-num'>{int(v)}</td>" for v in row) + "</tr>"
                   for u, row in table.iterrows())
    return f'<table class="tz-table"><thead><tr><th>单位</th>{head}</tr></thead><tbody>{body}</tbody></table>'


def overdue_tasks_html(ledger: pd.DataFrame, limit: int = 30) -> str:
    """The milestone tasks overdue and not done, most overdue first (at most ``limit`` rows, the rest counted)."""
    ms = ledger[ledger["status"] == "task_overdue"].sort_values(["days_to_deadline", "unit", "target_id"])
    if ms.empty:
        return '<p class="tz-note">没有逾期未完成的节点任务。</p>'
    shown = ms.head(limit)
    table = _table(shown, ["单位", "章节", "任务", "期限", "逾期天数"], lambda r: [
        e(r.unit_name), e(r.section), e(r.title), e(r.deadline_text), e(str(-int(r.days_to_deadline))),
    ])
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


def sources_html(files: pd.DataFrame) -> str:
    """The data files behind the report with their sha256 (the report footer)."""
    if files.empty:
        return '<p class="tz-note">没有使用任何报表文件。</p>'
    return _table(files, ["文件", "单位", "月份", "SHA-256"], lambda r: [
        e(r.file), e(r.unit), e(r.period), f'<code>{e(r.sha256)}</code>',
    ], css="tz-small")
