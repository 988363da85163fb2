"""Monthly returns (月度报表): the workbook format, writing it, reading and validating it.

Format (documented for districts in ``inputs/README.md``): one workbook per unit per month, named
``<单位>_<YYYY-MM>.xlsx``.

* sheet ``指标``: B2 填报单位, B3 统计月份 (YYYY-MM); from row 6 one row per field with columns
  A 字段代码, B 指标项, C 单位, D 数值, E 备注. Only raw counts are typed — a rate is always computed from
  its numerator and denominator fields, never typed.
* sheet ``任务完成情况`` (optional): from row 2 columns A 目标编号, B 章节, C 任务, D 完成时限,
  E 完成日期, F 佐证材料.

``read_return`` reports every problem of a file at once (file / sheet / cell, expected and found) and then
rejects the whole file; nothing of a rejected file is used.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from .errors import Problem, ReturnError
from .project import sha256_file
from .targets import Registry

METRICS_SHEET = "指标"
TASKS_SHEET = "任务完成情况"
UNIT_CELL = "B2"
PERIOD_CELL = "B3"
HEADER_ROW = 5  # 1-based row of the column headers on the metrics sheet
METRIC_COLUMNS = ("字段代码", "指标项", "单位", "数值", "备注")
TASK_COLUMNS = ("目标编号", "章节", "任务", "完成时限", "完成日期", "佐证材料")
PERIOD_RE = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
FILE_RE = re.compile(r"^(?P<unit>.+?)[_＿](?P<period>20\d\d-\d\d)\.(xlsx|xlsm)$", re.IGNORECASE)


def check_period(text: str) -> str:
    """Return ``text`` if it is a valid YYYY-MM month, else raise ValueError."""
    text = str(text).strip()
    if not PERIOD_RE.match(text):
        raise ValueError(text)
    return text


def period_end(period: str) -> date:
    """The last day of a YYYY-MM month."""
    return pd.Period(period, freq="M").end_time.date()


@dataclass(frozen=True)
class MonthlyReturn:
    """One accepted return: who, which month, the field values and the task completions."""

    file: Path
    sha256: str
    unit: str  # unit id
    period: str
    values: dict[str, float]
    tasks: tuple[tuple[str, date | None, str], ...] = ()


@dataclass
class ReturnSet:
    """Every return read from a folder: accepted data as tidy frames, rejected files with their problems."""

    observations: pd.DataFrame  # unit, period, field, value
    tasks: pd.DataFrame  # unit, period, target_id, done_date, evidence
    files: pd.DataFrame  # file, sha256, unit, period
    rejected: list[ReturnError] = field(default_factory=list)


def _cell(col: int, row: int) -> str:
    return f"{chr(ord('A') + col)}{row}"


def _number(raw, where: str, label: str, problems: list[Problem]) -> float | None:
    """Read a typed count: numbers, full-width digits, thousands separators and stray spaces are accepted."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        problems.append(Problem(where, f"{label}应为数字，实际为逻辑值 {raw}"))
        return None
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip().translate(_FULLWIDTH).replace(",", "").replace(" ", "")
        if text.startswith("#"):
            problems.append(Problem(where, f"{label}是错误值 {text}，应为数字"))
            return None
        try:
            value = float(text)
        except ValueError:
            problems.append(Problem(where, f"{label}应为数字，实际为“{raw}”"))
            return None
    if value != value or value in (float("inf"), float("-inf")):
        problems.append(Problem(where, f"{label}应为有限数字，实际为 {raw}"))
        return None
    if value < 0:
        problems.append(Problem(where, f"{label}不能为负数，实际为 {_fmt(value)}"))
        return None
    return value


_FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _date(raw) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip().translate(_FULLWIDTH)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _load_sheets(path: Path) -> dict[str, list[list]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names}
    finally:
        close = getattr(wb, "close", None)
        if close:
            close()


def read_return(path: Path | str, registry: Registry, plan_id: str, today: date | None = None) -> MonthlyReturn:
    """Read and validate one monthly return workbook for ``plan_id``.

    Every problem in the file is collected (file / sheet / cell, what was expected, what was found) and then
    a :class:`ReturnError` is raised; otherwise the accepted values are returned. The file is only read.
    """
    path = Path(path)
    name = path.name
    problems: list[Problem] = []
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ReturnError(f"{name}：无法接收", [Problem(name, f"文件类型应为 .xlsx 或 .xlsm，实际为 {path.suffix or '无扩展名'}")])
    try:
        sheets = _load_sheets(path)
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise ReturnError(f"{name}：无法接收", [Problem(name, f"文件已损坏或无法打开（{type(exc).__name__}）")]) from None
    if METRICS_SHEET not in sheets:
        raise ReturnError(f"{name}：无法接收", [Problem(name, f"缺少工作表“{METRICS_SHEET}”，实际工作表为 {'、'.join(sheets) or '无'}")])
    rows = sheets[METRICS_SHEET]
    where = f"{name} / {METRICS_SHEET}"

    def at(r: int, c: int):
        return rows[r - 1][c] if len(rows) >= r and len(rows[r - 1]) > c else None

    unit_raw = str(at(2, 1) or "").strip()
    unit = registry.find_unit(plan_id, unit_raw) if unit_raw else None
    if not unit_raw:
        problems.append(Problem(f"{where} / {UNIT_CELL}", "填报单位不能为空"))
    elif unit is None:
        names = [u.name for u in registry.unit_list(plan_id)]
        near = difflib.get_close_matches(unit_raw, names, n=1, cutoff=0.3)
        hint = f"，是否为“{near[0]}”？" if near else f"；本方案的单位为 {'、'.join(names)}"
        problems.append(Problem(f"{where} / {UNIT_CELL}", f"未知的填报单位“{unit_raw}”{hint}"))
    period_raw = at(3, 1)
    period = None
    if isinstance(period_raw, (datetime, date)):
        period = f"{period_raw.year:04d}-{period_raw.month:02d}"
    else:
        try:
            period = check_period(str(period_raw or "").strip().translate(_FULLWIDTH))
        except ValueError:
            problems.append(Problem(f"{where} / {PERIOD_CELL}", f"统计月份应为 YYYY-MM，实际为“{period_raw or ''}”"))
    m = FILE_RE.match(name)
    if m and period and m.group("period") != period:
        problems.append(Problem(f"{where} / {PERIOD_CELL}", f"统计月份 {period} 与文件名中的月份 {m.group('period')} 不一致"))
    today = today or date.today()
    if period and period_end(period).replace(day=1) > today:
        problems.append(Problem(f"{where} / {PERIOD_CELL}", f"统计月份 {period} 晚于今天（{today}），不能填报未来月份"))

    known = set(registry.fields)
    values: dict[str, float] = {}
    seen: dict[str, int] = {}
    for r in range(HEADER_ROW + 1, len(rows) + 1):
        code = str(at(r, 0) or "").strip()
        raw = at(r, 3)
        if not code and (raw is None or str(raw).strip() == ""):
            continue  # blank row
        cell = f"{where} / {_cell(3, r)}"
        if not code:
            problems.append(Problem(f"{where} / {_cell(0, r)}", "字段代码为空，但该行填写了数值"))
            continue
        if code not in known:
            problems.append(Problem(f"{where} / {_cell(0, r)}", f"未知的字段代码“{code}”"))
            continue
        label = registry.fields[code].name
        if code in seen:
            problems.append(Problem(f"{where} / {_cell(0, r)}", f"{label}（{code}）重复填报，第 {seen[code]} 行已有"))
            continue
        seen[code] = r
        value = _number(raw, cell, label, problems)
        if value is not None:
            values[code] = value
            seen[code] = r
    required = registry.return_fields(plan_id)
    for code in required:
        if code not in seen:
            problems.append(Problem(where, f"缺少必填字段 {registry.fields[code].name}（{code}）"))
        elif (code not in values and not registry.fields[code].optional
              and not any(p.where.endswith(_cell(3, seen[code])) for p in problems)):
            problems.append(Problem(f"{where} / {_cell(3, seen[code])}", f"{registry.fields[code].name}未填写"))
    for metric in registry.metrics.values():
        if metric.type != "rate":
            continue
        num, den = values.get(metric.numerator), values.get(metric.denominator)
        if num is not None and den is not None and num > den:
            problems.append(Problem(
                f"{where} / {_cell(3, seen[metric.numerator])}",
                f"{registry.fields[metric.numerator].name}（{_fmt(num)}）大于{registry.fields[metric.denominator].name}（{_fmt(den)}）",
            ))

    tasks: list[tuple[str, date | None, str]] = []
    if TASKS_SHEET in sheets:
        ids = {t.id for t in registry.plan(plan_id).targets}
        trows = sheets[TASKS_SHEET]
        twhere = f"{name} / {TASKS_SHEET}"
        for r, row in enumerate(trows[1:], start=2):
            row = list(row) + [None] * 6
            tid = str(row[0] or "").strip()
            if not tid:
                continue
            if tid not in ids:
                problems.append(Problem(f"{twhere} / A{r}", f"未知的目标编号“{tid}”"))
                continue
            try:
                done = _date(row[4])
            except ValueError:
                problems.append(Problem(f"{twhere} / E{r}", f"完成日期应为 YYYY-MM-DD，实际为“{row[4]}”"))
                continue
            if done and done > today:
                problems.append(Problem(f"{twhere} / E{r}", f"完成日期 {done} 晚于今天（{today}）"))
                continue
            if done and period and done > period_end(period):
                problems.append(Problem(f"{twhere} / E{r}", f"完成日期 {done} 晚于统计月份 {period} 的月末"))
                continue
            tasks.append((tid, done, str(row[5] or "").strip()))
    if problems:
        raise ReturnError(f"{name}：有 {len(problems)} 处问题，整份报表退回", problems)
    return MonthlyReturn(file=path, sha256=sha256_file(path), unit=unit.id, period=period,  # type: ignore[union-attr]
                         values=values, tasks=tuple(tasks))


def find_return_files(paths) -> list[Path]:
    """Every return workbook among ``paths`` (files, or folders searched recursively), sorted by name."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in (".xlsx", ".xlsm")
                    and not f.name.startswith(("~$", "."))]
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
            rejected.append(ReturnError(f"{prev.file.name}：已被替换", [Problem(
                prev.file.name, f"与 {ret.file.name} 是同一单位同一月份的报表，采用后者")]))
        accepted[key] = ret
    obs = [(r.unit, r.period, f, v) for r in accepted.values() for f, v in r.values.items()]
    tasks = [(r.unit, r.period, tid, d, ev) for r in accepted.values() for tid, d, ev in r.tasks]
    files = [(r.file.name, r.sha256, r.unit, r.period) for r in accepted.values()]
    return ReturnSet(
        observations=pd.DataFrame(obs, columns=["unit", "period", "field", "value"]),
        tasks=pd.DataFrame(tasks, columns=["unit", "period", "target_id", "done_date", "evidence"]),
        files=pd.DataFrame(files, columns=["file", "sha256", "unit", "period"]).sort_values("file", ignore_index=True),
        rejected=rejected,
    )


def write_return(path: Path, registry: Registry, plan_id: str, unit_name: str, period: str,
                 values: dict[str, float | None], tasks: list[tuple[str, date | None, str]] | None = None) -> Path:
    """Write a filled monthly return workbook (used by the sample generator and tests).

    Written to a temporary name and renamed, so a failed write never leaves a partial file.
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = METRICS_SHEET
    ws["A1"] = "政务服务目标台账 月度报表"
    ws["A2"], ws[UNIT_CELL] = "填报单位", unit_name
    ws["A3"], ws[PERIOD_CELL] = "统计月份", period
    for c, head in enumerate(METRIC_COLUMNS, start=1):
        ws.cell(row=HEADER_ROW, column=c, value=head)
    for r, code in enumerate(registry.return_fields(plan_id), start=HEADER_ROW + 1):
        f = registry.fields[code]
        ws.cell(row=r, column=1, value=code)
        ws.cell(row=r, column=2, value=f.name)
        ws.cell(row=r, column=3, value=f.unit)
        ws.cell(row=r, column=4, value=values.get(code))
    if tasks is not None:
        tws = wb.create_sheet(TASKS_SHEET)
        tws.append(list(TASK_COLUMNS))
        by_id = {t.id: t for t in registry.plan(plan_id).targets}
        for tid, done, evidence in tasks:
            t = by_id[tid]
            tws.append([tid, t.section, t.title, t.deadline_text, done, evidence])
    wb.properties.creator = "taizhang"
    wb.properties.created = datetime(2022, 1, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    _normalize_xlsx(tmp)
    tmp.replace(path)
    return path


_FIXED_STAMP = (2022, 1, 1, 0, 0, 0)


def _normalize_xlsx(path: Path) -> None:
    """Make a written workbook byte-for-byte reproducible: fixed zip timestamps and document dates."""
    import zipfile

    with zipfile.ZipFile(path) as zin:
        entries = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>2022-01-01T00:00:00Z\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=_FIXED_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)
