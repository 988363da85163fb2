"""``taizhang targets import 审核表.xlsx``: the reviewed workbook → plan file, units file, new metrics.

Every problem is collected first, each located by sheet, row and column (:class:`ImportRejected`); nothing is
written until there are none. The files built are then checked by the registry's own checker on a copy of
``targets/`` before they are written, so an import always leaves a registry that passes ``targets check``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from ..atomic import atomic_path
from ..dates import parse_deadline
from ..errors import Problem, ProblemsError
from ..targets import KIND_LABELS, LEVEL_LABELS, RECURRENCE_LABELS, check_registry, load_registry
from .workbook import (CANDIDATE_COLUMNS, CANDIDATES_SHEET, METRIC_COLUMNS, METRIC_TYPES, METRICS_SHEET,
                       OP_WORDS, PLAN_FIELDS, PLAN_SHEET, UNDATED, UNIT_COLUMNS, UNITS_SHEET, WHERE_LABELS)

_KIND = {v: k for k, v in KIND_LABELS.items()} | {k: k for k in KIND_LABELS}
_LEVEL = {v: k for k, v in LEVEL_LABELS.items()} | {k: k for k in LEVEL_LABELS}
_REC = {v: k for k, v in RECURRENCE_LABELS.items()} | {k: k for k in RECURRENCE_LABELS}
_OP = {v: k for k, v in OP_WORDS.items()} | {k: k for k in OP_WORDS} | {">": ">=", "<": "<="}
_WHERE = {v: k for k, v in WHERE_LABELS.items()} | {k: k for k in WHERE_LABELS}
_TYPE = {v: k for k, v in METRIC_TYPES.items()} | {k: k for k in METRIC_TYPES}


class ImportRejected(ProblemsError):
    """The review workbook cannot be imported; every problem names the sheet, row and column."""


@dataclass
class Workbook:
    path: Path
    info: dict = field(default_factory=dict)
    info_rows: dict = field(default_factory=dict)
    rows: list[tuple[int, dict]] = field(default_factory=list)
    units: list[tuple[int, dict]] = field(default_factory=list)
    metrics: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def at(self, sheet: str, row: int | None = None, column: str | None = None) -> str:
        where = f"{self.path.name} / 工作表“{sheet}”"
        if row is not None:
            where += f" 第{row}行"
        if column:
            where += f" “{column}”列"
        return where


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10]
    return str(v).strip()


def _table(wb, book: Workbook, sheet: str, columns: list[str]) -> list[tuple[int, dict]]:
    if sheet not in wb.sheetnames:
        book.problems.append(Problem(book.at(sheet), "缺少该工作表（请使用 taizhang targets draft 生成的审核表）"))
        return []
    rows = list(wb[sheet].iter_rows(values_only=True))
    header = [_text(h) for h in (rows[0] if rows else ())]
    missing = [c for c in columns if c not in header]
    if missing:
        book.problems.append(Problem(book.at(sheet, 1), f"缺少列：{'、'.join(missing)}"))
        return []
    idx = {c: header.index(c) for c in columns}
    out = []
    for r, row in enumerate(rows[1:], start=2):
        rec = {c: (row[i] if i < len(row) else None) for c, i in idx.items()}
        if all(_text(v) == "" for v in rec.values()):
            continue
        out.append((r, rec))
    return out


def read_workbook(path: Path) -> Workbook:
    """Read the review workbook's sheets (structure problems are recorded, not raised)."""
    from openpyxl import load_workbook

    book = Workbook(Path(path))
    try:
        wb = load_workbook(book.path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise ImportRejected(f"无法导入 {book.path}：", [Problem(str(book.path), "文件不存在")]) from None
    except Exception as exc:  # openpyxl raises several types for a file that is not a workbook
        raise ImportRejected(f"无法导入 {book.path.name}：", [Problem(book.path.name, f"不是可读取的 Excel 工作簿（.xlsx）：{type(exc).__name__}")]) from None
    try:
        if PLAN_SHEET in wb.sheetnames:
            for r, row in enumerate(wb[PLAN_SHEET].iter_rows(values_only=True), start=1):
                if row and _text(row[0]) in PLAN_FIELDS:
                    book.info[_text(row[0])] = row[1] if len(row) > 1 else None
                    book.info_rows[_text(row[0])] = r
        else:
            book.problems.append(Problem(book.at(PLAN_SHEET), "缺少该工作表"))
        book.rows = _table(wb, book, CANDIDATES_SHEET, CANDIDATE_COLUMNS)
        book.units = _table(wb, book, UNITS_SHEET, UNIT_COLUMNS)
        book.metrics = _table(wb, book, METRICS_SHEET, METRIC_COLUMNS)
    finally:
        wb.close()
    return book


def _split(v) -> list[str]:
    return [p.strip() for p in re.split(r"[；;]", _text(v)) if p.strip()]


def _units_list(v) -> list[str]:
    return [p.strip() for p in re.split(r"[，,]", _text(v)) if p.strip()]


def _number(book: Workbook, r: int, col: str, v, problems: list[Problem]) -> float | None:
    t = _text(v)
    if t == "":
        return None
    try:
        return float(t.replace("%", ""))
    except ValueError:
        problems.append(Problem(book.at(CANDIDATES_SHEET, r, col), f"应为数字，实际为“{t[:20]}”"))
        return None


def _target(book: Workbook, r: int, rec: dict, plan_id: str, issued: date | None, source: str | None,
            metric_keys: set[str], problems: list[Problem]) -> dict:
    """One accepted row as a registry entry; problems recorded with the row's sheet, row and column."""
    at = lambda col: book.at(CANDIDATES_SHEET, r, col)  # noqa: E731
    before = len(problems)
    tid = _target_id(at, r, rec, plan_id, problems)
    quote = _quote(at, rec, source, problems)
    kind, metric, op, value, upper = _measure(book, at, r, rec, metric_keys, problems)
    recurrence = _recurrence(at, rec, kind, problems)
    levels = _levels(at, rec, problems)
    deadlines = _deadlines(at, rec, source, issued, problems)
    ongoing_text = _text(rec["持续用语"])
    title = _text(rec["标题"]) or quote[:30]
    if len(problems) > before:
        return {}
    return {
        "id": tid, "title": title, "section": _text(rec["章节"]).replace("（", "(").replace("）", ")") or "—",
        "kind": kind, "metric": metric, "op": op, "value": value, "upper": upper,
        "unit": _text(rec["单位"]) if kind != "milestone" else "", "levels": levels, "deadlines": deadlines,
        "ongoing": bool(ongoing_text), "ongoing_text": ongoing_text or None, "recurrence": recurrence,
        "lead": _units_list(rec["牵头单位"]), "responsible": _units_list(rec["责任单位"]), "quote": quote,
        "note": _text(rec["审核备注"]) or None,
    }


def _target_id(at, r: int, rec: dict, plan_id: str, problems: list[Problem]) -> str:
    """The row's 编号, or one made from its section and row for a row the reviewer added; checked."""
    tid = _text(rec["编号"])
    if not tid:  # a row the reviewer added: an id from its section and row
        from .text import cn_number

        parts = [str(cn_number(x)) for x in re.findall(r"\d+|[一二三四五六七八九十]+", _text(rec["章节"]))]
        tid = f"{plan_id}.{'-'.join(parts) or '0'}.added-{r}"
    if not re.fullmatch(r"[a-z-]+\.[0-9a-z-]+\.[0-9a-z-]+", tid) or not tid.startswith(plan_id + "."):
        problems.append(Problem(at("编号"), f"应为“{plan_id}.<章节>.<名称>”（小写字母、数字和“-”），实际为“{tid}”"))
    return tid


def _quote(at, rec: dict, source: str | None, problems: list[Problem]) -> str:
    """The row's 原文句子, which must be a verbatim excerpt of the source."""
    quote = _text(rec["原文句子"])
    if len(quote) < 4:
        problems.append(Problem(at("原文句子"), "不能为空（至少 4 个字）"))
    elif source is not None and quote not in source:
        problems.append(Problem(at("原文句子"), f"不是原文的逐字摘录：“{quote[:30]}…”在原文中找不到（可删减，但不能改写）"))
    return quote


def _measure(book: Workbook, at, r: int, rec: dict, metric_keys: set[str],
             problems: list[Problem]) -> tuple[str | None, str, str | None, float | None, float | None]:
    """(kind, metric, op, value, upper) of the row; a milestone has no comparison."""
    kind = _KIND.get(_text(rec["类别"]))
    if kind is None:
        problems.append(Problem(at("类别"), f"应为 {'、'.join(KIND_LABELS.values())} 之一，实际为“{_text(rec['类别'])}”"))
    metric = _text(rec["指标"]) or ("task_completion" if kind == "milestone" else "")
    if kind == "milestone":
        metric = "task_completion"
    elif metric not in metric_keys:
        problems.append(Problem(at("指标"), f"指标“{metric or '（空）'}”不在 metrics.yaml 中，也未在“新指标”表中定义"))
    op = _OP.get(_text(rec["比较"])) if kind != "milestone" else None
    value = _number(book, r, "目标值", rec["目标值"], problems) if kind != "milestone" else None
    upper = _number(book, r, "上限", rec["上限"], problems) if kind != "milestone" else None
    if kind in ("quantitative", "recurring"):
        if op is None:
            problems.append(Problem(at("比较"), f"{KIND_LABELS[kind]}须填写比较符 ≥、≤ 或 =，实际为“{_text(rec['比较'])}”"))
        if value is None:
            problems.append(Problem(at("目标值"), f"{KIND_LABELS[kind]}须填写目标值"))
    return kind, metric, op, value, upper


def _recurrence(at, rec: dict, kind: str | None, problems: list[Problem]) -> str | None:
    """The row's 频次 (a recurring target's only; required for one)."""
    recurrence = _REC.get(_text(rec["频次"])) if _text(rec["频次"]) else None
    if _text(rec["频次"]) and recurrence is None:
        problems.append(Problem(at("频次"), f"应为 {'、'.join(RECURRENCE_LABELS.values())} 之一，实际为“{_text(rec['频次'])}”"))
    if kind == "recurring" and recurrence is None and not _text(rec["频次"]):
        problems.append(Problem(at("频次"), "常态化任务须填写频次（每年、每季度、每月 …）"))
    if kind != "recurring":
        recurrence = None
    return recurrence


def _levels(at, rec: dict, problems: list[Problem]) -> list[str]:
    """The row's 层级 codes (at least one)."""
    levels = []
    for word in re.split(r"[、，,；;\s]+", _text(rec["层级"])):
        if not word:
            continue
        if word not in _LEVEL:
            problems.append(Problem(at("层级"), f"“{word}”不是层级，可选：{'、'.join(LEVEL_LABELS.values())}"))
        else:
            levels.append(_LEVEL[word])
    if not levels and not any(p.where == at("层级") for p in problems):
        problems.append(Problem(at("层级"), "至少填写一个层级"))
    return levels


def _deadlines(at, rec: dict, source: str | None, issued: date | None, problems: list[Problem]) -> list[dict]:
    """The row's deadlines: 期限原文, 期限日期 and 期限位置, one per "；"-separated part."""
    words, dates, wheres = _split(rec["期限原文"]), _split(rec["期限日期"]), _split(rec["期限位置"])
    if dates and dates != [UNDATED] and len(dates) != len(words):
        problems.append(Problem(at("期限日期"), f"期限原文有 {len(words)} 项，期限日期有 {len(dates)} 项，应一一对应（用“；”分隔）"))
    deadlines = []
    for i, w in enumerate(words):
        entry = _deadline(at, w, dates[i] if i < len(dates) else "", source, issued, problems)
        where = _WHERE.get(wheres[i]) if i < len(wheres) else "bracket"
        entry["where"] = where or "bracket"
        deadlines.append(entry)
    return deadlines


def _deadline(at, w: str, typed: str, source: str | None, issued: date | None, problems: list[Problem]) -> dict:
    """One deadline's words and, when the date rules cannot read them, the date typed for them."""
    if source is not None and w not in source:
        problems.append(Problem(at("期限原文"), f"“{w}”在原文中找不到"))
    ruled = parse_deadline(w, issued)
    entry = {"text": w}
    if typed and typed != UNDATED:
        try:
            given = date.fromisoformat(typed)
        except ValueError:
            problems.append(Problem(at("期限日期"), f"“{typed}”不是 YYYY-MM-DD 日期"))
            given = None
        if given is not None and ruled is not None and given != ruled:
            problems.append(Problem(at("期限日期"), f"期限“{w}”按日期规则（targets/README.md）为 {ruled}，但填写为 {given}；"
                                                  "请改正日期，或把期限原文改为原文中写明该日期的文字"))
        elif given is not None and ruled is None:
            entry["date"] = given.isoformat()
    elif ruled is None:
        problems.append(Problem(at("期限日期"), f"期限原文“{w}”无法按日期规则解读，请填写期限日期（YYYY-MM-DD）"))
    return entry


def plan_document(book: Workbook, accepted_only: bool = True, source: str | None = None, issued: date | None = None,
                  metric_keys: set[str] | None = None, problems: list[Problem] | None = None) -> dict:
    """The plan file the workbook gives (the accepted rows; every row with ``accepted_only=False``)."""
    problems = problems if problems is not None else []
    info = book.info
    plan_id = _text(info.get("方案编号"))
    if issued is None and _text(info.get("发文日期")):
        try:
            issued = date.fromisoformat(_text(info.get("发文日期")))
        except ValueError:
            issued = None
    keys = metric_keys if metric_keys is not None else {_text(rec["指标"]) for _, rec in book.rows} | {"task_completion"}
    targets = []
    for r, rec in book.rows:
        if accepted_only and _text(rec["采纳"]) != "是":
            continue
        entry = _target(book, r, rec, plan_id, issued, source, keys, problems)
        if entry:
            targets.append(entry)
    order = _text(info.get("次序"))
    doc = {"plan": plan_id}
    if order.isdigit():
        doc["order"] = int(order)
    doc |= {"short_name": _text(info.get("简称")), "document": _text(info.get("方案名称")),
            "issuer": _text(info.get("发文单位")), "issued": issued,
            "doc_number": _text(info.get("文号")) or None,
            "source": f"{plan_id}.txt", "targets": targets}
    return doc


def _metric_entries(book: Workbook, used: set[str], registry, problems: list[Problem],
                    replace: bool = False) -> tuple[dict, dict, dict]:
    """(units, fields, metrics) to add to metrics.yaml for the new metrics the accepted rows use."""
    units, fields, metrics = {}, {}, {}
    for r, rec in book.metrics:
        key = _text(rec["指标编号"])
        if key not in used:
            continue
        at = lambda col: book.at(METRICS_SHEET, r, col)  # noqa: E731
        if key in registry.metrics:
            if not replace:
                problems.append(Problem(at("指标编号"), f"指标 {key} 已在 metrics.yaml 中，请换一个编号或直接使用已有指标"))
            continue  # re-importing with --replace keeps the definition already in metrics.yaml
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            problems.append(Problem(at("指标编号"), f"应由小写字母、数字和“_”组成，实际为“{key}”"))
        mtype = _TYPE.get(_text(rec["类型"]))
        if mtype is None:
            problems.append(Problem(at("类型"), f"应为 {'、'.join(METRIC_TYPES.values())} 之一，实际为“{_text(rec['类型'])}”"))
            continue
        unit = _text(rec["单位"]) or ("%" if mtype == "rate" else "")
        name = _text(rec["指标名称"])
        if len(name) < 2:
            problems.append(Problem(at("指标名称"), "不能为空"))
        entry = {"name": name, "type": mtype, "unit": unit}
        if mtype == "rate":
            for fk, fn in (("分子字段", "分子名称"), ("分母字段", "分母名称")):
                code, label = _text(rec[fk]), _text(rec[fn])
                if not re.fullmatch(r"[a-z][a-z0-9_]*", code) or not label:
                    problems.append(Problem(at(fk), f"比率指标须有{fk}（小写字母、数字和“_”）和{fn}"))
                    continue
                if code not in registry.fields:
                    fields[code] = {"name": label, "unit": "项"}
                    units.setdefault("项", {"whole": True, "decimals": 0})
            entry |= {"numerator": _text(rec["分子字段"]), "denominator": _text(rec["分母字段"])}
        else:
            code, label = _text(rec["字段编号"]), _text(rec["字段名称"])
            if not re.fullmatch(r"[a-z][a-z0-9_]*", code) or not label:
                problems.append(Problem(at("字段编号"), "计数或是否指标须有字段编号（小写字母、数字和“_”）和字段名称"))
                continue
            if code not in registry.fields:
                fields[code] = {"name": label, "unit": unit or "项"}
            entry["field"] = code
            if unit and unit not in registry.unit_rules:
                units[unit] = {"whole": _text(rec["整数"]) != "否", "decimals": 0 if _text(rec["整数"]) != "否" else 1}
        entry["higher_is_better"] = _text(rec["越高越好"]) != "否"
        entry["description"] = _text(rec["说明"])
        metrics[key] = entry
    return units, fields, metrics


def _insert_catalogue(text: str, units: dict, fields: dict, metrics: dict) -> str:
    """metrics.yaml's text with new units, fields and metrics inserted in their blocks (comments kept)."""
    def flow(d: dict) -> str:
        return yaml.safe_dump(d, allow_unicode=True, default_flow_style=True, width=10000).strip()

    lines = text.rstrip("\n").split("\n")
    def insert_before(key: str, new: list[str]) -> None:
        i = next(k for k, line in enumerate(lines) if line.startswith(f"{key}:"))
        while i > 0 and lines[i - 1].startswith("#"):
            i -= 1
        lines[i:i] = new
    if units:
        insert_before("fields", [f"  {flow({u: v})[1:-1]}" for u, v in units.items()])
    if fields:
        insert_before("metrics", [f"  {flow({k: v})[1:-1]}" for k, v in fields.items()])
    for key, m in metrics.items():
        lines.append(f"  {key}:")
        lines += ["    " + line for line in yaml.safe_dump(m, allow_unicode=True, sort_keys=False, width=200).strip().split("\n")]
    return "\n".join(lines) + "\n"


def _info_at(book: Workbook, key: str) -> str:
    """Where the 方案信息 sheet gives ``key``."""
    return book.at(PLAN_SHEET, book.info_rows.get(key), key)


def _check_info(book: Workbook, registry, replace: bool, problems: list[Problem]) -> tuple[str, date | None]:
    """(plan id, issue date) from the 方案信息 sheet, with its problems recorded."""
    info = book.info
    plan_id = _text(info.get("方案编号"))
    if not re.fullmatch(r"[a-z][a-z0-9-]*", plan_id):
        problems.append(Problem(_info_at(book, "方案编号"), f"应由小写字母开头，含小写字母、数字和“-”，实际为“{plan_id}”"))
    elif plan_id in registry.plans and not replace:
        problems.append(Problem(_info_at(book, "方案编号"), f"方案 {plan_id} 已在登记册中；如要替换，请使用 --replace"))
    for key, label in (("方案名称", "方案名称"), ("简称", "简称"), ("发文单位", "发文单位")):
        if len(_text(info.get(key))) < 2:
            problems.append(Problem(_info_at(book, key), f"{label}不能为空"))
    issued = None
    try:
        issued = date.fromisoformat(_text(info.get("发文日期")))
    except ValueError:
        problems.append(Problem(_info_at(book, "发文日期"), f"应为 YYYY-MM-DD 日期，实际为“{_text(info.get('发文日期'))}”"))
    return plan_id, issued


def _read_source(book: Workbook, problems: list[Problem]) -> str | None:
    """The text of the 原文文件 named in the workbook (beside it), or None with a problem."""
    source_name = _text(book.info.get("原文文件"))
    source_path = (book.path.parent / source_name) if source_name else None
    if source_path is None or not source_path.is_file():
        problems.append(Problem(_info_at(book, "原文文件"), f"找不到原文文件“{source_name}”（应与审核表在同一文件夹）"))
        return None
    return source_path.read_text(encoding="utf-8")


def _unit_entries(book: Workbook, problems: list[Problem]) -> list[dict]:
    """The units file's entries from the 填报单位 sheet (at least one), with their problems recorded."""
    unit_list = []
    seen: dict[str, int] = {}
    for r, rec in book.units:
        at = lambda col: book.at(UNITS_SHEET, r, col)  # noqa: E731
        uid, name, level = _text(rec["单位编号"]), _text(rec["单位名称"]), _LEVEL.get(_text(rec["层级"]))
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", uid):
            problems.append(Problem(at("单位编号"), f"应由小写字母、数字和“-”组成，实际为“{uid}”"))
        elif uid in seen:
            problems.append(Problem(at("单位编号"), f"与第{seen[uid]}行重复"))
        seen[uid] = r
        if not name:
            problems.append(Problem(at("单位名称"), "不能为空"))
        if level is None:
            problems.append(Problem(at("层级"), f"应为 {'、'.join(LEVEL_LABELS.values())} 之一，实际为“{_text(rec['层级'])}”"))
        unit_list.append({"id": uid, "name": name, "level": level,
                          "aliases": [a for a in re.split(r"[、，,；;\s]+", _text(rec["别名"])) if a]})
    if not book.units and not any(UNITS_SHEET in p.where for p in problems):
        problems.append(Problem(book.at(UNITS_SHEET), "至少列出一个填报单位"))
    return unit_list


def _registry_files(book: Workbook, root: Path, plan_id: str, doc: dict, unit_list: list[dict], source: str,
                    catalogue: tuple[dict, dict, dict]) -> dict[str, str]:
    """The text of every file the import writes, by its path under ``root``."""
    return {
        f"plans/{plan_id}.yaml": f"# {doc['document']}. Imported from {book.path.name} (taizhang targets import). "
                                 f"Format: targets/README.md.\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=200),
        f"units/{plan_id}.yaml": f"# {doc['short_name']} reporting units. Format: targets/README.md.\n"
                                 + yaml.safe_dump({"plan": plan_id, "units": unit_list}, allow_unicode=True, sort_keys=False),
        f"sources/{plan_id}.txt": source,
        "metrics.yaml": _insert_catalogue((root / "metrics.yaml").read_text(encoding="utf-8"), *catalogue),
    }


def _check_trial(root: Path, files: dict[str, str]) -> list[Problem]:
    """The registry's own checker's problems on a copy of ``root`` with ``files`` written (the import never
    leaves a broken registry)."""
    with tempfile.TemporaryDirectory(prefix="taizhang-import-") as tmp:
        trial = Path(tmp) / "targets"
        shutil.copytree(root, trial, ignore=shutil.ignore_patterns("drafts", "scenarios"))
        for rel, content in files.items():
            (trial / rel).write_text(content, encoding="utf-8")
        return check_registry(trial)


def import_workbook(path: Path, root: Path | None = None, replace: bool = False) -> dict:
    """Import the reviewed workbook at ``path`` into the registry under ``root`` (default ``targets/``).

    Writes ``plans/<plan>.yaml``, ``units/<plan>.yaml``, ``sources/<plan>.txt`` (the text the quotes come
    from) and the new metrics' entries in ``metrics.yaml``. Raises :class:`ImportRejected` listing every
    problem (sheet, row, column) and writes nothing when there is any. An existing plan is replaced only with
    ``replace``. Returns the written paths and counts.
    """
    registry = load_registry(root)
    root = registry.root
    book = read_workbook(path)
    problems = list(book.problems)
    plan_id, issued = _check_info(book, registry, replace, problems)
    source = _read_source(book, problems)
    new_keys = {_text(rec["指标编号"]) for _, rec in book.metrics}
    keys = set(registry.metrics) | new_keys
    doc = plan_document(book, True, source, issued, keys, problems)
    if not doc["targets"] and not any(CANDIDATES_SHEET in p.where for p in problems):
        problems.append(Problem(book.at(CANDIDATES_SHEET), "没有“采纳”为“是”的行"))
    used = {t["metric"] for t in doc["targets"]} & new_keys
    units_add, fields_add, metrics_add = _metric_entries(book, used, registry, problems, replace)
    unit_list = _unit_entries(book, problems)
    if problems:
        raise ImportRejected(f"审核表 {book.path.name} 有 {len(problems)} 处问题，未写入任何文件：", problems)
    row_of = {_text(rec["编号"]): r for r, rec in book.rows}
    files = _registry_files(book, root, plan_id, doc, unit_list, source, (units_add, fields_add, metrics_add))
    found = _check_trial(root, files)
    if found:
        located = []
        for p in found:
            m = re.search(r"目标 (\S+)", p.where)
            row = row_of.get(m.group(1)) if m else None
            where = book.at(CANDIDATES_SHEET, row) if row else p.where
            located.append(Problem(where, p.message))
        raise ImportRejected(f"审核表 {book.path.name} 导入后登记册校验不通过（{len(found)} 处），未写入任何文件：", located)
    # every file written under its temporary name first, then all renamed: a failed write replaces none
    with ExitStack() as stack:
        for rel, content in files.items():
            stack.enter_context(atomic_path(root / rel)).write_text(content, encoding="utf-8")
    written = [root / rel for rel in files]
    return {"plan": plan_id, "targets": len(doc["targets"]), "units": len(unit_list), "new_metrics": len(metrics_add),
            "written": written}
