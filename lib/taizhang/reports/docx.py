"""The Word writer: the monthly 通报 as an editable A4 document laid out as an official notice (GB/T 9704).

:func:`write_notice` renders the blocks the HTML brief shows (:class:`taizhang.brief.Brief`: its headline
sentences and :class:`~taizhang.reports.blocks.TableSpec` tables) with python-docx — no number is computed
here. Layout: 发文单位 and 文号 placeholders the office fills in, the title in 方正小标宋简体, body in 仿宋_GB2312,
first-level headings in 黑体, second-level in 楷体_GB2312, each with an eastAsia fallback font so that a machine
without them still shows a CJK font, page numbers (a PAGE field) in the footer.
"""

from __future__ import annotations

import math
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor, Twips

from ..atomic import atomic_path
from ..charts import text_width
from ..kernel.months import Month
from .blocks import Blocks, Counts, Notice, TableSpec

#: fonts named as Chinese offices expect, and the fallback a machine without them shows
TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
FALLBACK = {TITLE_FONT: "SimSun", BODY_FONT: "FangSong", H1_FONT: "SimHei", H2_FONT: "KaiTi"}
#: placeholders the office fills in
ISSUER_PLACEHOLDER = "〔发文单位〕"
NUMBER_PLACEHOLDER = "〔文号：××〔20××〕×号〕"
#: the A4 page and its margins (GB/T 9704: top 3.7 cm, bottom 3.5 cm, left 2.8 cm, right 2.6 cm)
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)
TOP, BOTTOM, LEFT, RIGHT = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
#: the width between the margins, which the title and every table fill
TEXT_WIDTH = Emu(PAGE_WIDTH - LEFT - RIGHT)
#: the title's size (二号) and the smallest it shrinks to when a line would not fit (三号)
TITLE_SIZE, TITLE_MIN_SIZE = 22.0, 16.0
#: the character spacing of Word's Title style (w:spacing 5 = 0.25 pt after every character)
TITLE_SPACING = 0.25
#: table text size (五号) and each cell's left and right margin (Table Grid's 0.19 cm leaves too little room on A4)
TABLE_SIZE, CELL_MARGIN = 10.5, Cm(0.1)
#: column classes (:class:`~taizhang.reports.blocks.Column` ``css``) of running text: they wrap and take the
#: width the other columns leave
TEXT_CLASSES = frozenset({"tz-c-text", "tz-c-target", "tz-c-task", "tz-c-reason", "tz-c-units"})
#: classes the HTML keeps on one line (report.css ``white-space: nowrap``): short values, not wrapped here either
NOWRAP_CLASSES = frozenset({"tz-c-unit", "tz-c-num", "tz-c-st", "tz-c-sec", "tz-c-val"})
#: the narrowest a text column gets (em), the widest a value kept on one line may claim, the narrowest any
#: other column (dates, lead units) wraps to
TEXT_MIN_EM, NOWRAP_MAX_EM, WRAP_MIN_EM = 8.0, 7.0, 6.0
#: the space (em) between a Chinese character and a digit or Latin letter (Word's and LibreOffice's autospace)
AUTOSPACE = 0.25
#: room added to every column's estimated width (em): glyphs print a little wider than the estimate
EM_SLACK = 0.8
#: how many units the 通报 names when every unit has a problem
WORST_NAMED = 3


def _font(run, name: str, size: float, bold: bool = False) -> None:
    """Set a run's font: ``name`` for eastAsia text, with the fallback as the Latin/complex-script font."""
    run.font.name = FALLBACK.get(name, name)
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _paragraph(doc, text: str, font: str = BODY_FONT, size: float = 16, *, bold=False, align=None, indent=True,
               style: str | None = None):
    p = doc.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.line_spacing = Pt(28)
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run(text), font, size, bold)
    return p


def _heading(doc, text: str, level: int):
    """A heading paragraph (Word's Heading style, so the navigation pane lists it) in the GB/T 9704 fonts."""
    p = doc.add_heading(level=level)
    p.paragraph_format.first_line_indent = Pt(32)
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.space_after = Pt(0)
    run = p.add_run(text)
    _font(run, H1_FONT if level == 1 else H2_FONT, 16)
    run.font.color.rgb = RGBColor(0, 0, 0)
    return p


def _page_field(paragraph) -> None:
    """Append a PAGE field (the page number) to ``paragraph``."""
    run = paragraph.add_run()
    for kind, textual in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif textual == "PAGE":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        else:
            el = OxmlElement("w:t")
            el.text = textual
        run._element.append(el)
    _font(run, BODY_FONT, 14)


def text_em(text_: str) -> float:
    """The printed width of ``text_``'s longest line in em: :func:`taizhang.charts.text_width`, plus
    :data:`AUTOSPACE` where a Chinese character meets a digit or Latin letter (``2024年6月`` prints as
    ``2024 年 6 月``)."""
    def one(line: str) -> float:
        kinds = ["wide" if ord(ch) >= 0x2E80 else "latin" if ch.isascii() and ch.isalnum() else "" for ch in line]
        gaps = sum(1 for a, b in zip(kinds, kinds[1:]) if {a, b} == {"wide", "latin"})
        return text_width(line, 1.0) + AUTOSPACE * gaps

    return max((one(line) for line in text_.split("\n")), default=0.0)


def column_widths(spec: TableSpec, idx: list[int], total: int) -> list[int]:
    """The widths (twips, summing to ``total``) of the columns ``idx`` of ``spec``, fitted to their content.

    Each column has a narrowest width — a text column (:data:`TEXT_CLASSES`) :data:`TEXT_MIN_EM`, a short
    value (:data:`NOWRAP_CLASSES`) its longest value on one line (at most :data:`NOWRAP_MAX_EM`), any other
    column its value wrapped to :data:`WRAP_MIN_EM`; the header may take two lines — and a widest,
    everything on one line. Every column gets its narrowest width; the room left goes to the text columns
    first (in proportion to what each would still take to fit on one line), then to the others, so a count
    keeps to its digits and the text is as wide as the page allows. When every column fits on one line, the
    room left goes to the text columns (to every column in a table without one)."""
    pad, em = 2 * CELL_MARGIN.twips, TABLE_SIZE * 20
    lo, hi, is_text = [], [], []
    for i in idx:
        col = spec.columns[i]
        content = max((text_em(row[i].text) for row in spec.rows), default=0.0)
        head = text_em(col.label)
        is_text.append(col.css in TEXT_CLASSES)
        if is_text[-1]:
            low = max(TEXT_MIN_EM, head)
        else:
            cap = NOWRAP_MAX_EM if col.css in NOWRAP_CLASSES else WRAP_MIN_EM
            low = max(min(content, cap), math.ceil(head / 2), 1.0)
        lo.append(low + EM_SLACK)
        hi.append(max(content, head, low) + EM_SLACK)
    room = (total - pad * len(idx)) / em
    if sum(hi) <= room:
        grow = [h if t else 0.0 for h, t in zip(hi, is_text)] if any(is_text) else hi
        widths = [h + (room - sum(hi)) * g / sum(grow) for h, g in zip(hi, grow)]
    elif sum(lo) <= room:  # the room left: to the text columns first (up to one line), the rest to the others
        widths = _share(lo, [h if t else l for h, l, t in zip(hi, lo, is_text)], room - sum(lo))
        widths = _share(widths, hi, room - sum(widths))
    else:
        widths = [l * room / sum(lo) for l in lo]
    out = [int(pad + w * em) for w in widths]
    out[out.index(max(out))] += total - sum(out)  # the rounding, on the widest column
    return out


def _share(widths: list[float], upto: list[float], room: float) -> list[float]:
    """``widths`` grown by ``room`` in all, each in proportion to what it lacks of ``upto`` and not past it."""
    lack = [max(u - w, 0.0) for w, u in zip(widths, upto)]
    if room <= 0 or not sum(lack):
        return widths
    k = min(room / sum(lack), 1.0)
    return [w + k * d for w, d in zip(widths, lack)]


def _fix_widths(t, widths: list[int]) -> None:
    """Give table ``t`` fixed column widths (twips): the grid, every cell (Word and LibreOffice read the
    cells) and the table's own width, with autofit off and :data:`CELL_MARGIN` left and right in each cell."""
    t.autofit = False
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(CELL_MARGIN.twips))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    look = t._tbl.tblPr.find(qn("w:tblLook"))  # the schema's order: tblCellMar comes before tblLook
    t._tbl.tblPr.append(margins) if look is None else look.addprevious(margins)
    tblw = t._tbl.tblPr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        t._tbl.tblPr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(sum(widths)))
    for column, w in zip(t.columns, widths):
        column.width = Twips(w)
    for row in t.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = Twips(w)


def table(doc, spec: TableSpec):
    """A Word table of a :class:`TableSpec`: its Excel columns, each as wide as its content needs
    (:func:`column_widths`) across the text width, header row repeated on every page."""
    idx = spec.xlsx_columns()
    t = doc.add_table(rows=1, cols=len(idx))
    t.style = "Table Grid"
    for j, i in enumerate(idx):
        cell = t.rows[0].cells[j]
        cell.text = ""
        _font(cell.paragraphs[0].add_run(spec.columns[i].label), H1_FONT, TABLE_SIZE)
    trpr = t.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)
    for row in spec.rows:
        cells = t.add_row().cells
        for j, i in enumerate(idx):
            cells[j].text = ""
            _font(cells[j].paragraphs[0].add_run(row[i].text), BODY_FONT, TABLE_SIZE)
    _fix_widths(t, column_widths(spec, idx, TEXT_WIDTH.twips))
    if not spec.rows and spec.empty:
        _paragraph(doc, spec.empty, size=14)
    if spec.note:
        _paragraph(doc, spec.note, size=12, indent=False)
    return t


def title_lines(plan_name: str, month: str, mark: str = "") -> tuple[str, str]:
    """The 通报's title as two lines, broken before 落实情况: "关于{plan}政务服务目标任务" and
    "落实情况的通报（{month}）{mark}" — two balanced lines for every plan's short name, instead of the one long
    line that wraps wherever the page ends (one character alone on the second line)."""
    return f"关于{plan_name}政务服务目标任务", f"落实情况的通报（{month}）{mark}"


def title_size(lines: tuple[str, ...], width=TEXT_WIDTH) -> float:
    """The title's size in points: :data:`TITLE_SIZE`, or smaller by half points (not below
    :data:`TITLE_MIN_SIZE`) while its longest line, with the Title style's character spacing, would not fit in
    ``width`` (a 3 % margin for the estimate of :func:`text_em`)."""
    size = TITLE_SIZE
    while size > TITLE_MIN_SIZE and any(text_em(line) * size + len(line) * TITLE_SPACING > width.pt * 0.97
                                        for line in lines):
        size -= 0.5
    return size


def _title(doc, lines: tuple[str, ...]) -> None:
    """The title paragraph (Word's Title style, 方正小标宋简体): ``lines`` joined by line breaks, centred."""
    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    size = title_size(lines)
    for k, line in enumerate(lines):
        run = title.add_run()
        if k:
            run.add_break()
        run.add_text(line)
        _font(run, TITLE_FONT, size)
        run.font.color.rgb = RGBColor(0, 0, 0)


def problems_sentence(units: TableSpec) -> str:
    """The sentence on the units with problems, from the brief's unit table (its ``unit`` and ``red`` columns,
    most red first): the units with a red item, or — when every unit has one — that all do and the
    :data:`WORST_NAMED` with the most, with their counts."""
    named = [(u.text, int(r.value)) for u, r in zip(units.column("unit"), units.column("red"))]
    red = [(name, n) for name, n in named if n > 0]
    if not red:
        return "本月各单位均无逾期或回落的项指标、项任务。"
    if len(red) < len(named):
        return "有逾期或回落的单位：" + "、".join(name for name, _ in red) + "。"
    worst = sorted(red, key=lambda x: -x[1])[:WORST_NAMED]  # stable: the table's order among equals
    return (f"全部 {len(named)} 个单位均有逾期或回落的项指标、项任务，其中项数最多的是："
            + "、".join(f"{name}（{n} 项）" for name, n in worst) + "。")


def _notices(report) -> tuple[list[str], list[Notice]]:
    """The page-1 notices of ``report`` (:meth:`taizhang.report.MonthlyReport.page1_notices`) as the 通报 shows
    them: the running marks (the sample mark, printed in every page's header) and the boxed notices (sample,
    forced run, coverage, before the plan, what-if with every override), flattened in their order."""
    running: list[str] = []
    boxed: list[Notice] = []

    def walk(block) -> None:
        if isinstance(block, Blocks):
            for part in block.parts:
                walk(part)
        elif isinstance(block, Notice) and block.kind == "running":
            running.append(block.text)
        elif isinstance(block, Notice):
            boxed.append(block)

    walk(report.page1_notices())
    return running, boxed


def _boxed(doc, notice: Notice) -> None:
    """A first-page notice: a bordered paragraph, its title in bold, its items as lines below."""
    para = _paragraph(doc, "", BODY_FONT, 14, indent=False)
    if notice.title:
        _font(para.add_run(f"{notice.title}："), H1_FONT, 14, bold=True)
    _font(para.add_run(notice.text), BODY_FONT, 14)
    for item in notice.items:
        _font(para.add_run("\n· " + item), BODY_FONT, 14)
    ppr = para._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        b = OxmlElement(f"w:{side}")
        b.set(qn("w:val"), "single")
        b.set(qn("w:sz"), "8")
        b.set(qn("w:space"), "4")
        b.set(qn("w:color"), "C0392B")
        borders.append(b)
    ppr.append(borders)


def stamp_version(path: Path, line: str) -> Path:
    """Put the report's version line ("第 2 版 · 报表收至 … · 收到 7/8 单位", known only when the job is
    rendered, :func:`taizhang.render.version_line`) under the 文号 line of a written 通报, in place and
    atomically. Returns ``path``."""
    if not line:
        return path
    path = Path(path)
    doc = Document(str(path))
    anchor = next(p for p in doc.paragraphs if p.text == NUMBER_PLACEHOLDER)
    para = anchor.insert_paragraph_before("")
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(para.add_run(line), BODY_FONT, 12)
    anchor._p.addnext(para._p)  # after the 文号 line
    with atomic_path(path) as tmp:
        doc.save(tmp)
    return path


def write_notice(report, path: Path) -> Path:
    """Write the 通报 of a monthly report (:class:`taizhang.report.MonthlyReport`) to ``path`` and return it.

    Longer than 80 lines because it is the 通报 read top to bottom: one call per paragraph, heading or table,
    in the order the document prints them, so that the text can be checked against the official format in
    one place.

    Sections: 总体情况 (the brief's headlines), 存在的主要问题 (units with problems and the top-problems
    table), 各单位情况 (the unit table, most red first — with score and rank only under an official,
    non-example scoring rule), 督办情况 (counts and escalations,
    :func:`taizhang.reports.supervision_section.notice_sentences`), 下一步工作,
    then the date line. Written to a temporary file and moved into place (no partial file).
    """
    brief = report.brief_parts
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = PAGE_WIDTH, PAGE_HEIGHT
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = TOP, BOTTOM, LEFT, RIGHT
    foot = sec.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(foot.add_run("— "), BODY_FONT, 14)
    _page_field(foot)
    _font(foot.add_run(" —"), BODY_FONT, 14)
    running, boxed = _notices(report)
    if running:  # the sample mark on every page, like the PDF's running mark
        head = sec.header.paragraphs[0]
        head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        mark = head.add_run("　".join(running))
        _font(mark, H1_FONT, 12, bold=True)
        mark.font.color.rgb = RGBColor(0xC0, 0x39, 0x2B)

    issuer = _paragraph(doc, ISSUER_PLACEHOLDER, TITLE_FONT, 26, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    issuer.runs[0].font.color.rgb = RGBColor(0xC0, 0, 0)
    _paragraph(doc, NUMBER_PLACEHOLDER, BODY_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _paragraph(doc, "", indent=False)
    from ..report import what_if_label  # the one test of a what-if run (a scenario, assumed deadlines, or both)

    params = report.parameters or {}
    what_if = "（情景推演）" if what_if_label(params.get("scenario") or "", params.get("assume") or "") else ""
    _title(doc, title_lines(report.plan.short_name, Month.parse(report.period).chinese, what_if))
    for notice in boxed:  # what the 通报 rests on, before anything it says (sample, coverage, what-if)
        _boxed(doc, notice)
    _paragraph(doc, "各有关单位：", indent=False)
    month = Month.parse(report.period).chinese
    _paragraph(doc, f"现将截至{month}末《{report.plan.document}》各项目标与任务的落实情况通报如下。")

    _heading(doc, "一、总体情况", 1)
    for sentence in brief.headlines:
        _paragraph(doc, sentence)
    if isinstance(brief.changes, Counts):
        _paragraph(doc, brief.changes.lead + "，".join(f"{label} {n} 项" for label, n, _ in brief.changes.items) + "。")
    elif isinstance(brief.changes, Notice):
        _paragraph(doc, brief.changes.text)

    _heading(doc, "二、存在的主要问题", 1)
    _paragraph(doc, problems_sentence(brief.units))
    _heading(doc, "（一）逾期最久的问题", 2)
    table(doc, brief.problems)

    _heading(doc, "三、各单位情况" + ("与排名" if brief.ranked else ""), 1)
    if brief.ranked:
        _paragraph(doc, "按评分方案计算得分与名次（名次 1 为最好）。")
    _paragraph(doc, "各单位按逾期、回落项数从多到少排列。")
    table(doc, brief.units)

    _heading(doc, "四、督办情况", 1)  # issue 14: the counts and escalations (taizhang.reports.supervision_section)
    from .supervision_section import notice_sentences

    for sentence in notice_sentences(report.supervision_view):
        _paragraph(doc, sentence)

    _heading(doc, "五、下一步工作", 1)
    for line in ("请存在逾期问题的单位对照问题清单逐项整改，于下月报表报送前将整改情况及佐证材料报送督查办公室。",
                 "对临期的目标与任务，请牵头单位倒排工期、压实责任，确保按期完成。",
                 "督查办公室将持续跟踪，对整改不力的单位予以督办。"):
        _paragraph(doc, line)
    _paragraph(doc, "", indent=False)
    _paragraph(doc, ISSUER_PLACEHOLDER, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, "〔成文日期〕", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)

    path = Path(path)
    with atomic_path(path) as tmp:
        doc.save(tmp)
    return path
