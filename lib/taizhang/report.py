"""What the report notebooks call: parameter checks, data loading, and each report's sections as HTML.

A notebook only sets parameters and calls ``<Report>.build`` and the section methods; no logic lives in the
notebook. Every section returns an ``IPython.display.HTML`` object. Five reports:

* :class:`MonthlyReport` (``monthly_ledger``) — the plan's monthly ledger for leaders;
* :class:`DistrictReport` (``district_report``) — one unit, all its targets, more detail;
* :class:`QualityReport` (``data_quality``) — which returns arrived, which were rejected and why;
* :class:`CatalogueReport` (``target_catalogue``) — the plan's target catalogue 目标清单;
* :class:`ComparisonReport` (``plan_comparison``) — one metric across the five plans, side by side.
"""

from __future__ import annotations

import html
import re
import types
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import ParameterError
from .evaluate import evaluate, metric_values
from .project import code_version, inputs_dir, project_root
from .returns import PERIOD_RE, ReturnSet, load_returns
from .targets import KIND_LABELS, LEVEL_LABELS, Plan, Registry, load_registry

if TYPE_CHECKING:
    from .charts import TrendChart

e = html.escape

_DATA = {"inputs": "报表文件夹（留空为样例数据 inputs/sample/<方案>）",
         "store": "数据库文件（taizhang 数据库；填写后不读报表文件夹）"}
_WHATIF = {"scenario": "情景名称（targets/scenarios/<名称>.yaml；留空为实际口径）",
           "assume": "假定期限（目标编号=YYYY-MM-DD，多个用分号分隔；报告中标注为假定期限）"}
#: parameters each notebook accepts, with their Chinese description
NOTEBOOK_PARAMETERS = {
    "monthly_ledger": {"plan": "方案编号", "period": "统计月份（YYYY-MM；留空为数据中最新的月份）", **_DATA,
                       "excel": "Excel 台账输出路径（留空则不写）", **_WHATIF},
    "district_report": {"plan": "方案编号", "unit": "单位（编号或名称）",
                        "period": "统计月份（YYYY-MM；留空为数据中最新的月份）", **_DATA,
                        "excel": "Excel 台账输出路径（留空则不写）", **_WHATIF},
    "data_quality": {"plan": "方案编号", "period": "统计月份（YYYY-MM；留空为数据中最新的月份）", **_DATA},
    "target_catalogue": {"plan": "方案编号", "excel": "Excel 目标清单输出路径（留空则不写）"},
    "plan_comparison": {"metric": "指标（编号或中文名，例如 one_window_rate 或 一窗受理率）"},
}
#: the Chinese title of each report (file names, index page)
REPORT_TITLES = {"monthly_ledger": "目标进展台账", "district_report": "单位台账", "data_quality": "数据质量报告",
                 "target_catalogue": "目标清单", "plan_comparison": "跨方案指标对比"}

_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


# ------------------------------------------------------------------------------------------- parameters
def check_plan(plan: str, registry: Registry | None = None) -> str:
    """``plan`` if it is a plan of the registry (default: the project's); else a ParameterError listing them."""
    registry = registry or load_registry()
    if plan not in registry.plans:
        raise ParameterError("plan", plan, registry.plan_choices())
    return plan


def check_period(period: str) -> str:
    text = str(period).strip()
    if not PERIOD_RE.match(text):
        raise ParameterError("period", period, "YYYY-MM 格式的月份，例如 2024-06（月份 01–12）")
    return text


def check_unit(registry: Registry, plan: str, unit: str) -> str:
    """The id of ``unit`` (id, name or alias) in ``plan``'s unit list; else a ParameterError listing them."""
    found = registry.find_unit(plan, str(unit))
    if found is None:
        names = "、".join(f"{u.name}（{u.id}）" for u in registry.unit_list(plan))
        raise ParameterError("unit", unit, f"方案 {plan} 的单位之一：{names}")
    return found.id


def check_metric(registry: Registry, metric: str) -> str:
    """The key of ``metric`` (key or Chinese name); else a ParameterError listing the shared metrics."""
    if metric in registry.metrics:
        return metric
    for key, m in registry.metrics.items():
        if m.name == str(metric).strip():
            return key
    shared = ", ".join(f"{k}（{registry.metrics[k].name}）" for k in shared_metrics(registry)[:15])
    raise ParameterError("metric", metric, f"metrics.yaml 中的指标编号或中文名，例如 {shared}")


def reject_unknown_parameters(namespace: dict, allowed: dict[str, str]) -> None:
    """Raise a ParameterError for the first name in a notebook namespace that is not a known parameter.

    papermill only warns about unknown parameters; notebooks call this so that a misspelt one fails in the
    first cell. Modules, callables, IPython's own names and names starting with ``_`` are ignored.
    ``allowed`` maps each parameter to its Chinese description (listed in the message).
    """
    for name, value in namespace.items():
        if name.startswith("_") or name in _IPYTHON_NAMES or isinstance(value, types.ModuleType) or callable(value):
            continue
        if name not in allowed:
            raise ParameterError(name, value, "已知参数 " + "、".join(f"{k}（{v}）" for k, v in allowed.items()))


def check_parameters(namespace: dict, notebook: str) -> dict:
    """Check a notebook's parameters; fail with a Chinese message naming the parameter, value and what is allowed.

    Unknown names (papermill only warns about them), an unknown plan, a malformed period (2024-13), a unit
    not in the plan, an unknown metric, a missing inputs folder or store: each is a :class:`ParameterError`
    raised in the notebook's first cell after the parameters. Returns the parameters, normalised (unit
    names become ids, empty strings stay empty).
    """
    allowed = NOTEBOOK_PARAMETERS[notebook]
    reject_unknown_parameters(namespace, allowed)
    params = {k: namespace.get(k, "") for k in allowed}
    for k, v in params.items():
        if v is None:
            params[k] = ""
        elif not isinstance(v, str):
            raise ParameterError(k, v, "文字（字符串）")
    if "plan" in params:
        check_plan(params["plan"])
    if params.get("period"):
        params["period"] = check_period(params["period"])
    registry = load_registry()
    if "unit" in params:
        params["unit"] = check_unit(registry, params["plan"], params["unit"])
    if "metric" in params:
        params["metric"] = check_metric(registry, params["metric"])
    for k in ("inputs", "store"):
        if params.get(k) and not Path(params[k]).exists():
            raise ParameterError(k, params[k], "存在的报表文件夹" if k == "inputs" else "存在的数据库文件")
    if params.get("excel") and not params["excel"].lower().endswith(".xlsx"):
        raise ParameterError("excel", params["excel"], "以 .xlsx 结尾的文件路径，或留空")
    return params


def default_inputs(plan: str) -> Path:
    """Where the bundled sample returns of a plan live."""
    return inputs_dir() / "sample" / plan


# ------------------------------------------------------------------------------------------- data
_CACHE: dict[tuple, ReturnSet] = {}


def load_data(registry: Registry, plan: str, inputs: str | Path | None = None,
              store: str | Path | None = None) -> tuple[ReturnSet, str]:
    """The returns of ``plan`` from a store file or a folder, and a Chinese label of where they came from.

    Results are cached per process, keyed by the files' names, sizes and modification times, so that a
    kernel rendering several reports of one plan reads the returns once (a changed file is re-read).
    """
    if store:
        path = Path(store)
        if not path.exists():
            raise ParameterError("store", str(store), "存在的数据库文件")
        st = path.stat()
        key = ("store", str(path.resolve()), st.st_size, st.st_mtime_ns, plan, registry.version)
        if key not in _CACHE:
            from .store import load_returnset

            _CACHE[key] = load_returnset(path, registry, plan)
        return _CACHE[key], f"数据库 {_rel(path)}"
    folder = Path(inputs) if inputs else default_inputs(plan)
    if not folder.exists():
        raise ParameterError("inputs", str(folder), "存在的报表文件夹（样例数据可用 `taizhang sample` 生成）")
    from .returns import find_return_files

    files = find_return_files([folder])
    stamp = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    key = ("folder", str(folder.resolve()), stamp, plan, registry.version)
    if key not in _CACHE:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = load_returns([folder], registry, plan)
    return _CACHE[key], f"报表文件夹 {_rel(folder)}"


def latest_period(returns: ReturnSet, parameter: str = "period") -> str:
    """The latest month with accepted data; a ParameterError when there is none."""
    periods = list(returns.observations["period"]) + list(returns.files["period"])
    if not periods:
        raise ParameterError(parameter, "", "有数据的月份——所选数据中没有任何通过校验的报表")
    return max(periods)


def _rel(path: Path | str) -> str:
    try:
        return str(Path(path).resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


def _html(text: str):
    from IPython.display import HTML

    return HTML(text)


def _now() -> datetime:
    return datetime.now(timezone.utc).astimezone()


def parameter_items(registry: Registry, parameters: dict) -> list[tuple[str, str]]:
    """The report's parameters as (Chinese label, readable value) pairs for the footer.

    Plan, unit and metric are shown by their Chinese names; an empty period says the latest month was
    taken; assumed deadlines are counted (the first page lists them). Empty parameters, the data folder or
    store (the footer's 数据来源 line says where the data came from) and output paths (``excel``) are left out.
    """
    out = []
    plan = parameters.get("plan") or ""
    if plan:
        p = registry.plans.get(plan)
        out.append(("方案", p.document if p is not None else plan))
    if parameters.get("unit"):
        u = registry.find_unit(plan, parameters["unit"]) if plan else None
        out.append(("单位", u.name if u is not None else parameters["unit"]))
    if "period" in parameters:
        out.append(("统计月份", parameters["period"] or "数据中最新的月份"))
    if parameters.get("metric"):
        m = registry.metrics.get(parameters["metric"])
        out.append(("指标", m.name if m is not None else parameters["metric"]))
    if parameters.get("scenario"):
        out.append(("情景", parameters["scenario"]))
    if parameters.get("assume"):
        n = len([x for x in re.split(r"[;；\n]+", parameters["assume"]) if x.strip()])
        out.append(("假定期限", f"{n} 项（见首页说明）"))
    return out


def _footer(registry: Registry, plan: Plan | None, parameters: dict, returns: ReturnSet | None,
            data_label: str = "") -> str:
    from .ledger import sources_html

    params = "；".join(f"{e(k)}：{e(v)}" for k, v in parameter_items(registry, parameters))
    parts = ['<div class="tz-footer"><h3>数据来源与版本</h3>', f"<p>报告参数　{params}</p>" if params else ""]
    if data_label:
        parts.append(f"<p>数据来源：{e(data_label)}</p>")
    src = f"（targets/，方案原文 {e(plan.source)}）" if plan is not None else "（targets/）"
    parts += [f"<p>目标登记册版本：<code>{e(registry.version)}</code>{src}</p>",
              f"<p>程序版本：<code>{e(code_version())}</code></p>",
              f"<p>生成时间：{e(_now().strftime('%Y-%m-%d %H:%M:%S %Z'))}</p>"]
    if returns is not None:
        units = registry.unit_list(plan.plan) if plan is not None else []
        parts.append(f'<div class="tz-files"><p>报表文件清单（{len(returns.files)} 份，含 SHA-256）：</p>'
                     f"{sources_html(returns.files, units)}</div>")
    parts.append("</div>")
    return "".join(parts)


def before_plan(plan: Plan, period: str) -> bool:
    """Whether ``period`` (YYYY-MM) is a month before the one in which the plan was issued."""
    return period < f"{plan.issued:%Y-%m}"


def before_plan_notice(plan: Plan, period: str) -> str:
    """The first-page notice of a report whose month precedes the plan's issue (empty otherwise)."""
    if not before_plan(plan, period):
        return ""
    return (f'<div class="tz-notice tz-before-plan"><strong>统计月份早于方案印发（{plan.issued:%Y-%m}）</strong>：'
            f"本报告统计月份为 {e(period)}，方案于 {plan.issued:%Y-%m-%d} 印发，其目标与任务尚未开始执行，"
            f"以下状态仅按方案口径试算、供参考；不作临期预警，尚无数据的指标不绘图。"
            f"方案的第一个统计月份为 {plan.issued:%Y-%m}。</div>")


def _previous(period: str) -> str:
    return str(pd.Period(period, freq="M") - 1)


# ------------------------------------------------------------------------------------------- what-if
def parse_assume(text: str, registry: Registry, plan: str) -> dict[str, date]:
    """Read assumed deadlines "目标编号=YYYY-MM-DD;…" (``;``/``；``/newline separated) for targets of ``plan``."""
    out: dict[str, date] = {}
    ids = {t.id for t in registry.plan(plan).targets}
    for item in re.split(r"[;；\n]+", text or ""):
        item = item.strip()
        if not item:
            continue
        tid, sep, when = item.partition("=")
        tid, when = tid.strip(), when.strip()
        try:
            day = date.fromisoformat(when) if sep else None
        except ValueError:
            day = None
        if day is None:
            raise ParameterError("assume", item, "目标编号=YYYY-MM-DD，多个用分号分隔")
        if tid not in ids:
            raise ParameterError("assume", tid, f"方案 {plan} 中的目标编号（taizhang targets list --plan {plan}）")
        out[tid] = day
    return out


@dataclass(frozen=True)
class WhatIf:
    """A run's departures from the plan as written: a named scenario and/or assumed deadlines."""

    registry: Registry
    scenario: object | None = None
    base: Registry | None = None
    assumed: tuple[tuple[str, date], ...] = ()
    as_of: str = ""

    @classmethod
    def build(cls, base: Registry, plan: str, scenario: str = "", assume: str = "") -> "WhatIf":
        registry, scen, as_of = base, None, ""
        if scenario:
            from .scenario import apply_scenario, load_scenario

            scen = load_scenario(scenario, base)
            if scen.plan != plan:
                raise ParameterError("scenario", scenario, f"方案 {plan} 的情景（该情景属于方案 {scen.plan}）")
            registry = apply_scenario(base, scen)
            as_of = scen.as_of or ""
        assumed = tuple(sorted(parse_assume(assume, base, plan).items()))
        return cls(registry=registry, scenario=scen, base=base, assumed=assumed, as_of=as_of)

    @property
    def kwargs(self) -> dict:
        """Keyword arguments for :func:`taizhang.evaluate.evaluate`."""
        kw = dict(self.scenario.method_kwargs) if self.scenario is not None else {}
        if self.assumed:
            kw["assumed_deadlines"] = dict(self.assumed)
        return kw

    def notice_html(self) -> str:
        """The first-page notice listing every override and assumed deadline (empty when there is none)."""
        parts = []
        if self.scenario is not None:
            from .scenario import scenario_notice_html

            parts.append(scenario_notice_html(self.scenario, self.base))
        if self.assumed:
            by_id = {t.id: t for p in self.base.plans.values() for t in p.targets}
            items = "".join(f"<li>{e(by_id[tid].title)}（{e(by_id[tid].section)}，{e(tid)}）：原文未规定期限，"
                            f"本报告假定为 {day}</li>" for tid, day in self.assumed)
            parts.append(f'<div class="tz-notice tz-assumed"><strong>假定期限</strong>：以下目标原文未规定期限，'
                         f"本报告按假定期限评估，相关行标注为“假定期限”。<ul>{items}</ul></div>")
        return "".join(parts)


# ------------------------------------------------------------------------------------------- monthly
@dataclass
class MonthlyReport:
    """Everything the monthly ledger notebook shows, computed once."""

    registry: Registry
    plan: Plan
    period: str
    inputs: Path | None
    returns: ReturnSet
    ledger: pd.DataFrame
    values: pd.DataFrame
    parameters: dict = field(default_factory=dict)
    previous: pd.DataFrame | None = None
    data_label: str = ""
    whatif: "WhatIf | None" = None
    _metric_parts: list | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, plan: str, period: str = "", inputs: str | Path | None = None, parameters: dict | None = None,
              store: str | Path | None = None, excel: str = "", scenario: str = "", assume: str = "",
              **_ignored) -> "MonthlyReport":
        """Check the parameters, read the returns, evaluate every unit × target at ``period`` and the month before.

        ``period`` empty means the latest month with data (or the scenario's as-of month). ``excel`` (a path)
        also writes the Excel ledger. ``scenario`` names a what-if under targets/scenarios/ whose overrides are
        applied to the registry and listed on the first page; ``assume`` sets assumed deadlines
        ("目标编号=YYYY-MM-DD;…") for targets the plan leaves undated, labelled 假定期限 in the report.
        """
        plan = check_plan(plan)
        base = load_registry()
        whatif = WhatIf.build(base, plan, scenario, assume)
        registry = whatif.registry
        returns, label = load_data(base, plan, inputs, store)
        period = check_period(period) if period else (whatif.as_of or latest_period(returns))
        # copies consolidate the ledger's ~40 one-column blocks into a few, which halves the cost of each of
        # the hundreds of filters and sorts the report sections make (a plan's ledger is small to copy)
        ledger = evaluate(registry, plan, returns, period, **whatif.kwargs).copy()
        prev = _previous(period)
        seen = set(returns.observations["period"]) | set(returns.tasks["period"])
        previous = (evaluate(registry, plan, returns, prev, **whatif.kwargs).copy()
                    if any(p <= prev for p in seen) else None)
        values = metric_values(registry, plan, returns.observations)
        folder = None if store else Path(inputs) if inputs else default_inputs(plan)
        report = cls(registry=registry, plan=registry.plan(plan), period=period, inputs=folder, returns=returns,
                     ledger=ledger, values=values, previous=previous, data_label=label, whatif=whatif,
                     parameters=parameters or {"plan": plan, "period": period, "inputs": str(inputs or ""),
                                               "store": str(store or ""), "scenario": scenario, "assume": assume})
        if excel:
            report.write_excel(excel)
        return report

    def write_excel(self, path: str | Path) -> Path:
        """Write the Excel ledger (overview sheet + one sheet per unit) to ``path``."""
        from .excel import write_ledger_xlsx

        return write_ledger_xlsx(self.ledger, Path(path), self._meta())

    def _meta(self) -> dict:
        return {"方案": self.plan.document, "统计月份": self.period, "数据": self.data_label,
                "目标登记册版本": self.registry.version, "程序版本": code_version(),
                "生成时间": _now().strftime("%Y-%m-%d %H:%M:%S")}

    # ----------------------------------------------------------------------------------------------- sections
    def header(self):
        p = self.plan
        notice = self.whatif.notice_html() if self.whatif else ""
        return _html(
            f'<div class="tz-header"><div class="tz-kicker">政务服务目标台账 · 月度通报</div><h1>{e(p.document)}</h1>'
            f'<p class="tz-sub">目标进展台账 · 截至 {e(self.period)} 月末 · 发文单位：{e(p.issuer)}'
            f"（{p.issued}）</p></div>{before_plan_notice(p, self.period)}{notice}")

    def summary(self):
        from .ledger import summary_html

        return _html(summary_html(self.ledger))

    def changes(self):
        from .ledger import changes_html

        return _html(changes_html(self.ledger, self.previous, _previous(self.period)))

    def overdue(self):
        from .ledger import overdue_html

        return _html(overdue_html(self.ledger))

    def due_soon(self):
        from .ledger import DUE_SOON_DAYS, due_soon_html

        if before_plan(self.plan, self.period):
            return _html(f'<p class="tz-note">统计月份早于方案印发（{self.plan.issued:%Y-%m}），不作临期预警。</p>')
        return _html(f'<p class="tz-note">期限在 {DUE_SOON_DAYS} 天内、尚未达标或完成的目标与任务，'
                     "按单位排列，同一单位内期限近者在前。</p>" + due_soon_html(self.ledger))

    def heatmap(self):
        from .ledger import heatmap_html

        return _html(heatmap_html(self.ledger))

    def metric_list(self) -> list[str]:
        from .charts import chart_metrics

        return chart_metrics(self.registry, self.plan.plan)

    def metrics(self, highlight: str | None = None):
        """Per metric: the trend chart (inline SVG) and the ranking of units by latest value.

        ``highlight`` (a unit id; the district report) keeps that unit's ranking row and draws it bold over
        the other units. The charts and rankings are computed once per report (:meth:`metric_parts`), so the
        district reports of one plan and month only draw the same chart with another unit highlighted.
        """
        from .ledger import ranking_html

        parts, empty = [], []
        for metric, chart, rank in self.metric_parts():
            m = self.registry.metrics[metric]
            if highlight is not None:
                rank = rank[rank["unit"] == highlight]
                if rank.empty:
                    continue
            if not chart.has_data:
                empty.append(m.name)
                continue
            better = "越高越好" if m.higher_is_better else "越低越好"
            parts.append(f'<section class="tz-metric"><h3>{e(m.name)}<span class="tz-sec">{better}</span></h3>'
                         f'<div class="tz-metric-body"><div class="tz-metric-chart">{chart.svg(highlight)}</div>'
                         f'<div class="tz-metric-rank">{ranking_html(rank)}</div></div></section>')
        if empty:
            what = "各项指标均" if not parts else f"以下 {len(empty)} 项指标"
            note = (f'<p class="tz-note tz-no-data">截至 {e(self.period)}，{what}尚无数据，未绘图'
                    + ("。" if not parts else f"：{e('、'.join(empty))}。") + "</p>")
            parts = [note] + parts if not parts else parts + [note]
        if not parts:
            return _html('<p class="tz-note">没有可绘制的量化指标。</p>')
        return _html("".join(parts))

    def metric_parts(self) -> list[tuple[str, "TrendChart", pd.DataFrame]]:
        """``(metric, chart, ranking)`` of every charted metric, computed on first use and then kept."""
        if self._metric_parts is None:
            from .charts import TrendChart
            from .ledger import ranking_table

            q = self.ledger[self.ledger["kind"] != "milestone"]
            ledgers = dict(tuple(q.groupby("metric", sort=False)))
            values = dict(tuple(self.values.groupby("metric", sort=False)))
            empty = self.values.iloc[:0]
            out = []
            for metric in self.metric_list():
                m = self.registry.metrics[metric]
                lm, vm = ledgers.get(metric, q.iloc[:0]), values.get(metric, empty)
                rank = ranking_table(lm, vm, metric, self.period, m.higher_is_better)
                out.append((metric, TrendChart.build(self.registry, self.plan.plan, metric, vm, lm, self.period),
                            rank))
            self._metric_parts = out
        return self._metric_parts

    def unit_ledgers(self):
        from .ledger import ledger_html

        parts = []
        for unit in self.registry.unit_list(self.plan.plan):
            parts.append(f'<h3 class="tz-unit">{e(unit.name)}</h3>{ledger_html(self.ledger, unit.id)}')
        return _html("".join(parts))

    def milestones(self):
        from .ledger import milestone_html, overdue_tasks_html

        return _html(milestone_html(self.ledger) + "<h3>逾期未完成的节点任务</h3>" + overdue_tasks_html(self.ledger))

    def data_notes(self):
        from .ledger import rejected_html

        received = len(self.returns.files)
        return _html(f'<p class="tz-note">读取{e(self.data_label)}：'
                     f"接收 {received} 份，退回 {len(self.returns.rejected)} 份。</p>" + rejected_html(self.returns.rejected))

    def footer(self, generated: datetime | None = None):
        params = {**self.parameters, "period": self.parameters.get("period") or f"{self.period}（数据中最新的月份）"}
        return _html(_footer(self.registry, self.plan, params, self.returns, self.data_label))


# ------------------------------------------------------------------------------------------- district
_MONTHLY: dict[tuple, MonthlyReport] = {}


def _monthly_cached(plan: str, period: str, inputs, store, scenario: str = "", assume: str = "") -> MonthlyReport:
    """The plan's evaluated month, shared by the district reports a kernel renders one after another.

    Keyed by the parameters and the identity of the returns object :func:`load_data` returns (which is
    itself keyed by the files' sizes and modification times), so changed data is never served stale.
    """
    registry = load_registry()
    returns, _ = load_data(registry, check_plan(plan), inputs, store)
    key = (plan, period, str(inputs or ""), str(store or ""), id(returns), registry.version, scenario, assume)
    hit = _MONTHLY.get(key)
    if hit is None or hit.returns is not returns:
        if len(_MONTHLY) > 4:
            _MONTHLY.clear()
        hit = _MONTHLY[key] = MonthlyReport.build(plan, period, inputs=inputs, store=store, scenario=scenario,
                                                  assume=assume)
    return hit


@dataclass
class DistrictReport:
    """One unit of a plan: all its targets and tasks, its trend against the others, its rank."""

    monthly: MonthlyReport
    unit: str
    unit_name: str
    parameters: dict = field(default_factory=dict)

    @classmethod
    def build(cls, plan: str, unit: str, period: str = "", inputs: str | Path | None = None,
              store: str | Path | None = None, excel: str = "", parameters: dict | None = None,
              scenario: str = "", assume: str = "", **_ignored) -> "DistrictReport":
        """Evaluate ``plan`` at ``period`` and keep the rows of ``unit`` (id, name or alias).

        ``scenario`` and ``assume`` work as in :meth:`MonthlyReport.build`.
        """
        monthly = _monthly_cached(plan, period, inputs, store, scenario, assume)
        uid = check_unit(monthly.registry, plan, unit)
        name = monthly.registry.find_unit(plan, uid).name
        params = parameters or {"plan": plan, "unit": uid, "period": monthly.period, "inputs": str(inputs or ""),
                                "store": str(store or "")}
        report = cls(monthly=monthly, unit=uid, unit_name=name, parameters=params)
        if excel:
            report.write_excel(excel)
        return report

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """The unit's rows of the plan's ledger (computed once per report)."""
        return self.monthly.ledger[self.monthly.ledger["unit"] == self.unit].reset_index(drop=True)

    def write_excel(self, path: str | Path) -> Path:
        from .excel import write_ledger_xlsx

        meta = {**self.monthly._meta(), "单位": self.unit_name}
        return write_ledger_xlsx(self.ledger, Path(path), meta)

    def header(self):
        m = self.monthly
        return _html(
            f'<div class="tz-header"><div class="tz-kicker">政务服务目标台账 · 单位台账</div>'
            f"<h1>{e(self.unit_name)}</h1><p class=\"tz-sub\">{e(m.plan.document)} · 截至 {e(m.period)} 月末</p></div>"
            + before_plan_notice(m.plan, m.period) + (m.whatif.notice_html() if m.whatif else ""))

    def summary(self):
        from .ledger import summary_html

        return _html(summary_html(self.ledger))

    def changes(self):
        from .ledger import changes_html

        m = self.monthly
        prev = None if m.previous is None else m.previous[m.previous["unit"] == self.unit]
        return _html(changes_html(self.ledger, prev, _previous(m.period), limit=60))

    def overdue(self):
        from .ledger import overdue_html, overdue_tasks_html

        return _html(overdue_html(self.ledger) + "<h3>逾期未完成的节点任务</h3>" + overdue_tasks_html(self.ledger, limit=200))

    def due_soon(self):
        from .ledger import due_soon_html

        m = self.monthly
        if before_plan(m.plan, m.period):
            return _html(f'<p class="tz-note">统计月份早于方案印发（{m.plan.issued:%Y-%m}），不作临期预警。</p>')
        return _html(due_soon_html(self.ledger, limit=200))

    def metrics(self):
        return self.monthly.metrics(highlight=self.unit)

    def ledger_table(self):
        from .ledger import ledger_html

        return _html(ledger_html(self.ledger, self.unit))

    def tasks(self):
        from .ledger import tasks_html

        return _html(tasks_html(self.ledger, self.unit))

    def footer(self):
        m = self.monthly
        files = m.returns.files
        own = ReturnSet(observations=m.returns.observations.iloc[:0], tasks=m.returns.tasks.iloc[:0],
                        files=files[files["unit"] == self.unit], rejected=[])
        params = {**self.parameters, "period": self.parameters.get("period") or f"{m.period}（数据中最新的月份）"}
        return _html(_footer(m.registry, m.plan, params, own, m.data_label))


# ------------------------------------------------------------------------------------------- data quality
@dataclass
class QualityReport:
    """Which returns arrived for which month, which were rejected and why (the data-quality report)."""

    registry: Registry
    plan: Plan
    period: str
    returns: ReturnSet
    data_label: str
    parameters: dict
    store_frame: pd.DataFrame | None = None

    @classmethod
    def build(cls, plan: str, period: str = "", inputs: str | Path | None = None, store: str | Path | None = None,
              parameters: dict | None = None, **_ignored) -> "QualityReport":
        plan = check_plan(plan)
        registry = load_registry()
        returns, label = load_data(registry, plan, inputs, store)
        period = check_period(period) if period else latest_period(returns)
        frame = None
        if store:
            from .store import quality_frame

            frame = quality_frame(Path(store), registry, plan, period)
        return cls(registry=registry, plan=registry.plan(plan), period=period, returns=returns, data_label=label,
                   parameters=parameters or {"plan": plan, "period": period, "inputs": str(inputs or ""),
                                             "store": str(store or "")}, store_frame=frame)

    def header(self):
        return _html(
            f'<div class="tz-header"><div class="tz-kicker">政务服务目标台账 · 数据质量</div>'
            f"<h1>{e(self.plan.document)}</h1><p class=\"tz-sub\">报表报送与校验情况 · 截至 <b>{e(self.period)}</b></p></div>")

    def submission_frame(self, months: int = 12) -> pd.DataFrame:
        """Units × the last ``months`` months: ``received`` / ``rejected`` / ``missing`` per cell."""
        units = self.registry.unit_list(self.plan.plan)
        end = pd.Period(self.period, freq="M")
        cols = [str(end - k) for k in range(months - 1, -1, -1)]
        got = set(zip(self.returns.files["unit"], self.returns.files["period"]))
        bad = {(getattr(r, "unit", None), getattr(r, "period", None)) for r in self.returns.rejected}
        data = {c: ["received" if (u.id, c) in got else "rejected" if (u.id, c) in bad else "missing" for u in units]
                for c in cols}
        return pd.DataFrame(data, index=[u.name for u in units])

    def summary(self):
        f = self.submission_frame(1)
        col = f.columns[-1]
        n = len(f)
        got = int((f[col] == "received").sum())
        miss = [u for u, v in f[col].items() if v != "received"]
        text = (f'<div class="tz-tiles"><div class="tz-tile"><div class="tz-tile-n">{got}/{n}</div>'
                f"<div>{e(col)} 已报送单位</div></div>"
                f'<div class="tz-tile"><div class="tz-tile-n">{len(self.returns.rejected)}</div><div>被退回的报表文件</div></div>'
                f'<div class="tz-tile"><div class="tz-tile-n">{len(self.returns.files)}</div><div>通过校验的报表文件</div></div></div>')
        if miss:
            text += f'<p>{e(col)} 尚未收到（或被退回）：{e("、".join(miss))}</p>'
        return _html(text)

    def matrix(self):
        f = self.submission_frame()
        sym = {"received": ("✓", "tz-q-ok", "已收到"), "rejected": ("！", "tz-q-bad", "被退回"),
               "missing": ("✕", "tz-q-miss", "未收到")}
        head = "".join(f'<th class="tz-vert"><span>{e(c)}</span></th>' for c in f.columns)
        body = "".join(
            f"<tr><th>{e(u)}</th>" + "".join(
                f'<td class="tz-hm {sym[v][1]}" title="{sym[v][2]}">{sym[v][0]}</td>' for v in row) + "</tr>"
            for u, row in f.iterrows())
        legend = '<p class="tz-legend">图例：' + " ".join(
            f'<span class="tz-hm {c}">{s}</span> {lab}' for s, c, lab in sym.values()) + "</p>"
        return _html(f'<table class="tz-heat"><thead><tr><th>单位</th>{head}</tr></thead><tbody>{body}</tbody></table>'
                     + legend)

    def rejected(self):
        from .ledger import rejected_html

        return _html(rejected_html(self.returns.rejected))

    def store_checks(self):
        from .ledger import store_checks_html

        if self.store_frame is None:
            return _html('<p class="tz-note">未使用数据库（--store），此处无入库校验记录。</p>')
        if self.store_frame.empty:
            return _html('<p class="tz-note">数据库中没有本月的校验问题。</p>')
        from .returns import due_date

        return _html(f'<p class="tz-note">{e(self.period)} 各单位报表的入库与校验情况；报送截止日为 '
                     f"{due_date(self.period)}，填报日期晚于此日为逾期报送。</p>" + store_checks_html(self.store_frame))

    def footer(self):
        params = {**self.parameters, "period": self.parameters.get("period") or f"{self.period}（数据中最新的月份）"}
        return _html(_footer(self.registry, self.plan, params, self.returns, self.data_label))


# ------------------------------------------------------------------------------------------- catalogue
@dataclass
class CatalogueReport:
    """The plan's target catalogue (目标清单): every target with its words, level, deadline(s), lead unit."""

    registry: Registry
    plan: Plan
    frame: pd.DataFrame
    parameters: dict

    @classmethod
    def build(cls, plan: str, excel: str = "", parameters: dict | None = None, **_ignored) -> "CatalogueReport":
        from .targets import export_frame

        plan = check_plan(plan)
        registry = load_registry()
        frame = export_frame(registry, plan)
        report = cls(registry=registry, plan=registry.plan(plan), frame=frame, parameters=parameters or {"plan": plan})
        if excel:
            from .excel import write_targets_xlsx

            write_targets_xlsx(frame, Path(excel))
        return report

    def header(self):
        p = self.plan
        return _html(f'<div class="tz-header"><div class="tz-kicker">政务服务目标台账 · 目标清单</div><h1>{e(p.document)}</h1>'
                     f'<p class="tz-sub">发文单位：{e(p.issuer)}（{p.issued}） · 共 {len(p.targets)} 条目标</p></div>')

    def summary(self):
        counts = self.frame.groupby("kind").size()
        no_date = int((self.frame["deadline"] == "").sum())
        two = int(self.frame["deadline_dates"].str.contains("；").sum())
        tiles = "".join(f'<div class="tz-tile"><div class="tz-tile-n">{int(counts.get(k, 0))}</div><div>{e(v)}</div></div>'
                        for k, v in KIND_LABELS.items())
        tiles += (f'<div class="tz-tile"><div class="tz-tile-n">{two}</div><div>有两个期限</div></div>'
                  f'<div class="tz-tile"><div class="tz-tile-n">{no_date}</div><div>期限未明确</div></div>')
        return _html(f'<div class="tz-tiles">{tiles}</div><p class="tz-note">有两个期限的目标按较早者评估，两个期限均列出；'
                     "期限未明确的目标不推定日期。</p>")

    def targets(self, kind: str):
        """The catalogue table of one kind (quantitative / recurring / milestone)."""
        from .targets import RECURRENCE_LABELS

        plan = self.plan
        rows = [t for t in plan.targets if t.kind == kind]
        if not rows:
            return _html(f'<p class="tz-note">本方案没有{e(KIND_LABELS[kind])}。</p>')
        body = []
        for t in rows:
            dl = "<br>".join(f"{e(d.text)}（{d.date}）" if d.date else e(d.text)
                             for d in sorted(t.deadlines, key=lambda d: d.date or datetime.max.date()))
            if not t.deadlines:
                dl = "期限未明确" + (f"（{e(t.ongoing_text)}）" if t.ongoing_text else "")
            elif len(t.deadlines) > 1:
                dl += '<br><span class="tz-hint">两个期限，按较早者评估</span>'
            levels = "、".join(LEVEL_LABELS.get(lv, lv) for lv in t.levels)
            extra = f"<br>{e(RECURRENCE_LABELS[t.recurrence])}" if t.recurrence else ""
            note = f'<div class="tz-hint">{e(t.note)}</div>' if t.note else ""
            body.append(f'<tr><td><b>{e(t.title)}</b><span class="tz-sec">{e(t.section)}</span>'
                        f'<div class="tz-quote">“{e(t.quote)}”</div>{note}</td>'
                        f"<td>{e(t.threshold_label)}{extra}</td><td>{e(levels)}</td><td>{dl}</td>"
                        f"<td>{e('，'.join(t.lead) or '—')}</td></tr>")
        return _html('<table class="tz-table tz-ledger"><thead><tr><th>目标（章节 · 方案原文）</th><th>目标值</th>'
                     f'<th>层级</th><th>期限</th><th>牵头单位</th></tr></thead><tbody>{"".join(body)}</tbody></table>')

    def footer(self):
        return _html(_footer(self.registry, self.plan, self.parameters, None))


# ------------------------------------------------------------------------------------------- comparison
def shared_metrics(registry: Registry) -> list[str]:
    """Metrics that targets of two or more plans use (not milestones), most plans first."""
    used: dict[str, set[str]] = {}
    for pid, plan in registry.plans.items():
        for t in plan.targets:
            if t.kind != "milestone":
                used.setdefault(t.metric, set()).add(pid)
    return sorted((k for k, v in used.items() if len(v) >= 2), key=lambda k: (-len(used[k]), k))


@dataclass
class ComparisonReport:
    """One metric across the five plans: each plan's own threshold, level and date, side by side."""

    registry: Registry
    metric: str
    parameters: dict

    @classmethod
    def build(cls, metric: str = "one_window_rate", parameters: dict | None = None, **_ignored) -> "ComparisonReport":
        registry = load_registry()
        metric = check_metric(registry, metric)
        return cls(registry=registry, metric=metric, parameters=parameters or {"metric": metric})

    def header(self):
        m = self.registry.metrics[self.metric]
        return _html(f'<div class="tz-header"><div class="tz-kicker">政务服务目标台账 · 跨方案对比</div>'
                     f"<h1>{e(m.name)}：{len(self.registry.plans)}个方案的目标对比</h1>"
                     f'<p class="tz-sub">同一指标在各方案中的目标值、适用层级与期限（各方案各自的口径，不作统一）</p></div>')

    def frame(self, metric: str | None = None) -> pd.DataFrame:
        """One row per target of ``metric`` in any plan (in plan order)."""
        metric = metric or self.metric
        rows = []
        for pid, plan in self.registry.plans.items():
            for t in plan.targets:
                if t.metric != metric:
                    continue
                rows.append({"plan": pid, "document": plan.document, "section": t.section, "title": t.title,
                             "kind": KIND_LABELS[t.kind], "threshold": t.threshold_label,
                             "level": "、".join(LEVEL_LABELS.get(lv, lv) for lv in t.levels),
                             "deadline": t.deadline.isoformat() if t.deadline else "期限未明确",
                             "deadline_text": t.deadline_text or "—", "quote": t.quote})
        return pd.DataFrame(rows, columns=["plan", "document", "section", "title", "kind", "threshold", "level",
                                           "deadline", "deadline_text", "quote"])

    def detail(self):
        f = self.frame()
        if f.empty:
            return _html('<p class="tz-note">没有方案设定该指标的目标。</p>')
        body = "".join(
            f'<tr><td><b>{e(self.registry.short_name(r.plan))}</b><span class="tz-sec">{e(r.section)}</span>'
            f'<div class="tz-hint">{e(r.document)}</div></td>'
            f"<td>{e(r.title)}</td><td class='tz-big'>{e(r.threshold)}</td><td>{e(r.level)}</td>"
            f"<td>{e(r.deadline)}<br><span class='tz-hint'>{e(r.deadline_text)}</span></td>"
            f'<td><div class="tz-quote">“{e(r.quote)}”</div></td></tr>' for r in f.itertuples(index=False))
        missing = [p.document for pid, p in self.registry.plans.items() if pid not in set(f["plan"])]
        note = (f'<p class="tz-note">未设定该指标目标的方案：{e("、".join(missing))}。</p>' if missing else "")
        return _html('<table class="tz-table tz-ledger"><thead><tr><th>方案（章节）</th><th>目标</th><th>目标值</th>'
                     f'<th>适用层级</th><th>期限</th><th>方案原文</th></tr></thead><tbody>{body}</tbody></table>{note}')

    def overview(self):
        """Every metric used by two or more plans: the threshold each plan sets (first target per plan)."""
        metrics = shared_metrics(self.registry)
        plans = list(self.registry.plan_ids)
        short = {p: self.registry.short_name(p) for p in plans}
        head = "".join(f"<th>{e(short[p])}</th>" for p in plans)
        body = []
        for key in metrics:
            f = self.frame(key)
            cells = []
            for p in plans:
                rows = f[f["plan"] == p]
                cells.append("<td>" + "<br>".join(f"{e(r.threshold)}<span class='tz-hint'>（{e(r.deadline)}）</span>"
                                                  for r in rows.itertuples(index=False)) + "</td>" if len(rows) else "<td>—</td>")
            cls = ' class="tz-current"' if key == self.metric else ""
            body.append(f"<tr{cls}><th>{e(self.registry.metrics[key].name)}</th>{''.join(cells)}</tr>")
        return _html(f'<table class="tz-table tz-cmp"><thead><tr><th>指标</th>{head}</tr></thead>'
                     f"<tbody>{''.join(body)}</tbody></table>")

    def footer(self):
        return _html(_footer(self.registry, None, self.parameters, None))


#: the report class each notebook builds
REPORT_CLASSES = {"monthly_ledger": MonthlyReport, "district_report": DistrictReport, "data_quality": QualityReport,
                  "target_catalogue": CatalogueReport, "plan_comparison": ComparisonReport}
