"""Validating a return: every problem of a file at once, each with a code and a location, then accept or
reject the whole file (nothing of a rejected file is used)."""

from __future__ import annotations

import difflib
import os
import re
from datetime import date
from pathlib import Path

import pandas as pd

from ..errors import Location
from ..targets import Registry, reporting_levels
from .cells import (cell_ref, clean, fmt, is_blank, parse_date, parse_month, period_end, read_count, read_percent,
                    PERIOD_RE)
from .codes import problem
from .model import MonthlyReturn, Rejection, ReturnRejected, ReturnSet
from .reader import METRICS_SHEET, OTHER_FORMATS, RETURN_SUFFIXES, TASKS_SHEET, Grid, open_grid

UNIT_CELL = "B2"
PERIOD_CELL = "B3"
PLAN_CELL = "E2"
FILED_CELL = "E3"
HEADER_ROW = 5  # 1-based row of the column headers on the metrics sheet
METRIC_COLUMNS = ("字段代码", "指标项", "单位", "数值", "备注")
TASK_COLUMNS = ("目标编号", "章节", "任务", "完成时限", "完成日期", "佐证材料", "完成情况")
TASK_STATES = ("已完成", "正在推进", "未启动")
LABELS = {"填报单位": "unit", "统计月份": "period", "方案编号": "plan", "填报日期": "filed"}
FILE_RE = re.compile(r"^(?P<unit>.+?)[_＿](?P<period>20\d\d-\d\d)\.(xlsx|xlsm|csv)$", re.IGNORECASE)
#: any ``<单位>_<YYYY-MM>.<ext>`` name, also of files that cannot be read (.xls …): who and when, guessed
NAME_RE = re.compile(r"^(?P<unit>.+?)[_＿](?P<period>20\d\d-\d\d)(\.[A-Za-z0-9]+)?$")
#: unknown field codes or units for which a near match ("是否为 …？") is suggested, per file
MAX_HINTS = 20
#: files in a folder that are looked at: returns, and other spreadsheet formats (rejected by name)
CANDIDATE_SUFFIXES = frozenset((*RETURN_SUFFIXES, *OTHER_FORMATS))
#: the return formats as users read them: ".xlsx、.xlsm 或 .csv"
RETURN_FORMATS_TEXT = f"{'、'.join(RETURN_SUFFIXES[:-1])} 或 {RETURN_SUFFIXES[-1]}"


def _header(rows: list[list]) -> tuple[int | None, dict[str, tuple[int, int, object]]]:
    """(1-based header row, {label key: (row, col, value)}) of a metrics sheet, found by the labels."""
    found: dict[str, tuple[int, int, object]] = {}
    for r, row in enumerate(rows[:30], start=1):
        cells = [clean(c).rstrip(":：") if isinstance(c, str) else c for c in row]
        if "字段代码" in cells:
            return r, found
        for c, text in enumerate(cells):
            if isinstance(text, str) and text in LABELS and LABELS[text] not in found:
                found[LABELS[text]] = (r, c + 1, row[c + 1] if c + 1 < len(row) else None)
    return None, found


def plan_label(registry: Registry, plan_id: str) -> str:
    """Short Chinese name of a plan (``short_name`` in its file: 巴彦淖尔市, 包头市, 乌拉特中旗 …)."""
    plan = registry.plans.get(plan_id)
    return plan.short_name if plan is not None else plan_id


def unit_label(registry: Registry, plan_id: str | None, unit_id: str | None) -> str:
    """The Chinese name of a unit (its id when unknown)."""
    if not unit_id:
        return ""
    return next((u.name for u in registry.unit_list(plan_id) if u.id == unit_id), unit_id) if plan_id else unit_id


def guess_from_name(name: str, registry: Registry, plan_id: str | None = None
                    ) -> tuple[str | None, str | None, str | None]:
    """(plan, unit id, period) guessed from a file name ``<单位>_<YYYY-MM>.<ext>`` alone — for files that
    cannot be read. The unit is matched by name or alias within ``plan_id``, or, without a plan, in the one
    plan that has it. Parts that cannot be told are None."""
    m = NAME_RE.match(name)
    if not m:
        return plan_id, None, None
    period = m.group("period") if PERIOD_RE.match(m.group("period")) else None
    text = clean(m.group("unit"))
    if plan_id is not None:
        unit = registry.find_unit(plan_id, text)
        return plan_id, unit.id if unit else None, period
    owners = [(p, u) for p in registry.plans if (u := registry.find_unit(p, text)) is not None]
    if len(owners) == 1:
        return owners[0][0], owners[0][1].id, period
    return None, None, period


def detect_plan(grid: Grid, path: Path, registry: Registry) -> tuple[str | None, str]:
    """The plan a return belongs to, and how it was found: the 方案编号 cell, a folder named after a plan,
    or a unit name that only one plan has. (None, reason) when it cannot be told."""
    rows = grid.sheets.get(METRICS_SHEET)
    info = _header(rows)[1] if rows else {}
    cell = clean(info["plan"][2]) if "plan" in info and not is_blank(info["plan"][2]) else ""
    if cell in registry.plans:
        return cell, "方案编号单元格"
    for parent in Path(os.path.abspath(path)).parents:
        if parent.name in registry.plans:
            return parent.name, f"文件夹 {parent.name}"
    unit = clean(info["unit"][2]) if "unit" in info and not is_blank(info["unit"][2]) else ""
    if not unit and (m := FILE_RE.match(path.name)):
        unit = m.group("unit")
    owners = [p for p in registry.plans if unit and registry.find_unit(p, unit)]
    if len(owners) == 1:
        return owners[0], f"单位“{unit}”"
    if cell:
        return None, f"方案编号“{cell}”不是已知方案（{'、'.join(registry.plans)}）"
    if len(owners) > 1:
        return None, f"单位“{unit}”同时属于方案 {'、'.join(owners)}，且表中未填写方案编号"
    return None, "表中未填写方案编号，也无法从单位名称判断"


class _Problems(list):
    """The problems of one file, each made from a code at a location of that file."""

    def __init__(self, name: str, sheet: str) -> None:
        super().__init__()
        self.name, self.sheet = name, sheet

    def add(self, kind: str, /, cell: str = "", row: str = "", field: str = "", sheet: str | None = None, **params):
        loc = Location(file=self.name, sheet=self.sheet if sheet is None else sheet, cell=cell, row=row, field=field)
        self.append(problem(kind, loc, **params))


class _Reading:
    """The metrics sheet of one file while it is read: its rows, header labels (``info``), the cells the
    workbook scan noted, and the problems collected so far (each cell reported once)."""

    def __init__(self, name: str, grid: Grid) -> None:
        self.name, self.grid = name, grid
        self.rows = grid.sheets[METRICS_SHEET]
        self.problems = _Problems(name, "" if grid.csv else METRICS_SHEET)
        self.no_value = grid.formulas_without_value.get(METRICS_SHEET, frozenset())
        self.errors = grid.error_cells.get(METRICS_SHEET, {})
        self.percent_cells = grid.percent_cells.get(METRICS_SHEET, frozenset())
        self.reported: set[str] = set()
        self.header_row, self.info = _header(self.rows)

    def bad_cell(self, ref: str, label: str, field: str = "") -> bool:
        """Report a formula without cached value or an error value at ``ref``; True if there was one."""
        if ref in self.errors:
            self.problems.add("cell.error_value", ref, field=field, label=label, error=self.errors[ref])
        elif ref in self.no_value:
            self.problems.add("cell.formula_without_value", ref, field=field, label=label)
        else:
            return False
        self.reported.add(ref)
        return True

    def info_cell(self, key: str, default: str) -> tuple[str, object]:
        """(cell reference, raw value) of a header label's value (``default`` cell, None when not labelled)."""
        if key in self.info:
            r, c, value = self.info[key]
            return cell_ref(c, r), value
        return default, None

    def info_text(self, key: str) -> str:
        return clean(self.info[key][2]) if key in self.info and not is_blank(self.info[key][2]) else ""


def _plan_of(grid: Grid, path: Path, registry: Registry, plan_id: str | None) -> tuple[str, str]:
    """(plan id, how it was found); a file whose plan cannot be found is rejected here."""
    if plan_id is not None:
        registry.plan(plan_id)
        return plan_id, "导入时指定"
    found, how = detect_plan(grid, path, registry)
    if found is None:
        p = problem("plan.unknown", Location(file=path.name), how=how)
        raise ReturnRejected(f"{p.where}：无法接收", [p], file=path.name, sha256=grid.sha256)
    registry.plan(found)
    return found, how


def _read_unit(r: _Reading, registry: Registry, plan_id: str, how: str):
    """(unit or None, its cell, owners) from the 填报单位 cell. ``owners`` are the (plan, unit) pairs of other
    plans the unit belongs to: one clear problem then stands for "unknown unit" and every field the other
    plan asks for (the required fields and milestone tasks of ``plan_id`` are not checked)."""
    unit_ref, unit_raw = r.info_cell("unit", UNIT_CELL)
    unit_text = "" if is_blank(unit_raw) else clean(unit_raw)
    unit = registry.find_unit(plan_id, unit_text) if unit_text else None
    owners = [(p, u) for p in registry.plans if p != plan_id and (u := registry.find_unit(p, unit_text)) is not None] \
        if unit_text and unit is None else []
    cell_plan = r.info_text("plan")
    if "unit" not in r.info:
        r.problems.add("unit.label_missing")
    elif not r.bad_cell(unit_ref, "填报单位"):
        if not unit_text:
            r.problems.add("unit.empty", unit_ref)
        elif owners:
            belongs = "、".join(f"{p}（{plan_label(registry, p)}）" for p, _ in owners)
            why = f"{owners[0][1].name}是 {belongs}的单位"
            if how == "方案编号单元格":
                r.problems.add("plan.cell_vs_unit", r.info_cell("plan", PLAN_CELL)[0], plan=plan_id, unit=unit_text,
                               why=why)
            elif how == "导入时指定" and cell_plan and cell_plan != plan_id:
                pass  # reported by _check_plan_cell: the 方案编号 cell contradicts --plan
            elif how == "导入时指定":
                r.problems.add("plan.import_vs_unit", unit_ref, plan=plan_id, unit=unit_text, why=why)
            else:
                r.problems.add("plan.detected_vs_unit", unit_ref, plan=plan_id, how=how, unit=unit_text, why=why)
        elif unit is None:
            names = [u.name for u in registry.unit_list(plan_id)]
            aliases = {a: u.name for u in registry.unit_list(plan_id) for a in (u.name, *u.aliases)}
            near = difflib.get_close_matches(unit_text[:40], list(aliases), n=1, cutoff=0.3)
            hint = f"，是否为“{aliases[near[0]]}”？" if near else f"；本方案的单位为 {'、'.join(names)}"
            r.problems.add("unit.unknown", unit_ref, unit=unit_text, hint=hint)
    return unit, unit_ref, owners


def _read_period(r: _Reading, registry: Registry, plan_id: str, unit, unit_ref: str, today: date) -> str | None:
    """The 统计月份, checked against the file name (month and unit) and today."""
    period_ref, period_raw = r.info_cell("period", PERIOD_CELL)
    period = None
    if "period" not in r.info:
        r.problems.add("period.label_missing")
    elif not r.bad_cell(period_ref, "统计月份"):
        period = parse_month(period_raw)
        if period is None:
            r.problems.add("period.format", period_ref, found="" if is_blank(period_raw) else str(period_raw))
    m = FILE_RE.match(r.name)
    if m and period and m.group("period") != period:
        r.problems.add("period.name_mismatch", period_ref, period=period, named=m.group("period"))
    if m and unit is not None:
        named = registry.find_unit(plan_id, m.group("unit"))
        if named is not None and named.id != unit.id:
            r.problems.add("unit.name_mismatch", unit_ref, unit=unit.name, named=named.name)
    if period and period_end(period).replace(day=1) > today:
        r.problems.add("period.future", period_ref, period=period, today=today)
    return period


def _check_plan_cell(r: _Reading, registry: Registry, plan_id: str) -> None:
    """A 方案编号 cell that names another (or no known) plan than the one the file is read for."""
    cell_plan = r.info_text("plan")
    if cell_plan and cell_plan != plan_id:
        plan_ref = r.info_cell("plan", PLAN_CELL)[0]
        if cell_plan not in registry.plans:
            r.problems.add("plan.cell_unknown", plan_ref, found=cell_plan)
        else:
            r.problems.add("plan.cell_mismatch", plan_ref, found=cell_plan, plan=plan_id)


def _read_filed(r: _Reading, period: str | None, today: date) -> date | None:
    """The 填报日期 when given and plausible (not after today, not before the month it reports)."""
    if "filed" not in r.info or is_blank(r.info["filed"][2]):
        return None
    filed_ref = r.info_cell("filed", FILED_CELL)[0]
    if r.bad_cell(filed_ref, "填报日期"):
        return None
    try:
        filed = parse_date(r.info["filed"][2])
    except ValueError:
        r.problems.add("filed.format", filed_ref, found=str(r.info["filed"][2]))
        return None
    if filed and filed > today:
        r.problems.add("filed.future", filed_ref, filed=filed, today=today)
        return None
    if filed and period and filed < date(int(period[:4]), int(period[5:]), 1):
        r.problems.add("filed.before_period", filed_ref, filed=filed, period=period)
        return None
    return filed


def _check_values(r: _Reading, registry: Registry, plan_id: str, values: dict, seen: dict, value_col,
                  owners, period: str | None) -> None:
    """Every field the plan needs is there and filled (a field listed in the template only ``since`` a month
    later than ``period`` may be absent: an older template), no rate's numerator exceeds its denominator, and
    no formula without a cached value is left unreported."""
    required = registry.return_fields(plan_id) if value_col is not None and not owners else []
    for code in required:
        fdef = registry.fields[code]
        if code not in seen:
            if fdef.since and period and period < fdef.since:
                continue  # an older template, from before the field was added (metrics.yaml ``since``)
            r.problems.add("field.missing", field=code, label=fdef.name, code=code)
        elif code not in values and not fdef.optional and cell_ref(value_col, seen[code]) not in r.reported:
            r.problems.add("value.blank", cell_ref(value_col, seen[code]), field=code, label=fdef.name)
    for metric in registry.metrics.values():
        if metric.type != "rate":
            continue
        num, den = values.get(metric.numerator), values.get(metric.denominator)
        if num is not None and den is not None and num > den:
            r.problems.add("rate.numerator_gt_denominator", cell_ref(value_col, seen[metric.numerator]),
                           field=metric.numerator, numerator=registry.fields[metric.numerator].name, num=fmt(num),
                           denominator=registry.fields[metric.denominator].name, den=fmt(den))
    for ref in sorted(set(r.no_value) - r.reported):
        r.problems.add("cell.stray_formula", ref)


def read_return(path: Path | str, registry: Registry, plan_id: str | None, today: date | None = None,
                grid: Grid | None = None) -> MonthlyReturn:
    """Read and validate one monthly return (.xlsx, .xlsm or .csv) for ``plan_id``.

    ``plan_id`` None means: find the plan from the file (see :func:`detect_plan`). Every problem in the file
    is collected (a :class:`~taizhang.errors.Problem` with code and location: file / sheet / cell, what was
    expected, what was found) and then a :class:`ReturnRejected` is raised; otherwise the accepted values are
    returned. The file is only read, never written. The steps, one concern each: the plan
    (:func:`_plan_of`), the unit (:func:`_read_unit`), the month (:func:`_read_period`), the 方案编号 cell,
    the 填报日期, the metrics table (:func:`_read_metrics`, :func:`_check_values`) and the tasks sheet.
    """
    path = Path(path)
    name = path.name
    grid = grid or open_grid(path)
    sha = grid.sha256
    plan_id, how = _plan_of(grid, path, registry, plan_id)
    today = today or date.today()
    if METRICS_SHEET not in grid.sheets:
        p = problem("sheet.missing", Location(file=name), sheet=METRICS_SHEET,
                    found="、".join(grid.sheet_names or grid.sheets) or "无")
        raise ReturnRejected(f"{name}：无法接收", [p], file=name, plan=plan_id, sha256=sha)
    r = _Reading(name, grid)
    unit, unit_ref, owners = _read_unit(r, registry, plan_id, how)
    period = _read_period(r, registry, plan_id, unit, unit_ref, today)
    _check_plan_cell(r, registry, plan_id)
    filed = _read_filed(r, period, today)
    values, seen, value_col = _read_metrics(r.rows, r.header_row, grid, registry, plan_id, r.problems, r.bad_cell,
                                            r.reported, r.no_value, r.errors, r.percent_cells)
    _check_values(r, registry, plan_id, values, seen, value_col, owners, period)
    problems = r.problems
    tasks = _read_tasks(grid, name, registry, plan_id, unit, period, today, problems) \
        if TASKS_SHEET in grid.sheets and not owners else []
    unit_id = unit.id if unit is not None else None
    if problems:
        # a unit of exactly one other plan: log the file under that plan and unit (quality view, feedback)
        plan_of, unit_of = (owners[0][0], owners[0][1].id) if len(owners) == 1 else (plan_id, unit_id)
        raise ReturnRejected(f"{name}：有 {len(problems)} 处问题，整份报表退回", list(problems), file=name, plan=plan_of,
                             unit=unit_of, period=period, sha256=sha)
    return MonthlyReturn(file=path, sha256=sha, unit=unit_id, period=period,  # type: ignore[arg-type]
                         values=values, tasks=tuple(tasks), plan=plan_id, filed=filed)


def _read_metrics(rows, header_row, grid: Grid, registry: Registry, plan_id: str, problems: _Problems, bad_cell,
                  reported: set[str], no_value, errors, percent_cells) -> tuple[dict[str, float], dict[str, int], int | None]:
    """(values, {field: row}, value column) of the metrics table; problems added on the way."""
    known = registry.fields
    codes = sorted(known)
    hints = 0
    values: dict[str, float] = {}
    seen: dict[str, int] = {}
    if header_row is None:
        problems.add("header.missing", header_row=HEADER_ROW, columns="、".join(METRIC_COLUMNS))
        return values, seen, None
    head = [clean(c) if isinstance(c, str) else "" for c in rows[header_row - 1]]
    code_col = head.index("字段代码")
    if "数值" not in head:
        problems.add("header.column_missing", row=f"第{header_row}行", column="数值")
        return values, seen, None
    value_col = head.index("数值")
    width = len(rows[header_row - 1])  # a CSV saved by Excel pads every row to the same width
    for r in range(header_row + 1, len(rows) + 1):
        row = rows[r - 1]
        extra = grid.csv and len(row) > width  # a value split by an unquoted comma: refused, never guessed
        if extra:
            problems.add("csv.extra_cells", row=f"第{r}行", count=len(row), header=width)
        raw_code = row[code_col] if code_col < len(row) else None
        raw = row[value_col] if value_col < len(row) else None
        code_ref, ref = cell_ref(code_col, r), cell_ref(value_col, r)
        code = "" if is_blank(raw_code) else clean(raw_code)
        if not code and is_blank(raw) and ref not in no_value and ref not in errors:
            continue  # blank row
        if not code and extra:
            continue
        if not code:
            problems.add("field.code_empty", code_ref)
            continue
        if code not in known:
            hints += 1  # a near match is looked for in the first few only: difflib is slow, a file may have 2,000
            near = difflib.get_close_matches(code[:60], codes, n=1, cutoff=0.6) if hints <= MAX_HINTS else []
            problems.add("field.unknown", code_ref, code=code, hint=f"，是否为“{near[0]}”？" if near else "")
            continue
        fdef = known[code]
        if code in seen:
            problems.add("field.duplicate", code_ref, field=code, label=fdef.name, code=code, first_row=seen[code])
            continue
        seen[code] = r
        if extra:
            reported.add(ref)
            continue
        if bad_cell(ref, fdef.name, code) or is_blank(raw):
            continue
        percent = ref in percent_cells
        value, pcode, params = read_percent(raw, fdef.name, percent) if fdef.unit == "%" \
            else read_count(raw, fdef.name, fdef.unit, percent, registry)
        if pcode is None:
            low, high = fdef.min, fdef.max
            if (low is not None and value < low) or (high is not None and value > high):
                pcode = "value.implausible"
                params = {"label": fdef.name, "found": fmt(value), "unit": fdef.unit,
                          "low": fmt(low if low is not None else 0), "high": fmt(high) if high is not None else "∞"}
        if pcode:
            problems.add(pcode, ref, field=code, **params)
            reported.add(ref)
        else:
            values[code] = value
    return values, seen, value_col


def task_header(rows: list[list]) -> tuple[int | None, dict[str, int]]:
    """(1-based header row, {header of :data:`TASK_COLUMNS`: 0-based column}) of a 任务完成情况 sheet, found by
    the labels in any order — the template's 目标编号 last, or the earlier 目标编号 first — so a problem names
    the cell where it is in that file; (None, {}) without a 目标编号 header in the first 10 rows."""
    header_row = next((r for r, row in enumerate(rows[:10], start=1)
                       if any(isinstance(c, str) and clean(c) == "目标编号" for c in row)), None)
    if header_row is None:
        return None, {}
    head = [clean(c) if isinstance(c, str) else "" for c in rows[header_row - 1]]
    return header_row, {h: head.index(h) for h in TASK_COLUMNS if h in head}


def _read_tasks(grid: Grid, name: str, registry: Registry, plan_id: str, unit, period: str | None, today: date,
                problems: _Problems) -> list[tuple[str, date | None, str]]:
    """The task rows of the 任务完成情况 sheet, columns by their headers (:func:`task_header`)."""
    by_id = {t.id: t for t in registry.plan(plan_id).targets}
    trows = grid.sheets[TASKS_SHEET]
    no_value = grid.formulas_without_value.get(TASKS_SHEET, frozenset())
    errors = grid.error_cells.get(TASKS_SHEET, {})

    def add(kind, /, cell="", row="", **params):
        problems.add(kind, cell, row, sheet=TASKS_SHEET, **params)

    header_row, col = task_header(trows)
    if header_row is None:
        if any(not is_blank(c) for row in trows for c in row):
            add("task.header_missing", columns="、".join(TASK_COLUMNS))
        return []
    for h in ("完成日期", "佐证材料"):
        if h not in col:
            add("header.column_missing", row=f"第{header_row}行", column=h)
    if "完成日期" not in col or "佐证材料" not in col:
        return []
    levels = {u.level for u in registry.unit_list(plan_id)}
    reporting = {}
    out: list[tuple[str, date | None, str]] = []
    seen: dict[str, int] = {}
    for r in range(header_row + 1, len(trows) + 1):
        row = list(trows[r - 1]) + [None] * 8

        def get(h):
            return row[col[h]] if h in col else None

        tid = "" if is_blank(get("目标编号")) else clean(get("目标编号"))
        if not tid:
            continue
        id_ref = cell_ref(col["目标编号"], r)
        done_ref, ev_ref = cell_ref(col["完成日期"], r), cell_ref(col["佐证材料"], r)
        t = by_id.get(tid)
        if t is None:
            add("task.unknown", id_ref, target=tid)
            continue
        if t.kind != "milestone":
            add("task.not_milestone", id_ref, target=tid)
            continue
        if t.levels not in reporting:
            reporting[t.levels] = reporting_levels(t.levels, levels)
        if unit is not None and unit.level not in reporting[t.levels]:
            add("task.not_for_unit", id_ref, target=tid, unit=unit.name, levels="、".join(t.levels))
            continue
        if tid in seen:
            add("task.duplicate", id_ref, target=tid, first_row=seen[tid])
            continue
        seen[tid] = r
        if done_ref in errors or done_ref in no_value:
            add("task.date_error", done_ref)
            continue
        try:
            done = parse_date(get("完成日期"))
        except ValueError:
            add("task.date_format", done_ref, found=str(get("完成日期")))
            continue
        evidence = "" if is_blank(get("佐证材料")) else str(get("佐证材料")).strip()
        state = "" if is_blank(get("完成情况")) else clean(get("完成情况"))
        state_ref = cell_ref(col["完成情况"], r) if "完成情况" in col else ""  # used only when a state is given
        if done and done > today:
            add("task.date_future", done_ref, done=done, today=today)
        elif done and period and done > period_end(period):
            add("task.date_after_period", done_ref, done=done, period=period)
        elif state and state not in TASK_STATES:
            add("task.state_unknown", state_ref, states="、".join(TASK_STATES), state=state)
        elif state == "已完成" and not done:
            add("task.done_without_date", done_ref)
        elif done and state and state != "已完成":
            add("task.date_state_conflict", state_ref, done=done, state=state)
        elif done and not evidence:
            add("task.no_evidence", ev_ref)
        else:
            out.append((tid, done, evidence))
    return out


# --------------------------------------------------------------------------------------------------
# folders


def find_return_files(paths) -> list[Path]:
    """Every file among ``paths`` that is looked at as a return, sorted: a file (or symlink) ending in .xlsx,
    .xlsm, .csv or another spreadsheet format (.xls, .et, .ods, .xlsb …, rejected by name), and any other file
    named ``<单位>_<YYYY-MM>[.<ext>]`` (rejected when it is not a return: a district's scan or PDF of its return
    gets its 退回修改清单) — named on its own or found in folders (searched recursively, symlinked folders not
    followed). Anything else (README.md, 说明.txt, 通知.docx, 佐证材料.pdf …) and Excel lock files
    (``~$…``) are skipped, each with its reason (:func:`skip_reason`); hidden files and 退回修改清单 feedback
    workbooks in folders are skipped silently."""
    return scan_paths(paths)[0]


def _is_candidate(path: Path) -> bool:
    name = path.name
    if name.startswith("~$"):
        return False
    # a file named like a return (临河区_2024-06.pdf, a scan of the return) is looked at and rejected with its
    # 退回修改清单, so that the district learns which file to send; anything else is skipped
    return Path(name).suffix.lower() in CANDIDATE_SUFFIXES or NAME_RE.match(name) is not None


def skip_reason(path: Path) -> str:
    """Why ``path`` (skipped by :func:`scan_paths`) is not looked at as a return, in Chinese."""
    if path.name.startswith("~$"):
        return "是 Excel 打开文件时生成的临时文件，不是报表文件"
    if path.is_symlink() and path.is_dir():
        return "是指向文件夹的符号链接（快捷方式），未进入该文件夹"
    return f"不是报表文件（报表应为 {RETURN_FORMATS_TEXT}）"


def scan_paths(paths) -> tuple[list[Path], list[Path]]:
    """(files looked at as returns — see :func:`find_return_files` —, other files skipped) under ``paths``."""
    out: list[Path] = []
    skipped: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir() and not p.is_symlink():
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and "退回修改清单" not in d)
                for f in files:
                    path = Path(root) / f
                    if f.startswith(".") or "退回修改清单" in f:
                        continue
                    (out if _is_candidate(path) else skipped).append(path)
                for d in list(dirs):  # a symlink to a folder is not followed: named as a skipped entry
                    if os.path.islink(os.path.join(root, d)):
                        skipped.append(Path(root) / d)
        else:
            (out if _is_candidate(p) else skipped).append(p)
    return sorted(out), sorted(skipped)


def load_returns(paths, registry: Registry, plan_id: str, today: date | None = None) -> ReturnSet:
    """Read every return under ``paths`` for ``plan_id``; accepted data as frames, rejected files listed.

    When one unit has two accepted returns for the same month, the one read last (by file name) wins and
    the other is listed as rejected with a message naming both — nothing is dropped silently.
    """
    accepted: dict[tuple[str, str], MonthlyReturn] = {}
    rejected: list[Rejection] = []
    for path in find_return_files(paths):
        try:
            ret = read_return(path, registry, plan_id, today=today)
        except ReturnRejected as exc:
            rejected.append(exc.record)
            continue
        except Exception as exc:  # noqa: BLE001 - one file never stops the folder
            rejected.append(unexpected(path, exc).record)
            continue
        key = (ret.unit, ret.period)
        if key in accepted:
            prev = accepted[key]
            p = problem("copy.replaced", Location(file=prev.file.name), other=ret.file.name)
            rejected.append(Rejection(prev.file.name, f"{prev.file.name}：已被替换", (p,), plan_id, prev.unit,
                                      prev.period, prev.sha256))
        accepted[key] = ret
    return returnset_from(accepted.values(), rejected)


def unexpected(path: Path, exc: BaseException) -> ReturnRejected:
    """The rejection of a file whose reading failed in a way no check foresaw (a defect of ours): the file is
    logged as rejected, the batch goes on."""
    p = problem("file.unexpected", Location(file=Path(path).name), detail=type(exc).__name__)
    return ReturnRejected(f"{p.where}：无法接收", [p], file=Path(path).name)


def returnset_from(returns, rejected) -> ReturnSet:
    """A :class:`ReturnSet` from accepted :class:`MonthlyReturn` objects and rejected files."""
    returns = list(returns)
    obs = [(r.unit, r.period, f, v) for r in returns for f, v in r.values.items()]
    tasks = [(r.unit, r.period, tid, d, ev) for r in returns for tid, d, ev in r.tasks]
    files = [(r.file.name, r.sha256, r.unit, r.period) for r in returns]
    return ReturnSet(
        observations=pd.DataFrame(obs, columns=["unit", "period", "field", "value"]),
        tasks=pd.DataFrame(tasks, columns=["unit", "period", "target_id", "done_date", "evidence"]),
        files=pd.DataFrame(files, columns=["file", "sha256", "unit", "period"]).sort_values("file", ignore_index=True),
        rejected=[r.record if isinstance(r, ReturnRejected) else r for r in rejected],
    )
