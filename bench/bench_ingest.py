"""Benchmark: ingest 1,000 return files into a fresh SQLite store.

    .venv/bin/python bench/bench_ingest.py [--files 1000] [--runs 3]

Writes 1,000 deterministic returns (baotou sample generator, 16 units × 63 months) once, then ingests them
into a new store ``--runs`` times and prints files/s (median) and the peak memory of the process. Goal on
the 2-core development machine: at least 50 files/s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from taizhang.sample import generate_plan_sample
from taizhang.store import ingest
from taizhang.targets import load_registry


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    reg = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        paths = generate_plan_sample(reg, "baotou", tmp / "in", first="2020-01", last="2025-12")[: args.files]
        gen = time.perf_counter() - t0
        print(f"生成 {len(paths)} 份报表：{gen:.1f} s")
        rates = []
        for run in range(args.runs):
            store = tmp / f"run{run}.sqlite"
            t0 = time.perf_counter()
            results = ingest(paths, store=store, registry=reg, plan_id="baotou")
            dt = time.perf_counter() - t0
            assert all(r.outcome == "accepted" for r in results), [r.problems for r in results if r.outcome != "accepted"][:1]
            rates.append(len(paths) / dt)
            print(f"第 {run + 1} 次：{len(paths)} 份，{dt:.2f} s，{len(paths) / dt:.0f} 份/秒")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"中位数：{statistics.median(rates):.0f} 份/秒；进程峰值内存 {peak:.0f} MB")


if __name__ == "__main__":
    main()
