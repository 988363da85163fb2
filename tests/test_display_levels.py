"""Issue 12 point 5, second half: targets judged on data of their own level, rankings of comparable and fresh
values only, trend wording from the unit's own months, one display precision (docs/evaluation.md, "Levels,
rankings, trends and display precision"). Hand-computed cases."""

from __future__ import annotations

import io
import shutil
from datetime import date

import numpy as np
import pandas as pd
import pytest

from taizhang.cli import main
from taizhang.evaluate import Settings, evaluate, rank_units
from taizhang.evaluate.ranking import SINGLE_NOTE, rank_table, unproduced_rankings
from taizhang.kernel import formatting
from taizhang.kernel.formatting import csv_ready, format_value, format_values
from taizhang.returns import ReturnRejected, read_return, write_return
from taizhang.targets import Plan, Registry, Unit, check_registry, load_registry, targets_dir

from test_evaluate import PLAN, field_obs, months, rate_obs, returns, row, target


def _registry(*targets, units=None, rankings=(), rankings_by=None) -> Registry:
    base = load_registry()
    plan = Plan(plan=PLAN, document="测试方案", issuer="测试", issued=date(2023, 1, 1), source="none.txt",
                targets=tuple(targets), rankings=rankings, rankings_by=rankings_by,
                rankings_quote="按部门排名" if rankings else None, rankings_section="二" if rankings else None)
    units = units or (Unit(id="c", name="本市", level="city"), Unit(id="a", name="甲县", level="county"),
                      Unit(id="b", name="乙县", level="county"), Unit(id="d", name="丁县", level="county"))
    return Registry(root=base.root, fields=base.fields, metrics=base.metrics, plans={PLAN: plan},
                    units={PLAN: units}, version="test", unit_rules=base.unit_rules)


# ---------------------------------------------------------------------------------------- display precision

@pytest.fixture
def decimals():
    saved = dict(formatting._UNIT_DECIMALS)
    yield formatting.use_unit_decimals
    formatting._UNIT_DECIMALS.clear()
    formatting._UNIT_DECIMALS.update(saved)


def test_display_decimals_come_from_the_registry(decimals):
    load_registry()  # installs metrics.yaml `units:` (名: 0 decimals, 小时: 1, %: 1)
    assert format_value(14.4, "名") == "14名" and format_value(2.345, "小时") == "2.3小时"
    assert format_value(70, "%") == "70.0%"
    decimals({"小时": 2, "%": 2})
    assert format_value(2.3456, "小时") == "2.35小时" and format_value(70, "%") == "70.00%"
    x = np.array([2.3456, 70.0, np.nan])
    assert list(format_values(x, np.array(["小时", "%", "%"], dtype=object))) == ["2.35小时", "70.00%", "—"]


def test_a_miss_gets_the_decimals_that_show_it(decimals):
    load_registry()
    # 14.6名 against ≥ 15名: 0 decimals would print "15名"; one more decimal shows the miss
    assert format_value(14.6, "名", threshold=15, op=">=") == "14.6名"
    assert format_value(14.6, "名") == "15名"
    # 69.99% on ≥ 70%: "69.99%", never "70.0%"; a miss too small for 4 decimals is written as the bound
    assert format_value(69.99, "%", threshold=70, op=">=") == "69.99%"
    assert format_value(69.999999, "%", threshold=70, op=">=") == "<70%"
    assert format_value(90.004, "%", threshold=90, op="<=") == "90.004%"


def test_ledger_reason_never_prints_a_miss_as_reaching_the_threshold():
    reg = _registry(target("t", value=70, deadlines=("2024-03-31",)))
    obs = [("a", "2024-06", "required_items", 10000.0), ("a", "2024-06", "entered_items", 6999.0)]
    r = row(evaluate(reg, PLAN, returns(obs), "2024-06"))
    assert r["status"] == "overdue"
    assert r["reason"].startswith("最新值 69.99%（2024-06），未达目标 ≥ 70%")
    assert "70.0%" not in r["reason"]


def test_csv_has_no_float_noise_and_no_negative_zero():
    frame = pd.DataFrame({"v": [0.1 + 0.2, -0.0, -1e-15, 69.99000000000001, np.nan], "s": list("abcde"),
                          "o": pd.Series([0.1 + 0.2, "x", None, -0.0, 1], dtype=object)})
    text = csv_ready(frame).to_csv(index=False)
    assert text.splitlines()[1:] == ["0.3,a,0.3", "0.0,b,x", "0.0,c,", "69.99,d,0.0", ",e,1"]


@pytest.mark.parametrize("view", ["ledger", "ranking", "changes"])
def test_evaluate_csv_outputs_are_clean(capsys, view):
    assert main(["evaluate", "--sample", "--plan", "baotou", "--period", "2024-03", "--view", view]) == 0
    out = capsys.readouterr().out
    frame = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    cells = frame.to_numpy().ravel()
    assert not any(c in ("-0.0", "-0") for c in cells)
    numeric = [c for c in cells if c.replace(".", "", 1).replace("-", "", 1).isdigit() and "." in c]
    assert numeric and all(len(c.split(".")[1]) <= formatting.CSV_DECIMALS for c in numeric)


# --------------------------------------------------------------------------------------------- trend wording

def test_trend_wording_uses_the_units_own_months():
    # the store spans 2023-01..2024-06 (unit b), the window is 12 months; unit a reports from 2024-02 on:
    # its trend rests on 5 months (2024-02..2024-06), and its reason says 近5个月, not 近12个月
    reg = _registry(target("t", value=100, deadlines=("2024-12-31",)))
    obs = rate_obs("a", months("2024-02", [50, 52, 54, 56, 58])) + rate_obs("b", months("2023-01", [40] * 18))
    ledger = evaluate(reg, PLAN, returns(obs), "2024-06")
    assert "按近5个月趋势" in row(ledger, "a")["reason"]
    assert "按近12个月趋势" in row(ledger, "b")["reason"]


# ------------------------------------------------------------------------------------------------- rankings

def _rank_case():
    reg = _registry(target("t", value=90, levels=("city", "county"), deadlines=("2025-12-31",)))
    obs = (rate_obs("c", {"2024-06": 99}) + rate_obs("a", {"2024-06": 80}) + rate_obs("b", {"2024-06": 85})
           + rate_obs("d", {"2024-01": 95}))  # d: 5 months old at 2024-06, stale (> 3)
    return reg, returns(obs)


def test_ranking_excludes_stale_values_and_ranks_within_a_level():
    reg, ret = _rank_case()
    ranks = rank_units(reg, PLAN, ret, "2024-06").set_index("unit")
    # counties: b 85 → 1, a 80 → 2 (of 2); d's 95 is stale: listed, unranked, said so; the city has no peer
    assert ranks.loc["b", "rank"] == 1 and ranks.loc["a", "rank"] == 2 and ranks.loc["a", "of"] == 2
    assert pd.isna(ranks.loc["d", "rank"]) and bool(ranks.loc["d", "stale"])
    assert ranks.loc["d", "note"] == "数据过期（最新 2024-01），不排名"
    assert pd.isna(ranks.loc["c", "rank"]) and ranks.loc["c", "note"] == SINGLE_NOTE
    assert ranks.loc["a", "group"] == "旗县区级" and ranks.loc["c", "group"] == "市级"
    # a longer staleness window (the ledger's setting) makes d fresh again: d 95 → 1
    wide = rank_units(reg, PLAN, ret, "2024-06", settings=Settings(stale_months=6)).set_index("unit")
    assert wide.loc["d", "rank"] == 1 and wide.loc["b", "rank"] == 2 and wide.loc["a", "rank"] == 3


def test_report_ranking_uses_the_ledgers_staleness_and_equals_the_cli():
    reg, ret = _rank_case()
    for cfg in (Settings(), Settings(stale_months=6)):
        ledger = evaluate(reg, PLAN, ret, "2024-06", cfg)
        table = rank_table(ledger, pd.DataFrame(columns=["unit", "metric", "period", "value"]), "entry_rate",
                           "2024-06")
        cli = rank_units(reg, PLAN, ret, "2024-06", settings=cfg)
        assert dict(zip(table["unit"], table["rank"].astype(object))) == \
            dict(zip(cli["unit"], cli["rank"].astype(object)))
        assert list(table["stale"]) == list(cli.set_index("unit").loc[table["unit"], "stale"])


def test_ranking_by_a_level_the_plan_has_no_units_of_is_not_produced():
    reg = _registry(target("t"), rankings=("total_cases",), rankings_by="department")
    reason = unproduced_rankings(reg, PLAN)["total_cases"]
    assert reason.startswith("未生成：方案（二）要求“按部门排名”") and "未按部门采集数据" in reason
    ranks = rank_units(reg, PLAN, returns(field_obs("a", "total_cases", {"2024-06": 5})), "2024-06")
    one = ranks[ranks["metric"] == "total_cases"]
    assert len(one) == 1 and one.iloc[0]["note"] == reason and pd.isna(one.iloc[0]["rank"])
    # with department units the ranking is produced
    units = (Unit(id="x", name="甲局", level="department"), Unit(id="y", name="乙局", level="department"))
    reg = _registry(target("t"), units=units, rankings=("total_cases",), rankings_by="department")
    assert unproduced_rankings(reg, PLAN) == {}


def test_urad_middle_department_ranking_is_marked_where_it_would_be(capsys):
    assert main(["evaluate", "--sample", "--plan", "urad-middle", "--period", "2025-03", "--view", "ranking"]) == 0
    cli = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    dept = cli[cli["metric"].isin(["total_cases", "online_case_rate", "ontime_rate"])]
    assert len(dept) == 3 and (dept["unit"] == "").all() and dept["note"].str.contains("按部门").all()
    from taizhang.report import MonthlyReport

    html = MonthlyReport.build("urad-middle", "2025-03").metrics()._repr_html_()
    assert "办件量、网上办件比率（网办比率）、按时办结率排名未生成" in html and "未按部门采集数据" in html


# --------------------------------------------------------------------------------------------------- levels

def test_baotou_township_target_is_judged_on_township_data():
    reg = load_registry()
    by_id = {t.id: t for t in reg.plan("baotou").targets}
    assert by_id["baotou.3-1-4.one-window-centers"].metric == "one_window_rate"
    town = reg.metrics[by_id["baotou.3-1-4.one-window-township"].metric]
    assert (town.numerator, town.denominator) == ("township_one_window_items", "township_entered_items")
    assert {"township_one_window_items", "township_entered_items"} <= set(reg.return_fields("baotou"))
    # a 旗县区 whose own centre misses 90% while its 便民服务中心 reach it: two different statuses
    obs = [("donghe", "2023-06", f, v) for f, v in (("entered_items", 100.0), ("one_window_items", 60.0),
                                                    ("township_entered_items", 200.0),
                                                    ("township_one_window_items", 190.0))]
    ledger = evaluate(reg, "baotou", returns(obs), "2023-06").set_index(["unit", "target_id"])
    centre = ledger.loc[("donghe", "baotou.3-1-4.one-window-centers")]
    township = ledger.loc[("donghe", "baotou.3-1-4.one-window-township")]
    assert centre["value"] == pytest.approx(60.0) and centre["status"] == "overdue"
    assert township["value"] == pytest.approx(95.0) and township["status"] == "met"


def test_registry_check_flags_two_levels_judged_on_one_field(tmp_path):
    root = tmp_path / "targets"
    shutil.copytree(targets_dir(), root)
    path = root / "plans" / "baotou.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("metric: township_one_window_rate", "metric: one_window_rate"), encoding="utf-8")
    problems = check_registry(root)
    assert [p.where for p in problems] == ["plans/baotou.yaml / 目标 baotou.3-1-4.one-window-township"]
    assert "baotou.3-1-4.one-window-centers" in problems[0].message


def test_template_carries_the_new_fields(tmp_path):
    from openpyxl import load_workbook

    from taizhang.template import write_template

    reg = load_registry()
    unit = reg.find_unit("baotou", "东河区")
    wb = load_workbook(write_template(reg, "baotou", "2026-12", unit, tmp_path / "t.xlsx"))
    codes = [c.value for c in wb["指标"]["E"]]  # the field codes: the template's last column
    assert "township_one_window_items" in codes and "township_entered_items" in codes


def _old_template_return(reg, folder, period):
    """A 东河区 return as the template before 2026-12 wrote it: without the two township rows."""
    from openpyxl import load_workbook

    values = {f: 10.0 for f in reg.return_fields("baotou")}
    path = write_return(folder / f"东河区_{period}.xlsx", reg, "baotou", "东河区", period, values,
                        filed=date(int(period[:4]) + (period[5:] == "12"), int(period[5:]) % 12 + 1, 5))
    wb = load_workbook(path)
    ws = wb["指标"]
    for r in sorted((c.row for c in ws["A"] if str(c.value).startswith("township_")), reverse=True):
        ws.delete_rows(r)
    wb.save(path)
    return path


def test_old_returns_without_the_new_field_stay_accepted_and_say_so(tmp_path):
    reg = load_registry()
    ret = read_return(_old_template_return(reg, tmp_path, "2024-03"), reg, "baotou", today=date(2026, 12, 1))
    assert "township_one_window_items" not in ret.values and ret.values["one_window_items"] == 10.0
    obs = [("donghe", "2024-03", f, v) for f, v in ret.values.items()]
    ledger = evaluate(reg, "baotou", returns(obs), "2024-03").set_index(["unit", "target_id"])
    r = ledger.loc[("donghe", "baotou.3-1-4.one-window-township")]
    assert r["status"] == "no_data"
    assert "自 2026-12 起列入报表模板，此前按旧模板报送的报表未含此项" in r["reason"]
    assert ledger.loc[("donghe", "baotou.3-1-4.one-window-centers"), "status"] == "met"
    # from 2026-12 the template carries the rows: a return without them is sent back, the field named
    with pytest.raises(ReturnRejected) as err:
        read_return(_old_template_return(reg, tmp_path, "2026-12"), reg, "baotou", today=date(2027, 1, 20))
    assert any("township_one_window_items" in str(p) for p in err.value.problems)
