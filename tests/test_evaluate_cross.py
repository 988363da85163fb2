"""Tests that cross modules: the CLI and the reports agree, and report texts follow the run's Settings.

The defects they guard against were found in the code, not by a single module's tests: the CLI ranked
units of other levels that the reports left out (50 disagreements on the sample data), the 临期预警 text
said 60 days when a scenario judged with 30, and the ledger module kept a second status order.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
import yaml

from taizhang import ledger as ledger_mod
from taizhang.cli import main
from taizhang.evaluate import Settings, evaluate, status_counts
from taizhang.kernel import statuses
from taizhang.targets import load_registry
from taizhang.report import MonthlyReport
from taizhang.returns import load_returns

#: the registry's plans (a new plan is data only)
PLAN_IDS = load_registry().plan_ids

#: one month per plan (the issue's example for 包头 is 2024-03)
MONTHS = {"bayannur": "2023-06", "baotou": "2024-03", "urad-middle": "2025-03", "yinchuan": "2023-06",
          "artux": "2024-06"}


def _cli_ranking(capsys, plan, month) -> pd.DataFrame:
    assert main(["evaluate", "--sample", "--plan", plan, "--as-of", month, "--view", "ranking"]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"unit": str})


@pytest.mark.parametrize("plan", PLAN_IDS)
def test_cli_ranking_equals_report_ranking(capsys, plan):
    month = MONTHS[plan]
    report = MonthlyReport.build(plan, month)
    cli = _cli_ranking(capsys, plan, month)
    compared = 0
    for metric, _chart, table in report.metric_parts():
        ours = cli[cli["metric"] == metric]
        assert sorted(ours["unit"]) == sorted(table["unit"]), metric  # the same units are ranked
        got = dict(zip(ours["unit"], ours["rank"].astype("Int64")))
        want = dict(zip(table["unit"], table["rank"]))
        assert {u: (None if pd.isna(r) else int(r)) for u, r in got.items()} == \
            {u: (None if pd.isna(r) else int(r)) for u, r in want.items()}, metric
        compared += len(table)
    assert compared > 0


def _write_scenario(folder, months):
    folder.mkdir(parents=True, exist_ok=True)
    data = {"name": "due-soon-test", "title": "临期月数测试", "plan": "bayannur",
            "method": {"due_soon_months": months}}
    (folder / "due-soon-test.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_report_text_uses_the_runs_settings(tmp_path, monkeypatch):
    import taizhang.scenario as scenario_mod

    folder = tmp_path / "scenarios"
    _write_scenario(folder, 1)
    monkeypatch.setattr(scenario_mod, "scenarios_dir", lambda: folder)
    plain = MonthlyReport.build("bayannur", "2022-10")
    what_if = MonthlyReport.build("bayannur", "2022-10", scenario="due-soon-test")
    assert Settings.from_ledger(what_if.ledger) == Settings(due_soon_months=1)
    text = what_if.due_soon().data
    assert "期限在本月之后 1 个月内" in text and "2 个月" not in text
    assert "期限在本月之后 2 个月内" in plain.due_soon().data
    listed = ledger_mod.due_soon_table(what_if.ledger)
    # 2022-10 read after its end: with one month, only November deadlines are near (at most 30 days left)
    assert len(listed) and (listed["days_to_deadline"] <= 30).all() and (listed["days_to_deadline"] >= 1).all()


def test_due_soon_empty_message_names_the_runs_window(registry, sample_returns):
    rs = load_returns([sample_returns["bayannur"]], registry, "bayannur")
    ledger = evaluate(registry, "bayannur", rs, "2022-10", Settings(due_soon_months=5))
    html = ledger_mod.due_soon_spec(ledger.iloc[:0]).data
    assert "本月之后 5 个月内没有到期" in html


def test_every_display_of_statuses_follows_the_one_table(registry, sample_returns):
    rs = load_returns([sample_returns["baotou"]], registry, "baotou")
    ledger = evaluate(registry, "baotou", rs, "2024-03")
    present = set(ledger["status"])
    order = [c for c in statuses.ORDER if c in present and c != "not_applicable"]
    assert list(status_counts(ledger)["status"]) == order
    summary = ledger_mod.summary_html(ledger)
    assert [summary.index(f'data-status="{c}"') for c in order] == sorted(summary.index(f'data-status="{c}"')
                                                                          for c in order)
    kinds = ledger_mod.kind_counts_table(ledger)
    assert list(kinds.columns) == [c for c in statuses.ORDER if c in kinds.columns]
    ms = ledger_mod.milestone_table(ledger)
    assert list(ms.columns) == [c for c in statuses.ORDER if c in ms.columns]
    heat = ledger_mod.heatmap_html(ledger)
    legend = heat[heat.index('class="tz-legend"'):]
    shown = [c for c in statuses.ORDER if f"tz-{c}\"" in legend]
    assert [legend.index(f"tz-{c}\"") for c in shown] == sorted(legend.index(f"tz-{c}\"") for c in shown)
    for s in statuses.STATUSES:
        style = ledger_mod.status_style(s.code)
        assert (style.background, style.color, style.symbol) == (s.colour, s.ink, s.symbol)
        assert ledger_mod.status_label(s.code) == s.label
    assert not hasattr(ledger_mod, "STATUS_ORDER")  # no second status order: every display reads the one table
