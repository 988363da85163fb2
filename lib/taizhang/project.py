"""Where the project's folders are: targets/, inputs/, reports/, notebooks/.

The root is ``$TAIZHANG_HOME`` when set, otherwise the checkout this package was installed from (editable
install), otherwise the nearest parent of the working directory that holds ``targets/metrics.yaml``.
Nothing here depends on the working directory when the package is installed from a checkout.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from functools import lru_cache
from pathlib import Path

from .errors import TaizhangError


def _is_root(path: Path) -> bool:
    return (path / "targets" / "metrics.yaml").is_file()


@lru_cache(maxsize=None)
def project_root() -> Path:
    """Return the project root folder (see module docstring)."""
    env = os.environ.get("TAIZHANG_HOME")
    if env:
        root = Path(env).expanduser().resolve()
        if not _is_root(root):
            raise TaizhangError(f"环境变量 TAIZHANG_HOME 指向 {root}，但该目录下没有 targets/metrics.yaml。")
        return root
    here = Path(__file__).resolve()
    for parent in [*here.parents, *Path.cwd().resolve().parents, Path.cwd().resolve()]:
        if _is_root(parent):
            return parent
    raise TaizhangError("找不到项目目录（应包含 targets/metrics.yaml）；请在项目目录中运行，或设置 TAIZHANG_HOME。")


def targets_dir() -> Path:
    return project_root() / "targets"


def inputs_dir() -> Path:
    return project_root() / "inputs"


def reports_dir() -> Path:
    return project_root() / "reports"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=None)
def code_version() -> str:
    """Package version plus the git commit of the checkout (``+dirty`` when it has uncommitted changes)."""
    from . import __version__

    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "lib", "notebooks"],
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__} (git {commit}{'+dirty' if dirty else ''})"
