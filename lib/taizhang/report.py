"""What the report notebooks call: parameter checks, data loading, and each report's sections as blocks.

A notebook only sets parameters and calls ``<Report>.build`` and the section methods; no logic lives in the
notebook. Which notebook has which parameters and sections is the report's spec
(:mod:`taizhang.reports.specs`); every section returns a block of :mod:`taizhang.reports.blocks` (a table
spec, tiles, a notice, a chart with its ranking …), which the notebook displays through the one HTML
renderer (:mod:`taizhang.reports.html`) and which the Excel writer renders from the same table specs.
Four report builders:

* :class:`MonthlyReport` — the plan's monthly ledger (``monthly_ledger``) and, in unit scope (``unit`` given),
  one unit's ledger (``district_report``): the same evaluated month, the unit's rows;
* :class:`QualityReport` (``data_quality``) — which returns arrived, which were rejected and why;
* :class:`CatalogueReport` (``target_catalogue``) — the plan's target catalogue 目标清单;
* :class:`ComparisonReport` (``plan_comparison``) — one metric across the plans, side by side.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import ParameterError
from .evaluate import Settings, evaluate, metric_values
from .project import code_version
from .reports.blocks import (Blocks, Cell, Column, Footer, Header, Heading, Legend, MetricBlock, Notice,
                             TableSpec, Text, Tile, Tiles, lines, text)
from .reports.specs import SPECS
from .kernel.months import Month, MonthError
from .returns import ReturnSet
from .source import SAMPLE_MARK, DataSource, coverage, default_inputs, month_beyond_data
from .targets import KIND_LABELS, LEVEL_LABELS, Plan, Registry, load_registry

if TYPE_CHECKING:
    from .charts import TrendChart

#: parameters each notebook accepts, with their Chinese description (from the report specs)
NOTEBOOK_PARAMETERS = {name: spec.parameter_help for name, spec in SPECS.items()}
#: the Chinese title of each report (file names, index page; from the report specs)
REPORT_TITLES = {name: spec.title for name, spec in SPECS.items()}

#: former names of the month parameter: a notebook given one of them is told "是否应为 period？"
_OLD_PERIOD_NAMES = {"as_of", "asof", "month", "date", "statistics_month"}
_YES = {"是", "1", "true", "yes", "y", "on"}
_NO = {"", "否", "0", "false", "no", "n", "off"}

_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}

__all__ = ["NOTEBOOK_PARAMETERS", "REPORT_TITLES", "MonthlyReport", "QualityReport", "CatalogueReport",
           "ComparisonReport", "WhatIf", "check_parameters", "default_inputs", "load_data", "latest_period"]


# ------------------------------------------------------------------------------------------- parameters
def check_plan(plan: str, registry: Registry | None = None) -> str:
    """``plan`` if it is a plan of the registry (default: the project's); else a ParameterError listing them."""
    registry = registry or load_registry()
    if plan not in registry.plans:
        raise ParameterError("plan", plan, registry.plan_choices())
    return plan


def check_period(period: str) -> str:
    """``period`` as ``YYYY-MM`` (:class:`taizhang.kernel.months.Month`); else a ParameterError in its wording."""
    try:
        return str(Month.parse(str(period).strip()))
    except MonthError as exc:
        raise ParameterError("period", period, exc.allowed) from None


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
            hint = "是否应为 period？" if name in _OLD_PERIOD_NAMES and "period" in allowed else ""
            raise ParameterError(name, value, hint + "已知参数 " + "、".join(f"{k}（{v}）" for k, v in allowed.items()))


def _check_path(name: str, value: str) -> str:
    if value and not Path(value).exists():
        raise ParameterError(name, value, "存在的报表文件夹" if name == "inputs" else "存在的数据库文件")
    return value


def _check_xlsx(name: str, value: str) -> str:
    if value and not value.lower().endswith(".xlsx"):
        raise ParameterError(name, value, "以 .xlsx 结尾的文件路径，或留空")
    return value


def check_flag(name: str, value) -> str:
    """A yes/no parameter as ``"是"`` or ``""`` (True/False, 是/否, 1/0, yes/no …); else a ParameterError."""
    if isinstance(value, bool):
        return "是" if value else ""
    text_ = str(value).strip().lower()
    if text_ in _YES:
        return "是"
    if text_ in _NO:
        return ""
    raise ParameterError(name, value, "是 或 否（留空即否）")


def check_parameters(namespace: dict, notebook: str) -> dict:
    """Check a notebook's parameters; fail with a Chinese message naming the parameter, value and what is allowed.

    The parameters and the check each gets are the report spec's (:data:`taizhang.reports.specs.SPECS`).
    Unknown names (papermill only warns about them), an unknown plan, a malformed period (2024-13), a unit
    not in the plan, an unknown metric, a missing inputs folder or store: each is a :class:`ParameterError`
    raised in the notebook's first cell after the parameters. Returns the parameters, normalised (unit
    names become ids, empty strings stay empty).
    """
    spec = SPECS[notebook]
    reject_unknown_parameters(namespace, spec.parameter_help)
    params = {p.name: namespace.get(p.name, "") for p in spec.parameters}
    flags = {p.name for p in spec.parameters if p.check == "flag"}
    for k, v in params.items():
        if v is None:
            params[k] = ""
        elif k in flags:
            params[k] = check_flag(k, v)
        elif not isinstance(v, str):
            raise ParameterError(k, v, "文字（字符串）")
    registry = None
    for p in spec.parameters:
        value = params[p.name]
        if p.check == "plan":
            check_plan(value)
        elif p.check == "period" and value:
            params[p.name] = check_period(value)
        elif p.check == "unit":
            registry = registry or load_registry()
            params[p.name] = check_unit(registry, params["plan"], value)
        elif p.check == "metric":
            registry = registry or load_registry()
            params[p.name] = check_metric(registry, value)
        elif p.check == "path":
            _check_path(p.name, value)
        elif p.check == "xlsx":
            _check_xlsx(p.name, value)
        elif p.check == "docx" and value and not value.lower().endswith(".docx"):
            raise ParameterError(p.name, value, "以 .docx 结尾的文件路径，或留空")
    return params


# ------------------------------------------------------------------------------------------- data
def data_source(plan: str, inputs=None, store=None, sample=False) -> DataSource:
    """The report's data source. The report notebooks run bare (nbval, JupyterLab) read the sample returns
    when no data is named — every page then carries the sample mark; ``taizhang run``/``evaluate`` name the
    store ``ingest`` writes by default (:mod:`taizhang.cli`)."""
    return DataSource.of(plan, inputs, store, sample=bool(sample), default="sample")


def load_data(registry: Registry, plan: str, inputs: str | Path | None = None,
              store: str | Path | None = None, sample=False) -> tuple[ReturnSet, str]:
    """The returns of ``plan`` from a store file or a folder, and a Chinese label of where they came from.

    Read through :class:`taizhang.source.DataSource`, cached per process by the files' content.
    """
    source = data_source(plan, inputs, store, sample)
    return source.load(registry, plan), source.label


def sample_notices(n_sample: int, n_files: int) -> Blocks:
    """The sample mark of a report whose data are (partly) sample returns: a first-page notice and a running
    mark that the print repeats at the top of every PDF page (empty when no sample file fed the report)."""
    if not n_sample:
        return Blocks(())
    share = "全部" if n_sample >= n_files else f"{n_files} 份中的 {n_sample} 份"
    return Blocks.of(Notice(SAMPLE_MARK, "running", css="tz-sample-running"),
                     Notice(f"本报告所用报表{share}是程序生成的样例数据，不得作为通报或考核依据；"
                            "真实数据请先用 taizhang ingest 导入。", "notice", SAMPLE_MARK, "tz-sample"))


def latest_period(returns: ReturnSet, parameter: str = "period") -> str:
    """The latest month with accepted data; a ParameterError when there is none."""
    periods = list(returns.observations["period"]) + list(returns.files["period"])
    if not periods:
        raise ParameterError(parameter, "", "有数据的月份——所选数据中没有任何通过校验的报表")
    return max(periods)


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


def footer_block(registry: Registry, plan: Plan | None, parameters: dict, returns: ReturnSet | None,
                 data_label: str = "", period: str = "", excel: bool = False) -> Footer:
    """The 数据来源与版本 block: parameters, data source, registry and code versions, time, and the count and
    one digest of the data files that fed ``period`` (the per-file list is in the Excel workbook and the
    manifest, not on paper)."""
    from .provenance import fed_files, files_digest

    n, digest = 0, ""
    if returns is not None:
        fed = fed_files(returns.files, period)
        n, digest = len(fed), files_digest(fed)
    return Footer(parameters=tuple(parameter_items(registry, parameters)), data_label=data_label,
                  registry_version=registry.version, source=plan.source if plan is not None else "",
                  code_version=code_version(), generated=_now().strftime("%Y-%m-%d %H:%M:%S %Z"), files=None,
                  n_files=n, digest=digest, has_data=returns is not None, excel=excel)


def assume_digest(assume: str) -> str:
    """A short digest naming one set of assumed deadlines (order and spacing do not matter): its folder and file name."""
    import hashlib

    items = sorted(x.strip().replace(" ", "") for x in re.split(r"[;；\n]+", assume or "") if x.strip())
    return hashlib.sha256(";".join(items).encode()).hexdigest()[:8]


def what_if_label(scenario: str = "", assume: str = "") -> str:
    """The Chinese label of a what-if run (情景推演 · 情景 X · 假定期限 ab12cd34), "" for a real run."""
    if not scenario and not assume:
        return ""
    parts = ["情景推演"] + ([f"情景 {scenario}"] if scenario else []) + ([f"假定期限 {assume_digest(assume)}"] if assume else [])
    return " · ".join(parts)


def before_plan(plan: Plan, period: str) -> bool:
    """Whether ``period`` (YYYY-MM) is a month before the one in which the plan was issued."""
    return period < f"{plan.issued:%Y-%m}"


def before_plan_notice(plan: Plan, period: str) -> Notice | None:
    """The first-page notice of a report whose month precedes the plan's issue (None otherwise)."""
    if not before_plan(plan, period):
        return None
    return Notice(f"本报告统计月份为 {period}，方案于 {plan.issued:%Y-%m-%d} 印发，其目标与任务尚未开始执行，"
                  f"以下状态仅按方案口径试算、供参考；不作临期预警，尚无数据的指标不绘图。"
                  f"方案的第一个统计月份为 {plan.issued:%Y-%m}。", "notice",
                  f"统计月份早于方案印发（{plan.issued:%Y-%m}）", "tz-before-plan")


def _previous(period: str) -> str:
    return str(Month.parse(period) - 1)


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

    def notice(self) -> Blocks:
        """The first-page notice listing every override and assumed deadline (empty when there is none)."""
        parts = []
        if self.scenario is not None:
            from .scenario import scenario_notice

            parts.append(scenario_notice(self.scenario, self.base))
        if self.assumed:
            by_id = {t.id: t for p in self.base.plans.values() for t in p.targets}
            items = tuple(f"{by_id[tid].title}（{by_id[tid].section}，{tid}）：原文未规定期限，本报告假定为 {day}"
                          for tid, day in self.assumed)
            parts.append(Notice("以下目标原文未规定期限，本报告按假定期限评估，相关行标注为“假定期限”。", "notice",
                                "假定期限", "tz-assumed", items))
        return Blocks(tuple(parts))


# ------------------------------------------------------------------------------------------- monthly
@dataclass
class EvaluatedMonth:
    """A plan evaluated at a month and the month before, with its returns and metric values: what the
    monthly ledger and every unit's ledger of that month show, computed once."""

    registry: Registry
    plan: Plan
    period: str
    inputs: Path | None
    returns: ReturnSet
    ledger: pd.DataFrame
    values: pd.DataFrame
    previous: pd.DataFrame | None
    data_label: str
    whatif: "WhatIf"
    coverage: pd.DataFrame = None  # per unit: reported / late / missing / rejected (taizhang.source.coverage)
    forced: str = ""  # why the month is beyond the data, when the run was forced
    n_sample: int = 0  # accepted files that are sample returns
    store: Path | None = None  # the store the returns came from (issue 14: its 督办 records), None otherwise
    source: DataSource | None = None  # where the returns came from (the Excel 督办台账 reads a store's items)
    _metric_parts: list | None = field(default=None, init=False, repr=False, compare=False)
    _unit_values: dict | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, plan: str, period: str = "", inputs=None, store=None, scenario: str = "",
              assume: str = "", sample: str = "", force: str = "") -> "EvaluatedMonth":
        plan = check_plan(plan)
        base = load_registry()
        whatif = WhatIf.build(base, plan, scenario, assume)
        registry = whatif.registry
        source = data_source(plan, inputs, store, sample)
        returns, label = source.load(base, plan), source.label
        period = check_period(period) if period else (whatif.as_of or latest_period(returns))
        beyond = month_beyond_data(returns, period)
        if beyond and not force:
            raise ParameterError("period", period, f"有数据的月份——{beyond}；如确需生成，请加 --force"
                                 "（笔记本参数 force = \"是\"），首页将标注")
        # copies consolidate the ledger's ~40 one-column blocks into a few, which halves the cost of each of
        # the hundreds of filters and sorts the report sections make (a plan's ledger is small to copy)
        ledger = evaluate(registry, plan, returns, period, **whatif.kwargs).copy()
        prev = _previous(period)
        seen = set(returns.observations["period"]) | set(returns.tasks["period"])
        previous = (evaluate(registry, plan, returns, prev, **whatif.kwargs).copy()
                    if any(p <= prev for p in seen) else None)
        values = metric_values(registry, plan, returns.observations)
        folder = None if source.kind == "store" else source.path
        return cls(registry=registry, plan=registry.plan(plan), period=period, inputs=folder, returns=returns,
                   ledger=ledger, values=values, previous=previous, data_label=label, whatif=whatif,
                   coverage=coverage(base, plan, returns, period, source), forced=beyond,
                   n_sample=source.sample_files(returns), store=source.path if source.kind == "store" else None,
                   source=source)

    def unit_values(self, unit: str) -> pd.DataFrame:
        """The metric values of one unit (the rows of :attr:`values`), the month's values split by unit once."""
        if self._unit_values is None:
            self._unit_values = dict(tuple(self.values.groupby("unit", sort=False, observed=True)))
        return self._unit_values.get(unit, self.values.iloc[:0])

    def metric_parts(self) -> list[tuple[str, "TrendChart", pd.DataFrame]]:
        """``(metric, chart, ranking)`` of every charted metric, computed on first use and then kept, so the
        unit ledgers of one plan and month only draw the same chart with another unit highlighted."""
        if self._metric_parts is None:
            from .charts import TrendChart, chart_metrics
            from .ledger import ranking_table

            from .evaluate import Settings

            cfg = Settings.from_ledger(self.ledger)
            q = self.ledger[self.ledger["kind"] != "milestone"]
            ledgers = dict(tuple(q.groupby("metric", sort=False)))
            values = dict(tuple(self.values.groupby("metric", sort=False)))
            empty = self.values.iloc[:0]
            out = []
            for metric in chart_metrics(self.registry, self.plan.plan):
                m = self.registry.metrics[metric]
                lm, vm = ledgers.get(metric, q.iloc[:0]), values.get(metric, empty)
                rank = ranking_table(lm, vm, metric, self.period, m.higher_is_better, cfg)
                out.append((metric, TrendChart.build(self.registry, self.plan.plan, metric, vm, lm, self.period),
                            rank))
            self._metric_parts = out
        return self._metric_parts


_MONTHS: dict[tuple, EvaluatedMonth] = {}


def _month_cached(plan: str, period: str, inputs, store, scenario: str = "", assume: str = "", sample: str = "",
                  force: str = "") -> EvaluatedMonth:
    """The plan's evaluated month, shared by the unit ledgers a kernel renders one after another.

    Keyed by the parameters and the identity of the returns object :func:`load_data` returns (which is
    itself keyed by the files' content), so changed data is never served stale.
    """
    registry = load_registry()
    returns, _ = load_data(registry, check_plan(plan), inputs, store, sample)
    key = (plan, period, str(inputs or ""), str(store or ""), id(returns), registry.version, scenario, assume,
           sample, force)
    hit = _MONTHS.get(key)
    if hit is None or hit.returns is not returns:
        if len(_MONTHS) > 4:
            _MONTHS.clear()
        hit = _MONTHS[key] = EvaluatedMonth.build(plan, period, inputs, store, scenario, assume, sample, force)
    return hit


@dataclass
class MonthlyReport:
    """The monthly ledger of a plan (``unit`` None) or of one unit (unit scope: the district report).

    Both scopes show the same evaluated month (:class:`EvaluatedMonth`); in unit scope every section keeps
    the unit's rows, the charts draw the unit over the others and the ranking keeps the unit's row.
    """

    month: EvaluatedMonth
    parameters: dict = field(default_factory=dict)
    unit: str | None = None
    unit_name: str = ""

    @classmethod
    def build(cls, plan: str, period: str = "", inputs: str | Path | None = None, parameters: dict | None = None,
              store: str | Path | None = None, excel: str = "", scenario: str = "", assume: str = "",
              unit: str = "", sample: str = "", force: str = "", **_ignored) -> "MonthlyReport":
        """Check the parameters, read the returns, evaluate every unit × target at ``period`` and the month before.

        ``period`` empty means the latest month with data (or the scenario's as-of month). ``unit`` (id, name
        or alias) gives the unit's ledger; the plan's evaluated month is then shared by the units' reports a
        kernel renders in turn. ``excel`` (a path) also writes the Excel ledger. ``scenario`` names a what-if
        under targets/scenarios/ whose overrides are applied to the registry and listed on the first page;
        ``assume`` sets assumed deadlines ("目标编号=YYYY-MM-DD;…") for targets the plan leaves undated,
        labelled 假定期限 in the report.
        """
        if unit:
            month = _month_cached(plan, period, inputs, store, scenario, assume, sample, force)
            uid = check_unit(month.registry, plan, unit)
            name = month.registry.find_unit(plan, uid).name
        else:
            month = EvaluatedMonth.build(plan, period, inputs, store, scenario, assume, sample, force)
            uid, name = None, ""
        params = parameters or {"plan": plan, **({"unit": uid} if uid else {}), "period": month.period,
                                "inputs": str(inputs or ""), "store": str(store or ""), "scenario": scenario,
                                "assume": assume}
        report = cls(month=month, parameters=params, unit=uid, unit_name=name)
        if excel:
            report.write_excel(excel)
        if _ignored.get("docx"):
            report.write_docx(_ignored["docx"])
        return report

    # the evaluated month's parts
    registry = property(lambda self: self.month.registry)
    plan = property(lambda self: self.month.plan)
    period = property(lambda self: self.month.period)
    inputs = property(lambda self: self.month.inputs)
    returns = property(lambda self: self.month.returns)
    values = property(lambda self: self.month.values)
    data_label = property(lambda self: self.month.data_label)
    whatif = property(lambda self: self.month.whatif)

    @cached_property
    def ledger(self) -> pd.DataFrame:
        """The ledger this report shows: the plan's, or the unit's rows of it (computed once per report)."""
        led = self.month.ledger
        return led if self.unit is None else led[led["unit"] == self.unit].reset_index(drop=True)

    @cached_property
    def previous(self) -> pd.DataFrame | None:
        prev = self.month.previous
        return prev if prev is None or self.unit is None else prev[prev["unit"] == self.unit]

    def page1_notices(self) -> Blocks:
        """The notices page 1 of every monthly output shows (the ledger's and the brief's header): the sample
        mark, a forced run, the month's coverage, the month-before-the-plan notice and the what-if notice."""
        m = self.month
        return Blocks.of(sample_notices(m.n_sample, len(m.returns.files)), self.forced_notice(),
                         self.coverage_notice(), before_plan_notice(self.plan, self.period), self.whatif.notice())

    @cached_property
    def scores(self) -> pd.DataFrame | None:
        """The units' scores under the plan's official scoring rule (the first ``targets/scoring`` file of the
        plan not marked ``example: true``), None when there is none: an example file only demonstrates the
        format (targets/scoring/README.md) and is used only when named (``taizhang evaluate --scoring``)."""
        from .scoring import available_scorings, load_scoring, score_units

        official = (s for s in (load_scoring(n, self.registry, self.plan.plan)
                                for n in available_scorings(self.plan.plan)) if not s.example)
        scoring = next(official, None)
        if scoring is None:
            return None
        totals, _ = score_units(self.registry, self.plan.plan, self.returns, self.period, scoring)
        return totals if self.unit is None else totals[totals["unit"] == self.unit]

    @cached_property
    def change_frame(self) -> pd.DataFrame:
        """What changed since the month before (:func:`taizhang.ledger.changes_table`), computed once for the
        brief, the 与上月相比 section, the Excel sheet and the 通报."""
        from .ledger import changes_table

        return changes_table(self.ledger, self.previous)

    @cached_property
    def brief_parts(self):
        """The one-page brief (:class:`taizhang.brief.Brief`) of the ledger already evaluated."""
        from .brief import build_brief

        from .reports.supervision_section import brief_line

        view = self.supervision_view
        return build_brief(self.ledger, self.previous, _previous(self.period), self.scores,
                           supervision=brief_line(view) if self.unit is None else "",
                           supervision_units=view.tables["by_unit"] if view.ok and self.unit is None else None,
                           changes=self.change_frame)

    @cached_property
    def supervision_view(self):
        """The month's 督办 (issue 14; :func:`taizhang.reports.supervision_section.supervision_view`)."""
        from .reports.supervision_section import supervision_view

        return supervision_view(self.month.store, self.registry, self.plan.plan, self.period, self.data_label)

    def supervision(self) -> Blocks:
        """督办情况: the plan's counts, units and items, or the unit's items with their history."""
        from .reports.supervision_section import section

        return section(self.supervision_view, self.unit, self.unit_name)

    def brief(self) -> Blocks:
        """The one-page brief: headlines, per-unit table, top problems, changes (page 1 of the ledger)."""
        return self.brief_parts.blocks()

    def brief_header(self) -> Blocks:
        p = self.plan
        return Blocks.of(Header("政务服务目标台账 · 一页简报", p.document, (Text(f"截至{Month.parse(self.period).chinese}末"),)),
                         self.page1_notices())

    def write_docx(self, path: str | Path) -> Path:
        """Write the Word 通报 (:func:`taizhang.reports.docx.write_notice`) to ``path``."""
        from .reports.docx import write_notice

        return write_notice(self, Path(path))

    def write_excel(self, path: str | Path) -> Path:
        """Write the Excel ledger (:func:`taizhang.excel.write_ledger_xlsx`: 总览, 台账, 与上月相比, 督办台账, 图例,
        one sheet per unit, 报表文件) to ``path``."""
        from .excel import write_ledger_xlsx
        from .provenance import fed_files
        from .reports.sheets import supervision_sheet

        m, src = self.month, self.month.source
        sv = supervision_sheet(src.kind if src else "folder", src.path if src else None, self.registry,
                               self.plan.plan, self.period, unit=self.unit, source_label=self.data_label)
        returns = self.returns
        tasks = returns.tasks if self.unit is None else returns.tasks[returns.tasks["unit"] == self.unit]
        return write_ledger_xlsx(self.ledger, Path(path), self._meta(), files=fed_files(returns.files, self.period),
                                 period=self.period, previous=self.previous, previous_period=_previous(self.period),
                                 tasks=tasks, values=m.values if self.unit is None else m.unit_values(self.unit),
                                 supervision=sv, heading=self.plan.document, changes=self.change_frame)

    def _meta(self) -> dict:
        meta = {"方案": self.plan.document, "统计月份": self.period,
                **({"数据性质": SAMPLE_MARK} if self.month.n_sample else {}), "数据": self.data_label,
                "报送情况": self.coverage_text(),
                "目标登记册版本": self.registry.version, "程序版本": code_version(),
                "生成时间": _now().strftime("%Y-%m-%d %H:%M:%S")}
        if self.parameters.get("scenario") or self.parameters.get("assume"):
            meta = {"情景推演": what_if_label(self.parameters.get("scenario", ""), self.parameters.get("assume", "")),
                    **meta}
        return {**meta, "单位": self.unit_name} if self.unit else meta

    # ----------------------------------------------------------------------------------------------- sections
    def header(self) -> Blocks:
        p = self.plan
        if self.unit is None:
            head = Header("政务服务目标台账 · 月度通报", p.document,
                          (Text(f"目标进展台账 · 截至 {self.period} 月末 · 发文单位：{p.issuer}（{p.issued}）"),))
        else:
            head = Header("政务服务目标台账 · 单位台账", self.unit_name, (Text(f"{p.document} · 截至 {self.period} 月末"),))
        return Blocks.of(head, self.page1_notices())

    def coverage_text(self) -> str:
        """The month's coverage in one line: how many units reported, who did not, who was late or rejected."""
        cov = self.month.coverage
        if self.unit is not None:
            row = cov[cov["unit"] == self.unit].iloc[0]
            carried = f"，以下数值沿用 {row.data_period} 的数据" if row.status in ("missing", "rejected") and row.data_period else ""
            return f"{self.period} 本单位报表：{row.status_label}{carried}。"
        n = len(cov)
        got = int(cov["status"].isin(("reported", "late")).sum())
        parts = [f"{self.period} 应报 {n} 个单位，已报送 {got} 个"]
        names = lambda s: "、".join(cov.loc[cov["status"] == s, "unit_name"])  # noqa: E731
        if (cov["status"] == "missing").any():
            parts.append(f"未报送：{names('missing')}")
        if (cov["status"] == "rejected").any():
            parts.append(f"被退回未重报：{names('rejected')}")
        if (cov["status"] == "late").any():
            parts.append(f"逾期报送：{names('late')}")
        text_ = "；".join(parts) + "。"
        if got < n:
            text_ += "未报送单位的各项沿用其最近一次报送的数值（标注数据月份），不代表本月情况。"
        return text_

    def coverage_notice(self) -> Notice:
        cov = self.month.coverage
        status = cov["status"] if self.unit is None else cov.loc[cov["unit"] == self.unit, "status"]
        # incomplete: a unit's return is missing or was sent back; all in, some late: said as such
        title = ("（不完整）" if (~status.isin(("reported", "late"))).any() else
                 "（有逾期报送）" if status.eq("late").any() else "")
        return Notice(self.coverage_text(), "notice", "本月报送情况" + title, "tz-coverage")

    def forced_notice(self) -> Notice | None:
        if not self.month.forced:
            return None
        return Notice(f"{self.month.forced}。本报告按要求强制生成，各项状态均沿用此前的数据推算，不反映 {self.period} 的实际情况。",
                      "notice", "强制生成：统计月份没有数据", "tz-forced")

    def summary(self) -> Tiles:
        from .ledger import summary_tiles

        return summary_tiles(self.ledger)

    def changes(self) -> Blocks:
        from .ledger import changes_blocks

        return changes_blocks(self.ledger, self.previous, _previous(self.period), limit=25 if self.unit is None else 60,
                              frame=self.change_frame)

    def overdue(self):
        from .ledger import overdue_spec

        if self.unit is None:  # the unit ledgers (三) list every one; the first 15 here, most overdue first
            return overdue_spec(self.ledger, limit=15)
        n = int((self.ledger["status"] == "task_overdue").sum())  # listed in 四、节点任务, worst first
        return Blocks.of(overdue_spec(self.ledger).without("unit"), Heading("逾期未完成的节点任务", css=""),
                         Notice(f"本单位逾期未完成的节点任务 {n} 项，逐项列在“四、节点任务”的最前面。" if n
                                else "本单位没有逾期未完成的节点任务。"))

    def due_soon(self):
        from .ledger import due_soon_spec

        if before_plan(self.plan, self.period):
            return Notice(f"统计月份早于方案印发（{self.plan.issued:%Y-%m}），不作临期预警。")
        cfg = Settings.from_ledger(self.ledger)  # the run's settings, e.g. a scenario's
        if self.unit is not None:  # the unit's own report: no 单位 column
            return due_soon_spec(self.ledger, limit=200).without("unit")
        # a month report judges 临期 in months after the report month (docs/evaluation.md, issue 12 point 4)
        return Blocks.of(Notice(f"期限在本月之后 {cfg.due_soon_months} 个月内、尚未达标或完成的目标与任务，"
                                "按单位排列，同一单位内期限近者在前。"),
                         due_soon_spec(self.ledger))

    def heatmap(self) -> TableSpec:
        from .ledger import heatmap_spec

        return heatmap_spec(self.ledger)

    def metric_list(self) -> list[str]:
        from .charts import chart_metrics

        return chart_metrics(self.registry, self.plan.plan)

    def metric_parts(self) -> list[tuple[str, "TrendChart", pd.DataFrame]]:
        """``(metric, chart, ranking)`` of every charted metric (see :meth:`EvaluatedMonth.metric_parts`)."""
        return self.month.metric_parts()

    def metrics(self, highlight: str | None = None) -> Blocks:
        """Per metric: the trend chart (inline SVG) and the ranking of units by latest value.

        ``highlight`` (a unit id; the unit's own report by default) keeps that unit's ranking row and draws it
        bold over the other units.
        """
        from .ledger import ranking_spec

        highlight = highlight or self.unit
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
            title = chart.title(highlight) or m.name  # a chart is titled with its target's name
            direction = "越高越好" if m.higher_is_better else "越低越好"
            parts.append(MetricBlock(title, direction if title == m.name else f"{m.name} · {direction}",
                                     chart.svg(highlight),
                                     ranking_spec(rank, self.month.ledger.attrs.get("settings", {}).get("stale_months")),
                                     pair=self.unit is not None))
        if empty:
            what = "各项指标均" if not parts else f"以下 {len(empty)} 项指标"
            note = Notice(f"截至 {self.period}，{what}尚无数据，未绘图" + ("。" if not parts else f"：{'、'.join(empty)}。"),
                          css="tz-no-data")
            parts = [note] + parts if not parts else parts + [note]
        parts += self._unproduced_rankings()
        if not parts:
            return Blocks.of(Notice("没有可绘制的量化指标。"))
        return Blocks(tuple(parts))

    def _unproduced_rankings(self) -> list:
        """A notice where a ranking the plan asks for would be, saying why it is not produced (乌拉特中旗
        按部门: no department units; :func:`taizhang.evaluate.ranking.unproduced_rankings`)."""
        from .evaluate.ranking import unproduced_rankings

        missing = unproduced_rankings(self.registry, self.plan.plan)
        if not missing:
            return []
        names = "、".join(self.registry.metrics[k].name for k in missing)
        return [Notice(f"{names}排名{next(iter(missing.values()))}。", css="tz-no-data")]

    def unit_ledgers(self) -> Blocks:
        """Every unit's ledger of quantitative and recurring targets, each under the unit's name: the targets
        not met listed (the unit's name repeated at the top of each printed continuation page), the met ones
        counted, with the pointer to the Excel sheet that lists every row (:func:`taizhang.ledger.unit_ledger_spec`)."""
        from .ledger import unit_ledger_spec

        parts = []
        cov = self.month.coverage.set_index("unit")
        for unit in self.registry.unit_list(self.plan.plan):
            c = cov.loc[unit.id]
            title = unit.name
            if c.status in ("missing", "rejected"):
                title += f"（{self.period} {'未报送' if c.status == 'missing' else '被退回未重报'}" + \
                    (f"，数值为 {c.data_period} 的数据）" if c.data_period else "，无数据）")
            spec, line = unit_ledger_spec(self.ledger, unit.id, unit.name)
            parts += [Heading(title), spec, Notice(line, css="tz-unit-line") if line else None]
        return Blocks.of(*parts)

    def ledger_table(self) -> Blocks:
        """The unit's ledger of quantitative and recurring targets (unit scope): the targets not met, the met
        ones counted (:func:`taizhang.ledger.unit_ledger_spec`)."""
        from .ledger import unit_ledger_spec

        spec, line = unit_ledger_spec(self.ledger, self.unit, self.unit_name, tasks_section="")
        return Blocks.of(spec, Notice(line, css="tz-unit-line") if line else None)

    def tasks(self) -> Blocks:
        """The unit's milestone tasks not done (unit scope), worst first; the done ones counted."""
        from .ledger import tasks_blocks

        return tasks_blocks(self.ledger, self.unit)

    def milestones(self) -> Blocks:
        from .ledger import milestone_spec, overdue_tasks_spec

        return Blocks.of(milestone_spec(self.ledger), Heading("逾期未完成的节点任务（全部）", css=""),
                         overdue_tasks_spec(self.ledger))

    def data_notes(self) -> Blocks:
        from .ledger import rejected_block

        return Blocks.of(Notice(f"读取{self.data_label}：接收 {len(self.returns.files)} 份，退回 {len(self.returns.rejected)} 份。"),
                         rejected_block(self.returns.rejected))

    def footer_line(self) -> Notice:
        """The brief's one-line source and version note (the full table of data files is in the ledger)."""
        return Notice(f"数据：{self.data_label}，{len(self.returns.files)} 份报表 · 目标登记册版本 {self.registry.version} · "
                      f"程序版本 {code_version()} · 生成于 {_now():%Y-%m-%d %H:%M}", css="tz-brief-source")

    def footer(self) -> Footer:
        params = {**self.parameters, "period": self.parameters.get("period") or f"{self.period}（数据中最新的月份）"}
        returns = self.returns
        if self.unit is not None:
            files = returns.files
            returns = ReturnSet(observations=returns.observations.iloc[:0], tasks=returns.tasks.iloc[:0],
                                files=files[files["unit"] == self.unit], rejected=[])
        return footer_block(self.registry, self.plan, params, returns, self.data_label, self.period,
                            excel=bool(self.parameters.get("excel")))


# ------------------------------------------------------------------------------------------- data quality
_SUBMISSION = {"received": ("✓", "q-ok", "按时收到并通过校验"), "late": ("迟", "q-late", "逾期报送"),
               "resubmitted": ("重", "q-resub", "退回后已重报"), "rejected": ("！", "q-bad", "被退回，未重报"),
               "missing": ("✕", "q-miss", "未收到")}


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
    n_sample: int = 0
    history: pd.DataFrame | None = None

    @classmethod
    def build(cls, plan: str, period: str = "", inputs: str | Path | None = None, store: str | Path | None = None,
              parameters: dict | None = None, sample: str = "", **_ignored) -> "QualityReport":
        plan = check_plan(plan)
        registry = load_registry()
        source = data_source(plan, inputs, store, sample)
        returns, label = source.load(registry, plan), source.label
        period = check_period(period) if period else latest_period(returns)
        frame = history = None
        if source.kind == "store":
            from .store import quality_frame, submissions_frame

            frame = quality_frame(source.path, registry, plan, period)
            history = submissions_frame(source.path, plan)
        return cls(registry=registry, plan=registry.plan(plan), period=period, returns=returns, data_label=label,
                   parameters=parameters or {"plan": plan, "period": period, "inputs": str(inputs or ""),
                                             "store": str(store or "")}, store_frame=frame, history=history,
                   n_sample=source.sample_files(returns))

    def header(self) -> Blocks:
        return Blocks.of(Header("政务服务目标台账 · 数据质量", self.plan.document,
                                (Text("报表报送与校验情况 · 截至 "), Text(self.period, "b"))),
                         sample_notices(self.n_sample, len(self.returns.files)))

    def filing(self, unit: str, period: str) -> tuple[str, int]:
        """How ``unit`` filed ``period``: (received / late / resubmitted / rejected / missing, times rejected).

        From the store's submission log when there is one (a rejection stays on record after the corrected
        file is accepted; late means the first accepted file's 填报日期, or its receipt, is after the due
        date), else from the folder's accepted and rejected files."""
        if self.history is not None:
            mine = self.history[(self.history["unit"] == unit) & (self.history["period"] == period)]
            rejected = int((mine["outcome"] == "rejected").sum())
            accepted = mine[mine["outcome"] == "accepted"]
            if accepted.empty:
                return ("rejected" if rejected else "missing"), rejected
            from .returns import due_date

            first = accepted.iloc[0]
            when = str(first["filed"] or "")[:10] or str(first["received"] or "")[:10]
            if when and date.fromisoformat(when) > due_date(period):
                return "late", rejected
            return ("resubmitted" if rejected else "received"), rejected
        got = ((self.returns.files["unit"] == unit) & (self.returns.files["period"] == period)).any()
        rejected = sum(1 for r in self.returns.rejected
                       if getattr(r, "unit", None) == unit and getattr(r, "period", None) == period)
        if got:
            return ("resubmitted" if rejected else "received"), rejected
        return ("rejected" if rejected else "missing"), rejected

    def submission_frame(self, months: int = 12) -> pd.DataFrame:
        """Units × the last ``months`` months: received / late / resubmitted / rejected / missing per cell."""
        units = self.registry.unit_list(self.plan.plan)
        end = Month.parse(self.period)
        cols = [str(end - k) for k in range(months - 1, -1, -1)]
        data = {c: [self.filing(u.id, c)[0] for u in units] for c in cols}
        return pd.DataFrame(data, index=[u.name for u in units])

    def first_month(self) -> str:
        """The plan's first month with any return (accepted or rejected); months before it are not counted
        as missing."""
        periods = list(self.returns.files["period"]) + [r.period for r in self.returns.rejected
                                                       if getattr(r, "period", None)]
        if self.history is not None:
            periods += [p for p in self.history["period"] if p]
        return min(periods) if periods else self.period

    def missing_counts(self, months: int = 12) -> dict[str, int]:
        """Per unit (by name): how many of the last ``months`` months (from :meth:`first_month`) have no
        return at all (未报送, ✕ in the matrix) — a missing return is itself counted."""
        f = self.submission_frame(months)
        counted = [c for c in f.columns if c >= self.first_month()]
        return {u: int((f.loc[u, counted] == "missing").sum()) for u in f.index}

    def summary(self) -> Blocks:
        units = self.registry.unit_list(self.plan.plan)
        col = self.period
        filed = {u.name: self.filing(u.id, col) for u in units}
        got = sum(1 for s, _ in filed.values() if s in ("received", "late", "resubmitted"))
        miss = [u for u, (s, _) in filed.items() if s in ("missing", "rejected")]
        n_missing = sum(1 for s, _ in filed.values() if s == "missing")
        month_files = self.returns.files[self.returns.files["period"] == col]
        if self.history is not None:
            month_rejected = int(((self.history["period"] == col) & (self.history["outcome"] == "rejected")).sum())
        else:
            month_rejected = sum(1 for r in self.returns.rejected if getattr(r, "period", None) == col)
        tiles = Tiles((Tile(f"{got}/{len(units)}", f"{col} 已报送单位"), Tile(str(month_rejected), "本月被退回的报表文件"),
                       Tile(str(len(month_files)), "本月通过校验的报表文件"),
                       Tile(str(n_missing), f"{col} 未报送单位（未收到任何报表）")))
        history = [f"{u}：退回 {n} 次，{'已重报' if s in ('resubmitted', 'late', 'received') else '尚未重报'}"
                   + ("（逾期报送）" if s == "late" else "") for u, (s, n) in filed.items() if n]
        late = [u for u, (s, _) in filed.items() if s == "late"]
        return Blocks.of(tiles, Notice(f"{col} 尚未收到（或被退回）：{'、'.join(miss)}", "plain") if miss else None,
                         Notice(f"{col} 逾期报送：{'、'.join(late)}", "plain") if late else None,
                         Notice("本月退回记录：" + "；".join(history), "plain") if history else None)

    def matrix(self) -> Blocks:
        f = self.submission_frame()
        missing = self.missing_counts()
        cols = ((Column("unit", "单位", row_header=True),) + tuple(Column(c, c, vertical=True) for c in f.columns)
                + (Column("missing", "未报送月数", vertical=True),))
        rows = tuple((Cell((Text(u),)),) + tuple(Cell((Text(_SUBMISSION[v][0], _SUBMISSION[v][1]),), title=_SUBMISSION[v][2])
                                                  for v in row)
                     + (Cell((Text(str(missing[u]), "q-miss" if missing[u] else ""),), missing[u]),)
                     for u, row in f.iterrows())
        legend = Legend(tuple((s, f"tz-{c}", lab) for s, c, lab in _SUBMISSION.values()))
        since = self.first_month()
        note = Notice(f"未报送月数：近 12 个月中没有收到任何报表（✕）的月数"
                      + (f"，自有报表的首月 {since} 起计。" if since > f.columns[0] else "。"))
        return Blocks.of(TableSpec(cols, rows, mode="heat"), legend, note)

    def rejected(self):
        from .ledger import rejected_block

        return rejected_block(self.returns.rejected)

    def store_checks(self):
        from .ledger import store_checks_spec

        if self.store_frame is None:
            return Notice("未使用数据库（--store），此处无入库校验记录。")
        if self.store_frame.empty:
            return Notice("数据库中没有本月的校验问题。")
        from .returns import due_date

        return Blocks.of(Notice(f"{self.period} 各单位报表的入库与校验情况；报送截止日为 {due_date(self.period)}，"
                                "填报日期晚于此日为逾期报送。"), store_checks_spec(self.store_frame))

    def footer(self) -> Footer:
        params = {**self.parameters, "period": self.parameters.get("period") or f"{self.period}（数据中最新的月份）"}
        return footer_block(self.registry, self.plan, params, self.returns, self.data_label, self.period)


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

    def header(self) -> Header:
        p = self.plan
        return Header("政务服务目标台账 · 目标清单", p.document,
                      (Text(f"发文单位：{p.issuer}（{p.issued}） · 共 {len(p.targets)} 条目标"),))

    def summary(self) -> Blocks:
        counts = self.frame.groupby("kind").size()
        no_date = int((self.frame["deadline"] == "").sum())
        two = int(self.frame["deadline_dates"].str.contains("；").sum())
        tiles = tuple(Tile(str(int(counts.get(k, 0))), v) for k, v in KIND_LABELS.items())
        tiles += (Tile(str(two), "有两个期限"), Tile(str(no_date), "期限未明确"))
        return Blocks.of(Tiles(tiles), Notice("有两个期限的目标按较早者评估，两个期限均列出；期限未明确的目标不推定日期。"))

    def targets(self, kind: str):
        """The catalogue table of one kind (quantitative / recurring / milestone)."""
        from .targets import RECURRENCE_LABELS

        rows = [t for t in self.plan.targets if t.kind == kind]
        if not rows:
            return Notice(f"本方案没有{KIND_LABELS[kind]}。")
        cols = (Column("target", "目标（章节 · 方案原文）"), Column("threshold", "目标值"), Column("level", "层级"),
                Column("deadline", "期限"), Column("lead", "牵头单位"))
        body = []
        for t in rows:
            if not t.deadlines:
                dl = (Text("期限未明确" + (f"（{t.ongoing_text}）" if t.ongoing_text else "")),)
            else:
                dl = lines(f"{d.text}（{d.date}）" if d.date else d.text
                           for d in sorted(t.deadlines, key=lambda d: d.date or datetime.max.date()))
                if len(t.deadlines) > 1:
                    dl += (Text("两个期限，按较早者评估", "hint", True),)
            target = (Text(t.title, "b"), Text(t.section, "sec"), Text(f"“{t.quote}”", "quote"))
            target += (Text(t.note, "hint-block"),) if t.note else ()
            threshold = (Text(t.threshold_label),) + ((Text(RECURRENCE_LABELS[t.recurrence], br=True),)
                                                      if t.recurrence else ())
            body.append((Cell(target), Cell(threshold), text("、".join(LEVEL_LABELS.get(lv, lv) for lv in t.levels)),
                         Cell(dl), text("，".join(t.lead) or "—")))
        return TableSpec(cols, tuple(body), css="tz-ledger")

    def footer(self) -> Footer:
        return footer_block(self.registry, self.plan, self.parameters, None)


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
    """One metric across the plans: each plan's own threshold, level and date, side by side."""

    registry: Registry
    metric: str
    parameters: dict

    @classmethod
    def build(cls, metric: str = "one_window_rate", parameters: dict | None = None, **_ignored) -> "ComparisonReport":
        registry = load_registry()
        metric = check_metric(registry, metric)
        return cls(registry=registry, metric=metric, parameters=parameters or {"metric": metric})

    def header(self) -> Header:
        m = self.registry.metrics[self.metric]
        return Header("政务服务目标台账 · 跨方案对比", f"{m.name}：{len(self.registry.plans)}个方案的目标对比",
                      (Text("同一指标在各方案中的目标值、适用层级与期限（各方案各自的口径，不作统一）"),))

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
            return Notice("没有方案设定该指标的目标。")
        cols = (Column("plan", "方案（章节）"), Column("title", "目标"), Column("threshold", "目标值", "tz-big", head_css=False),
                Column("level", "适用层级"), Column("deadline", "期限"), Column("quote", "方案原文"))
        rows = tuple((Cell((Text(self.registry.short_name(r.plan), "b"), Text(r.section, "sec"), Text(r.document, "hint-block"))),
                      text(r.title), text(r.threshold), text(r.level),
                      Cell((Text(r.deadline), Text(r.deadline_text, "hint", True))), text(f"“{r.quote}”", "quote"))
                     for r in f.itertuples(index=False))
        missing = [p.document for pid, p in self.registry.plans.items() if pid not in set(f["plan"])]
        return TableSpec(cols, rows, css="tz-ledger", note=f"未设定该指标目标的方案：{'、'.join(missing)}。" if missing else "")

    def overview(self) -> TableSpec:
        """Every metric used by two or more plans: the threshold each plan sets (first target per plan)."""
        metrics = shared_metrics(self.registry)
        plans = list(self.registry.plan_ids)
        cols = (Column("metric", "指标", row_header=True),) + tuple(Column(p, self.registry.short_name(p)) for p in plans)
        body, css = [], []
        for key in metrics:
            f = self.frame(key)
            cells = [text(self.registry.metrics[key].name)]
            for p in plans:
                rows = f[f["plan"] == p]
                runs = tuple(run for i, r in enumerate(rows.itertuples(index=False))
                             for run in (Text(r.threshold, br=i > 0), Text(f"（{r.deadline}）", "hint")))
                cells.append(Cell(runs) if runs else text("—"))
            body.append(tuple(cells))
            css.append("tz-current" if key == self.metric else "")
        return TableSpec(cols, tuple(body), css="tz-cmp", row_css=tuple(css))

    def footer(self) -> Footer:
        return footer_block(self.registry, None, self.parameters, None)


#: the report builder each notebook uses (from the report specs)
REPORT_CLASSES = {name: globals()[spec.builder] for name, spec in SPECS.items()}
