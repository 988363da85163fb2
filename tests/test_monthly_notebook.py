"""The monthly ledger notebook, run by papermill's own CLI from the project root, then validated by nbval."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from taizhang.project import project_root

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def executed(tmp_path_factory, registry):
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, "bayannur", default_inputs("bayannur"))
    out = tmp_path_factory.mktemp("nb") / "out.ipynb"
    res = subprocess.run(
        [str(BIN / "papermill"), "notebooks/monthly_ledger.ipynb", str(out), "-p", "plan", "bayannur",
         "-p", "period", "2024-06"],
        cwd=project_root(), capture_output=True, text=True,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def _html_outputs(nb: dict) -> str:
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html")
            if html:
                parts.append("".join(html) if isinstance(html, list) else html)
    return "\n".join(parts)


def test_papermill_cli_runs_and_the_ledger_has_content(executed, registry):
    from taizhang.evaluate import evaluate, status_counts
    from taizhang.report import default_inputs
    from taizhang.returns import load_returns

    nb = json.loads(executed.read_text(encoding="utf-8"))
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in nb["cells"])
    html = _html_outputs(nb)
    assert "巴彦淖尔市关于加快推进政务服务标准化规范化便利化实施方案" in html
    assert "截至 2024-06 月末" in html
    # the counts shown equal the ledger computed directly from the same inputs
    ledger = evaluate(registry, "bayannur", load_returns([default_inputs("bayannur")], registry, "bayannur"), "2024-06")
    shown = {m.group(1): int(m.group(2)) for m in re.finditer(r'data-status="(\w+)".*?data-count="(\d+)"', html)}
    expected = {r.status: r.count for r in status_counts(ledger).itertuples()}
    assert shown == expected
    for unit in registry.unit_list("bayannur"):
        assert unit.name in html
    assert "一窗分类受理率" in html and "70%以上政务服务事项实现“一窗”分类受理" in html
    assert html.count('<svg class="tz-chart"') >= 5  # charts are inline SVG (see taizhang.charts.trend_svg)


def test_nbval_over_the_executed_notebook(executed):
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval", str(executed), "-p", "no:cacheprovider"],
                         capture_output=True, text=True, cwd=executed.parent,
                         env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"})
    assert res.returncode == 0, res.stdout[-3000:]
    assert re.search(r"(\d+) passed", res.stdout) and int(re.search(r"(\d+) passed", res.stdout).group(1)) >= 10


def test_unknown_parameter_fails_in_chinese(tmp_path):
    out = tmp_path / "bad.ipynb"
    res = subprocess.run(
        [str(BIN / "papermill"), "notebooks/monthly_ledger.ipynb", str(out), "-p", "plan", "bayannur",
         "-p", "perod", "2024-06"],
        cwd=project_root(), capture_output=True, text=True,
    )
    assert res.returncode != 0
    assert "参数 perod 的取值无效" in res.stderr + res.stdout
    assert "已知参数" in res.stderr + res.stdout


def test_bad_period_fails_in_chinese(tmp_path):
    out = tmp_path / "bad.ipynb"
    res = subprocess.run(
        [str(BIN / "papermill"), "notebooks/monthly_ledger.ipynb", str(out), "-p", "period", "2024-13"],
        cwd=project_root(), capture_output=True, text=True,
    )
    assert res.returncode != 0
    assert "参数 period 的取值无效：收到 '2024-13'" in res.stderr + res.stdout
