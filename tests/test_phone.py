"""HTML on a phone (issue 13 point 6): at 390 px nothing overflows the page, each report opens with a table
of contents, and the index and the reports link to each other — measured in headless Chromium.

Needs Chromium (``make setup``); when it is missing these tests fail with that message, never skip.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from taizhang.errors import RenderError
from taizhang.render import Job, run_jobs, write_index

PLAN, PERIOD = "bayannur", "2024-06"
PHONE = 390
UNITS = ("linhe", "wuyuan")

#: the page's width, and every element that reaches past the phone's width outside a scrolling box
OVERFLOW_JS = """(() => {
  const vw = %d, wide = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 0.5) continue;
    let p = e.parentElement, boxed = false;
    while (p) { const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') { boxed = true; break; } p = p.parentElement; }
    if (!boxed) wide.push(e.tagName + '.' + e.className + ' → ' + Math.round(r.right));
  }
  return {width: document.documentElement.scrollWidth, wide: wide.slice(0, 10),
          toc: [...document.querySelectorAll('nav.tz-toc a')].map(a => [a.textContent, a.getAttribute('href')]),
          tocShown: !!document.querySelector('nav.tz-toc') && getComputedStyle(document.querySelector('nav.tz-toc')).display !== 'none',
          links: [...document.querySelectorAll('nav.tz-links a')].map(a => [a.textContent, a.getAttribute('href')]),
          scrollers: document.querySelectorAll('.tz-scroll').length};
})()""" % PHONE


@pytest.fixture(scope="module")
def pages(tmp_path_factory, registry):
    from taizhang.browser import find_chromium
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    try:
        find_chromium()
    except RenderError as exc:
        pytest.fail(exc.message)
    ensure_sample(registry, PLAN, default_inputs(PLAN))
    out = tmp_path_factory.mktemp("phone")
    jobs = [Job("monthly_ledger", plan=PLAN, period=PERIOD), Job("monthly_brief", plan=PLAN, period=PERIOD),
            Job("data_quality", plan=PLAN, period=PERIOD)]
    jobs += [Job("district_report", plan=PLAN, period=PERIOD, unit=u) for u in UNITS]
    results = run_jobs(jobs, formats=("html",), out=out, progress=False)
    kinds = ("monthly", "brief", "quality") + UNITS
    return out, {k: r.html for k, r in zip(kinds, results)} | {"index": out / "index.html"}


@pytest.fixture(scope="module")
def seen(pages):
    from taizhang.browser import Browser

    with Browser() as browser:
        return {k: browser.view(path, PHONE, OVERFLOW_JS) for k, path in pages[1].items()}


@pytest.mark.parametrize("kind", ["monthly", "brief", "quality", "linhe", "index"])
def test_nothing_overflows_a_390_px_phone(seen, kind):
    page = seen[kind]
    assert page["width"] <= PHONE and page["wide"] == [], page["wide"]
    assert page["scrollers"] >= 1  # the wide tables scroll inside their own box


def test_each_report_opens_with_a_table_of_contents_of_its_sections_and_units(seen, pages, registry):
    _, paths = pages
    monthly = seen["monthly"]
    assert monthly["tocShown"]
    names = [t for t, _ in monthly["toc"]]
    assert "一、总体情况" in names and "六、数据说明" in names and "数据来源与版本" in names
    units = [u.name for u in registry.unit_list(PLAN)]
    section = names.index("三、分单位台账（量化指标）")
    assert names[section + 1:section + 1 + len(units)] == units  # the units under their section, in order
    for kind in ("brief", "quality", "linhe"):
        assert seen[kind]["tocShown"] and len(seen[kind]["toc"]) >= 2, kind
    # every entry leads to a heading of the page, and the contents sit under the report's header
    for kind in ("monthly", "brief", "quality", "linhe"):
        text = paths[kind].read_text(encoding="utf-8")
        assert text.index('class="tz-toc"') > text.index('class="tz-header"')
        # … and under the first-page notices: what the report rests on is read first
        for notice in ('class="tz-notice tz-coverage"', 'class="tz-notice tz-sample"'):
            if notice in text:
                assert text.index('class="tz-toc"') > text.index(notice), (kind, notice)
        for _, href in seen[kind]["toc"]:
            assert re.search(rf'<h[23] id="{re.escape(href[1:])}"', text), (kind, href)


def _target(page: Path, href: str) -> Path:
    return (page.parent / unquote(href)).resolve()


def test_the_index_and_the_reports_link_to_each_other(seen, pages):
    out, paths = pages
    for kind in ("monthly", "brief", "quality") + UNITS:
        links = dict(seen[kind]["links"])
        assert _target(paths[kind], links["← 报告目录"]) == (out / "index.html").resolve(), kind
    monthly = dict(seen["monthly"]["links"])
    for unit, name in (("linhe", "临河区"), ("wuyuan", "五原县")):
        assert _target(paths["monthly"], monthly[name]) == paths[unit].resolve()  # monthly → its district reports
        district = dict(seen[unit]["links"])
        assert _target(paths[unit], district["目标进展台账"]) == paths["monthly"].resolve()  # district → ledger
    assert _target(paths["monthly"], monthly["一页简报"]) == paths["brief"].resolve()
    assert _target(paths["brief"], dict(seen["brief"]["links"])["目标进展台账"]) == paths["monthly"].resolve()
    # only reports that exist are linked (three of the plan's units have no district report here)
    for kind in ("monthly", "brief", "quality") + UNITS:
        for _, href in seen[kind]["links"]:
            assert _target(paths[kind], href).is_file(), (kind, href)
    assert len([1 for t, _ in seen["monthly"]["links"] if t in ("临河区", "五原县", "磴口县")]) == 2
    # the index links every report
    index = paths["index"].read_text(encoding="utf-8")
    for kind in ("monthly", "brief", "quality") + UNITS:
        assert f'href="{paths[kind].relative_to(out).as_posix()}"' in unquote(index)


def test_links_are_rewritten_only_when_they_change(pages):
    from taizhang.reports.navigation import refresh_links
    from taizhang.render import index_entries

    out, paths = pages
    before = paths["monthly"].read_text(encoding="utf-8")
    write_index(out)
    assert paths["monthly"].read_text(encoding="utf-8") == before
    assert refresh_links(index_entries(out), out) == 0
    assert before.count('<nav class="tz-links"') == 1
