"""Metric values from return fields — the one place that computes a metric.

Observations (tidy rows ``unit, period, field, value``) are scattered once into a (field × unit × month)
array (:func:`field_cube`); :func:`metric_array` turns it into one metric's (unit × month) array: a rate is
numerator / denominator × 100 (no value when the denominator is 0 — rates are never typed), a count or
yes-no metric its field's value. :func:`metric_values` gives the same numbers as a tidy frame for charts and
reports; the ledger (:mod:`.engine`) reads the arrays directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..kernel import months
from ..targets import Registry

_period_ords = months.ordinals


def codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the labels they index (−1 = missing); categorical columns cost nothing."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        cat = series.array  # the Categorical itself: its codes are a view (``.cat.codes`` copies them)
        return cat.codes, np.asarray(cat.categories, dtype=object)
    codes, uniques = pd.factorize(series, sort=False)
    return codes, np.asarray(uniques, dtype=object)


_SCATTER_CHUNK = 1 << 20  # rows per step: the index arrays of a step stay in the CPU cache
_EXTRA_MONTHS = 36  # months after the as-of month a cube may carry (unread) to keep the fast path


def _offset(m: np.ndarray) -> int | None:
    """``b`` when ``m[k] == k + b`` for every label k (a label code plus a constant gives the position)."""
    if len(m) and (m[0] >= 0) and (m[-1] - m[0] == len(m) - 1) and (np.diff(m) == 1).all():
        return int(m[0])
    return None


def field_cube(obs: pd.DataFrame, unit_pos: dict, fields: list[str], first_ord: int, months: int,
                ) -> tuple[np.ndarray, dict[str, int]]:
    """Scatter tidy observations into a (field × unit × month) array, NaN where nothing was reported.

    Returns the array and the position of each of ``fields`` on its first axis (the data's own field order
    where it can, so that no lookup is needed). Rows of unknown units or fields, or of months outside the
    axis, are ignored; when a (unit, month, field) appears twice the later row wins, as in
    :func:`taizhang.returns.load_returns`. Float32 values (what a columnar store may hand over) stay float32;
    anything else is read as float64.

    Fast path (a national set held as categoricals in registry order): when every label of the three key
    columns is wanted and each label code is its position plus a constant, the flat position of a row is
    plain arithmetic on the codes — no lookup tables and no masking. Later months than the as-of month are
    then kept in the array (never read: the returned array is a view that stops at the as-of month).
    """
    n_u = len(unit_pos)
    vals = obs["value"].to_numpy()
    dtype = np.float32 if vals.dtype == np.float32 else np.float64
    if vals.dtype != dtype:
        vals = vals.astype(dtype)
    if len(obs) == 0 or not fields or n_u == 0:
        return np.full((len(fields), n_u, months), np.nan, dtype=dtype), {f: i for i, f in enumerate(fields)}
    uc, ulab = codes(obs["unit"])
    fc, flab = codes(obs["field"])
    pc, plab = codes(obs["period"])
    # the field axis: the data's fields in the data's order (those wanted), then wanted fields never reported
    wanted = set(fields)
    order = [x for x in flab if x in wanted]
    order += [f for f in fields if f not in set(order)]
    field_pos = {f: i for i, f in enumerate(order)}
    n_f = len(order)
    umap = np.array([unit_pos.get(x, -1) for x in ulab], dtype=np.int64)
    fmap = np.array([field_pos.get(x, -1) for x in flab], dtype=np.int64)
    pord = _period_ords(plab) - first_ord
    pmap = np.where((pord >= 0) & (pord < months), pord, -1)

    bu, bf, bp = _offset(umap), _offset(fmap), _offset(np.where(pord >= 0, pord, -1))
    span = int(pord.max()) + 1 if len(pord) else months
    fast = (bu is not None and bf is not None and bp is not None and span - months <= _EXTRA_MONTHS
            and not ((uc < 0).any() or (fc < 0).any() or (pc < 0).any()))
    m_alloc = max(months, span) if fast else months
    cube = np.full(n_f * n_u * m_alloc, np.nan, dtype=dtype)
    itype = np.int32 if cube.size < 2**31 - 1 else np.int64
    if fast:
        # flat = ((fc + bf) · n_u + uc + bu) · m_alloc + pc + bp, evaluated step by step in place
        lead = (bf * n_u + bu) * m_alloc + bp
        i = np.empty(_SCATTER_CHUNK, dtype=itype)
        for s in range(0, len(obs), _SCATTER_CHUNK):
            e = min(s + _SCATTER_CHUNK, len(obs))
            w = i[:e - s]
            np.multiply(fc[s:e], n_u, out=w, dtype=itype)
            w += uc[s:e]
            w *= m_alloc
            w += pc[s:e]
            if lead:
                w += lead
            cube[w] = vals[s:e]
        cube = cube.reshape(n_f, n_u, m_alloc)
        return (cube if m_alloc == months else cube[:, :, :months]), field_pos
    # general path: per-label offsets into the flat cube; an invalid label makes the sum negative (also
    # when all three are invalid: int32 only while three invalid offsets cannot wrap around)
    itype, invalid = (np.int32, -(2**29)) if cube.size < 2**29 else (np.int64, -(2**40))
    umap = np.append(np.where(umap >= 0, umap * months, invalid), invalid).astype(itype)
    fmap = np.append(np.where(fmap >= 0, fmap * n_u * months, invalid), invalid).astype(itype)
    pmap = np.append(np.where(pmap >= 0, pmap, invalid), invalid).astype(itype)
    for s in range(0, len(obs), _SCATTER_CHUNK):
        e = min(s + _SCATTER_CHUNK, len(obs))
        i = fmap[fc[s:e]]
        i += umap[uc[s:e]]
        i += pmap[pc[s:e]]
        ok = i >= 0
        cube[i[ok]] = vals[s:e][ok]
    return cube.reshape(n_f, n_u, months), field_pos


def metric_array(metric, cube: np.ndarray, field_pos: dict, rows: np.ndarray | None) -> np.ndarray:
    """A metric as a (unit × month) float64 array from the field cube (rates × 100, NaN if denominator 0)."""
    def take(field):
        a = cube[field_pos[field]]
        return (a if rows is None else a[rows]).astype(np.float64)

    if metric.type == "rate":
        num, den = take(metric.numerator), take(metric.denominator)
        with np.errstate(divide="ignore", invalid="ignore"):
            num /= den
        num *= 100.0
        num[~(den > 0)] = np.nan
        return num
    return take(metric.field)


def metric_values(registry: Registry, plan_id: str, observations: pd.DataFrame,
                  metrics: list[str] | None = None) -> pd.DataFrame:
    """Metric values per unit and month: columns ``unit, period, metric, value`` (sorted that way but metric
    before period), from :func:`metric_array` — the same numbers the ledger judges.

    By default only metrics used by the plan's quantitative and recurring targets are computed; ``metrics``
    names others (e.g. :func:`~taizhang.evaluate.ranking.ranking_metrics`). A metric none of whose fields
    was ever reported is left out; a unit-month without a value has no row.
    """
    cols = ["unit", "period", "metric", "value"]
    if observations.empty:
        return pd.DataFrame(columns=cols)
    used = (list(dict.fromkeys(t.metric for t in registry.plan(plan_id).targets if t.kind != "milestone"))
            if metrics is None else list(dict.fromkeys(metrics)))
    reported = set(codes(observations["field"])[1])
    keep = [k for k in used if all(f in reported for f in registry.metrics[k].fields if f)]
    if not keep:
        return pd.DataFrame(columns=cols)
    ucode, ulab = codes(observations["unit"])
    units = sorted({str(u) for u in ulab[np.unique(ucode[ucode >= 0])]})
    pcode, plab = codes(observations["period"])
    ords = _period_ords(plab)[np.unique(pcode[pcode >= 0])]
    ords = ords[ords >= 0]
    if len(ords) == 0:
        return pd.DataFrame(columns=cols)
    first, n_m = int(ords.min()), int(ords.max() - ords.min()) + 1
    fields = list(dict.fromkeys(f for k in keep for f in registry.metrics[k].fields if f))
    unit_pos = {u: i for i, u in enumerate(units)}
    if not isinstance(observations["unit"].dtype, pd.CategoricalDtype):
        observations = observations.assign(unit=observations["unit"].astype(str))
    cube, field_pos = field_cube(observations, unit_pos, fields, first, n_m)
    unit_arr = np.array(units, dtype=object)
    period_arr = np.array([months.label(first + k) for k in range(n_m)], dtype=object)
    frames = []
    for key in sorted(keep):
        V = metric_array(registry.metrics[key], cube, field_pos, None)
        u, k = np.nonzero(~np.isnan(V))
        frames.append(pd.DataFrame({"unit": unit_arr[u], "period": period_arr[k], "metric": key, "value": V[u, k]}))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["unit", "metric", "period"], ignore_index=True, kind="stable")[cols]
