"""The explore view without a browser: parameter checks, and every widget callback changes what is shown."""

from __future__ import annotations

from datetime import date

import pytest

from taizhang.errors import ParameterError
from taizhang.explore import EXPLORE_PARAMETERS, Explorer, check_explore_parameters, explore_css
from taizhang.scenario import load_scenario, method_parameters

ONE_WINDOW = "bayannur.3-2-1-3.one-window-rate"
CERT_FREE = "bayannur.3-3-2.cert-free-rate"


def _html(out) -> str:
    """The text/html of an ipywidgets.Output (what the notebook shows)."""
    return "".join(o.get("data", {}).get("text/html", "") for o in out.outputs)


def _count(view, status: str) -> int:
    c = view.counts
    return int(c.loc[c["status"] == status, "count"].sum())


@pytest.fixture
def explorer(registry, tmp_path):
    return Explorer("bayannur", registry=registry, charts=False, scenarios_dir=tmp_path)


# ------------------------------------------------------------------------------------------- parameters


def _ns(**kw):
    ns = {"plan": "bayannur", "period": "", "units": "", "metric": "", "store": "", "inputs": "", "sample": "",
          "scenario": ""}
    ns.update(kw)
    return ns


def test_parameters_are_checked_and_normalised(registry):
    p = check_explore_parameters({**_ns(units="linhe，五原县", metric="one_window_rate", period="2024-06",
                                      sample=True), "In": [], "_": None, "get_ipython": print}, registry)
    assert p == {"plan": "bayannur", "period": "2024-06", "units": ("linhe", "wuyuan"), "metric": "one_window_rate",
                 "store": "", "inputs": "", "sample": "是", "scenario": ""}


def test_old_month_name_is_told_to_use_period(registry):
    ns = _ns()
    del ns["period"]
    with pytest.raises(ParameterError) as err:
        check_explore_parameters({**ns, "as_of": "2024-06"}, registry)
    assert err.value.parameter == "as_of" and "是否应为 period" in err.value.allowed


@pytest.mark.parametrize("kw, parameter, given, allowed_word", [
    ({"plan": "bayanur"}, "plan", "bayanur", "bayannur"),
    ({"period": "2024-13"}, "period", "2024-13", "YYYY-MM"),
    ({"store": "/nonexistent/taizhang.sqlite"}, "store", "/nonexistent/taizhang.sqlite", "数据库文件"),
    ({"sample": "maybe"}, "sample", "maybe", "是 或 否"),
    ({"units": "linhe,包头市本级"}, "units", "包头市本级", "临河区"),
    ({"metric": "speed"}, "metric", "speed", "one_window_rate"),
    ({"inputs": "/nonexistent/folder"}, "inputs", "/nonexistent/folder", "报表文件夹"),
    ({"scenario": "no-such-scenario"}, "scenario", "no-such-scenario", "bayannur-one-window-85"),
    ({"plan": "baotou", "scenario": "bayannur-one-window-85"}, "scenario", "bayannur-one-window-85", "属于方案 bayannur"),
    ({"colour": "red"}, "colour", "red", "已知参数"),
])
def test_wrong_parameter_names_parameter_given_and_allowed(registry, kw, parameter, given, allowed_word):
    with pytest.raises(ParameterError) as err:
        check_explore_parameters(_ns(**kw), registry)
    assert err.value.parameter == parameter
    assert err.value.given == given
    assert allowed_word in err.value.allowed
    assert err.value.message.startswith(f"参数 {parameter} 的取值无效")


def test_every_parameter_has_a_chinese_description():
    assert set(EXPLORE_PARAMETERS) == {"plan", "period", "units", "metric", "store", "inputs", "sample", "scenario"}
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in d) for d in EXPLORE_PARAMETERS.values())


# -------------------------------------------------------------------------------------------- callbacks


def test_initial_view_shows_counts_ledger_and_no_overrides(explorer):
    assert explorer.period.value == explorer.period.options[-1]
    assert "tz-tile" in _html(explorer.counts_out)
    assert 'class="tz-table tz-ledger"' in _html(explorer.ledger_out)
    assert "无调整" in _html(explorer.overrides_out)
    assert explorer.view.overrides == ()


def test_raising_a_threshold_updates_counts_ledger_and_override_list(explorer):
    before_met = _count(explorer.view, "met")
    before_ledger = _html(explorer.ledger_out)
    explorer.target.value = ONE_WINDOW
    assert explorer.threshold.value == 70
    explorer.threshold.value = 85
    assert explorer.view.overrides == ("一窗分类受理率（三(二)1(3)）目标值：≥70% → ≥85%",)
    assert "≥70% → ≥85%" in _html(explorer.overrides_out)
    assert _count(explorer.view, "met") < before_met
    after_ledger = _html(explorer.ledger_out)
    assert after_ledger != before_ledger and "≥ 85%" in after_ledger
    rows = explorer.view.ledger[explorer.view.ledger["target_id"] == ONE_WINDOW]
    assert (rows["threshold"] == 85).all()


def test_setting_the_threshold_back_removes_the_override(explorer):
    explorer.target.value = ONE_WINDOW
    explorer.threshold.value = 85
    explorer.threshold.value = 70
    assert explorer.overrides == {} and explorer.view.overrides == ()


def test_moving_a_deadline_changes_statuses(explorer):
    explorer.target.value = CERT_FREE
    assert explorer.deadline.value == date(2023, 12, 31)
    overdue_before = _count(explorer.view, "overdue")
    explorer.deadline.value = date(2026, 6, 30)
    assert explorer.overrides[CERT_FREE].deadline == date(2026, 6, 30)
    assert _count(explorer.view, "overdue") < overdue_before
    assert "2026年6月30日前（情景设定）" in _html(explorer.ledger_out)
    explorer.deadline.value = None  # cleared picker: back to the plan's deadline
    assert CERT_FREE not in explorer.overrides


def test_selecting_units_limits_counts_and_ledger(explorer):
    total = int(explorer.view.counts["count"].sum())
    explorer.units.value = ("linhe",)
    assert set(explorer.view.selected["unit"]) == {"linhe"}
    assert int(explorer.view.counts["count"].sum()) < total
    html = _html(explorer.ledger_out)
    assert "临河区" in html and "五原县" not in html
    assert "临河区" in _html(explorer.counts_out)


def test_selecting_a_metric_limits_rows_and_targets(explorer):
    explorer.metric.value = "one_window_rate"
    assert set(explorer.view.selected["metric"]) == {"one_window_rate"}
    assert [v for _, v in explorer.target.options] == [ONE_WINDOW]
    assert explorer.view.chart_metric == "one_window_rate"


def test_changing_the_month_re_evaluates(explorer):
    latest = explorer.view
    explorer.period.value = "2023-06"
    assert explorer.view.period == "2023-06"
    assert not explorer.view.counts.equals(latest.counts)
    assert "截至 2023-06 月末" in _html(explorer.counts_out)
    assert explorer.current_scenario().as_of == "2023-06"


def test_method_parameter_changes_the_judgement(explorer):
    params = method_parameters()
    explorer.period.value = "2022-10"  # most deadlines (2022-12-31) lie within a few months
    # a month is judged with the 临期 window in months (issue 12 point 4)
    widget = explorer.method_widgets["due_soon_months"]
    explorer.method_widgets["due_soon_months"].value = 0
    none_soon = _count(explorer.view, "due_soon")
    widget.value = 3
    assert explorer.method == {"due_soon_months": 3}
    assert _count(explorer.view, "due_soon") > none_soon
    assert any("due_soon_months" in line for line in explorer.view.overrides)
    widget.value = params["due_soon_months"]
    assert explorer.method == {}


def test_out_of_range_method_parameter_shows_chinese_message(explorer):
    before = explorer.view
    explorer.method_widgets["stale_months"].value = 999
    msg = explorer.message.value
    assert "当前调整 / method / stale_months" in msg and "999" in msg and "1–36" in msg
    assert explorer.view is before  # the last good view stays on screen
    explorer.method_widgets["stale_months"].value = 6
    assert explorer.message.value == "" and explorer.view is not before


def test_method_widgets_are_exactly_the_settings_fields(explorer):
    import dataclasses

    from taizhang.evaluate import Settings

    assert list(explorer.method_widgets) == [f.name for f in dataclasses.fields(Settings)]
    assert "include_not_applicable" not in explorer.method_widgets
    for name, widget in explorer.method_widgets.items():
        assert widget.value == getattr(Settings(), name)


def test_returns_come_from_the_one_data_source_cached_on_content(tmp_path, registry):
    import shutil

    from taizhang.explore import plan_returns
    from taizhang.report import load_data
    from taizhang.source import default_inputs

    folder = tmp_path / "returns"
    shutil.copytree(default_inputs("bayannur"), folder)
    src, first = plan_returns(registry, "bayannur", folder)
    assert src.kind == "folder" and src.path == folder
    assert plan_returns(registry, "bayannur", folder)[1] is first  # unchanged: cached
    assert load_data(registry, "bayannur", folder)[0] is first  # the reports' cache: one cache, not two
    # a file whose content changes is read again, whatever its suffix (a .csv return, not only *.xlsx)
    shutil.copy(sorted(folder.glob("*_2024-01.xlsx"))[0], folder / "extra.csv")
    assert plan_returns(registry, "bayannur", folder)[1] is not first


def test_explorer_reads_the_store(tmp_path, registry):
    from taizhang.cli import main
    from taizhang.source import default_inputs

    store = tmp_path / "taizhang.sqlite"
    files = sorted(default_inputs("bayannur").glob("*_2024-0[1-3].xlsx"))
    assert files
    assert main(["ingest", *map(str, files), "--plan", "bayannur", "--store", str(store)]) == 0
    p = check_explore_parameters(_ns(store=str(store)), registry)
    x = Explorer.build(**p)
    assert x.source.kind == "store" and x.period.options[-1] == "2024-03"
    html = _html(x.counts_out)
    assert "数据：数据库" in html
    assert "样例数据，非真实报送" in html  # the store holds sample returns (their digests are stamped): marked


def test_sample_view_carries_the_sample_mark(explorer):
    assert explorer.source.kind == "sample"
    assert "样例数据，非真实报送" in _html(explorer.counts_out)


def test_reset_and_clear(explorer):
    explorer.target.value = ONE_WINDOW
    explorer.threshold.value = 90
    explorer.target.value = CERT_FREE
    explorer.deadline.value = date(2026, 6, 30)
    assert len(explorer.view.overrides) == 2
    explorer._on_reset_target()
    assert list(explorer.overrides) == [ONE_WINDOW]
    assert explorer.deadline.value == date(2023, 12, 31)
    explorer._on_clear()
    assert explorer.overrides == {} and explorer.view.overrides == ()


def test_switching_plan_reloads_units_and_drops_overrides(explorer):
    explorer.target.value = ONE_WINDOW
    explorer.threshold.value = 90
    explorer.plan.value = "urad-middle"
    assert explorer.overrides == {}
    assert explorer.view.scenario.plan == "urad-middle"
    assert set(explorer.view.ledger["unit"]) == {v for _, v in explorer.units.options}
    assert all(t.startswith("urad-middle.") for _, t in explorer.target.options)


def _save_one_window(explorer):
    """Raise the 一窗 threshold to 85 and save it as "my-what-if"; the saved path (or None)."""
    explorer.target.value = ONE_WINDOW
    explorer.threshold.value = 85
    explorer.scenario_name.value = "my-what-if"
    explorer.scenario_title.value = "一窗受理率提高到85%"
    return explorer._on_save()


def test_save_as_scenario_writes_a_loadable_file(explorer, registry, tmp_path):
    path = _save_one_window(explorer)
    assert path == tmp_path / "my-what-if.yaml"
    assert "已保存情景" in explorer.message.value and "--scenario my-what-if" in explorer.message.value
    s = load_scenario("my-what-if", registry, tmp_path)
    assert s.override_for(ONE_WINDOW).value == 85 and s.as_of is None


def test_save_with_bad_name_explains_and_writes_nothing(explorer, tmp_path):
    explorer.scenario_name.value = "我的情景"
    explorer.scenario_title.value = "标题"
    assert explorer._on_save() is None
    assert "保存失败" in explorer.message.value and "scenario" in explorer.message.value
    assert list(tmp_path.iterdir()) == []


def test_starting_from_a_saved_scenario(registry, tmp_path):
    x = Explorer("bayannur", scenario="bayannur-one-window-85", registry=registry, charts=False)
    assert set(x.overrides) == {ONE_WINDOW, CERT_FREE}
    assert len(x.view.overrides) == 2
    assert x.scenario_name.value == "bayannur-one-window-85"


def test_saving_under_an_existing_name_asks_before_overwriting(explorer, registry, tmp_path):
    path = _save_one_window(explorer)
    first = path.read_text(encoding="utf-8")
    assert explorer.overwrite.layout.display == "none"
    explorer.threshold.value = 90
    assert explorer._on_save() is None  # the name is taken: asks, writes nothing
    assert path.read_text(encoding="utf-8") == first
    assert "已有同名情景 my-what-if" in explorer.message.value and "覆盖同名情景" in explorer.message.value
    assert explorer.overwrite.layout.display == "" and explorer.cancel.layout.display == ""
    explorer._on_cancel()  # keep the old one
    assert path.read_text(encoding="utf-8") == first and explorer.overwrite.layout.display == "none"
    assert explorer._on_overwrite() is None and path.read_text(encoding="utf-8") == first  # nothing pending
    explorer._on_save()
    assert explorer._on_overwrite() == path  # confirmed: replaced
    assert load_scenario("my-what-if", registry, tmp_path).override_for(ONE_WINDOW).value == 90
    assert "已保存情景" in explorer.message.value and explorer.overwrite.layout.display == "none"


def test_renaming_while_asked_withdraws_the_question(explorer, tmp_path):
    explorer.scenario_name.value = "taken"
    explorer.scenario_title.value = "同名测试"
    explorer._on_save()
    explorer._on_save()
    assert explorer.overwrite.layout.display == ""
    explorer.scenario_name.value = "other-name"
    assert explorer.overwrite.layout.display == "none" and explorer._on_overwrite() is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.yaml"]


def test_chart_is_drawn_and_follows_the_metric(registry, tmp_path):
    x = Explorer("bayannur", metric="one_window_rate", registry=registry, scenarios_dir=tmp_path)
    first = x.chart_out.outputs[0]["data"]
    assert "image/png" in first
    x.target.value = ONE_WINDOW
    x.threshold.value = 85  # the target line moves
    assert x.chart_out.outputs[0]["data"]["image/png"] != first["image/png"]


def test_ui_is_one_widget_with_scoped_css(explorer):
    import ipywidgets as w

    ui = explorer.ui
    assert isinstance(ui, w.VBox)
    # the two control columns: fixed widths that fit side by side and wrap in a narrow window; every
    # control fills its column with a label column wide enough for its Chinese label (no overlap)
    columns = ui.children[1]
    assert columns.layout.flex_flow == "row wrap"
    for col in columns.children:
        assert col.layout.width.endswith("px")
    widgets = [explorer.plan, explorer.units, explorer.metric, explorer.period, explorer.target,
               explorer.scenario_name, explorer.scenario_title, *explorer.method_widgets.values()]
    for widget in widgets:
        assert widget.layout.width == "100%", widget.description
        label_px = int(widget.style.description_width.rstrip("px"))
        # 13 px type: a Chinese character (or full-width bracket) about 14 px, a Latin letter 8 px at most
        needed = sum(14 if ord(ch) > 0x2e80 else 8 for ch in widget.description)
        assert label_px >= needed, widget.description
    css = explore_css()
    assert ".tz-table" in css and "@page" not in css and "@media" not in css
    selectors = [sel.strip() for rule in css.split("}") if rule.strip() for sel in rule.split("{")[0].split(",")]
    assert selectors and all(sel.startswith(".tz-") for sel in selectors), selectors
