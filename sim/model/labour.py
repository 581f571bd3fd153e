"""Labour markets: one per sector in the region, each with a wage that moves with its tightness.

Caballero, Hoshi & Kashyap (2008) name two ways zombies congest a market: they do not lose
market share (here: the product markets of :mod:`sim.model.market` and the credit pool of
:mod:`sim.model.credit`) and they do not shed workers.  This module is the second.

* **Hiring.**  Labour is a fixed share ``λ`` of a firm's variable costs at the start's wage:
  producing ``q`` units a year needs ``λ·mc₀·q / wage₀`` workers (``mc₀ = e^(-ã)(σ-1)/σ`` the
  unit variable cost at the start's input prices, ``wage₀`` the start's annual wage).  A firm
  that pays its own way hires and lets go as its output moves.  A firm whose cash deficits its
  banks rolled over in the last twelve months (kept alive by loans, the soft budget constraint)
  keeps workers it no longer needs and lets the surplus go only at the rate ``hoarding_release``
  a year (``1 - e^(-rate)`` of it within a year): the loans pay their wages (labour hoarding).
* **The wage.**  Each sector's workers are a market of their own in the short run (skills,
  places).  Its supply is ``L̄·(w/w₀)^η``, where ``L̄`` is the sector's workforce at the start,
  growing with the sector's spending path (migration follows the trend; assumed).  The wage
  moves towards the one that would clear last month's demand, closing ``1/wage_adjust_months``
  of the log gap a month (wages are reset about once a year).
* **Costs.**  Materials, fuel and power, ``1 - λ`` of variable costs, are bought at the sector's
  input price index ``m`` (national purchase prices, ``input_price_growth`` in ``spending.csv``;
  1 at the first month).  A higher wage or input price raises every firm's unit variable cost by
  the factor ``(1 - λ)·m + λ·w/w₀`` (the sector's *cost index*), so firms charge more and sell less to buyers
  who can turn to the rest of China (Armington).  Workers kept by zombies thus raise the costs of
  the healthy firms of their sector; closing a zombie lets its workers go to them.

``market = "fixed"`` holds every wage at the start's (perfectly elastic labour supply).
"""

from __future__ import annotations

import numpy as np


class LabourMarkets:
    """The sectors' wages (index: 1 = the start's wage) and their monthly adjustment."""

    def __init__(self, supply_path: np.ndarray, params, input_prices: np.ndarray | None = None):
        """``supply_path``: months × sectors index of the labour supply at the start's wage (1 at
        the first month); ``params`` the :class:`~sim.config.schema.LabourConfig`; ``input_prices``:
        months × sectors index of the prices of materials, fuel and power (flat if not given)."""
        self.params = params
        self.supply_path = np.asarray(supply_path, dtype=float)
        self.input_prices = (
            np.ones_like(self.supply_path) if input_prices is None else np.asarray(input_prices, dtype=float)
        )
        n_sectors = self.supply_path.shape[1]
        self.wage = np.ones(n_sectors)
        self.workforce_start = np.full(n_sectors, np.nan)  # workers at the start's wage, set by the first month

    def input_price(self, month: int) -> np.ndarray:
        """Each sector's input price index in ``month`` (a row of the paths)."""
        return self.input_prices[month]

    def cost_index(self, month: int) -> np.ndarray:
        """Each sector's unit variable cost in ``month`` relative to the first month's: ``(1 - λ)·m + λ·w``."""
        lam = self.params.labour_share
        return (1.0 - lam) * self.input_prices[month] + lam * self.wage

    @property
    def monthly_keep(self) -> float:
        """Share of its surplus workers a firm kept alive by loans still holds a month later: ``e^(-rate/12)``."""
        return float(np.exp(-self.params.hoarding_release / 12.0))

    def adjust(self, month: int, workers: np.ndarray) -> None:
        """After ``month``'s hiring (``workers``: each sector's workforce), move the wages towards
        the ones that clear the sectors' labour markets."""
        workers = np.asarray(workers, dtype=float)
        unset = ~np.isfinite(self.workforce_start) & (workers > 0.0)
        self.workforce_start[unset] = workers[unset] / self.supply_path[month, unset]
        if self.params.market == "fixed":
            return
        nxt = min(month + 1, self.supply_path.shape[0] - 1)
        self.wage = next_wage(
            self.wage,
            workers,
            self.workforce_start * self.supply_path[nxt],
            self.params.supply_elasticity,
            self.params.wage_adjust_months,
        )


def next_wage(
    wage: np.ndarray, workers: np.ndarray, supply: np.ndarray, elasticity: float, adjust_months: float
) -> np.ndarray:
    """The wage index a month on: ``log w`` closes ``1/adjust_months`` of its gap to the wage at which
    ``supply·w^elasticity`` equals ``workers`` (sectors with no workers or no supply keep theirs)."""
    ok = np.isfinite(supply) & (supply > 0.0) & (workers > 0.0)
    target = np.zeros_like(wage)
    target[ok] = np.log(workers[ok] / supply[ok]) / elasticity
    step = min(1.0, 1.0 / adjust_months)
    log_w = np.log(wage)
    return np.where(ok, np.exp(log_w + step * (target - log_w)), wage)
