"""The judgement's parameters: one typed, frozen :class:`Settings` passed as one object.

Every field carries its Chinese label and its allowed range (the field metadata), so that the scenario
files' ``method`` entries, the explore widgets and the report texts all read the same list — and nothing
else: output switches such as ``include_not_applicable`` are parameters of :func:`~taizhang.evaluate.evaluate`,
not of the method. Defaults and their sources are in ``docs/evaluation.md``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import ParameterError


def _setting(default, label: str, low, high, allowed: str):
    return field(default=default, metadata={"label": label, "low": low, "high": high, "allowed": allowed})


@dataclass(frozen=True)
class Settings:
    """The judgement's parameters (defaults as documented in docs/evaluation.md)."""

    due_soon_days: int = _setting(60, "临期预警天数", 0, 366, "0–366 的整数（天）")
    due_soon_months: int = _setting(2, "临期预警月数", 0, 24, "0–24 的整数（月）")
    stale_months: int = _setting(3, "数据过期月数", 1, 36, "1–36 的整数（月）")
    trend_months: int = _setting(12, "趋势计算月数", 2, 36, "2–36 的整数（月）")
    min_trend_points: int = _setting(3, "趋势最少数据点", 2, 36, "2 至 trend_months 之间的整数")
    on_track_ratio: float = _setting(0.95, "按期推进比率", 0, 2, "大于 0、不超过 2 的数")
    #: percentage points by which a 100 % (or "≤ 0 %") target may be missed and still count as met — in the
    #: status, the reason and the projection alike; 0 by default: a 100 % target is met only at 100 %
    achieved_tolerance: float = _setting(0.0, "100%目标容差", 0, 10, "0–10 的数（百分点）")
    horizon_months: int = _setting(120, "趋势预测月数", 1, 600, "1–600 的整数（月）")

    def check(self) -> "Settings":
        """Raise :class:`ParameterError` for the first value of the wrong type or out of range; return self."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            low, high = f.metadata["low"], f.metadata["high"]
            if f.name == "min_trend_points":
                high = self.trend_months if isinstance(self.trend_months, int) else high
            if f.type == "int" or f.type is int:
                ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
            else:
                ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
                      and (low < float(value) if f.name == "on_track_ratio" else low <= float(value))
                      and float(value) <= high)
            if not ok:
                raise ParameterError(f.name, value, f.metadata["allowed"])
        return self

    @classmethod
    def of(cls, settings: "Settings | None" = None, **overrides) -> "Settings":
        """``settings`` (default: the defaults) with ``overrides`` (field names only), checked.

        An unknown name raises :class:`ParameterError` listing the fields.
        """
        base = settings if settings is not None else cls()
        unknown = [k for k in overrides if k not in FIELD_NAMES]
        if unknown:
            raise ParameterError(unknown[0], overrides[unknown[0]], "评估方法参数 " + "、".join(FIELD_NAMES))
        return dataclasses.replace(base, **overrides).check() if overrides else base.check()

    @classmethod
    def from_ledger(cls, ledger) -> "Settings":
        """The settings a ledger was judged with (kept in ``ledger.attrs["settings"]``)."""
        return cls(**ledger.attrs.get("settings", {}))

    def is_stale(self, age_months):
        """Whether a value ``age_months`` months older than the as-of month is too old to vouch for (the
        ledger's 数据过期, rule ``value_too_old``; the ranking leaves such values unranked). Elementwise on
        arrays; a negative age (no value) is never stale."""
        return np.asarray(age_months) > self.stale_months

    def as_dict(self) -> dict:
        return asdict(self)


class ReadOnlyDict(dict):
    """A dict that is never changed after it is made, so that copying it costs nothing: a ledger's
    ``attrs`` (its as-of month and :class:`Settings`) are deep-copied by pandas at every operation on the
    ledger — thousands per report — and a read-only value can be shared instead of copied."""

    def __deepcopy__(self, memo):
        return self

    def __copy__(self):
        return self

    def __reduce__(self):  # pickles (and copies for a pickle) as a plain dict of the same items
        return (ReadOnlyDict, (dict(self),))

    def _read_only(self, *args, **kwargs):
        raise TypeError("a ledger's settings are read-only; build new Settings instead")

    __setitem__ = __delitem__ = __ior__ = _read_only
    update = pop = popitem = clear = setdefault = _read_only


#: the method parameters: Settings' field names, in order
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings))


def defaults() -> dict:
    """Each method parameter with its default."""
    return Settings().as_dict()


def label(name: str) -> str:
    """The Chinese label of a method parameter (``KeyError`` for a name that is not one)."""
    return {f.name: f.metadata["label"] for f in dataclasses.fields(Settings)}[name]
