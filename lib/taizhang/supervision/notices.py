"""What the office sends: 督办通知单 per unit (docx and xlsx), the office's 督办汇总表, and the 催报单.

Every file is written under a temporary name and renamed (no partial file). Items come from
:func:`taizhang.supervision.items.supervision_tables` (the one source the reports use too).
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pandas as pd

from ..atomic import atomic_path, atomic_write_bytes, atomic_write_text
from ..kernel.months import Month
from ..targets import Registry
from .errors import SupervisionError
from .items import STATES, runs_frame, supervision_tables
from .office import warn_missing_contact
from .rules import load_rules

_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def _safe(name: str) -> str:
    return _UNSAFE.sub("_", name).strip("_") or "单位"


NOTICE_COLUMNS = [("id", "编号", 22), ("title", "目标", 26), ("problem", "问题", 48), ("requirement", "整改要求", 48),
                  ("deadline", "整改期限", 12), ("deadline_note", "期限说明", 20), ("state_label", "状态", 10), ("escalation", "升级", 8),
                  ("last_measures", "上次报送的措施", 36), ("last_progress", "上次进展", 10)]


def _xlsx(path: Path, title: str, subtitle: list[str], frame: pd.DataFrame, columns, sheet: str = "督办事项",
          extra: list[tuple[str, pd.DataFrame, list]] | None = None) -> Path:
    """A printable workbook (A4 landscape, wrapped text, repeated header row, autofilter) via XlsxWriter."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": title, "author": "taizhang"})
    f_title = wb.add_format({"bold": True, "font_size": 14})
    f_head = wb.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "text_wrap": True, "valign": "top"})
    f_cell = wb.add_format({"text_wrap": True, "valign": "top", "border": 1})
    for name, df, cols in [(sheet, frame, columns)] + (extra or []):
        ws = wb.add_worksheet(name)
        ws.write(0, 0, title, f_title)
        for i, line in enumerate(subtitle, start=1):
            ws.write(i, 0, line)
        head = len(subtitle) + 2
        for c, (_, label, width) in enumerate(cols):
            ws.write(head, c, label, f_head)
            ws.set_column(c, c, width)
        for r, rec in enumerate(df.to_dict("records"), start=head + 1):
            for c, (key, _, _) in enumerate(cols):
                v = rec.get(key, "")
                ws.write(r, c, "" if v is None or (isinstance(v, float) and v != v) else v, f_cell)
        if len(df):
            ws.autofilter(head, 0, head + len(df), len(cols) - 1)
        ws.freeze_panes(head + 1, 0)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(head)
        ws.set_footer("&C第 &P 页，共 &N 页")
    wb.close()
    return atomic_write_bytes(path, buf.getvalue())


def _docx(path: Path, unit_name: str, plan_doc: str, period: str, items: pd.DataFrame, office, notice_date: str,
          ) -> Path:
    """The 督办通知单 of one unit as a Word document (A4, one block per item)."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Cm(2.2))
    from docx.oxml.ns import qn

    style = doc.styles["Normal"]
    style.font.size = Pt(11)
    style.font.name = "宋体"
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")  # Chinese text in 宋体
    head = doc.add_heading("督办通知单", level=0)
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{unit_name}：")
    doc.add_paragraph(f"根据《{plan_doc}》{period} 目标台账，你单位有以下 {len(items)} 项督办事项尚未销号，"
                      "请按整改要求和整改期限落实整改，并在下月月度报表的“整改情况”表中逐项报送整改措施、进展和佐证材料。")
    for i, it in enumerate(items.to_dict("records"), start=1):
        doc.add_heading(f"{i}. {it['title']}（{it['id']}）", level=2)
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        rows = [("问题", it["problem"]), ("整改要求", it["requirement"]),
                ("整改期限", it["deadline"] + (f"（{it['deadline_note']}）" if it["deadline_note"] else "")),
                ("状态", it["state_label"] + (f"，已升级为“{it['escalation']}”" if it["escalation"] else "")),
                ("牵头单位", it["lead"] or "—"),
                ("上次报送", f"{it['last_progress']}：{it['last_measures']}（{it['last_answer_period']} 报表）"
                 if it["last_measures"] else "尚未报送整改情况")]
        for k, v in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = k, str(v)
            cells[0].width, cells[1].width = Cm(3), Cm(13.5)
    doc.add_paragraph("")
    contact = "，".join(x for x in (office.contact, office.phone) if x)
    doc.add_paragraph(f"联系人：{contact}" if contact else "")
    p = doc.add_paragraph(f"{office.name}\n{notice_date}")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.core_properties.author = "taizhang"
    doc.core_properties.title = f"{unit_name} 督办通知单 {period}"
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path


def write_notices(store: Path, registry: Registry, plan_id: str, period: str, out_dir: Path) -> list[Path]:
    """Write, for ``period`` of ``plan_id`` (already processed by ``supervise``), one 督办通知单 per unit with
    open items (``<单位>_督办通知单_<月份>.docx`` and ``.xlsx``) and the office's ``督办汇总表_<月份>.xlsx``
    (all items of the month, filterable; sheets by state and by unit). Returns the paths written."""
    runs = runs_frame(store, plan_id)
    if period not in set(runs["period"]):
        done = "、".join(runs["period"]) or "无"
        raise SupervisionError(f"{plan_id} {period} 尚未处理督办（已处理的月份：{done}）；"
                               f"请先运行 taizhang supervise --plan {plan_id} --period {period}")
    rules = load_rules(plan_id)
    tables = supervision_tables(store, registry, plan_id, period)
    items = tables["items"]
    notice_date = runs.set_index("period").loc[period, "notice_date"]
    plan = registry.plan(plan_id)
    out_dir = Path(out_dir)
    paths: list[Path] = []
    open_items = items[items["state"] != "closed"]
    for u in registry.unit_list(plan_id):
        mine = open_items[open_items["unit"] == u.id]
        if mine.empty:
            continue
        stem = f"{_safe(u.name)}_督办通知单_{period}"
        paths.append(_docx(out_dir / f"{stem}.docx", u.name, plan.document, period, mine, rules.office, notice_date))
        paths.append(_xlsx(out_dir / f"{stem}.xlsx", f"{u.name} 督办通知单（{period}）",
                           [f"{plan.document}", f"通报日 {notice_date}；{rules.office.name}"
                            + (f"，联系人 {rules.office.contact} {rules.office.phone}" if rules.office.contact else "")],
                           mine, NOTICE_COLUMNS))
    summary_cols = [("unit_name", "责任单位", 14)] + NOTICE_COLUMNS + [("change", "本月变化", 10),
                                                                   ("close_basis", "销号依据", 40)]
    unit_cols = [("unit_name", "单位", 16), ("new", "本月新增", 10), ("open", "未销号", 10), ("overdue", "逾期未整改", 12),
                 ("escalated", "已升级", 10), ("closed", "本月销号", 10)]
    extra = [(f"{label}", items[items["state"] == code], summary_cols) for code, label in STATES.items()]
    extra.append(("按单位", tables["by_unit"], unit_cols))
    c = tables["counts"].iloc[0]
    paths.append(_xlsx(out_dir / f"督办汇总表_{period}.xlsx", f"{plan.document} 督办汇总表（{period}）",
                       [f"通报日 {notice_date}；本月新增 {c['new']} 项，未销号 {c['open']} 项（其中逾期未整改 {c['overdue']} 项，"
                        f"已升级 {c['escalated']} 项），本月销号 {c['closed']} 项"],
                       items, summary_cols, sheet="全部事项", extra=extra))
    return paths


# --------------------------------------------------------------------------------------------------
# 催报单


def reminder_frame(store: Path, registry: Registry, plan_id: str, period: str, today: date | None = None,
                   ) -> pd.DataFrame:
    """Units to remind for ``period``: those with no accepted return (未报送 / 被退回) and the late filers.

    Columns: ``unit, unit_name, status, status_label, due, days_late, message``; ``message`` is a short
    plain text to paste into 政务微信 or an SMS. Before the due date, outstanding units are listed as 未报送
    with a reminder of the due date; after it, as 逾期未报.
    """
    from ..returns import due_date
    from ..store import quality_frame

    rules = load_rules(plan_id)
    today = today or date.today()
    q = quality_frame(store, registry, plan_id, period)
    due = due_date(period)
    month, due_text = Month.parse(period).chinese, _day(due)  # a text people read: 2024年6月, 2024年7月10日
    sign = f"——{rules.office.signature()}"  # the 落款: who sends it and whom to call
    rows = []
    for r in q.to_dict("records"):
        if r["status"] == "reported":
            continue
        if r["status"] == "late":
            days = (date.fromisoformat(r["filed"]) - due).days if r["filed"] else None
            label = "逾期报送"
            msg = (f"{r['unit_name']}：{month}月度报表已收到，但晚于截止日 {due_text}"
                   + (f" {days} 天" if days else "") + "。请下月按时报送。")
        elif r["status"] == "rejected":
            days, label = max((today - due).days, 0), "被退回未重报"
            again = _resubmit_by(rules.office, r.get("received"))  # the 退回修改清单's 重报截止日期
            msg = (f"{r['unit_name']}：{month}月度报表被退回（见退回修改清单），请按清单修改后于"
                   + (f" {_day(date.fromisoformat(again))} 前重新报送。" if again
                      else f"{'今日' if today > due else f' {due_text} 前'}重新报送。"))
        else:
            days = max((today - due).days, 0)
            label = "逾期未报" if today > due else "未报送"
            msg = (f"{r['unit_name']}：{month}月度报表截止日为 {due_text}，" +
                   (f"已逾期 {days} 天，请立即报送。" if today > due else "请按时报送。"))
        msg += sign
        rows.append({"unit": r["unit"], "unit_name": r["unit_name"], "status": r["status"], "status_label": label,
                     "due": due.isoformat(), "days_late": days, "message": msg})
    return pd.DataFrame(rows, columns=["unit", "unit_name", "status", "status_label", "due", "days_late", "message"])


def _day(d: date) -> str:
    """A date as a message to people writes it: ``2024年7月10日``."""
    return f"{d.year}年{d.month}月{d.day}日"


def _resubmit_by(office, received) -> str:
    """The 重报截止日期 of a return rejected at ``received`` (the store's time), '' when unknown."""
    if not received or not isinstance(received, str):
        return ""
    try:
        return office.resubmit_deadline(office.local(received).date()).day.isoformat()
    except ValueError:
        return ""


def write_reminders(store: Path, registry: Registry, plan_id: str, period: str, out_dir: Path,
                    today: date | None = None) -> list[Path]:
    """Write the 催报单 of ``period``: ``催报单_<月份>.xlsx`` and ``催报短信_<月份>.txt`` (one paragraph per unit)."""
    today = today or date.today()
    df = reminder_frame(store, registry, plan_id, period, today)
    warn_missing_contact(load_rules(plan_id).office)  # a visible line: the units would get no number to call
    out_dir = Path(out_dir)
    cols = [("unit_name", "单位", 16), ("status_label", "情况", 12), ("due", "截止日", 12), ("days_late", "逾期天数", 10),
            ("message", "催报短信", 80)]
    plan = registry.plan(plan_id)
    xlsx = _xlsx(out_dir / f"催报单_{period}.xlsx", f"{plan.document} 月度报表催报单（{period}）",
                 [f"生成日期 {today}；需催报 {len(df)} 个单位；{load_rules(plan_id).office.contact_line()}"], df, cols,
                 sheet="催报单")
    txt = out_dir / f"催报短信_{period}.txt"
    atomic_write_text(txt, "\n\n".join(df["message"]) + ("\n" if len(df) else "本月无需催报。\n"))
    return [xlsx, txt]




def print_outstanding(store: Path, registry: Registry, results, today: date | None = None, file=None) -> None:
    """After an ingest: for each plan, at the latest month among ``results``, print the units still outstanding and the
    late filers (to stderr), and how to write the 催报单."""
    import sys

    from ..errors import TaizhangError

    file = file or sys.stderr
    latest: dict[str, str] = {}
    for r in results:  # the month being collected: the latest month of each plan among the files
        if r.plan in registry.plans and r.period and r.period > latest.get(r.plan, ""):
            latest[r.plan] = r.period
    keys = sorted(latest.items())
    for plan_id, period in keys:
        try:
            df = reminder_frame(store, registry, plan_id, period, today)
        except TaizhangError as exc:  # e.g. an invalid supervision.yaml: the ingest itself stands
            print(f"{plan_id} {period}：无法列出催报单位：{exc.message}", file=file)
            continue
        if df.empty:
            print(f"{plan_id} {period}：全部单位已按时报送。", file=file)
            continue
        parts = [f"{label} {'、'.join(g['unit_name'])}" for label, g in df.groupby("status_label", sort=False)]
        print(f"{plan_id} {period} 催报：" + "；".join(parts)
              + f"（催报单：taizhang supervise remind --plan {plan_id} --period {period}）", file=file)
