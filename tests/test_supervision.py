"""督办 → 整改 → 销号 over seven months of sample data, the rules on hand-made ledgers, idempotence,
two processes at once, the upgrade of a store written before supervision existed, and the rules file."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from taizhang.errors import ParameterError
from taizhang.evaluate.judges import REGRESS_UNCONFIRMED
from taizhang.project import project_root
from taizhang.store import ingest, load_returnset
from taizhang.supervision import (SupervisionError, SupervisionRulesError, close_item, history_frame, items_frame,
                                  load_rules, reopen_item, runs_frame, supervise, supervision_tables)
from taizhang.supervision.answers import ANSWER_COLUMNS
from sv_support import ingested_sample
from taizhang.supervision.workdays import add_working_days, known_years, next_working_day

MONTHS = ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]


def _snapshot(store: Path) -> tuple:
    with closing(sqlite3.connect(store)) as con:
        return tuple(tuple(con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall())
                     for t in ("sv_items", "sv_events", "sv_answers", "sv_runs"))


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory, registry):
    """bayannur sample returns up to 2024-06 in a fresh store (read-only template for the tests)."""
    return ingested_sample(tmp_path_factory.mktemp("sv"), registry, "bayannur", "2024-06")


def _answer_file(src: Path, dest: Path, rows) -> Path:
    wb = openpyxl.load_workbook(src)
    ws = wb.create_sheet("整改情况")
    ws.append(["督办事项整改情况"])
    ws.append([""])
    ws.append(list(ANSWER_COLUMNS))
    for r in rows:
        ws.append(r)
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def test_working_days_follow_the_official_calendar_with_tiaoxiu():
    # 2024-02-15 is in the Spring Festival holiday (02-10..02-17); Sunday 02-18 is a 调休 working day
    assert next_working_day(date(2024, 2, 15)).day == date(2024, 2, 18)
    # from Monday 2024-01-15, 15 working days end on Sunday 2024-02-04 (调休), not Monday 02-05
    assert add_working_days(date(2024, 1, 15), 15).day == date(2024, 2, 4)
    # across National Day 2024 (10-01..10-07; Sunday 09-29 and Saturday 10-12 are working days)
    assert add_working_days(date(2024, 9, 27), 3).day == date(2024, 10, 8)
    assert add_working_days(date(2024, 9, 27), 1).assumed_years == ()


def test_unknown_years_are_counted_mon_to_fri_and_said_so():
    last = known_years()[1]
    res = add_working_days(date(last, 12, 30), 5)
    assert res.assumed_years == (last + 1,)
    assert f"{last + 1}年节假日安排尚未收录" in res.note and "按周一至周五推算" in res.note
    # the note travels with the item's 整改期限
    rules = load_rules("bayannur")
    assert rules.notice_date(f"{last}-12").note  # the 通报 date itself falls in the unknown year


def test_whole_life_over_seven_months_of_sample_data(sample_store, registry, tmp_path):
    base, sample = sample_store
    store = tmp_path / "store.sqlite"
    shutil.copy(base, store)
    # 2023-12: items open, 待整改, with the 整改期限 counted in working days with 调休
    r1 = supervise(store, registry, "bayannur", MONTHS[0], by="督查室")
    assert r1.notice_date == "2024-01-15" and len(r1.changes["new"]) > 10
    items = items_frame(store, "bayannur")
    assert set(items["state"]) == {"pending"} and set(items["deadline"]) == {"2024-02-04"}
    assert set(items["opened_status"]) <= {"overdue", "task_overdue", "regressed"}
    first = items.iloc[0]
    assert first["problem"] and first["requirement"].count("2024-02-04") == 1 and first["responsible"] == first["unit_name"]

    # the unit answers in its 2024-01 return: one item 已完成 (with evidence), one 正在整改
    led = items[items["unit"] == "linhe"]
    done_id, doing_id = led["id"].iloc[0], led["id"].iloc[1]
    f = _answer_file(sample / "临河区_2024-01.xlsx", tmp_path / "ans" / "临河区_2024-01.xlsx", [
        [done_id, "", "", "", "已按要求整改", "已完成", "2024-01-25", "整改报告.pdf"],
        [doing_id, "", "", "", "正在推进", "正在整改", "2024-03-31", ""]])
    (res,) = ingest([f], store=store, registry=registry)
    assert res.outcome == "accepted" and res.revision == 2
    states = items_frame(store, "bayannur").set_index("id")["state"]
    assert states[done_id] == states[doing_id] == "in_progress"

    # 2024-01 (通报日 2024-02-18, a 调休 Sunday after the Spring Festival): the 2023-12 deadline (02-04) has
    # passed across the holiday: still-open items are 逾期未整改, except the one the unit reported 已完成
    r2 = supervise(store, registry, "bayannur", MONTHS[1], by="督查室")
    assert r2.notice_date == "2024-02-18"
    items = items_frame(store, "bayannur").set_index("id")
    dec = items[items["opened_period"] == "2023-12"]
    still = dec[dec["state"] != "closed"]
    assert (still.drop(index=[done_id], errors="ignore")["state"] == "overdue").all()
    assert items.loc[done_id, "state"] in ("in_progress", "closed")
    assert items.loc[doing_id, "state"] in ("overdue", "closed")
    # the 2024-01 整改期限: 15 working days after the 调休 Sunday 02-18 end on 03-08 (hand-counted); items opened
    # from 2024-01 on carry their own month's deadline (period-end judgement opens most items in 2023-12)
    rules = load_rules("bayannur")
    assert rules.deadline(rules.notice_date("2024-01").day).day == date(2024, 3, 8)
    # auto-close: 销号依据 names the month, the status and the value
    auto = items[items["close_kind"] == "auto"]
    assert len(auto) == len(r2.changes["auto_closed"]) > 0
    assert all(b.startswith("2024-01 台账：") for b in auto["close_basis"])

    # manual close needs a reason; evidence is copied next to the store with its checksum
    target = still.drop(index=[done_id], errors="ignore").index[0]
    with pytest.raises(ParameterError):
        close_item(store, target, "  ")
    ev = tmp_path / "核查记录.txt"
    ev.write_text("现场核查已整改", encoding="utf-8")
    closed = close_item(store, target, "现场核查已整改到位", evidence=ev, by="张科长")
    assert closed["state"] == "closed" and closed["close_kind"] == "manual" and "现场核查" in closed["close_basis"]
    assert (store.parent / "督办佐证材料" / target / ev.name).read_text(encoding="utf-8") == "现场核查已整改"
    with pytest.raises(SupervisionError):
        close_item(store, target, "again")
    # reopen another one by hand, then it is open again with its history
    other = auto.index[0]
    reopened = reopen_item(store, other, "复核发现数据有误", by="张科长")
    assert reopened["state"] in ("pending", "in_progress") and reopened["close_basis"] is None

    # 2024-02 … 2024-06: escalation after three reports, auto-closes later, the manual close stands
    results = [supervise(store, registry, "bayannur", m, by="督查室") for m in MONTHS[2:]]
    assert len(results) == 5
    items = items_frame(store, "bayannur").set_index("id")
    hist = history_frame(store, plan_id="bayannur")
    esc = hist[hist["kind"] == "escalate"]
    assert len(esc) and set(items.loc[esc["item_id"], "escalation"]) == {"约谈"}
    assert all("连续 3 期通报未销号" in r for r in esc["reason"])
    assert set(results[0].changes["escalated"]) >= set(still.index.drop([target, done_id], errors="ignore")
                                                       .intersection(items[items["escalation"] != ""].index))
    # the target closed by hand while still failing is not reopened every month
    assert target in results[0].changes["closed_by_hand_still"]
    assert not (items["previous_id"] == target).any()
    assert items.loc[target, "state"] == "closed"
    # history of the manually closed item: open, updates, overdue, close (by whom, why), nothing deleted
    th = history_frame(store, target)
    assert list(th["kind"])[0] == "open" and "close" in set(th["kind"])
    row = th[th["kind"] == "close"].iloc[0]
    assert (row["by"], row["reason"]) == ("张科长", "现场核查已整改到位") and "sha256" in row["evidence"]
    assert len(runs_frame(store, "bayannur")) == len(MONTHS)
    with closing(sqlite3.connect(store)) as con, pytest.raises(sqlite3.IntegrityError):
        con.execute("DELETE FROM sv_events")
    later = items[items["opened_period"] > "2023-12"]
    assert len(later)
    for period, grp in later.groupby("opened_period"):
        assert set(grp["deadline"]) == {rules.deadline(rules.notice_date(period).day).day.isoformat()}
    # the report tables: one source, counts consistent with the items
    t = supervision_tables(store, registry, "bayannur", "2024-06")
    open_now = items[items["state"] != "closed"]
    assert int(t["by_unit"]["open"].sum()) == len(open_now) == int(t["counts"]["open"].iloc[0])
    assert int(t["counts"]["overdue"].iloc[0]) == int((open_now["state"] == "overdue").sum())
    assert set(t["history"]["item_id"]) == set(t["items"]["id"])


def test_rerunning_a_month_changes_nothing(sample_store, registry, tmp_path):
    store = tmp_path / "store.sqlite"
    shutil.copy(sample_store[0], store)
    first = [supervise(store, registry, "bayannur", m, by="a") for m in MONTHS[:3]]
    snap = _snapshot(store)
    again = supervise(store, registry, "bayannur", MONTHS[2], by="b")
    assert again.repeated and again.changes == first[2].changes
    assert _snapshot(store) == snap
    assert supervise(store, registry, "bayannur", MONTHS[0], by="b").repeated  # any month processed before
    with pytest.raises(SupervisionError, match="已处理到 2024-02"):  # a month before the loop's latest, never processed
        supervise(store, registry, "bayannur", "2023-11", by="b")
    assert _snapshot(store) == snap


def _ledger(rows):
    return pd.DataFrame([{"unit": "linhe", "unit_name": "临河区", "target_id": "bayannur.3-2-1-3.entry-rate",
                          "title": "政务服务事项进驻率", "status": s, "reason": f"理由 {s}", "threshold_label": "≥ 100%",
                          "value": v, "target_unit": "%", "lead": ""} for s, v in rows])


def test_fall_back_after_closing_opens_a_new_linked_item(registry, tmp_path):
    store = tmp_path / "s.sqlite"
    run = lambda m, s, v: supervise(store, registry, "bayannur", m, by="t", ledger=_ledger([(s, v)]))  # noqa: E731
    assert run("2024-01", "overdue", 80.0).changes["new"] == ["bayannur-202401-001"]
    closed = run("2024-02", "met", 100.0)
    assert closed.changes["auto_closed"] == ["bayannur-202401-001"]
    item = items_frame(store).set_index("id").loc["bayannur-202401-001"]
    assert item["close_basis"] == "2024-02 台账：已达标，100.0%（理由 met）"
    fell = run("2024-03", "regressed", 90.0)
    assert fell.changes["new"] == ["bayannur-202403-001"]
    new = items_frame(store).set_index("id").loc["bayannur-202403-001"]
    assert new["previous_id"] == "bayannur-202401-001" and new["opened_status"] == "regressed"
    assert "曾于事项 bayannur-202401-001 销号" in history_frame(store, "bayannur-202403-001")["reason"].iloc[0]
    # closed by hand while failing: not reopened while the problem stays; a new item once it came back after
    close_item(store, "bayannur-202403-001", "情况特殊，经研究同意销号", by="t")
    assert run("2024-04", "overdue", 90.0).changes["closed_by_hand_still"] == ["bayannur-202403-001"]
    assert run("2024-05", "met", 100.0).changes["new"] == []
    assert run("2024-06", "overdue", 95.0).changes["new"] == ["bayannur-202406-001"]
    assert items_frame(store).set_index("id").loc["bayannur-202406-001", "previous_id"] == "bayannur-202403-001"
    # reopen is refused while a newer item of the same unit and target is open
    with pytest.raises(SupervisionError, match="bayannur-202406-001"):
        reopen_item(store, "bayannur-202403-001", "复核")


def test_a_fall_back_on_one_month_opens_no_item_until_confirmed(registry, tmp_path):
    store = tmp_path / "s.sqlite"
    one = _ledger([("regressed", 90.0)]).assign(status_note=REGRESS_UNCONFIRMED)
    assert supervise(store, registry, "bayannur", "2024-01", by="t", ledger=one).changes["new"] == []
    two = _ledger([("regressed", 88.0)]).assign(status_note="")  # a second month below: the fall-back is confirmed
    assert supervise(store, registry, "bayannur", "2024-02", by="t", ledger=two).changes["new"] == \
        ["bayannur-202402-001"]


def test_unique_key_allows_one_open_item_per_unit_and_target(registry, tmp_path):
    store = tmp_path / "s.sqlite"
    supervise(store, registry, "bayannur", "2024-01", by="t", ledger=_ledger([("overdue", 80.0)]))
    with closing(sqlite3.connect(store)) as con, pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT INTO sv_items SELECT 'dup', plan, unit, unit_name, target_id, title, opened_period, "
                    "opened_status, problem, lead, responsible, requirement, notice_date, deadline, deadline_note, "
                    "'pending', escalation, reports_open, last_period, last_status, last_reason, previous_id, "
                    "closed_period, close_kind, close_basis, created, updated FROM sv_items")


def test_two_processes_at_once_create_no_duplicates(sample_store, registry, tmp_path):
    one = tmp_path / "one.sqlite"
    shutil.copy(sample_store[0], one)
    supervise(one, registry, "bayannur", MONTHS[0], by="t")
    expected = len(items_frame(one, "bayannur"))
    store = tmp_path / "two.sqlite"
    shutil.copy(sample_store[0], store)
    from taizhang.store import connect

    connect(store).close()  # upgrade once, so both processes race on the items themselves
    code = ("import sys; from pathlib import Path; from taizhang.targets import load_registry; "
            "from taizhang.supervision import supervise; "
            "r = supervise(Path(sys.argv[1]), load_registry(), 'bayannur', '2023-12', by=sys.argv[2]); "
            "print(len(r.changes['new']), r.repeated)")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(store), f"p{i}"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    flags = sorted(o[0].split()[1] for o in outs)
    assert flags == ["False", "True"]  # one did the work, the other found it done
    items = items_frame(store, "bayannur")
    assert len(items) == expected and not items.duplicated(["unit", "target_id"]).any()


def test_store_written_before_supervision_is_upgraded_with_a_backup(registry, tmp_path):
    """tests/fixtures/store_v1.sqlite was written by the code before this change (main at e880c61)."""
    store = tmp_path / "taizhang.sqlite"
    shutil.copy(project_root() / "tests" / "fixtures" / "store_v1.sqlite", store)
    with closing(sqlite3.connect(store)) as con:
        before = con.execute("SELECT * FROM submissions ORDER BY id").fetchall()
        assert not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'sv_items'").fetchone()
    rs_before = load_returnset(store, registry, "bayannur")
    supervise(store, registry, "bayannur", "2023-01", by="t")
    backups = sorted(tmp_path.glob("taizhang.备份-*.sqlite"))
    assert len(backups) == 1
    with closing(sqlite3.connect(backups[0])) as con:
        assert con.execute("SELECT * FROM submissions ORDER BY id").fetchall() == before
        assert not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'sv_items'").fetchone()
    with closing(sqlite3.connect(backups[0])) as con:  # the columns that survive the problems-as-rows upgrade
        kept = [r[1] for r in con.execute("PRAGMA table_info(submissions)") if r[1] != "problems"]
        before_kept = con.execute(f"SELECT {', '.join(kept)} FROM submissions ORDER BY id").fetchall()
    with closing(sqlite3.connect(store)) as con:
        assert con.execute(f"SELECT {', '.join(kept)} FROM submissions ORDER BY id").fetchall() == before_kept
        assert con.execute("SELECT value FROM meta WHERE key = 'supervision_schema'").fetchone() == ("1",)
    rs_after = load_returnset(store, registry, "bayannur")
    pd.testing.assert_frame_equal(rs_before.observations, rs_after.observations)
    # a second open does not back up again
    supervise(store, registry, "bayannur", "2023-02", by="t")
    assert len(sorted(tmp_path.glob("taizhang.备份-*.sqlite"))) == 1


RULES_BAD = {
    "status": ("defaults:\n  open_statuses: [overdue, late]\n", "supervision.yaml / defaults / open_statuses / 第2项：未知的状态代码“late”"),
    "overlap": ("defaults:\n  open_statuses: [overdue]\n  close_statuses: [overdue, met]\n",
                "supervision.yaml / defaults：状态 overdue 不能既立项又销号"),
    "days": ("defaults:\n  working_days: 0\n", "supervision.yaml / defaults / working_days：不符合格式"),
    "placeholder": ("defaults:\n  requirements: {default: '请于 {when} 前整改'}\n",
                    "supervision.yaml / defaults / requirements / default：未知的占位符 {when}"),
    "plan": ("plans:\n  hohhot: {working_days: 10}\n", "supervision.yaml / plans / hohhot：未知的方案编号"),
    "extra": ("defaults:\n  workdays: 10\n", "supervision.yaml / defaults / workdays：不符合格式（不允许的字段）"),
    "yaml": ("defaults: [\n", "supervision.yaml 第"),
}


@pytest.mark.parametrize("case", sorted(RULES_BAD))
def test_invalid_rules_file_gets_located_chinese_errors(case, tmp_path, root):
    import yaml

    good = yaml.safe_load((root / "targets" / "supervision.yaml").read_text(encoding="utf-8"))
    text, expected = RULES_BAD[case]
    path = tmp_path / "supervision.yaml"
    if case == "yaml":
        path.write_text(text, encoding="utf-8")
    else:
        patch = yaml.safe_load(text)
        for k, v in patch.items():
            good[k] = {**good[k], **v} if isinstance(good.get(k), dict) else v
        path.write_text(yaml.safe_dump(good, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SupervisionRulesError) as exc:
        load_rules("bayannur", path)
    assert any(str(p).startswith(expected) for p in exc.value.problems), exc.value.problems


def test_plan_overrides_and_defaults(tmp_path, root):
    import yaml

    data = yaml.safe_load((root / "targets" / "supervision.yaml").read_text(encoding="utf-8"))
    data["plans"] = {"artux": {"working_days": 10, "escalation": [{"after_reports": 2, "level": "提醒谈话"},
                                                                   {"after_reports": 4, "level": "约谈"}]}}
    path = tmp_path / "supervision.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    artux, bay = load_rules("artux", path), load_rules("bayannur", path)
    assert (artux.working_days, bay.working_days) == (10, 15)
    assert [artux.escalation_for(n) for n in (1, 2, 3, 4)] == ["", "提醒谈话", "提醒谈话", "约谈"]
    assert bay.open_statuses == ("overdue", "task_overdue", "regressed")


def test_sample_loop_carries_answers_closes_and_escalations(registry, tmp_path):
    from taizhang.supervision.sample import MANUAL_REASON, run_sample_loop

    store, _ = ingested_sample(tmp_path, registry, "bayannur", "2023-06")
    results = run_sample_loop(registry, "bayannur", store, tmp_path / "answers")
    assert [r.period for r in results][0] == "2022-09" and results[-1].period == "2023-06"
    items = items_frame(store, "bayannur")
    assert (items["last_progress"] != "").any()  # units answered in their returns
    assert (items["close_kind"] == "auto").any()  # the ledger closed some by itself
    manual = items[items["close_kind"] == "manual"]
    assert len(manual) == 1 and MANUAL_REASON in manual["close_basis"].iloc[0]
    assert (items["escalation"] == "约谈").any()
    assert not list((tmp_path / "s").glob("*/"))  # nothing written into the sample folder
    snap = _snapshot(store)
    assert run_sample_loop(registry, "bayannur", store, tmp_path / "answers") == []
    assert _snapshot(store) == snap


def test_deadline_in_an_unknown_year_is_assumed_and_said_so(registry, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    last = known_years()[1]
    res = supervise(store, registry, "bayannur", f"{last}-12", by="t", ledger=_ledger([("overdue", 80.0)]),
                    notice_date=date(last + 1, 1, 15))
    item = items_frame(store).iloc[0]
    assert res.notice_note == item["deadline_note"]
    assert f"{last + 1}年节假日安排尚未收录" in item["deadline_note"] and "按周一至周五推算" in item["deadline_note"]
    # Mon–Fri from Friday 2027-01-15: 15 working days → Friday 2027-02-05 (no Spring Festival assumed)
    assert item["deadline"] == add_working_days(date(last + 1, 1, 15), 15).day.isoformat()
    assert date.fromisoformat(item["deadline"]).weekday() < 5
