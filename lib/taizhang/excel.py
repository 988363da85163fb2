"""Excel output: the target catalogue export and the ledger workbook (总览, the working sheets 台账 / 与上月相比 /
督办台账 / 图例, one sheet per unit, 报表文件).

Written with XlsxWriter, which writes a district ledger in less than half the time openpyxl takes (it
streams cells with formats prepared once per workbook instead of hashing a style object per cell); the
returns and templates, which must also be *read*, stay with openpyxl.

Text that a return or the registry supplies is always written as text: a value starting with ``=``, ``+``,
``-`` or ``@`` is never stored as a formula (every string goes through ``write_string``).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from .atomic import atomic_write_bytes
from .returns.writer import excel_day

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
    """An XlsxWriter workbook built in memory and written atomically on :meth:`close` (never a partial
    file), with its cell formats created once and reused (:meth:`fmt`)."""

    def __init__(self, path) -> None:
        import xlsxwriter

        self.path = Path(path)
        self._buffer = io.BytesIO()
        # no automatic conversions: text stays text (no formulas, numbers or links made from strings)
        self.wb = xlsxwriter.Workbook(self._buffer, {
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
        self.wb.close()
        return atomic_write_bytes(self.path, self._buffer.getvalue())


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
    elif isinstance(value, datetime) or (isinstance(value, date) and value < _FIRST_SERIAL_DAY):
        ws.write_datetime(row, col, value, fmt or book.fmt(num_format=DATE_FORMAT))
    elif isinstance(value, date):  # a day is its serial number (what write_datetime stores, at a tenth the cost)
        ws.write_number(row, col, excel_day(value), fmt or book.fmt(num_format=DATE_FORMAT))
    else:
        ws.write_string(row, col, str(value), fmt)


_FIRST_SERIAL_DAY = date(1900, 3, 1)  # earlier days are written by write_datetime (:func:`excel_day`)


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
    """Write the target catalogue export (``taizhang targets export --format xlsx``): the columns of the CSV
    export under Chinese headers, the kind, comparison, level and recurrence codes as their labels."""
    from .targets import KIND_LABELS, LEVEL_LABELS, OP_LABELS, RECURRENCE_LABELS

    frame = frame.assign(
        kind=frame["kind"].map(lambda k: KIND_LABELS.get(k, k)), op=frame["op"].map(lambda o: OP_LABELS.get(o, o)),
        level=frame["level"].map(lambda v: "、".join(LEVEL_LABELS.get(x, x) for x in v.split(",") if x)),
        recurrence=frame["recurrence"].map(lambda r: RECURRENCE_LABELS.get(r, r)),
        ongoing=frame["ongoing"].map(lambda b: "是" if b else ""))
    book = Book(path)
    ws = book.wb.add_worksheet("目标清单")
    write_table(book, ws, frame_spec(frame, TARGET_HEADERS, widths={"quote": 60, "document": 30}))
    return book.close()


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique worksheet name (≤ 31 characters, none of []:*?/\\)."""
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
    top = book.fmt(valign="top")  # every cell of a row starts on its first line (rows grow for wrapped text)
    plain = [wrapped if col.wrap else top for col in cols]
    widths = [_width(spec, i, col) for i, col in zip(idx, cols)]
    wrap_at = [(i, widths[c]) for c, (i, col) in enumerate(zip(idx, cols)) if col.wrap]
    r = first_row
    for r, row in enumerate(spec.rows, start=first_row + 1):
        if wrap_at:
            n = max(_lines(row[i].text if row[i].value is AS_SHOWN else str(row[i].value or ""), w)
                    for i, w in wrap_at)
            if n > 1:  # Excel fits such rows when it opens the file; LibreOffice and printing need the height
                ws.set_row(r, ROW_HEIGHT * n)
        for c, i in enumerate(idx):
            cell = row[i]
            if cell.status:
                _, _, symbol, label = status_look(cell.status)
                ws.write_string(r, c, f"{symbol} {label}", status_format(book, cell.status, valign="top"))
                continue
            value = cell.text if cell.value is AS_SHOWN else cell.value
            fmt = book.fmt(num_format=cell.num_format, valign="top") if cell.num_format else plain[c]
            write_cell(book, ws, r, c, value, fmt)
    ws.freeze_panes(*(freeze or (first_row + 1, 0)))
    ws.autofilter(first_row, 0, max(r, first_row + 1) if spec.rows else first_row, len(cols) - 1)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    return r


#: characters drawn two columns wide: CJK, full-width forms and punctuation (East Asian Width W/F)
_WIDE = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f"
                   "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")
ROW_HEIGHT = 16  # points: one line of the default 11-point font (CJK fonts draw a little taller)
MAX_LINES = 20


def _width(spec, i: int, col) -> int:
    """A column's width: the spec's, else fitted to the header and the first 200 cells (at most 60)."""
    if col.width is not None:
        return col.width
    sample = [len(col.label)] + [len(row[i].text) for row in spec.rows[:200]]
    return min(max(sample) + 2, 60)


def _lines(text_: str, width: int) -> int:
    """How many lines ``text_`` takes wrapped in a column ``width`` characters wide (a CJK character is two
    characters wide), at most :data:`MAX_LINES`."""
    room = max(int(width * 0.9) - 1, 1)  # CJK glyphs are a little wider than two digits
    n = 0
    for part in str(text_).split("\n"):
        w = len(part) + len(_WIDE.findall(part))
        n += max(1, -(-w // room))
        if n >= MAX_LINES:
            return MAX_LINES
    return n


#: the working sheets' names (other outputs point at them: "见 Excel 台账 …")
OVERVIEW_SHEET = "总览"
LEDGER_SHEET = "台账"
CHANGES_SHEET = "与上月相比"
SUPERVISION_SHEET = "督办台账"
LEGEND_SHEET = "图例"
FILES_SHEET = "报表文件"
#: what each working sheet holds (the 总览's list of links)
#: the 台账 line of a unit's own workbook (one unit: nothing to filter by unit)
UNIT_LEDGER_NOTE = "本单位的目标与任务（可按状态筛选；含逾期天数、完成日期、佐证材料）"
SHEET_NOTES = {LEDGER_SHEET: "全部单位的目标与任务（可按单位、状态筛选；含逾期天数、完成日期、佐证材料）",
               CHANGES_SHEET: "与上月相比状态有变化的各项", SUPERVISION_SHEET: "督办事项（整改期限、进展、销号）",
               LEGEND_SHEET: "状态的颜色、符号与含义", FILES_SHEET: "本月判断所依据的报表文件（来源与校验值）"}
LINK_FORMAT = {"font_color": "#0563C1", "underline": 1}
A4 = 9  # XlsxWriter's paper code


def _header_text(text_: str) -> str:
    """``text_`` safe inside an Excel header/footer (``&`` starts a code) and within its 255 characters."""
    return text_.replace("&", "&&")[:200]


def print_setup(ws, title_rows: tuple[int, int] | None, header: str = "", print_area: tuple | None = None) -> None:
    """A4 landscape, fitted to one page wide (as many pages long as needed), ``title_rows`` (0-based first and
    last row) repeated on every page, gridlines printed, ``header`` left and the sheet's name right in the
    page header, "第 X 页 共 Y 页" in the footer; ``print_area`` (first row, first col, last row, last col)
    limits what prints."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    if title_rows is not None:
        ws.repeat_rows(*title_rows)
    ws.set_header(f"&L{_header_text(header)}&R&A", {"margin": 0.3})
    ws.set_footer("&C第 &P 页 共 &N 页", {"margin": 0.3})
    if print_area is not None:
        ws.print_area(*print_area)


def write_sheet(book: Book, ws, sheet, header: str = "") -> int:
    """Write a :class:`~taizhang.reports.sheets.Sheet`: its lines (the first bold), then its table through
    :func:`write_table` with the header row and the sheet's leading columns frozen, the print set up (title
    rows = the table's header) and the sheet's print columns. Returns the last row written."""
    if sheet.table is None:  # a sheet that only says why it is empty: the lines wrap on screen and on paper
        wrap = book.fmt(text_wrap=True, valign="top", bold=True, font_size=12)
        for r, line in enumerate(sheet.lines):
            ws.write_string(r, 0, line, wrap)
            ws.set_row(r, ROW_HEIGHT * 1.2 * _lines(line, 100))
        ws.set_column(0, 0, 100)
        print_setup(ws, None, header)
        return max(len(sheet.lines) - 1, 0)
    big = book.fmt(bold=True, font_size=12)
    note = book.fmt(text_wrap=True, valign="top")
    idx = sheet.table.xlsx_columns()[:sheet.print_cols or None]
    room = sum(_width(sheet.table, i, sheet.table.columns[i]) for i in idx)
    for r, line in enumerate(sheet.lines):
        if r == 0 or len(idx) < 2:
            ws.write_string(r, 0, line, big if r == 0 else None)
        else:  # a note wraps across the printed width of the table
            ws.merge_range(r, 0, r, len(idx) - 1, "", note)
            ws.write_string(r, 0, line, note)
            ws.set_row(r, ROW_HEIGHT * _lines(line, room))
    first = len(sheet.lines) + (1 if sheet.lines else 0)
    last = write_table(book, ws, sheet.table, first_row=first, freeze=(first + 1, sheet.freeze_cols))
    if not sheet.table.rows and sheet.table.empty:
        last = first + 1
        ws.write_string(last, 0, sheet.table.empty)
    cols = len(sheet.table.xlsx_columns())
    area = (0, 0, last, min(sheet.print_cols, cols) - 1) if sheet.print_cols else None
    print_setup(ws, (first, first), header, area)
    return last


def write_ledger_xlsx(ledger: pd.DataFrame, path: Path, meta: dict[str, str], files: pd.DataFrame | None = None,
                      *, period: str = "", previous: pd.DataFrame | None = None, previous_period: str = "",
                      tasks: pd.DataFrame | None = None, values: pd.DataFrame | None = None,
                      supervision=None, heading: str = "", changes: pd.DataFrame | None = None) -> Path:
    """The Excel ledger staff work in, written atomically:

    * 总览 — the report's facts, status counts per unit (each unit's name links to its sheet) and links to
      every working sheet;
    * 台账 — every unit's rows in one table (:func:`taizhang.reports.sheets.ledger_sheet`: a 单位 column the
      autofilter filters, 逾期天数, 完成日期, 佐证材料; by severity, unit, target) — ``tasks`` (the returns'
      task rows) give the evidence, ``values`` (the metric values) the month a target was first met;
    * 与上月相比 — the change list (:func:`taizhang.ledger.changes_table`) against ``previous`` (``changes``
      when the caller has computed it);
    * 督办台账 — ``supervision`` (a :class:`~taizhang.reports.sheets.Sheet` from
      :func:`~taizhang.reports.sheets.supervision_sheet`; None: a line saying none was given);
    * 图例 — the status table's labels, colours, symbols and meanings;
    * one sheet per unit — the unit's :func:`taizhang.ledger.ledger_spec` (all kinds), the same table spec
      the HTML ledger renders (not in a workbook of one unit, whose 台账 holds exactly those rows);
    * 报表文件 — ``files`` (the data files that fed the month, :func:`taizhang.provenance.fed_files`) with
      the list's digest; a workbook of one unit lists that unit's files (the digest is still of them all).

    Status cells carry the report's status colours and symbols; values and gaps are numbers, deadlines
    dates; every text from a return or the registry is written as text (no formula injection). Every sheet
    prints A4 landscape, one page wide, its header row repeated, with the plan and month in the page header
    and page numbers in the footer; the header row and the unit and target columns are frozen.

    Longer than 80 lines because the sheets are written in workbook order into the one book they share (its
    formats, the sheet names already used), and the 总览 written first links to the sheets after it, whose
    names are settled up front: split into parts, each part would take most of that state as parameters.
    """
    from .ledger import ledger_spec, unit_counts_spec
    from .reports.sheets import Sheet, changes_sheet, ledger_sheet, legend_sheet

    period = period or str(meta.get("统计月份", ""))
    header = " · ".join(str(meta[k]) for k in ("情景推演", "方案", "统计月份", "数据性质") if meta.get(k))
    book = Book(path)
    link = book.fmt(**LINK_FORMAT)
    bold = book.fmt(bold=True)
    used = {OVERVIEW_SHEET.lower()}
    ws = book.wb.add_worksheet(OVERVIEW_SHEET)
    sheets = {name: _sheet_name(name, used) for name in (LEDGER_SHEET, CHANGES_SHEET, SUPERVISION_SHEET,
                                                         LEGEND_SHEET)}
    r = 0
    for k, v in meta.items():
        ws.write_string(r, 0, str(k), bold)
        ws.write_string(r, 1, str(v))
        r += 1
    counts = unit_counts_spec(ledger)
    header_row = r + 1
    last = write_table(book, ws, counts, first_row=header_row, freeze=(header_row + 1, 1))
    ws.set_column(1, 1, 60)  # the report facts' values
    print_setup(ws, (header_row, header_row), header)

    kinds = tuple(dict.fromkeys(ledger["kind"]))
    applicable = ledger[ledger["status"] != "not_applicable"]
    units = list(dict.fromkeys(zip(applicable["unit"], applicable["unit_name"])))
    # a unit's own workbook (one unit) needs no unit sheet: 台账 holds exactly its rows, with more columns
    several = len({u for u, _ in units}) > 1
    unit_sheets = {pair: _sheet_name(str(pair[1]), used) for pair in units} if several else {}
    files_sheet = _sheet_name(FILES_SHEET, used) if files is not None else None
    # links: each unit's name in the counts to its sheet, then the list of working sheets
    by_name = {} if several else {str(name): sheets[LEDGER_SHEET] for _, name in units}
    for (_, name), sheet in unit_sheets.items():
        by_name.setdefault(str(name), sheet)
    for i, row in enumerate(counts.rows):
        name = str(row[0].value)
        if name in by_name:
            ws.write_url(header_row + 1 + i, 0, _internal(by_name[name]), link, name)
    r = last + 2
    ws.write_string(r, 0, "工作表（点击名称前往" + ("；各单位的工作表点击上表中的单位名称）" if several else "）"), bold)
    for key, name in list(sheets.items()) + ([(FILES_SHEET, files_sheet)] if files_sheet else []):
        r += 1
        ws.write_url(r, 0, _internal(name), link, name)
        note = SHEET_NOTES[key]
        ws.write_string(r, 1, UNIT_LEDGER_NOTE if key == LEDGER_SHEET and not several else note)

    full = ledger_spec(ledger, None, kinds=kinds)  # every applicable row once: the 台账 and the unit sheets
    # what the data is, on top of every working sheet as on the report's first page: the what-if and the
    # sample mark lead the sheet's first line; the 台账 also says the month's coverage
    marks = "".join(f"【{meta[k]}】" for k in ("情景推演", "数据性质") if meta.get(k))

    def marked(sheet, *extra: str):
        return replace(sheet, lines=(marks + sheet.lines[0], *extra, *sheet.lines[1:]))

    coverage = (f"报送情况：{meta['报送情况']}",) if meta.get("报送情况") else ()
    ws = book.wb.add_worksheet(sheets[LEDGER_SHEET])
    write_sheet(book, ws, marked(ledger_sheet(ledger, period, tasks=tasks, values=values, spec=full,
                                              heading=heading or str(meta.get("方案", ""))), *coverage), header)
    ws = book.wb.add_worksheet(sheets[CHANGES_SHEET])
    write_sheet(book, ws, marked(changes_sheet(ledger, previous, previous_period or "上月", frame=changes)), header)
    ws = book.wb.add_worksheet(sheets[SUPERVISION_SHEET])
    write_sheet(book, ws, marked(supervision if supervision is not None else
                                 Sheet(("本工作簿未载入督办数据（督办事项见 taizhang supervise list）。",))), header)
    ws = book.wb.add_worksheet(sheets[LEGEND_SHEET])
    write_sheet(book, ws, legend_sheet(), header)

    positions: dict[str, list[int]] = {}
    for i, unit in enumerate(applicable["unit"]):
        positions.setdefault(unit, []).append(i)
    for (unit, name), sheet in unit_sheets.items():
        ws = book.wb.add_worksheet(sheet)
        spec = replace(full, rows=tuple(full.rows[i] for i in positions[unit]))  # = ledger_spec(ledger, unit)
        title = [c.key for c in spec.columns if c.xlsx].index("title")
        write_table(book, ws, spec, freeze=(1, title + 1))  # the target stays in view
        print_setup(ws, (0, 0), f"{header} · {name}")
    if files is not None:
        from .provenance import files_digest

        ws = book.wb.add_worksheet(files_sheet)
        digest = files_digest(files)  # of every file that fed the month: the rankings and charts read them all
        if several or "unit" not in files.columns or not units:
            ws.write_string(0, 0, f"本月判断所依据的报表文件 {len(files)} 份；清单摘要（SHA-256）：{digest}", bold)
        else:  # a unit's own workbook lists the unit's files; the digest still names the whole month's data
            (unit, name), = units
            own = files[files["unit"].astype(str) == str(unit)]
            ws.write_string(0, 0, f"{name}的报表文件 {len(own)} 份（本月判断所依据的全部报表文件 {len(files)} 份，"
                                  f"清单摘要（SHA-256）：{digest}）", bold)
            files = own
        headers = {"file": "文件", "unit": "单位", "period": "月份", "sha256": "SHA-256", "revision": "版本",
                   "received": "接收时间"}
        cols = [c for c in headers if c in files.columns]
        names = dict(zip(ledger["unit"], ledger["unit_name"]))  # 单位 as the report names it, not its code
        for c, key in enumerate(cols):
            ws.write_string(2, c, headers[key], bold)
            for r, v in enumerate(files[key], start=3):
                v = names.get(v, v) if key == "unit" else v
                write_cell(book, ws, r, c, None if pd.isna(v) else (str(v) if key != "revision" else int(v)))
        ws.set_column(0, 0, 40)
        ws.set_column(cols.index("sha256"), cols.index("sha256"), 66)
        ws.freeze_panes(3, 1)
        print_setup(ws, (2, 2), header)
    return book.close()


def _internal(sheet: str) -> str:
    """An internal link to cell A1 of ``sheet``."""
    return "internal:'" + sheet.replace("'", "''") + "'!A1"
