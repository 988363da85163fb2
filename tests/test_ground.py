"""Issue 12 points 1-2: a report says what data it rests on (store by default, sample only by name and then
marked on every page), which units reported in its month, and refuses a month beyond the data unless forced."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from taizhang.cli import main
from taizhang.errors import ParameterError
from taizhang.source import SAMPLE_MARK, DataSource, NoDataError, coverage, month_beyond_data


def _store(tmp_path, files) -> Path:
    from taizhang.store import ingest

    folder = tmp_path / "returns"
    folder.mkdir()
    for f in files:
        shutil.copy2(f, folder / f.name)
    store = tmp_path / "s.sqlite"
    ingest([folder], store=store, feedback_dir=tmp_path / "fb")
    return store


def test_run_without_store_on_an_empty_project_says_run_ingest(tmp_project):
    project, env = tmp_project
    assert not (project / "inputs" / "taizhang.sqlite").exists()
    proc = subprocess.run([sys.executable, "-m", "taizhang", "run", "--plan", "bayannur", "--formats", "html",
                           "--no-progress"], env=env, cwd=project, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr
    assert "taizhang ingest" in err and "--sample" in err and "Traceback" not in err


def test_a_store_without_the_plans_returns_says_run_ingest(tmp_path, sample_returns, registry, capsys):
    store = _store(tmp_path, sorted(sample_returns["urad-middle"].glob("*_2024-11.xlsx"))[:2])
    with pytest.raises(NoDataError) as exc:
        DataSource.of("bayannur", store=store).load(registry, "bayannur")
    assert exc.value.exit_code == 2 and "taizhang ingest" in exc.value.message
    assert main(["evaluate", "--plan", "bayannur", "--period", "2024-11", "--store", str(store)]) == 2


def test_sample_and_a_named_source_exclude_each_other():
    with pytest.raises(ParameterError):
        DataSource.of("bayannur", store="x.sqlite", sample=True)


def test_sample_returns_ingested_into_a_store_are_known_as_sample(tmp_path, sample_returns, registry):
    store = _store(tmp_path, sorted(sample_returns["bayannur"].glob("*_2024-0[12].xlsx")))
    src = DataSource.of("bayannur", store=store)
    returns = src.load(registry, "bayannur")
    assert src.sample_files(returns) == len(returns.files) > 0


def test_coverage_counts_missing_and_carries_the_data_month(tmp_path, sample_returns, registry):
    units = registry.unit_list("bayannur")
    files = sorted(sample_returns["bayannur"].glob("*_2024-05.xlsx"))
    june = [f for f in sorted(sample_returns["bayannur"].glob("*_2024-06.xlsx")) if f.name.startswith(units[0].name)]
    store = _store(tmp_path, files + june)
    src = DataSource.of("bayannur", store=store)
    returns = src.load(registry, "bayannur")
    cov = coverage(registry, "bayannur", returns, "2024-06", src)
    assert len(cov) == len(units)
    first = cov[cov["unit"] == units[0].id].iloc[0]
    assert first.status in ("reported", "late") and first.data_period == "2024-06"
    rest = cov[cov["unit"] != units[0].id]
    assert set(rest["status"]) == {"missing"} and set(rest["data_period"]) <= {"2024-05", ""}
    assert month_beyond_data(returns, "2024-06") == ""
    assert "晚于数据中最新的月份 2024-06" in month_beyond_data(returns, "2024-07")


def test_partial_and_no_data_months_show_the_coverage_line(tmp_path, sample_returns, registry):
    from taizhang.reports.html import render as render_html
    from taizhang.report import MonthlyReport

    units = registry.unit_list("bayannur")
    june = [f for f in sorted(sample_returns["bayannur"].glob("*_2024-06.xlsx")) if f.name.startswith(units[0].name)]
    store = _store(tmp_path, sorted(sample_returns["bayannur"].glob("*_2024-05.xlsx")) + june)
    partial = MonthlyReport.build("bayannur", "2024-06", store=str(store))
    line = partial.coverage_text()
    assert f"应报 {len(units)} 个单位，已报送 1 个" in line and units[1].name in line and "未报送" in line
    html = render_html(partial.header())
    assert "本月报送情况（不完整）" in html and SAMPLE_MARK in html  # these are sample files, ingested
    assert f"未报送，数值为 2024-05 的数据" in render_html(partial.unit_ledgers())
    with pytest.raises(ParameterError) as exc:
        MonthlyReport.build("bayannur", "2024-07", store=str(store))
    assert "--force" in exc.value.allowed
    forced = MonthlyReport.build("bayannur", "2024-07", store=str(store), force="是")
    assert f"已报送 0 个" in forced.coverage_text()
    head = render_html(forced.header())
    assert "强制生成" in head and "本月报送情况（不完整）" in head


def test_future_month_is_refused_without_force(capsys):
    assert main(["run", "--plan", "bayannur", "--sample", "--period", "2099-01", "--formats", "html",
                 "--no-progress"]) == 2
    assert "--force" in capsys.readouterr().err


def test_evaluate_as_of_is_a_deprecated_alias_of_period(capsys):
    assert main(["evaluate", "--plan", "bayannur", "--sample", "--as-of", "2024-06"]) == 0
    out, err = capsys.readouterr()
    assert "--period" in err and out.startswith("\ufeffunit,")  # UTF-8 with BOM, for Excel


def test_old_month_name_in_a_notebook_hints_period():
    from taizhang.report import check_parameters

    with pytest.raises(ParameterError) as exc:
        check_parameters({"plan": "bayannur", "as_of": "2024-06"}, "monthly_ledger")
    assert "是否应为 period" in exc.value.allowed


def test_sample_render_carries_the_mark_on_every_pdf_page_and_in_names(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler) not installed: make system-deps")
    from taizhang.render import Job, run_jobs

    res = run_jobs([Job("monthly_ledger", plan="bayannur", period="2025-12", sample="是")],
                   formats=("html", "pdf", "xlsx"), out=tmp_path, progress=False)[0]
    assert "样例数据" in res.pdf.name and "样例数据" in res.xlsx.name and SAMPLE_MARK in res.html.read_text("utf-8")
    pages = int(next(l.split()[1] for l in subprocess.run(["pdfinfo", str(res.pdf)], capture_output=True, text=True,
                                                             check=True).stdout.splitlines() if l.startswith("Pages")))
    for page in range(1, pages + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(res.pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert SAMPLE_MARK in text, f"page {page}"
    import openpyxl

    ws = openpyxl.load_workbook(res.xlsx).worksheets[0]
    assert any(SAMPLE_MARK in str(c.value) for row in ws.iter_rows() for c in row if c.value)


def test_make_lab_does_not_autosave_outputs_into_the_committed_notebooks(root):
    import json

    overrides = json.loads((root / "jupyter-config" / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides["@jupyterlab/docmanager-extension:plugin"]["autosave"] is False


def test_a_month_whose_returns_all_came_in_some_late_is_not_called_incomplete(tmp_path, registry):
    """All 16 包头市 units reported for 2025-12 in the sample, 固阳县 late: the notice says late, not incomplete."""
    from taizhang.project import inputs_dir
    from taizhang.report import MonthlyReport
    from taizhang.sample import ensure_sample
    from taizhang.store import ingest

    folder = inputs_dir() / "sample" / "baotou"
    ensure_sample(registry, "baotou", folder)
    store = tmp_path / "s.sqlite"
    ingest([folder], store=store, registry=registry)
    notice = MonthlyReport.build("baotou", "2025-12", store=store).coverage_notice()
    assert "已报送 16 个" in notice.text and "逾期报送：固阳县" in notice.text
    assert notice.title == "本月报送情况（有逾期报送）"
