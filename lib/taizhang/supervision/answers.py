"""The unit's answer travels in the monthly return: the 整改情况 sheet.

The template (:func:`add_answer_sheet`, called by :func:`taizhang.template.write_template`) lists the unit's
open 督办事项 — 编号, 问题, 整改期限, 上次填报的措施 (locked) — and leaves 整改措施, 进展 (已完成 / 正在整改 /
未启动), 预计完成日期 and 佐证材料 to fill. At ingest (:func:`check`, called by
:func:`taizhang.store.ingest_file`) every row is validated against the store: an unknown or already closed
item, an item of another unit, a date that is not a date, 已完成 without 佐证材料, 整改措施 missing while
进展 is given, an item listed twice — each is a located Chinese problem and the whole file is rejected with
the other sheets' problems. A return without the sheet (older templates) is accepted as before. Rows left
blank are no answer. Accepted answers are stored (:func:`record`) with their history and move the item
from 待整改 to 整改中.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

import pandas as pd

from ..errors import Location, Problem
from ..returns.codes import problem
from ..returns import ANSWERS_SHEET, MonthlyReturn, Rejection
from ..returns.cells import cell_ref as _cell, clean as _clean, is_blank as _is_blank, parse_date as _date  # the reader's cell helpers

ANSWER_SHEET = ANSWERS_SHEET
ANSWER_COLUMNS = ("编号", "问题", "整改期限", "上次填报的措施", "整改措施", "进展", "预计完成日期", "佐证材料")
PREFILLED = ANSWER_COLUMNS[:4]
PROGRESS = ("已完成", "正在整改", "未启动")
HEADER_ROW = 3  # row 1 title, row 2 how to fill, row 3 headers


@dataclass(frozen=True)
class Answer:
    """One accepted answer row."""

    item_id: str
    measures: str
    progress: str
    expected: date | None
    evidence: str


# --------------------------------------------------------------------------------------------------
# the template sheet


def add_answer_sheet(wb, items: pd.DataFrame) -> None:
    """Add the 整改情况 sheet to an openpyxl workbook, prefilled with ``items`` (rows of
    :func:`taizhang.supervision.items_frame` for one unit, open ones). Prefilled columns are locked."""
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(ANSWER_SHEET)
    ws["A1"] = "督办事项整改情况"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = ("下列为本单位未销号的督办事项。请逐项填写整改措施、进展（已完成／正在整改／未启动）、预计完成日期；"
                "进展为“已完成”的须填写佐证材料。不要修改编号、问题和整改期限。" if len(items) else
                "本单位目前没有未销号的督办事项，本表无需填写。")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:H2")
    ws.row_dimensions[2].height = 36
    head_fill, input_fill = PatternFill("solid", fgColor="DDE4EE"), PatternFill("solid", fgColor="FFF7D6")
    for c, h in enumerate(ANSWER_COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=c, value=h)
        cell.font, cell.fill = Font(bold=True), head_fill
    wrap = Alignment(wrap_text=True, vertical="top")
    r = HEADER_ROW
    for r, it in enumerate(items.to_dict("records"), start=HEADER_ROW + 1):
        deadline = it["deadline"] + ("（逾期）" if it["state"] == "overdue" else "")
        values = [it["id"], f"{it['title']}：{it['problem']}", deadline, it.get("last_measures") or ""]
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v).alignment = wrap
        for c in range(5, 9):
            cell = ws.cell(row=r, column=c)
            cell.protection, cell.fill, cell.alignment = Protection(locked=False), input_fill, wrap
        ws.cell(row=r, column=7).number_format = "yyyy-mm-dd"
    end = max(r, HEADER_ROW + 1)
    progress = DataValidation(type="list", formula1='"' + ",".join(PROGRESS) + '"', allow_blank=True,
                              showErrorMessage=True, errorTitle="请从下拉列表选择", error="进展只能选：" + "、".join(PROGRESS))
    progress.add(f"F{HEADER_ROW + 1}:F{end}")
    when = DataValidation(type="date", operator="greaterThan", formula1="DATE(2020,1,1)", allow_blank=True,
                          showErrorMessage=True, errorTitle="请填写日期", error="预计完成日期请按 YYYY-MM-DD 填写。")
    when.add(f"G{HEADER_ROW + 1}:G{end}")
    ws.add_data_validation(progress)
    ws.add_data_validation(when)
    for col, width in zip("ABCDEFGH", (22, 60, 14, 36, 44, 12, 14, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def open_items_for_template(store, plan_id: str, unit_id: str) -> pd.DataFrame:
    """The unit's open items, as the template prefills them (empty when the store has none or is absent)."""
    from pathlib import Path

    from .items import ITEM_COLUMNS, items_frame

    if store is None or not Path(store).is_file():
        return pd.DataFrame(columns=ITEM_COLUMNS)
    items = items_frame(Path(store), plan_id, unit=unit_id)
    return items[items["state"] != "closed"].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# ingest


def _items(con: sqlite3.Connection, ids: list[str]) -> dict[str, tuple]:
    if not ids or not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'sv_items'").fetchone():
        return {}
    marks = ",".join("?" * len(ids))
    return {r[0]: r for r in con.execute(
        f"SELECT id, plan, unit, unit_name, state, closed_period FROM sv_items WHERE id IN ({marks})", ids)}


def read_answers(con: sqlite3.Connection, grid, name: str, plan_id: str | None, unit_id: str | None,
                 period: str | None, today: date | None = None) -> tuple[list[Answer], list[Problem]]:
    """The answers in ``grid``'s 整改情况 sheet and every problem found in it (empty when there is no sheet)."""
    if grid is None or ANSWER_SHEET not in grid.sheets:
        return [], []
    rows = grid.sheets[ANSWER_SHEET]
    problems: list[Problem] = []
    found = _answer_columns(rows, name, problems)
    if found is None:
        return [], problems
    header, col = found
    errors = grid.error_cells.get(ANSWER_SHEET, {})
    raw_rows = _filled_rows(rows, header, col)
    known = _items(con, [i for _, i, _ in raw_rows if i])
    today = today or date.today()
    answers: list[Answer] = []
    seen: dict[str, int] = {}
    for r, item_id, get in raw_rows:
        at = Location(name, ANSWER_SHEET, _cell(col["编号"], r))
        if not _answerable(item_id, r, known, seen, plan_id, unit_id, at, problems):
            continue
        answer = _answer(item_id, r, get, col, name, errors, today, problems)
        if answer is not None:
            answers.append(answer)
    return answers, problems


def _answer_columns(rows, name: str, problems: list[Problem]) -> tuple[int, dict[str, int]] | None:
    """(header row, column index of each heading) of the sheet; None, with a problem when the sheet is not
    blank, when its header row or a column to fill is missing."""
    header = next((r for r, row in enumerate(rows[:10], start=1)
                   if any(isinstance(c, str) and _clean(c) == "编号" for c in row)), None)
    if header is None:
        if any(not _is_blank(c) for row in rows for c in row):
            problems.append(problem("answer.header_missing", Location(name, ANSWER_SHEET), header_row=HEADER_ROW,
                                    columns="、".join(ANSWER_COLUMNS)))
        return None
    head = [_clean(c) if isinstance(c, str) else "" for c in rows[header - 1]]
    col = {h: head.index(h) for h in ANSWER_COLUMNS if h in head}
    missing = [h for h in ("编号", "整改措施", "进展", "预计完成日期", "佐证材料") if h not in col]
    if missing:
        problems.append(problem("answer.column_missing", Location(name, ANSWER_SHEET, row=f"第{header}行"),
                                columns="”“".join(missing)))
        return None
    return header, col


def _filled_rows(rows, header: int, col: dict[str, int]) -> list[tuple[int, str, object]]:
    """(row number, 编号, cell getter) of every row below the header that has an 编号 or an answer."""
    raw_rows = []
    for r in range(header + 1, len(rows) + 1):
        row = list(rows[r - 1]) + [None] * 10

        def get(h, row=row):
            return row[col[h]]

        item_id = "" if _is_blank(get("编号")) else _clean(get("编号"))
        filled = [h for h in ("整改措施", "进展", "预计完成日期", "佐证材料") if not _is_blank(get(h))]
        if not item_id and not filled:
            continue
        raw_rows.append((r, item_id, get))
    return raw_rows


def _answerable(item_id: str, r: int, known: dict[str, tuple], seen: dict[str, int], plan_id: str | None,
                unit_id: str | None, at: Location, problems: list[Problem]) -> bool:
    """Whether row ``r`` names an open item of this plan and unit not listed above it (else a problem)."""
    if not item_id:
        problems.append(problem("answer.id_empty", at))
        return False
    if item_id in seen:
        problems.append(problem("answer.duplicate", at, item=item_id, first_row=seen[item_id]))
        return False
    seen[item_id] = r
    item = known.get(item_id)
    if item is None:
        problems.append(problem("answer.unknown", at, item=item_id))
        return False
    if plan_id is not None and item[1] != plan_id:
        problems.append(problem("answer.other_plan", at, item=item_id, plan=plan_id))
        return False
    if unit_id is not None and item[2] != unit_id:
        problems.append(problem("answer.other_unit", at, item=item_id, owner=item[3]))
        return False
    if item[4] == "closed":
        problems.append(problem("answer.closed", at, item=item_id, closed=item[5] or "此前"))
        return False
    return True


def _answer(item_id: str, r: int, get, col: dict[str, int], name: str, errors: dict, today: date,
            problems: list[Problem]) -> Answer | None:
    """The answer of row ``r`` (an answerable item); None when the row is left blank or has a problem."""
    def here(column: str) -> Location:
        return Location(name, ANSWER_SHEET, _cell(col[column], r))

    measures = "" if _is_blank(get("整改措施")) else str(get("整改措施")).strip()
    progress = "" if _is_blank(get("进展")) else _clean(get("进展"))
    evidence = "" if _is_blank(get("佐证材料")) else str(get("佐证材料")).strip()
    if not measures and not progress:
        return None  # prefilled row left blank: no answer this month
    bad = False
    if progress and progress not in PROGRESS:
        problems.append(problem("answer.progress_unknown", here("进展"), allowed="、".join(PROGRESS), found=progress))
        bad = True
    if not progress:
        problems.append(problem("answer.progress_missing", here("进展")))
        bad = True
    if not measures:
        problems.append(problem("answer.measures_missing", here("整改措施")))
        bad = True
    when_ref = _cell(col["预计完成日期"], r)
    expected = None
    if when_ref in errors:
        problems.append(problem("answer.date_error", here("预计完成日期"), error=errors[when_ref]))
        bad = True
    else:
        try:
            expected = _date(get("预计完成日期"))
        except ValueError:
            problems.append(problem("answer.date_format", here("预计完成日期"), found=str(get("预计完成日期"))))
            bad = True
    if progress == "正在整改" and expected is None and not bad:
        problems.append(problem("answer.date_missing", here("预计完成日期")))
        bad = True
    if progress == "已完成" and not evidence:
        problems.append(problem("answer.no_evidence", here("佐证材料")))
        bad = True
    if progress == "已完成" and expected is not None and expected > today:
        problems.append(problem("answer.done_future", here("预计完成日期"), done=expected, today=today))
        bad = True
    return None if bad else Answer(item_id, measures, progress, expected, evidence)


def check(con: sqlite3.Connection, grid, name: str, judged: MonthlyReturn | Rejection, plan_id: str | None,
          today: date | None = None) -> tuple[MonthlyReturn | Rejection, list[Answer]]:
    """The ingest hook: validate the 整改情况 sheet of a file already judged by :func:`taizhang.store.judge_file`.

    ``judged`` is the accepted :class:`~taizhang.returns.MonthlyReturn` or the
    :class:`~taizhang.returns.Rejection` record. Returns ``(judged, answers)``: problems in the sheet turn an
    accepted return into a rejected one, or join a rejected one's problems (all reported at once).
    """
    plan = judged.plan or plan_id
    unit, period = judged.unit, judged.period
    answers, problems = read_answers(con, grid, name, plan, unit, period, today=today)
    problems += contradicted_completions(con, grid, name, plan, unit, period)
    if not problems:
        return judged, answers
    old = list(judged.problems) if isinstance(judged, Rejection) else []
    merged = tuple(old + problems)
    return Rejection(name, f"{name}：有 {len(merged)} 处问题，整份报表退回", merged, plan, unit, period,
                     judged.sha256), []


def record(con: sqlite3.Connection, submission_id: int, ret, answers: list[Answer], received: str) -> int:
    """Store the accepted answers of submission ``submission_id`` (inside the ingest transaction); an item
    answered while 待整改 becomes 整改中. Returns the number of answers stored."""
    from .items import _event

    for a in answers:
        con.execute("INSERT OR IGNORE INTO sv_answers (submission_id, item_id, plan, unit, period, measures, progress, "
                    "expected, evidence, received) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (submission_id, a.item_id, ret.plan, ret.unit, ret.period, a.measures, a.progress,
                     a.expected.isoformat() if a.expected else None, a.evidence, received))
        state, unit_name = con.execute("SELECT state, unit_name FROM sv_items WHERE id = ?", (a.item_id,)).fetchone()
        after = "in_progress" if state == "pending" else state
        if after != state:
            con.execute("UPDATE sv_items SET state = ?, updated = ? WHERE id = ?", (after, received, a.item_id))
        why = f"{ret.period} 报表：{a.progress}；措施：{a.measures}" + (f"；预计 {a.expected}" if a.expected else "") \
            + (f"；佐证材料：{a.evidence}" if a.evidence else "")
        _event(con, a.item_id, received, unit_name, "answer", ret.period, state, after, why)
    return len(answers)


# --------------------------------------------------------------------------------------------------
# tasks already reported complete: prefilled in the template, and a later contradiction is a problem


def completed_tasks(store, plan_id: str, unit_id: str, period: str) -> dict[str, tuple[date, str]]:
    """Task ids ``unit_id`` reported complete in a current return of a month before ``period``, with the
    完成日期 and 佐证材料 of the earliest such report."""
    from contextlib import closing
    from pathlib import Path

    from ..store import connect

    if store is None or not Path(store).is_file():
        return {}
    with closing(connect(Path(store), create=False)) as con:
        rows = con.execute(
            "SELECT t.target_id, t.done_date, t.evidence FROM tasks t JOIN submissions s ON s.id = t.submission_id "
            "WHERE s.plan = ? AND s.unit = ? AND s.is_current = 1 AND s.period < ? AND t.done_date IS NOT NULL "
            "ORDER BY s.period DESC", (plan_id, unit_id, period)).fetchall()
    out: dict[str, tuple[date, str]] = {}
    for tid, done, evidence in rows:  # the most recent month's report of each task
        out.setdefault(tid, (date.fromisoformat(done), evidence))
    return out


def fill_completed_task(ws, row: int, done: date, evidence: str) -> None:
    """Fill a task row of the template's 任务完成情况 sheet as reported complete earlier (cells stay locked;
    columns as :data:`taizhang.template.TEMPLATE_TASK_COLUMNS`)."""
    from openpyxl.styles import PatternFill

    from ..template import TEMPLATE_TASK_COLUMNS, task_column

    grey = PatternFill("solid", fgColor="EEEEEE")
    ws.cell(row=row, column=task_column("完成日期"), value=done).number_format = "yyyy-mm-dd"
    ws.cell(row=row, column=task_column("佐证材料"), value=evidence or "已报")
    ws.cell(row=row, column=task_column("完成情况"), value="已完成")
    for c in range(1, len(TEMPLATE_TASK_COLUMNS) + 1):
        ws.cell(row=row, column=c).fill = grey


def contradicted_completions(con: sqlite3.Connection, grid, name: str, plan_id: str | None, unit_id: str | None,
                             period: str | None) -> list[Problem]:
    """Problems where the 任务完成情况 sheet contradicts a completion the unit reported for an earlier month
    (完成日期 changed, or 已完成 turned back to 正在推进 / 未启动 / blank). A task row left out is no contradiction."""
    from ..returns import TASKS_SHEET
    from ..returns.validate import task_header

    if grid is None or TASKS_SHEET not in grid.sheets or not (plan_id and unit_id and period):
        return []
    # the first month each task was reported complete, with the date then given (SQLite takes the bare
    # column done_date from the row holding MIN(period))
    earlier = {tid: (done, p) for tid, done, p in con.execute(
        "SELECT t.target_id, t.done_date, MIN(s.period) FROM tasks t JOIN submissions s ON s.id = t.submission_id "
        "WHERE s.plan = ? AND s.unit = ? AND s.is_current = 1 AND s.period < ? AND t.done_date IS NOT NULL "
        "GROUP BY t.target_id", (plan_id, unit_id, period))}
    if not earlier:
        return []
    rows = grid.sheets[TASKS_SHEET]
    header, col = task_header(rows)  # the reader's: columns by header, in either layout
    if header is None or "完成日期" not in col:
        return []
    c_id, c_done, c_state = col["目标编号"], col["完成日期"], col.get("完成情况")
    out = []
    for r in range(header + 1, len(rows) + 1):
        row = list(rows[r - 1]) + [None] * 8
        tid = "" if _is_blank(row[c_id]) else _clean(row[c_id])
        if tid not in earlier:
            continue
        was, when = earlier[tid]
        was = date.fromisoformat(was)
        try:
            done = _date(row[c_done])
        except ValueError:
            continue  # the task reader reports the unreadable date
        state = "" if c_state is None or _is_blank(row[c_state]) else _clean(row[c_state])
        at = Location(name, TASKS_SHEET, _cell(c_done, r))
        if done is None and state and state != "已完成":
            out.append(problem("task.completion_reverted", at, target=tid, when=when, was=was, state=state))
        elif done is None:
            out.append(problem("task.completion_cleared", at, target=tid, when=when, was=was))
        elif done != was:
            out.append(problem("task.completion_date_changed", at, target=tid, done=done, when=when, was=was))
    return out
