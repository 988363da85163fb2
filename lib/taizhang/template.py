"""Workbooks the office sends to districts: blank return templates and 退回修改清单 feedback.

``write_templates`` writes, per unit, the workbook a district fills in (layout in ``inputs/README.md`` and
:mod:`taizhang.returns`): a 填报说明 sheet, the 指标 sheet with unit, period and plan pre-filled, its table in
:data:`TEMPLATE_COLUMNS` order (name, unit, the value to fill, remark; the field code last, grey), number
validation on the value cells and protected headers, and a 任务完成情况 sheet listing the plan's milestone
tasks for the unit's level in :data:`TEMPLATE_TASK_COLUMNS` order (章节, 任务, 完成时限, then 完成日期 (date
validation), 佐证材料 and a 完成情况 dropdown to fill; the 目标编号 last, grey, as in 指标).

``write_feedback`` writes the list of problems of a rejected return, one row per problem with sheet and
cell, that the office can send back to the district.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from .atomic import atomic_path
from .errors import ParameterError
from .returns import (DUE_DAY, FILED_CELL, HEADER_ROW, METRICS_SHEET, PERIOD_CELL, PLAN_CELL,
                      TASK_STATES, TASKS_SHEET, UNIT_CELL, is_whole_unit)
from .safetext import cell_text
from .targets import LEVEL_LABELS, Registry, Unit, reporting_levels

GUIDE_SHEET = "填报说明"
_FIXED_STAMP = (2022, 1, 1, 0, 0, 0)
#: the 指标 table of a template, left to right: what a district reads and fills first, the field code the reader
#: keys on last (grey). The reader finds every column by its header (:data:`taizhang.returns.METRIC_COLUMNS`),
#: so returns in the earlier order (字段代码 first, as :func:`taizhang.returns.write_return` still writes) read too.
TEMPLATE_COLUMNS = ("指标项", "单位", "数值", "备注", "字段代码")
TEMPLATE_WIDTHS = {"指标项": 46, "单位": 10, "数值": 14, "备注": 30, "字段代码": 26}
#: the 任务完成情况 table of a template, left to right, laid out like 指标: what a district reads and fills first,
#: the 目标编号 the reader keys on last (grey). The reader finds every column by its header
#: (:data:`taizhang.returns.TASK_COLUMNS`), so returns in the earlier order (目标编号 first, as
#: :func:`taizhang.returns.write_return` still writes) read too.
TEMPLATE_TASK_COLUMNS = ("章节", "任务", "完成时限", "完成日期", "佐证材料", "完成情况", "目标编号")
TEMPLATE_TASK_WIDTHS = {"章节": 12, "任务": 60, "完成时限": 24, "完成日期": 14, "佐证材料": 30, "完成情况": 12,
                        "目标编号": 34}
#: the cells of a task row a district fills (unlocked, pale yellow)
TASK_INPUTS = ("完成日期", "佐证材料", "完成情况")
CODE_GREY = "808080"


def template_column(name: str) -> int:
    """The 1-based column of ``name`` (one of :data:`TEMPLATE_COLUMNS`) in a template's 指标 table."""
    return TEMPLATE_COLUMNS.index(name) + 1


def task_column(name: str) -> int:
    """The 1-based column of ``name`` (one of :data:`TEMPLATE_TASK_COLUMNS`) in a template's 任务完成情况 table."""
    return TEMPLATE_TASK_COLUMNS.index(name) + 1


def _letter(name: str, sheet: str = METRICS_SHEET) -> str:
    """The column letter of ``name`` in the template's 指标 (default) or 任务完成情况 table."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(task_column(name) if sheet == TASKS_SHEET else template_column(name))


def milestone_tasks(registry: Registry, plan_id: str, unit: Unit):
    """The plan's milestone targets that ``unit`` reports (by level, see :func:`taizhang.targets.reporting_levels`)."""
    levels = {u.level for u in registry.unit_list(plan_id)}
    return [t for t in registry.plan(plan_id).targets
            if t.kind == "milestone" and unit.level in reporting_levels(t.levels, levels)]


def _guide_lines(registry: Registry, plan_id: str, unit: Unit, period: str, answers: bool = False) -> list[str]:
    """The 填报说明 text; ``answers``: the workbook carries the 整改情况 sheet (issue 14), which gets its item."""
    plan = registry.plan(plan_id)
    lines = [
        "政务服务目标台账 月度报表 填报说明",
        "",
        f"实施方案：{plan.document}（方案编号 {plan_id}）",
        f"填报单位：{unit.name}（{LEVEL_LABELS.get(unit.level, unit.level)}）",
        f"统计月份：{period}",
        "",
        f"1. 请于统计月份次月 {DUE_DAY} 日前报送；文件名保持“{unit.name}_{period}.xlsx”，不要改名。",
        f"2. “指标”表：只在“数值”列（{_letter('数值')} 列）填写数字，可在“备注”列（{_letter('备注')} 列）写说明；"
        "填报单位、统计月份、方案编号已预填，请勿修改；最后一列（灰色）“字段代码”供系统读取，请勿修改。",
        f"3. 在“指标”表 {FILED_CELL} 填写填报日期（YYYY-MM-DD）。",
        "4. 只填写数量（件、项、个、名……），不要填写百分比：比率由系统按分子、分母自动计算。分子不能大于分母，数量不能为负数；"
        "件、项、个、名、次等计数须为整数（小时、年等可带小数）。",
        "5. 数字可以带千位分隔符（1,234），全角数字也可识别；不要填写文字（如“约100”“暂无”），没有发生的事项填 0。",
        "6. 单元格可以使用公式，但必须在 Excel 中保存过计算结果；#DIV/0! 等错误值会导致退回。",
        f"7. “任务完成情况”表：已完成的任务填写完成日期（{_letter('完成日期', TASKS_SHEET)} 列，不晚于统计月末）和"
        f"佐证材料（{_letter('佐证材料', TASKS_SHEET)} 列，文件名或说明），完成情况选“已完成”；"
        "未完成的任务完成日期留空，完成情况选“正在推进”或“未启动”；最后一列（灰色）“目标编号”供系统读取，请勿修改。",
        "8. “任务完成情况”表中灰色、不能修改的行（如有）是本单位此前月份已报完成的任务，仅供参考，无需再填；"
        "如需更正其完成日期或佐证材料，请联系办公室办理，不要在本表改动。",
    ]
    if answers:
        lines.append("9. “整改情况”表：表中列出的每项督办事项都须逐项填写整改措施、进展（已完成／正在整改／未启动）、"
                     "预计完成日期和佐证材料；进展为“已完成”的必须填写佐证材料。编号、问题和整改期限已预填，请勿修改。")
    n = len(lines) - 6  # the numbered items so far
    lines += [
        f"{n + 1}. 请保存为 .xlsx 格式；不要设置打开密码；不要使用旧版 .xls 格式。",
        f"{n + 2}. 报表如被退回，会附“退回修改清单”，逐条列出问题所在的工作表和单元格；修改后以同一文件名重新报送即可，"
        "系统保留历次版本。",
    ]
    return lines


# number formats of the 数值 cells: counts with thousands separators; measures (小时, 年 …) in General, which
# shows 8 as "8" and 8.5 as "8.5" (a "#,##0.##" format shows a whole number as "8.")
WHOLE_FORMAT = "#,##0"
DECIMAL_FORMAT = "General"


def _print_setup(ws, title_rows: str, landscape: bool) -> None:
    """A4, one page wide (as many pages long as needed), ``title_rows`` (e.g. ``"1:4"``) on every page."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top, ws.page_margins.bottom = 0.7, 0.7
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


class _Styles(NamedTuple):
    """The cell styles the sheets of a template share."""

    bold: object
    head_fill: object
    input_fill: object
    unlocked: object
    code_head: object  # the head of the code column the reader keys on (字段代码, 目标编号): bold grey
    code: object  # its cells: grey


def _styles() -> _Styles:
    """The shared styles: bold heads on a blue-grey fill, input cells pale yellow and unlocked, the code column
    (last, locked) in grey."""
    from openpyxl.styles import Font, PatternFill, Protection

    return _Styles(Font(bold=True), PatternFill("solid", fgColor="DDE4EE"), PatternFill("solid", fgColor="FFF7D6"),
                   Protection(locked=False), Font(bold=True, color=CODE_GREY), Font(color=CODE_GREY))


def write_template(registry: Registry, plan_id: str, period: str, unit: Unit, path: Path, sv_items=None,
                   completed: dict | None = None) -> Path:
    """Write the blank return workbook of ``unit`` for ``period`` to ``path`` (reproducible bytes).

    ``sv_items`` (issue 14: the unit's open 督办事项, a frame) adds the 整改情况 sheet; ``completed`` maps task
    ids the unit already reported complete to ``(完成日期, 佐证材料)``: those rows are prefilled and locked.
    """
    from openpyxl import Workbook

    styles = _styles()
    wb = Workbook()
    _guide_sheet(wb.active, _guide_lines(registry, plan_id, unit, period, answers=sv_items is not None))
    _metrics_sheet(wb.create_sheet(METRICS_SHEET), registry, plan_id, period, unit, styles)
    _tasks_sheet(wb.create_sheet(TASKS_SHEET), milestone_tasks(registry, plan_id, unit), completed, styles)
    if sv_items is not None:  # issue 14: the unit's open 督办事项 and its answer columns
        from .supervision.answers import ANSWER_SHEET, HEADER_ROW as ANSWER_HEAD, add_answer_sheet

        add_answer_sheet(wb, sv_items)
        _print_setup(wb[ANSWER_SHEET], f"1:{ANSWER_HEAD}", landscape=True)
    wb.active = 1
    _save(wb, Path(path))
    return Path(path)


def _text_width(text: str) -> int:
    """The width of ``text`` in a column's character widths: a Chinese character or quote takes about two
    (measured in LibreOffice)."""
    return sum(2 if ord(ch) >= 0x2000 else 1 for ch in text)


def _guide_sheet(guide, lines: list[str]) -> None:
    """The 填报说明 sheet: ``lines`` in one wrapped column, protected."""
    from openpyxl.styles import Alignment, Font

    guide.title = GUIDE_SHEET
    for r, line in enumerate(lines, start=1):
        guide.cell(row=r, column=1, value=line).alignment = Alignment(wrap_text=True, vertical="top")
        # rows tall enough for the wrapped text (neither Excel nor LibreOffice grows them on open): a Chinese
        # character or quote takes about two of the column's character widths (measured in LibreOffice)
        guide.row_dimensions[r].height = 15 * max(1, -(-_text_width(line) // 80))
    guide["A1"].font = Font(bold=True, size=14)
    guide.row_dimensions[1].height = 22
    guide.column_dimensions["A"].width = 70  # fits A4 portrait unscaled (LibreOffice does not shrink it)
    guide.protection.sheet = True
    _print_setup(guide, "1:1", landscape=False)


def _metrics_sheet(ws, registry: Registry, plan_id: str, period: str, unit: Unit, styles: _Styles) -> None:
    """The 指标 sheet: unit, period and plan pre-filled, one row per field with number validation on the 数值
    cells, headers protected."""
    _metrics_header(ws, registry.plan(plan_id).document, plan_id, period, unit, styles)
    codes = registry.return_fields(plan_id)
    for r, code in enumerate(codes, start=HEADER_ROW + 1):
        _metric_row(ws, r, code, registry, styles)
    _metrics_validation(ws, codes, registry)
    for name in TEMPLATE_COLUMNS:
        ws.column_dimensions[_letter(name)].width = TEMPLATE_WIDTHS[name]
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    _print_setup(ws, f"1:{HEADER_ROW}", landscape=True)


def _metrics_header(ws, document: str, plan_id: str, period: str, unit: Unit, styles: _Styles) -> None:
    """The 指标 sheet's title, the pre-filled unit, period and plan, the 填报日期 cell and the column heads."""
    from openpyxl.styles import Font

    ws["A1"] = f"政务服务目标台账 月度报表（{document}）"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"], ws[UNIT_CELL] = "填报单位", unit.name
    ws["A3"], ws[PERIOD_CELL] = "统计月份", period
    ws[PERIOD_CELL].number_format = "@"  # keep "2024-06" as text; Excel would turn it into a date
    ws["D2"], ws[PLAN_CELL] = "方案编号", plan_id
    ws["D3"] = "填报日期"
    ws[FILED_CELL].number_format = "yyyy-mm-dd"
    ws[FILED_CELL].protection = styles.unlocked
    ws[FILED_CELL].fill = styles.input_fill
    for ref in ("A2", "A3", "D2", "D3"):
        ws[ref].font = styles.bold
    for head in TEMPLATE_COLUMNS:
        cell = ws.cell(row=HEADER_ROW, column=template_column(head), value=head)
        cell.font, cell.fill = (styles.code_head if head == "字段代码" else styles.bold), styles.head_fill


def _metric_row(ws, r: int, code: str, registry: Registry, styles: _Styles) -> None:
    """Row ``r`` of the 指标 sheet (:data:`TEMPLATE_COLUMNS`): name and unit, the 数值 and 备注 cells open for
    input, the field code last in grey."""
    from openpyxl.styles import Alignment

    f = registry.fields[code]
    at = {name: template_column(name) for name in TEMPLATE_COLUMNS}
    top = Alignment(vertical="top")  # the row's cells line up with the first line of a wrapped name
    code_cell = ws.cell(row=r, column=at["字段代码"], value=code)
    code_cell.font, code_cell.alignment = styles.code, top
    ws.cell(row=r, column=at["指标项"], value=f.name).alignment = Alignment(wrap_text=True, vertical="top")
    lines = -(-_text_width(f.name) // (TEMPLATE_WIDTHS["指标项"] - 2))
    if lines > 1:  # tall enough for the wrapped name (neither Excel nor LibreOffice grows a row on open)
        ws.row_dimensions[r].height = 15 * lines
    ws.cell(row=r, column=at["单位"], value=f.unit).alignment = top
    for name in ("数值", "备注"):
        ws.cell(row=r, column=at[name]).protection = styles.unlocked
    value = ws.cell(row=r, column=at["数值"])
    value.fill, value.alignment = styles.input_fill, top
    value.number_format = WHOLE_FORMAT if is_whole_unit(f.unit, registry) else DECIMAL_FORMAT


def _metrics_validation(ws, codes: list[str], registry: Registry) -> None:
    """Data validation of the 指标 sheet: whole or decimal numbers ≥ 0 in the 数值 cells, a date as 填报日期."""
    from openpyxl.worksheet.datavalidation import DataValidation

    # whole things (名, 项, 件 …) take whole numbers only; measures (小时, 年 …) may be fractional
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="请填写整数",
                           error="这里只能填写不小于 0 的整数（件、项、个、名等数量，不是百分比）。",
                           showInputMessage=True, promptTitle="数值", prompt="填写整数；没有发生填 0。")
    number = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="请填写数字",
                            error="这里只能填写不小于 0 的数字（数量，不是百分比）。",
                            showInputMessage=True, promptTitle="数值", prompt="填写数量；没有发生填 0。")
    for r, code in enumerate(codes, start=HEADER_ROW + 1):
        (whole if is_whole_unit(registry.fields[code].unit, registry) else number).add(f"{_letter('数值')}{r}")
    filed = DataValidation(type="date", operator="greaterThan", formula1="DATE(2020,1,1)", allow_blank=True,
                           showErrorMessage=True, errorTitle="请填写日期", error="请按 YYYY-MM-DD 填写填报日期。")
    filed.add(FILED_CELL)
    for dv in (whole, number):
        if dv.sqref:
            ws.add_data_validation(dv)
    ws.add_data_validation(filed)


def _tasks_sheet(tws, tasks: list, completed: dict | None, styles: _Styles) -> None:
    """The 任务完成情况 sheet (:data:`TEMPLATE_TASK_COLUMNS`): one row per milestone task with 完成日期, 佐证材料
    and a 完成情况 dropdown to fill, the 目标编号 last in grey; tasks reported complete before (``completed``,
    issue 14) prefilled and locked."""
    for head in TEMPLATE_TASK_COLUMNS:
        cell = tws.cell(row=1, column=task_column(head), value=head)
        cell.font, cell.fill = (styles.code_head if head == "目标编号" else styles.bold), styles.head_fill
    for r, t in enumerate(tasks, start=2):
        _task_row(tws, r, t, completed, styles)
    _tasks_validation(tws, max(len(tasks) + 1, 2))
    for name in TEMPLATE_TASK_COLUMNS:
        tws.column_dimensions[_letter(name, TASKS_SHEET)].width = TEMPLATE_TASK_WIDTHS[name]
    tws.freeze_panes = "A2"
    tws.protection.sheet = True
    _print_setup(tws, "1:1", landscape=True)


def _task_row(tws, r: int, t, completed: dict | None, styles: _Styles) -> None:
    """Row ``r`` of the 任务完成情况 sheet: section, task and deadline, the :data:`TASK_INPUTS` open for input
    (or, for a task reported complete before, prefilled and locked), the 目标编号 last in grey."""
    from openpyxl.styles import Alignment

    code = tws.cell(row=r, column=task_column("目标编号"), value=t.id)
    code.font = styles.code
    tws.cell(row=r, column=task_column("章节"), value=t.section)
    tws.cell(row=r, column=task_column("任务"), value=t.title).alignment = Alignment(wrap_text=True, vertical="top")
    tws.cell(row=r, column=task_column("完成时限"), value=t.deadline_text or "期限未明确")
    if completed and t.id in completed:  # issue 14: reported complete before: shown, locked
        from .supervision.answers import fill_completed_task

        fill_completed_task(tws, r, *completed[t.id])
        return
    for name in TASK_INPUTS:
        tws.cell(row=r, column=task_column(name)).protection = styles.unlocked
        tws.cell(row=r, column=task_column(name)).fill = styles.input_fill
    tws.cell(row=r, column=task_column("完成日期")).number_format = "yyyy-mm-dd"


def _tasks_validation(tws, end: int) -> None:
    """Data validation of the 任务完成情况 sheet down to row ``end``: a date as 完成日期, 完成情况 from the list."""
    from openpyxl.worksheet.datavalidation import DataValidation

    done = DataValidation(type="date", operator="greaterThan", formula1="DATE(2020,1,1)", allow_blank=True,
                          showErrorMessage=True, errorTitle="请填写日期", error="完成日期请按 YYYY-MM-DD 填写；未完成留空。")
    col = _letter("完成日期", TASKS_SHEET)
    done.add(f"{col}2:{col}{end}")
    state = DataValidation(type="list", formula1='"' + ",".join(TASK_STATES) + '"', allow_blank=True,
                           showErrorMessage=True, errorTitle="请从下拉列表选择", error="完成情况只能选：" + "、".join(TASK_STATES))
    col = _letter("完成情况", TASKS_SHEET)
    state.add(f"{col}2:{col}{end}")
    tws.add_data_validation(done)
    tws.add_data_validation(state)


def write_templates(registry: Registry, plan_id: str, period: str, out_dir: Path, unit: str | None = None,
                    store: Path | None = None, today=None) -> list[Path]:
    """Write one template per unit of ``plan_id`` (or only ``unit``: id, name or alias) into ``out_dir``.

    ``period`` may be at most the month after the current one (``today``, default the real date): offices send
    templates ahead, but a month further out is refused (:class:`ParameterError`) as ``run`` refuses it.
    With ``store`` (issue 14), each template carries the unit's open 督办事项 (整改情况 sheet) and its tasks
    already reported complete (prefilled, locked)."""
    from .source import latest_open_month

    last = latest_open_month(today, ahead=1)
    if period > last:
        raise ParameterError("--period", period, f"不晚于 {last} 的月份——统计月份 {period} 晚于当前月份 "
                             f"{latest_open_month(today)} 的次月，模板最多提前一个月生成")
    units = registry.unit_list(plan_id)
    if unit is not None:
        found = registry.find_unit(plan_id, unit)
        if found is None:
            raise ParameterError("--unit", unit, "本方案的单位：" + "、".join(u.name for u in units))
        units = (found,)
    if store is not None:  # issue 14
        from .supervision.answers import completed_tasks, open_items_for_template

        return [write_template(registry, plan_id, period, u, Path(out_dir) / f"{u.name}_{period}.xlsx",
                               sv_items=open_items_for_template(store, plan_id, u.id),
                               completed=completed_tasks(store, plan_id, u.id, period)) for u in units]
    return [write_template(registry, plan_id, period, u, Path(out_dir) / f"{u.name}_{period}.xlsx") for u in units]


def write_feedback(path: Path, error, file_name: str, sha256: str, received: str,
                   registry: Registry, plan_id: str | None) -> Path:
    """Write the 退回修改清单 of a rejected return (issue 14: :func:`taizhang.supervision.feedback.write_feedback`
    — local time, 重报截止日期, the office's contact, wrapped text, A4 print setup)."""
    from .supervision.feedback import write_feedback as _write

    return _write(path, error, file_name, sha256, received, registry, plan_id)


def _put(ws, row: int, col: int, value):
    """Write ``value`` to a cell; a text always as text (control characters escaped, never a formula)."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):  # set directly: openpyxl would read a leading "=" as a formula
        cell._value, cell.data_type = cell_text(value), "s"
    else:
        cell.value = value
    return cell


def _strings_only(wb) -> None:
    """Every text cell of ``wb`` stored as text: nothing we write is ever run as a formula."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str) and cell.data_type != "s"):
                    cell._value, cell.data_type = cell_text(str(cell.value)), "s"


def _save(wb, path: Path, normalize: bool = True) -> None:
    """Save atomically (temporary name, then rename); with ``normalize``, fixed timestamps for reproducible bytes."""
    _strings_only(wb)
    wb.properties.creator = "taizhang"
    wb.properties.created = datetime(2022, 1, 1)
    wb.properties.modified = datetime(2022, 1, 1)
    with atomic_path(path) as tmp:
        wb.save(tmp)
        if normalize:
            with zipfile.ZipFile(tmp) as zin:
                entries = [(i.filename, zin.read(i.filename)) for i in zin.infolist()]
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
                for name, data in entries:
                    if name == "docProps/core.xml":
                        data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                      rb"\g<1>2022-01-01T00:00:00Z\g<2>", data)
                    info = zipfile.ZipInfo(name, date_time=_FIXED_STAMP)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    zout.writestr(info, data)
