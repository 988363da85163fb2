"""The ``taizhang supervise`` verb end to end: process, repeat, list (text and CSV), show, close, reopen,
notice (docx + xlsx per unit, office summary) and remind (催报单), plus the 催报 line after ingest."""

from __future__ import annotations

import csv
import io
import shutil

import openpyxl
import pytest

from taizhang.cli import main
from taizhang.sample import generate_plan_sample
from taizhang.store import ingest
from taizhang.supervision.cli import LIST_CSV_COLUMNS

from sv_support import ingested_sample


@pytest.fixture(scope="module")
def base(tmp_path_factory, registry):
    return ingested_sample(tmp_path_factory.mktemp("svcli"), registry, "bayannur", "2024-01")[0]


@pytest.fixture()
def store(base, tmp_path):
    path = tmp_path / "taizhang.sqlite"
    shutil.copy(base, path)
    return path


def test_process_repeat_list_show_close_reopen(store, capsys):
    assert main(["supervise", "--plan", "bayannur", "--period", "2023-12", "--store", str(store), "--by", "督查室"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bayannur 2023-12 督办（通报日 2024-01-15）：")
    for label in ("新增：", "仍在办：0 项", "自动销号：0 项", "逾期未整改：0 项", "升级：0 项"):
        assert label in out
    assert main(["supervise", "--plan", "bayannur", "--period", "2023-12", "--store", str(store)]) == 0
    assert "本次未改变任何记录" in capsys.readouterr().out
    assert main(["supervise", "list", "--plan", "bayannur", "--store", str(store), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert rows and list(rows[0]) == LIST_CSV_COLUMNS and {r["state"] for r in rows} == {"pending"}
    item = rows[0]["id"]
    assert main(["supervise", "list", "--plan", "bayannur", "--unit", rows[0]["unit_name"], "--state", "pending",
                 "--store", str(store)]) == 0
    assert item in capsys.readouterr().out
    assert main(["supervise", "close", item, "--reason", "经核查已整改", "--by", "王处长", "--store", str(store)]) == 0
    assert "已销号" in capsys.readouterr().out
    assert main(["supervise", "close", item, "--reason", "again", "--store", str(store)]) == 1
    assert "不能重复销号" in capsys.readouterr().err
    assert main(["supervise", "reopen", item, "--reason", "复核发现问题仍在", "--store", str(store)]) == 0
    assert main(["supervise", "show", item, "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "王处长  人工销号" in out and "重新打开" in out and "复核发现问题仍在" in out


def test_usage_errors_are_chinese(store, capsys):
    assert main(["supervise", "--plan", "bayannur", "--period", "2023-13", "--store", str(store)]) == 2
    assert "参数 --period 的取值无效" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["supervise", "close", "x", "--store", str(store)])
    assert exc.value.code == 2 and "缺少必需的参数：--reason" in capsys.readouterr().err
    assert main(["supervise", "close", "nope", "--reason", "r", "--store", str(store)]) == 1
    assert "找不到督办事项 nope" in capsys.readouterr().err
    assert main(["supervise", "notice", "--plan", "bayannur", "--period", "2023-12", "--store", str(store)]) == 1
    assert "尚未处理督办" in capsys.readouterr().err
    assert main(["supervise", "list", "--plan", "bayannur", "--store", str(store.parent / "none.sqlite")]) == 2


def test_notices_per_unit_and_office_summary(store, tmp_path, capsys):
    from docx import Document

    for m in ("2023-12", "2024-01"):
        assert main(["supervise", "--plan", "bayannur", "--period", m, "--store", str(store)]) == 0
    out = tmp_path / "notices"
    assert main(["supervise", "notice", "--plan", "bayannur", "--period", "2024-01", "--store", str(store),
                 "--out", str(out)]) == 0
    capsys.readouterr()
    docs = sorted(out.glob("*_督办通知单_2024-01.docx"))
    assert docs and len(docs) == len(list(out.glob("*_督办通知单_2024-01.xlsx")))
    text = "\n".join(p.text for p in Document(docs[0]).paragraphs)
    unit = docs[0].name.split("_")[0]
    assert text.startswith("督办通知单") and f"{unit}：" in text and "整改情况" in text
    tables = Document(docs[0]).tables
    assert tables and [c.text for c in tables[0].columns[0].cells][:3] == ["问题", "整改要求", "整改期限"]
    wb = openpyxl.load_workbook(out / "督办汇总表_2024-01.xlsx")
    assert wb.sheetnames == ["全部事项", "待整改", "整改中", "逾期未整改", "已销号", "按单位"]
    ws = wb["全部事项"]
    assert ws.auto_filter.ref and ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert not list(out.glob(".*.tmp"))
    # one source: the summary, the unit notices and the report tables hold the same items and states
    from taizhang.supervision import supervision_tables
    from taizhang.targets import load_registry

    t = supervision_tables(store, load_registry(), "bayannur", "2024-01")
    head = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "责任单位")
    names = [c.value for c in ws[head]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=head + 1)]
    i_id, i_state = names.index("编号"), names.index("状态")
    assert sorted((r[i_id], r[i_state]) for r in rows) == sorted(zip(t["items"]["id"], t["items"]["state_label"]))
    per_unit = {}
    for p in out.glob("*_督办通知单_2024-01.xlsx"):
        u = openpyxl.load_workbook(p)["督办事项"]
        h = next(r for r in range(1, 10) if u.cell(row=r, column=1).value == "编号")
        per_unit[p.name.split("_")[0]] = {u.cell(row=r, column=1).value for r in range(h + 1, u.max_row + 1)}
    open_items = t["items"][t["items"]["state"] != "closed"]
    assert per_unit == {n: set(g["id"]) for n, g in open_items.groupby("unit_name")}
    by_unit = t["by_unit"].set_index("unit_name")
    assert all(by_unit.loc[n, "open"] == len(ids) for n, ids in per_unit.items())


def test_reminders_and_outstanding_after_ingest(registry, tmp_path, capsys):
    generate_plan_sample(registry, "bayannur", tmp_path / "s", last="2024-02")
    files = sorted((tmp_path / "s").glob("*_2024-02.xlsx"))
    store = tmp_path / "taizhang.sqlite"
    assert main(["ingest", *map(str, files[:3]), "--store", str(store), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "bayannur 2024-02 催报：" in err and "taizhang supervise remind --plan bayannur --period 2024-02" in err
    out = tmp_path / "remind"
    from taizhang.supervision import office as office_module

    office_module._WARNED.clear()  # warned once per run: this test is a fresh run
    assert main(["supervise", "remind", "--plan", "bayannur", "--period", "2024-02", "--store", str(store),
                 "--out", str(out), "--today", "2024-03-15"]) == 0
    ws = openpyxl.load_workbook(out / "催报单_2024-02.xlsx")["催报单"]
    units = {u.name for u in registry.unit_list("bayannur")}
    listed = {ws.cell(row=r, column=1).value for r in range(5, ws.max_row + 1)}
    sent = {f.name.split("_")[0] for f in files[:3]}
    assert units - sent <= listed
    text = (out / "催报短信_2024-02.txt").read_text(encoding="utf-8")
    assert "2024年2月月度报表截止日为 2024年3月10日，已逾期 5 天，请立即报送。——政务服务督查室" in text
    assert "2024-02" not in text  # months and days as people write them
    err = capsys.readouterr().err  # targets/office.yaml has no contact or phone: said once, visibly
    assert err.count("未填写联系人、联系电话") == 1 and "各单位无号码可打" in err


def test_template_command_prefills_open_items_from_the_store(store, tmp_path, capsys):
    assert main(["supervise", "--plan", "bayannur", "--period", "2023-12", "--store", str(store)]) == 0
    out = tmp_path / "tpl"
    assert main(["template", "--plan", "bayannur", "--period", "2024-01", "--unit", "临河区", "--store", str(store),
                 "--out", str(out)]) == 0
    ws = openpyxl.load_workbook(out / "临河区_2024-01.xlsx")["整改情况"]
    listed = [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)]
    capsys.readouterr()
    assert main(["supervise", "list", "--plan", "bayannur", "--unit", "linhe", "--state", "open", "--store", str(store),
                 "--format", "csv"]) == 0
    expected = [r["id"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff")))]
    assert listed == expected and expected
    assert main(["template", "--plan", "bayannur", "--period", "2024-01", "--store", str(tmp_path / "no.sqlite")]) == 2


def test_a_month_without_returns_is_refused_and_missing_units_are_named(registry, tmp_path, capsys):
    generate_plan_sample(registry, "bayannur", tmp_path / "s", last="2024-01")
    store = tmp_path / "taizhang.sqlite"
    files = sorted((tmp_path / "s").glob("*_2023-1[12].xlsx"))
    dec = [f for f in files if "2023-12" in f.name]
    assert all(r.ok for r in ingest([*[f for f in files if "2023-11" in f.name], *dec[:2]], store=store,
                                    registry=registry))
    assert main(["supervise", "--plan", "bayannur", "--period", "2024-01", "--store", str(store)]) == 2
    assert "没有方案 bayannur 2024-01 的已接收报表" in capsys.readouterr().err
    assert main(["supervise", "--plan", "bayannur", "--period", "2023-12", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    sent = {f.name.split("_")[0] for f in dec[:2]}
    missing = [u.name for u in registry.unit_list("bayannur") if u.name not in sent]
    assert f"以下 {len(missing)} 个单位的 2023-12 报表尚未收到" in out and "、".join(missing) in out
