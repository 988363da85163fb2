"""The status precedence: every rule alone, the tables' order, and docs/evaluation.md generated from them."""

from __future__ import annotations

import numpy as np
import pytest

from taizhang.evaluate import rules
from taizhang.evaluate.rules import Facts
from taizhang.kernel import statuses

# each rule: the facts under which it holds, and one change of a fact that makes it fail
ALONE = {
    "not_applicable": ({}, {"applicable": True}),
    "previous_period_short": ({"applicable": True, "previous_short": True}, {"met": True}),
    "silent_and_old": ({"stale": True}, {"has_value": True}),
    "no_value": ({}, {"has_value": True}),
    "slipped_back": ({"was_met": True}, {"met": True}),
    "missed_deadline": ({"past": True}, {"met": True}),
    "period_ended_short": ({"past": True}, {"met": True}),
    "value_too_old": ({"stale": True}, {"stale": False}),
    "met_after_deadline": ({"met": True, "past": True, "short_at_deadline": True}, {"short_at_deadline": False}),
    "reached": ({"met": True}, {"met": False}),
    "undated": ({}, {"has_deadline": True}),
    "deadline_near": ({"soon": True}, {"soon": False}),
    "on_pace": ({"on_pace": True}, {"on_pace": False}),
    "done_after_deadline": ({"done": True, "done_late": True}, {"done_late": False}),
    "done": ({"done": True}, {"done": False}),
    "no_return": ({}, {"reported": True}),
    "task_deadline_passed": ({"past": True}, {"past": False}),
}
ALL_RULES = {r.name: r for table in rules.TABLES.values() for r in table}


@pytest.mark.parametrize("name", sorted(ALONE))
def test_each_rule_alone(name):
    holds, breaks = ALONE[name]
    rule = ALL_RULES[name]
    assert rule.when(Facts.blank(1, **holds)).tolist() == [True]
    assert rule.when(Facts.blank(1, **{**holds, **breaks})).tolist() == [False]


def test_every_rule_is_tested_and_every_status_is_known():
    assert set(ALL_RULES) - {"otherwise"} == set(ALONE)
    for table in rules.TABLES.values():
        assert all(r.status in statuses.BY_CODE for r in table)
        assert table[0].name == "not_applicable" and table[-1].name == "otherwise"
        assert rules.otherwise(Facts.blank(3)).all()


def _decide(kind, **facts):
    base = {"applicable": True, "has_value": True, "reported": True, "has_deadline": True}
    code = rules.decide(rules.TABLES[kind], Facts.blank(1, **{**base, **facts}))
    return statuses.ORDER[int(code[0])]


def test_first_matching_rule_wins():
    # quantitative: regressed before overdue before stale before met
    assert _decide("quantitative", was_met=True, past=True, stale=True) == "regressed"
    assert _decide("quantitative", past=True, stale=True) == "overdue"
    assert _decide("quantitative", met=True, stale=True) == "stale"
    assert _decide("quantitative", met=True, past=True) == "met"
    # met now, short at the deadline: 逾期达标 — but only once the deadline has passed, and a stale value is stale
    assert _decide("quantitative", met=True, past=True, short_at_deadline=True) == "met_late"
    assert _decide("quantitative", met=True, short_at_deadline=True) == "met"
    assert _decide("quantitative", met=True, past=True, short_at_deadline=True, stale=True) == "stale"
    assert _decide("quantitative", soon=True, has_deadline=False) == "no_deadline"
    assert _decide("quantitative", soon=True, on_pace=True) == "due_soon"
    assert _decide("quantitative", on_pace=True) == "on_track"
    assert _decide("quantitative") == "behind"
    assert _decide("quantitative", applicable=False, met=True) == "not_applicable"
    # recurring: a short previous period outranks everything but applicability, unless now met
    assert _decide("recurring", previous_short=True, has_value=False) == "overdue"
    assert _decide("recurring", previous_short=True, met=True) == "met"
    assert _decide("recurring", has_value=False, stale=True) == "stale"
    assert _decide("recurring", stale=True) == "behind"  # a recurring count is not stale while reported
    # milestones
    assert _decide("milestone", done=True, done_late=True, past=True) == "done_late"
    assert _decide("milestone", reported=False, past=True) == "no_data"
    assert _decide("milestone", past=True) == "task_overdue"
    assert _decide("milestone") == "task_pending"


def test_decide_is_row_wise():
    f = Facts.blank(3, applicable=[False, True, True], has_value=[True, False, True], met=[True, True, True],
                    reported=[True, True, True])
    got = [statuses.ORDER[i] for i in rules.decide(rules.QUANTITATIVE, f)]
    assert got == ["not_applicable", "no_data", "met"]


def test_docs_precedence_section_is_generated_from_the_rules():
    text = rules.docs_path().read_text(encoding="utf-8")
    assert rules.START in text and rules.END in text
    section = text.split(rules.START, 1)[1].split(rules.END, 1)[0]
    assert section == rules.precedence_markdown(), "run: .venv/bin/python -m taizhang.evaluate.rules"
    for table in rules.TABLES.values():
        for r in table:
            assert f"`{r.name}`" in section and statuses.label(r.status) in section


def test_facts_blank_sets_only_what_is_given():
    f = Facts.blank(2, met=[True, False])
    assert f.met.tolist() == [True, False] and not f.applicable.any()
    assert isinstance(f.stale, np.ndarray) and f.stale.dtype == bool
