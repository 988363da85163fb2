"""A sixth plan enters as data only: fixture files copied into a project root, then every verb works on it.

The fictional plan (tests/fixtures/newplan/: 云溪县) has its own units file, targets of each kind and a metric
(``self_service_terminals``, unit 台) that exists only in its own metrics entry. No code knows its id.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from taizhang.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "newplan"
PLAN = "yunxi"


def add_fixture_plan(home: Path) -> None:
    """Copy the fixture plan, units and source into ``home/targets`` and merge its metrics entries."""
    targets = home / "targets"
    shutil.copy(FIXTURE / "plans" / f"{PLAN}.yaml", targets / "plans")
    shutil.copy(FIXTURE / "units" / f"{PLAN}.yaml", targets / "units")
    shutil.copy(FIXTURE / "sources" / "yunxi_2025.txt", targets / "sources")
    catalogue = yaml.safe_load((targets / "metrics.yaml").read_text(encoding="utf-8"))
    extra = yaml.safe_load((FIXTURE / "metrics.yaml").read_text(encoding="utf-8"))
    for key in ("units", "fields", "metrics"):
        assert not set(extra[key]) & set(catalogue[key]), f"the fixture's {key} must be new"
        catalogue[key].update(extra[key])
    (targets / "metrics.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")


def taizhang(env, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "taizhang", *args], env=env, capture_output=True, text=True,
                         timeout=600)
    if ok:
        assert res.returncode == 0, f"taizhang {' '.join(args)} → {res.returncode}\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}"
    return res


@pytest.fixture
def new_plan_project(tmp_project):
    home, env = tmp_project
    add_fixture_plan(home)
    return home, env


def test_the_real_registry_does_not_know_the_fixture_plan(capsys):
    """Without the fixture files the id is refused, and the message lists the registry's plans in order."""
    assert main(["sample", "--plan", PLAN]) == 2
    err = capsys.readouterr().err
    assert f"'{PLAN}'" in err and "bayannur（巴彦淖尔市）、baotou（包头市）" in err


def test_a_sixth_plan_runs_through_every_verb_with_no_code_change(new_plan_project):
    home, env = new_plan_project
    out = taizhang(env, "targets", "check").stdout
    assert "6 个方案" in out
    listed = taizhang(env, "targets", "list", "--plan", PLAN).stdout
    assert "yunxi.2-1-3.terminals" in listed

    templates = home / "tpl"
    paths = taizhang(env, "template", "--plan", PLAN, "--period", "2025-06", "--out", str(templates)).stdout.split()
    assert len(paths) == 4  # one per unit of its own units file
    from openpyxl import load_workbook

    book = load_workbook(next(p for p in paths if "桥头镇" in p))
    codes = [c.value for c in book["指标"]["E"]]  # 字段代码: the template's last column
    assert "self_service_terminals" in codes  # the metric defined only in its metrics entry is collected

    taizhang(env, "sample", "--plan", PLAN)
    sample = home / "inputs" / "sample" / PLAN
    assert len(list(sample.glob("*.xlsx"))) >= 4 * 10  # 4 units × 11 months, a few left out as missing
    store = home / "inputs" / "s.sqlite"
    ing = taizhang(env, "ingest", str(sample), "--store", str(store), "-q")
    assert "退回 0" in ing.stderr

    ledger = taizhang(env, "evaluate", "--plan", PLAN, "--as-of", "2025-12", "--store", str(store)).stdout
    rows = list(csv.DictReader(io.StringIO(ledger.removeprefix("\ufeff"))))  # UTF-8 with BOM, for Excel
    by_target = {(r["unit"], r["target_id"]): r for r in rows}
    assert {r["target_id"] for r in rows} == {
        "yunxi.1.one-window", "yunxi.2-1-1.window-staff", "yunxi.2-1-3.terminals", "yunxi.2-3-7.monthly-bulletin",
        "yunxi.2-2-6.guide", "yunxi.2-3-10.two-dates"}
    terminals = by_target[("qiaotou", "yunxi.2-1-3.terminals")]
    assert terminals["value"] not in ("", "nan") and terminals["deadline"] == "2025-08-31"
    assert by_target[("county", "yunxi.2-3-10.two-dates")]["deadline"] == "2025-04-30"  # the earlier judges

    reports = home / "reports"
    res = taizhang(env, "run", "--plan", PLAN, "--period", "2025-12", "--store", str(store), "--formats", "html",
                   "--out", str(reports), "--no-progress")
    html_files = [Path(p) for p in res.stdout.split() if p.endswith(".html")]
    assert html_files and all(p.is_file() for p in html_files)
    text = html_files[0].read_text(encoding="utf-8")
    assert "云溪县" in text and "自助服务终端" in text

    cmp_ = taizhang(env, "run", "--report", "comparison", "--metric", "window_staff", "--formats", "html",
                    "--out", str(reports), "--no-progress")
    cmp_html = Path(next(p for p in cmp_.stdout.split() if p.endswith(".html"))).read_text(encoding="utf-8")
    assert "6个方案" in cmp_html and "云溪县" in cmp_html  # the sixth plan is a column and a row, by its short name


def test_a_unit_of_measure_must_be_declared(new_plan_project):
    """Whether 台 is counted whole is data: without its ``units`` entry the check names the field and metric."""
    home, env = new_plan_project
    path = home / "targets" / "metrics.yaml"
    catalogue = yaml.safe_load(path.read_text(encoding="utf-8"))
    del catalogue["units"]["台"]
    path.write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8")
    res = taizhang(env, "targets", "check", ok=False)
    assert res.returncode == 1
    assert "字段 self_service_terminals" in res.stderr and "单位“台”未在 metrics.yaml 的 units 中声明" in res.stderr
