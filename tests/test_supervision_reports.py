"""The 督办 section in every report: the monthly ledger, the one-page brief, the Word 通报 and the district
report show the same items and states as ``taizhang supervise list`` (one source); a month without a
supervision run, or a report on data that is not a store, says so in one plain line, never a "0"."""

from __future__ import annotations

import csv
import io
import re
import shutil

import docx
import pytest

from taizhang.cli import main
from taizhang.report import MonthlyReport
from taizhang.reports.blocks import Blocks, Notice, TableSpec, Tiles
from taizhang.reports.specs import SPECS
from taizhang.reports.supervision_section import COUNT_LABELS, history_lines
from taizhang.sample import generate_plan_sample
from taizhang.store import ingest
from taizhang.supervision import close_item, items_frame, supervision_tables
from taizhang.supervision.sample import run_sample_loop

PLAN, LAST = "bayannur", "2023-06"


@pytest.fixture(scope="module")
def store(tmp_path_factory, registry):
    """bayannur sample returns to 2023-06 with the 督办 loop run over every month (answers, auto-closes,
    escalations, one manual close)."""
    tmp = tmp_path_factory.mktemp("svrep")
    generate_plan_sample(registry, PLAN, tmp / "s", last=LAST)
    path = tmp / "taizhang.sqlite"
    assert all(r.ok for r in ingest([tmp / "s"], store=path, registry=registry))
    assert run_sample_loop(registry, PLAN, path, tmp / "answers")
    return path


@pytest.fixture(scope="module")
def report(store):
    return MonthlyReport.build(PLAN, LAST, store=str(store))


def _listed(store, capsys, *extra) -> list[dict]:
    capsys.readouterr()
    assert main(["supervise", "list", "--plan", PLAN, "--store", str(store), "--format", "csv", *extra]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))


def _tables(blocks: Blocks) -> list[TableSpec]:
    return [b for b in blocks.parts if isinstance(b, TableSpec)]


def _ids(spec: TableSpec) -> list[str]:
    return [c.text for c in spec.column("id")]


def test_section_is_in_the_monthly_and_the_district_spec():
    assert "supervision" in [s.call for s in SPECS["monthly_ledger"].sections]
    assert "supervision" in [s.call for s in SPECS["district_report"].sections]


def test_monthly_section_brief_docx_and_list_show_the_same_items(report, store, registry, capsys, tmp_path):
    listed = _listed(store, capsys, "--state", "open")
    section = report.supervision()
    tiles = next(b for b in section.parts if isinstance(b, Tiles))
    units, changed, still = _tables(section)
    # every open item, with the state the list prints (escalation shown beside it)
    assert sorted(_ids(still)) == sorted(r["id"] for r in listed)
    by_id = {r["id"]: r for r in listed}
    for cell_id, cell_state in zip(_ids(still), still.column("state_label")):
        r = by_id[cell_id]
        assert cell_state.text == r["state_label"] + (f"（{r['escalation']}）" if r["escalation"] else "")
    # the counts: tiles, per-unit table, brief line and 通报 agree with the list
    n_open, n_over = len(listed), sum(r["state"] == "overdue" for r in listed)
    n_esc = sum(r["escalation"] != "" for r in listed)
    shown = dict(zip([t.label for t in tiles.tiles], [int(t.number) for t in tiles.tiles]))
    assert shown["未销号"] == n_open and shown["逾期未整改"] == n_over and shown["已升级"] == n_esc
    assert n_open > 0 and n_over > 0 and n_esc > 0
    assert sum(int(c.value) for c in units.column("open")) == n_open
    counts = supervision_tables(store, registry, PLAN, LAST)["counts"].iloc[0]
    assert shown == {label: int(counts[k]) for k, label in COUNT_LABELS.items()}
    brief = report.brief_parts
    assert brief.supervision == f"督办：本月新增 {shown['本月新增']} 项，销号 {shown['本月销号']} 项"
    assert any(getattr(b, "tail", None) == brief.supervision for b in report.brief().parts)
    per_unit = {r["unit_name"]: (sum(1 for x in listed if x["unit_name"] == r["unit_name"]),
                                 sum(1 for x in listed if x["unit_name"] == r["unit_name"] and x["escalation"]))
                for r in listed}
    for row in brief.units.rows:  # the brief's unit table: each unit's open and escalated items
        assert (int(row[-2].value), int(row[-1].value)) == per_unit.get(row[0].text, (0, 0))
    doc = docx.Document(str(report.write_docx(tmp_path / "通报.docx")))
    texts = [p.text for p in doc.paragraphs]
    i = texts.index("四、督办情况")
    assert f"未销号 {n_open} 项" in texts[i + 1] and f"逾期未整改 {n_over} 项" in texts[i + 1]
    assert "约谈：" in texts[i + 2]  # the escalations by unit
    words = docx.Document(str(tmp_path / "通报.docx")).tables[-1]  # the unit table carries the 督办 columns
    assert [c.text for c in words.rows[0].cells][-2:] == ["督办未销号", "其中已升级"]
    # the month's changes: new items of the month are the list's items opened in it
    new = [r["id"] for r in listed if r["opened_period"] == LAST]
    assert set(new) <= set(_ids(changed))


def test_district_report_lists_the_units_items_with_history(store, capsys):
    unit = MonthlyReport.build(PLAN, LAST, store=str(store), unit="linhe")
    listed = _listed(store, capsys, "--unit", "linhe", "--state", "open")
    (spec,) = _tables(unit.supervision())
    open_ids = [i for i, s in zip(_ids(spec), spec.column("state_label")) if not s.text.startswith("已销号")]
    assert sorted(open_ids) == sorted(r["id"] for r in listed) and open_ids
    history = spec.column("history")
    assert all("立项督办" in c.text for c in history)  # each row carries its record from the opening on
    assert any("升级" in c.text for c in history)


def test_history_lines_keep_changes_and_count_follow_ups(store):
    from taizhang.supervision import history_frame

    items = items_frame(store, PLAN)
    item = items[items["escalation"] != ""].iloc[0]["id"]
    hist = history_frame(store, item)
    out = history_lines(hist)
    n_updates = int((hist["kind"] == "update").sum())
    assert out[0].split(" ", 1)[1].startswith("立项督办") and n_updates
    assert out[-1].startswith(f"月度跟踪 {n_updates} 次")
    assert len(out) == len(hist) - n_updates + 1


def test_an_earlier_month_shows_the_states_of_that_month(store, registry):
    """An item closed later is still open in the report of an earlier month; no later escalation shows."""
    items = items_frame(store, PLAN)
    later = items[(items["state"] == "closed") & (items["closed_period"] > "2023-02")
                  & (items["opened_period"] <= "2023-02")]
    assert not later.empty
    t = supervision_tables(store, registry, PLAN, "2023-02")["items"].set_index("id")
    for item_id in later["id"]:
        assert t.loc[item_id, "state"] != "closed"
    esc = supervision_tables(store, registry, PLAN, "2022-12")["items"]
    assert (esc["escalation"] == "").all()  # escalation comes after 3 reports


def test_a_manual_close_shows_as_such_in_the_month(store, registry, tmp_path, capsys):
    path = tmp_path / "s.sqlite"
    shutil.copy(store, path)
    open_ = items_frame(path, PLAN, state="overdue")
    item_id = open_.iloc[0]["id"]
    close_item(path, item_id, "经现场核查已整改", by="测试")
    t = supervision_tables(path, registry, PLAN, LAST)["items"].set_index("id")
    assert t.loc[item_id, "change"] == "人工销号" and t.loc[item_id, "state"] == "closed"
    assert item_id not in {r["id"] for r in _listed(path, capsys, "--state", "open")}


def test_month_not_processed_says_so_in_one_line(store, registry, tmp_path):
    path = tmp_path / "fresh.sqlite"
    generate_plan_sample(registry, PLAN, tmp_path / "s", last="2022-12")
    assert all(r.ok for r in ingest([tmp_path / "s"], store=path, registry=registry))
    rep = MonthlyReport.build(PLAN, "2022-12", store=str(path))
    (only,) = rep.supervision().parts
    assert isinstance(only, Notice) and "尚未处理督办" in only.text and "taizhang supervise" in only.text
    assert not re.search(r"\b0 项", only.text)
    assert rep.brief_parts.supervision.startswith("督办：") and "尚未处理督办" in rep.brief_parts.supervision
    doc = docx.Document(str(rep.write_docx(tmp_path / "通报.docx")))
    texts = [p.text for p in doc.paragraphs]
    assert "尚未处理督办" in texts[texts.index("四、督办情况") + 1]


def test_sample_data_without_a_store_says_so(tmp_path):
    rep = MonthlyReport.build(PLAN, LAST, sample="是")
    (only,) = rep.supervision().parts
    assert isinstance(only, Notice) and "不是数据库" in only.text and "0" not in only.text.replace("2023-06", "")
    unit = MonthlyReport.build(PLAN, LAST, sample="是", unit="linhe")
    assert "不是数据库" in unit.supervision().parts[0].text


def test_view_is_read_again_after_the_store_changes(store, registry, tmp_path):
    from taizhang.reports.supervision_section import supervision_view

    path = tmp_path / "v.sqlite"
    shutil.copy(store, path)
    before = supervision_view(path, registry, PLAN, LAST)
    item_id = before.items().query("state == 'overdue'").iloc[0]["id"]
    close_item(path, item_id, "经现场核查已整改", by="测试")
    after = supervision_view(path, registry, PLAN, LAST)
    assert after.counts["closed"] == before.counts["closed"] + 1
    assert after.counts["open"] == before.counts["open"] - 1


def test_brief_with_a_living_supervision_still_fits_one_a4_page(registry, tmp_path):
    """baotou (16 units, the longest brief) on a store with 督办 records: the unit table's two columns and the
    short line after the changes add no line to the page."""
    import subprocess

    from taizhang.render import Job, run_jobs

    generate_plan_sample(registry, "baotou", tmp_path / "s", last="2023-06")
    path = tmp_path / "taizhang.sqlite"
    assert all(r.ok for r in ingest([tmp_path / "s"], store=path, registry=registry))
    assert run_sample_loop(registry, "baotou", path, tmp_path / "answers")
    (res,) = run_jobs([Job("monthly_brief", plan="baotou", period="2023-06", store=str(path))], formats=("pdf",),
                      out=tmp_path / "out", progress=False)
    info = subprocess.run(["pdfinfo", str(res.pdf)], capture_output=True, text=True, check=True).stdout
    assert "Pages:           1" in info
    text = subprocess.run(["pdftotext", str(res.pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "督办未销号" in text and "督办：本月新增" in text
