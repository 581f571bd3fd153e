"""Shapley values of the policy families (the computation of ``zonesim-decompose``,
:mod:`sim.experiments.decompose`): each family's contribution per seed, paired against the
all-off run, and their means and intervals over seeds."""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.experiments.aggregate import OUTCOMES
from sim.experiments.stats import mean_ci, relative_pct

log = logging.getLogger("zonesim.decompose")

FULL = "full effect"  # the family label of the all-on minus all-off row
SUMMARY_COLUMNS = (
    "label",
    "unit",
    "family",
    "n_seeds",
    "mean",
    "ci_low",
    "ci_high",
    "share_pct",
    "alone_mean",
    "last_mean",
)
"""Columns of the summary table (:func:`summarise`) after the strata and ``outcome``."""


# --------------------------------------------------------------------------- Shapley values
def shapley(values: Mapping[frozenset, float], players: Sequence[str]) -> dict[str, float]:
    """Shapley value of each player of the game ``v`` given on every subset of ``players``.

    ``values[frozenset(S)]`` is ``v(S)``; the contributions sum to ``v(N) - v(empty)``.
    Raises ``KeyError`` naming a missing subset.
    """
    n = len(players)
    weight = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    out = {}
    for f in players:
        others = [p for p in players if p != f]
        total = 0.0
        for s in range(n):
            for subset in itertools.combinations(others, s):
                base = frozenset(subset)
                total += weight[s] * (values[base | {f}] - values[base])
        out[f] = total
    return out


# --------------------------------------------------------------------------- decomposition
def seed_contributions(
    outcomes: pd.DataFrame, families: Sequence[str], strata: Sequence[str], names: Sequence[str]
) -> pd.DataFrame:
    """Per stratum, seed, outcome and family: the Shapley contribution (and the full effect).

    A (stratum, seed) without every combination is left out with a warning.
    """
    families = list(families)
    need = {frozenset(c) for s in range(len(families) + 1) for c in itertools.combinations(families, s)}
    rows = []
    keys = [*strata, "seed"]
    for key, sub in outcomes.groupby(keys, dropna=False, sort=True):
        key = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        present = set(sub["on"])
        if not need <= present:
            log.warning("decompose: %s has %d of %d combinations: left out", key, len(present & need), len(need))
            continue
        by_on = {on: g[list(names)].mean() for on, g in sub.groupby("on")}  # duplicates (none expected) averaged
        for name in names:
            game = {s: float(by_on[s][name] - by_on[frozenset()][name]) for s in need}
            phi = shapley(game, families)
            full = game[frozenset(families)]
            residual = full - sum(phi.values())
            for f in families:
                rows.append(
                    {
                        **key,
                        "outcome": name,
                        "family": f,
                        "value": phi[f],
                        "alone": game[frozenset([f])],
                        "last": full - game[frozenset(families) - {f}],
                        "residual": residual,
                    }
                )
            rows.append(
                {
                    **key,
                    "outcome": name,
                    "family": FULL,
                    "value": full,
                    "alone": np.nan,
                    "last": np.nan,
                    "residual": residual,
                }
            )
    return pd.DataFrame(rows, columns=[*keys, "outcome", "family", "value", "alone", "last", "residual"])


def share_of(contribution: float, full) -> float:
    """A contribution in % of the full effect (``full``: its mean and interval); NaN when the full
    effect's interval contains 0: a share of an effect that cannot be told from no effect means
    nothing (a contribution of +500 to a full effect of +6 would be "8,000%")."""
    if np.isfinite(full.low) and np.isfinite(full.high) and full.low <= 0.0 <= full.high and full.low < full.high:
        return np.nan
    return relative_pct(contribution, full.mean)


def summarise(seeds: pd.DataFrame, strata: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval over seeds of each contribution, share of the full effect, alone/last means."""
    rows = []
    keys = [*strata, "outcome"]
    order = {o: i for i, o in enumerate(OUTCOMES)}
    for key, sub in seeds.groupby(keys, dropna=False, sort=False):
        key = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        full = mean_ci(sub.loc[sub["family"] == FULL, "value"], level)
        for family, fam in sub.groupby("family", sort=False):
            ci = mean_ci(fam["value"], level)
            rows.append(
                {
                    **key,
                    "label": OUTCOMES[key["outcome"]].label,
                    "unit": OUTCOMES[key["outcome"]].unit,
                    "family": family,
                    "n_seeds": ci.n,
                    "mean": ci.mean,
                    "ci_low": ci.low,
                    "ci_high": ci.high,
                    "share_pct": share_of(ci.mean, full),
                    "alone_mean": float(fam["alone"].mean()),
                    "last_mean": float(fam["last"].mean()),
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[*keys, *SUMMARY_COLUMNS],
    )
    out["_o"] = out["outcome"].map(order)
    return out.sort_values([*strata, "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
