"""The report notebooks: generated, output-free, one documented parameters cell, wrong parameters fail in Chinese.

All five notebooks run in one reused kernel (taizhang.render.KernelSession), which also shows that no
state leaks from one notebook into the next (check_parameters rejects any leftover name).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import nbformat
import pytest

from taizhang.errors import RenderError
from taizhang.project import notebooks_dir, project_root
from taizhang.report import NOTEBOOK_PARAMETERS

NOTEBOOKS = list(NOTEBOOK_PARAMETERS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebook_is_generated_without_outputs(name):
    sys.path.insert(0, str(project_root() / "tools"))
    try:
        import make_notebooks
    finally:
        sys.path.pop(0)
    nb = nbformat.read(str(notebooks_dir() / f"{name}.ipynb"), as_version=4)
    fresh = make_notebooks.build(name)
    assert [c.source for c in nb.cells] == [c.source for c in fresh.cells], "请运行 python tools/make_notebooks.py"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for p in NOTEBOOK_PARAMETERS[name]:
        assert re.search(rf"^{p} = .*#\s*\S", params[0].source, re.M), f"参数 {p} 缺少说明"
    assert "check_parameters" in nb.cells[nb.cells.index(params[0]) + 1].source


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_papermill_reads_every_parameter_with_its_help(name):
    """papermill's parser takes a comment holding '=' for code; every help text must come through whole."""
    import papermill as pm

    found = pm.inspect_notebook(str(notebooks_dir() / f"{name}.ipynb"))
    assert set(found) == set(NOTEBOOK_PARAMETERS[name])
    for key, info in found.items():
        assert info["help"].strip(), key
        assert "=" not in info["help"] and "＝" not in info["help"], (key, info["help"])
    if "assume" in found:
        assert "半角等号" in found["assume"]["help"] and "分号" in found["assume"]["help"]


@pytest.fixture(scope="module")
def session(registry):
    from taizhang.render import KernelSession
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, "bayannur", default_inputs("bayannur"))
    with KernelSession() as s:
        yield s


@pytest.mark.parametrize("name, params, parameter, given", [
    ("monthly_ledger", {"plan": "nowhere"}, "plan", "nowhere"),
    ("monthly_ledger", {"plan": "bayannur", "period": "2024-13"}, "period", "2024-13"),
    ("monthly_ledger", {"plan": "bayannur", "colour": "red"}, "colour", "red"),
    ("district_report", {"plan": "bayannur", "unit": "火星区"}, "unit", "火星区"),
    ("plan_comparison", {"metric": "nothing"}, "metric", "nothing"),
])
def test_wrong_parameter_fails_in_the_first_cell_after_parameters(session, tmp_path, name, params, parameter, given):
    out = tmp_path / "bad.ipynb"
    with pytest.raises(RenderError) as err:
        session.execute(name, params, out)
    assert f"参数 {parameter} 的取值无效" in err.value.message and repr(given) in err.value.message
    nb = json.loads(out.read_text(encoding="utf-8"))
    nb["cells"] = [c for c in nb["cells"] if "papermill-error-cell-tag" not in c["metadata"].get("tags", [])]
    failed = [i for i, c in enumerate(nb["cells"]) if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    tags = [c["metadata"].get("tags", []) for c in nb["cells"]]
    first_after = max(i for i, t in enumerate(tags) if "parameters" in t or "injected-parameters" in t) + 1
    assert failed == [first_after]
    # the cell shows the Chinese message only, not a Python traceback through the library
    error = next(o for o in nb["cells"][first_after]["outputs"] if o.get("output_type") == "error")
    assert len(error["traceback"]) == 1
    assert error["traceback"][0].startswith(f"ParameterError: 参数 {parameter} 的取值无效")


@pytest.mark.parametrize("name, params, expect", [
    ("monthly_ledger", {"plan": "bayannur", "period": "2024-06"}, ["逾期未达标", "临河区", "tz-chart"]),
    ("district_report", {"plan": "bayannur", "period": "2024-06", "unit": "临河区"}, ["临河区", "节点任务"]),
    ("data_quality", {"plan": "bayannur", "period": "2024-06"}, ["已报送单位", "被退回"]),
    ("target_catalogue", {"plan": "bayannur"}, ["目标清单", "原文"]),
    ("plan_comparison", {"metric": "一窗受理率"}, ["一窗受理率", "包头市"]),
])
def test_every_notebook_runs_in_the_shared_kernel(session, tmp_path, name, params, expect):
    out = session.execute(name, params, tmp_path / f"{name}.ipynb")
    nb = json.loads(out.read_text(encoding="utf-8"))
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for c in nb["cells"] for o in c.get("outputs", []))
    for text in expect:
        assert text in html, text


def test_papermill_cli_and_nbval_on_the_district_report(tmp_path, registry):
    out = tmp_path / "district.ipynb"
    res = subprocess.run([os.path.join(os.path.dirname(sys.executable), "papermill"), "notebooks/district_report.ipynb",
                          str(out), "-p", "plan", "bayannur", "-p", "period", "2024-06", "-p", "unit", "wuyuan"],
                         cwd=project_root(), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "五原县" in out.read_text(encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval", str(out), "-p", "no:cacheprovider"],
                         capture_output=True, text=True, cwd=tmp_path,
                         env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"})
    assert res.returncode == 0, res.stdout[-3000:]
