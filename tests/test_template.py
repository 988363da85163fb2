"""The template a district fills in: its sheets, protections and validations, and the round trip
template → filled in Excel-like fashion → ingest → the same numbers back."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from taizhang.cli import main
from taizhang.store import ingest, load_returnset
from taizhang.template import milestone_tasks, write_templates


def test_one_template_per_unit_without_unit(tmp_path, registry):
    paths = write_templates(registry, "urad-middle", "2025-03", tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{u.name}_2025-03.xlsx" for u in registry.unit_list("urad-middle"))


def test_template_layout_validation_and_protection(tmp_path, registry):
    assert main(["template", "--plan", "bayannur", "--period", "2024-06", "--unit", "临河", "--out", str(tmp_path)]) == 0
    wb = load_workbook(tmp_path / "临河区_2024-06.xlsx")
    assert wb.sheetnames == ["填报说明", "指标", "任务完成情况"]
    ws = wb["指标"]
    assert (ws["B2"].value, ws["B3"].value, ws["E2"].value) == ("临河区", "2024-06", "bayannur")
    assert [c.value for c in ws[5]] == ["字段代码", "指标项", "单位", "数值", "备注"]
    assert ws.protection.sheet and ws["A6"].protection.locked and not ws["D6"].protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert kinds <= {"whole", "decimal", "date"} and {"whole", "date"} <= kinds
    # counts of whole things (名, 项, 件 …) take whole numbers, measures (小时 …) decimals
    rule = {str(rng): dv.type for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges}
    for r in range(6, ws.max_row + 1):
        unit = registry.fields[ws.cell(row=r, column=1).value].unit
        assert rule[f"D{r}"] == ("whole" if unit in ("名", "项", "个", "件", "次", "个环节") else "decimal"), (r, unit)
    tws = wb["任务完成情况"]
    unit = registry.find_unit("bayannur", "临河区")
    ids = [r[0].value for r in tws.iter_rows(min_row=2)]
    assert ids == [t.id for t in milestone_tasks(registry, "bayannur", unit)] and ids
    assert "list" in {dv.type for dv in tws.data_validations.dataValidation}
    assert not tws["E2"].protection.locked and tws["A2"].protection.locked


def test_round_trip_template_filled_ingested_same_numbers(tmp_path, registry):
    (path,) = write_templates(registry, "bayannur", "2024-06", tmp_path / "tpl", unit="linhe")
    wb = load_workbook(path)
    ws = wb["指标"]
    codes = {ws.cell(row=r, column=1).value: r for r in range(6, ws.max_row + 1)}
    # inside each field's plausibility limit (targets/metrics.yaml: 24 小时 a day, 80 岁 …)
    typed = {code: float(min(900 + 7 * r, registry.fields[code].max or 10**9)) for code, r in codes.items()}
    rates = [m for m in registry.metrics.values() if m.type == "rate" and m.numerator in typed]
    for _ in range(5):  # a district's numbers respect numerator <= denominator
        for m in rates:
            typed[m.numerator] = min(typed[m.numerator], typed[m.denominator] - 3)
    for code, r in codes.items():
        ws.cell(row=r, column=4, value=int(typed[code]))
    ws["E3"] = date(2024, 7, 4)
    tws = wb["任务完成情况"]
    tws["E2"], tws["F2"], tws["G2"] = date(2024, 6, 18), "验收报告.pdf", "已完成"
    first_task = tws["A2"].value
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
