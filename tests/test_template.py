"""The template a district fills in: its sheets, protections and validations, and the round trip
template → filled in Excel-like fashion → ingest → the same numbers back."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from taizhang.cli import main
from taizhang.store import ingest, load_returnset
from taizhang.template import milestone_tasks, task_column, template_column, write_templates

CODE, VALUE = template_column("字段代码"), template_column("数值")
TASK_ID, DONE, EVIDENCE, STATE = (task_column(h) for h in ("目标编号", "完成日期", "佐证材料", "完成情况"))


def test_one_template_per_unit_without_unit(tmp_path, registry):
    paths = write_templates(registry, "urad-middle", "2025-03", tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{u.name}_2025-03.xlsx" for u in registry.unit_list("urad-middle"))


def test_template_layout_validation_and_protection(tmp_path, registry):
    assert main(["template", "--plan", "bayannur", "--period", "2024-06", "--unit", "临河", "--out", str(tmp_path)]) == 0
    wb = load_workbook(tmp_path / "临河区_2024-06.xlsx")
    assert wb.sheetnames == ["填报说明", "指标", "任务完成情况"]
    ws = wb["指标"]
    assert (ws["B2"].value, ws["B3"].value, ws["E2"].value) == ("临河区", "2024-06", "bayannur")
    # what a district reads and fills first; the field code the reader keys on last (grey)
    assert [c.value for c in ws[5]] == ["指标项", "单位", "数值", "备注", "字段代码"]
    assert ws.protection.sheet and ws["A6"].protection.locked and ws["E6"].protection.locked
    assert not ws["C6"].protection.locked and not ws["D6"].protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds <= {"whole", "decimal", "date"} and {"whole", "date"} <= kinds
    # counts of whole things (名, 项, 件 …) take whole numbers, measures (小时 …) decimals
    rule = {str(rng): dv.type for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges}
    for r in range(6, ws.max_row + 1):
        unit = registry.fields[ws.cell(row=r, column=CODE).value].unit
        assert rule[f"C{r}"] == ("whole" if unit in ("名", "项", "个", "件", "次", "个环节") else "decimal"), (r, unit)
    tws = wb["任务完成情况"]
    unit = registry.find_unit("bayannur", "临河区")
    ids = [r[TASK_ID - 1].value for r in tws.iter_rows(min_row=2)]
    assert ids == [t.id for t in milestone_tasks(registry, "bayannur", unit)] and ids
    assert "list" in {dv.type for dv in tws.data_validations.dataValidation}
    assert not tws.cell(row=2, column=DONE).protection.locked and tws.cell(row=2, column=TASK_ID).protection.locked
    assert tws["A2"].protection.locked  # 章节


def test_round_trip_template_filled_ingested_same_numbers(tmp_path, registry):
    (path,) = write_templates(registry, "bayannur", "2024-06", tmp_path / "tpl", unit="linhe")
    wb = load_workbook(path)
    ws = wb["指标"]
    codes = {ws.cell(row=r, column=CODE).value: r for r in range(6, ws.max_row + 1)}
    # inside each field's plausibility limit (targets/metrics.yaml: 24 小时 a day, 80 岁 …)
    typed = {code: float(min(900 + 7 * r, registry.fields[code].max or 10**9)) for code, r in codes.items()}
    rates = [m for m in registry.metrics.values() if m.type == "rate" and m.numerator in typed]
    for _ in range(5):  # a district's numbers respect numerator <= denominator
        for m in rates:
            typed[m.numerator] = min(typed[m.numerator], typed[m.denominator] - 3)
    for code, r in codes.items():
        ws.cell(row=r, column=VALUE, value=int(typed[code]))
    ws["E3"] = date(2024, 7, 4)
    tws = wb["任务完成情况"]
    tws.cell(row=2, column=DONE, value=date(2024, 6, 18))
    tws.cell(row=2, column=EVIDENCE, value="验收报告.pdf")
    tws.cell(row=2, column=STATE, value="已完成")
    first_task = tws.cell(row=2, column=TASK_ID).value
    filled = tmp_path / "back" / "临河区_2024-06.xlsx"
    filled.parent.mkdir()
    wb.save(filled)
    store = tmp_path / "s.sqlite"
    (res,) = ingest([filled], store=store, registry=registry)
    assert res.outcome == "accepted", res.problems
    rs = load_returnset(store, registry, "bayannur")
    got = dict(zip(rs.observations["field"], rs.observations["value"]))
    assert got == typed
    done = rs.tasks[rs.tasks["done_date"].notna()]
    assert list(done["target_id"]) == [first_task] and list(done["evidence"]) == ["验收报告.pdf"]
    assert done["done_date"].iloc[0] == date(2024, 6, 18)


def test_guide_names_the_answer_sheet_only_when_present_and_the_locked_rows(tmp_path, registry):
    import pandas as pd

    from taizhang.supervision.items import ITEM_COLUMNS
    from taizhang.template import write_template

    unit = registry.find_unit("bayannur", "临河区")
    plain = load_workbook(write_template(registry, "bayannur", "2024-06", unit, tmp_path / "a.xlsx"))
    with_sv = load_workbook(write_template(registry, "bayannur", "2024-06", unit, tmp_path / "b.xlsx",
                                           sv_items=pd.DataFrame(columns=ITEM_COLUMNS)))
    texts = {}
    for name, wb in (("plain", plain), ("sv", with_sv)):
        lines = [c.value for c in wb["填报说明"]["A"] if c.value]
        texts[name] = "\n".join(lines)
        numbers = [int(line.split(".")[0]) for line in lines if line[0].isdigit()]
        assert numbers == list(range(1, len(numbers) + 1)), numbers  # numbered without gaps
    assert "整改情况" in with_sv.sheetnames and "整改情况" not in plain.sheetnames
    assert "整改情况" not in texts["plain"]
    sv = texts["sv"]
    assert "“整改情况”表" in sv and all(w in sv for w in ("整改措施", "已完成／正在整改／未启动", "预计完成日期"))
    assert "“已完成”的必须填写佐证材料" in sv
    guide = with_sv["填报说明"]  # wrapped lines get rows tall enough (Excel and LibreOffice do not grow them)
    for cell in guide["A"]:
        if cell.value and len(cell.value) > 60:  # more than one line of 70 widths
            assert guide.row_dimensions[cell.row].height >= 30, (cell.row, cell.value)
    for text in texts.values():  # the grey locked rows of 任务完成情况
        assert "灰色" in text and "此前月份已报完成" in text and "联系办公室" in text


def test_decimal_cells_show_whole_numbers_without_a_trailing_dot(tmp_path, registry):
    from taizhang.returns import is_whole_unit

    (path,) = write_templates(registry, "bayannur", "2024-06", tmp_path, unit="临河区")
    ws = load_workbook(path)["指标"]
    formats = {}
    for r in range(6, ws.max_row + 1):
        whole = is_whole_unit(registry.fields[ws.cell(row=r, column=CODE).value].unit, registry)
        formats.setdefault(whole, set()).add(ws.cell(row=r, column=VALUE).number_format)
    assert formats[True] == {"#,##0"}
    assert formats[False] == {"General"}  # "#,##0.##" shows 8 as "8."


def test_every_template_sheet_prints_on_a4_one_page_wide_with_its_header_on_each_page(tmp_path, registry):
    import pandas as pd

    from taizhang.supervision.items import ITEM_COLUMNS
    from taizhang.template import write_template

    unit = registry.find_unit("bayannur", "临河区")
    wb = load_workbook(write_template(registry, "bayannur", "2024-06", unit, tmp_path / "t.xlsx",
                                      sv_items=pd.DataFrame(columns=ITEM_COLUMNS)))
    expect = {"填报说明": ("portrait", "$1:$1"), "指标": ("landscape", "$1:$5"),
              "任务完成情况": ("landscape", "$1:$1"), "整改情况": ("landscape", "$1:$3")}
    assert set(wb.sheetnames) == set(expect)
    for name, (orientation, titles) in expect.items():
        ws = wb[name]
        assert int(ws.page_setup.paperSize) == 9, name  # A4
        assert ws.page_setup.orientation == orientation, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), name
        assert ws.print_title_rows == titles, name
    assert wb["任务完成情况"].max_row > 40  # long enough to need its header on later pages


def test_template_refuses_a_month_after_next(tmp_path, registry, capsys):
    from taizhang.errors import ParameterError
    from taizhang.source import latest_open_month

    today = date(2026, 12, 2)
    assert write_templates(registry, "bayannur", "2027-01", tmp_path / "next", unit="临河区", today=today)
    assert write_templates(registry, "bayannur", "2026-12", tmp_path / "now", unit="临河区", today=today)
    try:
        write_templates(registry, "bayannur", "2027-02", tmp_path / "far", unit="临河区", today=today)
    except ParameterError as err:
        assert err.parameter == "--period" and "晚于当前月份 2026-12 的次月" in str(err) and "2027-01" in err.allowed
    else:
        raise AssertionError("2027-02 accepted on 2026-12-02")
    assert not (tmp_path / "far").exists()  # nothing written
    far = str(latest_open_month(ahead=2))
    assert main(["template", "--plan", "bayannur", "--period", far, "--unit", "临河区", "--out", str(tmp_path / "cli")]) == 2
    assert "晚于当前月份" in capsys.readouterr().err and not (tmp_path / "cli").exists()
