"""Sample returns are deterministic byte for byte, accepted by ingest, and vary (missing, late)."""

from __future__ import annotations

from taizhang.returns import due_date, load_returns, read_return
from taizhang.sample import ensure_sample, generate_plan_sample


def test_sample_is_byte_for_byte_reproducible(tmp_path, registry):
    a = generate_plan_sample(registry, "yinchuan", tmp_path / "a", first="2024-01", last="2024-12")
    b = generate_plan_sample(registry, "yinchuan", tmp_path / "b", first="2024-01", last="2024-12")
    assert [p.name for p in a] == [p.name for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))


def test_all_plans_sample_accepted_with_missing_and_late_months(tmp_path, registry):
    for plan in registry.plans:
        folder = tmp_path / plan
        assert ensure_sample(registry, plan, folder) is True
        assert ensure_sample(registry, plan, folder) is False
        rs = load_returns([folder], registry, plan)
        assert rs.rejected == [], [str(e) for e in rs.rejected[:3]]
        units = registry.unit_list(plan)
        months = sorted(set(rs.files["period"]))
        assert months[-1] == "2025-12"
        assert len(rs.files) < len(units) * len(months)  # some unit-months are missing
        filed = [read_return(folder / f, registry, plan).filed for f in rs.files["file"][:60]]
        periods = list(rs.files["period"][:60])
        assert any(d > due_date(p) for d, p in zip(filed, periods)) or plan == "urad-middle"
        assert not rs.tasks.empty and rs.tasks["done_date"].isna().any() and rs.tasks["done_date"].notna().any()
