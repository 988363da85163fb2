"""Fuzz campaign: ingest hostile variants of valid returns for a while, each in its own forked process.

    nice .venv/bin/python bench/fuzz_ingest.py --minutes 25 [--seed 1] [--keep DIR]

Inputs come from ``tests/fuzz_returns.py`` (raw bytes, zip members, XML parts, cells and file names mutated).
Each is ingested by :func:`bench_ingest.measure_file` in a forked child (60 s alarm), which checks exactly one
outcome, coded problems, no unforeseen failure and no control character in a message. Prints the number of
inputs, outcomes, the most frequent problem codes, failures, and the worst time and peak memory per file;
``--keep`` saves every failing input and the slowest and heaviest ones.
"""

from __future__ import annotations

import argparse
import collections
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from bench_ingest import measure_file, preload  # noqa: E402
from fuzz_returns import variant  # noqa: E402

from taizhang.targets import load_registry  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=25)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="folder for failing, slowest and heaviest inputs")
    args = ap.parse_args()
    reg = load_registry()
    preload()
    rng = random.Random(args.seed)
    end = time.monotonic() + args.minutes * 60
    rows, failures = [], []
    levels, outcomes, codes = collections.Counter(), collections.Counter(), collections.Counter()
    worst: list[tuple[float, float, int, str, bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store, fb = tmp / "fuzz.sqlite", tmp / "fb"
        i = 0
        while time.monotonic() < end:
            name, data, level = variant(rng)
            folder = tmp / f"{i:07d}"
            folder.mkdir()
            path = folder / name
            path.write_bytes(data)
            r = measure_file(path, store, reg, fb)
            shutil.rmtree(folder)
            levels[level] += 1
            outcomes[r.get("outcome", "（无）")] += 1
            codes.update(r.get("codes", ()))
            rows.append(r)
            if r.get("error"):
                failures.append((i, name, level, r["error"], data))
            worst.append((r.get("seconds", 0), r["peak_mb"], i, name, data))
            worst = sorted(worst, reverse=True)[:5] + sorted(worst, key=lambda w: -w[1])[:5]
            i += 1
            if i % 2000 == 0:
                print(f"… {i} 份，异常 {len(failures)}", flush=True)
    secs = [r.get("seconds", 0) for r in rows]
    cpus = [r.get("cpu", 0) for r in rows]
    mems = [r["peak_mb"] for r in rows]
    print(f"模糊测试 {args.minutes:g} 分钟，种子 {args.seed}：{len(rows)} 份输入（{dict(levels)}）")
    print(f"结果：{dict(outcomes)}；异常 {len(failures)} 份")
    print("最常见的问题代码：" + "，".join(f"{c} {n}" for c, n in codes.most_common(12)))
    print(f"单份用时：中位数 {statistics.median(secs) * 1000:.1f} ms，最长 {max(secs):.3f} s；"
          f"单份峰值内存：中位数 {statistics.median(mems):.1f} MB，最大 {max(mems):.1f} MB；"
          f"单份 CPU 时间最长 {max(cpus):.3f} s")
    for i, name, level, error, _ in failures[:20]:
        print(f"异常 #{i}（{level}）{name!r}：{error[-600:]}")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for i, name, level, _error, data in failures:
            (args.keep / f"fail_{i:07d}_{level}.bin").write_bytes(data)
        for s, m, i, name, data in worst:
            (args.keep / f"worst_{i:07d}_{s:.2f}s_{m:.0f}MB{Path(name).suffix[:6]}").write_bytes(data)


if __name__ == "__main__":
    main()
