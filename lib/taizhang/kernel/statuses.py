"""The one status table: every status a ledger row can have, and everything shown with it.

Each :class:`Status` has a stable English ``code``, its Chinese ``label``, its ``rank`` in the order of merit
(0 = worst; the display order of every count, legend, heat map, Excel sheet and task list, and the scale of
"improved / worsened" month over month), its ``colour`` (background) and ``ink`` (text colour), and a
``symbol`` that keeps a greyscale print readable. :data:`MET` and :data:`OVERDUE` are the groupings that
month-over-month comparisons and summaries use. Nothing else in the package defines statuses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    """A status: code, Chinese label, rank (lower is worse), colours and symbol."""

    code: str
    label: str
    rank: int
    colour: str
    ink: str
    symbol: str

    @property
    def meaning(self) -> str:
        """What the status says, in one Chinese sentence (legends; :data:`MEANINGS`)."""
        return MEANINGS.get(self.code, "")

    @property
    def is_met(self) -> bool:
        return self.code in MET

    @property
    def is_overdue(self) -> bool:
        return self.code in OVERDUE


#: every status, worst first (``rank`` is the position in this tuple)
STATUSES: tuple[Status, ...] = tuple(Status(code, label, rank, colour, ink, symbol) for rank, (
    code, label, colour, ink, symbol) in enumerate((
        ("overdue", "逾期未达标", "#c0392b", "#ffffff", "✕"),
        ("task_overdue", "逾期未完成", "#c0392b", "#ffffff", "✕"),
        ("regressed", "达标后回落", "#8e44ad", "#ffffff", "↘"),
        ("due_soon", "临期预警", "#f39c12", "#3d3d3d", "！"),
        ("behind", "进度滞后", "#e67e22", "#ffffff", "▼"),
        ("no_data", "无数据", "#7f8c8d", "#ffffff", "？"),
        ("stale", "数据过期", "#95a5a6", "#3d3d3d", "⌛"),
        ("no_deadline", "期限未明确", "#d6cfe6", "#3d3d3d", "～"),
        ("task_pending", "未到期", "#f6d55c", "#3d3d3d", "…"),
        ("on_track", "按期推进", "#a9dfbf", "#1e4d2b", "▲"),
        ("met_late", "逾期达标", "#a9d8b8", "#1e4d2b", "✓"),
        ("done_late", "逾期完成", "#a9d8b8", "#1e4d2b", "✓"),
        ("met", "已达标", "#1e8449", "#ffffff", "✓"),
        ("done", "已完成", "#1e8449", "#ffffff", "✓"),
        ("not_applicable", "不适用", "#ffffff", "#999999", "—"),
    )))

#: what each status says, in the words of the judging rules (docs/evaluation.md), for legends
MEANINGS: dict[str, str] = {
    "overdue": "期限已过，最新值仍未达到目标值（周期性任务：上一周期或本周期次数不足）",
    "task_overdue": "节点任务期限已过，尚未报送完成日期",
    "regressed": "曾经达标，最新值又低于目标值（已达到的水平须保持）",
    "due_soon": "尚未达标或完成，期限在统计月份之后的临期预警期内（默认 2 个月）",
    "behind": "尚未达标，按当前进度和趋势到期限时达不到目标值",
    "no_data": "统计月份及以前没有报送该项数值（节点任务：该单位没有报送报表）",
    "stale": "最新数值距统计月份超过规定月数（默认 3 个月），不能据以判断",
    "no_deadline": "方案没有写明期限，尚未达标或完成（不判逾期）",
    "task_pending": "节点任务尚未完成，期限未到",
    "on_track": "尚未达标，按当前趋势到期限时可以达标",
    "met_late": "最新值达到目标值，但期限时尚未达到（期限后才达标）",
    "done_late": "节点任务已完成，完成日期晚于期限",
    "met": "最新值达到目标值",
    "done": "节点任务已在期限内完成（已报送完成日期和佐证材料）",
    "not_applicable": "该目标不适用于该单位的层级，不作评估",
}

BY_CODE: dict[str, Status] = {s.code: s for s in STATUSES}
#: status codes in display order (worst first)
ORDER: tuple[str, ...] = tuple(s.code for s in STATUSES)
LABELS: dict[str, str] = {s.code: s.label for s in STATUSES}
RANK: dict[str, int] = {s.code: s.rank for s in STATUSES}
#: statuses that count as achieved (a target met, a task done — also late: 逾期达标 and 逾期完成 are achieved,
#: ranked below their on-time peers in the order of merit and above every status not achieved)
MET: frozenset[str] = frozenset({"met", "met_late", "done", "done_late"})
#: statuses past their deadline and not achieved
OVERDUE: frozenset[str] = frozenset({"overdue", "task_overdue"})
#: statuses that say the data is missing (no value, no return, only an old value): a move into one is
#: "数据缺失" month over month, never an improvement (``no_return`` / 未报送 counts once it is in the table)
MISSING: frozenset[str] = frozenset({"no_data", "stale", "no_return"})


def status(code: str) -> Status:
    """The :class:`Status` of ``code``; an unknown code raises ``KeyError`` naming the known ones."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"未知的状态代码 {code!r}，已知的状态为 {'、'.join(ORDER)}") from None


def label(code: str) -> str:
    """The Chinese label of ``code``."""
    return status(code).label


def in_order(codes) -> list[str]:
    """The distinct known codes among ``codes``, in display order (worst first)."""
    present = set(codes)
    return [c for c in ORDER if c in present]
