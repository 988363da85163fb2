"""Deterministic sample returns with plausible, varied trajectories (for demos, tests and benchmarks).

Each unit × metric gets one archetype, chosen from a hash of (plan, unit, metric) so the same registry always
gives the same files: ``early`` (meets well before the deadline), ``on_time``, ``late`` (meets after the
deadline), ``regress`` (meets, then slips back), ``never`` (plateaus below). Milestone completion dates
follow the same archetypes (some on time, some late, some never). A few unit-months are missing and about
one return in ten carries a late 填报日期 (see :func:`filed_date`). Nothing random depends on the clock;
files are byte-for-byte reproducible.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .kernel.months import Month
from .returns import period_end, write_return
from .targets import Registry, reporting_levels

ARCHETYPES = ("early", "on_time", "late", "regress", "never")
_LAST_PERIOD = "2025-12"


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "little")


def _months(first: str, last: str) -> list[str]:
    a, b = Month.parse(first), Month.parse(last)
    return [str(a + i) for i in range(b - a + 1)]


def _path(value_at_cross: float, start: float, n: int, cross: int, archetype: str, rng: np.random.Generator,
          higher: bool, is_rate: bool, regress_at: int) -> np.ndarray:
    """A monthly path from ``start`` that reaches the target near month ``cross`` (or never)."""
    t = np.arange(n, dtype=float)
    target = value_at_cross
    if archetype == "never":
        plateau = start + 0.75 * (target - start)
        path = start + (plateau - start) * (1 - np.exp(-t / max(n / 4, 1)))
    else:
        slope = (target - start) / max(cross, 1)
        path = np.where(t < cross, start + slope * t, target + abs(target - start) * 0.04 * np.log1p(np.maximum(t - cross, 0) + 1))
        if archetype == "regress":
            path = np.where(t >= regress_at, path - abs(target - start) * 0.25, path)
    noise = rng.normal(0, abs(target - start) * 0.015 + 1e-9, n)
    path = path + np.where(t < cross, noise, np.abs(noise) * (1 if higher else -1))
    if is_rate:
        path = np.clip(path, 0, 100)
    return path


def generate_plan_sample(registry: Registry, plan_id: str, out_dir: Path, first: str | None = None,
                         last: str = _LAST_PERIOD) -> list[Path]:
    """Write sample returns for every unit of ``plan_id`` and every month from the plan's issue month.

    Files are named ``<单位>_<YYYY-MM>.xlsx`` under ``out_dir``. Returns the written paths.
    """
    plan = registry.plan(plan_id)
    units = registry.unit_list(plan_id)
    first = first or f"{plan.issued.year:04d}-{plan.issued.month:02d}"
    months = _months(first, last)
    levels_present = {u.level for u in units}
    fields = registry.return_fields(plan_id)
    missing = _missing_unit_months(plan_id, units, months)
    # every rate the return carries must have numerator <= denominator, also for fields that only
    # appear through another unit level's metric (e.g. a 分中心 carries entered_items but no entry_rate)
    rates = [m for m in registry.metrics.values() if m.type == "rate"
             and m.numerator in fields and m.denominator in fields]

    written: list[Path] = []
    for unit in units:
        rng = np.random.default_rng(_seed(plan_id, unit.id))
        applicable = [t for t in plan.targets if unit.level in reporting_levels(t.levels, levels_present)]
        values = _unit_values(registry, plan_id, unit, applicable, months, rng)
        _balance_rates(values, rates)
        tasks = _milestone_dates(plan_id, plan, unit, applicable, months)
        written += _write_unit_returns(registry, plan_id, unit, months, fields, values, rates, tasks, missing,
                                       out_dir)
    return written


def _missing_unit_months(plan_id: str, units: list, months: list[str]) -> set[tuple[str, str]]:
    """A few unit-months never reported (never the first or the last month)."""
    n = len(months)
    missing: set[tuple[str, str]] = set()
    if len(units) > 1 and n > 2:
        for k in range(max(2, len(units) // 4)):
            missing.add((units[_seed(plan_id, "missing", str(k)) % len(units)].id,
                         months[_seed(plan_id, "missing-month", str(k)) % (n - 2) + 1]))
    return missing


class _Course(NamedTuple):
    """How one unit's metric moves: its archetype, direction, crossing month and (``regress``) slip month."""

    arche: str
    higher: bool
    cross: float
    regress_at: int


def _unit_values(registry: Registry, plan_id: str, unit, applicable: list, months: list[str],
                 rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The monthly values of every field ``unit``'s targets and the plan's rankings need (one array each)."""
    plan = registry.plan(plan_id)
    n = len(months)
    values: dict[str, np.ndarray] = {}
    # scale of denominators: items and cases differ by unit size
    size = 1.0 if unit.level != "city" else 2.5
    size *= 0.6 + (_seed(unit.id, "size") % 100) / 100
    for key, t in sorted(_strictest_targets(applicable).items()):
        m = registry.metrics[key]
        course = _course(plan_id, plan, unit, key, t, months)
        if t.kind == "recurring":
            values[m.field] = _recurring_counts(t, course, n, rng)
        elif m.type == "rate":
            _add_rate_values(values, m, t, unit, course, size, n, rng)
        else:
            values.setdefault(m.field, _level_path(m, t, course, n, rng))
    _add_ranking_values(values, registry, plan, unit, size, n, rng)
    return values


def _strictest_targets(applicable: list) -> dict[str, object]:
    """The strictest applicable threshold per metric (quantitative and recurring targets)."""
    by_metric: dict[str, object] = {}
    for t in applicable:
        if t.kind == "milestone" or t.value is None:
            continue
        prev = by_metric.get(t.metric)
        if prev is None or (t.op == ">=" and t.value > prev.value) or (t.op == "<=" and t.value < prev.value):
            by_metric[t.metric] = t
    return by_metric


def _course(plan_id: str, plan, unit, key: str, t, months: list[str]) -> _Course:
    """The archetype of ``unit`` × metric ``key`` and the months it crosses the threshold and slips back."""
    n = len(months)
    arche = ARCHETYPES[_seed(plan_id, unit.id, key) % len(ARCHETYPES)]
    deadline = t.deadline or date(plan.issued.year + 2, 12, 31)
    dl_index = sum(1 for p in months if period_end(p) <= deadline)
    cross = {"early": max(dl_index * 0.5, 2), "on_time": max(dl_index - 1, 2), "late": dl_index + 6,
             "regress": max(dl_index * 0.6, 2), "never": n + 1}[arche]
    regress_at = int(cross + 8 + _seed(unit.id, key, "r") % 6)
    return _Course(arche, t.op != "<=", cross, regress_at)


def _recurring_counts(t, course: _Course, n: int, rng: np.random.Generator) -> np.ndarray:
    """Monthly counts of a recurring target (so many per week, month, quarter …)."""
    per_month = {"month": 1, "week": 4, "day": 21, "quarter": 1 / 3, "half_year": 1 / 6,
                 "year": 1 / 12}.get(t.recurrence or "month", 1)
    rate = t.value * per_month * (0.6 if course.arche == "never" else 1.1)
    return rng.poisson(max(rate, 0.05), n).astype(float)


def _add_rate_values(values: dict[str, np.ndarray], m, t, unit, course: _Course, size: float, n: int,
                     rng: np.random.Generator) -> None:
    """A rate target's numerator and (unless already there) denominator, following the course."""
    start = t.value * (0.45 if course.higher else 1.8) if t.value else 20.0
    start = min(start, 95.0)
    target = t.value
    if target >= 100 - EPS_RATE:
        target = 100.0
    path = _path(target, start, n, int(course.cross), course.arche, rng, course.higher, True, course.regress_at)
    if target >= 100 and course.arche not in ("never", "regress"):
        path = np.where(np.arange(n) >= course.cross, 100.0, np.minimum(path, 99.0))
    den_field, num_field = m.denominator, m.numerator
    den = values.get(den_field)
    if den is None:
        base = 200 * size + _seed(unit.id, den_field) % 120
        den = np.round(base * (1 + 0.004 * np.arange(n)))
        values[den_field] = den
    num = np.floor(den * np.clip(path, 0, 100) / 100 + 1e-9)
    if target >= 100:
        num = np.where(path >= 100, den, num)
    values.setdefault(num_field, num)


def _level_path(m, t, course: _Course, n: int, rng: np.random.Generator) -> np.ndarray:
    """A count or yes/no target's monthly values, following the course."""
    start = t.value * (0.55 if course.higher else 1.6) if t.value else 0.0
    path = _path(t.value, start, n, int(course.cross), course.arche, rng, course.higher, False, course.regress_at)
    if m.type == "yesno":
        return (path >= t.value - EPS_RATE).astype(float)
    path = np.maximum(np.round(path), 0)
    if course.higher and course.arche not in ("never", "regress"):
        path = np.where(np.arange(n) >= course.cross, np.maximum(path, t.value), path)
    return path


def _add_ranking_values(values: dict[str, np.ndarray], registry: Registry, plan, unit, size: float, n: int,
                        rng: np.random.Generator) -> None:
    """Metrics the plan ranks units by (no threshold): case volumes with a slowly rising share."""
    for key in plan.rankings:
        m = registry.metrics[key]
        if m.type != "rate":
            values.setdefault(m.field, rng.poisson(300 * size, n).astype(float))
            continue
        den = values.get(m.denominator)
        if den is None:
            base = values.get("total_cases", rng.poisson(300 * size, n).astype(float))
            den = values[m.denominator] = np.floor(base * 0.97)
        share = np.clip(0.55 + 0.35 * np.arange(n) / max(n, 1) + rng.normal(0, 0.03, n)
                        + (_seed(unit.id, key) % 20 - 10) / 100, 0, 1)
        values.setdefault(m.numerator, np.floor(den * share))


def _balance_rates(values: dict[str, np.ndarray], rates: list) -> None:
    """Give every rate both its fields, with numerator <= denominator."""
    for _ in range(4):
        for m in rates:
            num, den = values.get(m.numerator), values.get(m.denominator)
            if num is not None and den is None:
                values[m.denominator] = np.ceil(num * 1.08) + 3
            elif den is not None and num is None:
                values[m.numerator] = np.floor(den * 0.9)
            elif num is not None and den is not None and (num > den).any():
                values[m.numerator] = np.minimum(num, den)


def _milestone_dates(plan_id: str, plan, unit, applicable: list, months: list[str]) -> list[tuple[str, date | None]]:
    """Each applicable milestone's completion date (None: never done), after its archetype."""
    tasks = []
    for t in applicable:
        if t.kind != "milestone":
            continue
        arche = ARCHETYPES[_seed(plan_id, unit.id, t.id) % len(ARCHETYPES)]
        deadline = t.deadline or date(plan.issued.year + 1, 12, 31)
        start = period_end(months[0])
        span = max((deadline - start).days, 30)
        offset = {"early": 0.5, "on_time": 0.95, "regress": 0.8, "late": 1.3, "never": None}[arche]
        done = None if offset is None else start + timedelta(days=int(span * offset))
        tasks.append((t.id, done))
    return tasks


def _write_unit_returns(registry: Registry, plan_id: str, unit, months: list[str], fields, values, rates: list,
                        tasks: list, missing: set[tuple[str, str]], out_dir: Path) -> list[Path]:
    """Write ``unit``'s return of every month it reports; returns the written paths."""
    written: list[Path] = []
    for i, period in enumerate(months):
        if (unit.id, period) in missing:
            continue
        row = {f: _plausible(registry, f, float(values[f][i]) if f in values else 0.0) for f in fields}
        for m in rates:  # clipping to the limits keeps numerator <= denominator
            if row.get(m.numerator, 0) > row.get(m.denominator, 0):
                row[m.numerator] = row[m.denominator]
        end = period_end(period)
        row_tasks = [(tid, d if d and d <= end else None, "见附件" if d and d <= end else "")
                     for tid, d in tasks]
        path = out_dir / f"{unit.name}_{period}.xlsx"
        written.append(write_return(path, registry, plan_id, unit.name, period, row,
                                    row_tasks if row_tasks else None, filed=filed_date(plan_id, unit.id, period)))
    return written


def _plausible(registry: Registry, field: str, value: float) -> float:
    """``value`` inside the field's plausibility limits (``min``/``max`` in targets/metrics.yaml)."""
    fdef = registry.fields[field]
    if fdef.max is not None and value > fdef.max:
        value = float(fdef.max)
    if fdef.min is not None and value < fdef.min:
        value = float(fdef.min)
    return value


def filed_date(plan_id: str, unit_id: str, period: str) -> date:
    """The sample 填报日期: usually day 2–9 of the next month; about one return in ten is late (day 12–28)."""
    h = _seed(plan_id, unit_id, period, "filed")
    late = h % 10 == 0
    day = 12 + (h >> 8) % 17 if late else 2 + (h >> 8) % 8
    return period_end(period) + timedelta(days=day)


EPS_RATE = 1e-6
STAMP = ".registry-version"
#: bump when the generator changes, so ``ensure_sample`` rewrites old samples
GENERATOR_VERSION = "4"


def ensure_sample(registry: Registry, plan_id: str, out_dir: Path) -> bool:
    """Generate the plan's sample returns unless ``out_dir`` already holds them for this registry version.

    The folder carries a ``.registry-version`` stamp; when the registry changes, the samples are written
    anew (they are derived data, never hand-edited). Returns True when files were (re)written.
    """
    stamp = out_dir / STAMP
    version = f"{registry.version}+g{GENERATOR_VERSION}"
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == version:
        return False
    if out_dir.exists():
        for old in out_dir.glob("*.xlsx"):
            old.unlink()
    written = generate_plan_sample(registry, plan_id, out_dir)
    # the sample stamp: every file's SHA-256, so a store they were ingested into knows them as sample returns
    from .project import sha256_file
    from .provenance import SAMPLE_DIGESTS

    (out_dir / SAMPLE_DIGESTS).write_text("".join(f"{sha256_file(f)}  {f.name}\n" for f in sorted(written)),
                                          encoding="utf-8")
    stamp.write_text(version + "\n", encoding="utf-8")
    return True
