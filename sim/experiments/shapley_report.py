"""The Shapley decomposition as a markdown table and a figure (``zonesim-decompose``,
:mod:`sim.experiments.decompose`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.experiments.aggregate import markdown_table
from sim.experiments.shapley import FULL
from sim.formatting import fmt_number, interval_text
from sim.plotting import ascii_unit, family_color


def shapley_markdown(table: pd.DataFrame, strata: Sequence[str], level: float = 0.95) -> str:
    pct = round(level * 100)
    t = pd.DataFrame(
        {
            **{k: table[k].astype(str) for k in strata},
            "outcome": table["label"],
            "unit": table["unit"],
            "family": table["family"],
            "seeds": table["n_seeds"],
            "contribution": table["mean"].map(fmt_number),
            f"{pct}% CI": [interval_text(lo, hi) for lo, hi in zip(table["ci_low"], table["ci_high"])],
            "share": table["share_pct"].map(lambda v: "–" if not np.isfinite(v) else f"{v:.1f}%"),
            "alone": table["alone_mean"].map(fmt_number),
            "added last": table["last_mean"].map(fmt_number),
        }
    )
    return markdown_table(t, right={"seeds", "contribution", "share", "alone", "added last"})


def figure_shapley(table: pd.DataFrame, strata: Sequence[str], pct: int):
    """One panel per outcome (and stratum): each family's contribution with its interval, and the full effect."""
    from matplotlib.figure import Figure

    panels = list(table.groupby([*strata, "outcome"], dropna=False, sort=False))
    ncols = min(3, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    families = list(dict.fromkeys(table["family"]))
    fig = Figure(figsize=(5.2 * ncols, (0.4 * len(families) + 1.4) * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (key, sub) in zip(axes, panels):
        sub = sub.set_index("family").reindex(families)
        y = np.arange(len(families))
        colors = ["0.35" if f == FULL else family_color(f, f"C{i}") for i, f in enumerate(families)]
        ax.barh(y, sub["mean"].fillna(0.0), color=colors, alpha=0.8)
        ci = sub["ci_low"].notna() & sub["ci_high"].notna()  # no interval from a single seed
        if ci.any():
            m = sub.loc[ci, "mean"]
            ax.errorbar(
                m,
                y[ci.to_numpy()],
                xerr=[(m - sub.loc[ci, "ci_low"]).clip(lower=0), (sub.loc[ci, "ci_high"] - m).clip(lower=0)],
                fmt="none",
                ecolor="black",
                capsize=3,
                lw=1,
            )
        if sub["mean"].isna().all():
            ax.text(
                0.5,
                0.5,
                "not computed\n(e.g. horizon too short)",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize="small",
                color="grey",
            )
        ax.axvline(0.0, color="grey", lw=0.8, ls="--")
        ax.set_yticks(y, families, fontsize="small")
        ax.invert_yaxis()
        first = sub.iloc[0]
        stratum = ", ".join(f"{k}={v}" for k, v in zip(strata, key[:-1])) if strata else ""
        ax.set_title(first["label"] + (f"\n{stratum}" if stratum else ""), fontsize="medium")
        ax.set_xlabel(f"contribution ({ascii_unit(first['unit'])})")
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"Shapley contribution of each policy family to the full effect (all on - all off): "
        f"mean over seeds and {pct}% CI"
    )
    return fig
