"""The Excel ledger's working sheets as table specs: the combined 台账, 与上月相比, 图例 and 督办台账.

Each function returns a :class:`Sheet` — the lines written above the table (what the sheet shows, the sample
mark, a note when there is nothing to show) and a :class:`~taizhang.reports.blocks.TableSpec` — which
:func:`taizhang.excel.write_ledger_xlsx` renders with :func:`taizhang.excel.write_table`, the same renderer
as the unit sheets. The combined ledger's cells are the cells of :func:`taizhang.ledger.ledger_spec` (the
table spec the HTML ledger renders), with four columns added: 单位, 逾期天数, 完成日期, 佐证材料. The change
list is :func:`taizhang.ledger.changes_table`, the supervision items are
:func:`taizhang.supervision.items.supervision_tables`: nothing here judges, compares or follows anything.

No renderer is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..kernel import statuses
from .blocks import Cell, Column, TableSpec, Text, status_cell, text


@dataclass(frozen=True)
class Sheet:
    """A working sheet: ``lines`` above the table (the first one bold), the ``table`` (None: lines only),
    how many leading columns stay in view (``freeze_cols``, e.g. unit and target) and how many leading
    columns print (``print_cols``, None: all)."""

    lines: tuple[str, ...]
    table: TableSpec | None = None
    freeze_cols: int = 0
    print_cols: int | None = None


# ---------------------------------------------------------------------------------------------- 台账

#: the combined ledger's columns, in order: the key columns first (they print), then the rest of the unit
#: sheet's columns; keys not in :data:`taizhang.ledger.LEDGER_COLUMNS` are added here
COMBINED_ORDER = ("unit_name", "title", "status", "overdue_days", "value", "measure", "op_label", "threshold", "gap",
                  "deadline_date", "done_date", "evidence", "reason", "lead",
                  # not printed
                  "kind_label", "section", "deadline_text", "deadline_note", "value_period", "threshold_label",
                  "quote", "target_id")
#: how many of :data:`COMBINED_ORDER` print on A4 landscape (the rest stay on screen)
COMBINED_PRINTED = 14

_ADDED = {
    "unit_name": Column("unit_name", "单位", html=False, width=12),
    "overdue_days": Column("overdue_days", "逾期天数", html=False, width=8),
    "done_date": Column("done_date", "完成日期", html=False, width=11),
    "evidence": Column("evidence", "佐证材料", html=False, width=18, wrap=True),
}
#: narrower print widths for the key columns the unit sheets give more room
_WIDTHS = {"title": 26, "reason": 40, "lead": 16, "measure": 7, "op_label": 5}


def severity_order(ledger: pd.DataFrame) -> list[int]:
    """Positions of ``ledger``'s rows by severity (the status table's order, worst first), then unit (the
    registry's order, as the ledger holds its rows), then target (the registry's order)."""
    severity = {c: i for i, c in enumerate(statuses.ORDER)}
    units = {u: i for i, u in enumerate(dict.fromkeys(ledger["unit"]))}
    targets = {t: i for i, t in enumerate(dict.fromkeys(ledger["target_id"]))}
    keys = [np.array([m[x] for x in ledger[c]]) for c, m in (("target_id", targets), ("unit", units),
                                                           ("status", severity))]
    return np.lexsort(keys).tolist() if len(ledger) else []


def overdue_days(row) -> int | None:
    """Days past the deadline of a row not achieved (None: not overdue or no deadline) — the overdue lists'
    逾期天数: an overdue status gives its days (0 when the deadline was the month's last day)."""
    days = row.days_to_deadline
    if days is None or pd.isna(days) or row.status in statuses.MET:
        return None
    days = int(days)
    if row.status in statuses.OVERDUE:
        return abs(days)
    return -days if days < 0 else None


def _day(value) -> date | None:
    if value is None or (not isinstance(value, (date, datetime)) and pd.isna(value)):
        return None
    ts = pd.Timestamp(value)
    return None if pd.isna(ts) else ts.date()


def task_evidence(tasks: pd.DataFrame, period: str) -> dict[tuple[str, str], str]:
    """(unit, target) → the 佐证材料 the unit reported with the completion date the ledger shows: of the
    returns up to ``period``, the earliest completion date (as the ledger's ``done_date``), and of several
    returns with that date the latest return's words."""
    if tasks is None or tasks.empty:
        return {}
    t = tasks[(tasks["period"].astype(str) <= period)].copy()
    t["_d"] = pd.to_datetime(t["done_date"], errors="coerce")
    t = t[t["_d"].notna()].sort_values(["_d", "period"], ascending=[True, False], kind="stable")
    first = t.drop_duplicates(["unit", "target_id"], keep="first")
    return {(u, k): ("" if pd.isna(e) else str(e)) for u, k, e in zip(first["unit"], first["target_id"],
                                                                         first["evidence"])}


def first_met_months(ledger: pd.DataFrame, values: pd.DataFrame | None, period: str) -> dict[tuple[str, str], str]:
    """(unit, target) → the first month (YYYY-MM, up to ``period``) whose value met the target, for the
    quantitative rows met now: the metric values the ledger judges (:func:`taizhang.evaluate.metric_values`)
    tested by the judges' own test (:func:`taizhang.evaluate.judges.meets_scalar`) with the row's comparison
    and threshold. Recurring targets (counts per period) have no such month and are left out."""
    from ..evaluate.judges import meets_scalar

    if values is None or values.empty:
        return {}
    met = ledger.loc[(ledger["kind"] == "quantitative") & ledger["status"].isin(sorted(statuses.MET)),
                     ["unit", "target_id", "metric", "op", "threshold"]]
    if met.empty:
        return {}
    v = values[values["unit"].isin(set(met["unit"])) & values["metric"].isin(set(met["metric"]))]
    v = v.loc[v["period"].astype(str) <= period, ["unit", "metric", "period", "value"]]
    j = met.merge(v, on=["unit", "metric"])
    thr = pd.to_numeric(j["threshold"], errors="coerce").to_numpy(dtype=float)
    value = pd.to_numeric(j["value"], errors="coerce").to_numpy(dtype=float)
    ok = np.zeros(len(j), dtype=bool)
    for op in j["op"].unique():
        sel = (j["op"] == op).to_numpy()
        ok[sel] = meets_scalar(value[sel], op, thr[sel])  # the judges' test, row by row thresholds
    first = j[ok].groupby(["unit", "target_id"], sort=False)["period"].min()
    return {k: str(p) for k, p in first.items()}


def ledger_sheet(ledger: pd.DataFrame, period: str, *, tasks: pd.DataFrame | None = None,
                 values: pd.DataFrame | None = None, heading: str = "", spec: TableSpec | None = None) -> Sheet:
    """The combined 台账: every applicable row of every unit in one table, by severity, unit and target.

    The cells are those of :func:`taizhang.ledger.ledger_spec` (all kinds) plus 单位, 逾期天数 (days past the
    deadline of a row not achieved), 完成日期 (a task: the completion date the unit reported, a date; a
    quantitative target met now: the first month it was met, YYYY-MM; otherwise empty) and 佐证材料 (a task's
    evidence from the return, see :func:`task_evidence`). ``spec`` is the ledger's
    :func:`~taizhang.ledger.ledger_spec` of every unit and kind when the caller has it (the unit sheets'
    rows), so the cells are built once.
    """
    from ..ledger import LEDGER_COLUMNS, ledger_spec, records

    if spec is None:
        spec = ledger_spec(ledger, None, kinds=tuple(dict.fromkeys(ledger["kind"])))
    # the spec holds the applicable rows in the ledger's order: position i is row i of ``applicable``
    applicable = ledger[ledger["status"] != "not_applicable"]
    order = severity_order(applicable)
    rows = applicable.iloc[order]
    every = records(applicable)
    cells_of = [spec.rows[i] for i in order]
    evidence = task_evidence(tasks, period)
    met_months = first_met_months(ledger, values, period)
    pos = {c.key: i for i, c in enumerate(LEDGER_COLUMNS)}
    columns = tuple(_ADDED.get(k) or _narrow(LEDGER_COLUMNS[pos[k]]) for k in COMBINED_ORDER)
    out = []
    for r, cells in zip((every[i] for i in order), cells_of):
        key = (r.unit, r.target_id)
        if r.kind == "milestone":
            done = _day(r.done_date)
            done_cell = text(None if done is None else done.isoformat(), raw=done, num_format="yyyy-mm-dd")
            ev = evidence.get(key, "") if done is not None else ""
        else:
            month = met_months.get(key)
            done_cell, ev = text(month, raw=month), ""
        days = overdue_days(r)
        added = {"unit_name": text(r.unit_name, raw=r.unit_name), "overdue_days": text(days, raw=days),
                 "done_date": done_cell, "evidence": text(ev or None, raw=ev or None)}
        out.append(tuple(added[k] if k in added else cells[pos[k]] for k in COMBINED_ORDER))
    n = len(out)
    by_kind = rows["kind"].value_counts()
    from ..targets import KIND_LABELS

    kinds_text = "、".join(f"{KIND_LABELS[k]} {int(by_kind[k])} 项" for k in KIND_LABELS if k in by_kind)
    names = list(dict.fromkeys(rows["unit_name"]))
    scope = f"台账（{names[0]}）" if len(names) == 1 else "台账（全部单位）"  # a unit's own workbook names it
    lines = (f"{scope}· {heading} · 截至 {period} 月末 · 共 {n} 项" + (f"（{kinds_text}）" if kinds_text else ""),
             "按严重程度（状态，最严重在前）、单位、目标排列；可用“单位”“状态”等列的筛选按钮筛选。"
             "逾期天数：期限已过、尚未达标或完成的天数；完成日期：节点任务为单位报送的完成日期，"
             "量化指标为首次达到目标值的月份（现已达标者）；佐证材料：节点任务随完成日期报送的材料。"
             f"打印前 {COMBINED_PRINTED} 列，其余列在屏幕上查看。")
    table = TableSpec(columns, tuple(out), empty="本月没有适用的目标或任务。")
    return Sheet(lines, table, freeze_cols=2, print_cols=COMBINED_PRINTED)


def _narrow(col: Column) -> Column:
    from dataclasses import replace

    return replace(col, width=_WIDTHS[col.key]) if col.key in _WIDTHS else col


# ------------------------------------------------------------------------------------------ 与上月相比

#: the change list's directions as the report's counts name them (:func:`taizhang.ledger.changes_blocks`)
DIRECTIONS = {"worse": "▼ 变差", "missing": "？ 数据缺失", "changed": "其他变化", "better": "▲ 好转"}


def changes_sheet(ledger: pd.DataFrame, previous: pd.DataFrame | None, previous_period: str,
                  frame: pd.DataFrame | None = None) -> Sheet:
    """What changed since last month: the full :func:`taizhang.ledger.changes_table` (worst news first, then
    by unit; ``frame`` when the caller has it already), with the count of each direction above it; one line
    when there is no earlier month or nothing changed."""
    from ..ledger import changes_table
    from ..targets import KIND_LABELS

    if previous is None:
        return Sheet((f"没有 {previous_period} 的数据，无法与上月比较。",))
    frame = changes_table(ledger, previous) if frame is None else frame
    if frame.empty:
        return Sheet((f"与 {previous_period} 相比，各项状态没有变化。",))
    counts = frame["direction"].value_counts()
    lead = f"与 {previous_period} 相比：" + "，".join(f"{label} {int(counts[d])} 项" for d, label in DIRECTIONS.items()
                                                 if d in counts) + f"，共 {len(frame)} 项变化。"
    cols = (Column("unit_name", "单位", width=12), Column("title", "目标或任务", width=36, wrap=True),
            Column("kind", "类别", width=10), Column("before", "上月", width=12), Column("after", "本月", width=12),
            Column("direction", "变化", width=11), Column("target_id", "目标编号", width=30))
    rows = tuple((text(r.unit_name, raw=r.unit_name), text(r.title, raw=r.title),
                  text(KIND_LABELS.get(r.kind, r.kind), raw=KIND_LABELS.get(r.kind, r.kind)), status_cell(r.before),
                  status_cell(r.after), text(DIRECTIONS.get(r.direction, r.direction)),
                  text(r.target_id, raw=r.target_id)) for r in frame.itertuples(index=False))
    return Sheet((lead, "变差在前，其次数据缺失、其他变化、好转；同类中按单位排列。"), TableSpec(cols, rows), freeze_cols=2)


# ------------------------------------------------------------------------------------------------ 图例


def legend_sheet() -> Sheet:
    """Every status of the one status table, worst first: its mark (symbol and label on its colour), the
    colour's code and what it means."""
    cols = (Column("rank", "严重程度", width=9), Column("status", "状态", width=14), Column("symbol", "符号", width=6),
            Column("colour", "颜色", width=10), Column("meaning", "含义", width=70, wrap=True),
            Column("code", "代码", width=16))
    rows = tuple((text(s.rank + 1, raw=s.rank + 1), status_cell(s.code), text(s.symbol), text(s.colour.upper()),
                  text(s.meaning), text(s.code)) for s in statuses.STATUSES)
    return Sheet(("状态图例",
                  "各表的状态单元格以颜色和符号标示（黑白打印时看符号）；严重程度 1 为最严重，台账按此排序。"),
                 TableSpec(cols, rows), freeze_cols=2)


# ------------------------------------------------------------------------------------------- 督办台账


def supervision_sheet(source_kind: str, store: Path | None, registry, plan_id: str, period: str,
                      unit: str | None = None, source_label: str = "") -> Sheet:
    """The 督办事项 of ``plan_id`` at ``period`` (of ``unit`` only, when given): exactly the items and states of
    :func:`taizhang.supervision.items.supervision_tables` (what ``taizhang supervise list`` and every report
    show), with the month's counts above them.

    Without a store (sample data or a folder of returns) or before ``taizhang supervise`` has processed the
    month, one line says why there is no item (the store is only read, never upgraded, for this).
    """
    what = source_label or {"sample": "样例数据", "store": "数据库"}.get(source_kind, "报表文件夹")
    if source_kind != "store" or store is None:
        return Sheet((f"本报告读取{what}，未使用数据库，没有督办记录；督办事项在数据库中处理"
                      f"（taizhang supervise --plan {plan_id} --period {period} --store 数据库文件），"
                      "以该数据库生成的台账才列出督办事项。",))
    if not _has_runs(Path(store), plan_id, period):
        return Sheet((f"{what}中方案 {plan_id} 的 {period} 尚未处理督办，本表暂无督办事项"
                      f"（处理：taizhang supervise --plan {plan_id} --period {period}）。",))
    from ..supervision.items import supervision_tables

    t = supervision_tables(Path(store), registry, plan_id, period)
    items = t["items"]
    by_unit = t["by_unit"]
    if unit is not None:
        items = items[items["unit"] == unit]
        by_unit = by_unit[by_unit["unit"] == unit]
    c = by_unit[["new", "open", "overdue", "escalated", "closed"]].sum()
    lead = (f"督办台账 · 截至 {period}：本月新增 {int(c['new'])} 项，未销号 {int(c['open'])} 项（其中逾期未整改 "
            f"{int(c['overdue'])} 项、已升级 {int(c['escalated'])} 项），本月销号 {int(c['closed'])} 项。")
    return Sheet((lead, "列出本月末未销号和本月销号的督办事项（与 taizhang supervise list 同源）；"
                   f"打印前 {SUPERVISION_PRINTED} 列，立项、牵头单位、销号依据等列在屏幕上查看。"),
                 supervision_spec(items), freeze_cols=3, print_cols=SUPERVISION_PRINTED)


def _has_runs(store: Path, plan_id: str, period: str) -> bool:
    """Whether ``store`` holds a supervision run of ``plan_id`` at ``period`` (read-only: no upgrade)."""
    import sqlite3
    from contextlib import closing

    if not store.is_file():
        return False
    with closing(sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)) as con:
        if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sv_runs'").fetchone() is None:
            return False
        return con.execute("SELECT 1 FROM sv_runs WHERE plan = ? AND period = ?", (plan_id, period)).fetchone() \
            is not None


#: the 督办台账 columns (headings from :data:`taizhang.supervision.items.ITEM_LABELS`) and widths: the key
#: columns first (they print), then the rest
SUPERVISION_COLUMNS = (("id", 19), ("unit_name", 11), ("title", 24), ("state_label", 10), ("change", 10),
                       ("escalation", 7), ("deadline", 11), ("problem", 34), ("requirement", 34),
                       ("last_status", 12), ("last_measures", 24), ("last_progress", 9),
                       # not printed
                       ("opened_period", 9), ("opened_status", 12), ("deadline_note", 18), ("lead", 16),
                       ("previous_id", 19), ("closed_period", 9), ("close_basis", 30))
#: how many of :data:`SUPERVISION_COLUMNS` print on A4 landscape
SUPERVISION_PRINTED = 12


def supervision_spec(items: pd.DataFrame) -> TableSpec:
    """The items (:func:`~taizhang.supervision.items.supervision_tables`' ``items``) in their order: state
    and this month's change in words, the ledger statuses that opened them and stand now in status colours,
    the 整改期限 as a date."""
    from ..supervision.items import ITEM_LABELS

    labels = {**ITEM_LABELS, "opened_status": ITEM_LABELS["opened_status_label"],
              "last_status": ITEM_LABELS["last_status_label"]}
    wrap = {"title", "problem", "requirement", "last_measures", "close_basis", "deadline_note"}
    cols = tuple(Column(k, labels[k], width=w, wrap=k in wrap) for k, w in SUPERVISION_COLUMNS)

    def cell(r: dict, k: str) -> Cell:
        v = r[k]
        if k in ("opened_status", "last_status"):
            return status_cell(v) if v in statuses.BY_CODE else text(v or None, raw=v or "")
        if k == "deadline":
            d = _day(v) if v else None
            return text(v or None, raw=d, num_format="yyyy-mm-dd")
        v = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)
        return Cell((Text(v),), v)

    rows = tuple(tuple(cell(r, k) for k, _ in SUPERVISION_COLUMNS) for r in items.to_dict("records"))
    return TableSpec(cols, rows, empty="本月没有督办事项。")
