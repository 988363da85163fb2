"""The review workbook: written by ``taizhang targets draft``, read back by ``taizhang targets import``.

Sheets: 说明 (what to check), 候选目标 (one row per candidate, :data:`CANDIDATE_COLUMNS`), 方案信息 (title,
issuer, date, 文号 …), 填报单位 (the units that report), 新指标 (definitions of metrics not in metrics.yaml).
The ledger's Excel conventions: bold frozen header, filters, fixed widths, wrapped long text, drop-down lists.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from ..excel import Book, write_frame_sheet
from ..targets import KIND_LABELS, LEVEL_LABELS, RECURRENCE_LABELS, Registry, load_registry
from .clauses import Candidate, draft_candidates
from .text import PlanText, read_plan_text

CANDIDATES_SHEET, PLAN_SHEET, UNITS_SHEET, METRICS_SHEET, README_SHEET = "候选目标", "方案信息", "填报单位", "新指标", "说明"

#: the columns of the 候选目标 sheet, in order (the reviewer edits any of them; import reads them by header)
CANDIDATE_COLUMNS = [
    "编号", "章节", "原文句子", "类别", "指标", "新指标名称", "比较", "目标值", "上限", "单位",
    "期限原文", "期限日期", "期限位置", "持续用语", "频次", "牵头单位", "责任单位", "层级", "软性用语",
    "采纳", "审核备注", "标题", "程序说明",
]
PLAN_FIELDS = ["方案编号", "方案名称", "简称", "发文单位", "发文日期", "文号", "次序", "原文文件"]
UNIT_COLUMNS = ["单位编号", "单位名称", "层级", "别名"]
METRIC_COLUMNS = ["指标编号", "指标名称", "类型", "单位", "整数", "越高越好", "字段编号", "字段名称",
                  "分子字段", "分子名称", "分母字段", "分母名称", "说明"]

WHERE_LABELS = {"bracket": "完成时限", "text": "正文", "goals": "目标要求"}
OP_WORDS = {">=": "≥", "<=": "≤", "==": "="}
METRIC_TYPES = {"rate": "比率", "count": "计数", "yesno": "是否"}
UNDATED = "未明确"
NEW_METRIC = "新指标"

_WIDTHS = {"编号": 26, "章节": 12, "原文句子": 60, "类别": 11, "指标": 22, "新指标名称": 20, "比较": 6, "目标值": 8,
           "上限": 6, "单位": 8, "期限原文": 18, "期限日期": 12, "期限位置": 10, "持续用语": 10, "频次": 8,
           "牵头单位": 20, "责任单位": 24, "层级": 16, "软性用语": 12, "采纳": 6, "审核备注": 24, "标题": 24,
           "程序说明": 30}
_WRAPPED = ("原文句子", "牵头单位", "责任单位", "审核备注", "标题", "程序说明", "新指标名称")

README_TEXT = [
    "本工作簿由 taizhang targets draft 按方案原文自动起草，须经人工逐条审核后再导入（taizhang targets import 本文件）。",
    "一、“候选目标”表：每行一条候选目标。“采纳”为程序建议（是/否），请逐条确认；只有“采纳”为“是”的行被导入。",
    "二、须核对：原文句子是否完整载有目标（可删减，但须与原文逐字一致）；类别（量化指标/常态化任务/节点任务）；比较符与目标值、单位；",
    "    期限原文与期限日期（程序按 targets/README.md 的日期规则解读；两个期限均保留，以较早者评估；“未明确”表示原文未规定期限，不得自行补写）；",
    "    频次（常态化任务必填）；层级（市级、旗县区级、苏木乡镇(街道)级 …，用顿号分隔）；牵头单位与责任单位；",
    "    “软性用语”列标出原则上、鼓励、探索、力争、试点等词，请判断是否作为考核目标。",
    "三、指标：填 metrics.yaml 中的指标编号；程序找不到合适指标时填写新指标编号，并在“新指标”表中给出定义（类型、单位、字段），导入时写入 metrics.yaml。",
    "四、“方案信息”表：核对方案名称、简称、发文单位、发文日期、文号；“填报单位”表：列出按月报送报表的单位（编号用小写字母、数字和“-”）。",
    "五、导入前程序会检查全部问题（工作表、行、列），问题全部改正之前不写入任何文件。",
]


def _join(items) -> str:
    return "；".join(str(i) for i in items if str(i))


def candidate_rows(cands: list[Candidate], registry: Registry) -> pd.DataFrame:
    """The 候选目标 sheet as a frame (one row per candidate, :data:`CANDIDATE_COLUMNS`)."""
    rows = []
    for c in cands:
        metric = c.metric if c.kind != "milestone" else "task_completion"
        rows.append({
            "编号": c.id, "章节": c.section, "原文句子": c.quote, "类别": KIND_LABELS[c.kind],
            "指标": metric or c.new_key or NEW_METRIC, "新指标名称": c.new_metric if not metric else "",
            "比较": OP_WORDS.get(c.op, "") if c.kind != "milestone" else "",
            "目标值": c.value if c.kind != "milestone" else None, "上限": c.upper, "单位": c.unit if c.kind != "milestone" else "",
            "期限原文": _join(w for w, _, _ in c.deadlines),
            "期限日期": _join(d.isoformat() if d else UNDATED for _, d, _ in c.deadlines) or UNDATED,
            "期限位置": _join(WHERE_LABELS[x] for _, _, x in c.deadlines), "持续用语": c.ongoing_text,
            "频次": RECURRENCE_LABELS.get(c.recurrence, ""), "牵头单位": "，".join(c.lead),
            "责任单位": "，".join(c.responsible), "层级": "、".join(LEVEL_LABELS[lv] for lv in c.levels),
            "软性用语": c.soft, "采纳": "是" if c.adopt else "否", "审核备注": "", "标题": c.title,
            "程序说明": c.reason,
        })
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


def _new_metrics(cands: list[Candidate], plan_id: str) -> list[dict]:
    """One suggested definition per distinct new-metric name; the candidates get its key."""
    out: dict[str, dict] = {}
    prefix = plan_id.replace("-", "_")
    for c in cands:
        if c.kind == "milestone" or c.metric:
            continue
        name = c.new_metric or "新指标"
        key_name = (name, c.unit)
        if key_name not in out:
            key = f"{prefix}_new_{len(out) + 1}"
            rate = c.unit == "%"
            out[key_name] = {
                "指标编号": key, "指标名称": name, "类型": METRIC_TYPES["rate" if rate else "count"], "单位": c.unit,
                "整数": "否" if rate or c.unit in ("小时", "天", "年", "岁", "个工作日") else "是",
                "越高越好": "否" if c.op == "<=" else "是",
                "字段编号": "" if rate else key, "字段名称": "" if rate else name,
                "分子字段": f"{key}_num" if rate else "", "分子名称": f"{name}（达到要求的数量）" if rate else "",
                "分母字段": f"{key}_den" if rate else "", "分母名称": f"{name}（应达到的总数）" if rate else "",
                "说明": f"由程序按原文“{c.quote[:40]}”建议，请核对定义与字段名称",
            }
        c.new_key = out[key_name]["指标编号"]
    return list(out.values())


def _short_name(issuer: str, title: str) -> str:
    place = re.sub(r"(人民政府)?(办公室|办公厅)?$", "", issuer or "")
    if not place:
        m = re.match(r"^([\u4e00-\u9fa5]{2,8}?[省市县旗区州盟])", title or "")
        place = m.group(1) if m else ""
    return place[:20]


def draft_plan(text_path: Path, plan_id: str, out_dir: Path | None = None, issuer: str | None = None,
               issued: date | None = None, title: str | None = None, registry: Registry | None = None) -> dict:
    """Draft the targets of the plan text at ``text_path`` as plan ``plan_id``.

    Writes, under ``out_dir`` (default ``targets/drafts/<plan_id>/``): ``<plan_id>_审核表.xlsx`` (the review
    workbook), ``<plan_id>_草稿.yaml`` (the plan file the suggestions would give) and ``<plan_id>_原文.txt`` (the
    text as read, UTF-8: quotes are checked against it and it is copied to ``targets/sources/`` on import).
    ``issuer``, ``issued`` and ``title`` replace what the text's head says. Returns the paths and counts.
    """
    from ..errors import ParameterError

    registry = registry or load_registry()
    if not re.fullmatch(r"[a-z][a-z0-9-]*", plan_id or ""):
        raise ParameterError("--plan", plan_id, "新方案编号：小写字母开头，由小写字母、数字和“-”组成，例如 yunxi-2025")
    text = read_plan_text(Path(text_path))
    parsed = PlanText.parse(text)
    title = title or parsed.title
    issuer = issuer or parsed.issuer
    issued = issued or parsed.issued
    cands = draft_candidates(parsed, registry.metrics, plan_id, issued=issued)
    new_metrics = _new_metrics(cands, plan_id)
    out_dir = Path(out_dir) if out_dir else registry.root / "drafts" / plan_id
    out_dir.mkdir(parents=True, exist_ok=True)
    source_name = f"{plan_id}_原文.txt"
    (out_dir / source_name).write_text(text, encoding="utf-8")
    frame = candidate_rows(cands, registry)
    orders = [p.order for p in registry.plans.values() if p.order is not None]
    info = {"方案编号": plan_id, "方案名称": title, "简称": _short_name(issuer, title), "发文单位": issuer,
            "发文日期": issued.isoformat() if issued else "", "文号": parsed.doc_number,
            "次序": (max(orders) + 1) if orders else 1, "原文文件": source_name}
    top = "county" if re.search(r"[县旗]$|[县旗]人民政府|区人民政府", issuer or "") else "city"
    units = pd.DataFrame([{"单位编号": "main", "单位名称": f"{info['简称'] or '本级'}本级", "层级": LEVEL_LABELS[top],
                           "别名": ""}], columns=UNIT_COLUMNS)
    book_path = out_dir / f"{plan_id}_审核表.xlsx"
    _write_book(book_path, frame, info, units, pd.DataFrame(new_metrics, columns=METRIC_COLUMNS))
    from .importer import plan_document, read_workbook

    draft = plan_document(read_workbook(book_path), accepted_only=True)
    yaml_path = out_dir / f"{plan_id}_草稿.yaml"
    yaml_path.write_text("# 草稿：由 taizhang targets draft 生成，未经审核；以审核表为准（taizhang targets import）。\n"
                         + yaml.safe_dump(draft, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    return {"workbook": book_path, "yaml": yaml_path, "source": out_dir / source_name, "candidates": len(frame),
            "adopted": int((frame["采纳"] == "是").sum()), "new_metrics": len(new_metrics), "info": info}


def _write_book(path: Path, frame: pd.DataFrame, info: dict, units: pd.DataFrame, metrics: pd.DataFrame) -> None:
    book = Book(path)
    wb = book.wb
    ws = wb.add_worksheet(README_SHEET)
    ws.set_column(0, 0, 140)
    for r, line in enumerate(README_TEXT):
        ws.write_string(r, 0, line, book.fmt(text_wrap=True, valign="top", bold=r == 0))
    ws = wb.add_worksheet(CANDIDATES_SHEET)
    wrap = book.fmt(text_wrap=True, valign="top")
    top = book.fmt(valign="top")
    write_frame_sheet(book, ws, frame, widths=_WIDTHS,
                      formats={c: (wrap if c in _WRAPPED else top) for c in CANDIDATE_COLUMNS})
    n = max(len(frame), 1)
    col = CANDIDATE_COLUMNS.index
    lists = {"类别": list(KIND_LABELS.values()), "比较": list(OP_WORDS.values()), "频次": list(RECURRENCE_LABELS.values()),
             "采纳": ["是", "否"]}
    for name, values in lists.items():
        ws.data_validation(1, col(name), n + 200, col(name), {"validate": "list", "source": values,
                                                               "error_title": "取值无效",
                                                               "error_message": "可选：" + "、".join(values)})
    ws = wb.add_worksheet(PLAN_SHEET)
    head = book.fmt(bold=True, bg_color="#DDEBF7", pattern=1)
    ws.write_string(0, 0, "项目", head)
    ws.write_string(0, 1, "内容（请核对）", head)
    for r, key in enumerate(PLAN_FIELDS, start=1):
        ws.write_string(r, 0, key)
        value = info.get(key, "")
        if isinstance(value, int):
            ws.write_number(r, 1, value)
        else:
            ws.write_string(r, 1, str(value or ""))
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 70)
    ws.freeze_panes(1, 0)
    ws = wb.add_worksheet(UNITS_SHEET)
    write_frame_sheet(book, ws, units, widths={"单位编号": 16, "单位名称": 24, "层级": 18, "别名": 30})
    ws.data_validation(1, 2, 500, 2, {"validate": "list", "source": list(LEVEL_LABELS.values())})
    ws = wb.add_worksheet(METRICS_SHEET)
    write_frame_sheet(book, ws, metrics, widths={c: 14 for c in METRIC_COLUMNS} | {"指标名称": 28, "说明": 50},
                      formats={"说明": wrap, "指标名称": wrap})
    ws.data_validation(1, 2, 500, 2, {"validate": "list", "source": list(METRIC_TYPES.values())})
    book.wb.worksheets()[1].activate()
    book.close()
