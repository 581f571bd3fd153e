"""Small statistics for experiments: t-intervals of a mean and of paired differences.

Every interval here is a Student-t confidence interval for a mean,
``mean ± t_{(1+level)/2, n-1} · s/√n``, computed as :func:`scipy.stats.t.interval` does (the
t quantiles from :func:`scipy.special.stdtrit`, the same function and arithmetic, so the same bits)
with ``s/√n`` as ``scipy.stats.sem`` computes it (pandas' ``sem`` for the vectorised
:func:`mean_ci_by`; both use ``ddof=1``).  Importing ``scipy.stats`` itself would add 0.5 s to
every aggregation, for this one function.
Replicates are the seeds of an experiment; under common random numbers a seed gives the same
arrivals, shocks and service times in every scenario, so scenario effects are estimated from
same-seed pairs (:func:`paired_diff_ci`), which removes the between-seed noise.

Conventions (shared by every function):

- NaN values are dropped (pairwise for paired data); ``n`` counts what is left;
- ``n == 0``: mean and bounds are NaN;
- ``n == 1``: the mean is the value, the bounds are NaN (no variance estimate) — except for
  paired differences that are all exactly 0, see below;
- a sample with zero variance (all values identical, ``n >= 2``) gets the zero-width interval
  ``[mean, mean]`` (scipy returns NaN for a zero scale);
- paired differences that are all exactly 0 (``n >= 1``) give exactly ``CI(0.0, 0.0, 0.0, n)``:
  under common random numbers this means the two groups produced identical outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import stdtrit

__all__ = ["CI", "mean_ci", "mean_ci_by", "paired_diff_ci", "relative_pct"]


class CI(NamedTuple):
    """A mean and its confidence interval, in the unit of the values; ``n`` values were used."""

    mean: float
    low: float
    high: float
    n: int


def t_interval(level: float, df, loc, scale) -> tuple:
    """The central ``level`` interval of Student's t with ``df`` degrees of freedom, shifted by ``loc``
    and scaled by ``scale`` (scalars or arrays): ``scipy.stats.t.interval(level, df, loc, scale)``,
    bit for bit, NaN where ``scale`` is not positive (a variance that underflowed to 0) as there."""
    valid = np.asarray(scale) > 0
    return tuple(
        np.where(valid, stdtrit(df, q) * scale + loc, np.nan)[()] for q in ((1.0 - level) / 2, (1.0 + level) / 2)
    )


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must be in (0, 1), got {level}")


def _clean(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    v = np.asarray(values, dtype=float).ravel()
    return v[~np.isnan(v)]


def mean_ci(values: Sequence[float] | np.ndarray | pd.Series, level: float = 0.95) -> CI:
    """Mean of ``values`` (NaN dropped) and its two-sided t-interval at ``level``.

    Example: ``mean_ci([1, 2, 3, 4, 5])`` is ``CI(3.0, 1.0368, 4.9632, 5)``
    (``t_{0.975,4} = 2.7764``, ``s/√n = 0.7071``).
    """
    _check_level(level)
    v = _clean(values)
    n = int(v.size)
    if n == 0:
        return CI(np.nan, np.nan, np.nan, 0)
    if np.all(v == v[0]):  # exact mean, no rounding from summation
        c = float(v[0])
        return CI(c, c, c, n) if n >= 2 else CI(c, np.nan, np.nan, 1)
    m = float(np.mean(v))
    low, high = t_interval(level, n - 1, loc=m, scale=np.std(v, ddof=1) / n**0.5)
    return CI(m, float(low), float(high), n)


def paired_diff_ci(
    a: Sequence[float] | np.ndarray | pd.Series, b: Sequence[float] | np.ndarray | pd.Series, level: float = 0.95
) -> CI:
    """Mean of the paired differences ``a[i] - b[i]`` and its t-interval at ``level``.

    ``a`` and ``b`` are aligned (same length, element ``i`` of both from the same seed); a pair
    with a NaN on either side is dropped.  When every difference is exactly 0 the result is
    exactly ``CI(0.0, 0.0, 0.0, n)``.
    """
    _check_level(level)
    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired samples differ in length: {a.size} != {b.size}")
    keep = ~(np.isnan(a) | np.isnan(b))
    d = a[keep] - b[keep]
    if d.size and np.all(d == 0.0):
        return CI(0.0, 0.0, 0.0, int(d.size))
    return mean_ci(d, level)


def relative_pct(diff: float, reference: float) -> float:
    """``100 · diff / reference`` (percent of the reference); NaN if the reference is 0 or NaN."""
    if reference is None or not np.isfinite(reference) or reference == 0 or diff is None or np.isnan(diff):
        return np.nan
    return float(100.0 * diff / reference)


def mean_ci_by(frame: pd.DataFrame, by: str | list[str], value: str, level: float = 0.95) -> pd.DataFrame:
    """Per group of ``by`` (e.g. group and month): ``mean``, t-interval ``low``/``high`` and ``n`` of ``value``.

    The vectorised form of :func:`mean_ci` (same conventions, without the paired all-zero rule),
    used for bands across seeds in time-series figures.  Rows with NaN keys are kept.
    """
    _check_level(level)
    by = [by] if isinstance(by, str) else list(by)
    g = frame.groupby(by, dropna=False, sort=True)[value]
    out = pd.DataFrame({"mean": g.mean(), "n": g.count(), "sem": g.sem(), "min": g.min(), "max": g.max()})
    out["low"] = np.nan
    out["high"] = np.nan
    const = (out["n"] >= 2) & (out["min"] == out["max"])
    out.loc[const, "mean"] = out.loc[const, "min"]
    out.loc[const, ["low", "high"]] = np.repeat(out.loc[const, ["min"]].to_numpy(), 2, axis=1)
    var = (out["n"] >= 2) & ~const
    if var.any():
        low, high = t_interval(
            level,
            out.loc[var, "n"].to_numpy() - 1,
            loc=out.loc[var, "mean"].to_numpy(),
            scale=out.loc[var, "sem"].to_numpy(),
        )
        out.loc[var, "low"] = low
        out.loc[var, "high"] = high
    return out[["mean", "low", "high", "n"]].reset_index()
