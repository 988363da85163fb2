"""Charts for the reports: one trend chart per metric (a line per unit, the target line, the deadline marked).

Two renderings of the same chart: :class:`TrendChart` draws the reports' inline SVG, :func:`trend_chart`
the explorer's matplotlib figure. In both, the title is the name of the target the chart shows, and no
label touches another label or the data: labels sit outside the plot box (see the SVG notes below; the
matplotlib figure names units, targets, deadlines and the as-of month in a legend beside the axes).
Months come from :mod:`taizhang.kernel.months`, numbers from :mod:`taizhang.kernel.formatting`. Charts use
Noto Sans SC (see :mod:`taizhang.fonts`) so Chinese never renders as boxes, and only data of months up to
the as-of month.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from .fonts import use_chinese_font
from .kernel.formatting import format_number
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


def target_titles(ledger: pd.DataFrame, metric: str, unit: str | None = None) -> str:
    """The title of ``metric``'s chart: the names of the targets it shows (those applying to ``unit`` when
    given), in registry order, joined by "；"."""
    rows = ledger[(ledger["metric"] == metric) & (ledger["status"] != "not_applicable")
                  & (ledger["kind"] != "milestone")]
    if unit is not None:
        rows = rows[rows["unit"] == unit]
    return _joined_titles(rows)


def _joined_titles(rows: pd.DataFrame) -> str:
    """The targets' names of ``rows`` (applicable ledger rows of one metric), each once, in order."""
    return "；".join(dict.fromkeys(rows["title"]))


def trend_chart(registry: Registry, plan_id: str, metric: str, values: pd.DataFrame, ledger: pd.DataFrame,
                as_of: str):
    """A figure of ``metric`` over time per unit with its target line(s) and deadline(s) marked.

    ``values`` is :func:`taizhang.evaluate.metric_values` output; ``ledger`` the evaluated ledger (to know
    which units the metric's targets apply to). The title is the targets' name (:func:`target_titles`),
    with the metric and its unit under it; units, target lines, deadlines and the as-of month are named in a
    legend beside the axes, so no label lies on the data. Returns a matplotlib Figure.
    """
    use_chinese_font()
    plt = _pyplot()
    m = registry.metrics[metric]
    rows = ledger[(ledger["metric"] == metric) & (ledger["status"] != "not_applicable")]
    unit_names = dict(zip(ledger["unit"], ledger["unit_name"]))
    units = list(dict.fromkeys(rows["unit"]))
    data = values[(values["metric"] == metric) & (values["period"] <= as_of) & values["unit"].isin(units)]
    fig, ax = plt.subplots(figsize=(9.5, 3.8), dpi=110)
    for i, unit in enumerate(units):
        series = data[data["unit"] == unit]
        if series.empty:
            continue
        x = [pd.Timestamp(Month.parse(p).start) for p in series["period"]]
        ax.plot(x, series["value"], label=unit_names.get(unit, unit), color=PALETTE[i % len(PALETTE)],
                linestyle=_LINESTYLES[i % len(_LINESTYLES)], linewidth=1.6, marker="o" if len(series) < 4 else None)
    targets = rows[rows["kind"] != "milestone"].drop_duplicates("target_id")
    for t in records(targets.drop_duplicates(["op", "threshold"])):
        if pd.notna(t.threshold):
            ax.axhline(t.threshold, color=TARGET_COLOUR, linestyle="--", linewidth=1.3, zorder=5,
                       label=f"目标 {OP_LABELS.get(t.op, '')}{format_number(t.threshold)}{t.target_unit}")
    for d in sorted({pd.Timestamp(d) for d in targets["deadline"] if d is not None and pd.notna(d)}):
        ax.axvline(d, color="#555555", linestyle=":", linewidth=1.2, label=f"期限 {d.date()}")
    month = Month.parse(as_of)
    as_of_end = pd.Timestamp(month.end)
    ax.axvline(as_of_end, color=AS_OF_COLOUR, linewidth=1.4, alpha=0.85, label=f"统计月份 {as_of}")
    left_x, right_x = ax.get_xlim()
    import matplotlib.dates as mdates

    ax.set_xlim(left_x, max(right_x, mdates.date2num(pd.Timestamp((month + 1).end))))
    ax.set_title(_wrap(target_titles(ledger, metric) or m.name, 560), fontsize=11, loc="left", pad=16)
    ax.text(0, 1.01, f"{m.name}（单位：{m.unit or '数值'}）", transform=ax.transAxes, fontsize=8, color="#555555",
            va="bottom", ha="left")
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if m.type == "rate":
        lo = min(float(data["value"].min()) if len(data) else 0, float(targets["threshold"].min()) if len(targets) else 0)
        ax.set_ylim(max(0, lo - 10), 108)  # headroom: a 100% target line is not the top edge
    handles = ax.get_legend_handles_labels()[0]
    if handles:
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False,
                  ncol=1 if len(handles) <= 14 else 2)
    fig.tight_layout()
    return fig


def _wrap(title: str, room: float, px: float = 11) -> str:
    """``title`` broken into lines of at most ``room`` points (at ``px`` points a character), after a "；"
    where it can, else anywhere."""
    lines, line = [], ""
    for part in title.split("；"):
        part = part if not line else "；" + part
        if line and text_width(line + part, px) > room:
            lines.append(line + ("；" if part.startswith("；") else ""))
            part = part.lstrip("；")
            line = ""
        line += part
        while text_width(line, px) > room:
            cut = max(1, int(len(line) * room / text_width(line, px)))
            lines.append(line[:cut])
            line = line[cut:]
    lines.append(line)
    return "\n".join(lines)


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
# AND dash pattern (neighbours differ in both, so lines stay apart in greyscale print).
#
# No label touches another label or the data, by construction rather than by search: every text sits in a
# band outside the plot box. The month ticks are below it (one every ``step`` months, ``step`` chosen so
# that two labels never meet); the unit, as-of and deadline labels above it, in rows filled left to right
# (a label that would meet one already in a row goes to the next row up, and the chart grows a row); the
# unit and target names in the right margin, at their line's height, spread apart by a full text line
# (the chart grows taller when they do not fit). tests/test_charts.py measures every label's box in
# Chromium and checks it.

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "10 3", "3 3 1 3")
TARGET_COLOUR = "#c0392b"
TARGET_DASH = "7 4"
AS_OF_COLOUR = "#1f4e79"
FONT_PX = 11  # .tz-ax and .tz-lg (report.css)
#: a text line's box in the embedded Noto Sans SC at 11 px: 12.7 px above the baseline, 3.7 px below
ASCENT, DESCENT = 12.7, 3.7
LINE = 17  # px between two labels' baselines: their boxes (16.3 px tall) never meet
LABEL_GAP = LINE
LEADER = 26  # px from the plot's right edge to the end-of-line labels
SWATCH = 17  # px from a margin label's x to its text (a short line in the unit's colour and dash)
LEFT, RIGHT, BOTTOM, TOP = 40, 136, 26, 22
TICK_BASELINE = 20  # the month labels' baseline below the plot: clear of the lowest value label
MAX_NAME_PX = RIGHT - LEADER - SWATCH - 3


def unit_style(idx: int) -> tuple[str, str]:
    """The colour and dash pattern of the ``idx``-th unit of a chart (both change from one unit to the next)."""
    return PALETTE[idx % len(PALETTE)], DASHES[idx % len(DASHES)]


def text_width(text: str, px: float = FONT_PX) -> float:
    """The width of ``text`` in the report font at ``px`` (an upper estimate: CJK and full-width signs one
    em, digits and Latin letters 0.6 em, spaces and narrow punctuation less), used to lay labels out."""
    w = 0.0
    for ch in text:
        o = ord(ch)
        if o >= 0x2E80 or ch in "≥≤≠—…%":
            w += 1.0
        elif ch in " .,:;'-|()":
            w += 0.38
        else:
            w += 0.6
    return w * px


def _short(text: str, room: float = MAX_NAME_PX) -> str:
    """``text`` cut with an ellipsis to fit ``room`` px (the whole name stays in the SVG ``<title>``)."""
    if text_width(text) <= room:
        return text
    while text and text_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


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


def month_step(px_per_month: float, label_px: float) -> int:
    """Months between two month ticks: the smallest of 1, 2, 3, 6, 12, 24, 36, 60 months that keeps two
    labels ``label_px`` wide apart (4 px between them)."""
    for step in (1, 2, 3, 6, 12, 24, 36, 60):
        if step * px_per_month >= label_px + 4:
            return step
    return 120


def _on_step(o: int, step: int) -> bool:
    """Whether month ordinal ``o`` gets a tick: Januaries and every ``step``-th month after; beyond a year,
    Januaries of every ``step / 12``-th year."""
    return o % 12 % step == 0 if step < 12 else o % 12 == 0 and (o // 12) % (step // 12) == 0


def spread_labels(ys: list[float], lo: float, hi: float, gap: float = LABEL_GAP) -> list[float]:
    """Label positions as near as possible to ``ys`` (same order) with at least ``gap`` between any two,
    all within ``[lo, hi]`` (the gap shrinks when there are too many labels to fit; the charts make room
    beforehand, see :func:`_plot`). Ties keep the labels' order."""
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


def place_in_rows(spans: list[tuple[float, float]], fixed: dict[int, int] | None = None, pad: float = 4.0
                  ) -> list[int]:
    """The row of each ``(x0, x1)`` label: the lowest row (0 = nearest the plot) where it meets no label
    already placed, in the given order; ``fixed`` pins some labels (index → row)."""
    rows: list[list[tuple[float, float]]] = []
    out = []
    for i, (x0, x1) in enumerate(spans):
        k = (fixed or {}).get(i)
        if k is None:
            k = 0
            while k < len(rows) and any(x0 < b + pad and a < x1 + pad for a, b in rows[k]):
                k += 1
        while len(rows) <= k:
            rows.append([])
        rows[k].append((x0, x1))
        out.append(k)
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
    the target lines drawn over the unit lines, ``targets`` their ``(label, y)`` for the right margin,
    ``tail`` what closes the SVG. Unit and target names go in the right margin starting at ``label_x``,
    spread over ``label_top``–``label_bottom``. ``titles`` are the names of the targets drawn, per unit
    (the chart's title is its targets' names, :meth:`title`). :meth:`svg` only joins strings, so drawing the
    chart for each unit of a plan costs microseconds instead of the pandas work of :meth:`build`.
    """

    head: str
    lines: tuple[tuple[str, str, str, int], ...]
    overlay: str
    tail: str
    label_x: float
    label_top: float
    label_bottom: float
    targets: tuple[tuple[str, float], ...] = ()
    titles: tuple[tuple[str, str], ...] = ()
    plot_right: float = 0.0

    @property
    def has_data(self) -> bool:
        """Whether any unit has a value to draw (a chart without any is left out of the reports)."""
        return any(n for _, _, _, n in self.lines)

    @classmethod
    def build(cls, registry: Registry, plan_id: str, metric: str, values: pd.DataFrame, ledger: pd.DataFrame,
              as_of: str, width: int = 600, height: int = 250) -> "TrendChart":
        """Compute the chart of ``metric`` (see :func:`trend_svg` for the arguments)."""
        return _build_trend(registry, metric, values, ledger, as_of, width, height)

    def title(self, highlight: str | None = None) -> str:
        """The chart's title (:func:`target_titles`): the names of the targets it shows, those of
        ``highlight`` when given."""
        titles = dict(self.titles)
        return titles.get(highlight or "", titles.get("", ""))

    def svg(self, highlight: str | None = None) -> str:
        """The SVG text; ``highlight`` (a unit id) draws that unit bold over grey context lines."""
        units = [u for u, _, _, _ in self.lines]
        order = [k for k, u in enumerate(units) if u != highlight] + (
            [units.index(highlight)] if highlight in units else [])
        out = [self.head]
        labels = []  # (name, colour, dash, width, x where its leader starts, y, kind)
        for idx in order:
            unit, name, pts, n = self.lines[idx]
            (colour, dash), width_ = unit_style(idx), 1.7
            if highlight is not None:
                colour, dash, width_ = ("#1f4e79", "", 2.6) if unit == highlight else ("#c8c8c8", "", 1.0)
            if not n:
                continue
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<polyline class="tz-data" fill="none" stroke="{colour}" stroke-width="{width_}"{dash_attr} '
                       f'stroke-linejoin="round" points="{pts}"/>')
            last = pts.rsplit(" ", 1)[-1].split(",")
            if n < 4 or highlight is None or unit == highlight:
                out.append(f'<circle class="tz-data" cx="{last[0]}" cy="{last[1]}" r="2.6" fill="{colour}"/>')
            if highlight is None or unit == highlight:
                labels.append((name, colour, dash, width_, float(last[0]), float(last[1]), "unit"))
        out.append(self.overlay)
        for label, y in self.targets:
            labels.append((label, TARGET_COLOUR, TARGET_DASH, 1.5, self.plot_right, y, "target"))
        if highlight is not None:
            labels.append(("其他单位", "#c8c8c8", "", 1.8, None, self.label_bottom, "other"))
        ys = spread_labels([lab[5] for lab in labels], self.label_top, self.label_bottom)
        lx = self.label_x
        edge = lx - LEADER  # the plot's right edge: dotted to here, then a slanted leader to the label
        for (name, colour, dash, width_, x, y, kind), ly in zip(labels, ys):
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            if kind == "unit" and edge - x > 6:
                out.append(f'<line x1="{x + 4:.1f}" x2="{edge:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#aaa" '
                           f'stroke-width="0.6" stroke-dasharray="1 2"/>')
            if x is not None:
                out.append(f'<polyline fill="none" stroke="#999" stroke-width="0.6" '
                           f'points="{max(edge, x + 4):.1f},{y:.1f} {edge + 4:.1f},{y:.1f} {lx - 3:.1f},{ly:.1f}"/>')
            css = "tz-lg tz-target" if kind == "target" else "tz-lg"
            out.append(f'<line x1="{lx}" x2="{lx + 14}" y1="{ly:.1f}" y2="{ly:.1f}" stroke="{colour}" '
                       f'stroke-width="{max(width_, 1.8)}"{dash_attr}/><text x="{lx + SWATCH}" y="{ly + 4:.1f}" '
                       f'class="{css}" fill="{"#555" if kind == "other" else colour}"><title>{html.escape(name)}</title>'
                       f'{html.escape(_short(name))}</text>')
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

    def x_date(self, d) -> float:
        m = Month.parse(d)
        return self.x(m.ordinal, d.day / m.end.day)

    def y(self, v: float) -> float:
        return self.top + self.ph - (v - self.y_lo) / ((self.y_hi - self.y_lo) or 1) * self.ph


def _plot(m, data: pd.DataFrame, targets: pd.DataFrame, deadlines: list, as_of_o: int, width: int,
          height: int, top: int, n_labels: int) -> _Plot:
    """The months shown (the data's, plus deadlines up to two years ahead or five years back), the value
    range (rates from a round lower bound to 100 % with headroom; other values padded by 12 %) and the plot
    box below ``top``, made taller when ``n_labels`` margin labels do not fit beside it a line apart."""
    months = [int(o) for o in ordinals(data["period"])]
    start = min(months) if months else as_of_o - 11
    end = as_of_o + 1  # one month after the as-of month, so its line never lies on the right edge
    for d in deadlines:  # show a deadline up to two years ahead so the reader sees how far away it is
        do = Month.parse(d).ordinal
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
    ph = max(height - top - BOTTOM, (n_labels - 1) * LINE - 8)
    return _Plot(start, end, y_lo, y_hi, LEFT, top, width - LEFT - RIGHT, ph)


def _below(plot: _Plot, top: int, height: int, n_labels: int) -> _Plot:
    """``plot`` with its box moved down to ``top`` (and as tall as the room and its labels ask)."""
    from dataclasses import replace

    return replace(plot, top=top, ph=max(height - top - BOTTOM, (n_labels - 1) * LINE - 8))


def _top_band(m, deadlines: list, as_of: str, xa_of, width: int) -> tuple[int, list[tuple[str, float, str, int, str]]]:
    """The labels above the plot — the value unit, the as-of month, the deadlines — each ``(text, x,
    text-anchor, row, colour)``, and the plot's top (room for every row). ``xa_of`` maps a deadline (or
    None: the as-of month) to its x."""
    items = [(f"单位：{m.unit or '数值'}", 2.0, "start", "#555")]
    xa = xa_of(None)
    asof_text = f"统计月份 {as_of}"
    items.append((asof_text, xa, "middle", AS_OF_COLOUR))
    for d in deadlines:
        x = xa_of(d)
        if x is None:
            continue
        text = f"期限 {d.date()}"
        w = text_width(text)
        items.append((text, x + 3, "start", "#555") if x + 3 + w <= width - 2 else (text, x - 3, "end", "#555"))
    spans = []
    for text, x, anchor, _ in items:
        w = text_width(text)
        x0 = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
        spans.append((x0, x0 + w))
    rows = place_in_rows(spans, fixed={0: 0})
    top = TOP + (max(rows) if rows else 0) * LINE
    return top, [(text, x, anchor, row, colour) for (text, x, anchor, colour), row in zip(items, rows)]


def _axes_svg(m, plot: _Plot, deadlines: list, band: list, width: int, height: int) -> list[str]:
    """The SVG head: value grid and ticks, month ticks, the labels above the plot, the deadlines and the
    as-of month."""
    esc = html.escape
    left, top, pw, ph = plot.left, plot.top, plot.pw, plot.ph
    out = [f'<svg class="tz-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="100%" role="img" aria-label="{esc(m.name)}走势图">']
    last_y = None
    for t in sorted(_nice_ticks(plot.y_lo, plot.y_hi), reverse=True):
        y = plot.y(t)
        # inside the value range, not above 100 % for a rate, below the top band, a line from the last
        if not (plot.y_lo - 1e-9 <= t <= plot.y_hi + 1e-9) or (m.type == "rate" and t > 100) or y < top + 9 \
                or (last_y is not None and y - last_y < LINE):
            continue
        last_y = y
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3" stroke-width="1"/>'
                   f'<text x="{left - 5}" y="{y + 3.5:.1f}" text-anchor="end" class="tz-ax">{format_number(t)}</text>')
    step = month_step(pw / (plot.span + 1), text_width("2000-00"))
    for o in range(plot.start, plot.end + 1):
        if _on_step(o, step):
            x = plot.x(o)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#999"/>'
                       f'<text x="{x:.1f}" y="{top + ph + TICK_BASELINE}" text-anchor="middle" class="tz-ax">'
                       f'{month_label(o)}</text>')
    out.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#999"/>')
    for d in deadlines:
        if plot.start <= Month.parse(d).ordinal <= plot.end:
            x = plot.x_date(d)
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="#555" stroke-width="1.2" '
                       f'stroke-dasharray="2 3"/>')
    for text, x, anchor, row, colour in band:
        out.append(f'<text x="{x:.1f}" y="{top - 5 - row * LINE}" text-anchor="{anchor}" class="tz-ax" '
                   f'fill="{colour}">{esc(text)}</text>')
    xa = band[1][1]
    out.append(f'<line x1="{xa:.1f}" x2="{xa:.1f}" y1="{top}" y2="{top + ph}" stroke="{AS_OF_COLOUR}" '
               f'stroke-width="1.6" opacity="0.85"/>')
    return out


def _targets_svg(plot: _Plot, targets: pd.DataFrame) -> tuple[list[str], list[tuple[str, float]]]:
    """Target lines, drawn over the unit lines, and their ``(label, y)`` for the right margin (one per
    distinct comparator and threshold)."""
    overlay, labels = [], []
    for t in records(targets.drop_duplicates(["op", "threshold"]).sort_values("threshold")):
        if pd.isna(t.threshold) or not (plot.y_lo <= t.threshold <= plot.y_hi):
            continue
        y = plot.y(float(t.threshold))
        overlay.append(f'<line x1="{plot.left}" x2="{plot.left + plot.pw}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="{TARGET_DASH}"/>')
        labels.append((f"目标 {OP_LABELS.get(t.op, '')}{format_number(float(t.threshold))}{t.target_unit}", y))
    return overlay, labels


def _build_trend(registry: Registry, metric: str, values: pd.DataFrame, ledger: pd.DataFrame, as_of: str,
                 width: int, height: int) -> TrendChart:
    m = registry.metrics[metric]
    # only the columns the chart needs: filtering and de-duplicating the ~40-column ledger costs more
    rows = ledger.loc[(ledger["metric"] == metric) & (ledger["status"] != "not_applicable"),
                      ["unit", "metric", "status", "kind", "target_id", "title", "deadline", "op", "threshold",
                       "target_unit"]]
    names = dict(zip(ledger["unit"], ledger["unit_name"]))
    units = list(dict.fromkeys(rows["unit"]))
    data = values[(values["metric"] == metric) & (values["period"] <= as_of) & values["unit"].isin(units)]
    quant = rows[rows["kind"] != "milestone"]
    targets = quant.drop_duplicates("target_id")
    per_unit: dict[str, dict[str, None]] = {}
    for unit, title in zip(quant["unit"], quant["title"]):  # plain Python: a groupby costs ~10 ms a chart here
        per_unit.setdefault(unit, {})[title] = None
    titles = (("", _joined_titles(quant)),) + tuple((u, "；".join(t)) for u, t in per_unit.items())
    as_of_o = Month.parse(as_of).ordinal
    deadlines = sorted({pd.Timestamp(d) for d in targets["deadline"] if d is not None and pd.notna(d)})
    # margin labels a chart must hold: every unit's (or one unit and 其他单位) and every target line's
    n_labels = max(len(units), 2) + len(targets.drop_duplicates(["op", "threshold"]))
    # the band above the plot depends only on x positions: lay it out on the plot at the default top first
    probe = _plot(m, data, targets, deadlines, as_of_o, width, height, TOP, n_labels)

    def xa_of(d):
        if d is None:
            return probe.x(as_of_o, 1.0)
        return probe.x_date(d) if probe.start <= Month.parse(d).ordinal <= probe.end else None

    top, band = _top_band(m, deadlines, as_of, xa_of, width)
    plot = _below(probe, top, height, n_labels)
    height = plot.top + plot.ph + BOTTOM
    out = _axes_svg(m, plot, deadlines, band, width, height)
    overlay, target_labels = _targets_svg(plot, targets)
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
    # margin labels: centred on their line, a box from 8.7 px above to 7.7 px below; kept clear of the
    # band above the plot and of the month labels below it
    return TrendChart(head="".join(out), lines=tuple(lines), overlay="".join(overlay), tail=tail + "</svg>",
                      label_x=left + pw + LEADER, label_top=top + 8, label_bottom=top + ph + 16,
                      targets=tuple(target_labels), titles=titles, plot_right=float(left + pw))
