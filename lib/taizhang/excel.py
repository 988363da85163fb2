"""Excel output: the target catalogue export and the ledger workbook (overview + one sheet per unit).

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


def save_workbook(wb, path) -> Path:
    """Save an openpyxl workbook atomically: written to a temporary name, then renamed (never a partial file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        wb.save(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


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
    return save_workbook(wb, path)


LEDGER_HEADERS = {
    "section": "章节", "kind_label": "类别", "title": "目标", "quote": "方案原文", "deadline_text": "期限（原文）",
    "deadline": "评估期限", "deadline_note": "期限说明", "value": "最新值", "measure": "计量单位",
    "value_period": "数据月份", "op_label": "比较", "threshold": "目标值", "gap": "差距",
    "threshold_label": "目标值说明", "status_label": "状态", "reason": "说明", "lead": "牵头单位",
    "target_id": "目标编号",
}
_LEDGER_WIDTHS = {"section": 12, "kind_label": 10, "title": 28, "quote": 60, "deadline_text": 22, "deadline": 12,
                  "deadline_note": 16, "value": 10, "measure": 9, "value_period": 16, "op_label": 6, "threshold": 9,
                  "gap": 10, "threshold_label": 18, "status_label": 12, "reason": 48, "lead": 20, "target_id": 30}
#: number formats of the ledger's numeric and date columns
_LEDGER_FORMATS = {"deadline": "yyyy-mm-dd"}


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique worksheet name (≤ 31 characters, none of []:*?/\\)."""
    import re

    base = re.sub(r"[\[\]:*?/\\']", "_", name).strip() or "单位"
    base = base[:28]
    out, k = base, 2
    while out.lower() in used:
        out = f"{base[:26]}_{k}"
        k += 1
    used.add(out.lower())
    return out


def _as_date(d):
    """A deadline as a ``datetime.date`` (None when there is none), so Excel stores a real date."""
    from datetime import date, datetime

    if d is None or (not isinstance(d, (date, datetime)) and pd.isna(d)):
        return None
    if isinstance(d, pd.Timestamp):
        return d.date()
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    try:
        return date.fromisoformat(str(d)[:10])
    except ValueError:
        return None


def ledger_rows(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger columns the Excel workbook shows, applicable rows only.

    Numbers stay numbers (最新值, 目标值, 差距), the deadline is a date; the comparison (≥/≤) and the
    measure (%, 名, 项 …) have their own columns, and the plan's wording of the target stays beside them.
    """
    from .ledger import status_label
    from .targets import KIND_LABELS, OP_LABELS

    a = ledger[ledger["status"] != "not_applicable"].copy()
    a["kind_label"] = a["kind"].map(KIND_LABELS)
    a["status_label"] = a["status"].map(status_label)
    a["deadline"] = pd.Series([_as_date(d) for d in a["deadline"]], index=a.index, dtype=object)
    a["op_label"] = a["op"].map(lambda o: OP_LABELS.get(o, "") if isinstance(o, str) else "")
    a["measure"] = a["target_unit"].fillna("")
    a["threshold"] = pd.to_numeric(a["threshold"], errors="coerce")
    notes = []
    for r in a.itertuples(index=False):
        n = []
        if "；" in str(r.deadline_text):
            n.append("两个期限，按较早者评估")
        if getattr(r, "deadline_assumed", False) is True:
            n.append("假定期限")
        notes.append("；".join(n))
    a["deadline_note"] = notes
    a["value"] = pd.to_numeric(a["value"], errors="coerce").round(2)
    a["gap"] = pd.to_numeric(a["gap"], errors="coerce").round(2)
    return a


def write_ledger_xlsx(ledger: pd.DataFrame, path: Path, meta: dict[str, str]) -> Path:
    """The Excel ledger: an overview sheet (report facts + status counts per unit) and one sheet per unit.

    Status cells carry the report's status colours (:data:`taizhang.ledger.STATUS_STYLES`); each sheet has a
    frozen header, an autofilter and set column widths; values and gaps are numbers; every text from a
    return or the registry is written as text (no formula injection). Written atomically.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from .ledger import STATUS_ORDER, status_label, status_style

    rows = ledger_rows(ledger)
    cols = list(LEDGER_HEADERS)
    wb = Workbook()
    ws = wb.active
    ws.title = "总览"
    r = 1
    for k, v in meta.items():
        set_text_safe(ws.cell(row=r, column=1), k)
        ws.cell(row=r, column=1).font = Font(bold=True)
        set_text_safe(ws.cell(row=r, column=2), str(v))
        r += 1
    r += 1
    present = [c for c in STATUS_ORDER if c in set(rows["status"])]
    header_row = r
    for c, text in enumerate(["单位"] + [status_label(s) for s in present] + ["合计"], start=1):
        cell = ws.cell(row=r, column=c)
        set_text_safe(cell, text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        if 1 < c <= len(present) + 1:
            st = status_style(present[c - 2])
            cell.fill = PatternFill("solid", fgColor=st.background.lstrip("#").upper())
            cell.font = Font(bold=True, color=st.color.lstrip("#").upper())
    counts = rows.pivot_table(index="unit_name", columns="status", values="target_id", aggfunc="count", fill_value=0)
    for unit_name in dict.fromkeys(rows["unit_name"]):
        r += 1
        set_text_safe(ws.cell(row=r, column=1), unit_name)
        total = 0
        for c, s in enumerate(present, start=2):
            n = int(counts.loc[unit_name, s]) if s in counts.columns else 0
            ws.cell(row=r, column=c, value=n)
            total += n
        ws.cell(row=r, column=len(present) + 2, value=total)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 60
    from openpyxl.utils import get_column_letter

    for c in range(3, len(present) + 3):
        ws.column_dimensions[get_column_letter(c)].width = 12
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(present) + 2)}{max(r, header_row + 1)}"

    used = {"总览"}
    status_col = cols.index("status_label") + 1
    for unit in dict.fromkeys(rows["unit"]):
        part = rows[rows["unit"] == unit]
        ws = wb.create_sheet(_sheet_name(str(part["unit_name"].iloc[0]), used))
        write_frame_sheet(ws, part[cols].reset_index(drop=True), LEDGER_HEADERS, widths=_LEDGER_WIDTHS)
        for name, fmt in _LEDGER_FORMATS.items():
            c = cols.index(name) + 1
            for i in range(2, len(part) + 2):
                ws.cell(row=i, column=c).number_format = fmt
        for i, code in enumerate(part["status"], start=2):
            st = status_style(code)
            cell = ws.cell(row=i, column=status_col)
            cell.fill = PatternFill("solid", fgColor=st.background.lstrip("#").upper())
            cell.font = Font(color=st.color.lstrip("#").upper(), bold=True)
            set_text_safe(cell, f"{st.symbol} {status_label(code)}")
        for i in range(2, len(part) + 2):
            for c in (cols.index("quote") + 1, cols.index("reason") + 1, cols.index("title") + 1):
                ws.cell(row=i, column=c).alignment = Alignment(wrap_text=True, vertical="top")
    return save_workbook(wb, path)
