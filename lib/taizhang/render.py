"""Executing report notebooks with papermill and converting them to a self-contained HTML page.

The HTML page holds no code, no parameters cell and no external URL (nbconvert's stock ``lab`` template
loads require.js and MathJax from a CDN, so we use the ``basic`` body and our own page around it); charts are
embedded as data URIs, so the page works on an intranet machine with the network off.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import RenderError
from .project import notebooks_dir, project_root, reports_dir
from .report import check_period, check_plan

REMOVE_TAGS = ("parameters", "injected-parameters", "setup")


@dataclass(frozen=True)
class RenderedReport:
    """Paths written by one report run."""

    notebook: Path
    html: Path


def safe_output_dir(base: Path, *parts: str) -> Path:
    """``base/part/...`` resolved, refusing any part that would leave ``base`` (.., separators, absolute)."""
    base = Path(base).resolve()
    for part in parts:
        if not part or part in (".", "..") or re.search(r"[\\/\x00]", part) or Path(part).is_absolute():
            raise RenderError(f"输出路径片段“{part}”不安全：不能包含路径分隔符或“..”。")
    out = base.joinpath(*parts).resolve()
    if base != out and base not in out.parents:
        raise RenderError(f"输出路径 {out} 不在输出目录 {base} 之内。")
    return out


def execute(notebook: str, parameters: dict, output: Path, kernel_name: str | None = None) -> Path:
    """Run ``notebooks/<notebook>.ipynb`` with papermill, writing the executed copy to ``output``.

    A failing cell raises :class:`RenderError` carrying the notebook's own (Chinese) error message.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    source = notebooks_dir() / f"{notebook}.ipynb"
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(str(source), str(output), parameters=parameters, cwd=str(project_root()),
                            kernel_name=kernel_name, progress_bar=False, log_output=False)
    except PapermillExecutionError as exc:
        raise RenderError(f"执行 {source.name} 失败（第 {exc.exec_count} 个单元格）：{exc.ename}: {exc.evalue}") from None
    return output


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<main class="tz-page">
{body}
</main>
</body>
</html>
"""


def _css() -> str:
    return (Path(__file__).with_name("templates") / "report.css").read_text(encoding="utf-8")


def to_html(executed: Path, output: Path, title: str) -> Path:
    """Convert an executed notebook to a self-contained HTML page without code or parameter cells."""
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=config, template_name="basic")
    nb = nbformat.read(str(executed), as_version=4)
    body, _ = exporter.from_notebook_node(nb)
    from .fonts import embedded_font_css

    text = re.sub(r"data:[^\"']+", "", body)  # characters actually shown, not the embedded images
    css = embedded_font_css(text + title) + "\n" + _css()
    page = _PAGE.format(title=html.escape(title), css=css, body=body)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(output)
    return output


def render_monthly(plan: str, period: str, inputs: str | Path | None = None, out: Path | None = None,
                   kernel_name: str | None = None) -> RenderedReport:
    """Run the monthly ledger notebook for ``plan`` at ``period`` and write notebook + HTML.

    Output goes to ``<out>/<plan>/<period>/`` (default ``reports/``): ``monthly_ledger.ipynb`` (executed,
    kept for audit) and ``<plan>_<period>_台账.html``.
    """
    plan = check_plan(plan)
    period = check_period(period)
    folder = safe_output_dir(Path(out) if out else reports_dir(), plan, period)
    params = {"plan": plan, "period": period, "inputs": str(inputs or "")}
    executed = execute("monthly_ledger", params, folder / "monthly_ledger.ipynb", kernel_name=kernel_name)
    from .targets import load_registry

    doc = load_registry().plan(plan).document
    page = to_html(executed, folder / f"{plan}_{period}_台账.html", title=f"{doc} · {period} 目标进展台账")
    return RenderedReport(notebook=executed, html=page)
