"""Morris elementary-effects screening (Morris 1991; Campolongo, Cariboni & Saltelli 2007):
along each trajectory one parameter moves by a step Δ of its range; the elementary effect is the
outcome change divided by Δ expressed as a share of the range, i.e. roughly the change in the
outcome when that parameter crosses its whole range (in the outcome's unit).

- ``mu_star`` — mean of the absolute elementary effects: overall importance of the parameter
  (the ranking measure);
- ``mu`` — mean of the signed effects: the direction; ``|mu| << mu_star`` means effects of both
  signs (non-monotone);
- ``sigma`` — standard deviation of the effects: non-linearity or interaction with other
  parameters (sigma/mu_star above ~1 is strongly non-linear/interacting);
- ``mu_star_conf`` — bootstrap half-width of the ``conf_level`` confidence interval of mu_star.

Sampled by :func:`SALib.sample.morris.sample`, analysed by :func:`SALib.analyze.morris.analyze`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.sensitivity.base import DesignError, Method

if TYPE_CHECKING:
    from sim.experiments.sensitivity.design import Design

COLUMNS = ("mu_star", "mu_star_conf", "mu", "sigma")


class Morris(Method):
    name = "morris"
    columns = COLUMNS
    rank_by = "mu_star"
    legend = (
        "mu* = mean |elementary effect| (importance; outcome units per crossing of the range), "
        "mu = signed mean (direction), sigma = s.d. of the effects (non-linearity, interactions)."
    )

    def num_levels(self, settings: dict) -> int:
        num_levels = int(settings.get("num_levels", 4))
        if num_levels < 2 or num_levels % 2:
            raise DesignError(f"morris: num_levels = {num_levels} must be even and at least 2")
        return num_levels

    def rows(self, n: int, d: int, calc_second_order: bool) -> int:
        return n * (d + 1)

    def identity(self, design: Design) -> tuple[str, Any]:
        return "num_levels", design.num_levels

    def sample(self, problem: dict, design: Design) -> np.ndarray:
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(problem, design.n, num_levels=design.num_levels, seed=design.sample_seed)

    def analyze(self, problem, X, Y, *, num_levels, calc_second_order, num_resamples, conf_level, seed):
        from SALib.analyze import morris as morris_analyze

        res = morris_analyze.analyze(
            problem, X, Y, num_resamples=num_resamples, conf_level=conf_level, num_levels=num_levels, seed=seed
        )
        return pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in COLUMNS}), None

    def size_text(self, design: Design) -> str:
        return f"{design.n} trajectories, {design.num_levels} levels"

    def plot(self, table: pd.DataFrame, title: str, unit: str, path: Path) -> None:
        """mu*–sigma scatter (points numbered by mu* rank; guide lines sigma/mu* = 0.1, 0.5, 1)
        beside the ranked mu* bars with their confidence intervals."""
        from matplotlib.figure import Figure

        t = table.sort_values("mu_star", ascending=False).reset_index(drop=True)
        fig = Figure(figsize=(12, 5.5), layout="constrained")
        ax, bars = fig.subplots(1, 2, width_ratios=[1.1, 1])
        x, y, conf = (t[c].to_numpy(float) for c in ("mu_star", "sigma", "mu_star_conf"))
        top = max(float(np.nanmax(x + conf)), float(np.nanmax(y)), 1e-12) * 1.08
        for ratio, style in ((1.0, "-"), (0.5, "--"), (0.1, ":")):
            ax.plot([0, top], [0, ratio * top], style, color="0.6", lw=0.8, label=f"sigma/mu* = {ratio:g}")
        ax.errorbar(x, y, xerr=conf, fmt="o", ms=5, capsize=2, color="C0", ecolor="0.7")
        for rank, (xi, yi) in enumerate(zip(x, y), start=1):
            ax.annotate(str(rank), (xi, yi), xytext=(3, 3), textcoords="offset points", fontsize=8)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel(f"mu* = mean |elementary effect| ({unit})")
        ax.set_ylabel(f"sigma = s.d. of elementary effects ({unit})")
        ax.legend(fontsize=7, loc="upper left")
        pos = np.arange(len(t))[::-1]
        colors = ["C3" if m < 0 else "C0" for m in t["mu"]]
        bars.barh(pos, x, xerr=conf, color=colors, capsize=2)
        bars.set_yticks(pos, [f"{i}. {n}" for i, n in enumerate(t["parameter"], start=1)], fontsize=7)
        bars.set_xlabel(f"mu* ({unit}); red bar: mu < 0, the outcome falls as the parameter rises", fontsize=8)
        fig.suptitle(title, fontsize=10)
        fig.savefig(path, dpi=130)
