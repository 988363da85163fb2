"""Properties of the progress judgement that must hold for any data (hypothesis)."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taizhang.evaluate import evaluate
from test_evaluate import PLAN, field_obs, months, registry, returns, target

COUNT = dict(metric="window_staff", unit="名")
series = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=18)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=series, threshold=st.integers(min_value=1, max_value=30), raise_by=st.integers(min_value=0, max_value=20),
       deadline=st.sampled_from(["2023-06-30", "2024-06-30", "2025-12-31"]))
def test_raising_a_value_never_turns_met_into_not_met(values, threshold, raise_by, deadline):
    reg = registry(target("t", value=threshold, deadlines=(deadline,), **COUNT))
    start = pd.Period("2024-06", freq="M") - (len(values) - 1)
    data = months(str(start), values)
    before = evaluate(reg, PLAN, returns(field_obs("a", "window_staff", data)), "2024-06")
    raised = dict(data)
    raised["2024-06"] = data["2024-06"] + raise_by
    after = evaluate(reg, PLAN, returns(field_obs("a", "window_staff", raised)), "2024-06")
    b = before[before["unit"] == "a"].iloc[0]
    a = after[after["unit"] == "a"].iloc[0]
    if b["status"] == "met":
        assert a["status"] == "met"
    assert a["gap"] >= b["gap"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.integers(min_value=0, max_value=100), min_size=2, max_size=24),
       cut=st.integers(min_value=0, max_value=23), recurring=st.booleans())
def test_an_earlier_as_of_never_sees_later_data(values, cut, recurring):
    kw = (dict(metric="evaluation_bulletins", value=1, unit="次", kind="recurring", recurrence="quarter",
               deadlines=()) if recurring else dict(value=50, deadlines=("2024-12-31",), **COUNT))
    reg = registry(target("t", **kw))
    field = "evaluation_bulletins" if recurring else "window_staff"
    data = months("2023-01", values)
    as_of = str(pd.Period("2023-01", freq="M") + min(cut, len(values) - 1))
    full = evaluate(reg, PLAN, returns(field_obs("a", field, data)), as_of)
    seen = {p: v for p, v in data.items() if p <= as_of}
    truncated = evaluate(reg, PLAN, returns(field_obs("a", field, seen)), as_of)
    pd.testing.assert_frame_equal(full, truncated)
