"""Report sections and parameter checks, in-process: escaping, deadlines, changes, due-soon, heat map, ranking."""

from __future__ import annotations

import pandas as pd
import pytest

from taizhang.errors import ParameterError
from taizhang.ledger import (changes_table, deadline_cell, due_soon_table, heatmap_html, ledger_html,
                             ranking_table, summary_html)
from taizhang.report import check_parameters


@pytest.fixture(scope="module")
def monthly(registry):
    from taizhang.report import MonthlyReport, default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, "bayannur", default_inputs("bayannur"))
    return MonthlyReport.build("bayannur", "2024-06")


def test_text_from_returns_and_registry_is_escaped(monthly):
    ledger = monthly.ledger.copy()
    ledger["unit_name"] = ledger["unit_name"].where(ledger["unit"] != "linhe", "<script>alert(1)</script>")
    ledger["quote"] = '"><img src=x onerror=alert(1)>'
    ledger["lead"] = "<b>牵头</b>"
    html = ledger_html(ledger, "linhe") + heatmap_html(ledger) + summary_html(ledger)
    assert "<script>" not in html and "<img" not in html and "<b>牵头</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;牵头&lt;/b&gt;" in html


def test_two_deadlines_are_both_shown_and_assumed_ones_labelled():
    Row = pd.DataFrame([{"deadline_text": "2022年底前；2022年8月中旬前", "deadlines_all": ["2022-08-20", "2022-12-31"],
                         "deadline_assumed": False, "deadline": "2022-08-20"},
                        {"deadline_text": "期限未明确", "deadlines_all": [], "deadline_assumed": True,
                         "deadline": "2025-12-31"}])
    two, assumed = [deadline_cell(r) for r in Row.itertuples(index=False)]
    assert "2022年底前" in two and "2022年8月中旬前" in two and "按较早者评估" in two
    assert "假定期限" in assumed and "2025-12-31" in assumed and "假定期限" not in two


def test_ledger_rows_show_the_plans_words_deadline_and_lead(monthly):
    html = ledger_html(monthly.ledger, "linhe")
    row = monthly.ledger[(monthly.ledger["unit"] == "linhe") & (monthly.ledger["kind"] == "quantitative")].iloc[0]
    import html as h

    assert h.escape(row["quote"]) in html and h.escape(row["title"]) in html
    for part in str(row["deadline_text"]).split("；"):
        assert h.escape(part) in html


def test_changes_since_last_month_compare_with_the_previous_ledger(monthly):
    prev = monthly.ledger.copy()
    changed = prev.index[(prev["status"] == "met")][:2]
    prev.loc[changed, "status"] = "overdue"
    table = changes_table(monthly.ledger, prev)
    keys = set(zip(table["unit"], table["target_id"]))
    for i in changed:
        assert (prev.at[i, "unit"], prev.at[i, "target_id"]) in keys
    row = table[(table["unit"] == prev.at[changed[0], "unit"]) & (table["target_id"] == prev.at[changed[0], "target_id"])]
    assert row["before"].iloc[0] == "overdue" and row["after"].iloc[0] == "met" and row["direction"].iloc[0] == "better"
    assert changes_table(monthly.ledger, monthly.ledger).empty


def test_due_soon_lists_only_open_items_with_a_near_deadline(monthly):
    frame = due_soon_table(monthly.ledger, 60)
    assert not frame["status"].isin(["met", "done", "done_late", "not_applicable", "overdue", "task_overdue"]).any()
    if "due_soon" not in set(monthly.ledger["status"]):
        days = pd.to_numeric(frame["days_to_deadline"])
        assert ((days >= 0) & (days <= 60)).all()


def test_heatmap_has_one_cell_per_unit_and_target_with_symbol(monthly, registry):
    html = heatmap_html(monthly.ledger)
    q = monthly.ledger[monthly.ledger["kind"].isin(["quantitative", "recurring"])]
    assert html.count('class="tz-hm"') == len(q)
    assert html.count("<tr>") == q["target_id"].nunique() + 1


def test_ranking_orders_by_value_and_respects_lower_is_better(monthly, registry):
    for metric in ("one_window_rate", "window_staff_max_age"):
        m = registry.metrics[metric]
        rank = ranking_table(monthly.ledger, monthly.values, metric, "2024-06", m.higher_is_better)
        vals = rank["value"].dropna().tolist()
        assert vals == sorted(vals, reverse=m.higher_is_better)
        assert rank["rank"].iloc[0] == 1


@pytest.mark.parametrize("namespace, parameter, given", [
    ({"plan": "nowhere", "period": "2024-06"}, "plan", "nowhere"),
    ({"plan": "bayannur", "period": "2024-13"}, "period", "2024-13"),
    ({"plan": "bayannur", "period": "2024-06", "colour": "red"}, "colour", "red"),
])
def test_wrong_monthly_parameters_name_parameter_value_and_allowed(namespace, parameter, given):
    with pytest.raises(ParameterError) as err:
        check_parameters(namespace, "monthly_ledger")
    assert err.value.parameter == parameter and err.value.given == given
    assert f"参数 {parameter} 的取值无效" in err.value.message and err.value.allowed


def test_unit_not_in_plan_lists_the_plans_units():
    with pytest.raises(ParameterError) as err:
        check_parameters({"plan": "bayannur", "unit": "火星区", "period": ""}, "district_report")
    assert err.value.parameter == "unit" and "临河区" in err.value.allowed
    ok = check_parameters({"plan": "bayannur", "unit": "临河区", "period": "2024-06"}, "district_report")
    assert ok["unit"] == "linhe"


def test_metric_by_chinese_name_and_unknown_metric():
    assert check_parameters({"metric": "一窗受理率"}, "plan_comparison")["metric"] == "one_window_rate"
    with pytest.raises(ParameterError) as err:
        check_parameters({"metric": "no_such_metric"}, "plan_comparison")
    assert err.value.parameter == "metric" and "one_window_rate" in err.value.allowed


def test_comparison_keeps_each_plans_own_threshold(registry):
    from taizhang.report import ComparisonReport

    frame = ComparisonReport.build("one_window_rate").frame()
    assert frame["plan"].nunique() >= 2
    expected = [(pid, t.section, t.threshold_label) for pid in ("bayannur", "baotou", "urad-middle", "yinchuan", "artux")
                for t in registry.plans[pid].targets if t.metric == "one_window_rate"]
    assert list(zip(frame["plan"], frame["section"], frame["threshold"])) == expected
