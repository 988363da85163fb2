"""A plan's text: reading it (.txt UTF-8/GB18030, .docx), its head, numbered sections, brackets and sentences.

Everything keeps its offset in the text, so a sentence is always a verbatim slice of the source that is
copied to ``targets/sources/`` on import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import TaizhangError

CN_NUM = "一二三四五六七八九十"
_CN_VALUE = {c: i for i, c in enumerate(CN_NUM, start=1)}

#: heading styles at the start of a line, in no fixed depth order except that "一、" is always the top;
#: the others nest in the order they appear under their parent (see :func:`_sections`)
HEADING_STYLES: list[tuple[str, re.Pattern[str]]] = [
    ("cn", re.compile(rf"^([{CN_NUM}]{{1,3}})、")),
    ("cn_paren", re.compile(rf"^[（(]([{CN_NUM}]{{1,3}})[）)]")),
    ("num", re.compile(r"^(\d{1,2})[.．、](?!\d)")),
    ("num_paren", re.compile(r"^[（(](\d{1,2})[）)]")),
    ("circled", re.compile(r"^([①-⑳])")),
    ("shi", re.compile(rf"^([{CN_NUM}]{{1,3}})是")),
]

#: sections that state principles or safeguards, not targets (matched in any heading's title)
NON_TARGET_SECTIONS = re.compile(r"指导思想|基本原则|工作原则|总体要求|总体思路")
#: ... unless a deeper heading names goals (一、总体要求 → (三)总体目标)
TARGET_SECTIONS = re.compile(r"目标")

_SPACE = " \t\u3000\xa0"


class DraftError(TaizhangError):
    """A plan text cannot be read for drafting."""


def cn_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十三 → 23 (section numbers)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN_VALUE.get(text, 0)
    tens, _, ones = text.partition("十")
    return (_CN_VALUE.get(tens, 1) if tens else 1) * 10 + (_CN_VALUE.get(ones, 0) if ones else 0)


def read_plan_text(path: Path) -> str:
    """The plan's text: a .docx's paragraphs (and table cells) one per line, or a text file decoded as UTF-8
    (with or without BOM), else GB18030. Line ends are normalised to "\\n"; nothing else is changed."""
    path = Path(path)
    if not path.is_file():
        raise DraftError(f"方案原文 {path} 不存在。")
    if path.suffix.lower() == ".docx":
        try:
            import docx

            doc = docx.Document(str(path))
        except Exception as exc:  # python-docx raises several types for a damaged file
            raise DraftError(f"方案原文 {path.name} 不是可读取的 Word 文档（.docx）：{type(exc).__name__}") from None
        lines = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            for row in table.rows:
                lines.append("\t".join(c.text for c in row.cells))
        text = "\n".join(lines)
    elif path.suffix.lower() in (".doc", ".wps", ".pdf"):
        raise DraftError(f"方案原文 {path.name}：不支持 {path.suffix} 格式，请另存为 .docx 或纯文本（.txt）。")
    else:
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes nearly any byte string
            raise DraftError(f"方案原文 {path.name} 既不是 UTF-8 也不是 GB18030 编码的文本。")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(re.sub(r"\s", "", text)) < 50:
        raise DraftError(f"方案原文 {path.name} 几乎没有文字（{len(text)} 个字符），请检查文件。")
    return text


@dataclass(frozen=True)
class Heading:
    style: str
    number: int
    label: str  # as printed in a section path: 三, (二), 1, (3), ①, 一是
    title: str
    start: int  # offset of the line


@dataclass(frozen=True)
class Bracket:
    """A responsibility clause （牵头单位：…；责任单位：…；完成时限：…）: its span and its parts."""

    start: int
    end: int
    text: str
    lead: tuple[str, ...]
    responsible: tuple[str, ...]
    deadline_words: str  # the words after 完成时限, up to the ongoing words
    ongoing_text: str


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    path: tuple[Heading, ...]
    in_goals: bool  # a "——" line or a goals section: a leading date covers the clauses after it
    bracket: Bracket | None  # the responsibility clause covering it
    titled: bool = False  # a section's title that is its whole task (its bracket follows the title)


@dataclass
class PlanText:
    """A plan's text with its head and its target-bearing sentences."""

    text: str
    title: str = ""
    issuer: str = ""
    issued: date | None = None
    doc_number: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    brackets: list[Bracket] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> "PlanText":
        plan = cls(text=text)
        plan.title, plan.issuer, plan.issued, plan.doc_number = _head(text)
        plan.brackets = find_brackets(text)
        plan.sentences = list(_sentences(text, plan.brackets))
        return plan


def section_code(path: tuple[Heading, ...]) -> str:
    """The printed section path: 三(二)1(3), with "一是"-style levels after a space (三(一)1 一是)."""
    out = ""
    for h in path:
        out += (" " if h.style == "shi" and out else "") + h.label
    return out


def section_slug(path: tuple[Heading, ...]) -> str:
    """The section path as an id part: 3-2-1-3 (digits only)."""
    return "-".join(str(h.number) for h in path) or "0"


# --------------------------------------------------------------------------------------------- head

_DATE_CN = re.compile(r"(20\d\d)年(1[0-2]|[1-9])月([12]?\d|3[01])日")
_DATE_HAN = re.compile(r"([二〇○零一三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日")
_HAN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"○": "0", "零": "0"}


def _han_date(text: str) -> str:
    """二〇二五年二月十日 → 2025年2月10日 (dates printed in Chinese numerals on a notice)."""
    def repl(m: re.Match) -> str:
        year = "".join(_HAN_DIGIT.get(c, c) for c in m.group(1))
        return f"{year}年{cn_number(m.group(2))}月{cn_number(m.group(3))}日"
    return _DATE_HAN.sub(repl, text)
_DOC_NO = re.compile(r"[\u4e00-\u9fa5]{1,8}[〔\[［【(（]20\d\d[〕\]］】)）]\d{1,4}号")
_TITLE_IN_QUOTES = re.compile(r"《([^《》\n]{6,80}?(?:方案|意见|办法|计划|规划|措施|细则))》")
_ISSUER_LINE = re.compile(r"^[\u4e00-\u9fa5（）()]{2,30}(?:人民政府|办公室|办公厅|委员会|管委会|局|厅|中心)$")


def _head(text: str) -> tuple[str, str, date | None, str]:
    """(title, issuer, date, 文号) from the head of the text (the notice before the first section)."""
    first = re.search(rf"^[{_SPACE}]*[{CN_NUM}]、", text, re.M)
    head = text[: first.start()] if first else text[:3000]
    # the title: the one the notice issues (关于印发《…》, 现将《…》), else a line of its own, else none (a
    # 《…》 in running text is usually a cited document)
    m = re.search(r"(?:印发|现将|^[" + _SPACE + "]*)" + _TITLE_IN_QUOTES.pattern, head, re.M)
    title = m.group(1) if m else ""
    if not title:
        for line in head.split("\n"):
            line = line.strip(_SPACE)
            if re.search(r"(方案|意见|办法|计划)$", line) and 6 <= len(line) <= 80:
                title = line
                break
    issued = None
    issuer = ""
    lines = [_han_date(ln.strip(_SPACE)) for ln in head.split("\n")]
    for i, line in enumerate(lines):
        dm = _DATE_CN.fullmatch(line.strip())
        if dm:
            issued = date(int(dm.group(1)), int(dm.group(2)), int(dm.group(3)))
            for prev in reversed(lines[max(0, i - 3):i]):
                if _ISSUER_LINE.match(prev):
                    issuer = prev
                    break
            break
    if issued is None:
        dm = _DATE_CN.search(_han_date(head))
        if dm:
            issued = date(int(dm.group(1)), int(dm.group(2)), int(dm.group(3)))
    if not issuer:
        im = re.search(r"^[" + _SPACE + r"]*([\u4e00-\u9fa5]{2,30}?(?:人民政府办公室|人民政府办公厅|人民政府|办公室))关于印发",
                       head, re.M)
        issuer = im.group(1) if im else ""
    # the plan's own 文号 stands on a line of its own; one inside （…） is a cited document
    dn = next((ln for ln in lines if _DOC_NO.fullmatch(ln)), "")
    return title, issuer, issued, dn


# --------------------------------------------------------------------------------------------- brackets

_BRACKET_KEYS = re.compile(r"牵头|责任单位|配合单位|完成时限|完成时间|时间节点|按职责分工负责")
_DEADLINE_KEY = r"(?:完成时限|完成时间|时间节点)[：:]"
_KEY_LINE = re.compile(rf"^[{_SPACE}]*(?:牵头单位|责任单位|配合单位|完成时限|完成时间|时间节点)[：:]")
_OPEN, _CLOSE = "（(〔[［【", "）)〕]］】"


def find_brackets(text: str) -> list[Bracket]:
    """Every responsibility clause: a parenthesis (（…）, (…), 〔…〕, nesting allowed) whose content names
    牵头/责任单位/配合单位/完成时限 near its start. Its parts: 牵头单位, 责任单位 (or 配合单位, "…按职责分工负责"),
    完成时限 words and the ongoing words after them (持续推进, 长期坚持 …)."""
    out: list[Bracket] = []
    i = 0
    n = len(text)
    while i < n:
        if text[i] not in _OPEN:
            i += 1
            continue
        depth, j = 0, i
        while j < n and j - i < 600:
            if text[j] in _OPEN:
                depth += 1
            elif text[j] in _CLOSE:
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= n or depth != 0:
            i += 1
            continue
        inner = text[i + 1:j]
        head = inner[:40]
        if _BRACKET_KEYS.search(head) or re.search(_DEADLINE_KEY, inner):
            out.append(_bracket(i, j + 1, inner))
            i = j + 1
        else:
            i += 1
    # the same parts written on lines of their own, without parentheses (牵头单位：…⏎完成时限：…)
    pos, block = 0, None
    for line in text.split("\n") + [""]:
        start, pos = pos, pos + len(line) + 1
        inside = any(b.start <= start < b.end for b in out)
        if _KEY_LINE.match(line) and not inside:
            block = (block[0], start + len(line)) if block else (start, start + len(line))
            continue
        if block:
            out.append(_bracket(block[0], block[1], text[block[0]:block[1]]))
            block = None
    return sorted(out, key=lambda b: b.start)


def _split_units(words: str) -> tuple[str, ...]:
    words = words.strip(" ，,；;。.\n" + _SPACE)
    if not words:
        return ()
    return tuple(p.strip(_SPACE + "\n") for p in re.split(r"[，,；;]", words) if p.strip(_SPACE + "\n"))


def _bracket(start: int, end: int, inner: str) -> Bracket:
    flat = inner.replace("\n", "")
    lead: tuple[str, ...] = ()
    resp: tuple[str, ...] = ()
    m = re.search(r"牵头单位[：:](.*?)(?=[；;。]?\s*(?:责任单位|配合单位|完成时限|完成时间|时间节点)|$)", flat)
    if m:
        lead = _split_units(m.group(1))
    else:
        m = re.search(r"^(.*?)牵头", flat)
        if m and len(m.group(1)) < 80:
            lead = _split_units(m.group(1))
    m = re.search(r"(?:责任单位|配合单位)[：:](.*?)(?=[；;。]?\s*(?:完成时限|完成时间|时间节点)|$)", flat)
    if m:
        resp = _split_units(m.group(1))
    else:
        m = re.search(r"(?:牵头[，,])?(.*?)按职责分工负责", flat)
        if m:
            resp = _split_units(re.sub(r"^.*牵头[，,]", "", m.group(1)))
    words, ongoing = "", ""
    m = re.search(_DEADLINE_KEY + r"(.*)$", flat)
    if m:
        rest = m.group(1).strip(" 。.；;" + _SPACE)
        om = re.search(r"[，,、]?\s*((?:并)?(?:持续|长期|常态化)[\u4e00-\u9fa5]{0,4}|长期坚持)[。.]?$", rest)
        if om:
            ongoing = om.group(1)
            rest = rest[: om.start()]
        words = rest.strip(" ，,。.；;" + _SPACE)
        if not ongoing and re.fullmatch(r"(?:持续|长期|常态化)[\u4e00-\u9fa5]{0,4}", words):
            ongoing, words = words, ""
    return Bracket(start, end, inner, lead, resp, words, ongoing)


# --------------------------------------------------------------------------------------------- sentences

_SENT = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")


def _heading_at(line: str) -> tuple[str, re.Match] | None:
    for style, pattern in HEADING_STYLES:
        m = pattern.match(line)
        if m:
            return style, m
    return None


_TABLE_KEYS = re.compile(r"牵头|责任单位|配合单位|完成时限|时间节点|完成时间")
_TASK_CELL = re.compile(r"任务|内容|措施|目标|事项|工作")


def _table_row(text: str, line_start: int, cells: list[str], header: list[str],
               path: tuple[Heading, ...]) -> list[Sentence]:
    """The sentences of one table row: its task cells' sentences, with a bracket from its other cells."""
    parts = {"lead": "", "resp": "", "deadline": ""}
    for head, cell in zip(header, cells):
        if "牵头" in head:
            parts["lead"] = cell
        elif re.search(r"责任|配合", head):
            parts["resp"] = cell
        elif re.search(r"时限|时间", head):
            parts["deadline"] = cell
    row_end = line_start + len("\t".join(cells))
    bracket = _bracket(row_end, row_end, f"牵头单位：{parts['lead']}；责任单位：{parts['resp']}；完成时限：{parts['deadline']}")
    number = next((c.strip() for c in cells if re.fullmatch(r"\s*\d{1,3}\s*", c)), "")
    row_path = path + ((Heading("row", int(number), f"表{number}", "", line_start),) if number else ())
    out = []
    offset = line_start
    for head, cell in zip(header, cells):
        if _TASK_CELL.search(head) and not _TABLE_KEYS.search(head):
            for sm in _SENT.finditer(cell):
                words = sm.group().strip(_SPACE)
                if words:
                    start = offset + sm.start() + (len(sm.group()) - len(sm.group().lstrip(_SPACE)))
                    out.append(Sentence(start, start + len(words), words, row_path, False, bracket))
        offset += len(cell) + 1
    return out


def skip_title_task(title: str) -> bool:
    """A title that names a principle section is never a task."""
    return bool(NON_TARGET_SECTIONS.search(title))


def _depth(path: tuple[Heading, ...]) -> int:
    return sum(1 for h in path if h.style not in ("shi", "circled"))


def _sentences(text: str, brackets: list[Bracket]) -> list[Sentence]:
    """The sentences of the target-bearing sections with their section path and covering bracket.

    The text before the first "一、" heading (the first heading of any style in a plan without "一、"
    headings: the notice, the title, the preamble) and sections whose title is a principle
    (:data:`NON_TARGET_SECTIONS`) are left out. A table row (cells separated by tabs, as a .docx table is
    read) under a header row naming 牵头单位/责任单位/完成时限 gives its task cells as sentences, covered by a
    bracket made of its other cells. A heading's title (its words up
    to the first "。" when short) is not a sentence. A bracket covers the sentences since the previous
    bracket, back to the start of the parent of the section holding it (sibling sections may share one
    bracket at the end of their parent; 一是/①-style items enumerate within a section and do not start one).
    """
    top = "cn" if re.search(rf"^[{_SPACE}]*[{CN_NUM}]{{1,3}}、", text, re.M) else None
    reader = _SentenceReader(text, sorted(brackets, key=lambda b: b.start), top)
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        reader.read_line(line, line_start, pos)
    reader.flush(None)
    return reader.out


#: a sentence waiting for its bracket: (start, end, text, section path, in goals)
_Pending = tuple[int, int, str, tuple[Heading, ...], bool]


@dataclass
class _SentenceReader:
    """What :func:`_sentences` knows while it reads the text line by line."""

    text: str
    brackets: list[Bracket]  # by start
    top: str | None  # the style of the top headings (None until the first heading, in a plan without "一、")
    path: list[Heading] = field(default_factory=list)
    started: bool = False  # the first top heading was read
    table: list[str] | None = None  # the header cells of the table being read
    pending: list[_Pending] = field(default_factory=list)
    #: the last heading's title, when it may be the whole task (see :meth:`flush`)
    title_only: list[_Pending] = field(default_factory=list)
    out: list[Sentence] = field(default_factory=list)

    def flush(self, b: Bracket | None) -> None:
        """The pending sentences are covered by ``b`` (None: by no bracket)."""
        # a section with no text but its title and a bracket (2.编制公布事项目录清单。（牵头单位：…）): the title is the task
        titled = b is not None and not self.pending and bool(self.title_only)
        if titled:
            self.pending.append(self.title_only.pop())
        self.title_only.clear()
        for s, e, t, p, g in self.pending:
            self.out.append(Sentence(s, e, t, p, g, b, titled))
        self.pending.clear()

    def read_line(self, line: str, line_start: int, end: int) -> None:
        """Read one line of the text (``line_start`` its offset, ``end`` the offset after its "\\n")."""
        if self._table_line(line, line_start):
            return
        stripped = line.lstrip(_SPACE)
        offset = line_start + (len(line) - len(stripped))
        found = _heading_at(stripped)
        body_from = 0
        if found:
            body_from = self._heading(stripped, offset, *found)
            if body_from is None:
                return
        if not self.started:
            return
        self._body(stripped, offset, body_from, headed=found is not None)
        for b in self.brackets:
            if line_start <= b.end - 1 < end:
                self.flush(b)

    def _table_line(self, line: str, line_start: int) -> bool:
        """Read a table's header row or one of its rows; False when ``line`` is neither."""
        if "\t" not in line:
            self.table = None
            return False
        cells = line.split("\t")
        if any(_TABLE_KEYS.search(c) for c in cells) and not any(re.search(r"\d", c) for c in cells):
            self.table = [c.strip(_SPACE) for c in cells]
            self.flush(None)
            return True
        if self.table is not None and len(cells) == len(self.table):
            self.out += _table_row(self.text, line_start, cells, self.table, tuple(self.path))
            return True
        return False

    def _heading(self, stripped: str, offset: int, style: str, m: re.Match) -> int | None:
        """Enter the section a heading starts; where its body starts in ``stripped`` (None: before the plan's
        first top heading, the line is skipped)."""
        number, label, tm, title = _heading_parts(stripped, style, m)
        if self.top is None and not self.started:
            self.top = style  # a plan without "一、" headings starts at its first heading
        if style == self.top:
            self.started = True
            self.path = []
        elif not self.started:
            return None
        styles = [h.style for h in self.path]
        if style in styles:
            self.path = self.path[: styles.index(style)]
        self.path.append(Heading(style, number, label, title, offset))
        if tm and tm.group().endswith("。") and not skip_title_task(title):
            t0 = offset + m.end()
            self.title_only[:] = [(t0, t0 + len(title), title, tuple(self.path), False)]
        # leaving the parent of the pending sentences' section closes them without a bracket (siblings
        # may share one bracket at the end of their parent); 一是/① items never start a section
        if self.pending and (style == self.top or style not in ("shi", "circled")
                             and _depth(tuple(self.path)) < _depth(self.pending[0][3])):
            self.flush(None)
        return m.end() + (tm.end() if tm else 0)

    def _body(self, stripped: str, offset: int, body_from: int, headed: bool) -> None:
        """Add the sentences of a line's body (after its heading and title) to the pending ones."""
        skip = _in_principles(self.path)
        goals = stripped.startswith(("——", "—", "--")) or any(re.search(r"目标", h.title) for h in self.path)
        body = stripped[body_from:]
        base = offset + body_from
        for k, sm in enumerate(_SENT.finditer(body)):
            s, e = base + sm.start(), base + sm.end()
            if k == 0 and not headed and _is_paragraph_title(sm, body):
                continue
            inside = next((b for b in self.brackets if b.start <= s < b.end), None)
            if inside is not None:
                continue
            # a bracket inside this sentence cuts it; the bracket closes the pending sentences
            cut = next((b for b in self.brackets if s < b.start < e), None)
            seg_end = cut.start if cut else e
            words = self.text[s:seg_end].strip(_SPACE + "——-—")
            lead_strip = len(self.text[s:seg_end]) - len(self.text[s:seg_end].lstrip(_SPACE + "——-—"))
            if words and not skip:
                self.pending.append((s + lead_strip, s + lead_strip + len(words), words, tuple(self.path), goals))


def _heading_parts(stripped: str, style: str, m: re.Match) -> tuple[int, str, re.Match | None, str]:
    """(number, label, title match, title) of the heading ``m`` of ``style`` at the start of ``stripped``."""
    number = cn_number(m.group(1)) if style != "circled" else ord(m.group(1)) - ord("①") + 1
    label = {"cn": m.group(1), "cn_paren": f"({m.group(1)})", "num": m.group(1),
             "num_paren": f"({m.group(1)})", "circled": m.group(1), "shi": f"{m.group(1)}是"}[style]
    rest = stripped[m.end():]
    tm = re.match(r"[^。，,；;]{1,30}?[。]|[^。，,；;]{1,30}$", rest)
    title = tm.group().rstrip("。").strip(_SPACE) if tm else ""
    return number, label, tm, title


def _in_principles(path: list[Heading]) -> bool:
    """A section under a principle heading (:data:`NON_TARGET_SECTIONS`) without a goals heading below it."""
    marks = [i for i, h in enumerate(path) if NON_TARGET_SECTIONS.search(h.title)]
    return bool(marks) and not any(TARGET_SECTIONS.search(h.title) for h in path[marks[-1] + 1:])


def _is_paragraph_title(sm: re.Match, body: str) -> bool:
    """A paragraph's short first sentence followed by more text is its title (推进政务服务“一网通办”。…)."""
    return (sm.group().endswith("。") and len(sm.group()) <= 21
            and bool(body[sm.end():].strip()) and not re.search(r"\d", sm.group()))
