"""What every sensitivity method provides (the registry's interface), and the design error.

A method is a module of this package (:mod:`.morris`, :mod:`.sobol`) defining one subclass of
:class:`Method`, registered in :mod:`.registry`; SALib provides its sampler and analyser.  A new
method is a new module and one line in the registry: the design, the runs, the reading back and
the report call it through this interface only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.experiments.sensitivity.design import Design


class DesignError(ValueError):
    """The declared design is invalid, or the experiment folder holds a different design."""


class Method:
    """One SALib method: sampling, analysis, and how its indices are described and drawn."""

    name: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]  # index columns of indices.csv, in order
    rank_by: ClassVar[str]  # the column tables are sorted by (descending)
    legend: ClassVar[str]  # one sentence on the columns, for indices.md

    def check_n(self, n: int) -> None:
        """Raise :class:`DesignError` for a sample size the sampler cannot use."""

    def num_levels(self, settings: dict) -> int:
        """The grid levels the design records (only Morris uses them)."""
        return 4

    def rows(self, n: int, d: int, calc_second_order: bool) -> int:
        """Sample rows (model runs per scenario) for ``n`` and ``d`` parameters."""
        raise NotImplementedError

    def identity(self, design: Design) -> tuple[str, Any]:
        """The method's own setting that must match for a folder's runs to belong to ``design``."""
        raise NotImplementedError

    def sample(self, problem: dict, design: Design) -> np.ndarray:
        """The SALib sample of ``problem`` (rows × parameters, in the unit of each range)."""
        raise NotImplementedError

    def analyze(
        self,
        problem: dict,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        num_levels: int,
        calc_second_order: bool,
        num_resamples: int,
        conf_level: float,
        seed: int | None,
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """One outcome's indices (one row per parameter, :attr:`columns`) and the S2 table or None."""
        raise NotImplementedError

    def size_text(self, design: Design) -> str:
        """The design's size in the title of indices.md."""
        raise NotImplementedError

    def plot(self, table: pd.DataFrame, title: str, unit: str, path: Path) -> None:
        """Draw one outcome's indices (``table``) into the PNG ``path``."""
        raise NotImplementedError
