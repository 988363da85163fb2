"""Check that the one-page brief fits one A4 page for every plan and month of the sample data (not a bench).

Run: .venv/bin/python tools/check_brief_pages.py [PLAN ...] [--months YYYY-MM,...]
Renders each plan's brief PDF for every month with data (or the months given) into a temporary folder and
prints each page count; exits 1 when any brief has more than one page.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from taizhang.render import Job, run_jobs
from taizhang.report import load_data
from taizhang.targets import load_registry


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("plans", nargs="*")
    ap.add_argument("--months", default="")
    args = ap.parse_args()
    reg = load_registry()
    jobs = []
    for plan in args.plans or list(reg.plans):
        returns, _ = load_data(reg, plan)
        months = args.months.split(",") if args.months else sorted(set(returns.observations["period"]))
        jobs += [Job("monthly_brief", plan=plan, period=m, sample="是") for m in months]
    bad = 0
    with tempfile.TemporaryDirectory() as out:
        for r in run_jobs(jobs, formats=("pdf",), out=Path(out), progress=False):
            info = subprocess.run(["pdfinfo", str(r.pdf)], capture_output=True, text=True, check=True).stdout
            pages = int(next(l for l in info.splitlines() if l.startswith("Pages:")).split()[1])
            bad += pages != 1
            print(f"{r.job.plan} {r.job.period} {pages}")
    print(f"{len(jobs)} briefs, {bad} longer than one page")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
