"""The Excel ledger's 总览 and unit sheets: coloured status cells, frozen header, filters, numbers, no formulas
(the working sheets 台账, 与上月相比, 督办台账, 图例: test_excel_workbook.py)."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from taizhang.excel import write_ledger_xlsx
from taizhang.ledger import STATUS_STYLES, status_label


@pytest.fixture(scope="module")
def monthly(registry):
    from taizhang.report import MonthlyReport, default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, "bayannur", default_inputs("bayannur"))
    return MonthlyReport.build("bayannur", "2024-06")


def test_overview_and_one_sheet_per_unit(monthly, registry, tmp_path):
    path = monthly.write_excel(tmp_path / "台账.xlsx")
    wb = load_workbook(path)
    units = [u.name for u in registry.unit_list("bayannur")]
    # the working sheets, then one per unit, then the files that fed the month (provenance)
    assert wb.sheetnames == ["总览", "台账", "与上月相比", "督办台账", "图例"] + units + ["报表文件"]
    ov = wb["总览"]
    assert ov["A1"].value == "方案" and ov["B2"].value == "2024-06"
    # the overview counts add up to the applicable ledger rows
    applicable = monthly.ledger[monthly.ledger["status"] != "not_applicable"]
    totals = [row[-1].value for row in ov.iter_rows() if row[0].value in units]
    assert sum(totals) == len(applicable)


def test_unit_sheet_values_fills_and_layout(monthly, tmp_path):
    path = monthly.write_excel(tmp_path / "台账.xlsx")
    ws = load_workbook(path)["临河区"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["章节", "类别", "目标"] and "状态" in header and "最新值" in header
    assert ws.freeze_panes == "D2"  # the header row and 章节, 类别, 目标 stay in view
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert ws.column_dimensions["D"].width == pytest.approx(60, abs=1)  # the plan's words get room
    col = {name: i for i, name in enumerate(header)}
    rows = list(ws.iter_rows(min_row=2, values_only=False))
    mine = monthly.ledger[(monthly.ledger["unit"] == "linhe") & (monthly.ledger["status"] != "not_applicable")]
    assert len(rows) == len(mine)
    numbers = [r[col["最新值"]].value for r in rows if r[col["最新值"]].value is not None]
    assert numbers and all(isinstance(v, (int, float)) for v in numbers)
    for r, code in zip(rows, mine["status"]):
        cell = r[col["状态"]]
        assert cell.value.endswith(status_label(code))
        assert cell.fill.fgColor.rgb[-6:] == STATUS_STYLES[code].background.lstrip("#").upper()


def test_text_that_looks_like_a_formula_stays_text(monthly, tmp_path):
    ledger = monthly.ledger.copy()
    first = ledger.index[(ledger["unit"] == "linhe") & (ledger["status"] != "not_applicable")][0]
    ledger.loc[first, "title"] = '=HYPERLINK("http://evil.example","点我")'
    ledger.loc[first, "reason"] = "+1+1"
    ledger.loc[first, "lead"] = "@SUM(A1)"
    ledger.loc[first, "unit_name"] = "-临河区"
    path = write_ledger_xlsx(ledger, tmp_path / "x.xlsx", {"方案": "=1+1"})
    wb = load_workbook(path)
    assert wb["总览"]["B1"].data_type == "s" and wb["总览"]["B1"].value == "=1+1"
    ws = wb["-临河区"]
    values = {c.value: c.data_type for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in ('=HYPERLINK("http://evil.example","点我")', "+1+1", "@SUM(A1)"):
        assert values.get(text) == "s", text
    raw = load_workbook(path, data_only=False)["-临河区"]
    assert not any(c.data_type == "f" for row in raw.iter_rows() for c in row)


def test_targets_are_numbers_with_comparison_and_measure_and_deadlines_are_dates(monthly, tmp_path):
    from datetime import datetime

    path = monthly.write_excel(tmp_path / "台账.xlsx")
    ws = load_workbook(path)["临河区"]
    header = [c.value for c in ws[1]]
    col = {name: i for i, name in enumerate(header)}
    for name in ("比较", "目标值", "计量单位", "评估期限", "期限（原文）", "目标值说明"):
        assert name in header, name
    assert header.index("计量单位") == header.index("最新值") + 1  # the measure sits next to the value
    rows = [r for r in ws.iter_rows(min_row=2, values_only=False)]
    mine = monthly.ledger[(monthly.ledger["unit"] == "linhe") & (monthly.ledger["status"] != "not_applicable")]
    quant = 0
    for r, led in zip(rows, mine.itertuples(index=False)):
        threshold, op, measure = r[col["目标值"]].value, r[col["比较"]].value, r[col["计量单位"]].value
        if led.kind == "milestone":
            assert threshold is None and op in (None, "")
        else:
            quant += 1
            assert isinstance(threshold, (int, float)) and threshold == pytest.approx(led.threshold)
            assert op in ("≥", "≤") and measure == led.target_unit
        deadline = r[col["评估期限"]]
        if led.deadline is not None:
            assert isinstance(deadline.value, datetime) and deadline.value.date() == led.deadline
            assert deadline.number_format == "yyyy-mm-dd"
        assert r[col["期限（原文）"]].value == led.deadline_text
    assert quant > 5
    percent = [r for r in rows if r[col["计量单位"]].value == "%" and r[col["最新值"]].value is not None]
    counts = [r for r in rows if r[col["计量单位"]].value not in (None, "", "%") and r[col["最新值"]].value is not None]
    assert percent and counts  # % and counts can be told apart


def test_html_and_excel_ledgers_render_the_same_table_spec(monthly, tmp_path):
    """The unit sheet and the HTML ledger are two renderings of one spec: same rows, statuses, values, reasons."""
    import re
    from html import unescape

    from taizhang.kernel.statuses import MET, status
    from taizhang.ledger import ledger_spec

    ws = load_workbook(monthly.write_excel(tmp_path / "台账.xlsx"))["临河区"]
    header = [c.value for c in ws[1]]
    col = {name: i for i, name in enumerate(header)}
    met = {f"{status(c).symbol} {status(c).label}" for c in MET}
    # the HTML/PDF unit ledger lists the targets not met (the met ones are counted); the sheet lists all
    sheet = [r for r in ws.iter_rows(min_row=2, values_only=True)
             if r[col["类别"]] != "节点任务" and r[col["状态"]] not in met]
    html = monthly.unit_ledgers().data
    part = html[html.index(">临河区</h3>"):]
    part = part[:part.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", part[part.index("<tbody>"):])
    a = monthly.ledger
    spec = ledger_spec(a[~a["status"].isin(MET)], "linhe")
    assert len(rows) == len(sheet) == len(spec.rows) > 2
    for tr, xl in zip(rows, sheet):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr)
        code = re.search(r"tz-badge tz-(\w+)", tr).group(1)
        assert xl[col["状态"]] == f"{status(code).symbol} {status(code).label}"
        assert unescape(re.sub(r"<[^>]+>", "", cells[6])) == (xl[col["说明"]] or "")
        shown = unescape(re.sub(r"<[^>]+>", "", cells[2]))
        value = xl[col["最新值"]]
        assert (shown == "—") == (value is None)
        if value is not None:
            assert abs(float(re.sub(r"[^\d.\-]", "", shown)) - value) <= 0.051  # the shown value is the number, rounded


def test_dates_are_written_as_excel_days_that_read_back_as_the_same_dates(tmp_path):
    from datetime import date, datetime

    from taizhang.excel import Book, write_cell

    days = [date(1900, 3, 1), date(2022, 12, 31), date(2024, 2, 29), date(2026, 12, 2)]
    book = Book(tmp_path / "d.xlsx")
    ws = book.wb.add_worksheet("d")
    for r, d in enumerate(days):
        write_cell(book, ws, r, 0, d)
    write_cell(book, ws, len(days), 0, datetime(2024, 6, 30, 15, 30))
    book.close()
    got = [row[0] for row in load_workbook(tmp_path / "d.xlsx")["d"].iter_rows(values_only=True)]
    assert [g.date() for g in got[:-1]] == days and got[-1] == datetime(2024, 6, 30, 15, 30)
