"""The registry of report specifications: one :class:`ReportSpec` per report, everything else derives from it.

A spec names the report (``monthly_ledger``), its CLI key (``--report monthly``), its Chinese titles, its
parameters with their Chinese help, its sections (the notebook cells, in order), its output formats, folder
and file names and the title shown in the index. From this table:

* ``tools/make_notebooks.py`` writes ``notebooks/<name>.ipynb`` (parameters cell, setup cell, one cell per
  section);
* :func:`taizhang.report.check_parameters` checks a notebook's parameters;
* ``taizhang run --report`` takes its choices and help;
* :class:`taizhang.render.Job` takes its output folder, file stem, title and formats.

The district report is the monthly spec in unit scope (:data:`DISTRICT` is built from :data:`MONTHLY`): the
same builder (:class:`taizhang.report.MonthlyReport`) with a ``unit``. This module is data only: it imports
nothing of the package.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    """A report parameter: its name, the Chinese help of error messages, the notebook default and comment.

    ``check`` names the check :func:`taizhang.report.check_parameters` applies (``plan``, ``period``,
    ``unit``, ``metric``, ``path``, ``xlsx`` or ``text``).
    """

    name: str
    help: str
    default: str = ""
    comment: str = ""
    check: str = "text"

    def notebook_line(self) -> str:
        """The line of the notebook's parameters cell (``name = "default"  # comment``)."""
        return f"{self.name} = {json.dumps(self.default, ensure_ascii=False)}  # {self.comment or self.help}"


@dataclass(frozen=True)
class Section:
    """One section of a report: an optional markdown heading (level, title, note) and the call that shows it.

    ``call`` is a method of the report object (``summary``), ``args`` its literal arguments; ``volatile``
    sections (timestamps, images) are not compared by nbval.
    """

    call: str
    title: str = ""
    note: str = ""
    level: int = 2
    args: tuple = ()
    volatile: bool = False

    def markdown(self) -> str:
        return "#" * self.level + " " + self.title + (f"\n\n{self.note}" if self.note else "")

    def code(self) -> str:
        return f"report.{self.call}({', '.join(json.dumps(a, ensure_ascii=False) for a in self.args)})"


@dataclass(frozen=True)
class ReportSpec:
    """A report: identity, titles, parameters, sections, formats and output names.

    ``folder`` and ``stem`` are ``str.format`` patterns over the job's fields (``plan``, ``period``,
    ``metric``, ``unit_label``); ``index_title`` also sees ``document``, ``unit_name`` and ``metric_name``.
    """

    name: str
    cli: str
    cli_help: str
    title: str
    file_title: str
    builder: str
    parameters: tuple[Parameter, ...]
    sections: tuple[Section, ...]
    formats: tuple[str, ...]
    folder: tuple[str, ...]
    stem: str
    index_title: str
    scope: str = "plan"

    @property
    def parameter_help(self) -> dict[str, str]:
        """Each parameter's name → Chinese help, in order."""
        return {p.name: p.help for p in self.parameters}

    @property
    def excel(self) -> bool:
        return "xlsx" in self.formats

    def with_parameter(self, parameter: Parameter, after: str) -> tuple[Parameter, ...]:
        out = []
        for p in self.parameters:
            out.append(p)
            if p.name == after:
                out.append(parameter)
        return tuple(out)


_PERIOD_HELP = "统计月份（YYYY-MM；留空为数据中最新的月份）"
PLAN = Parameter("plan", "方案编号", "bayannur", "方案编号：targets/plans/ 中的方案（taizhang targets list 可查）", "plan")
PERIOD = Parameter("period", _PERIOD_HELP, "", "统计月份 YYYY-MM（台账截至该月月末）；留空则取数据中最新的月份", "period")
UNIT = Parameter("unit", "单位（编号或名称）", "linhe",
                 "单位：编号或名称（例如 linhe 或 临河区），须是该方案单位清单中的单位", "unit")
INPUTS = Parameter("inputs", "报表文件夹（与 store、sample 三选一）", "",
                   "报表文件夹；与 store、sample 三选一（taizhang run 默认读 inputs/taizhang.sqlite）", "path")
STORE = Parameter("store", "数据库文件（taizhang 数据库；填写后不读报表文件夹）", "",
                  "数据库文件（taizhang 数据库）；填写后从数据库读取，不读报表文件夹", "path")
EXCEL = Parameter("excel", "Excel 台账输出路径（留空则不写）", "", "若填写（以 .xlsx 结尾的路径），同时写出 Excel 台账", "xlsx")
SCENARIO = Parameter("scenario", "情景名称（targets/scenarios/<名称>.yaml；留空为实际口径）", "",
                     "情景名称（targets/scenarios/<名称>.yaml）；留空为实际口径，填写后首页列出全部调整")
# no "=" in this comment: papermill's parameter parser would take the line for two assignments
ASSUME = Parameter("assume", "假定期限（目标编号=YYYY-MM-DD，多个用分号分隔；报告中标注为假定期限）", "",
                   "假定期限：每项依次写目标编号、一个半角等号、日期 YYYY-MM-DD（例如 bayannur.4-3.work-ledger 后接等号再接 "
                   "2024-12-31），多项之间用分号分隔；只用于原文未规定期限的目标")
SAMPLE = Parameter("sample", "使用样例数据（填 是；报告每页标注“样例数据，非真实报送”）", "",
                   "填 是 则使用样例数据（每页标注“样例数据，非真实报送”）；留空读 inputs/taizhang.sqlite 等真实数据", "flag")
FORCE = Parameter("force", "强制生成晚于数据或晚于当月的月份（填 是；首页标注）", "",
                  "填 是 则统计月份晚于最新数据或晚于当月时仍生成报告（首页标注）；留空则拒绝", "flag")
DOCX = Parameter("docx", "Word 通报输出路径（留空则不写）", "", "若填写（以 .docx 结尾的路径），同时写出 Word 通报", "docx")
METRIC = Parameter("metric", "指标（编号或中文名，例如 one_window_rate 或 一窗受理率）", "one_window_rate",
                   "指标编号或中文名（例如 one_window_rate 或 一窗受理率）", "metric")


def _overview(note: str = "") -> tuple[Section, ...]:
    """Section 一 of the monthly and the district report: status counts, changes, overdue, due soon."""
    return (Section("summary", "一、总体情况", note), Section("changes", "与上月相比", level=3),
            Section("overdue", "逾期未达标的量化指标", level=3), Section("due_soon", "临期预警", level=3))


MONTHLY = ReportSpec(
    name="monthly_ledger", cli="monthly", cli_help="月度台账（默认）", title="目标进展台账", file_title="台账",
    builder="MonthlyReport",
    parameters=(PLAN, PERIOD, INPUTS, STORE, SAMPLE, FORCE, EXCEL, DOCX, SCENARIO, ASSUME),
    sections=(
        Section("header"),
        Section("brief", "本月简报", level=3),
        *_overview("各单位各项指标与任务的状态统计（每个单位的每项指标或任务计 1 项，不含不适用项）。"),
        Section("heatmap", "各单位量化指标状态一览", "每格为一个单位的一项目标，颜色与符号表示状态（黑白打印时看符号）。", level=3),
        Section("metrics", "二、主要指标走势与排名", "每个指标一张图：各单位逐月数值，红色虚线为目标值，灰色点线为完成期限，"
                "蓝色竖线为统计月份；右侧为按最新值的排名。", volatile=True),
        Section("unit_ledgers", "三、分单位台账（量化指标）",
                "目标、方案原文、期限（有两个期限时均列出，按较早者评估）、最新值、差距、状态、说明与牵头单位。"),
        Section("milestones", "四、节点任务完成情况", "按单位统计各节点任务的完成状态。"),
        Section("supervision", "五、督办情况", "台账发现的问题立项督办、跟踪整改、销号的情况（督办数据库，"
                "与督办汇总表、taizhang supervise list 同源）。"),
        Section("data_notes", "六、数据说明"),
        Section("footer", volatile=True),
    ),
    formats=("html", "pdf", "xlsx", "docx"), folder=("{plan}", "{period}"), stem="{plan}_{period}_台账{mark}",
    index_title="{document} · {period} 目标进展台账{title_mark}",
)

#: the monthly spec in unit scope: same builder and parameters plus ``unit``, the unit's sections
DISTRICT = dataclasses.replace(
    MONTHLY, name="district_report", cli="district", cli_help="单位台账", title="单位台账", file_title="单位台账",
    scope="unit", parameters=MONTHLY.with_parameter(UNIT, after="plan"),
    sections=(
        Section("header"),
        *_overview(),
        Section("metrics", "二、指标走势与名次", "深蓝粗线为本单位，灰色细线为本方案其他单位；红色虚线为目标值，灰色点线为完成期限。",
                volatile=True),
        Section("ledger_table", "三、量化指标台账"),
        Section("tasks", "四、节点任务", "未完成的节点任务逐项列出，最需关注的在前；已完成的只计数。"),
        Section("supervision", "五、本单位督办事项", "本单位未销号和本月销号的督办事项，每项列出问题、最近报送的整改情况和全部记录。"),
        Section("footer", volatile=True),
    ),
    formats=("html", "pdf", "xlsx"), folder=("{plan}", "{period}", "units", "{unit_label}"), stem="{unit_label}_{period}_单位台账{mark}",
    index_title="{unit_name} · {period} 单位台账（{document}）{title_mark}",
)

#: the one-page brief: the monthly ledger's first page on its own (same builder, the brief's sections)
BRIEF = dataclasses.replace(
    MONTHLY, name="monthly_brief", cli="brief", cli_help="一页简报", title="一页简报", file_title="简报",
    parameters=(PLAN, PERIOD, INPUTS, STORE, SAMPLE, FORCE, DOCX, SCENARIO, ASSUME),
    sections=(Section("brief_header"), Section("brief"), Section("footer_line", volatile=True)),
    formats=("html", "pdf", "docx"), stem="{plan}_{period}_简报{mark}", index_title="{document} · {period} 一页简报{title_mark}",
)

QUALITY = ReportSpec(
    name="data_quality", cli="quality", cli_help="数据质量", title="数据质量报告", file_title="数据质量",
    builder="QualityReport", parameters=(PLAN, PERIOD, INPUTS, STORE, SAMPLE),
    sections=(
        Section("header"),
        Section("summary", "一、本月报送情况"),
        Section("matrix", "二、近 12 个月报送情况", "✓ 按时收到并通过校验；迟 逾期报送；重 退回后已重报；！ 被退回、未重报；✕ 未收到。"),
        Section("rejected", "三、被退回的报表及原因", "每份被退回的报表列出全部问题（文件、工作表、单元格，应为什么、实际是什么）。"),
        Section("store_checks", "四、数据库校验记录"),
        Section("footer", volatile=True),
    ),
    formats=("html", "pdf"), folder=("{plan}", "{period}"), stem="{plan}_{period}_数据质量{mark}",
    index_title="{document} · {period} 数据质量报告{title_mark}",
)

CATALOGUE = ReportSpec(
    name="target_catalogue", cli="catalogue", cli_help="目标清单", title="目标清单", file_title="目标清单",
    builder="CatalogueReport",
    parameters=(PLAN, dataclasses.replace(EXCEL, help="Excel 目标清单输出路径（留空则不写）")),
    sections=(
        Section("header"),
        Section("summary", "一、概况"),
        Section("targets", "二、量化指标", args=("quantitative",)),
        Section("targets", "三、常态化任务", args=("recurring",)),
        Section("targets", "四、节点任务", args=("milestone",)),
        Section("footer", volatile=True),
    ),
    formats=("html", "pdf", "xlsx"), folder=("{plan}", "catalogue"), stem="{plan}_目标清单",
    index_title="{document} · 目标清单", scope="plan",
)

COMPARISON = ReportSpec(
    name="plan_comparison", cli="comparison", cli_help="跨方案指标对比", title="跨方案指标对比", file_title="跨方案对比",
    builder="ComparisonReport", parameters=(METRIC,),
    sections=(
        Section("header"),
        Section("detail", "一、各方案的目标", "每个方案按各自原文的目标值、适用层级和期限列出。"),
        Section("overview", "二、多个方案共有的指标一览", "每格为该方案的目标值（括号内为期限）；本报告所选指标加底色。"),
        Section("footer", volatile=True),
    ),
    formats=("html", "pdf"), folder=("comparison", "{metric}"), stem="{metric}_跨方案对比",
    index_title="{metric_name} · 跨方案指标对比", scope="metric",
)

#: every report, by name (the notebook's file name), in the order of the CLI's choices
SPECS: dict[str, ReportSpec] = {s.name: s for s in (MONTHLY, BRIEF, DISTRICT, QUALITY, CATALOGUE, COMPARISON)}
#: the CLI key (``--report monthly``) of every report
BY_CLI: dict[str, ReportSpec] = {s.cli: s for s in SPECS.values()}


def output_marks(sample: bool) -> dict[str, str]:
    """The fields ``{mark}`` (file stem) and ``{title_mark}`` (title, index) of a report on sample data."""
    return {"mark": "_样例数据" if sample else "", "title_mark": "（样例数据，非真实报送）" if sample else ""}


def spec(name: str) -> ReportSpec:
    """The spec of report ``name`` (notebook name or CLI key); a KeyError naming the known ones otherwise."""
    found = SPECS.get(name) or BY_CLI.get(name)
    if found is None:
        raise KeyError(f"unknown report {name!r}; known: {', '.join(SPECS)}")
    return found


def cli_help() -> str:
    """The help text of ``taizhang run --report``."""
    return "报告类别：" + "、".join(f"{s.cli} {s.cli_help}" for s in SPECS.values())
