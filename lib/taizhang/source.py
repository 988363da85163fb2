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

from .errors import ParameterError, TaizhangError
from .project import inputs_dir, project_root
from .provenance import SAMPLE_DIGESTS, stamped_digests  # the sample generator's stamp (its owner)

#: the mark every page of a report on sample data carries (HTML, PDF header of every page, Excel, file name)
SAMPLE_MARK = "样例数据，非真实报送"

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


class NoDataError(TaizhangError):
    """The chosen data holds no returns of the plan (exit 2: the user must ingest first or choose the data)."""

    exit_code = 2


def sample_digests() -> frozenset[str]:
    """The SHA-256 of every sample return the generator wrote (its stamps under ``inputs/sample/*/``)."""
    out: set[str] = set()
    root = inputs_dir() / "sample"
    for stamp in sorted(root.glob(f"*/{SAMPLE_DIGESTS}")) if root.is_dir() else ():
        out.update(stamped_digests(stamp.parent))
    return frozenset(out)


def _no_data(store: Path, plan: str, exists: bool, sample: bool = True) -> NoDataError:
    what = f"数据库 {_rel(store)} 中没有方案 {plan} 的报表" if exists else f"数据库 {_rel(store)} 不存在（尚未导入任何报表）"
    try_sample = f"；只想试用时加 --sample 使用样例数据，报告每页将标注“{SAMPLE_MARK}”" if sample else ""
    return NoDataError(f"{what}。请先运行 taizhang ingest <报表文件或文件夹> 把各单位的月度报表导入数据库"
                       f"（或用 --store 指定其他数据库）{try_sample}。")


def missing_store_error(store: Path) -> NoDataError:
    """The error of a command whose default store does not exist yet: run ``taizhang ingest`` first (a
    command without ``--sample``, such as ``supervise``: the message does not offer it)."""
    return _no_data(store, "", False, sample=False)


def _rel(path: Path | str) -> str:
    try:
        return str(Path(path).resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class DataSource:
    """Where a plan's returns come from: ``kind`` ``"store"`` (a store file), ``"folder"`` (returns files) or
    ``"sample"`` (the generated sample returns, used only when asked for by name)."""

    kind: str
    path: Path

    @classmethod
    def of(cls, plan: str, inputs: str | Path | None = None, store: str | Path | None = None,
           sample: bool = False, default: str = "store") -> "DataSource":
        """The source named by a report's ``inputs``/``store``/``sample`` parameters.

        With none given, the store ``taizhang ingest`` writes (``inputs/taizhang.sqlite``); a store that does
        not exist is a :class:`NoDataError` telling the user to run ``ingest``. ``default="sample"`` keeps
        the sample folder as the default (the report notebooks run bare by nbval; their reports carry the
        sample mark).
        """
        given = [n for n, v in (("inputs", inputs), ("store", store)) if v]
        if sample and given:
            raise ParameterError("sample", "是", f"不与 {given[0]} 同时使用（样例数据与指定的数据二选一）")
        if len(given) > 1:
            raise ParameterError("store", str(store), "--inputs 与 --store 二选一")
        if sample or (not given and default == "sample"):
            return cls("sample", default_inputs(plan))
        if inputs:
            folder = Path(inputs)
            if not folder.exists():
                raise ParameterError("inputs", str(folder), "存在的报表文件夹")
            return cls("folder", folder)
        from .store import default_store

        path = Path(store) if store else default_store()
        if not path.is_file():
            if store:
                raise ParameterError("store", str(store), "存在的数据库文件（先用 taizhang ingest 导入报表）")
            raise _no_data(path, plan, False)
        return cls("store", path)

    @property
    def label(self) -> str:
        """Where the data came from, in Chinese (the report's 数据来源 line), e.g. ``样例数据（inputs/sample/bayannur，
        非真实报送）`` or ``数据库 inputs/taizhang.sqlite``; users print it whole, without adding 样例数据 again."""
        if self.kind == "sample":
            return f"样例数据（{_rel(self.path)}，非真实报送）"  # says 样例数据 once: users print it as it is
        return f"数据库 {_rel(self.path)}" if self.kind == "store" else f"报表文件夹 {_rel(self.path)}"

    def sample_files(self, returns) -> int:
        """How many of the accepted files behind ``returns`` are sample returns (all of them for the sample
        source; in a store or folder, those whose SHA-256 the sample generator stamped)."""
        if self.kind == "sample":
            return len(returns.files)
        digests = set(sample_digests())
        if self.kind == "store":  # the files ingest saw stamped, wherever the generator wrote them
            from .store import sample_digests as stored

            digests |= stored(self.path)
        elif self.path is not None and self.path.is_dir():  # a folder: its own stamps (and its subfolders')
            for stamp in self.path.rglob(SAMPLE_DIGESTS):
                digests |= stamped_digests(stamp.parent)
        return int(returns.files["sha256"].isin(digests).sum()) if digests and len(returns.files) else 0

    def digest(self) -> str:
        """A digest of every file's content (name and bytes) this source would read."""
        if self.kind == "store":
            return file_digest(self.path)
        from .returns import find_return_files

        h = hashlib.blake2b(digest_size=16)
        for f in find_return_files([self.path]):
            h.update(f"{f}\0{file_digest(f)}\0".encode())
        return h.hexdigest()

    def files_only(self, registry, plan: str):
        """The plan's returns without their values: a :class:`~taizhang.returns.ReturnSet` whose ``files`` are
        the accepted files behind the data (file, sha256, unit, period) and whose observations and tasks are
        empty — what ``taizhang run`` needs to choose and check the month before any report is rendered (or
        found unchanged). From a store it reads only the submission log (a fraction of :meth:`load`'s cost);
        a folder or the sample is loaded as by :meth:`load`. A store without the plan's returns is a
        :class:`NoDataError`, as in :meth:`load`."""
        if self.kind != "store":
            return self.load(registry, plan)
        import pandas as pd

        from .returns import ReturnSet
        from .store import submissions_frame

        registry.plan(plan)
        log = submissions_frame(self.path, plan)
        if log.empty:
            raise _no_data(self.path, plan, True)
        current = log[(log["outcome"] == "accepted") & (log["is_current"] == 1)]
        files = current[["file", "sha256", "unit", "period"]].sort_values("file").reset_index(drop=True)
        return ReturnSet(observations=pd.DataFrame(columns=["unit", "period", "field", "value"]),
                         tasks=pd.DataFrame(columns=["unit", "period", "target_id", "done_date", "evidence"]),
                         files=files)

    def load(self, registry, plan: str):
        """The returns of ``plan`` (a :class:`~taizhang.returns.ReturnSet`), cached by content."""
        if self.kind == "sample":
            from .sample import ensure_sample

            ensure_sample(registry, plan, self.path)  # derived data: (re)written when missing or stale
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
            if self.kind == "store" and hit.files.empty and not hit.rejected:
                raise _no_data(self.path, plan, True)
            _CACHE[key] = hit
        return hit


# ------------------------------------------------------------------------------------------- coverage
COVERAGE_LABELS = {"reported": "按时报送", "late": "逾期报送", "missing": "未报送", "rejected": "被退回未重报"}


def coverage(registry, plan: str, returns, period: str, source: "DataSource | None" = None):
    """Per unit of ``plan``: did its return for ``period`` arrive — the one owner of per-unit-month coverage.

    A DataFrame with one row per unit (in the plan's unit order): ``unit``, ``unit_name``, ``status``
    (``reported`` on time / ``late`` / ``missing`` / ``rejected`` = only rejected files, not yet corrected),
    ``status_label`` (Chinese, :data:`COVERAGE_LABELS`) and ``data_period`` (the unit's latest month with
    accepted data up to ``period``, "" when none: the month its carried values come from). Lateness needs
    the 填报日期 the store keeps; from a folder of returns a received return counts as on time.
    """
    import pandas as pd

    late: set[str] = set()
    if source is not None and source.kind == "store":
        from .store import quality_frame

        q = quality_frame(source.path, registry, plan, period)
        late = set(q.loc[q["status"] == "late", "unit"])
    files = returns.files
    got = set(files.loc[files["period"] == period, "unit"])
    bad = {getattr(r, "unit", None) for r in returns.rejected if getattr(r, "period", None) == period}
    seen = pd.concat([returns.observations[["unit", "period"]], returns.tasks[["unit", "period"]],
                      files[["unit", "period"]]])
    seen = seen[seen["period"] <= period].groupby("unit")["period"].max().to_dict()
    rows = []
    for u in registry.unit_list(plan):
        status = ("late" if u.id in late else "reported") if u.id in got else "rejected" if u.id in bad else "missing"
        rows.append({"unit": u.id, "unit_name": u.name, "status": status, "status_label": COVERAGE_LABELS[status],
                     "data_period": seen.get(u.id, "")})
    return pd.DataFrame(rows, columns=["unit", "unit_name", "status", "status_label", "data_period"])


def latest_open_month(today=None, ahead: int = 0) -> str:
    """The latest month (``YYYY-MM``) that may be named today: the current month, or ``ahead`` months later
    (templates are sent a month ahead). The one owner of "a month after now"."""
    from datetime import date

    from .kernel.months import Month

    today = today or date.today()
    return str(Month.of(today.year, today.month) + ahead)


def month_beyond_data(returns, period: str, today=None) -> str:
    """Why ``period`` must not be reported as if it had data ("" when it may): after the latest month with
    accepted data, or after the current month."""
    now = latest_open_month(today)
    periods = list(returns.files["period"]) + list(returns.observations["period"])
    latest = max(periods) if periods else ""
    if period > now:
        return f"统计月份 {period} 晚于当前月份 {now}，尚无任何单位能报送该月数据"
    if latest and period > latest:
        return f"统计月份 {period} 晚于数据中最新的月份 {latest}，该月没有任何报表"
    return ""
