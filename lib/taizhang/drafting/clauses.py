"""Candidate targets from a plan's sentences: kind, comparator, value, unit, frequency, deadlines, levels, metric.

One sentence may give several candidates: a quantitative candidate for each number with a comparator
(70%以上, 至少配备15名, 不超过5个环节), a recurring candidate for each frequency (每月, 按季度, 年度考核), and a
milestone for what is left when it still states a task. Deadlines come from :func:`taizhang.dates.find_deadlines`
(the documented date rules): the dates written in the sentence (a date leading a clause of a goals line also
covers the clauses after it), plus the 完成时限 of the responsibility bracket covering the sentence; both are
kept, the earlier judges. Undated stays undated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..dates import find_deadlines, parse_deadline
from ..targets import Metric
from .text import PlanText, Sentence, section_code, section_slug

_NUM = r"(\d+(?:\.\d+)?|[一二两三四五六七八九十]{1,3})"
_UNIT = r"(%|％|个工作日|工作日|个环节|个百分点|名|个|项|次|件|人次|人|小时|天|岁|年|家|台|处|户|份|条|场|套|张|倍)"
_QTY = re.compile(_NUM + r"(?:\s*[-—–－~～至到]\s*" + _NUM + r")?\s*" + _UNIT)
_GE_BEFORE = r"(?:不低于|不少于|至少|达到|达|超过|提高到|提升至|提高至|提升到|保持在)"
#: verbs of reaching a count (完成18个, 配备15名): a comparator for things counted, not for measures
_GE_VERB = r"(?:完成|推出|推行|配备|配齐|新增|上线)"
_LE_BEFORE = r"(?:不超过|不得超过|控制在|压缩至|压缩到|压减至|压减到|减少到|缩短至|缩短到|(?<!不)低于|(?<!不)少于|最多)"
_GE_AFTER = r"(?:以上|及以上|或以上)"
_LE_AFTER = r"(?:以内|以下|之内|内)"
_CN_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}

#: frequencies: (pattern, recurrence)
FREQUENCIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"每半年|半年一[次\u4e00-\u9fa5]|按半年"), "half_year"),
    (re.compile(r"每(?:个)?(?:自然)?季度?|按季度?|一季一[\u4e00-\u9fa5]|季度(?=[\u4e00-\u9fa5]{0,2}(?:开展|召开|通报|评选|评比|考核|考评|分析|调度|督查|报告|检查|培训))"), "quarter"),
    (re.compile(r"每(?:个)?(?:自然)?月|按月|一月一[\u4e00-\u9fa5]|月度(?=[\u4e00-\u9fa5]{0,2}(?:考核|考评|评选|通报|分析|调度|报告))"), "month"),
    (re.compile(r"每(?:个)?(?:自然)?年(?!底|末)|按年度?|一年一[\u4e00-\u9fa5]|年度(?=[\u4e00-\u9fa5]{0,2}(?:考核|考评|评选|评议|通报|报告|总结|评估|检查|培训))"), "year"),
    (re.compile(r"每周|每星期|按周|一周一[\u4e00-\u9fa5]"), "week"),
    (re.compile(r"每日|每天|按日|一日一[\u4e00-\u9fa5]"), "day"),
    # 日监督、月规范、季评比: a period followed by an action, at the start of a clause or list item
    (re.compile(r"(?:(?<=^)|(?<=[，、,；;：:“])|(?<=进行)|(?<=开展)|(?<=实行)|(?<=实施))([日周月季年])(?:度)?(?=(?:监督|调度|通报|评比|评选|规范|督查|考核|考评|分析|评议|总结|例会|研判))"), "*"),
]
_PERIOD_CHAR = {"日": "day", "周": "week", "月": "month", "季": "quarter", "年": "year"}

#: words that make a target soft or conditional (flagged); those in ``SOFT_DECLINE`` make the suggestion 否 for a
#: task with no date (measured on the five plans: most soft sentences with a date or number are registered)
SOFT_WORDS = re.compile(r"原则上|鼓励|探索|力争|争取|试点|有条件的|支持|逐步|适时|因地制宜|视情")
SOFT_DECLINE = re.compile(r"鼓励|有条件的|因地制宜|视情|可根据")

#: level words → level codes (targets/README.md "Level vocabulary")
LEVEL_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"嘎查村|村（社区）|村\(社区\)|村级|社区便民|便民服务站"), "village"),
    (re.compile(r"苏木乡镇|乡镇|乡（镇）|乡\(镇\)|街道|乡级|镇级|便民服务中心"), "township"),
    (re.compile(r"旗县区|县（市）区|县\(市\)区|旗（县、区）|旗\(县、区\)|县区|县级|县政务|县、乡|县本级|旗本级|旗级|旗政务"), "county"),
    (re.compile(r"市级|市本级|全市|市政务服务中心|市、"), "city"),
    (re.compile(r"分中心"), "sub_center"),
    (re.compile(r"园区|开发区"), "park"),
    (re.compile(r"每个部门|各部门|进驻部门|每个业务部门"), "department"),
]

#: the rest of a sentence is a task when it still holds a verb of doing
_TASK_VERB = re.compile(r"要|应|须|必须|实现|完成|建立|建成|健全|完善|制定|编制|出台|推进|推动|推行|推广|开展|落实|设置|设立|"
                        r"配备|梳理|公布|发布|开通|对接|接入|纳入|整合|优化|规范|提升|提高|加强|强化|扩大|压缩|减少|清理|"
                        r"统一|明确|形成|组织|打造|探索|试点|严禁|不得|做到|确保|全面|加快|深化")
_DEFINITION = re.compile(r"^[^，,]{0,30}(?:包括|是指|主要有|分为)")
#: a sentence that only names the rule followed (按照“应上尽上”要求) states no task of its own
_PREAMBLE_ONLY = re.compile(r"^(?:按照|根据|依据|围绕|坚持|遵循)[^，,；;]*(?:要求|原则|部署|精神|规定|目标)$")
#: a sentence that only says who is responsible for what (市人民政府负责全市政务服务工作)
_ROLE = re.compile(r"^[^，,；;]{2,30}?负责(?!人)")
#: scope words meaning all of them (全部纳入, 全覆盖, 一律免于提交): a rate of 100%
_ALL = re.compile(r"全覆盖|全部(?=纳入|实现|进驻|接入|入驻|开通|免于)|(?:(?<=实现)|(?<=完成)|(?<=所辖))全部|一律(?=免于|纳入|实行)|均(?:应|要|已)?(?=纳入|进驻|实现)")
_MIN_TASK_CHARS = 12


@dataclass
class Candidate:
    """One candidate target as drafted (a row of the review workbook)."""

    section: str
    slug: str
    quote: str
    start: int
    end: int
    kind: str  # quantitative | recurring | milestone
    metric: str = "task_completion"  # a key of metrics.yaml, or "" for a new metric (see new_metric)
    new_metric: str = ""  # suggested name of a new metric
    op: str = ""
    value: float | None = None
    upper: float | None = None
    unit: str = ""
    deadlines: list[tuple[str, date | None, str]] = field(default_factory=list)  # (words, date, where)
    ongoing_text: str = ""
    recurrence: str = ""
    lead: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    soft: str = ""
    adopt: bool = True
    title: str = ""
    reason: str = ""  # why the program suggests 否, or what the reviewer should judge
    id: str = ""  # draft id <plan>.<section>.<k><n> (see _number_ids)
    new_key: str = ""  # the suggested key of its new metric (workbook)

    @property
    def deadline(self) -> date | None:
        dates = [d for _, d, _ in self.deadlines if d is not None]
        return min(dates) if dates else None


def _number(text: str) -> float:
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if text == "十":
        return 10.0
    if "十" in text:
        tens, _, ones = text.partition("十")
        return float((_CN_DIGIT.get(tens, 1) if tens else 1) * 10 + (_CN_DIGIT.get(ones, 0) if ones else 0))
    return float(_CN_DIGIT.get(text, 0))


def _clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """The comma-clause of ``sentence`` holding [start, end)."""
    left = max(sentence.rfind(c, 0, start) for c in "，,；;：:") + 1
    rights = [i for i in (sentence.find(c, end) for c in "，,；;。") if i != -1]
    return left, min(rights) if rights else len(sentence)


def quantities(sentence: str) -> list[dict]:
    """Every number in ``sentence`` that states a target: (op, value, upper, unit, clause span, name words).

    A percentage always counts (100% and 全部 mean ≥ 100); a count needs a comparator before (不少于, 至少,
    控制在 …) or after it (以上, 以内 …), or a verb of reaching (完成18个, 配备15名). Dates, phone-like
    numbers and section numbers are not units, so they never match.
    """
    out = []
    for m in _QTY.finditer(sentence):
        a, b = m.start(), m.end()
        if a > 0 and sentence[a - 1].isdigit():
            continue
        lo, hi, unit = m.group(1), m.group(2), m.group(3)
        if unit == "年" and re.match(r"20\d\d", lo):
            continue
        before = sentence[max(0, a - 6):a]
        after = sentence[b:b + 3]
        ge_b = re.search(_GE_BEFORE + r"[\u4e00-\u9fa5“”]{0,2}$", before) or (
            unit in ("个", "项", "名", "件", "家", "人") and re.search(_GE_VERB + r"[\u4e00-\u9fa5“”]{0,2}$", before)) or (
            unit == "小时" and re.search(r"(?:推广|提供|实行|开通)$", before))  # 推广24小时自助服务: hours of service
        le_b = re.search(_LE_BEFORE + r"[\u4e00-\u9fa5“”]{0,2}$", before)
        ge_a = re.match(_GE_AFTER, after)
        le_a = re.match(_LE_AFTER, after)
        pct = unit in ("%", "％")
        # a count in digits of things (13个“一件事”, 明确2名工作人员) states how many are required
        counted = lo[0].isdigit() and unit in ("名", "个", "项", "家") and not re.match(r"[个项名]?(?:方面|层级|级|类|环节)", after)
        if not (pct or ge_b or le_b or ge_a or le_a or counted):
            continue
        if unit in ("年", "天", "小时") and not (ge_b or le_b or ge_a or le_a):
            continue
        if unit == "年" and le_a and after.startswith("内") and not le_b:
            op = ">="  # 一年内不得调整: a tenure of at least a year
        elif le_b or le_a:
            op = "<="
        else:
            op = ">="
        value = _number(lo)
        upper = _number(hi) if hi else None
        if lo and not lo[0].isdigit() and value == 0:
            continue
        unit = {"％": "%", "工作日": "个工作日"}.get(unit, unit)
        left, right = _clause_bounds(sentence, a, b)
        name = sentence[left:a]
        name = re.sub(_GE_BEFORE + "$|" + _GE_VERB + "$|" + _LE_BEFORE + "$", "", name)
        name = re.sub(r"^.*?(?:前|后)[，,]?", "", name) if re.search(r"20\d\d年", name) else name
        out.append({"op": op, "value": value, "upper": upper, "unit": unit, "span": (left, right),
                    "at": (a, b), "name": name.strip("，,、 “”")})
    for m in _ALL.finditer(sentence):
        a, b = m.span()
        left, right = _clause_bounds(sentence, a, b)
        if any(x <= a < y for x, y in (q["span"] for q in out)):
            continue
        out.append({"op": ">=", "value": 100.0, "upper": None, "unit": "%", "span": (left, right), "at": (a, b),
                    "name": sentence[left:a].strip("，,、 “”")})
    return sorted(out, key=lambda q: q["at"])


def frequencies(sentence: str) -> list[dict]:
    """Every frequency in ``sentence``: recurrence, the count required per period (the number with 不少于 …
    in the same clause, else 1) and the clause span."""
    out = []
    taken: list[tuple[int, int]] = []
    for pattern, rec in FREQUENCIES:
        for m in pattern.finditer(sentence):
            a, b = m.span()
            if any(x <= a < y for x, y in taken) or re.search(r"(?:首次|首个|本|上一?|下一?)$", sentence[max(0, a - 2):a]):
                continue
            recurrence = _PERIOD_CHAR[m.group(1)] if rec == "*" else rec
            left, right = _clause_bounds(sentence, a, b)
            clause = sentence[left:right]
            n = re.search(r"(?:不少于|不低于|至少|开展|召开|推行|推出|组织)?\s*" + _NUM + r"\s*(次|个|场|期|项|件)", clause[b - left:])
            value = _number(n.group(1)) if n and _number(n.group(1)) > 0 else 1.0
            unit = n.group(2) if n else "次"
            taken.append((a, b))
            action = re.sub(r"(?:不少于|不低于|至少)?\s*" + _NUM + r"\s*(?:次|个|场|期|项|件)", "", clause[b - left:])
            out.append({"recurrence": recurrence, "value": value, "unit": unit, "span": (left, right), "at": (a, b),
                        "name": action.strip("，,、 “”对")})
    return sorted(out, key=lambda f: f["at"])


def levels_of(text: str, default: str) -> tuple[str, ...]:
    found = [code for pattern, code in LEVEL_WORDS if pattern.search(text)]
    order = ["city", "county", "township", "village", "sub_center", "department", "park"]
    return tuple(sorted(set(found), key=order.index)) or (default,)


# --------------------------------------------------------------------------------------------- metrics

def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[“”\"'（）()《》、，,。\s]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


_GENERIC = {"事项", "政务", "务服", "服务", "比例", "数量", "人数", "情况"}


def match_metric(words: str, unit: str, metrics: dict[str, Metric], recurring: bool = False) -> str:
    """The key of the metric whose name best matches ``words`` among those of a compatible unit (a rate for %,
    the same unit for a count, 次 for a recurring count), or "" when none shares enough of its name."""
    best, best_score = "", 0.0
    words_bg = _bigrams(words)
    for key, m in metrics.items():
        if key == "task_completion":
            continue
        if unit == "%":
            if m.type != "rate":
                continue
        elif m.type == "rate" or (m.unit != unit and not (recurring and m.unit in ("次", unit))):
            continue
        name_bg = _bigrams(m.name) - _GENERIC or _bigrams(m.name)
        if not name_bg:
            continue
        score = len(name_bg & words_bg) / len(name_bg)
        if score > best_score:
            best, best_score = key, score
    return best if best_score >= 0.4 else ""  # measured on the five plans: lower matches more, no more wrongly


# --------------------------------------------------------------------------------------------- drafting

def _sentence_deadlines(s: Sentence, issued: date | None, carried: list) -> tuple[list, list]:
    """(deadlines written in the sentence, the carried goals date for the next clauses)."""
    found = find_deadlines(s.text, issued)
    own = [(w, d, "goals" if s.in_goals else "text") for _, _, w, d in found]
    if s.in_goals:
        if found and found[0][0] <= 2:
            carried = own[:1]
        elif not found:
            own = list(carried)
    return own, carried


def _bracket_deadlines(s: Sentence, issued: date | None) -> list:
    b = s.bracket
    if b is None or not b.deadline_words:
        return []
    when = parse_deadline(b.deadline_words, issued)
    if when is not None:
        return [(b.deadline_words, when, "bracket")]
    found = find_deadlines(b.deadline_words, issued)
    if not found:
        return [(b.deadline_words, None, "bracket")]
    # several dates, each after the words of what it is for (市县两级…2022年8月中旬前，苏木乡镇…2023年6月底前):
    # the date whose words share most with the sentence; all of them when none is closer
    labelled, prev = [], 0
    for a, e, w, d in found:
        labelled.append((b.deadline_words[prev:a].strip("，,、；; "), w, d))
        prev = e
    scores = [len(_bigrams(label) & _bigrams(s.text)) for label, _, _ in labelled]
    if max(scores) > 0 and scores.count(max(scores)) == 1:
        _, w, d = labelled[scores.index(max(scores))]
        return [(w, d, "bracket")]
    return [(w, d, "bracket") for _, w, d in labelled]


def _title(text: str) -> str:
    t = re.sub(r"^(?:20\d\d[^，,]{0,12}(?:前|底|末|内)[，,]?|原则上|力争|各级|各地|要)", "", text)
    t = re.split(r"[，,；;。]", t)[0]
    return t[:30] or text[:30]


def draft_candidates(plan: PlanText, metrics: dict[str, Metric], plan_id: str,
                     issued: date | None = None) -> list[Candidate]:
    """Every candidate target of ``plan``, in text order (see module docstring for the rules)."""
    issued = issued or plan.issued
    default_level = "county" if re.search(r"[县旗]|区人民政府", plan.issuer or plan.title) else "city"
    out: list[Candidate] = []
    carried: list = []
    last_line = -1
    for s in plan.sentences:
        line = plan.text.count("\n", 0, s.start)
        if line != last_line:  # a goals date carries over the clauses of its own line only
            carried, last_line = [], line
        text = s.text.rstrip("。；;！!？?")
        if len(text) < 6 or _DEFINITION.search(text) and not re.search(r"\d", text) or _PREAMBLE_ONLY.match(text):
            continue
        own, carried = _sentence_deadlines(s, issued, carried)
        deadlines = own + [d for d in _bracket_deadlines(s, issued) if d[1] not in {x[1] for x in own} or d[1] is None]
        common = dict(section=section_code(s.path), slug=section_slug(s.path), lead=s.bracket.lead if s.bracket else (),
                      responsible=s.bracket.responsible if s.bracket else (),
                      ongoing_text=s.bracket.ongoing_text if s.bracket else "",
                      levels=levels_of(text, default_level), soft="、".join(dict.fromkeys(SOFT_WORDS.findall(text))))
        found = _sentence_candidates(s, text, deadlines, common, metrics)
        _suggest(found, text)
        out += found
    _number_ids(out, plan_id)
    return out


def _sentence_candidates(s: Sentence, text: str, deadlines: list, common: dict,
                         metrics: dict[str, Metric]) -> list[Candidate]:
    """The candidates of one sentence: recurring per frequency, quantitative per number, milestone for the rest."""
    covered: list[tuple[int, int]] = []
    found: list[Candidate] = []
    for f in frequencies(text):
        a, b = f["span"]
        clause = text[a:b]
        key = match_metric(clause, f["unit"], metrics, recurring=True)
        found.append(Candidate(quote=clause, start=s.start + a, end=s.start + b, kind="recurring", metric=key,
                               new_metric="" if key else _new_name(f["name"] or clause, recurring=True), op=">=",
                               value=f["value"], unit=f["unit"], recurrence=f["recurrence"],
                               deadlines=list(deadlines), title=_title(clause), **common))
        covered.append((a, b))
    for q in quantities(text):
        a, b = q["span"]
        if any(x <= q["at"][0] < y for x, y in covered):
            continue
        clause = text[a:b]
        words = q["name"] or clause
        key = match_metric(words, q["unit"], metrics)
        found.append(Candidate(quote=clause, start=s.start + a, end=s.start + b, kind="quantitative", metric=key,
                               new_metric="" if key else _new_name(words), op=q["op"], value=q["value"],
                               upper=q["upper"], unit=q["unit"], deadlines=list(deadlines),
                               title=(metrics[key].name if key else _new_name(words)), **common))
        covered.append((a, b))
    rest = text
    for a, b in sorted(covered, reverse=True):
        rest = rest[:a] + rest[b:]
    rest_words = re.sub(r"20\d\d[^，,；;]{0,12}(?:前|底|末|内)|[，,；;、。“”\s]", "", rest)
    # in a goals line every statement is a goal (更加好办易办, 深度融合、协调发展); elsewhere a task needs a verb
    if s.in_goals or s.titled:
        is_task = lambda w: len(w) >= 6  # noqa: E731
    else:
        is_task = lambda w: len(w) >= _MIN_TASK_CHARS and bool(_TASK_VERB.search(w))  # noqa: E731
    if (not found and is_task(text)) or (found and is_task(rest_words)):
        quote = text if len(text) <= 300 else text[:300].rsplit("，", 1)[0]
        found.insert(0, Candidate(quote=quote, start=s.start, end=s.start + len(quote), kind="milestone",
                                  deadlines=list(deadlines), title=_title(text), **common))
    return found


def _suggest(found: list[Candidate], text: str) -> None:
    """采纳 and the note to the reviewer: 否 only for an encouraged or conditional task with no date (measured on
    the five plans, most soft sentences with a date or a number are registered targets); soft words, role
    statements and new metrics are pointed out for the reviewer to judge."""
    role = bool(_ROLE.match(text)) and not re.search(r"\d", text)
    declined = SOFT_DECLINE.search(text)
    for c in found:
        c.adopt = True
        if role and c.kind == "milestone":
            c.reason = "职责分工表述（“…负责…”）：请判断是否作为任务考核"
        if declined:
            if c.kind == "milestone" and not c.deadlines:
                c.adopt = False
                c.reason = f"含“{declined.group()}”，属鼓励或有条件的要求，且无期限、无数量，建议不纳入考核"
            else:
                c.reason = f"含“{declined.group()}”，属鼓励或有条件的要求：请判断是否纳入考核"
        if c.kind != "milestone" and not c.metric:
            c.reason = "；".join(x for x in (c.reason, f"新指标“{c.new_metric}”：请在“新指标”表核对定义") if x)


def _new_name(words: str, recurring: bool = False) -> str:
    name = re.sub(r"^(?:原则上|力争|争取|逐步|各级|各|全县|全市|全旗|要|并|将|对)+", "", words).strip("，,、 “”")
    name = re.sub(r"(?:不少于|不低于|至少|达到|以上|以内)+.*$", "", name)
    return (name[:24] + ("次数" if recurring and not name.endswith("次数") else "")) if name else "新指标"


def _number_ids(cands: list[Candidate], plan_id: str) -> None:
    """Stable draft ids ``<plan>.<section>.<k><n>`` (k: q/r/m), numbered in text order within a section."""
    counts: dict[tuple[str, str], int] = {}
    for c in cands:
        k = {"quantitative": "q", "recurring": "r", "milestone": "m"}[c.kind]
        counts[(c.slug, k)] = counts.get((c.slug, k), 0) + 1
        c.title = c.title or c.quote[:30]
        c.id = f"{plan_id}.{c.slug}.{k}{counts[(c.slug, k)]}"
