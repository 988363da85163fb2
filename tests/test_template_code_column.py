"""The template's 指标 table puts what a district reads and fills first (指标项, 单位, 数值) and the 字段代码 the
reader keys on last, grey and locked; the reader finds columns by their headers, so the new layout and the
earlier one (字段代码 first, as older templates and write_return have it) are both read, and a problem names
the cell the district typed into."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from taizhang.returns import METRIC_COLUMNS, write_return
from taizhang.store import ingest
from taizhang.template import CODE_GREY, GUIDE_SHEET, TEMPLATE_COLUMNS, template_column, write_templates


def _template(registry, tmp_path):
    (path,) = write_templates(registry, "bayannur", "2024-06", tmp_path / "tpl", unit="linhe")
    return path


def test_code_column_is_last_grey_and_locked_after_the_chinese_name_unit_and_input(tmp_path, registry):
    wb = load_workbook(_template(registry, tmp_path))
    ws = wb["指标"]
    header = [c.value for c in ws[5]]
    assert tuple(header) == TEMPLATE_COLUMNS and sorted(header) == sorted(METRIC_COLUMNS)  # all the reader needs
    assert header[:3] == ["指标项", "单位", "数值"] and header[-1] == "字段代码"
    code = template_column("字段代码")
    assert code == len(header) == ws.max_column
    rows = range(6, ws.max_row + 1)
    assert all(ws.cell(row=r, column=code).value in registry.fields for r in rows)
    assert all(ws.cell(row=r, column=1).value == registry.fields[ws.cell(row=r, column=code).value].name for r in rows)
    for r in (5, *rows):
        cell = ws.cell(row=r, column=code)
        assert cell.font.color is not None and cell.font.color.rgb.endswith(CODE_GREY) and cell.protection.locked
    value = template_column("数值")
    assert all(not ws.cell(row=r, column=value).protection.locked for r in rows)
    guide = "\n".join(c.value for c in wb[GUIDE_SHEET]["A"] if c.value)
    assert "“数值”列（C 列）" in guide and "“备注”列（D 列）" in guide and "“字段代码”" in guide


def _fill(registry, path, out, **override):
    wb = load_workbook(path)
    ws = wb["指标"]
    code, value = template_column("字段代码"), template_column("数值")
    rows = {ws.cell(row=r, column=code).value: r for r in range(6, ws.max_row + 1)}
    typed = {c: 100 if (registry.fields[c].max or 200) >= 100 else registry.fields[c].max // 2 for c in rows}
    typed.update(required_items=800, entered_items=790, one_window_items=700, total_items=900, **override)
    for c, r in rows.items():
        ws.cell(row=r, column=value, value=typed[c])
    ws["E3"] = date(2024, 7, 4)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return rows


def test_filled_new_template_is_read_and_problems_name_the_typed_cell(tmp_path, registry):
    path = _template(registry, tmp_path)
    good = tmp_path / "ok" / "临河区_2024-06.xlsx"
    _fill(registry, path, good)
    (ok,) = ingest([good], store=tmp_path / "s.sqlite", registry=registry)
    assert ok.outcome == "accepted", ok.problems
    bad = tmp_path / "bad" / "临河区_2024-06.xlsx"
    rows = _fill(registry, path, bad, window_staff=-5)
    (res,) = ingest([bad], store=tmp_path / "s2.sqlite", registry=registry)
    assert res.outcome == "rejected"
    (p,) = res.problems
    assert (p.location.sheet, p.location.cell) == ("指标", f"C{rows['window_staff']}")


def test_a_return_in_the_earlier_layout_code_first_is_still_read(tmp_path, registry):
    values = {f: 100.0 if (registry.fields[f].max or 200) >= 100 else registry.fields[f].max // 2
              for f in registry.return_fields("bayannur")}
    values.update(required_items=800.0, entered_items=790.0, one_window_items=700.0, total_items=900.0)
    old = write_return(tmp_path / "in" / "临河区_2024-06.xlsx", registry, "bayannur", "临河区", "2024-06", values)
    assert load_workbook(old)["指标"]["A5"].value == "字段代码"
    (res,) = ingest([old], store=tmp_path / "s.sqlite", registry=registry)
    assert res.outcome == "accepted", res.problems
