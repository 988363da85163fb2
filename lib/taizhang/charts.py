"""Charts for the reports: one trend chart per metric (a line per unit, the target line, the deadline marked).

Charts use Noto Sans SC (see :mod:`taizhang.fonts`) so Chinese never renders as boxes, and only data of
months up to the as-of month.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from .fonts import use_chinese_font
from .kernel.months import Month, ordinals
from .kernel.months import label as month_label
from .ledger import records
from .targets import OP_LABELS, Registry


def _pyplot():
    """matplotlib.pyplot with the Agg backend, imported on first use (it costs ~1.5 s; SVG charts need none)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt

_LINESTYLES = ["-", "--", ":", "-."]


def chart_metrics(registry: Registry, plan_id: str) -> list[str]:
    """The metrics charted for a plan: those of its quantitative targets (:meth:`Registry.plan_metrics`)."""
    return registry.plan_metrics(plan_id, ("quantitative",))


def trend_chart(registry: Registry, plan_id: str, metric: str, values: pd.DataFrame, ledger: pd.DataFrame,
                as_of: str):
    """A figure of ``metric`` over time per unit with its target line(s) and deadline(s) marked.

    ``values`` is :func:`taizhang.evaluate.metric_values` output; ``ledger`` the evaluated ledger (to know
    which units the metric's targets apply to). Returns a matplotlib Figure.
    """
    use_chinese_font()
    plt = _pyplot()
    m = registry.metrics[metric]
    rows = ledger[(ledger["metric"] == metric) & (ledger["status"] != "not_applicable")]
    unit_names = dict(zip(ledger["unit"], ledger["unit_name"]))
    units = list(dict.fromkeys(rows["unit"]))
    data = values[(values["metric"] == metric) & (values["period"] <= as_of) & values["unit"].isin(units)]
    fig, ax = plt.subplots(figsize=(9.5, 3.6), dpi=110)
    for i, unit in enumerate(units):
        series = data[data["unit"] == unit]
        if series.empty:
            continue
        x = pd.PeriodIndex(series["period"], freq="M").to_timestamp()
        ax.plot(x, series["value"], label=unit_names.get(unit, unit), color=PALETTE[i % len(PALETTE)],
                linestyle=_LINESTYLES[i % len(_LINESTYLES)], linewidth=1.6, marker="o" if len(series) < 4 else None)
    targets = rows.drop_duplicates("target_id")
    for j, t in enumerate(targets.itertuples(index=False)):
        if pd.notna(t.threshold):
            ax.axhline(t.threshold, color="#c0392b", linestyle="--", linewidth=1.3, zorder=5)
            ax.annotate(f"目标 {OP_LABELS.get(t.op, '')}{t.threshold:g}{t.target_unit}", xy=(0.995, t.threshold),
                        xycoords=("axes fraction", "data"), color="#c0392b", fontsize=8, zorder=6,
                        va="bottom", ha="right", bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
        if t.deadline is not None and pd.notna(t.deadline):
            d = pd.Timestamp(t.deadline)
            ax.axvline(d, color="#555555", linestyle=":", linewidth=1.2)
            ax.annotate(f"期限 {t.deadline}", xy=(d, 1.0), xycoords=("data", "axes fraction"), fontsize=8,
                        color="#555555", rotation=0, ha="left", va="top", xytext=(3, -2 - 11 * j),
                        textcoords="offset points")
    as_of_end = pd.Period(as_of, freq="M").end_time
    ax.axvline(as_of_end, color="#1f4e79", linewidth=1.4, alpha=0.85)
    left_x, right_x = ax.get_xlim()
    import matplotlib.dates as mdates

    ax.set_xlim(left_x, max(right_x, mdates.date2num(as_of_end + pd.DateOffset(months=1))))
    ax.set_title(f"{m.name}（{m.unit or '数值'}）", fontsize=11, loc="left")
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if m.type == "rate":
        lo = min(float(data["value"].min()) if len(data) else 0, float(targets["threshold"].min()) if len(targets) else 0)
        ax.set_ylim(max(0, lo - 10), 108)  # headroom: a 100% target line is not the top edge
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def figure_png(fig) -> bytes:
    """The figure as PNG bytes (fixed metadata, so the same chart gives the same bytes); closes the figure."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ SVG charts
# Reports draw their charts as inline SVG: ~1 ms per chart instead of ~0.5 s for a matplotlib PNG, vector
# (sharp in print), text in the page's embedded font, and no image to embed. Each unit gets its own colour
# AND dash pattern (neighbours differ in both, so lines stay apart in greyscale print) and is named at the
# end of its line (labels spread apart so they never overlap), so nobody has to match colours to a legend.
# Target lines are drawn over the unit lines and labelled at their right end.

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "10 3", "3 3 1 3")
TARGET_COLOUR = "#c0392b"
AS_OF_COLOUR = "#1f4e79"
LABEL_GAP = 12  # px between two end-of-line labels
LEADER = 26  # px from the plot's right edge to the end-of-line labels


def unit_style(idx: int) -> tuple[str, str]:
    """The colour and dash pattern of the ``idx``-th unit of a chart (both change from one unit to the next)."""
    return PALETTE[idx % len(PALETTE)], DASHES[idx % len(DASHES)]


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    import math

    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = math.floor(lo / step) * step
    ticks, t = [], first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _month(period: str) -> int:
    """A YYYY-MM month as a month ordinal (:class:`taizhang.kernel.months.Month`)."""
    return Month.parse(period).ordinal


_label = month_label


def _num(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def spread_labels(ys: list[float], lo: float, hi: float, gap: float = LABEL_GAP) -> list[float]:
    """Label positions as near as possible to ``ys`` (same order) with at least ``gap`` between any two,
    all within ``[lo, hi]`` (the gap shrinks when there are too many labels to fit)."""
    if not ys:
        return []
    gap = min(gap, (hi - lo) / max(len(ys) - 1, 1))
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    pos = [min(max(ys[i], lo), hi) for i in order]
    for k in range(1, len(pos)):
        pos[k] = max(pos[k], pos[k - 1] + gap)
    if pos[-1] > hi:
        pos[-1] = hi
        for k in range(len(pos) - 2, -1, -1):
            pos[k] = min(pos[k], pos[k + 1] - gap)
    out = [0.0] * len(ys)
    for k, i in enumerate(order):
        out[i] = pos[k]
    return out


def trend_svg(registry: Registry, plan_id: str, metric: str, values: pd.DataFrame, ledger: pd.DataFrame,
              as_of: str, highlight: str | None = None, width: int = 600, height: int = 250) -> str:
    """``metric`` over time per unit as an inline SVG: a line per unit, target line(s), deadline(s), as-of.

    ``highlight`` (a unit id) draws that unit bold and the other units as thin grey context lines (the
    district report). Every label from the registry is XML-escaped. Equivalent to
    ``TrendChart.build(...).svg(highlight)``; a batch of district reports builds the chart once per metric
    and only draws it again per unit.
    """
    return TrendChart.build(registry, plan_id, metric, values, ledger, as_of, width, height).svg(highlight)


@dataclass(frozen=True)
class TrendChart:
    """A trend chart with everything computed that does not depend on the highlighted unit.

    ``head`` is the SVG up to the unit lines (axes, ticks, deadlines, as-of line), ``lines`` one
    ``(unit, display name, polyline points, number of points)`` per unit in the plan's order, ``overlay``
    the target lines drawn over the unit lines, ``tail`` what closes the SVG. Unit names go at the end of
    their lines, in the right margin starting at ``label_x``, spread over ``label_top``–``label_bottom``.
    :meth:`svg` only joins strings, so drawing the chart for each unit of a plan costs microseconds instead
    of the pandas work of :meth:`build`.
    """

    head: str
    lines: tuple[tuple[str, str, str, int], ...]
    overlay: str
    tail: str
    label_x: float
    label_top: float
    label_bottom: float

    @property
    def has_data(self) -> bool:
        """Whether any unit has a value to draw (a chart without any is left out of the reports)."""
        return any(n for _, _, _, n in self.lines)

    @classmethod
    def build(cls, registry: Registry, plan_id: str, metric: str, values: pd.DataFrame, ledger: pd.DataFrame,
              as_of: str, width: int = 600, height: int = 250) -> "TrendChart":
        """Compute the chart of ``metric`` (see :func:`trend_svg` for the arguments)."""
        return _build_trend(registry, metric, values, ledger, as_of, width, height)

    def svg(self, highlight: str | None = None) -> str:
        """The SVG text; ``highlight`` (a unit id) draws that unit bold over grey context lines."""
        import html

        units = [u for u, _, _, _ in self.lines]
        order = [k for k, u in enumerate(units) if u != highlight] + (
            [units.index(highlight)] if highlight in units else [])
        out = [self.head]
        ends = []  # (name, colour, dash, width, last x, last y)
        for idx in order:
            unit, name, pts, n = self.lines[idx]
            (colour, dash), width_ = unit_style(idx), 1.7
            if highlight is not None:
                colour, dash, width_ = ("#1f4e79", "", 2.6) if unit == highlight else ("#c8c8c8", "", 1.0)
            if not n:
                continue
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="{width_}"{dash_attr} '
                       f'stroke-linejoin="round" points="{pts}"/>')
            last = pts.rsplit(" ", 1)[-1].split(",")
            if n < 4 or highlight is None or unit == highlight:
                out.append(f'<circle cx="{last[0]}" cy="{last[1]}" r="2.6" fill="{colour}"/>')
            if highlight is None or unit == highlight:
                ends.append((name, colour, dash, width_, float(last[0]), float(last[1])))
        out.append(self.overlay)
        bottom = self.label_bottom - (LABEL_GAP if highlight is not None else 0)
        ys = spread_labels([y for *_, y in ends], self.label_top, bottom)
        lx = self.label_x
        for (name, colour, dash, width_, x, y), ly in zip(ends, ys):
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            short = name if len(name) <= 7 else name[:6] + "…"
            edge = lx - LEADER  # the plot's right edge: dotted to here, then a slanted leader to the label
            if edge - x > 6:
                out.append(f'<line x1="{x + 4:.1f}" x2="{edge:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#aaa" '
                           f'stroke-width="0.6" stroke-dasharray="1 2"/>')
            out.append(f'<polyline fill="none" stroke="#999" stroke-width="0.6" '
                       f'points="{max(edge, x + 4):.1f},{y:.1f} {edge + 4:.1f},{y:.1f} {lx - 3:.1f},{ly:.1f}"/>'
                       f'<line x1="{lx}" x2="{lx + 14}" y1="{ly:.1f}" y2="{ly:.1f}" stroke="{colour}" '
                       f'stroke-width="{max(width_, 1.8)}"{dash_attr}/><text x="{lx + 17}" y="{ly + 4:.1f}" '
                       f'class="tz-lg" fill="{colour}"><title>{html.escape(name)}</title>{html.escape(short)}</text>')
        if highlight is not None:
            ly = self.label_bottom
            out.append(f'<line x1="{lx}" x2="{lx + 14}" y1="{ly}" y2="{ly}" stroke="#c8c8c8" stroke-width="1.8"/>'
                       f'<text x="{lx + 17}" y="{ly + 4}" class="tz-lg">其他单位</text>')
        out.append(self.tail)
        return "".join(out)


@dataclass(frozen=True)
class _Plot:
    """A chart's geometry: the months shown (``start``–``end`` ordinals), the value range and the plot box."""

    start: int
    end: int
    y_lo: float
    y_hi: float
    left: int
    top: int
    pw: int
    ph: int

    @property
    def span(self) -> int:
        return max(self.end - self.start, 1)

    def x(self, o: int, day: float = 0.5) -> float:
        return self.left + (o - self.start + day) / (self.span + 1) * self.pw

    def x_date(self, d: pd.Timestamp) -> float:
        return self.x(d.year * 12 + d.month - 1, d.day / d.days_in_month)

    def y(self, v: float) -> float:
        return self.top + self.ph - (v - self.y_lo) / ((self.y_hi - self.y_lo) or 1) * self.ph


def _plot(m, data: pd.DataFrame, targets: pd.DataFrame, deadlines: list, as_of_o: int, width: int,
          height: int) -> _Plot:
    """The months shown (the data's, plus deadlines up to two years ahead or five years back) and the value
    range (rates from a round lower bound to 100 % with headroom; other values padded by 12 %)."""
    months = [int(o) for o in ordinals(data["period"])]
    start = min(months) if months else as_of_o - 11
    end = as_of_o + 1  # one month after the as-of month, so its line never lies on the right edge
    for d in deadlines:  # show a deadline up to two years ahead so the reader sees how far away it is
        do = d.year * 12 + d.month - 1
        if end < do <= as_of_o + 24:
            end = do
        if as_of_o - 60 <= do < start:
            start = do
    vals = list(data["value"].astype(float)) + [float(v) for v in targets["threshold"] if pd.notna(v)]
    if m.type == "rate":
        lo = min(vals) if vals else 0.0
        y_lo = max(0.0, (lo // 10) * 10 - (10 if lo % 10 < 3 else 0))
        y_hi = 100.0 + max(6.0, (100.0 - y_lo) * 0.1)  # headroom: a 100% target line is not the top edge
    else:
        lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
        pad = (hi - lo) * 0.12 or max(abs(hi) * 0.1, 1.0)
        y_lo, y_hi = (0.0 if lo >= 0 and lo - pad < 0 else lo - pad), hi + pad
    left, right, top, bottom = 40, 136, 26, 26
    return _Plot(start, end, y_lo, y_hi, left, top, width - left - right, height - top - bottom)


def _axes_svg(m, plot: _Plot, deadlines: list, as_of: str, as_of_o: int, width: int, height: int) -> list[str]:
    """The SVG head: value grid and ticks, month ticks, the deadlines and the as-of month."""
    esc = html.escape
    left, top, pw, ph = plot.left, plot.top, plot.pw, plot.ph
    ticks = [t for t in _nice_ticks(plot.y_lo, plot.y_hi) if plot.y_lo - 1e-9 <= t <= plot.y_hi + 1e-9
             and not (m.type == "rate" and t > 100)]
    out = [f'<svg class="tz-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="100%" role="img" aria-label="{esc(m.name)}走势图">',
           f'<text x="2" y="12" class="tz-ax">单位：{esc(m.unit or "数值")}</text>']
    for t in ticks:
        y = plot.y(t)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3" stroke-width="1"/>'
                   f'<text x="{left - 5}" y="{y + 3.5:.1f}" text-anchor="end" class="tz-ax">{_num(t)}</text>')
    span = plot.span
    step = 1 if span <= 8 else 3 if span <= 30 else 6 if span <= 60 else 12
    for o in range(plot.start, plot.end + 1):
        if o % 12 % step == 0 or span <= 8:
            x = plot.x(o)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#999"/>'
                       f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle" class="tz-ax">{_label(o)}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#999"/>')
    for j, d in enumerate(deadlines):
        if not (plot.start <= d.year * 12 + d.month - 1 <= plot.end):
            continue
        x = plot.x_date(d)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="#555" stroke-width="1.2" '
                   f'stroke-dasharray="2 3"/><text x="{x + 3:.1f}" y="{top + 11 + 12 * (j % 3)}" class="tz-ax" '
                   f'fill="#555">期限 {d.date()}</text>')
    xa = plot.x(as_of_o, 1.0)
    out.append(f'<line x1="{xa:.1f}" x2="{xa:.1f}" y1="{top - 4}" y2="{top + ph}" stroke="{AS_OF_COLOUR}" '
               f'stroke-width="1.6" opacity="0.85"/><text x="{xa:.1f}" y="{top - 8}" text-anchor="middle" '
               f'class="tz-ax" fill="{AS_OF_COLOUR}">统计月份 {esc(as_of)}</text>')
    return out


def _targets_svg(plot: _Plot, targets: pd.DataFrame) -> list[str]:
    """Target lines, drawn over the unit lines, labelled at their right end (above the line, on a white halo)."""
    overlay, used = [], []
    for t in records(targets.drop_duplicates(["op", "threshold"]).sort_values("threshold")):
        if pd.isna(t.threshold) or not (plot.y_lo <= t.threshold <= plot.y_hi):
            continue
        y = plot.y(float(t.threshold))
        ly = y - 4
        while any(abs(ly - u) < 12 for u in used):
            ly -= 12
        used.append(ly)
        label = f"目标 {OP_LABELS.get(t.op, '')}{_num(float(t.threshold))}{t.target_unit}"
        overlay.append(f'<line x1="{plot.left}" x2="{plot.left + plot.pw}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="7 4"/>'
                       f'<text x="{plot.left + plot.pw - 4}" y="{ly:.1f}" text-anchor="end" class="tz-ax tz-target" '
                       f'fill="{TARGET_COLOUR}" stroke="#fff" stroke-width="3" paint-order="stroke">'
                       f'{html.escape(label)}</text>')
    return overlay


def _build_trend(registry: Registry, metric: str, values: pd.DataFrame, ledger: pd.DataFrame, as_of: str,
                 width: int, height: int) -> TrendChart:
    m = registry.metrics[metric]
    # only the columns the chart needs: filtering and de-duplicating the ~40-column ledger costs more
    rows = ledger.loc[(ledger["metric"] == metric) & (ledger["status"] != "not_applicable"),
                      ["unit", "kind", "target_id", "deadline", "op", "threshold", "target_unit"]]
    names = dict(zip(ledger["unit"], ledger["unit_name"]))
    units = list(dict.fromkeys(rows["unit"]))
    data = values[(values["metric"] == metric) & (values["period"] <= as_of) & values["unit"].isin(units)]
    targets = rows[rows["kind"] != "milestone"].drop_duplicates("target_id")
    as_of_o = _month(as_of)
    deadlines = sorted({pd.Timestamp(d) for d in targets["deadline"] if d is not None and pd.notna(d)})
    plot = _plot(m, data, targets, deadlines, as_of_o, width, height)
    out = _axes_svg(m, plot, deadlines, as_of, as_of_o, width, height)
    overlay = _targets_svg(plot, targets)
    # one line per unit (drawn by TrendChart.svg: the highlighted unit last, on top)
    by_unit = dict(tuple(data.groupby("unit", sort=False)))
    lines = []
    for unit in units:
        s = by_unit.get(unit)
        if s is None or s.empty:
            lines.append((unit, names.get(unit, unit), "", 0))
            continue
        pts = " ".join(f"{plot.x(int(o)):.1f},{plot.y(float(v)):.1f}" for o, v in zip(ordinals(s["period"]), s["value"]))
        lines.append((unit, names.get(unit, unit), pts, len(s)))
    left, top, pw, ph = plot.left, plot.top, plot.pw, plot.ph
    tail = ""
    if data.empty:
        tail = f'<text x="{left + pw / 2}" y="{top + ph / 2}" text-anchor="middle" class="tz-ax">暂无数据</text>'
    return TrendChart(head="".join(out), lines=tuple(lines), overlay="".join(overlay), tail=tail + "</svg>",
                      label_x=left + pw + LEADER, label_top=top - 2, label_bottom=top + ph + 4)
