"""Benchmark: ingest 1,000 return files into a fresh SQLite store; worst time and memory per file of a corpus.

    .venv/bin/python bench/bench_ingest.py [--files 1000] [--runs 3]
    .venv/bin/python bench/bench_ingest.py --corpus tests/fixtures/returns inputs/bad_examples [DIR …]

Speed: writes 1,000 deterministic returns (baotou sample generator, 16 units × 63 months) once, then ingests
them into a new store ``--runs`` times and prints files/s (median; wall clock, and per CPU second, which a
busy shared machine disturbs less) and the peak memory of the process. Goal on the 2-core development
machine: at least 200 files/s.

Corpus (``--corpus``): every file under the folders is ingested in its own forked process (so one file's
memory is measured alone: the child's peak resident memory minus the parent's at the fork) and the worst
time (wall and CPU: on a shared machine wall time also counts waiting) and peak memory per file are
printed, with any failure. Goal: ≤ 5 s and ≤ 300 MB for any file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import tempfile
import time
import traceback
from contextlib import closing
from pathlib import Path

from taizhang.returns import PROBLEM_MESSAGES, find_return_files
from taizhang.safetext import visible
from taizhang.sample import generate_plan_sample
from taizhang.store import connect, ingest, ingest_file
from taizhang.targets import load_registry


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key + ":"))


def reset_peak() -> int:
    """Reset this process's peak resident memory (Linux ``clear_refs`` 5) and return the current one (KB)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    return _status_kb("VmRSS")


def peak_kb() -> int:
    """Peak resident memory of this process since :func:`reset_peak` (KB)."""
    return _status_kb("VmHWM")


def preload() -> None:
    """Import what ingest imports lazily, so a forked child measures the file, not the imports."""
    import defusedxml.ElementTree  # noqa: F401
    import openpyxl  # noqa: F401
    import python_calamine  # noqa: F401

    import taizhang.template  # noqa: F401


def check(res) -> str | None:
    """What is wrong with an ingest result (None if nothing): exactly one outcome, coded problems for a
    rejection, no unforeseen failure, no control character in any message."""
    if res.outcome not in ("accepted", "rejected", "unchanged"):
        return f"outcome {res.outcome}"
    if res.outcome == "rejected" and not res.problems:
        return "rejected without a problem"
    for p in res.problems:
        if p.code not in PROBLEM_MESSAGES:
            return f"uncoded problem {p.code!r}: {p}"
        if p.code == "file.unexpected":
            return f"unforeseen failure: {p}"
        if visible(str(p)) != str(p):
            return f"control character in a message: {p!r}"
    return None


def measure_file(path: Path, store: Path, registry, feedback: Path, timeout: int = 60) -> dict:
    """Ingest one file in a forked child: outcome, problem codes, seconds, peak memory above the parent (MB),
    and ``error`` when the child failed, broke an invariant (:func:`check`), crashed or ran past ``timeout``."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(rfd)
            signal.alarm(timeout)
            with closing(connect(store)) as con:
                base = reset_peak()
                t0, c0 = time.perf_counter(), time.process_time()
                res = ingest_file(con, path, registry, feedback_dir=feedback)
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
                peak = peak_kb() - base
            out = {"outcome": res.outcome, "codes": [p.code for p in res.problems], "seconds": dt, "cpu": cpu,
                   "peak_mb": peak / 1024, "error": check(res)}
            code = 3 if out["error"] else 0
        except BaseException:  # noqa: BLE001 - reported to the parent
            out, code = {"error": traceback.format_exc()[-3000:]}, 4
        os.write(wfd, json.dumps(out, ensure_ascii=False).encode())
        os._exit(code)
    os.close(wfd)
    chunks = []
    while chunk := os.read(rfd, 65536):
        chunks.append(chunk)
    os.close(rfd)
    _, status, usage = os.wait4(pid, 0)
    out = json.loads(b"".join(chunks) or b"{}")
    if os.WIFSIGNALED(status):
        out["error"] = f"killed by signal {os.WTERMSIG(status)}" + (" (timeout)" if os.WTERMSIG(status) == signal.SIGALRM else "")
    out.setdefault("peak_mb", usage.ru_maxrss / 1024)  # a crashed child: its whole peak
    out["file"] = str(path)
    return out


def corpus(folders: list[str]) -> None:
    reg = load_registry()
    preload()
    files = sorted(p for p in find_return_files(folders) if p.is_file() or p.is_symlink())
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure_file(p, Path(tmp) / "s.sqlite", reg, Path(tmp) / "fb") for p in files]
    bad = [r for r in rows if r.get("error")]
    by_time = max(rows, key=lambda r: r.get("seconds", 0))
    by_cpu = max(rows, key=lambda r: r.get("cpu", 0))
    by_mem = max(rows, key=lambda r: r["peak_mb"])
    print(f"语料 {len(rows)} 份：接收 {sum(r.get('outcome') == 'accepted' for r in rows)}，"
          f"退回 {sum(r.get('outcome') == 'rejected' for r in rows)}，异常 {len(bad)}")
    print(f"单份最长用时 {by_time['seconds']:.3f} s（{by_time['file']}）；中位数 "
          f"{statistics.median(r.get('seconds', 0) for r in rows) * 1000:.1f} ms")
    print(f"单份最长 CPU 时间 {by_cpu['cpu']:.3f} s（{by_cpu['file']}）")
    print(f"单份峰值内存（高于父进程）{by_mem['peak_mb']:.1f} MB（{by_mem['file']}）")
    for r in bad:
        print(f"异常：{r['file']}：{r['error']}")


def speed(n_files: int, runs: int) -> None:
    reg = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        paths = generate_plan_sample(reg, "baotou", tmp / "in", first="2020-01", last="2025-12")[:n_files]
        gen = time.perf_counter() - t0
        print(f"生成 {len(paths)} 份报表：{gen:.1f} s")
        rates, cpu_rates = [], []
        for run in range(runs):
            store = tmp / f"run{run}.sqlite"
            t0, c0 = time.perf_counter(), time.process_time()
            results = ingest(paths, store=store, registry=reg, plan_id="baotou")
            dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            cpu_rates.append(len(paths) / cpu)
            assert all(r.outcome == "accepted" for r in results), [r.problems for r in results if r.outcome != "accepted"][:1]
            rates.append(len(paths) / dt)
            print(f"第 {run + 1} 次：{len(paths)} 份，{dt:.2f} s，{len(paths) / dt:.0f} 份/秒"
                  f"（按 CPU 时间 {len(paths) / cpu:.0f} 份/秒）")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"中位数：{statistics.median(rates):.0f} 份/秒（按 CPU 时间 {statistics.median(cpu_rates):.0f} 份/秒）；"
              f"进程峰值内存 {peak:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", nargs="+", metavar="DIR", help="measure worst time and memory per file of these folders")
    args = ap.parse_args()
    if args.corpus:
        corpus(args.corpus)
    else:
        speed(args.files, args.runs)


if __name__ == "__main__":
    main()
