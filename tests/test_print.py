"""Print-grade PDF (issue 13 points 2 and 4): page numbers and running header on every page, bookmarks per
section and unit, a unit's name atop its continuation pages, CJK embedded as a real font program (no Type 3),
every overdue task listed, and every "见 Excel …" pointer naming a sheet the workbook has."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from taizhang.render import Job, run_jobs

PLAN, PERIOD = "urad-middle", "2025-12"


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} (poppler-utils) is needed for the print tests")
    return path


@pytest.fixture(scope="module")
def printed(tmp_path_factory, registry):
    """The monthly ledger of one plan on the sample, HTML + PDF + Excel, as `taizhang run --sample` writes it."""
    out = tmp_path_factory.mktemp("print")
    job = Job("monthly_ledger", plan=PLAN, period=PERIOD, sample="是", marked=True)
    return run_jobs([job], formats=("html", "pdf", "xlsx"), out=out, progress=False)[0]


def _pages(pdf, layout: bool = True) -> list[str]:
    text = subprocess.run([_need("pdftotext"), *(["-layout"] if layout else []), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def test_every_page_has_its_number_the_running_header_and_the_sample_mark(printed, registry):
    pages = _pages(printed.pdf)
    assert len(pages) > 3
    header = f"{registry.short_name(PLAN)} · 2025年12月 · 目标进展台账"
    for i, page in enumerate(pages, 1):
        lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
        assert re.sub(r"\s+", " ", lines[0]).startswith(header), (i, lines[0])
        assert "样例数据，非真实报送" in lines[0], i  # in the header, clear of the content
        assert re.sub(r"\s+", "", lines[-1]) == f"第{i}页共{len(pages)}页", (i, lines[-1])


def test_the_html_keeps_the_running_mark_on_screen_and_hides_it_in_print(printed):
    page = printed.html.read_text(encoding="utf-8")
    assert 'class="tz-running' in page and "样例数据，非真实报送" in page
    css = page[page.index("<style>"):page.index("</style>")]
    assert re.search(r"@media print \{\s*\.tz-running \{ display: none; \}", css)
    assert "@top-right" in css and 'counter(pages)' in css


def test_no_cjk_text_is_embedded_as_type3(printed):
    fonts = subprocess.run([_need("pdffonts"), str(printed.pdf)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert any("NotoSansSC" in r and "CID TrueType" in r for r in rows)
    assert not [r for r in rows if "Type 3" in r], fonts


def test_outline_has_every_section_and_every_unit(printed, registry):
    import pikepdf

    with pikepdf.open(printed.pdf) as pdf:
        with pdf.open_outline() as outline:
            top = {item.title: [c.title for c in item.children] for item in outline.root}
        uris = [str(a.A.URI) for page in pdf.pages for a in page.obj.get("/Annots", []) if "/A" in a and "/URI" in a.A]
    for section in ("一、总体情况", "二、主要指标走势与排名", "三、分单位台账（量化指标）", "四、节点任务完成情况", "五、督办情况",
                    "六、数据说明"):
        assert section in top, list(top)
    units = [u.name for u in registry.unit_list(PLAN)]
    assert [t.split("（")[0] for t in top["三、分单位台账（量化指标）"]] == units
    assert not [u for u in uris if "taizhang.invalid" in u]  # the marks that placed the bookmarks are gone
    # page 1 is the brief (an h3 "本月简报"): its own headings are its children, not top-level bookmarks
    assert [t.split("（")[0] for t in top["本月简报"]] == ["各单位情况", "主要问题"]
    assert not [t for t in top if t.startswith(("各单位情况", "主要问题"))]


def test_outline_entries_nest_in_the_nearest_lower_level_before_them():
    """add_outline: an entry nests in the nearest entry of a lower level before it, else it is top-level."""
    import io

    import pikepdf

    from taizhang.printing import OUTLINE_MARK_URL, add_outline

    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    entries = [(2, "简报"), (3, "甲"), (3, "乙"), (1, "一、"), (2, "子"), (3, "孙"), (1, "二、"), (3, "深")]
    page.obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 700 - 10 * k, 1, 701 - 10 * k],
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(f"{OUTLINE_MARK_URL}{k}"))))
        for k in range(len(entries))]))
    buf = io.BytesIO()
    pdf.save(buf)
    with pikepdf.open(io.BytesIO(add_outline(buf.getvalue(), entries))) as out:
        assert "/Annots" not in out.pages[0].obj
        with out.open_outline() as outline:
            tree = [(i.title, [(c.title, [g.title for g in c.children]) for c in i.children]) for i in outline.root]
    assert tree == [("简报", [("甲", []), ("乙", [])]), ("一、", [("子", ["孙"])]), ("二、", [("深", [])])]


def test_a_units_name_heads_each_continuation_page_of_its_table(printed):
    """The unit ledger's first header row names the unit; Chromium repeats the thead on every page the table
    spans. Checked on a long table of our own so that it spans pages."""
    from taizhang.browser import Browser
    from taizhang.reports.blocks import Column, TableSpec, text

    spec = TableSpec((Column("a", "目标"), Column("b", "状态")), tuple((text(f"第{i}行"), text("x")) for i in range(160)),
                     css="tz-ledger", caption="临河区 · 量化指标台账")
    page = printed.html.read_text(encoding="utf-8")
    css = page[page.index("<style>") + 7:page.index("</style>")]
    html = printed.html.with_name("long.html")
    html.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css}</style></head><body>'
                    f'<main class="tz-page">{spec._repr_html_()}</main></body></html>', encoding="utf-8")
    with Browser() as browser:
        pdf = browser.print_pdf(html, html.with_suffix(".pdf"))
    pages = _pages(pdf)
    assert len(pages) >= 2
    for page in pages:
        body = [ln.strip() for ln in page.splitlines() if ln.strip()][1:]  # after the running header
        assert body[0].startswith("临河区 · 量化指标台账"), body[:2]


def test_every_overdue_task_is_in_the_pdf(printed):
    from taizhang.report import MonthlyReport

    ledger = MonthlyReport.build(PLAN, PERIOD, sample="是").ledger
    text = re.sub(r"\s+", "", "".join(_pages(printed.pdf, layout=False)))  # reading order: wrapped cells joined
    overdue = ledger[ledger["status"] == "task_overdue"]
    assert len(overdue) > 0
    for title in set(overdue["title"]):  # a long title wraps inside its cell: its first line is in the text
        assert re.sub(r"\s+", "", title)[:14] in text, title


def test_excel_pointers_name_sheets_the_workbook_has(printed):
    from taizhang.ledger import EXCEL_LEDGER_SHEET, excel_pointer

    sheets = load_workbook(printed.xlsx, read_only=True).sheetnames
    assert EXCEL_LEDGER_SHEET in sheets
    text = re.sub(r"\s+", "", "".join(_pages(printed.pdf, layout=False))) + printed.html.read_text(encoding="utf-8")
    pointed = re.findall(r"Excel工作簿“([^”]+)”工作表", text.replace(" ", ""))
    assert re.sub(r"\s+", "", excel_pointer()) in text.replace(" ", "")
    assert pointed and set(pointed) <= set(sheets), (set(pointed), sheets)


def test_met_targets_are_counted_not_listed_in_the_unit_ledgers(registry):
    from taizhang.kernel.statuses import MET
    from taizhang.ledger import unit_ledger_spec
    from taizhang.report import MonthlyReport

    ledger = MonthlyReport.build(PLAN, PERIOD, sample="是").ledger
    unit = registry.unit_list(PLAN)[0]
    mine = ledger[(ledger["unit"] == unit.id) & ledger["kind"].isin(["quantitative", "recurring"])
                  & (ledger["status"] != "not_applicable")]
    spec, line = unit_ledger_spec(ledger, unit.id, unit.name)
    n_met = int(mine["status"].isin(MET).sum())
    shown = 0 if spec is None else len(spec.rows)
    assert shown == len(mine) - n_met
    assert n_met > 0 and str(n_met) in line
    if spec is not None:
        assert not [c for c in spec.column("status") if c.status in MET]
        assert spec.caption.startswith(unit.name)


def test_subset_font_has_truetype_outlines():
    import io

    from fontTools.ttLib import TTFont

    from taizhang.fonts import _subset_woff

    font = TTFont(io.BytesIO(_subset_woff(frozenset(map(ord, "政务服务目标台账第页共")))))
    assert "glyf" in font and "CFF " not in font
    glyph = font.getBestCmap()[ord("政")]
    assert font["glyf"][glyph].numberOfContours > 0


def test_a_district_lists_its_tasks_not_done_and_counts_the_done_ones(registry):
    from html import unescape

    from taizhang.kernel.statuses import MET
    from taizhang.report import MonthlyReport

    unit = registry.unit_list(PLAN)[1]
    report = MonthlyReport.build(PLAN, PERIOD, sample="是", unit=unit.id)
    tasks = report.ledger[(report.ledger["kind"] == "milestone") & (report.ledger["status"] != "not_applicable")]
    html = unescape(report.tasks().data)
    done = tasks[tasks["status"].isin(MET)]
    assert len(done) and f"已完成 {len(done)} 项" in html
    for r in tasks.itertuples():
        assert (f">{r.title}<" in html) == (r.status not in MET), r.title
    overview = unescape(report.overdue().data)
    n = int((tasks["status"] == "task_overdue").sum())
    assert f"逾期未完成的节点任务 {n} 项" in overview


def test_the_running_header_names_the_unit_of_a_district_report(registry):
    from taizhang.printing import running_header

    unit = registry.unit_list(PLAN)[1]
    header = running_header(Job("district_report", plan=PLAN, period=PERIOD, unit=unit.id))
    assert header == f"{registry.short_name(PLAN)} · {unit.name} · 2025年12月 · 单位台账"
    assert running_header(Job("monthly_ledger", plan=PLAN, period="2025-06", scenario="x")).endswith("情景推演 · 情景 x")
