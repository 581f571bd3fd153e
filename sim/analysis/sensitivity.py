"""Reading the indices of a sensitivity experiment: parameter table, rankings, one-line readings.

Morris: ``mu_star`` ranks importance (outcome units per crossing of the parameter's range),
the sign of ``mu`` gives the direction when it is consistent (``|mu|`` close to ``mu_star``),
``sigma / mu_star`` grades non-linearity or interaction.  Sobol: ``ST`` ranks, ``S1`` is the
parameter's own share of the variance, ``ST − S1`` its share through interactions.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.load import Sensitivity, shown_path
from sim.analysis.text import num

CONSISTENT_SIGN = 0.8
"""|mu| / mu* above this: the elementary effects have (almost) one sign, a clear direction."""
NEAR_LINEAR = 0.5
"""sigma / mu* below this: the parameter acts nearly linearly and alone."""
STRONGLY_NON_LINEAR = 1.0
"""sigma / mu* above this: strongly non-linear or interacting (Garcia Sanchez et al. 2014)."""
MORRIS_COLUMNS = ["parameter", "unit", "low", "high", "mu_star", "mu_star_conf", "mu", "sigma"]
SOBOL_COLUMNS = ["parameter", "unit", "low", "high", "S1", "S1_conf", "ST", "ST_conf"]


def heading(sens: Sensitivity) -> str:
    """One Markdown line saying what the experiment is: folder, method and size, the scenario (minus
    its pair when the effect is analysed), parameters, sample rows and the model seed."""
    d = sens.design
    what = f"**{d['scenario']}**" + (f" minus **{d['paired_with']}** (same seed)" if d.get("paired_with") else "")
    return (
        f"Sensitivity experiment `{shown_path(sens.folder)}`: **{sens.method}**, size {d['n']}, {what}, "
        f"{len(d['parameters'])} parameters, {len(sens.outcomes)} sample rows, model seed {d['seed']}."
    )


def parameter_table(sens: Sensitivity) -> pd.DataFrame:
    """The sampled parameters: name, range, default, unit and declared source."""
    rows = [
        {
            "parameter": p["name"],
            "low": p["low"],
            "high": p["high"],
            "default": p.get("default"),
            "unit": p.get("unit", ""),
            "source": p.get("source", ""),
        }
        for p in sens.design.get("parameters", [])
    ]
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "default", "unit", "source"])


def ranked(sens: Sensitivity, outcome: str) -> pd.DataFrame:
    """The indices of ``outcome``, most important parameter first."""
    cols = MORRIS_COLUMNS if sens.method == "morris" else SOBOL_COLUMNS
    t = sens.indices[sens.indices["outcome"] == outcome]
    return t.sort_values(sens.ranking_measure, ascending=False)[cols].reset_index(drop=True)


def describe(sens: Sensitivity, row: pd.Series) -> str:
    """One parameter's reading in words, e.g. "firms.interest_rate (mu* 6,399: lowers it; near-linear)"."""
    if sens.method != "morris":
        return (
            f"{row['parameter']} (ST {row['ST']:.2f}, S1 {row['S1']:.2f}; "
            f"interactions {row['ST'] - row['S1']:.2f} of the variance)"
        )
    mu_star, mu, sigma = float(row["mu_star"]), float(row["mu"]), float(row["sigma"])
    if mu_star == 0:
        return f"{row['parameter']} (no effect)"
    ratio = abs(mu) / mu_star
    direction = ("raises it" if mu > 0 else "lowers it") if ratio >= CONSISTENT_SIGN else "effects of both signs"
    spread = sigma / mu_star
    shape = (
        "near-linear"
        if spread < NEAR_LINEAR
        else "strongly non-linear or interacting"
        if spread >= STRONGLY_NON_LINEAR
        else "moderately non-linear"
    )
    return f"{row['parameter']} (mu* {num(mu_star)}: {direction}; {shape}, sigma/mu* {spread:.2f})"


def levels_and_effect(levels: Sensitivity, effect: Sensitivity, top: int = 3) -> pd.DataFrame:
    """Each parameter's importance for an outcome's level (``levels``: one scenario) beside its
    importance for the reform's effect on it (``effect``: the scenario minus its pair, same seed),
    for the outcomes both experiments analysed: ranks (1 = most important) and the ranking measure
    (Morris mu*, Sobol ST) in each, and whether the parameter is among the ``top`` of either.  A
    parameter high for the level but low for the effect moves both scenarios alike (it cancels in
    the difference); one low for the level but high for the effect changes what the reform does."""
    rows = []
    shared = [o for o in dict.fromkeys(levels.indices["outcome"]) if o in set(effect.indices["outcome"])]
    for outcome in shared:
        lv = ranked(levels, outcome).reset_index(drop=True)
        ef = ranked(effect, outcome).reset_index(drop=True)
        rank_l = {p: i + 1 for i, p in enumerate(lv["parameter"])}
        rank_e = {p: i + 1 for i, p in enumerate(ef["parameter"])}
        lv_m = dict(zip(lv["parameter"], lv[levels.ranking_measure]))
        ef_m = dict(zip(ef["parameter"], ef[effect.ranking_measure]))
        for param in lv["parameter"]:
            if param not in rank_e:
                continue
            rows.append(
                {
                    "outcome": outcome,
                    "parameter": param,
                    "rank (level)": rank_l[param],
                    f"{levels.ranking_measure} (level)": lv_m[param],
                    "rank (effect)": rank_e[param],
                    f"{effect.ranking_measure} (effect)": ef_m[param],
                    f"top {top}": "both"
                    if rank_l[param] <= top and rank_e[param] <= top
                    else "level only"
                    if rank_l[param] <= top
                    else "effect only"
                    if rank_e[param] <= top
                    else "",
                }
            )
    return pd.DataFrame(rows)
