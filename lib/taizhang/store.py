"""The return store: every accepted return and every submission, in one SQLite file.

Why SQLite (standard library) rather than DuckDB: ingest is many small transactional writes (one file →
one transaction of a few dozen rows) from possibly two processes at once. SQLite's WAL mode with
``BEGIN IMMEDIATE`` serialises concurrent writers safely and lets readers continue, needs no extra
package, and the file opens in any SQLite tool. DuckDB is built for analytical scans and allows only one
writing process at a time (a second process fails to open the file instead of waiting). The data here is
small (≈ 2,000 returns × 40 fields), so analytical speed does not matter.

Tables:

* ``submissions`` — the submission log: one row per distinct file received (file name, path, sha256, plan,
  unit, period, 填报日期, received time, rows accepted, outcome accepted/rejected, revision, problems).
* ``observations`` / ``tasks`` — the values of accepted submissions (by submission id).
* A unit's return for a month may have several accepted revisions; the latest received is *current*
  (``is_current = 1``), earlier ones stay as history.

Ingesting the identical file again (same sha256, same plan) changes nothing. Each file is loaded in one
transaction: all of it or nothing.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from .errors import Problem, ReturnError
from .project import inputs_dir, sha256_file
from .returns import (MonthlyReturn, ReturnRejected, ReturnSet, due_date, find_return_files, guess_from_name,
                      open_grid, read_return)
from .targets import Registry

SCHEMA_VERSION = 1
STATUS_LABELS = {"reported": "按时报送", "late": "逾期报送", "missing": "未报送", "rejected": "被退回"}
FEEDBACK_DIR = "退回修改清单"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    plan TEXT,
    unit TEXT,
    period TEXT,
    filed TEXT,
    received TEXT NOT NULL,
    rows_accepted INTEGER NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    revision INTEGER,
    is_current INTEGER NOT NULL DEFAULT 0,
    problems TEXT NOT NULL DEFAULT '[]',
    registry_version TEXT NOT NULL DEFAULT '',
    feedback TEXT
);
CREATE INDEX IF NOT EXISTS submissions_sha ON submissions (sha256);
CREATE INDEX IF NOT EXISTS submissions_key ON submissions (plan, period, unit);
CREATE UNIQUE INDEX IF NOT EXISTS submissions_current ON submissions (plan, unit, period) WHERE is_current = 1;
CREATE TABLE IF NOT EXISTS observations (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    field TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (submission_id, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tasks (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    target_id TEXT NOT NULL,
    done_date TEXT,
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, target_id)
) WITHOUT ROWID;
"""


def default_store() -> Path:
    """Where the store lives unless ``--store`` says otherwise: ``inputs/taizhang.sqlite`` (not committed)."""
    return inputs_dir() / "taizhang.sqlite"


def connect(store: Path, create: bool = True) -> sqlite3.Connection:
    """Open (and if needed create) the store: WAL mode, foreign keys on, wait up to 60 s for a writer."""
    store = Path(store)
    if not create and not store.is_file():
        from .errors import ParameterError

        raise ParameterError("--store", str(store), "已存在的数据库文件（先用 taizhang ingest 导入报表）")
    store.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(store, timeout=60, isolation_level=None)
    con.execute("PRAGMA busy_timeout = 60000")
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = NORMAL")
    con.execute("PRAGMA foreign_keys = ON")
    if create:
        con.executescript(_SCHEMA)  # idempotent (IF NOT EXISTS); each statement waits for other writers
        con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        from .supervision.schema import ensure_schema  # issue 14: 督办 tables (an older store: backup, then upgrade)

        ensure_schema(con, store)
    return con


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file: ``accepted``, ``rejected`` or ``unchanged`` (already in the store)."""

    file: Path
    outcome: str
    sha256: str
    plan: str | None = None
    unit: str | None = None
    period: str | None = None
    revision: int | None = None
    rows: int = 0
    problems: tuple[Problem, ...] = ()
    title: str = ""
    feedback: Path | None = None
    previous_outcome: str | None = None  # for unchanged: what the earlier ingest decided

    # for an unchanged file that was rejected before, ``problems``, ``title`` and ``feedback`` repeat the
    # stored reasons, so the sender sees why it is still refused

    @property
    def ok(self) -> bool:
        """True unless the file is (still) rejected."""
        return self.outcome == "accepted" or (self.outcome == "unchanged" and self.previous_outcome == "accepted")


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def ingest_file(con: sqlite3.Connection, path: Path, registry: Registry, plan_id: str | None = None,
                today: date | None = None, received: str | None = None,
                feedback_dir: Path | None = None) -> IngestResult:
    """Validate one return file and record it in the store in a single transaction.

    The file is only read. Identical content already recorded for the same plan (and, for a rejected file,
    the same registry version) changes nothing; the result then repeats the stored problems of a file
    rejected before. A rejected file is logged under the unit and month its file name gives
    (``<单位>_<YYYY-MM>``, unit by name or alias), else under what could be read of it, so the quality view
    shows every rejected file — also one that cannot be opened at all (.xls, corrupt, encrypted). An accepted file becomes the current revision of its
    unit and month; the previous revision stays in history. A rejected file is logged with every problem,
    and a 退回修改清单 workbook is written to ``feedback_dir`` when given.
    """
    path = Path(path)
    sha = sha256_file(path)
    ret: MonthlyReturn | None = None
    err: ReturnRejected | None = None
    grid = None
    try:
        grid = open_grid(path)
        ret = read_return(path, registry, plan_id, today=today, grid=grid)
    except ReturnRejected as exc:
        err = exc
    except ReturnError as exc:  # pragma: no cover - read_return raises ReturnRejected
        err = ReturnRejected(exc.title, exc.problems, file=path.name)
    if err is not None:
        # a rejected file is logged under the unit and month its name gives (what the office tracks and
        # sends the feedback for), else under what could be read of its content
        guess_plan, guess_unit, guess_period = guess_from_name(path.name, registry, err.plan or plan_id)
        err.plan = err.plan or guess_plan
        if guess_unit is not None and guess_plan == err.plan:
            err.unit = guess_unit
        err.period = guess_period or err.period
    # issue 14: the 整改情况 sheet, checked against the open 督办事项; its problems join the file's problems
    from .supervision.answers import check as sv_check, record as sv_record

    ret, err, sv_answers = sv_check(con, grid, path.name, ret, err, plan_id, today=today)
    plan = ret.plan if ret else err.plan  # type: ignore[union-attr]
    received = received or _now()
    con.execute("BEGIN IMMEDIATE")
    try:
        prev = con.execute(
            "SELECT id, outcome, registry_version, plan, unit, period, revision FROM submissions "
            "WHERE sha256 = ? AND plan IS ? ORDER BY id DESC LIMIT 1", (sha, plan)).fetchone()
        if prev and (prev[1] == "accepted" or prev[2] == registry.version):
            stored, fb = con.execute("SELECT problems, feedback FROM submissions WHERE id = ?", (prev[0],)).fetchone()
            con.execute("COMMIT")
            problems = tuple(Problem(w, m) for w, m in json.loads(stored))
            title = (f"{path.name}：与此前退回的文件内容相同，仍有 {len(problems)} 处问题，整份报表退回"
                     if prev[1] == "rejected" else "")
            feedback = Path(fb) if fb and Path(fb).is_file() else None
            return IngestResult(path, "unchanged", sha, prev[3], prev[4], prev[5], prev[6], problems=problems,
                                title=title, feedback=feedback, previous_outcome=prev[1])
        if ret is not None:
            revision = 1 + (con.execute(
                "SELECT COALESCE(MAX(revision), 0) FROM submissions WHERE plan = ? AND unit = ? AND period = ? "
                "AND outcome = 'accepted'", (plan, ret.unit, ret.period)).fetchone()[0])
            con.execute("UPDATE submissions SET is_current = 0 WHERE plan = ? AND unit = ? AND period = ? "
                        "AND is_current = 1", (plan, ret.unit, ret.period))
            cur = con.execute(
                "INSERT INTO submissions (file, path, sha256, plan, unit, period, filed, received, rows_accepted, "
                "outcome, revision, is_current, registry_version) VALUES (?,?,?,?,?,?,?,?,?, 'accepted', ?, 1, ?)",
                (path.name, str(path), sha, plan, ret.unit, ret.period, ret.filed.isoformat() if ret.filed else None,
                 received, len(ret.values) + len(ret.tasks), revision, registry.version))
            sid = cur.lastrowid
            con.executemany("INSERT INTO observations VALUES (?,?,?)", [(sid, f, v) for f, v in ret.values.items()])
            con.executemany("INSERT INTO tasks VALUES (?,?,?,?)",
                            [(sid, tid, d.isoformat() if d else None, ev) for tid, d, ev in ret.tasks])
            sv_record(con, sid, ret, sv_answers, received)  # issue 14: answers to 督办事项, with history
            con.execute("COMMIT")
            return IngestResult(path, "accepted", sha, plan, ret.unit, ret.period, revision,
                                rows=len(ret.values) + len(ret.tasks))
        assert err is not None
        feedback = None
        if feedback_dir is not None:
            from .template import write_feedback

            feedback = write_feedback(Path(feedback_dir) / f"{path.stem}_退回修改清单.xlsx", err, path.name,
                                      sha, received, registry, plan)
        con.execute(
            "INSERT INTO submissions (file, path, sha256, plan, unit, period, received, rows_accepted, outcome, "
            "problems, registry_version, feedback) VALUES (?,?,?,?,?,?,?,0,'rejected',?,?,?)",
            (path.name, str(path), sha, plan, err.unit, err.period, received,
             json.dumps([[p.where, p.message] for p in err.problems], ensure_ascii=False), registry.version,
             str(feedback) if feedback else None))
        con.execute("COMMIT")
        return IngestResult(path, "rejected", sha, plan, err.unit, err.period, problems=tuple(err.problems),
                            title=err.title, feedback=feedback)
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


def ingest(paths, store: Path | None = None, registry: Registry | None = None, plan_id: str | None = None,
           today: date | None = None, feedback_dir: Path | None = None, progress=None) -> list[IngestResult]:
    """Ingest every return file under ``paths`` (files or folders) into ``store``; one result per file.

    ``feedback_dir`` defaults to a 退回修改清单 folder next to the store. ``progress`` (optional) is called
    with each result as it is produced.
    """
    from .targets import load_registry

    registry = registry or load_registry()
    store = Path(store) if store else default_store()
    feedback_dir = Path(feedback_dir) if feedback_dir else store.parent / FEEDBACK_DIR
    files = find_return_files(paths)
    results = []
    with closing(connect(store)) as con:
        for path in files:
            res = ingest_file(con, path, registry, plan_id, today=today, feedback_dir=feedback_dir)
            results.append(res)
            if progress:
                progress(res)
    return results


# --------------------------------------------------------------------------------------------------
# reading the store


def load_returnset(store: Path, registry: Registry, plan_id: str) -> ReturnSet:
    """The current revision of every accepted return of ``plan_id`` as a :class:`ReturnSet`.

    ``files`` lists the accepted files behind the data (file, sha256, unit, period, plus revision and
    received); ``rejected`` lists rejected submissions that no later accepted file for the same unit and
    month has replaced, each with every problem.
    """
    registry.plan(plan_id)
    with closing(connect(store, create=False)) as con:
        obs = pd.read_sql_query(
            "SELECT s.unit, s.period, o.field, o.value FROM observations o JOIN submissions s ON s.id = o.submission_id "
            "WHERE s.plan = ? AND s.is_current = 1 ORDER BY s.unit, s.period, o.field", con, params=(plan_id,))
        tasks = pd.read_sql_query(
            "SELECT s.unit, s.period, t.target_id, t.done_date, t.evidence FROM tasks t "
            "JOIN submissions s ON s.id = t.submission_id WHERE s.plan = ? AND s.is_current = 1 "
            "ORDER BY s.unit, s.period, t.target_id", con, params=(plan_id,))
        files = pd.read_sql_query(
            "SELECT file, sha256, unit, period, revision, received FROM submissions "
            "WHERE plan = ? AND is_current = 1 ORDER BY file", con, params=(plan_id,))
        rej = con.execute(
            "SELECT r.file, r.unit, r.period, r.problems FROM submissions r WHERE r.plan = ? AND r.outcome = 'rejected' "
            "AND NOT EXISTS (SELECT 1 FROM submissions a WHERE a.plan = r.plan AND a.unit = r.unit "
            "AND a.period = r.period AND a.outcome = 'accepted' AND a.id > r.id) ORDER BY r.file, r.id",
            (plan_id,)).fetchall()
    tasks["done_date"] = [date.fromisoformat(d) if isinstance(d, str) else None for d in tasks["done_date"]]
    rejected = []
    for file, unit, period, problems in rej:
        probs = [Problem(w, m) for w, m in json.loads(problems)]
        rejected.append(ReturnRejected(f"{file}：有 {len(probs)} 处问题，整份报表退回", probs, file=file,
                                       plan=plan_id, unit=unit, period=period))
    return ReturnSet(observations=obs, tasks=tasks, files=files, rejected=rejected)


def submissions_frame(store: Path, plan_id: str | None = None) -> pd.DataFrame:
    """The submission log (every file received, oldest first)."""
    with closing(connect(store, create=False)) as con:
        where, params = ("WHERE plan = ?", (plan_id,)) if plan_id else ("", ())
        return pd.read_sql_query(
            "SELECT id, file, sha256, plan, unit, period, filed, received, rows_accepted, outcome, revision, "
            f"is_current, problems FROM submissions {where} ORDER BY id", con, params=params)


def quality_frame(store: Path, registry: Registry, plan_id: str, period: str) -> pd.DataFrame:
    """Per unit of ``plan_id``: did its return for ``period`` arrive on time, late, not at all, or rejected?

    Columns: unit, unit_name, status (reported / late / missing / rejected), status_label (Chinese),
    file, received, filed, revision, problems (Chinese, one per line). A return is late when its 填报日期
    (or, when blank, the time it was received) is after the due date (the 10th of the following month).
    ``rejected`` means only rejected files arrived for that unit and month.
    """
    registry.plan(plan_id)
    with closing(connect(store, create=False)) as con:
        rows = con.execute(
            "SELECT unit, outcome, is_current, file, received, filed, revision, problems, id FROM submissions "
            "WHERE plan = ? AND period = ? ORDER BY id", (plan_id, period)).fetchall()
    due = due_date(period)
    out = []
    for unit in registry.unit_list(plan_id):
        mine = [r for r in rows if r[0] == unit.id]
        current = next((r for r in mine if r[2] == 1), None)
        if current is not None:
            first = min((r for r in mine if r[1] == "accepted"), key=lambda r: r[8])
            when = date.fromisoformat(first[5]) if first[5] else datetime.fromisoformat(first[4]).date()
            status = "late" if when > due else "reported"
            rec = current
            problems = ""
        elif mine:
            status, rec = "rejected", mine[-1]
            problems = "\n".join(str(Problem(w, m)) for w, m in json.loads(rec[7]))
        else:
            status, rec, problems = "missing", None, ""
        out.append({
            "unit": unit.id, "unit_name": unit.name, "status": status, "status_label": STATUS_LABELS[status],
            "file": rec[3] if rec else "", "received": rec[4] if rec else "", "filed": (rec[5] or "") if rec else "",
            "revision": rec[6] if rec and rec[6] is not None else pd.NA, "problems": problems,
        })
    return pd.DataFrame(out, columns=["unit", "unit_name", "status", "status_label", "file", "received", "filed",
                                      "revision", "problems"])
