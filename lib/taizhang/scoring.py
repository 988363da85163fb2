"""Weighted, stepped scores per unit — the way city appraisal rules (考核细则) score indicators.

A scoring file in ``targets/scoring/<name>.yaml`` (format: ``targets/scoring/README.md``) lists, for one plan,
the metrics that are scored, a weight per metric and steps such as "≥ 95% → 1分, ≥ 99% → 1.5分, 100% → 2分".
A unit's points on a metric are those of the strictest step its latest value reaches (0 below every step or
without data); its score is the sum of weight × points. No plan text configures weights, so scoring is off
unless a run names a scoring file (``taizhang evaluate --view score --scoring NAME``).

:func:`load_scoring` reads and checks a file (every problem at once); :func:`score_units` scores the units.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .errors import ParameterError, Problem, RegistryError
from .evaluate import as_of_month, metric_values
from .kernel.months import label as month_label, ordinals as month_ordinals
from .project import targets_dir
from .returns import ReturnSet
from .targets import Registry, yaml_names

EPS = 1e-9


def scoring_dir() -> Path:
    """The folder of scoring files (``targets/scoring``)."""
    return targets_dir() / "scoring"


@dataclass(frozen=True)
class Step:
    """Reaching ``at`` (≥ for higher-is-better metrics, ≤ for lower-is-better) earns ``points``."""

    at: float
    points: float


@dataclass(frozen=True)
class Item:
    """One scored metric: its weight and its steps, from the loosest to the strictest."""

    metric: str
    weight: float
    steps: tuple[Step, ...]
    higher_is_better: bool = True

    @property
    def max_points(self) -> float:
        return max(s.points for s in self.steps)


@dataclass(frozen=True)
class Scoring:
    """A checked scoring file."""

    name: str
    plan: str
    title: str
    example: bool
    note: str
    levels: tuple[str, ...]
    items: tuple[Item, ...]
    source: str

    @property
    def max_score(self) -> float:
        return float(sum(i.weight * i.max_points for i in self.items))


def available_scorings(plan_id: str | None = None) -> list[str]:
    """Names of the scoring files in ``targets/scoring`` (file names without ``.yaml``).

    With ``plan_id``, only the files whose ``plan:`` is that plan (a file that cannot be read is left out
    here; :func:`load_scoring` reports its problems when it is named).
    """
    return yaml_names(scoring_dir(), plan_id)


def _choices(plan_id: str | None) -> str:
    """The scoring files one may name (for a plan: only its own), or where to create one."""
    names = available_scorings(plan_id)
    if names:
        return "、".join(names)
    if plan_id is None:
        return "（暂无评分方案，可按 targets/scoring/README.md 的格式新建）"
    return f"（方案 {plan_id} 暂无评分方案；可按 targets/scoring/README.md 的格式新建 targets/scoring/<名称>.yaml）"


class ScoringRequired(ParameterError):
    """A score view was asked for without naming a scoring file; says which ones the plan has."""

    def __init__(self, plan_id: str) -> None:
        super().__init__("--scoring", None, _choices(plan_id))
        names = available_scorings(plan_id)
        where = (f"方案 {plan_id} 可用的评分方案：{'、'.join(names)}。" if names else
                 f"方案 {plan_id} 暂无评分方案，可按 targets/scoring/README.md 的格式新建 targets/scoring/<名称>.yaml。")
        self.message = f"缺少参数 --scoring：--view score 与 --view score-items 须用 --scoring 指定评分方案。{where}"
        self.args = (self.message,)


def _number(x) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return float(x)


def load_scoring(name: str | Path, registry: Registry, plan_id: str | None = None) -> Scoring:
    """Read and check a scoring file: a name in ``targets/scoring`` or a path to a ``.yaml`` file.

    Every problem (unknown plan, level or metric, a metric the plan's returns do not carry, a weight or step
    that is not a positive number, steps whose points do not rise as they get stricter) is collected and
    raised together as :class:`~taizhang.errors.RegistryError`; an unknown name raises
    :class:`~taizhang.errors.ParameterError` listing the available ones (with ``plan_id``: only that plan's).
    """
    path, data = _read(name, plan_id)
    where = path.name
    problems: list[Problem] = []
    plan_id, example, title, levels = _check_header(data, registry, where, problems)
    used = set()
    if plan_id in registry.plans:
        used = {t.metric for t in registry.plan(plan_id).targets if t.kind != "milestone"}
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append(Problem(f"{where} items", "应为至少一项的列表（metric、weight、steps）"))
        raw_items = []
    seen: set[str] = set()
    items = [item for n, it in enumerate(raw_items, 1)
             if (item := _check_item(f"{where} items 第 {n} 项", it, registry, plan_id, used, seen, problems))]
    if problems:
        raise RegistryError(f"评分方案 {where} 有 {len(problems)} 处问题", problems)
    return Scoring(name=path.stem, plan=plan_id, title=title, example=example,
                   note=str(data.get("note") or "").strip(), levels=tuple(levels), items=tuple(items),
                   source=str(path))


def _read(name: str | Path, plan_id: str | None) -> tuple[Path, dict]:
    """The file's path and its YAML mapping (unknown name: ParameterError; unreadable: RegistryError)."""
    path = Path(name)
    if path.suffix.lower() not in (".yaml", ".yml"):
        path = scoring_dir() / f"{name}.yaml"
    if not path.is_file():
        raise ParameterError("scoring", str(name), "targets/scoring 中的评分方案之一：" + _choices(plan_id)
                             + "；或一个 .yaml 文件路径")
    where = path.name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise RegistryError(f"评分方案 {where} 无法读取", [Problem(where, f"不是有效的 YAML：{err}")]) from None
    if not isinstance(data, dict):
        raise RegistryError(f"评分方案 {where} 有误", [Problem(where, "文件内容应为键值表（plan、items 等）")])
    return path, data


def _check_header(data: dict, registry: Registry, where: str, problems: list[Problem]) -> tuple:
    """``plan, example, title, levels`` of a scoring file; their problems are appended to ``problems``."""
    plan_id = data.get("plan")
    if plan_id not in registry.plans:
        problems.append(Problem(f"{where} plan", f"应为方案编号之一（{'、'.join(registry.plans)}），收到 {plan_id!r}"))
    example = data.get("example", False)
    if not isinstance(example, bool):
        problems.append(Problem(f"{where} example", f"应为 true 或 false，收到 {example!r}"))
    title = str(data.get("title") or "").strip()
    if not title:
        problems.append(Problem(f"{where} title", "缺少评分方案名称"))
    levels = data.get("levels") or []
    if not isinstance(levels, list) or not all(isinstance(x, str) for x in levels):
        problems.append(Problem(f"{where} levels", f"应为单位层级列表（例如 [county]），收到 {levels!r}"))
        levels = []
    elif plan_id in registry.plans:
        known = {u.level for u in registry.unit_list(plan_id)}
        for lv in levels:
            if lv not in known:
                problems.append(Problem(f"{where} levels", f"方案 {plan_id} 没有层级为 {lv!r} 的单位（有：{'、'.join(sorted(known))}）"))
    return plan_id, example, title, levels


def _check_item(at: str, it, registry: Registry, plan_id, used: set, seen: set, problems: list[Problem]
                ) -> Item | None:
    """One scored metric checked (its problems appended to ``problems``); None when it cannot be used."""
    if not isinstance(it, dict):
        problems.append(Problem(at, f"应为键值表（metric、weight、steps），收到 {it!r}"))
        return None
    key = it.get("metric")
    metric = registry.metrics.get(key) if isinstance(key, str) else None
    if metric is None:
        problems.append(Problem(at, f"metric 应为 metrics.yaml 中的指标代码，收到 {key!r}"))
    elif metric.type not in ("rate", "count"):
        problems.append(Problem(at, f"指标 {key}（{metric.name}）是 {metric.type} 类，只能为比率或数量指标评分"))
    elif used and key not in used:
        problems.append(Problem(at, f"指标 {key}（{metric.name}）不是方案 {plan_id} 量化目标所用的指标，报表中没有它的数据"))
    if isinstance(key, str) and key in seen:
        problems.append(Problem(at, f"指标 {key} 重复出现"))
    seen.add(key if isinstance(key, str) else "")
    weight = _number(it.get("weight", 1))
    if weight is None or weight <= 0:
        problems.append(Problem(at, f"weight 应为正数，收到 {it.get('weight')!r}"))
    hib = True if metric is None else bool(metric.higher_is_better)
    steps = _check_steps(at, it.get("steps"), hib, problems)
    if metric is not None and weight is not None and weight > 0 and steps:
        return Item(key, weight, tuple(steps), hib)
    return None


def _check_steps(at: str, steps_raw, hib: bool, problems: list[Problem]) -> list[Step]:
    """The steps of one item, loosest first; problems (not numbers, equal thresholds, points not rising)."""
    steps: list[Step] = []
    if not isinstance(steps_raw, list) or not steps_raw:
        problems.append(Problem(at, "steps 应为至少一档的列表，每档写 {at: 达到的值, points: 分值}"))
        steps_raw = []
    for m, s in enumerate(steps_raw, 1):
        a = _number(s.get("at")) if isinstance(s, dict) else None
        p = _number(s.get("points")) if isinstance(s, dict) else None
        if a is None or p is None or p < 0:
            problems.append(Problem(f"{at} 第 {m} 档", f"应为 {{at: 数值, points: 非负分值}}，收到 {s!r}"))
            continue
        steps.append(Step(a, p))
    # loosest first: ascending thresholds for higher-is-better, descending for lower-is-better
    steps.sort(key=lambda s: s.at if hib else -s.at)
    for lo, hi in zip(steps, steps[1:]):
        if abs(lo.at - hi.at) <= EPS:
            problems.append(Problem(at, f"两档的 at 相同（{lo.at:g}）"))
        elif hi.points <= lo.points:
            problems.append(Problem(at, f"更严的档应得分更高：达到 {hi.at:g} 得 {hi.points:g} 分，"
                                        f"不高于达到 {lo.at:g} 的 {lo.points:g} 分"))
    return steps


def _points(value: np.ndarray, item: Item) -> tuple[np.ndarray, np.ndarray]:
    """Points of the strictest step reached (0 if none or no value) and the index of that step (−1)."""
    pts = np.zeros(len(value))
    step = np.full(len(value), -1)
    with np.errstate(invalid="ignore"):
        for k, s in enumerate(item.steps):
            hit = value >= s.at - EPS if item.higher_is_better else value <= s.at + EPS
            pts = np.where(hit, s.points, pts)
            step = np.where(hit, k, step)
    return pts, step


def score_units(registry: Registry, plan_id: str, returns: ReturnSet, as_of, scoring: Scoring,
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score the plan's units (of ``scoring.levels``) on their latest values up to ``as_of``.

    Returns ``(totals, details)``. ``totals``: one row per unit — ``unit, unit_name, unit_level, score,
    max_score, score_rate`` (score / max × 100), ``rank`` (1 = best, ties share the better rank),
    ``items_without_data``; sorted by rank. ``details``: one row per unit × scored metric — ``unit, unit_name,
    metric, metric_name, value, value_period, step`` (the step reached, e.g. "≥ 99"), ``points, weight,
    weighted, max_weighted``. ``totals.attrs`` carries the scoring's name, title and whether it is an example.
    """
    if scoring.plan != plan_id:
        raise ParameterError("scoring", scoring.name, f"方案 {plan_id} 的评分方案（该文件属于方案 {scoring.plan}）")
    as_of_ord, _ = as_of_month(as_of)
    units = [u for u in registry.unit_list(plan_id) if not scoring.levels or u.level in scoring.levels]
    values = metric_values(registry, plan_id, returns.observations, [i.metric for i in scoring.items])
    if len(values):
        values = values[month_ordinals(values["period"].to_numpy(dtype=object)) <= as_of_ord]
    latest = values.groupby(["unit", "metric"], sort=False).tail(1).set_index(["metric", "unit"])
    ids = [u.id for u in units]
    frames = []
    for item in scoring.items:
        m = registry.metrics[item.metric]
        key = pd.MultiIndex.from_product([[item.metric], ids])
        lv = latest.reindex(key)
        value = lv["value"].to_numpy(dtype=float)
        pts, step = _points(value, item)
        sign = "≥" if item.higher_is_better else "≤"
        labels = np.array([f"{sign} {s.at:g}" for s in item.steps] + [""], dtype=object)
        frames.append(pd.DataFrame({
            "unit": ids, "unit_name": [u.name for u in units], "metric": item.metric, "metric_name": m.name,
            "value": value, "value_period": lv["period"].to_numpy(dtype=object), "step": labels[step],
            "points": pts, "weight": item.weight, "weighted": pts * item.weight,
            "max_weighted": item.weight * item.max_points,
        }))
    details = pd.concat(frames, ignore_index=True)
    details["value_period"] = details["value_period"].where(details["value_period"].notna(), None)
    totals = pd.DataFrame({"unit": ids, "unit_name": [u.name for u in units],
                           "unit_level": [u.level for u in units]})
    by_unit = details.groupby("unit", sort=False)
    totals["score"] = by_unit["weighted"].sum().reindex(ids).to_numpy()
    totals["max_score"] = scoring.max_score
    totals["score_rate"] = totals["score"] / scoring.max_score * 100.0
    totals["rank"] = totals["score"].round(9).rank(ascending=False, method="min").astype(int)
    totals["items_without_data"] = by_unit["value"].apply(lambda v: int(v.isna().sum())).reindex(ids).to_numpy()
    totals = totals.sort_values(["rank", "unit"], kind="stable", ignore_index=True)
    totals.attrs.update(scoring=scoring.name, title=scoring.title, example=scoring.example, note=scoring.note,
                        as_of=month_label(as_of_ord))
    return totals, details
