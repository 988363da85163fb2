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
    from taizhang.project import PLAN_IDS
    from taizhang.report import default_inputs
    from taizhang.sample import ensure_sample

    for plan in PLAN_IDS:
        ensure_sample(registry, plan, default_inputs(plan))
    return {plan: default_inputs(plan) for plan in PLAN_IDS}
