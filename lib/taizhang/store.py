"""The return store: every accepted return and every submission, in one SQLite file.

Why SQLite (standard library) rather than DuckDB: ingest is many small transactional writes (one file →
one transaction of a few dozen rows) from possibly two processes at once. SQLite's WAL mode with
``BEGIN IMMEDIATE`` serialises concurrent writers safely and lets readers continue, needs no extra
package, and the file opens in any SQLite tool. DuckDB is built for analytical scans and allows only one
writing process at a time (a second process fails to open the file instead of waiting). The data here is
small (≈ 2,000 returns × 40 fields), so analytical speed does not matter.

Tables:

* ``submissions`` — the submission log: one row per distinct file received (file name, path, sha256, plan,
  unit, period, 填报日期, received time, rows accepted, outcome accepted/rejected, revision, feedback).
* ``problems`` — every problem of a rejected submission, one row each: its code (catalogue in
  :mod:`taizhang.returns.codes`), location (file, sheet, cell or row, field) and Chinese message, so the
  quality report can count problems by code (:func:`problem_counts`).
* ``observations`` / ``tasks`` — the values of accepted submissions (by submission id).
* A unit's return for a month may have several accepted revisions; the latest received is *current*
  (``is_current = 1``), earlier ones stay as history.

A file is judged as what it claims to be (name, unit, month) before it is recognised as a copy: ingesting
the identical file under the same name again, judged the same way, changes nothing; the same bytes under
another name are a new submission (every sender is logged), and a copy of another unit's or month's
accepted return is rejected with a problem naming that return. Each file is loaded in one transaction: all
of it or nothing. Schema version 1 stores (problems as a JSON column) are migrated on first open.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from .errors import Location, Problem
from .project import inputs_dir
from .provenance import stamped_digests
from .returns import (MonthlyReturn, Rejection, ReturnRejected, ReturnSet, due_date, guess_from_name, open_grid,
                      problem_category, read_return, scan_paths, unexpected, unit_label)
from .returns.codes import problem
from .safetext import short_name
from .targets import Registry

SCHEMA_VERSION = 2
STATUS_LABELS = {"reported": "按时报送", "late": "逾期报送", "missing": "未报送", "rejected": "被退回"}
FEEDBACK_DIR = "退回修改清单"
FEEDBACK_SUFFIX = "_退回修改清单.xlsx"

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
    registry_version TEXT NOT NULL DEFAULT '',
    feedback TEXT
);
CREATE INDEX IF NOT EXISTS submissions_sha ON submissions (sha256);
CREATE INDEX IF NOT EXISTS submissions_key ON submissions (plan, period, unit);
CREATE UNIQUE INDEX IF NOT EXISTS submissions_current ON submissions (plan, unit, period) WHERE is_current = 1;
CREATE TABLE IF NOT EXISTS problems (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    seq INTEGER NOT NULL,
    code TEXT NOT NULL,
    file TEXT NOT NULL DEFAULT '',
    sheet TEXT NOT NULL DEFAULT '',
    cell TEXT NOT NULL DEFAULT '',
    row TEXT NOT NULL DEFAULT '',
    field TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL,
    PRIMARY KEY (submission_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS problems_code ON problems (code);
CREATE TABLE IF NOT EXISTS observations (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    field TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (submission_id, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sample_files (
    sha256 TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tasks (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    target_id TEXT NOT NULL,
    done_date TEXT,
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, target_id)
) WITHOUT ROWID;
"""
#: code of problems migrated from a schema-1 store (they were stored as text only)
LEGACY_CODE = "legacy"


def default_store() -> Path:
    """Where the store lives unless ``--store`` says otherwise: ``inputs/taizhang.sqlite`` (not committed)."""
    return inputs_dir() / "taizhang.sqlite"


def connect(store: Path, create: bool = True) -> sqlite3.Connection:
    """Open (and if needed create or migrate) the store: WAL mode, foreign keys on, wait up to 60 s for a writer."""
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
    if create or _has_legacy_problems(con):
        from .supervision.schema import backup_before_upgrade, ensure_schema  # issue 14: 督办 tables

        # an older store is copied once, before any upgrade (problems as rows, supervision tables) touches it
        copied = backup_before_upgrade(con, store, legacy=_has_legacy_problems(con))
        con.executescript(_SCHEMA)  # idempotent (IF NOT EXISTS); each statement waits for other writers
        _migrate(con)
        con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        ensure_schema(con, store, backed_up=copied is not None)
    return con


def _has_legacy_problems(con: sqlite3.Connection) -> bool:
    return any(r[1] == "problems" for r in con.execute("PRAGMA table_info(submissions)"))


def _migrate(con: sqlite3.Connection) -> None:
    """Schema 1 → 2: the JSON ``problems`` column of submissions becomes rows of the ``problems`` table
    (code :data:`LEGACY_CODE`, location split from the stored text). One transaction; nothing is lost."""
    if not _has_legacy_problems(con):
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        if _has_legacy_problems(con):  # another process may have migrated meanwhile
            for sid, text in con.execute("SELECT id, problems FROM submissions WHERE outcome = 'rejected'").fetchall():
                for seq, (where, message) in enumerate(json.loads(text or "[]")):
                    parts = [x.strip() for x in str(where).split(" / ")]
                    file = parts[0] if parts else ""
                    last = parts[-1] if len(parts) > 1 else ""
                    cell = last if last[:1].isascii() and last[:1].isalpha() else ""
                    row = last if last.startswith("第") else ""
                    sheet = parts[1] if len(parts) > 2 or (len(parts) == 2 and not (cell or row)) else ""
                    con.execute("INSERT OR IGNORE INTO problems VALUES (?,?,?,?,?,?,?,?,?)",
                                (sid, seq, LEGACY_CODE, file, sheet, cell, row, "", message))
            con.execute("ALTER TABLE submissions DROP COLUMN problems")
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


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


def judge_file(path: Path, registry: Registry, plan_id: str | None = None, today: date | None = None
               ) -> MonthlyReturn | Rejection:
    """Read and validate one file: the accepted return, or the :class:`Rejection` record, never an
    exception (an unforeseen failure is a rejection too). A rejected file is identified by the unit and
    month its name gives (``<单位>_<YYYY-MM>``, unit by name or alias), else by what could be read of it."""
    return _judge(Path(path), registry, plan_id, today)[0]


def _judge(path: Path, registry: Registry, plan_id: str | None, today: date | None):
    """:func:`judge_file`, plus the grid that was read (None when the file could not be opened)."""
    grid = None
    try:
        grid = open_grid(path)
        return read_return(path, registry, plan_id, today=today, grid=grid), grid
    except ReturnRejected as exc:
        err = exc
    except Exception as exc:  # noqa: BLE001 - one file can never stop the batch
        err = unexpected(path, exc)
    rec = err.record
    guess_plan, guess_unit, guess_period = guess_from_name(path.name, registry, rec.plan or plan_id)
    plan = rec.plan or guess_plan
    unit = guess_unit if guess_unit is not None and guess_plan == plan else rec.unit
    err.identify(plan=plan, unit=unit, period=guess_period or rec.period)
    return err.record, grid


def _identity(judged) -> tuple:
    return (judged.plan, judged.unit, judged.period)


def ingest_file(con: sqlite3.Connection, path: Path, registry: Registry, plan_id: str | None = None,
                today: date | None = None, received: str | None = None,
                feedback_dir: Path | None = None) -> IngestResult:
    """Validate one return file and record it in the store in a single transaction.

    The file is only read (once: the hash is of the bytes validated). It is first judged as the file it
    claims to be (:func:`judge_file`), then compared with what the store holds: the same bytes under the same
    name, judged to be the same unit and month, change nothing if they were accepted before, or rejected before
    and still rejected under the same registry version — the result then repeats the stored problems of a file
    rejected before. The same bytes as an accepted return of
    another unit or month are rejected, naming that return. An accepted file becomes the current revision of
    its unit and month; the previous revision stays in history. A rejected file is logged with every
    problem (one row each), and a 退回修改清单 workbook is written to ``feedback_dir`` when given.
    """
    path = Path(path)
    judged, grid = _judge(path, registry, plan_id, today)
    # issue 14: the 整改情况 sheet, checked against the open 督办事项; its problems join the file's problems
    from .supervision.answers import check as sv_check

    judged, sv_answers = sv_check(con, grid, path.name, judged, plan_id, today=today)
    received = received or _now()
    con.execute("BEGIN IMMEDIATE")
    try:
        prev = _same_file_before(con, path, judged, registry)
        if prev is not None:
            con.execute("COMMIT")
            return _unchanged(con, path, judged.sha256, prev)
        judged = _unless_copy(con, judged, registry)
        if isinstance(judged, MonthlyReturn):
            return _record_accepted(con, path, judged, registry, sv_answers, received)
        return _record_rejected(con, path, judged, registry, received, feedback_dir)
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


def _same_file_before(con: sqlite3.Connection, path: Path, judged, registry: Registry) -> tuple | None:
    """The store's last submission of the same bytes under the same name when it decides this one (the file is
    then unchanged), else None; read inside :func:`ingest_file`'s transaction."""
    prev = con.execute(
        "SELECT id, outcome, registry_version, plan, unit, period, revision, feedback FROM submissions "
        "WHERE sha256 = ? AND plan IS ? AND file = ? ORDER BY id DESC LIMIT 1",
        (judged.sha256, judged.plan, path.name)).fetchone()
    outcome = "accepted" if isinstance(judged, MonthlyReturn) else "rejected"
    # the same file judged as the same unit and month: accepted before stays accepted (also under a newer
    # registry); rejected before stays rejected unless the registry changed or it is now acceptable
    if prev and (prev[3], prev[4], prev[5]) == _identity(judged) \
            and (prev[1] == "accepted" or (outcome == "rejected" and prev[2] == registry.version)):
        return prev
    return None


def _unchanged(con: sqlite3.Connection, path: Path, sha: str, prev: tuple) -> IngestResult:
    """The result for a file the store already decided (``prev``: :func:`_same_file_before`'s row); one
    rejected before repeats its stored problems and 退回修改清单."""
    problems = _problems_of(con, prev[0])
    title = (f"{path.name}：与此前退回的文件内容相同，仍有 {len(problems)} 处问题，整份报表退回"
             if prev[1] == "rejected" else "")
    feedback = Path(prev[7]) if prev[7] and Path(prev[7]).is_file() else None
    return IngestResult(path, "unchanged", sha, prev[3], prev[4], prev[5], prev[6], problems=problems,
                        title=title, feedback=feedback, previous_outcome=prev[1])


def _unless_copy(con: sqlite3.Connection, judged, registry: Registry):
    """``judged``, or its rejection (:func:`_copy_of`) when its bytes are an accepted return of another unit
    or month."""
    if judged.sha256:
        other = con.execute(
            "SELECT file, plan, unit, period FROM submissions WHERE sha256 = ? AND outcome = 'accepted' "
            "AND NOT (plan IS ? AND unit IS ? AND period IS ?) ORDER BY id LIMIT 1",
            (judged.sha256, *_identity(judged))).fetchone()
        if other is not None:
            return _copy_of(judged, other, registry)
    return judged


def _record_accepted(con: sqlite3.Connection, path: Path, ret: MonthlyReturn, registry: Registry, sv_answers,
                     received: str) -> IngestResult:
    """Store an accepted return as the current revision of its unit and month, and commit."""
    from .supervision.answers import record as sv_record

    plan = ret.plan
    revision = 1 + (con.execute(
        "SELECT COALESCE(MAX(revision), 0) FROM submissions WHERE plan = ? AND unit = ? AND period = ? "
        "AND outcome = 'accepted'", (plan, ret.unit, ret.period)).fetchone()[0])
    con.execute("UPDATE submissions SET is_current = 0 WHERE plan = ? AND unit = ? AND period = ? "
                "AND is_current = 1", (plan, ret.unit, ret.period))
    cur = con.execute(
        "INSERT INTO submissions (file, path, sha256, plan, unit, period, filed, received, rows_accepted, "
        "outcome, revision, is_current, registry_version) VALUES (?,?,?,?,?,?,?,?,?, 'accepted', ?, 1, ?)",
        (path.name, str(path), ret.sha256, plan, ret.unit, ret.period, ret.filed.isoformat() if ret.filed else None,
         received, len(ret.values) + len(ret.tasks), revision, registry.version))
    sid = cur.lastrowid
    con.executemany("INSERT INTO observations VALUES (?,?,?)", [(sid, f, v) for f, v in ret.values.items()])
    con.executemany("INSERT INTO tasks VALUES (?,?,?,?)",
                    [(sid, tid, d.isoformat() if d else None, ev) for tid, d, ev in ret.tasks])
    sv_record(con, sid, ret, sv_answers, received)  # issue 14: answers to 督办事项, with history
    con.execute("COMMIT")
    _archive_feedback(con, plan, ret.unit, ret.period, path)  # issue 14: the superseded 退回修改清单
    return IngestResult(path, "accepted", ret.sha256, plan, ret.unit, ret.period, revision,
                        rows=len(ret.values) + len(ret.tasks))


def _record_rejected(con: sqlite3.Connection, path: Path, rec: Rejection, registry: Registry, received: str,
                     feedback_dir: Path | None) -> IngestResult:
    """Log a rejected file with every problem (and its 退回修改清单 when ``feedback_dir`` is given), and commit."""
    feedback = None
    if feedback_dir is not None:
        feedback = _write_feedback(con, Path(feedback_dir), path, rec, received, registry)
    cur = con.execute(
        "INSERT INTO submissions (file, path, sha256, plan, unit, period, received, rows_accepted, outcome, "
        "registry_version, feedback) VALUES (?,?,?,?,?,?,?,0,'rejected',?,?)",
        (path.name, str(path), rec.sha256, rec.plan, rec.unit, rec.period, received, registry.version,
         str(feedback) if feedback else None))
    sid = cur.lastrowid
    con.executemany("INSERT INTO problems VALUES (?,?,?,?,?,?,?,?,?)", [_problem_row(sid, i, p, path.name)
                                                                      for i, p in enumerate(rec.problems)])
    con.execute("COMMIT")
    return IngestResult(path, "rejected", rec.sha256, rec.plan, rec.unit, rec.period, problems=tuple(rec.problems),
                        title=rec.title, feedback=feedback)


def _copy_of(judged, other: tuple, registry: Registry) -> Rejection:
    """The rejection of a file whose bytes are an accepted return of another unit or month (``other``: file,
    plan, unit, period of that return), with the problems found in the file itself before it."""
    file, oplan, ounit, operiod = other
    p = problem("copy.of_other_return", Location(file=judged.file if isinstance(judged, Rejection) else judged.file.name),
                unit=unit_label(registry, oplan, ounit) or "（未知单位）", period=operiod or "", file=file)
    if isinstance(judged, Rejection):
        problems = (*judged.problems, p)
        return Rejection(judged.file, f"{judged.file}：有 {len(problems)} 处问题，整份报表退回", problems, judged.plan,
                         judged.unit, judged.period, judged.sha256)
    name = judged.file.name
    return Rejection(name, f"{name}：有 1 处问题，整份报表退回", (p,), judged.plan, judged.unit, judged.period,
                     judged.sha256)


def _problem_row(sid: int, seq: int, p: Problem, file: str) -> tuple:
    loc = p.location or Location(file=file)
    return (sid, seq, p.code or LEGACY_CODE, loc.file, loc.sheet, loc.cell, loc.row, loc.field, p.message)


def _problem(row: tuple) -> Problem:
    code, file, sheet, cell, rw, fld, message = row
    loc = Location(file, sheet, cell, rw, fld)
    return Problem(str(loc), message, code=code, location=loc)


def _problems_of(con: sqlite3.Connection, sid: int) -> tuple[Problem, ...]:
    return tuple(_problem(r) for r in con.execute(
        "SELECT code, file, sheet, cell, row, field, message FROM problems WHERE submission_id = ? ORDER BY seq",
        (sid,)))


def _problems_by_submission(con: sqlite3.Connection, ids) -> dict[int, list[Problem]]:
    out: dict[int, list[Problem]] = {}
    ids = list(ids)
    for k in range(0, len(ids), 500):
        chunk = ids[k:k + 500]
        for sid, *row in con.execute(
                "SELECT submission_id, code, file, sheet, cell, row, field, message FROM problems "
                f"WHERE submission_id IN ({','.join('?' * len(chunk))}) ORDER BY submission_id, seq", chunk):
            out.setdefault(sid, []).append(_problem(tuple(row)))
    return out


def feedback_path(con: sqlite3.Connection, folder: Path, path: Path, sha: str) -> Path:
    """Where the 退回修改清单 of ``path`` goes: ``<文件名>_退回修改清单.xlsx`` in ``folder``, the name made safe
    and short (file systems allow 255 bytes), and told apart by the content's digest when a file of the same
    name from another folder already has that feedback."""
    target = folder / f"{short_name(path.stem, 150)}{FEEDBACK_SUFFIX}"
    owner = con.execute("SELECT path FROM submissions WHERE feedback = ? ORDER BY id DESC LIMIT 1",
                        (str(target),)).fetchone()
    if owner is not None and owner[0] != str(path):
        target = folder / f"{short_name(path.stem, 140)}_{(sha or '0' * 8)[:8]}{FEEDBACK_SUFFIX}"
    return target


def _archive_feedback(con, plan: str, unit: str, period: str, path: Path) -> None:
    """Move the 退回修改清单 this accepted return supersedes into ``已归档`` (issue 14); a failed move leaves it."""
    from .supervision.feedback import archive_superseded

    con.execute("BEGIN IMMEDIATE")
    try:
        archive_superseded(con, plan, unit, period, path)
        con.execute("COMMIT")
    except OSError:  # a read-only folder: the workbook stays where it is, the acceptance stands
        con.execute("ROLLBACK")


def _write_feedback(con, folder: Path, path: Path, rec: Rejection, received: str, registry: Registry) -> Path | None:
    from .template import write_feedback

    target = feedback_path(con, folder, path, rec.sha256)
    try:
        return write_feedback(target, rec, path.name, rec.sha256, received, registry, rec.plan)
    except OSError:  # a full disk or a read-only folder: the rejection is still logged, without a workbook
        return None


def ingest(paths, store: Path | None = None, registry: Registry | None = None, plan_id: str | None = None,
           today: date | None = None, feedback_dir: Path | None = None, progress=None) -> list[IngestResult]:
    """Ingest every return file under ``paths`` (files or folders) into ``store``; one result per file.

    ``feedback_dir`` defaults to a 退回修改清单 folder next to the store. ``progress`` (optional) is called
    with each result as it is produced. Which files are looked at: :func:`taizhang.returns.find_return_files`.
    """
    from .targets import load_registry

    registry = registry or load_registry()
    store = Path(store) if store else default_store()
    feedback_dir = Path(feedback_dir) if feedback_dir else store.parent / FEEDBACK_DIR
    files = scan_paths(paths)[0]
    if not files:  # nothing to ingest: the store is neither created nor touched
        return []
    results = []
    stamps: dict[Path, frozenset[str]] = {}
    with closing(connect(store)) as con:
        for path in files:
            res = ingest_file(con, path, registry, plan_id, today=today, feedback_dir=feedback_dir)
            results.append(res)
            folder = path.parent
            if folder not in stamps:
                stamps[folder] = stamped_digests(folder)
            if res.sha256 in stamps[folder]:  # a sample return: its reports say so even when the stamp is gone
                con.execute("INSERT OR IGNORE INTO sample_files VALUES (?)", (res.sha256,))
            if progress:
                progress(res)
    return results


# --------------------------------------------------------------------------------------------------
# reading the store


def sample_digests(store: Path) -> frozenset[str]:
    """The SHA-256 of the files that were sample returns when ``store`` ingested them (the generator's stamp
    beside them, :func:`taizhang.provenance.stamped_digests`); none for a store older than that record."""
    try:
        with closing(sqlite3.connect(f"file:{Path(store)}?mode=ro", uri=True)) as con:
            return frozenset(r[0] for r in con.execute("SELECT sha256 FROM sample_files"))
    except sqlite3.Error:
        return frozenset()


def load_returnset(store: Path, registry: Registry, plan_id: str) -> ReturnSet:
    """The current revision of every accepted return of ``plan_id`` as a :class:`ReturnSet`.

    ``files`` lists the accepted files behind the data (file, sha256, unit, period, plus revision and
    received); ``rejected`` lists, as :class:`~taizhang.returns.Rejection` records, rejected submissions that
    no later accepted file for the same unit and month has replaced, each with every problem.
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
            "SELECT r.id, r.file, r.unit, r.period, r.sha256 FROM submissions r WHERE r.plan = ? "
            "AND r.outcome = 'rejected' AND NOT EXISTS (SELECT 1 FROM submissions a WHERE a.plan = r.plan "
            "AND a.unit = r.unit AND a.period = r.period AND a.outcome = 'accepted' AND a.id > r.id) "
            "ORDER BY r.file, r.id", (plan_id,)).fetchall()
        probs = _problems_by_submission(con, [r[0] for r in rej])
    tasks["done_date"] = [date.fromisoformat(d) if isinstance(d, str) else None for d in tasks["done_date"]]
    rejected = []
    for sid, file, unit, period, sha in rej:
        p = tuple(probs.get(sid, ()))
        rejected.append(Rejection(file, f"{file}：有 {len(p)} 处问题，整份报表退回", p, plan_id, unit, period, sha))
    return ReturnSet(observations=obs, tasks=tasks, files=files, rejected=rejected)


def submissions_frame(store: Path, plan_id: str | None = None) -> pd.DataFrame:
    """The submission log (every file received, oldest first). ``problems`` is each submission's problems
    as a JSON list of ``[where, message]`` (as in schema 1); :func:`problems_frame` has them as rows."""
    with closing(connect(store, create=False)) as con:
        where, params = ("WHERE plan = ?", (plan_id,)) if plan_id else ("", ())
        frame = pd.read_sql_query(
            "SELECT id, file, sha256, plan, unit, period, filed, received, rows_accepted, outcome, revision, "
            f"is_current FROM submissions {where} ORDER BY id", con, params=params)
        probs = _problems_by_submission(con, frame.loc[frame["outcome"] == "rejected", "id"].tolist())
    frame["problems"] = [json.dumps([[p.where, p.message] for p in probs.get(i, ())], ensure_ascii=False)
                         for i in frame["id"]]
    return frame


def problems_frame(store: Path, plan_id: str | None = None, period: str | None = None) -> pd.DataFrame:
    """Every stored problem, one row each: submission, file, plan, unit, period, code, sheet, cell, row,
    field, message."""
    cond, params = _scope(plan_id, period)
    with closing(connect(store, create=False)) as con:
        return pd.read_sql_query(
            "SELECT p.submission_id, s.file, s.plan, s.unit, s.period, p.code, p.sheet, p.cell, p.row, p.field, "
            f"p.message FROM problems p JOIN submissions s ON s.id = p.submission_id {cond} "
            "ORDER BY p.submission_id, p.seq", con, params=params)


def problem_counts(store: Path, plan_id: str | None = None, period: str | None = None) -> pd.DataFrame:
    """How often each kind of problem was found: code, category (Chinese), problems, files (rejected
    submissions with at least one), most frequent first; optionally for one plan and month."""
    cond, params = _scope(plan_id, period)
    with closing(connect(store, create=False)) as con:
        frame = pd.read_sql_query(
            "SELECT p.code, COUNT(*) AS problems, COUNT(DISTINCT p.submission_id) AS files FROM problems p "
            f"JOIN submissions s ON s.id = p.submission_id {cond} GROUP BY p.code "
            "ORDER BY problems DESC, p.code", con, params=params)
    frame.insert(1, "category", [problem_category(c) for c in frame["code"]])
    return frame


def _scope(plan_id: str | None, period: str | None) -> tuple[str, tuple]:
    parts, params = [], []
    if plan_id:
        parts.append("s.plan = ?")
        params.append(plan_id)
    if period:
        parts.append("s.period = ?")
        params.append(period)
    return ("WHERE " + " AND ".join(parts)) if parts else "", tuple(params)


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
            "SELECT unit, outcome, is_current, file, received, filed, revision, id FROM submissions "
            "WHERE plan = ? AND period = ? ORDER BY id", (plan_id, period)).fetchall()
        probs = _problems_by_submission(con, [r[7] for r in rows if r[1] == "rejected"])
    due = due_date(period)
    out = []
    for unit in registry.unit_list(plan_id):
        mine = [r for r in rows if r[0] == unit.id]
        current = next((r for r in mine if r[2] == 1), None)
        if current is not None:
            first = min((r for r in mine if r[1] == "accepted"), key=lambda r: r[7])
            when = date.fromisoformat(first[5]) if first[5] else datetime.fromisoformat(first[4]).date()
            status = "late" if when > due else "reported"
            rec = current
            problems = ""
        elif mine:
            status, rec = "rejected", mine[-1]
            problems = "\n".join(str(p) for p in probs.get(rec[7], ()))
        else:
            status, rec, problems = "missing", None, ""
        out.append({
            "unit": unit.id, "unit_name": unit.name, "status": status, "status_label": STATUS_LABELS[status],
            "file": rec[3] if rec else "", "received": rec[4] if rec else "", "filed": (rec[5] or "") if rec else "",
            "revision": rec[6] if rec and rec[6] is not None else pd.NA, "problems": problems,
        })
    return pd.DataFrame(out, columns=["unit", "unit_name", "status", "status_label", "file", "received", "filed",
                                      "revision", "problems"])
