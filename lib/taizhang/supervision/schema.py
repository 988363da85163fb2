"""The supervision tables in the return store, and the in-place upgrade of an older store.

Tables (all in the store's SQLite file, next to ``submissions``):

* ``sv_items`` — one row per 督办事项 (stable id, plan, unit, target, what opened it, 整改期限, state …).
  ``UNIQUE (plan, unit, target_id) WHERE state <> 'closed'``: at most one open item per unit and target,
  whatever number of processes run ``supervise`` at once.
* ``sv_events`` — every change of an item: when, by whom, why, from which state to which. Never updated.
* ``sv_answers`` — the units' 整改情况 answers, one row per accepted return and item (history kept).
* ``sv_runs`` — one row per (plan, month) processed: a month is processed once (re-running it changes nothing).

Nothing is deleted: triggers refuse ``DELETE`` on every table here (and updates of events and answers).

An existing store without these tables (written before supervision existed) is upgraded in place: a copy
is written first (``<store>.备份-<time>.sqlite``, SQLite's online backup), then the tables are created in one
transaction and ``meta.supervision_schema`` is set.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

SUPERVISION_SCHEMA = 1
META_KEY = "supervision_schema"

_TABLES = """
CREATE TABLE IF NOT EXISTS sv_items (
    id TEXT PRIMARY KEY,
    plan TEXT NOT NULL,
    unit TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    target_id TEXT NOT NULL,
    title TEXT NOT NULL,
    opened_period TEXT NOT NULL,
    opened_status TEXT NOT NULL,
    problem TEXT NOT NULL,
    lead TEXT NOT NULL DEFAULT '',
    responsible TEXT NOT NULL,
    requirement TEXT NOT NULL,
    notice_date TEXT NOT NULL,
    deadline TEXT NOT NULL,
    deadline_note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('pending', 'in_progress', 'overdue', 'closed')),
    escalation TEXT NOT NULL DEFAULT '',
    reports_open INTEGER NOT NULL DEFAULT 1,
    last_period TEXT NOT NULL,
    last_status TEXT NOT NULL,
    last_reason TEXT NOT NULL DEFAULT '',
    previous_id TEXT REFERENCES sv_items (id),
    closed_period TEXT,
    close_kind TEXT CHECK (close_kind IS NULL OR close_kind IN ('auto', 'manual')),
    close_basis TEXT,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS sv_items_open ON sv_items (plan, unit, target_id) WHERE state <> 'closed';
CREATE INDEX IF NOT EXISTS sv_items_plan ON sv_items (plan, state, unit);
CREATE TABLE IF NOT EXISTS sv_events (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES sv_items (id),
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    kind TEXT NOT NULL,
    period TEXT,
    from_state TEXT,
    to_state TEXT,
    reason TEXT NOT NULL DEFAULT '',
    evidence TEXT
);
CREATE INDEX IF NOT EXISTS sv_events_item ON sv_events (item_id, id);
CREATE TABLE IF NOT EXISTS sv_answers (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    item_id TEXT NOT NULL REFERENCES sv_items (id),
    plan TEXT NOT NULL,
    unit TEXT NOT NULL,
    period TEXT NOT NULL,
    measures TEXT NOT NULL,
    progress TEXT NOT NULL,
    expected TEXT,
    evidence TEXT NOT NULL DEFAULT '',
    received TEXT NOT NULL,
    UNIQUE (submission_id, item_id)
);
CREATE TABLE IF NOT EXISTS sv_runs (
    plan TEXT NOT NULL,
    period TEXT NOT NULL,
    at TEXT NOT NULL,
    by TEXT NOT NULL,
    notice_date TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (plan, period)
);
CREATE TRIGGER IF NOT EXISTS sv_items_keep BEFORE DELETE ON sv_items
    BEGIN SELECT RAISE(ABORT, '督办事项不可删除'); END;
CREATE TRIGGER IF NOT EXISTS sv_events_keep BEFORE DELETE ON sv_events
    BEGIN SELECT RAISE(ABORT, '督办记录不可删除'); END;
CREATE TRIGGER IF NOT EXISTS sv_events_fixed BEFORE UPDATE ON sv_events
    BEGIN SELECT RAISE(ABORT, '督办记录不可修改'); END;
CREATE TRIGGER IF NOT EXISTS sv_answers_keep BEFORE DELETE ON sv_answers
    BEGIN SELECT RAISE(ABORT, '整改情况记录不可删除'); END;
CREATE TRIGGER IF NOT EXISTS sv_runs_keep BEFORE DELETE ON sv_runs
    BEGIN SELECT RAISE(ABORT, '督办处理记录不可删除'); END;
"""


def _version(con: sqlite3.Connection) -> int | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
    return int(row[0]) if row else None


def _has_data(con: sqlite3.Connection) -> bool:
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return "submissions" in tables and con.execute("SELECT EXISTS (SELECT 1 FROM submissions)").fetchone()[0] == 1


def backup(con: sqlite3.Connection, store: Path) -> Path:
    """Write a consistent copy of the store next to it (``<name>.备份-<YYYYmmdd-HHMMSS>.sqlite``)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = store.with_name(f"{store.stem}.备份-{stamp}{store.suffix or '.sqlite'}")
    n = 1
    while dest.exists():
        n += 1
        dest = store.with_name(f"{store.stem}.备份-{stamp}-{n}{store.suffix or '.sqlite'}")
    with sqlite3.connect(dest) as out:
        con.backup(out)
    out.close()
    return dest


def backup_before_upgrade(con: sqlite3.Connection, store: Path, legacy: bool = False) -> Path | None:
    """Copy a store that holds data before any upgrade touches it: when the supervision tables are missing or
    older, or ``legacy`` (the caller's own schema needs an upgrade). Returns the copy, or None."""
    has_meta = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if not has_meta or not _has_data(con):
        return None
    if not legacy and _version(con) == SUPERVISION_SCHEMA:
        return None
    return backup(con, Path(store))


def ensure_schema(con: sqlite3.Connection, store: Path | None = None, backed_up: bool = False) -> Path | None:
    """Create the supervision tables if needed; returns the backup written before an upgrade (else None).

    ``con`` is an autocommit connection to a store that already has the ``meta`` table. Safe to call from
    several processes at once: the creation runs under ``BEGIN IMMEDIATE`` and is skipped by whoever comes
    second. A newer schema than this code knows is refused.
    """
    from .errors import SupervisionError

    version = _version(con)
    if version == SUPERVISION_SCHEMA:
        return None
    if version is not None and version > SUPERVISION_SCHEMA:
        raise SupervisionError(f"数据库 {store} 的督办数据格式为第 {version} 版，比本程序支持的第 "
                               f"{SUPERVISION_SCHEMA} 版新；请升级 taizhang")
    copy = backup(con, Path(store)) if store is not None and not backed_up and _has_data(con) else None
    con.execute("BEGIN IMMEDIATE")
    try:
        if _version(con) != SUPERVISION_SCHEMA:  # another process may have upgraded while we waited
            for stmt in _statements(_TABLES):
                con.execute(stmt)
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (META_KEY, str(SUPERVISION_SCHEMA)))
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    return copy


def _statements(script: str) -> list[str]:
    """Split the schema script into statements (triggers keep their inner ``;``)."""
    out, buf = [], []
    for line in script.strip().splitlines():
        buf.append(line)
        text = "\n".join(buf).strip()
        if text.endswith(";") and (not text.upper().startswith("CREATE TRIGGER") or text.upper().endswith("END;")):
            out.append(text)
            buf = []
    return out
