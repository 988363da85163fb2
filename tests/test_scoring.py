"""Weighted, stepped scores (taizhang.scoring): hand-computed examples, direction, checks, CLI view."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from taizhang.cli import main
from taizhang.errors import ParameterError, RegistryError
from taizhang.scoring import available_scorings, load_scoring, score_units
from taizhang.targets import load_registry
from test_evaluate import PLAN, field_obs, rate_obs, registry, returns, target

SCORING = """
plan: tst
title: 测试评分
example: true
levels: [county]
items:
  - metric: entry_rate
    weight: 2
    steps:
      - {at: 99, points: 1.5}
      - {at: 95, points: 1}
      - {at: 100, points: 2}
  - metric: approval_steps_max
    weight: 1
    steps:
      - {at: 5, points: 1}
      - {at: 3, points: 2}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture
def reg():
    return registry(target("t"), target("steps", metric="approval_steps_max", op="<=", value=3, unit="个环节"))


def test_hand_computed_scores(tmp_path, reg):
    scoring = load_scoring(write(tmp_path, SCORING), reg)
    assert scoring.max_score == 2 * 2 + 1 * 2 == 6
    # a: 99.0 % (exactly on the 99 step → 1.5) × 2 = 3; 3 steps (≤ 3 → 2) × 1 = 2 → 5
    # b: 94.9 % (below 95 → 0); 4 steps (≤ 5 → 1) → 1; an older 100 % is superseded by the latest value
    obs = (rate_obs("a", {"2024-06": 99}) + field_obs("a", "max_approval_steps", {"2024-06": 3})
           + rate_obs("b", {"2024-05": 100, "2024-06": 94.9}) + field_obs("b", "max_approval_steps", {"2024-06": 4}))
    totals, items = score_units(reg, PLAN, returns(obs), "2024-06", scoring)
    assert list(totals["unit"]) == ["a", "b"]  # the 镇 is not a scored level
    assert list(totals["score"]) == [5.0, 1.0]
    assert list(totals["rank"]) == [1, 2]
    assert totals["score_rate"].iloc[0] == pytest.approx(500 / 6)
    a = items[(items["unit"] == "a")].set_index("metric")
    assert a.loc["entry_rate", "step"] == "≥ 99" and a.loc["entry_rate", "weighted"] == 3.0
    assert a.loc["approval_steps_max", "step"] == "≤ 3" and a.loc["approval_steps_max", "points"] == 2.0
    b = items[(items["unit"] == "b")].set_index("metric")
    assert b.loc["entry_rate", "points"] == 0 and b.loc["entry_rate", "step"] == ""
    assert totals.attrs["example"] is True


def test_no_data_scores_zero_and_later_months_are_unseen(tmp_path, reg):
    scoring = load_scoring(write(tmp_path, SCORING), reg)
    obs = rate_obs("a", {"2024-05": 95, "2024-07": 100})
    totals, items = score_units(reg, PLAN, returns(obs), "2024-06", scoring)
    t = totals.set_index("unit")
    assert t.loc["a", "score"] == 2.0  # 95 % in May → 1 × 2; July is after the as-of month
    assert t.loc["b", "score"] == 0.0 and t.loc["b", "items_without_data"] == 2
    assert list(totals["rank"]) == [1, 2]


def test_ties_share_the_better_rank(tmp_path, reg):
    scoring = load_scoring(write(tmp_path, SCORING), reg)
    obs = rate_obs("a", {"2024-06": 100}) + rate_obs("b", {"2024-06": 100})
    totals, _ = score_units(reg, PLAN, returns(obs), "2024-06", scoring)
    assert list(totals["rank"]) == [1, 1] and list(totals["score"]) == [4.0, 4.0]


def test_every_problem_of_a_scoring_file_is_reported(tmp_path, reg):
    bad = """
plan: tst
title: 坏的
levels: [province]
items:
  - metric: no_such_metric
    steps: [{at: 1, points: 1}]
  - metric: entry_rate
    weight: -1
    steps: [{at: 95, points: 2}, {at: 99, points: 1}]
  - metric: task_completion
    steps: [{at: 1, points: 1}]
"""
    with pytest.raises(RegistryError) as err:
        load_scoring(write(tmp_path, bad), reg)
    text = err.value.message
    assert "s.yaml levels" in text and "province" in text
    assert "第 1 项" in text and "no_such_metric" in text
    assert "weight 应为正数" in text
    assert "更严的档应得分更高" in text
    assert "第 3 项" in text
    assert len(err.value.problems) == 5


def test_a_metric_the_plan_does_not_use_is_refused(tmp_path, reg):
    text = SCORING.replace("approval_steps_max", "ontime_rate")
    with pytest.raises(RegistryError) as err:
        load_scoring(write(tmp_path, text), reg)
    assert "ontime_rate" in err.value.message and "报表中没有它的数据" in err.value.message


def test_a_plan_without_scoring_files_says_so_and_where_to_create_one(capsys):
    assert available_scorings("urad-middle") == [] and available_scorings("bayannur") == ["bayannur-example"]
    assert main(["evaluate", "--sample", "--plan", "urad-middle", "--as-of", "2024-06", "--view", "score"]) == 2
    err = capsys.readouterr().err
    assert "缺少参数 --scoring" in err and "暂无评分方案" in err and "targets/scoring/README.md" in err
    assert "bayannur-example" not in err and "None" not in err
    with pytest.raises(ParameterError) as exc:
        load_scoring("nope", load_registry(), "urad-middle")
    assert "bayannur-example" not in exc.value.allowed and "暂无评分方案" in exc.value.allowed


def test_unknown_name_lists_the_available_ones():
    with pytest.raises(ParameterError) as err:
        load_scoring("nope", load_registry())
    assert err.value.parameter == "scoring" and "bayannur-example" in err.value.allowed


def test_the_shipped_example_is_labelled_and_checks():
    assert "bayannur-example" in available_scorings()
    s = load_scoring("bayannur-example", load_registry())
    assert s.example is True and "示例" in s.title and s.plan == "bayannur"
    assert [st.points for st in s.items[0].steps] == [1, 1.5, 2]


def test_cli_score_view_is_off_unless_a_scoring_is_named(capsys):
    assert main(["evaluate", "--sample", "--plan", "bayannur", "--as-of", "2024-06", "--view", "score"]) == 2
    err = capsys.readouterr().err
    assert "缺少参数 --scoring" in err and "bayannur-example" in err and "None" not in err
    assert main(["evaluate", "--sample", "--plan", "bayannur", "--as-of", "2024-06", "--view", "score",
                 "--scoring", "bayannur-example"]) == 0
    out = capsys.readouterr()
    assert "示例" in out.err
    frame = pd.read_csv(io.StringIO(out.out))
    assert list(frame.columns) == ["unit", "unit_name", "unit_level", "score", "max_score", "score_rate", "rank",
                                   "items_without_data"]
    assert (frame["unit_level"] == "county").all() and frame["rank"].min() == 1
    assert (frame["score"] <= frame["max_score"]).all()
