"""Every output says what it is: index keys, what-if names, versions, skip-unchanged, provenance (issue 12, 6–8)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from taizhang.render import Job, index_entries, manifest_path, run_jobs, unchanged, write_index
from taizhang.report import assume_digest

PLAN, PERIOD = "bayannur", "2024-06"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, registry):
    """A private copy of the plan's sample returns (the tests add and remove files)."""
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, PLAN, default_inputs(PLAN))
    folder = tmp_path_factory.mktemp("returns") / PLAN
    shutil.copytree(default_inputs(PLAN), folder)
    return folder


@pytest.fixture(scope="module")
def out(tmp_path_factory, inputs):
    out = tmp_path_factory.mktemp("reports")
    jobs = [Job("monthly_ledger", plan=PLAN, period=PERIOD, inputs=str(inputs)),
            Job("data_quality", plan=PLAN, period=PERIOD, inputs=str(inputs))]
    results = run_jobs(jobs, formats=("html",), out=out, progress=False)
    assert not any(r.skipped for r in results)
    return out


def test_index_keeps_the_ledger_and_the_quality_report_of_one_month(out):
    kinds = [d["report"] for d in index_entries(out) if d["period"] == PERIOD]
    assert kinds == ["monthly_ledger", "data_quality"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "目标进展台账" in page and "数据质量报告" in page and "第 1 版" in page


def test_a_second_identical_run_renders_nothing(out, inputs):
    jobs = [Job("monthly_ledger", plan=PLAN, period=PERIOD, inputs=str(inputs))]
    before = manifest_path(out / PLAN / PERIOD, jobs[0]).read_text(encoding="utf-8")
    again = run_jobs(jobs, formats=("html",), out=out, progress=False)
    assert again[0].skipped and again[0].html.exists()
    assert manifest_path(out / PLAN / PERIOD, jobs[0]).read_text(encoding="utf-8") == before
    # another format is another ingredient: rendered
    assert unchanged(jobs[0], ("html", "xlsx"), out) is None


def test_the_manifest_lists_only_the_files_that_fed_the_month(out):
    data = json.loads(manifest_path(out / PLAN / PERIOD, Job("monthly_ledger", plan=PLAN, period=PERIOD)
                                    ).read_text(encoding="utf-8"))
    periods = {f["period"] for f in data["data_files"]}
    assert periods and max(periods) <= PERIOD
    assert data["data"]["n_files"] == len(data["data_files"]) and len(data["data"]["digest"]) == 64
    assert data["checksum"] and data["ingredients"]["registry"]
    html = (out / data["files"]["html"]).read_text(encoding="utf-8")
    assert data["data"]["digest"] in html
    assert data["data_files"][0]["sha256"] not in html  # no per-file list in the report


def test_a_late_return_makes_version_2_and_keeps_version_1(tmp_path, inputs, registry):
    folder = tmp_path / "returns"
    shutil.copytree(inputs, folder)
    unit = registry.unit_list(PLAN)[0].id
    mine = sorted(folder.glob(f"*{unit}*{PERIOD}*")) or sorted(f for f in folder.iterdir() if PERIOD in f.name)
    late = mine[0]
    held = tmp_path / late.name
    late.rename(held)
    job = Job("monthly_ledger", plan=PLAN, period=PERIOD, inputs=str(folder))
    first = run_jobs([job], formats=("html",), out=tmp_path / "out", progress=False)[0]
    assert first.version == 1
    n = first.provenance["units"]
    assert first.provenance["received"] == n - 1
    held.rename(late)  # the late return arrives
    second = run_jobs([job], formats=("html",), out=tmp_path / "out", progress=False)[0]
    assert second.version == 2 and not second.skipped
    page = second.html.read_text(encoding="utf-8")
    assert f"第 2 版 · 收到 {n}/{n} 单位" in page
    kept = tmp_path / "out" / PLAN / PERIOD / "versions" / f"{job.stem()}.v1.json"
    assert json.loads(kept.read_text(encoding="utf-8"))["version"] == 1
    assert [d["version"] for d in index_entries(tmp_path / "out")] == [2]


def test_scenario_and_assume_runs_are_named_and_get_their_own_folders(registry):
    real = Job("monthly_ledger", plan=PLAN, period=PERIOD)
    a = Job("monthly_ledger", plan=PLAN, period=PERIOD, assume="x=2024-12-31")
    b = Job("monthly_ledger", plan=PLAN, period=PERIOD, assume="y=2024-12-31")
    s = Job("monthly_ledger", plan=PLAN, period=PERIOD, scenario="宽松")
    assert len({real.parts(), a.parts(), b.parts(), s.parts()}) == 4
    assert a.parts()[-1] == f"assume-{assume_digest('x=2024-12-31')}"
    assert assume_digest("x=1;y=2") == assume_digest(" y=2 ；x=1")
    for job in (a, s):
        assert "情景推演" in job.stem() and "情景推演" in job.title()
        assert job.key()["scenario"] and job.key() != real.key()
    assert "情景推演" not in real.stem() + real.title()


def test_index_groups_by_plan_and_month_newest_first(tmp_path):
    def put(name, **d):
        (tmp_path / f"{name}.report.json").write_text(json.dumps({"title": name, "generated": "2025-01-01", **d}),
                                                      encoding="utf-8")
    put("a", report="monthly_ledger", plan="baotou", period="2024-05")
    put("b", report="data_quality", plan="baotou", period="2024-06")
    put("c", report="monthly_ledger", plan="baotou", period="2024-06")
    put("d", report="monthly_ledger", plan="baotou", period="2024-06", scenario="assume-1234", what_if=True)
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "c.v1.report.json").write_text(json.dumps({"title": "旧版本标题", "report": "monthly_ledger"}))
    assert [d["title"] for d in index_entries(tmp_path)] == ["c", "d", "b", "a"]
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert page.index("2024-06") < page.index("2024-05") and "情景推演" in page and "旧版本标题" not in page


def test_pdf_data_note_has_count_and_digest_not_the_file_list(tmp_path, inputs):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler) missing: make system-deps")
    job = Job("data_quality", plan=PLAN, period=PERIOD, inputs=str(inputs))
    r = run_jobs([job], formats=("html", "pdf"), out=tmp_path, progress=False)[0]
    text = subprocess.run([pdftotext, str(r.pdf), "-"], capture_output=True, text=True).stdout.replace("\n", "")
    assert f"{r.provenance['n_files']} 份" in text and r.provenance["digest"][:32] in text
    assert r.provenance["files"][0]["sha256"] not in text


def test_quality_report_tells_the_filing_history(tmp_path, registry):
    """Rejected then accepted: 退回 1 次，已重报 and its own mark; late: its own mark, not ✓; 本月 counts the month."""
    from tests.test_ingest import _write
    from datetime import date

    from taizhang.report import QualityReport
    from taizhang.store import ingest

    store = tmp_path / "s.sqlite"
    _write(registry, tmp_path / "a", unit="临河区", filed=date(2024, 7, 5))
    _write(registry, tmp_path / "a", unit="五原县", filed=date(2024, 7, 25))
    _write(registry, tmp_path / "a", unit="磴口县", window_staff=-1.0)
    _write(registry, tmp_path / "a", unit="临河区", period="2024-05", filed=date(2024, 6, 5))
    ingest([tmp_path / "a"], store=store, registry=registry, feedback_dir=tmp_path / "fb")
    _write(registry, tmp_path / "b", unit="磴口县", filed=date(2024, 7, 8))
    ingest([tmp_path / "b"], store=store, registry=registry, feedback_dir=tmp_path / "fb")
    q = QualityReport.build(PLAN, "2024-06", store=str(store))
    ids = {u.name: u.id for u in registry.unit_list(PLAN)}
    assert q.filing(ids["磴口县"], "2024-06") == ("resubmitted", 1)
    assert q.filing(ids["五原县"], "2024-06") == ("late", 0)
    assert q.filing(ids["临河区"], "2024-06") == ("received", 0)
    m = q.submission_frame()
    assert m.loc["五原县", "2024-06"] == "late" and m.loc["临河区", "2024-05"] == "received"
    from taizhang.reports.html import render

    text = render(q.summary())
    assert "磴口县：退回 1 次，已重报" in text
    tiles = q.summary().parts[0].tiles
    # 2024-06 only: 临河 05 not counted; the units with no return at all are counted (未报送)
    assert [t.number for t in tiles] == ["3/" + str(len(ids)), "1", "3", str(len(ids) - 3)]
    assert "未报送单位" in tiles[3].label
    # per unit, months without any return are counted from the first month with returns (2024-05)
    missing = q.missing_counts()
    assert missing["临河区"] == 0 and missing["五原县"] == 1 and missing["磴口县"] == 1
    assert all(n == 2 for u, n in missing.items() if u not in ("临河区", "五原县", "磴口县"))
    matrix = render(q.matrix())
    assert "未报送月数" in matrix and "自有报表的首月 2024-05 起计" in matrix
