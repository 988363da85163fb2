"""JupyterLab for analysts: the explore notebook (generated, parameters checked in its first cell, nbval over its
executed copy) and `tools/lab.sh` (Chinese interface, the project's kernel), driven by headless Chromium."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from taizhang.project import notebooks_dir, project_root

NOTEBOOK = "explore"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _nb():
    return nbformat.read(str(notebooks_dir() / f"{NOTEBOOK}.ipynb"), as_version=4)


def _execute(tmp_path: Path, **parameters) -> Path:
    import papermill as pm

    out = tmp_path / f"{NOTEBOOK}_executed.ipynb"
    pm.execute_notebook(str(notebooks_dir() / f"{NOTEBOOK}.ipynb"), str(out), parameters=parameters,
                        cwd=str(project_root()), progress_bar=False, log_output=False)
    return out


# ------------------------------------------------------------------------------------------- the notebook


def test_committed_notebook_is_the_generated_one_without_outputs():
    sys.path.insert(0, str(project_root() / "tools"))
    try:
        import make_explore_notebook
    finally:
        sys.path.pop(0)
    committed = _nb()
    generated = make_explore_notebook.explore()
    assert [c.source for c in committed.cells] == [c.source for c in generated.cells]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in committed.cells if c.cell_type == "code")
    assert committed.metadata.kernelspec.name == "python3"


def test_parameters_cell_documents_every_parameter():
    from taizhang.explore import EXPLORE_PARAMETERS

    cells = [c for c in _nb().cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    lines = cells[0].source.splitlines()
    for name in EXPLORE_PARAMETERS:
        line = next((ln for ln in lines if ln.startswith(f"{name} = ")), None)
        assert line is not None and "#" in line, name  # assigned and commented
    setup = _nb().cells[_nb().cells.index(cells[0]) + 1]
    assert "check_explore_parameters" in setup.source  # the very next cell checks them


def test_notebook_holds_no_evaluation_logic():
    code = "\n".join(c.source for c in _nb().cells if c.cell_type == "code")
    for word in ("evaluate(", "pd.", "pandas", "for ", "def ", "lambda"):
        assert word not in code, word


@pytest.mark.parametrize("parameters, name, given", [
    ({"plan": "beijing"}, "plan", "beijing"),
    ({"period": "2024-13"}, "period", "2024-13"),
    ({"as_of": "2024-06"}, "as_of", "2024-06"),  # the old name: "是否应为 period？"
    ({"store": "no/such.sqlite"}, "store", "no/such.sqlite"),
    ({"units": "包头市本级"}, "units", "包头市本级"),
    ({"colour": "red"}, "colour", "red"),
])
def test_wrong_parameter_fails_in_the_first_cell_with_chinese_message(tmp_path, parameters, name, given):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as err:
        _execute(tmp_path, **parameters)
    assert err.value.ename == "ParameterError"
    assert f"参数 {name} 的取值无效：收到 '{given}'，允许的取值为" in err.value.evalue
    executed = nbformat.read(str(tmp_path / f"{NOTEBOOK}_executed.ipynb"), as_version=4)
    failed = [c for c in executed.cells if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert len(failed) == 1 and "setup" in failed[0].metadata.get("tags", [])
    if name == "as_of":
        assert "是否应为 period" in err.value.evalue


def test_nbval_passes_on_the_executed_notebook(tmp_path):
    executed = _execute(tmp_path, plan="bayannur", units="linhe,wuyuan", metric="one_window_rate")
    nb = nbformat.read(str(executed), as_version=4)
    summary = nb.cells[-1].outputs[0]["data"]["text/html"]
    assert "临河区、五原县" in summary and "一窗受理率" in summary
    run = subprocess.run([sys.executable, "-m", "pytest", "--nbval", str(executed), "-p", "no:cacheprovider", "-q"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


# ---------------------------------------------------------------------------------------------- lab.sh


def test_lab_config_sets_chinese_and_lab_script_is_executable():
    root = project_root()
    script = root / "tools" / "lab.sh"
    assert os.access(script, os.X_OK)
    text = script.read_text(encoding="utf-8")
    assert "jupyter-config" in text and "ipykernel install --sys-prefix --name taizhang" in text
    overrides = json.loads((root / "jupyter-config" / "labconfig" / "default_setting_overrides.json").read_text())
    assert overrides["@jupyterlab/translation-extension:plugin"]["locale"] == "zh_CN"
    import jupyterlab_language_pack_zh_CN  # noqa: F401  (the language pack is installed)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - localhost
        return json.loads(r.read().decode())


@pytest.fixture
def lab(tmp_path):
    """JupyterLab started by tools/lab.sh on a free localhost port, serving a copy of the notebooks."""
    root = tmp_path / "served"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(notebooks_dir() / f"{NOTEBOOK}.ipynb", root / "notebooks")
    for d in ("settings", "workspaces", "runtime"):
        (tmp_path / d).mkdir()
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "TAIZHANG_LAB_ROOT": str(root)}
    log = open(tmp_path / "lab.log", "w")
    proc = subprocess.Popen(
        [str(project_root() / "tools" / "lab.sh"), "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.port_retries=0"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def _fontconfig(tmp_path: Path) -> Path:
    """A fontconfig file adding the bundled Noto Sans SC, so Chinese renders on a machine without CJK fonts."""
    from taizhang.fonts import font_paths

    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<dir>{font_paths()[0].parent}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8")
    return conf


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
def test_jupyterlab_runs_explore_notebook_in_chinese_and_shows_ledger(lab, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    base, token = lab
    specs = _get(f"{base}/api/kernelspecs?token={token}")
    assert {"python3", "taizhang"} <= set(specs["kernelspecs"])

    env = {**os.environ, "FONTCONFIG_FILE": str(_fontconfig(tmp_path))}
    shot = tmp_path / "explore_lab.png"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, env=env)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/notebooks/{NOTEBOOK}.ipynb?token={token}")
            page.wait_for_function("window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')",
                                   timeout=120_000)
            menu = page.inner_text(".lm-MenuBar")
            assert "文件" in menu and "运行" in menu and "内核" in menu  # Simplified-Chinese interface
            page.wait_for_function("""() => { const w = window.jupyterapp.shell.currentWidget;
                const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
                return k && k.status === 'idle'; }""", timeout=120_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            try:
                page.wait_for_selector(".jp-OutputArea .tz-ledger", timeout=180_000)
            except playwright.TimeoutError:
                page.screenshot(path=str(shot))
                raise AssertionError("ledger not shown; notebook text:\n" + page.inner_text(".jp-Notebook")[-3000:])
            errors = page.query_selector_all(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert not [e.inner_text() for e in errors if "Traceback" in e.inner_text()]
            met_before = page.inner_text(".jp-OutputArea .tz-tile[data-status='met'] .tz-tile-n")
            # the controls: no two overlap, and no label is cut off (each fits its label column)
            layout = page.evaluate("""() => {
                const els = [...document.querySelectorAll(
                    '.jp-OutputArea .widget-inline-hbox, .jp-OutputArea button.jupyter-button')]
                    .filter(e => e.offsetParent !== null);
                const r = els.map(e => e.getBoundingClientRect());
                const overlaps = [];
                for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
                    const a = r[i], b = r[j];
                    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
                        overlaps.push([els[i].innerText, els[j].innerText]);
                }
                const cut = els.map(e => e.querySelector('label.widget-label'))
                    .filter(l => l && l.scrollWidth > l.clientWidth + 1).map(l => l.innerText);
                return {n: els.length, overlaps, cut};
            }""")
            assert layout["n"] >= 15, layout
            assert layout["overlaps"] == [] and layout["cut"] == [], layout

            # change the first target's threshold in the browser: the tiles update in place
            box = page.locator(".widget-text:has(label:text-is('目标值')) input")
            box.fill("10")
            box.press("Enter")
            page.wait_for_function(
                "(n) => { const e = document.querySelector(\".jp-OutputArea .tz-tile[data-status='met'] .tz-tile-n\");"
                " return e && e.textContent.trim() !== n; }", arg=met_before, timeout=60_000)
            assert "目标值：≥100% → ≥10%" in page.inner_text(".jp-Notebook")

            page.locator(".jp-OutputArea .tz-tiles").first.scroll_into_view_if_needed()
            page.mouse.wheel(0, -120)
            page.wait_for_timeout(500)
            page.screenshot(path=str(shot))
            visible = page.evaluate("""() => { const t = document.querySelector('.jp-OutputArea .tz-ledger');
                const r = t.getBoundingClientRect(); return r.top < window.innerHeight && r.bottom > 0; }""")
            assert visible, "the ledger is not inside the screenshot"
        finally:
            browser.close()
    assert shot.stat().st_size > 50_000
    keep = os.environ.get("TAIZHANG_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
