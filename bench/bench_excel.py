"""Benchmark the Excel ledger workbook (``MonthlyReport.write_excel``) on the sample data.

    python bench/bench_excel.py [--runs 5] [--period 2025-06]

Times writing the workbook only (the month is evaluated once, before timing, as ``taizhang run`` does for
every output of a job): the monthly ledger of each of the five plans, and the unit workbooks of every unit
of bayannur (a district report's Excel). Prints each run's total, the median and the load average (the
numbers assume an otherwise idle machine; on a shared one compare runs made side by side).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from taizhang.report import MonthlyReport, default_inputs
from taizhang.sample import ensure_sample
from taizhang.targets import load_registry


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--period", default="2025-06")
    args = ap.parse_args()
    reg = load_registry()
    for plan in reg.plan_ids:
        ensure_sample(reg, plan, default_inputs(plan))
    plans = [MonthlyReport.build(p, args.period) for p in reg.plan_ids]
    units = [MonthlyReport.build("bayannur", args.period, unit=u.id) for u in reg.unit_list("bayannur")]
    with tempfile.TemporaryDirectory(prefix="taizhang-bench-xlsx-") as out:
        for name, reports in (("five plans' monthly ledgers", plans), (f"{len(units)} unit workbooks", units)):
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                for i, r in enumerate(reports):
                    r.write_excel(Path(out) / f"{i}.xlsx")
                times.append(time.perf_counter() - t0)
            print(f"{name}: median {statistics.median(times):.2f} s  runs {[round(t, 2) for t in times]}  "
                  f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
