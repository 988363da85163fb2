"""Shared fixtures. Paths come from taizhang.project, never from the working directory.

A test run leaves the checkout as it was: before collection, :func:`pytest_configure` points
``TAIZHANG_HOME`` at a project folder under pytest's temporary directory (``tmp_path_factory``), so the
sample returns, stores, reports and scenarios that tests write land there. The folder holds its own copy of
``targets/`` and ``notebooks/`` and of the tracked ``inputs/``/``reports/`` files; every other entry of the
checkout (``lib``, ``tests``, ``tools``, ``docs``, ``pyproject.toml`` …) is a link to it, read only.
Subprocesses (the CLI, papermill kernels) inherit the variable.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from taizhang.project import project_root
from taizhang.targets import load_registry

_COPIED = ("targets", "notebooks")  # small, and tests may write into them (scenarios, drafts, notebooks)
_OWN = ("inputs", "reports")  # written by tests: a fresh folder with only the tracked files
_SKIPPED = {".git", ".pytest_cache", ".hypothesis", "build", "__pycache__"}  # .venv is linked: tools/lab.sh uses it


def make_test_home(checkout: Path, home: Path) -> Path:
    """A project folder at ``home`` that reads the checkout but is written instead of it (see module doc)."""
    home.mkdir(parents=True, exist_ok=True)
    for entry in sorted(checkout.iterdir()):
        if entry.name in _SKIPPED or (home / entry.name).exists():
            continue
        if entry.name in _COPIED:
            shutil.copytree(entry, home / entry.name, symlinks=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "drafts"))
        elif entry.name in _OWN:
            (home / entry.name).mkdir()
            for item in ("README.md", "bad_examples"):  # what git tracks there
                src = entry / item
                if src.is_dir():
                    shutil.copytree(src, home / entry.name / item)
                elif src.is_file():
                    shutil.copy2(src, home / entry.name / item)
        else:
            (home / entry.name).symlink_to(entry)
    return home


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Point ``TAIZHANG_HOME`` at a test project under pytest's temporary directory, before any test module
    (some read the registry at import) asks where the project is."""
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is None or getattr(config, "workerinput", None) is not None:
        return
    checkout = project_root()
    home = make_test_home(checkout, factory.mktemp("project", numbered=True))
    os.environ["TAIZHANG_HOME"] = str(home)
    project_root.cache_clear()


@pytest.fixture(scope="session")
def root():
    """The project root folder."""
    return project_root()


@pytest.fixture(scope="session")
def registry():
    """The real target registry (validated)."""
    return load_registry()


@pytest.fixture(scope="session", autouse=True)
def sample_returns(registry):
    """The deterministic sample returns of every plan (inputs/sample/<plan>/ of the test project), generated
    once per run.

    Many tests read them through the reports' default inputs; making them here keeps every test
    independent of the order tests run in. Returns ``{plan: folder}``.
    """
    from taizhang.sample import ensure_sample
    from taizhang.source import default_inputs

    for plan in registry.plan_ids:
        ensure_sample(registry, plan, default_inputs(plan))
    return {plan: default_inputs(plan) for plan in registry.plan_ids}


@pytest.fixture
def tmp_project(tmp_path, root):
    """A fresh project root under ``tmp_path`` with a copy of the real ``targets/`` and the notebooks, for
    commands run with ``TAIZHANG_HOME`` pointing at it (a new plan is added there as data only).
    Returns ``(root, env)``; ``env`` is the environment for a subprocess."""
    import os
    import shutil

    home = tmp_path / "project"
    shutil.copytree(root / "targets", home / "targets", ignore=shutil.ignore_patterns("drafts"))
    shutil.copytree(root / "notebooks", home / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for sub in ("inputs", "reports"):
        (home / sub).mkdir()
    env = {**os.environ, "TAIZHANG_HOME": str(home)}
    return home, env
