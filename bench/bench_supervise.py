"""Benchmark: the 督办 loop over every month of a plan's sample returns.

    .venv/bin/python bench/bench_supervise.py [--plan bayannur] [--runs 3]

Ingests the plan's sample returns into a fresh store, then processes every month in order (``supervise``)
``--runs`` times on copies of that store, and prints the median time per month and per run, the number of
items and events, and the time of a repeated month (idempotent: nothing written). Also times the ingest of
the same files with the 整改情况 hook in place.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path

from taizhang.sample import generate_plan_sample
from taizhang.store import ingest
from taizhang.supervision import supervise
from taizhang.targets import load_registry


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plan", default="bayannur")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    reg = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = generate_plan_sample(reg, args.plan, tmp / "in")
        base = tmp / "base.sqlite"
        t0 = time.perf_counter()
        ingest(paths, store=base, registry=reg, plan_id=args.plan)
        t_ingest = time.perf_counter() - t0
        print(f"导入 {len(paths)} 份报表：{t_ingest:.1f} s（{len(paths) / t_ingest:.0f} 份/秒）")
        months = sorted({p.stem.rsplit("_", 1)[1] for p in paths})
        per_month, per_run = [], []
        for run in range(args.runs):
            store = tmp / f"run{run}.sqlite"
            shutil.copy(base, store)
            t_run = time.perf_counter()
            for m in months:
                t0 = time.perf_counter()
                supervise(store, reg, args.plan, m, by="bench")
                per_month.append(time.perf_counter() - t0)
            per_run.append(time.perf_counter() - t_run)
        t0 = time.perf_counter()
        supervise(store, reg, args.plan, months[-1], by="bench")
        repeat = time.perf_counter() - t0
        with closing(sqlite3.connect(store)) as con:
            n_items = con.execute("SELECT COUNT(*) FROM sv_items").fetchone()[0]
            n_events = con.execute("SELECT COUNT(*) FROM sv_events").fetchone()[0]
        print(f"{args.plan}：{len(months)} 个月份，{n_items} 项督办事项，{n_events} 条记录")
        print(f"每月处理：中位数 {statistics.median(per_month) * 1000:.0f} ms；整轮 {statistics.median(per_run):.1f} s"
              f"（{args.runs} 轮中位数）；重复处理一个月份：{repeat * 1000:.0f} ms")


if __name__ == "__main__":
    main()
