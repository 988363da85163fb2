"""Charts for the reports: one trend chart per metric (a line per unit, the target line, the deadline marked).

Charts use Noto Sans SC (see :mod:`taizhang.fonts`) so Chinese never renders as boxes, and only data of
months up to the as-of month.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .fonts import use_chinese_font  # noqa: E402
from .targets import OP_LABELS, Registry  # noqa: E402

_LINESTYLES = ["-", "--", "-.", ":"]


def chart_metrics(registry: Registry, plan_id: str) -> list[str]:
    """The metrics charted for a plan: those of its quantitative targets, in registry order."""
    seen: dict[str, None] = {}
    for t in registry.plan(plan_id).targets:
        if t.kind == "quantitative":
            seen.setdefault(t.metric, None)
    return list(seen)


def trend_chart(registry: Registry, plan_id: str, metric: str, values: pd.DataFrame, ledger: pd.DataFrame,
                as_of: str):
    """A figure of ``metric`` over time per unit with its target line(s) and deadline(s) marked.

    ``values`` is :func:`taizhang.evaluate.metric_values` output; ``ledger`` the evaluated ledger (to know
    which units the metric's targets apply to). Returns a matplotlib Figure.
    """
    use_chinese_font()
    m = registry.metrics[metric]
    rows = ledger[(ledger["metric"] == metric) & (ledger["status"] != "not_applicable")]
    unit_names = dict(zip(ledger["unit"], ledger["unit_name"]))
    units = list(dict.fromkeys(rows["unit"]))
    data = values[(values["metric"] == metric) & (values["period"] <= as_of) & values["unit"].isin(units)]
    fig, ax = plt.subplots(figsize=(9.5, 3.6), dpi=110)
    cmap = plt.get_cmap("tab10")
    for i, unit in enumerate(units):
        series = data[data["unit"] == unit]
        if series.empty:
            continue
        x = pd.PeriodIndex(series["period"], freq="M").to_timestamp()
        ax.plot(x, series["value"], label=unit_names.get(unit, unit), color=cmap(i % 10),
                linestyle=_LINESTYLES[(i // 10) % 4], linewidth=1.6, marker="o" if len(series) < 4 else None)
    targets = rows.drop_duplicates("target_id")
    for j, t in enumerate(targets.itertuples(index=False)):
        if pd.notna(t.threshold):
            ax.axhline(t.threshold, color="#c0392b", linestyle="--", linewidth=1.2)
            ax.annotate(f"目标 {OP_LABELS.get(t.op, '')}{t.threshold:g}{t.target_unit}", xy=(0.005, t.threshold),
                        xycoords=("axes fraction", "data"), color="#c0392b", fontsize=8,
                        va="bottom", ha="left")
        if t.deadline is not None and pd.notna(t.deadline):
            d = pd.Timestamp(t.deadline)
            ax.axvline(d, color="#555555", linestyle=":", linewidth=1.2)
            ax.annotate(f"期限 {t.deadline}", xy=(d, 1.0), xycoords=("data", "axes fraction"), fontsize=8,
                        color="#555555", rotation=0, ha="left", va="top", xytext=(3, -2 - 11 * j),
                        textcoords="offset points")
    ax.axvline(pd.Period(as_of, freq="M").end_time, color="#1f4e79", linewidth=0.8, alpha=0.6)
    ax.set_title(f"{m.name}（{m.unit or '数值'}）", fontsize=11, loc="left")
    ax.grid(True, axis="y", color="#dddddd", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if m.type == "rate":
        lo = min(float(data["value"].min()) if len(data) else 0, float(targets["threshold"].min()) if len(targets) else 0)
        ax.set_ylim(max(0, lo - 10), 102)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def figure_png(fig) -> bytes:
    """The figure as PNG bytes (fixed metadata, so the same chart gives the same bytes); closes the figure."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()
