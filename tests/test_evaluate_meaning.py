"""Rules that match the plans' meaning (issue 12 point 5, first half), each on hand-computed cases:
逾期达标 for numeric targets, 每周 / 每日 duties as the count the month requires (Chinese holiday calendar),
a 100 % target met only at 100 % (status, reason and projection alike), and a 达标后回落 resting on a single
month's value flagged for checking. The method and the plan clauses: docs/evaluation.md."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from taizhang.evaluate import Settings, evaluate, month_over_month
from taizhang.evaluate import judges
from taizhang.kernel import statuses
from taizhang.kernel.workdays import known_years, month_days
from test_evaluate import PLAN, field_obs, months, rate_obs, registry, returns, row, target

# ------------------------------------------------------------------------------------------ 逾期达标


@pytest.mark.parametrize("values,deadline,status", [
    # 2024-03 (the deadline's month) 90 % < 100 %: met only in 2024-05 → 逾期达标
    ([80, 85, 90, 95, 100, 100], "2024-03-31", "met_late"),
    # met in the deadline's month itself (a month's value counts as in time for a deadline inside it)
    ([80, 85, 100, 100, 100, 100], "2024-03-31", "met"),
    ([80, 85, 100, 100, 100, 100], "2024-03-15", "met"),
    # met before the deadline, and the deadline has not passed
    ([80, 85, 90, 95, 100, 100], "2024-12-31", "met"),
    # met by the deadline, slipped, met again: the value at the deadline (2024-03: 100) met → 已达标
    ([100, 100, 100, 90, 100, 100], "2024-03-31", "met"),
    # slipped *at* the deadline (2024-03: 90) and met again afterwards → 逾期达标
    ([100, 100, 90, 90, 100, 100], "2024-03-31", "met_late"),
])
def test_met_after_the_deadline(values, deadline, status):
    reg = registry(target("t", deadlines=(deadline,)))
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", values))), "2024-06"))
    assert r["status"] == status, r["reason"]
    assert r["status_label"] == statuses.label(status)


def test_met_late_reason_cites_the_value_at_the_deadline_and_the_month_it_was_met():
    reg = registry(target("t", deadlines=("2024-03-31",)))
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [80, 85, 99.96, 95, 100, 100]))),
                     "2024-06"))
    assert r["status"] == "met_late" and r["status_label"] == "逾期达标"
    # the value at the deadline is a miss: never printed as reaching 100 %
    assert r["reason"] == ("最新值 100.0%（2024-06），达到目标 ≥ 100%；期限 2024-03-31 时未达标（99.96%，2024-03），"
                           "期限后于 2024-05 达标")
    assert r["gap"] == 0 and not r["due_soon_flag"]


def test_no_value_at_the_deadline_is_no_evidence_of_lateness():
    # the unit's first value comes after the deadline: the ledger cannot say it was late → 已达标
    reg = registry(target("t", deadlines=("2024-03-31",)))
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", {"2024-06": 100})), "2024-06"))
    assert r["status"] == "met"


def test_met_late_counts_as_met_and_ranks_below_met():
    met_late, met, on_track = (statuses.status(c) for c in ("met_late", "met", "on_track"))
    assert met_late.is_met and "met_late" in statuses.MET and not met_late.is_overdue
    assert on_track.rank < met_late.rank < met.rank
    # month over month: overdue → 逾期达标 is 新达标; 已达标 → 逾期达标 is 变差 (below met in the order of merit)
    reg = registry(target("t", deadlines=("2024-03-31",)))
    rs = returns(rate_obs("a", months("2024-01", [80, 85, 90, 95, 90, 100])))
    cur, prev = evaluate(reg, PLAN, rs, "2024-06"), evaluate(reg, PLAN, rs, "2024-04")
    assert (row(prev)["status"], row(cur)["status"]) == ("overdue", "met_late")
    assert row(month_over_month(cur, prev))["change"] == "newly_met"


def test_met_late_closes_a_supervision_item():
    from taizhang.supervision import load_rules

    for plan in ("bayannur", "baotou", "urad-middle", "yinchuan", "artux"):
        assert "met_late" in load_rules(plan).close_statuses, plan


# ---------------------------------------------------------------------------------------------- 每周 / 每日

WEEKLY = dict(metric="evaluation_bulletins", value=1, unit="次", kind="recurring", recurrence="week", deadlines=())
DAILY = dict(WEEKLY, recurrence="day")


def test_a_months_working_days_and_weeks_come_from_the_holiday_calendar():
    # October 2024: 23 weekdays − 国庆 1, 2, 3, 4, 7 October + 调休 Saturday 12 October = 19 working days;
    # Thursdays 3, 10, 17, 24, 31 → 5 weeks
    assert (month_days("2024-10").working_days, month_days("2024-10").weeks) == (19, 5)
    # February 2024: 21 weekdays − 春节 12–16 February + 调休 Sundays 4 and 18 February = 18; Thursdays 1 … 29: 5
    assert (month_days("2024-02").working_days, month_days("2024-02").weeks) == (18, 5)
    # March 2024: Thursdays 7, 14, 21, 28 → 4 weeks, 21 working days
    assert (month_days("2024-03").working_days, month_days("2024-03").weeks) == (21, 4)
    # January 2020: Thursdays 2 … 30 are 5, but 27 January – 2 February 2020 (春节, extended) has no working day
    assert month_days("2020-01").weeks == 4
    assert month_days("2024-10").known and month_days("2024-10").note == ""


def test_a_year_the_calendar_does_not_know_is_counted_monday_to_friday_and_said():
    year = known_years()[1] + 1
    md = month_days(f"{year}-05")
    expected = int(np.busday_count(date(year, 5, 1), date(year, 6, 1)))
    assert not md.known and md.working_days == expected
    assert f"{year}年节假日安排尚未收录" in md.note and "按周一至周五推算" in md.note


def test_weekly_duty_requires_the_months_weeks():
    reg = registry(target("w", **WEEKLY))
    obs = field_obs("a", "evaluation_bulletins", {"2024-01": 4, "2024-02": 4, "2024-03": 3})
    # March 2024 holds 4 weeks: 3 done → overdue for March (read after the month)
    mar = row(evaluate(reg, PLAN, returns(obs), "2024-03"))
    assert (mar["status"], mar["value"], mar["required_value"]) == ("overdue", 3, 4)
    assert "完成 3次，本月应完成 4次（每周" in mar["reason"] and "本年已有 1 个月未达要求" in mar["reason"]
    # February 2024 holds 5 weeks: 4 is short (January's 4 of 4 met)
    feb = row(evaluate(reg, PLAN, returns(obs), "2024-02"))
    assert (feb["status"], feb["required_value"], feb["periods_missed"]) == ("overdue", 5, 0)
    jan = row(evaluate(reg, PLAN, returns(obs), "2024-01"))
    assert (jan["status"], jan["required_value"]) == ("met", 4)
    assert "本月应完成 4次" in jan["reason"] and "已达要求" in jan["reason"]


def test_daily_duty_requires_the_months_working_days():
    reg = registry(target("d", **DAILY))
    obs = field_obs("a", "evaluation_bulletins", {"2024-09": 21, "2024-10": 19, "2024-11": 20})
    octo = row(evaluate(reg, PLAN, returns(obs), "2024-10"))
    assert (octo["status"], octo["required_value"]) == ("met", 19)  # 19 working days in October 2024
    # November 2024: 21 weekdays, no holiday → 21 required; 20 done is short
    nov = row(evaluate(reg, PLAN, returns(obs), "2024-11"))
    assert (nov["status"], nov["required_value"]) == ("overdue", 21)
    assert "完成 20次，本月应完成 21次（每日" in nov["reason"]
    # September 2024: 21 weekdays − 中秋 16, 17 September + 调休 Saturday 14 and Sunday 29 September = 21
    assert row(evaluate(reg, PLAN, returns(obs), "2024-09"))["required_value"] == 21
    # a mid-month date still asks the whole month's count
    mid = row(evaluate(reg, PLAN, returns(obs), date(2024, 10, 15)))
    assert (mid["status"], mid["required_value"]) == ("met", 19)


def test_daily_duty_in_a_year_the_calendar_does_not_know_says_so():
    year = known_years()[1] + 1
    reg = registry(target("d", **DAILY), issued=date(year, 1, 1))
    r = row(evaluate(reg, PLAN, returns(field_obs("a", "evaluation_bulletins", {f"{year}-05": 1})), f"{year}-05"))
    assert r["required_value"] == int(np.busday_count(date(year, 5, 1), date(year, 6, 1)))
    assert "按周一至周五推算" in r["reason"]


# ---------------------------------------------------------------------------------------------- 100 % targets

def test_a_flat_99_percent_on_a_100_percent_target_is_behind_and_says_so():
    reg = registry(target("t"))  # ≥ 100 % by 2024-12-31
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [99] * 6))), "2024-06"))
    assert r["status"] == "behind", r["reason"]
    assert "期限时预计 99.0%，按此趋势期限内难以达标" in r["reason"] and r["projected_met"] == ""


def test_the_projection_reaches_100_percent_not_99():
    # Theil–Sen: +0.5 a month, 99 % in 2024-06 → 100 % two months later (2024-08), not 99 % "now"
    reg = registry(target("t"))
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [96.5, 97, 97.5, 98, 98.5, 99]))),
                     "2024-06"))
    assert (r["status"], r["projected_met"]) == ("on_track", "2024-08")
    assert "预计 2024-08 达标" in r["reason"]
    # +0.125 a month from 99 %: 100 % eight months later (2025-02), after the 2024-12-31 deadline → behind, and
    # the reason names that later month (before: 99 % counted, "预计 2024-07 达标" and on track)
    late = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [98.375, 98.5, 98.625, 98.75, 98.875,
                                                                           99]))), "2024-06"))
    assert (late["status"], late["projected_met"]) == ("behind", "2025-02")
    assert "期限时预计 99.8%，预计 2025-02 达标" in late["reason"]  # 99 + 0.125 × 184 / 30.4375 days


def test_99_9_percent_is_not_100_percent():
    reg = registry(target("t", deadlines=("2024-03-31",)))
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", {"2024-06": 99.9})), "2024-06"))
    assert r["status"] == "overdue" and "未达目标 ≥ 100%" in r["reason"] and "100.0%" not in r["reason"]


def test_a_tolerance_when_asked_applies_to_status_reason_and_projection_alike():
    assert Settings().achieved_tolerance == 0
    reg = registry(target("t"))
    cfg = Settings(achieved_tolerance=1.0)
    flat = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [99] * 6))), "2024-06", cfg))
    assert flat["status"] == "met" and "在 1 个百分点容差内，视为达标" in flat["reason"]
    rising = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [96, 96.5, 97, 97.5, 98, 98.5]))),
                          "2024-06", cfg))
    assert (rising["status"], rising["projected_met"]) == ("on_track", "2024-07")  # 99 % reached in 2024-07
    # the tolerance is for 100 % targets only: a 90 % target is judged as written
    r90 = row(evaluate(registry(target("n", value=90, deadlines=("2024-03-31",))), PLAN,
                       returns(rate_obs("a", {"2024-06": 89.5})), "2024-06", cfg))
    assert r90["status"] == "overdue"


def test_effective_threshold_only_moves_100_and_0_percent_targets():
    thr = np.array([100.0, 90.0, 0.0, 100.0])
    got = judges.effective_threshold(thr, np.array([0, 0, 1, 0]), np.array([True, True, True, False]), 1.0)
    assert got.tolist() == [99.0, 90.0, 1.0, 100.0]
    assert judges.effective_threshold(thr, np.array([0, 0, 1, 0]), np.ones(4, bool), 0.0) is thr


# ---------------------------------------------------------------------------------------------- 达标后回落

def test_a_regress_on_a_single_months_value_is_flagged_for_checking():
    reg = registry(target("t"))
    one = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [90, 100, 100, 100, 100, 95]))),
                       "2024-06"))
    assert one["status"] == "regressed"
    assert one["status_note"] == "待核实：仅一个月数据回落"
    assert "未达目标 ≥ 100%；仅此一个月未达标，待核实（连续 2 个月未达标即确认回落）" in one["reason"]
    # the next reported month below the target confirms it: no note
    two = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [90, 100, 100, 100, 100, 95, 96]))),
                       "2024-07"))
    assert two["status"] == "regressed" and two["status_note"] == ""
    assert "曾于 2024-05 达标，最新值 96.0%（2024-07）回落至目标" in two["reason"]
    # back at the target: met, nothing to check
    back = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [90, 100, 100, 100, 100, 95, 100]))),
                        "2024-07"))
    assert back["status"] == "met" and back["status_note"] == ""


def test_a_month_without_a_return_does_not_confirm_a_regress():
    # met in 2024-04, below in 2024-06, nothing in 2024-05 or 2024-07: still a single month's value
    reg = registry(target("t"))
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", {"2024-04": 100, "2024-06": 95})), "2024-07"))
    assert r["status"] == "regressed" and r["status_note"] == judges.REGRESS_UNCONFIRMED
    assert judges.REGRESS_CONFIRM_MONTHS == 2


def test_status_note_is_empty_for_every_other_row():
    reg = registry(target("t"), target("u", deadlines=("2024-03-31",)))
    ledger = evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [90, 100, 100, 100, 100, 95]))
                                         + rate_obs("b", {"2024-06": 50})), "2024-06")
    flagged = ledger["status_note"] == judges.REGRESS_UNCONFIRMED
    assert flagged.sum() == 2 and (ledger.loc[flagged, "unit"] == "a").all()
    assert (ledger.loc[flagged, "status"] == "regressed").all() and (ledger.loc[~flagged, "status_note"] == "").all()
    assert set(ledger.loc[~flagged, "status"]) == {"overdue", "behind", "not_applicable"}
