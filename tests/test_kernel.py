"""The domain kernel: months, the one status table, the one value formatter; it imports nothing of ours."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import taizhang.kernel as kernel
from taizhang.kernel import formatting, months, statuses
from taizhang.kernel.formatting import format_change, format_gap, format_value, format_values
from taizhang.kernel.months import Month, MonthError


def test_kernel_imports_nothing_of_ours():
    for path in Path(kernel.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path.name} imports from outside the kernel: {node.module}"
                assert not (node.module or "").startswith("taizhang"), path.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("taizhang") for a in node.names), path.name


# ---- months

def test_month_parse_end_and_arithmetic():
    m = Month.parse("2024-02")
    assert (m.year, m.month, str(m)) == (2024, 2, "2024-02")
    assert m.end == date(2024, 2, 29) and Month.parse("2023-02").end == date(2023, 2, 28)
    assert str(m + 11) == "2025-01" and str(m - 2) == "2023-12"
    assert Month.parse("2025-01") - m == 11
    assert Month.parse(date(2024, 2, 10)) == m and Month.of(2024, 2) == m
    assert Month.parse("2024-01") < m


@pytest.mark.parametrize("bad", ["2024-13", "2024-00", "2024/06", "24-06", "", None, 202406])
def test_month_parse_refuses_with_one_chinese_wording(bad):
    with pytest.raises(MonthError) as err:
        Month.parse(bad)
    assert err.value.allowed == months.MONTH_ALLOWED and "YYYY-MM" in str(err.value)
    assert err.value.given == bad


@given(st.integers(2000 * 12, 2099 * 12 + 11), st.integers(-240, 240))
def test_month_ordinals_round_trip_and_shift(o, k):
    m = Month(o)
    assert Month.parse(str(m)) == m
    assert months.label(o) == str(m)
    if 2000 * 12 <= o + k <= 2099 * 12 + 11:
        assert (m + k) - m == k
        assert (m + k).end.toordinal() == months.end_day(o + k)


def test_vectorised_ordinals():
    got = months.ordinals(["2024-01", "2024-01", None, "bad", date(2023, 12, 5), "2024-13"])
    assert list(got) == [24288, 24288, -1, -1, 24287, -1]


# ---- statuses

def test_status_table_is_complete_and_ordered():
    codes = [s.code for s in statuses.STATUSES]
    assert len(codes) == len(set(codes))
    assert [s.rank for s in statuses.STATUSES] == list(range(len(codes)))
    assert statuses.ORDER == tuple(codes)
    for s in statuses.STATUSES:
        assert s.label and s.symbol and s.colour.startswith("#") and s.ink.startswith("#")
    assert statuses.MET <= set(codes) and statuses.OVERDUE <= set(codes)
    # worst first: overdue before every met status, not_applicable last
    assert max(statuses.RANK[c] for c in statuses.OVERDUE) < min(statuses.RANK[c] for c in statuses.MET)
    assert codes[-1] == "not_applicable"
    assert "not_due" not in codes  # the foundation's status is gone


def test_unknown_status_is_refused():
    with pytest.raises(KeyError, match="未知的状态代码"):
        statuses.status("not_due")
    assert statuses.in_order(["met", "overdue", "x"]) == ["overdue", "met"]


# ---- formatting

def test_format_value_units_and_decimals():
    assert format_value(70, "%") == "70.0%"
    assert format_value(15, "名") == "15名"
    assert format_value(2.5, "天") == "2.5天"
    assert format_value(None, "%") == format_value(float("nan"), "%") == "—"


@pytest.mark.parametrize(("x", "thr", "op", "text"), [
    # a miss whose rounded text would meet the threshold gets more decimals (docs/evaluation.md)
    (69.99, 70, ">=", "69.99%"), (69.96, 70, ">=", "69.96%"), (69.94, 70, ">=", "69.9%"),
    (69.99999, 70, ">=", "<70%"), (70.0, 70, ">=", "70.0%"), (65.96, 70, ">=", "66.0%"),
    (5.01, 5, "<=", "5.01%"), (5.04, 5, "<=", "5.04%"), (5.0, 5, "<=", "5.0%"), (5.00001, 5, "<=", ">5%"),
])
def test_a_miss_is_never_printed_as_reaching_the_threshold(x, thr, op, text):
    assert format_value(x, "%", threshold=thr, op=op) == text
    arr = format_values(np.array([x]), np.array(["%"], dtype=object), threshold=np.array([thr], dtype=float),
                        op=np.array([op], dtype=object))
    assert arr[0] == text


def test_equality_miss_gets_more_decimals():
    assert format_value(3.0001, "个", threshold=3, op="==") == "3.0001个"


@given(st.floats(0, 200, allow_nan=False), st.floats(0, 200, allow_nan=False), st.sampled_from([">=", "<="]))
def test_property_printed_miss_never_meets(x, thr, op):
    text = format_value(x, "%", threshold=thr, op=op)
    if text[0] in "<>":  # the bound it misses, past MAX_DECIMALS
        assert text == ("<" if op == ">=" else ">") + formatting.format_number(thr) + "%"
        return
    shown = float(text.rstrip("%"))
    misses = x < thr - 1e-9 if op == ">=" else x > thr + 1e-9
    if misses:
        assert (shown < thr - 1e-9) if op == ">=" else (shown > thr + 1e-9), (x, thr, text)


def test_gap_and_change():
    assert format_gap(2, "%") == "+2.0个百分点" and format_gap(-0.01, "%") == "−0.01个百分点"
    assert format_change(1.23, "%") == "↑1.2个百分点" and format_change(-3, "名") == "↓3名"
    assert format_change(0, "%") == "持平"
    # a change that rounds to zero is no change: never "↑0.0" (issue 13)
    assert format_change(0.04, "%") == format_change(-0.049, "%") == format_change(0.04, "名") == "持平"
    assert format_change(0.05, "%") == "↑0.1个百分点" and format_change(-0.3, "天") == "↓0.3天"
    assert formatting.format_points(-1.25) == "1.2个百分点"


def test_format_values_equals_scalar_formatter():
    x = np.array([1.0, 1.25, np.nan, 100.0, 7.0])
    u = np.array(["%", "个", "%", "%", "名"], dtype=object)
    assert list(format_values(x, u)) == [format_value(v, k) for v, k in zip(x, u)]


def test_format_number_writes_thresholds_as_plans_do():
    assert [formatting.format_number(x) for x in (70, 70.0, 2.5, 0.25)] == ["70", "70", "2.5", "0.25"]
