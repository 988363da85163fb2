"""The 差距 of a rate target is a difference of two percentages: it is written in 个百分点 ("−10.4个百分点",
never "−10.4%") by the one formatter (kernel.formatting.format_gap) in every table with a 差距 column — the
table specs that the HTML and PDF render, and the Excel 台账 (a number whose format shows the same words). The
Word 通报 and the 一页简报 show no 差距 column."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from taizhang.kernel.formatting import format_gap, gap_excel_format
from taizhang.ledger import ledger_spec, overdue_spec

RATE_AS_PERCENT = re.compile(r"^[+−][0-9.]+%$")  # the old text of a rate gap


def test_format_gap_of_a_rate_is_in_percentage_points():
    assert format_gap(-10.4, "%") == "−10.4个百分点" and format_gap(2, "%") == "+2.0个百分点"
    assert format_gap(-0.01, "%") == "−0.01个百分点"  # a miss never prints as zero
    assert format_gap(-3, "名") == "−3名" and format_gap(1.5, "小时") == "+1.5小时" and format_gap(None, "%") == "—"
    assert gap_excel_format("%") == '"+"0.0"个百分点";"−"0.0"个百分点"' and gap_excel_format("名") is None


@pytest.fixture(scope="module")
def monthly(registry):
    from taizhang.report import MonthlyReport, default_inputs
    from taizhang.sample import ensure_sample

    ensure_sample(registry, "bayannur", default_inputs("bayannur"))
    return MonthlyReport.build("bayannur", "2024-06")


def _rate_rows(ledger):
    a = ledger[ledger["kind"].isin(["quantitative", "recurring"]) & (ledger["status"] != "not_applicable")]
    return a, (a["target_unit"] == "%") & a["gap"].notna()


def test_html_ledger_and_overdue_tables_say_points(monthly):
    a, rate = _rate_rows(monthly.ledger)
    assert rate.any()
    spec = ledger_spec(monthly.ledger, None)
    gap = [c.key for c in spec.columns].index("gap")
    shown = [row[gap].text for row in spec.rows]
    assert [t for t, r in zip(shown, rate) if r] == [format_gap(g, "%") for g in a["gap"][rate]]
    assert all(t.endswith("个百分点") for t, r in zip(shown, rate) if r)
    overdue = overdue_spec(monthly.ledger)
    k = [c.key for c in overdue.columns].index("gap")
    assert not any(RATE_AS_PERCENT.match(row[k].text) for row in overdue.rows)


def test_excel_ledger_gap_is_a_number_shown_in_points(monthly, tmp_path):
    ws = load_workbook(monthly.write_excel(tmp_path / "台账.xlsx"))["台账"]
    rows = list(ws.iter_rows())
    head = next(i for i, r in enumerate(rows) if any(c.value == "差距" for c in r))
    col = {c.value: j for j, c in enumerate(rows[head])}
    rates = [r for r in rows[head + 1:] if r[col["计量单位"]].value == "%" and r[col["差距"]].value is not None]
    assert rates
    for r in rates:
        cell = r[col["差距"]]
        assert isinstance(cell.value, (int, float)) and "个百分点" in cell.number_format, cell.number_format
    others = [r for r in rows[head + 1:] if r[col["计量单位"]].value not in ("%", None, "")
              and r[col["差距"]].value is not None]
    assert all("百分点" not in r[col["差距"]].number_format for r in others)
