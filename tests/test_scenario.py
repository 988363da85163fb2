"""Named what-if scenarios: loading with strict validation, applying to a new registry, describing, saving."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from pydantic import ValidationError

from taizhang.errors import ParameterError
from taizhang.evaluate import evaluate
from taizhang.kernel import statuses
from taizhang.scenario import (
    Scenario, ScenarioError, TargetOverride, apply_scenario, check_scenario, describe_overrides, list_scenarios,
    load_scenario, method_parameters, save_scenario, scenario_notice, scenarios_dir,
)

EXAMPLE = "bayannur-one-window-85"
ONE_WINDOW = "bayannur.3-2-1-3.one-window-rate"
CERT_FREE = "bayannur.3-3-2.cert-free-rate"


@pytest.fixture(scope="module")
def bayannur_returns(registry):
    from taizhang.explore import plan_returns

    return plan_returns(registry, "bayannur")[1]


def _target(registry, target_id):
    plan = target_id.split(".")[0]
    return next(t for t in registry.plan(plan).targets if t.id == target_id)


def _write(folder, name, data) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _base(**extra):
    data = {"name": "case", "title": "测试情景", "plan": "bayannur", "targets": {ONE_WINDOW: {"value": 85}}}
    data.update(extra)
    return data


# ----------------------------------------------------------------------------------------------- example


def test_example_scenario_ships_and_loads(registry):
    assert EXAMPLE in list_scenarios()
    assert (scenarios_dir() / "README.md").is_file()
    s = load_scenario(EXAMPLE, registry)
    assert s.plan == "bayannur"
    assert s.override_for(ONE_WINDOW).value == 85
    assert s.override_for(CERT_FREE).deadline == date(2026, 6, 30)
    assert EXAMPLE in list_scenarios(plan="bayannur")
    assert EXAMPLE not in list_scenarios(plan="baotou")


def test_describe_overrides_lists_every_override_old_and_new(registry):
    s = load_scenario(EXAMPLE, registry)
    lines = describe_overrides(s, registry)
    assert lines == [
        "一窗分类受理率（三(二)1(3)）目标值：≥70% → ≥85%",
        "政务服务事项证明材料免提交比例（三(三)2）完成期限：2023-12-31（2023年底前） → 2026-06-30",
    ]


def test_describe_overrides_includes_as_of_and_method(registry):
    name, default = next(iter(method_parameters().items()))
    new = (not default) if isinstance(default, bool) else default + 1
    s = Scenario(name="x", title="测试", plan="bayannur", as_of="2024-06", method=((name, new),))
    lines = describe_overrides(s, registry)
    assert lines[0] == "统计月份：2024-06（情景设定）"
    assert lines[1].startswith("评估参数 ") and f"{name}" in lines[1] and lines[1].endswith(f"→ {new}")


def test_notice_html_says_it_is_a_scenario(registry):
    s = load_scenario(EXAMPLE, registry)
    html = scenario_notice(s, registry).data  # rendered by the Jinja2 templates (autoescape)
    assert "情景推演" in html and s.title in html and 'class="tz-notice tz-scenario"' in html
    assert "目标值：≥70% → ≥85%" in html and "2026-06-30" in html


def test_notice_escapes_the_scenario_text(registry):
    s = Scenario(name="x", title="<b>标题</b>", plan="bayannur", description="<script>x</script>")
    html = scenario_notice(s, registry).data
    assert "<b>标题" not in html and "<script>" not in html and "&lt;script&gt;" in html and "（无调整）" in html


# ------------------------------------------------------------------------------------------------- apply


def test_apply_returns_new_registry_and_leaves_the_original(registry):
    s = load_scenario(EXAMPLE, registry)
    applied = apply_scenario(registry, s)
    assert applied is not registry
    assert applied.version == f"{registry.version}+{EXAMPLE}"
    assert _target(registry, ONE_WINDOW).value == 70
    assert _target(applied, ONE_WINDOW).value == 85
    assert _target(applied, ONE_WINDOW).threshold_label == "≥ 85%"
    moved = _target(applied, CERT_FREE)
    assert moved.deadline == date(2026, 6, 30)
    assert moved.deadline_text == "2026年6月30日前（情景设定）"
    assert _target(registry, CERT_FREE).deadline == date(2023, 12, 31)
    # other plans and other targets are the very same objects
    assert applied.plans["baotou"] is registry.plans["baotou"]
    assert _target(applied, "bayannur.3-2-1-3.entry-rate") is _target(registry, "bayannur.3-2-1-3.entry-rate")


def test_applied_scenario_changes_the_ledger(registry, bayannur_returns):
    s = load_scenario(EXAMPLE, registry)
    base = evaluate(registry, "bayannur", bayannur_returns, "2025-12")
    what_if = evaluate(apply_scenario(registry, s), "bayannur", bayannur_returns, "2025-12")

    def rows(ledger, tid):
        return ledger[(ledger["target_id"] == tid) & (ledger["status"] != "not_applicable")].set_index("unit")

    b, w = rows(base, ONE_WINDOW), rows(what_if, ONE_WINDOW)
    assert (w["threshold"] == 85).all() and (b["threshold"] == 70).all()
    # a unit between 70 % and 85 % met the plan's target but misses the scenario's
    between = b.index[(b["value"] >= 70) & (b["value"] < 85)]
    assert len(between) > 0
    # (met on time or, after the deadline, 逾期达标: both count as met)
    assert b.loc[between, "status"].isin(statuses.MET).all()
    assert not w.loc[between, "status"].isin(statuses.MET).any()
    # the moved deadline lies after the as-of month: nothing is overdue on it any more
    assert (rows(base, CERT_FREE)["status"] == "overdue").any()
    assert not (rows(what_if, CERT_FREE)["status"] == "overdue").any()


def test_apply_refuses_a_scenario_that_does_not_fit(registry):
    s = Scenario(name="x", title="测试", plan="bayannur", overrides=(TargetOverride(target="bayannur.nope.x", value=1),))
    with pytest.raises(ScenarioError) as err:
        apply_scenario(registry, s)
    assert "bayannur.nope.x" in err.value.message


# -------------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("data, where, words", [
    (_base(targets={"bayannur.3-2-1-3.one-window-rat": {"value": 85}}), "目标 bayannur.3-2-1-3.one-window-rat",
     ["没有编号为", "是否应为 bayannur.3-2-1-3.one-window-rate"]),
    (_base(targets={"baotou.3-1-2.one-window-rate": {"value": 85}}), "目标 baotou.3-1-2.one-window-rate", ["没有编号为"]),
    (_base(targets={ONE_WINDOW: {"value": 120}}), f"目标 {ONE_WINDOW} / value", ["0–100", "120"]),
    (_base(targets={ONE_WINDOW: {"valeu": 85}}), f"目标 {ONE_WINDOW}", ["valeu", "不允许的字段"]),
    (_base(targets={ONE_WINDOW: {"deadline": "2026-13-01"}}), f"目标 {ONE_WINDOW}", ["deadline", "YYYY-MM-DD"]),
    (_base(targets={ONE_WINDOW: {}}), f"目标 {ONE_WINDOW}", ["value", "deadline"]),
    (_base(targets={"bayannur.2.2022-standards": {"value": 3}}), "目标 bayannur.2.2022-standards / value", ["节点任务"]),
    (_base(targets={"bayannur.3-3-1.one-thing-per-year": {"deadline": date(2026, 1, 1)}}),
     "目标 bayannur.3-3-1.one-thing-per-year / deadline", ["常态化任务"]),
    (_base(plan="bayanur"), "plan", ["bayanur", "是否应为 bayannur"]),
    (_base(as_of="2024-13"), "as_of", ["YYYY-MM", "2024-13"]),
    (_base(method={"due_son_days": 30}), "method / due_son_days", ["没有参数", "due_soon_days"]),
    (_base(colour="red"), "scenarios/case.yaml", ["colour", "不允许的字段"]),
    ({k: v for k, v in _base().items() if k != "title"}, "scenarios/case.yaml", ["title", "必填"]),
])
def test_invalid_scenario_names_file_entry_and_field(tmp_path, registry, data, where, words):
    _write(tmp_path, "case", data)
    with pytest.raises(ScenarioError) as err:
        load_scenario("case", registry, tmp_path)
    problems = [str(p) for p in err.value.problems]
    hit = [p for p in problems if p.startswith("scenarios/case.yaml") and where in p.split("：")[0]]
    assert hit, problems
    assert all(w in hit[0] for w in words), hit[0]


def test_method_parameters_are_exactly_the_settings_fields():
    import dataclasses

    from taizhang.evaluate import Settings

    assert list(method_parameters()) == [f.name for f in dataclasses.fields(Settings)]
    assert method_parameters() == dataclasses.asdict(Settings())
    assert "include_not_applicable" not in method_parameters()  # an output switch, not a method parameter


def test_output_switch_is_refused_as_a_method_parameter(tmp_path, registry):
    _write(tmp_path, "case", _base(method={"include_not_applicable": False}))
    with pytest.raises(ScenarioError) as err:
        load_scenario("case", registry, tmp_path)
    assert "method / include_not_applicable" in err.value.message


def test_scenario_settings_is_one_object(tmp_path, registry):
    from taizhang.evaluate import Settings

    _write(tmp_path, "case", _base(method={"due_soon_days": 30}))
    s = load_scenario("case", registry, tmp_path)
    assert s.settings == Settings(due_soon_days=30)


def test_method_value_out_of_range_is_reported(tmp_path, registry):
    _write(tmp_path, "case", _base(method={"due_soon_days": 9999}))
    with pytest.raises(ScenarioError) as err:
        load_scenario("case", registry, tmp_path)
    assert "method / due_soon_days" in err.value.message and "9999" in err.value.message


def test_method_value_of_wrong_type_is_reported(tmp_path, registry):
    name = next(k for k, v in method_parameters().items() if isinstance(v, int) and not isinstance(v, bool))
    _write(tmp_path, "case", _base(method={name: "many"}))
    with pytest.raises(ScenarioError) as err:
        load_scenario("case", registry, tmp_path)
    assert f"method / {name}" in err.value.message and "many" in err.value.message


def test_every_problem_is_reported_at_once(tmp_path, registry):
    _write(tmp_path, "case", _base(as_of="2024-13", targets={ONE_WINDOW: {"value": 120}, "bayannur.x.y": {"value": 1}}))
    with pytest.raises(ScenarioError) as err:
        load_scenario("case", registry, tmp_path)
    assert len(err.value.problems) == 3


def test_name_must_match_file(tmp_path, registry):
    _write(tmp_path, "case", _base(name="other"))
    with pytest.raises(ScenarioError) as err:
        load_scenario("case", registry, tmp_path)
    assert "情景名称应与文件名一致" in err.value.message


def test_broken_yaml_names_the_line(tmp_path, registry):
    (tmp_path / "case.yaml").write_text("name: case\ntitle: [未闭合\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario("case", registry, tmp_path)
    assert "scenarios/case.yaml 第" in err.value.message and "YAML" in err.value.message


def test_unknown_scenario_lists_the_saved_ones(tmp_path, registry):
    _write(tmp_path, "case", _base())
    with pytest.raises(ParameterError) as err:
        load_scenario("cose", registry, tmp_path)
    assert err.value.parameter == "scenario" and "case" in err.value.allowed


@pytest.mark.parametrize("name", ["../plans/bayannur", "Big", "", "a/b"])
def test_unsafe_scenario_names_are_refused(tmp_path, registry, name):
    with pytest.raises(ParameterError) as err:
        load_scenario(name, registry, tmp_path)
    assert err.value.parameter == "scenario"


# ------------------------------------------------------------------------------------------------- save


def test_save_and_load_round_trip(tmp_path, registry):
    s = Scenario(name="round-trip", title="往返测试", plan="bayannur", description="说明", as_of="2024-06",
                 overrides=(TargetOverride(target=ONE_WINDOW, value=82.5, deadline=date(2024, 3, 31)),
                            TargetOverride(target=CERT_FREE, deadline=date(2026, 6, 30))))
    path = save_scenario(s, registry, tmp_path)
    assert path == tmp_path / "round-trip.yaml"
    assert [p.name for p in tmp_path.iterdir()] == ["round-trip.yaml"]  # no temporary file left
    assert load_scenario("round-trip", registry, tmp_path) == s
    text = path.read_text(encoding="utf-8")
    assert "往返测试" in text and "deadline: 2024-03-31" in text


def test_save_refuses_invalid_scenario_and_writes_nothing(tmp_path, registry):
    s = Scenario(name="bad", title="错误", plan="bayannur", overrides=(TargetOverride(target=ONE_WINDOW, value=170),))
    with pytest.raises(ScenarioError):
        save_scenario(s, registry, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_save_replaces_existing_file(tmp_path, registry):
    first = Scenario(name="same", title="第一版", plan="bayannur", overrides=(TargetOverride(target=ONE_WINDOW, value=80),))
    second = first.model_copy(update={"title": "第二版"})
    save_scenario(first, registry, tmp_path)
    save_scenario(second, registry, tmp_path)
    assert load_scenario("same", registry, tmp_path).title == "第二版"


def test_scenario_is_immutable():
    s = Scenario(name="x", title="测试", plan="bayannur")
    with pytest.raises(ValidationError) as err:
        s.title = "改"
    assert err.value.errors()[0]["type"] == "frozen_instance"


def test_check_scenario_accepts_the_example(registry):
    assert check_scenario(load_scenario(EXAMPLE, registry), registry) == []


def test_scenarios_do_not_change_the_registry_version(tmp_path, registry):
    """Saving a scenario must not change the registry version (reports and sample data key on it)."""
    import shutil

    from taizhang.targets import load_registry

    root = tmp_path / "targets"
    shutil.copytree(registry.root, root, ignore=shutil.ignore_patterns("scenarios"))
    before = load_registry(root).version
    s = Scenario(name="version-check", title="版本测试", plan="bayannur",
                 overrides=(TargetOverride(target=ONE_WINDOW, value=80),))
    save_scenario(s, registry, root / "scenarios")
    assert (root / "scenarios" / "version-check.yaml").is_file()
    assert load_registry(root).version == before
    (root / "metrics.yaml").write_text((root / "metrics.yaml").read_text(encoding="utf-8") + "\n# changed\n",
                                       encoding="utf-8")
    assert load_registry(root).version != before  # while a registry file does change it
