"""Columnar state of all enterprises, and their monthly numerics as array operations.

Enterprises are Mesa agents (:class:`sim.model.agents.Enterprise`, made on first use) for
inspection and the dashboard, but their numeric state lives here, one numpy array per variable, so that production, finance,
zombie status and exit cost O(n) vectorised work per month rather than a Python loop.

Mechanisms (units: output and money in 万 yuan, land in mu, time in months/years):

* **Production** — monthly output ``Y = Y0 · exp(a) · D_s(t) · G / 12`` from capacity output
  ``Y0`` (万 yuan/year), log productivity ``a`` (AR(1) in logs), the sector's demand index
  ``D_s(t)`` (traditional sectors under capacity cuts shrink) and agglomeration
  ``G = 1 + e · log(1 + same-sector firms in the zone)``.
* **Finance** — EBIT = ``Y(1 - c_s) - f·Y0/12``; interest ``r·D/12``; tax ``τ·Y``; a negative cash
  flow is borrowed (banks roll the debt over), a positive one repays a share of the debt.
* **Zombie status** (yearly) — OECD (McGowan, Andrews & Millot 2017): age ≥ 10 and interest
  coverage EBIT/interest < 1 in each of the last 3 years; or China 2016: 3 consecutive loss years.
* **Exit under a soft budget constraint** — failing firms (insolvent: debt > capital, or
  zombies) exit at a hazard reduced by the county's protection (Kornai's soft budget
  constraint: jobs and tax).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numba import njit


class LifeCycle(IntEnum):
    """Life-cycle state of an enterprise: project → in approval → under construction → operating → exited."""

    PROJECT = 0
    IN_APPROVAL = 1
    CONSTRUCTION = 2
    OPERATING = 3
    EXITED = 4


#: states that hold land in a zone (reserved at location choice, released at exit)
LAND_HOLDING = (LifeCycle.IN_APPROVAL, LifeCycle.CONSTRUCTION, LifeCycle.OPERATING)

_FIELDS: dict[str, type] = {
    "key": np.int64,  # random key (CRN): fixed for a firm in every scenario
    "sector": np.int16,
    "zone": np.int32,  # index of the zone managing the firm; -1 = outside any zone (county)
    "county": np.int32,
    "block": np.int32,  # block of the zone the firm's land lies in; -1 outside
    "state": np.int8,
    "capacity": np.float64,  # Y0, 万 yuan/year
    "log_prod": np.float64,  # a
    "capital": np.float64,  # 万 yuan
    "land": np.float64,  # mu
    "debt": np.float64,  # 万 yuan
    "age": np.float64,  # years
    "entry_month": np.int32,
    "exit_month": np.int32,
    "output": np.float64,  # last month's output, 万 yuan/month
    "ebit_year": np.float64,
    "interest_year": np.float64,
    "profit_year": np.float64,
    "output_year": np.float64,
    "tax_year": np.float64,
    "low_icr_years": np.int16,
    "loss_years": np.int16,
    "zombie": np.bool_,
}


class FirmTable:
    """Arrays of enterprise state; row ``i`` is the enterprise whose ``row`` is ``i``."""

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self._cap = max(16, capacity)
        for name, dtype in _FIELDS.items():
            setattr(self, "_" + name, np.zeros(self._cap, dtype=dtype))

    def __len__(self) -> int:
        return self.n

    def __getattr__(self, name):  # columns as views of the used rows
        if name in _FIELDS:
            return self.__dict__["_" + name][: self.__dict__["n"]]
        raise AttributeError(name)

    def _grow(self, need: int) -> None:
        new_cap = max(need, 2 * self._cap)
        for name in _FIELDS:
            old = getattr(self, "_" + name)
            arr = np.zeros(new_cap, dtype=old.dtype)
            arr[: self.n] = old[: self.n]
            setattr(self, "_" + name, arr)
        self._cap = new_cap

    def add(self, **values) -> np.ndarray:
        """Append rows; each keyword is a column (scalar or array of equal length; with no array,
        one row). Returns the rows."""
        sizes = {np.size(v) for v in values.values() if np.ndim(v) > 0}
        if len(sizes) > 1:
            raise ValueError(f"FirmTable.add: columns of different lengths {sorted(sizes)}")
        m = sizes.pop() if sizes else 1
        if self.n + m > self._cap:
            self._grow(self.n + m)
        rows = np.arange(self.n, self.n + m)
        self.n += m
        for name in _FIELDS:
            col = getattr(self, "_" + name)
            col[rows] = values.get(name, -1 if name in ("zone", "block", "exit_month") else 0)
        return rows


def agglomeration(zone: np.ndarray, sector: np.ndarray, operating: np.ndarray, n_zones: int,
                  n_sectors: int, elasticity: float) -> np.ndarray:
    """Agglomeration factor ``1 + e·log(1 + n)``, n = other operating same-sector firms in the zone
    (1 for firms that do not operate or lie outside every zone)."""
    rows = np.flatnonzero(operating)
    out = np.ones(len(zone))
    out[rows] = agglomeration_of_rows(zone, sector, rows, n_zones, n_sectors, elasticity)
    return out


def agglomeration_of_rows(zone: np.ndarray, sector: np.ndarray, rows: np.ndarray, n_zones: int, n_sectors: int,
                          elasticity: float) -> np.ndarray:
    """:func:`agglomeration` of the operating firms ``rows`` (all of them), in their order."""
    return _agglomeration(zone, sector, np.asarray(rows, dtype=np.int64), n_zones * n_sectors, n_sectors,
                          float(elasticity))


@njit(cache=True)
def _agglomeration(zone, sector, rows, n_cells, n_sectors, elasticity):
    counts = np.zeros(n_cells, dtype=np.int64)
    for r in rows:
        if zone[r] >= 0:
            counts[zone[r] * n_sectors + sector[r]] += 1
    factor = 1.0 + elasticity * np.log1p(np.maximum(counts - 1, 0))  # per (zone, sector) cell
    out = np.ones(rows.shape[0])
    for j in range(rows.shape[0]):
        r = rows[j]
        if zone[r] >= 0:
            out[j] = factor[zone[r] * n_sectors + sector[r]]
    return out


def produce_month(f: FirmTable, idx: np.ndarray, shocks: np.ndarray, demand: np.ndarray,
                  agg: np.ndarray, var_cost: np.ndarray, p) -> None:
    """One month of production and finance for the operating firms ``idx`` (in place).

    ``shocks`` are standard normal draws for these firms, ``demand`` and ``var_cost`` per sector,
    ``agg`` the agglomeration factor per firm, ``p`` the :class:`~sim.config.schema.FirmConfig`.
    The arithmetic is compiled (:func:`_productivity`, :func:`_produce_month`): passes over the firms
    instead of a gather, a temporary and a scatter per variable (a national run has ~800,000 rows);
    ``e^a`` is numpy's (vectorised) exp.
    """
    rho_m = p.productivity_persistence ** (1 / 12)
    sd_m = p.productivity_sd * np.sqrt((1 - rho_m**2) / max(1 - p.productivity_persistence**2, 1e-12))
    idx = np.asarray(idx, dtype=np.int64)
    a = _productivity(idx, np.asarray(shocks, dtype=float), f.log_prod, rho_m, sd_m)
    _produce_month(idx, np.exp(a), np.asarray(demand, dtype=float), np.asarray(agg, dtype=float),
                   np.asarray(var_cost, dtype=float),
                   np.array([p.fixed_cost_share, p.interest_rate, p.tax_rate, p.repayment_share]),
                   f.sector, f.capacity, f.debt, f.output, f.output_year, f.tax_year, f.ebit_year,
                   f.interest_year, f.profit_year, f.age)


@njit(cache=True)
def _productivity(idx, shocks, log_prod, rho_m, sd_m):
    """AR(1) log productivity ``a ← ρ_m·a + σ_m·ε`` of firms ``idx``; returns the new values."""
    a = np.empty(idx.shape[0])
    for j in range(idx.shape[0]):
        r = idx[j]
        a[j] = log_prod[r] * rho_m + sd_m * shocks[j]
        log_prod[r] = a[j]
    return a


@njit(cache=True)
def _produce_month(idx, e_a, demand, agg, var_cost, c, sector, capacity, debt, output, output_year,
                   tax_year, ebit_year, interest_year, profit_year, age):
    """Per firm ``r = idx[j]`` (``e_a`` = e^a): output ``Y = Y0·e^a·D_s·G/12``; EBIT ``Y(1-c_s) - f·Y0/12``;
    interest ``r·D/12``; tax ``τ·Y``; a cash deficit is borrowed, a surplus repays a share of the
    debt; yearly accounts accumulate; age grows a month."""
    fixed, rate, tax_rate, repay = c[0], c[1], c[2], c[3]
    for j in range(idx.shape[0]):
        r = idx[j]
        s = sector[r]
        y0 = capacity[r]
        y = y0 * e_a[j] * demand[s] * agg[j] / 12.0
        ebit = y * (1.0 - var_cost[s]) - fixed * y0 / 12.0
        d = debt[r]
        interest = rate * d / 12.0
        tax = tax_rate * y
        cash = ebit - interest - tax
        d = d + (-cash if cash < 0 else -repay * cash)
        debt[r] = d if d > 0.0 else 0.0
        output[r] = y
        output_year[r] += y
        tax_year[r] += tax
        ebit_year[r] += ebit
        interest_year[r] += interest
        profit_year[r] += ebit - interest - tax
        age[r] += 1.0 / 12.0


def close_year(f: FirmTable, idx: np.ndarray, z) -> None:
    """Year-end zombie classification for firms ``idx`` and reset of yearly accounts.

    ``z`` is the :class:`~sim.config.schema.ZombieConfig`.  Pass only firms that operated the
    whole year: a partial first year carries no meaningful interest coverage.
    """
    interest = f.interest_year[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        icr = np.where(interest > 0, f.ebit_year[idx] / interest, np.inf)
    f.low_icr_years[idx] = np.where(icr < z.icr_threshold, f.low_icr_years[idx] + 1, 0)
    f.loss_years[idx] = np.where(f.profit_year[idx] < 0, f.loss_years[idx] + 1, 0)
    f.zombie[idx] = classify_zombie(f.age[idx], f.low_icr_years[idx], f.loss_years[idx], z)
    reset_year_accounts(f, idx)


def reset_year_accounts(f: FirmTable, idx: np.ndarray) -> None:
    """Start new yearly accounts (EBIT, interest, profit) for firms ``idx``."""
    for col in ("ebit_year", "interest_year", "profit_year"):
        getattr(f, col)[idx] = 0.0


def classify_zombie(age, low_icr_years, loss_years, z) -> np.ndarray:
    """The configured zombie definition applied to arrays of firm histories."""
    match z.definition:
        case "oecd":
            return (np.asarray(age) >= z.min_age_years) & (np.asarray(low_icr_years) >= z.consecutive_years)
        case "china2016":
            return np.asarray(loss_years) >= z.consecutive_years
        case other:
            raise ValueError(f"zombie.definition = {other!r} is not known")


def exit_probability(f: FirmTable, idx: np.ndarray, protection: np.ndarray, forced: np.ndarray,
                     p) -> np.ndarray:
    """Monthly exit probability of firms ``idx`` (hazard: :func:`_exit_rate`).

    A healthy firm exits at the base hazard.  A failing one — insolvent (debt >
    ``insolvency_leverage`` × capital) or a zombie, alive only on evergreen credit — also exits
    at the failure hazard times ``1 - protection`` (soft budget constraint); ``forced`` is an
    extra yearly hazard (zombie disposal closing backward capacity).
    """
    failing = (f.debt[idx] > p.insolvency_leverage * f.capital[idx]) | f.zombie[idx]
    protection, forced = np.broadcast_arrays(np.asarray(protection, float), np.asarray(forced, float))
    return monthly_probability(_map_exit_rate(failing, protection, forced, p.base_exit_rate, p.insolvent_exit_rate))


def monthly_probability(yearly_rate: np.ndarray) -> np.ndarray:
    """Probability of an event within a month at a constant yearly hazard: ``1 - exp(-rate/12)``."""
    return 1.0 - np.exp(-yearly_rate / 12.0)


def soft_budget_protection(output_share_in_county: np.ndarray, p) -> np.ndarray:
    """Probability that an insolvent firm is propped up by its county and banks.

    Higher for the county's big employers and taxpayers (soft budget constraint, Kornai 1986):
    ``min(max, base + size_weight · share of county output)``; ``p`` is the ProtectionConfig.
    """
    return _map_protection(np.asarray(output_share_in_county, float), p.base, p.size_weight, p.max)


@njit(cache=True)
def _protection(share, base, size_weight, cap):
    return min(cap, base + size_weight * share)


@njit(cache=True)
def _exit_rate(failing, protection, forced, base_rate, failure_rate):
    """Yearly exit hazard ``base + [failing]·failure·(1 - protection) + forced``."""
    return base_rate + (failure_rate * (1.0 - protection) if failing else 0.0) + forced


@njit(cache=True)
def _map_protection(share, base, size_weight, cap):
    out = np.empty(share.shape)
    for j in range(share.size):
        out.flat[j] = _protection(share.flat[j], base, size_weight, cap)
    return out


@njit(cache=True)
def _map_exit_rate(failing, protection, forced, base_rate, failure_rate):
    out = np.empty(failing.shape)
    for j in range(failing.size):
        out[j] = _exit_rate(failing[j], protection[j], forced[j], base_rate, failure_rate)
    return out


def exit_draws(f: FirmTable, idx: np.ndarray, u: np.ndarray, n_counties: int, carded: np.ndarray,
               traditional: np.ndarray, zombie_protection: float, card_protection: float, forced_rate: float,
               pp, p) -> np.ndarray:
    """Which of the operating firms ``idx`` exit this month (a mask over ``idx``).

    Per firm: protection from its share of its county's output (:func:`soft_budget_protection`),
    times ``zombie_protection`` for zombies (disposal) and ``card_protection`` for zombies in a
    zone with a yellow card; ``forced_rate`` for zombies in traditional sectors (disposal); exit
    when its draw ``u[key]`` falls under :func:`exit_probability`.  The hazards in one compiled pass.
    """
    rate = _exit_rates(idx, f.county, f.output, f.zone, f.sector, f.zombie, f.debt, f.capital, n_counties, carded,
                       traditional, np.array([pp.base, pp.size_weight, pp.max, zombie_protection, card_protection,
                                              forced_rate, p.base_exit_rate, p.insolvent_exit_rate,
                                              p.insolvency_leverage]))
    return u[f.key[idx]] < monthly_probability(rate)


@njit(cache=True)
def _exit_rates(idx, county, output, zone, sector, zombie, debt, capital, n_counties, carded, traditional, c):
    """Yearly exit hazard of each firm ``idx[j]`` (see :func:`exit_draws`)."""
    county_out = np.zeros(n_counties)
    for j in range(idx.shape[0]):
        r = idx[j]
        county_out[county[r]] += output[r]
    rate = np.empty(idx.shape[0])
    for j in range(idx.shape[0]):
        r = idx[j]
        z = zombie[r]
        share = output[r] / max(county_out[county[r]], 1e-12)
        protection = _protection(share, c[0], c[1], c[2])
        if z:
            protection *= c[3]
            if carded[zone[r]]:
                protection *= c[4]
        forced = c[5] if z and traditional[sector[r]] else 0.0
        failing = debt[r] > c[8] * capital[r] or z
        rate[j] = _exit_rate(failing, protection, forced, c[6], c[7])
    return rate
