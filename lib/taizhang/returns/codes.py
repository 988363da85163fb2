"""The problems a return can have: a stable code per kind of problem, its Chinese message template.

A problem is made with :func:`problem` from a code, a :class:`~taizhang.errors.Location` and the values
the template names; its ``where`` and ``message`` are derived from them, so the same kind of problem always
reads the same, and the store can count problems by code (``taizhang.store.problem_counts``). Values that
come from the file (what was found) are shown with control characters escaped and cut to 40 characters.
Codes are part of the store's data: rename one only with a migration.
"""

from __future__ import annotations

from ..errors import Location, Problem
from ..safetext import visible

#: code → Chinese message template (``str.format`` fields)
MESSAGES: dict[str, str] = {
    # the file as a whole
    "file.type": "文件类型应为 .xlsx、.xlsm 或 .csv，实际为 {suffix}",
    "file.xls": "这是旧版 Excel 97-2003（.xls）文件，不能接收；请在 Excel 中“另存为”.xlsx 格式后重新报送",
    "file.other_format": "这是{kind}（{suffix}）文件，不能接收；请另存为 .xlsx 后重新报送",
    "file.xls_renamed": "这是旧版 Excel 97-2003（.xls）格式的文件（只是扩展名为 .xlsx），请在 Excel 中“另存为”.xlsx 后重新报送",
    "file.encrypted": "文件设置了打开密码（已加密），无法读取；请取消密码后重新报送",
    "file.too_large": "文件大小 {size} MB 超过上限 {limit} MB，月度报表不应这么大",
    "file.empty": "文件是空的（0 字节）",
    "file.unreadable": "无法读取文件（{reason}）",
    "file.symlink": "这是符号链接（快捷方式），不能接收；请报送报表文件本身",
    "file.not_regular": "这不是普通文件（{kind}），不能接收",
    "file.damaged": "文件已损坏或不是 Excel 工作簿（{detail}）",
    "file.cannot_open": "文件已损坏或无法打开（{detail}）",
    "file.unexpected": "读取文件时发生意外错误（{detail}），文件未接收；请把这份文件转交系统维护人员",
    # the zip archive of a workbook
    "zip.members": "工作簿内含 {count} 个部件，超过上限 {limit}，疑似恶意文件",
    "zip.declared_size": "工作簿解压后有 {size} MB，超过上限 {limit} MB，疑似压缩炸弹",
    "zip.part_size": "部件 {part} 解压后有 {size} MB，超过单个部件的上限 {limit} MB，月度报表不应这么大",
    "zip.inflated_size": "部件 {part} 实际解压后超过 {limit} MB（压缩包中声明的大小为 {declared} 字节），疑似压缩炸弹",
    "zip.ratio": "部件 {part} 压缩比异常（{ratio} 倍），疑似压缩炸弹",
    "zip.member_damaged": "部件 {part} 已损坏，无法解压（{detail}）；请在 Excel 中重新保存后报送",
    # the XML parts
    "xml.dtd": "部件 {part} 含有 DTD/实体声明，正常的 Excel 文件不会有，疑似恶意文件（XML 实体炸弹）",
    "xml.encoding": "部件 {part} 不是 UTF-8 编码，正常的 Excel 文件不会这样，疑似恶意文件",
    "xml.malformed": "部件 {part} 的 XML 格式错误（{detail}），文件已损坏；请在 Excel 中重新保存后报送",
    # sheets
    "sheet.missing": "缺少工作表“{sheet}”，实际工作表为 {found}",
    "sheet.too_many_rows": "工作表“{sheet}”超过 {limit} 行或 {cells} 个单元格的上限，月度报表不应这么大",
    "sheet.out_of_range": "单元格 {cell} 有内容{shown}，超出报表范围（最多 {rows} 行、{cols} 列）；"
                          "请删除多余内容（可按 Ctrl+End 找到）后重新报送",
    # CSV
    "csv.encoding": "CSV 文件的文字编码无法识别；请用 UTF-8 或 GBK（GB18030）保存",
    "csv.nul": "CSV 文件已损坏（含有空字符），或实际上不是文本文件",
    "csv.format": "CSV 文件格式错误（{detail}）",
    "csv.too_many_rows": "CSV 文件超过 {limit} 行的上限，月度报表不应这么长",
    "csv.extra_cells": "这一行有 {count} 个单元格，多于表头的 {header} 列；数字中的逗号（如 1,234）要么去掉，要么给整个数字加引号",
    # plan and identity
    "plan.unknown": "无法确定报表所属的方案：{how}；请在 指标 表 E2 填写方案编号，或导入时指定 --plan",
    "plan.cell_unknown": "方案编号“{found}”不是已知的方案编号",
    "plan.cell_mismatch": "方案编号“{found}”与导入时的方案“{plan}”不一致",
    "plan.cell_vs_unit": "方案编号 {plan} 与填报单位“{unit}”不符：{why}",
    "plan.import_vs_unit": "导入时指定的方案 {plan} 与填报单位“{unit}”不符：{why}",
    "plan.detected_vs_unit": "方案 {plan}（按{how}判断）与填报单位“{unit}”不符：{why}",
    "unit.label_missing": "找不到“填报单位”（应在 A2，值填在 B2）",
    "unit.empty": "填报单位不能为空",
    "unit.unknown": "未知的填报单位“{unit}”{hint}",
    "unit.name_mismatch": "填报单位“{unit}”与文件名中的单位“{named}”不一致",
    "period.label_missing": "找不到“统计月份”（应在 A3，值填在 B3）",
    "period.format": "统计月份应为 YYYY-MM（例如 2024-06），实际为“{found}”",
    "period.name_mismatch": "统计月份 {period} 与文件名中的月份 {named} 不一致",
    "period.future": "统计月份 {period} 晚于今天（{today}），不能填报未来月份",
    "filed.format": "填报日期应为 YYYY-MM-DD，实际为“{found}”",
    "filed.future": "填报日期 {filed} 晚于今天（{today}）",
    "filed.before_period": "填报日期 {filed} 早于统计月份 {period}",
    "copy.of_other_return": "与已接收的 {unit} {period} 报表内容完全相同（文件 {file}），不是本单位本月的报表",
    "copy.replaced": "与 {other} 是同一单位同一月份的报表，采用后者",
    # the metrics table
    "header.missing": "找不到表头“字段代码”（应在第 {header_row} 行：{columns}）",
    "header.column_missing": "表头缺少“{column}”列",
    "field.code_empty": "字段代码为空，但该行填写了数值",
    "field.unknown": "未知的字段代码“{code}”{hint}",
    "field.duplicate": "{label}（{code}）重复填报，第 {first_row} 行已有",
    "field.missing": "缺少必填字段 {label}（{code}）",
    "cell.error_value": "{label}是错误值 {error}，应为数字",
    "cell.formula_without_value": "{label}是公式但没有保存计算结果；请在 Excel 中打开、重新计算并保存，或直接填写数字",
    "cell.stray_formula": "单元格是公式但没有保存计算结果；请在 Excel 中打开、重新计算并保存",
    "value.blank": "{label}未填写",
    "value.boolean": "{label}应为数字，实际为逻辑值 {found}",
    "value.date": "{label}应为数字，实际为日期或时间“{found}”",
    "value.not_number": "{label}应为数字，实际为“{found}”",
    "value.percent_in_count": "{label}应填写数量（{unit}），不能填写百分数“{found}”；比率由系统按分子和分母计算",
    "value.not_finite": "{label}应为有限的数字，实际为“{found}”",
    "value.negative": "{label}不能为负数，实际为 {found}",
    "value.not_whole": "{label}应为整数（单位：{unit}），实际为 {found}",
    "value.percent_ambiguous": "{label}填写的“1”含义不明（1% 还是 100%），请填写“1%”或“100%”",
    "value.percent_over": "{label}不能超过 100%，实际为 {found}%",
    "value.implausible": "{label}为 {found} {unit}，超出合理范围（{low}–{high} {unit}）；请核实后重新填写",
    "rate.numerator_gt_denominator": "{numerator}（{num}）大于{denominator}（{den}）",
    # the task sheet
    "task.header_missing": "找不到表头“目标编号”（第 1 行应为 {columns}）",
    "task.unknown": "未知的目标编号“{target}”",
    "task.not_milestone": "目标 {target} 不是节点任务，不在本表填报",
    "task.not_for_unit": "目标 {target} 不由{unit}填报（适用层级：{levels}）",
    "task.duplicate": "目标 {target} 重复填报，第 {first_row} 行已有",
    "task.date_error": "完成日期是错误值或没有计算结果的公式，应为日期",
    "task.date_format": "完成日期应为 YYYY-MM-DD，实际为“{found}”",
    "task.date_future": "完成日期 {done} 晚于今天（{today}）",
    "task.date_after_period": "完成日期 {done} 晚于统计月份 {period} 的月末",
    "task.state_unknown": "完成情况应为 {states} 之一，实际为“{state}”",
    "task.done_without_date": "完成情况为“已完成”，但未填写完成日期",
    "task.date_state_conflict": "已填写完成日期 {done}，完成情况却为“{state}”",
    "task.no_evidence": "已填写完成日期，须同时填写佐证材料（文件名或说明）",
    # a completion reported in an earlier month, contradicted (issue 14, taizhang.supervision.answers)
    "task.completion_reverted": "目标 {target} 已在 {when} 报表中报告于 {was} 完成，本表却改为“{state}”；"
                                "已完成的任务不能改回未完成，如确需更正请联系办公室",
    "task.completion_cleared": "目标 {target} 已在 {when} 报表中报告于 {was} 完成，本表却完成日期留空；"
                               "已完成的任务不能改回未完成，如确需更正请联系办公室",
    "task.completion_date_changed": "目标 {target} 的完成日期 {done} 与 {when} 报表中报告的 {was} 不一致；如确需更正请联系办公室",
    # the 整改情况 sheet: the unit's answers to its 督办事项 (issue 14, taizhang.supervision.answers)
    "answer.header_missing": "找不到表头“编号”（第 {header_row} 行应为 {columns}）",
    "answer.column_missing": "表头缺少“{columns}”列",
    "answer.id_empty": "编号为空，但该行填写了整改情况",
    "answer.duplicate": "督办事项 {item} 重复填写，第 {first_row} 行已有",
    "answer.unknown": "未知的督办事项编号“{item}”（请使用模板中预填的编号，不要自行添加）",
    "answer.other_plan": "督办事项 {item} 不属于方案 {plan}",
    "answer.other_unit": "督办事项 {item} 是{owner}的事项，不能由本单位填报",
    "answer.closed": "督办事项 {item} 已于 {closed}销号，无需再填报整改情况",
    "answer.progress_unknown": "进展应为 {allowed} 之一，实际为“{found}”",
    "answer.progress_missing": "已填写整改措施，须同时选择进展",
    "answer.measures_missing": "已选择进展，须同时填写整改措施",
    "answer.date_error": "预计完成日期是错误值 {error}，应为日期",
    "answer.date_format": "预计完成日期应为 YYYY-MM-DD，实际为“{found}”",
    "answer.date_missing": "进展为“正在整改”，须填写预计完成日期",
    "answer.no_evidence": "进展为“已完成”，须填写佐证材料（文件名或说明）",
    "answer.done_future": "进展为“已完成”，完成日期 {done} 却晚于今天（{today}）",
}

#: the first part of a code → Chinese name of the kind of problem (quality report, counts by code)
CATEGORIES = {
    "file": "文件", "zip": "压缩包", "xml": "XML 部件", "sheet": "工作表", "csv": "CSV 格式", "plan": "方案编号",
    "unit": "填报单位", "period": "统计月份", "filed": "填报日期", "copy": "重复报送", "header": "表头",
    "field": "字段", "cell": "单元格", "value": "数值", "rate": "分子分母", "task": "任务完成情况",
    "answer": "整改情况",
}

#: parameters that show what was found in the file: escaped and cut, as they come from the sender
_FOUND = frozenset({"found", "unit", "named", "cell", "code", "target", "state", "shown", "error", "detail", "file",
                    "other", "how", "reason", "suffix", "part", "sheet", "item"})


def shown(value, limit: int = 40) -> str:
    """A value from the file as shown in a message: stripped, control characters escaped, at most ``limit``
    characters (then "…")."""
    text = str(value).strip()
    text = visible(text[:limit * 2] if len(text) > limit * 2 else text)
    return text if len(text) <= limit else text[:limit] + "…"


def problem(code: str, location: Location, /, **params) -> Problem:
    """The :class:`~taizhang.errors.Problem` of ``code`` at ``location``, its message derived from the template."""
    template = MESSAGES[code]
    values = {k: (shown(v, 80) if k in _FOUND and isinstance(v, str) else v) for k, v in params.items()}
    loc = Location(**{k: visible(v) if isinstance(v, str) else v for k, v in location.__dict__.items()})
    return Problem(str(loc), template.format(**values), code=code, location=loc)


def category(code: str) -> str:
    """Chinese name of the kind of problem a code names (``value.negative`` → 数值)."""
    return CATEGORIES.get(code.split(".", 1)[0], "其他")
