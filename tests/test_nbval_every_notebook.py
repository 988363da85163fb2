"""nbval over every report notebook not covered elsewhere (monthly: test_monthly_notebook, district:
test_notebooks, explore: test_lab): executed by papermill's own CLI, then re-run and compared by nbval."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from taizhang.project import project_root

BIN = Path(sys.executable).parent
CASES = {
    "data_quality": ["-p", "plan", "bayannur", "-p", "period", "2024-06"],
    "target_catalogue": ["-p", "plan", "artux"],
    "plan_comparison": ["-p", "metric", "one_window_rate"],
}


@pytest.mark.parametrize("notebook", sorted(CASES))
def test_nbval_passes_on_the_executed_notebook(tmp_path, notebook):
    out = tmp_path / f"{notebook}.ipynb"
    run = subprocess.run([str(BIN / "papermill"), f"notebooks/{notebook}.ipynb", str(out), *CASES[notebook]],
                         cwd=project_root(), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-3000:]
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "--nbval", str(out), "-p", "no:cacheprovider"],
                         capture_output=True, text=True, cwd=tmp_path,
                         env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"})
    assert res.returncode == 0, res.stdout[-3000:]
    passed = re.search(r"(\d+) passed", res.stdout)
    assert passed and int(passed.group(1)) >= 4
