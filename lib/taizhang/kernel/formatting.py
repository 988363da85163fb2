"""The one value formatter: numbers as a reader writes them, with their unit.

Rules (every table, reason, chart label and notice uses them):

* a percentage (unit ``%``) has one decimal; a whole number none; any other number one decimal;
* a missing value is ``—``;
* **a miss is never printed as reaching the threshold**: given the threshold and comparator, a value that
  misses the target but would round onto or past it (69.96 against ≥ 70 → "70.0%") is rounded towards the
  miss instead ("69.9%"); a negative margin never prints as "−0.0";
* a change of a percentage is in percentage points (:func:`format_change`, :func:`format_points`), and a
  change that rounds to zero is "持平" (no "↑0.0");
* a threshold is written as the plan writes it (:func:`format_number`: 70, 2.5).

:func:`format_values` is the vectorised form: it formats each distinct (value, unit) once.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

EPS = 1e-9
MISSING = "—"


def _decimals(x: float, unit: str) -> int:
    return 1 if unit == "%" or abs(x - round(x)) > EPS else 0


def _meets(x: float, op: str | None, threshold: float) -> bool:
    if op == ">=":
        return x >= threshold - EPS
    if op == "<=":
        return x <= threshold + EPS
    if op == "==":
        return abs(x - threshold) <= EPS
    return True


def _toward_miss(x: float, dec: int, op: str | None, threshold) -> float:
    """``x`` rounded to ``dec`` decimals, towards the miss when plain rounding would reach the threshold."""
    r = round(x, dec)
    if threshold is None or op is None or (isinstance(threshold, float) and math.isnan(threshold)):
        return r
    threshold = float(threshold)
    if _meets(x, op, threshold) or not _meets(r, op, threshold):
        return r
    scale = 10.0 ** dec
    if op == ">=":
        return math.floor(x * scale) / scale
    if op == "<=":
        return math.ceil(x * scale) / scale
    return r  # "==": handled by more decimals in format_value


def format_value(x, unit: str = "", *, threshold=None, op: str | None = None) -> str:
    """``x`` with its unit ("70.0%", "15名", "2.5天"); ``—`` when missing.

    With ``threshold`` and ``op`` (``>=``, ``<=``, ``==``) a value that misses the target is never printed as
    reaching it.

    >>> format_value(69.99, "%", threshold=70, op=">="), format_value(15, "名"), format_value(None, "%")
    ('69.9%', '15名', '—')
    """
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    x = float(x)
    unit = unit or ""
    dec = _decimals(x, unit)
    if op == "==" and threshold is not None and not _meets(x, op, float(threshold)):
        while dec < 6 and round(x, dec) == float(threshold):
            dec += 1
    return f"{_toward_miss(x, dec, op, threshold):.{dec}f}{unit}"


def format_number(x) -> str:
    """A number as a plan writes a threshold: "70", "2.5", "0.25" (no unit, no trailing zeros)."""
    return str(int(x)) if float(x).is_integer() else f"{float(x):g}"


def format_gap(x, unit: str = "") -> str:
    """A margin to the target, signed ("+2.0%", "−0.1%"); a negative margin never prints as zero."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    x = float(x)
    if x >= 0:
        return "+" + format_value(x, unit)
    return "−" + format_value(-x, unit, threshold=0.0, op="<=")


def format_points(x) -> str:
    """A difference of two percentages in percentage points: "1.2个百分点"."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    return f"{abs(float(x)):.1f}个百分点"


def format_change(x, unit: str = "") -> str:
    """A change since an earlier value: "↑1.2个百分点" (a percentage changes in points), "↓3名", and "持平"
    when the change is zero as shown (0.04 points is "持平", never "↑0.0")."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    x = float(x)
    if round(abs(x), _decimals(abs(x), unit)) == 0:
        return "持平"
    arrow = "↑" if x > 0 else "↓"
    return arrow + (format_points(x) if unit == "%" else format_value(abs(x), unit))


def format_values(x: np.ndarray, unit: np.ndarray, *, threshold: np.ndarray | None = None,
                  op: np.ndarray | None = None) -> np.ndarray:
    """:func:`format_value` of every element (an object array of texts), each distinct value formatted once.

    ``unit`` holds each row's unit; ``threshold`` and ``op`` (optional, per row) switch on the rule that a
    miss is never printed as reaching the threshold.
    """
    x = np.asarray(x, dtype=float)
    unit = np.asarray(unit, dtype=object)
    out = np.full(len(x), MISSING, dtype=object)
    ok = ~np.isnan(x)
    pct = unit == "%"
    one = ok & (pct | (np.abs(x - np.round(x)) > EPS))
    for dec, sel in ((1, one), (0, ok & ~one)):
        pos = np.flatnonzero(sel)
        if len(pos) == 0:
            continue
        r = np.round(x[pos], dec)
        if threshold is not None and op is not None:
            r = _directed(x[pos], r, dec, np.asarray(threshold, dtype=float)[pos], np.asarray(op, dtype=object)[pos])
        ucode, units = pd.factorize(unit[pos])
        for i, u in enumerate(units):
            part = slice(None) if len(units) == 1 else ucode == i
            uniq, inv = np.unique(r[part], return_inverse=True)
            out[pos[part]] = np.array([f"{v:.{dec}f}{u}" for v in uniq], dtype=object)[inv]
    if threshold is not None and op is not None:  # "==" misses that round onto the threshold: scalar path
        eq = np.flatnonzero(ok & (np.asarray(op, dtype=object) == "=="))
        for i in eq:
            out[i] = format_value(x[i], unit[i], threshold=float(np.asarray(threshold)[i]), op="==")
    return out


def _directed(x: np.ndarray, r: np.ndarray, dec: int, thr: np.ndarray, op: np.ndarray) -> np.ndarray:
    """``r`` (``x`` rounded) with misses that round onto the threshold rounded towards the miss."""
    scale = 10.0 ** dec
    with np.errstate(invalid="ignore"):
        ge, le = op == ">=", op == "<="
        miss_ge = ge & (x < thr - EPS) & (r >= thr - EPS)
        miss_le = le & (x > thr + EPS) & (r <= thr + EPS)
    if not (miss_ge.any() or miss_le.any()):
        return r
    r = r.copy()
    r[miss_ge] = np.floor(x[miss_ge] * scale) / scale
    r[miss_le] = np.ceil(x[miss_le] * scale) / scale
    return r
