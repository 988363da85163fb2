"""Every display of statuses follows the one status table's order, worst first (sections AND Excel).

The monthly and unit ledgers' tiles, heat-map legend, milestone columns, task list and the Excel 总览 header
each show statuses in some order; each must be the kernel's order of merit (``rank`` ascending: 逾期 first,
已达标 last). Reversing the display order must make this fail — the last test checks that it does.
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from taizhang.kernel import statuses

LABEL_TO_CODE = {s.label: s.code for s in statuses.STATUSES}


@pytest.fixture(scope="module")
def reports(registry):
    from taizhang.report import MonthlyReport, default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, "bayannur", default_inputs("bayannur"))
    return MonthlyReport.build("bayannur", "2024-06"), MonthlyReport.build("bayannur", "2024-06", unit="linhe")


def displayed_orders(monthly, unit, tmp_path) -> dict[str, list[str]]:
    """The status codes each display shows, in the order shown."""
    tiles = re.findall(r'class="tz-tile" data-status="(\w+)"', monthly.summary().data)
    legend = re.search(r'<p class="tz-legend">(.*?)</p>', monthly.heatmap().data).group(1)
    milestone = monthly.milestones().data
    head = milestone[:milestone.index("</thead>")]
    tasks = unit.tasks().data
    body = tasks[tasks.index("<tbody>"):]
    wb = load_workbook(monthly.write_excel(tmp_path / "台账.xlsx"))
    header = next(r for r in wb["总览"].iter_rows(values_only=True) if r[0] == "单位")
    return {
        "tiles": tiles,
        "heat map legend": re.findall(r"tz-badge tz-(\w+)", legend),
        "milestone columns": re.findall(r"tz-badge tz-(\w+)", head),
        "unit task list": list(dict.fromkeys(re.findall(r"tz-badge tz-(\w+)", body))),
        "Excel 总览": [LABEL_TO_CODE[v] for v in header[1:-1]],
        "Excel 台账 rows": list(dict.fromkeys(LABEL_TO_CODE[r[2].split(" ", 1)[1]] for r in wb["台账"].iter_rows(
            min_row=next(c.row for c in wb["台账"]["A"] if c.value == "单位") + 1, values_only=True))),
    }


def check_worst_first(orders: dict[str, list[str]]) -> None:
    for name, codes in orders.items():
        assert len(codes) >= 2, f"{name}: too few statuses to check the order ({codes})"
        ranks = [statuses.status(c).rank for c in codes]
        assert ranks == sorted(ranks), f"{name} is not in the status table's order: {codes}"


def test_the_status_table_is_worst_first():
    ranks = {s.code: s.rank for s in statuses.STATUSES}
    assert list(statuses.ORDER) == sorted(ranks, key=ranks.get)
    assert ranks["overdue"] < ranks["no_data"] < ranks["met"] and ranks["task_overdue"] < ranks["done"]


def test_every_display_follows_the_status_table(reports, tmp_path):
    monthly, unit = reports
    orders = displayed_orders(monthly, unit, tmp_path)
    check_worst_first(orders)
    # the sets shown are what the ledger holds
    assert set(orders["tiles"]) == set(monthly.ledger["status"]) - {"not_applicable"}
    assert set(orders["Excel 总览"]) == set(orders["tiles"])


def test_reversing_the_display_order_is_caught(reports, tmp_path, monkeypatch):
    monkeypatch.setattr(statuses, "ORDER", tuple(reversed(statuses.ORDER)))
    monthly, unit = reports
    orders = displayed_orders(monthly, unit, tmp_path)
    with pytest.raises(AssertionError, match="not in the status table's order"):
        check_worst_first(orders)
    wrong = [name for name, codes in orders.items()
             if [statuses.status(c).rank for c in codes] != sorted(statuses.status(c).rank for c in codes)]
    assert {"heat map legend", "milestone columns", "unit task list", "Excel 总览", "Excel 台账 rows"} <= set(wrong)
