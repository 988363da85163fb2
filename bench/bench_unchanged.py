"""Re-running with unchanged inputs renders nothing: time `taizhang run --all-plans` the second time.

Usage: .venv/bin/python bench/bench_unchanged.py [--formats html] [--repeat 5]
Renders every plan's monthly ledger once into a temporary folder, then times the same command again
(a new process each time, as a user runs it) and prints the median and each run's wall time. Goal: < 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--formats", default="html")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("taizhang")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(exe), "run", "--all-plans", "--formats", args.formats, "--out", tmp, "--no-progress"]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        first = time.perf_counter() - t0
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
        print(f"first run (renders 5 plans): {first:.1f} s")
        print(f"unchanged re-run: median {statistics.median(times):.2f} s; runs " +
              ", ".join(f"{t:.2f}" for t in times))
        print("last re-run said:", done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "(nothing)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
