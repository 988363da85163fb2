"""督办事项: opened from the ledger, followed month by month, closed (销号) by the ledger or by hand.

An item's life (documented for users in ``docs/supervision.md``):

* opened when a month's ledger gives a (unit, target) one of the plan's ``open_statuses`` and no item of
  that unit and target is open: state ``pending`` 待整改, with the problem in the ledger's words, the
  整改要求 and the 整改期限 (working days after the month's 通报 date, see :mod:`.rules`);
* ``in_progress`` 整改中 once the unit has answered in its return's 整改情况 sheet (:mod:`.answers`);
* ``overdue`` 逾期未整改 when a later month is processed after the 整改期限 and the item is still open
  (unless the unit's latest answer says 已完成 — it then waits for the ledger or the office);
* ``closed`` 已销号: by itself when a later month's ledger gives one of the ``close_statuses`` (销号依据:
  that month, status and value), or by hand with a reason (:func:`close_item`);
* escalated (约谈 …) when it was open in as many consecutive processed months as the rules say;
* reopened by hand (:func:`reopen_item`); a target that falls back after its item was closed opens a new
  item linked to the old one (``previous_id``).

Every change is an ``sv_events`` row (when, by whom, why); nothing is deleted. One month of a plan is
processed once, in one transaction; processing it again changes nothing and repeats what happened.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import shutil
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd

from ..evaluate.judges import REGRESS_UNCONFIRMED
from ..kernel.formatting import format_value
from ..errors import ParameterError
from ..targets import Registry
from .errors import NoReturnsError, SupervisionError
from .rules import Rules, load_rules
from .schema import ensure_schema

STATES = {"pending": "待整改", "in_progress": "整改中", "overdue": "逾期未整改", "closed": "已销号"}
OPEN_STATES = ("pending", "in_progress", "overdue")
EVENT_LABELS = {"open": "立项督办", "update": "月度跟踪", "answer": "单位报送整改情况", "overdue": "逾期未整改",
                "escalate": "升级", "auto_close": "自动销号", "close": "人工销号", "reopen": "重新打开"}
CHANGE_LABELS = {"new": "新增", "still_open": "仍在办", "auto_closed": "自动销号", "overdue": "逾期未整改",
                 "escalated": "升级", "closed_by_hand_still": "人工销号后问题仍在（不重复立项）"}
EVIDENCE_DIR = "督办佐证材料"
#: Chinese column headings for the item columns users read (reports, lists, notices)
ITEM_LABELS = {"id": "编号", "unit_name": "责任单位", "title": "目标", "state_label": "状态", "escalation": "升级",
               "opened_period": "立项月份", "opened_status_label": "立项时状态", "problem": "问题", "lead": "牵头单位",
               "requirement": "整改要求", "deadline": "整改期限", "deadline_note": "期限说明", "last_status_label": "最新台账状态",
               "last_measures": "最近报送的措施", "last_progress": "最近进展", "previous_id": "前序事项",
               "closed_period": "销号月份", "close_basis": "销号依据", "change": "本月变化"}
BY_UNIT_LABELS = {"unit_name": "单位", "new": "本月新增", "open": "未销号", "overdue": "逾期未整改", "escalated": "已升级",
                  "escalated_now": "本月升级", "closed": "本月销号"}

ITEM_COLUMNS = ["id", "plan", "unit", "unit_name", "target_id", "title", "state", "state_label", "escalation",
                "opened_period", "opened_status", "opened_status_label", "problem", "lead", "responsible",
                "requirement", "notice_date", "deadline", "deadline_note", "reports_open", "last_period",
                "last_status", "last_status_label", "last_reason", "last_measures", "last_progress",
                "last_answer_period", "previous_id", "closed_period", "close_kind", "close_basis", "created",
                "updated"]


def now() -> str:
    """The local time as ISO 8601 with offset, to the second (what users read in the history)."""
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def default_user() -> str:
    """Who acts, unless ``--by`` says: the operating-system user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name in the environment
        return "未知用户"


def open_store(store: Path, create: bool = True) -> sqlite3.Connection:
    """Open the return store with the supervision tables present (upgrading an older store in place)."""
    from ..store import connect

    store = Path(store)
    if not create and not store.is_file():
        raise ParameterError("--store", str(store), "已存在的数据库文件（先用 taizhang ingest 导入报表）")
    con = connect(store, create=True)
    ensure_schema(con, store)
    return con


def _status_label(code: str) -> str:
    from ..evaluate import STATUS_LABELS

    return STATUS_LABELS.get(code, code)


# --------------------------------------------------------------------------------------------------
# processing one month


@dataclass
class RunResult:
    """What one ``supervise`` run did (or, with ``repeated``, had done when the month was first processed)."""

    plan: str
    period: str
    notice_date: str
    notice_note: str
    repeated: bool = False
    changes: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in CHANGE_LABELS})
    at: str = ""
    by: str = ""
    missing: list[str] = field(default_factory=list)  # units whose return for the month had not arrived

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.changes.items()}


def _event(con, item_id: str, at: str, by: str, kind: str, period: str | None, before: str | None,
           after: str | None, reason: str, evidence: str | None = None) -> None:
    con.execute("INSERT INTO sv_events (item_id, at, by, kind, period, from_state, to_state, reason, evidence) "
                "VALUES (?,?,?,?,?,?,?,?,?)", (item_id, at, by, kind, period, before, after, reason, evidence))


def _fmt_value(row) -> str:
    """A ledger row's value as the ledger shows it (:func:`taizhang.kernel.formatting.format_value`), '' without."""
    v = row.get("value")
    if v is None or v != v:
        return ""
    return format_value(v, row.get("target_unit") or "")


def _latest_progress(con, item_id: str) -> str | None:
    row = con.execute("SELECT progress FROM sv_answers WHERE item_id = ? ORDER BY id DESC LIMIT 1",
                      (item_id,)).fetchone()
    return row[0] if row else None


def supervise(store: Path, registry: Registry, plan_id: str, period: str, *, ledger: pd.DataFrame | None = None,
              rules: Rules | None = None, by: str | None = None, notice_date: date | None = None,
              rules_path: Path | None = None) -> RunResult:
    """Process ``period`` of ``plan_id``: open, update, close and escalate items from that month's ledger.

    ``ledger`` defaults to :func:`taizhang.evaluate.evaluate` of the store's returns at ``period``.
    ``notice_date`` is the month's 通报 date (default: from the rules). A month already processed is not
    processed again: the result repeats what happened then (``repeated``). A month earlier than the last one
    processed is refused (the loop goes forward; corrected returns count from the next month), and so is a
    month without any accepted return in the store; units whose return had not arrived are listed in
    ``missing`` (their targets are judged by the ledger's rules for missing data).
    """
    from ..report import check_period

    period = check_period(period)
    registry.plan(plan_id)
    rules = rules or load_rules(plan_id, rules_path)
    by = by or default_user()
    if notice_date is None:
        notice = rules.notice_date(period)
        notice_day, notice_note = notice.day, notice.note
    else:
        notice_day, notice_note = notice_date, ""
    if notice_day <= date(int(period[:4]), int(period[5:]), 1):
        raise ParameterError("--notice-date", notice_day.isoformat(), f"统计月份 {period} 之后的日期")
    with closing(open_store(store)) as con:
        done = _stored_run(con, plan_id, period)
        if done is not None:
            return done
        missing: list[str] = []
        if ledger is None:
            from ..evaluate import evaluate
            from ..store import load_returnset

            arrived = {r[0] for r in con.execute(
                "SELECT unit FROM submissions WHERE plan = ? AND period = ? AND is_current = 1", (plan_id, period))}
            if not arrived:
                raise NoReturnsError(f"数据库中没有方案 {plan_id} {period} 的已接收报表；请先用 taizhang ingest 导入该月报表，"
                                       "再处理督办（一个月份只处理一次）")
            missing = [u.name for u in registry.unit_list(plan_id) if u.id not in arrived]
            ledger = evaluate(registry, plan_id, load_returnset(store, registry, plan_id), period)
        deadline = rules.deadline(notice_day)
        deadline_note = "；".join(n for n in (notice_note, deadline.note) if n)
        at = now()
        con.execute("BEGIN IMMEDIATE")
        try:
            done = _stored_run(con, plan_id, period)  # another process may have done it while we waited
            if done is not None:
                con.execute("COMMIT")
                return done
            last = con.execute("SELECT MAX(period) FROM sv_runs WHERE plan = ?", (plan_id,)).fetchone()[0]
            if last is not None and last > period:
                raise SupervisionError(f"方案 {plan_id} 的督办已处理到 {last}，不能再处理更早的 {period}"
                                       "（督办逐月向前推进；更正的报表从下个月起计入）")
            result = RunResult(plan_id, period, notice_day.isoformat(), deadline_note, at=at, by=by, missing=missing)
            _apply(con, registry, plan_id, period, ledger, rules, by, at, notice_day, deadline.day, deadline_note,
                   result)
            con.execute("INSERT INTO sv_runs VALUES (?,?,?,?,?,?)",
                        (plan_id, period, at, by, notice_day.isoformat(),
                         json.dumps({"changes": result.changes, "note": deadline_note, "missing": missing},
                                    ensure_ascii=False)))
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
    return result


def _stored_run(con, plan_id: str, period: str) -> RunResult | None:
    row = con.execute("SELECT at, by, notice_date, summary FROM sv_runs WHERE plan = ? AND period = ?",
                      (plan_id, period)).fetchone()
    if row is None:
        return None
    summary = json.loads(row[3])
    return RunResult(plan_id, period, row[2], summary.get("note", ""), repeated=True,
                     changes={k: summary["changes"].get(k, []) for k in CHANGE_LABELS}, at=row[0], by=row[1],
                     missing=summary.get("missing", []))


@dataclass
class _Month:
    """One month of a plan being processed by :func:`_apply` (inside its transaction) and what it did."""

    con: sqlite3.Connection
    plan_id: str
    period: str
    rules: Rules
    by: str
    at: str
    notice_day: date
    deadline: date
    deadline_note: str
    result: RunResult
    open_items: dict[tuple[str, str], dict]  # by (unit, target): the open items, with those opened this month
    seq: int  # the items opened in ``period`` so far (the last item number)
    opened_now: set[str] = field(default_factory=set)


def _apply(con, registry: Registry, plan_id: str, period: str, ledger: pd.DataFrame, rules: Rules, by: str,
           at: str, notice_day: date, deadline: date, deadline_note: str, result: RunResult) -> None:
    """Process ``period``'s ``ledger``: follow, close or open the item of each (unit, target) row, follow the
    open items the ledger no longer lists, then mark overdue and escalate; every change goes to ``result``."""
    open_items = _open_items(con, plan_id)
    rows = ledger[ledger["status"] != "not_applicable"]
    targets = {t.id: t for t in registry.plan(plan_id).targets}
    seq = con.execute("SELECT COUNT(*) FROM sv_items WHERE plan = ? AND opened_period = ?",
                      (plan_id, period)).fetchone()[0]
    month = _Month(con, plan_id, period, rules, by, at, notice_day, deadline, deadline_note, result, open_items, seq)
    latest_closed = _latest_closed(con, plan_id)
    seen: set[tuple[str, str]] = set()
    for rec in rows.to_dict("records"):
        key = (rec["unit"], rec["target_id"])
        seen.add(key)
        _ledger_row(month, rec, key, latest_closed.get(key), targets.get(rec["target_id"]))
    _not_in_ledger(month, seen)
    _follow_up(month)


def _open_items(con, plan_id: str) -> dict[tuple[str, str], dict]:
    """The plan's open items by (unit, target)."""
    cols = ["id", "unit", "target_id", "state", "deadline", "reports_open", "escalation"]
    return {(r[1], r[2]): dict(zip(cols, r)) for r in con.execute(
        f"SELECT {', '.join(cols)} FROM sv_items WHERE plan = ? AND state <> 'closed'", (plan_id,))}


def _latest_closed(con, plan_id: str) -> dict[tuple[str, str], dict]:
    """The latest closed item of each unit and target: a new item opens only after the problem went away
    (auto-closed items: always; closed by hand while the ledger still showed the problem: once it shows the
    target met or no longer in an opening status, then falls back)."""
    latest_closed = {}
    for r in con.execute("SELECT id, unit, target_id, last_status FROM sv_items WHERE plan = ? AND state = 'closed' "
                         "ORDER BY created, id", (plan_id,)):
        latest_closed[(r[1], r[2])] = {"id": r[0], "last_status": r[3]}
    return latest_closed


def _ledger_row(m: _Month, rec: dict, key: tuple[str, str], prev_closed: dict | None, target) -> None:
    """One (unit, target) row of the ledger: its open item followed or closed, else an item opened when its
    status says so."""
    con, period = m.con, m.period
    status, reason = str(rec["status"]), str(rec["reason"])
    item = m.open_items.get(key)
    if item is not None:
        _follow(m, item, rec, status, reason)
        return
    # a 达标后回落 resting on one month's value is flagged 待核实 by the ledger: no item until it is confirmed
    opens = status in m.rules.open_statuses and str(rec.get("status_note") or "") != REGRESS_UNCONFIRMED
    if not opens:
        if prev_closed is not None and prev_closed["last_status"] in m.rules.open_statuses:
            con.execute("UPDATE sv_items SET last_period = ?, last_status = ?, last_reason = ? WHERE id = ?",
                        (period, status, reason, prev_closed["id"]))  # the problem went away after a manual close
        return
    if prev_closed is not None and prev_closed["last_status"] in m.rules.open_statuses:
        con.execute("UPDATE sv_items SET last_period = ?, last_status = ?, last_reason = ? WHERE id = ?",
                    (period, status, reason, prev_closed["id"]))
        m.result.changes["closed_by_hand_still"].append(prev_closed["id"])
        return
    _open_item(m, rec, key, status, reason, prev_closed, target)


def _follow(m: _Month, item: dict, rec: dict, status: str, reason: str) -> None:
    """An open item in this month's ledger: closed by itself when its status is a close status, else followed."""
    con, period, at, by = m.con, m.period, m.at, m.by
    if status in m.rules.close_statuses:
        value = _fmt_value(rec)
        basis = f"{period} 台账：{_status_label(status)}" + (f"，{value}" if value else "") + f"（{reason}）"
        con.execute("UPDATE sv_items SET state = 'closed', close_kind = 'auto', closed_period = ?, "
                    "close_basis = ?, last_period = ?, last_status = ?, last_reason = ?, updated = ? "
                    "WHERE id = ?", (period, basis, period, status, reason, at, item["id"]))
        _event(con, item["id"], at, by, "auto_close", period, item["state"], "closed", basis)
        m.result.changes["auto_closed"].append(item["id"])
    else:
        con.execute("UPDATE sv_items SET reports_open = reports_open + 1, last_period = ?, last_status = ?, "
                    "last_reason = ?, updated = ? WHERE id = ?", (period, status, reason, at, item["id"]))
        item["reports_open"] += 1
        _event(con, item["id"], at, by, "update", period, item["state"], item["state"],
               f"{period} 台账：{_status_label(status)}（{reason}）")


def _open_item(m: _Month, rec: dict, key: tuple[str, str], status: str, reason: str, prev_closed: dict | None,
               t) -> None:
    """Open a new item (待整改) for a ledger row, linked to the unit and target's previous closed item."""
    con, plan_id, period, at, deadline = m.con, m.plan_id, m.period, m.at, m.deadline
    m.seq += 1
    item_id = f"{plan_id}-{period.replace('-', '')}-{m.seq:03d}"
    prev = (prev_closed["id"],) if prev_closed else None
    threshold = str(rec.get("threshold_label") or "")
    requirement = m.rules.requirement(status, title=str(rec["title"]), threshold=threshold,
                                      deadline=deadline.isoformat(), unit=str(rec["unit_name"]))
    lead = "，".join(t.lead) if t is not None else str(rec.get("lead") or "")
    con.execute(
        "INSERT INTO sv_items (id, plan, unit, unit_name, target_id, title, opened_period, opened_status, problem, "
        "lead, responsible, requirement, notice_date, deadline, deadline_note, state, escalation, reports_open, "
        "last_period, last_status, last_reason, previous_id, created, updated) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'pending', '', 1, ?,?,?,?,?,?)",
        (item_id, plan_id, rec["unit"], rec["unit_name"], rec["target_id"], rec["title"], period, status, reason,
         lead, rec["unit_name"], requirement, m.notice_day.isoformat(), deadline.isoformat(), m.deadline_note,
         period, status, reason, prev[0] if prev else None, at, at))
    why = f"{period} 台账：{_status_label(status)}（{reason}）"
    if prev:
        why += f"；该目标曾于事项 {prev[0]} 销号，现再次出现问题"
    _event(con, item_id, at, m.by, "open", period, None, "pending", why)
    m.result.changes["new"].append(item_id)
    m.opened_now.add(item_id)
    m.open_items[key] = {"id": item_id, "unit": key[0], "target_id": key[1], "state": "pending",
                         "deadline": deadline.isoformat(), "reports_open": 1, "escalation": ""}


def _not_in_ledger(m: _Month, seen: set[tuple[str, str]]) -> None:
    """Items whose unit and target no longer appear in the ledger stay open and are counted as such."""
    for key, item in m.open_items.items():
        if key in seen or item["id"] in m.opened_now:
            continue
        m.con.execute("UPDATE sv_items SET reports_open = reports_open + 1, last_period = ?, last_reason = ?, "
                      "updated = ? WHERE id = ?", (m.period, "本月台账中没有该单位的这一目标", m.at, item["id"]))
        item["reports_open"] += 1
        _event(m.con, item["id"], m.at, m.by, "update", m.period, item["state"], item["state"],
               "本月台账中没有该单位的这一目标")


def _follow_up(m: _Month) -> None:
    """The items still open after this month: still open, overdue, escalated."""
    changes = m.result.changes
    closed = set(changes["auto_closed"])
    for key, item in m.open_items.items():
        if item["id"] in closed:
            continue
        if item["id"] not in m.opened_now:
            changes["still_open"].append(item["id"])
        _mark_overdue(m, item)
        if item["state"] == "overdue":
            changes["overdue"].append(item["id"])
        _escalate(m, item)
    changes["still_open"] = [i for i in changes["still_open"] if i not in set(changes["overdue"])]


def _mark_overdue(m: _Month, item: dict) -> None:
    """Overdue: the 整改期限 has passed by this month's 通报 date (the deadline day itself is in time), unless
    the unit's latest answer says 已完成."""
    if (item["state"] in ("pending", "in_progress") and item["id"] not in m.opened_now
            and date.fromisoformat(item["deadline"]) < m.notice_day
            and _latest_progress(m.con, item["id"]) != "已完成"):
        m.con.execute("UPDATE sv_items SET state = 'overdue', updated = ? WHERE id = ?", (m.at, item["id"]))
        _event(m.con, item["id"], m.at, m.by, "overdue", m.period, item["state"], "overdue",
               f"整改期限 {item['deadline']} 已过（{m.period} 通报日 {m.notice_day}），仍未销号")
        item["state"] = "overdue"


def _escalate(m: _Month, item: dict) -> None:
    """Escalate an item open in as many consecutive processed months as the rules say."""
    level = m.rules.escalation_for(item["reports_open"])
    if level and level != item["escalation"]:
        m.con.execute("UPDATE sv_items SET escalation = ?, updated = ? WHERE id = ?", (level, m.at, item["id"]))
        _event(m.con, item["id"], m.at, m.by, "escalate", m.period, item["state"], item["state"],
               f"连续 {item['reports_open']} 期通报未销号，升级为“{level}”")
        m.result.changes["escalated"].append(item["id"])


# --------------------------------------------------------------------------------------------------
# by hand: close, reopen


def _item_row(con, item_id: str) -> dict:
    cur = con.execute("SELECT * FROM sv_items WHERE id = ?", (item_id,))
    row = cur.fetchone()
    if row is None:
        raise SupervisionError(f"找不到督办事项 {item_id}（用 taizhang supervise list 查看编号）")
    return dict(zip([d[0] for d in cur.description], row))


@contextmanager
def _immediate(con: sqlite3.Connection):
    """One write transaction (``BEGIN IMMEDIATE``): committed when the block ends, rolled back on any error."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise


def close_item(store: Path, item_id: str, reason: str, *, evidence: Path | None = None, by: str | None = None,
               ) -> dict:
    """Close (销号) an open item by hand; ``reason`` is required. ``evidence`` (a file) is copied next to the
    store (``督办佐证材料/<编号>/``) and recorded with its SHA-256. Returns the item as it is afterwards."""
    reason = (reason or "").strip()
    if not reason:
        raise ParameterError("--reason", reason, "人工销号的理由（不能为空）")
    if evidence is not None and not Path(evidence).is_file():
        raise ParameterError("--evidence", str(evidence), "存在的佐证材料文件")
    by = by or default_user()
    at = now()
    with closing(open_store(store, create=False)) as con:
        with _immediate(con):
            item = _item_row(con, item_id)
            if item["state"] == "closed":
                raise SupervisionError(f"督办事项 {item_id} 已于 {item['closed_period'] or '此前'}销号，不能重复销号")
            kept = None
            if evidence is not None:
                src = Path(evidence)
                digest = hashlib.sha256(src.read_bytes()).hexdigest()
                dest = Path(store).parent / EVIDENCE_DIR / item_id / src.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                if not dest.exists():
                    shutil.copy2(src, dest)
                kept = json.dumps({"file": src.name, "path": str(dest), "sha256": digest}, ensure_ascii=False)
            basis = f"人工销号：{reason}" + (f"（佐证材料 {Path(evidence).name}）" if evidence else "")
            con.execute("UPDATE sv_items SET state = 'closed', close_kind = 'manual', closed_period = last_period, "
                        "close_basis = ?, updated = ? WHERE id = ?", (basis, at, item_id))
            _event(con, item_id, at, by, "close", item["last_period"], item["state"], "closed", reason, kept)
        return _item_row(con, item_id)


def reopen_item(store: Path, item_id: str, reason: str, *, by: str | None = None) -> dict:
    """Reopen a closed item by hand (state 待整改, or 整改中 when the unit has answered); ``reason`` required.
    Refused when another item of the same unit and target is open (name it)."""
    reason = (reason or "").strip()
    if not reason:
        raise ParameterError("--reason", reason, "重新打开的理由（不能为空）")
    by = by or default_user()
    at = now()
    with closing(open_store(store, create=False)) as con:
        with _immediate(con):
            item = _item_row(con, item_id)
            if item["state"] != "closed":
                raise SupervisionError(f"督办事项 {item_id} 未销号（{STATES[item['state']]}），无需重新打开")
            other = con.execute("SELECT id FROM sv_items WHERE plan = ? AND unit = ? AND target_id = ? "
                                "AND state <> 'closed'", (item["plan"], item["unit"], item["target_id"])).fetchone()
            if other:
                raise SupervisionError(f"同一单位同一目标已有未销号的督办事项 {other[0]}，不能重新打开 {item_id}")
            answered = con.execute("SELECT EXISTS (SELECT 1 FROM sv_answers WHERE item_id = ?)", (item_id,)).fetchone()[0]
            state = "in_progress" if answered else "pending"
            con.execute("UPDATE sv_items SET state = ?, close_kind = NULL, closed_period = NULL, close_basis = NULL, "
                        "updated = ? WHERE id = ?", (state, at, item_id))
            _event(con, item_id, at, by, "reopen", item["last_period"], "closed", state, reason)
        return _item_row(con, item_id)


# --------------------------------------------------------------------------------------------------
# reading: the one source for lists, notices and report tables


def items_frame(store: Path, plan_id: str | None = None, *, unit: str | None = None, state: str | None = None,
                ) -> pd.DataFrame:
    """Every item (columns :data:`ITEM_COLUMNS`), oldest first; optionally one plan, unit id and state code.

    ``last_measures`` / ``last_progress`` / ``last_answer_period`` are the unit's latest 整改情况 answer.
    """
    if state is not None and state not in STATES:
        raise ParameterError("--state", state, "、".join(f"{k}（{v}）" for k, v in STATES.items()))
    where, params = [], []
    for col, val in (("i.plan", plan_id), ("i.unit", unit), ("i.state", state)):
        if val is not None:
            where.append(f"{col} = ?")
            params.append(val)
    sql = ("SELECT i.*, a.measures AS last_measures, a.progress AS last_progress, a.period AS last_answer_period "
           "FROM sv_items i LEFT JOIN sv_answers a ON a.id = (SELECT MAX(id) FROM sv_answers WHERE item_id = i.id) "
           + ("WHERE " + " AND ".join(where) if where else "") + " ORDER BY i.plan, i.created, i.id")
    with closing(open_store(store, create=False)) as con:
        df = pd.read_sql_query(sql, con, params=params)
    df["state_label"] = df["state"].map(STATES)
    df["opened_status_label"] = df["opened_status"].map(_status_label)
    df["last_status_label"] = df["last_status"].map(_status_label)
    for c in ("last_measures", "last_progress", "last_answer_period", "previous_id", "closed_period", "close_kind",
              "close_basis"):
        df[c] = df[c].fillna("")
    return df[ITEM_COLUMNS]


def history_frame(store: Path, item_id: str | None = None, plan_id: str | None = None) -> pd.DataFrame:
    """Every change (oldest first): ``item_id, at, by, kind, kind_label, period, from_state, to_state, reason,
    evidence`` — of one item, or of every item of ``plan_id``."""
    with closing(open_store(store, create=False)) as con:
        if item_id is not None:
            _item_row(con, item_id)
        sql = ("SELECT e.item_id, e.at, e.by, e.kind, e.period, e.from_state, e.to_state, e.reason, e.evidence "
               "FROM sv_events e JOIN sv_items i ON i.id = e.item_id WHERE (? IS NULL OR e.item_id = ?) "
               "AND (? IS NULL OR i.plan = ?) ORDER BY e.id")
        df = pd.read_sql_query(sql, con, params=(item_id, item_id, plan_id, plan_id))
    df.insert(4, "kind_label", df["kind"].map(EVENT_LABELS))
    df["evidence"] = df["evidence"].fillna("")
    return df


def runs_frame(store: Path, plan_id: str) -> pd.DataFrame:
    """The months processed for ``plan_id``: ``period, at, by, notice_date`` and the count of each change."""
    with closing(open_store(store, create=False)) as con:
        rows = con.execute("SELECT period, at, by, notice_date, summary FROM sv_runs WHERE plan = ? ORDER BY period",
                           (plan_id,)).fetchall()
    out = []
    for period, at, by, notice, summary in rows:
        changes = json.loads(summary)["changes"]
        out.append({"period": period, "at": at, "by": by, "notice_date": notice,
                    **{k: len(changes.get(k, [])) for k in CHANGE_LABELS}})
    return pd.DataFrame(out, columns=["period", "at", "by", "notice_date", *CHANGE_LABELS])


def supervision_tables(store: Path, registry: Registry, plan_id: str, period: str) -> dict[str, pd.DataFrame]:
    """The supervision tables every report shows for ``plan_id`` and ``period`` (one source for all of them).

    * ``items`` — items open at the end of ``period`` or closed in it (:data:`ITEM_COLUMNS` plus
      ``change`` this month: 新增 / 仍在办 / 逾期未整改 / 自动销号 / 人工销号);
    * ``by_unit`` — per unit of the plan (registry order): ``unit, unit_name, new, open, overdue, escalated,
      closed`` (closed = closed in ``period``);
    * ``counts`` — one row of the same counts for the whole plan;
    * ``history`` — every change of the items in ``items`` up to ``period``.
    States, escalations and closings are those at the end of ``period`` (from the recorded changes), so the
    report of an earlier month shows that month, not what happened later. ``period`` must have been processed
    (``taizhang supervise``); otherwise every table is empty and ``counts`` has ``processed = False``.
    """
    from ..report import check_period

    period = check_period(period)
    items = items_frame(store, plan_id)
    hist = history_frame(store, plan_id=plan_id)
    runs = runs_frame(store, plan_id)
    processed = period in set(runs["period"])
    month = hist[hist["period"] == period]
    closed_now = set(month.loc[month["kind"].isin(["auto_close", "close"]), "item_id"])
    new_now = set(month.loc[month["kind"] == "open", "item_id"])
    esc_now = set(month.loc[month["kind"] == "escalate", "item_id"])
    # the items as they stood at the end of ``period`` (a report of an earlier month never shows later changes):
    # each item's state is the one its last change up to that month left, its escalation only if reached by then
    upto = hist[hist["period"].notna() & (hist["period"] <= period)]
    items = items.copy()
    if len(items):
        state_at = upto.dropna(subset=["to_state"]).groupby("item_id")["to_state"].last()
        escalated_by = set(upto.loc[upto["kind"] == "escalate", "item_id"])
        items["state"] = items["id"].map(state_at).fillna(items["state"])
        items["state_label"] = items["state"].map(STATES)
        items.loc[~items["id"].isin(escalated_by), "escalation"] = ""
        reopened = ~items["state"].eq("closed")
        for c in ("closed_period", "close_kind", "close_basis"):
            items.loc[reopened, c] = ""
    keep = items[(items["opened_period"] <= period) & ((items["state"] != "closed") | items["id"].isin(closed_now))]
    if not processed:
        keep = keep.iloc[0:0]
    keep = keep.copy()
    manual = set(month.loc[month["kind"] == "close", "item_id"])

    def change(r) -> str:
        if r["id"] in manual:
            return "人工销号"
        if r["id"] in closed_now:
            return "自动销号"
        if r["id"] in new_now:
            return "新增"
        return "逾期未整改" if r["state"] == "overdue" else "仍在办"

    keep["change"] = [change(r) for r in keep.to_dict("records")] if len(keep) else []
    rows = []
    for u in registry.unit_list(plan_id):
        mine = keep[keep["unit"] == u.id]
        open_ = mine[mine["state"] != "closed"]
        rows.append({"unit": u.id, "unit_name": u.name, "new": int(mine["id"].isin(new_now).sum()),
                     "open": len(open_), "overdue": int((open_["state"] == "overdue").sum()),
                     "escalated": int((open_["escalation"] != "").sum()),
                     "escalated_now": int(mine["id"].isin(esc_now).sum()),
                     "closed": int(mine["id"].isin(closed_now).sum())})
    by_unit = pd.DataFrame(rows, columns=["unit", "unit_name", "new", "open", "overdue", "escalated",
                                          "escalated_now", "closed"])
    counts = by_unit.drop(columns=["unit", "unit_name"]).sum().to_frame().T.astype(int)
    counts.insert(0, "processed", processed)
    counts.insert(0, "period", period)
    counts.insert(0, "plan", plan_id)
    return {"items": keep.reset_index(drop=True), "by_unit": by_unit, "counts": counts,
            "history": upto[upto["item_id"].isin(set(keep["id"]))].reset_index(drop=True)}
