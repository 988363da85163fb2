"""The one-page brief and the Word 通报: numbers equal the ledger, the brief fits one A4 page, the docx reads back."""

from __future__ import annotations

import subprocess

import docx
import pytest
from docx.oxml.ns import qn

from taizhang.brief import RED, TOP_PROBLEMS, build_brief, colour_group, problem_frame
from taizhang.kernel.statuses import MET, ORDER, OVERDUE
from taizhang.render import Job, run_jobs, version_line
from taizhang.report import MonthlyReport
from taizhang.reports.blocks import Counts
from taizhang.charts import text_width
from taizhang.reports.docx import (BODY_FONT, ISSUER_PLACEHOLDER, NUMBER_PLACEHOLDER, TEXT_WIDTH, TITLE_FONT,
                                   text_em, title_lines, title_size)
from taizhang.reports.specs import BY_CLI, SPECS
from taizhang.source import SAMPLE_MARK
from taizhang.targets import load_registry

PLANS = load_registry().plan_ids


@pytest.fixture(scope="module")
def report():
    return MonthlyReport.build("bayannur", "2024-06", sample="是")


def test_colour_groups_cover_every_status_from_the_one_table():
    groups = {c: colour_group(c) for c in ORDER}
    assert groups["not_applicable"] is None
    assert {c for c, g in groups.items() if g == "red"} == set(RED) and OVERDUE <= RED
    assert {c for c, g in groups.items() if g == "green"} == set(MET)


def test_unit_table_counts_equal_the_ledger(report):
    brief = report.brief_parts
    led = report.ledger[report.ledger["status"] != "not_applicable"]
    names = [r[0].text for r in brief.units.rows]
    registry_order = [u.name for u in report.registry.unit_list("bayannur")]
    assert sorted(names) == sorted(registry_order)
    # most red first; ties keep the registry's order
    reds = [r[1].value for r in brief.units.rows]
    assert reds == sorted(reds, reverse=True) and reds[0] > reds[-1]
    for a, b in zip(brief.units.rows, brief.units.rows[1:]):
        if a[1].value == b[1].value:
            assert registry_order.index(a[0].text) < registry_order.index(b[0].text)
    for row in brief.units.rows:
        mine = led[led["unit_name"] == row[0].text]
        assert row[1].value == int(mine["status"].isin(RED).sum())
        assert row[3].value == int(mine["status"].isin(MET).sum())
        assert row[1].value + row[2].value + row[3].value == len(mine)
        assert row[4].value == int((mine["status"] == "task_overdue").sum())


def test_headline_and_problems_follow_the_ledger(report):
    brief = report.brief_parts
    led = report.ledger
    behind = led[led["status"].isin(RED)]["unit"].nunique()
    assert brief.headlines[0].startswith(f"{led['unit'].nunique()} 个单位中 {behind} 个")
    assert f"{int((led['status'] == 'task_overdue').sum())} 项任务逾期未完成" in brief.headlines[0]
    assert "单位 × 目标" not in "".join(brief.headlines)
    labels = [c.label for c in brief.problems.columns]
    assert labels == ["单位", "指标或任务", "期限", "目标／最新值", "逾期天数", "牵头单位"]
    days = [r[4].value for r in brief.problems.rows]
    assert 0 < len(days) <= TOP_PROBLEMS and days == sorted(days, reverse=True)
    worst = -int(led[led["status"].isin(OVERDUE)]["days_to_deadline"].min())
    assert days[0] == worst
    # the 期限 column is the ledger's deadline: the plan's wording, and the date as its value
    shown = problem_frame(led)
    for row, r in zip(brief.problems.rows, shown.itertuples(index=False)):
        assert row[2].text == (r.deadline_text or str(r.deadline)) and row[2].value == r.deadline
        assert (row[3].text == "—") == (r.kind == "milestone") and (r.kind == "milestone" or "／" in row[3].text)


def test_problems_show_target_and_latest_value_of_numeric_targets(report):
    led = report.ledger.copy()
    i = led.index[led["kind"] != "milestone"][0]
    led.loc[i, ["status", "days_to_deadline", "threshold_label", "value", "threshold", "op", "target_unit"]] = (
        "overdue", -9999, "≥ 70%", 55.24, 70.0, ">=", "%")
    row = build_brief(led, None, "2024-05").problems.rows[0]
    assert row[0].text == led.loc[i, "unit_name"] and row[3].text == "≥70%／55.2%"


def test_example_scoring_gives_no_rank_and_official_one_does(report, monkeypatch, tmp_path):
    import shutil

    import yaml

    import taizhang.scoring as scoring

    assert report.scores is None  # bayannur has only bayannur-example.yaml (example: true)
    brief = report.brief_parts
    assert not brief.ranked and "名次" not in [c.label for c in brief.units.columns]
    assert not any("得分" in h for h in brief.headlines)
    # the same file, not marked example: 得分 and 名次, the ranking sentence, and the note naming unscored units
    src = scoring.scoring_dir()
    data = yaml.safe_load((src / "bayannur-example.yaml").read_text(encoding="utf-8"))
    data["example"] = False
    official = tmp_path / "scoring"
    shutil.copytree(src, official)
    (official / "bayannur-official.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(scoring, "scoring_dir", lambda: official)
    rep = MonthlyReport.build("bayannur", "2024-06", sample="是")
    assert rep.scores is not None and not rep.scores.attrs["example"]
    parts = rep.brief_parts
    labels = [c.label for c in parts.units.columns]
    assert parts.ranked and "名次" in labels and "得分" in labels
    assert any(h.startswith("按评分方案，") and "得分最高" in h and " 得分" not in h for h in parts.headlines)
    unscored = [r[0].text for r in parts.units.rows if r[labels.index("得分")].text in ("—", "", None)]
    assert unscored and all(u in parts.units.note for u in unscored) and "评分范围" in parts.units.note


def test_dates_are_written_in_chinese(report):
    from taizhang.kernel.months import Month

    assert Month.parse("2025-12").chinese == "2025年12月" and Month.parse("2024-03").chinese == "2024年3月"
    brief = report.brief_parts
    lead = brief.changes.lead if isinstance(brief.changes, Counts) else brief.changes.text
    assert lead.startswith("与2024年5月相比")
    assert "没有2024年5月的数据" in build_brief(report.ledger, None, "2024-05").changes.text
    header = report.brief_header().parts[0]
    assert [t.text for t in header.sub] == ["截至2024年6月末"]


def test_no_previous_month_says_so(report):
    brief = build_brief(report.ledger, None, "2024-05")
    assert "无法与上月比较" in brief.changes.text
    assert all(r[-1].text == "—" for r in brief.units.rows)


def test_brief_is_a_spec_and_page_one_of_the_ledger():
    assert BY_CLI["brief"].name == "monthly_brief" and "docx" in BY_CLI["brief"].formats
    assert [s.call for s in SPECS["monthly_ledger"].sections][:2] == ["header", "brief"]


def test_docx_reads_back_with_the_ledger_numbers(report, tmp_path):
    path = report.write_docx(tmp_path / "通报.docx")
    doc = docx.Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == ISSUER_PLACEHOLDER and texts[1] == NUMBER_PLACEHOLDER
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "一、总体情况" and "四、督办情况" in headings and "五、下一步工作" in headings
    assert "三、各单位情况" in headings  # bayannur's only scoring file is an example: no ranking
    assert "截至2024年6月末" in "".join(texts) and "（2024年6月）" in "".join(texts)
    for sentence in report.brief_parts.headlines:
        assert sentence in texts
    problems, units = doc.tables
    assert [c.text for c in problems.rows[0].cells] == ["单位", "指标或任务", "期限", "目标／最新值", "逾期天数", "牵头单位"]
    assert [[c.text for c in r.cells] for r in problems.rows[1:]] == [
        [c.text for c in row] for row in report.brief_parts.problems.rows]
    assert [r.cells[1].text for r in units.rows[1:]] == [str(r[1].value) for r in report.brief_parts.units.rows]
    title = next(p for p in doc.paragraphs if p.style.name == "Title")
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    body = next(p for p in doc.paragraphs if p.text == "各有关单位：").runs[0]._element.rPr.rFonts
    assert body.get(qn("w:eastAsia")) == BODY_FONT and body.get(qn("w:ascii")) == "FangSong"
    # what the 通报 rests on comes before anything it says: the sample mark in every page's header, the
    # sample and coverage notices between the title and the salutation
    assert SAMPLE_MARK in "".join(p.text for p in doc.sections[0].header.paragraphs)
    i_title, i_salute = texts.index(title.text), texts.index("各有关单位：")
    between = texts[i_title + 1:i_salute]
    assert any(t.startswith(SAMPLE_MARK) for t in between)
    assert any(t.startswith("本月报送情况") and report.coverage_text() in t for t in between)
    footer = doc.sections[0].footer._element.xml
    assert "PAGE" in footer and "fldChar" in footer
    assert round(doc.sections[0].page_width.cm, 1) == 21.0 and round(doc.sections[0].page_height.cm, 1) == 29.7


def _pages(pdf) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(l for l in out.splitlines() if l.startswith("Pages:")).split()[1])


@pytest.mark.parametrize("period", ["2023-06", "2025-12"])
def test_brief_fits_one_a4_page_for_every_plan(period, tmp_path):
    jobs = [Job("monthly_brief", plan=p, period=period, sample="是") for p in PLANS]
    results = run_jobs(jobs, formats=("pdf", "docx"), out=tmp_path, progress=False)
    for r in results:
        assert _pages(r.pdf) == 1, (r.job.plan, period)
        paras = [p.text for p in docx.Document(str(r.pdf.with_suffix(".docx"))).paragraphs]
        assert paras[2] == version_line(r.version, r.provenance) and paras[2].startswith("第 1 版")


def test_equally_overdue_problems_take_turns_across_units(report):
    """Many tasks share a deadline: among problems equally overdue, units take turns in the top list, and the
    note says how many of the tied problems are listed."""
    led = report.ledger.copy()
    units = list(dict.fromkeys(led["unit"]))
    first, second = (led.index[led["unit"] == u] for u in units[:2])
    led["status"] = "met"
    chosen = list(first[:12]) + list(second[:3])
    led.loc[chosen, "status"] = "task_overdue"
    led.loc[chosen, "days_to_deadline"] = -100
    led.loc[first[12], ["status", "days_to_deadline"]] = ("task_overdue", -101)  # the one most overdue leads
    shown = problem_frame(led)
    assert len(shown) == TOP_PROBLEMS and shown.index[0] == first[12]
    assert list(shown["unit"]).count(units[1]) == 3  # without turns the first unit would fill every slot
    assert list(shown["unit"][1:7]) == [units[0], units[1]] * 3
    assert list(shown.index) == list(problem_frame(led.sample(frac=1, random_state=1).loc[led.index]).index)
    note = build_brief(led, None, "2024-05").problems.note
    assert "共 16 项逾期" in note and "逾期 100 天的共 15 项，列出其中 9 项" in note


def _notice(report, path, brief=None):
    """The 通报 of ``report`` written to ``path`` and read back, with ``brief`` in place of its own brief."""
    from taizhang.reports.docx import write_notice

    class WithBrief:
        brief_parts = brief or report.brief_parts

        def __getattr__(self, name):
            return getattr(report, name)

    return docx.Document(str(write_notice(WithBrief(), path)))


def test_docx_title_is_two_balanced_lines_that_fit_for_every_plan(report, tmp_path):
    title = next(p for p in _notice(report, tmp_path / "通报.docx").paragraphs if p.style.name == "Title")
    assert title.text.split("\n") == ["关于巴彦淖尔市政务服务目标任务", "落实情况的通报（2024年6月）"]
    assert all(r._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT for r in title.runs)
    # every plan's title, in its longest month and marked as a what-if, breaks in the same place and fits
    registry = load_registry()
    for plan in PLANS:
        lines = title_lines(registry.plan(plan).short_name, "2024年12月", "（情景推演）")
        size = title_size(lines)
        assert 16 <= size <= 22 and all(len(line) >= 7 for line in lines), (plan, lines)
        assert all(text_em(line) * size + len(line) * 0.25 <= TEXT_WIDTH.pt for line in lines), (plan, size)
    assert title_size(title_lines("巴彦淖尔市", "2024年6月")) == 22
    # the estimate counts the space printed where a digit meets a Chinese character: 3 in "2024年12月底前"
    assert text_em("2024年12月底前") == pytest.approx(text_width("2024年12月底前", 1.0) + 0.75)


@pytest.mark.parametrize("what_if", [{"scenario": "提速"}, {"assume": "T1=2025-12-31"}, {}])
def test_docx_title_marks_every_what_if_run(report, tmp_path, what_if):
    """A scenario run's 通报 is marked in its title as an assumed-deadline run's is (the scenario's own notice is
    titled "情景推演（非实际考核口径）", which an exact match on "情景推演" missed)."""

    class WhatIf:
        parameters = {**(report.parameters or {}), **what_if}

        def __getattr__(self, name):
            return getattr(report, name)

    title = next(p for p in _notice(WhatIf(), tmp_path / "通报.docx").paragraphs if p.style.name == "Title")
    assert title.text.endswith("（情景推演）") == bool(what_if), title.text


def test_docx_table_columns_fit_their_content_across_the_text_width(report, tmp_path):
    doc = _notice(report, tmp_path / "通报.docx")
    problems, units = doc.tables
    for t in (problems, units):
        assert t._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = [int(g.get(qn("w:w"))) for g in t._tbl.tblGrid.findall(qn("w:gridCol"))]
        for row in t.rows:  # every cell carries its column's width (Word and LibreOffice read the cells)
            assert [c.width.twips for c in row.cells] == grid
        assert abs(sum(grid) - TEXT_WIDTH.twips) <= 1 and len(set(grid)) > 1
    width = {c.text: c.width for c in problems.rows[0].cells}
    assert width["指标或任务"] > width["单位"] > width["逾期天数"] and width["逾期天数"] == min(width.values())
    width = {c.text: c.width for c in units.rows[0].cells}
    assert width["逾期任务"] < width["单位"] < width["黄（未到期/滞后）"]


def test_docx_names_the_worst_units_when_every_unit_has_a_problem(report, tmp_path):
    units = report.brief_parts.units
    reds = [int(c.value) for c in units.column("red")]
    assert min(reds) > 0  # the sample: every unit of bayannur has an item overdue or fallen back
    texts = [p.text for p in _notice(report, tmp_path / "全部.docx").paragraphs]
    names = [c.text for c in units.column("unit")]
    worst = "、".join(f"{n}（{k} 项）" for n, k in zip(names[:3], reds[:3]))
    assert f"全部 {len(names)} 个单位均有逾期或回落的项指标、项任务，其中项数最多的是：{worst}。" in texts
    assert not any(t.startswith("有逾期或回落的单位：") for t in texts)
    # one unit without problems: the units that have some are listed, most first
    led = report.ledger.copy()
    clean = led["unit_name"] == names[-1]
    led.loc[clean & led["status"].isin(RED), "status"] = sorted(MET)[0]
    brief = build_brief(led, None, "2024-05")
    texts = [p.text for p in _notice(report, tmp_path / "部分.docx", brief).paragraphs]
    assert "有逾期或回落的单位：" + "、".join(names[:-1]) + "。" in texts
    assert not any(t.startswith("全部 ") for t in texts)
