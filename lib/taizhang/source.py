"""One data source for reports, the explorer and the CLI: a folder of returns or a store, read once per content.

:meth:`DataSource.of` checks the parameters (an inputs folder or a store file, not both) and
:meth:`DataSource.load` returns the plan's :class:`~taizhang.returns.ReturnSet` through the returns and store
modules' public readers. Results are cached per process, keyed by a digest of the files' *contents* (each
file's digest is kept while its size and modification time stay the same), the plan and the registry
version: a kernel rendering several reports of one plan reads the returns once, and any changed file —
whatever its suffix — is read again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import ParameterError
from .project import inputs_dir, project_root

_DIGESTS: dict[tuple, str] = {}
_CACHE: dict[tuple, object] = {}


def file_digest(path: Path) -> str:
    """The BLAKE2 digest of a file's content (recomputed only when its size or modification time changes)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    found = _DIGESTS.get(key)
    if found is None:
        if len(_DIGESTS) > 50_000:
            _DIGESTS.clear()
        found = _DIGESTS[key] = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    return found


def default_inputs(plan: str) -> Path:
    """Where the bundled sample returns of a plan live."""
    return inputs_dir() / "sample" / plan


def _rel(path: Path | str) -> str:
    try:
        return str(Path(path).resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class DataSource:
    """Where a plan's returns come from: ``kind`` ``"folder"`` (returns files) or ``"store"`` (a store file)."""

    kind: str
    path: Path

    @classmethod
    def of(cls, plan: str, inputs: str | Path | None = None, store: str | Path | None = None) -> "DataSource":
        """The source named by a report's ``inputs``/``store`` parameters (the sample folder when both are empty)."""
        if store:
            path = Path(store)
            if not path.exists():
                raise ParameterError("store", str(store), "存在的数据库文件")
            return cls("store", path)
        folder = Path(inputs) if inputs else default_inputs(plan)
        if not folder.exists():
            raise ParameterError("inputs", str(folder), "存在的报表文件夹（样例数据可用 `taizhang sample` 生成）")
        return cls("folder", folder)

    @property
    def label(self) -> str:
        """Where the data came from, in Chinese (the report's 数据来源 line)."""
        return f"数据库 {_rel(self.path)}" if self.kind == "store" else f"报表文件夹 {_rel(self.path)}"

    def digest(self) -> str:
        """A digest of every file's content (name and bytes) this source would read."""
        if self.kind == "store":
            return file_digest(self.path)
        from .returns import find_return_files

        h = hashlib.blake2b(digest_size=16)
        for f in find_return_files([self.path]):
            h.update(f"{f}\0{file_digest(f)}\0".encode())
        return h.hexdigest()

    def load(self, registry, plan: str):
        """The returns of ``plan`` (a :class:`~taizhang.returns.ReturnSet`), cached by content."""
        key = (self.kind, str(self.path.resolve()), self.digest(), plan, registry.version)
        hit = _CACHE.get(key)
        if hit is None:
            if len(_CACHE) > 16:
                _CACHE.clear()
            if self.kind == "store":
                from .store import load_returnset

                hit = load_returnset(self.path, registry, plan)
            else:
                from .returns import load_returns

                hit = load_returns([self.path], registry, plan)
            _CACHE[key] = hit
        return hit
