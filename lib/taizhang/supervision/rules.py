"""The supervision rules as data: ``targets/supervision.yaml`` (which statuses open a 督办事项, the 整改期限,
escalation, 销号; the office's contact is in ``targets/office.yaml``, :mod:`.office`), validated into immutable objects.

An invalid file raises :class:`SupervisionRulesError`, listing every problem at once, each located
(``supervision.yaml / plans / artux / working_days``) with what was expected and what was found — the same
standard as the target registry.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import Problem, ProblemsError
from ..evaluate import STATUS_LABELS
from ..project import targets_dir
from ..returns import period_end
from ..targets import _read_yaml, _translate  # the registry's YAML reader and Chinese error names
from .office import Office, load_office
from .workdays import WorkdayResult, add_working_days, next_working_day

RULES_FILE = "supervision.yaml"
PLACEHOLDERS = ("title", "threshold", "deadline", "unit")
_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SupervisionRulesError(ProblemsError):
    """``targets/supervision.yaml`` is invalid; each problem names the file and entry."""


class Escalation(BaseModel):
    model_config = _STRICT
    after_reports: int = Field(ge=1, le=60)
    level: str = Field(min_length=1)


class RuleSet(BaseModel):
    """Rules for one plan (or the defaults); every key optional in a plan's override."""

    model_config = _STRICT
    open_statuses: Optional[tuple[str, ...]] = None
    close_statuses: Optional[tuple[str, ...]] = None
    notice_day: Optional[int] = Field(default=None, ge=1, le=28)
    working_days: Optional[int] = Field(default=None, ge=1, le=120)
    escalation: Optional[tuple[Escalation, ...]] = None
    requirements: Optional[dict[str, str]] = None


class RulesFile(BaseModel):
    model_config = _STRICT
    version: int
    office: Optional[dict] = None  # moved to targets/office.yaml: a located problem when still here
    defaults: RuleSet
    plans: dict[str, RuleSet] = {}


@dataclass(frozen=True)
class Rules:
    """The effective rules of one plan (defaults with the plan's overrides applied)."""

    plan: str
    open_statuses: tuple[str, ...]
    close_statuses: tuple[str, ...]
    notice_day: int
    working_days: int
    escalation: tuple[Escalation, ...]
    requirements: dict[str, str]
    office: Office
    source: str  # file the rules came from, for provenance

    def notice_date(self, period: str) -> WorkdayResult:
        """The month's 通报 date: day :attr:`notice_day` of the next month, moved to the next working day."""
        end = period_end(period)
        nxt = date(end.year + (end.month == 12), end.month % 12 + 1, self.notice_day)
        return next_working_day(nxt)

    def deadline(self, notice: date) -> WorkdayResult:
        """The 整改期限: the :attr:`working_days`-th working day after ``notice``."""
        return add_working_days(notice, self.working_days)

    def escalation_for(self, reports: int) -> str:
        """The escalation level reached after an item was open in ``reports`` consecutive reports ('' if none)."""
        level = ""
        for e in sorted(self.escalation, key=lambda e: e.after_reports):
            if reports >= e.after_reports:
                level = e.level
        return level

    def requirement(self, status: str, **values: str) -> str:
        """The 整改要求 text for an item opened with ``status``."""
        text = self.requirements.get(status) or self.requirements["default"]
        return text.format(**{k: values.get(k, "") for k in PLACEHOLDERS})


def _problems_of(where: str, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = " / ".join(str(p) for p in err["loc"]) or "（整体）"
        got = "缺失" if err["type"] == "missing" else repr(err.get("input"))[:80]
        out.append(Problem(f"{where} / {loc}", f"不符合格式（{_translate(err)}），实际为 {got}"))
    return out


def _check_set(where: str, rs: RuleSet, plan_ids) -> list[Problem]:
    p: list[Problem] = []
    allowed = "、".join(f"{c}（{label}）" for c, label in STATUS_LABELS.items() if c != "not_applicable")
    for key in ("open_statuses", "close_statuses"):
        for i, code in enumerate(getattr(rs, key) or ()):
            if code not in STATUS_LABELS or code == "not_applicable":
                p.append(Problem(f"{where} / {key} / 第{i + 1}项", f"未知的状态代码“{code}”；允许：{allowed}"))
    both = set(rs.open_statuses or ()) & set(rs.close_statuses or ())
    if both:
        p.append(Problem(f"{where}", f"状态 {'、'.join(sorted(both))} 不能既立项又销号（open_statuses 与 close_statuses 重复）"))
    levels = [e.after_reports for e in rs.escalation or ()]
    if len(levels) != len(set(levels)):
        p.append(Problem(f"{where} / escalation", f"after_reports 重复：{levels}"))
    for key, text in (rs.requirements or {}).items():
        if key != "default" and key not in STATUS_LABELS:
            p.append(Problem(f"{where} / requirements / {key}", f"未知的状态代码“{key}”（或 default）"))
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        except ValueError as exc:
            p.append(Problem(f"{where} / requirements / {key}", f"花括号不成对：{exc}"))
            continue
        bad = sorted(n for n in names if n not in PLACEHOLDERS)
        if bad:
            p.append(Problem(f"{where} / requirements / {key}",
                             f"未知的占位符 {'、'.join('{' + b + '}' for b in bad)}；允许 {'、'.join('{' + n + '}' for n in PLACEHOLDERS)}"))
    return p


def load_rules(plan_id: str, path: Path | None = None, plan_ids: tuple[str, ...] | None = None) -> Rules:
    """The effective supervision rules of ``plan_id`` from ``path`` (default ``targets/supervision.yaml``).

    ``plan_ids`` are the plans a ``plans:`` entry may name (default: the registry's). Raises
    :class:`SupervisionRulesError` with every problem found in the file.
    """
    if plan_ids is None:
        from ..targets import load_registry

        plan_ids = load_registry().plan_ids
    known = tuple(plan_ids)

    path = Path(path) if path else targets_dir() / RULES_FILE
    where = path.name
    problems: list[Problem] = []
    if not path.is_file():
        raise SupervisionRulesError(f"督办规则文件 {path} 不存在", [Problem(where, "找不到文件")])
    data = _read_yaml(path, problems, where)
    if problems:
        raise SupervisionRulesError(f"督办规则文件 {where} 有 {len(problems)} 处问题", problems)
    try:
        doc = RulesFile.model_validate(data)
    except ValidationError as exc:
        problems = _problems_of(where, exc)
        raise SupervisionRulesError(f"督办规则文件 {where} 有 {len(problems)} 处问题", problems) from None
    if doc.office is not None:
        problems.append(Problem(f"{where} / office", "办公室的名称和联系方式已移到 targets/office.yaml，"
                                                     "请在那里填写并删除此项"))
    problems += _check_set(f"{where} / defaults", doc.defaults, known)
    for key in ("open_statuses", "close_statuses", "notice_day", "working_days", "escalation", "requirements"):
        if getattr(doc.defaults, key) is None:
            problems.append(Problem(f"{where} / defaults / {key}", "默认规则必须写明此项"))
    if doc.defaults.requirements is not None and "default" not in doc.defaults.requirements:
        problems.append(Problem(f"{where} / defaults / requirements", "须有 default（其他状态的整改要求）"))
    for pid, rs in doc.plans.items():
        if pid not in known:
            problems.append(Problem(f"{where} / plans / {pid}", f"未知的方案编号；允许：{'、'.join(known)}"))
        problems += _check_set(f"{where} / plans / {pid}", rs, known)
    if problems:
        raise SupervisionRulesError(f"督办规则文件 {where} 有 {len(problems)} 处问题", problems)
    d, o = doc.defaults, doc.plans.get(plan_id, RuleSet())

    def pick(key):
        v = getattr(o, key)
        return getattr(d, key) if v is None else v

    opened, closed = tuple(pick("open_statuses")), tuple(pick("close_statuses"))
    if set(opened) & set(closed):
        raise SupervisionRulesError(f"督办规则文件 {where} 有 1 处问题", [Problem(
            f"{where} / plans / {plan_id}", "按方案覆盖后，立项状态与销号状态重复")])
    return Rules(plan=plan_id, open_statuses=opened, close_statuses=closed, notice_day=pick("notice_day"),
                 working_days=pick("working_days"), escalation=tuple(pick("escalation")),
                 requirements={**d.requirements, **(o.requirements or {})}, office=load_office(), source=str(path))

