"""Writing returns: the documented layout as a small, reproducible .xlsx (sample generator, tests, benchmarks).

Every text is written as an inline string (never a formula) with control characters that XML cannot hold
escaped the OOXML way (``_x0007_``), so a reader sees the same text.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

from ..atomic import atomic_write_bytes
from ..targets import Registry
from .cells import cell_ref as _cell, fmt as _fmt
from .reader import METRICS_SHEET, TASKS_SHEET
from .validate import METRIC_COLUMNS, TASK_COLUMNS

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def _ooxml_text(text: str) -> str:
    """Text for an OOXML string: characters XML cannot hold as ``_xHHHH_``, a literal ``_xHHHH_`` kept."""
    return _xml_escape(_XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text))


def write_return(path: Path, registry: Registry, plan_id: str, unit_name: str, period: str,
                 values: dict[str, float | None], tasks: list[tuple[str, date | None, str]] | None = None,
                 filed: date | None = None) -> Path:
    """Write a filled monthly return workbook (used by the sample generator, tests and benchmarks).

    The workbook has the documented layout (see the module docstring) and is byte-for-byte reproducible:
    it is written directly as Office Open XML with fixed timestamps (fast: about 1 ms per file). Written to
    a temporary name and renamed, so a failed write never leaves a partial file.
    """
    plan = registry.plan(plan_id)
    sheet1: list[list] = [
        [f"政务服务目标台账 月度报表（{plan.document}）"],
        ["填报单位", unit_name, None, "方案编号", plan_id],
        ["统计月份", period, None, "填报日期", filed],
        [],
        list(METRIC_COLUMNS),
    ]
    for code in registry.return_fields(plan_id):
        f = registry.fields[code]
        sheet1.append([code, f.name, f.unit, values.get(code), None])
    sheets = [(METRICS_SHEET, sheet1)]
    if tasks is not None:
        by_id = {t.id: t for t in plan.targets}
        rows = [list(TASK_COLUMNS)]
        for tid, done, evidence in tasks:
            t = by_id[tid]
            rows.append([tid, t.section, t.title, t.deadline_text, done, evidence or None,
                         "已完成" if done else None])
        sheets.append((TASKS_SHEET, rows))
    return atomic_write_bytes(path, xlsx_bytes(sheets))


_FIXED_STAMP = (2022, 1, 1, 0, 0, 0)
_EPOCH = date(1899, 12, 30)  # Excel's day 0 (1900 date system, past its fictitious 1900-02-29)


def excel_day(day: date) -> int:
    """The Excel serial number of ``day`` (1900 date system; right for every date from 1900-03-01 on): how
    a workbook stores a date, here and in the reports' workbooks (:func:`taizhang.excel.write_cell`)."""
    return (day - _EPOCH).days


def _sheet_xml(rows: list[list]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            ref = _cell(c, r)
            if isinstance(v, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                cells.append(f'<c r="{ref}"><v>{_fmt(v) if float(v).is_integer() else repr(float(v))}</v></c>')
            elif isinstance(v, date):
                d = v.date() if isinstance(v, datetime) else v
                cells.append(f'<c r="{ref}" s="1"><v>{excel_day(d)}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_ooxml_text(str(v))}</t></is></c>')
        if cells:
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def xlsx_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    """A minimal, valid, reproducible .xlsx (inline strings, one date style) from ``[(sheet, rows)]``."""
    n = len(sheets)
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
          + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(1, n + 1)) + "</Types>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>")
    book = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="{_xml_escape(name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _) in enumerate(sheets, 1))
            + "</sheets></workbook>")
    book_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(1, n + 1))
                 + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                 "</Relationships>")
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
              '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
              '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
              "</styleSheet>")
    parts = [("[Content_Types].xml", ct.encode()), ("_rels/.rels", rels.encode()), ("xl/workbook.xml", book.encode()),
             ("xl/_rels/workbook.xml.rels", book_rels.encode()), ("xl/styles.xml", styles.encode())]
    parts += [(f"xl/worksheets/sheet{i}.xml", _sheet_xml(rows)) for i, (_, rows) in enumerate(sheets, 1)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=_FIXED_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()
