"""Charts (issue 13 point 7): no label meets another label or the data, measured by the renderer; a chart is
titled with its targets' names; changes of rates are in 百分点 and a zero change shows no arrow.

The report charts are inline SVG: every chart of every sample plan (all units, and one unit highlighted) is
loaded in headless Chromium with the report's CSS and embedded font, and each label's box comes from
``getBBox()``. The explorer's matplotlib chart is measured with matplotlib's own renderer.
"""

from __future__ import annotations

import pytest

from taizhang.browser import Browser
from taizhang.charts import LINE, TrendChart, month_step, place_in_rows, target_titles, text_width, trend_chart
from taizhang.report import MonthlyReport

#: (plan, month): each plan's latest sample months, and bayannur early on (deadlines ahead of the data)
CASES = (("bayannur", "2025-12"), ("bayannur", "2022-10"), ("baotou", "2024-03"), ("urad-middle", "2025-06"),
         ("yinchuan", "2023-12"), ("artux", "2024-06"))

#: every pair of label boxes that overlap, every label box crossed by a unit line or covering a data point,
#: and every label outside the chart, per ``svg.tz-chart`` of the page (0.5 px tolerance)
COLLISIONS_JS = r"""(() => {
  const TOL = 0.5;
  const hit = (a, b) => a.x + TOL < b.x + b.width && b.x + TOL < a.x + a.width
                     && a.y + TOL < b.y + b.height && b.y + TOL < a.y + a.height;
  const segHitsRect = (x1, y1, x2, y2, r) => {  // Liang-Barsky clipping of the segment to the box
    const L = r.x + TOL, R = r.x + r.width - TOL, T = r.y + TOL, B = r.y + r.height - TOL;
    let t0 = 0, t1 = 1; const dx = x2 - x1, dy = y2 - y1;
    for (const [p, q] of [[-dx, x1 - L], [dx, R - x1], [-dy, y1 - T], [dy, B - y1]]) {
      if (p === 0) { if (q < 0) return false; continue; }
      const t = q / p;
      if (p < 0) { if (t > t1) return false; if (t > t0) t0 = t; } else { if (t < t0) return false; if (t < t1) t1 = t; }
    }
    return true;
  };
  const problems = []; let charts = 0, labels = 0;
  document.querySelectorAll('svg.tz-chart').forEach((svg, k) => {
    charts++;
    const vb = svg.viewBox.baseVal;
    const texts = [...svg.querySelectorAll('text')].map(t => ({t: t.lastChild.textContent, b: t.getBBox()}));
    labels += texts.length;
    for (const a of texts)
      if (a.b.x < -TOL || a.b.y < -TOL || a.b.x + a.b.width > vb.width + TOL || a.b.y + a.b.height > vb.height + TOL)
        problems.push([k, 'outside', a.t]);
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++)
      if (hit(texts[i].b, texts[j].b)) problems.push([k, 'label/label', texts[i].t, texts[j].t]);
    const segs = [];
    svg.querySelectorAll('polyline.tz-data').forEach(p => {
      const pts = p.getAttribute('points').trim().split(/\s+/).map(s => s.split(',').map(Number));
      for (let i = 1; i < pts.length; i++) segs.push([...pts[i - 1], ...pts[i]]);
      if (pts.length === 1) segs.push([...pts[0], ...pts[0]]);
    });
    const dots = [...svg.querySelectorAll('circle.tz-data')].map(c => c.getBBox());
    for (const a of texts) {
      if (segs.some(s => segHitsRect(...s, a.b))) problems.push([k, 'label/line', a.t]);
      if (dots.some(d => hit(d, a.b))) problems.push([k, 'label/point', a.t]);
    }
  });
  return {charts, labels, problems};
})()"""


def _page(tmp_path, svgs: list[str]):
    """A report page (report CSS, embedded font) holding ``svgs``, as the reports show them."""
    from taizhang.fonts import embedded_font_css
    from taizhang.render import _css, font_base_text
    from taizhang.reports.html import page

    body = '<div style="width:720px">' + "".join(f'<div class="tz-metric-chart">{s}</div>' for s in svgs) + "</div>"
    path = tmp_path / "charts.html"
    path.write_text(page("charts", embedded_font_css(body, font_base_text(None)) + "\n" + _css(), body), encoding="utf-8")
    return path


def _crosses(a, b, box, tol: float = 0.5) -> bool:
    """Whether the segment ``a``–``b`` (display points) enters ``box`` shrunk by ``tol`` (Liang–Barsky)."""
    x0, x1, y0, y1 = box.x0 + tol, box.x1 - tol, box.y0 + tol, box.y1 - tol
    dx, dy = b[0] - a[0], b[1] - a[1]
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            if t > t1:
                return False
            t0 = max(t0, t)
        else:
            if t < t0:
                return False
            t1 = min(t1, t)
    return True


def _measure(path):
    with Browser() as browser:
        return browser.view(path, 1000, COLLISIONS_JS)


@pytest.fixture(scope="module")
def reports():
    return {case: MonthlyReport.build(*case) for case in CASES}


def test_no_label_meets_another_label_or_the_data_in_any_sample_chart(reports, tmp_path):
    svgs = []
    for (plan, _), report in reports.items():
        units = [u.id for u in report.registry.unit_list(plan)]
        for _, chart, _ in report.metric_parts():
            svgs += [chart.svg(), chart.svg(units[0]), chart.svg(units[-1])]
    found = _measure(_page(tmp_path, svgs))
    assert found["charts"] == len(svgs) > 150 and found["labels"] > 10 * len(svgs)
    assert found["problems"] == []


def test_the_collision_check_finds_overlaps(tmp_path):
    """The measurement is not vacuous: labels on each other, a label on a line and on a point are found."""
    svg = ('<svg class="tz-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100">'
           '<text x="10" y="20" class="tz-ax">目标 ≥70%</text><text x="30" y="24" class="tz-ax">统计月份</text>'
           '<polyline class="tz-data" fill="none" stroke="#000" points="0,60 300,60"/>'
           '<text x="100" y="64" class="tz-lg">临河区</text>'
           '<circle class="tz-data" cx="250" cy="90" r="3"/><text x="245" y="94" class="tz-lg">五原县</text>'
           '<text x="290" y="50" class="tz-lg">出界</text></svg>')
    problems = _measure(_page(tmp_path, [svg]))["problems"]
    kinds = {(p[1], p[2]) for p in problems}
    assert ("label/label", "目标 ≥70%") in kinds and ("label/line", "临河区") in kinds
    assert ("label/point", "五原县") in kinds and ("outside", "出界") in kinds


def test_a_crowded_chart_grows_instead_of_stacking_labels(reports):
    report = reports[("baotou", "2024-03")]
    chart = dict((m, c) for m, c, _ in report.metric_parts())["one_window_rate"]
    n = sum(1 for _, _, _, k in chart.lines if k) + len(chart.targets)
    assert n > 12  # more names than a 250 px chart holds a line apart
    assert chart.label_bottom - chart.label_top >= (n - 1) * LINE
    assert 'viewBox="0 0 600 250"' not in chart.svg()


def test_month_ticks_and_top_labels_are_spaced_by_their_width():
    w = text_width("2024-06")
    for ppm in (3.0, 7.5, 14.0, 24.0, 60.0):
        step = month_step(ppm, w)
        assert step * ppm >= w + 4 and (step == 1 or month_step(ppm, w) <= step)
    # the third label meets the first two in row 0 and goes up a row; the fourth fits beside them
    assert place_in_rows([(0, 50), (60, 100), (40, 70), (110, 150)], fixed={0: 0}) == [0, 0, 1, 0]


def test_a_chart_is_titled_with_its_targets_name(reports):
    report = reports[("bayannur", "2025-12")]
    charts = {m: c for m, c, _ in report.metric_parts()}
    assert charts["one_window_rate"].title() == "一窗分类受理率"  # the target's name, not the metric's (一窗受理率)
    assert charts["window_staff"].title() == "市级综合窗口工作人员配备；旗县区综合窗口工作人员配备"
    assert charts["window_staff"].title("linhe") == "旗县区综合窗口工作人员配备"
    assert charts["one_window_rate"].title() == target_titles(report.ledger, "one_window_rate")
    shown = report.metrics().data
    assert "<h3>一窗分类受理率<span" in shown and "一窗受理率 · 越高越好" in shown


def test_changes_of_rates_are_in_points_and_no_zero_change_has_an_arrow(reports):
    for report in reports.values():
        shown = report.metrics().data
        assert "↑0.0" not in shown and "↓0.0" not in shown
    rates = reports[("bayannur", "2025-12")].metrics().data
    assert "个百分点</td>" in rates or "持平" in rates
    import re

    for arrow in re.findall(r"[↑↓][\d.]+[^<]*", rates):
        assert arrow.endswith(("个百分点", "名", "岁", "年", "项", "小时", "次", "个")), arrow


def test_explorer_chart_labels_never_meet_as_the_renderer_draws_them(reports):
    """The matplotlib chart: title, subtitle, ticks and legend entries measured by matplotlib's renderer do
    not overlap one another, and none lies on a unit's line."""
    import numpy as np

    for plan, metric in (("baotou", "one_window_rate"), ("bayannur", "window_staff"), ("artux", None)):
        report = next(r for (p, _), r in reports.items() if p == plan)
        metric = metric or report.metric_parts()[0][0]
        fig = trend_chart(report.registry, plan, metric, report.values, report.ledger, report.period)
        fig.canvas.draw()  # lay the figure out as it is saved
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        assert ax.get_title(loc="left").replace("\n", "") == target_titles(report.ledger, metric)
        texts = [ax.title, ax._left_title, *ax.texts, *ax.get_legend().get_texts()]
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        texts += [t for t in ax.get_xticklabels() if x0 <= t.get_position()[0] <= x1]
        texts += [t for t in ax.get_yticklabels() if y0 <= t.get_position()[1] <= y1]
        texts = [t for t in texts if t.get_visible()]
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
        for i, (a, ba) in enumerate(boxes):
            for b, bb in boxes[i + 1:]:
                assert not (ba.x0 + 0.5 < bb.x1 and bb.x0 + 0.5 < ba.x1 and ba.y0 + 0.5 < bb.y1 and bb.y0 + 0.5 < ba.y1), (a, b)
        units = set(report.ledger["unit_name"])
        for line in ax.lines:
            if line.get_label() not in units:
                continue
            pts = line.get_transform().transform(np.column_stack([line.get_xdata(orig=False), line.get_ydata(orig=False)]))
            for name, box in boxes:
                assert not any(_crosses(a, b, box) for a, b in zip(pts, pts[1:])), (name, line.get_label())
        import matplotlib.pyplot as plt

        plt.close(fig)
