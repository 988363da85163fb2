"""Write notebooks/explore.ipynb (no outputs). Run: python tools/make_explore_notebook.py

The explore notebook is generated so that its cells, tags and metadata stay uniform; edit here, not in
Jupyter. All logic lives in taizhang.explore; the notebook only sets parameters and shows the view.
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


def explore():
    cells = [
        new_markdown_cell(
            "# 目标台账 · 交互探索与情景推演\n\n"
            "运行全部单元格（菜单“运行 → 运行全部单元格”）后，在下方的控件中选择方案、单位、指标和统计月份，"
            "或修改某项目标的目标值、完成期限和评估方法参数：状态统计、台账和走势图会即时更新。"
            "调整满意后填写情景名称和标题，点“另存为情景”（已有同名情景时会先询问是否覆盖），即可用 "
            "`taizhang run --plan <方案> --scenario <情景名称>` 渲染带情景说明的报告。\n\n"
            "读真实数据：先 `taizhang ingest` 导入报表，再以参数 `store` 指定数据库，例如 "
            "`papermill notebooks/explore.ipynb out.ipynb -p plan baotou -p store inputs/taizhang.sqlite`。\n\n"
            "本笔记本不含评估逻辑，全部计算由 `taizhang.explore` 调用程序库完成。"),
        code('# 参数（papermill 可用 -p 覆盖）\n'
             'plan = "bayannur"  # 方案编号：targets/plans/ 中的方案（taizhang targets list 可查）\n'
             'period = ""  # 统计月份 YYYY-MM；留空为数据中最新的月份\n'
             'units = ""  # 单位编号或名称，多个用逗号分隔，例如 "linhe,五原县"；留空为全部单位\n'
             'metric = ""  # 指标编号（见 targets/metrics.yaml），例如 "one_window_rate"；留空为全部指标\n'
             'store = ""  # 数据库文件（taizhang ingest 写入的，例如 "inputs/taizhang.sqlite"）；与 inputs、sample 三选一\n'
             'inputs = ""  # 报表文件夹；与 store、sample 三选一\n'
             'sample = ""  # 填 "是" 使用样例数据；三项都留空时也使用样例数据，视图标注“样例数据，非真实报送”\n'
             'scenario = ""  # 从已保存的情景开始（targets/scenarios/ 中的名称）；留空为不使用', "parameters"),
        code('from taizhang.explore import Explorer, check_explore_parameters\n\n'
             '_params = check_explore_parameters(dict(globals()))  # 未知或错误的参数在此报错（中文说明）\n'
             'explorer = Explorer.build(**_params)', "setup"),
        new_markdown_cell("## 交互视图"),
        code("explorer.ui", "nbval-ignore-output"),
        new_markdown_cell("## 当前视图摘要\n\n运行时的状态统计（不含控件，便于存档与核对）。"),
        code("from IPython.display import HTML\n\nHTML(explorer.counts_html())"),
    ]
    return new_notebook(cells=cells, metadata=KERNEL)


if __name__ == "__main__":
    out = ROOT / "notebooks" / "explore.ipynb"
    nb = explore()
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    nbformat.write(nb, out)
    print(out)
