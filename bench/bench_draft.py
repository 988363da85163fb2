"""How well ``taizhang targets draft`` recovers the registry of the five seed plans (issue 15, point 3).

For each plan, the seed text (``/work/shared/seeds/`` or ``targets/sources/``, the same files) is drafted with
no knowledge of the registry; the draft is then compared with the registered targets:

* a registered target is **recovered** when a candidate's sentence overlaps its quote in the text (the two
  spans share at least half of the shorter one) and the candidate's kind and judged deadline (earliest date,
  or none for both) agree with the target's;
* **deadline accuracy** is, among the targets whose quote is overlapped by a candidate of the same kind, the
  share whose deadline agrees;
* an **extra** is a candidate that recovers no registered target;
* **1:1 recall** (shown, not a goal) lets each candidate recover one target only, where a plan's sentence often
  holds several registered targets (the registry splits some sentences more finely than the draft does).

Goals: recall ≥ 90 % per plan, deadline right ≥ 97 %, at most one extra for every three recovered.
Figures are printed for every row of the workbook and for the rows the program suggests adopting (采纳=是).
When a text's head carries no date, the plan's date is given as ``--date`` would be (the reviewer's input).

    .venv/bin/python bench/bench_draft.py [--seeds DIR] [--misses PLAN]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from taizhang.drafting.clauses import draft_candidates
from taizhang.drafting.text import PlanText, read_plan_text
from taizhang.targets import load_registry

GOALS = {"recall": 0.90, "deadline": 0.97, "extra_per_recovered": 1 / 3}


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter > 0 and inter >= 0.5 * min(a[1] - a[0], b[1] - b[0])


def compare(plan, source: str, cands) -> dict:
    spans = []
    for t in plan.targets:
        i = source.find(t.quote)
        spans.append((t, (i, i + len(t.quote))))
    used = set()
    recovered, same_kind, dl_right, misses = 0, 0, 0, []
    metric = {"n": 0, "right": 0, "new": 0, "wrong": 0}
    for t, span in spans:
        kind_hits = [k for k, c in enumerate(cands) if c.kind == t.kind and _overlaps((c.start, c.end), span)]
        hits = [k for k in kind_hits if cands[k].deadline == t.deadline]
        if kind_hits and t.kind != "milestone":
            c = cands[kind_hits[0]]
            metric["n"] += 1
            metric["right" if c.metric == t.metric else ("new" if not c.metric else "wrong")] += 1
        if kind_hits:
            same_kind += 1
            dl_right += bool(hits)
        if hits:
            recovered += 1
            used.update(hits)
        else:
            misses.append((t, [cands[k] for k in kind_hits]))
    # one-to-one: each candidate may recover one target only (greedy, in text order) — a stricter reading
    taken: set[int] = set()
    one_to_one = 0
    for t, span in spans:
        k = next((k for k, c in enumerate(cands) if k not in taken and c.kind == t.kind
                  and _overlaps((c.start, c.end), span) and c.deadline == t.deadline), None)
        if k is not None:
            taken.add(k)
            one_to_one += 1
    extras = len(cands) - len(used)
    extra_rows = [c for k, c in enumerate(cands) if k not in used]
    return {"targets": len(spans), "recovered": recovered, "recall": recovered / len(spans),
            "deadline": dl_right / same_kind if same_kind else 1.0, "candidates": len(cands), "extras": extras,
            "extra_per_recovered": extras / recovered if recovered else float("inf"), "misses": misses, "extra_rows": extra_rows,
            "one_to_one": one_to_one / len(spans), "metric": metric}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=Path, default=Path("/work/shared/seeds"))
    ap.add_argument("--misses", help="list the targets of this plan that were not recovered")
    ap.add_argument("--extras", help="list the candidates of this plan that recover no target")
    args = ap.parse_args(argv)
    registry = load_registry()
    seeds = args.seeds if args.seeds.is_dir() else registry.root / "sources"
    ok = True
    metric_totals = []
    print(f"{'plan':12} {'rows':>9} {'targets':>7} {'recall':>7} {'deadline':>8} {'extras':>6} {'extra/rec':>9} {'1:1 recall':>10}")
    for pid, plan in registry.plans.items():
        path = seeds / plan.source
        if not path.is_file():
            print(f"{pid:12} seed text {path} missing")
            ok = False
            continue
        text = read_plan_text(path)
        parsed = PlanText.parse(text)
        issued = parsed.issued or plan.issued
        cands = draft_candidates(parsed, registry.metrics, pid, issued=issued)
        for label, rows in (("all", cands), ("采纳=是", [c for c in cands if c.adopt])):
            r = compare(plan, text, rows)
            if label == "all":
                metric_totals.append(r)
            good = (r["recall"] >= GOALS["recall"] and r["deadline"] >= GOALS["deadline"]
                    and r["extra_per_recovered"] <= GOALS["extra_per_recovered"])
            ok &= good or label != "all"
            print(f"{pid:12} {label:>9} {r['targets']:7d} {r['recall']:7.1%} {r['deadline']:8.1%} {r['extras']:6d} "
                  f"{r['extra_per_recovered']:9.2f} {r['one_to_one']:10.1%} {'' if good else '← below goal'}"
                  + ("" if parsed.issued else "  (date not in text head: plan date given)") * (label == "all"))
            if args.extras == pid and label == "all":
                for c in r["extra_rows"]:
                    print(f"   EXTRA {c.kind[:5]} {c.deadline} {c.section} {c.quote[:90]}")
            if args.misses == pid and label == "all":
                for t, near in r["misses"]:
                    print(f"   MISS {t.kind[:5]} {t.deadline} {t.section} {t.quote[:70]}")
                    for c in near:
                        print(f"        same-kind candidate deadline {c.deadline}: {c.quote[:60]}")
    print("goals: recall ≥ 90%, deadline ≥ 97%, extra/recovered ≤ 0.33", "— all met" if ok else "— NOT all met")
    m = {k: sum(r["metric"][k] for r in metric_totals) for k in ("n", "right", "new", "wrong")}
    print(f"metric of the found quantitative/recurring targets (no goal): right {m['right']}/{m['n']}, "
          f"new metric suggested {m['new']}, another metric {m['wrong']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
