"""Sobol' variance decomposition (Sobol' 2001; Saltelli et al. 2010 estimators), outcome variance
over the uniform parameter box:

- ``S1`` — first-order index: share of the outcome variance explained by the parameter alone;
- ``ST`` — total-order index: share of variance involving the parameter, alone or in any
  interaction (``ST - S1`` = interactions; ``ST ≈ 0`` = the parameter can be fixed anywhere in
  its range);
- ``S1_conf``, ``ST_conf`` — bootstrap half-widths of their confidence intervals;
- ``S2`` (``indices_second_order.csv``, when ``calc_second_order``) — pairwise interaction shares.

Sampled by :func:`SALib.sample.sobol.sample` (Saltelli points), analysed by
:func:`SALib.analyze.sobol.analyze`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.experiments.sensitivity.base import DesignError, Method

if TYPE_CHECKING:
    from sim.experiments.sensitivity.design import Design

COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")


class Sobol(Method):
    name = "sobol"
    columns = COLUMNS
    rank_by = "ST"
    legend = (
        "S1 = share of the outcome's variance due to the parameter alone; ST = share involving it "
        "(interactions included); ST − S1 = interactions."
    )

    def check_n(self, n: int) -> None:
        if n & (n - 1):
            raise DesignError(f"sobol: n = {n} must be a power of 2 (Saltelli sampling)")

    def rows(self, n: int, d: int, calc_second_order: bool) -> int:
        return n * (2 * d + 2 if calc_second_order else d + 2)

    def identity(self, design: Design) -> tuple[str, Any]:
        return "calc_second_order", design.calc_second_order

    def sample(self, problem: dict, design: Design) -> np.ndarray:
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(
            problem, design.n, calc_second_order=design.calc_second_order, seed=design.sample_seed
        )

    def analyze(self, problem, X, Y, *, num_levels, calc_second_order, num_resamples, conf_level, seed):
        from SALib.analyze import sobol as sobol_analyze

        res = sobol_analyze.analyze(
            problem,
            Y,
            calc_second_order=calc_second_order,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=seed,
        )
        table = pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in COLUMNS})
        s2 = None
        if calc_second_order:
            names = list(problem["names"])
            s2 = pd.DataFrame(np.asarray(res["S2"], dtype=float), index=names, columns=names)
        return table, s2

    def size_text(self, design: Design) -> str:
        return f"N = {design.n}{', second order' if design.calc_second_order else ''}"

    def plot(self, table: pd.DataFrame, title: str, unit: str, path: Path) -> None:
        """S1 and ST bars per parameter with confidence intervals."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, 5.5), layout="constrained")
        ax = fig.subplots()
        t = table.sort_values("ST", ascending=True)
        pos = np.arange(len(t))
        ax.barh(pos - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="S1 (first order)", color="C0", capsize=2)
        ax.barh(pos + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="ST (total order)", color="C1", capsize=2)
        ax.set_yticks(pos, t["parameter"], fontsize=7)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_xlabel("share of the outcome's variance")
        ax.legend(fontsize=8, loc="lower right")
        ax.set_title(title, fontsize=10)
        fig.savefig(path, dpi=130)
