"""Ledger tables for reports: summary counts, overdue list, per-unit ledger, milestone overview.

Each ``*_table`` returns a DataFrame (what tests and the evaluation views use); each ``*_spec`` turns one into
an immutable :class:`~taizhang.reports.blocks.TableSpec` (or another block) that the HTML renderer
(:mod:`taizhang.reports.html`) and the Excel writer (:func:`taizhang.excel.write_table`) both render. No HTML
is written here. Status labels, colours and symbols come from the one status table
(:mod:`taizhang.kernel.statuses`), values are written by the one formatter (:mod:`taizhang.kernel.formatting`);
every colour is paired with a symbol so that a greyscale print stays readable.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import pandas as pd

from .evaluate import Settings, rank_table, status_counts
from .evaluate.ranking import SINGLE_NOTE
from .excel import LEDGER_SHEET
from .kernel import statuses
from .kernel.formatting import format_change, format_gap, format_value, gap_excel_format
from .reports.blocks import (AS_SHOWN, Blocks, Cell, Column, Counts, Notice, Problems, TableSpec, Text, Tile, Tiles,
                             lines, status_cell, text)


class StatusStyle(NamedTuple):
    """How a status is drawn: background colour, text colour and symbol (from :mod:`taizhang.kernel.statuses`)."""

    background: str
    color: str
    symbol: str


STATUS_STYLES = {s.code: StatusStyle(s.colour, s.ink, s.symbol) for s in statuses.STATUSES}


def status_label(code: str) -> str:
    """The Chinese label of a status code (:mod:`taizhang.kernel.statuses`)."""
    return statuses.label(code)


def status_style(code: str) -> StatusStyle:
    """The colours and symbol of a status code (:mod:`taizhang.kernel.statuses`)."""
    st = statuses.status(code)
    return StatusStyle(st.colour, st.ink, st.symbol)


def deadline_runs(r) -> tuple:
    """Every deadline of a target in the plan's words (one line each); two deadlines both shown with a hint;
    an assumed date labelled."""
    text_ = str(r.deadline_text or "期限未明确")
    dates = r.deadlines_all
    parts = [p for p in text_.split("；") if p] or ["期限未明确"]
    runs = list(lines(parts))
    several = (len(parts) > 1) or (isinstance(dates, (list, tuple)) and len(dates) > 1)
    if several:
        runs.append(Text("两个期限，按较早者评估", "hint", True))
    if r.deadline_assumed is True:
        d = r.deadline
        runs.append(Text(f"假定期限 {d if d is not None else ''}", "assumed", True))
    return tuple(runs)


def deadline_cell(r) -> Cell:
    """:func:`deadline_runs` as a cell."""
    return Cell(deadline_runs(r))


def _fmt_days(x) -> str:
    return "—" if x is None or pd.isna(x) else str(abs(int(x)))


def _number(x):
    """``x`` as a float rounded to 2 decimals for Excel (None when missing)."""
    try:
        return None if x is None or pd.isna(x) else round(float(x), 2)
    except (TypeError, ValueError):
        return None


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


def _spec(frame: pd.DataFrame, columns: tuple[Column, ...], cells, css: str = "", **kw) -> TableSpec:
    """A :class:`TableSpec` of ``frame``: ``cells(row)`` gives the row's cells, one per column."""
    return TableSpec(columns=columns, rows=tuple(tuple(cells(r)) for r in records(frame)), css=css, **kw)


def _more(rest: int, text_: str) -> str:
    return text_.format(rest) if rest > 0 else ""


#: the Excel workbook's combined ledger sheet (every unit, filterable by 单位): the one sheet that every
#: "见 Excel …" pointer of the HTML and PDF names (:func:`excel_pointer`); owned by the workbook writer
EXCEL_LEDGER_SHEET = LEDGER_SHEET


def excel_pointer() -> str:
    """The words that point from the HTML/PDF to the Excel workbook's ledger sheet."""
    return f"Excel 工作簿“{EXCEL_LEDGER_SHEET}”工作表"


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


def nowrap(value: str) -> Cell:
    """A cell the browser never breaks across lines (values, thresholds, gaps)."""
    return Cell((Text(value, "nw"),))


def threshold_runs(label: str) -> tuple:
    """A target value such as "≥ 100%" kept on one line; a bracketed remark after it may wrap."""
    head, sep, rest = str(label).partition("（")
    return (Text(head.strip(), "nw"),) + ((Text(sep + rest, "hint"),) if sep else ())


def _op(op) -> str | None:
    return op if isinstance(op, str) and op else None


def value_cell(x, unit: str, threshold=None, op=None) -> Cell:
    """A value shown with its unit on one line by the one formatter (a miss of ``threshold`` never printed as
    reaching it) and kept as a number rounded to 2 decimals (Excel)."""
    thr = pd.to_numeric(threshold, errors="coerce") if threshold is not None else None
    shown = format_value(x, unit or "", threshold=None if thr is None or pd.isna(thr) else float(thr), op=_op(op))
    return Cell((Text(shown, "nw"),), _number(x))


def gap_cell(x, unit: str) -> Cell:
    """A margin to the target as the one formatter writes it (a rate's in 个百分点), kept as a number for Excel
    shown the same way (:func:`taizhang.kernel.formatting.gap_excel_format`)."""
    return Cell((Text(format_gap(x, unit or ""), "nw"),), _number(x), num_format=gap_excel_format(unit or ""))


def summary_tiles(ledger: pd.DataFrame) -> Tiles:
    """Counts by status as a row of coloured tiles (applicable unit × target pairs only)."""
    counts = status_counts(ledger)
    tiles = tuple(Tile(str(int(r.count)), status=r.status, count=int(r.count)) for r in counts.itertuples(index=False))
    total = int(counts["count"].sum()) if len(counts) else 0
    return Tiles(tiles, total=total, note=f"共 {total} 项（每个单位的每项指标或任务计 1 项，不含不适用项）。")


def summary_html(ledger: pd.DataFrame) -> str:
    """:func:`summary_tiles` as HTML (the explorer's counts)."""
    return summary_tiles(ledger)._repr_html_()


def kind_counts_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Counts by kind (量化指标 / 常态化任务 / 节点任务) × status, applicable rows only."""
    from .targets import KIND_LABELS

    a = ledger[ledger["status"] != "not_applicable"]
    if a.empty:
        return pd.DataFrame()
    t = a.pivot_table(index="kind", columns="status", values="target_id", aggfunc="count", fill_value=0)
    t = t.reindex(columns=statuses.in_order(t.columns))
    t = t.reindex([k for k in KIND_LABELS if k in t.index])
    t.index = [KIND_LABELS[k] for k in t.index]
    return t


def quantitative(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger[ledger["kind"].isin(["quantitative", "recurring"]) & (ledger["status"] != "not_applicable")]


def overdue_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Quantitative and recurring targets past their deadline and not met: by unit (registry order), most overdue first."""
    q = quantitative(ledger)
    return sort_by_unit(q[q["status"] == "overdue"], ledger, ["days_to_deadline"])


_UNIT = Column("unit", "单位", "tz-c-unit")


def overdue_spec(ledger: pd.DataFrame, limit: int = 40) -> TableSpec:
    frame = overdue_table(ledger)
    shown = frame.head(limit)
    cols = (_UNIT, Column("title", "目标", "tz-c-text"), Column("deadline", "期限", "tz-c-date"),
            Column("value", "最新值", "tz-c-num"), Column("threshold", "目标值", "tz-c-thr"),
            Column("gap", "差距", "tz-c-num"), Column("days", "逾期天数", "tz-c-num"))
    return _spec(shown, cols, lambda r: (
        text(r.unit_name), text(r.title), deadline_cell(r), value_cell(r.value, r.target_unit),
        Cell(threshold_runs(r.threshold_label)), gap_cell(r.gap, r.target_unit), text(_fmt_days(r.days_to_deadline)),
    ), css="tz-list", empty="本月没有逾期未达标的量化指标。",
        note=_more(len(frame) - len(shown), "另有 {} 项，见分单位台账与" + excel_pointer() + "。"))


def due_soon_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """临期预警: the rows the evaluator judged ``due_soon`` (its window is the run's :class:`Settings`), by unit
    (registry order), nearest deadline first."""
    rows = ledger[ledger["status"] == "due_soon"]
    return sort_by_unit(rows, ledger, ["days_to_deadline"])


def due_soon_spec(ledger: pd.DataFrame, limit: int = 40) -> TableSpec:
    """:func:`due_soon_table` as a table; its empty text names the window the ledger was judged with."""
    from .evaluate import Settings

    months = Settings.from_ledger(ledger).due_soon_months
    frame = due_soon_table(ledger)
    shown = frame.head(limit)
    cols = (_UNIT, Column("title", "目标或任务", "tz-c-text"), Column("deadline", "期限", "tz-c-date"),
            Column("days", "剩余天数", "tz-c-num"), Column("value", "最新值", "tz-c-num"),
            Column("threshold", "目标值", "tz-c-thr"), Column("status", "状态", "tz-c-st"))
    return _spec(shown, cols, lambda r: (
        text(r.unit_name), text(r.title), deadline_cell(r), text(_fmt_days(r.days_to_deadline)),
        value_cell(r.value, r.target_unit, r.threshold, r.op) if r.kind != "milestone" else text("—"), Cell(threshold_runs(r.threshold_label)),
        status_cell(r.status),
    ), css="tz-list", empty=f"本月之后 {months} 个月内没有到期的未完成目标或任务。",
        note=_more(len(frame) - len(shown), "另有 {} 项临期，见分单位台账与" + excel_pointer() + "。"))


def changes_table(ledger: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Unit × target rows whose status differs from the previous month's ledger.

    Columns ``unit_name, title, kind, before, after, direction`` (``better`` / ``worse`` / ``changed``),
    worst news first, then by unit in the registry's order. Empty when there is no previous ledger.
    """
    cols = ["unit", "unit_name", "target_id", "title", "kind", "before", "after", "direction"]
    if previous is None or previous.empty:
        return pd.DataFrame(columns=cols)
    from .evaluate import month_over_month

    m = month_over_month(ledger, previous)
    direction = m["change"].map({"newly_met": "better", "improved": "better", "newly_overdue": "worse",
                                 "newly_regressed": "worse", "worsened": "worse", "data_missing": "missing"})
    m = m.assign(before=m["status_before"], after=m["status"], direction=direction.fillna("changed"))
    m = m[m["before"].notna() & (m["before"] != m["after"])].copy()
    m["_o"] = m["direction"].map({"worse": 0, "missing": 1, "changed": 2, "better": 3})
    m["_u"] = m["unit"].map(unit_order(ledger)).fillna(len(ledger))
    return m.sort_values(["_o", "_u"], kind="stable", ignore_index=True)[cols]


def changes_blocks(ledger: pd.DataFrame, previous: pd.DataFrame | None, previous_period: str,
                   limit: int = 25, frame: pd.DataFrame | None = None) -> Blocks:
    """What changed since last month: counts of improvements and setbacks, then the list (setbacks first).
    ``frame``: :func:`changes_table` of ``ledger`` and ``previous`` when the caller has it already."""
    if previous is None:
        return Blocks.of(Notice(f"没有 {previous_period} 的数据，无法与上月比较。"))
    frame = changes_table(ledger, previous) if frame is None else frame
    if frame.empty:
        return Blocks.of(Notice(f"与 {previous_period} 相比，各项状态没有变化。"))
    n_better = int((frame["direction"] == "better").sum())
    n_worse = int((frame["direction"] == "worse").sum())
    n_missing = int((frame["direction"] == "missing").sum())
    n_other = len(frame) - n_better - n_worse - n_missing
    counts = Counts(f"与 {previous_period} 相比：", (("▲ 好转", n_better, "up"), ("▼ 变差", n_worse, "down"))
                    + ((("？ 数据缺失", n_missing, ""),) if n_missing else ())
                    + ((("其他变化", n_other, ""),) if n_other else ()))
    shown = frame.head(limit)
    cols = (_UNIT, Column("title", "目标或任务", "tz-c-text"), Column("before", "上月", "tz-c-st"),
            Column("after", "本月", "tz-c-st"))
    table = _spec(shown, cols, lambda r: (text(r.unit_name), text(r.title), status_cell(r.before), status_cell(r.after)),
                  css="tz-list", note=_more(len(frame) - len(shown), "另有 {} 项变化，见" + excel_pointer() + "。"))
    return Blocks.of(counts, table)


def heatmap_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    """Status codes of the quantitative and recurring targets: one row per target, one column per unit."""
    q = ledger[ledger["kind"].isin(["quantitative", "recurring"])]
    if q.empty:
        return pd.DataFrame()
    frame = q.pivot(index="target_id", columns="unit", values="status")
    frame = frame.reindex(index=list(dict.fromkeys(q["target_id"])), columns=list(dict.fromkeys(q["unit"])))
    return frame


def heatmap_spec(ledger: pd.DataFrame) -> TableSpec:
    """Units × targets coloured by status, each cell also carrying the status symbol (greyscale-safe)."""
    frame = heatmap_frame(ledger)
    if frame.empty:
        return TableSpec((), (), empty="本方案没有量化指标。")
    first = ledger.drop_duplicates("target_id").set_index("target_id")
    names = dict(zip(ledger["unit"], ledger["unit_name"]))
    cols = (Column("target", "目标", "tz-hm-t", row_header=True),) + tuple(
        Column(u, names.get(u, u), vertical=True) for u in frame.columns)
    rows = []
    for tid, row in frame.iterrows():
        t = first.loc[tid]
        cells = [Cell((Text(t["title"]), Text(t["threshold_label"], "hm-s")))]
        cells += [Cell((), AS_SHOWN, code, None, f"{names.get(u, u)}：{status_label(code)}") for u, code in row.items()]
        rows.append(tuple(cells))
    codes = tuple(statuses.in_order(frame.to_numpy().ravel()))
    return TableSpec(cols, tuple(rows), mode="heat", legend=codes)


def heatmap_html(ledger: pd.DataFrame) -> str:
    return heatmap_spec(ledger)._repr_html_()


def ranking_table(ledger: pd.DataFrame, values: pd.DataFrame, metric: str, period: str,
                  higher_is_better: bool = True, settings=None) -> pd.DataFrame:
    """Units ranked by their latest value of ``metric``: ``rank, unit, unit_name, value, change, status`` …

    The one ranking (:func:`taizhang.evaluate.rank_table`, the same units and ranks as the CLI's
    ``--view ranking``: within a level, stale values unranked); ``change`` is the difference to the unit's
    value of the month before.
    """
    return rank_table(ledger, values, metric, period, higher_is_better, settings)


_RANK_COLUMNS = (Column("rank", "名次"), Column("unit", "单位"), Column("value", "最新值"), Column("change", "较上月"),
                 Column("status", "状态"))


def _rank_text(r) -> str:
    if pd.isna(r.rank):
        return "—"
    # "3/10": the rank among how many ranked units (a unit's own report shows only its row); with more than
    # one level the rank names its level ("旗县区级 3/10")
    rank = f"{int(r.rank)}/{int(r.of)}" if pd.notna(r.of) else str(int(r.rank))
    return rank if not r.multi else f"{r.group} {rank}"


def ranking_spec(frame: pd.DataFrame, stale_months: int | None = None) -> TableSpec | None:
    """The ranking of :func:`ranking_table` (None when no unit has a target of the metric). Units that are
    not ranked show "—" and why (数据过期, 同级无其他可比单位) next to their value; with more than one level,
    the rank names its level ("旗县区级 3/10")."""
    if frame.empty:
        return None
    frame = frame.assign(multi=frame["group"].nunique() > 1)
    notes = []  # a rate's change says 百分点 itself (kernel.formatting.format_change)
    if frame["multi"].iloc[0]:
        notes.append("名次在同级单位中排列。")
    if frame["stale"].any():
        notes.append(f"数据过期（超过 {stale_months} 个月未更新）的单位列出最新值，不排名。" if stale_months
                     else "数据过期的单位列出最新值，不排名。")
    if (frame["note"] == SINGLE_NOTE).any():
        notes.append("同级无其他可比单位的，不排名。")

    def value_runs(r):
        runs = (Text(format_value(r.value, r.target_unit or ""), "nw"),)
        hint = "数据过期" if r.stale and pd.notna(r.value) else "无同级可比" if r.note == SINGLE_NOTE else ""
        return runs + ((Text(f"（{hint}）", "hint"),) if hint else ())

    return _spec(frame, _RANK_COLUMNS, lambda r: (
        text(_rank_text(r)), text(r.unit_name), Cell(value_runs(r), _number(r.value)),
        text(format_change(r.change, r.target_unit or "")), status_cell(r.status)), css="tz-rank",
        note="".join(notes), note_css="tz-hint")


def ledger_table(ledger: pd.DataFrame, unit: str, kinds=("quantitative", "recurring")) -> pd.DataFrame:
    """The ledger rows of one unit (id) of the given kinds, applicable only, in registry order."""
    a = ledger[ledger["kind"].isin(list(kinds)) & (ledger["status"] != "not_applicable")]
    return a[a["unit"] == unit].reset_index(drop=True)


def _target_runs(r) -> tuple:
    return (Text(r.title, "b"), Text(r.section, "sec"), Text(f"“{r.quote}”", "quote"))


#: the unit ledger's columns: the HTML shows some (``html``), the Excel sheet others (``xlsx``), both share the
#: value, target, gap, status, reason and lead cells, so the two cannot disagree
LEDGER_COLUMNS = (
    Column("target", "目标（章节 · 方案原文）", "tz-c-target", xlsx=False),
    Column("section", "章节", html=False, width=12), Column("kind_label", "类别", html=False, width=10),
    Column("title", "目标", html=False, width=28, wrap=True), Column("quote", "方案原文", html=False, width=60, wrap=True),
    Column("deadline", "期限", "tz-c-date", xlsx=False),
    Column("deadline_text", "期限（原文）", html=False, width=22), Column("deadline_date", "评估期限", html=False, width=12),
    Column("deadline_note", "期限说明", html=False, width=16),
    Column("value", "最新值", "tz-c-num", width=10), Column("measure", "计量单位", html=False, width=9),
    Column("value_period", "数据月份", html=False, width=16), Column("op_label", "比较", html=False, width=6),
    Column("threshold", "目标值", "tz-c-thr", width=9), Column("gap", "差距", "tz-c-num", width=10),
    Column("threshold_label", "目标值说明", html=False, width=18),
    Column("status", "状态", "tz-c-st", width=12), Column("reason", "说明", "tz-c-reason", width=48, wrap=True),
    Column("lead", "牵头单位", "tz-c-lead", width=20), Column("target_id", "目标编号", html=False, width=30),
)


def _as_date(d):
    """A deadline as a ``datetime.date`` (None when there is none), so Excel stores a real date."""
    from datetime import date, datetime

    if d is None or (not isinstance(d, (date, datetime)) and pd.isna(d)):
        return None
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    try:
        return date.fromisoformat(str(d)[:10])
    except ValueError:
        return None


def _deadline_note(r) -> str:
    n = []
    if "；" in str(r.deadline_text):
        n.append("两个期限，按较早者评估")
    if r.deadline_assumed is True:
        n.append("假定期限")
    return "；".join(n)


def _ledger_cells(r, kind_labels, op_labels) -> tuple:
    unit = r.target_unit
    op = r.op if isinstance(r.op, str) else ""
    threshold = pd.to_numeric(r.threshold, errors="coerce")
    return (
        Cell(_target_runs(r)), text(r.section, raw=r.section), text(kind_labels.get(r.kind), raw=kind_labels.get(r.kind)),
        text(r.title, raw=r.title), text(r.quote, raw=r.quote), deadline_cell(r),
        text(r.deadline_text, raw=r.deadline_text), text(None, raw=_as_date(r.deadline), num_format="yyyy-mm-dd"),
        text(None, raw=_deadline_note(r)), value_cell(r.value, unit, r.threshold, r.op),
        text(unit, raw="" if unit is None or (isinstance(unit, float) and pd.isna(unit)) else unit),
        text(r.value_period, raw=r.value_period), text(op_labels.get(op, ""), raw=op_labels.get(op, "")),
        Cell(threshold_runs(r.threshold_label), None if pd.isna(threshold) else float(threshold)),
        gap_cell(r.gap, unit), text(r.threshold_label, raw=r.threshold_label), status_cell(r.status),
        text(r.reason, raw=r.reason), text(r.lead or "—", raw=r.lead), text(r.target_id, raw=r.target_id),
    )


def ledger_spec(ledger: pd.DataFrame, unit: str | None = None, kinds=("quantitative", "recurring")) -> TableSpec:
    """The 台账 of one unit (or of every unit when ``unit`` is None): target with the plan's exact words,
    deadline(s), latest value, gap, status, reason, lead — and for Excel the same rows with every field in
    its own column (numbers as numbers, the deadline as a date). Applicable rows only, in registry order."""
    from .targets import KIND_LABELS, OP_LABELS

    a = ledger[ledger["kind"].isin(list(kinds)) & (ledger["status"] != "not_applicable")]
    if unit is not None:
        a = a[a["unit"] == unit]
    return _spec(a, LEDGER_COLUMNS, lambda r: _ledger_cells(r, KIND_LABELS, OP_LABELS), css="tz-ledger",
                 empty="本单位没有适用的量化指标。")


def ledger_html(ledger: pd.DataFrame, unit: str) -> str:
    """:func:`ledger_spec` of one unit as HTML (the explorer)."""
    return ledger_spec(ledger, unit)._repr_html_()


def tasks_blocks(ledger: pd.DataFrame, unit: str) -> Blocks:
    """The district report's tasks: the unit's milestone tasks not done (:func:`tasks_spec`), the done ones
    counted in a line under them with the pointer to the Excel sheet that lists every task."""
    frame = ledger_table(ledger, unit, kinds=("milestone",))
    done = frame["status"].isin(statuses.MET)
    late = int((frame["status"] == "done_late").sum())
    shown = tasks_spec(ledger[~ledger["status"].isin(statuses.MET)], unit) if (~done).any() or frame.empty else None
    n = int(done.sum())
    line = ""
    if n:
        what = f"已完成 {n} 项" + (f"（其中逾期完成 {late} 项）" if late else "")
        line = (f"本单位节点任务均已完成：{what}" if shown is None else f"另有{what}，未逐项列出") + \
            f"（逐项见{excel_pointer()}）。"
    return Blocks.of(shown, Notice(line, css="tz-unit-line") if line else None)


def tasks_spec(ledger: pd.DataFrame, unit: str) -> TableSpec:
    """Every milestone task of one unit with its completion status (the district report), worst first."""
    frame = ledger_table(ledger, unit, kinds=("milestone",))
    if not frame.empty:
        order = {c: i for i, c in enumerate(statuses.in_order(frame["status"]))}
        frame = frame.assign(_r=frame["status"].map(order))
        frame = frame.sort_values(["_r", "days_to_deadline"], kind="stable")
    cols = (Column("task", "任务（章节 · 方案原文）", "tz-c-task"), Column("deadline", "期限", "tz-c-date"),
            Column("status", "状态", "tz-c-st"), Column("reason", "说明", "tz-c-reason"),
            Column("lead", "牵头单位", "tz-c-lead"))
    return _spec(frame, cols, lambda r: (Cell(_target_runs(r)), deadline_cell(r), status_cell(r.status),
                                         text(r.reason), text(r.lead or "—")),
                 css="tz-ledger tz-tasks", empty="本单位没有适用的节点任务。")


def milestone_table(ledger: pd.DataFrame) -> pd.DataFrame:
    """Milestone task statuses counted per unit: one row per unit, one column per status."""
    ms = ledger[(ledger["kind"] == "milestone") & (ledger["status"] != "not_applicable")]
    if ms.empty:
        return pd.DataFrame()
    table = ms.pivot_table(index="unit_name", columns="status", values="target_id", aggfunc="count", fill_value=0)
    table = table.reindex(columns=statuses.in_order(table.columns), fill_value=0)
    unit_order = list(dict.fromkeys(ms["unit_name"]))
    return table.reindex(unit_order)


def milestone_spec(ledger: pd.DataFrame) -> TableSpec:
    """Milestone task counts per unit and status, with the total and the share done."""
    table = milestone_table(ledger)
    if table.empty:
        return TableSpec((), (), empty="没有适用的节点任务。")
    done = [c for c in ("done", "done_late") if c in table.columns]
    total = table.sum(axis=1)
    rate = (table[done].sum(axis=1) / total * 100) if done else total * 0
    cols = ((Column("unit", "单位", "tz-c-unit", head_css=False),)
            + tuple(Column(c, status_label(c), "tz-num", status=c, head_css=False) for c in table.columns)
            + (Column("total", "合计", "tz-num", head_css=False), Column("rate", "完成率", "tz-num", head_css=False)))
    rows = tuple((text(u),) + tuple(text(int(v), raw=int(v)) for v in row)
                 + (text(int(total[u]), raw=int(total[u])), text(f"{rate[u]:.0f}%")) for u, row in table.iterrows())
    return TableSpec(cols, rows, css="tz-list")


def overdue_tasks_frame(ledger: pd.DataFrame) -> pd.DataFrame:
    """The milestone tasks overdue and not done, one row per task: ``target_id, section, title, deadline,
    deadline_text, days, units, unit_names, n_units, lead``; most overdue first, then in the registry's order.
    ``unit_names`` lists every unit overdue on the task (registry order), so every overdue unit × task pair
    of ``ledger`` is in the table."""
    cols = ["target_id", "section", "title", "deadline", "deadline_text", "days", "units", "unit_names", "n_units",
            "lead"]
    ms = sort_by_unit(ledger[ledger["status"] == "task_overdue"], ledger, ["days_to_deadline"])
    if ms.empty:
        return pd.DataFrame(columns=cols)
    order = {t: i for i, t in enumerate(dict.fromkeys(ledger["target_id"]))}
    rows = []
    for tid, g in ms.groupby("target_id", sort=False):
        first = g.iloc[0]
        days = pd.to_numeric(g["days_to_deadline"], errors="coerce").min()
        rows.append({"target_id": tid, "section": first["section"], "title": first["title"],
                     "deadline": first["deadline"], "deadline_text": first["deadline_text"], "days": days,
                     "units": tuple(g["unit"]), "unit_names": "、".join(g["unit_name"]), "n_units": len(g),
                     "lead": first["lead"], "order": order.get(tid, len(order)), "row": first})
    frame = pd.DataFrame(rows).sort_values(["days", "order"], kind="stable", ignore_index=True)
    return frame


def overdue_tasks_spec(ledger: pd.DataFrame) -> TableSpec:
    """Every milestone task overdue and not done — nothing left out: one row per task with the units overdue on
    it (in unit scope, the unit's tasks), most overdue first (:func:`overdue_tasks_frame`)."""
    frame = overdue_tasks_frame(ledger)
    one_unit = ledger["unit"].nunique() <= 1
    cols = (Column("section", "章节", "tz-c-sec"), Column("title", "任务", "tz-c-text"),
            Column("deadline", "期限", "tz-c-date"), Column("days", "逾期天数", "tz-c-num"))
    if not one_unit:
        cols += (Column("units", "逾期未完成的单位", "tz-c-units"),)
    cols += (Column("lead", "牵头单位", "tz-c-lead"),)

    def cells(r) -> tuple:
        out = (text(r.section), text(r.title), deadline_cell(r.row), text(_fmt_days(r.days)))
        if not one_unit:
            out += (text(f"{r.unit_names}（{r.n_units}）" if r.n_units > 1 else r.unit_names),)
        return out + (text(r.lead or "—"),)

    total = int(frame["n_units"].sum()) if len(frame) else 0
    note = (f"共 {len(frame)} 项任务、{total} 个单位次逾期未完成，全部列出。" if len(frame) and not one_unit else "")
    return TableSpec(cols, tuple(tuple(cells(r)) for r in frame.itertuples(index=False)),
                     css="tz-list tz-list3 tz-overdue-tasks", empty="没有逾期未完成的节点任务。", note=note)


def unit_ledger_spec(ledger: pd.DataFrame, unit: str, unit_name: str = "",
                     tasks_section: str = "四、节点任务完成情况") -> tuple[TableSpec | None, str]:
    """A unit's 台账 as printed in the monthly ledger: the targets not met (:func:`ledger_spec`'s rows, the
    met ones collapsed into a count), with the unit's name in a header row that repeats at the top of each
    continuation page; and the line under it (met count, where the full list is). The table is None when every
    applicable target is met."""
    a = ledger_table(ledger, unit)
    met = a["status"].isin(statuses.MET)
    n_met = int(met.sum())
    spec = None
    if (~met).any():
        from dataclasses import replace

        spec = replace(ledger_spec(a[~met], unit), caption=f"{unit_name or unit} · 量化指标台账（已达标各项只计数）")
    if a.empty:
        line = "本单位没有适用的量化指标。"
    elif spec is None:
        line = f"本单位 {n_met} 项量化指标与常态化任务均已达标（逐项见{excel_pointer()}）。"
    else:
        line = (f"另有 {n_met} 项已达标，未逐项列出（逐项见{excel_pointer()}）。" if n_met else "")
    tasks = int(((ledger["unit"] == unit) & (ledger["status"] == "task_overdue")).sum())
    if tasks and tasks_section:
        line += f"本单位逾期未完成的节点任务 {tasks} 项，见“{tasks_section}”。"
    return spec, line


def rejected_block(rejected) -> Notice | Problems:
    """Returns that were not accepted, with every problem, so that nothing is dropped silently."""
    if not rejected:
        return Notice("所有报表均已通过校验。")
    return Problems(tuple((err.title, tuple(str(p) for p in err.problems)) for err in rejected))


def sources_spec(files: pd.DataFrame, units: list | None = None) -> TableSpec:
    """The data files behind the report with their sha256 (the report footer).

    ``units`` (the plan's :class:`~taizhang.targets.Unit` list) gives the Chinese unit names and the order:
    by unit as in the registry, then by month.
    """
    units = list(units or [])
    names = {u.id: u.name for u in units}
    order = {u.id: i for i, u in enumerate(units)}
    frame = files.assign(_o=files["unit"].map(order).fillna(len(order))) if not files.empty else files
    if not files.empty:
        frame = frame.sort_values(["_o", "period", "file"], kind="stable", ignore_index=True)
    cols = (Column("file", "文件"), Column("unit", "单位"), Column("period", "月份"), Column("sha256", "SHA-256"))
    return _spec(frame, cols, lambda r: (text(r.file), text(names.get(r.unit, r.unit)), text(r.period),
                                         text(r.sha256, "code")), css="tz-small", empty="没有使用任何报表文件。")


STORE_CHECK_HEADERS = {"unit_name": "单位", "status_label": "报送情况", "file": "报表文件", "received": "入库时间",
                       "filed": "填报日期", "revision": "修订次数", "problems": "问题"}
_STORE_CSS = ("tz-c-unit", "tz-c-st", "tz-c-text", "tz-c-date", "tz-c-date", "tz-c-num", "tz-c-reason")
_STORE_STYLE = {"reported": "q-ok", "late": "q-bad", "rejected": "q-bad", "missing": "q-miss"}


def _when(value) -> str:
    from datetime import datetime

    if not value or (isinstance(value, float) and pd.isna(value)):
        return "—"
    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def _plain(v) -> str:
    return "—" if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) or v == "" else str(v)


def store_checks_spec(frame: pd.DataFrame) -> TableSpec:
    """The store's check record of one month (:func:`taizhang.store.quality_frame`): Chinese headers and values.

    One row per unit in the registry's order: unit name, 按时报送 / 逾期报送 / 未报送 / 被退回, file, when it
    was received (local time, to the minute), the 填报日期, revision, and every problem on its own line.
    """
    cols = tuple(Column(k, v, css) for (k, v), css in zip(STORE_CHECK_HEADERS.items(), _STORE_CSS))
    return _spec(frame, cols, lambda r: (
        text(r.unit_name), text(r.status_label, _STORE_STYLE.get(r.status, "")), text(_plain(r.file)),
        nowrap(_when(r.received)), nowrap(_plain(r.filed)), text(_plain(r.revision)),
        Cell(lines(str(_plain(r.problems)).splitlines())),
    ), css="tz-list tz-store")


def store_checks_html(frame: pd.DataFrame) -> str:
    return store_checks_spec(frame)._repr_html_()


def unit_counts_spec(ledger: pd.DataFrame) -> TableSpec:
    """Applicable rows counted per unit and status (worst first) with the total: the Excel 总览."""
    a = ledger[ledger["status"] != "not_applicable"]
    present = statuses.in_order(a["status"])
    counts = a.groupby(["unit_name", "status"], sort=False, observed=True).size().to_dict()
    cols = ((Column("unit", "单位", width=22),) + tuple(Column(s, status_label(s), status=s, width=12) for s in present)
            + (Column("total", "合计", width=12),))
    rows = []
    for name in dict.fromkeys(a["unit_name"]):
        n = [int(counts.get((name, s), 0)) for s in present]
        rows.append((text(name, raw=str(name)),) + tuple(text(k, raw=k) for k in n) + (text(sum(n), raw=sum(n)),))
    return TableSpec(cols, tuple(rows), css="tz-list")
