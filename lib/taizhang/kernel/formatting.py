"""The one value formatter: numbers as a reader writes them, with their unit.

Rules (every table, reason, chart label and notice uses them; ``docs/evaluation.md``, "Display precision"):

* a value is shown with its unit's display decimals (targets/metrics.yaml ``units:``, ``decimals``; the
  registry installs them with :func:`use_unit_decimals` when it is built): a percentage (``%``) always
  with them ("70.0%"), any other unit only when the value is not whole ("15名", "2.5小时"); a unit no
  registry declared: one decimal;
* a missing value is ``—``;
* **a miss is never printed as reaching the threshold**: given the threshold and comparator, a value that
  misses the target but whose rounded text would meet it gets **more decimals** until the miss is visible
  (69.99 against ≥ 70 → "69.99%", never "70.0%"); past :data:`MAX_DECIMALS` it is written as the bound it
  misses ("<70%", ">5%", "≠3个"). Rounding towards the failing side ("69.9%") was the earlier rule: it
  printed a number the unit never reported, so the reader could not check it against the return;
* a negative margin never prints as "−0.0";
* a change of a percentage, and a margin of a rate to its target, is in percentage points
  (:func:`format_change`, :func:`format_points`, :func:`format_gap`: "−10.4个百分点", never "−10.4%"), and a
  change that rounds to zero is "持平" (no "↑0.0");
* a threshold is written as the plan writes it (:func:`format_number`: 70, 2.5).

:func:`format_values` is the vectorised form: it formats each distinct (value, unit) once.
:func:`csv_ready` rounds a frame's floats for machine-readable output (no float noise, no −0.0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

EPS = 1e-9
MISSING = "—"
#: the most decimals a miss is given to make it visible before it is written as the bound it misses
MAX_DECIMALS = 4
#: decimals written to CSV files (enough for any display precision; float noise such as 69.99000000000001
#: and −0.0 disappear)
CSV_DECIMALS = 6
DEFAULT_DECIMALS = 1

_UNIT_DECIMALS: dict[str, int] = {"%": 1}


def use_unit_decimals(decimals: Mapping[str, int]) -> None:
    """Install the display decimals of units of measure (``{unit: decimals}``, from metrics.yaml ``units``).

    Called by the registry when it is built; the kernel itself imports nothing of ours.
    """
    _UNIT_DECIMALS.update({str(u): int(d) for u, d in decimals.items()})


def unit_decimals(unit: str) -> int:
    """The display decimals of ``unit`` (one for a unit no registry declared)."""
    return _UNIT_DECIMALS.get(unit or "", DEFAULT_DECIMALS)


def _decimals(x: float, unit: str) -> int:
    return unit_decimals(unit) if unit == "%" or abs(x - round(x)) > EPS else 0


def _meets(x: float, op: str | None, threshold: float) -> bool:
    if op == ">=":
        return x >= threshold - EPS
    if op == "<=":
        return x <= threshold + EPS
    if op == "==":
        return abs(x - threshold) <= EPS
    return True


def _rounded(x: float, dec: int) -> float:
    return float(np.round(x, dec))


def _bound_text(op: str, threshold: float, unit: str) -> str:
    return {">=": "<", "<=": ">", "==": "≠"}[op] + format_number(threshold) + unit


def format_value(x, unit: str = "", *, threshold=None, op: str | None = None) -> str:
    """``x`` with its unit ("70.0%", "15名", "2.5天"); ``—`` when missing.

    With ``threshold`` and ``op`` (``>=``, ``<=``, ``==``) a value that misses the target is never printed as
    reaching it: it gets more decimals until the miss shows, or is written as the bound it misses.

    >>> format_value(69.99, "%", threshold=70, op=">="), format_value(15, "名"), format_value(None, "%")
    ('69.99%', '15名', '—')
    """
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    x = float(x)
    unit = unit or ""
    dec = _decimals(x, unit)
    if threshold is None or op not in (">=", "<=", "==") or (isinstance(threshold, float) and math.isnan(threshold)):
        return f"{_rounded(x, dec):.{dec}f}{unit}"
    threshold = float(threshold)
    if _meets(x, op, threshold):
        return f"{_rounded(x, dec):.{dec}f}{unit}"
    while _meets(_rounded(x, dec), op, threshold):
        if dec >= max(MAX_DECIMALS, _decimals(x, unit)):
            return _bound_text(op, threshold, unit)
        dec += 1
    return f"{_rounded(x, dec):.{dec}f}{unit}"


def format_number(x) -> str:
    """A number as a plan writes a threshold: "70", "2.5", "0.25" (no unit, no trailing zeros)."""
    return str(int(x)) if float(x).is_integer() else f"{float(x):g}"


#: the unit of a difference of two percentages
POINTS = "个百分点"


def gap_unit(unit: str) -> str:
    """The unit a margin to a target of ``unit`` is written in: a percentage's in percentage points
    (:data:`POINTS`), any other in the target's own unit."""
    return POINTS if unit == "%" else (unit or "")


def format_gap(x, unit: str = "") -> str:
    """A margin to the target, signed, in :func:`gap_unit` ("+2.0个百分点", "−0.01个百分点" for a rate, "−3名");
    a negative margin never prints as zero."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    x = float(x)
    unit = unit or ""
    text = "+" + format_value(x, unit) if x >= 0 else "−" + format_value(-x, unit, threshold=0.0, op="<=")
    return text.removesuffix("%") + POINTS if unit == "%" else text


def gap_excel_format(unit: str) -> str | None:
    """The Excel number format that shows a margin stored as a number as :func:`format_gap` writes it (sign,
    the unit's display decimals, :func:`gap_unit`): ``"+"0.0"个百分点";"−"0.0"个百分点"`` for a rate; None
    for other units (their 计量单位 column says the unit)."""
    if unit != "%":
        return None
    digits = "0" + ("." + "0" * unit_decimals(unit) if unit_decimals(unit) else "")
    return f'"+"{digits}"{POINTS}";"−"{digits}"{POINTS}"'


def format_points(x) -> str:
    """A difference of two percentages in percentage points: "1.2个百分点"."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return MISSING
    return f"{abs(float(x)):.1f}{POINTS}"


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


def constant_texts(n: int, text) -> np.ndarray:
    """An object array of ``n`` references to one text (``np.full(n, text, dtype=object)`` would build ``n``
    copies of it, one string object each)."""
    out = np.empty(n, dtype=object)
    out.fill(text)
    return out


def format_values(x: np.ndarray, unit: np.ndarray, *, threshold: np.ndarray | None = None,
                  op: np.ndarray | None = None) -> np.ndarray:
    """:func:`format_value` of every element (an object array of texts), each distinct value formatted once.

    ``unit`` holds each row's unit; ``threshold`` and ``op`` (optional, per row) switch on the rule that a
    miss is never printed as reaching the threshold (the few such rows take the scalar path).
    """
    x = np.asarray(x, dtype=float)
    unit = np.asarray(unit, dtype=object)
    out = constant_texts(len(x), MISSING)
    pos = np.flatnonzero(~np.isnan(x))
    if len(pos) == 0:
        return out
    xs = x[pos]
    ucode, units = pd.factorize(unit[pos])
    dec_u = np.array([unit_decimals(u) for u in units], dtype=np.int64)
    pct_u = np.array([u == "%" for u in units])
    whole = np.abs(xs - np.round(xs)) <= EPS
    dec = np.where(pct_u[ucode] | ~whole, dec_u[ucode], 0)
    shown = np.empty(len(xs))
    for d in np.unique(dec):
        sel = dec == d
        shown[sel] = np.round(xs[sel], int(d))
    group = ucode * 16 + dec  # (unit, decimals); decimals stay below 16
    for g in np.unique(group):
        sel = group == g
        u, d = units[g // 16], int(g % 16)
        uniq, inv = np.unique(shown[sel], return_inverse=True)
        out[pos[sel]] = np.array([f"{v:.{d}f}{u}" for v in uniq], dtype=object)[inv]
    if threshold is not None and op is not None:
        thr = np.asarray(threshold, dtype=float)[pos]
        opa = np.asarray(op, dtype=object)[pos]
        with np.errstate(invalid="ignore"):
            miss = ((opa == ">=") & (xs < thr - EPS) & (shown >= thr - EPS)) \
                | ((opa == "<=") & (xs > thr + EPS) & (shown <= thr + EPS)) \
                | ((opa == "==") & (np.abs(xs - thr) > EPS) & (np.abs(shown - thr) <= EPS))
        for k in np.flatnonzero(miss):
            out[pos[k]] = format_value(xs[k], units[ucode[k]], threshold=float(thr[k]), op=opa[k])
    return out


def csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for CSV output: float columns rounded to :data:`CSV_DECIMALS` decimals, with no
    float noise (69.99000000000001 → 69.99) and no −0.0 (→ 0.0). Values keep their full precision up to
    that; display rounding is for reports, not for data."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_float_dtype(s.dtype):
            out[col] = s.round(CSV_DECIMALS) + 0.0
        elif s.dtype == object:
            floats = s.map(lambda v: isinstance(v, float))
            if floats.any():
                out[col] = s.where(~floats, s[floats].map(lambda v: round(v, CSV_DECIMALS) + 0.0))
    return out
