"""Shared fixtures. Paths come from taizhang.project, never from the working directory."""

from __future__ import annotations

import pytest

from taizhang.project import project_root
from taizhang.targets import load_registry


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
    """The deterministic sample returns of every plan (inputs/sample/<plan>/), generated once when missing.

    Many tests read them through the reports' default inputs; making them here keeps every test
    independent of the order tests run in. Returns ``{plan: folder}``.
    """
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

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
