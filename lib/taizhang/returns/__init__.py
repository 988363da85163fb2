"""Monthly returns (月度报表): the workbook format, reading it safely, validating it, writing it.

Format (documented for districts in ``inputs/README.md``): one workbook per unit per month, named
``<单位>_<YYYY-MM>.xlsx`` (``.xlsm`` and ``.csv`` are accepted too).

* sheet ``指标``: A1 title; B2 填报单位, B3 统计月份 (YYYY-MM), E2 方案编号, E3 填报日期; row 5 the column
  headers :data:`METRIC_COLUMNS` (字段代码, 指标项, 单位, 数值, 备注) in any order — the template
  (:data:`taizhang.template.TEMPLATE_COLUMNS`) has 指标项 / 单位 / 数值 / 备注 / 字段代码, earlier templates
  and :func:`write_return` 字段代码 first; from row 6 one row per field. The header cells are found by
  their labels, so a CSV or a hand-made sheet with the same labels elsewhere reads the same. Only raw
  counts are typed — a rate is always computed from its numerator and denominator fields, never typed.
* sheet ``任务完成情况`` (optional): header row 1 with :data:`TASK_COLUMNS` (目标编号, 章节, 任务, 完成时限,
  完成日期, 佐证材料 and, optional, 完成情况) in any order — the template
  (:data:`taizhang.template.TEMPLATE_TASK_COLUMNS`) has 章节 / 任务 / 完成时限 / 完成日期 / 佐证材料 / 完成情况 /
  目标编号, earlier templates and :func:`write_return` 目标编号 first; one row per milestone task from row 2.
  Columns are found by their headers (:func:`.validate.task_header`), so a problem names the cell where it is
  in either layout.

Modules, one concern each:

* :mod:`.reader` — opening a file without trusting it (bounded time and memory: path type, size, zip
  streaming with real inflated sizes, DTD scan, sheet extent before any grid), CSV;
* :mod:`.cells` — what a cell means (numbers, counts, percentages, dates, months);
* :mod:`.codes` — the problem codes and their Chinese messages;
* :mod:`.validate` — every problem of a return at once, then accept or reject the whole file; folders;
* :mod:`.model` — :class:`MonthlyReturn`, :class:`Rejection` (a record), :class:`ReturnRejected`, :class:`ReturnSet`;
* :mod:`.writer` — the reproducible workbook the sample generator and tests write.
"""

from .cells import (DUE_DAY, PERIOD_RE, check_period, col_letter, due_date, excel_number,
                    is_whole_unit, parse_count, parse_percent, period_end)
from .codes import MESSAGES as PROBLEM_MESSAGES
from .codes import category as problem_category
from .model import MonthlyReturn, Rejection, ReturnRejected, ReturnSet
from .reader import (MAX_COLS, MAX_COMPRESSION_RATIO, MAX_FILE_BYTES, MAX_PART_BYTES, MAX_ROWS,
                     MAX_UNCOMPRESSED_BYTES, MAX_ZIP_MEMBERS, METRICS_SHEET, OTHER_FORMATS, RETURN_SUFFIXES,
                     TASKS_SHEET, ANSWERS_SHEET, Grid, open_grid, read_bytes)
from .validate import (FILE_RE, FILED_CELL, HEADER_ROW, LABELS, METRIC_COLUMNS, NAME_RE, PERIOD_CELL, PLAN_CELL,
                       RETURN_FORMATS_TEXT, TASK_COLUMNS, TASK_STATES, UNIT_CELL, detect_plan, find_return_files,
                       guess_from_name, load_returns, plan_label, read_return, returnset_from, scan_paths, skip_reason,
                       unexpected, unit_label)
from .writer import write_return, xlsx_bytes

__all__ = [
    "ANSWERS_SHEET",
    "DUE_DAY", "FILED_CELL", "FILE_RE", "HEADER_ROW", "LABELS", "MAX_COLS", "MAX_COMPRESSION_RATIO", "MAX_FILE_BYTES",
    "MAX_PART_BYTES", "MAX_ROWS", "MAX_UNCOMPRESSED_BYTES", "MAX_ZIP_MEMBERS", "METRICS_SHEET", "METRIC_COLUMNS",
    "NAME_RE", "OTHER_FORMATS", "PERIOD_CELL", "PERIOD_RE", "PLAN_CELL", "PROBLEM_MESSAGES", "RETURN_FORMATS_TEXT",
    "RETURN_SUFFIXES",
    "TASKS_SHEET", "TASK_COLUMNS", "TASK_STATES", "UNIT_CELL", "Grid", "MonthlyReturn", "Rejection",
    "ReturnRejected", "ReturnSet", "check_period", "col_letter", "detect_plan", "due_date", "excel_number",
    "find_return_files", "guess_from_name", "is_whole_unit", "load_returns", "open_grid", "parse_count",
    "parse_percent", "period_end", "plan_label", "problem_category", "read_bytes", "read_return", "returnset_from",
    "scan_paths", "skip_reason", "unexpected", "unit_label", "write_return", "xlsx_bytes",
]
