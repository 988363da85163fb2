"""The status precedence as ordered tables of small named rules — one table per kind of target.

A judge (:mod:`.judges`) records the facts of every ledger row as named boolean arrays (:class:`Facts`);
:func:`decide` then walks a kind's table and gives each row the status of the **first** rule that holds
(the last rule of each table always holds). Each rule is a one-line function of the facts, tested alone
in ``tests/test_evaluate_rules.py``; the precedence section of ``docs/evaluation.md`` is generated from the
tables (:func:`precedence_markdown`; ``python -m taizhang.evaluate.rules`` rewrites it, a test checks it).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable

import numpy as np

from ..kernel import statuses


@dataclass(frozen=True)
class Facts:
    """What is known about each ledger row (equal-length boolean arrays, one element per row).

    ``on_pace`` is the forward-looking judgement of a row that is neither met nor due: for a quantitative
    target the trend projection (or, with too few points, the glide path), for a recurring one the count
    against the whole occurrences due by now.
    """

    applicable: np.ndarray
    has_value: np.ndarray  # a value on or before the as-of month (recurring: in the current period)
    stale: np.ndarray  # the latest value is more than stale_months older than the as-of month
    met: np.ndarray  # the value meets the target
    was_met: np.ndarray  # met in an earlier month
    has_deadline: np.ndarray
    past: np.ndarray  # the deadline has passed (period-end reading: the deadline is in or before the as-of month)
    soon: np.ndarray  # the deadline is near (1–due_soon_months months after the as-of month; see the engine)
    on_pace: np.ndarray
    previous_short: np.ndarray  # recurring: the previous period ended short (judged in the first month only)
    done: np.ndarray  # milestone: a completion date was reported
    done_late: np.ndarray  # milestone: completed after the deadline
    reported: np.ndarray  # the unit sent any return up to the as-of month
    short_at_deadline: np.ndarray  # quantitative: the value known at the deadline (its month) did not meet the target

    @classmethod
    def blank(cls, n: int, **given) -> "Facts":
        """Facts of ``n`` rows, all False except those ``given`` (tests and small callers)."""
        values = {f.name: np.zeros(n, dtype=bool) for f in fields(cls)}
        values.update({k: np.broadcast_to(np.asarray(v, dtype=bool), (n,)).copy() for k, v in given.items()})
        return cls(**values)


@dataclass(frozen=True)
class Rule:
    """Rows for which ``when(facts)`` holds get ``status``; ``doc`` says it in the words of docs/evaluation.md."""

    name: str
    status: str
    when: Callable[[Facts], np.ndarray]
    doc: str


# ---- the rules (each a small named function of the facts)

def not_applicable(f: Facts) -> np.ndarray:
    return ~f.applicable


def previous_period_short(f: Facts) -> np.ndarray:
    return f.previous_short & ~f.met


def silent_and_old(f: Facts) -> np.ndarray:
    return ~f.has_value & f.stale


def no_value(f: Facts) -> np.ndarray:
    return ~f.has_value


def slipped_back(f: Facts) -> np.ndarray:
    return ~f.met & f.was_met


def missed_deadline(f: Facts) -> np.ndarray:
    return ~f.met & f.past


def value_too_old(f: Facts) -> np.ndarray:
    return f.stale


def met_after_deadline(f: Facts) -> np.ndarray:
    return f.met & f.past & f.short_at_deadline


def reached(f: Facts) -> np.ndarray:
    return f.met


def undated(f: Facts) -> np.ndarray:
    return ~f.has_deadline


def deadline_near(f: Facts) -> np.ndarray:
    return f.soon


def on_pace(f: Facts) -> np.ndarray:
    return f.on_pace


def done_after_deadline(f: Facts) -> np.ndarray:
    return f.done & f.done_late


def done(f: Facts) -> np.ndarray:
    return f.done


def no_return(f: Facts) -> np.ndarray:
    return ~f.reported


def task_deadline_passed(f: Facts) -> np.ndarray:
    return f.past


def otherwise(f: Facts) -> np.ndarray:
    return np.ones(len(f.applicable), dtype=bool)


_NA = Rule("not_applicable", "not_applicable", not_applicable,
           "the target's levels are not reported by this unit's level (`taizhang.targets.applies`)")

QUANTITATIVE: tuple[Rule, ...] = (
    _NA,
    Rule("no_value", "no_data", no_value, "no value on or before the as-of month"),
    Rule("slipped_back", "regressed", slipped_back,
         "not met now, but met in an earlier month (the level must be kept, deadline or not); resting on a single month's value it carries `status_note` 待核实 (see \"Slipped back\")"),
    Rule("missed_deadline", "overdue", missed_deadline,
         "not met and the deadline has passed — a deadline in the as-of month has passed in that month's report (read after the month); the reason gives the days overdue"),
    Rule("value_too_old", "stale", value_too_old,
         "the latest value is more than `stale_months` (3) months older than the as-of month"),
    Rule("met_after_deadline", "met_late", met_after_deadline,
         "the latest value meets the target, but the value known at the deadline — the latest on or before the deadline's month — did not (see \"Met after the deadline\")"),
    Rule("reached", "met", reached,
         "the latest value meets the target (≥ / ≤ / = with a 1e-9 tolerance; exactly on the threshold is met; a 100 % target only at 100 %, see \"100 % targets\")"),
    Rule("undated", "no_deadline", undated, "not met and no date (never overdue); the reason still gives the projected month"),
    Rule("deadline_near", "due_soon", deadline_near,
         "not met and the deadline falls 1–`due_soon_months` (2) months after the as-of month (a mid-month date: 0–`due_soon_days` (60) days away)"),
    Rule("on_pace", "on_track", on_pace,
         "the trend projection meets the target at the deadline (too few points: glide-path ratio ≥ `on_track_ratio`), see \"On track or behind\""),
    Rule("otherwise", "behind", otherwise, "otherwise"),
)

RECURRING: tuple[Rule, ...] = (
    _NA,
    Rule("previous_period_short", "overdue", previous_period_short,
         "the previous period ended short and the current one, not yet at its end, is not yet met (a missed period stays on record until the next is judged)"),
    Rule("silent_and_old", "stale", silent_and_old,
         "nothing reported in the current period and the last value is older than `stale_months`"),
    Rule("no_value", "no_data", no_value, "nothing reported in the current period"),
    Rule("period_ended_short", "overdue", missed_deadline,
         "the current period ends in the as-of month (read after it) and the count falls short"),
    Rule("reached", "met", reached, "the current period's count reaches the whole threshold"),
    Rule("deadline_near", "due_soon", deadline_near,
         "the current period ends 1–`due_soon_months` (2) months after the as-of month, in its second half, and the count falls short (a mid-month date: 0–`due_soon_days` days)"),
    Rule("on_pace", "on_track", on_pace,
         "count ≥ the whole occurrences due by now (for a `≤` cap: not exceeded), see \"Recurring targets\""),
    Rule("otherwise", "behind", otherwise, "otherwise"),
)

MILESTONE: tuple[Rule, ...] = (
    _NA,
    Rule("done_after_deadline", "done_late", done_after_deadline, "completion date after the deadline"),
    Rule("done", "done", done, "a completion date on or before the deadline (or no deadline)"),
    Rule("no_return", "no_data", no_return, "the unit sent no return at all"),
    Rule("undated", "no_deadline", undated, "not done and no date"),
    Rule("task_deadline_passed", "task_overdue", task_deadline_passed,
         "not done and the deadline has passed (a deadline in the as-of month has passed in that month's report)"),
    Rule("otherwise", "task_pending", otherwise,
         "not done, deadline ahead (near, as for quantitative targets: `due_soon_flag` and `（临期）` in the reason)"),
)

TABLES: dict[str, tuple[Rule, ...]] = {"quantitative": QUANTITATIVE, "recurring": RECURRING, "milestone": MILESTONE}
_KIND_TITLES = {"quantitative": "Quantitative targets", "recurring": "Recurring targets",
                "milestone": "Milestones (`task_completion`)"}
#: each status code's position in the status table (the integer codes the rules return)
POSITION = {code: i for i, code in enumerate(statuses.ORDER)}


def decide(rules: tuple[Rule, ...], facts: Facts) -> np.ndarray:
    """The position in :data:`taizhang.kernel.statuses.STATUSES` of each row's status: the first rule that holds."""
    return np.select([r.when(facts) for r in rules[:-1]], [POSITION[r.status] for r in rules[:-1]],
                     default=POSITION[rules[-1].status])


def precedence_markdown() -> str:
    """The precedence tables as docs/evaluation.md shows them (generated: edit the rules, not the docs)."""
    parts = []
    for kind, rules in TABLES.items():
        rows = [f"{_KIND_TITLES[kind]}:", "", "| # | code | 中文 | rule (`name`) |", "|---|---|---|---|"]
        rows += [f"| {i} | `{r.status}` | {statuses.label(r.status)} | {r.doc} (`{r.name}`) |"
                 for i, r in enumerate(rules, 1)]
        parts.append("\n".join(rows))
    return "\n\n".join(parts) + "\n"


START, END = "<!-- precedence: generated by taizhang.evaluate.rules -->\n", "<!-- end of precedence -->\n"


def docs_path() -> Path:
    from ..project import project_root

    return project_root() / "docs" / "evaluation.md"


def write_docs() -> Path:
    """Rewrite the generated precedence section of docs/evaluation.md (between its two markers)."""
    path = docs_path()
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(head + START + precedence_markdown() + END + tail, encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_docs(), file=sys.stderr)
