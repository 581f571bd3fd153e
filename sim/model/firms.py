"""Columnar state of all enterprises, and their monthly numerics as array operations.

Enterprises are Mesa agents (:class:`sim.model.agents.Enterprise`, made on first use) for
inspection and the dashboard, but their numeric state lives here, one numpy array per variable, so that production,
finance,
zombie status and exit cost O(n) vectorised work per month rather than a Python loop.

Mechanisms (units: output and money in 万 yuan, land in mu, time in months/years):

* **Production** — each operating firm sells its variety in its sector's market
  (:mod:`sim.model.market`: CES demand inside an Armington split, capacity ``Q̄ = e^ã·K/k``);
  effective log productivity ``ã = a + log G`` adds agglomeration ``G = 1 + e·log(1 + same-sector
  firms on the same zone ground)`` to the firm's own AR(1) log productivity ``a``.  Agglomeration
  is a matter of where plants are, not of who manages them: the ground is the zone as built
  (:func:`site_cluster`), so merging, abolishing or delisting a zone moves no firm's productivity.
* **Labour** (:mod:`sim.model.labour`) — workers are a share of variable costs; a firm kept
  alive by loans hoards the workers it no longer needs; the sector's wage scales variable costs.
* **Finance and investment** (:func:`book_month`) — EBIT = revenue − variable costs − overhead −
  depreciation − surcharges and resource tax; interest ``r·D``; VAT on value added and income
  tax on profit (:mod:`sim.model.tax`); a cash deficit is borrowed from the credit
  pool (:mod:`sim.model.credit`), a surplus pays for investment and repays a share of the debt;
  capital follows ``K' = (1 − δ)K + completions`` with time to build (:func:`install_capital`).
* **Zombie status** (yearly) — OECD (McGowan, Andrews & Millot 2017): age ≥ 10 and interest
  coverage EBIT/interest < 1 in each of the last 3 years; or China 2016: 3 consecutive loss years.
* **Exit under a soft budget constraint** — failing firms (insolvent: debt > capital, or
  zombies) exit at a hazard reduced by the county's protection (Kornai's soft budget
  constraint: jobs and tax).
"""

from __future__ import annotations

import numpy as np

# the life-cycle codes, the accounts and the exits are defined in their own modules; re-exported here
from sim.model.firm_accounts import (  # noqa: F401
    book_month,
    classify_zombie,
    close_year,
    install_capital,
    reset_year_accounts,
    update_productivity,
)
from sim.model.firm_exits import (  # noqa: F401
    exit_draws,
    exit_probability,
    monthly_probability,
    soft_budget_protection,
)
from sim.model.kernel_cache import njit
from sim.model.lifecycle import LAND_HOLDING, DisposalPath, LifeCycle  # noqa: F401

_FIELDS: dict[str, type] = {
    "key": np.int64,  # random key (CRN): fixed for a firm in every scenario
    "sector": np.int16,
    "zone": np.int32,  # index of the zone managing the firm; -1 = outside any zone (county)
    "county": np.int32,
    "credit_pool": np.int32,  # the credit pool its debt is owed to (0 = the region's, or its county's)
    "block": np.int32,  # block of the zone the firm's land lies in; -1 outside
    # the block its land lay in when it first took land in a zone (-1: never in a zone); kept when
    # the block is delisted or its zone abolished or merged: the land is the same place (land_yearly)
    "site_block": np.int32,
    "state": np.int8,
    "capacity": np.float64,  # Q̄ = e^ã·K/k, units/year (set each month by the market)
    "log_prod": np.float64,  # a: own log productivity (never read or written by the zombie flag)
    "capital": np.float64,  # installed capital K, 万 yuan
    "capital_wip": np.float64,  # capital under construction (paid, not yet installed), 万 yuan
    "plant_limit": np.float64,  # installed + building capital the firm's land can hold, 万 yuan
    # installed + building capital its capacity licence allows (产能置换, sim.model.capacity), 万 yuan; inf: unregulated
    "licence": np.float64,
    "demand_weight": np.float64,  # φ: the firm's customer base in its sector's CES demand (fixed at entry)
    "overhead": np.float64,  # costs that do not vary with output or capacity, 万 yuan/year (fixed at entry)
    "price": np.float64,  # last month's price (1 = the price of a variety at a = 0)
    "quantity": np.float64,  # last month's output, units/year
    "var_input_year": np.float64,  # variable inputs this year (materials and wages), 万 yuan
    "workers": np.float64,  # last month's workforce, persons (sim.model.labour)
    "workers_year": np.float64,  # workforce averaged over this year (person-years), persons
    "investment_year": np.float64,  # gross investment paid this year, 万 yuan
    "capital_year_start": np.float64,  # installed capital at the start of the year, 万 yuan
    "parent": np.int64,  # for an expansion plant: the row of the firm building it; -1 for a firm
    "expanding": np.bool_,  # the firm has an expansion plant in approval or under construction
    "land": np.float64,  # mu
    "debt": np.float64,  # 万 yuan
    "age": np.float64,  # years
    "state_owned": np.bool_,  # state or collective owner (sim.model.ownership); fixed for life
    "entry_month": np.int32,
    "exit_month": np.int32,
    "output": np.float64,  # last month's output value (revenue), 万 yuan/month
    "ebit_year": np.float64,
    "interest_year": np.float64,
    "profit_year": np.float64,
    "output_year": np.float64,
    "tax_year": np.float64,  # taxes paid this year (VAT, surcharges, resource tax, income tax), 万 yuan
    "local_tax_year": np.float64,  # of which local governments keep (local shares of VAT and income tax), 万 yuan
    "vat_credit": np.float64,  # input VAT carried forward (留抵), 万 yuan
    "pretax_year": np.float64,  # profit before income tax this year so far, 万 yuan
    "income_tax_year": np.float64,  # income tax prepaid this year so far, 万 yuan
    "loss_carry": np.float64,  # losses of past years the income tax still deducts (sum of the buckets), 万 yuan
    "loss_carry_1": np.float64,  # last year's loss still to deduct, 万 yuan
    "loss_carry_2": np.float64,
    "loss_carry_3": np.float64,
    "loss_carry_4": np.float64,
    "loss_carry_5": np.float64,  # the loss of five years ago (its last year), 万 yuan
    "low_icr_years": np.int16,
    "loss_years": np.int16,
    "zombie": np.bool_,
    "rescued_until": np.int32,  # a cash deficit rolled over by its bank in month m: kept alive by loans until m + 12
    "disposal_path": np.int8,  # DisposalPath of a firm on the disposal campaign's list (0: not listed)
    "disposal_due": np.int32,  # the month its disposal case closes
    "acquired_by": np.int64,  # for a firm taken over (MERGED by the disposal campaign): the acquirer's row; else -1
    "mu_class": np.int8,  # 亩均 class of its last grading, 1 (A) .. 4 (D); 0: not graded (policies.mu_classes)
    "mu_d_years": np.int16,  # years in a row graded D
}

#: the table's column names (each read as a view of the rows in use: ``firms.capital``)
COLUMNS: tuple[str, ...] = tuple(_FIELDS)

#: columns whose value for a new row is not 0
_DEFAULTS = {
    "zone": -1,
    "block": -1,
    "site_block": -1,
    "exit_month": -1,
    "parent": -1,
    "acquired_by": -1,
    "licence": np.inf,
}

#: storage (not a model parameter): the table's room grows fourfold when it runs out (rows not yet
#: used cost no memory: the columns are allocated zeroed and their pages touched only when used)
GROWTH = 4


class FirmTable:
    """Arrays of enterprise state; row ``i`` is the enterprise whose ``row`` is ``i``."""

    def __init__(self, capacity: int = 1024):
        self.n = 0
        #: bumped whenever rows are added or life-cycle states change (:meth:`set_state`, :meth:`touch`):
        #: caches of states and rows compare it, so no caller has to invalidate them
        self.version = 0
        self._cap = max(16, capacity)
        for name, dtype in _FIELDS.items():
            setattr(self, "_" + name, np.zeros(self._cap, dtype=dtype))

    def __len__(self) -> int:
        return self.n

    def __getattr__(self, name):  # columns as views of the used rows
        if name in _FIELDS:
            d = self.__dict__
            view = d[name] = d["_" + name][: d["n"]]  # kept until rows are added: later reads are plain lookups
            return view
        raise AttributeError(name)

    def _forget_views(self) -> None:
        """Rows were added (or the columns moved): the kept column views are stale."""
        d = self.__dict__
        for name in _FIELDS:
            d.pop(name, None)

    def set_state(self, rows, state: int) -> None:
        """Firms at ``rows`` move to life-cycle ``state`` (a new :attr:`version`)."""
        self.state[rows] = state
        self.version += 1

    def touch(self) -> None:
        """A compiled kernel wrote life-cycle states in place: a new :attr:`version`."""
        self.version += 1

    def _grow(self, need: int) -> None:
        self._forget_views()
        new_cap = max(need, GROWTH * self._cap)
        for name in _FIELDS:
            old = getattr(self, "_" + name)
            arr = np.zeros(new_cap, dtype=old.dtype)
            arr[: self.n] = old[: self.n]
            setattr(self, "_" + name, arr)
        self._cap = new_cap

    def add(self, **values) -> np.ndarray:
        """Append rows; each keyword is a column (scalar or array of equal length; with no array,
        one row). Returns the rows."""
        unknown = [name for name in values if name not in _FIELDS]
        if unknown:
            raise TypeError(f"FirmTable.add: no column {unknown[0]!r}")
        sizes = {np.size(v) for v in values.values() if np.ndim(v) > 0}
        if len(sizes) > 1:
            raise ValueError(f"FirmTable.add: columns of different lengths {sorted(sizes)}")
        m = sizes.pop() if sizes else 1
        if self.n + m > self._cap:
            self._grow(self.n + m)
        start = self.n
        self.n += m
        self._forget_views()
        if "site_block" not in values and "block" in values:  # where it takes land now
            values = {**values, "site_block": values["block"]}
        d = self.__dict__
        for name, value in (_DEFAULTS | values).items():  # rows past n are zero: the other columns are 0 already
            d["_" + name][start : start + m] = value
        self.version += 1
        return np.arange(start, start + m)


def site_cluster(site_block: np.ndarray, block_zone_start: np.ndarray) -> np.ndarray:
    """The zone ground each firm's plant stands on: the zone its land's block was built for
    (``-1``: never on zone ground).  Unlike the managing zone, it never changes."""
    return _site_cluster(np.asarray(site_block), np.asarray(block_zone_start))


@njit(cache=True)
def _site_cluster(site_block, block_zone_start):
    out = np.empty(site_block.size, block_zone_start.dtype)
    for j in range(site_block.size):
        b = site_block[j]
        out[j] = block_zone_start[b] if b >= 0 else -1
    return out


def agglomeration(
    zone: np.ndarray, sector: np.ndarray, operating: np.ndarray, n_zones: int, n_sectors: int, elasticity: float
) -> np.ndarray:
    """Agglomeration factor ``1 + e·log(1 + n)``, n = other operating same-sector firms in the same
    cluster ``zone`` (a :func:`site_cluster`; 1 for firms that do not operate or lie outside every
    zone)."""
    rows = np.flatnonzero(operating)
    out = np.ones(len(zone))
    out[rows] = agglomeration_of_rows(zone, sector, rows, n_zones, n_sectors, elasticity)
    return out


def agglomeration_of_rows(
    zone: np.ndarray, sector: np.ndarray, rows: np.ndarray, n_zones: int, n_sectors: int, elasticity: float
) -> np.ndarray:
    """:func:`agglomeration` of the operating firms ``rows`` (all of them), in their order."""
    return _agglomeration(
        zone, sector, np.asarray(rows, dtype=np.int64), n_zones * n_sectors, n_sectors, float(elasticity)
    )


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
