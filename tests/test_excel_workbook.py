"""The Excel ledger staff work in: one 台账 sheet of every unit (filterable by 单位, by severity, with 逾期天数,
完成日期 and 佐证材料), 与上月相比, 督办台账 (the same items as ``taizhang supervise``), 图例, print setup and
frozen panes on every sheet, links from 总览 — read back with openpyxl."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from taizhang.excel import CHANGES_SHEET, LEDGER_SHEET, LEGEND_SHEET, OVERVIEW_SHEET, SUPERVISION_SHEET
from taizhang.provenance import fed_files, files_digest
from taizhang.kernel import statuses
from taizhang.reports.sheets import COMBINED_PRINTED, first_met_months, task_evidence

LABELS = {f"{s.symbol} {s.label}": s.code for s in statuses.STATUSES}
PERIOD = "2024-06"


def header_row(ws, first: str) -> int:
    """The 1-based row whose first cell is ``first`` (a table's header)."""
    return next(c.row for c in ws["A"] if c.value == first)


def table(ws, first: str) -> tuple[list[str], list[tuple]]:
    """The header and the rows of the table whose header starts with ``first``."""
    h = header_row(ws, first)
    rows = list(ws.iter_rows(min_row=h, values_only=True))
    body = []
    for r in rows[1:]:
        if r[0] is None:
            break
        body.append(r)
    return list(rows[0]), body


@pytest.fixture(scope="module")
def sample_book(registry, tmp_path_factory):
    from taizhang.report import MonthlyReport

    report = MonthlyReport.build("bayannur", PERIOD)
    path = report.write_excel(tmp_path_factory.mktemp("xl") / "台账.xlsx")
    return report, load_workbook(path)


@pytest.fixture(scope="module")
def store_book(registry, tmp_path_factory):
    """A store of the bayannur sample up to 2024-06 where ``supervise`` processed 2024-05 and 2024-06, and the
    workbook of the ledger read from it."""
    from taizhang.report import MonthlyReport
    from taizhang.sample import generate_plan_sample
    from taizhang.store import ingest
    from taizhang.supervision import supervise

    tmp = tmp_path_factory.mktemp("xls")
    generate_plan_sample(registry, "bayannur", tmp / "s", first="2024-01", last=PERIOD)
    store = tmp / "store.sqlite"
    assert all(r.ok for r in ingest([tmp / "s"], store=store, registry=registry))
    bare = tmp / "bare.sqlite"
    shutil.copy(store, bare)  # the same returns, no supervision run yet
    for m in ("2024-05", PERIOD):
        supervise(store, registry, "bayannur", m, by="督查室")
    report = MonthlyReport.build("bayannur", PERIOD, store=store)
    path = report.write_excel(tmp / "台账.xlsx")
    return report, load_workbook(path), store, bare


def test_one_combined_sheet_filterable_by_unit_with_every_applicable_row(sample_book):
    report, wb = sample_book
    ws = wb[LEDGER_SHEET]
    # the sheet says what the data is, as the report's first page does
    assert ws["A1"].value.startswith("【样例数据，非真实报送】台账（全部单位）")
    assert ws["A2"].value.startswith("报送情况：2024-06 应报 8 个单位")
    header, rows = table(ws, "单位")
    assert header[:4] == ["单位", "目标", "状态", "逾期天数"]
    for name in ("完成日期", "佐证材料", "说明", "牵头单位", "目标编号"):
        assert name in header
    h = header_row(ws, "单位")
    min_col, min_row, max_col, max_row = range_boundaries(ws.auto_filter.ref)
    assert (min_col, min_row) == (1, h) and max_row == h + len(rows) and max_col == len(header)  # 单位 is column A
    # counts equal the ledger: every applicable row once, statuses as the ledger counts them, per unit as 总览
    applicable = report.ledger[report.ledger["status"] != "not_applicable"]
    assert len(rows) == len(applicable)
    assert Counter(LABELS[r[2]] for r in rows) == Counter(applicable["status"])
    ids = [r[header.index("目标编号")] for r in rows]
    assert sorted(zip([r[0] for r in rows], ids)) == sorted(zip(applicable["unit_name"], applicable["target_id"]))
    oh, orows = table(wb[OVERVIEW_SHEET], "单位")
    assert {r[0]: r[-1] for r in orows} == dict(Counter(r[0] for r in rows))


def test_rows_run_by_severity_then_unit_then_target(sample_book):
    report, wb = sample_book
    header, rows = table(wb[LEDGER_SHEET], "单位")
    units = {n: i for i, n in enumerate(dict.fromkeys(report.ledger["unit_name"]))}
    targets = {t: i for i, t in enumerate(dict.fromkeys(report.ledger["target_id"]))}
    tid = header.index("目标编号")
    keys = [(statuses.status(LABELS[r[2]]).rank, units[r[0]], targets[r[tid]]) for r in rows]
    assert keys == sorted(keys)
    assert LABELS[rows[0][2]] in statuses.OVERDUE and LABELS[rows[-1][2]] in statuses.MET


def test_overdue_days_completion_dates_and_evidence_follow_the_ledger(sample_book):
    report, wb = sample_book
    header, rows = table(wb[LEDGER_SHEET], "单位")
    col = {n: i for i, n in enumerate(header)}
    led = report.ledger.set_index(["unit_name", "target_id"])
    n_days = n_tasks = n_met = 0
    for r in rows:
        row = led.loc[(r[0], r[col["目标编号"]])]
        code = row["status"]
        days = r[col["逾期天数"]]
        if code in statuses.OVERDUE:
            assert days == abs(int(row["days_to_deadline"]))
            n_days += 1
        elif code in statuses.MET:
            assert days is None
        done = r[col["完成日期"]]
        if row["kind"] == "milestone":
            if code in ("done", "done_late"):
                assert isinstance(done, datetime) and done.date() == pd.Timestamp(row["done_date"]).date()
                assert r[col["佐证材料"]]  # the sample reports evidence with every completion
                n_tasks += 1
            else:
                assert done is None and r[col["佐证材料"]] is None
        elif row["kind"] == "quantitative" and code in ("met", "met_late"):  # 逾期达标: the month met, too
            assert isinstance(done, str) and done <= PERIOD
            n_met += 1
        else:
            assert done is None
    assert n_days > 10 and n_tasks > 10 and n_met > 5


def test_evidence_is_the_one_reported_with_the_completion_date_shown():
    tasks = pd.DataFrame([
        ("linhe", "2024-02", "t1", None, ""),
        ("linhe", "2024-03", "t1", date(2024, 3, 5), "验收报告"),
        ("linhe", "2024-04", "t1", date(2024, 3, 5), "验收报告（盖章版）"),  # same date, later words
        ("linhe", "2024-07", "t1", date(2024, 1, 2), "之后的报表"),  # after the month: not seen
        ("wuyuan", "2024-05", "t1", date(2024, 5, 9), "会议纪要"),
        ("wuyuan", "2024-06", "t1", date(2024, 4, 30), "更正后的纪要"),  # an earlier date reported later
    ], columns=["unit", "period", "target_id", "done_date", "evidence"])
    assert task_evidence(tasks, PERIOD) == {("linhe", "t1"): "验收报告（盖章版）", ("wuyuan", "t1"): "更正后的纪要"}
    assert task_evidence(tasks.iloc[0:0], PERIOD) == {}


def test_a_met_target_is_dated_by_the_first_month_that_met_it():
    ledger = pd.DataFrame([
        {"unit": "linhe", "target_id": "rate", "metric": "m", "kind": "quantitative", "status": "met", "op": ">=",
         "threshold": 70.0},
        {"unit": "wuyuan", "target_id": "rate", "metric": "m", "kind": "quantitative", "status": "behind",
         "op": ">=", "threshold": 70.0},
        {"unit": "city", "target_id": "cap", "metric": "m", "kind": "quantitative", "status": "met", "op": "<=",
         "threshold": 40.0},
    ])
    values = pd.DataFrame([("linhe", "2024-01", "m", 60.0), ("linhe", "2024-02", "m", 70.0),
                           ("linhe", "2024-03", "m", 65.0), ("linhe", "2024-04", "m", 80.0),
                           ("wuyuan", "2024-02", "m", 75.0), ("city", "2024-03", "m", 41.0),
                           ("city", "2024-05", "m", 39.5), ("city", "2024-07", "m", 30.0)],
                          columns=["unit", "period", "metric", "value"])
    assert first_met_months(ledger, values, PERIOD) == {("linhe", "rate"): "2024-02", ("city", "cap"): "2024-05"}


def test_the_combined_sheet_renders_the_unit_sheets_cells(sample_book):
    """台账 and a unit sheet are two renderings of the same ledger spec: the same cells for every shared column."""
    _, wb = sample_book
    header, rows = table(wb[LEDGER_SHEET], "单位")
    uh = [c.value for c in wb["临河区"][1]]
    unit_rows = {r[uh.index("目标编号")]: r for r in wb["临河区"].iter_rows(min_row=2, values_only=True)}
    mine = [r for r in rows if r[0] == "临河区"]
    assert len(mine) == len(unit_rows) > 20
    shared = [n for n in header if n in uh]
    assert len(shared) >= 15
    for r in mine:
        u = unit_rows[r[header.index("目标编号")]]
        assert [r[header.index(n)] for n in shared] == [u[uh.index(n)] for n in shared]


def test_changes_sheet_is_the_reports_change_list(sample_book):
    from taizhang.ledger import changes_table

    report, wb = sample_book
    frame = changes_table(report.ledger, report.previous)
    header, rows = table(wb[CHANGES_SHEET], "单位")
    assert header[:6] == ["单位", "目标或任务", "类别", "上月", "本月", "变化"]
    assert len(rows) == len(frame) > 0
    assert [(r[0], r[6], LABELS[r[3]], LABELS[r[4]]) for r in rows] == list(
        zip(frame["unit_name"], frame["target_id"], frame["before"], frame["after"]))
    lead = wb[CHANGES_SHEET]["A1"].value
    assert lead.startswith("【样例数据，非真实报送】与 2024-05 相比") and f"共 {len(frame)} 项变化" in lead


def test_changes_sheet_says_when_there_is_no_earlier_month(sample_book, tmp_path):
    from taizhang.excel import write_ledger_xlsx

    report, _ = sample_book
    path = write_ledger_xlsx(report.ledger, tmp_path / "x.xlsx", {"方案": "p", "统计月份": PERIOD},
                             previous=None, previous_period="2024-05")
    ws = load_workbook(path)[CHANGES_SHEET]
    assert ws["A1"].value == "没有 2024-05 的数据，无法与上月比较。" and ws.max_row == 1  # real data: no mark


def test_legend_lists_the_status_table_with_colours_and_meanings(sample_book):
    _, wb = sample_book
    ws = wb[LEGEND_SHEET]
    header, rows = table(ws, "严重程度")
    assert header[:5] == ["严重程度", "状态", "符号", "颜色", "含义"]
    assert [LABELS[r[1]] for r in rows] == list(statuses.ORDER)
    h = header_row(ws, "严重程度")
    for i, (r, s) in enumerate(zip(rows, statuses.STATUSES)):
        assert r[0] == i + 1 and r[2] == s.symbol and r[3] == s.colour.upper()
        assert r[4] and len(r[4]) >= 8, f"{s.code} has no meaning in the status table"
        assert ws.cell(h + 1 + i, 2).fill.fgColor.rgb[-6:] == s.colour.lstrip("#").upper()


def test_every_sheet_prints_a4_landscape_one_page_wide_with_its_header_row_repeated(sample_book):
    _, wb = sample_book
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert ps.orientation == "landscape" and ps.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ps.fitToWidth in (None, 1) and ps.fitToHeight == 0, ws.title  # one page wide, as long as needed
        assert "第 &P 页 共 &N 页" in ws.oddFooter.center.text, ws.title
        assert "2024-06" in ws.oddHeader.left.text and "样例数据" in ws.oddHeader.left.text, ws.title
    expected = {LEDGER_SHEET: "单位", CHANGES_SHEET: "单位", LEGEND_SHEET: "严重程度", OVERVIEW_SHEET: "单位",
                "临河区": "章节", "报表文件": "文件"}
    for name, first in expected.items():
        h = header_row(wb[name], first)
        assert wb[name].print_title_rows == f"${h}:${h}", name
    # the combined sheet prints its key columns (through 牵头单位); the rest stay on screen
    area = wb[LEDGER_SHEET].print_area
    last_col = range_boundaries(area.split("!")[-1].replace("$", ""))[2]
    assert last_col == COMBINED_PRINTED and wb[LEDGER_SHEET].cell(header_row(wb[LEDGER_SHEET], "单位"),
                                                                  last_col).value == "牵头单位"


def test_unit_and_target_columns_stay_frozen(sample_book):
    _, wb = sample_book
    ws = wb[LEDGER_SHEET]
    h = header_row(ws, "单位")
    assert ws.freeze_panes == f"C{h + 1}" and [ws.cell(h, c).value for c in (1, 2)] == ["单位", "目标"]
    assert wb["临河区"].freeze_panes == "D2" and wb["临河区"]["C1"].value == "目标"
    assert wb[CHANGES_SHEET].freeze_panes == f"C{header_row(wb[CHANGES_SHEET], '单位') + 1}"


def test_overview_links_to_every_sheet(sample_book):
    _, wb = sample_book
    ws = wb[OVERVIEW_SHEET]
    links = {}
    for row in ws.iter_rows():
        for c in row:
            if c.hyperlink is not None:
                sheet, _, cell = c.hyperlink.location.rpartition("!")
                links[c.value] = sheet.strip("'")
                assert cell == "A1"
    assert set(links.values()) == set(wb.sheetnames) - {OVERVIEW_SHEET}
    assert all(name in wb.sheetnames for name in links.values())
    assert links["临河区"] == "临河区" and links[LEDGER_SHEET] == LEDGER_SHEET


def test_supervision_sheet_lists_the_items_of_the_supervise_run(store_book, registry):
    from taizhang.supervision import supervision_tables

    report, wb, store, _ = store_book
    items = supervision_tables(store, registry, "bayannur", PERIOD)["items"]
    assert len(items) > 5
    ws = wb[SUPERVISION_SHEET]
    header, rows = table(ws, "编号")
    assert header[:5] == ["编号", "责任单位", "目标", "状态", "本月变化"]
    col = {n: i for i, n in enumerate(header)}
    assert [r[0] for r in rows] == list(items["id"])
    assert [r[col["状态"]] for r in rows] == list(items["state_label"])
    assert [r[col["本月变化"]] for r in rows] == list(items["change"])
    assert [r[col["整改期限"]].date().isoformat() for r in rows] == list(items["deadline"])
    assert [LABELS[r[col["最新台账状态"]]] for r in rows] == list(items["last_status"])
    assert ws.freeze_panes == f"D{header_row(ws, '编号') + 1}"
    t = supervision_tables(store, registry, "bayannur", PERIOD)["counts"].iloc[0]
    assert f"本月新增 {t['new']} 项，未销号 {t['open']} 项" in ws["A1"].value
    # a unit's workbook keeps its own items only
    from taizhang.report import MonthlyReport

    unit = MonthlyReport.build("bayannur", PERIOD, store=store, unit="linhe")
    _, urows = table(load_workbook(unit.write_excel(store.parent / "linhe.xlsx"))[SUPERVISION_SHEET], "编号")
    assert [r[0] for r in urows] == list(items.loc[items["unit"] == "linhe", "id"])


def test_supervision_sheet_says_why_it_has_no_items(sample_book, store_book, tmp_path):
    import hashlib

    from taizhang.report import MonthlyReport

    _, wb = sample_book
    (line,) = [r[0] for r in wb[SUPERVISION_SHEET].iter_rows(values_only=True)]
    assert line.startswith("【样例数据，非真实报送】本报告读取样例数据") and "未使用数据库，没有督办记录" in line
    bare = store_book[3]
    before = hashlib.sha256(bare.read_bytes()).hexdigest()
    report = MonthlyReport.build("bayannur", PERIOD, store=bare)
    ws = load_workbook(report.write_excel(tmp_path / "x.xlsx"))[SUPERVISION_SHEET]
    (line,) = [r[0] for r in ws.iter_rows(values_only=True)]
    assert "2024-06 尚未处理督办，本表暂无督办事项" in line
    assert hashlib.sha256(bare.read_bytes()).hexdigest() == before  # the report only reads the store


def test_a_units_workbook_has_its_rows_in_the_ledger_sheet_and_no_unit_sheet(tmp_path):
    from taizhang.report import MonthlyReport

    report = MonthlyReport.build("bayannur", PERIOD, unit="linhe")
    wb = load_workbook(report.write_excel(tmp_path / "linhe.xlsx"))
    assert wb.sheetnames == [OVERVIEW_SHEET, LEDGER_SHEET, CHANGES_SHEET, SUPERVISION_SHEET, LEGEND_SHEET, "报表文件"]
    header, rows = table(wb[LEDGER_SHEET], "单位")
    mine = report.ledger[report.ledger["status"] != "not_applicable"]
    assert {r[0] for r in rows} == {"临河区"} and len(rows) == len(mine) > 20
    (cell,) = [c for row in wb[OVERVIEW_SHEET].iter_rows() for c in row if c.value == "临河区" and c.hyperlink]
    assert cell.hyperlink.location == f"'{LEDGER_SHEET}'!A1"
    # its 报表文件 sheet lists the unit's own files; the digest line still names every file of the month
    files = wb["报表文件"]
    head = files["A1"].value
    listed = [r for r in files.iter_rows(min_row=4, values_only=True) if r[0]]
    units_col = [c.value for c in files[3]].index("单位")
    assert listed and {r[units_col] for r in listed} == {"临河区"}
    everything = fed_files(report.returns.files, PERIOD)
    assert len(everything) > len(listed)
    assert head.startswith(f"临河区的报表文件 {len(listed)} 份") and f"全部报表文件 {len(everything)} 份" in head
    assert files_digest(everything) in head
    assert "台账（临河区）" in wb[LEDGER_SHEET]["A1"].value and "全部单位" not in wb[LEDGER_SHEET]["A1"].value
