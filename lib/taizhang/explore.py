"""The explore notebook's interactive view: widgets to pick plan, units, metric and month (``period``), to
change a target's threshold or deadline or the evaluation-method parameters, and to save the what-if as a
scenario (asking before it replaces a saved scenario of the same name).

All computation goes through the library: the returns come from the one
:class:`~taizhang.source.DataSource` (a store, a folder or the sample, cached on content), the overrides
become a :class:`~taizhang.scenario.Scenario`, :func:`~taizhang.scenario.apply_scenario` gives the registry to
judge by, :func:`~taizhang.evaluate.evaluate` the ledger, :mod:`taizhang.ledger` and :mod:`taizhang.charts`
the tables and charts, the Jinja2 blocks of :mod:`taizhang.reports.blocks` every piece of HTML. The widgets
only hold state and call :meth:`Explorer.refresh`, so every callback can be exercised without a browser
(tests set widget values and read :attr:`Explorer.view` and the ``Output`` widgets' ``outputs``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .errors import ParameterError, TaizhangError
from .reports.blocks import Blocks, Heading, Notice
from .returns import ReturnSet
from .scenario import (
    Scenario, ScenarioError, TargetOverride, apply_scenario, check_scenario, check_scenario_name, describe_overrides, list_scenarios,
    load_scenario, method_label, method_parameters, save_scenario,
)
from .source import SAMPLE_MARK, DataSource
from .targets import Registry, Target, load_registry

#: the explore notebook's parameters, with their Chinese description (the month is ``period``, as in every
#: report notebook; an old name such as ``as_of`` is answered with "是否应为 period？")
EXPLORE_PARAMETERS = {
    "plan": "方案编号（targets/plans/ 中的方案，例如 bayannur）",
    "period": "统计月份 YYYY-MM（留空为数据中最新的月份）",
    "units": "单位：单位编号或名称，多个用逗号分隔（留空为全部单位）",
    "metric": "指标编号，见 targets/metrics.yaml（留空为全部指标）",
    "store": "数据库文件（taizhang ingest 写入的数据库，例如 inputs/taizhang.sqlite；与 inputs、sample 三选一）",
    "inputs": "报表文件夹（与 store、sample 三选一）",
    "sample": "使用样例数据（填 是；都不填时也用样例数据，视图标注“样例数据，非真实报送”）",
    "scenario": "从已保存的情景开始：targets/scenarios/ 中的情景名称（留空为不使用）",
}


# --------------------------------------------------------------------------------------------------
# parameters


def plan_metrics(registry: Registry, plan: str) -> list[str]:
    """Metrics of the plan's quantitative and recurring targets (:meth:`Registry.plan_metrics`)."""
    return registry.plan_metrics(plan, ("quantitative", "recurring"))


def parse_units(registry: Registry, plan: str, units) -> tuple[str, ...]:
    """Unit ids from ``units`` (ids or names, a list or a comma-separated text; empty = all units).

    An unknown unit raises a ParameterError naming it and listing the plan's units.
    """
    if units is None or (isinstance(units, str) and not units.strip()):
        return ()
    items = re.split(r"[,，、\s]+", units.strip()) if isinstance(units, str) else [str(u) for u in units]
    out: list[str] = []
    for item in (i for i in items if i):
        unit = registry.find_unit(plan, item)
        if unit is None:
            allowed = "、".join(f"{u.id}（{u.name}）" for u in registry.unit_list(plan))
            raise ParameterError("units", item, f"方案 {plan} 的单位 {allowed}")
        if unit.id not in out:
            out.append(unit.id)
    return tuple(out)


def check_explore_parameters(namespace: dict, registry: Registry | None = None) -> dict:
    """Check the explore notebook's parameters; fail in its first cell with a Chinese message.

    Unknown names (papermill only warns about them; ``as_of`` is told "是否应为 period？"), an unknown plan, a
    malformed month (2024-13), a unit not in the plan, a metric the plan does not use, a missing store or
    inputs folder, two data sources at once or an unknown scenario raise :class:`ParameterError` naming the
    parameter, what was given and what is allowed. Returns the checked parameters (``units`` as a tuple of
    unit ids, ``sample`` as "是" or "").
    """
    from .report import check_flag, check_period, reject_unknown_parameters

    reject_unknown_parameters(namespace, EXPLORE_PARAMETERS)
    p = {k: namespace.get(k, "") for k in EXPLORE_PARAMETERS}
    plan = str(p["plan"] or "").strip()
    registry = registry or load_registry()
    if plan not in registry.plans:
        raise ParameterError("plan", p["plan"], registry.plan_choices())
    period = str(p["period"] or "").strip()
    if period:
        period = check_period(period)
    units = parse_units(registry, plan, p["units"])
    metric = str(p["metric"] or "").strip()
    metrics = plan_metrics(registry, plan)
    if metric and metric not in metrics:
        allowed = "、".join(f"{k}（{registry.metrics[k].name}）" for k in metrics)
        raise ParameterError("metric", p["metric"], f"方案 {plan} 的指标 {allowed}")
    inputs = str(p["inputs"] or "").strip()
    if inputs and not Path(inputs).is_dir():
        raise ParameterError("inputs", p["inputs"], "存在的报表文件夹；留空为样例数据")
    store = str(p["store"] or "").strip()
    sample = check_flag("sample", p["sample"])
    data_source(plan, inputs, store, sample)  # a missing store, or two sources at once, fail here
    scenario = str(p["scenario"] or "").strip()
    if scenario:
        check_scenario_name(scenario)
        if scenario not in list_scenarios():
            raise ParameterError("scenario", scenario, "已保存的情景 " + ("、".join(list_scenarios()) or "（无）"))
        s = load_scenario(scenario, registry)
        if s.plan != plan:
            raise ParameterError("scenario", scenario, f"方案 {plan} 的情景 " + ("、".join(list_scenarios(plan=plan)) or "（无）")
                                 + f"；情景 {scenario} 属于方案 {s.plan}")
    return {"plan": plan, "period": period, "units": units, "metric": metric, "store": store, "inputs": inputs,
            "sample": sample, "scenario": scenario}


# --------------------------------------------------------------------------------------------------
# computation (no widgets)


def data_source(plan: str, inputs: str = "", store: str = "", sample="") -> DataSource:
    """The explorer's data source: the store, the folder or the sample named; the sample when none is named
    (as the report notebooks run bare; the view then carries the sample mark). See :class:`DataSource`."""
    from .report import data_source as report_source

    return report_source(plan, inputs or None, store or None, bool(sample))


def plan_returns(registry: Registry, plan: str, inputs: str | Path | None = None, store: str | Path | None = None,
                 sample="") -> tuple[DataSource, ReturnSet]:
    """The data source and the returns of ``plan`` (read through :meth:`DataSource.load`, cached on content)."""
    source = data_source(plan, str(inputs or ""), str(store or ""), sample)
    return source, source.load(registry, plan)


@dataclass(frozen=True)
class View:
    """What the explore view shows for one state: the full ledger, the selection, and the rendered parts."""

    scenario: Scenario
    period: str
    ledger: pd.DataFrame
    selected: pd.DataFrame
    counts: pd.DataFrame
    overrides: tuple[str, ...]
    chart_metric: str | None


def build_view(registry: Registry, returns: ReturnSet, scenario: Scenario, period: str,
               units: tuple[str, ...] = (), metric: str = "") -> View:
    """Evaluate ``scenario`` (its overrides and method parameters) at ``period`` and select units and metric."""
    from .charts import chart_metrics
    from .evaluate import evaluate, status_counts

    problems = check_scenario(scenario, registry, where="当前调整")
    if problems:
        raise ScenarioError("当前调整无效，台账未更新：", problems)
    judged = apply_scenario(registry, scenario)
    ledger = evaluate(judged, scenario.plan, returns, period, scenario.settings)
    sel = ledger
    if units:
        sel = sel[sel["unit"].isin(units)]
    if metric:
        sel = sel[sel["metric"] == metric]
    sel = sel.reset_index(drop=True)
    charted = chart_metrics(judged, scenario.plan)
    chart_metric = metric if metric in charted else next((m for m in charted if (sel["metric"] == m).any()), None)
    return View(scenario=scenario, period=period, ledger=ledger, selected=sel, counts=status_counts(sel),
                overrides=tuple(describe_overrides(scenario, registry)), chart_metric=chart_metric)


@lru_cache(maxsize=1)
def explore_css() -> str:
    """The report's ``.tz-*`` rules (scoped, so JupyterLab's own look is untouched)."""
    text = (Path(__file__).with_name("templates") / "report.css").read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    rules = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                rule = text[start:i + 1].strip()
                selectors = rule.split("{", 1)[0].split(",")
                if all(sel.strip().startswith(".tz-") for sel in selectors):
                    rules.append(rule.replace("var(--line)", "#d0d4da").replace("var(--head)", "#1f4e79")
                                 .replace("var(--muted)", "#5f6368"))
                start = i + 1
    return "\n".join(rules)


# --------------------------------------------------------------------------------------------------
# the widget UI


_EXTRA_CSS = """.tz-explore-h { font-weight: 700; color: #1f4e79; margin: 8px 0 2px; }
.jp-RenderedHTMLCommon .tz-table td, .jp-RenderedHTMLCommon .tz-table th { text-align: left; }
.jp-RenderedHTMLCommon .tz-table td.tz-num { text-align: right; }
.tz-unit { color: #1f4e79; margin: 14px 0 4px; }
.tz-notice.tz-explore-error { border-color: #c0392b; color: #c0392b; white-space: pre-wrap; }
.tz-notice.tz-explore-ok { border-color: #1e8449; color: #1e8449; }
.tz-notice.tz-explore-list { border: 1px solid #d0d4da; }
h4.tz-explore-h { font-size: 14px; margin: 10px 0 4px; }
.tz-notice.tz-explore-ask { border-color: #b9770e; color: #7e5109; }
.tz-notice.tz-sample { border-color: #c0392b; color: #c0392b; font-weight: 700; }"""

#: widths of the explorer's controls: the two columns side by side fit a 1,100 px notebook, each control's
#: description column is wide enough for its longest Chinese label, so no label runs into its box
_COL = "520px"
_DESC = {"description_width": "110px"}
_METHOD_DESC = {"description_width": "300px"}


def _target_label(t: Target) -> str:
    kind = {"quantitative": "", "recurring": "[常态]", "milestone": "[节点]"}[t.kind]
    return f"{t.section} {kind}{t.title}（{t.threshold_label}；{t.deadline or '期限未明确'}）"


def _method_widget(name: str, default):
    """The input of one method parameter (a Settings field), of the kind its default is."""
    import ipywidgets as w

    kw = dict(description=method_label(name), value=default, style=_METHOD_DESC, layout=w.Layout(width="100%"),
              tooltip=method_label(name))
    if isinstance(default, bool):
        return w.Checkbox(**kw)
    if isinstance(default, int):
        return w.BoundedIntText(min=0, max=10_000, **kw)
    if isinstance(default, float):
        return w.FloatText(**kw)
    return w.Text(**kw)


class Explorer:
    """The interactive explore view. Build it with :meth:`build` (the notebook) or the constructor (tests).

    Widgets (public attributes): ``plan``, ``units``, ``metric``, ``period``; ``target``, ``threshold``,
    ``deadline``, ``reset_target``, ``clear``; one widget per method parameter in ``method_widgets``;
    ``scenario_name``, ``scenario_title``, ``save`` and, shown only while a save would replace a saved
    scenario of the same name, ``overwrite`` and ``cancel``. Outputs: ``overrides_out``, ``counts_out``,
    ``ledger_out``, ``chart_out`` (``ipywidgets.Output``, updated in place) and ``message`` (errors,
    questions and confirmations, Chinese). :attr:`view` holds the last computed :class:`View`.
    """

    def __init__(self, plan: str = "bayannur", period: str = "", units=(), metric: str = "", inputs: str = "",
                 scenario: str = "", registry: Registry | None = None, charts: bool = True,
                 scenarios_dir: Path | None = None, store: str = "", sample: str = "") -> None:
        import ipywidgets as w

        self.registry = registry or load_registry()
        self.inputs, self.store, self.sample = inputs, store, sample
        self.charts_enabled = charts
        self.scenarios_dir = scenarios_dir
        self.overrides: dict[str, TargetOverride] = {}
        self.method: dict = {}
        self.view: View | None = None
        self._busy = False
        self._error_shown = False
        self._defaults = method_parameters()
        lay = w.Layout(width="100%")
        style = _DESC

        self.plan = w.Dropdown(description="方案", layout=lay, style=style,
                               options=[(f"{p.document[:18]}（{pid}）", pid) for pid, p in self.registry.plans.items()])
        self.units = w.SelectMultiple(description="单位", rows=6, layout=lay, style=style)
        self.metric = w.Dropdown(description="指标", layout=lay, style=style)
        self.period = w.Dropdown(description="统计月份", layout=lay, style=style)
        self.target = w.Dropdown(description="调整目标", layout=lay, style=style)
        self.threshold = w.FloatText(description="目标值", layout=w.Layout(width="50%"), style=style)
        self.deadline = w.DatePicker(description="完成期限", layout=w.Layout(width="50%"), style=style)
        self.reset_target = w.Button(description="撤销本目标调整", icon="undo", layout=w.Layout(width="auto"))
        self.clear = w.Button(description="清除全部调整", icon="trash", layout=w.Layout(width="auto"))
        self.method_widgets: dict[str, w.Widget] = {name: _method_widget(name, default)
                                                    for name, default in self._defaults.items()}
        for widget in self.method_widgets.values():
            widget.observe(self._on_method, names="value")
        self.scenario_name = w.Text(description="情景名称", placeholder="例如 bayannur-one-window-85", layout=lay, style=style)
        self.scenario_title = w.Text(description="情景标题", placeholder="例如 一窗受理率提高到85%", layout=lay, style=style)
        self.save = w.Button(description="另存为情景", icon="save", button_style="primary",
                             layout=w.Layout(width="auto"))
        self.overwrite = w.Button(description="覆盖同名情景", icon="check", button_style="warning",
                                  layout=w.Layout(width="auto", display="none"))
        self.cancel = w.Button(description="不覆盖", icon="times", layout=w.Layout(width="auto", display="none"))
        self._pending: Scenario | None = None  # the scenario a click on "overwrite" would save
        self.message = w.HTML(layout=w.Layout(width="100%"))
        self.overrides_out = w.Output()
        self.counts_out = w.Output()
        self.ledger_out = w.Output()
        self.chart_out = w.Output()

        self.plan.observe(self._on_plan, names="value")
        for widget in (self.units, self.metric, self.period):
            widget.observe(self._on_selection, names="value")
        self.metric.observe(self._on_metric_targets, names="value")
        self.target.observe(self._on_target, names="value")
        self.threshold.observe(self._on_threshold, names="value")
        self.deadline.observe(self._on_deadline, names="value")
        self.reset_target.on_click(self._on_reset_target)
        self.clear.on_click(self._on_clear)
        self.save.on_click(self._on_save)
        self.overwrite.on_click(self._on_overwrite)
        self.cancel.on_click(self._on_cancel)
        self.scenario_name.observe(self._on_name, names="value")

        start = load_scenario(scenario, self.registry, scenarios_dir) if scenario else None
        if start is not None:
            plan = start.plan
            self.overrides = {o.target: o for o in start.overrides}
            self.method = dict(start.method)
            self.scenario_name.value, self.scenario_title.value = start.name, start.title
            period = period or (start.as_of or "")
        with self._quiet():
            self.plan.value = plan
            self._load_plan(plan, period=period, units=parse_units(self.registry, plan, units), metric=metric)
            for name, value in self.method.items():
                if name in self.method_widgets:
                    self.method_widgets[name].value = value
        self.refresh()

    # ------------------------------------------------------------------------------------------- building
    @classmethod
    def build(cls, plan: str, period: str = "", units=(), metric: str = "", inputs: str = "", scenario: str = "",
              store: str = "", sample: str = "") -> "Explorer":
        """The explorer for the notebook's checked parameters (see :func:`check_explore_parameters`)."""
        return cls(plan=plan, period=period, units=units, metric=metric, inputs=inputs, scenario=scenario,
                   store=store, sample=sample)

    @property
    def ui(self):
        """The whole interface as one widget (display it in the notebook).

        Two columns of fixed width side by side (selection; adjustments and saving), wrapping under each
        other in a narrow window; every control fills its column and its label column is wide enough for
        its Chinese label, so no two controls overlap.
        """
        import ipywidgets as w

        css = w.HTML("<style>" + explore_css() + "\n" + _EXTRA_CSS + "</style>")

        def head(text_):
            return w.HTML(Heading(text_, 4, "tz-explore-h").data)

        column = dict(width=_COL, min_width="360px", margin="0 24px 8px 0", overflow="visible")
        pick = w.VBox([head("选择"), self.plan, self.units, self.metric, self.period], layout=w.Layout(**column))
        buttons = w.Layout(flex_flow="row wrap", grid_gap="6px", width="100%")
        edit = w.VBox([head("假设调整（修改后台账即时更新）"), self.target,
                       w.HBox([self.threshold, self.deadline], layout=w.Layout(width="100%")),
                       w.HBox([self.reset_target, self.clear], layout=buttons),
                       *([head("评估方法参数"), *self.method_widgets.values()] if self.method_widgets else []),
                       head("另存为情景（targets/scenarios/）"), self.scenario_name, self.scenario_title,
                       w.HBox([self.save, self.overwrite, self.cancel], layout=buttons)],
                      layout=w.Layout(**column))
        return w.VBox([css, w.HBox([pick, edit], layout=w.Layout(flex_flow="row wrap", width="100%")),
                       self.message, head("当前调整"), self.overrides_out,
                       head("状态统计"), self.counts_out, head("台账（量化指标与常态化任务）"), self.ledger_out,
                       head("指标走势"), self.chart_out])

    def _ipython_display_(self):  # pragma: no cover - exercised in the notebook
        from IPython.display import display

        display(self.ui)

    # --------------------------------------------------------------------------------------------- state
    class _Quiet:
        def __init__(self, owner):
            self.owner = owner

        def __enter__(self):
            self.prev = self.owner._busy
            self.owner._busy = True

        def __exit__(self, *exc):
            self.owner._busy = self.prev

    def _quiet(self):
        return Explorer._Quiet(self)

    def _load_plan(self, plan: str, period: str = "", units: tuple[str, ...] = (), metric: str = "") -> None:
        self.source, self.returns = plan_returns(self.registry, plan, self.inputs, self.store, self.sample)
        periods = list(data_periods(self.returns))
        if period and period not in periods:
            periods = sorted({*periods, period})
        if not periods:
            raise ParameterError("store" if self.source.kind == "store" else "inputs", str(self.source.path),
                                 f"含有方案 {plan} 报表数据的数据库或报表文件夹")
        self.period.options = periods
        self.period.value = period or periods[-1]
        self.units.options = [(u.name, u.id) for u in self.registry.unit_list(plan)]
        self.units.value = tuple(units)
        self.metric.options = [("全部指标", "")] + [(self.registry.metrics[m].name, m)
                                                    for m in plan_metrics(self.registry, plan)]
        self.metric.value = metric
        self._fill_targets()

    def _fill_targets(self) -> None:
        plan = self.registry.plan(self.plan.value)
        metric = self.metric.value
        targets = [t for t in plan.targets if t.kind != "milestone" and (not metric or t.metric == metric)]
        if not metric:
            targets += [t for t in plan.targets if t.kind == "milestone"]
        self._targets = {t.id: t for t in targets}
        with self._quiet():
            self.target.options = [(_target_label(t), t.id) for t in targets]
            self.target.value = targets[0].id if targets else None
            self._show_target()

    def _show_target(self) -> None:
        t = self._targets.get(self.target.value)
        o = self.overrides.get(self.target.value)
        if t is None:
            return
        self.threshold.disabled = t.kind == "milestone"
        self.deadline.disabled = t.kind == "recurring"
        value = o.value if o and o.value is not None else t.value
        self.threshold.value = float(value) if value is not None else 0.0
        self.deadline.value = o.deadline if o and o.deadline is not None else t.deadline

    def current_scenario(self, name: str = "explore", title: str = "交互探索") -> Scenario:
        """The current what-if as a :class:`Scenario` (the month kept when it is not the latest month)."""
        latest = self.period.options[-1] if self.period.options else None
        return Scenario(name=name, title=title, plan=self.plan.value,
                        as_of=self.period.value if self.period.value != latest else None,
                        method=tuple(self.method.items()), overrides=tuple(self.overrides.values()))

    def _set_override(self, target_id: str, value=None, deadline=None, *, keep_value=True, keep_deadline=True):
        t = self._targets[target_id]
        old = self.overrides.get(target_id)
        if keep_value and old is not None and value is None:
            value = old.value
        if keep_deadline and old is not None and deadline is None:
            deadline = old.deadline
        if value is not None and t.value is not None and abs(float(value) - t.value) < 1e-12:
            value = None
        if deadline is not None and deadline == t.deadline:
            deadline = None
        if value is None and deadline is None:
            self.overrides.pop(target_id, None)
        else:
            self.overrides[target_id] = TargetOverride(target=target_id, value=value, deadline=deadline)

    # ------------------------------------------------------------------------------------------ callbacks
    def _on_plan(self, change) -> None:
        if self._busy:
            return
        self.overrides.clear()
        with self._quiet():
            self._load_plan(change["new"])
        self.refresh()

    def _on_selection(self, change) -> None:
        if not self._busy:
            self.refresh()

    def _on_metric_targets(self, change) -> None:
        if not self._busy:
            self._fill_targets()

    def _on_target(self, change) -> None:
        if not self._busy:
            with self._quiet():
                self._show_target()

    def _on_threshold(self, change) -> None:
        if self._busy or self.target.value is None or self._targets[self.target.value].kind == "milestone":
            return
        self._set_override(self.target.value, value=float(change["new"]))
        self.refresh()

    def _on_deadline(self, change) -> None:
        if self._busy or self.target.value is None or self._targets[self.target.value].kind == "recurring":
            return
        new = change["new"]
        if new is None:  # cleared in the picker: back to the plan's deadline
            self._set_override(self.target.value, deadline=None, keep_deadline=False)
        else:
            self._set_override(self.target.value, deadline=new)
        self.refresh()

    def _on_method(self, change) -> None:
        if self._busy:
            return
        name = next(k for k, v in self.method_widgets.items() if v is change["owner"])
        if change["new"] == self._defaults[name]:
            self.method.pop(name, None)
        else:
            self.method[name] = change["new"]
        self.refresh()

    def _on_reset_target(self, _button=None) -> None:
        self.overrides.pop(self.target.value, None)
        with self._quiet():
            self._show_target()
        self.refresh()

    def _on_clear(self, _button=None) -> None:
        self.overrides.clear()
        self.method.clear()
        with self._quiet():
            for name, widget in self.method_widgets.items():
                widget.value = self._defaults[name]
            self._show_target()
        self.refresh()

    def _say(self, text_: str, css: str = "", title: str = "") -> None:
        self.message.value = Notice(text_, "notice", title, css).data if text_ else ""
        self._error_shown = css == "tz-explore-error"

    def _asking(self, on: bool) -> None:
        for button in (self.overwrite, self.cancel):
            button.layout.display = "" if on else "none"
        if not on:
            self._pending = None

    def _on_save(self, _button=None) -> Path | None:
        """Save the current what-if under the name and title typed in; the message says where or why not.

        When a scenario of that name is already saved nothing is written: the message asks, and the
        "覆盖同名情景" button (:meth:`_on_overwrite`) replaces it, "不覆盖" (or another name) keeps it.
        """
        self._asking(False)
        try:
            name = check_scenario_name(self.scenario_name.value)
            title = self.scenario_title.value.strip()
            if len(title) < 2:
                raise ParameterError("情景标题", title, "至少 2 个字的中文标题")
            scenario = self.current_scenario(name, title)
            if name in list_scenarios(self.scenarios_dir):
                problems = check_scenario(scenario, self.registry)
                if problems:
                    raise ScenarioError(f"情景 {name} 无法保存，有 {len(problems)} 处问题：", problems)
                self._pending = scenario
                self._asking(True)
                self._say(f"已有同名情景 {name}（targets/scenarios/{name}.yaml）。点“覆盖同名情景”用当前调整替换它，"
                          "点“不覆盖”或改用其他名称保留原情景。", "tz-explore-ask", "是否覆盖")
                return None
            return self._write(scenario)
        except TaizhangError as exc:
            self._say(exc.message, "tz-explore-error", "保存失败")
            return None

    def _on_overwrite(self, _button=None) -> Path | None:
        """Replace the saved scenario the last save asked about (nothing to do when none is pending)."""
        scenario = self._pending
        self._asking(False)
        if scenario is None:
            return None
        try:
            return self._write(scenario)
        except TaizhangError as exc:
            self._say(exc.message, "tz-explore-error", "保存失败")
            return None

    def _on_cancel(self, _button=None) -> None:
        self._asking(False)
        self._say("未覆盖：原情景保留不变。", "tz-explore-ok")

    def _on_name(self, change) -> None:
        if self._pending is not None and change["new"].strip() != self._pending.name:
            self._asking(False)
            self._say("")

    def _write(self, scenario: Scenario) -> Path:
        path = save_scenario(scenario, self.registry, self.scenarios_dir)
        self._say(f"已保存情景 {scenario.name}：{path}。渲染报告：taizhang run --plan {scenario.plan} "
                  f"--scenario {scenario.name}", "tz-explore-ok")
        return path

    # -------------------------------------------------------------------------------------------- refresh
    def refresh(self) -> View | None:
        """Recompute the view from the widgets' state and redraw every output in place."""
        from IPython.display import HTML, Image

        try:
            view = build_view(self.registry, self.returns, self.current_scenario(), self.period.value,
                              tuple(self.units.value), self.metric.value)
        except TaizhangError as exc:
            self._say(exc.message, "tz-explore-error")
            return None
        self.view = view
        if self._error_shown:
            self._say("")
        listed = (Notice("本视图按以下调整计算：", "notice", css="tz-explore-list", items=view.overrides) if view.overrides
                  else Notice("（无调整，按方案原文目标评估）"))
        self._show(self.overrides_out, HTML(listed.data))
        self._show(self.counts_out, HTML(self.counts_html()))
        self._show(self.ledger_out, HTML(self.ledger_html()))
        if self.charts_enabled:
            png = self.chart_png()
            self._show(self.chart_out, Image(data=png) if png else HTML(Notice("所选范围没有可绘制的量化指标。").data))
        return view

    @staticmethod
    def _show(out, obj) -> None:
        out.outputs = ()
        out.append_display_data(obj)

    def counts_html(self) -> str:
        """The status tiles of the current selection, under the data it rests on (the sample mark on sample
        data)."""
        from .ledger import summary_tiles

        v = self.view
        scope = (f"截至 {v.period} 月末 · " + ("、".join(self.units.label or ()) or "全部单位") + " · "
                 + (self.metric.label or "全部指标") + " · 数据：" + self.source.label)
        mark = None
        if self.source.sample_files(self.returns):
            mark = Notice("本视图的数据是样例数据，不是各单位的真实报送；真实数据请先用 taizhang ingest 导入，"
                          "再以 store 参数读取数据库。", "notice", SAMPLE_MARK, "tz-sample")
        return Blocks.of(mark, Notice(scope), summary_tiles(v.selected)).data

    def ledger_html(self) -> str:
        """The per-unit ledger tables (quantitative and recurring targets) of the current selection."""
        from .ledger import ledger_spec

        v = self.view
        shown = set(v.selected["unit"])
        parts = [part for unit in self.registry.unit_list(self.plan.value) if unit.id in shown
                 for part in (Heading(unit.name, 4), ledger_spec(v.selected, unit.id))]
        return Blocks.of(*parts).data if parts else Notice("所选范围没有台账条目。").data

    def chart_png(self) -> bytes | None:
        """The trend chart of the selected (or first charted) metric for the selected units, as PNG."""
        from .charts import figure_png, trend_chart
        from .evaluate import metric_values

        v = self.view
        if v.chart_metric is None:
            return None
        values = metric_values(self.registry, self.plan.value, self.returns.observations)
        fig = trend_chart(apply_scenario(self.registry, v.scenario), self.plan.value, v.chart_metric, values,
                          v.selected, v.period)
        return figure_png(fig)


def data_periods(returns: ReturnSet) -> list[str]:
    """The months the month picker offers: every month with accepted data, oldest first (the last is
    :func:`taizhang.report.latest_period`)."""
    return sorted(set(returns.observations["period"]) | set(returns.files["period"]))


__all__ = ["EXPLORE_PARAMETERS", "Explorer", "View", "build_view", "check_explore_parameters", "parse_units",
           "plan_metrics", "plan_returns", "data_periods", "data_source"]
