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

    For workbooks outside the reports (a frame with per-cell XlsxWriter formats); the reports' tables go
    through :func:`write_table` from their :class:`~taizhang.reports.blocks.TableSpec`.

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


def frame_spec(frame: pd.DataFrame, headers: dict[str, str] | None = None, widths: dict[str, int] | None = None):
    """A :class:`~taizhang.reports.blocks.TableSpec` of a plain frame: one column per frame column (Chinese
    ``headers``), each cell its raw value, widths given or fitted to the first 200 values."""
    from .reports.blocks import Cell, Column, TableSpec, Text

    headers, widths = headers or {}, widths or {}
    cols = []
    for name in frame.columns:
        width = widths.get(name)
        if width is None:
            sample = [len(str(headers.get(name, name)))] + [len(str(v)) for v in frame[name].head(200)]
            width = min(max(sample) + 2, 60)
        cols.append(Column(str(name), str(headers.get(name, name)), html=False, width=width))
    rows = tuple(tuple(Cell((Text(str(v)),), v) for v in row) for row in frame.to_numpy(dtype=object).tolist())
    return TableSpec(tuple(cols), rows)


def write_targets_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """Write the target catalogue export (``taizhang targets export --format xlsx``)."""
    book = Book(path)
    ws = book.wb.add_worksheet("目标清单")
    write_table(book, ws, frame_spec(frame, TARGET_HEADERS, widths={"quote": 60, "document": 30}))
    return book.close()


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


def status_format(book: Book, code: str, **extra):
    """The format of a cell showing status ``code``: the status table's colour and ink, bold."""
    from .reports.html import status_look

    background, ink, _, _ = status_look(code)
    return book.fmt(bg_color=background.upper(), pattern=1, font_color=ink.upper(), bold=True, **extra)


def write_table(book: Book, ws, spec, first_row: int = 0, freeze: tuple[int, int] | None = None) -> int:
    """Write a :class:`~taizhang.reports.blocks.TableSpec` to ``ws`` from ``first_row`` (0-based): the Excel
    columns of the spec, a bold header (a status column's header in its status colours), one row per spec row.

    A cell's raw value is written by its type (numbers as numbers, dates as dates, text always as text); a
    status cell as "symbol label" on the status colour; wrapped columns wrap, top-aligned. Freezes the panes
    below the header (``freeze`` overrides), sets an autofilter and the column widths (the spec's, else from
    the content). Returns the last row written.
    """
    from .reports.blocks import AS_SHOWN
    from .reports.html import status_look

    idx = spec.xlsx_columns()
    cols = [spec.columns[i] for i in idx]
    head = book.fmt(**HEADER_FORMAT)
    for c, col in enumerate(cols):
        fmt = status_format(book, col.status, valign="vcenter", text_wrap=True) if col.status else head
        ws.write_string(first_row, c, col.label, fmt)
    wrapped = book.fmt(text_wrap=True, valign="top")
    plain = [wrapped if col.wrap else None for col in cols]
    r = first_row
    for r, row in enumerate(spec.rows, start=first_row + 1):
        for c, i in enumerate(idx):
            cell = row[i]
            if cell.status:
                _, _, symbol, label = status_look(cell.status)
                ws.write_string(r, c, f"{symbol} {label}", status_format(book, cell.status))
                continue
            value = cell.text if cell.value is AS_SHOWN else cell.value
            fmt = book.fmt(num_format=cell.num_format) if cell.num_format else plain[c]
            write_cell(book, ws, r, c, value, fmt)
    ws.freeze_panes(*(freeze or (first_row + 1, 0)))
    ws.autofilter(first_row, 0, max(r, first_row + 1) if spec.rows else first_row, len(cols) - 1)
    for c, (i, col) in enumerate(zip(idx, cols)):
        width = col.width
        if width is None:
            sample = [len(col.label)] + [len(row[i].text) for row in spec.rows[:200]]
            width = min(max(sample) + 2, 60)
        ws.set_column(c, c, width)
    return r


def write_ledger_xlsx(ledger: pd.DataFrame, path: Path, meta: dict[str, str], files: pd.DataFrame | None = None
                      ) -> Path:
    """The Excel ledger: an overview sheet (report facts + status counts per unit) and one sheet per unit.

    Each unit sheet is the unit's :func:`taizhang.ledger.ledger_spec` (all kinds) — the same table spec the
    HTML ledger renders — with status cells in the report's status colours and symbols, a frozen header, an
    autofilter and set column widths; values and gaps are numbers, deadlines dates; every text from a return
    or the registry is written as text (no formula injection). ``files`` (the data files that fed the month,
    :func:`taizhang.provenance.fed_files`) becomes the last sheet, 报表文件, with the list's digest above it.
    Written atomically.
    """
    from .ledger import ledger_spec, unit_counts_spec

    book = Book(path)
    ws = book.wb.add_worksheet("总览")
    bold = book.fmt(bold=True)
    r = 0
    for k, v in meta.items():
        ws.write_string(r, 0, str(k), bold)
        ws.write_string(r, 1, str(v))
        r += 1
    counts = unit_counts_spec(ledger)
    header_row = r + 1
    write_table(book, ws, counts, first_row=header_row, freeze=(header_row + 1, 1))
    ws.set_column(1, 1, 60)  # the report facts' values
    used = {"总览"}
    kinds = tuple(dict.fromkeys(ledger["kind"]))
    applicable = ledger[ledger["status"] != "not_applicable"]
    for unit, name in dict.fromkeys(zip(applicable["unit"], applicable["unit_name"])):
        ws = book.wb.add_worksheet(_sheet_name(str(name), used))
        write_table(book, ws, ledger_spec(ledger, unit, kinds=kinds))
    if files is not None:
        from .provenance import files_digest

        ws = book.wb.add_worksheet(_sheet_name("报表文件", used))
        ws.write_string(0, 0, f"本月判断所依据的报表文件 {len(files)} 份；清单摘要（SHA-256）：{files_digest(files)}", bold)
        headers = {"file": "文件", "unit": "单位", "period": "月份", "sha256": "SHA-256", "revision": "版本",
                   "received": "接收时间"}
        cols = [c for c in headers if c in files.columns]
        for c, key in enumerate(cols):
            ws.write_string(2, c, headers[key], bold)
            for r, v in enumerate(files[key], start=3):
                write_cell(book, ws, r, c, None if pd.isna(v) else (str(v) if key != "revision" else int(v)))
        ws.set_column(0, 0, 40)
        ws.set_column(cols.index("sha256"), cols.index("sha256"), 66)
    return book.close()
