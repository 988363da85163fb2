"""Write the committed report notebooks (no outputs). Run: python tools/make_notebooks.py

The notebooks are generated so that their cells, tags and metadata stay uniform; edit here, not in Jupyter.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}


def code(src, *tags):
    cell = new_code_cell(src)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def monthly_ledger():
    cells = [
        code('# 参数（papermill 可用 -p 覆盖；taizhang run 会自动填写）\n'
             'plan = "bayannur"  # 方案编号：bayannur baotou urad-middle yinchuan artux\n'
             'period = "2025-12"  # 统计月份 YYYY-MM：台账截至该月月末\n'
             'inputs = ""  # 报表文件夹；留空则使用样例数据 inputs/sample/<plan>', "parameters"),
        code('from taizhang.report import MonthlyReport, check_parameters\n\n'
             '_params = check_parameters(dict(globals()), "monthly_ledger")  # 未知或错误的参数在此报错\n'
             'report = MonthlyReport.build(parameters=_params, **_params)', "setup"),
        code("report.header()"),
        new_markdown_cell("## 一、总体情况\n\n各单位各项目标的状态统计（单位 × 目标）。"),
        code("report.summary()"),
        new_markdown_cell("### 逾期未达标的量化指标"),
        code("report.overdue()"),
        new_markdown_cell("## 二、主要指标走势\n\n每个指标一张图：各单位逐月数值，红色虚线为目标值，灰色点线为完成期限，蓝色竖线为统计月份。"),
        code("report.charts()", "nbval-ignore-output"),
        new_markdown_cell("## 三、分单位台账（量化指标）"),
        code("report.unit_ledgers()"),
        new_markdown_cell("## 四、节点任务完成情况\n\n按单位统计各节点任务的完成状态。"),
        code("report.milestones()"),
        new_markdown_cell("## 五、数据说明"),
        code("report.data_notes()"),
        code("report.footer()", "nbval-ignore-output"),
    ]
    nb = new_notebook(cells=cells, metadata=KERNEL)
    return nb


if __name__ == "__main__":
    out = ROOT / "notebooks" / "monthly_ledger.ipynb"
    nb = monthly_ledger()
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    nbformat.write(nb, out)
    print(out)
