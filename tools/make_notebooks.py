"""Write the committed report notebooks (no outputs). Run: python tools/make_notebooks.py

The notebooks are generated so that their cells, tags and metadata stay uniform; edit here, not in Jupyter.
Each notebook has exactly one cell tagged ``parameters`` (every parameter documented), then a ``setup``
cell that checks the parameters (a wrong one fails there with a Chinese message) and builds the report;
the other cells only call the report's section methods. Cells whose output carries a timestamp or an
image are tagged ``nbval-ignore-output``.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}
IGNORE = "nbval-ignore-output"

PARAMS = {
    "plan": 'plan = "bayannur"  # 方案编号：targets/plans/ 中的方案（taizhang targets list 可查）',
    "period": 'period = ""  # 统计月份 YYYY-MM（台账截至该月月末）；留空则取数据中最新的月份',
    "unit": 'unit = "linhe"  # 单位：编号或名称（例如 linhe 或 临河区），须是该方案单位清单中的单位',
    "inputs": 'inputs = ""  # 报表文件夹；留空则使用样例数据 inputs/sample/<plan>',
    "store": 'store = ""  # 数据库文件（taizhang 数据库）；填写后从数据库读取，不读报表文件夹',
    "excel": 'excel = ""  # 若填写（以 .xlsx 结尾的路径），同时写出 Excel 台账',
    "scenario": 'scenario = ""  # 情景名称（targets/scenarios/<名称>.yaml）；留空为实际口径，填写后首页列出全部调整',
    # no "=" in this comment: papermill's parameter parser would take the line for two assignments
    "assume": ('assume = ""  # 假定期限：每项依次写目标编号、一个半角等号、日期 YYYY-MM-DD（例如 '
               'bayannur.4-3.work-ledger 后接等号再接 2024-12-31），多项之间用分号分隔；只用于原文未规定期限的目标'),
    "metric": 'metric = "one_window_rate"  # 指标编号或中文名（例如 one_window_rate 或 一窗受理率）',
}


def code(src, *tags):
    cell = new_code_cell(src)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def md(text):
    return new_markdown_cell(text)


def head(name, cls, params):
    lines = ["# 参数（papermill 可用 -p 覆盖；taizhang run 会自动填写）"] + [PARAMS[p] for p in params]
    return [
        code("\n".join(lines), "parameters"),
        code(f"from taizhang.report import {cls}, check_parameters\n\n"
             f'_params = check_parameters(dict(globals()), "{name}")  # 未知或错误的参数在此报错（中文说明）\n'
             f"report = {cls}.build(parameters=_params, **_params)", "setup"),
    ]


def overview(note: str = "") -> list:
    """Section 一 of the monthly and the district report: status counts, changes, overdue, due soon."""
    return [
        md("## 一、总体情况" + note),
        code("report.summary()"),
        md("### 与上月相比"),
        code("report.changes()"),
        md("### 逾期未达标的量化指标"),
        code("report.overdue()"),
        md("### 临期预警"),
        code("report.due_soon()"),
    ]


def monthly_ledger():
    return head("monthly_ledger", "MonthlyReport", ["plan", "period", "inputs", "store", "excel", "scenario", "assume"]) + [
        code("report.header()"),
        *overview("\n\n各单位各项目标的状态统计（单位 × 目标，不含不适用项）。"),
        md("### 各单位量化指标状态一览\n\n每格为一个单位的一项目标，颜色与符号表示状态（黑白打印时看符号）。"),
        code("report.heatmap()"),
        md("## 二、主要指标走势与排名\n\n每个指标一张图：各单位逐月数值，红色虚线为目标值，灰色点线为完成期限，蓝色竖线为统计月份；"
           "右侧为按最新值的排名。"),
        code("report.metrics()", IGNORE),
        md("## 三、分单位台账（量化指标）\n\n目标、方案原文、期限（有两个期限时均列出，按较早者评估）、最新值、差距、状态、说明与牵头单位。"),
        code("report.unit_ledgers()"),
        md("## 四、节点任务完成情况\n\n按单位统计各节点任务的完成状态。"),
        code("report.milestones()"),
        md("## 五、数据说明"),
        code("report.data_notes()"),
        code("report.footer()", IGNORE),
    ]


def district_report():
    return head("district_report", "DistrictReport", ["plan", "unit", "period", "inputs", "store", "excel", "scenario", "assume"]) + [
        code("report.header()"),
        *overview(),
        md("## 二、指标走势与名次\n\n深蓝粗线为本单位，灰色细线为本方案其他单位；红色虚线为目标值，灰色点线为完成期限。"),
        code("report.metrics()", IGNORE),
        md("## 三、量化指标台账"),
        code("report.ledger_table()"),
        md("## 四、节点任务（全部）"),
        code("report.tasks()"),
        code("report.footer()", IGNORE),
    ]


def data_quality():
    return head("data_quality", "QualityReport", ["plan", "period", "inputs", "store"]) + [
        code("report.header()"),
        md("## 一、本月报送情况"),
        code("report.summary()"),
        md("## 二、近 12 个月报送情况\n\n✓ 已收到并通过校验；！ 被退回；✕ 未收到。"),
        code("report.matrix()"),
        md("## 三、被退回的报表及原因\n\n每份被退回的报表列出全部问题（文件、工作表、单元格，应为什么、实际是什么）。"),
        code("report.rejected()"),
        md("## 四、数据库校验记录"),
        code("report.store_checks()"),
        code("report.footer()", IGNORE),
    ]


def target_catalogue():
    return head("target_catalogue", "CatalogueReport", ["plan", "excel"]) + [
        code("report.header()"),
        md("## 一、概况"),
        code("report.summary()"),
        md("## 二、量化指标"),
        code('report.targets("quantitative")'),
        md("## 三、常态化任务"),
        code('report.targets("recurring")'),
        md("## 四、节点任务"),
        code('report.targets("milestone")'),
        code("report.footer()", IGNORE),
    ]


def plan_comparison():
    return head("plan_comparison", "ComparisonReport", ["metric"]) + [
        code("report.header()"),
        md("## 一、各方案的目标\n\n每个方案按各自原文的目标值、适用层级和期限列出。"),
        code("report.detail()"),
        md("## 二、多个方案共有的指标一览\n\n每格为该方案的目标值（括号内为期限）；本报告所选指标加底色。"),
        code("report.overview()"),
        code("report.footer()", IGNORE),
    ]


NOTEBOOKS = {"monthly_ledger": monthly_ledger, "district_report": district_report, "data_quality": data_quality,
             "target_catalogue": target_catalogue, "plan_comparison": plan_comparison}


def build(name: str):
    nb = new_notebook(cells=NOTEBOOKS[name](), metadata=KERNEL)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


if __name__ == "__main__":
    for name in NOTEBOOKS:
        out = ROOT / "notebooks" / f"{name}.ipynb"
        nbformat.write(build(name), out)
        print(out)
