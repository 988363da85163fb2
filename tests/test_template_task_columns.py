"""The template's 任务完成情况 table, laid out like 指标: what a district reads and fills first (章节, 任务, 完成时限,
完成日期, 佐证材料, 完成情况) and the 目标编号 the reader keys on last, grey and locked. The reader finds the
columns by their headers, so a return in the new layout and one in the earlier layout (目标编号 first, as older
templates and write_return have it) ingest alike, and a problem names the cell the district typed into in
either layout."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from taizhang.returns import TASK_COLUMNS, write_return
from taizhang.store import ingest, load_returnset
from taizhang.template import (CODE_GREY, GUIDE_SHEET, TEMPLATE_TASK_COLUMNS, milestone_tasks, task_column,
                               template_column, write_template, write_templates)

PLAN, PERIOD, FILED = "bayannur", "2024-06", date(2024, 7, 4)
#: the column letters of each layout, written out: what a district sees in Excel
NEW = {"章节": "A", "任务": "B", "完成时限": "C", "完成日期": "D", "佐证材料": "E", "完成情况": "F", "目标编号": "G"}
OLD = {"目标编号": "A", "章节": "B", "任务": "C", "完成时限": "D", "完成日期": "E", "佐证材料": "F", "完成情况": "G"}


def _unit(registry):
    return registry.find_unit(PLAN, "临河区")


def _values(registry):
    values = {f: 100.0 if (registry.fields[f].max or 200) >= 100 else float(registry.fields[f].max // 2)
              for f in registry.return_fields(PLAN)}
    values.update(required_items=800.0, entered_items=790.0, one_window_items=700.0, total_items=900.0)
    return values


def _columns(ws) -> dict[str, int]:
    """{header: 1-based column} of a 任务完成情况 sheet as it stands."""
    return {c.value: c.column for c in ws[1] if c.value}


def _new_layout(registry, out, tasks: dict[str, tuple]):
    """The template filled in like a district does: the numbers, and per task id (完成日期, 佐证材料, 完成情况)."""
    (path,) = write_templates(registry, PLAN, PERIOD, out.parent / "tpl", unit="linhe")
    wb = load_workbook(path)
    ws = wb["指标"]
    values = _values(registry)
    for r in range(6, ws.max_row + 1):
        ws.cell(row=r, column=template_column("数值"), value=values[ws.cell(row=r, column=template_column("字段代码")).value])
    ws["E3"] = FILED
    _fill_tasks(wb["任务完成情况"], tasks)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _old_layout(registry, out, tasks: dict[str, tuple]):
    """The same return in the earlier layout (write_return: 目标编号 first), every milestone task listed."""
    ids = [t.id for t in milestone_tasks(registry, PLAN, _unit(registry))]
    path = write_return(out, registry, PLAN, "临河区", PERIOD, _values(registry), tasks=[(t, None, "") for t in ids],
                        filed=FILED)
    wb = load_workbook(path)
    _fill_tasks(wb["任务完成情况"], tasks)
    wb.save(path)
    return path


def _fill_tasks(ws, tasks: dict[str, tuple]) -> None:
    col = _columns(ws)
    for r in range(2, ws.max_row + 1):
        tid = ws.cell(row=r, column=col["目标编号"]).value
        if tid in tasks:
            for head, value in zip(("完成日期", "佐证材料", "完成情况"), tasks[tid]):
                ws.cell(row=r, column=col[head], value=value)


def test_task_table_human_columns_first_target_id_last_grey_and_locked(tmp_path, registry):
    unit = _unit(registry)
    tasks = milestone_tasks(registry, PLAN, unit)
    first = tasks[0].id
    wb = load_workbook(write_template(registry, PLAN, PERIOD, unit, tmp_path / "t.xlsx",
                                      completed={first: (date(2024, 3, 5), "验收报告.pdf")}))
    ws = wb["任务完成情况"]
    header = [c.value for c in ws[1]]
    assert tuple(header) == TEMPLATE_TASK_COLUMNS and sorted(header) == sorted(TASK_COLUMNS)  # all the reader needs
    assert header[:5] == ["章节", "任务", "完成时限", "完成日期", "佐证材料"] and header[-1] == "目标编号"
    assert {h: task_column(h) for h in header} == {h: "ABCDEFG".index(x) + 1 for h, x in NEW.items()}
    code = task_column("目标编号")
    assert code == ws.max_column
    rows = range(2, ws.max_row + 1)
    assert [ws.cell(row=r, column=code).value for r in rows] == [t.id for t in tasks]
    assert [ws.cell(row=r, column=task_column("任务")).value for r in rows] == [t.title for t in tasks]
    for r in (1, *rows):  # the 目标编号 in grey and locked, like 字段代码 in 指标
        cell = ws.cell(row=r, column=code)
        assert cell.font.color is not None and cell.font.color.rgb.endswith(CODE_GREY) and cell.protection.locked
    assert ws.cell(row=1, column=code).font.bold and ws.protection.sheet
    open_rows = rows[1:]  # the first task was reported complete before: prefilled and locked
    for head in header:
        editable = head in ("完成日期", "佐证材料", "完成情况")
        assert all(ws.cell(row=r, column=task_column(head)).protection.locked != editable for r in open_rows), head
    assert all(ws.cell(row=2, column=task_column(head)).protection.locked for head in header)
    assert (ws["D2"].value.date(), ws["E2"].value, ws["F2"].value) == (date(2024, 3, 5), "验收报告.pdf", "已完成")
    assert ws["G2"].value == first and ws["D3"].number_format == "yyyy-mm-dd"
    rules = {dv.type: {str(rng) for rng in dv.sqref.ranges} for dv in ws.data_validations.dataValidation}
    end = ws.max_row
    assert rules == {"date": {f"D2:D{end}"}, "list": {f"F2:F{end}"}}
    guide = "\n".join(c.value for c in wb[GUIDE_SHEET]["A"] if c.value)
    assert "完成日期（D 列" in guide and "佐证材料（E 列" in guide and "“目标编号”供系统读取" in guide


def test_a_return_in_the_new_layout_ingests_like_the_same_return_in_the_old_layout(tmp_path, registry):
    ids = [t.id for t in milestone_tasks(registry, PLAN, _unit(registry))]
    assert len(ids) >= 2
    tasks = {ids[0]: (date(2024, 6, 18), "验收报告.pdf", "已完成"), ids[1]: (None, None, "正在推进")}
    new = _new_layout(registry, tmp_path / "new" / "临河区_2024-06.xlsx", tasks)
    old = _old_layout(registry, tmp_path / "old" / "临河区_2024-06.xlsx", tasks)
    assert load_workbook(new)["任务完成情况"]["G1"].value == "目标编号"
    assert load_workbook(old)["任务完成情况"]["A1"].value == "目标编号"
    got = {}
    for name, path in (("new", new), ("old", old)):
        (res,) = ingest([path], store=tmp_path / f"{name}.sqlite", registry=registry)
        assert res.outcome == "accepted", (name, res.problems)
        got[name] = load_returnset(tmp_path / f"{name}.sqlite", registry, PLAN)
    assert got["new"].observations.equals(got["old"].observations)
    assert got["new"].tasks.equals(got["old"].tasks)
    done = got["new"].tasks.set_index("target_id")
    assert list(done.index) == sorted(ids)
    assert (done.loc[ids[0], "done_date"], done.loc[ids[0], "evidence"]) == (date(2024, 6, 18), "验收报告.pdf")
    assert done["done_date"].notna().sum() == 1


@pytest.mark.parametrize("layout, letters", [("new", NEW), ("old", OLD)])
def test_a_problem_names_the_cell_in_either_layout(tmp_path, registry, layout, letters):
    ids = [t.id for t in milestone_tasks(registry, PLAN, _unit(registry))]
    assert len(ids) >= 3
    tasks = {ids[0]: (date(2024, 7, 20), "验收报告.pdf", "已完成"),  # after the month: the 完成日期 cell
             ids[1]: (None, None, "差不多"),  # not a state: the 完成情况 cell
             ids[2]: (date(2024, 6, 3), None, "已完成")}  # no evidence: the 佐证材料 cell
    make = _new_layout if layout == "new" else _old_layout
    path = make(registry, tmp_path / layout / "临河区_2024-06.xlsx", tasks)
    (res,) = ingest([path], store=tmp_path / "s.sqlite", registry=registry)
    assert res.outcome == "rejected"
    found = {p.code: p for p in res.problems}
    assert set(found) == {"task.date_after_period", "task.state_unknown", "task.no_evidence"}, res.problems
    # rows 2, 3, 4: the tasks in the template's (and write_return's) order
    expect = {"task.date_after_period": f"{letters['完成日期']}2", "task.state_unknown": f"{letters['完成情况']}3",
              "task.no_evidence": f"{letters['佐证材料']}4"}
    for code, cell in expect.items():
        p = found[code]
        assert (p.location.sheet, p.location.cell) == ("任务完成情况", cell), p
        assert p.where == f"临河区_2024-06.xlsx / 任务完成情况 / {cell}"


def test_an_earlier_completion_turned_back_in_the_new_layout_names_its_date_cell(tmp_path, registry):
    """The contradiction check (issue 14) reads the new layout by its headers too."""
    ids = [t.id for t in milestone_tasks(registry, PLAN, _unit(registry))]
    store = tmp_path / "s.sqlite"
    may = write_return(tmp_path / "may" / "临河区_2024-05.xlsx", registry, PLAN, "临河区", "2024-05",
                       _values(registry), tasks=[(ids[0], date(2024, 5, 20), "验收报告.pdf")], filed=date(2024, 6, 5))
    (first,) = ingest([may], store=store, registry=registry)
    assert first.outcome == "accepted", first.problems
    path = _new_layout(registry, tmp_path / "jun" / "临河区_2024-06.xlsx", {ids[0]: (None, None, "正在推进")})
    (res,) = ingest([path], store=store, registry=registry)
    assert res.outcome == "rejected"
    assert [(p.code, p.where) for p in res.problems] == [
        ("task.completion_reverted", f"临河区_2024-06.xlsx / 任务完成情况 / {NEW['完成日期']}2")], res.problems
