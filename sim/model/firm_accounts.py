"""Monthly and yearly accounts of enterprises: productivity, production accounts and investment plans,
installation of capital, year-end zombie status (the mechanisms are described in :mod:`sim.model.firms`).

The compiled accounts take the model's constants as named tuples (:data:`Finance`, :data:`Labour`,
:data:`TaxRates`) and the firm table's columns as arrays.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numpy as np

from sim.model.kernel_cache import kernel, njit

if TYPE_CHECKING:
    from sim.model.firms import FirmTable

#: the finance and investment constants of the compiled accounts (the FirmConfig's)
Finance = namedtuple(
    "Finance",
    "interest_rate repayment_share depreciation_rate target_utilisation adjust_months max_leverage build_months"
    " target_leverage",
)
#: the labour constants: workers' share of variable costs, the base wage, the share of surplus workers kept a month
Labour = namedtuple("Labour", "labour_share annual_wage keep_monthly")
#: the month's tax settings (:func:`sim.model.tax.monthly_tax_array`, in its order)
TaxRates = namedtuple("TaxRates", "vat surcharge income_tax local_vat local_cit")


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
    c = Finance(
        float(p.interest_rate),
        float(p.repayment_share),
        float(p.depreciation_rate),
        float(p.target_utilisation),
        float(p.investment_adjust_months),
        float(p.max_leverage),
        float(p.build_months),
        float(p.target_leverage),
    )
    if labour is None:
        lab = Labour(0.0, 1.0, 0.0)
    else:
        lab = Labour(
            float(labour.labour_share), float(labour.annual_wage), float(np.exp(-labour.hoarding_release / 12.0))
        )
    wage = np.ones(len(sigma)) if wage is None else np.asarray(wage, float)
    input_price = np.ones(len(sigma)) if input_price is None else np.asarray(input_price, float)
    tax = TaxRates(*(0.0,) * 5) if tax is None else TaxRates(*(float(v) for v in np.asarray(tax, float)))
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


@kernel
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
    rate, repay_share, delta, u_target = c.interest_rate, c.repayment_share, c.depreciation_rate, c.target_utilisation
    adjust, max_lev, build, lev = c.adjust_months, c.max_leverage, c.build_months, c.target_leverage
    lam, wage0, keep_m = lab.labour_share, lab.annual_wage, lab.keep_monthly
    vat_rate, surcharge_rate, cit_rate, local_vat, local_cit = (
        tx.vat,
        tx.surcharge,
        tx.income_tax,
        tx.local_vat,
        tx.local_cit,
    )
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
