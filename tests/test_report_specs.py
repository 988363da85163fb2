"""The report specs are the one source of each report's parameters, notebook, CLI choice, file names and titles."""

from __future__ import annotations

import pytest

from taizhang.render import REPORTS, Job
from taizhang.report import NOTEBOOK_PARAMETERS, REPORT_CLASSES, REPORT_TITLES, MonthlyReport
from taizhang.reports.specs import DISTRICT, MONTHLY, SPECS


def test_cli_report_choices_are_the_specs():
    from taizhang.cli import build_parser

    run = build_parser()._subparsers._group_actions[0].choices["run"]
    action = next(a for a in run._actions if a.dest == "report")
    assert tuple(action.choices) == tuple(s.cli for s in SPECS.values())
    assert REPORTS == {s.cli: s.name for s in SPECS.values()}
    for s in SPECS.values():
        assert f"{s.cli} {s.cli_help}" in action.help


def test_parameters_titles_and_builders_come_from_the_specs():
    for name, spec in SPECS.items():
        assert list(NOTEBOOK_PARAMETERS[name]) == [p.name for p in spec.parameters]
        assert all(NOTEBOOK_PARAMETERS[name].values())  # every parameter has its Chinese help
        assert REPORT_TITLES[name] == spec.title
        assert REPORT_CLASSES[name].__name__ == spec.builder


def test_the_district_report_is_the_monthly_spec_in_unit_scope():
    assert DISTRICT.builder == MONTHLY.builder == "MonthlyReport" and DISTRICT.scope == "unit"
    assert [p.name for p in DISTRICT.parameters if p.name != "unit"] == [p.name for p in MONTHLY.parameters]
    assert REPORT_CLASSES["district_report"] is MonthlyReport


@pytest.mark.parametrize("job, folder, stem, title", [
    (Job("monthly_ledger", plan="bayannur", period="2024-06"), ("bayannur", "2024-06"), "bayannur_2024-06_台账",
     "· 2024-06 目标进展台账"),
    (Job("district_report", plan="bayannur", period="2024-06", unit="linhe"),
     ("bayannur", "2024-06", "units", "临河区"), "临河区_2024-06_单位台账", "临河区 · 2024-06 单位台账（"),
    (Job("data_quality", plan="baotou", period="2024-06"), ("baotou", "2024-06"), "baotou_2024-06_数据质量",
     "· 2024-06 数据质量报告"),
    (Job("target_catalogue", plan="artux"), ("artux", "catalogue"), "artux_目标清单", "· 目标清单"),
    (Job("plan_comparison", metric="one_window_rate"), ("comparison", "one_window_rate"), "one_window_rate_跨方案对比",
     "一窗受理率 · 跨方案指标对比"),
])
def test_output_folders_file_names_and_titles_keep_their_documented_form(job, folder, stem, title):
    assert job.parts() == folder and job.stem() == stem and title in job.title()
    assert set(job.parameters(None)) == set(NOTEBOOK_PARAMETERS[job.notebook])
