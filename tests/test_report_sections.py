"""Report sections and parameter checks, in-process: escaping, deadlines, changes, due-soon, heat map, ranking."""

from __future__ import annotations

import re

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
    two, assumed = [deadline_cell(r).text for r in Row.itertuples(index=False)]
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


def test_due_soon_lists_exactly_the_rows_judged_due_soon():
    from taizhang.report import MonthlyReport

    ledger = MonthlyReport.build("bayannur", "2022-10").ledger  # most deadlines (2022-12-31) are near
    frame = due_soon_table(ledger)
    assert len(frame) == (ledger["status"] == "due_soon").sum() > 0
    assert set(frame["status"]) == {"due_soon"}


def test_heatmap_has_one_cell_per_unit_and_target_with_symbol(monthly, registry):
    html = heatmap_html(monthly.ledger)
    q = monthly.ledger[monthly.ledger["kind"].isin(["quantitative", "recurring"])]
    assert html.count('class="tz-hm"') == len(q)
    assert html.count("<tr>") == q["target_id"].nunique() + 1


def test_ranking_orders_by_value_and_respects_lower_is_better(monthly, registry):
    for metric in ("one_window_rate", "window_staff_max_age"):
        m = registry.metrics[metric]
        rank = ranking_table(monthly.ledger, monthly.values, metric, "2024-06", m.higher_is_better)
        # ranked within each level (docs/evaluation.md, "Levels, rankings …"): sorted there, best first
        ranked = rank[rank["rank"].notna()]
        assert len(ranked)
        for _group, part in ranked.groupby("group", sort=False):
            vals = part["value"].tolist()
            assert vals == sorted(vals, reverse=m.higher_is_better)
            assert part["rank"].iloc[0] == 1


def test_a_rank_says_among_how_many_units(monthly, registry):
    """名次 reads "3/10" (a unit's own report shows only its own row), and names its level when there are two."""
    from taizhang.ledger import ranking_spec

    for metric in ("one_window_rate", "window_staff_max_age"):
        m = registry.metrics[metric]
        rank = ranking_table(monthly.ledger, monthly.values, metric, "2024-06", m.higher_is_better)
        spec = ranking_spec(rank)
        multi = rank["group"].nunique() > 1
        for row, r in zip(spec.rows, rank.itertuples(index=False)):
            if pd.isna(r.rank):
                assert row[0].text == "—"
            else:
                expected = f"{int(r.rank)}/{int(r.of)}"
                assert row[0].text == (f"{r.group} {expected}" if multi else expected)
                assert int(r.of) == int(((rank["group"] == r.group) & rank["rank"].notna()).sum())


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


def test_lists_follow_the_registrys_unit_order(monthly, registry):
    from taizhang.ledger import overdue_table, sort_by_unit

    order = [u.id for u in registry.unit_list("bayannur")]
    tasks = sort_by_unit(monthly.ledger[monthly.ledger["status"] == "task_overdue"], monthly.ledger,
                         ["days_to_deadline"])
    for frame in (tasks, overdue_table(monthly.ledger), due_soon_table(monthly.ledger)):
        seen = list(dict.fromkeys(frame["unit"]))
        assert seen == [u for u in order if u in seen]
    assert len(set(tasks["unit"])) > 2
    # within a unit, the most overdue first
    for _, part in tasks.groupby("unit"):
        days = part["days_to_deadline"].astype(int).tolist()
        assert days == sorted(days)


def test_milestones_section_lists_every_overdue_task_with_its_units_in_unit_order(monthly, registry):
    """Nothing is left out (issue 13 point 2): every overdue unit × task pair is in the list, one row per task,
    its units in the registry's order."""
    from html import unescape

    html = unescape(monthly.milestones().data)
    table = html[html.index("逾期未完成的节点任务"):]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>"):])
    names = [u.name for u in registry.unit_list("bayannur")]
    overdue = monthly.ledger[monthly.ledger["status"] == "task_overdue"]
    assert len(overdue) > 30  # more than the 30 the list once showed
    listed = {}
    for tr in rows:
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
        units = re.sub(r"（\d+）$", "", cells[4]).split("、")
        assert units == [n for n in names if n in units]
        listed[cells[1]] = units
    assert len(listed) == overdue["target_id"].nunique() == len(rows)
    for r in overdue.itertuples():
        assert r.unit_name in listed[r.title]


def test_store_check_record_is_in_chinese(registry):
    from taizhang.ledger import store_checks_html

    frame = pd.DataFrame([
        {"unit": "linhe", "unit_name": "临河区", "status": "reported", "status_label": "按时报送",
         "file": "临河区_2024-06.xlsx", "received": "2024-07-05T08:30:00+00:00", "filed": "2024-07-03",
         "revision": 1, "problems": ""},
        {"unit": "city", "unit_name": "市本级", "status": "rejected", "status_label": "被退回",
         "file": "市本级_2024-06.xlsx", "received": "2024-07-06T09:00:00+00:00", "filed": "",
         "revision": pd.NA, "problems": "工作表 数据 B3：应为数字\n工作表 数据 B4：<不能为空>"}])
    html = store_checks_html(frame)
    heads = ["单位", "报送情况", "报表文件", "入库时间", "填报日期", "修订次数", "问题"]
    assert all(f">{h}</th>" in html for h in heads)
    for code in ("unit_name", "status_label", "received", "revision", "problems", ">linhe<", ">city<",
                 "reported", "rejected<", "T08:30"):
        assert code not in html, code
    assert "按时报送" in html and "被退回" in html and "临河区" in html
    assert "应为数字<br>工作表 数据 B4：&lt;不能为空&gt;" in html


def test_footer_shows_chinese_parameters_and_unit_names(monthly, registry):
    html = monthly.footer().data
    params = html[html.index("报告参数"):html.index("</p>", html.index("报告参数"))]
    assert "统计月份：2024-06" in params and registry.plan("bayannur").document in params
    for internal in ("inputs", "excel", "store", "'", "=", "reports/", "plan"):
        assert internal not in params, internal
    files = html[html.index("本月判断所依据的报表文件"):]
    assert "份；清单摘要（SHA-256）" in files and ".report.json" in files
    assert ">linhe<" not in files and "<table" not in files  # no per-file list on paper


def test_footer_parameter_items_leave_out_empty_and_internal_ones(registry):
    from taizhang.report import parameter_items

    items = dict(parameter_items(registry, {
        "plan": "baotou", "unit": "donghe", "period": "", "inputs": "", "store": "/x/y.sqlite",
        "excel": "/tmp/reports/a.xlsx", "scenario": "", "assume": "baotou.x=2024-12-31;baotou.y=2025-01-31"}))
    assert items == {"方案": registry.plan("baotou").document, "单位": "东河区", "统计月份": "数据中最新的月份",
                     "假定期限": "2 项（见首页说明）"}


def test_month_before_the_plan_gets_a_notice_and_no_empty_charts(registry):
    from taizhang.report import MonthlyReport, default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, "urad-middle", default_inputs("urad-middle"))
    report = MonthlyReport.build("urad-middle", "2024-06")
    header = report.header().data
    assert "统计月份早于方案印发（2024-08）" in header and "2024-06" in header
    charts = report.metrics().data
    assert "<svg" not in charts and "尚无数据，未绘图" in charts
    soon = report.due_soon().data
    assert "不作临期预警" in soon and "本期" not in soon
    later = MonthlyReport.build("urad-middle", "2025-06")
    assert "早于方案印发" not in later.header().data and "<svg" in later.metrics().data


def test_trend_chart_target_line_on_top_with_headroom_and_visible_as_of(monthly, registry):
    import re

    from taizhang.charts import PALETTE, TrendChart, unit_style

    chart = TrendChart.build(registry, "bayannur", "one_window_rate", monthly.values, monthly.ledger, "2024-06")
    svg = chart.svg()
    # the target line comes after every unit line (drawn on top), its label in the right margin, off the data
    last_unit_line = max(m.start() for m in re.finditer(r'<polyline[^>]*stroke-linejoin="round"', svg))
    assert svg.index('stroke="#c0392b"') > last_unit_line
    label = re.search(r'<text x="([\d.]+)" y="[\d.]+" class="tz-lg tz-target"', svg)
    assert label and float(label.group(1)) > chart.plot_right
    # the y axis stops above 100 % (headroom), with no tick above 100
    ticks = [float(t) for t in re.findall(r'text-anchor="end" class="tz-ax">([\d.]+)</text>', svg)]
    assert max(ticks) == 100
    y100 = re.search(r'y1="([\d.]+)"[^>]*/><text x="[\d.]+" y="[\d.]+" text-anchor="end" class="tz-ax">100<', svg)
    assert y100 and float(y100.group(1)) > 26 + 8
    # the as-of line lies inside the plot, left of the right edge, and is labelled
    xa = float(re.search(r'<line x1="([\d.]+)" x2="[\d.]+" y1="\d+" y2="[\d.]+" stroke="#1f4e79"', svg).group(1))
    assert xa < chart.label_x - 26 - 5 and "统计月份 2024-06" in svg
    # every unit is named at the end of its line, in its own colour, and neighbours differ in colour and dash
    for idx, (unit, name, pts, n) in enumerate(chart.lines):
        if n:
            assert f'fill="{unit_style(idx)[0]}"><title>{name}</title>' in svg
    assert len({unit_style(i) for i in range(8)}) == 8 and len(set(PALETTE[:8])) == 8
    assert all(unit_style(i)[1] != unit_style(i + 1)[1] for i in range(8))
    ys = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)"\s+class="tz-lg"', svg)]
    ys = sorted(ys)
    assert all(b - a >= 11.9 for a, b in zip(ys, ys[1:]))


def test_spread_labels_keeps_order_gap_and_bounds():
    from taizhang.charts import spread_labels

    ys = [50, 50, 50, 10, 200]
    out = spread_labels(ys, 0, 100, gap=12)
    assert all(0 <= y <= 100 for y in out)
    assert out[3] < min(out[:3]) and out[4] == max(out) == 100  # the order of the values is kept
    pos = sorted(out)
    assert all(b - a >= 12 - 1e-9 for a, b in zip(pos, pos[1:]))
    crowded = spread_labels(list(range(20)), 0, 95, gap=12)  # too many to fit: the gap shrinks, bounds hold
    assert min(crowded) >= 0 and max(crowded) <= 95 and crowded == sorted(crowded)


def test_a_section_keeps_a_short_plain_text_form_beside_its_html():
    """A notebook stores each output's text/plain too: a block's kind, not the dataclass repr of its content
    (150 KB for a unit's charts); repr() itself stays the dataclass's."""
    from IPython.core.formatters import PlainTextFormatter

    from taizhang.report import MonthlyReport
    from taizhang.reports.blocks import TableSpec

    report = MonthlyReport.build("bayannur", "2024-06", sample="是", unit="linhe")
    fmt = PlainTextFormatter()
    for section in (report.metrics(), report.ledger_table(), report.due_soon(), report.summary()):
        text = fmt(section)
        assert text == f"<{type(section).__name__}>" and len(repr(section)) > len(text)
    assert fmt(TableSpec((), ())) == "<TableSpec>"


def test_a_units_own_report_lists_its_overdue_and_due_soon_rows_without_a_unit_column():
    from taizhang.report import MonthlyReport

    unit = MonthlyReport.build("bayannur", "2024-06", sample="是", unit="linhe")
    plan = MonthlyReport.build("bayannur", "2024-06", sample="是")
    overdue = unit.overdue().parts[0]
    assert "unit" not in [c.key for c in overdue.columns] and "unit" in [c.key for c in plan.overdue().columns]
    assert overdue.rows and all(len(r) == len(overdue.columns) for r in overdue.rows)
    assert "单位" not in [c.label for c in unit.due_soon().columns]
