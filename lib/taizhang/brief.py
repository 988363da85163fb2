"""The one-page brief (一页简报): headline sentences, a per-unit table, the top problems and what changed.

Built from a ledger the report has already evaluated (no second evaluation): :func:`build_brief` returns a
:class:`Brief` of blocks (:mod:`taizhang.reports.blocks`) that the HTML renderer shows as the brief report
and as page 1 of the monthly ledger, and that the Word writer (:mod:`taizhang.reports.docx`) renders into
the 通报. The colour groups (red / amber / green) come from the one status table
(:mod:`taizhang.kernel.statuses`): red = past the deadline and not achieved, or fallen back after being met;
green = achieved; amber = every other applicable status.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from .kernel.formatting import format_value
from .kernel.months import Month
from .kernel.statuses import MET, OVERDUE
from .ledger import changes_table, unit_order
from .printing import SUBHEADING  # the brief's headings sit one outline level below "本月简报"
from .reports.blocks import Blocks, Column, Counts, Heading, Notice, TableSpec, text

#: status codes of the red group (everything past its deadline and not achieved, and setbacks)
RED: frozenset[str] = OVERDUE | {"regressed"}
#: status codes of the green group (achieved)
GREEN: frozenset[str] = MET
#: the most problems the brief lists
TOP_PROBLEMS = 10


def colour_group(code: str) -> str | None:
    """``red``, ``amber`` or ``green`` for a status code; None for 不适用."""
    if code == "not_applicable":
        return None
    return "red" if code in RED else "green" if code in GREEN else "amber"


@dataclass(frozen=True)
class Brief:
    """The brief's parts: headline sentences, the unit table, the top problems, the changes, the notices."""

    headlines: tuple[str, ...]
    units: TableSpec
    problems: TableSpec
    changes: Counts | Notice
    notices: Blocks
    ranked: bool
    supervision: str = ""  # the 督办 line (taizhang.reports.supervision_section.brief_line), issue 14

    def blocks(self) -> Blocks:
        """The brief as shown: notices (coverage, version, what-if), headlines, tables, changes."""
        changes = self.changes
        if self.supervision:  # on the changes' line: the brief has no room for another line on some plans
            changes = (replace(changes, tail=self.supervision) if isinstance(changes, Counts)
                       else Counts(changes.text, (), tail=self.supervision))
        return Blocks.of(self.notices, Notice("", "notice", "本月要点", "tz-brief-head", self.headlines),
                         Heading("各单位情况（按逾期、回落项数排序）", css=SUBHEADING), self.units,
                         Heading("主要问题（逾期最久的前 10 项）", css=SUBHEADING),
                         self.problems, changes)


def _unit_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """Per unit: red / amber / green counts and overdue tasks, most red first (registry order for ties)."""
    f = ledger[ledger["status"] != "not_applicable"]
    groups = f["status"].map(colour_group)
    out = pd.crosstab(f["unit"], groups).reindex(columns=["red", "amber", "green"], fill_value=0)
    out["tasks_overdue"] = (f["status"] == "task_overdue").groupby(f["unit"]).sum()
    out["metrics_overdue"] = (f["status"] == "overdue").groupby(f["unit"]).sum()
    order = unit_order(ledger)
    names = ledger.drop_duplicates("unit").set_index("unit")["unit_name"]
    out = out.reindex(sorted(order, key=order.get), fill_value=0)
    out["unit_name"] = names.reindex(out.index)
    out = out.astype({c: int for c in ("red", "amber", "green", "tasks_overdue", "metrics_overdue")})
    return out.sort_values("red", ascending=False, kind="stable")


def _signed(n: int) -> str:
    return "持平" if n == 0 else f"+{n}" if n > 0 else f"−{-n}"


def _headlines(ledger: pd.DataFrame, counts: pd.DataFrame, before: pd.DataFrame | None,
               scores: pd.DataFrame | None) -> tuple[str, ...]:
    n = len(counts)
    behind = int((counts["red"] > 0).sum())
    first = f"{n} 个单位中 {behind} 个有逾期未达标指标或逾期未完成任务"
    if before is not None:
        d = behind - int((before["red"] > 0).sum())
        first += "，与上月持平" if d == 0 else f"，较上月{'增加' if d > 0 else '减少'} {abs(d)} 个"
    q_over = int(counts["metrics_overdue"].sum())
    t_over = int(counts["tasks_overdue"].sum())
    out = [first + f"；共 {q_over} 项指标逾期未达标、{t_over} 项任务逾期未完成。"]
    q = ledger[(ledger["status"] == "overdue")]
    if not q.empty:
        worst = q.groupby("metric_name", sort=False)["unit"].nunique().sort_values(ascending=False, kind="stable")
        name = worst.index[0]
        label = q.loc[q["metric_name"] == name, "threshold_label"].iloc[0]
        out.append(f"{name}：{int(worst.iloc[0])} 个单位逾期未达到目标（{label}）。")
    if scores is not None and not scores.empty:
        top, low = scores.iloc[0], scores.iloc[-1]
        which = "示例评分方案" if scores.attrs.get("example") else "评分方案"
        out.append(f"按{which}，{top['unit_name']}得分最高（{top['score']:g} 分），{low['unit_name']}最低（{low['score']:g} 分）。")
    return tuple(out)


def _units_spec(counts: pd.DataFrame, before: pd.DataFrame | None, scores: pd.DataFrame | None,
                sv_units: pd.DataFrame | None = None) -> TableSpec:
    cols = [Column("unit", "单位", "tz-c-unit", row_header=True), Column("red", "红（逾期/回落）", "tz-c-num"),
            Column("amber", "黄（未到期/滞后）", "tz-c-num"), Column("green", "绿（已达标/完成）", "tz-c-num"),
            Column("tasks", "逾期任务", "tz-c-num")]
    if scores is not None:
        cols += [Column("score", "得分", "tz-c-num"), Column("rank", "名次", "tz-c-num")]
    cols.append(Column("change", "红色较上月", "tz-c-num"))
    if sv_units is not None:  # issue 14: the unit's open 督办事项 and those escalated (约谈 …)
        cols += [Column("sv_open", "督办未销号", "tz-c-num"), Column("sv_escalated", "其中已升级", "tz-c-num")]
        sv = sv_units.set_index("unit")
    by_unit = scores.set_index("unit") if scores is not None else None
    rows = []
    for uid, r in counts.iterrows():
        row = [text(r["unit_name"]), text(int(r["red"]), raw=int(r["red"])), text(int(r["amber"]), raw=int(r["amber"])),
               text(int(r["green"]), raw=int(r["green"])), text(int(r["tasks_overdue"]), raw=int(r["tasks_overdue"]))]
        if by_unit is not None:
            s = by_unit.loc[uid] if uid in by_unit.index else None
            row += [text(None if s is None else f"{s['score']:g}", raw=None if s is None else float(s["score"])),
                    text(None if s is None else int(s["rank"]), raw=None if s is None else int(s["rank"]))]
        if before is None or uid not in before.index:
            row.append(text("—"))
        else:
            d = int(r["red"] - before.loc[uid, "red"])
            row.append(text(_signed(d), "down" if d > 0 else "up" if d < 0 else "", raw=d))
        if sv_units is not None:
            n_open, n_esc = (int(sv.loc[uid, "open"]), int(sv.loc[uid, "escalated"])) if uid in sv.index else (0, 0)
            row += [text(n_open, raw=n_open), text(n_esc, "b" if n_esc else "", raw=n_esc)]
        rows.append(tuple(row))
    note = "红、黄、绿为各单位的项指标与项任务数（不含不适用项）；逾期任务为逾期未完成的节点任务"
    if sv_units is not None:
        note += "；督办为未销号的督办事项"
    if by_unit is not None:
        unscored = [r["unit_name"] for uid, r in counts.iterrows() if uid not in by_unit.index]
        if unscored:
            title = scores.attrs.get("title") or "评分方案"
            note += f"；{'、'.join(unscored)}不在“{title}”的评分范围内，得分、名次为“—”"
    note += "。"
    return TableSpec(tuple(cols), tuple(rows), css="tz-list tz-brief-units", note=note)


def problem_frame(ledger: pd.DataFrame, limit: int = TOP_PROBLEMS) -> pd.DataFrame:
    """The ``limit`` problems overdue longest (metrics not met and tasks not done), most overdue first.

    Plans set many tasks the same deadline, so many problems are overdue by the same number of days. Among
    problems equally overdue, the units take turns (each unit's first such problem before any unit's second),
    so that ten slots are not all taken by the first units of the list; then units in the registry's order,
    then targets in the registry's order (the ledger's row order). The same ledger always gives the same rows.
    """
    f = ledger[ledger["status"].isin(OVERDUE)]
    if f.empty:
        return f
    days = pd.to_numeric(f["days_to_deadline"], errors="coerce")
    keyed = f.assign(_days=days, _turn=f.groupby([f["unit"], days], sort=False).cumcount(),
                     _unit=f["unit"].map(unit_order(ledger)), _row=range(len(f)))
    keyed = keyed.sort_values(["_days", "_turn", "_unit", "_row"], kind="stable")
    return keyed.head(limit).drop(columns=["_days", "_turn", "_unit", "_row"])


def problems_note(ledger: pd.DataFrame, shown: pd.DataFrame) -> str:
    """What the brief's problem list leaves out: how many problems there are in all and, when the cut falls
    among problems equally overdue, how many of those are listed (so a reader knows the choice among them)."""
    overdue = ledger[ledger["status"].isin(OVERDUE)]
    n = len(overdue)
    if n <= len(shown):
        return ""
    note = f"共 {n} 项逾期，此处列出逾期最久的 {len(shown)} 项，其余见月度台账。"
    last = pd.to_numeric(shown["days_to_deadline"], errors="coerce").iloc[-1]
    tied = int((pd.to_numeric(overdue["days_to_deadline"], errors="coerce") == last).sum())
    listed = int((pd.to_numeric(shown["days_to_deadline"], errors="coerce") == last).sum())
    if tied > listed:
        note += f"逾期 {-int(last)} 天的共 {tied} 项，列出其中 {listed} 项（各单位轮流列出）。"
    return note


def short_lead(lead: str, keep: int = 2) -> str:
    """The first ``keep`` lead units of ``lead`` (``、``/``，`` separated) and "等" when there are more."""
    import re

    parts = [x for x in re.split(r"[、，,；;]", lead or "") if x.strip()]
    if not parts:
        return "—"
    return "、".join(parts[:keep]) + ("等" if len(parts) > keep else "")


def deadline_text(row) -> str:
    """A problem's deadline as the plan words it (``2022年底前``), else ``YYYY-MM-DD``."""
    wording = getattr(row, "deadline_text", None)
    if isinstance(wording, str) and wording.strip():
        return wording.strip()
    return "—" if pd.isna(row.deadline) else pd.Timestamp(row.deadline).strftime("%Y-%m-%d")


def target_and_latest(row) -> str:
    """``目标／最新值`` of a numeric target in compact form (``≥70%／55.2%``); ``—`` for tasks."""
    if row.kind == "milestone":
        return "—"
    latest = "无数据" if pd.isna(row.value) else format_value(row.value, row.target_unit, threshold=row.threshold,
                                                             op=row.op)
    return f"{row.threshold_label}／{latest}".replace(" ", "")


def _problems_spec(ledger: pd.DataFrame) -> TableSpec:
    f = problem_frame(ledger)
    cols = (Column("unit", "单位", "tz-c-unit"), Column("title", "指标或任务", "tz-c-text"),
            Column("deadline", "期限", "tz-c-when"), Column("target", "目标／最新值", "tz-c-val"),
            Column("days", "逾期天数", "tz-c-num"), Column("lead", "牵头单位", "tz-c-sec"))
    rows = tuple((text(r.unit_name), text(r.title),
                  text(deadline_text(r), raw=None if pd.isna(r.deadline) else pd.Timestamp(r.deadline).date()),
                  text(target_and_latest(r)),
                  text(f"{-int(r.days_to_deadline)}", raw=-int(r.days_to_deadline)),
                  text(short_lead(r.lead, keep=1), raw=r.lead or None)) for r in f.itertuples(index=False))
    return TableSpec(cols, rows, css="tz-list tz-brief-problems", empty="本月没有逾期未达标的指标或逾期未完成的任务。",
                     note=problems_note(ledger, f))


def _changes(ledger: pd.DataFrame, previous: pd.DataFrame | None, previous_period: str,
             frame: pd.DataFrame | None = None) -> Counts | Notice:
    month = Month.parse(previous_period).chinese
    if previous is None:
        return Notice(f"没有{month}的数据，无法与上月比较。")
    frame = changes_table(ledger, previous) if frame is None else frame
    if frame.empty:
        return Notice(f"与{month}相比，各项状态没有变化。")
    newly = int(((frame["direction"] == "worse") & frame["after"].isin(RED)).sum())
    return Counts(f"与{month}相比：",
                  (("▲ 好转", int((frame["direction"] == "better").sum()), "up"),
                   ("▼ 变差", int((frame["direction"] == "worse").sum()), "down"), ("其中新增逾期或回落", newly, "")))


def build_brief(ledger: pd.DataFrame, previous: pd.DataFrame | None, previous_period: str,
                scores: pd.DataFrame | None = None, notices: Blocks | None = None, supervision: str = "",
                supervision_units: pd.DataFrame | None = None, changes: pd.DataFrame | None = None) -> Brief:
    """The brief of an evaluated month: ``ledger`` and ``previous`` (the month before, None without data),
    ``scores`` the totals of :func:`taizhang.scoring.score_units` when a scoring rule is configured,
    ``notices`` the page-1 notices (coverage, versions, what-if) shown first, ``supervision`` the one 督办 line
    and ``supervision_units`` the per-unit 督办 counts (``unit, open, escalated``) the unit table shows;
    ``changes`` the :func:`taizhang.ledger.changes_table` of ``ledger`` and ``previous`` when known."""
    counts = _unit_counts(ledger)
    before = _unit_counts(previous) if previous is not None and not previous.empty else None
    return Brief(headlines=_headlines(ledger, counts, before, scores),
                 units=_units_spec(counts, before, scores, supervision_units),
                 problems=_problems_spec(ledger), changes=_changes(ledger, previous, previous_period, changes),
                 notices=notices or Blocks(()), ranked=scores is not None, supervision=supervision)
