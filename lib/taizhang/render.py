"""Running report notebooks with papermill and turning them into HTML, PDF and Excel files.

Design (speed): one kernel serves every notebook of a run. :class:`KernelSession` starts it once and
hands it to ``papermill.execute_notebook(..., km=...)``; between notebooks the user namespace is reset
(``%reset -f``), so no variable leaks from one report into the next, while imported modules and their
content-keyed caches (registry, returns read from a folder) are kept. A run of 100 district reports thus
pays one kernel start and reads each plan's returns once. One headless Chromium (see
:mod:`taizhang.browser`) prints every PDF.

The HTML page holds no code, no parameters cell and no external URL (nbconvert's stock ``lab`` template
loads require.js and MathJax from a CDN, so we write the body from the cells ourselves, see
:func:`notebook_body`, and put our own page around it); charts
are inline SVG and the font is embedded, so the page works on an intranet machine with the network off.

Layout of ``reports/`` (every path goes through :func:`safe_output_dir`)::

    <plan>/<period>/monthly_ledger.ipynb  <plan>_<period>_台账.html|.pdf|.xlsx
    <plan>/<period>/data_quality.ipynb    <plan>_<period>_数据质量.html|.pdf
    <plan>/<period>/units/<单位名称>/     district_report.ipynb  <单位名称>_<period>_单位台账.html|.pdf|.xlsx
    <plan>/catalogue/                     target_catalogue.ipynb  <plan>_目标清单.html|.pdf|.xlsx
    comparison/<metric>/                  plan_comparison.ipynb  <metric>_跨方案对比.html|.pdf
    index.html                            every report by plan and month, newest month first (from the
                                          <stem>.report.json manifests; earlier versions in versions/)
    scenario and --assume runs go to a subfolder scenario-<name> / assume-<digest> of the real folder, with
    _情景推演… in the file names and （情景推演 …） in the titles
"""

from __future__ import annotations

import os
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from .atomic import atomic_write_text
from .errors import ParameterError, RenderError
from .project import notebooks_dir, project_root, reports_dir
from .report import check_period, check_plan
from .reports.specs import SPECS, output_marks

REMOVE_TAGS = ("parameters", "injected-parameters", "setup", "export")
FORMATS = ("html", "pdf", "xlsx", "docx")
#: ``taizhang run --report`` key → notebook name (from the report specs)
REPORTS = {s.cli: s.name for s in SPECS.values()}
#: each report's manifest is ``<stem>.report.json`` in its folder; earlier versions go to ``versions/``
MANIFEST_SUFFIX = ".report.json"
VERSIONS = "versions"


def safe_output_dir(base: Path, *parts: str) -> Path:
    """``base/part/...`` resolved, refusing any part that would leave ``base`` (.., separators, absolute)."""
    base = Path(base).resolve()
    for part in parts:
        if not part or part in (".", "..") or re.search(r"[\\/\x00:]", part) or Path(part).is_absolute():
            raise RenderError(f"输出路径片段“{part}”不安全：不能包含路径分隔符、冒号或“..”。")
    out = base.joinpath(*parts).resolve()
    if base != out and base not in out.parents:
        raise RenderError(f"输出路径 {out} 不在输出目录 {base} 之内。")
    return out


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(text: str, fallback: str) -> str:
    """``text`` usable as one file or folder name on Windows and POSIX (a unit's Chinese name).

    Control characters and the characters Windows forbids (``/ \\ : * ? " < > |``) become ``_``; dots, spaces
    and underscores at either end are dropped (no hidden file, no ``..``); the result is cut to 60 characters.
    When nothing is left, ``fallback`` (an id) is used. :func:`safe_output_dir` still guards the path.
    """
    name = _UNSAFE_NAME.sub("_", str(text)).strip(" ._")[:60].strip(" ._")
    return name or fallback


# ------------------------------------------------------------------------------------------- jobs
@dataclass(frozen=True)
class Job:
    """One report to render: which notebook and with which parameters."""

    notebook: str
    plan: str = ""
    period: str = ""
    unit: str = ""
    metric: str = ""
    inputs: str = ""
    store: str = ""
    scenario: str = ""
    assume: str = ""
    sample: str = ""  # "是": read the sample returns (the notebook's ``sample`` parameter)
    force: str = ""
    marked: bool = False  # the data are sample returns: file name and title carry the mark

    @property
    def spec(self):
        """The report's spec (:data:`taizhang.reports.specs.SPECS`)."""
        return SPECS[self.notebook]

    def what_if_tag(self) -> str:
        """The folder and file-name tag of a scenario or ``--assume`` run ("" for a real run): the scenario's
        name and/or a short digest of the assumed deadlines, so each set of assumptions has its own folder."""
        from .report import assume_digest

        tags = ([f"scenario-{safe_name(self.scenario, 'scenario')}"] if self.scenario else []) + \
            ([f"assume-{assume_digest(self.assume)}"] if self.assume else [])
        return "-".join(tags)

    def parts(self) -> tuple[str, ...]:
        """The output folder below the reports folder (a scenario run gets its own folder, never the real one)."""
        tag = self.what_if_tag()
        return self._parts() + ((tag,) if tag else ())

    def key(self) -> dict:
        """What identifies this report in the index: plan, month, report kind, unit, metric and scenario."""
        return {"plan": self.plan, "period": self.period, "report": self.notebook, "unit": self.unit,
                "metric": self.metric, "scenario": self.what_if_tag()}

    def _fields(self) -> dict:
        fields = {"plan": self.plan, "period": self.period, "metric": self.metric,
                  **output_marks(self.marked or bool(self.sample))}
        if "{unit_label}" in "".join(self.spec.folder) + self.spec.stem:
            fields["unit_label"] = self.unit_label()
        return fields

    def _parts(self) -> tuple[str, ...]:
        fields = self._fields()
        return tuple(part.format(**fields) for part in self.spec.folder)

    def unit_label(self) -> str:
        """The unit's Chinese name as the registry has it, made safe for a file name (:func:`safe_name`)."""
        from .targets import load_registry

        found = load_registry().find_unit(self.plan, self.unit) if self.plan else None
        return safe_name(found.name if found is not None else self.unit, self.unit)

    def stem(self) -> str:
        """The file name stem of the outputs (the spec's pattern): ids for plans and metrics, the unit's Chinese
        name (made safe) for a unit's ledger, since staff send those files out."""
        stem = self.spec.stem.format(**self._fields())
        if self.scenario or self.assume:
            from .report import assume_digest

            stem += "_情景推演" + (f"_{safe_name(self.scenario, 'scenario')}" if self.scenario else "") + \
                (f"_假定期限{assume_digest(self.assume)}" if self.assume else "")
        return stem

    def title(self) -> str:
        """The report's title (HTML title, PDF, index), from the spec's pattern."""
        from .targets import load_registry

        reg = load_registry()
        fields = {"plan": self.plan, "period": self.period, "metric": self.metric,
                  **output_marks(self.marked or bool(self.sample))}
        if self.metric:
            fields["metric_name"] = reg.metrics[self.metric].name
        if self.plan:
            fields["document"] = reg.plan(self.plan).document
        if self.unit:
            unit = reg.find_unit(self.plan, self.unit)
            fields["unit_name"] = unit.name if unit else self.unit
        title = self.spec.index_title.format(**fields)
        if self.scenario or self.assume:
            from .report import what_if_label

            title += f"（{what_if_label(self.scenario, self.assume)}）"
        return title

    def parameters(self, excel: Path | None, docx: Path | None = None) -> dict:
        values = {"plan": self.plan, "period": self.period, "unit": self.unit, "metric": self.metric,
                  "inputs": self.inputs, "store": self.store, "excel": str(excel) if excel else "",
                  "docx": str(docx) if docx else "",
                  "scenario": self.scenario, "assume": self.assume, "sample": self.sample, "force": self.force}
        return {p.name: values[p.name] for p in self.spec.parameters}


@dataclass
class RenderedReport:
    """Paths written by one report run (``pdf``/``xlsx`` None when not requested)."""

    notebook: Path
    html: Path | None = None
    pdf: Path | None = None
    xlsx: Path | None = None
    title: str = ""
    job: Job | None = None
    seconds: dict = field(default_factory=dict)
    skipped: bool = False
    version: int = 1
    provenance: dict = field(default_factory=dict)
    checksum: str = ""
    ingredients: dict = field(default_factory=dict)


def skip_unused_schema_checkers() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in this process (call it at a process entry point).

    papermill imports nbformat, which imports jsonschema, which imports ``rfc3987_syntax`` when installed
    (JupyterLab's ``jsonschema[format-nongpl]`` brings it) and that builds 39 parsers at import: 1.7 s of
    CPU on this machine, paid by every ``taizhang run``. It only adds the "iri" format checks; nbformat
    validates notebooks with Draft 4 schemas, which have no such format, so nothing we run changes. A
    process that already imported it keeps it.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # a None entry makes `import rfc3987_syntax` fail fast


# ------------------------------------------------------------------------------------------- kernel
class KernelSession:
    """One Python kernel reused for many notebooks; the namespace is reset before each notebook.

    Use as a context manager. ``execute`` runs ``notebooks/<name>.ipynb`` with papermill.
    """

    def __init__(self, kernel_name: str | None = None) -> None:
        self.kernel_name = kernel_name or "python3"
        self.km = None
        self.count = 0
        self._ipc_dir: str | None = None

    def __enter__(self) -> "KernelSession":
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # IPC sockets on POSIX: local-only, and the kernel does not warn about unencrypted TCP on every run.
        # Each session gets its own absolute socket folder: jupyter_client's default ("kernel-ipc" in the
        # working directory) would let two kernels started at once pick the same socket files.
        kw: dict = {}
        if os.name == "posix":
            import tempfile

            self._ipc_dir = tempfile.mkdtemp(prefix="taizhang-kernel-")
            kw = {"transport": "ipc", "ip": os.path.join(self._ipc_dir, "kernel-ipc")}
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, client_class="taizhang.render._SharedKernelClient",
                                     **kw)
        self.km.client = _shared_client(self.km)
        # no input history: IPython would write every cell of every report to its SQLite history database
        # (a fifth of the kernel's work per cell, measured with py-spy); the executed notebooks are the record
        try:
            run_sync(self.km.start_kernel)(cwd=str(project_root()), extra_arguments=["--HistoryManager.enabled=False"])
        except BaseException:
            self.km = None
            self._remove_ipc_dir()
            raise
        return self

    def _remove_ipc_dir(self) -> None:
        if self._ipc_dir:
            import shutil

            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    def __exit__(self, *exc) -> None:
        from jupyter_core.utils import run_sync

        if self.km is None:
            return
        try:
            kc = getattr(self.km, "_tz_client", None)
            if kc is not None:
                kc._tz_closing = True
                kc.stop_channels()
            run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            self.km = None
            self._remove_ipc_dir()

    def _reset(self) -> None:
        from jupyter_core.utils import run_sync

        kc = self.km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        code = "import taizhang.render\ntaizhang.render.reset_namespace(get_ipython())"
        reply = run_sync(kc.execute_interactive)(code, store_history=False, silent=True, timeout=60,
                                                 output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            raise RenderError("重置内核失败：" + str(reply["content"].get("evalue", "")))

    def execute(self, notebook: str, parameters: dict, output: Path) -> Path:
        """Run ``notebooks/<notebook>.ipynb`` with ``parameters`` in this kernel, writing the executed copy."""
        if self.count:
            self._reset()
        self.count += 1
        return _execute(notebook, parameters, output, km=self.km)


def reset_namespace(shell) -> None:
    """Empty the kernel's user namespace between two notebooks (run inside the kernel).

    The same as ``%reset -f`` (every user variable, the output cache and the input history go; imported
    modules and their caches stay), minus its two full garbage collections, which cost ~0.1 s each with a
    registry and a few ledgers in memory; Python's own collector frees the cycles later. Open matplotlib
    figures are closed and the cell counter restarts at 1.
    """
    import gc
    import sys

    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0
    try:
        shell.reset(new_session=False)
    finally:
        gc.collect = collect
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    shell.execution_count = 1


def _shared_client(km):
    """``km.client`` returning one client for every notebook (nbclient asks for a new one each time)."""
    original = km.client

    def client(**kwargs):
        if getattr(km, "_tz_client", None) is None:
            km._tz_client = original(**kwargs)
        return km._tz_client

    return client


def _shared_kernel_client_class():
    """The kernel client class the shared kernel uses (built on first use: importing jupyter_client costs
    about 0.3 s, which a run that renders nothing — every report unchanged — need not pay)."""
    from jupyter_client.asynchronous import AsyncKernelClient as _AsyncKernelClient

    class _SharedKernelClient(_AsyncKernelClient):
        """A kernel client whose channels may be 'started' again (they are started once)."""

        def start_channels(self, *args, **kwargs) -> None:
            if not self.channels_running:
                super().start_channels(*args, **kwargs)

        def stop_channels(self) -> None:  # nbclient must not stop the shared channels
            if getattr(self, "_tz_closing", False):
                super().stop_channels()

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            """Wait for the kernel once; later calls (nbclient asks before every notebook) only check that it
            is alive — jupyter_client's check costs a fixed 0.2 s wait on the IOPub channel."""
            if getattr(self, "_tz_ready", False) and await self._async_is_alive():
                return
            await super().wait_for_ready(timeout=timeout)
            self._tz_ready = True

    return _SharedKernelClient


def __getattr__(name: str):
    """``taizhang.render._SharedKernelClient`` (named by import string to the kernel manager), built lazily."""
    if name == "_SharedKernelClient":
        cls = globals()[name] = _shared_kernel_client_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _execute(notebook: str, parameters: dict, output: Path, km=None, kernel_name: str | None = None) -> Path:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    source = notebooks_dir() / f"{notebook}.ipynb"
    output.parent.mkdir(parents=True, exist_ok=True)
    # a running kernel already works in the project folder; papermill's `cwd` would change the working
    # directory of this whole process, which other kernel threads share
    kwargs = {"km": km} if km is not None else {"cwd": str(project_root())}
    try:
        pm.execute_notebook(str(source), str(output), parameters=parameters,
                            kernel_name=kernel_name, progress_bar=False, log_output=False,
                            request_save_on_cell_execute=False, **kwargs)
    except PapermillExecutionError as exc:
        raise RenderError(f"执行 {source.name} 失败（第 {exc.exec_count} 个单元格）：{exc.ename}: {exc.evalue}") from None
    return output


def execute(notebook: str, parameters: dict, output: Path, kernel_name: str | None = None) -> Path:
    """Run ``notebooks/<notebook>.ipynb`` with papermill in a fresh kernel, writing the executed copy to ``output``.

    A failing cell raises :class:`RenderError` carrying the notebook's own (Chinese) error message.
    """
    return _execute(notebook, parameters, output, kernel_name=kernel_name)


# ------------------------------------------------------------------------------------------- HTML
def _css() -> str:
    return (Path(__file__).with_name("templates") / "report.css").read_text(encoding="utf-8")


@lru_cache(maxsize=16)
def font_base_text(plan: str | None) -> str:
    """Characters every report of ``plan`` may show (its registry entries, units, metrics, report wording).

    Passed as the font subset's base so that all reports of one plan share one cached subset.
    """
    from .targets import load_registry

    reg = load_registry()
    parts = [m.name + m.unit for m in reg.metrics.values()]
    here = Path(__file__).parent
    sources = [here / name for name in ("report.py", "ledger.py", "brief.py", "charts.py", "targets.py", "scenario.py")]
    sources += sorted((here / "evaluate").glob("*.py")) + sorted((here / "kernel").glob("*.py"))
    sources += [here / "reports" / "specs.py", *sorted((here / "templates").glob("*.j2"))]
    for path in sources:
        parts.append(re.sub(r"[\x00-\x7f]", "", path.read_text(encoding="utf-8")))
    for pid in [plan] if plan else list(reg.plans):
        p = reg.plans[pid]
        parts += [p.document, p.issuer]
        for t in p.targets:
            parts += [t.title, t.section, t.quote, t.deadline_text, "".join(t.lead), t.threshold_label,
                      t.note or "", t.ongoing_text or ""]
        parts += [u.name for u in reg.unit_list(pid)]
    for nb in notebooks_dir().glob("*.ipynb"):
        parts.append(re.sub(r"[\x00-\x7f]", "", nb.read_text(encoding="utf-8")))
    return "".join(sorted(set("".join(parts))))


def notebook_body(nb) -> str:
    """The HTML body of an executed notebook: markdown cells and outputs only, no code, no prompts.

    Cells tagged with one of :data:`REMOVE_TAGS` (parameters, injected parameters, setup) are left out.
    Markdown goes through nbconvert's own markdown filter; rich outputs are taken as the kernel produced them
    (``text/html`` from the report sections, PNG/SVG images embedded). This replaces nbconvert's
    ``HTMLExporter``, whose BeautifulSoup post-processing costs seconds on a large ledger.
    """
    from nbconvert.filters.markdown import markdown2html_mistune

    from .reports.html import environment

    cells = []
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & set(REMOVE_TAGS):
            continue
        if cell.cell_type == "markdown":
            cells.append({"kind": "markdown", "html": _plain_chars(markdown2html_mistune(cell.source))})
            continue
        if cell.cell_type != "code":
            continue
        outs = [o for o in map(_output, cell.get("outputs", [])) if o is not None]
        if outs:
            cells.append({"kind": "code", "outputs": outs})
    return environment().get_template("notebook.html.j2").render(cells=cells)


def _output(out) -> dict | None:
    """What the page shows of one cell output (None: nothing — warnings are for the analyst, not the leader).

    ``text/html`` from the report sections and SVG charts are inserted as the kernel rendered them (our own
    renderer escaped them); PNG images are embedded; errors and plain display text are escaped.
    """
    data = out.get("data", {})
    if out.get("output_type") == "error":
        return {"type": "error", "ename": out.get("ename", ""), "evalue": out.get("evalue", "")}
    if "text/html" in data:
        markup = data["text/html"]
        return {"type": "markup", "html": markup if isinstance(markup, str) else "".join(markup)}
    if "image/svg+xml" in data:
        return {"type": "markup", "html": data["image/svg+xml"]}
    if "image/png" in data:
        return {"type": "png", "data": data["image/png"].strip()}
    if "text/plain" in data and out.get("output_type") == "display_data":
        return {"type": "text", "text": data["text/plain"]}
    return None


_CHAR_REF = re.compile(r"&#(\d{3,7});")


def _plain_chars(markup: str) -> str:
    """Numeric character references of non-ASCII characters written as the characters: nbconvert's heading
    renderer writes every Chinese heading as ``&#19968;&#12289;…``, which browsers show correctly but a text
    search of the file (or a reader of its source) does not find. ASCII references (``&#60;`` …) stay."""
    def char(m: re.Match) -> str:
        code = int(m.group(1))
        return chr(code) if 128 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _CHAR_REF.sub(char, markup)


def _shown_text(body: str) -> str:
    """The characters a body shows (not its embedded images), for the font subset."""
    return re.sub(r"data:[^\"']+", "", body)


def _write_page(output: Path, title: str, css: str, body: str) -> Path:
    from .reports.html import page as html_page

    page = html_page(title, css, body)
    return atomic_write_text(output, page)


def to_html(executed: Path, output: Path, title: str, font_plan: str | None = None) -> Path:
    """Convert an executed notebook to a self-contained HTML page without code or parameter cells."""
    return _to_html(executed, output, title, font_plan)[0]


def _to_html(executed: Path, output: Path, title: str, font_plan: str | None = None, banner: str = "",
             links: str = "", header: str = "") -> tuple[Path, str]:
    """:func:`to_html`, also returning the page's body (for printing several reports as one document).
    ``banner`` (the version line, :func:`version_line`) is shown above the report, ``links`` (the links
    to the index and related reports, screen only) above that; ``header`` is the printed pages' running
    header (:func:`taizhang.printing.page_css`, with the page numbers and the sample mark)."""
    import nbformat

    from .reports.html import environment
    from .reports.navigation import with_toc

    nb = nbformat.read(str(executed), as_version=4)
    body = with_toc(notebook_body(nb))
    if banner:
        body = environment().get_template("version.html.j2").render(text=banner) + body
    if links:
        body = links + "\n" + body
    from .fonts import embedded_font_css

    from .fonts import EMBED_FAMILY
    from .printing import FURNITURE_CHARS, page_css, running_mark

    mark = running_mark(body)
    furniture = page_css(header or title, mark, EMBED_FAMILY)
    css = (embedded_font_css(_shown_text(body) + title + header + mark + FURNITURE_CHARS, font_base_text(font_plan))
           + "\n" + _css() + "\n" + furniture)
    return _write_page(output, title, css, body), body


#: at most this many district reports are printed as one document and split (see :func:`print_group`)
BATCH_SIZE = 8
#: whether district reports are printed jointly: off, since each report's page numbers ("第 X 页 共 Y 页",
#: CSS page counters) and running header must be its own, which a joint print cannot give
JOINT_PRINT = False
_BATCH_CSS = (".tz-batch-part { position: relative; }\n"
              ".tz-batch-part + .tz-batch-part { break-before: page; page-break-before: always; }")


def print_group(parts: list[tuple[Path, str, str]], browser, font_plan: str | None) -> list[Path]:
    """Print several district reports (``(pdf path, title, body)``, each starting with its ``<h1>``) as one
    document and split it into one PDF per report.

    Each report starts on a new page of the joint document, with the same page width, CSS and (joint) font
    subset, so its pages are the pages its own print would give; the split points are the pages carrying
    each report's invisible part mark (:func:`taizhang.browser.part_mark`, a link annotation removed after
    the split), cut with pikepdf. Measured here: eight district reports cost ~5.6 CPU-s printed and split
    together against ~6.2 printed one by one; finding the parts by marks instead of a tagged PDF's outline
    cut a batch of eight from ~5.5 to ~4.1 Chromium CPU-s (median of 5). Groups of 16 were slower (the last
    group's print then runs after the last notebook). When the marks do not show exactly one start per
    report, every report is printed on its own instead (same result, slower).
    """
    from .browser import PART_MARK_URL
    from .fonts import embedded_font_css
    from .reports.html import environment

    body = environment().get_template("batch.html.j2").render(bodies=[b for _, _, b in parts], mark_url=PART_MARK_URL)
    titles = "".join(t for _, t, _ in parts)
    css = embedded_font_css(_shown_text(body) + titles, font_base_text(font_plan)) + "\n" + _css() + "\n" + _BATCH_CSS
    joint = parts[0][0].with_name(f".{parts[0][0].stem}.batch.html")
    _write_page(joint, parts[0][1], css, body)
    try:
        return browser.print_pdf_split(joint, [(pdf, title) for pdf, title, _ in parts])
    except RenderError:
        return [browser.print_pdf(pdf.with_suffix(".html"), pdf) for pdf, _, _ in parts]
    finally:
        joint.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------- running
def _prepare(job: Job, formats, out: Path | None) -> tuple[Path, Path, Path | None, dict]:
    base = Path(out) if out else reports_dir()
    folder = safe_output_dir(base, *job.parts())
    folder.mkdir(parents=True, exist_ok=True)
    xlsx = folder / f"{job.stem()}.xlsx" if "xlsx" in formats and job.spec.excel else None
    docx = folder / f"{job.stem()}.docx" if "docx" in formats and "docx" in job.spec.formats else None
    return base, folder, xlsx, job.parameters(xlsx, docx)


def _finish(job: Job, nb_path: Path, xlsx: Path | None, browser, formats, base: Path, folder: Path,
            seconds: dict, group: list | None = None) -> RenderedReport:
    """HTML and PDF of an executed notebook, and its manifest (runs beside the next notebook's execution)."""
    import time

    t1 = time.perf_counter()
    result = RenderedReport(notebook=nb_path, xlsx=xlsx, title=job.title(), job=job)
    result.ingredients = ingredients(job, formats)
    result.checksum = checksum(result.ingredients)
    result.provenance = job_provenance(job)
    result.version = _next_version(folder, job, result.provenance)
    body = ""
    if "html" in formats or "pdf" in formats:
        from .printing import running_header
        from .reports.navigation import predicted_links

        page = folder / f"{job.stem()}.html"
        result.html, body = _to_html(nb_path, page, result.title, font_plan=job.plan or None,
                                     banner=version_line(result.version, result.provenance),
                                     links=predicted_links(job, base, page), header=running_header(job))
    t2 = time.perf_counter()
    if "pdf" in formats and group is not None:  # printed later with its group (see run_jobs)
        group.append((result, folder / f"{job.stem()}.pdf", body, base, folder))
        result.seconds = {**seconds, "html": t2 - t1, "pdf": 0.0}
        return result
    if "pdf" in formats:
        result.pdf = browser.print_pdf(result.html, folder / f"{job.stem()}.pdf")
    docx = folder / f"{job.stem()}.docx"
    if "docx" in formats and "docx" in job.spec.formats and docx.is_file():
        from .reports.docx import stamp_version

        stamp_version(docx, version_line(result.version, result.provenance))
    t3 = time.perf_counter()
    result.seconds = {**seconds, "html": t2 - t1, "pdf": t3 - t2}
    _write_manifest(folder, result, base)
    return result


def _finish_group(group: list, browser, font_plan: str | None) -> None:
    """Print the PDFs of a group of finished district reports at once and write their manifests."""
    import time

    t0 = time.perf_counter()
    items = sorted(group, key=lambda item: str(item[1]))  # the finishing threads append in any order
    pdfs = print_group([(pdf, r.title, body) for r, pdf, body, _, _ in items], browser, font_plan)
    share = (time.perf_counter() - t0) / max(1, len(items))
    for (result, _, _, base, folder), pdf in zip(items, pdfs):
        result.pdf = pdf
        result.seconds["pdf"] = share
        _write_manifest(folder, result, base)


def render_job(job: Job, session: KernelSession | None, browser, formats=FORMATS, out: Path | None = None
               ) -> RenderedReport:
    """Render one job into its folder: the executed notebook plus the requested formats."""
    import time

    base, folder, xlsx, params = _prepare(job, formats, out)
    t0 = time.perf_counter()
    nb_path = folder / f"{job.notebook}.ipynb"
    if session is not None:
        session.execute(job.notebook, params, nb_path)
    else:
        execute(job.notebook, params, nb_path)
    seconds = {"notebook": time.perf_counter() - t0}
    return _finish(job, nb_path, xlsx, browser, formats, base, folder, seconds)


def manifest_path(folder: Path, job: Job) -> Path:
    """The manifest of ``job``'s report in ``folder``: ``<stem>.report.json`` (one per report, so the ledger
    and the quality report of one month never overwrite each other's)."""
    return folder / f"{job.stem()}{MANIFEST_SUFFIX}"


def code_digest() -> str:
    """A digest of the package's code, templates and notebooks (what a report's rendering depends on)."""
    import hashlib

    from .source import file_digest

    here = Path(__file__).parent
    paths = sorted(here.rglob("*.py")) + sorted((here / "templates").glob("*")) + sorted(notebooks_dir().glob("*.ipynb"))
    h = hashlib.blake2b(digest_size=16)
    for path in paths:
        h.update(f"{path.relative_to(here.parent) if here.parent in path.parents else path.name}\0"
                 f"{file_digest(path)}\0".encode())
    return h.hexdigest()


def _source(job: Job):
    """The job's data source (None for reports without data: catalogue, comparison)."""
    names = {p.name for p in job.spec.parameters}
    if not job.plan or not names & {"inputs", "store"}:
        return None
    from .source import DataSource

    # as the notebook reads it: a job that names no data reads the sample (its report carries the mark);
    # ``taizhang run`` always names the store or --sample
    return DataSource.of(job.plan, job.inputs or None, job.store or None, sample=bool(job.sample), default="sample")


def ingredients(job: Job, formats) -> dict:
    """Everything a report's content depends on (owid/etl style): its parameters and formats, the content
    digest of its data source, the registry version and the code digest. Same ingredients, same report."""
    from .targets import load_registry

    src = _source(job)
    params = {k: v for k, v in job.parameters(None).items() if k != "excel"}
    for k in ("inputs", "store"):
        if params.get(k):
            params[k] = str(Path(params[k]).resolve())
    return {"parameters": params, "formats": sorted(formats), "data": src.digest() if src else "",
            "registry": load_registry().version, "code": code_digest()}


def checksum(ingr: dict) -> str:
    """The SHA-256 of the ingredients (:func:`ingredients`), as written in the manifest."""
    import hashlib

    return hashlib.sha256(json.dumps(ingr, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def job_provenance(job: Job) -> dict:
    """The data behind ``job``'s month: the files that fed it (none of a later month), their count and one
    digest, the date the latest arrived and how many units reported for the month ({} without data)."""
    src = _source(job)
    if src is None:
        return {}
    from .provenance import data_as_of, fed_files, file_records, files_digest
    from .targets import load_registry

    reg = load_registry()
    fed = fed_files(src.load(reg, job.plan).files, job.period)
    units = reg.unit_list(job.plan)
    ids = {u.id for u in units}
    if job.unit:
        found = reg.find_unit(job.plan, job.unit)
        ids = {found.id if found else job.unit}
    month = fed[fed["period"].astype(str) == job.period] if job.period else fed
    return {"n_files": len(fed), "digest": files_digest(fed), "as_of": data_as_of(fed),
            "received": len(ids & set(month["unit"])), "units": len(ids), "files": file_records(fed)}


def version_line(version: int, prov: dict) -> str:
    """"第 2 版 · 报表收至 2026-02-12 · 收到 7/8 单位" ("" for a report without data): the date is when the
    latest return arrived, not the month the report is about."""
    if not prov:
        return ""
    asof = f" · 报表收至 {prov['as_of']}" if prov.get("as_of") else ""
    return f"第 {version} 版{asof} · 收到 {prov['received']}/{prov['units']} 单位"


def read_manifest(path: Path) -> dict | None:
    """A manifest's content, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _next_version(folder: Path, job: Job, prov: dict) -> int:
    """The version this rendering gets: the previous one's when the month's data files are the same, else one
    more (the previous manifest is then kept as ``versions/<stem>.v<N>.json``)."""
    prev = read_manifest(manifest_path(folder, job))
    if prev is None:
        return 1
    number = int(prev.get("version", 1))
    if prev.get("data", {}).get("digest") == prov.get("digest"):
        return number
    keep = folder / VERSIONS / f"{job.stem()}.v{number}.json"
    atomic_write_text(keep, json.dumps(prev, ensure_ascii=False, indent=1))
    return number + 1


def unchanged(job: Job, formats, out: Path | None) -> RenderedReport | None:
    """The report already rendered from the same ingredients (its manifest's checksum matches and its files
    exist), as a skipped result; None when it must be rendered."""
    base = Path(out) if out else reports_dir()
    folder = safe_output_dir(base, *job.parts())
    found = read_manifest(manifest_path(folder, job))
    if not found or found.get("checksum") != checksum(ingredients(job, formats)):
        return None
    files = {k: base / v for k, v in found.get("files", {}).items() if v}
    if not all(p.exists() for p in files.values()):
        return None
    return RenderedReport(notebook=files.get("notebook"), html=files.get("html"), pdf=files.get("pdf"),
                          xlsx=files.get("xlsx"), title=found.get("title", ""), job=job, skipped=True,
                          version=int(found.get("version", 1)))


def _write_manifest(folder: Path, result: RenderedReport, base: Path) -> None:
    def rel(p):
        return None if p is None else p.resolve().relative_to(base.resolve()).as_posix()

    from .project import code_version

    job = result.job
    prov = dict(result.provenance)
    data = {"title": result.title, "report": job.notebook, "kind": job.spec.title, **job.key(),
            "what_if": bool(job.scenario or job.assume), "version": result.version,
            "version_line": version_line(result.version, prov),
            "generated": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
            "code_version": code_version(), "checksum": result.checksum, "ingredients": result.ingredients,
            "data": {k: prov[k] for k in ("n_files", "digest", "as_of", "received", "units") if k in prov},
            "data_files": prov.get("files", []),
            "files": {"notebook": rel(result.notebook), "html": rel(result.html), "pdf": rel(result.pdf),
                      "xlsx": rel(result.xlsx)}}
    atomic_write_text(manifest_path(folder, job), json.dumps(data, ensure_ascii=False, indent=1))


def job_weight(job: Job, registry=None) -> int:
    """The work of rendering ``job``, estimated from the registry: the ledger cells its report shows (a plan's
    report: units × targets; a unit's report: the plan's targets); 1 for a report of no plan."""
    if not job.plan:
        return 1
    from .targets import load_registry

    registry = registry or load_registry()
    if job.plan not in registry.plans:
        return 1
    targets = len(registry.plans[job.plan].targets)
    return targets if job.unit else targets * max(1, len(registry.unit_list(job.plan)))


def plan_lanes(jobs: list[Job], lanes: int) -> list[list[int]]:
    """Split job indexes into at most ``lanes`` lists of similar work (:func:`job_weight`), each plan's jobs
    in one lane (so a kernel reads each plan's returns once), keeping the order of the jobs within a lane:
    plans in decreasing order of their work, each into the lane with the least work so far."""
    by_plan: dict[str, list[int]] = {}
    for i, job in enumerate(jobs):
        by_plan.setdefault(job.plan or job.metric or "", []).append(i)
    weights = [job_weight(job) for job in jobs]
    work = {key: sum(weights[i] for i in idx) for key, idx in by_plan.items()}
    out: list[list[int]] = [[] for _ in range(max(1, min(lanes, len(by_plan))))]
    load = [0] * len(out)
    for key in sorted(by_plan, key=lambda k: -work[k]):  # heaviest first, into the lane with the least work
        k = load.index(min(load))
        out[k].extend(by_plan[key])
        load[k] += work[key]
    return [sorted(lane) for lane in out if lane]


def run_jobs(jobs: list[Job], formats=FORMATS, out: Path | None = None, progress: bool = True,
             kernel_name: str | None = None, printers: int | None = None, kernels: int | None = None
             ) -> list[RenderedReport]:
    """Render every job; show a progress bar; rewrite ``index.html``. Returns the reports in job order.

    Stops at the first failing report (its Chinese error names the notebook cell); reports already
    written stay, and the index lists them. A job whose manifest records the same ingredients
    (:func:`ingredients`: parameters, data, registry, code) and whose files exist is not rendered again; its
    result has ``skipped=True``.

    Pipeline (:class:`_Pipeline`): ``kernels`` kernel threads (default: 2 on a machine with two or more cores
    when there are at least four jobs of two or more plans, else 1) each run the notebooks of their plans one
    after another in their own kernel (:func:`plan_lanes`; a kernel is started once, never per report), while
    ``printers`` finishing threads (default: 2 when PDFs are wanted, else 1) turn executed notebooks into
    HTML and print them, each with its own headless Chromium at a lower CPU priority, so that the notebooks
    are never held up by printing. Every report is printed on its own: its page numbers and running header
    are CSS page-margin boxes (:mod:`taizhang.printing`), which a joint print of several reports
    (:func:`print_group`, kept behind :data:`JOINT_PRINT`) would number across the reports.
    """
    formats = tuple(formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ParameterError("--formats", ",".join(formats), "、".join(FORMATS) + " 中的一个或多个，用逗号分隔")
    out = Path(out).resolve() if out else None  # the kernel threads must not depend on the working directory
    skipped = {i: r for i, job in enumerate(jobs) if (r := unchanged(job, formats, out)) is not None}
    todo = [job for i, job in enumerate(jobs) if i not in skipped]
    base = Path(out) if out else reports_dir()
    if not todo:
        if not (base / "index.html").exists():
            write_index(base)
        return [skipped[i] for i in range(len(jobs))]
    rendered = _run_pipeline(todo, formats, out, progress, kernel_name, printers, kernels)
    it = iter(rendered)
    return [skipped[i] if i in skipped else next(it) for i in range(len(jobs))]


def _run_pipeline(jobs: list[Job], formats, out: Path | None, progress: bool, kernel_name: str | None,
                  printers: int | None, kernels: int | None) -> list[RenderedReport]:
    if kernels is None:
        kernels = 2 if (os.cpu_count() or 1) >= 2 and len(jobs) >= 4 else 1
    pipeline = _Pipeline(jobs, formats, out, kernel_name, printers)
    try:
        if "pdf" in formats:  # fail early (before any notebook runs) when Chromium is missing
            from .browser import find_chromium

            find_chromium()
        pipeline.run(plan_lanes(jobs, kernels), progress)
    finally:
        pipeline.close()
        write_index(Path(out) if out else reports_dir())
    return [pipeline.done[i] for i in sorted(pipeline.done)]


class _Pipeline:
    """The threads of one :func:`run_jobs` call: kernel lanes executing notebooks, finishing threads turning
    them into HTML/PDF (each with its own browser, started on first use), and the reports done so far."""

    def __init__(self, jobs: list[Job], formats: tuple[str, ...], out: Path | None, kernel_name: str | None,
                 printers: int | None) -> None:
        import threading
        from concurrent.futures import ThreadPoolExecutor

        self.jobs, self.formats, self.out, self.kernel_name = jobs, formats, out, kernel_name
        self.workers = max(1, printers if printers is not None else (2 if "pdf" in formats and len(jobs) > 1 else 1))
        self.browsers: list = []
        self.local = threading.local()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.done: dict[int, RenderedReport] = {}
        self.pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="taizhang-finish")
        self.bar = None

    def browser(self):
        """This finishing thread's browser, started on first use (None when no PDF is wanted)."""
        if "pdf" not in self.formats:
            return None
        if getattr(self.local, "browser", None) is None:
            from .browser import Browser

            self.local.browser = Browser(background=len(self.jobs) > 1)
            with self.lock:
                self.browsers.append(self.local.browser)
        return self.local.browser

    def finish(self, *args):
        return _finish(args[0], args[1], args[2], self.browser(), *args[3:])

    def finish_group(self, members, group, font_plan):
        for fut in members:  # submitted earlier, so already running or done: no deadlock
            fut.result()
        _finish_group(group, self.browser(), font_plan)

    def run(self, lanes: list[list[int]], progress: bool) -> None:
        """Run every lane (in its own thread when there are several); re-raise the first error."""
        from concurrent.futures import ThreadPoolExecutor

        from tqdm.auto import tqdm

        self.bar = tqdm(total=len(self.jobs), desc="生成报告", unit="份", disable=not progress or len(self.jobs) < 2,
                        leave=False)
        if len(lanes) == 1:
            self.run_lane(lanes[0])
            return
        with ThreadPoolExecutor(max_workers=len(lanes), thread_name_prefix="taizhang-kernel") as runners:
            futures = [runners.submit(self.run_lane, lane) for lane in lanes]
            errors = [f.exception() for f in futures]
        first = next((e for e in errors if e is not None), None)
        if first is not None:
            raise first

    def _group_key(self, lane: list[int], k: int):
        """Consecutive district reports of one plan and month are printed together (when PDFs are wanted)."""
        j = self.jobs[lane[k]] if k < len(lane) else None
        if j is None or "pdf" not in self.formats or j.notebook != "district_report" or len(self.jobs) < 2:
            return None
        if not JOINT_PRINT:
            return None
        return (j.plan, j.period)

    def run_lane(self, lane: list[int]) -> None:
        """Run the notebooks of ``lane`` (job indexes) in one kernel, handing each to the finishing threads."""
        import time

        pending: list = []  # (job index or None for a group print, future)
        members: list = []
        group: list = []

        def collect(item) -> None:
            index, fut = item
            value = fut.result()
            if index is not None:
                self.done[index] = value

        try:
            with KernelSession(self.kernel_name) as session:
                for k, i in enumerate(lane):
                    if self.stop.is_set():
                        return
                    job = self.jobs[i]
                    self.bar.set_postfix_str(job.stem(), refresh=False)
                    base, folder, xlsx, params = _prepare(job, self.formats, self.out)
                    nb_path = folder / f"{job.notebook}.ipynb"
                    t0 = time.perf_counter()
                    session.execute(job.notebook, params, nb_path)
                    seconds = {"notebook": time.perf_counter() - t0}
                    key = self._group_key(lane, k)
                    fut = self.pool.submit(self.finish, job, nb_path, xlsx, self.formats, base, folder, seconds,
                                           group if key is not None else None)
                    fut.add_done_callback(lambda _f: self.bar.update(1))
                    pending.append((i, fut))
                    if key is not None:
                        members.append(fut)
                        if len(members) >= BATCH_SIZE or self._group_key(lane, k + 1) != key:
                            pending.append((None, self.pool.submit(self.finish_group, members, group, job.plan or None)))
                            members, group = [], []
                    while pending and pending[0][1].done():
                        collect(pending.pop(0))
                    while len(pending) > 4 * self.workers + BATCH_SIZE:  # do not run far ahead of the printers
                        collect(pending.pop(0))
                while pending:
                    collect(pending.pop(0))
        except BaseException:
            self.stop.set()
            for _, fut in pending:
                fut.cancel()
            raise

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.pool.shutdown(wait=True)
        for b in self.browsers:
            b.close()


def render_monthly(plan: str, period: str, inputs: str | Path | None = None, out: Path | None = None,
                   kernel_name: str | None = None, formats=("html",), store: str | Path | None = None
                   ) -> RenderedReport:
    """Run the monthly ledger notebook for ``plan`` at ``period`` and write notebook + the requested formats."""
    job = Job("monthly_ledger", plan=check_plan(plan), period=check_period(period), inputs=str(inputs or ""),
              store=str(store or ""))
    return run_jobs([job], formats=formats, out=out, progress=False, kernel_name=kernel_name)[0]


# ------------------------------------------------------------------------------------------- index
def index_entries(base: Path) -> list[dict]:
    """Every report's manifest under ``base`` (earlier versions left out), one per key (plan, month, report
    kind, unit, metric, scenario), grouped by plan and month: plans in order, newest month first, then the
    kind's order (:data:`SPECS`), real reports before what-if runs."""
    base = Path(base)
    found: dict[tuple, dict] = {}
    for path in base.rglob(f"*{MANIFEST_SUFFIX}"):
        if VERSIONS in path.relative_to(base).parts:
            continue
        d = read_manifest(path)
        if not d or "report" not in d:
            continue
        key = tuple(d.get(k, "") or "" for k in ("plan", "period", "report", "unit", "metric", "scenario"))
        if key not in found or d.get("generated", "") > found[key].get("generated", ""):
            found[key] = d
    order = {name: i for i, name in enumerate(SPECS)}
    items = sorted(found.values(), key=lambda d: (d.get("plan") or "~", d.get("metric") or ""))
    items.sort(key=lambda d: d.get("period") or "", reverse=True)
    items.sort(key=lambda d: d.get("plan") or "~")
    out = []
    for group in _groups(items):
        group.sort(key=lambda d: (order.get(d["report"], 99), bool(d.get("scenario")), d.get("scenario") or "",
                                  d.get("unit") or ""))
        out += group
    return out


def _groups(items: list[dict]) -> list[list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for d in items:
        groups.setdefault((d.get("plan") or "", d.get("period") or ""), []).append(d)
    return list(groups.values())


def write_index(base: Path) -> Path:
    """``<base>/index.html``: every report found under ``base`` (:func:`index_entries`), grouped by plan and
    month, newest month first; what-if runs marked 情景推演; each entry with its version line. The listed
    report pages get their links back to the index and to each other
    (:func:`taizhang.reports.navigation.refresh_links`)."""
    base = Path(base)
    base.mkdir(parents=True, exist_ok=True)
    from urllib.parse import quote

    from .reports.html import environment
    from .targets import load_registry

    reg = load_registry()
    groups = []
    entries = index_entries(base)
    for members in _groups(entries):
        d0 = members[0]
        plan = reg.plans.get(d0.get("plan") or "")
        name = plan.document if plan is not None else (d0.get("plan") or "跨方案")
        groups.append({"title": name + (f" · {d0['period']}" if d0.get("period") else ""), "entries": [
            {"generated": d.get("generated", "")[:19].replace("T", " "),
             "kind": SPECS[d["report"]].title if d.get("report") in SPECS else d.get("report", ""),
             "title": d.get("title", ""), "what_if": d.get("what_if", False), "version": d.get("version_line", ""),
             "links": [(quote(f), label) for key, label in (("html", "网页"), ("pdf", "PDF"), ("xlsx", "Excel"),
                                                              ("notebook", "笔记本")) if (f := d.get("files", {}).get(key))]}
            for d in members]})
    body = environment().get_template("index.html.j2").render(groups=groups,
                                                               total=sum(len(g["entries"]) for g in groups))
    from .fonts import embedded_font_css

    css = embedded_font_css(re.sub(r"<[^>]+>", "", body), font_base_text(None)) + "\n" + _css()
    page = _write_page(base / "index.html", "报告目录", css, body)
    from .reports.navigation import refresh_links

    refresh_links(entries, base)  # each report links back here and to its related reports (where they exist)
    return page


def result_dict(result: RenderedReport) -> dict:
    """A JSON-friendly view of a result (bench and tests)."""
    d = asdict(result)
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}
