"""The 督办 section of the reports: counts, units, items and their history, as blocks.

Everything here reads :func:`taizhang.supervision.items.supervision_tables` — the one source the
``supervise list`` command, the 督办通知单 and the Excel 督办台账 also read — through
:func:`supervision_view`, and only lays it out:

* :func:`section` — the monthly ledger's section (tiles, per-unit table, this month's changes, the open items)
  or, in unit scope, the district report's (the unit's items, each with its history);
* :func:`brief_line` — the brief's short text (new and closed this month; the unit table of the brief shows
  each unit's open and escalated items from the same ``by_unit`` table);
* :func:`notice_sentences` — the sentences of the Word 通报.

When there is nothing to show because there is no ground for it (the report reads sample data or a folder of
returns, not a store; or the month has not been processed by ``taizhang supervise``), each of them says so in
one plain Chinese line, never a table of zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .blocks import Blocks, Column, Heading, Notice, TableSpec, Text, Tile, Tiles, lines, text

#: the counts shown, in order: key of ``counts`` → Chinese label
COUNT_LABELS = {"new": "本月新增", "open": "未销号", "overdue": "逾期未整改", "escalated": "已升级", "closed": "本月销号"}
#: row classes of the items table by state (print marks overdue rows)
_ROW_CSS = {"overdue": "tz-sv-overdue", "closed": "tz-sv-closed"}


@dataclass(frozen=True)
class SupervisionView:
    """The supervision tables of one plan and month, or why there are none.

    ``ground`` is ``"ok"`` (the month was processed), ``"no_store"`` (the report reads no store) or
    ``"not_processed"`` (the store has no supervision run for the month); ``message`` then says so in Chinese.
    """

    plan: str
    period: str
    ground: str
    message: str = ""
    short: str = ""  # the same in a few words (the brief's line)
    tables: dict = field(default_factory=dict, compare=False, repr=False)
    latest: str = ""

    @property
    def ok(self) -> bool:
        return self.ground == "ok"

    @property
    def counts(self) -> dict[str, int]:
        """The plan's counts for the month (``new, open, overdue, escalated, escalated_now, closed``)."""
        if not self.ok:
            return {}
        row = self.tables["counts"].iloc[0]
        return {k: int(row[k]) for k in ("new", "open", "overdue", "escalated", "escalated_now", "closed")}

    def items(self, unit: str | None = None) -> pd.DataFrame:
        """The month's items (open at its end or closed in it), of one unit when given."""
        df = self.tables["items"]
        return df if unit is None else df[df["unit"] == unit]

    def escalations(self, unit: str | None = None) -> pd.DataFrame:
        """The open escalated items (约谈 …)."""
        df = self.items(unit)
        return df[(df["escalation"] != "") & (df["state"] != "closed")]


_CACHE: dict[tuple, SupervisionView] = {}


def supervision_view(store: Path | None, registry, plan: str, period: str, data_label: str = "") -> SupervisionView:
    """The supervision of ``plan`` at ``period`` read from ``store`` (None: the report reads no store).

    Cached per store file (its size and modification time), plan and month: the monthly ledger, its brief,
    its 通报 and every unit's report of one run read the store once.
    """
    if store is None:
        return SupervisionView(plan, period, "no_store",
                               f"本报告读取的是{data_label or '报表文件'}，不是数据库，没有督办记录；督办事项只记在数据库中"
                               f"（taizhang supervise --plan {plan} --period {period}）。",
                               short="未读取数据库，无督办记录")
    from ..supervision.items import runs_frame, supervision_tables

    store = Path(store)
    stamps = tuple((f.stat().st_size, f.stat().st_mtime_ns) if f.exists() else None
                   for f in (store, store.with_name(store.name + "-wal")))  # WAL mode: changes sit in -wal first
    key = (str(store.resolve()), stamps, plan, period, registry.version)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    runs = runs_frame(store, plan)
    done = sorted(runs["period"])
    if period not in done:
        later = f"已处理到 {done[-1]}" if done else f"数据库中还没有方案 {plan} 的督办记录"
        view = SupervisionView(plan, period, "not_processed",
                               f"{period} 尚未处理督办（{later}），本节无督办数据；处理后重新生成报告即可显示："
                               f"taizhang supervise --plan {plan} --period {period}。", latest=done[-1] if done else "",
                               short=f"{period} 尚未处理督办。")
    else:
        view = SupervisionView(plan, period, "ok", tables=supervision_tables(store, registry, plan, period),
                               latest=done[-1])
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[key] = view
    return view


# ------------------------------------------------------------------------------------------------ text
def _count_text(c: dict[str, int]) -> str:
    return (f"本月新增 {c['new']} 项，未销号 {c['open']} 项（其中逾期未整改 {c['overdue']} 项、已升级 {c['escalated']} 项），"
            f"本月销号 {c['closed']} 项")


def _escalation_units(view: SupervisionView, keep: int = 4) -> str:
    """Units with open escalated items, most first: "临河区 13 项、…等 8 个单位"."""
    esc = view.escalations()
    if esc.empty:
        return ""
    order = esc.groupby(["escalation", "unit_name"], sort=False).size()
    parts = []
    for level in dict.fromkeys(esc["escalation"]):
        per = order.loc[level].sort_values(ascending=False, kind="stable")
        names = "、".join(f"{u} {n} 项" for u, n in per.head(keep).items())
        more = f"等 {len(per)} 个单位" if len(per) > keep else ""
        parts.append(f"{level}：{names}{more}")
    return "；".join(parts)


def brief_line(view: SupervisionView) -> str:
    """The brief's short text on the changes' line: the month's new and closed items (each unit's open and
    escalated items are columns of the brief's unit table), or why there is no supervision."""
    if not view.ok:
        return "督办：" + view.short
    c = view.counts
    return f"督办：本月新增 {c['new']} 项，销号 {c['closed']} 项"


def notice_sentences(view: SupervisionView) -> list[str]:
    """The 通报's sentences on supervision (counts, escalations by unit), or the one line why there are none."""
    if not view.ok:
        return [view.message]
    c = view.counts
    out = [f"按 {view.period} 台账督办，" + _count_text(c) + "。"]
    esc = _escalation_units(view, keep=8)
    if esc:
        levels = "、".join(dict.fromkeys(view.escalations()["escalation"]))
        out.append(f"连续多期未销号、已升级的事项——{esc}。请有关单位按督办规则落实{levels}，限期整改到位。")
    else:
        out.append("本月没有升级（约谈）的督办事项。")
    return out


# ------------------------------------------------------------------------------------------------ blocks
def _tiles(c: dict[str, int]) -> Tiles:
    return Tiles(tuple(Tile(str(c[k]), label) for k, label in COUNT_LABELS.items()),
                 note="未销号 = 待整改 + 整改中 + 逾期未整改；已升级为连续多期通报仍未销号、按督办规则升级（如约谈）的事项。")


def by_unit_spec(view: SupervisionView) -> TableSpec:
    """Per unit: new, open, overdue, escalated, closed this month (registry order)."""
    cols = (Column("unit", "单位", "tz-c-unit", row_header=True),
            *(Column(k, label, "tz-c-num") for k, label in COUNT_LABELS.items()))
    rows = tuple((text(r["unit_name"]), *(text(int(r[k]), raw=int(r[k])) for k in COUNT_LABELS))
                 for r in view.tables["by_unit"].to_dict("records"))
    return TableSpec(cols, rows, css="tz-list tz-sv-units")


def state_text(r: dict) -> str:
    """An item's state as shown: 逾期未整改（约谈）; a closed item's escalation is not shown."""
    return r["state_label"] + (f"（{r['escalation']}）" if r["escalation"] and r["state"] != "closed" else "")


def _item_cells(r: dict, unit_scope: bool) -> list:
    state = state_text(r)
    cells = [text(r["id"], "nw")]
    if not unit_scope:
        cells.append(text(r["unit_name"]))
    cells += [text(r["title"]), text(state, "b" if r["state"] == "overdue" or r["escalation"] else ""),
              text(r["change"]), text(r["opened_period"]), text(r["deadline"], "nw")]
    return cells


def items_spec(items: pd.DataFrame, *, unit_scope: bool = False, empty: str = "", note: str = "") -> TableSpec:
    """The items table: 编号, (责任单位), 目标, 状态（升级）, 本月变化, 立项月份, 整改期限."""
    cols = [Column("id", "编号", "tz-c-sec")]
    if not unit_scope:
        cols.append(Column("unit_name", "责任单位", "tz-c-unit"))
    cols += [Column("title", "目标", "tz-c-target", wrap=True), Column("state_label", "状态", "tz-c-st"),
             Column("change", "本月变化", "tz-c-st"), Column("opened_period", "立项月份", "tz-c-date"),
             Column("deadline", "整改期限", "tz-c-date")]
    recs = items.to_dict("records")
    return TableSpec(tuple(cols), tuple(tuple(_item_cells(r, unit_scope)) for r in recs), css="tz-list tz-sv-items",
                     row_css=tuple(_ROW_CSS.get(r["state"], "") for r in recs), empty=empty, note=note)


def history_lines(hist: pd.DataFrame) -> list[str]:
    """An item's record as short lines, oldest first: every change of state, answer, escalation and closing;
    the monthly follow-ups (``update``: the ledger still shows the problem) are counted in one last line."""
    out, follow = [], []
    for h in hist.to_dict("records"):
        if h["kind"] == "update":
            follow.append(h["period"])
            continue
        reason = h["reason"]
        if h["kind"] == "answer":  # "2023-03 报表：已完成；措施：…": the progress; the measures are in their column
            reason = reason.split("；")[0].split("：")[-1]
        out.append(f"{h['period'] or ''} {h['kind_label']}：{reason}".strip())
    if follow:
        out.append(f"月度跟踪 {len(follow)} 次（{follow[0]} 至 {follow[-1]}），台账仍显示问题")
    return out


def unit_items_spec(view: SupervisionView, unit: str) -> TableSpec:
    """The district report's table: each of the unit's items with its problem, requirement, latest answer and
    its whole history up to the month."""
    items = view.items(unit)
    hist = view.tables["history"]
    by_item = dict(tuple(hist.groupby("item_id", sort=False))) if len(hist) else {}
    cols = (Column("id", "编号", "tz-c-sec"), Column("title", "目标与问题", "tz-c-target", wrap=True),
            Column("state_label", "状态", "tz-c-st"), Column("deadline", "整改期限", "tz-c-date"),
            Column("answer", "最近报送的整改情况", "tz-c-reason", wrap=True),
            Column("history", "记录", "tz-c-task", wrap=True))
    rows = []
    for r in items.to_dict("records"):
        state = state_text(r)
        answer = (f"{r['last_progress']}：{r['last_measures']}（{r['last_answer_period']} 报表）"
                  if r["last_measures"] else "尚未报送")
        h = by_item.get(r["id"])
        rows.append((text(r["id"], "nw"),
                     _cell((Text(r["title"], "b"), Text(r["problem"], "hint", True))),
                     text(state, "b" if r["state"] == "overdue" or r["escalation"] else ""),
                     text(r["deadline"], "nw"), text(answer),
                     _cell(lines(history_lines(h)) if h is not None else (Text("—"),))))
    return TableSpec(cols, tuple(rows), css="tz-list tz-sv-history",
                     row_css=tuple(_ROW_CSS.get(r["state"], "") for r in items.to_dict("records")),
                     empty=f"本单位 {view.period} 没有未销号或本月销号的督办事项。")


def _cell(runs: tuple):
    from .blocks import Cell

    return Cell(tuple(runs))


def section(view: SupervisionView, unit: str | None = None, unit_name: str = "") -> Blocks:
    """The 督办 section: of the plan (``unit`` None) or of one unit (the district report)."""
    if not view.ok:
        return Blocks.of(Notice(view.message, css="tz-sv-none"))
    later = (Notice(f"状态为 {view.period} 月末的情况（督办已处理到 {view.latest}，之后的变化见以后月份的报告）。")
             if view.latest and view.latest > view.period else None)
    if unit is not None:
        mine = view.tables["by_unit"].set_index("unit").loc[unit]
        c = {k: int(mine[k]) for k in COUNT_LABELS}
        return Blocks.of(later, _tiles(c), unit_items_spec(view, unit))
    order = {u: i for i, u in enumerate(view.tables["by_unit"]["unit"])}
    items = view.items().sort_values("unit", key=lambda u: u.map(order), kind="stable")
    changed = items[items["change"].isin(["新增", "自动销号", "人工销号"])
                    | items["id"].isin(_escalated_now(view))]
    still = items[items["state"] != "closed"]
    return Blocks.of(later, _tiles(view.counts), Heading("各单位督办情况", css=""), by_unit_spec(view),
                     Heading("本月新增、销号和升级的事项", css=""),
                     items_spec(changed, empty=f"{view.period} 没有新增、销号或升级的督办事项。"),
                     Heading(f"全部未销号的督办事项（{len(still)} 项）", css=""),
                     items_spec(still, empty="没有未销号的督办事项。",
                                note="问题原文、整改要求和历次记录见督办汇总表（taizhang supervise notice）"
                                     "和单位台账；逾期未整改的行加粗标出。"))


def _escalated_now(view: SupervisionView) -> set[str]:
    hist = view.tables["history"]
    return set(hist.loc[(hist["kind"] == "escalate") & (hist["period"] == view.period), "item_id"])
