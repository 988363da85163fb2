"""Reading deadlines written in a plan's own words (2022年底前, 2022年8月中旬前, 第一季度前 …).

The rules are documented in ``targets/README.md`` ("Date rules") and tested in ``tests/test_dates.py``.
"""

from __future__ import annotations

import re
from datetime import date

from .kernel.months import month_end

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_DASH = "[—–－\\-~～至到]"
_YEAR = r"(?P<year>20\d\d)年"
_MONTH = r"(?P<month>1[0-2]|[1-9])月"


def _year_for_month(month: int, issued: date | None) -> int | None:
    if issued is None:
        return None
    return issued.year if month >= issued.month else issued.year + 1


_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^(?P<y1>20\d\d)年?{_DASH}(?P<year>20\d\d)年(年底|底|末)前?$"), "year_end"),
    (re.compile(rf"^(?P<y1>20\d\d)年?{_DASH}(?P<year>20\d\d)年$"), "year_end"),
    (re.compile(rf"^{_YEAR}(年底|底|年末|末)前?$"), "year_end"),
    (re.compile(rf"^{_YEAR}内?$"), "year_end"),
    (re.compile(rf"^{_YEAR}{_MONTH}(?P<day>[12]?\d|3[01])日前?$"), "day"),
    (re.compile(rf"^{_YEAR}{_MONTH}(底|末|下旬)前?$"), "month_end"),
    (re.compile(rf"^{_YEAR}{_MONTH}前$"), "month_end"),
    (re.compile(rf"^{_YEAR}{_MONTH}$"), "month_end"),
    (re.compile(rf"^{_YEAR}{_MONTH}中旬前?$"), "mid"),
    (re.compile(rf"^{_YEAR}{_MONTH}上旬前?$"), "early"),
    (re.compile(rf"^{_YEAR}第?(?P<q>[一二三四1-4])季度(前|末|底|末前|内)?$"), "quarter"),
    (re.compile(rf"^{_YEAR}上半年(前|底|末)?$"), "h1"),
    (re.compile(rf"^{_YEAR}(下半年|年内)(前|底|末)?$"), "year_end"),
    (re.compile(rf"^{_MONTH}(底|末|下旬)前?$"), "month_end"),
    (re.compile(rf"^{_MONTH}前$"), "month_end"),
    (re.compile(rf"^{_MONTH}中旬前?$"), "mid"),
    (re.compile(rf"^{_MONTH}上旬前?$"), "early"),
]


def parse_deadline(text: str, issued: date | None = None) -> date | None:
    """Return the date meant by a deadline written in a plan's words, or ``None`` if no rule reads it.

    ``issued`` is the plan's date; it supplies the year where the words give only a month (``8月底前``).
    Leading "完成时限：" and trailing "完成" are ignored; whitespace is ignored.

    >>> parse_deadline("2022年底前")
    datetime.date(2022, 12, 31)
    >>> parse_deadline("2022年8月中旬前")
    datetime.date(2022, 8, 20)
    >>> parse_deadline("2023年第一季度前")
    datetime.date(2023, 3, 31)
    >>> parse_deadline("2023—2024年底前")
    datetime.date(2024, 12, 31)
    """
    words = re.sub(r"\s+", "", text)
    words = re.sub(r"^(完成时限[：:])", "", words)
    words = re.sub(r"(完成|实现)$", "", words)
    for pattern, rule in _PATTERNS:
        m = pattern.match(words)
        if not m:
            continue
        groups = m.groupdict()
        month = int(groups["month"]) if groups.get("month") else None
        if groups.get("year"):
            year = int(groups["year"])
        else:
            year = _year_for_month(month or 12, issued)
            if year is None:
                return None
        if rule == "year_end":
            return date(year, 12, 31)
        if rule == "month_end":
            return month_end(year, month)
        if rule == "mid":
            return date(year, month, 20)
        if rule == "early":
            return date(year, month, 10)
        if rule == "day":
            return date(year, month, int(groups["day"]))
        if rule == "quarter":
            q = _CN_DIGITS[groups["q"]]
            return month_end(year, 3 * q)
        if rule == "h1":
            return date(year, 6, 30)
    return None


# --------------------------------------------------------------------------------------------------
# finding deadline words in running text (drafting a new plan); each find is read by parse_deadline

_CN_Q = "[一二三四1-4]"
_FIND = re.compile(
    r"(?:20\d\d年?" + _DASH + r")?20\d\d年"
    r"(?:第?" + _CN_Q + r"季度(?:末前|前|末|底|内)?"
    r"|上半年(?:前|底|末)?|下半年(?:前|底|末)?|年内"
    r"|(?:1[0-2]|[1-9])月(?:(?:[12]?\d|3[01])日前?|底前?|末前?|下旬前?|中旬前?|上旬前?|前)?"
    r"|(?:年底|底|年末|末)前?|内)?"
    r"|(?<![\d年])(?:1[0-2]|[1-9])月(?:底前?|末前?|下旬前?|中旬前?|上旬前?|前)"
)


def find_deadlines(text: str, issued: date | None = None) -> list[tuple[int, int, str, date]]:
    """Every deadline written in ``text``, in order: ``(start, end, words, date)``.

    The words are located by a pattern and read by :func:`parse_deadline` (the one set of date rules), so
    a find the rules cannot read is not returned. A bare year (``2023年``) counts only where it ends a
    clause or is followed by 前/底/内 (``2023年起`` and ``2023年版`` are not deadlines).
    """
    out: list[tuple[int, int, str, date]] = []
    for m in _FIND.finditer(text):
        words = m.group()
        after = text[m.end():m.end() + 1]
        if re.fullmatch(r"(?:20\d\d年?" + _DASH + r")?20\d\d年", words) and after not in ("，", ",", "；", ";", "。", ""):
            continue
        if after in ("起", "以", "版", "度", "来", "的", "始", "开", "份") and not words.endswith(("前", "底", "末", "内")):
            continue
        when = parse_deadline(words, issued)
        if when is not None:
            out.append((m.start(), m.end(), words, when))
    return out
