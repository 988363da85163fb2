"""Property tests: random cell contents never crash the reader and never load a value that breaks a rule."""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taizhang.returns import ReturnRejected, read_return, xlsx_bytes

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
    for m in registry.metrics.values():
        if m.type == "rate" and m.numerator in ret.values and m.denominator in ret.values:
            assert ret.values[m.numerator] <= ret.values[m.denominator]
    assert set(registry.return_fields(FIELDS_PLAN)) - {c for c, f in registry.fields.items() if f.optional} <= set(ret.values)
