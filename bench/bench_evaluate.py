"""Benchmark: evaluate a national-scale synthetic set and compare with one plain scan of the same data.

The set: 2,844 county-level and 38,000 township-level units, one target for every metric the five plans use
(copied from the registry with its comparator, value, levels, deadline and recurrence) plus 12 milestones,
every field of those metrics reported by every unit for 48 months (about 176 million observations, held as
categorical unit / period / field columns and float32 values — what a columnar store hands over).

Goal (issue "Judging progress"): evaluate in ≤ 10 s and ≤ 4 GB peak on the 2-core machine. The script prints
the median of the timed runs, the peak resident memory during evaluation (VmHWM, reset before each run; it
includes the ~1.7 GiB of observations themselves) and of the whole process, the ratio to a plain scan
(``groupby(unit, field).last()``), and the load average (other processes share the two cores). Beside the
wall time it prints the CPU time of the evaluating process (``time.process_time``): on a shared machine the
wall time follows the load, the CPU time much less, so compare CPU medians between code versions.

The timed runs use the setting a national run uses: ``include_not_applicable=False`` (four rows in five of a
national ledger are "does not apply to this level" and every report filters them out). One extra run with
the default (``True``, all 3.3 M rows) is timed and reported separately.

    .venv/bin/python bench/bench_evaluate.py [--runs 5] [--counties 2844] [--townships 38000] [--months 48]

Against an earlier version (issue "One owner for every concept": the evaluate package must not be more than
10% slower than the single module it replaced; the commit before the move is ``de10838``)::

    .venv/bin/python bench/bench_evaluate.py --against de10838 [--runs 5] ...

checks that commit out in a temporary ``git worktree`` (under /tmp, removed afterwards), runs this same script
there (its own ``lib/`` and ``targets/``) and here, alternately, and prints both medians (wall and CPU) and the
ratios new / old. Each side builds the synthetic set from its own registry, on equal work: plans visited in id
order, and only the metrics both registries have targets for (the ones left out are printed); the set sizes
and ledger rows are printed so that any remaining difference shows.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from taizhang.evaluate import evaluate
from taizhang.returns import ReturnSet
from taizhang.targets import Plan, Registry, Unit, load_registry


def _vm(key: str) -> float:
    """A memory figure of this process from /proc/self/status, in GiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 2**20
    return float("nan")


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def synthetic_registry(counties: int, townships: int, metrics: set[str] | None = None) -> Registry:
    """A one-plan registry: a target for every metric used by the registry's plans, and 12 milestones.

    The plans are visited in the order of their ids, not the registry's display order: which target stands
    for a metric (and which 12 milestones are taken) decides how many units a target applies to — a
    milestone of the township level applies to 38,000 units — so two registries that differ only in plan
    order must give the same set (``--against`` compares code on equal work). ``metrics``, when given,
    keeps only the targets of those metrics (the milestones always stay)."""
    reg = load_registry()
    seen: dict[str, object] = {}
    milestones = []
    for plan in sorted(reg.plans.values(), key=lambda p: p.plan):
        for t in plan.targets:
            if t.kind != "milestone":
                if metrics is None or t.metric in metrics:
                    seen.setdefault(t.metric, t)
            elif len(milestones) < 12 and t.deadline is not None:
                milestones.append(t)
    targets = []
    for n, t in enumerate(list(seen.values()) + milestones):
        targets.append(t.model_copy(update={"id": f"bench.t{n:03d}.{t.id.split('.')[-1]}", "plan": "bench"}))
    plan = Plan(plan="bench", document="基准测试方案", issuer="基准", issued=date(2021, 1, 1),
                source="none.txt").model_copy(update={"targets": tuple(targets)})
    units = tuple(Unit(id=f"c{i:05d}", name=f"县{i}", level="county") for i in range(counties)) + \
        tuple(Unit(id=f"t{i:05d}", name=f"镇{i}", level="township") for i in range(townships))
    return Registry(root=reg.root, fields=reg.fields, metrics=reg.metrics, plans={"bench": plan},
                    units={"bench": units}, version="bench")


def synthetic_returns(registry: Registry, months: int, seed: int = 7) -> ReturnSet:
    """Every field of the plan's metrics for every unit and month, with trending rates and noisy counts."""
    rng = np.random.default_rng(seed)
    plan = registry.plans["bench"]
    units = registry.units["bench"]
    n_u = len(units)
    fields = registry.return_fields("bench")
    f_pos = {f: i for i, f in enumerate(fields)}
    n_f = len(fields)
    periods = [str(p) for p in pd.period_range("2021-01", periods=months, freq="M")]
    vals = np.empty((n_f, n_u, months), dtype=np.float32)
    done = np.zeros(n_f, dtype=bool)
    t = np.arange(months, dtype=np.float32)
    for t_ in plan.targets:
        if t_.kind == "milestone":
            continue
        m = registry.metrics[t_.metric]
        if m.type == "rate":
            d, nu = f_pos[m.denominator], f_pos[m.numerator]
            if not done[d]:
                base = rng.integers(50, 400, n_u).astype(np.float32)
                vals[d] = np.round(base[:, None] * (1 + 0.004 * t))
                done[d] = True
            if not done[nu]:
                start = rng.uniform(0.3, 0.9, n_u).astype(np.float32)
                speed = rng.uniform(-0.002, 0.03, n_u).astype(np.float32)
                frac = np.clip(start[:, None] + speed[:, None] * t + rng.normal(0, 0.01, (n_u, months)), 0, 1)
                vals[nu] = np.floor(vals[d] * frac)
                done[nu] = True
        elif not done[f_pos[m.field]]:
            lam = max(float(t_.value or 1), 0.5) * rng.uniform(0.5, 1.5, n_u)
            vals[f_pos[m.field]] = rng.poisson(lam[:, None], (n_u, months)).astype(np.float32)
            done[f_pos[m.field]] = True
    vals[~done] = 0
    # a few gaps: 0.5 % of unit-months missing
    gaps = rng.random((n_u, months)) < 0.005
    vals[:, gaps] = np.nan
    n = n_f * n_u * months
    obs = pd.DataFrame({
        "unit": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n_u, dtype=np.int32), months), n_f),
                                          categories=[u.id for u in units]),
        "period": pd.Categorical.from_codes(np.tile(np.arange(months, dtype=np.int8), n_u * n_f),
                                            categories=periods),
        "field": pd.Categorical.from_codes(np.repeat(np.arange(n_f, dtype=np.int8), n_u * months),
                                           categories=fields),
        "value": vals.reshape(n),
    })
    del vals
    obs = obs[obs["value"].notna()].reset_index(drop=True)
    # milestones: about 60 % of units report a completion date for each applicable milestone
    ms = [t_ for t_ in plan.targets if t_.kind == "milestone"]
    rows = []
    for t_ in ms:
        who = np.flatnonzero(rng.random(n_u) < 0.6)
        offs = rng.integers(-200, 200, len(who))
        d = pd.Timestamp(t_.deadline) + pd.to_timedelta(offs, unit="D")
        rows.append(pd.DataFrame({"unit": np.array([u.id for u in units], dtype=object)[who],
                                  "period": d.strftime("%Y-%m"), "target_id": t_.id, "done_date": d.date,
                                  "evidence": ""}))
    tasks = pd.concat(rows, ignore_index=True)
    files = pd.DataFrame(columns=["file", "sha256", "unit", "period"])
    return ReturnSet(observations=obs, tasks=tasks, files=files)


def plain_scan(obs: pd.DataFrame) -> pd.Series:
    """One plain pass over the same data: the latest value of every unit × field."""
    return obs.groupby(["unit", "field"], observed=True, sort=False)["value"].last()


def _env(checkout: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(checkout / "lib"), "TAIZHANG_HOME": str(checkout)}


def _metrics(checkout: Path) -> set[str]:
    """The metrics the synthetic set of ``checkout``'s registry has targets for."""
    out = subprocess.run([sys.executable, __file__, "--list-metrics"], env=_env(checkout), cwd=checkout,
                         check=True, capture_output=True, text=True).stdout
    return set(out.split())


def _side(checkout: Path, args, runs: int, metrics: set[str]) -> dict:
    """Run this script once in ``checkout`` (its lib/ and targets/) and return its ``--json`` summary."""
    cmd = [sys.executable, __file__, "--json", "--runs", str(runs), "--counties", str(args.counties),
           "--townships", str(args.townships), "--months", str(args.months), "--metrics", ",".join(sorted(metrics))]
    out = subprocess.run(cmd, env=_env(checkout), cwd=checkout, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def against(rev: str, args) -> None:
    """Compare this checkout with ``rev``: the runs alternate between the two, one process per run batch."""
    here = Path(__file__).resolve().parents[1]
    old = Path(tempfile.mkdtemp(prefix="taizhang-bench-")) / "old"
    subprocess.run(["git", "-C", str(here), "worktree", "add", "--detach", str(old), rev], check=True,
                   capture_output=True)
    try:
        old_m, new_m = _metrics(old), _metrics(here)
        common = old_m & new_m  # equal work: the targets of metrics both registries have
        sides: dict[str, list[dict]] = {"old": [], "new": []}
        for _ in range(args.runs):  # alternate, so that a change of load hits both sides alike
            for name, checkout in (("old", old), ("new", here)):
                sides[name].append(_side(checkout, args, 1, common))
        print(f"old = {rev}, new = {here.name} working tree; {args.runs} alternating runs each")
        for name, only in (("old", old_m - new_m), ("new", new_m - old_m)):
            if only:
                print(f"left out (only the {name} registry has targets of): {', '.join(sorted(only))}")
        med = {}
        for name, rows in sides.items():
            wall = [r["wall"][0] for r in rows]
            cpu = [r["cpu"][0] for r in rows]
            med[name] = (statistics.median(wall), statistics.median(cpu))
            print(f"{name}: {rows[0]['set']}")
            print(f"  evaluate wall median {med[name][0]:.2f} s (runs {', '.join(f'{x:.2f}' for x in wall)}); "
                  f"CPU median {med[name][1]:.2f} s (runs {', '.join(f'{x:.2f}' for x in cpu)}); "
                  f"ledger rows {rows[0]['rows']:,}")
        ratio_wall, ratio_cpu = med["new"][0] / med["old"][0], med["new"][1] / med["old"][1]
        print(f"ratio new / old: wall {ratio_wall:.3f}, CPU {ratio_cpu:.3f}")
        print("goal (new ≤ 1.10 × old, CPU):", "met" if ratio_cpu <= 1.10 else "NOT met")
    finally:
        subprocess.run(["git", "-C", str(here), "worktree", "remove", "--force", str(old)], check=False,
                       capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--counties", type=int, default=2844)
    ap.add_argument("--townships", type=int, default=38000)
    ap.add_argument("--months", type=int, default=48)
    ap.add_argument("--against", metavar="REV", help="compare with this commit (e.g. de10838)")
    ap.add_argument("--json", action="store_true", help="time the evaluate runs only; print one JSON line")
    ap.add_argument("--metrics", default="", help="keep only the targets of these metrics (comma-separated)")
    ap.add_argument("--list-metrics", action="store_true", help="print the metrics of the synthetic set and stop")
    args = ap.parse_args()
    if args.list_metrics:
        reg = synthetic_registry(1, 1)
        print(" ".join(sorted({t.metric for t in reg.plans["bench"].targets if t.kind != "milestone"})))
        return
    if args.against:
        against(args.against, args)
        return

    t0 = time.perf_counter()
    registry = synthetic_registry(args.counties, args.townships, set(args.metrics.split(",")) if args.metrics else None)
    returns = synthetic_returns(registry, args.months)
    obs = returns.observations
    as_of = str(obs["period"].cat.categories[-1])
    plan = registry.plans["bench"]
    print(f"synthetic set: {len(registry.units['bench']):,} units, {len(plan.targets)} targets "
          f"({sum(t.kind != 'milestone' for t in plan.targets)} metric targets over "
          f"{len({t.metric for t in plan.targets if t.kind != 'milestone'})} metrics), "
          f"{obs['field'].cat.categories.size} fields, {args.months} months, {len(obs):,} observations, "
          f"{obs.memory_usage(deep=False).sum() / 2**30:.2f} GiB; built in {time.perf_counter() - t0:.1f} s")
    print(f"resident after building the data: {_vm('VmRSS'):.2f} GiB")

    if args.json:
        wall, cpu = [], []
        for _ in range(args.runs):
            gc.collect()
            t, c = time.perf_counter(), time.process_time()
            ledger = evaluate(registry, "bench", returns, as_of, include_not_applicable=False)
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            rows = len(ledger)
            del ledger
        print(json.dumps({"wall": wall, "cpu": cpu, "rows": rows,
                          "set": f"{len(registry.units['bench']):,} units, {len(plan.targets)} targets, "
                                 f"{len(obs):,} observations"}))
        return

    eval_times, eval_cpu, scan_times, peaks = [], [], [], []
    ledger = None
    for _ in range(args.runs):
        del ledger
        gc.collect()
        _reset_peak()
        t, c = time.perf_counter(), time.process_time()
        ledger = evaluate(registry, "bench", returns, as_of, include_not_applicable=False)
        eval_times.append(time.perf_counter() - t)
        eval_cpu.append(time.process_time() - c)
        peaks.append(_vm("VmHWM"))
        gc.collect()
        t = time.perf_counter()
        plain_scan(obs)
        scan_times.append(time.perf_counter() - t)
    load_during = Path("/proc/loadavg").read_text().split()[:3]
    ev, sc = statistics.median(eval_times), statistics.median(scan_times)
    print(f"ledger: {len(ledger):,} applicable rows (include_not_applicable=False)")
    print(ledger["status"].value_counts().to_string())
    del ledger
    gc.collect()
    _reset_peak()
    t = time.perf_counter()
    full = evaluate(registry, "bench", returns, as_of)
    full_time, full_peak = time.perf_counter() - t, _vm("VmHWM")
    print(f"default include_not_applicable=True: {len(full):,} rows in {full_time:.2f} s, peak {full_peak:.2f} GiB")
    del full
    gc.collect()
    t = time.perf_counter()
    evaluate(registry, "bench", returns, str(pd.Period(as_of, freq="M") - 1), include_not_applicable=False)
    print(f"previous month (later data present, as month-over-month does): {time.perf_counter() - t:.2f} s")
    print(f"load average (1, 5, 15 min) during the timed runs: {' '.join(load_during)}")
    print(f"evaluate    median {ev:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in eval_times)})")
    print(f"evaluate    CPU median {statistics.median(eval_cpu):6.2f} s  "
          f"(runs: {', '.join(f'{x:.2f}' for x in eval_cpu)})")
    print(f"plain scan  median {sc:6.2f} s  (runs: {', '.join(f'{x:.2f}' for x in scan_times)})")
    print(f"ratio evaluate / plain scan: {ev / sc:.2f}")
    print(f"peak resident during evaluate (incl. the data): median {statistics.median(peaks):.2f} GiB; "
          f"process peak {_vm('VmHWM'):.2f} GiB")
    ok = ev <= 10 and statistics.median(peaks) <= 4
    print("goal (≤ 10 s, ≤ 4 GB):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
