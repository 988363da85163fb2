"""The 整改情况 sheet: template round trip, one fixture per bad input (whole file rejected, located Chinese
problem), returns without the sheet still accepted, completed tasks prefilled and contradictions refused."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from datetime import date

import openpyxl
import pandas as pd
import pytest

from taizhang.project import project_root
from taizhang.sample import generate_plan_sample
from taizhang.store import ingest, submissions_frame
from taizhang.supervision import close_item, history_frame, items_frame, supervise
from taizhang.supervision.answers import ANSWER_SHEET
from taizhang.template import task_column, template_column, write_templates

FIX = project_root() / "tests" / "fixtures" / "answers"
F = "临河区_2024-05.xlsx"
W = f"{F} / {ANSWER_SHEET}"
A = "bayannur.3-2-1-3.entry-rate"
B = "bayannur.2.2022-standards"


def _ledger(rows):
    """A ledger frame with the columns supervise reads (statuses as the ledger's codes)."""
    return pd.DataFrame([{"unit": u, "unit_name": n, "target_id": t, "title": title, "status": s, "reason": f"理由 {s}",
                          "threshold_label": "≥ 100%", "value": 90.0, "target_unit": "%", "lead": ""}
                         for u, n, t, title, s in rows])


@pytest.fixture()
def store(tmp_path, registry):
    """A store with three items of 2024-05: -001 临河区 (open), -002 五原县 (open), -003 临河区 (closed by hand)."""
    path = tmp_path / "store.sqlite"
    supervise(path, registry, "bayannur", "2024-05", by="测试", ledger=_ledger([
        ("linhe", "临河区", A, "政务服务事项进驻率", "overdue"),
        ("wuyuan", "五原县", A, "政务服务事项进驻率", "overdue"),
        ("linhe", "临河区", B, "规范标准", "task_overdue")]))
    close_item(path, "bayannur-202405-003", "经核实已整改", by="测试")
    return path


BAD = {
    "unknown_id": [f"{W} / A4：未知的督办事项编号“bayannur-202405-099”（请使用模板中预填的编号，不要自行添加）"],
    "closed_id": [f"{W} / A4：督办事项 bayannur-202405-003 已于 2024-05销号，无需再填报整改情况"],
    "other_unit": [f"{W} / A4：督办事项 bayannur-202405-002 是五原县的事项，不能由本单位填报"],
    "bad_date": [f"{W} / G4：预计完成日期应为 YYYY-MM-DD，实际为“下个月底”"],
    "done_without_evidence": [f"{W} / H4：进展为“已完成”，须填写佐证材料（文件名或说明）"],
    "bad_progress": [f"{W} / F4：进展应为 已完成、正在整改、未启动 之一，实际为“差不多”"],
    "measures_missing": [f"{W} / E4：已选择进展，须同时填写整改措施"],
    "duplicate_id": [f"{W} / A5：督办事项 bayannur-202405-001 重复填写，第 4 行已有"],
    "missing_column": [f"{W} / 第3行：表头缺少“进展”列"],
}
#: each defect's stable problem code (taizhang.returns.codes), as the store keeps it
CODES = {"unknown_id": "answer.unknown", "closed_id": "answer.closed", "other_unit": "answer.other_unit",
         "bad_date": "answer.date_format", "done_without_evidence": "answer.no_evidence",
         "bad_progress": "answer.progress_unknown", "measures_missing": "answer.measures_missing",
         "duplicate_id": "answer.duplicate", "missing_column": "answer.column_missing"}


@pytest.mark.parametrize("defect", sorted(BAD))
def test_bad_answer_sheet_rejects_the_whole_file(defect, store, registry, tmp_path):
    src = FIX / "bad" / defect / F
    before = src.read_bytes()
    (res,) = ingest([src], store=store, registry=registry, feedback_dir=tmp_path / "fb")
    assert res.outcome == "rejected"
    assert [str(p) for p in res.problems] == BAD[defect]
    assert [p.code for p in res.problems] == [CODES[defect]]
    assert res.problems[0].location.sheet == ANSWER_SHEET
    with closing(sqlite3.connect(store)) as con:  # stored with its code, not as a legacy problem
        assert [r[0] for r in con.execute("SELECT code FROM problems")] == [CODES[defect]]
    assert src.read_bytes() == before  # the original is never modified
    subs = submissions_frame(store, "bayannur")
    assert list(subs["outcome"]) == ["rejected"]  # nothing of the file was stored as accepted
    assert items_frame(store, "bayannur").set_index("id").loc["bayannur-202405-001", "state"] == "pending"


def test_good_answer_moves_item_to_in_progress_and_keeps_history(store, registry):
    (res,) = ingest([FIX / "good" / F], store=store, registry=registry)
    assert res.outcome == "accepted", res.problems
    item = items_frame(store, "bayannur").set_index("id").loc["bayannur-202405-001"]
    assert (item["state"], item["last_progress"], item["last_measures"]) == ("in_progress", "正在整改", "已补充窗口人员")
    hist = history_frame(store, "bayannur-202405-001")
    assert list(hist["kind"]) == ["open", "answer"]
    assert hist.iloc[-1]["by"] == "临河区" and "预计 2024-07-31" in hist.iloc[-1]["reason"]


def test_return_without_the_sheet_is_still_accepted(store, registry, tmp_path):
    generate_plan_sample(registry, "bayannur", tmp_path / "s", last="2024-05")
    (res,) = ingest([tmp_path / "s" / F], store=store, registry=registry)
    assert res.outcome == "accepted"
    assert items_frame(store, "bayannur").set_index("id").loc["bayannur-202405-001", "state"] == "pending"


def test_template_round_trip(store, registry, tmp_path):
    """The template lists the unit's open items (not the closed one, not another unit's); filled in and
    returned, the answers are stored."""
    (path,) = write_templates(registry, "bayannur", "2024-06", tmp_path / "tpl", unit="linhe", store=store)
    wb = openpyxl.load_workbook(path)
    ws = wb[ANSWER_SHEET]
    assert [c.value for c in ws[3]] == ["编号", "问题", "整改期限", "上次填报的措施", "整改措施", "进展", "预计完成日期", "佐证材料"]
    ids = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    assert ids == ["bayannur-202405-001"]
    assert ws.protection.sheet and ws["A4"].protection.locked and not ws["E4"].protection.locked
    assert ws["C4"].value == "2024-07-08"  # 2024-05 通报日 2024-06-17 (15th is a Saturday) + 15 working days
    # fill in like a district does: metrics from the sample return, the answer in the 整改情况 sheet
    generate_plan_sample(registry, "bayannur", tmp_path / "s", last="2024-06")
    sample = openpyxl.load_workbook(tmp_path / "s" / "临河区_2024-06.xlsx")
    src, dst = sample["指标"], wb["指标"]
    for row in src.iter_rows(min_row=6):
        code, value = row[0].value, row[3].value
        for r in range(6, dst.max_row + 1):
            if dst.cell(row=r, column=template_column("字段代码")).value == code:
                dst.cell(row=r, column=template_column("数值"), value=value)
    dst["E3"] = date(2024, 7, 5)
    ws["E4"], ws["F4"], ws["G4"], ws["H4"] = "已完成事项进驻", "已完成", date(2024, 6, 28), "进驻清单.pdf"
    wb.save(path)
    (res,) = ingest([path], store=store, registry=registry)
    assert res.outcome == "accepted", res.problems
    item = items_frame(store, "bayannur").set_index("id").loc["bayannur-202405-001"]
    assert (item["state"], item["last_progress"], item["last_answer_period"]) == ("in_progress", "已完成", "2024-06")
    # next month's template shows what the unit last reported
    (nxt,) = write_templates(registry, "bayannur", "2024-07", tmp_path / "tpl2", unit="linhe", store=store)
    assert openpyxl.load_workbook(nxt)[ANSWER_SHEET]["D4"].value == "已完成事项进驻"


def test_completed_tasks_prefilled_and_contradictions_rejected(registry, tmp_path):
    store = tmp_path / "store.sqlite"
    generate_plan_sample(registry, "bayannur", tmp_path / "s", last="2023-03")
    files = sorted((tmp_path / "s").glob("临河区_2023-0[12].xlsx"))
    assert all(r.ok for r in ingest(files, store=store, registry=registry))
    (path,) = write_templates(registry, "bayannur", "2023-03", tmp_path / "tpl", unit="linhe", store=store)
    ws = openpyxl.load_workbook(path)["任务完成情况"]
    rows = {ws.cell(row=r, column=task_column("目标编号")).value: r for r in range(2, ws.max_row + 1)}
    done = [tid for tid, r in rows.items() if ws.cell(row=r, column=task_column("完成情况")).value == "已完成"]
    assert done, "the sample unit has tasks completed by 2023-02"
    r = rows[done[0]]
    cell = ws.cell(row=r, column=task_column("完成日期"))
    assert cell.value is not None and cell.protection.locked
    # a later return (the sample's: the earlier layout, 目标编号 in A) that turns a completion back is a located problem
    wb = openpyxl.load_workbook(tmp_path / "s" / "临河区_2023-03.xlsx")
    t = wb["任务完成情况"]
    for rr in range(2, t.max_row + 1):
        if t.cell(row=rr, column=1).value == done[0]:
            t.cell(row=rr, column=5).value = None
            t.cell(row=rr, column=6).value = None
            t.cell(row=rr, column=7).value = "正在推进"
            ref = f"E{rr}"
    bad = tmp_path / "bad" / "临河区_2023-03.xlsx"
    bad.parent.mkdir()
    wb.save(bad)
    (res,) = ingest([bad], store=store, registry=registry)
    assert res.outcome == "rejected"
    assert [p.where for p in res.problems] == [f"临河区_2023-03.xlsx / 任务完成情况 / {ref}"], res.problems
    assert "不能改回未完成" in res.problems[0].message
    assert res.problems[0].code in ("task.completion_reverted", "task.completion_cleared")
