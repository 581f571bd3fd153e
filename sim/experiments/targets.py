"""Pre-reform calibration targets (2017) and how one run's tables are measured against them.

The single source of the calibration facts used by ``zonesim-calibrate`` (which fits the free
parameters to them) and ``zonesim-patterns`` (which reports how well the committed defaults
reproduce them).  Targets come from ``../shared/CALIBRATION.md``; each has a tolerance, the
absolute distance within which the model's mean over replicate seeds counts as reproducing it.
Only pre-reform facts are here: the model must *produce* post-reform outcomes, not be fitted to them
(a fact observed after 2017, such as 宁东's end-2018 share of output, is an out-of-sample pattern of
``zonesim-patterns``, never a target).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.runner.outputs import projects_applied

#: the last month of the calibration period: every target describes 2017
CALIBRATION_END = "2017-12"


@dataclass(frozen=True)
class Target:
    """A calibration fact: a value, or a documented range ``[low, high]`` inside which every value is
    on target; ``tolerance`` is the absolute deviation (from the value, or beyond the range) that
    still counts as reproducing it and the scale of the calibration's distance."""

    value: float
    tolerance: float  # absolute
    unit: str
    source: str
    low: float | None = None  # a range target's bounds (both or neither)
    high: float | None = None

    @classmethod
    def range(cls, low: float, high: float, tolerance: float, unit: str, source: str) -> Target:
        return cls((low + high) / 2, tolerance, unit, source, low, high)

    def deviation(self, x: float) -> float:
        """How far ``x`` lies from the value, or outside the range (0 inside)."""
        if self.low is None:
            return x - self.value
        return x - min(max(x, self.low), self.high)

    @property
    def label(self) -> str:
        if self.low is None:
            return f"{self.value:g} ± {self.tolerance:g}"
        return f"{self.low:g}-{self.high:g} (± {self.tolerance:g})"


CALIBRATION_TARGETS: dict[str, Target] = {
    "in-zone share of above-scale firms": Target(0.78, 0.05, "share", "seed [V]"),
    "in-zone share of industrial output": Target(0.74, 0.05, "share", "seed [V]"),
    "zombie share (count)": Target(0.1706, 0.04, "share of firms", "Ningxia 2005-13 [V]"),
    "approval time, working days": Target(237.0, 30.0, "working days", "Ningxia pre-reform [V]"),
    "output per mu in zones, 万 yuan": Target(39.4, 5.0, "万 yuan/mu/year", "zones 2017 [V]"),
    "tax per mu in zones, 万 yuan": Target(1.2, 0.2, "万 yuan/mu/year", "zones 2017 [V]"),
    "above-scale firms": Target(1150.0, 100.0, "firms", "≈1,150 (2015-17) [D]"),
    # the documented pre-reform ranges of two stages (working days; tolerance beyond the range: the
    # ranges' bounds are rounded observations, assumed)
    "construction-permit stage (drawing review), working days": Target.range(
        44.0, 132.0, 5.0, "working days", "construction-drawing review 44-132, Ningxia pre-reform [V]"
    ),
    "completion-acceptance stage, working days": Target.range(
        50.0, 148.0, 5.0, "working days", "completion acceptance 50-148, Ningxia pre-reform [V]"
    ),
}

#: the cohort whose approval time is compared with the pre-reform total: projects that applied in the
#: first half of 2017 (the last pre-reform year).  A cohort by application date measures the process
#: every applicant went through; a window on completion (production starting in 2017) keeps only the
#: applicants fast enough to finish in it when the process is long.  An earlier cohort (2015-H1, the
#: run's first months) met offices with empty queues, as no run has applications before its start,
#: and measured that transient rather than the pre-reform process: queues build up over the first
#: years.  The 2017 cohort completes after 2017, so the calibration runs ``baseline`` (no reform:
#: nothing observed after 2017 enters) until it has: ``approval time, longest in cohort`` shows
#: whether the horizon was long enough (the design's ``time.end``).
APPROVAL_COHORT = ("2017-01", "2017-06")  # first and last month of application

#: reported beside the targets (the same projects' calendar days, government processing time, the
#: cohort's longest approval), not fitted
REPORTED = {
    "approval time, calendar days": "calendar days",
    "approval time, government working days": "working days",
    "approval time, longest in cohort": "working days",
}  # name: unit


class RunTables(Mapping):
    """The tables of a finished run folder, read from Parquet on first use."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = pd.read_parquet(self.path / f"{name}.parquet")
        return self._cache[name]

    def __iter__(self):
        return (p.stem for p in self.path.glob("*.parquet"))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def calibration_measures(tables: Mapping[str, pd.DataFrame]) -> dict[str, float]:
    """The 2017 state of one baseline run (December values; the approval time of the projects that
    applied in the first half of 2017, :data:`APPROVAL_COHORT`)."""
    mon, zy = tables["monthly"], tables["zones_yearly"]
    dec = mon.set_index("date").loc[CALIBRATION_END]
    y17 = zy[zy["year"] == 2017]
    cohort = projects_applied(tables["approvals"], APPROVAL_COHORT)
    land = y17.loc[y17["status"] == "active", "land_in_use"].sum()
    return {
        "in-zone share of above-scale firms": dec["in_zone_firm_share"],
        "in-zone share of industrial output": dec["in_zone_output_share"],
        "zombie share (count)": mon.loc[mon["year"] == 2017, "zombie_share"].mean(),
        **{
            name: cohort[col].mean() if len(cohort) else np.nan
            for name, col in (
                ("approval time, working days", "approval_wd"),
                ("approval time, calendar days", "approval_calendar_days"),
                ("approval time, government working days", "approval_gov_wd"),
                ("construction-permit stage (drawing review), working days", "stage3_wd"),
                ("completion-acceptance stage, working days", "stage4_wd"),
            )
        },
        "approval time, longest in cohort": cohort["approval_wd"].max() if len(cohort) else np.nan,
        "output per mu in zones, 万 yuan": dec["output_per_mu"],
        "tax per mu in zones, 万 yuan": y17["tax_local"].sum() / land if land > 0 else np.nan,
        "above-scale firms": dec["firms"],
    }


def distance(means: Mapping[str, float]) -> float:
    """Sum of squared tolerance-scaled deviations from the targets (0 = every target hit exactly)."""
    z = [t.deviation(means[k]) / t.tolerance for k, t in CALIBRATION_TARGETS.items()]
    return float(np.sum(np.square(np.nan_to_num(z, nan=1e3))))


def within_tolerance(means: Mapping[str, float]) -> dict[str, bool]:
    return {k: bool(abs(t.deviation(means[k])) <= t.tolerance) for k, t in CALIBRATION_TARGETS.items()}
