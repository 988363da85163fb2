"""The target registry: typed, validated, immutable objects mirroring ``targets/*.yaml``.

``load_registry()`` builds the registry and raises :class:`~taizhang.errors.RegistryError` listing every
problem; ``check_registry()`` only reports the problems (the ``taizhang targets check`` command). The YAML
format, level vocabulary and date rules are documented in ``targets/README.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal, Optional

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .dates import parse_deadline
from .errors import Problem, RegistryError
from .kernel.formatting import format_number
from .project import targets_dir

Kind = Literal["quantitative", "recurring", "milestone"]
Op = Literal[">=", "<=", "=="]
Level = Literal["city", "county", "township", "village", "sub_center", "department", "park"]
Recurrence = Literal["year", "half_year", "quarter", "month", "week", "day"]

LEVEL_LABELS = {
    "city": "市级", "county": "旗县区级", "township": "苏木乡镇(街道)级", "village": "嘎查村(社区)级",
    "sub_center": "专业分中心", "department": "部门", "park": "园区",
}
KIND_LABELS = {"quantitative": "量化指标", "recurring": "常态化任务", "milestone": "节点任务"}
RECURRENCE_LABELS = {"year": "每年", "half_year": "每半年", "quarter": "每季度", "month": "每月", "week": "每周", "day": "每日"}
OP_LABELS = {">=": "≥", "<=": "≤", "==": "="}

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Deadline(BaseModel):
    """One deadline as the plan words it; ``date`` is filled from the date rules when absent."""

    model_config = _STRICT
    text: str = Field(min_length=2)
    date: Optional[dt.date] = None
    where: Literal["bracket", "text", "goals"] = "bracket"


class Target(BaseModel):
    """One target of a plan (see targets/README.md for every key)."""

    model_config = _STRICT
    id: str = Field(pattern=r"^[a-z-]+\.[0-9a-z-]+\.[0-9a-z-]+$")
    title: str = Field(min_length=2)
    section: str = Field(min_length=1)
    kind: Kind
    metric: str
    op: Optional[Op] = None
    value: Optional[float] = None
    upper: Optional[float] = None
    unit: Optional[str] = None
    levels: tuple[Level, ...] = Field(min_length=1)
    applies_to: Optional[str] = None
    deadlines: tuple[Deadline, ...] = ()
    ongoing: bool = False
    ongoing_text: Optional[str] = None
    recurrence: Optional[Recurrence] = None
    lead: tuple[str, ...] = ()
    responsible: tuple[str, ...] = ()
    quote: str = Field(min_length=4)
    conflicts_with: tuple[str, ...] = ()
    note: Optional[str] = None
    plan: str = ""  # filled by the loader from the file

    @field_validator("lead", "responsible", "conflicts_with", mode="before")
    @classmethod
    def _none_is_empty(cls, v):
        return () if v is None else v

    @property
    def deadline(self) -> date | None:
        """The date the target is judged by: the earliest of its deadlines, or None (期限未明确)."""
        dates = [d.date for d in self.deadlines if d.date is not None]
        return min(dates) if dates else None

    @property
    def deadline_text(self) -> str:
        """All deadlines in the plan's words, earliest first, joined with "；"."""
        ordered = sorted(self.deadlines, key=lambda d: d.date or date.max)
        return "；".join(d.text for d in ordered)

    @property
    def threshold_label(self) -> str:
        """The target as a reader says it, e.g. "≥ 70%" or "≥ 1名（参考上限 2名）"."""
        if self.kind == "milestone" or self.op is None or self.value is None:
            return "按期完成"
        unit = self.unit or ""
        text = f"{OP_LABELS[self.op]} {format_number(self.value)}{unit}"
        if self.upper is not None:
            text += f"（参考上限 {format_number(self.upper)}{unit}）"
        if self.recurrence:
            text = f"{RECURRENCE_LABELS[self.recurrence]} {text}"
        return text


class Plan(BaseModel):
    """One implementation plan (实施方案) and its targets.

    ``order`` places the plan in every list (CLI, comparison columns, --all-plans); plans without one come
    after the ordered ones, by id. ``short_name`` is the plan's name in tables and messages (巴彦淖尔市); when
    a file leaves it out it is the place of the issuer (巴彦淖尔市人民政府办公室 → 巴彦淖尔市).
    """

    model_config = _STRICT
    plan: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    order: Optional[int] = Field(default=None, ge=1)
    short_name: str = Field(default="", max_length=20)  # empty: the place of the issuer (see _short_name)
    document: str
    issuer: str
    issued: date
    issued_note: Optional[str] = None
    doc_number: Optional[str] = None  # 文号, e.g. 阿政发〔2023〕6号
    source: str
    rankings: tuple[str, ...] = ()  # metrics the plan asks to rank units by (collected monthly, no threshold)
    rankings_section: Optional[str] = None
    rankings_quote: Optional[str] = None  # the plan's words asking for the ranking (checked verbatim)
    rankings_by: Optional[str] = None  # the level the plan ranks by (乌拉特中旗: department); None = the plan's units
    targets: tuple[Target, ...] = ()

    @model_validator(mode="after")
    def _short_name(self):
        if not self.short_name:  # frozen model: set once, here
            place = re.sub(r"(人民政府)?(办公室|办公厅)?$", "", self.issuer) or self.plan
            object.__setattr__(self, "short_name", place[:20])
        return self


class Unit(BaseModel):
    """A reporting unit (市本级, 旗县区, 苏木镇, 分中心 …)."""

    model_config = _STRICT
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    level: Level
    aliases: tuple[str, ...] = ()


class UnitList(BaseModel):
    model_config = _STRICT
    plan: str
    units: tuple[Unit, ...] = Field(min_length=1)


class FieldDef(BaseModel):
    """A raw quantity a monthly return carries."""

    model_config = _STRICT
    name: str
    unit: str
    optional: bool = False  # may be left blank (e.g. "本月无调整时不填")
    # the first month whose return template carries the field (YYYY-MM): a return for an earlier month made
    # from an older template may lack its row and is accepted; targets on it are then 无数据, said so
    since: Optional[str] = Field(default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    min: float | None = None  # plausibility limits: a value outside [min, max] is refused as implausible
    max: float | None = None


class Metric(BaseModel):
    """A metric computed from return fields."""

    model_config = _STRICT
    name: str
    type: Literal["rate", "count", "yesno"]
    unit: str = ""
    field: Optional[str] = None
    numerator: Optional[str] = None
    denominator: Optional[str] = None
    higher_is_better: bool = True
    description: str = ""
    key: str = ""  # filled by the loader

    @property
    def fields(self) -> tuple[str, ...]:
        """The return fields this metric reads."""
        if self.type == "rate":
            return (self.numerator, self.denominator)  # type: ignore[return-value]
        return (self.field,) if self.field else ()


class UnitRule(BaseModel):
    """How a unit of measure (名, %, 小时 …) is entered and shown: ``whole`` things are counted one by one
    (a return must give a whole number, templates format without decimals); ``decimals`` is the number of
    decimals values in this unit are shown with when they are not whole."""

    model_config = _STRICT
    whole: bool = False
    decimals: int = Field(default=1, ge=0, le=4)


_DEFAULT_RULE = UnitRule()


class Catalogue(BaseModel):
    model_config = _STRICT
    units: dict[str, UnitRule]
    fields: dict[str, FieldDef]
    metrics: dict[str, Metric]


@dataclass(frozen=True)
class Registry:
    """Every plan, unit list and metric, validated; build it with :func:`load_registry`."""

    root: Path
    fields: dict[str, FieldDef]
    metrics: dict[str, Metric]
    plans: dict[str, Plan]  # in plan order (see :class:`Plan`)
    units: dict[str, tuple[Unit, ...]]
    version: str
    unit_rules: dict[str, UnitRule] = field(default_factory=dict)  # metrics.yaml ``units``

    def __post_init__(self) -> None:
        # the one value formatter shows every unit with its declared decimals (docs/evaluation.md)
        if self.unit_rules:
            from .kernel.formatting import use_unit_decimals

            use_unit_decimals({u: r.decimals for u, r in self.unit_rules.items()})

    @property
    def plan_ids(self) -> tuple[str, ...]:
        """Every plan id, in plan order (``order`` in each plan file, then id)."""
        return tuple(self.plans)

    def short_name(self, plan_id: str) -> str:
        """The plan's short Chinese name (``short_name`` in its file), e.g. 巴彦淖尔市."""
        return self.plan(plan_id).short_name

    def plan_choices(self) -> str:
        """The plan ids with their short names, for messages: "bayannur（巴彦淖尔市）、baotou（包头市）…"."""
        return "、".join(f"{pid}（{p.short_name}）" for pid, p in self.plans.items()) or "（登记册中没有方案）"

    def unit_rule(self, unit: str) -> UnitRule:
        """The entry and display rule of a unit of measure (metrics.yaml ``units``); an undeclared unit is a
        measure shown with one decimal."""
        return self.unit_rules.get(str(unit or "").strip(), _DEFAULT_RULE)

    def is_whole(self, unit: str) -> bool:
        """Whether quantities in ``unit`` are counted one by one (名, 项, 件 …) and must be whole numbers."""
        return self.unit_rule(unit).whole

    def plan(self, plan_id: str) -> Plan:
        """The plan with id ``plan_id``; unknown ids raise a ParameterError listing the known ones."""
        from .errors import ParameterError

        if plan_id not in self.plans:
            raise ParameterError("plan", plan_id, "、".join(self.plans) or "（登记册中没有方案）")
        return self.plans[plan_id]

    def source_text(self, plan_id: str) -> str:
        return (self.root / "sources" / self.plan(plan_id).source).read_text(encoding="utf-8")

    def unit_list(self, plan_id: str) -> tuple[Unit, ...]:
        self.plan(plan_id)
        return self.units.get(plan_id, ())

    def find_unit(self, plan_id: str, name: str) -> Unit | None:
        """The unit whose id, name or alias equals ``name`` (spaces ignored), or None."""
        key = "".join(str(name).split())
        for unit in self.unit_list(plan_id):
            if key in (unit.id, unit.name, *unit.aliases):
                return unit
        return None

    def plan_metrics(self, plan_id: str, kinds: tuple[str, ...] = ("quantitative", "recurring")) -> list[str]:
        """The metrics of the plan's targets of ``kinds``, each once, in the order of the plan's targets —
        the one ordering of "the metrics of a plan" (the explorer's picker, the charts, the rankings)."""
        return list(dict.fromkeys(t.metric for t in self.plan(plan_id).targets if t.kind in kinds and t.metric))

    def return_fields(self, plan_id: str) -> list[str]:
        """The fields a monthly return for this plan carries, in catalogue order."""
        used: set[str] = set()
        plan = self.plan(plan_id)
        for t in plan.targets:
            if t.kind != "milestone":
                used.update(f for f in self.metrics[t.metric].fields if f)
        for key in plan.rankings:
            used.update(f for f in self.metrics[key].fields if f)
        return [f for f in self.fields if f in used]

    @cached_property
    def targets_frame(self) -> pd.DataFrame:
        """Every target as one row with the export columns (see :func:`export_frame`)."""
        return export_frame(self)


# --------------------------------------------------------------------------------------------------
# applicability


LEVEL_RANK = {"city": 0, "county": 1, "township": 2, "village": 3}


def reporting_levels(target_levels: tuple[str, ...], unit_levels: set[str]) -> set[str]:
    """The unit levels that report a target, given the levels present in the plan's unit list.

    A unit reports targets at its own level, and for levels below it that have no units of their own
    (a 旗县区 reports its 苏木乡镇 and 嘎查村 aggregate when those are not units of the plan). Department-
    and park-level targets are reported by the halls they sit in (city and county units); a 分中心 target is
    reported by the plan's 分中心 units, or by the city unit when the plan lists none.
    """
    out: set[str] = set()
    ranked = sorted((lv for lv in unit_levels if lv in LEVEL_RANK), key=LEVEL_RANK.get)
    for level in target_levels:
        if level in unit_levels:
            out.add(level)
        elif level in LEVEL_RANK:
            above = [lv for lv in ranked if LEVEL_RANK[lv] < LEVEL_RANK[level]]
            if above:
                out.add(above[-1])
        elif level in ("department", "park"):
            out.update(lv for lv in ("city", "county") if lv in unit_levels)
        elif level == "sub_center":
            out.add("city" if "city" in unit_levels else (ranked[0] if ranked else "city"))
    return out


def applies(target: Target, unit: Unit, unit_levels: set[str]) -> bool:
    """Whether ``unit`` reports ``target`` (see :func:`reporting_levels`)."""
    return unit.level in reporting_levels(target.levels, unit_levels)


# --------------------------------------------------------------------------------------------------
# loading and checking


_YAML_ZH = [
    ("did not find expected ',' or '}'", "花括号 { } 内缺少逗号或右括号"),
    ("did not find expected ',' or ']'", "方括号 [ ] 内缺少逗号或右括号"),
    ("mapping values are not allowed here", "此处不能出现“: ”（含冒号和空格的文字须加引号）"),
    ("found character that cannot start any token", "出现了不能作为开头的字符（如制表符或 @、`，请加引号）"),
    ("could not find expected ':'", "缺少“键: 值”中的冒号"),
    ("did not find expected key", "缩进不一致或缺少键"),
    ("found unexpected end of stream", "文件意外结束（引号或括号未闭合）"),
    ("did not find expected node content", "缺少内容（列表或映射未闭合）"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
]


def _read_yaml(path: Path, problems: list[Problem], where: str | None = None):
    """Parse a YAML file; on failure record a Chinese problem naming the file and line and return None."""
    where = where or path.name
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_LOADER)  # noqa: S506 - a safe loader (libyaml's when available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{where} 第{mark.line + 1}行第{mark.column + 1}列" if mark else where
        raw = str(getattr(exc, "problem", None) or exc)
        zh = next((z for en, z in _YAML_ZH if en in raw), "格式不正确")
        problems.append(Problem(at, f"YAML 格式错误：{zh}（解析器原文：{raw}）"))
    except UnicodeDecodeError:
        problems.append(Problem(where, "文件不是 UTF-8 编码，请以 UTF-8 保存"))
    except OSError as exc:
        problems.append(Problem(where, f"无法读取文件：{exc.strerror}"))
    return None


def yaml_names(folder: Path, plan: str | None = None, pattern: re.Pattern | None = None) -> list[str]:
    """Names (file stems, sorted) of the YAML files in ``folder`` (scenarios, scorings), only those matching
    ``pattern`` when given, and with ``plan`` only the files whose ``plan:`` is that plan. A file that cannot be
    read is left out here; its loader reports its problems when it is named."""
    folder = Path(folder)
    names = sorted(p.stem for p in folder.glob("*.yaml") if pattern is None or pattern.match(p.stem)) \
        if folder.is_dir() else []
    if plan is None:
        return names
    out = []
    for name in names:
        try:
            data = yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(data, dict) and data.get("plan") == plan:
            out.append(name)
    return out


def _pydantic_problems(where: str, exc: ValidationError, data) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = list(err["loc"])
        label = where
        if len(loc) >= 2 and loc[0] == "targets" and isinstance(loc[1], int):
            try:
                tid = data["targets"][loc[1]].get("id", f"第{loc[1] + 1}条")
            except (KeyError, IndexError, TypeError, AttributeError):
                tid = f"第{loc[1] + 1}条"
            label = f"{where} / 目标 {tid}"
            loc = loc[2:]
        elif len(loc) >= 2 and loc[0] == "units" and isinstance(loc[1], int):
            label = f"{where} / 第{loc[1] + 1}个单位"
            loc = loc[2:]
        field = ".".join(str(p) for p in loc) or "（整体）"
        got = err.get("input")
        got_text = "缺失" if err["type"] == "missing" else repr(got)[:80]
        out.append(Problem(label, f"字段 {field} 不符合格式（{_translate(err)}），实际为 {got_text}"))
    return out


_ERROR_ZH = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "literal_error": "取值不在允许范围内",
    "string_pattern_mismatch": "格式不符",
    "date_from_datetime_parsing": "应为 YYYY-MM-DD 日期",
    "date_parsing": "应为 YYYY-MM-DD 日期",
    "date_type": "应为 YYYY-MM-DD 日期",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "string_type": "应为文字",
    "bool_type": "应为 true/false",
    "bool_parsing": "应为 true/false",
    "too_short": "不能为空",
    "string_too_short": "太短",
    "tuple_type": "应为列表",
    "dict_type": "应为映射",
}


def _translate(err) -> str:
    zh = _ERROR_ZH.get(err["type"], err["type"])
    ctx = err.get("ctx") or {}
    if err["type"] == "literal_error" and "expected" in ctx:
        zh += "：允许 " + str(ctx["expected"]).replace(" or ", "、").replace(", ", "、")
    if err["type"] == "string_pattern_mismatch" and "pattern" in ctx:
        zh += f"：应匹配 {ctx['pattern']}"
    return zh


def _check_target(plan: Plan, t: Target, source: str, metrics: dict[str, Metric], where: str) -> list[Problem]:
    p: list[Problem] = []
    w = f"{where} / 目标 {t.id}"
    if not t.id.startswith(plan.plan + "."):
        p.append(Problem(w, f"目标编号应以“{plan.plan}.”开头"))
    if t.quote not in source:
        p.append(Problem(w, f"quote 不是原文的逐字摘录：“{t.quote[:40]}…”在 {plan.source} 中找不到"))
    if len(t.quote) > 400:
        p.append(Problem(w, f"quote 过长（{len(t.quote)} 字），应只摘录载有目标的句子"))
    for d in t.deadlines:
        if d.text not in source:
            p.append(Problem(w, f"期限原文“{d.text}”在 {plan.source} 中找不到"))
        ruled = parse_deadline(d.text, plan.issued)
        if ruled is None and d.date is None:
            p.append(Problem(w, f"期限原文“{d.text}”无法按日期规则解读，请补充 date（YYYY-MM-DD）"))
        if ruled is not None and d.date is not None and ruled != d.date:
            p.append(Problem(w, f"期限“{d.text}”按日期规则为 {ruled}，但 date 写为 {d.date}"))
    if t.ongoing_text and t.ongoing_text not in source:
        p.append(Problem(w, f"ongoing_text“{t.ongoing_text}”在 {plan.source} 中找不到"))
    metric = metrics.get(t.metric)
    if metric is None:
        p.append(Problem(w, f"指标 {t.metric} 未在 metrics.yaml 中定义"))
    if t.kind == "milestone":
        if t.metric != "task_completion":
            p.append(Problem(w, f"节点任务的指标应为 task_completion，实际为 {t.metric}"))
    else:
        if t.op is None or t.value is None:
            p.append(Problem(w, f"{KIND_LABELS[t.kind]}须有 op 和 value"))
        if metric is not None and metric.type == "rate" and t.unit != "%":
            p.append(Problem(w, f"比率指标 {t.metric} 的单位应为 %，实际为 {t.unit!r}"))
        if metric is not None and metric.type == "rate" and t.value is not None and not 0 <= t.value <= 100:
            p.append(Problem(w, f"比率目标值应在 0–100 之间，实际为 {t.value}"))
        if t.upper is not None and t.value is not None and t.upper < t.value:
            p.append(Problem(w, f"区间上限 {t.upper} 小于下限 {t.value}"))
    if t.kind == "recurring" and t.recurrence is None:
        p.append(Problem(w, "常态化任务须写明 recurrence（year/quarter/month/week …）"))
    if t.kind != "recurring" and t.recurrence is not None:
        p.append(Problem(w, f"只有 recurring 类目标可写 recurrence，本条为 {t.kind}"))
    if t.ongoing and not t.ongoing_text:
        p.append(Problem(w, "ongoing 为 true 时须写明 ongoing_text（原文用语）"))
    return p


def _validated(path: Path, where: str, model, problems: list[Problem]):
    """Read one plan or unit file and validate it against ``model``; None (problems recorded) if invalid.

    The file's ``plan`` key must equal the file name.
    """
    data = _read_yaml(path, problems, where)
    if data is None:
        return None
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        problems += _pydantic_problems(where, exc, data)
        return None
    if obj.plan != path.stem:
        problems.append(Problem(where, f"plan 应为 {path.stem}，实际为 {obj.plan}"))
    return obj


def _collect(root: Path) -> tuple[Registry | None, list[Problem]]:
    """Read and check the registry under ``root``: the registry (as far as it reads) and every problem found."""
    problems: list[Problem] = []
    fields, metrics, unit_rules = _catalogue(root, problems)
    plans = _plans(root, metrics, problems)
    units = _units(root, problems)
    problems += _coverage_problems(root, plans, units)
    registry = Registry(root=root, fields=fields, metrics=metrics, plans=plans, units=units,
                        version=_registry_version(root), unit_rules=unit_rules)
    return registry, problems


def _catalogue(root: Path, problems: list[Problem]) -> tuple[dict[str, FieldDef], dict[str, Metric],
                                                             dict[str, UnitRule]]:
    """metrics.yaml: its fields, metrics (each knowing its key) and units of measure; problems recorded."""
    raw = _read_yaml(root / "metrics.yaml", problems, "metrics.yaml")
    fields: dict[str, FieldDef] = {}
    metrics: dict[str, Metric] = {}
    unit_rules: dict[str, UnitRule] = {}
    if raw is not None:
        try:
            cat = Catalogue.model_validate(raw)
            unit_rules = dict(cat.units)
            fields = dict(cat.fields)
            metrics = {k: m.model_copy(update={"key": k}) for k, m in cat.metrics.items()}
        except ValidationError as exc:
            problems += _pydantic_problems("metrics.yaml", exc, raw)
    problems += _catalogue_problems(fields, metrics, unit_rules)
    return fields, metrics, unit_rules


def _catalogue_problems(fields: dict[str, FieldDef], metrics: dict[str, Metric],
                        unit_rules: dict[str, UnitRule]) -> list[Problem]:
    """Metrics that lack or name unknown fields, and units of measure metrics.yaml does not declare."""
    problems: list[Problem] = []
    for key, m in metrics.items():
        where = f"metrics.yaml / 指标 {key}"
        for f in m.fields:
            if f not in fields:
                problems.append(Problem(where, f"引用的字段 {f} 未在 fields 中定义"))
        if m.type == "rate" and not (m.numerator and m.denominator):
            problems.append(Problem(where, "比率指标须有 numerator 和 denominator"))
        if m.type in ("count",) and not m.field:
            problems.append(Problem(where, "计数指标须有 field"))
        if m.unit and unit_rules and m.unit not in unit_rules:
            problems.append(Problem(where, f"单位“{m.unit}”未在 metrics.yaml 的 units 中声明（是否整数、显示几位小数）"))
    for key, f in fields.items():
        if f.unit and unit_rules and f.unit not in unit_rules:
            problems.append(Problem(f"metrics.yaml / 字段 {key}",
                                    f"单位“{f.unit}”未在 metrics.yaml 的 units 中声明（是否整数、显示几位小数）"))
    return problems


def _plans(root: Path, metrics: dict[str, Metric], problems: list[Problem]) -> dict[str, Plan]:
    """Every valid plan file, its targets resolved, in plan order (``order``, then id); problems recorded."""
    plans: dict[str, Plan] = {}
    seen_ids: dict[str, str] = {}
    for path in sorted((root / "plans").glob("*.yaml")):
        plan = _plan(root, path, metrics, seen_ids, problems)
        if plan is not None:
            plans[plan.plan] = plan
    orders: dict[int, str] = {}
    for pid, plan in plans.items():
        if plan.order is not None:
            if plan.order in orders:
                problems.append(Problem(f"plans/{pid}.yaml / order",
                                        f"次序 {plan.order} 与 plans/{orders[plan.order]}.yaml 重复"))
            orders.setdefault(plan.order, pid)
    return dict(sorted(plans.items(), key=lambda kv: (kv[1].order is None, kv[1].order or 0, kv[0])))


def _plan(root: Path, path: Path, metrics: dict[str, Metric], seen_ids: dict[str, str],
          problems: list[Problem]) -> Plan | None:
    """One plan file checked against its source text, with resolved targets; None (problems recorded) if invalid.

    ``seen_ids`` maps the target ids of the plans read so far to their file, for the duplicate check.
    """
    where = f"plans/{path.name}"
    plan = _validated(path, where, Plan, problems)
    if plan is None:
        return None
    src_path = root / "sources" / plan.source
    if not src_path.is_file():
        problems.append(Problem(where, f"原文文件 sources/{plan.source} 不存在"))
        source = ""
    else:
        source = src_path.read_text(encoding="utf-8")
    problems += _ranking_problems(plan, where, source, metrics)
    resolved = []
    for t in plan.targets:
        if t.id in seen_ids:
            problems.append(Problem(f"{where} / 目标 {t.id}", f"目标编号重复（另见 {seen_ids[t.id]}）"))
        seen_ids[t.id] = where
        problems += _check_target(plan, t, source, metrics, where)
        dls = tuple(
            d if d.date is not None else d.model_copy(update={"date": parse_deadline(d.text, plan.issued)})
            for d in t.deadlines
        )
        resolved.append(t.model_copy(update={"plan": plan.plan, "deadlines": dls}))
    ids = {t.id for t in resolved}
    for t in resolved:
        for other in t.conflicts_with:
            if other not in ids:
                problems.append(Problem(f"{where} / 目标 {t.id}", f"conflicts_with 引用的 {other} 不在本方案中"))
    return plan.model_copy(update={"targets": tuple(resolved)})


def _ranking_problems(plan: Plan, where: str, source: str, metrics: dict[str, Metric]) -> list[Problem]:
    """A plan's ranking metrics: each defined, and quoted verbatim from the source text."""
    problems: list[Problem] = []
    for key in plan.rankings:
        if key not in metrics:
            problems.append(Problem(f"{where} / rankings", f"排名指标 {key} 未在 metrics.yaml 中定义"))
    if plan.rankings and not plan.rankings_quote:
        problems.append(Problem(f"{where} / rankings", "写明排名指标时须有 rankings_quote（原文摘录）"))
    if plan.rankings_quote and plan.rankings_quote not in source:
        problems.append(Problem(f"{where} / rankings", f"rankings_quote 不是原文的逐字摘录：“{plan.rankings_quote[:40]}…”"))
    return problems


def _units(root: Path, problems: list[Problem]) -> dict[str, tuple[Unit, ...]]:
    """Every valid unit file's units, by plan; a name or alias shared by two units is a problem."""
    units: dict[str, tuple[Unit, ...]] = {}
    for path in sorted((root / "units").glob("*.yaml")):
        where = f"units/{path.name}"
        ul = _validated(path, where, UnitList, problems)
        if ul is None:
            continue
        names: dict[str, str] = {}
        for u in ul.units:
            for n in (u.id, u.name, *u.aliases):
                if n in names and names[n] != u.id:
                    problems.append(Problem(f"{where} / 单位 {u.id}", f"名称或别名“{n}”与单位 {names[n]} 重复"))
                names[n] = u.id
        units[ul.plan] = ul.units
    return units


def _coverage_problems(root: Path, plans: dict[str, Plan], units: dict[str, tuple[Unit, ...]]) -> list[Problem]:
    """Plans without a unit list, unit lists without a plan file, and each plan's unit levels."""
    problems: list[Problem] = []
    for pid in plans:
        if pid not in units:
            problems.append(Problem(f"units/{pid}.yaml", "缺少该方案的填报单位清单"))
        else:
            problems += _level_problems(plans[pid], units[pid])
    for pid in units:
        if pid not in plans and not (root / "plans" / f"{pid}.yaml").is_file():
            problems.append(Problem(f"units/{pid}.yaml", f"没有对应的方案文件 plans/{pid}.yaml"))
    return problems


def _registry_version(root: Path) -> str:
    """The registry's version: the start of a SHA-256 over its files' paths and bytes (scenarios, drafts excluded)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".txt")
                       and not _NOT_REGISTRY & set(p.relative_to(root).parts)):  # scenarios, drafts are not the registry
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _level_problems(plan: Plan, units: tuple[Unit, ...]) -> list[Problem]:
    """Targets for different levels judged on the same data: one unit level reporting a metric for a target
    of its own level and, through a lower level it aggregates (:func:`reporting_levels`), for a target of
    that lower level only (包头 三(一)4: the 旗县区 centre and the 苏木乡镇 centres) — the lower level's target
    needs its own metric (docs/evaluation.md, "Targets for different levels")."""
    present = {u.level for u in units}
    own: dict[tuple[str, str], str] = {}
    below: dict[tuple[str, str], str] = {}
    for t in plan.targets:
        if t.kind == "milestone":
            continue
        for lv in reporting_levels(t.levels, present):
            (own if lv in t.levels else below).setdefault((t.metric, lv), t.id)
    out = []
    for key, tid in below.items():
        if key in own:
            out.append(Problem(f"plans/{plan.plan}.yaml / 目标 {tid}",
                               f"由{LEVEL_LABELS.get(key[1], key[1])}单位代下级报送，却与本级目标 {own[key]} 用同一指标 "
                               f"{key[0]}；请为下级设单独的字段和指标"))
    return out


def check_registry(root: Path | None = None) -> list[Problem]:
    """Validate every registry file against the schema and the provenance rules; return all problems."""
    return _collect(Path(root) if root else targets_dir())[1]


_CACHE: dict[Path, tuple[tuple, Registry]] = {}
#: folders under targets/ that hold no registry data (what-if scenarios, drafts of new plans under review)
_NOT_REGISTRY = {"scenarios", "drafts"}


def load_registry(root: Path | None = None) -> Registry:
    """Load and validate the registry under ``root`` (default: the project's ``targets/``).

    Raises :class:`RegistryError` naming the file and entry of every problem. The result is cached per
    folder and reloaded when any registry file changes.
    """
    root = Path(root) if root else targets_dir()
    stamp = tuple((str(p), p.stat().st_mtime_ns) for p in sorted(root.rglob("*.yaml"))
                  if not _NOT_REGISTRY & set(p.relative_to(root).parts))
    hit = _CACHE.get(root)
    if hit and hit[0] == stamp:
        return hit[1]
    registry, problems = _collect(root)
    if problems:
        raise RegistryError(f"目标登记册（{root}）有 {len(problems)} 处问题：", problems)
    _CACHE[root] = (stamp, registry)
    return registry


EXPORT_COLUMNS = [
    "target_id", "plan", "document", "issuer", "section", "kind", "metric", "op", "value", "unit", "level",
    "deadline", "deadline_text", "ongoing", "recurrence", "quote",
    "title", "upper", "deadline_dates", "lead", "responsible", "conflicts_with", "note",
]


def export_frame(registry: Registry, plan_id: str | None = None) -> pd.DataFrame:
    """The registry as a table, one row per target, with :data:`EXPORT_COLUMNS`.

    ``deadline`` is the earliest deadline as YYYY-MM-DD (empty where the plan gives none);
    ``deadline_text`` and ``deadline_dates`` list every deadline, earliest first.
    """
    rows = []
    plan_ids = [registry.plan(plan_id).plan] if plan_id else list(registry.plans)
    for pid in plan_ids:
        plan = registry.plans[pid]
        for t in plan.targets:
            ordered = sorted(t.deadlines, key=lambda d: d.date or date.max)
            rows.append({
                "target_id": t.id, "plan": pid, "document": plan.document, "issuer": plan.issuer,
                "section": t.section, "kind": t.kind, "metric": t.metric, "op": t.op or "",
                "value": t.value, "unit": t.unit or "", "level": ",".join(t.levels),
                "deadline": t.deadline.isoformat() if t.deadline else "",
                "deadline_text": t.deadline_text, "ongoing": t.ongoing, "recurrence": t.recurrence or "",
                "quote": t.quote, "title": t.title, "upper": t.upper,
                "deadline_dates": "；".join(d.date.isoformat() for d in ordered if d.date),
                "lead": "，".join(t.lead), "responsible": "，".join(t.responsible),
                "conflicts_with": ",".join(t.conflicts_with), "note": t.note or "",
            })
    return pd.DataFrame(rows, columns=EXPORT_COLUMNS)
