"""Property tests: random cell contents never crash the reader and never load a value that breaks a rule."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taizhang.returns import ReturnRejected, excel_number, is_whole_unit, read_return, xlsx_bytes

FIELDS_PLAN = "bayannur"
cell = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet="0123456789,.%-+ ０１２３４５６７８９％，．#/!abc约年月日", max_size=12),
    st.dates(date(1990, 1, 1), date(2100, 1, 1)), st.text(max_size=8),
)


def _rows(registry, values):
    fields = registry.return_fields(FIELDS_PLAN)
    out = [["t"], ["填报单位", "临河区", None, "方案编号", FIELDS_PLAN], ["统计月份", "2024-06", None, "填报日期", None], [],
           ["字段代码", "指标项", "单位", "数值", "备注"]]
    out += [[f, "x", "y", values[i % len(values)] if values else None, None] for i, f in enumerate(fields)]
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(cell, min_size=1, max_size=40), header=st.lists(cell, min_size=0, max_size=2))
def test_random_cells_never_crash_and_never_break_a_rule(tmp_path_factory, registry, values, header):
    rows = _rows(registry, values)
    for i, v in enumerate(header):
        rows[1 + i][1] = v  # unit / period / blank row
    safe = [[(str(c) if isinstance(c, float) and c != c else c) for c in row] for row in rows]
    path = tmp_path_factory.mktemp("p") / "临河区_2024-06.xlsx"
    path.write_bytes(xlsx_bytes([("指标", [[c.isoformat() if isinstance(c, datetime) else c for c in r] for r in safe])]))
    try:
        ret = read_return(path, registry, FIELDS_PLAN, today=date(2026, 1, 15))
    except ReturnRejected as exc:
        assert exc.problems and all(p.message for p in exc.problems)
        return
    for code, value in ret.values.items():
        assert value == value and 0 <= value < 1e12, (code, value)
        if is_whole_unit(registry.fields[code].unit, registry):  # 名, 项, 件 …: whole numbers only
            assert value.is_integer(), (code, value)
    for m in registry.metrics.values():
        if m.type == "rate" and m.numerator in ret.values and m.denominator in ret.values:
            assert ret.values[m.numerator] <= ret.values[m.denominator]
    assert set(registry.return_fields(FIELDS_PLAN)) - {c for c, f in registry.fields.items() if f.optional} <= set(ret.values)


def _good_rows(registry, **over):
    values = {f: 100 if (registry.fields[f].max or 200) >= 100 else registry.fields[f].max // 2
              for f in registry.return_fields(FIELDS_PLAN)}
    values.update(required_items=800, entered_items=790, one_window_items=700, total_items=900, **over)
    out = [["t"], ["填报单位", "临河区", None, "方案编号", FIELDS_PLAN], ["统计月份", "2024-06", None, "填报日期", None], [],
           ["字段代码", "指标项", "单位", "数值", "备注"]]
    return out + [[f, "x", "y", values[f], None] for f in registry.return_fields(FIELDS_PLAN)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(staff=st.one_of(st.integers(0, 5000), st.floats(0, 5000, allow_nan=False)), as_text=st.booleans(),
       hours=st.floats(0, 24, allow_nan=False))
def test_count_of_people_is_whole_and_hours_may_be_fractional(tmp_path_factory, registry, staff, as_text, hours):
    raw = repr(staff) if as_text and isinstance(staff, float) and "e" not in repr(staff) else staff
    rows = _good_rows(registry, window_staff=raw, self_service_hours=hours)
    path = tmp_path_factory.mktemp("w") / "临河区_2024-06.xlsx"
    path.write_bytes(xlsx_bytes([("指标", rows)]))
    # a typed text means what it says; a stored number the 15 significant digits Excel keeps and shows
    seen = float(raw) if isinstance(raw, str) else excel_number(float(staff))
    try:
        ret = read_return(path, registry, FIELDS_PLAN, today=date(2026, 1, 15))
    except ReturnRejected as exc:
        assert not seen.is_integer()  # 综合窗口工作人员数 (名) with a fraction is the only defect
        (problem,) = exc.problems
        head, shown = problem.message.rsplit(" ", 1)
        assert head == "综合窗口工作人员数应为整数（单位：名），实际为"
        assert abs(float(shown) - seen) <= 1e-9 * max(1.0, seen)  # the value seen, not rounded to whole
        return
    assert seen.is_integer() and ret.values["window_staff"] == seen
    assert ret.values["self_service_hours"] == excel_number(hours)
