"""The target registry: strict schema, checked provenance, the hard cases, and the checker's own messages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from taizhang.errors import RegistryError
from taizhang.project import targets_dir
from taizhang.targets import EXPORT_COLUMNS, check_registry, export_frame, load_registry

REGISTRY_FILES = sorted(p.relative_to(targets_dir()).as_posix()
                        for p in [*targets_dir().glob("plans/*.yaml"), *targets_dir().glob("units/*.yaml")])


@pytest.fixture(scope="module")
def all_problems():
    return check_registry()


@pytest.mark.parametrize("relpath", REGISTRY_FILES)
def test_every_registry_file_passes_schema_and_provenance(relpath, all_problems):
    """One test per file, so a failure names the file; the message lists every problem in it."""
    problems = [p for p in all_problems if p.where.startswith(relpath)]
    assert not problems, f"{relpath}:\n" + "\n".join(map(str, problems))


def test_catalogue_has_no_problems(all_problems):
    problems = [p for p in all_problems if p.where.startswith("metrics.yaml")]
    assert not problems, "\n".join(map(str, problems))


def test_every_plan_file_is_a_plan_with_units_in_plan_order(registry):
    """The plan list is the plan files, ordered by their ``order`` (DEVELOPERS.md: bayannur … artux)."""
    stems = {p.stem for p in (targets_dir() / "plans").glob("*.yaml")}
    assert set(registry.plans) == stems == set(registry.units)
    assert registry.plan_ids[:5] == ("bayannur", "baotou", "urad-middle", "yinchuan", "artux")
    assert [registry.short_name(p) for p in registry.plan_ids[:5]] == ["巴彦淖尔市", "包头市", "乌拉特中旗", "银川市", "阿图什市"]


def _raw_entries():
    for path in sorted((targets_dir() / "plans").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        source = (targets_dir() / "sources" / data["source"]).read_text(encoding="utf-8")
        for entry in data["targets"]:
            yield path.name, entry, source


def test_quotes_and_deadline_words_are_verbatim():
    """Independent of the loader: read the YAML raw and search the plan text."""
    missing = []
    for name, entry, source in _raw_entries():
        if entry["quote"] not in source:
            missing.append(f"{name} {entry['id']}: quote")
        for d in entry.get("deadlines") or []:
            if d["text"] not in source:
                missing.append(f"{name} {entry['id']}: deadline {d['text']}")
        if entry.get("ongoing_text") and entry["ongoing_text"] not in source:
            missing.append(f"{name} {entry['id']}: ongoing_text")
    assert not missing, "\n".join(missing)


def test_registry_is_large_and_mostly_milestones(registry):
    kinds = [t.kind for p in registry.plans.values() for t in p.targets]
    assert len(kinds) >= 400
    assert kinds.count("milestone") > len(kinds) / 2
    assert kinds.count("quantitative") >= 50
    assert kinds.count("recurring") >= 10
    for pid, plan in registry.plans.items():
        assert len(plan.targets) >= 50, pid


def test_comparators_follow_the_words(registry):
    """以上/不低于/至少/不少于 → ≥; 以内/以下/不超过 → ≤ (where only one kind of word occurs)."""
    wrong = []
    for plan in registry.plans.values():
        for t in plan.targets:
            if t.kind == "milestone":
                continue
            ge = re.search("不低于|不少于|至少|以上", t.quote)
            le = re.search("以内|以下|不超过|控制在", t.quote)
            if ge and not le and t.op != ">=":
                wrong.append(t.id)
            if le and not ge and t.op != "<=":
                wrong.append(t.id)
    assert not wrong


def _target(registry, tid):
    return next(t for p in registry.plans.values() for t in p.targets if t.id == tid)


def test_two_dates_are_kept_and_the_earlier_judges(registry):
    t = _target(registry, "baotou.3-1-4.one-window-centers")
    assert {d.text for d in t.deadlines} == {"2022年底前", "2022年8月中旬前"}
    assert t.deadline == date(2022, 8, 20)
    assert t.deadline_text == "2022年8月中旬前；2022年底前"


def test_no_date_is_never_invented(registry):
    for tid in ("artux.2.one-thing-items", "artux.2.full-online-rate"):
        t = _target(registry, tid)
        assert t.deadlines == () and t.deadline is None
    assert _target(registry, "artux.2.one-thing-items").value == 18
    assert _target(registry, "artux.2.full-online-rate").value == 80


def test_first_quarter_means_end_of_march(registry):
    dated = [t for t in registry.plans["artux"].targets if any(d.text == "2023年第一季度前" for d in t.deadlines)]
    assert dated and all(t.deadline == date(2023, 3, 31) for t in dated)


def test_ranges_keep_the_lower_bound_as_target(registry):
    t = _target(registry, "bayannur.3-2-1-4.professional-staff")
    assert (t.op, t.value, t.upper) == (">=", 1, 2)
    assert "参考上限 2名" in t.threshold_label


def test_contradiction_is_kept_both_ways(registry):
    a = _target(registry, "urad-middle.3-1-3-3-b.agent-staff-two")
    b = _target(registry, "urad-middle.3-1-3-3-e.agent-staff-range")
    assert b.id in a.conflicts_with and a.id in b.conflicts_with
    assert (a.value, b.value, b.upper) == (2, 1, 2)
    assert a.note and b.note


def test_recurring_targets_carry_a_period(registry):
    rec = [t for p in registry.plans.values() for t in p.targets if t.kind == "recurring"]
    assert all(t.recurrence for t in rec)
    five = _target(registry, "bayannur.3-3-1.one-thing-per-year")
    assert (five.recurrence, five.op, five.value) == ("year", ">=", 5)


def test_same_metric_keeps_each_plans_threshold(registry):
    one_window = {t.plan: t.value for p in registry.plans.values() for t in p.targets if t.metric == "one_window_rate"}
    assert one_window["bayannur"] == 70
    assert len(set(one_window)) >= 2  # several plans set it, each with its own value
    assert _target(registry, "yinchuan.2-2-2.cross-province-178").value == 178


def test_unit_lists(registry):
    bay = registry.unit_list("bayannur")
    assert [u.name for u in bay][0] == "市本级" and len(bay) == 8
    assert {u.level for u in bay[1:]} == {"county"}
    assert registry.find_unit("bayannur", "中旗").name == "乌拉特中旗"
    assert registry.find_unit("bayannur", " 临河 ").name == "临河区"
    urad = registry.unit_list("urad-middle")
    assert urad[0].level == "county" and sum(u.level == "township" for u in urad) >= 8
    assert any(u.level == "sub_center" for u in registry.unit_list("baotou"))


def test_export_columns(registry):
    frame = export_frame(registry)
    assert list(frame.columns) == EXPORT_COLUMNS
    needed = ["target_id", "plan", "document", "issuer", "section", "kind", "metric", "op", "value", "unit",
              "level", "deadline", "deadline_text", "ongoing", "recurrence", "quote"]
    assert all(c in frame.columns for c in needed)
    assert frame["target_id"].is_unique
    assert frame["deadline"].str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all()
    row = frame.set_index("target_id").loc["baotou.3-1-4.one-window-centers"]
    assert row["deadline"] == "2022-08-20" and row["deadline_dates"] == "2022-08-20；2022-12-31"


# ---------------------------------------------------------------------------------------------- the checker


def _copy_registry(tmp_path: Path) -> Path:
    root = tmp_path / "targets"
    shutil.copytree(targets_dir(), root, ignore=shutil.ignore_patterns("scenarios"))
    return root


def _edit_first_target(root: Path, plan: str, **changes) -> str:
    path = root / "plans" / f"{plan}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = data["targets"][0]
    entry.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return entry["id"]


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"quote": "这句话不在原文里"}, "quote 不是原文的逐字摘录"),
        ({"deadlines": [{"text": "2099年底前", "where": "bracket"}]}, "期限原文“2099年底前”在 000_3e0c0c837350ce24.txt 中找不到"),
        ({"metric": "no_such_metric"}, "指标 no_such_metric 未在 metrics.yaml 中定义"),
        ({"kind": "sometimes"}, "字段 kind 不符合格式"),
        ({"surprise": 1}, "字段 surprise 不符合格式（不允许的字段）"),
        ({"deadlines": [{"text": "2022年底前", "date": "2023-01-31", "where": "bracket"}]}, "按日期规则为 2022-12-31，但 date 写为 2023-01-31"),
    ],
)
def test_checker_names_file_entry_and_problem(tmp_path, changes, expected):
    root = _copy_registry(tmp_path)
    tid = _edit_first_target(root, "bayannur", **changes)
    problems = check_registry(root)
    hits = [p for p in problems if expected in str(p)]
    assert hits, "\n".join(map(str, problems))
    assert hits[0].where.startswith("plans/bayannur.yaml")
    assert tid in hits[0].where or "目标" in hits[0].where
    with pytest.raises(RegistryError) as info:
        load_registry(root)
    assert expected in info.value.message


def test_duplicate_ids_are_reported(tmp_path):
    root = _copy_registry(tmp_path)
    path = root / "plans" / "bayannur.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["targets"].append(dict(data["targets"][0]))
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert any("目标编号重复" in str(p) for p in check_registry(root))


def test_broken_yaml_names_the_line(tmp_path):
    root = _copy_registry(tmp_path)
    (root / "units" / "artux.yaml").write_text("plan: artux\nunits: [\n", encoding="utf-8")
    problems = check_registry(root)
    assert any(p.where == "units/artux.yaml 第3行第1列" and p.message.startswith("YAML 格式错误：缺少内容（列表或映射未闭合）")
               for p in problems), problems


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "taizhang", *args], capture_output=True, text=True, env=env)


def test_cli_check_passes_and_fails(tmp_path, monkeypatch):
    ok = _cli("targets", "check")
    assert ok.returncode == 0, ok.stderr
    assert "校验通过" in ok.stdout
    root = _copy_registry(tmp_path)
    _edit_first_target(root, "yinchuan", quote="不存在的原文")
    import os

    env = dict(os.environ, TAIZHANG_HOME=str(tmp_path))
    bad = _cli("targets", "check", env=env)
    assert bad.returncode == 1
    assert "plans/yinchuan.yaml / 目标 " in bad.stderr and "Traceback" not in bad.stderr


def test_cli_export_csv_and_xlsx(tmp_path):
    out = _cli("targets", "export", "--format", "csv", "--plan", "artux")
    assert out.returncode == 0, out.stderr
    header = out.stdout.removeprefix("\ufeff").splitlines()[0].split(",")  # UTF-8 with BOM, for Excel
    assert header[:16] == EXPORT_COLUMNS[:16]
    xlsx = tmp_path / "目标清单.xlsx"
    res = _cli("targets", "export", "--format", "xlsx", "--out", str(xlsx))
    assert res.returncode == 0, res.stderr
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)["目标清单"]
    assert ws["A1"].value == "目标编号" and ws.freeze_panes == "A2"
    assert ws.max_row == 1 + len(export_frame(load_registry()))


def test_urad_middle_ranks_cases_online_rate_and_ontime_rate(registry):
    plan = registry.plan("urad-middle")
    assert plan.rankings == ("total_cases", "online_case_rate", "ontime_rate")
    assert plan.rankings_quote in registry.source_text("urad-middle")
    assert {"total_cases", "online_cases", "ontime_cases", "closed_cases"} <= set(registry.return_fields("urad-middle"))


def test_rankings_quote_is_checked(tmp_path):
    root = _copy_registry(tmp_path)
    path = root / "plans" / "urad-middle.yaml"
    text = path.read_text(encoding="utf-8").replace("rankings_quote: 按部门", "rankings_quote: 按单位", 1)
    path.write_text(text, encoding="utf-8")
    assert any(p.where == "plans/urad-middle.yaml / rankings" and "rankings_quote 不是原文的逐字摘录" in p.message
               for p in check_registry(root))


def test_no_code_lists_the_plans():
    """A new plan is data only: no code, notebook or generator names the plan count or lists the plan ids."""
    root = targets_dir().parent
    ids = ("bayannur", "baotou", "urad-middle", "yinchuan", "artux")
    offenders = []
    for path in [*root.glob("lib/taizhang/**/*.py"), *root.glob("notebooks/*.ipynb"), *root.glob("tools/*.py")]:
        text = path.read_text(encoding="utf-8")
        if "五个方案" in text or "PLAN_IDS" in text or "PLAN_SHORT" in text:
            offenders.append(f"{path.relative_to(root)}: names the plan count or a plan list")
        if sum(f'"{p}"' in text or f"'{p}'" in text for p in ids) >= 3:
            offenders.append(f"{path.relative_to(root)}: lists plan ids")
    assert not offenders, "\n".join(offenders)
