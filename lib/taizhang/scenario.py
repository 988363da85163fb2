"""Named what-if scenarios: overrides of target thresholds, deadlines, the as-of month and method parameters.

A scenario is a YAML file ``targets/scenarios/<name>.yaml`` (format: ``targets/scenarios/README.md``).
``load_scenario`` reads and validates one against the registry; ``apply_scenario`` returns a NEW registry
whose targets carry the overrides (the registry on disk and the loaded one are never changed);
``describe_overrides`` lists every override in Chinese for a report's first page; ``save_scenario`` writes
one atomically (the explore notebook's "另存为情景" button).

Evaluation-method parameters are exactly the fields of :class:`taizhang.evaluate.Settings` (e.g.
``due_soon_days``); :func:`method_parameters` lists them with their defaults, so a scenario can only name
parameters the method really has — output switches of ``evaluate`` (``include_not_applicable``) are not
among them. :attr:`Scenario.settings` is the scenario's method as one :class:`Settings` object.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from datetime import date
from pathlib import Path
from typing import Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .atomic import atomic_write_text
from .errors import ParameterError, Problem, ProblemsError
from .evaluate import settings as method_settings
from .evaluate.settings import Settings
from .kernel.formatting import format_number
from .kernel.months import MONTH_ALLOWED, Month, MonthError
from .project import targets_dir
from .targets import OP_LABELS, Deadline, Registry, Target, _translate, load_registry, yaml_names

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
_NAME_RE = re.compile(NAME_PATTERN)

#: Chinese labels of the evaluation-method parameters (from :class:`Settings`' field metadata)
METHOD_LABELS = {name: method_settings.label(name) for name in method_settings.FIELD_NAMES}

Scalar = Union[bool, int, float, str]


class ScenarioError(ProblemsError):
    """A scenario file is invalid or does not fit the registry; each problem names the file, entry and field."""


class TargetOverride(BaseModel):
    """The overrides of one target: a new threshold ``value`` and/or a new ``deadline``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    target: str
    value: Optional[float] = None
    deadline: Optional[date] = None


class Scenario(BaseModel):
    """An immutable what-if: which plan, which targets change how, and optional as-of month and method parameters.

    ``method`` holds ``(parameter, value)`` pairs, each a field of :class:`~taizhang.evaluate.Settings`;
    :attr:`settings` is the object to pass to :func:`taizhang.evaluate.evaluate`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=2)
    plan: str
    description: str = ""
    as_of: Optional[str] = None
    method: tuple[tuple[str, Scalar], ...] = ()
    overrides: tuple[TargetOverride, ...] = ()

    @property
    def method_kwargs(self) -> dict:
        """The method parameters as a mapping (Settings' field names → values)."""
        return dict(self.method)

    @property
    def settings(self) -> Settings:
        """The scenario's method as one checked :class:`Settings` (defaults for what it does not set)."""
        return Settings.of(**self.method_kwargs)

    def override_for(self, target_id: str) -> TargetOverride | None:
        """The override of ``target_id``, or None."""
        return next((o for o in self.overrides if o.target == target_id), None)

    def to_yaml_dict(self) -> dict:
        """The scenario in its file form (see targets/scenarios/README.md)."""
        out: dict = {"name": self.name, "title": self.title, "plan": self.plan}
        if self.description:
            out["description"] = self.description
        if self.as_of:
            out["as_of"] = self.as_of
        if self.method:
            out["method"] = dict(self.method)
        targets: dict = {}
        for o in self.overrides:
            entry: dict = {}
            if o.value is not None:
                entry["value"] = int(o.value) if float(o.value).is_integer() else float(o.value)
            if o.deadline is not None:
                entry["deadline"] = o.deadline
            targets[o.target] = entry
        if targets:
            out["targets"] = targets
        return out


# --------------------------------------------------------------------------------------------------
# evaluation-method parameters


def method_parameters() -> dict[str, Scalar]:
    """The evaluation-method parameters — exactly :class:`Settings`' fields — with their defaults."""
    return method_settings.defaults()


def method_label(name: str) -> str:
    """Chinese label of a method parameter, e.g. "临期提醒天数（due_soon_days）"."""
    zh = METHOD_LABELS.get(name)
    return f"{zh}（{name}）" if zh else name


def _method_value_problem(name: str, value, default) -> str | None:
    if isinstance(default, bool):
        return None if isinstance(value, bool) else f"应为 true/false，实际为 {value!r}"
    if isinstance(default, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and value < 0:
            return f"应为非负整数，实际为 {value!r}"
        return None if ok else f"应为整数，实际为 {value!r}"
    if isinstance(default, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        return None if ok else f"应为数字，实际为 {value!r}"
    return None if isinstance(value, str) and value else f"应为文字，实际为 {value!r}"


def _method_range_problems(where: str, method: dict) -> list[Problem]:
    """Range problems :meth:`Settings.check` reports for the scenario's method (the first one)."""
    if not method:
        return []
    try:
        Settings.of(**method)
    except ParameterError as exc:
        return [Problem(f"{where} / method / {exc.parameter}", f"取值 {exc.given!r} 超出范围，允许 {exc.allowed}")]
    return []


# --------------------------------------------------------------------------------------------------
# checking against the registry


def _closest(name: str, choices) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f"；是否应为 {close[0]}？" if close else ""


def check_scenario(scenario: Scenario, registry: Registry, where: str | None = None) -> list[Problem]:
    """Every problem of ``scenario`` against ``registry`` (unknown plan, target, parameter; bad values).

    ``where`` names the file in the messages (default ``scenarios/<name>.yaml``).
    """
    where = where or f"scenarios/{scenario.name}.yaml"
    problems: list[Problem] = []
    if scenario.plan not in registry.plans:
        known = registry.plan_choices()
        return [Problem(f"{where} / plan", f"方案编号 {scenario.plan!r} 不存在，允许的取值为 {known}{_closest(scenario.plan, registry.plans)}")]
    plan = registry.plans[scenario.plan]
    by_id = {t.id: t for t in plan.targets}
    if scenario.as_of is not None:
        try:
            Month.parse(scenario.as_of)
        except MonthError:
            problems.append(Problem(f"{where} / as_of", f"统计月份应为 {MONTH_ALLOWED}，实际为 {scenario.as_of!r}"))
    allowed = method_parameters()
    for name, value in scenario.method:
        w = f"{where} / method / {name}"
        if name not in allowed:
            known = "、".join(method_label(k) for k in allowed) or "（当前评估方法没有可调参数）"
            problems.append(Problem(w, f"评估方法没有参数 {name!r}，允许的参数为 {known}{_closest(name, allowed)}"))
            continue
        msg = _method_value_problem(name, value, allowed[name])
        if msg:
            problems.append(Problem(w, msg))
    if not problems:
        problems += _method_range_problems(where, {k: v for k, v in scenario.method if k in allowed})
    seen: set[str] = set()
    for o in scenario.overrides:
        w = f"{where} / 目标 {o.target}"
        if o.target in seen:
            problems.append(Problem(w, "同一目标重复出现，请合并为一条"))
        seen.add(o.target)
        t = by_id.get(o.target)
        if t is None:
            other = next((p.plan for p in registry.plans.values() if any(x.id == o.target for x in p.targets)), None)
            hint = f"；该目标属于方案 {other}" if other else _closest(o.target, by_id)
            problems.append(Problem(w, f"方案 {scenario.plan} 中没有编号为 {o.target} 的目标{hint}"))
            continue
        if o.value is None and o.deadline is None:
            problems.append(Problem(w, "至少须写 value（目标值）或 deadline（完成期限）之一"))
        if o.value is not None:
            if t.kind == "milestone":
                problems.append(Problem(f"{w} / value", "节点任务没有目标值，只能调整 deadline"))
            elif not math.isfinite(o.value):
                problems.append(Problem(f"{w} / value", f"应为有限的数字，实际为 {o.value!r}"))
            else:
                metric = registry.metrics.get(t.metric)
                if metric is not None and metric.type == "rate" and not 0 <= o.value <= 100:
                    problems.append(Problem(f"{w} / value", f"比率目标值应在 0–100 之间，实际为 {format_number(o.value)}"))
                elif o.value < 0:
                    problems.append(Problem(f"{w} / value", f"目标值不能为负数，实际为 {format_number(o.value)}"))
                if t.upper is not None and o.value > t.upper:
                    problems.append(Problem(f"{w} / value", f"目标值 {format_number(o.value)} 大于原文给出的区间上限 {format_number(t.upper)}"))
        if o.deadline is not None and t.kind == "recurring":
            problems.append(Problem(f"{w} / deadline", "常态化任务按周期（每月、每季度、每年 …）评估，不能设定完成期限"))
    return problems


# --------------------------------------------------------------------------------------------------
# files


def scenarios_dir() -> Path:
    """The folder of named scenarios: ``targets/scenarios``."""
    return targets_dir() / "scenarios"


def list_scenarios(directory: Path | None = None, plan: str | None = None) -> list[str]:
    """Names of the saved scenarios (optionally only those of ``plan``), sorted."""
    return yaml_names(Path(directory) if directory else scenarios_dir(), plan, _NAME_RE)


def check_scenario_name(name) -> str:
    """``name`` if it is a valid scenario name (lower-case letters, digits and "-"), else a ParameterError."""
    text = str(name).strip() if name is not None else ""
    if not _NAME_RE.match(text):
        raise ParameterError("scenario", name, "由小写字母、数字和“-”组成的情景名称（不超过 64 个字符），例如 bayannur-one-window-85")
    return text


class _OverrideFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Optional[float] = None
    deadline: Optional[date] = None


class _ScenarioFile(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=2)
    plan: str
    description: Optional[str] = ""
    as_of: Optional[str] = None
    method: Optional[dict[str, Scalar]] = None
    targets: Optional[dict[str, Optional[_OverrideFile]]] = None


_FIELD_ZH = {"name": "name（情景名称）", "title": "title（标题）", "plan": "plan（方案编号）",
             "description": "description（说明）", "as_of": "as_of（统计月份）", "method": "method（评估参数）",
             "targets": "targets（目标调整）"}


def _file_problems(where: str, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        label = where
        if len(loc) >= 2 and loc[0] == "targets":
            label = f"{where} / 目标 {loc[1]}"
            loc = loc[2:]
        elif len(loc) >= 2 and loc[0] == "method":
            label = f"{where} / method / {loc[1]}"
            loc = loc[2:]
        loc = [p for p in loc if p not in ("bool", "int", "float", "str")]  # union member names
        field = _FIELD_ZH.get(loc[0], loc[0]) if len(loc) == 1 else (".".join(loc) or "（取值）")
        got = "缺失" if err["type"] == "missing" else repr(err.get("input"))[:80]
        out.append(Problem(label, f"字段 {field} 不符合格式（{_translate(err)}），实际为 {got}"))
    return out


def _parse(data, where: str) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"情景文件 {where} 无效：", [Problem(where, f"文件内容应为映射（name、title、plan、targets …），实际为 {type(data).__name__}")])
    if isinstance(data.get("as_of"), date):
        data = {**data, "as_of": data["as_of"].strftime("%Y-%m")}
    try:
        raw = _ScenarioFile.model_validate(data)
    except ValidationError as exc:
        problems = _file_problems(where, exc)
        raise ScenarioError(f"情景文件 {where} 有 {len(problems)} 处问题：", problems) from None
    overrides = tuple(TargetOverride(target=tid, value=o.value if o else None, deadline=o.deadline if o else None)
                      for tid, o in (raw.targets or {}).items())
    as_of = str(raw.as_of).strip() if raw.as_of not in (None, "") else None
    return Scenario(name=raw.name, title=raw.title, plan=raw.plan, description=raw.description or "", as_of=as_of,
                    method=tuple((raw.method or {}).items()), overrides=overrides)


def load_scenario(name: str, registry: Registry | None = None, directory: Path | None = None) -> Scenario:
    """Read and validate ``targets/scenarios/<name>.yaml`` against the registry.

    An unknown name raises :class:`ParameterError` listing the saved scenarios; an invalid file raises
    :class:`ScenarioError` naming the file, the entry and the field of every problem (an unknown target id
    is named together with the closest known id).
    """
    name = check_scenario_name(name)
    folder = Path(directory) if directory else scenarios_dir()
    path = folder / f"{name}.yaml"
    where = f"scenarios/{path.name}"
    if not path.is_file():
        known = "、".join(list_scenarios(folder)) or "（targets/scenarios/ 中还没有情景）"
        raise ParameterError("scenario", name, f"已保存的情景 {known}{_closest(name, list_scenarios(folder))}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        w = f"{where} 第{mark.line + 1}行" if mark else where
        raise ScenarioError(f"情景文件 {where} 无法读取：", [Problem(w, f"YAML 格式错误：{getattr(exc, 'problem', exc)}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"情景文件 {where} 无法读取：", [Problem(where, f"无法读取文件：{exc}")]) from None
    scenario = _parse(data, where)
    problems = []
    if scenario.name != name:
        problems.append(Problem(f"{where} / name", f"情景名称应与文件名一致，即 {name}，实际为 {scenario.name}"))
    problems += check_scenario(scenario, registry or load_registry(), where)
    if problems:
        raise ScenarioError(f"情景文件 {where} 有 {len(problems)} 处问题：", problems)
    return scenario


def save_scenario(scenario: Scenario, registry: Registry | None = None, directory: Path | None = None) -> Path:
    """Validate ``scenario`` and write it to ``targets/scenarios/<name>.yaml`` atomically; return the path.

    Nothing is written when the scenario does not fit the registry (a :class:`ScenarioError` lists why).
    An existing file of the same name is replaced.
    """
    folder = Path(directory) if directory else scenarios_dir()
    problems = check_scenario(scenario, registry or load_registry())
    if problems:
        raise ScenarioError(f"情景 {scenario.name} 无法保存，有 {len(problems)} 处问题：", problems)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{check_scenario_name(scenario.name)}.yaml"
    header = f"# 情景：{scenario.title}。格式见 targets/scenarios/README.md。\n"
    text = header + yaml.safe_dump(scenario.to_yaml_dict(), allow_unicode=True, sort_keys=False, width=120)
    return atomic_write_text(path, text)


# --------------------------------------------------------------------------------------------------
# applying and describing


def _deadline_text(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日前（情景设定）"


def _apply_target(t: Target, o: TargetOverride) -> Target:
    update: dict = {}
    if o.value is not None:
        update["value"] = float(o.value)
    if o.deadline is not None:
        where = t.deadlines[0].where if t.deadlines else "text"
        update["deadlines"] = (Deadline(text=_deadline_text(o.deadline), date=o.deadline, where=where),)
    return t.model_copy(update=update)


def apply_scenario(registry: Registry, scenario: Scenario) -> Registry:
    """A NEW registry in which the targets of ``scenario.plan`` carry the scenario's overrides.

    A threshold override replaces the target's ``value``; a deadline override replaces all its deadlines by
    one dated deadline whose text reads "YYYY年M月D日前（情景设定）", so tables show where it came from.
    The registry's ``version`` becomes ``<version>+<scenario name>``. Raises :class:`ScenarioError` when the
    scenario does not fit the registry. ``registry`` itself is not changed.
    """
    problems = check_scenario(scenario, registry)
    if problems:
        raise ScenarioError(f"情景 {scenario.name} 与目标登记册不符，有 {len(problems)} 处问题：", problems)
    plan = registry.plans[scenario.plan]
    targets = tuple(_apply_target(t, o) if (o := scenario.override_for(t.id)) else t for t in plan.targets)
    plans = {**registry.plans, plan.plan: plan.model_copy(update={"targets": targets})}
    return dataclasses.replace(registry, plans=plans, version=f"{registry.version}+{scenario.name}")


def _threshold(t: Target, value: float | None) -> str:
    if t.op is None or value is None:
        return "（无）"
    return f"{OP_LABELS[t.op]}{format_number(value)}{t.unit or ''}"


def describe_overrides(scenario: Scenario, registry: Registry) -> list[str]:
    """Every override of ``scenario`` as one Chinese line, old → new, for a report's first page.

    ``registry`` is the registry WITHOUT the scenario applied (the old values are read from it). Lines:
    one per changed threshold ("一窗分类受理率（三(二)1(3)）目标值：≥70% → ≥85%"), per moved deadline, the
    as-of month and each method parameter.
    """
    by_id = {t.id: t for t in registry.plan(scenario.plan).targets}
    lines: list[str] = []
    for o in scenario.overrides:
        t = by_id.get(o.target)
        if t is None:
            lines.append(f"{o.target}：该目标不在方案 {scenario.plan} 中")
            continue
        head = f"{t.title}（{t.section}）"
        if o.value is not None:
            lines.append(f"{head}目标值：{_threshold(t, t.value)} → {_threshold(t, o.value)}")
        if o.deadline is not None:
            old = f"{t.deadline}（{t.deadline_text}）" if t.deadline else "期限未明确"
            lines.append(f"{head}完成期限：{old} → {o.deadline}")
    if scenario.as_of:
        lines.append(f"统计月份：{scenario.as_of}（情景设定）")
    defaults = method_parameters()
    for name, value in scenario.method:
        old = defaults.get(name, "（无）")
        lines.append(f"评估参数 {method_label(name)}：{_scalar(old)} → {_scalar(value)}")
    return lines


def _scalar(v) -> str:
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return format_number(v)
    return str(v)


def scenario_notice(scenario: Scenario, registry: Registry):
    """The first-page notice of a report on a scenario: "情景推演" with its title, name, description and
    every override (a :class:`~taizhang.reports.blocks.Notice`, rendered by the report's templates)."""
    from .reports.blocks import Notice

    desc = (scenario.description or "").strip()
    if desc and not desc.endswith(("。", "！", "？", ".")):
        desc += "。"
    items = tuple(describe_overrides(scenario, registry)) or ("（无调整）",)
    return Notice(f"{scenario.title}（情景名称 {scenario.name}）。{desc}本报告按以下调整计算：", "notice",
                  "情景推演（非实际考核口径）", "tz-scenario", items)
