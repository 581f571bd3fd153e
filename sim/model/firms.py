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

from enum import IntEnum

import numpy as np
from numba import njit


class LifeCycle(IntEnum):
    """Life-cycle state of an enterprise: project → in approval → under construction → operating → exited;
    a project in approval whose land lies idle too long is withdrawn (:mod:`sim.model.land`)."""

    PROJECT = 0
    IN_APPROVAL = 1
    CONSTRUCTION = 2
    OPERATING = 3
    EXITED = 4
    MERGED = 5  # an expansion plant installed into its parent, or a firm taken over (acquired_by)
    WITHDRAWN = 6  # a project whose idle land was taken back (国土资源部令第53号): it left the pipeline


class DisposalPath(IntEnum):
    """The path a firm on the zombie-disposal list is taken down (处置僵尸企业)."""

    NOT_LISTED = 0
    LIQUIDATION = 1  # 破产清算: closed by the court, debt written off, land back to the zone
    MERGER = 2  # 兼并重组: its plant taken over by a healthy firm of its sector
    RESTRUCTURING = 3  # debt restructuring / debt-for-equity swap (债转股): debt cut, the firm carries on
    CAPACITY_CUT = 4  # 去产能: a firm of a sector under capacity cuts closed, its capacity retired (sim.model.capacity)


#: states that hold land in a zone (reserved at location choice, released at exit)
LAND_HOLDING = (LifeCycle.IN_APPROVAL, LifeCycle.CONSTRUCTION, LifeCycle.OPERATING)

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
            return self.__dict__["_" + name][: self.__dict__["n"]]
        raise AttributeError(name)

    def set_state(self, rows, state: int) -> None:
        """Firms at ``rows`` move to life-cycle ``state`` (a new :attr:`version`)."""
        self.state[rows] = state
        self.version += 1

    def touch(self) -> None:
        """A compiled kernel wrote life-cycle states in place: a new :attr:`version`."""
        self.version += 1

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
        if "site_block" not in values and "block" in values:  # where it takes land now
            values = {**values, "site_block": values["block"]}
        for name in _FIELDS:
            col = getattr(self, "_" + name)
            col[rows] = values.get(name, _DEFAULTS.get(name, 0))
        self.version += 1
        return rows


def site_cluster(site_block: np.ndarray, block_zone_start: np.ndarray) -> np.ndarray:
    """The zone ground each firm's plant stands on: the zone its land's block was built for
    (``-1``: never on zone ground).  Unlike the managing zone, it never changes."""
    site_block = np.asarray(site_block)
    return np.where(site_block >= 0, block_zone_start[np.maximum(site_block, 0)], -1)


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


def update_productivity(f: FirmTable, idx: np.ndarray, shocks: np.ndarray, p) -> np.ndarray:
    """One month of the AR(1) in log productivity of firms ``idx`` (in place); returns the new values.

    ``shocks`` are standard normal draws for these firms, ``p`` the FirmConfig.  Log productivity
    reverts towards ``-g·age`` (``g`` = ``productivity_age_drift``; 0 by default: towards 0 at any
    age): ``a ← ρ_m·a - (1-ρ_m)·g·age + σ_m·ε``.  Productivity has its own dynamics: nothing else
    (the zombie flag included) reads or writes it.
    """
    rho_m = p.productivity_persistence ** (1 / 12)
    sd_m = p.productivity_sd * np.sqrt((1 - rho_m**2) / max(1 - p.productivity_persistence**2, 1e-12))
    return _productivity(
        np.asarray(idx, dtype=np.int64),
        np.asarray(shocks, dtype=float),
        f.log_prod,
        f.age,
        rho_m,
        sd_m,
        (1 - rho_m) * p.productivity_age_drift,
    )


@njit(cache=True)
def _productivity(idx, shocks, log_prod, age, rho_m, sd_m, pull):
    """AR(1) log productivity ``a ← ρ_m·a - pull·age + σ_m·ε`` of firms ``idx``; returns the new values."""
    a = np.empty(idx.shape[0])
    for j in range(idx.shape[0]):
        r = idx[j]
        a[j] = log_prod[r] * rho_m + sd_m * shocks[j]
        if pull != 0.0:
            a[j] -= pull * age[r]
        log_prod[r] = a[j]
    return a


def book_month(
    f: FirmTable,
    idx: np.ndarray,
    a_eff: np.ndarray,
    price: np.ndarray,
    qty: np.ndarray,
    capacity: np.ndarray,
    sigma: np.ndarray,
    k_cap: np.ndarray,
    p,
    wage: np.ndarray | None = None,
    labour=None,
    month: int = 0,
    tax: np.ndarray | None = None,
    resource_tax: np.ndarray | None = None,
    input_price: np.ndarray | None = None,
) -> dict:
    """One month of accounts and investment plans of the operating firms ``idx`` (in place).

    From the month's market (``price``, ``qty`` in units/year, ``capacity``; aligned with ``idx``)
    and effective log productivity ``a_eff``: revenue ``p·q``; variable costs, materials
    ``(1-λ)·m·mc₀·q`` with ``mc₀ = e^(-ã)(σ-1)/σ`` and ``m`` its sector's input price index
    (``input_price``: materials, fuel and power relative to the first month's; 1 if not given) plus the wage bill
    ``w·wage₀·workers`` of its
    sector's wage index ``w`` (``wage``, per sector; 1 if not given); the firm's overhead (fixed at
    entry), depreciation ``δK``; taxes (:mod:`sim.model.tax`; ``tax`` = the month's VAT rate,
    surcharge, income-tax rate and local shares of VAT and income tax, :func:`sim.model.tax.monthly_tax_array`;
    ``resource_tax`` per sector; none if not given): VAT on
    ``p·q`` less materials and the input VAT carried forward, surcharges on it and the resource
    tax on sales lower EBIT; interest ``r·D``; income tax prepaid on the year's profit so far less
    the losses carried forward.  Workers: those its output
    needs, ``λ·mc₀·q/wage₀``; a firm kept alive by loans (``rescued_until`` after ``month``) keeps
    the ones it no longer needs, letting the surplus go at the rate ``hoarding_release`` a year
    (``labour``: the LabourConfig; λ = 0 and no workers if not given).  Its marginal cost is ``mc = mc₀·((1-λ)m+λw)``.
    Operating cash flow (profit + depreciation) pays first for investment, then repays
    a share of the debt; a deficit must be borrowed.

    Investment: the capital needed to serve, at the target utilisation, the demand it would meet at
    its unconstrained price ``σ/(σ-1)·mc`` (``q·(p/(σ/(σ-1)·mc))^σ``: its sales, for a firm below capacity),
    ``K* = q_free/u*·k·e^(-ã)``; the firm expands towards it only if the return of a unit of capacity
    at that use, ``(p - mc)·e^ã/k·u*``, covers the user cost of capital ``r + δ`` (else it lets capital
    above ``K*`` depreciate), within what its land holds (``plant_limit``).  It plans
    ``(K* - K + R·b - K_building)/adjust + R`` a month (``R = δ·min(K, K*)`` replacement, ``b`` the
    build time: the capital under construction a steady replacement keeps), financed by loans in
    the proportion ``target_leverage`` and from its cash flow for the rest (loans again where cash
    falls short), loans only up to ``max_leverage`` × its capital.  A surplus left after investment
    repays ``repayment_share`` of itself, but only debt above the target leverage.

    Returns the month's requests per firm (aligned with ``idx``): ``deficit`` (rollover credit),
    ``loan`` (investment credit), ``internal`` (investment paid from cash flow), ``repay``, and
    ``beyond_plant``: desired capital its land cannot hold (an expansion that needs new land).
    """
    idx = np.asarray(idx, dtype=np.int64)
    n = idx.size
    out = {k: np.zeros(n) for k in ("deficit", "loan", "internal", "repay", "beyond_plant")}
    c = np.array(
        [
            p.interest_rate,
            p.repayment_share,
            p.depreciation_rate,
            p.target_utilisation,
            p.investment_adjust_months,
            p.max_leverage,
            p.build_months,
            p.target_leverage,
        ]
    )
    if labour is None:
        lab = np.array([0.0, 1.0, 0.0])
    else:
        lab = np.array([labour.labour_share, labour.annual_wage, np.exp(-labour.hoarding_release / 12.0)])
    wage = np.ones(len(sigma)) if wage is None else np.asarray(wage, float)
    input_price = np.ones(len(sigma)) if input_price is None else np.asarray(input_price, float)
    tax = np.zeros(5) if tax is None else np.asarray(tax, float)
    resource_tax = np.zeros(len(sigma)) if resource_tax is None else np.asarray(resource_tax, float)
    _book_month(
        idx,
        np.asarray(a_eff, float),
        np.asarray(price, float),
        np.asarray(qty, float),
        np.asarray(capacity, float),
        np.asarray(sigma, float),
        np.asarray(k_cap, float),
        c,
        wage,
        input_price,
        lab,
        int(month),
        tax,
        resource_tax,
        f.sector,
        f.capital,
        f.capital_wip,
        f.plant_limit,
        f.overhead,
        f.debt,
        f.output,
        f.output_year,
        f.tax_year,
        f.ebit_year,
        f.interest_year,
        f.profit_year,
        f.var_input_year,
        f.age,
        f.price,
        f.quantity,
        f.capacity,
        f.workers,
        f.workers_year,
        f.rescued_until,
        f.vat_credit,
        f.pretax_year,
        f.income_tax_year,
        f.loss_carry,
        f.local_tax_year,
        out["deficit"],
        out["loan"],
        out["internal"],
        out["repay"],
        out["beyond_plant"],
    )
    return out


@njit(cache=True)
def _book_month(
    idx,
    a_eff,
    price,
    qty,
    capacity,
    sigma,
    k_cap,
    c,
    wage,
    input_price,
    lab,
    month,
    tx,
    resource_tax,
    sector,
    capital,
    wip,
    plant_limit,
    overhead,
    debt,
    output,
    output_year,
    tax_year,
    ebit_year,
    interest_year,
    profit_year,
    var_input_year,
    age,
    price_col,
    qty_col,
    cap_col,
    workers,
    workers_year,
    rescued_until,
    vat_credit,
    pretax_year,
    income_tax_year,
    loss_carry,
    local_tax_year,
    deficit,
    loan,
    internal,
    repay,
    beyond_plant,
):
    rate, repay_share, delta, u_target, adjust, max_lev, build, lev = (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
    lam, wage0, keep_m = lab[0], lab[1], lab[2]
    vat_rate, surcharge_rate, cit_rate, local_vat, local_cit = tx[0], tx[1], tx[2], tx[3], tx[4]
    for j in range(idx.shape[0]):
        r = idx[j]
        s = sector[r]
        sig = sigma[s]
        e_a = np.exp(a_eff[j])
        mc0 = (sig - 1.0) / (sig * e_a)  # unit variable cost at the first month's input prices
        cost = (1.0 - lam) * input_price[s] + lam * wage[s]  # the sector's cost index
        mc = mc0 * cost
        q = qty[j]
        rev = price[j] * q / 12.0 if q > 0.0 else 0.0
        need = lam * mc0 * q / wage0  # workers its output needs
        n_w = need
        if rescued_until[r] > month:  # kept alive by loans: lets its surplus workers go only slowly
            n_w = need + keep_m * max(workers[r] - need, 0.0)
        workers[r] = n_w
        workers_year[r] += n_w / 12.0
        materials = (1.0 - lam) * input_price[s] * mc0 * q / 12.0
        var = materials + wage[s] * wage0 * n_w / 12.0
        # VAT on value added (overhead is bought in: it carries input VAT), less the input VAT
        # carried forward (investment's, added when paid)
        vat = vat_rate * (rev - materials - overhead[r] / 12.0) - vat_credit[r]
        if vat < 0.0:
            vat_credit[r] = -vat
            vat = 0.0
        else:
            vat_credit[r] = 0.0
        levies = surcharge_rate * vat + resource_tax[s] * rev  # 税金及附加: costs before EBIT
        k = capital[r]
        dep = delta * k / 12.0
        ebit = rev - var - overhead[r] / 12.0 - dep - levies
        d = debt[r]
        interest = rate * d / 12.0
        pretax_year[r] += ebit - interest
        due = cit_rate * max(pretax_year[r] - loss_carry[r], 0.0)  # prepaid on the year's profit so far
        income_tax = due - income_tax_year[r]
        income_tax_year[r] = due
        tax = vat + levies + income_tax
        profit = ebit - interest - income_tax
        cash = profit + dep
        # investment plan
        # demand at its unconstrained price cost/e^ã (a capacity-bound firm rations q = A·φ·p^-σ by its price)
        q_free = q * (price[j] * e_a / cost) ** sig if q > 0.0 else 0.0
        k_dem = q_free / u_target * k_cap[s] / e_a
        p_sell = price[j] if q > 0.0 else cost / e_a
        ret = (p_sell - mc) * e_a / k_cap[s] * u_target
        user_cost = rate + delta
        k_star = k_dem if ret >= user_cost else min(k, k_dem)
        beyond_plant[j] = max(k_star - plant_limit[r], 0.0)
        k_star = min(k_star, plant_limit[r])
        k_star = max(k_star, 0.0)
        keep = delta * min(k, k_star) / 12.0  # replacement of the capital still wanted, a month
        want = (k_star - k + keep * build - wip[r]) / adjust + keep  # building pipeline in steady state: keep·build
        want = max(want, 0.0)
        own = min(max(cash, 0.0), (1.0 - lev) * want) if lev < 1.0 else 0.0  # the financing mix
        internal[j] = own
        loan[j] = min(want - own, max(0.0, max_lev * (k + wip[r]) - d))
        deficit[j] = max(-cash, 0.0)
        excess = d - lev * (k + wip[r])  # debt above the target leverage is repaid from the surplus
        repay[j] = min(repay_share * (max(cash, 0.0) - own), max(excess, 0.0))
        # accounts
        output[r] = rev
        output_year[r] += rev
        tax_year[r] += tax
        local_tax_year[r] += local_vat * vat + levies + local_cit * income_tax
        ebit_year[r] += ebit
        interest_year[r] += interest
        profit_year[r] += profit
        var_input_year[r] += var
        age[r] += 1.0 / 12.0
        price_col[r] = price[j]
        qty_col[r] = q
        cap_col[r] = capacity[j]


def install_capital(f: FirmTable, idx: np.ndarray, p) -> np.ndarray:
    """Depreciation and installation of the operating firms ``idx`` (in place): ``K' = (1-δ)K + C``
    with the completions ``C = K_building / build_months`` (time to build: an exponential lag).
    Returns ``(depreciation, completions)`` summed."""
    idx = np.asarray(idx, dtype=np.int64)
    return _install(idx, f.capital, f.capital_wip, p.depreciation_rate / 12.0, 1.0 / p.build_months)


@njit(cache=True)
def _install(idx, capital, wip, delta_m, rate):
    dep = 0.0
    done = 0.0
    for r in idx:
        d = delta_m * capital[r]
        c = wip[r] * min(rate, 1.0)
        capital[r] += c - d
        wip[r] -= c
        dep += d
        done += c
    return np.array([dep, done])


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
    """Start new yearly accounts (EBIT, interest, profit) for firms ``idx`` (the zombie tests' accounts;
    output, tax, inputs and investment run by calendar year and are reset by the model)."""
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


def exit_probability(f: FirmTable, idx: np.ndarray, protection: np.ndarray, p) -> np.ndarray:
    """Monthly exit probability of firms ``idx`` given their ``protection`` (the hazard of
    :func:`_exit_rate`: a failing firm is insolvent, debt > ``insolvency_leverage`` × capital, or a
    zombie alive only on evergreen credit)."""
    failing = (f.debt[idx] > p.insolvency_leverage * f.capital[idx]) | f.zombie[idx]
    protection = np.broadcast_to(np.asarray(protection, float), failing.shape)
    return monthly_probability(_map_exit_rate(failing, protection, p.base_exit_rate, p.insolvent_exit_rate))


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
def _map_protection(share, base, size_weight, cap):
    out = np.empty(share.shape)
    for j in range(share.size):
        out.flat[j] = _protection(share.flat[j], base, size_weight, cap)
    return out


def exit_draws(
    f: FirmTable, idx: np.ndarray, u: np.ndarray, n_counties: int, carded: np.ndarray, card_protection: float, pp, p
) -> np.ndarray:
    """Which of the operating firms ``idx`` exit this month (a mask over ``idx``): insolvency under
    the soft budget constraint.

    Per firm: protection from its share of its county's output (:func:`soft_budget_protection`),
    times ``card_protection`` for zombies in a zone with a yellow card; the yearly hazard
    :func:`_exit_rate`; exit when its draw ``u[key]`` falls under the month's probability
    (:func:`monthly_probability`).  The hazards in one compiled pass.
    """
    rate = _exit_rates(
        idx,
        f.county,
        f.output,
        f.zone,
        f.zombie,
        f.debt,
        f.capital,
        n_counties,
        carded,
        np.array(
            [
                pp.base,
                pp.size_weight,
                pp.max,
                card_protection,
                p.base_exit_rate,
                p.insolvent_exit_rate,
                p.insolvency_leverage,
            ]
        ),
    )
    return u[f.key[idx]] < monthly_probability(rate)


@njit(cache=True)
def _exit_rate(failing, protection, base_rate, failure_rate):
    """Yearly exit hazard ``base + [failing]·failure·(1 - protection)``: a failing firm (insolvent,
    or a zombie alive only on evergreen credit) exits unless its county and banks prop it up."""
    return base_rate + (failure_rate * (1.0 - protection) if failing else 0.0)


@njit(cache=True)
def _map_exit_rate(failing, protection, base_rate, failure_rate):
    out = np.empty(failing.shape)
    for j in range(failing.size):
        out[j] = _exit_rate(failing[j], protection[j], base_rate, failure_rate)
    return out


@njit(cache=True)
def _exit_rates(idx, county, output, zone, zombie, debt, capital, n_counties, carded, c):
    """Yearly exit hazard of each firm ``idx[j]`` (see :func:`exit_draws`)."""
    county_out = np.zeros(n_counties)
    for j in range(idx.shape[0]):
        r = idx[j]
        county_out[county[r]] += output[r]
    rate = np.empty(idx.shape[0])
    for j in range(idx.shape[0]):
        r = idx[j]
        share = output[r] / max(county_out[county[r]], 1e-12)
        protection = _protection(share, c[0], c[1], c[2])
        if zombie[r] and carded[zone[r]]:
            protection *= c[3]
        failing = debt[r] > c[6] * capital[r] or zombie[r]
        rate[j] = _exit_rate(failing, protection, c[4], c[5])
    return rate
