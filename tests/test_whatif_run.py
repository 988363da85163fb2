"""`taizhang run --scenario/--assume`: what-if reports say so on their first page and never replace the real one."""

from __future__ import annotations

import os
from html import unescape
import subprocess
import sys

import pytest

from taizhang.errors import ParameterError
from taizhang.report import MonthlyReport, WhatIf, parse_assume


def _run(*args):
    return subprocess.run([sys.executable, "-m", "taizhang", "run", "--no-progress", "--sample", *args],
                          capture_output=True, text=True, env=dict(os.environ))


def test_scenario_report_lists_every_override(tmp_path):
    res = _run("--plan", "bayannur", "--period", "2024-06", "--formats", "html", "--out", str(tmp_path),
               "--scenario", "bayannur-one-window-85", "--assume", "bayannur.4-3.work-ledger=2024-12-31")
    assert res.returncode == 0, res.stderr
    from taizhang.report import assume_digest

    d = assume_digest("bayannur.4-3.work-ledger=2024-12-31")
    page = (tmp_path / "bayannur" / "2024-06" / f"scenario-bayannur-one-window-85-assume-{d}"
            / f"bayannur_2024-06_台账_样例数据_情景推演_bayannur-one-window-85_假定期限{d}.html")
    assert str(page) in res.stdout
    html = unescape(page.read_text(encoding="utf-8"))
    first = html[: html.index("一、总体情况")]
    assert "情景推演（非实际考核口径）" in first
    assert "一窗分类受理率（三(二)1(3)）目标值：≥70% → ≥85%" in first
    assert "2023-12-31（2023年底前） → 2026-06-30" in first
    assert "假定期限" in first and "本报告假定为 2024-12-31" in first
    assert not (tmp_path / "bayannur" / "2024-06" / "bayannur_2024-06_台账_样例数据.html").exists()


def test_scenario_changes_the_judgement(registry):
    real = MonthlyReport.build("bayannur", "2024-06")
    what = MonthlyReport.build("bayannur", "2024-06", scenario="bayannur-one-window-85")
    key = "bayannur.3-2-1-3.one-window-rate"
    r = real.ledger[real.ledger["target_id"] == key].set_index("unit")["threshold"]
    w = what.ledger[what.ledger["target_id"] == key].set_index("unit")["threshold"]
    assert set(r) == {70.0} and set(w) == {85.0}
    assert "情景推演" not in real.header().data and "情景推演" in what.header().data


def test_assumed_deadline_is_labelled(registry):
    tid = "artux.2.one-thing-items"
    rep = MonthlyReport.build("artux", "2025-06", assume=f"{tid}=2025-12-31")
    rows = rep.ledger[rep.ledger["target_id"] == tid]
    assert rows["deadline_assumed"].all()
    assert (rows["deadline"].astype(str) == "2025-12-31").all()
    assert "假定期限" in rep.header().data


@pytest.mark.parametrize("text, parameter", [
    ("bayannur.4-3.work-ledger=2024-13-01", "assume"),
    ("no.such.target=2024-12-31", "assume"),
    ("bayannur.4-3.work-ledger", "assume"),
])
def test_bad_assume_names_the_parameter(registry, text, parameter):
    with pytest.raises(ParameterError) as info:
        parse_assume(text, registry, "bayannur")
    assert info.value.parameter == parameter and "参数 assume" in info.value.message


def test_scenario_of_another_plan_is_refused(registry):
    with pytest.raises(ParameterError) as info:
        WhatIf.build(registry, "baotou", "bayannur-one-window-85")
    assert "该情景属于方案 bayannur" in info.value.message


def test_cli_rejects_unknown_scenario_before_running(tmp_path):
    res = _run("--plan", "bayannur", "--period", "2024-06", "--formats", "html", "--out", str(tmp_path),
               "--scenario", "no-such-scenario")
    assert res.returncode == 2
    assert "scenario" in res.stderr and "Traceback" not in res.stderr
    assert not any(tmp_path.rglob("*.html"))
