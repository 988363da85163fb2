"""Re-running with unchanged inputs renders nothing: time `taizhang run --all-plans` the second time.

Usage: .venv/bin/python bench/bench_unchanged.py [--store FILE] [--formats html] [--repeat 5]

The monthly job reads the store ``taizhang ingest`` writes, so the bench does too: without ``--store`` it
ingests the sample returns of every plan into a temporary store first (about a minute), with ``--store`` it
uses that store as it is. It renders every plan's monthly ledger once into a temporary folder, then times
the same command again (a new process each time, as a user runs it) and prints, for the re-runs, the median
wall time and the median CPU time (user + system of the process, which the load of other processes on this
shared 2-core machine changes much less), each run's figures and the load average. Goal: < 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, help="a store to read (default: the sample ingested into a temporary one)")
    ap.add_argument("--formats", default="html")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    exe = str(Path(sys.executable).with_name("taizhang"))
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            from taizhang.sample import ensure_sample
            from taizhang.targets import load_registry

            store = Path(tmp) / "taizhang.sqlite"
            t0 = time.perf_counter()
            reg = load_registry()
            samples = Path(tmp) / "sample"  # generated here: a fresh checkout has no inputs/sample yet
            for plan in reg.plan_ids:
                ensure_sample(reg, plan, samples / plan)
            subprocess.run([exe, "ingest", str(samples), "--store", str(store), "-q"], check=True,
                           capture_output=True)
            print(f"sample returns ingested into a temporary store in {time.perf_counter() - t0:.1f} s")
        cmd = [exe, "run", "--all-plans", "--formats", args.formats, "--out", str(Path(tmp) / "out"),
               "--no-progress", "--store", str(store)]
        first, _, _ = _timed(cmd)
        walls, cpus = [], []
        for _ in range(args.repeat):
            wall, cpu, done = _timed(cmd)
            walls.append(wall)
            cpus.append(cpu)
        print(f"first run (renders every plan): {first:.1f} s")
        print(f"unchanged re-run: wall median {statistics.median(walls):.2f} s (runs "
              + ", ".join(f"{t:.2f}" for t in walls) + f"); CPU median {statistics.median(cpus):.2f} s (runs "
              + ", ".join(f"{t:.2f}" for t in cpus) + ")")
        print("load average (1, 5, 15 min):", " ".join(os.getloadavg().__repr__().strip("()").split(", ")))
        print("last re-run said:", done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "(nothing)")
        print("goal (< 2 s):", "met" if statistics.median(walls) < 2 else
              f"NOT met on the wall clock (CPU {'<' if statistics.median(cpus) < 2 else '≥'} 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
