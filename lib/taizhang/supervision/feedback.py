"""The 退回修改清单: the notice a unit gets when its return is rejected, and its archiving once superseded.

:func:`write_feedback` writes one workbook per rejected file: the facts (file, plan, unit, month, the time
of rejection in the office's time zone), the 重报截止日期 (``resubmit_working_days`` working days after the
rejection, on the official calendar), the office's contact (``targets/office.yaml``, :mod:`.office`), one
wrapped row per problem (sheet, cell, what is wrong), set up to print on A4 (portrait, fit to width, the
header row repeated, page numbers). The file's SHA-256 is kept in one small provenance line at the foot.

:func:`archive_superseded` moves the 退回修改清单 of a unit and month into the ``已归档`` subfolder when a
corrected return of that unit and month is accepted (never deleted), and records the new place.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path

from ..targets import Registry
from .office import Office, load_office, warn_missing_contact

ARCHIVE_DIR = "已归档"
_HEAD = ("序号", "工作表", "单元格", "问题说明")
_WIDTHS = (13, 12, 9, 58)  # A holds the labels above the table and 序号 in it


def _rejected_day(received: str, office: Office) -> tuple[date, str]:
    try:
        local = office.local(received)
    except (TypeError, ValueError):  # a time the store did not write: shown as given, today's date
        return date.today(), str(received)
    return local.date(), local.strftime("%Y-%m-%d %H:%M")


def write_feedback(path: Path, error, file_name: str, sha256: str, received: str, registry: Registry,
                   plan_id: str | None, office: Office | None = None) -> Path:
    """Write the 退回修改清单 of a rejected return to ``path`` (atomically) and return it.

    ``error`` is the :class:`~taizhang.returns.Rejection` record (or anything with ``problems``, ``unit`` and
    ``period``); ``received`` the store's time of rejection (ISO 8601 with offset). ``office`` defaults to
    :func:`~.office.load_office`. Every text is written as text — a file name such as
    ``=cmd|' -C calc'!A0.xlsx`` is never a formula — with control characters shown as escapes.
    """
    from openpyxl import Workbook

    from ..template import _save

    office = office or load_office()
    warn_missing_contact(office)  # once per run, on stderr: the unit would get no number to call
    wb = Workbook()
    ws = wb.active
    ws.title = "退回修改清单"
    _title(ws)
    unit = getattr(error, "unit", None)
    unit_name = next((u.name for u in registry.unit_list(plan_id) if u.id == unit), unit) if plan_id and unit else unit
    row = 3
    for label, value, strong in _facts(error, file_name, received, registry, plan_id, office, unit_name):
        n_lines = max(1, len(str(value)) // 40 + 1)
        _fact_line(ws, row, label, value, bold_value=strong, height=15 * n_lines if n_lines > 1 else None)
        row += 1
    head = row + 1
    _problem_table(ws, head, error.problems)
    foot = head + len(error.problems) + 2
    _provenance(ws, foot, sha256)
    _print_setup(ws, head, foot)
    ws.oddHeader.right.text = f"{unit_name or ''} {getattr(error, 'period', None) or ''} 退回修改清单".strip()
    ws.freeze_panes = ws.cell(row=head + 1, column=1)
    _save(wb, Path(path), normalize=False)
    return Path(path)


def _title(ws) -> None:
    """The notice's title across the top row."""
    from openpyxl.styles import Alignment, Font

    ws["A1"] = "月度报表 退回修改清单"
    ws["A1"].font = Font(bold=True, size=15)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(_HEAD))
    ws.row_dimensions[1].height = 24


def _facts(error, file_name: str, received: str, registry: Registry, plan_id: str | None, office: Office,
           unit_name: str | None) -> list[tuple[str, object, bool]]:
    """(label, value, shown in red) of each fact above the table: the file, the time of rejection, the
    重报截止日期, the office's contact …"""
    day, when = _rejected_day(received, office)
    deadline = office.resubmit_deadline(day)
    due = f"{deadline.day.isoformat()}（退回后第 {office.resubmit_working_days} 个工作日）"
    if deadline.note:
        due += f"；{deadline.note}"
    contact = office.signature()  # 政务服务督查室，联系人 张某某，电话 0478-1234567
    return [
        ("报表文件", file_name, False),
        ("方案", f"{registry.plans[plan_id].document}（{plan_id}）" if plan_id in registry.plans else "无法确定", False),
        ("填报单位", unit_name or "无法确定", False), ("统计月份", getattr(error, "period", None) or "无法确定", False),
        ("退回时间", when, False),
        ("结论", f"整份报表退回，共 {len(error.problems)} 处问题；请逐条修改后以同一文件名重新报送", False),
        ("重报截止日期", due, True),
        ("联系办公室", contact, False),
    ]


def _fact_line(ws, row: int, label: str, value, *, bold_value: bool = False, height: float | None = None) -> None:
    """One fact: its label in column A, its value across the other columns."""
    from openpyxl.styles import Alignment, Font

    from ..template import _put

    wrap = Alignment(wrap_text=True, vertical="top")
    _put(ws, row, 1, label).font = Font(bold=True)
    ws.cell(row=row, column=1).alignment = wrap
    cell = _put(ws, row, 2, value)
    cell.alignment = wrap
    if bold_value:
        cell.font = Font(bold=True, color="C00000")
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=len(_HEAD))
    if height:
        ws.row_dimensions[row].height = height


def _problem_table(ws, head: int, problems) -> None:
    """The header row at row ``head`` and one boxed, wrapped row per problem below it."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    from ..template import _put

    wrap = Alignment(wrap_text=True, vertical="top")
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c, h in enumerate(_HEAD, start=1):
        cell = _put(ws, head, c, h)
        cell.font, cell.fill, cell.border = Font(bold=True), PatternFill("solid", fgColor="F4D6D6"), box
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for i, p in enumerate(problems, start=1):
        sheet, where = _location(p)
        r = head + i
        for c, v in enumerate((i, sheet, where, p.message), start=1):
            cell = _put(ws, r, c, v)
            cell.alignment, cell.border = (Alignment(horizontal="center", vertical="top") if c == 1 else wrap), box
        # rows tall enough for the wrapped message (Excel does not grow merged or wrapped rows by itself)
        ws.row_dimensions[r].height = 15 * max(1, -(-len(p.message) // 34))


def _provenance(ws, foot: int, sha256: str) -> None:
    """The file's SHA-256 in one small line at row ``foot``."""
    from openpyxl.styles import Font

    from ..template import _put

    prov = _put(ws, foot, 1, f"文件校验值（SHA-256，供办公室核对）：{sha256 or '（文件未读取）'}")
    prov.font = Font(size=8, color="808080")
    ws.merge_cells(start_row=foot, start_column=1, end_row=foot, end_column=len(_HEAD))


def _print_setup(ws, head: int, foot: int) -> None:
    """Column widths and print: A4 portrait, one page wide, the header row on every page, page numbers."""
    from openpyxl.worksheet.properties import PageSetupProperties

    last_col = len(_HEAD)
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[chr(64 + i)].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = f"{head}:{head}"
    ws.print_area = f"A1:{chr(64 + last_col)}{foot}"
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top, ws.page_margins.bottom = 0.7, 0.7
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _location(p) -> tuple[str, str]:
    loc = getattr(p, "location", None)
    if loc is not None:
        return loc.sheet, loc.cell or loc.row
    parts = [x.strip() for x in p.where.split(" / ")]  # a problem without a structured location
    sheet = parts[1] if len(parts) > 1 and not re.fullmatch(r"[A-Z]+\d+", parts[1]) else ""
    where = parts[-1] if len(parts) > 1 and re.fullmatch(r"[A-Z]+\d+|第\d+行", parts[-1]) else ""
    return sheet, where


def archive_superseded(con: sqlite3.Connection, plan: str, unit: str, period: str, path: Path) -> list[Path]:
    """Move into ``已归档/`` (beside them) the 退回修改清单 of the rejected returns of ``plan``, ``unit`` and
    ``period`` and of earlier rejections of the same file path, now that a corrected return was accepted;
    record the new place in the store. Never deletes; a name already in the archive gets a number. Returns
    the archived files."""
    rows = con.execute(
        "SELECT id, feedback FROM submissions WHERE outcome = 'rejected' AND feedback IS NOT NULL "
        "AND ((plan = ? AND unit = ? AND period = ?) OR path = ?)", (plan, unit, period, str(path))).fetchall()
    moved: list[Path] = []
    done: dict[str, str] = {}
    for sid, fb in rows:
        src = Path(fb)
        if src.parent.name == ARCHIVE_DIR:
            continue
        if str(src) in done:  # several rejections shared one workbook (rewritten each time)
            con.execute("UPDATE submissions SET feedback = ? WHERE id = ?", (done[str(src)], sid))
            continue
        if not src.is_file():
            continue
        dest_dir = src.parent / ARCHIVE_DIR
        dest_dir.mkdir(exist_ok=True)
        dest = dest_dir / src.name
        n = 1
        while dest.exists():
            n += 1
            dest = dest_dir / f"{src.stem}_{n}{src.suffix}"
        shutil.move(str(src), dest)
        done[str(src)] = str(dest)
        con.execute("UPDATE submissions SET feedback = ? WHERE id = ?", (str(dest), sid))
        moved.append(dest)
    return moved

