"""Rendering the sample data: self-contained HTML checked in headless Chromium offline, A4 PDF, index page.

Needs Chromium and poppler-utils (pdftotext, pdffonts); when missing these tests FAIL with a message
saying to run the setup (``make setup`` installs them) — they are never skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from taizhang.errors import RenderError
from taizhang.render import Job, run_jobs, safe_output_dir, write_index

PLAN, PERIOD = "bayannur", "2024-06"


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.fail(f"{tool} 未安装：请先运行 make setup（安装 chromium 与 poppler-utils）。")
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, registry):
    from taizhang.browser import find_chromium
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    try:
        find_chromium()
    except RenderError as exc:
        pytest.fail(exc.message)
    ensure_sample(registry, PLAN, default_inputs(PLAN))
    out = tmp_path_factory.mktemp("reports")
    jobs = [Job("monthly_ledger", plan=PLAN, period=PERIOD),
            Job("district_report", plan=PLAN, period=PERIOD, unit="linhe")]
    results = run_jobs(jobs, formats=("html", "pdf", "xlsx"), out=out, progress=False)
    return out, results


@pytest.fixture(scope="module")
def monthly(registry):
    from taizhang.report import MonthlyReport

    return MonthlyReport.build(PLAN, PERIOD)


def test_outputs_land_in_plan_period_folder(rendered):
    out, (month, district) = rendered
    folder = out / PLAN / PERIOD
    assert month.notebook == folder / "monthly_ledger.ipynb" and month.notebook.is_file()
    for path in (month.html, month.pdf, month.xlsx):
        assert path.parent == folder and path.stat().st_size > 10_000
    assert district.html.parent == folder / "units" / "临河区"
    assert district.html.name == "临河区_2024-06_单位台账.html" and district.pdf.name == "临河区_2024-06_单位台账.pdf"
    assert (out / "index.html").is_file()


def test_html_is_self_contained_without_code_or_parameters(rendered):
    _, (month, _) = rendered
    page = month.html.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "页面引用了外部网址"
    assert "<script" not in page
    assert "@import" not in page and "url(http" not in page
    assert "check_parameters" not in page and "injected-parameters" not in page
    assert 'plan = "' not in page and "report.header()" not in page
    assert "data:font/woff;base64," in page  # the font travels with the page
    assert re.search(r"<h2[^>]*>一、总体情况", page), "标题应以汉字写出，而不是 &#...; 字符引用"
    assert not re.search(r"&#(1[2-9]\d{3}|[2-9]\d{4});", page)


def test_html_loads_offline_without_errors_and_shows_the_ledger_counts(rendered, monthly):
    from taizhang.browser import Browser
    from taizhang.evaluate import status_counts

    _, (month, _) = rendered
    expr = ("Array.from(document.querySelectorAll('.tz-tile[data-status]')).map("
            "t => [t.dataset.status, t.querySelector('.tz-tile-n').textContent.trim()])")
    with Browser() as browser:
        check = browser.check_page(month.html, expr)
    assert check.failed_requests == []
    assert check.console_errors == []
    shown = {status: int(n) for status, n in check.values}
    expected = {r.status: int(r.count) for r in status_counts(monthly.ledger).itertuples()}
    assert shown == expected and sum(shown.values()) > 0


def test_the_offline_check_does_catch_external_requests_and_errors(tmp_path):
    from taizhang.browser import Browser

    page = tmp_path / "bad.html"
    page.write_text('<html><body><img src="https://example.com/x.png"><script>console.error("坏")</script>'
                    "</body></html>", encoding="utf-8")
    with Browser() as browser:
        check = browser.check_page(page)
    assert any("example.com" in r for r in check.failed_requests)
    assert any("坏" in m for m in check.console_errors)


def test_pdf_is_a4_with_embedded_fonts_status_labels_and_unit_names(rendered, monthly, registry):
    from taizhang.ledger import status_label

    _, (month, district) = rendered
    info = subprocess.run([_need("pdfinfo"), str(month.pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert abs(float(size.group(1)) - 595) < 2 and abs(float(size.group(2)) - 842) < 2
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 3
    text = subprocess.run([_need("pdftotext"), "-layout", str(month.pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    compact = re.sub(r"\s+", "", text)
    for code in set(monthly.ledger["status"]) - {"not_applicable"}:
        assert status_label(code) in compact, status_label(code)
    for unit in registry.unit_list(PLAN):
        assert unit.name in compact, unit.name
    assert "总体情况" in compact and "分单位台账" in compact
    assert "file://" not in text and "about:blank" not in text  # no browser header/footer lines
    fonts = subprocess.run([_need("pdffonts"), str(month.pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, "PDF 中没有字体"
    # columns: name type encoding emb sub uni object ID — 'emb' is the 5th field from the right
    assert all(r[-5] == "yes" for r in rows), fonts
    assert "临河区" in re.sub(r"\s+", "", subprocess.run([_need("pdftotext"), str(district.pdf), "-"],
                                                       capture_output=True, text=True, check=True).stdout)


def test_safe_output_dir_refuses_to_leave_the_output_folder(tmp_path):
    assert safe_output_dir(tmp_path, "bayannur", "2024-06") == (tmp_path / "bayannur" / "2024-06").resolve()
    for bad in ("..", "../x", "a/b", "a\\b", "", ".", "/etc", "c:x"):
        with pytest.raises(RenderError):
            safe_output_dir(tmp_path, "bayannur", bad)


def test_district_files_are_named_by_the_units_chinese_name():
    job = Job("district_report", plan=PLAN, period=PERIOD, unit="linhe")
    assert job.stem() == "临河区_2024-06_单位台账"
    assert job.parts() == (PLAN, PERIOD, "units", "临河区")
    other = Job("district_report", plan="baotou", period=PERIOD, unit="housing-fund-sub-center")
    assert other.stem() == "住房公积金分中心_2024-06_单位台账"
    assert Job("monthly_ledger", plan=PLAN, period=PERIOD).stem() == "bayannur_2024-06_台账"


@pytest.mark.parametrize("name, expected", [
    ("东河区", "东河区"), ("../../etc", "etc"), ("a..b", "a..b"), ("a/b\\c", "a_b_c"), (".隐藏", "隐藏"), ("临河\x00区\n", "临河_区"),
    ("甲:乙*丙?", "甲_乙_丙"), ("..", "linhe"), ("  ", "linhe"), ("/", "linhe"),
])
def test_unit_names_are_made_safe_for_file_names(name, expected, tmp_path):
    from taizhang.render import safe_name

    got = safe_name(name, "linhe")
    assert got == expected
    assert safe_output_dir(tmp_path, PLAN, "units", got).parent == (tmp_path / PLAN / "units").resolve()


def test_index_lists_every_report_newest_first(tmp_path):
    import json

    for i, (title, when) in enumerate([("旧报告", "2024-01-01T00:00:00+08:00"), ("新报告<b>", "2025-01-01T00:00:00+08:00")]):
        folder = tmp_path / f"r{i}"
        folder.mkdir()
        (folder / f"x{i}.report.json").write_text(json.dumps({
            "title": title, "report": "monthly_ledger", "generated": when, "plan": PLAN, "period": f"202{4+i}-01",
            "files": {"html": f"r{i}/临河 区#{i}.html", "pdf": None, "xlsx": None, "notebook": f"r{i}/a.ipynb"}}),
            encoding="utf-8")
    page = write_index(tmp_path).read_text(encoding="utf-8")
    assert page.index("新报告&lt;b&gt;") < page.index("旧报告")
    assert 'href="r1/%E4%B8%B4%E6%B2%B3%20%E5%8C%BA%231.html"' in page and "<b>新报告" not in page


def test_run_rejects_unknown_formats(tmp_path):
    from taizhang.errors import ParameterError

    with pytest.raises(ParameterError) as err:
        run_jobs([Job("monthly_ledger", plan=PLAN, period=PERIOD)], formats=("odt",), out=tmp_path)
    assert "odt" in err.value.message and "html" in err.value.allowed and "docx" in err.value.allowed


def test_district_reports_printed_together_split_into_their_own_pdfs(tmp_path, registry):
    """Consecutive district reports of one plan and month are printed as one document and split: each PDF
    must hold exactly the pages (same text, same count) its own HTML prints to, titled with its own report."""
    from taizhang.browser import Browser
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    pdftotext = _need("pdftotext")
    ensure_sample(registry, PLAN, default_inputs(PLAN))
    units = [u.id for u in registry.unit_list(PLAN)][:3]
    jobs = [Job("district_report", plan=PLAN, period=PERIOD, unit=u) for u in units]
    results = run_jobs(jobs, formats=("html", "pdf"), out=tmp_path / "out", progress=False)
    assert len({r.pdf for r in results}) == 3
    with Browser() as browser:
        for r in results:
            alone = browser.print_pdf(r.html, tmp_path / "alone.pdf")
            split = subprocess.run([pdftotext, "-layout", str(r.pdf), "-"], capture_output=True, text=True).stdout
            own = subprocess.run([pdftotext, "-layout", str(alone), "-"], capture_output=True, text=True).stdout
            assert split.count("\f") == own.count("\f") > 1
            assert split == own
            info = subprocess.run(["pdfinfo", str(r.pdf)], capture_output=True, text=True).stdout
            assert r.title.split(" · ")[0] in info  # the report's own title, not the joint document's


def _joint_page(path, parts: list[str], marks: bool = True):
    """A joint print page like :func:`taizhang.render.print_group` writes: each part on a new page."""
    from taizhang.browser import part_mark
    from taizhang.render import _BATCH_CSS

    body = "".join(f'<div class="tz-batch-part">{part_mark(k) if marks else ""}{p}</div>' for k, p in enumerate(parts))
    path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{_BATCH_CSS}</style></head>'
                    f"<body>{body}</body></html>", encoding="utf-8")
    return path


def test_joint_print_is_split_at_the_part_marks_and_the_marks_are_removed(tmp_path):
    import pikepdf

    from taizhang.browser import PART_MARK_URL, Browser

    _need("pdftotext")
    long_part = "<h1>A</h1>" + "".join(f"<p>line {i}</p>" for i in range(120))  # more than one A4 page
    html = _joint_page(tmp_path / "joint.html", [long_part, "<h1>B</h1><p>b</p>", "<h1>C</h1><p>c</p>"])
    outputs = [(tmp_path / f"{n}.pdf", f"title {n}") for n in "ABC"]
    with Browser() as browser:
        written = browser.print_pdf_split(html, outputs)
    assert written == [p for p, _ in outputs]
    counts = []
    for (pdf_path, title), letter in zip(outputs, "ABC"):
        with pikepdf.open(pdf_path) as pdf:
            counts.append(len(pdf.pages))
            assert str(pdf.docinfo["/Title"]) == title
            uris = [str(a.A.URI) for page in pdf.pages for a in page.obj.get("/Annots", [])
                    if "/A" in a and "/URI" in a.A]
            assert not [u for u in uris if u.startswith(PART_MARK_URL)]
        text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True).stdout
        assert text.lstrip().startswith(letter)
    assert counts[0] >= 2 and counts[1:] == [1, 1]


def test_joint_print_without_part_marks_is_not_split(tmp_path):
    from taizhang.browser import Browser

    html = _joint_page(tmp_path / "joint.html", ["<h1>A</h1>", "<h1>B</h1>"], marks=False)
    outputs = [(tmp_path / "a.pdf", "a"), (tmp_path / "b.pdf", "b")]
    with Browser() as browser, pytest.raises(RenderError, match="无法按报告拆分"):
        browser.print_pdf_split(html, outputs)
    assert not list(tmp_path.glob("*.pdf"))


def test_papermill_imports_without_the_iri_parser_and_still_validates_notebooks(root):
    """`taizhang run` keeps jsonschema from building its IRI parsers; notebooks are still validated."""
    code = ("import sys\nfrom taizhang.render import skip_unused_schema_checkers\nskip_unused_schema_checkers()\n"
            "import papermill, nbformat\n"
            f"nb = nbformat.read({str(root / 'notebooks' / 'district_report.ipynb')!r}, as_version=4)\n"
            "nbformat.validate(nb)\ndel nb.cells[0]['source']\n"
            "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('invalid found')\n"
            "print(sys.modules['rfc3987_syntax'] is None)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["invalid", "found", "True"]


def test_plan_lanes_keep_each_plan_in_one_lane_in_job_order():
    from taizhang.render import plan_lanes

    jobs = ([Job("district_report", plan="baotou", period=PERIOD, unit=f"u{i}") for i in range(5)]
            + [Job("district_report", plan="bayannur", period=PERIOD, unit=f"u{i}") for i in range(3)]
            + [Job("monthly_ledger", plan="artux", period=PERIOD), Job("monthly_ledger", plan="yinchuan", period=PERIOD)])
    lanes = plan_lanes(jobs, 2)
    assert sorted(i for lane in lanes for i in lane) == list(range(len(jobs)))
    assert all(lane == sorted(lane) for lane in lanes)
    for plan in ("baotou", "bayannur", "artux", "yinchuan"):
        assert sum(any(jobs[i].plan == plan for i in lane) for lane in lanes) == 1, plan
    # balanced by work, not by count: the two plan ledgers (each a plan's units × targets) go to two lanes
    assert not any({8, 9} <= set(lane) for lane in lanes)
    assert plan_lanes(jobs[:5], 2) == [[0, 1, 2, 3, 4]]  # one plan: one kernel


def test_job_weight_counts_the_ledger_cells_a_report_shows(registry):
    from taizhang.render import job_weight

    targets, units = len(registry.plans["baotou"].targets), len(registry.unit_list("baotou"))
    assert job_weight(Job("monthly_ledger", plan="baotou", period=PERIOD), registry) == targets * units
    assert job_weight(Job("district_report", plan="baotou", period=PERIOD, unit="donghe"), registry) == targets
    assert job_weight(Job("plan_comparison", metric="one_window_rate"), registry) == 1


def test_two_kernels_render_every_job_and_return_them_in_job_order(tmp_path, registry):
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    for plan in (PLAN, "urad-middle"):
        ensure_sample(registry, plan, default_inputs(plan))
    other = [u.id for u in registry.unit_list("urad-middle")][:2]
    jobs = [Job("district_report", plan="urad-middle", period=PERIOD, unit=other[0]),
            Job("monthly_ledger", plan=PLAN, period=PERIOD),
            Job("district_report", plan="urad-middle", period=PERIOD, unit=other[1]),
            Job("district_report", plan=PLAN, period=PERIOD, unit="linhe")]
    results = run_jobs(jobs, formats=("html",), out=tmp_path, progress=False, kernels=2)
    assert [r.job for r in results] == jobs
    assert all(r.html.is_file() and r.notebook.is_file() for r in results)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert all(r.title.split(" · ")[0] in index for r in results)


def test_a_failing_report_in_one_kernel_stops_the_run_with_its_message(tmp_path, registry):
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    for plan in (PLAN, "urad-middle"):
        ensure_sample(registry, plan, default_inputs(plan))
    jobs = [Job("monthly_ledger", plan=PLAN, period=PERIOD),
            Job("district_report", plan="urad-middle", period=PERIOD, unit="no-such-unit"),
            Job("district_report", plan=PLAN, period=PERIOD, unit="linhe"),
            Job("district_report", plan=PLAN, period=PERIOD, unit="wuyuan")]
    with pytest.raises(RenderError, match="no-such-unit"):
        run_jobs(jobs, formats=("html",), out=tmp_path, progress=False, kernels=2)
    assert (tmp_path / "index.html").is_file()


def test_kernel_session_does_not_depend_on_the_working_directory(tmp_path, monkeypatch, registry):
    """Kernels talk over sockets in their own folder; starting one from elsewhere leaves nothing behind."""
    from taizhang.render import KernelSession
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, PLAN, default_inputs(PLAN))
    monkeypatch.chdir(tmp_path)
    with KernelSession() as session:
        folder = session._ipc_dir
        for name in ("a", "b"):
            session.execute("target_catalogue", {"plan": PLAN}, tmp_path / "out" / f"{name}.ipynb")
    assert list(tmp_path.iterdir()) == [tmp_path / "out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.ipynb", "b.ipynb"]
    assert folder and not Path(folder).exists()
