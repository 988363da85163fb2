"""Freeze the ledgers of the five sample plans at four months each, for the equivalence test.

Writes ``tests/fixtures/ledgers/<plan>_<YYYY-MM>.csv`` (the stable ledger columns of the applicable rows,
as text) from the
deterministic sample returns. Run it only to re-freeze on purpose (the test then pins the new behaviour):

    .venv/bin/python tools/freeze_ledgers.py

The months of a plan (:func:`frozen_months`): three months after its issue month (its issue month when that is
already December or later), its first December, the
January after (a recurring period's shortfall turns overdue), and 2025-06.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ledgers"

#: the ledger columns the evaluation computes (frozen); the columns copied from the registry (title, quote,
#: unit name …) are checked against the registry by the test instead of being frozen here
STABLE_COLUMNS = [
    "unit", "target_id", "value", "value_period", "gap", "deadline", "deadline_text", "days_to_deadline",
    "status", "status_label", "reason", "done_date", "deadlines_all", "deadline_assumed", "baseline",
    "baseline_period", "required_value", "progress_ratio", "projected_value", "projected_met", "trend_slope",
    "trend_points", "data_age_months", "was_met", "periods_missed", "due_soon_flag", "status_note",
]
#: ledger columns that only copy the registry (unit and target attributes)
COPIED_COLUMNS = ["unit_name", "unit_level", "title", "kind", "metric", "metric_name", "section", "op",
                  "threshold", "upper", "target_unit", "threshold_label", "quote", "lead"]


def frozen_months(plan) -> list[str]:
    """The four as-of months frozen for ``plan`` (a :class:`~taizhang.targets.Plan`)."""
    issued = pd.Period(plan.issued, freq="M")
    december = pd.Period(f"{issued.year}-12", freq="M")
    early = issued + 3 if issued + 3 < december else issued
    return [str(early), str(december), str(december + 1), "2025-06"]


def ledger_text(ledger: pd.DataFrame) -> str:
    """The stable columns of the applicable rows of ``ledger`` as CSV text (floats with 12 significant digits).

    Not-applicable rows are left out (half the rows, and nothing but their status): the test checks that
    exactly the rows missing here are ``not_applicable``.
    """
    buf = io.StringIO()
    ledger.loc[ledger["status"] != "not_applicable", STABLE_COLUMNS].to_csv(buf, index=False, float_format="%.12g", lineterminator="\n")
    return buf.getvalue()


def read_text(text: str) -> pd.DataFrame:
    """CSV text as :func:`ledger_text` writes it, read back with every column as text or float."""
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def main() -> int:
    from taizhang.evaluate import evaluate
    from taizhang.report import default_inputs
    from taizhang.returns import load_returns
    from taizhang.sample import ensure_sample
    from taizhang.targets import load_registry

    registry = load_registry()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for plan_id in registry.plan_ids:
        folder = default_inputs(plan_id)
        ensure_sample(registry, plan_id, folder)
        returns = load_returns([folder], registry, plan_id)
        for month in frozen_months(registry.plan(plan_id)):
            path = FIXTURES / f"{plan_id}_{month}.csv"
            path.write_text(ledger_text(evaluate(registry, plan_id, returns, month)), encoding="utf-8")
            print(path.relative_to(FIXTURES.parents[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
