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
