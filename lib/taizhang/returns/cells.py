"""Cell values of a return: text cleaning, numbers, counts, percentages, dates and months.

A number means what the clerk saw: full-width digits, thousands separators and spaces are accepted; a
number from a workbook keeps Excel's 15 significant digits (``3.0000000000000004`` is the ``3`` Excel shows);
a number in a cell formatted as a percentage is the percentage shown (0.85 in a ``0%`` cell is ``85%``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from ..kernel.months import month_end
from .codes import MESSAGES, shown

PERIOD_RE = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
#: returns are due by this day of the following month; filed later counts as 逾期报送
DUE_DAY = 10
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#BUSY!")

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％：", "0123456789.,-+%:")
_SPACES = re.compile(r"[\s\u3000\u00a0\u2002-\u200b\ufeff]+")
_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
_PERIOD_TEXT = re.compile(r"^(20\d\d)[-/.年](\d{1,2})月?$")


def check_period(text: str) -> str:
    """Return ``text`` if it is a valid YYYY-MM month, else raise ValueError."""
    text = str(text).strip()
    if not PERIOD_RE.match(text):
        raise ValueError(text)
    return text


@lru_cache(maxsize=4096)
def period_end(period: str) -> date:
    """The last day of a YYYY-MM month (:func:`taizhang.kernel.months.month_end`)."""
    return month_end(int(period[:4]), int(period[5:7]))


def due_date(period: str) -> date:
    """The day a return for ``period`` is due: the :data:`DUE_DAY` of the following month."""
    return period_end(period) + timedelta(days=DUE_DAY)


@lru_cache(maxsize=256)
def col_letter(col: int) -> str:
    """Excel column letters of a 0-based column index (0 → A, 26 → AA); cached, as every task row of every
    return names the same few columns."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ref(col: int, row: int) -> str:
    """``D6`` of a 0-based column and a 1-based row."""
    return f"{col_letter(col)}{row}"


def fmt(x: float) -> str:
    """A number as a clerk would write it: ``3``, ``12.5``."""
    return str(int(x)) if float(x).is_integer() else f"{x:.12g}"


@lru_cache(maxsize=16384)
def clean_text(text: str) -> str:
    """``text`` with full-width digits and signs made half-width and every kind of space removed (cached:
    the same task ids, states and labels recur in every return)."""
    return _SPACES.sub("", text.translate(_FULLWIDTH))


def clean(raw) -> str:
    """:func:`clean_text` of any cell value (long texts are not cached: the cache stays small)."""
    text = raw if isinstance(raw, str) else str(raw)
    return clean_text(text) if len(text) <= 200 else _SPACES.sub("", text.translate(_FULLWIDTH))


def is_blank(raw) -> bool:
    """Nothing in the cell but spaces."""
    # translating full-width characters neither adds nor removes spaces, so blank means nothing left after cleaning
    return raw is None or (isinstance(raw, str) and not (clean_text(raw) if len(raw) <= 200 else _SPACES.sub("", raw)))


def is_whole_unit(unit: str, registry=None) -> bool:
    """Whether a field measured in ``unit`` counts whole things (名, 项, 件 …): ``whole`` in the ``units``
    of targets/metrics.yaml (of ``registry``, default the project's registry). Hours, years, 岁 and 工作日
    are measures and may be fractional (12.5 小时, 0.5 年)."""
    if registry is None:
        from ..targets import load_registry

        registry = load_registry()
    return registry.is_whole(unit)


def excel_number(x: float) -> float:
    """``x`` with the 15 significant digits Excel keeps and shows (binary noise such as 3.0000000000000004 gone)."""
    return float(f"{x:.15g}") if x == x and x not in (float("inf"), float("-inf")) else x


Parsed = tuple  # (value | None, code | None, params)


def _number(raw, label: str) -> Parsed:
    if isinstance(raw, bool):
        return None, "value.boolean", {"label": label, "found": "TRUE" if raw else "FALSE"}
    if isinstance(raw, (datetime, date, time, timedelta)):
        return None, "value.date", {"label": label, "found": str(raw)}
    if isinstance(raw, (int, float)):
        return excel_number(float(raw)), None, {}
    text = clean(raw)
    if text.upper() in EXCEL_ERRORS or (text.startswith("#") and text.endswith(("!", "?", "A"))):
        return None, "cell.error_value", {"label": label, "error": text}
    if not _NUMBER.match(text):
        return None, "value.not_number", {"label": label, "found": shown(raw)}
    return float(text.replace(",", "")), None, {}


def _checked(value: float, raw, label: str) -> Parsed:
    if value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e12:
        return None, "value.not_finite", {"label": label, "found": shown(raw)}
    if value < 0:
        return None, "value.negative", {"label": label, "found": fmt(value)}
    return value, None, {}


def read_count(raw, label: str, unit: str = "", percent_cell: bool = False, registry=None) -> Parsed:
    """(value, None, {}) of a typed quantity, or (None, problem code, message values).

    A quantity whose ``unit`` counts whole things (:func:`is_whole_unit`) must be a whole number; a number in
    a cell formatted as a percentage is refused as the percentage it shows."""
    if isinstance(raw, str) and "%" in raw.translate(_FULLWIDTH):
        return None, "value.percent_in_count", {"label": label, "unit": unit or "数字", "found": shown(raw)}
    if percent_cell and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return None, "value.percent_in_count", {"label": label, "unit": unit or "数字",
                                                "found": f"{fmt(excel_number(raw * 100))}%"}
    value, code, params = _number(raw, label)
    if code:
        return None, code, params
    value, code, params = _checked(value, raw, label)
    if code:
        return None, code, params
    if unit and not value.is_integer() and is_whole_unit(unit, registry):
        return None, "value.not_whole", {"label": label, "unit": unit, "found": fmt(value)}
    return value, None, {}


def read_percent(raw, label: str, percent_cell: bool = False) -> Parsed:
    """(value 0–100, None, {}) of a typed percentage, or (None, problem code, message values); the rule is
    :func:`parse_percent`'s."""
    text = raw.translate(_FULLWIDTH) if isinstance(raw, str) else None
    if text is not None and "%" in text:
        value, code, params = _number(text.replace("%", ""), label)
        if code:
            return None, code, params
    else:
        value, code, params = _number(raw, label)
        if code:
            return None, code, params
        if percent_cell:
            value = excel_number(value * 100)
        elif 0 < value < 1:
            value = value * 100
        elif value == 1:
            return None, "value.percent_ambiguous", {"label": label}
    value, code, params = _checked(value, raw, label)
    if code:
        return None, code, params
    if value > 100:
        return None, "value.percent_over", {"label": label, "found": fmt(value)}
    return value, None, {}


def _message(parsed: Parsed) -> tuple[float | None, str | None]:
    value, code, params = parsed
    return (value, None) if code is None else (None, MESSAGES[code].format(**params))


def parse_count(raw, label: str, unit: str = "", registry=None) -> tuple[float | None, str | None]:
    """Read a typed count (件, 项, 名 …): returns (value, None) or (None, Chinese problem).

    A quantity whose ``unit`` counts whole things (:func:`is_whole_unit`) must be a whole number
    (``10.5`` 名 is rejected); other units (小时, 年 …) accept fractions.
    """
    return _message(read_count(raw, label, unit, registry=registry))


def parse_percent(raw, label: str) -> tuple[float | None, str | None]:
    """Read a typed percentage as a number 0–100 under one rule (documented in ``inputs/README.md``).

    ``85%`` → 85 (a % sign always means percent); a number without % greater than 1 is percent (``85`` → 85);
    a number strictly between 0 and 1 is a fraction (``0.85`` → 85, how Excel stores a cell formatted as %).
    ``0`` is 0%. A bare ``1`` is ambiguous (1% or 100%) and is rejected: type ``1%`` or ``100%``; in a cell
    formatted as a percentage it is 100%.
    """
    return _message(read_percent(raw, label))


def parse_date(raw) -> date | None:
    """A typed date (several spellings, or a date Excel stored); None if blank; ValueError otherwise."""
    if is_blank(raw):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float, bool, time, timedelta)):
        raise ValueError(str(raw))
    text = clean(raw)
    if len(text) > 40:
        raise ValueError(text)
    for f in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d%H:%M:%S"):
        try:
            return datetime.strptime(text, f).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_month(raw) -> str | None:
    """YYYY-MM from a typed month (2024-06, 2024/6, 2024年6月, or a date Excel made of it), else None."""
    if isinstance(raw, (datetime, date)):
        return f"{raw.year:04d}-{raw.month:02d}"
    m = _PERIOD_TEXT.match(clean(raw)) if isinstance(raw, str) else None
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    return None
