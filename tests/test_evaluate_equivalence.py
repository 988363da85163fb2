"""Behaviour is kept: the ledgers of the five sample plans at four months each equal the frozen copies.

The copies (``tests/fixtures/ledgers/``) were written by ``tools/freeze_ledgers.py`` from the evaluator as it
was before evaluation became a package; re-freeze only on purpose. Columns copied from the registry are
checked against the registry instead of being frozen.
"""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from taizhang.evaluate import evaluate
from taizhang.project import project_root
from taizhang.targets import load_registry
from taizhang.returns import load_returns

#: the registry's plans (a new plan is data only)
PLAN_IDS = load_registry().plan_ids

_spec = importlib.util.spec_from_file_location("freeze_ledgers", project_root() / "tools" / "freeze_ledgers.py")
freeze = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(freeze)


@pytest.fixture(scope="module")
def plan_returns(registry, sample_returns):
    return {plan: load_returns([sample_returns[plan]], registry, plan) for plan in PLAN_IDS}


CASES = [(plan, k) for plan in PLAN_IDS for k in range(4)]


@pytest.mark.parametrize(("plan", "k"), CASES, ids=[f"{p}-{k}" for p, k in CASES])
def test_ledger_equals_frozen_copy(registry, plan_returns, plan, k):
    month = freeze.frozen_months(registry.plan(plan))[k]
    path = freeze.FIXTURES / f"{plan}_{month}.csv"
    expected = freeze.read_text(path.read_text(encoding="utf-8"))
    ledger = evaluate(registry, plan, plan_returns[plan], month)
    got = freeze.read_text(freeze.ledger_text(ledger))
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    # the rows left out of the copy are exactly the not-applicable ones
    na = ledger[ledger["status"] == "not_applicable"]
    assert len(ledger) == len(expected) + len(na)
    assert (na["status_label"] == "不适用").all() and (na["reason"] == "该目标不适用于本级单位").all()
    # the columns copied from the registry are the registry's
    units = {u.id: u for u in registry.unit_list(plan)}
    targets = {t.id: t for t in registry.plan(plan).targets}
    assert list(ledger["unit_name"]) == [units[u].name for u in ledger["unit"]]
    assert list(ledger["title"]) == [targets[t].title for t in ledger["target_id"]]
    assert list(ledger["quote"]) == [targets[t].quote for t in ledger["target_id"]]
    assert list(ledger["threshold_label"]) == [targets[t].threshold_label for t in ledger["target_id"]]
    assert list(ledger["kind"]) == [targets[t].kind for t in ledger["target_id"]]
