"""Excel output: the target catalogue export and the ledger workbook (overview + one sheet per unit).

Written with XlsxWriter, which writes a district ledger in less than half the time openpyxl takes (it
streams cells with formats prepared once per workbook instead of hashing a style object per cell); the
returns and templates, which must also be *read*, stay with openpyxl.

Text that a return or the registry supplies is always written as text: a value starting with ``=``, ``+``,
``-`` or ``@`` is never stored as a formula (every string goes through ``write_string``).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import pandas as pd

HEADER_FORMAT = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "pattern": 1, "valign": "vcenter",
                 "text_wrap": True}
DATE_FORMAT = "yyyy-mm-dd"

TARGET_HEADERS = {
    "target_id": "目标编号", "plan": "方案", "document": "文件", "issuer": "发文单位", "section": "章节",
    "kind": "类别", "metric": "指标", "op": "比较", "value": "目标值", "unit": "单位", "level": "层级",
    "deadline": "期限", "deadline_text": "期限原文", "ongoing": "持续推进", "recurrence": "周期", "quote": "原文摘录",
    "title": "目标", "upper": "参考上限", "deadline_dates": "全部期限", "lead": "牵头单位",
    "responsible": "责任单位", "conflicts_with": "相互矛盾的条目", "note": "备注",
}


class Book:
    """An XlsxWriter workbook written to a temporary file and renamed into place on :meth:`close` (never a
    partial file), with its cell formats created once and reused (:meth:`fmt`)."""

    def __init__(self, path) -> None:
        import xlsxwriter

        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.tmp")
        # no automatic conversions: text stays text (no formulas, numbers or links made from strings)
        self.wb = xlsxwriter.Workbook(str(self._tmp), {
            "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "nan_inf_to_errors": True, "in_memory": True})
        self._formats: dict = {}

    def fmt(self, **props):
        """The workbook's format with ``props`` (XlsxWriter format properties), created on first use."""
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props) if props else None
        return self._formats[key]

    def close(self) -> Path:
        try:
            self.wb.close()
            self._tmp.replace(self.path)
        finally:
            self._tmp.unlink(missing_ok=True)
        return self.path


def write_cell(book: Book, ws, row: int, col: int, value, fmt=None) -> None:
    """Write ``value`` at (``row``, ``col``) (0-based) by its type: strings always as text, numbers as numbers,
    dates as dates (``yyyy-mm-dd`` unless ``fmt`` says otherwise), missing values as empty cells."""
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, (date, datetime)):
        ws.write_datetime(row, col, value, fmt or book.fmt(num_format=DATE_FORMAT))
    else:
        ws.write_string(row, col, str(value), fmt)


def write_frame_sheet(book: Book, ws, frame: pd.DataFrame, headers: dict[str, str] | None = None,
                      widths: dict[str, int] | None = None, formats: dict | None = None,
                      cell_formats: dict[str, list] | None = None) -> None:
    """Write ``frame`` to a worksheet: bold frozen header, autofilter, column widths, numbers as numbers.

    ``formats`` maps a column to the format of all its cells, ``cell_formats`` a column to one format per row.
    """
    headers, widths, formats, cell_formats = headers or {}, widths or {}, formats or {}, cell_formats or {}
    cols = list(frame.columns)
    head = book.fmt(**HEADER_FORMAT)
    for c, name in enumerate(cols):
        ws.write_string(0, c, str(headers.get(name, name)), head)
    col_fmt = [formats.get(name) for name in cols]
    per_row = [cell_formats.get(name) for name in cols]
    for r, row in enumerate(frame.to_numpy(dtype=object).tolist() if len(frame) else [], start=1):
        for c, value in enumerate(row):
            fmt = per_row[c][r - 1] if per_row[c] is not None else col_fmt[c]
            write_cell(book, ws, r, c, value, fmt)
    ws.freeze_panes(1, 0)
    if len(frame):
        ws.autofilter(0, 0, len(frame), len(cols) - 1)
    for c, name in enumerate(cols):
        width = widths.get(name)
        if width is None:
            sample = [len(str(headers.get(name, name)))] + [len(str(v)) for v in frame[name].head(200)]
            width = min(max(sample) + 2, 60)
        ws.set_column(c, c, width)


def write_targets_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """Write the target catalogue export (``taizhang targets export --format xlsx``)."""
    book = Book(path)
    ws = book.wb.add_worksheet("目标清单")
    write_frame_sheet(book, ws, frame, TARGET_HEADERS, widths={"quote": 60, "document": 30})
    return book.close()


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
#: columns whose text wraps (top-aligned) in the unit sheets
_LEDGER_WRAPPED = ("title", "quote", "reason")


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
    assumed = a["deadline_assumed"].tolist() if "deadline_assumed" in a else [False] * len(a)
    notes = []
    for text, is_assumed in zip(a["deadline_text"].tolist(), assumed):
        n = []
        if "；" in str(text):
            n.append("两个期限，按较早者评估")
        if is_assumed is True:
            n.append("假定期限")
        notes.append("；".join(n))
    a["deadline_note"] = notes
    a["value"] = pd.to_numeric(a["value"], errors="coerce").round(2)
    a["gap"] = pd.to_numeric(a["gap"], errors="coerce").round(2)
    return a


def write_ledger_xlsx(ledger: pd.DataFrame, path: Path, meta: dict[str, str]) -> Path:
    """The Excel ledger: an overview sheet (report facts + status counts per unit) and one sheet per unit.

    Status cells carry the report's status colours (:data:`taizhang.ledger.STATUS_STYLES`) and symbol; each
    sheet has a frozen header, an autofilter and set column widths; values and gaps are numbers, deadlines
    dates; every text from a return or the registry is written as text (no formula injection). Written
    atomically.
    """
    from .ledger import STATUS_ORDER, status_label, status_style

    rows = ledger_rows(ledger)
    cols = list(LEDGER_HEADERS)
    book = Book(path)

    def status_fmt(code: str, **extra):
        st = status_style(code)
        return book.fmt(bg_color=st.background.upper(), pattern=1, font_color=st.color.upper(), bold=True, **extra)

    ws = book.wb.add_worksheet("总览")
    bold = book.fmt(bold=True)
    r = 0
    for k, v in meta.items():
        ws.write_string(r, 0, str(k), bold)
        ws.write_string(r, 1, str(v))
        r += 1
    r += 1
    present = [c for c in STATUS_ORDER if c in set(rows["status"])]
    header_row = r
    head = book.fmt(**HEADER_FORMAT)
    for c, text in enumerate(["单位"] + [status_label(s) for s in present] + ["合计"]):
        fmt = status_fmt(present[c - 1], valign="vcenter", text_wrap=True) if 0 < c <= len(present) else head
        ws.write_string(r, c, text, fmt)
    counts = rows.pivot_table(index="unit_name", columns="status", values="target_id", aggfunc="count", fill_value=0)
    for unit_name in dict.fromkeys(rows["unit_name"]):
        r += 1
        ws.write_string(r, 0, str(unit_name))
        total = 0
        for c, s in enumerate(present, start=1):
            n = int(counts.loc[unit_name, s]) if s in counts.columns else 0
            ws.write_number(r, c, n)
            total += n
        ws.write_number(r, len(present) + 1, total)
    ws.freeze_panes(header_row + 1, 1)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 60)
    if len(present) > 1:
        ws.set_column(2, len(present) + 1, 12)
    ws.autofilter(header_row, 0, max(r, header_row + 1), len(present) + 1)

    used = {"总览"}
    wrapped = book.fmt(text_wrap=True, valign="top")
    for unit in dict.fromkeys(rows["unit"]):
        part = rows[rows["unit"] == unit]
        ws = book.wb.add_worksheet(_sheet_name(str(part["unit_name"].iloc[0]), used))
        table = part[cols].reset_index(drop=True)
        table["status_label"] = [f"{status_style(code).symbol} {status_label(code)}" for code in part["status"]]
        write_frame_sheet(book, ws, table, LEDGER_HEADERS, widths=_LEDGER_WIDTHS,
                          formats={**{c: wrapped for c in _LEDGER_WRAPPED}, "deadline": book.fmt(num_format=DATE_FORMAT)},
                          cell_formats={"status_label": [status_fmt(code) for code in part["status"]]})
    return book.close()
