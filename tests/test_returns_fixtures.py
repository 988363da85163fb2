"""Every defect fixture is rejected with its exact Chinese message; every tolerance fixture is accepted."""

from __future__ import annotations

from datetime import date

import pytest

from taizhang.project import project_root
from taizhang.returns import ReturnRejected, parse_count, parse_percent, read_return

TODAY = date(2026, 1, 15)
FIX = project_root() / "tests" / "fixtures" / "returns"
F = "临河区_2024-06.xlsx"
M = f"{F} / 指标"

BAD = {
    "unknown_unit": [f"{M} / B2：未知的填报单位“临和区”，是否为“临河区”？"],
    "period_mismatch": [f"{M} / B3：统计月份 2024-05 与文件名中的月份 2024-06 不一致"],
    "numerator_gt_denominator": [f"{M} / D10：实现“一窗”分类受理的事项数（812）大于已进驻政务服务事项数（790）"],
    "negative_count": [f"{M} / D6：综合窗口工作人员数不能为负数，实际为 -5"],
    "fractional_count": [f"{M} / D6：综合窗口工作人员数应为整数（单位：名），实际为 10.5"],
    "text_in_number": [f"{M} / D6：综合窗口工作人员数应为数字，实际为“约100”"],
    "percent_in_count": [f"{M} / D6：综合窗口工作人员数应填写数量（名），不能填写百分数“85%”；比率由系统按分子和分母计算"],
    "missing_value": [f"{M} / D6：综合窗口工作人员数未填写"],
    "missing_row": [f"{M}：缺少必填字段 综合窗口工作人员数（window_staff）"],
    "duplicate_row": [f"{M} / A28：综合窗口工作人员数（window_staff）重复填报，第 6 行已有"],
    "div0_error": [f"{M} / D6：综合窗口工作人员数是错误值 #DIV/0!，应为数字"],
    "formula_without_value": [f"{M} / D6：综合窗口工作人员数是公式但没有保存计算结果；请在 Excel 中打开、重新计算并保存，或直接填写数字"],
    "bad_period_text": [f"{M} / B3：统计月份应为 YYYY-MM（例如 2024-06），实际为“2024年13月”"],
    "future_filed_date": [f"{M} / E3：填报日期 2099-01-01 晚于今天（2026-01-15）"],
    "future_period": ["临河区_2099-01.xlsx / 指标 / B3：统计月份 2099-01 晚于今天（2026-01-15），不能填报未来月份"],
    "task_done_after_period": [f"{F} / 任务完成情况 / E2：完成日期 2024-07-20 晚于统计月份 2024-06 的月末"],
    "task_done_without_evidence": [f"{F} / 任务完成情况 / F2：已填写完成日期，须同时填写佐证材料（文件名或说明）"],
    "old_xls": ["临河区_2024-06.xls：这是旧版 Excel 97-2003（.xls）文件，不能接收；请在 Excel 中“另存为”.xlsx 格式后重新报送"],
    "xls_renamed": [f"{F}：这是旧版 Excel 97-2003（.xls）格式的文件（只是扩展名为 .xlsx），请在 Excel 中“另存为”.xlsx 后重新报送"],
    "encrypted": [f"{F}：文件设置了打开密码（已加密），无法读取；请取消密码后重新报送"],
    "truncated": [f"{F}：文件已损坏或不是 Excel 工作簿（压缩包结构无效）"],
    "not_excel": [f"{F}：文件已损坏或不是 Excel 工作簿（不是有效的 .xlsx 文件）"],
    "zip_bomb": [f"{F}：工作簿解压后有 64 MB，超过上限 40 MB，疑似压缩炸弹"],
    "xml_entities": [f"{F}：部件 xl/worksheets/sheet1.xml 含有 DTD/实体声明，正常的 Excel 文件不会有，疑似恶意文件（XML 实体炸弹）"],
    "csv_bad_encoding": ["临河区_2024-06.csv：CSV 文件的文字编码无法识别；请用 UTF-8 或 GBK（GB18030）保存"],
    # issue 16: hostile or broken files, one defect per file
    "stray_cell_far_corner": [f"{M} / XFD1048576：单元格 XFD1048576 有内容（“x”），超出报表范围（最多 2000 行、64 列）；"
                              "请删除多余内容（可按 Ctrl+End 找到）后重新报送"],
    "stray_cell_last_row": [f"{M} / A1048576：单元格 A1048576 有内容（“x”），超出报表范围（最多 2000 行、64 列）；"
                            "请删除多余内容（可按 Ctrl+End 找到）后重新报送"],
    "damaged_deflate": [f"{F}：部件 xl/worksheets/sheet1.xml 已损坏，无法解压（压缩数据损坏：Error -3 while decompressing data: "
                        "invalid block type）；请在 Excel 中重新保存后报送"],
    "zip_compressed_size_lie": [f"{F}：部件 [Content_Types].xml 已损坏，无法解压（声明的压缩大小 2147483648 字节超出文件末尾）；"
                                "请在 Excel 中重新保存后报送"],
    "bad_crc": [f"{F}：部件 xl/worksheets/sheet1.xml 已损坏，无法解压（CRC 校验失败）；请在 Excel 中重新保存后报送"],
    "control_character": [f"{M} / D6：综合窗口工作人员数应为数字，实际为“1\\x072”"],
    "ansi_escape": [f"{M} / D6：综合窗口工作人员数应为数字，实际为“\\x1b[31m12\\x1b[0m”"],
    "unclosed_cell_tags": [f"{F}：部件 xl/worksheets/sheet1.xml 的 XML 格式错误（第 2 行：mismatched tag），文件已损坏；"
                           "请在 Excel 中重新保存后报送"],
    "zip_bomb_lying_headers": [f"{F}：部件 xl/worksheets/sheet1.xml 实际解压后超过 10 MB（压缩包中声明的大小为 2048 字节），疑似压缩炸弹"],
    "percent_format_in_count": [f"{M} / D6：综合窗口工作人员数应填写数量（名），不能填写百分数“85%”；比率由系统按分子和分母计算"],
    "csv_unquoted_thousands": ["临河区_2024-06.csv / 第6行：这一行有 6 个单元格，多于表头的 5 列；数字中的逗号（如 1,234）要么去掉，"
                               "要么给整个数字加引号"],
    "implausible_staff": [f"{M} / D6：综合窗口工作人员数为 1000000 名，超出合理范围（0–5000 名）；请核实后重新填写"],
    "implausible_hours": [f"{M} / D25：自助服务区每日开放时长为 25 小时，超出合理范围（0–24 小时）；请核实后重新填写"],
    "xml_doctype_after_comment": [f"{F}：部件 xl/worksheets/sheet1.xml 含有 DTD/实体声明，正常的 Excel 文件不会有，疑似恶意文件（XML 实体炸弹）"],
    "xml_doctype_in_docprops": [f"{F}：部件 docProps/core.xml 含有 DTD/实体声明，正常的 Excel 文件不会有，疑似恶意文件（XML 实体炸弹）"],
    "wps_et": ["临河区_2024-06.et：这是WPS 表格（.et）文件，不能接收；请另存为 .xlsx 后重新报送"],
    "opendocument_ods": ["临河区_2024-06.ods：这是OpenDocument 电子表格（.ods）文件，不能接收；请另存为 .xlsx 后重新报送"],
    "excel_binary_xlsb": ["临河区_2024-06.xlsb：这是Excel 二进制工作簿（.xlsb）文件，不能接收；请另存为 .xlsx 后重新报送"],
}

#: the stable code of each defect (the quality report counts problems by code)
CODES = {
    "unknown_unit": "unit.unknown", "period_mismatch": "period.name_mismatch", "negative_count": "value.negative",
    "numerator_gt_denominator": "rate.numerator_gt_denominator", "fractional_count": "value.not_whole",
    "text_in_number": "value.not_number", "percent_in_count": "value.percent_in_count", "missing_value": "value.blank",
    "missing_row": "field.missing", "duplicate_row": "field.duplicate", "div0_error": "cell.error_value",
    "formula_without_value": "cell.formula_without_value", "old_xls": "file.xls", "xls_renamed": "file.xls_renamed",
    "encrypted": "file.encrypted", "zip_bomb": "zip.declared_size", "xml_entities": "xml.dtd",
    "stray_cell_far_corner": "sheet.out_of_range", "damaged_deflate": "zip.member_damaged", "bad_crc": "zip.member_damaged",
    "control_character": "value.not_number", "unclosed_cell_tags": "xml.malformed",
    "zip_bomb_lying_headers": "zip.inflated_size", "percent_format_in_count": "value.percent_in_count",
    "csv_unquoted_thousands": "csv.extra_cells", "implausible_staff": "value.implausible", "wps_et": "file.other_format",
}


def test_every_good_fixture_is_tested():
    assert sorted(p.name for p in (FIX / "good").iterdir() if p.is_dir()) == sorted(c for c in GOOD if c)


def test_every_bad_fixture_has_an_expectation():
    assert sorted(p.name for p in (FIX / "bad").iterdir()) == sorted([*BAD, "plan_mismatch"])


@pytest.mark.parametrize("defect", sorted(BAD))
def test_bad_fixture_rejected_with_exact_message(defect, registry):
    (path,) = list((FIX / "bad" / defect).iterdir())
    with pytest.raises(ReturnRejected) as info:
        read_return(path, registry, "bayannur", today=TODAY)
    assert [str(p) for p in info.value.problems] == BAD[defect]
    for p in info.value.problems:  # every problem is coded and located; its text derives from them
        assert p.code and p.location is not None and p.location.file == path.name and p.where == str(p.location)
    if defect in CODES:
        assert [p.code for p in info.value.problems] == [CODES[defect]]


def test_plan_cell_contradicting_the_chosen_plan(registry):
    path = FIX / "bad" / "plan_mismatch" / F
    with pytest.raises(ReturnRejected) as info:
        read_return(path, registry, "bayannur", today=TODAY)
    assert [str(p) for p in info.value.problems] == [f"{M} / E2：方案编号“baotou”与导入时的方案“bayannur”不一致"]


def test_plan_cell_naming_another_plan_than_the_unit_s(registry):
    # plan from the 方案编号 cell (baotou), unit 临河区 of bayannur: one plain problem, no follow-on
    # "unknown unit" or missing-field problems; logged under the unit's own plan
    path = FIX / "bad" / "plan_mismatch" / F
    with pytest.raises(ReturnRejected) as info:
        read_return(path, registry, None, today=TODAY)
    assert [str(p) for p in info.value.problems] == [
        f"{M} / E2：方案编号 baotou 与填报单位“临河区”不符：临河区是 bayannur（巴彦淖尔市）的单位"]
    assert (info.value.plan, info.value.unit, info.value.period) == ("bayannur", "linhe", "2024-06")


def test_plan_given_on_import_not_the_unit_s(registry):
    path = FIX / "bad" / "plan_mismatch" / F  # --plan baotou agrees with the cell, not with the unit
    with pytest.raises(ReturnRejected) as info:
        read_return(path, registry, "baotou", today=TODAY)
    assert [str(p) for p in info.value.problems] == [
        f"{M} / B2：导入时指定的方案 baotou 与填报单位“临河区”不符：临河区是 bayannur（巴彦淖尔市）的单位"]
    # a correct bayannur return imported with --plan baotou: the 方案编号 cell already says it all
    with pytest.raises(ReturnRejected) as info:
        read_return(FIX / "good" / F, registry, "baotou", today=TODAY)
    assert [str(p) for p in info.value.problems] == [f"{M} / E2：方案编号“bayannur”与导入时的方案“baotou”不一致"]


GOOD = ["", "fullwidth_thousands_spaces", "alias_and_blank_rows", "formula_cached", "macro_workbook", "csv_utf8",
        "csv_utf8_bom", "csv_gbk", "period_as_date", "fractional_hours", "csv_gbk_ctrl_z", "csv_semicolon",
        "xlsx_renamed_csv", "float_noise"]


@pytest.mark.parametrize("case", GOOD)
def test_good_fixture_accepted(case, registry):
    folder = FIX / "good" / case
    (path,) = [p for p in folder.iterdir() if p.is_file()]
    ret = read_return(path, registry, None, today=TODAY)  # plan from the 方案编号 cell
    assert (ret.plan, ret.unit, ret.period) == ("bayannur", "linhe", "2024-06")
    assert ret.values["entered_items"] == 790
    assert ret.values["one_window_items"] == 700
    assert ret.values["total_items"] == (1234 if case == "fullwidth_thousands_spaces" else 900)
    assert ret.filed == date(2024, 7, 5)
    if case == "fractional_hours":  # hours and years are measures: fractions are fine
        assert (ret.values["self_service_hours"], ret.values["min_tenure_transferred_staff"]) == (12.5, 0.5)


def test_good_fixture_task_sheet(registry):
    ret = read_return(FIX / "good" / F, registry, "bayannur", today=TODAY)
    assert len(ret.tasks) == 1 and ret.tasks[0][1] == date(2024, 6, 20) and ret.tasks[0][2] == "见附件1"


def test_percent_formatted_cell_in_a_percent_field_is_the_percentage_shown():
    from taizhang.returns.cells import read_count, read_percent

    assert read_percent(0.85, "比例", percent_cell=True) == (85.0, None, {})
    assert read_percent(1, "比例", percent_cell=True) == (100.0, None, {})  # 1 in a % cell shows 100%
    assert read_count(0.855, "人数", "名", percent_cell=True)[2]["found"] == "85.5%"


@pytest.mark.parametrize("raw,expected", [("85%", 85.0), ("８５％", 85.0), (85, 85.0), ("85", 85.0), (0.85, 85.0),
                                          ("0", 0.0), ("100%", 100.0), ("1%", 1.0)])
def test_percent_rule(raw, expected):
    assert parse_percent(raw, "比例") == (expected, None)


@pytest.mark.parametrize("raw,problem", [
    (1, "比例填写的“1”含义不明（1% 还是 100%），请填写“1%”或“100%”"),
    ("120%", "比例不能超过 100%，实际为 120%"),
    ("-5%", "比例不能为负数，实际为 -5"),
])
def test_percent_rule_rejections(raw, problem):
    assert parse_percent(raw, "比例") == (None, problem)


@pytest.mark.parametrize("raw,expected", [("1,234", 1234.0), ("１２３４", 1234.0), (" 12 ", 12.0), ("1 234", 1234.0),
                                          ("12.5", 12.5), (7, 7.0)])
def test_count_tolerances(raw, expected):
    assert parse_count(raw, "数量") == (expected, None)


@pytest.mark.parametrize("raw,unit,expected", [("12.5", "小时", 12.5), ("0.5", "年", 0.5), ("36.5", "岁", 36.5),
                                               ("2.5", "个工作日", 2.5), ("1,234.0", "件", 1234.0), (12.0, "名", 12.0)])
def test_whole_number_rule_only_for_counted_things(raw, unit, expected):
    assert parse_count(raw, "数量", unit) == (expected, None)


@pytest.mark.parametrize("raw,unit", [(10.5, "名"), ("3.2", "项"), ("１．５", "件"), (0.1, "次"), ("7.5", "个环节")])
def test_fractional_count_of_whole_things_rejected(raw, unit):
    value, problem = parse_count(raw, "数量", unit)
    assert value is None and problem.startswith(f"数量应为整数（单位：{unit}），实际为 ")


@pytest.mark.parametrize("raw", ["1,23", "12..5", "1e3", "TRUE", "－", "#N/A"])
def test_count_rejects_ambiguous_text(raw):
    value, problem = parse_count(raw, "数量")
    assert value is None and problem.startswith("数量")


def test_every_problem_code_is_used_and_every_used_code_has_a_message():
    import re as _re

    from taizhang.returns import PROBLEM_MESSAGES

    src = "".join(p.read_text(encoding="utf-8") for p in (project_root() / "lib" / "taizhang").rglob("*.py")
                  if p.name != "codes.py")
    used = set(_re.findall(r'"((?:file|zip|xml|sheet|csv|plan|unit|period|filed|copy|header|field|cell|value|rate|task|answer)'
                           r'\.[a-z_]+)"', src))
    assert used <= set(PROBLEM_MESSAGES), used - set(PROBLEM_MESSAGES)
    assert set(PROBLEM_MESSAGES) <= used, set(PROBLEM_MESSAGES) - used
