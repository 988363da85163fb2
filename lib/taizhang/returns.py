"""Monthly returns (月度报表): the workbook format, writing it, reading and validating it.

Format (documented for districts in ``inputs/README.md``): one workbook per unit per month, named
``<单位>_<YYYY-MM>.xlsx`` (``.xlsm`` and ``.csv`` are accepted too).

* sheet ``指标``: A1 title; B2 填报单位, B3 统计月份 (YYYY-MM), E2 方案编号, E3 填报日期; row 5 the column
  headers 字段代码 / 指标项 / 单位 / 数值 / 备注; from row 6 one row per field. The header cells are found by
  their labels, so a CSV or a hand-made sheet with the same labels elsewhere reads the same. Only raw
  counts are typed — a rate is always computed from its numerator and denominator fields, never typed.
* sheet ``任务完成情况`` (optional): header row 1 with 目标编号, 章节, 任务, 完成时限, 完成日期, 佐证材料
  and (optional) 完成情况; one row per milestone task from row 2.

``read_return`` reports every problem of a file at once (file / sheet / cell, expected and found) and then
rejects the whole file with :class:`ReturnRejected`; nothing of a rejected file is used. Files are opened
read-only; workbooks are checked for size, zip bombs, XML entity declarations, encryption and the old
``.xls`` format before any parser sees them.
"""

from __future__ import annotations

import calendar
import csv
import difflib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

import pandas as pd

from .errors import Problem, ReturnError
from .project import sha256_file
from .targets import Registry, reporting_levels

METRICS_SHEET = "指标"
TASKS_SHEET = "任务完成情况"
UNIT_CELL = "B2"
PERIOD_CELL = "B3"
PLAN_CELL = "E2"
FILED_CELL = "E3"
HEADER_ROW = 5  # 1-based row of the column headers on the metrics sheet
METRIC_COLUMNS = ("字段代码", "指标项", "单位", "数值", "备注")
TASK_COLUMNS = ("目标编号", "章节", "任务", "完成时限", "完成日期", "佐证材料", "完成情况")
TASK_STATES = ("已完成", "正在推进", "未启动")
LABELS = {"填报单位": "unit", "统计月份": "period", "方案编号": "plan", "填报日期": "filed"}
PERIOD_RE = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
FILE_RE = re.compile(r"^(?P<unit>.+?)[_＿](?P<period>20\d\d-\d\d)\.(xlsx|xlsm|csv)$", re.IGNORECASE)
#: any ``<单位>_<YYYY-MM>.<ext>`` name, also of files that cannot be read (.xls …): who and when, guessed
NAME_RE = re.compile(r"^(?P<unit>.+?)[_＿](?P<period>20\d\d-\d\d)(\.[A-Za-z0-9]+)?$")
RETURN_SUFFIXES = (".xlsx", ".xlsm", ".csv")
#: returns are due by this day of the following month; filed later counts as 逾期报送
DUE_DAY = 10

# limits that keep a hostile or broken file from using unbounded time or memory
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 300
MAX_ROWS = 2000
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                 "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#BUSY!")


class ReturnRejected(ReturnError):
    """A return that cannot be accepted, with what could be read of it (for the submission log)."""

    def __init__(self, title: str, problems: list[Problem], *, file: str = "", plan: str | None = None,
                 unit: str | None = None, period: str | None = None) -> None:
        super().__init__(title, problems)
        self.file = file
        self.plan = plan
        self.unit = unit
        self.period = period


def check_period(text: str) -> str:
    """Return ``text`` if it is a valid YYYY-MM month, else raise ValueError."""
    text = str(text).strip()
    if not PERIOD_RE.match(text):
        raise ValueError(text)
    return text


@lru_cache(maxsize=4096)
def period_end(period: str) -> date:
    """The last day of a YYYY-MM month."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def due_date(period: str) -> date:
    """The day a return for ``period`` is due: the :data:`DUE_DAY` of the following month."""
    return period_end(period) + timedelta(days=DUE_DAY)


@dataclass(frozen=True)
class MonthlyReturn:
    """One accepted return: who, which month, the field values and the task completions."""

    file: Path
    sha256: str
    unit: str  # unit id
    period: str
    values: dict[str, float]
    tasks: tuple[tuple[str, date | None, str], ...] = ()
    plan: str = ""
    filed: date | None = None  # 填报日期, when given


@dataclass
class ReturnSet:
    """Every return read from a folder: accepted data as tidy frames, rejected files with their problems."""

    observations: pd.DataFrame  # unit, period, field, value
    tasks: pd.DataFrame  # unit, period, target_id, done_date, evidence
    files: pd.DataFrame  # file, sha256, unit, period
    rejected: list[ReturnError] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# cell values


_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％：", "0123456789.,-+%:")
_SPACES = re.compile(r"[\s\u3000\u00a0\u2002-\u200b\ufeff]+")
_NUMBER = re.compile(r"^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


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


def _cell(col: int, row: int) -> str:
    return f"{col_letter(col)}{row}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.12g}"


@lru_cache(maxsize=16384)
def _clean_text(text: str) -> str:
    """``text`` with full-width digits and signs made half-width and every kind of space removed (cached:
    the same task ids, states and labels recur in every return)."""
    return _SPACES.sub("", text.translate(_FULLWIDTH))


def _clean(raw) -> str:
    return _clean_text(raw if isinstance(raw, str) else str(raw))


def _is_blank(raw) -> bool:
    # translating full-width characters neither adds nor removes spaces, so blank means nothing left after cleaning
    return raw is None or (isinstance(raw, str) and not _clean_text(raw))


def _number_text(raw, label: str) -> tuple[float | None, str | None]:
    """(value, problem) of a typed number; full-width digits, thousands separators and spaces are accepted."""
    if isinstance(raw, bool):
        return None, f"{label}应为数字，实际为逻辑值 {'TRUE' if raw else 'FALSE'}"
    if isinstance(raw, (datetime, date, time, timedelta)):
        return None, f"{label}应为数字，实际为日期或时间“{raw}”"
    if isinstance(raw, (int, float)):
        return float(raw), None
    text = _clean(raw)
    if text.upper() in _EXCEL_ERRORS or (text.startswith("#") and text.endswith(("!", "?", "A"))):
        return None, f"{label}是错误值 {text}，应为数字"
    if not _NUMBER.match(text):
        return None, f"{label}应为数字，实际为“{str(raw).strip()[:40]}”"
    return float(text.replace(",", "")), None


def is_whole_unit(unit: str, registry: Registry | None = None) -> bool:
    """Whether a field measured in ``unit`` counts whole things (名, 项, 件 …): ``whole`` in the ``units``
    of targets/metrics.yaml (of ``registry``, default the project's registry). Hours, years, 岁 and 工作日
    are measures and may be fractional (12.5 小时, 0.5 年)."""
    if registry is None:
        from .targets import load_registry

        registry = load_registry()
    return registry.is_whole(unit)


def parse_count(raw, label: str, unit: str = "", registry: Registry | None = None) -> tuple[float | None, str | None]:
    """Read a typed count (件, 项, 名 …): returns (value, None) or (None, Chinese problem).

    A quantity whose ``unit`` counts whole things (:func:`is_whole_unit`, read from ``registry``) must be a
    whole number (``10.5`` 名 is rejected); other units (小时, 年 …) accept fractions.
    """
    if isinstance(raw, str) and "%" in raw.translate(_FULLWIDTH):
        return None, f"{label}应填写数量（{unit or '数字'}），不能填写百分数“{raw.strip()[:40]}”；比率由系统按分子和分母计算"
    value, problem = _number_text(raw, label)
    if problem:
        return None, problem
    value, problem = _checked(value, raw, label)
    if value is not None and unit and is_whole_unit(unit, registry) and not value.is_integer():
        return None, f"{label}应为整数（单位：{unit}），实际为 {_fmt(value)}"
    return value, problem


def parse_percent(raw, label: str) -> tuple[float | None, str | None]:
    """Read a typed percentage as a number 0–100 under one rule (documented in ``inputs/README.md``).

    ``85%`` → 85 (a % sign always means percent); a number without % greater than 1 is percent (``85`` → 85);
    a number strictly between 0 and 1 is a fraction (``0.85`` → 85, how Excel stores a cell formatted as %).
    ``0`` is 0%. A bare ``1`` is ambiguous (1% or 100%) and is rejected: type ``1%`` or ``100%``.
    """
    text = raw.translate(_FULLWIDTH) if isinstance(raw, str) else None
    if text is not None and "%" in text:
        value, problem = _number_text(text.replace("%", ""), label)
        if problem:
            return None, problem
    else:
        value, problem = _number_text(raw, label)
        if problem:
            return None, problem
        if value is not None and 0 < value < 1:
            value = value * 100
        elif value == 1:
            return None, f"{label}填写的“1”含义不明（1% 还是 100%），请填写“1%”或“100%”"
    value, problem = _checked(value, raw, label)
    if value is not None and value > 100:
        return None, f"{label}不能超过 100%，实际为 {_fmt(value)}%"
    return value, problem


def _checked(value: float | None, raw, label: str) -> tuple[float | None, str | None]:
    if value is None:
        return None, None
    if value != value or value in (float("inf"), float("-inf")) or abs(value) > 1e12:
        return None, f"{label}应为有限的数字，实际为“{raw}”"
    if value < 0:
        return None, f"{label}不能为负数，实际为 {_fmt(value)}"
    return value, None


def _date(raw) -> date | None:
    if _is_blank(raw):
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, (int, float, bool, time, timedelta)):
        raise ValueError(str(raw))
    text = _clean(raw)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d", "%Y-%m-%d%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


_PERIOD_TEXT = re.compile(r"^(20\d\d)[-/.年](\d{1,2})月?$")


def _period(raw) -> str | None:
    """YYYY-MM from a typed month (2024-06, 2024/6, 2024年6月, or a date Excel made of it), else None."""
    if isinstance(raw, (datetime, date)):
        return f"{raw.year:04d}-{raw.month:02d}"
    m = _PERIOD_TEXT.match(_clean(raw)) if isinstance(raw, str) else None
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    return None


# --------------------------------------------------------------------------------------------------
# opening a file safely


@dataclass(frozen=True)
class Grid:
    """The cell values of a return file, sheet by sheet, plus cells the value reader cannot see."""

    sheets: dict[str, list[list]]
    formulas_without_value: dict[str, frozenset[str]]  # sheet → cell refs
    error_cells: dict[str, dict[str, str]]  # sheet → cell ref → error text (#DIV/0! …)
    csv: bool = False


def _reject(name: str, message: str, **kw) -> ReturnRejected:
    return ReturnRejected(f"{name}：无法接收", [Problem(name, message)], file=name, **kw)


def open_grid(path: Path) -> Grid:
    """Read a return file into a :class:`Grid` without trusting it; raises :class:`ReturnRejected`.

    Refused before parsing: files over :data:`MAX_FILE_BYTES`, the old ``.xls`` format, password-protected
    (encrypted) workbooks, files that are not a zip archive, archives whose members would expand beyond
    :data:`MAX_UNCOMPRESSED_BYTES` or by more than :data:`MAX_COMPRESSION_RATIO`, and XML with a DOCTYPE or
    entity declaration (entity-expansion attacks). Macros in ``.xlsm`` are never run (only cell values are read).
    """
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise _reject(name, "这是旧版 Excel 97-2003（.xls）文件，不能接收；请在 Excel 中“另存为”.xlsx 格式后重新报送")
    if suffix not in RETURN_SUFFIXES:
        raise _reject(name, f"文件类型应为 .xlsx、.xlsm 或 .csv，实际为 {path.suffix or '无扩展名'}")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _reject(name, f"文件大小 {size / 1048576:.1f} MB 超过上限 {MAX_FILE_BYTES // 1048576} MB，月度报表不应这么大")
        if size == 0:
            raise _reject(name, "文件是空的（0 字节）")
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _reject(name, f"无法读取文件（{exc.strerror or type(exc).__name__}）") from None
    if suffix == ".csv":
        return _csv_grid(name, data)
    if data[:8] == _CFB_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
            raise _reject(name, "文件设置了打开密码（已加密），无法读取；请取消密码后重新报送")
        raise _reject(name, "这是旧版 Excel 97-2003（.xls）格式的文件（只是扩展名为 .xlsx），请在 Excel 中“另存为”.xlsx 后重新报送")
    if data[:4] != b"PK\x03\x04":
        raise _reject(name, "文件已损坏或不是 Excel 工作簿（不是有效的 .xlsx 文件）")
    formulas, errors = _inspect_zip(name, data)
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            sheets = {}
            for sheet in wb.sheet_names:
                rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
                if len(rows) > MAX_ROWS:
                    raise _reject(name, f"工作表“{sheet}”有 {len(rows)} 行，超过上限 {MAX_ROWS} 行")
                sheets[sheet.strip()] = rows
        finally:
            close = getattr(wb, "close", None)
            if close:
                close()
    except ReturnRejected:
        raise
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise _reject(name, f"文件已损坏或无法打开（{type(exc).__name__}）") from None
    return Grid(sheets, formulas, errors)


_CELL_XML = re.compile(rb'<(?:\w+:)?c\s+r="([A-Z]+[0-9]+)"([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_VALUE_XML = re.compile(rb"<(?:\w+:)?v>([^<]+)</(?:\w+:)?v>")


def _inspect_zip(name: str, data: bytes) -> tuple[dict[str, frozenset[str]], dict[str, dict[str, str]]]:
    """Check archive limits and XML declarations; find formulas without a cached value and error cells."""
    import defusedxml.ElementTree as DET

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _reject(name, "文件已损坏或不是 Excel 工作簿（压缩包结构无效）") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _reject(name, f"工作簿内含 {len(infos)} 个部件，超过上限 {MAX_ZIP_MEMBERS}，疑似恶意文件")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise _reject(name, f"工作簿解压后有 {total / 1048576:.0f} MB，超过上限 {MAX_UNCOMPRESSED_BYTES // 1048576} MB，疑似压缩炸弹")
    for i in infos:
        if i.file_size > 1048576 and i.file_size > MAX_COMPRESSION_RATIO * max(i.compress_size, 1):
            raise _reject(name, f"部件 {i.filename} 压缩比异常（{i.file_size // max(i.compress_size, 1)} 倍），疑似压缩炸弹")
    names = {i.filename for i in infos}
    try:
        for i in infos:
            if i.filename.endswith((".xml", ".rels", ".vml")):
                with zf.open(i) as fh:
                    head = fh.read(4096)
                if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
                    raise _reject(name, f"部件 {i.filename} 含有 DTD/实体声明，正常的 Excel 文件不会有，疑似恶意文件（XML 实体炸弹）")
        if "xl/workbook.xml" not in names:
            raise _reject(name, "文件已损坏或不是 Excel 工作簿（缺少 xl/workbook.xml）")
        ns_r = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        book = DET.fromstring(zf.read("xl/workbook.xml"), forbid_dtd=True)
        rels = DET.fromstring(zf.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True) \
            if "xl/_rels/workbook.xml.rels" in names else None
    except ReturnRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure of the archive means a damaged file
        raise _reject(name, f"文件已损坏或无法打开（{type(exc).__name__}）") from None
    targets = {}
    if rels is not None:
        for rel in rels:
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[rel.get("Id")] = target
    formulas: dict[str, frozenset[str]] = {}
    errors: dict[str, dict[str, str]] = {}
    for sheet in book.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        part = targets.get(sheet.get(ns_r))
        if not part or part not in names:
            continue
        xml = zf.read(part)
        if b"<f" not in xml and b't="e"' not in xml:
            continue
        missing, errs = set(), {}
        for m in _CELL_XML.finditer(xml):
            attrs, body = m.group(2), m.group(3) or b""
            ref = m.group(1).decode()
            value = _VALUE_XML.search(body)
            if b't="e"' in attrs:
                errs[ref] = value.group(1).decode("utf-8", "replace") if value else "#错误"
            elif b"<f" in body and not value and b't="inlineStr"' not in attrs:
                missing.add(ref)
        label = (sheet.get("name") or "").strip()
        formulas[label] = frozenset(missing)
        errors[label] = errs
    return formulas, errors


def _csv_grid(name: str, data: bytes) -> Grid:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    elif data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    text = None
    for enc in encodings:
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise _reject(name, "CSV 文件的文字编码无法识别；请用 UTF-8 或 GBK（GB18030）保存")
    if "\x00" in text:
        raise _reject(name, "CSV 文件已损坏（含有空字符），或实际上不是文本文件")
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise _reject(name, f"CSV 文件格式错误（{exc}）") from None
    if len(rows) > MAX_ROWS:
        raise _reject(name, f"CSV 文件有 {len(rows)} 行，超过上限 {MAX_ROWS} 行")
    return Grid({METRICS_SHEET: rows}, {}, {}, csv=True)


# --------------------------------------------------------------------------------------------------
# validating


def _header(rows: list[list]) -> tuple[int | None, dict[str, tuple[int, int, object]]]:
    """(1-based header row, {label key: (row, col, value)}) of a metrics sheet, found by the labels."""
    found: dict[str, tuple[int, int, object]] = {}
    for r, row in enumerate(rows[:30], start=1):
        cells = [_clean(c).rstrip(":：") if isinstance(c, str) else c for c in row]
        if "字段代码" in cells:
            return r, found
        for c, text in enumerate(cells):
            if isinstance(text, str) and text in LABELS and LABELS[text] not in found:
                found[LABELS[text]] = (r, c + 1, row[c + 1] if c + 1 < len(row) else None)
    return None, found


def plan_label(registry: Registry, plan_id: str) -> str:
    """Short Chinese name of a plan (``short_name`` in its file: 巴彦淖尔市, 包头市, 乌拉特中旗 …)."""
    plan = registry.plans.get(plan_id)
    return plan.short_name if plan is not None else plan_id


def unit_label(registry: Registry, plan_id: str | None, unit_id: str | None) -> str:
    """The Chinese name of a unit (its id when unknown)."""
    if not unit_id:
        return ""
    return next((u.name for u in registry.unit_list(plan_id) if u.id == unit_id), unit_id) if plan_id else unit_id


def guess_from_name(name: str, registry: Registry, plan_id: str | None = None
                    ) -> tuple[str | None, str | None, str | None]:
    """(plan, unit id, period) guessed from a file name ``<单位>_<YYYY-MM>.<ext>`` alone — for files that
    cannot be read. The unit is matched by name or alias within ``plan_id``, or, without a plan, in the one
    plan that has it. Parts that cannot be told are None."""
    m = NAME_RE.match(name)
    if not m:
        return plan_id, None, None
    period = m.group("period") if PERIOD_RE.match(m.group("period")) else None
    text = _clean(m.group("unit"))
    if plan_id is not None:
        unit = registry.find_unit(plan_id, text)
        return plan_id, unit.id if unit else None, period
    owners = [(p, u) for p in registry.plans if (u := registry.find_unit(p, text)) is not None]
    if len(owners) == 1:
        return owners[0][0], owners[0][1].id, period
    return None, None, period


def detect_plan(grid: Grid, path: Path, registry: Registry) -> tuple[str | None, str]:
    """The plan a return belongs to, and how it was found: the 方案编号 cell, a folder named after a plan,
    or a unit name that only one plan has. (None, reason) when it cannot be told."""
    rows = grid.sheets.get(METRICS_SHEET)
    info = _header(rows)[1] if rows else {}
    cell = _clean(info["plan"][2]) if "plan" in info and not _is_blank(info["plan"][2]) else ""
    if cell in registry.plans:
        return cell, "方案编号单元格"
    for parent in path.resolve().parents:
        if parent.name in registry.plans:
            return parent.name, f"文件夹 {parent.name}"
    unit = _clean(info["unit"][2]) if "unit" in info and not _is_blank(info["unit"][2]) else ""
    if not unit and (m := FILE_RE.match(path.name)):
        unit = m.group("unit")
    owners = [p for p in registry.plans if unit and registry.find_unit(p, unit)]
    if len(owners) == 1:
        return owners[0], f"单位“{unit}”"
    if cell:
        return None, f"方案编号“{cell}”不是已知方案（{'、'.join(registry.plans)}）"
    if len(owners) > 1:
        return None, f"单位“{unit}”同时属于方案 {'、'.join(owners)}，且表中未填写方案编号"
    return None, "表中未填写方案编号，也无法从单位名称判断"


def read_return(path: Path | str, registry: Registry, plan_id: str | None, today: date | None = None,
                grid: Grid | None = None) -> MonthlyReturn:
    """Read and validate one monthly return (.xlsx, .xlsm or .csv) for ``plan_id``.

    ``plan_id`` None means: find the plan from the file (see :func:`detect_plan`). Every problem in the file
    is collected (file / sheet / cell, what was expected, what was found) and then a :class:`ReturnRejected`
    is raised; otherwise the accepted values are returned. The file is only read, never written.
    """
    path = Path(path)
    name = path.name
    grid = grid or open_grid(path)
    how = "导入时指定"
    if plan_id is None:
        plan_id, how = detect_plan(grid, path, registry)
        if plan_id is None:
            raise _reject(name, f"无法确定报表所属的方案：{how}；请在 {METRICS_SHEET} 表 {PLAN_CELL} 填写方案编号，或导入时指定 --plan")
    registry.plan(plan_id)
    today = today or date.today()
    problems: list[Problem] = []
    if METRICS_SHEET not in grid.sheets:
        raise _reject(name, f"缺少工作表“{METRICS_SHEET}”，实际工作表为 {'、'.join(grid.sheets) or '无'}", plan=plan_id)
    rows = grid.sheets[METRICS_SHEET]
    where = name if grid.csv else f"{name} / {METRICS_SHEET}"
    no_value = grid.formulas_without_value.get(METRICS_SHEET, frozenset())
    errors = grid.error_cells.get(METRICS_SHEET, {})
    reported: set[str] = set()

    def bad_cell(ref: str, label: str) -> bool:
        """Report a formula without cached value or an error value at ``ref``; True if there was one."""
        if ref in errors:
            problems.append(Problem(f"{where} / {ref}", f"{label}是错误值 {errors[ref]}，应为数字"))
        elif ref in no_value:
            problems.append(Problem(f"{where} / {ref}", f"{label}是公式但没有保存计算结果；请在 Excel 中打开、重新计算并保存，或直接填写数字"))
        else:
            return False
        reported.add(ref)
        return True

    header_row, info = _header(rows)

    def info_cell(key: str, default: str) -> tuple[str, object]:
        if key in info:
            r, c, value = info[key]
            return _cell(c, r), value
        return default, None

    unit_ref, unit_raw = info_cell("unit", UNIT_CELL)
    unit_text = "" if _is_blank(unit_raw) else _clean(unit_raw)
    unit = registry.find_unit(plan_id, unit_text) if unit_text else None
    # the unit belongs to another plan: one clear problem instead of "unknown unit" and every field the
    # other plan asks for (the required fields and milestone tasks of plan_id are then not checked)
    owners = [(p, u) for p in registry.plans if p != plan_id and (u := registry.find_unit(p, unit_text)) is not None] \
        if unit_text and unit is None else []
    cell_plan = _clean(info["plan"][2]) if "plan" in info and not _is_blank(info["plan"][2]) else ""
    if "unit" not in info:
        problems.append(Problem(where, "找不到“填报单位”（应在 A2，值填在 B2）"))
    elif not bad_cell(unit_ref, "填报单位"):
        if not unit_text:
            problems.append(Problem(f"{where} / {unit_ref}", "填报单位不能为空"))
        elif owners:
            belongs = "、".join(f"{p}（{plan_label(registry, p)}）" for p, _ in owners)
            why = f"{owners[0][1].name}是 {belongs}的单位"
            if how == "方案编号单元格":
                problems.append(Problem(f"{where} / {info_cell('plan', PLAN_CELL)[0]}",
                                        f"方案编号 {plan_id} 与填报单位“{unit_text}”不符：{why}"))
            elif how == "导入时指定" and cell_plan and cell_plan != plan_id:
                pass  # reported below: the 方案编号 cell contradicts --plan
            elif how == "导入时指定":
                problems.append(Problem(f"{where} / {unit_ref}", f"导入时指定的方案 {plan_id} 与填报单位“{unit_text}”不符：{why}"))
            else:
                problems.append(Problem(f"{where} / {unit_ref}", f"方案 {plan_id}（按{how}判断）与填报单位“{unit_text}”不符：{why}"))
        elif unit is None:
            names = [u.name for u in registry.unit_list(plan_id)]
            aliases = {a: u.name for u in registry.unit_list(plan_id) for a in (u.name, *u.aliases)}
            near = difflib.get_close_matches(unit_text, list(aliases), n=1, cutoff=0.3)
            hint = f"，是否为“{aliases[near[0]]}”？" if near else f"；本方案的单位为 {'、'.join(names)}"
            problems.append(Problem(f"{where} / {unit_ref}", f"未知的填报单位“{unit_text}”{hint}"))

    period_ref, period_raw = info_cell("period", PERIOD_CELL)
    period = None
    if "period" not in info:
        problems.append(Problem(where, "找不到“统计月份”（应在 A3，值填在 B3）"))
    elif not bad_cell(period_ref, "统计月份"):
        period = _period(period_raw)
        if period is None:
            shown = "" if _is_blank(period_raw) else str(period_raw).strip()
            problems.append(Problem(f"{where} / {period_ref}", f"统计月份应为 YYYY-MM（例如 2024-06），实际为“{shown}”"))
    m = FILE_RE.match(name)
    if m and period and m.group("period") != period:
        problems.append(Problem(f"{where} / {period_ref}", f"统计月份 {period} 与文件名中的月份 {m.group('period')} 不一致"))
    if m and unit is not None:
        named = registry.find_unit(plan_id, m.group("unit"))
        if named is not None and named.id != unit.id:
            problems.append(Problem(f"{where} / {unit_ref}", f"填报单位“{unit.name}”与文件名中的单位“{named.name}”不一致"))
    if period and period_end(period).replace(day=1) > today:
        problems.append(Problem(f"{where} / {period_ref}", f"统计月份 {period} 晚于今天（{today}），不能填报未来月份"))

    if cell_plan:
        plan_ref = info_cell("plan", PLAN_CELL)[0]
        if cell_plan != plan_id:
            known = "不是已知的方案编号" if cell_plan not in registry.plans else f"与导入时的方案“{plan_id}”不一致"
            problems.append(Problem(f"{where} / {plan_ref}", f"方案编号“{cell_plan}”{known}"))

    filed = None
    if "filed" in info and not _is_blank(info["filed"][2]):
        filed_ref = info_cell("filed", FILED_CELL)[0]
        if not bad_cell(filed_ref, "填报日期"):
            try:
                filed = _date(info["filed"][2])
            except ValueError:
                problems.append(Problem(f"{where} / {filed_ref}", f"填报日期应为 YYYY-MM-DD，实际为“{info['filed'][2]}”"))
            if filed and filed > today:
                problems.append(Problem(f"{where} / {filed_ref}", f"填报日期 {filed} 晚于今天（{today}）"))
                filed = None
            elif filed and period and filed < date(int(period[:4]), int(period[5:]), 1):
                problems.append(Problem(f"{where} / {filed_ref}", f"填报日期 {filed} 早于统计月份 {period}"))
                filed = None

    known = set(registry.fields)
    values: dict[str, float] = {}
    seen: dict[str, int] = {}
    if header_row is None:
        problems.append(Problem(where, f"找不到表头“字段代码”（应在第 {HEADER_ROW} 行：{'、'.join(METRIC_COLUMNS)}）"))
        rows_iter = []
    else:
        head = [_clean(c) if isinstance(c, str) else "" for c in rows[header_row - 1]]
        code_col = head.index("字段代码")
        value_col = head.index("数值") if "数值" in head else None  # type: ignore[assignment]
        if value_col is None:
            problems.append(Problem(f"{where} / 第{header_row}行", "表头缺少“数值”列"))
            rows_iter = []
        else:
            rows_iter = range(header_row + 1, len(rows) + 1)
    for r in rows_iter:
        row = rows[r - 1]
        raw_code = row[code_col] if code_col < len(row) else None
        raw = row[value_col] if value_col < len(row) else None
        code_ref, ref = _cell(code_col, r), _cell(value_col, r)
        code = "" if _is_blank(raw_code) else _clean(raw_code)
        if not code and _is_blank(raw) and ref not in no_value and ref not in errors:
            continue  # blank row
        cell = f"{where} / {ref}"
        if not code:
            problems.append(Problem(f"{where} / {code_ref}", "字段代码为空，但该行填写了数值"))
            continue
        if code not in known:
            near = difflib.get_close_matches(code, sorted(known), n=1, cutoff=0.6)
            problems.append(Problem(f"{where} / {code_ref}", f"未知的字段代码“{code}”" + (f"，是否为“{near[0]}”？" if near else "")))
            continue
        fdef = registry.fields[code]
        label = fdef.name
        if code in seen:
            problems.append(Problem(f"{where} / {code_ref}", f"{label}（{code}）重复填报，第 {seen[code]} 行已有"))
            continue
        seen[code] = r
        if bad_cell(ref, label):
            continue
        if _is_blank(raw):
            continue
        value, problem = parse_percent(raw, label) if fdef.unit == "%" else parse_count(raw, label, fdef.unit, registry)
        if problem:
            problems.append(Problem(cell, problem))
            reported.add(ref)
        elif value is not None:
            values[code] = value
    required = registry.return_fields(plan_id) if rows_iter and not owners else []
    for code in required:
        if code not in seen:
            problems.append(Problem(where, f"缺少必填字段 {registry.fields[code].name}（{code}）"))
        elif (code not in values and not registry.fields[code].optional
              and _cell(value_col, seen[code]) not in reported):
            problems.append(Problem(f"{where} / {_cell(value_col, seen[code])}", f"{registry.fields[code].name}未填写"))
    for metric in registry.metrics.values():
        if metric.type != "rate":
            continue
        num, den = values.get(metric.numerator), values.get(metric.denominator)
        if num is not None and den is not None and num > den:
            problems.append(Problem(
                f"{where} / {_cell(value_col, seen[metric.numerator])}",
                f"{registry.fields[metric.numerator].name}（{_fmt(num)}）大于{registry.fields[metric.denominator].name}（{_fmt(den)}）",
            ))
    for ref in sorted(set(no_value) - reported):
        problems.append(Problem(f"{where} / {ref}", "单元格是公式但没有保存计算结果；请在 Excel 中打开、重新计算并保存"))

    tasks = _read_tasks(grid, name, registry, plan_id, unit, period, today, problems) \
        if TASKS_SHEET in grid.sheets and not owners else []
    unit_id = unit.id if unit is not None else None
    if problems:
        # a unit of exactly one other plan: log the file under that plan and unit (quality view, feedback)
        plan_of, unit_of = (owners[0][0], owners[0][1].id) if len(owners) == 1 else (plan_id, unit_id)
        raise ReturnRejected(f"{name}：有 {len(problems)} 处问题，整份报表退回", problems, file=name, plan=plan_of,
                             unit=unit_of, period=period)
    return MonthlyReturn(file=path, sha256=sha256_file(path), unit=unit_id, period=period,  # type: ignore[arg-type]
                         values=values, tasks=tuple(tasks), plan=plan_id, filed=filed)


def _read_tasks(grid: Grid, name: str, registry: Registry, plan_id: str, unit, period: str | None, today: date,
                problems: list[Problem]) -> list[tuple[str, date | None, str]]:
    by_id = {t.id: t for t in registry.plan(plan_id).targets}
    trows = grid.sheets[TASKS_SHEET]
    twhere = f"{name} / {TASKS_SHEET}"
    no_value = grid.formulas_without_value.get(TASKS_SHEET, frozenset())
    errors = grid.error_cells.get(TASKS_SHEET, {})
    header_row = next((r for r, row in enumerate(trows[:10], start=1)
                       if any(isinstance(c, str) and _clean(c) == "目标编号" for c in row)), None)
    if header_row is None:
        if any(not _is_blank(c) for row in trows for c in row):
            problems.append(Problem(twhere, f"找不到表头“目标编号”（第 1 行应为 {'、'.join(TASK_COLUMNS)}）"))
        return []
    head = [_clean(c) if isinstance(c, str) else "" for c in trows[header_row - 1]]
    col = {h: head.index(h) for h in TASK_COLUMNS if h in head}
    for h in ("完成日期", "佐证材料"):
        if h not in col:
            problems.append(Problem(f"{twhere} / 第{header_row}行", f"表头缺少“{h}”列"))
    if "完成日期" not in col or "佐证材料" not in col:
        return []
    levels = {u.level for u in registry.unit_list(plan_id)}
    reporting = {}
    out: list[tuple[str, date | None, str]] = []
    seen: dict[str, int] = {}
    for r in range(header_row + 1, len(trows) + 1):
        row = list(trows[r - 1]) + [None] * 8

        def get(h):
            return row[col[h]] if h in col else None

        tid = "" if _is_blank(get("目标编号")) else _clean(get("目标编号"))
        if not tid:
            continue
        id_ref = _cell(col["目标编号"], r)
        done_ref, ev_ref = _cell(col["完成日期"], r), _cell(col["佐证材料"], r)
        t = by_id.get(tid)
        if t is None:
            problems.append(Problem(f"{twhere} / {id_ref}", f"未知的目标编号“{tid}”"))
            continue
        if t.kind != "milestone":
            problems.append(Problem(f"{twhere} / {id_ref}", f"目标 {tid} 不是节点任务，不在本表填报"))
            continue
        if t.levels not in reporting:
            reporting[t.levels] = reporting_levels(t.levels, levels)
        if unit is not None and unit.level not in reporting[t.levels]:
            problems.append(Problem(f"{twhere} / {id_ref}", f"目标 {tid} 不由{unit.name}填报（适用层级：{'、'.join(t.levels)}）"))
            continue
        if tid in seen:
            problems.append(Problem(f"{twhere} / {id_ref}", f"目标 {tid} 重复填报，第 {seen[tid]} 行已有"))
            continue
        seen[tid] = r
        if done_ref in errors or done_ref in no_value:
            problems.append(Problem(f"{twhere} / {done_ref}", "完成日期是错误值或没有计算结果的公式，应为日期"))
            continue
        try:
            done = _date(get("完成日期"))
        except ValueError:
            problems.append(Problem(f"{twhere} / {done_ref}", f"完成日期应为 YYYY-MM-DD，实际为“{str(get('完成日期')).strip()[:40]}”"))
            continue
        evidence = "" if _is_blank(get("佐证材料")) else str(get("佐证材料")).strip()
        state = "" if _is_blank(get("完成情况")) else _clean(get("完成情况"))
        state_ref = _cell(col.get("完成情况", 6), r)
        if done and done > today:
            problems.append(Problem(f"{twhere} / {done_ref}", f"完成日期 {done} 晚于今天（{today}）"))
            continue
        if done and period and done > period_end(period):
            problems.append(Problem(f"{twhere} / {done_ref}", f"完成日期 {done} 晚于统计月份 {period} 的月末"))
            continue
        if state and state not in TASK_STATES:
            problems.append(Problem(f"{twhere} / {state_ref}", f"完成情况应为 {'、'.join(TASK_STATES)} 之一，实际为“{state}”"))
            continue
        if state == "已完成" and not done:
            problems.append(Problem(f"{twhere} / {done_ref}", "完成情况为“已完成”，但未填写完成日期"))
            continue
        if done and state and state != "已完成":
            problems.append(Problem(f"{twhere} / {state_ref}", f"已填写完成日期 {done}，完成情况却为“{state}”"))
            continue
        if done and not evidence:
            problems.append(Problem(f"{twhere} / {ev_ref}", "已填写完成日期，须同时填写佐证材料（文件名或说明）"))
            continue
        out.append((tid, done, evidence))
    return out


def find_return_files(paths) -> list[Path]:
    """Every return file (.xlsx, .xlsm, .csv) among ``paths`` (files, or folders searched recursively),
    sorted by name. Lock files (``~$…``), hidden files and 退回修改清单 feedback workbooks are skipped."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (*RETURN_SUFFIXES, ".xls")
                    and not f.name.startswith(("~$", ".")) and "退回修改清单" not in f.as_posix()]
        else:
            out.append(p)
    return sorted(out)


def load_returns(paths, registry: Registry, plan_id: str, today: date | None = None) -> ReturnSet:
    """Read every return under ``paths`` for ``plan_id``; accepted data as frames, rejected files listed.

    When one unit has two accepted returns for the same month, the one read last (by file name) wins and
    the other is listed as rejected with a message naming both — nothing is dropped silently.
    """
    accepted: dict[tuple[str, str], MonthlyReturn] = {}
    rejected: list[ReturnError] = []
    for path in find_return_files(paths):
        try:
            ret = read_return(path, registry, plan_id, today=today)
        except ReturnError as exc:
            rejected.append(exc)
            continue
        key = (ret.unit, ret.period)
        if key in accepted:
            prev = accepted[key]
            rejected.append(ReturnRejected(f"{prev.file.name}：已被替换", [Problem(
                prev.file.name, f"与 {ret.file.name} 是同一单位同一月份的报表，采用后者")], file=prev.file.name,
                plan=plan_id, unit=prev.unit, period=prev.period))
        accepted[key] = ret
    return returnset_from(accepted.values(), rejected)


def returnset_from(returns, rejected: list[ReturnError]) -> ReturnSet:
    """A :class:`ReturnSet` from accepted :class:`MonthlyReturn` objects and rejected files."""
    returns = list(returns)
    obs = [(r.unit, r.period, f, v) for r in returns for f, v in r.values.items()]
    tasks = [(r.unit, r.period, tid, d, ev) for r in returns for tid, d, ev in r.tasks]
    files = [(r.file.name, r.sha256, r.unit, r.period) for r in returns]
    return ReturnSet(
        observations=pd.DataFrame(obs, columns=["unit", "period", "field", "value"]),
        tasks=pd.DataFrame(tasks, columns=["unit", "period", "target_id", "done_date", "evidence"]),
        files=pd.DataFrame(files, columns=["file", "sha256", "unit", "period"]).sort_values("file", ignore_index=True),
        rejected=list(rejected),
    )


# --------------------------------------------------------------------------------------------------
# writing


def write_return(path: Path, registry: Registry, plan_id: str, unit_name: str, period: str,
                 values: dict[str, float | None], tasks: list[tuple[str, date | None, str]] | None = None,
                 filed: date | None = None) -> Path:
    """Write a filled monthly return workbook (used by the sample generator, tests and benchmarks).

    The workbook has the documented layout (see the module docstring) and is byte-for-byte reproducible:
    it is written directly as Office Open XML with fixed timestamps (fast: about 1 ms per file). Written to
    a temporary name and renamed, so a failed write never leaves a partial file.
    """
    plan = registry.plan(plan_id)
    sheet1: list[list] = [
        [f"政务服务目标台账 月度报表（{plan.document}）"],
        ["填报单位", unit_name, None, "方案编号", plan_id],
        ["统计月份", period, None, "填报日期", filed],
        [],
        list(METRIC_COLUMNS),
    ]
    for code in registry.return_fields(plan_id):
        f = registry.fields[code]
        sheet1.append([code, f.name, f.unit, values.get(code), None])
    sheets = [(METRICS_SHEET, sheet1)]
    if tasks is not None:
        by_id = {t.id: t for t in plan.targets}
        rows = [list(TASK_COLUMNS)]
        for tid, done, evidence in tasks:
            t = by_id[tid]
            rows.append([tid, t.section, t.title, t.deadline_text, done, evidence or None,
                         "已完成" if done else None])
        sheets.append((TASKS_SHEET, rows))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(xlsx_bytes(sheets))
    tmp.replace(path)
    return path


_FIXED_STAMP = (2022, 1, 1, 0, 0, 0)
_EPOCH = date(1899, 12, 30)


def _sheet_xml(rows: list[list]) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            ref = _cell(c, r)
            if isinstance(v, bool):
                cells.append(f'<c r="{ref}" t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                cells.append(f'<c r="{ref}"><v>{_fmt(v) if float(v).is_integer() else repr(float(v))}</v></c>')
            elif isinstance(v, date):
                d = v.date() if isinstance(v, datetime) else v
                cells.append(f'<c r="{ref}" s="1"><v>{(d - _EPOCH).days}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_escape(str(v))}</t></is></c>')
        if cells:
            out.append(f'<row r="{r}">{"".join(cells)}</row>')
    out.append("</sheetData></worksheet>")
    return "".join(out).encode("utf-8")


def xlsx_bytes(sheets: list[tuple[str, list[list]]]) -> bytes:
    """A minimal, valid, reproducible .xlsx (inline strings, one date style) from ``[(sheet, rows)]``."""
    n = len(sheets)
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
          + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                    for i in range(1, n + 1)) + "</Types>")
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>")
    book = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            + "".join(f'<sheet name="{_xml_escape(name)}" sheetId="{i}" r:id="rId{i}"/>' for i, (name, _) in enumerate(sheets, 1))
            + "</sheets></workbook>")
    book_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
                           for i in range(1, n + 1))
                 + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
                 "</Relationships>")
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
              '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
              '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
              "</styleSheet>")
    parts = [("[Content_Types].xml", ct.encode()), ("_rels/.rels", rels.encode()), ("xl/workbook.xml", book.encode()),
             ("xl/_rels/workbook.xml.rels", book_rels.encode()), ("xl/styles.xml", styles.encode())]
    parts += [(f"xl/worksheets/sheet{i}.xml", _sheet_xml(rows)) for i, (_, rows) in enumerate(sheets, 1)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=_FIXED_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()
