"""Trend and glide-path arithmetic used by :mod:`taizhang.evaluate`, vectorised over many series at once.

* :func:`theil_sen` — a robust straight line per row of a (series × months) array: the slope is the median
  of all pairwise slopes (Theil 1950, Sen 1968), the intercept the median of ``y − slope·t``. One outlying
  month (a typing error, a holiday month) moves it far less than least squares would.
* :func:`glide_path` — the value a unit should have reached by the as-of date on a straight line from its
  baseline to the target at the deadline, and the ratio of actual to required change
  (open-sdg / Statistics Canada method, linear instead of compound; see ``docs/evaluation.md``).

Everything works on plain numpy arrays with NaN for missing months; nothing here knows about units or plans.
"""

from __future__ import annotations

import numpy as np

#: average length of a month in days, to turn a date distance into months on the trend's time axis
DAYS_PER_MONTH = 30.4375

_CHUNK = 65_536


def _row_nanmedian(a: np.ndarray) -> np.ndarray:
    """Median of each row ignoring NaN (NaN where a row has no value); sorts in place."""
    a.sort(axis=1)  # NaN sort to the end
    n = np.count_nonzero(~np.isnan(a), axis=1)
    lo = np.take_along_axis(a, np.maximum((n - 1) // 2, 0)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(a, np.maximum(n // 2, 0)[:, None], axis=1)[:, 0]
    return np.where(n > 0, (lo + hi) / 2.0, np.nan)


def theil_sen(y: np.ndarray, t: np.ndarray | None = None, min_points: int = 3,
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise Theil–Sen line through ``y`` (rows = series, columns = time points, NaN = missing).

    ``t`` gives the time of each column (default 0, 1, 2, …). Returns ``(slope, intercept, points)``:
    slope per unit of ``t``, intercept at ``t = 0`` and the number of non-missing points per row. Rows with
    fewer than ``min_points`` points get NaN slope and intercept.

    >>> s, a, n = theil_sen(np.array([[1.0, 2.0, 3.0, 40.0]]), np.array([-3.0, -2.0, -1.0, 0.0]))
    >>> float(s[0]), int(n[0])
    (1.0, 4)
    """
    y = np.asarray(y, dtype=float)
    rows, width = y.shape
    t = np.arange(width, dtype=float) if t is None else np.asarray(t, dtype=float)
    slope = np.full(rows, np.nan)
    intercept = np.full(rows, np.nan)
    points = np.count_nonzero(~np.isnan(y), axis=1)
    if rows == 0 or width < 2:
        return slope, intercept, points
    i, j = np.triu_indices(width, 1)
    dt = t[j] - t[i]
    for start in range(0, rows, _CHUNK):
        block = y[start:start + _CHUNK]
        s = _row_nanmedian((block[:, j] - block[:, i]) / dt)
        a = _row_nanmedian(block - s[:, None] * t[None, :])
        slope[start:start + _CHUNK] = s
        intercept[start:start + _CHUNK] = a
    short = points < max(min_points, 2)
    slope[short] = np.nan
    intercept[short] = np.nan
    return slope, intercept, points


def crossing_months(intercept: np.ndarray, slope: np.ndarray, threshold: np.ndarray, sign: np.ndarray,
                    horizon: int = 120) -> np.ndarray:
    """Whole months after ``t = 0`` until the line ``intercept + slope·t`` reaches ``threshold``.

    ``sign`` is +1 where higher is better (reach means ≥) and −1 where lower is better (≤). Returns a float
    array: at least 1 (the line is judged at future month ends), NaN where the line moves the wrong way, is
    flat, or reaches the threshold only after ``horizon`` months.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = (threshold - intercept) / slope
    good = (sign * slope > 0) & np.isfinite(t_star)
    months = np.maximum(np.ceil(t_star - 1e-9), 1.0)
    return np.where(good & (months <= horizon), months, np.nan)


def glide_path(baseline: np.ndarray, threshold: np.ndarray, latest: np.ndarray, elapsed_days: np.ndarray,
               total_days: np.ndarray, sign: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Required value now and the ratio of actual to required change since the baseline.

    The glide path runs straight from ``baseline`` (at its month end) to ``threshold`` at the deadline;
    ``elapsed_days`` is baseline → as-of, ``total_days`` baseline → deadline (a deadline on or before the
    baseline month means the whole change is due now). The ratio is (latest − baseline) / (required −
    baseline): 1 means exactly on the path, ≥ 0.95 on track (open-sdg / Statistics Canada), ≤ 0 no progress.
    It is NaN where the baseline already meets the target or no change is required yet.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(total_days > 0, np.clip(elapsed_days / total_days, 0.0, 1.0), 1.0)
        required = baseline + (threshold - baseline) * frac
        change_needed = required - baseline
        baseline_meets = sign * (baseline - threshold) >= -1e-9
        ratio = np.where((np.abs(change_needed) > 1e-9) & ~baseline_meets,
                         (latest - baseline) / change_needed, np.nan)
    return required, ratio
