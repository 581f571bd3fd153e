"""Firm-level 亩均 classes (亩均效益综合评价): the firms on zone ground graded A–D each year by
tax and output per mu, and land taken back from the worst.

Zhejiang's 亩均论英雄 (from Haining 2012; province-wide 2018 [V]) grades each county's industrial
firms every year by a weighted sum of per-mu indicators, each divided by a benchmark; tax per mu
(weight 30) and value added per mu (20) lead the county formulas (Huangyan [V]), beside energy,
emissions, labour productivity and R&D, which the model does not carry.  The classes are fixed
shares of the county's ranking: A ≈ 20–25%, B 35–45%, C 25–35%, D ≈ 5% [V].

Treatment by class, where the model has the variable: a firm graded D ``firm_d_years_to_recover``
years in a row has its land taken back (腾笼换鸟): it closes and its land returns to the zone.
Land-use-tax relief for the better classes and electricity surcharges on D (+0.3 yuan/kWh [V]) need
a land-use tax and firms' energy intensity, which the model does not have: not modelled.

Ningxia's reform (the seed) ranks zones, not firms: the classes are a lever, off in every
scenario (``policy.assessment.firm_classes``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.model import ZoneReformModel

#: class codes on the firm table's ``mu_class`` column (0: not graded this year)
MU_CLASSES = ("", "A", "B", "C", "D")
D_CLASS = 4


def grade(score: np.ndarray, shares) -> np.ndarray:
    """Classes 1 (A) .. 4 (D) of ``score`` (higher is better) by rank: the best ``shares[0]`` of the
    firms are A, the next ``shares[1]`` B, and so on; a firm's place is the middle of its rank's
    interval, so a group too small for a D has none.  Ties keep the order given."""
    n = score.size
    order = np.argsort(-score, kind="stable")
    place = (np.arange(n) + 0.5) / max(n, 1)
    out = np.empty(n, dtype=np.int8)
    out[order] = 1 + np.searchsorted(np.cumsum(shares)[:-1], place, side="right")
    return out


class FirmClasses:
    """Grades the firms of a model's zones once a year and takes land back from persistent D firms."""

    def __init__(self, model: ZoneReformModel, params):
        self.model = model
        self.params = params

    @property
    def shares(self) -> tuple[float, float, float, float]:
        p = self.params
        return (p.firm_a_share, p.firm_b_share, 1.0 - p.firm_a_share - p.firm_b_share - p.firm_d_share, p.firm_d_share)

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Each firm's score: tax and output per mu, each divided by its county's mean, weighted."""
        f, w = self.model.firms, self.params.firm_tax_weight
        county = f.county[rows]
        n = len(self.model.counties)
        score = np.zeros(rows.size)
        for x, weight in ((f.tax_year[rows] / f.land[rows], w), (f.output_year[rows] / f.land[rows], 1.0 - w)):
            mean = np.bincount(county, weights=x, minlength=n) / np.maximum(np.bincount(county, minlength=n), 1)
            with np.errstate(divide="ignore", invalid="ignore"):
                score += weight * np.where(mean[county] > 0, x / mean[county], 0.0)
        return score

    def on_year_end(self) -> np.ndarray:
        """Grade this year's firms (operated all year, on zone land, managed by a zone) within their
        county; return the rows whose land is taken back (closed by the caller's model)."""
        m, f = self.model, self.model.firms
        rows = m.operated_all_year()
        rows = rows[(f.zone[rows] >= 0) & (f.land[rows] > 0)]
        score = self.scores(rows)
        cls = np.zeros(rows.size, dtype=np.int8)
        for c in np.unique(f.county[rows]):
            sel = f.county[rows] == c
            cls[sel] = grade(score[sel], self.shares)
        d_years = np.zeros_like(f.mu_d_years)
        d_years[rows] = np.where(cls == D_CLASS, f.mu_d_years[rows] + 1, 0)
        f.mu_d_years[:] = d_years
        f.mu_class[:] = 0
        f.mu_class[rows] = cls
        return rows[(cls == D_CLASS) & (d_years[rows] >= self.params.firm_d_years_to_recover)]
