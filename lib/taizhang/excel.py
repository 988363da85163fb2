"""Excel output: the target catalogue export (and, later, the ledger workbook).

Text that a return or the registry supplies is always written as text: a value starting with ``=``, ``+``,
``-`` or ``@`` is never stored as a formula.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@")

TARGET_HEADERS = {
    "target_id": "目标编号", "plan": "方案", "document": "文件", "issuer": "发文单位", "section": "章节",
    "kind": "类别", "metric": "指标", "op": "比较", "value": "目标值", "unit": "单位", "level": "层级",
    "deadline": "期限", "deadline_text": "期限原文", "ongoing": "持续推进", "recurrence": "周期", "quote": "原文摘录",
    "title": "目标", "upper": "参考上限", "deadline_dates": "全部期限", "lead": "牵头单位",
    "responsible": "责任单位", "conflicts_with": "相互矛盾的条目", "note": "备注",
}


def set_text_safe(cell, value) -> None:
    """Write ``value`` to an openpyxl cell; strings are always stored as text, never as formulas."""
    if isinstance(value, str):
        cell.value = value
        if value.startswith(_FORMULA_START):
            cell.data_type = "s"
    elif value is None or (isinstance(value, float) and pd.isna(value)):
        cell.value = None
    else:
        cell.value = value


def write_frame_sheet(ws, frame: pd.DataFrame, headers: dict[str, str] | None = None,
                      widths: dict[str, int] | None = None) -> None:
    """Write ``frame`` to a worksheet: bold frozen header, autofilter, column widths, numbers as numbers."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    headers = headers or {}
    cols = list(frame.columns)
    for c, name in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=c)
        set_text_safe(cell, headers.get(name, name))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for r, row in enumerate(frame.itertuples(index=False), start=2):
        for c, value in enumerate(row, start=1):
            if hasattr(value, "item") and not isinstance(value, str):
                value = value.item()
            set_text_safe(ws.cell(row=r, column=c), value)
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(frame) + 1}"
    for c, name in enumerate(cols, start=1):
        width = (widths or {}).get(name)
        if width is None:
            sample = [len(str(headers.get(name, name)))] + [len(str(v)) for v in frame[name].head(200)]
            width = min(max(sample) + 2, 60)
        ws.column_dimensions[get_column_letter(c)].width = width


def write_targets_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """Write the target catalogue export (``taizhang targets export --format xlsx``)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "目标清单"
    write_frame_sheet(ws, frame, TARGET_HEADERS, widths={"quote": 60, "document": 30})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
