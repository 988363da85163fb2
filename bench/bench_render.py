"""Benchmark report rendering (issue 13 goals on a 2-core machine).

    python bench/bench_render.py [--runs 3] [--which plans,districts] [--formats …] [--period 2025-12]
                                 [--source store|folder]

* ``plans``: the monthly ledger (the brief is its page 1) of all five plans for one period, HTML + PDF +
  Excel + Word 通报 — goal ≤ 10 s;
* ``districts``: 100 district reports (units of all plans in turn, two periods), HTML + PDF + Excel — goal ≤ 25 s.

The returns are read as ``taizhang run`` reads them by default: from the taizhang store, into which the
sample returns are ingested once before the timed runs (``taizhang ingest`` is its own job, measured by
``bench_ingest.py``). ``--source folder`` reads the sample folders instead (``--inputs``), which parses every
workbook again in each kernel: about 2 CPU-s per plan of the five.

``--formats`` overrides both suites' formats. Each run also prints the PDFs' page count (Chromium's print
costs ≈ 40 ms a page, the main lever).

Each run is a fresh ``run_jobs`` call (its kernels and browsers started once, as ``taizhang run`` does: two
kernels for jobs of several plans, two Chromium printers), into a temporary folder. The font subset cache
(``~/.cache/taizhang/fonts``) is warmed first, as it is after the first report of a plan on any machine. The
sample returns are generated into a private temporary folder (other processes' tests may regenerate
``inputs/sample`` meanwhile); reading them (from the store or the folders) is part of every run. Prints every run, the median, the load
average (the goals assume an otherwise idle machine) and a CPU reference time measured just before the run
(:func:`cpu_reference`; ≈ 0.5 s when this machine runs at its usual speed).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from taizhang.render import Job, run_jobs, skip_unused_schema_checkers
from taizhang.sample import ensure_sample
from taizhang.targets import load_registry

PERIOD = "2025-12"


def plan_jobs() -> list[Job]:
    return [Job("monthly_ledger", plan=p, period=PERIOD) for p in load_registry().plan_ids]


def district_jobs(n: int = 100) -> list[Job]:
    reg = load_registry()
    units = [(p, u.id) for p in reg.plan_ids for u in reg.unit_list(p)]
    jobs = []
    for k in range(n):
        plan, unit = units[k % len(units)]
        period = PERIOD if k < len(units) else "2025-05"
        jobs.append(Job("district_report", plan=plan, period=period, unit=unit))
    return jobs


def timed(jobs: list[Job], formats: tuple[str, ...]) -> tuple[float, dict]:
    import pikepdf

    with tempfile.TemporaryDirectory(prefix="taizhang-bench-") as out, DescendantCPU() as tree:
        t0 = time.perf_counter()
        results = run_jobs(jobs, formats=formats, out=Path(out), progress=False)
        wall = time.perf_counter() - t0
        pages = 0
        for r in results:
            if r.pdf is not None:
                with pikepdf.open(r.pdf) as pdf:
                    pages += len(pdf.pages)
    stages = {k: sum(r.seconds.get(k, 0.0) for r in results) for k in ("notebook", "html", "pdf")}
    stages["pages"] = pages
    stages["parent"], stages["kernels"], stages["chromium"] = tree.split()
    return wall, stages


class DescendantCPU:
    """CPU seconds of this process and of every process it started, directly or not, sampled every 0.2 s
    while the block runs (``RUSAGE_CHILDREN`` misses Chromium's renderers, which their own parent reaps, and
    undercounted a district run by a third): :meth:`split` gives (this process, the kernels, Chromium)."""

    def __enter__(self) -> "DescendantCPU":
        import threading

        import psutil  # installed with ipykernel

        self._me = psutil.Process()
        t = self._me.cpu_times()
        self._own0 = t.user + t.system
        self._seen: dict[int, tuple[str, float]] = {}
        self._base = self._sample(record=False)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _sample(self, record: bool = True) -> dict[int, float]:
        now = {}
        for p in self._me.children(recursive=True):
            try:
                t = p.cpu_times()
                kind = self._seen[p.pid][0] if p.pid in self._seen else (
                    "chromium" if "chrom" in " ".join(p.cmdline()[:1]) else "kernel")
            except Exception:  # ended between the listing and the reading
                continue
            now[p.pid] = t.user + t.system
            if record:
                self._seen[p.pid] = (kind, now[p.pid])
        return now

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        t = self._me.cpu_times()
        self._own = t.user + t.system - self._own0

    def split(self) -> tuple[float, float, float]:
        sums = {"kernel": 0.0, "chromium": 0.0}
        for pid, (kind, cpu) in self._seen.items():
            sums[kind] += cpu - self._base.get(pid, 0.0)
        return self._own, sums["kernel"], sums["chromium"]


def cpu_reference() -> float:
    """CPU seconds of a fixed pure-Python loop: this machine's speed varies (up to 2× over an hour, on an
    otherwise idle VM), so every run prints it beside its time (lower is faster)."""
    t = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--which", default="plans,districts")
    ap.add_argument("--formats", default="", help="formats of both suites (default: each suite's own)")
    ap.add_argument("--period", default=PERIOD)
    ap.add_argument("--source", choices=("store", "folder"), default="store",
                    help="read the returns from a store (as taizhang run does by default) or the sample folders")
    args = ap.parse_args()
    skip_unused_schema_checkers()  # as `taizhang run` does
    reg = load_registry()
    samples = Path(tempfile.mkdtemp(prefix="taizhang-bench-inputs-"))
    for p in reg.plan_ids:
        ensure_sample(reg, p, samples / p)
    store = samples / "taizhang.sqlite"
    if args.source == "store":
        from taizhang.store import ingest

        t0 = time.perf_counter()
        results = ingest([samples / p for p in reg.plan_ids], store=store, registry=reg)
        print(f"ingested {len(results)} sample returns into {store.name} in {time.perf_counter() - t0:.1f} s "
              f"(not timed below)", flush=True)
    try:
        suites = {"plans": (plan_jobs, 10.0, ("html", "pdf", "xlsx", "docx")),
                  "districts": (district_jobs, 25.0, ("html", "pdf", "xlsx"))}
        for name in args.which.split(","):
            make, goal, formats = suites[name]
            formats = tuple(args.formats.split(",")) if args.formats else formats
            where = ({"store": str(store)} if args.source == "store" else {})
            jobs = [dataclasses.replace(j, **(where or {"inputs": str(samples / j.plan)}),
                                        period=args.period if j.period == PERIOD else j.period) for j in make()]
            timed(jobs[:2], ("html",))  # warm the font cache and the OS file cache
            walls = []
            for i in range(args.runs):
                ref = cpu_reference()
                wall, stages = timed(jobs, formats)
                walls.append(wall)
                total = stages["parent"] + stages["kernels"] + stages["chromium"]
                print(f"{name} run {i + 1}: {len(jobs)} reports in {wall:.1f} s "
                      f"(stage sums: notebook {stages['notebook']:.1f} s, html {stages['html']:.1f} s, "
                      f"pdf {stages['pdf']:.1f} s; {stages['pages']} PDF pages; CPU {total:.1f} s = this process "
                      f"{stages['parent']:.1f} + kernels {stages['kernels']:.1f} + Chromium {stages['chromium']:.1f}; "
                      f"load average {os.getloadavg()[0]:.2f}; CPU reference {ref:.2f} s)",
                      flush=True)
            med = statistics.median(walls)
            print(f"{name}: median {med:.1f} s over {len(walls)} runs — goal ≤ {goal:.0f} s: "
                  f"{'met' if med <= goal else 'NOT met'}", flush=True)
    finally:
        shutil.rmtree(samples, ignore_errors=True)


if __name__ == "__main__":
    main()
