"""What the report notebooks call: parameter checks and the report's sections as displayable HTML.

A notebook only sets parameters and calls :meth:`MonthlyReport.build` and the section methods; no logic
lives in the notebook. Every section returns an ``IPython.display.HTML`` object (or displays figures).
"""

from __future__ import annotations

import html
import types
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .errors import ParameterError
from .evaluate import evaluate, metric_values
from .project import PLAN_IDS, code_version, inputs_dir, project_root
from .returns import PERIOD_RE, ReturnSet, load_returns
from .targets import Plan, Registry, load_registry

e = html.escape

#: parameters each notebook accepts, with their Chinese description
NOTEBOOK_PARAMETERS = {
    "monthly_ledger": {
        "plan": "方案编号",
        "period": "统计月份（YYYY-MM）",
        "inputs": "报表文件夹（留空为样例数据）",
    },
}

_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}


def check_parameters(namespace: dict, notebook: str) -> dict:
    """Fail with a Chinese message when a notebook namespace holds a parameter the notebook does not know.

    papermill only warns about unknown parameters; this makes them an error in the notebook's first cell.
    Returns the known parameters and their values.
    """
    allowed = NOTEBOOK_PARAMETERS[notebook]
    for name, value in namespace.items():
        if name.startswith("_") or name in _IPYTHON_NAMES or isinstance(value, types.ModuleType) or callable(value):
            continue
        if name not in allowed:
            raise ParameterError(name, value, "已知参数 " + "、".join(f"{k}（{v}）" for k, v in allowed.items()))
    return {k: namespace.get(k) for k in allowed}


def check_plan(plan: str) -> str:
    if plan not in PLAN_IDS:
        raise ParameterError("plan", plan, "、".join(PLAN_IDS))
    return plan


def check_period(period: str) -> str:
    text = str(period).strip()
    if not PERIOD_RE.match(text):
        raise ParameterError("period", period, "YYYY-MM 格式的月份，例如 2024-06")
    return text


def default_inputs(plan: str) -> Path:
    """Where the bundled sample returns of a plan live."""
    return inputs_dir() / "sample" / plan


@dataclass
class MonthlyReport:
    """Everything the monthly ledger notebook shows, computed once."""

    registry: Registry
    plan: Plan
    period: str
    inputs: Path
    returns: ReturnSet
    ledger: pd.DataFrame
    values: pd.DataFrame
    parameters: dict = field(default_factory=dict)

    @classmethod
    def build(cls, plan: str, period: str, inputs: str | Path | None = None, parameters: dict | None = None,
              ) -> "MonthlyReport":
        """Check the parameters, read the returns, evaluate every unit × target at ``period``."""
        plan = check_plan(plan)
        period = check_period(period)
        registry = load_registry()
        folder = Path(inputs) if inputs else default_inputs(plan)
        if not folder.exists():
            raise ParameterError("inputs", str(folder), "存在的报表文件夹（样例数据可用 `taizhang sample` 生成）")
        returns = load_returns([folder], registry, plan)
        ledger = evaluate(registry, plan, returns, period)
        values = metric_values(registry, plan, returns.observations)
        return cls(registry=registry, plan=registry.plan(plan), period=period, inputs=folder, returns=returns,
                   ledger=ledger, values=values,
                   parameters=parameters or {"plan": plan, "period": period, "inputs": str(inputs or "")})

    # ----------------------------------------------------------------------------------------------- sections
    def header(self):
        from IPython.display import HTML

        p = self.plan
        return HTML(
            f'<div class="tz-header"><h1>{e(p.document)}</h1>'
            f'<p class="tz-sub">目标进展台账 · 截至 {e(self.period)} 月末 · 发文单位：{e(p.issuer)}（{p.issued}）</p></div>'
        )

    def summary(self):
        from IPython.display import HTML

        from .ledger import summary_html

        return HTML(summary_html(self.ledger))

    def overdue(self):
        from IPython.display import HTML

        from .ledger import overdue_html

        return HTML(overdue_html(self.ledger))

    def charts(self) -> None:
        """Display one trend chart per charted metric."""
        from IPython.display import Image, display

        from .charts import chart_metrics, figure_png, trend_chart

        for metric in chart_metrics(self.registry, self.plan.plan):
            fig = trend_chart(self.registry, self.plan.plan, metric, self.values, self.ledger, self.period)
            display(Image(data=figure_png(fig)))

    def unit_ledgers(self):
        from IPython.display import HTML

        from .ledger import ledger_html

        parts = []
        for unit in self.registry.unit_list(self.plan.plan):
            parts.append(f'<h3 class="tz-unit">{e(unit.name)}</h3>{ledger_html(self.ledger, unit.id)}')
        return HTML("".join(parts))

    def milestones(self):
        from IPython.display import HTML

        from .ledger import milestone_html, overdue_tasks_html

        return HTML(milestone_html(self.ledger) + "<h3>逾期未完成的节点任务</h3>" + overdue_tasks_html(self.ledger))

    def data_notes(self):
        from IPython.display import HTML

        from .ledger import rejected_html

        received = len(self.returns.files)
        return HTML(f'<p class="tz-note">读取报表文件夹 <code>{e(self._rel(self.inputs))}</code>：'
                    f"接收 {received} 份，退回 {len(self.returns.rejected)} 份。</p>" + rejected_html(self.returns.rejected))

    def footer(self, generated: datetime | None = None):
        from IPython.display import HTML

        from .ledger import sources_html

        generated = generated or datetime.now(timezone.utc).astimezone()
        params = "，".join(f"{e(k)} = {e(repr(v))}" for k, v in self.parameters.items())
        return HTML(
            '<div class="tz-footer"><h3>数据来源与版本</h3>'
            f"<p>参数：{params}</p>"
            f"<p>目标登记册版本：<code>{e(self.registry.version)}</code>（targets/，方案原文 {e(self.plan.source)}）</p>"
            f"<p>程序版本：<code>{e(code_version())}</code></p>"
            f"<p>生成时间：{e(generated.strftime('%Y-%m-%d %H:%M:%S %Z'))}</p>"
            f"<details><summary>报表文件清单（{len(self.returns.files)} 份，含 SHA-256）</summary>"
            f"{sources_html(self.returns.files)}</details></div>"
        )

    @staticmethod
    def _rel(path: Path) -> str:
        try:
            return str(Path(path).resolve().relative_to(project_root()))
        except ValueError:
            return str(path)
