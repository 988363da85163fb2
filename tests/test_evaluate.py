"""Hand-computed scenarios for the progress judgement (taizhang.evaluate); see docs/evaluation.md.

Every scenario builds a tiny registry (real metrics catalogue, one hand-written plan, two units) and a few
observations, evaluates at a known as-of date and checks the status, the numbers and the reason.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from taizhang.errors import ParameterError
from taizhang.evaluate import (LEDGER_COLUMNS, STATUS_LABELS, STATUSES, Settings, evaluate, month_over_month,
                               previous_month, rank_units, ranking_metrics)
from taizhang.returns import ReturnSet
from taizhang.targets import Deadline, Plan, Registry, Target, Unit, load_registry

PLAN = "tst"


def target(slug: str, metric: str = "entry_rate", op: str | None = ">=", value: float | None = 100,
           unit: str | None = "%", kind: str = "quantitative", levels=("county",), deadlines=("2024-12-31",),
           recurrence: str | None = None) -> Target:
    return Target(
        id=f"{PLAN}.1.{slug}", title=f"测试目标{slug}", section="一", kind=kind, metric=metric, op=op,
        value=value, unit=unit, levels=levels, recurrence=recurrence, quote="测试用的原文摘录",
        deadlines=tuple(Deadline(text=f"期限{i}", date=date.fromisoformat(d)) for i, d in enumerate(deadlines)),
    ).model_copy(update={"plan": PLAN})


def registry(*targets: Target, issued: date = date(2023, 1, 1), rankings: tuple[str, ...] = ()) -> Registry:
    base = load_registry()
    plan = Plan(plan=PLAN, document="测试方案", issuer="测试", issued=issued, source="none.txt",
                targets=tuple(targets), rankings=rankings)
    units = (Unit(id="a", name="甲县", level="county"), Unit(id="b", name="乙县", level="county"),
             Unit(id="z", name="丙镇", level="township"))
    return Registry(root=base.root, fields=base.fields, metrics=base.metrics, plans={PLAN: plan},
                    units={PLAN: units}, version="test")


def rate_obs(unit: str, values: dict[str, float]) -> list[tuple]:
    """entry_rate observations: required_items = 100, entered_items = the rate."""
    rows = []
    for period, v in values.items():
        rows += [(unit, period, "required_items", 100.0), (unit, period, "entered_items", float(v))]
    return rows


def field_obs(unit: str, field: str, values: dict[str, float]) -> list[tuple]:
    return [(unit, p, field, float(v)) for p, v in values.items()]


def returns(rows: list[tuple], tasks: list[tuple] = ()) -> ReturnSet:
    return ReturnSet(
        observations=pd.DataFrame(rows, columns=["unit", "period", "field", "value"]),
        tasks=pd.DataFrame(list(tasks), columns=["unit", "period", "target_id", "done_date", "evidence"]),
        files=pd.DataFrame(columns=["file", "sha256", "unit", "period"]),
    )


def months(start: str, values: list[float]) -> dict[str, float]:
    return {str(p): v for p, v in zip(pd.period_range(start, periods=len(values), freq="M"), values)}


def row(ledger: pd.DataFrame, unit: str = "a", slug: str | None = None) -> pd.Series:
    sel = ledger[ledger["unit"] == unit]
    if slug is not None:
        sel = sel[sel["target_id"] == f"{PLAN}.1.{slug}"]
    assert len(sel) == 1
    return sel.iloc[0]


# ---------------------------------------------------------------------------------------------- scenarios

# (name, target kwargs, observations of unit a as {period: rate}, as_of, expected status, reason fragment)
SCENARIOS = [
    ("met", {}, {"2024-05": 90, "2024-06": 100}, "2024-06", "met", "达到目标 ≥ 100%"),
    ("exactly-on-threshold", {"value": 90}, {"2024-06": 90}, "2024-06", "met", "最新值 90.0%（2024-06）"),
    ("just-below-threshold", {"value": 90, "deadlines": ("2024-03-31",)}, {"2024-06": 89.9}, "2024-06",
     "overdue", "期限 2024-03-31 已过 91 天"),
    ("due-soon", {"deadlines": ("2024-08-15",)}, {"2024-06": 80}, "2024-06", "due_soon", "仅剩 46 天"),
    ("on-track", {}, months("2024-01", [55, 60, 65, 70, 75, 80]), "2024-06", "on_track", "预计 2024-10 达标"),
    ("behind", {}, months("2024-01", [50, 51, 52, 53, 54, 55]), "2024-06", "behind", "期限时预计 61.0%"),
    ("flat-trend", {}, months("2024-01", [60] * 6), "2024-06", "behind", "按此趋势期限内难以达标"),
    ("regressed", {}, months("2024-01", [90, 100, 100, 100, 95, 95]), "2024-06", "regressed",
     "曾于 2024-04 达标"),
    ("stale", {}, {"2024-01": 80}, "2024-06", "stale", "已 5 个月未更新"),
    ("no-data", {}, {}, "2024-06", "no_data", "未收到"),
    ("no-deadline", {"deadlines": ()}, months("2024-04", [70, 75, 80]), "2024-06", "no_deadline",
     "原文未规定期限，按近期趋势预计 2024-10 达标"),
    ("no-deadline-met", {"deadlines": ()}, {"2024-06": 100}, "2024-06", "met", "达到目标"),
    ("single-point", {}, {"2024-06": 80}, "2024-06", "behind", "数据不足以推算趋势"),
    ("two-dates", {"deadlines": ("2024-12-31", "2024-05-20")}, {"2024-06": 80}, "2024-06", "overdue",
     "期限 2024-05-20（原文另有期限 2024-12-31） 已过 41 天"),
    ("met-late", {"deadlines": ("2024-03-31",)}, months("2024-01", [80, 90, 95, 100]), "2024-06", "met_late",
     "期限 2024-03-31 时未达标（95.0%，2024-03），期限后于 2024-04 达标"),
]


@pytest.mark.parametrize("name,kw,values,as_of,status,fragment", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_quantitative_scenarios(name, kw, values, as_of, status, fragment):
    reg = registry(target("t", **kw))
    ledger = evaluate(reg, PLAN, returns(rate_obs("a", values)), as_of)
    r = row(ledger)
    assert r["status"] == status, r["reason"]
    assert r["status_label"] == STATUS_LABELS[status]
    assert fragment in r["reason"]


def test_ledger_has_every_column_and_one_row_per_unit_and_target():
    reg = registry(target("t"), target("u", levels=("township",)))
    ledger = evaluate(reg, PLAN, returns(rate_obs("a", {"2024-06": 80})), "2024-06")
    assert list(ledger.columns) == LEDGER_COLUMNS
    assert len(ledger) == 2 * 3
    # a county-level target does not apply to the 镇, and a township target not to the counties
    assert row(ledger, "z", "t")["status"] == "not_applicable"
    assert row(ledger, "a", "u")["status"] == "not_applicable"
    assert row(ledger, "z", "u")["status"] == "no_data"


def test_ledger_attrs_carry_the_as_of_month_and_the_settings():
    reg = registry(target("t"))
    ledger = evaluate(reg, PLAN, returns(rate_obs("a", {"2024-06": 80})), "2024-06", due_soon_days=30,
                      assumed_deadlines=None)
    assert ledger.attrs["as_of"] == "2024-06" and ledger.attrs["settings"]["due_soon_days"] == 30
    assert ledger[ledger["unit"] == "a"].attrs["settings"] == ledger.attrs["settings"]


def test_mid_month_the_deadline_day_is_in_time_and_the_day_after_is_overdue():
    reg = registry(target("t", deadlines=("2024-06-15",)))
    rs = returns(rate_obs("a", {"2024-05": 80}))
    on_day = row(evaluate(reg, PLAN, rs, date(2024, 6, 15)))
    assert (on_day["status"], on_day["days_to_deadline"]) == ("due_soon", 0)
    after = row(evaluate(reg, PLAN, rs, date(2024, 6, 16)))
    assert (after["status"], after["days_to_deadline"]) == ("overdue", -1)
    assert "已过 1 天" in after["reason"]


def test_a_deadline_in_the_report_month_is_overdue_not_due_soon():
    # issue 12 point 4: the 2024-06 report is read after June ends: a 2024-06-30 deadline not met is overdue
    reg = registry(target("t", deadlines=("2024-06-30",)))
    rs = returns(rate_obs("a", {"2024-03": 80}))
    r = row(evaluate(reg, PLAN, rs, "2024-06"))
    assert (r["status"], r["days_to_deadline"]) == ("overdue", 0)
    assert "已到期" in r["reason"] and "0 天" not in r["reason"]
    # a deadline one and two months after the report month is near (due_soon_months = 2), three is not
    assert row(evaluate(reg, PLAN, rs, "2024-05"))["status"] == "due_soon"
    assert row(evaluate(reg, PLAN, rs, "2024-04"))["status"] == "due_soon"
    assert row(evaluate(reg, PLAN, rs, "2024-03"))["status"] != "due_soon"
    assert row(evaluate(reg, PLAN, rs, "2024-04", due_soon_months=1))["status"] != "due_soon"


def test_on_track_numbers_glide_path_and_projection():
    # baseline 50% in 2023-12 (plan month 2023-12), target 100% by 2024-12-31, as-of 2024-06-30
    reg = registry(target("t"), issued=date(2023, 12, 1))
    values = months("2023-12", [50, 55, 60, 65, 70, 75, 80])
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", values)), "2024-06"))
    assert r["baseline"] == pytest.approx(50) and r["baseline_period"] == "2023-12"
    frac = (date(2024, 6, 30) - date(2023, 12, 31)).days / (date(2024, 12, 31) - date(2023, 12, 31)).days
    assert r["required_value"] == pytest.approx(50 + 50 * frac)
    assert r["progress_ratio"] == pytest.approx(30 / (50 * frac))
    assert r["trend_slope"] == pytest.approx(5) and r["trend_points"] == 7
    assert r["projected_value"] == pytest.approx(100)  # 80 + 5 × 6.04 months, capped at 100 %
    assert r["projected_met"] == "2024-10"  # 80 + 5k ≥ 99 (a 100 % target within one point)
    assert r["status"] == "on_track"


def test_no_baseline_after_the_plan_date_still_judges_by_the_trend():
    # the plan is dated 2024-06; the unit's data stops in 2024-05 → no baseline, trend from 5 points
    reg = registry(target("t"), issued=date(2024, 6, 1))
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [60, 65, 70, 75, 80]))), "2024-06"))
    assert np.isnan(r["baseline"]) and r["baseline_period"] is None
    assert np.isnan(r["progress_ratio"])
    assert r["trend_points"] == 5
    assert r["status"] == "on_track"


def test_theil_sen_ignores_one_outlying_month():
    reg = registry(target("t"))
    values = months("2024-01", [55, 60, 5, 70, 75, 80])  # March typed wrongly
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", values)), "2024-06"))
    assert r["trend_slope"] == pytest.approx(5)
    assert r["status"] == "on_track"


LOWER = dict(metric="approval_steps_max", op="<=", value=3, unit="个环节")


@pytest.mark.parametrize("values,status,projected_met", [
    ([3], "met", ""),  # exactly on the limit
    ([9, 8, 7, 6, 5, 4], "on_track", "2024-07"),
    ([5, 5, 5, 5, 5, 5], "behind", ""),
    ([2, 2, 2, 4, 4, 4], "regressed", ""),
])
def test_lower_is_better(values, status, projected_met):
    reg = registry(target("steps", **LOWER))
    obs = field_obs("a", "max_approval_steps", months(f"2024-{7 - len(values):02d}", values))
    r = row(evaluate(reg, PLAN, returns(obs), "2024-06"))
    assert r["status"] == status, r["reason"]
    assert r["projected_met"] == projected_met
    if status == "met":
        assert r["gap"] == 0


def test_a_lower_is_better_target_that_regressed_says_the_value_rose_above_the_limit():
    # ≤ 3 个环节, met with 2 in 2024-01..03, then 4 from 2024-04: the value rose above the limit, not "fell below"
    reg = registry(target("steps", **LOWER))
    obs = field_obs("a", "max_approval_steps", months("2024-01", [2, 2, 2, 4, 4, 4]))
    r = row(evaluate(reg, PLAN, returns(obs), "2024-06"))
    assert r["status"] == "regressed"
    assert r["reason"] == "曾于 2024-03 达标，最新值升至 4个环节（2024-06），超出目标 ≤ 3个环节"
    assert "回落" not in r["reason"] and "以下" not in r["reason"]


def test_a_lower_is_better_target_that_is_overdue():
    # 5 > 3 at 2024-06, deadline 2024-03-31 passed 91 days before 2024-06-30
    reg = registry(target("steps", deadlines=("2024-03-31",), **LOWER))
    r = row(evaluate(reg, PLAN, returns(field_obs("a", "max_approval_steps", {"2024-06": 5})), "2024-06"))
    assert (r["status"], r["days_to_deadline"]) == ("overdue", -91)
    assert r["reason"] == "最新值 5个环节（2024-06），未达目标 ≤ 3个环节；期限 2024-03-31 已过 91 天"
    assert "以下" not in r["reason"]


def test_assumed_deadline_is_used_and_labelled():
    reg = registry(target("t", deadlines=()))
    rs = returns(rate_obs("a", {"2024-06": 80}))
    plain = row(evaluate(reg, PLAN, rs, "2024-06"))
    assert plain["status"] == "no_deadline" and plain["deadline"] is None and not plain["deadline_assumed"]
    r = row(evaluate(reg, PLAN, rs, "2024-06", assumed_deadlines={f"{PLAN}.1.t": "2024-03-31"}))
    assert r["status"] == "overdue"
    assert r["deadline"] == date(2024, 3, 31) and bool(r["deadline_assumed"])
    assert "假定" in r["deadline_text"] and "2024-03-31（假定）" in r["reason"]


def test_assumed_deadline_for_a_dated_target_or_unknown_id_is_refused():
    reg = registry(target("t"))
    with pytest.raises(ParameterError) as err:
        evaluate(reg, PLAN, returns([]), "2024-06", assumed_deadlines={f"{PLAN}.1.t": "2025-01-01", "x.y.z": "2025-01-01"})
    assert "原文已有期限" in err.value.message and "x.y.z" in err.value.message


def test_bad_parameters_name_the_parameter():
    reg = registry(target("t"))
    with pytest.raises(ParameterError) as err:
        evaluate(reg, PLAN, returns([]), "2024-6")
    assert err.value.parameter == "as_of"
    with pytest.raises(ParameterError) as err:
        evaluate(reg, PLAN, returns([]), "2024-06", due_soon_days=-1)
    assert err.value.parameter == "due_soon_days"
    with pytest.raises(ParameterError) as err:
        evaluate(reg, PLAN, returns([]), "2024-06", Settings(min_trend_points=13))  # more than trend_months
    assert err.value.parameter == "min_trend_points"
    with pytest.raises(ParameterError) as err:
        evaluate(reg, PLAN, returns([]), "2024-06", due_son_days=30)  # not a field of Settings
    assert err.value.parameter == "due_son_days" and "due_soon_days" in err.value.allowed


def test_settings_is_one_frozen_object_and_the_keyword_form_is_the_same():
    reg = registry(target("t"))
    rs = returns(rate_obs("a", months("2024-01", [60, 65, 70, 75, 80])))
    by_object = evaluate(reg, PLAN, rs, "2024-06", Settings(due_soon_days=30, trend_months=6))
    by_name = evaluate(reg, PLAN, rs, "2024-06", due_soon_days=30, trend_months=6)
    pd.testing.assert_frame_equal(by_object, by_name)
    assert Settings.from_ledger(by_object) == Settings(due_soon_days=30, trend_months=6)
    with pytest.raises(AttributeError):
        Settings().due_soon_days = 1  # frozen


# ---------------------------------------------------------------------------------------------- recurring

YEARLY = dict(metric="one_thing_new_items", value=5, unit="个", kind="recurring", recurrence="year",
              deadlines=())


@pytest.mark.parametrize("counts,as_of,status,required", [
    ([1, 0, 1, 0, 1, 0], "2024-06", "on_track", 2),  # 3 done; floor(5 × 6/12) = floor(2.5) = 2 due by now
    ([0, 0, 0, 0, 0, 1], "2024-06", "behind", 2),  # 1 < 2
    ([1, 1, 0, 0, 0, 0], "2024-06", "on_track", 2),  # exactly the 2 whole occurrences due
    ([1], "2024-01", "on_track", 0),  # floor(5 × 1/12) = 0: nothing due after one month
    ([0], "2024-02", "on_track", 0),  # floor(5 × 2/12) = 0
    ([0, 0, 0], "2024-03", "behind", 1),  # floor(5 × 3/12) = 1
    ([1, 1, 1, 1, 1], "2024-05", "met", 2),  # floor(25/12) = 2
    ([0] * 10 + [4], "2024-11", "due_soon", 4),  # 31 days to the end of the year; floor(55/12) = 4
    ([0] * 11 + [4], "2024-12", "overdue", 5),  # the 2024-12 report is read after the year has ended
])
def test_recurring_per_year(counts, as_of, status, required):
    reg = registry(target("year", **YEARLY))
    obs = field_obs("a", "one_thing_new_items", months("2024-01", counts))
    r = row(evaluate(reg, PLAN, returns(obs), as_of))
    assert r["status"] == status, r["reason"]
    assert r["value"] == sum(counts)
    assert r["required_value"] == required
    assert r["deadline"] == date(2024, 12, 31)


ONCE_A_YEAR = dict(metric="one_thing_new_items", value=1, unit="次", kind="recurring", recurrence="year",
                   deadlines=())


def test_once_a_year_is_on_track_with_nothing_done_in_january():
    reg = registry(target("year", **ONCE_A_YEAR))
    obs = field_obs("a", "one_thing_new_items", {"2024-01": 0})
    r = row(evaluate(reg, PLAN, returns(obs), "2024-01"))
    assert (r["status"], r["value"], r["required_value"]) == ("on_track", 0, 0)
    assert "按时间进度应完成 0次" in r["reason"] and "进度正常" in r["reason"]
    # one whole occurrence is due only at the end of the year: floor(1 × 11/12) = 0 in November
    nov = row(evaluate(reg, PLAN, returns(field_obs("a", "one_thing_new_items", months("2024-01", [0] * 11))),
                       "2024-11"))
    assert (nov["status"], nov["required_value"]) == ("due_soon", 0)  # 30 days left, not yet done


def test_recurring_period_ending_on_the_as_of_day_is_in_time_and_overdue_the_day_after():
    # hand-computed: 每年不少于5个, 3 done in 2024 (plan issued 2023-01-01, so 2024 is a whole period)
    reg = registry(target("year", **YEARLY))
    obs = field_obs("a", "one_thing_new_items", {"2024-03": 1, "2024-07": 2, "2025-01": 1})
    rs = returns(obs)
    # the 2024-12 report (as of its last day) is read after the year has ended: overdue, never 临期 with 0 days
    last_day = row(evaluate(reg, PLAN, rs, date(2024, 12, 31)))
    assert (last_day["status"], last_day["days_to_deadline"]) == ("overdue", 0)
    assert last_day["value"] == 3 and "本期（2024-01–2024-12）已结束" in last_day["reason"]
    assert "已到期" in last_day["reason"]
    # a day into December, the year is still open: 临期 (days-based mid-month)
    assert row(evaluate(reg, PLAN, rs, date(2024, 12, 1)))["status"] == "due_soon"
    day_after = row(evaluate(reg, PLAN, rs, date(2025, 1, 1)))
    assert (day_after["status"], day_after["days_to_deadline"]) == ("overdue", -1)
    assert day_after["deadline"] == date(2024, 12, 31) and day_after["value"] == 3
    assert day_after["value_period"] == "2024-01–2024-12" and day_after["gap"] == -2
    assert "上期（2024-01–2024-12）已结束，完成 3个，未达要求" in day_after["reason"]
    assert "期限 2024-12-31 已过 1 天" in day_after["reason"] and "本期已完成 1个" in day_after["reason"]
    # end of January: 31 days overdue; in February 2024's shortfall stays on record (issue 12 point 3)
    jan = row(evaluate(reg, PLAN, rs, "2025-01"))
    assert (jan["status"], jan["days_to_deadline"]) == ("overdue", -31)
    feb = row(evaluate(reg, PLAN, rs, "2025-02"))
    assert (feb["status"], feb["value"], feb["deadline"]) == ("overdue", 3, date(2024, 12, 31))


def test_a_first_partial_period_is_never_judged_overdue():
    # plan issued 2024-03: 2024 was not a whole year under the plan, so January 2025 judges 2025 only
    reg = registry(target("year", **YEARLY), issued=date(2024, 3, 1))
    obs = field_obs("a", "one_thing_new_items", {"2024-07": 1, "2025-01": 0})
    assert row(evaluate(reg, PLAN, returns(obs), "2025-01"))["status"] == "on_track"


def test_a_deadline_in_the_report_month_is_overdue_for_every_kind_and_never_due_soon_with_0_days():
    # the 2025-12 contradiction: 逾期 rows with 0 days next to 临期 rows with 0 days — the report is read after
    # the month, so every deadline of the month that is not met is overdue
    reg = registry(target("q", deadlines=("2024-12-31",)), target("year", **YEARLY), target("year1", **ONCE_A_YEAR),
                   target("month", **MONTHLY))
    obs = (rate_obs("a", {"2024-12": 50}) + field_obs("a", "one_thing_new_items", {"2024-12": 0})
           + field_obs("a", "evaluation_bulletins", {"2024-12": 0}))
    ledger = evaluate(reg, PLAN, returns(obs), "2024-12")
    applicable = ledger[(ledger["status"] != "not_applicable") & ledger["days_to_deadline"].notna()]
    assert (applicable["days_to_deadline"] >= 0).all()
    assert not (applicable["status"] == "due_soon").any()
    assert set(row(ledger, "a", s)["status"] for s in ("q", "year", "year1", "month")) == {"overdue"}
    overdue = evaluate(reg, PLAN, returns(obs), "2025-01")
    over = overdue[overdue["status"] == "overdue"]
    assert len(over) and (over["days_to_deadline"] < 0).all()


def test_recurring_per_year_counts_only_this_year():
    reg = registry(target("year", **YEARLY))
    obs = field_obs("a", "one_thing_new_items", {"2023-11": 5, "2023-12": 5, "2024-01": 1})
    r = row(evaluate(reg, PLAN, returns(obs), "2024-01"))
    assert r["value"] == 1 and r["value_period"] == "2024-01–2024-01"


MONTHLY = dict(metric="evaluation_bulletins", value=1, unit="次", kind="recurring", recurrence="month",
               deadlines=())


def test_recurring_per_month_counts_months_missed():
    reg = registry(target("month", **MONTHLY))
    obs = field_obs("a", "evaluation_bulletins", months("2024-01", [1, 0, 1, 1, 0, 1]))
    june = row(evaluate(reg, PLAN, returns(obs), "2024-06"))
    assert june["status"] == "met" and june["periods_missed"] == 2
    assert "本年已有 2 个月未达要求" in june["reason"]
    # May is judged at its end (the report is read after it): overdue for May itself; February counted
    may = row(evaluate(reg, PLAN, returns(obs), "2024-05"))
    assert (may["status"], may["days_to_deadline"], may["periods_missed"]) == ("overdue", 0, 1)
    assert may["value_period"] == "2024-05–2024-05" and "本期（2024-05–2024-05）已结束" in may["reason"]
    # February and March missed: the March report is overdue for March, February stays on record as missed
    obs2 = field_obs("a", "evaluation_bulletins", months("2024-01", [1, 0, 0]))
    mar = row(evaluate(reg, PLAN, returns(obs2), "2024-03"))
    assert (mar["status"], mar["days_to_deadline"], mar["value_period"]) == ("overdue", 0, "2024-03–2024-03")
    assert mar["periods_missed"] == 1 and "本年已有 1 个月未达要求" in mar["reason"]


def test_a_missed_annual_duty_stays_on_record_until_the_next_year_is_judged():
    # issue 12 point 3: "2025 年度考评未完成" is shown in every month of 2025's successor until 2025-12 is judged
    reg = registry(target("year", **YEARLY))
    rs = returns(field_obs("a", "one_thing_new_items", {"2024-03": 1, "2024-07": 2, "2025-02": 1}))
    for m in ("2025-01", "2025-06", "2025-11"):
        r = row(evaluate(reg, PLAN, rs, m))
        assert (r["status"], r["value"], r["value_period"]) == ("overdue", 3, "2024-01–2024-12"), m
        assert "上期（2024-01–2024-12）已结束，完成 3个" in r["reason"]
    # 2025-12: the 2025 period itself is judged (1 done, short of 5): overdue for 2025, no longer for 2024
    dec = row(evaluate(reg, PLAN, rs, "2025-12"))
    assert (dec["status"], dec["value"], dec["value_period"]) == ("overdue", 1, "2025-01–2025-12")


def test_a_quarterly_duty_is_not_due_soon_in_its_first_month():
    # issue 12 point 4: January 31 → March 31 is 59 days, but a quarter is not 临期 in its first month
    reg = registry(target("quarter", metric="evaluation_bulletins", value=1, unit="次", kind="recurring",
                          recurrence="quarter", deadlines=()))
    rs = returns(field_obs("a", "evaluation_bulletins", {"2024-01": 0, "2024-02": 0}))
    assert row(evaluate(reg, PLAN, rs, "2024-01"))["status"] != "due_soon"
    assert row(evaluate(reg, PLAN, rs, "2024-02"))["status"] == "due_soon"


# ---------------------------------------------------------------------------------------------- milestones

def test_milestone_statuses():
    ms = dict(metric="task_completion", op=None, value=None, unit=None, kind="milestone")
    reg = registry(target("m1", deadlines=("2024-03-31",), **ms), target("m2", deadlines=("2024-08-15",), **ms),
                   target("m3", deadlines=("2024-12-31",), **ms), target("m4", deadlines=(), **ms))
    tasks = [("a", "2024-03", f"{PLAN}.1.m1", date(2024, 3, 31), ""),
             ("b", "2024-04", f"{PLAN}.1.m1", date(2024, 4, 2), ""),
             ("b", "2024-07", f"{PLAN}.1.m3", date(2024, 7, 1), "")]  # reported after the as-of month: unseen
    ledger = evaluate(reg, PLAN, returns(rate_obs("a", {"2024-06": 1}) + rate_obs("b", {"2024-06": 1}), tasks),
                      "2024-06")
    assert row(ledger, "a", "m1")["status"] == "done"  # done on the deadline day
    late = row(ledger, "b", "m1")
    assert late["status"] == "done_late" and "（2 天）" in late["reason"]
    soon = row(ledger, "a", "m2")
    assert soon["status"] == "task_pending" and bool(soon["due_soon_flag"]) and "临期" in soon["reason"]
    assert row(ledger, "b", "m3")["status"] == "task_pending"
    assert row(ledger, "a", "m4")["status"] == "no_deadline"
    overdue = row(evaluate(reg, PLAN, returns(rate_obs("a", {"2024-06": 1})), "2024-06"), "a", "m1")
    assert overdue["status"] == "task_overdue" and "已逾期 91 天" in overdue["reason"]


def test_an_overdue_task_says_how_many_days_it_is_overdue():
    # 2024-03-31 → 2024-06-30 is 91 days; a deadline on the as-of day is not yet "0 days overdue"
    ms = dict(metric="task_completion", op=None, value=None, unit=None, kind="milestone")
    reg = registry(target("m1", deadlines=("2024-03-31",), **ms), target("m2", deadlines=("2024-06-30",), **ms))
    ledger = evaluate(reg, PLAN, returns(rate_obs("a", {"2024-06": 1})), "2024-06")
    late = row(ledger, "a", "m1")
    assert (late["status"], late["days_to_deadline"]) == ("task_overdue", -91)
    assert late["reason"] == "期限 2024-03-31 已逾期 91 天，尚未报告完成"
    today = row(ledger, "a", "m2")
    assert (today["status"], today["days_to_deadline"]) == ("task_overdue", 0)
    assert today["reason"] == "期限 2024-06-30 于报告截止日到期，尚未报告完成"
    assert "已到期" not in today["reason"] and "0 天" not in today["reason"]


def test_every_status_code_is_reachable_and_has_a_label():
    seen = {s[4] for s in SCENARIOS} | {"not_applicable", "done", "done_late", "task_pending", "task_overdue"}
    assert {s.code for s in STATUSES} == seen
    assert "not_due" not in {s.code for s in STATUSES}


# ---------------------------------------------------------------------------------------------- month over month, ranking

def test_month_over_month_names_what_changed():
    reg = registry(target("t", deadlines=("2024-06-30",)), target("u", value=90))
    obs = rate_obs("a", {"2024-05": 80, "2024-06": 85}) + rate_obs("b", {"2024-05": 85, "2024-06": 95})
    rs = returns(obs)
    assert previous_month("2024-06") == "2024-05"
    ch = month_over_month(evaluate(reg, PLAN, rs, "2024-06"), evaluate(reg, PLAN, rs, "2024-05"))
    get = lambda u, s: ch[(ch["unit"] == u) & (ch["target_id"] == f"{PLAN}.1.{s}")].iloc[0]  # noqa: E731
    assert get("a", "t")["change"] == "newly_overdue"  # due_soon in May, overdue in June
    assert get("b", "u")["change"] == "newly_met" and get("b", "u")["change_label"] == "新达标"
    assert get("a", "u")["gap_change"] == pytest.approx(5)
    assert set(ch["unit"]) == {"a", "b"}  # the township rows are not applicable and left out


def test_rank_units_per_metric_respects_direction():
    reg = registry(target("t"), target("steps", **LOWER))
    obs = (rate_obs("a", {"2024-06": 80}) + rate_obs("b", {"2024-06": 90})
           + field_obs("a", "max_approval_steps", {"2024-06": 2}) + field_obs("b", "max_approval_steps", {"2024-06": 5}))
    ranks = rank_units(reg, PLAN, returns(obs), "2024-06")
    rate = ranks[ranks["metric"] == "entry_rate"]
    assert list(rate["unit"][:2]) == ["b", "a"] and list(rate["rank"][:2]) == [1, 2]
    steps = ranks[ranks["metric"] == "approval_steps_max"]
    assert list(steps["unit"][:2]) == ["a", "b"]  # fewer steps is better
    assert "z" not in set(rate["unit"])  # the target does not apply to townships: not ranked (as in the reports)


def test_plan_rankings_are_ranked_although_no_target_uses_them():
    # 乌拉特中旗 ranks 办件量 and 网办比率: plan-level rankings, no target, not in the ledger
    reg = registry(target("t"), target("year", **YEARLY), rankings=("total_cases", "online_case_rate"))
    assert ranking_metrics(reg, PLAN) == ["entry_rate", "total_cases", "online_case_rate"]
    obs = (rate_obs("a", {"2024-06": 80}) + rate_obs("b", {"2024-06": 90})
           + field_obs("a", "total_cases", {"2024-05": 500, "2024-06": 300})
           + field_obs("a", "online_cases", {"2024-05": 100, "2024-06": 270})
           + field_obs("b", "total_cases", {"2024-06": 400, "2024-07": 10})  # July: after the as-of month
           + field_obs("b", "online_cases", {"2024-06": 200, "2024-07": 10}))
    ranks = rank_units(reg, PLAN, returns(obs), "2024-06")
    assert list(dict.fromkeys(ranks["metric"])) == ["entry_rate", "total_cases", "online_case_rate"]
    cases = ranks[ranks["metric"] == "total_cases"].set_index("unit")
    assert cases.loc["b", "rank"] == 1 and cases.loc["a", "rank"] == 2 and cases.loc["a", "value"] == 300
    assert cases.loc["b", "metric_name"] == "办件量" and cases.loc["a", "of"] == 2
    online = ranks[ranks["metric"] == "online_case_rate"].set_index("unit")
    assert online.loc["a", "value"] == pytest.approx(90.0) and online.loc["b", "value"] == pytest.approx(50.0)
    assert online.loc["a", "rank"] == 1 and pd.isna(online.loc["z", "rank"])
    # the ledger is unchanged: rankings have no targets
    assert set(evaluate(reg, PLAN, returns(obs), "2024-06")["metric"]) == {"entry_rate", "one_thing_new_items"}


# ---------------------------------------------------------------------------------------------- national-scale paths

def test_categorical_columns_in_registry_order_give_the_same_ledger():
    # the fast scatter path (codes are positions) must agree with the string path, also with months after
    # the as-of month present and a repeated (unit, month, field) row where the later one wins
    reg = registry(target("t"), target("steps", **LOWER), target("year", **YEARLY))
    rows = (rate_obs("a", months("2024-01", [55, 60, 65, 70, 75, 80, 99, 100]))
            + rate_obs("b", months("2024-03", [90, 100, 95, 95]))
            + field_obs("a", "max_approval_steps", months("2024-01", [9, 8, 7, 6, 5, 4]))
            + field_obs("a", "one_thing_new_items", months("2024-01", [1, 0, 1, 0, 1, 0]))
            + [("b", "2024-06", "entered_items", 20.0)])  # repeats b's June: the later row wins
    plain = returns(rows)
    obs = plain.observations.copy()
    obs["unit"] = pd.Categorical(obs["unit"], categories=["a", "b", "z"])
    periods = [str(p) for p in pd.period_range("2024-01", "2024-08", freq="M")]
    obs["period"] = pd.Categorical(obs["period"], categories=periods)
    obs["field"] = obs["field"].astype("category")
    cat = ReturnSet(observations=obs, tasks=plain.tasks, files=plain.files)
    for as_of in ("2024-06", "2024-08"):
        expected = evaluate(reg, PLAN, plain, as_of)
        pd.testing.assert_frame_equal(evaluate(reg, PLAN, cat, as_of), expected)
    assert row(evaluate(reg, PLAN, cat, "2024-06"), "b", "t")["value"] == pytest.approx(20)


def test_leaving_out_not_applicable_rows_keeps_every_other_row():
    reg = registry(target("t"), target("u", levels=("township",)))
    rs = returns(rate_obs("a", {"2024-06": 80}) + rate_obs("z", {"2024-06": 100}))
    full = evaluate(reg, PLAN, rs, "2024-06")
    short = evaluate(reg, PLAN, rs, "2024-06", include_not_applicable=False)
    assert "not_applicable" not in set(short["status"]) and len(short) == 3
    expected = full[full["status"] != "not_applicable"].reset_index(drop=True)
    pd.testing.assert_frame_equal(short, expected)


def test_an_as_of_month_before_the_plan_date_has_no_baseline():
    reg = registry(target("t"), issued=date(2024, 8, 1))
    r = row(evaluate(reg, PLAN, returns(rate_obs("a", months("2024-01", [60, 65, 70]))), "2024-03"))
    assert r["baseline_period"] is None and np.isnan(r["baseline"])
    assert r["status"] == "on_track"


def test_the_change_list_never_counts_a_move_to_no_data_as_improved():
    # issue 12 point 3: 逾期未达标 → 无数据 is 数据缺失, not 好转 (无数据 ranks above 逾期 in the status table)
    reg = registry(target("t", deadlines=("2024-03-31",)))
    rs = returns(rate_obs("a", {"2024-04": 50}) + rate_obs("b", {"2024-04": 50, "2024-05": 60}))
    before, now = evaluate(reg, PLAN, rs, "2024-04"), evaluate(reg, PLAN, rs, "2024-05")
    stale_free = now.copy()
    stale_free.loc[stale_free["unit"] == "a", "status"] = "no_data"  # a's value dropped out (as a late month)
    ch = month_over_month(stale_free, before).set_index("unit")
    assert (ch.loc["a", "status_before"], ch.loc["a", "change"], ch.loc["a", "change_label"]) == (
        "overdue", "data_missing", "数据缺失")
    assert ch.loc["b", "change"] == "unchanged"
    back = month_over_month(before, stale_free).set_index("unit")
    assert back.loc["a", "change"] == "newly_overdue"
    restored = month_over_month(now.assign(status="behind"), now.assign(status="no_data")).set_index("unit")
    assert (restored["change"] == "data_restored").all()
