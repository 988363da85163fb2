"""Write the committed report notebooks (no outputs) from the report specs. Run: python tools/make_notebooks.py

Every notebook is generated from its :class:`taizhang.reports.specs.ReportSpec` (parameters, sections), so that
its cells, tags and metadata stay uniform and in step with the parameter checks; edit the spec, not Jupyter.
Each notebook has exactly one cell tagged ``parameters`` (every parameter documented), then a ``setup``
cell that checks the parameters (a wrong one fails there with a Chinese message) and builds the report;
the other cells only call the report's section methods. Cells whose output carries a timestamp or an
image are tagged ``nbval-ignore-output``.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from taizhang.reports.specs import SPECS, ReportSpec

ROOT = Path(__file__).resolve().parents[1]
KERNEL = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}
IGNORE = "nbval-ignore-output"
#: the notebooks written (every report spec)
NOTEBOOKS = tuple(SPECS)


def code(src, *tags):
    cell = new_code_cell(src)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def cells(spec: ReportSpec) -> list:
    """The parameters cell, the setup cell and one (markdown heading +) code cell per section of ``spec``."""
    lines = ["# 参数（papermill 可用 -p 覆盖；taizhang run 会自动填写）"] + [p.notebook_line() for p in spec.parameters]
    cls = spec.builder
    out = [
        code("\n".join(lines), "parameters"),
        code(f"from taizhang.report import {cls}, check_parameters\n\n"
             f'_params = check_parameters(dict(globals()), "{spec.name}")  # 未知或错误的参数在此报错（中文说明）\n'
             f"report = {cls}.build(parameters=_params, **_params)", "setup"),
    ]
    for section in spec.sections:
        if section.title:
            out.append(new_markdown_cell(section.markdown()))
        out.append(code(section.code(), *([IGNORE] if section.volatile else [])))
    return out


def build(name: str):
    nb = new_notebook(cells=cells(SPECS[name]), metadata=KERNEL)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
    return nb


if __name__ == "__main__":
    for name in NOTEBOOKS:
        out = ROOT / "notebooks" / f"{name}.ipynb"
        nbformat.write(build(name), out)
        print(out)
