"""The bare kernel of ``zonesim-bench`` (:mod:`sim.runner.bench`): the model's monthly enterprise
update performed on contiguous numpy arrays (:func:`kernel_month`), the yardstick the model's
own update is timed against."""

from __future__ import annotations

import time

import numpy as np

from sim.model.labour import next_wage
from sim.model.tax import monthly_tax_array


# --------------------------------------------------------------------------- the bare kernel
def kernel_market(
    s: dict,
    spend_local: np.ndarray,
    spend_out: np.ndarray,
    m: dict,
    p_star: float = 1.0,
    tol: float = 1e-13,
    max_iter: int = 100,
) -> np.ndarray:
    """Clear every sector's market on contiguous arrays ``s`` (all operating), in numpy: Newton steps
    on all sectors' log price indices at once, as :func:`sim.model.market.clear_markets` (``m``:
    per-sector ``sigma``, ``sigma_a``, ``theta``, ``k_cap``).  Sets ``price``, ``quantity`` and
    ``capacity`` of ``s``; returns the price indices."""
    sec = s["sector"].astype(np.int64)
    n_sec = m["sigma"].size
    sig = m["sigma"][sec]
    p_u = m.get("cost", np.ones(n_sec))[sec] * np.exp(-s["a_eff"])  # the sectors' cost index (wages)
    cap = np.exp(s["a_eff"]) * s["capital"] / m["k_cap"][sec]
    w = s["demand_weight"]
    sigma, sa, th = m["sigma"], m["sigma_a"], m["theta"]
    tot_u = np.bincount(sec, weights=w * p_u ** (1.0 - sig), minlength=n_sec)
    x = np.log(np.maximum(tot_u, 1e-300)) / (1.0 - sigma)
    log_ps = np.log(p_star)
    for _ in range(max_iter):
        rel = np.exp((1.0 - sa) * (x - log_ps))
        den = th * rel + (1.0 - th)
        e_loc, e_out = spend_local * rel / den, spend_out * rel
        e = e_loc + e_out
        de = (e_loc * (1.0 - sa) * (1.0 - th * rel / den) + e_out * (1.0 - sa)) / np.maximum(e, 1e-300)
        big_a = np.exp(np.log(np.maximum(e, 1e-300)) + (sigma - 1.0) * x)[sec]
        q_u = big_a * w * p_u ** (-sig)
        bound = q_u > cap
        price = np.where(bound, (big_a * w / cap) ** (1.0 / sig), p_u)
        v = w * price ** (1.0 - sig)
        tot = np.bincount(sec, weights=v, minlength=n_sec)
        share = np.bincount(sec, weights=v * bound, minlength=n_sec) / np.maximum(tot, 1e-300)
        h = x - np.log(np.maximum(tot, 1e-300)) / (1.0 - sigma)
        if np.all(np.abs(h) <= tol):
            break
        x = x - h / (1.0 - share * ((sigma - 1.0) + de) / sigma)
    s["price"][:] = price
    s["quantity"][:] = np.where(bound, cap, q_u)
    s["capacity"][:] = cap
    return np.exp(x)


def kernel_book(s: dict, m: dict, p, labour=None, month: int = 0, tax: np.ndarray | None = None) -> dict:
    """One month of accounts, hiring, taxes and investment plans on contiguous arrays, as
    :func:`sim.model.firms.book_month` (``p`` the FirmConfig, ``labour`` the LabourConfig or None,
    ``m["wage"]`` the sectors' wage index and ``m["input_price"]`` their input price index, 1 if absent; ``tax`` the
    month's VAT rate, surcharge and
    income-tax rate, none if absent; ``m["resource_tax"]`` per sector); returns the credit requests."""
    sec = s["sector"].astype(np.int64)
    sig, k_cap = m["sigma"][sec], m["k_cap"][sec]
    e_a = np.exp(s["a_eff"])
    lam, wage0, keep_m = (
        (0.0, 1.0, 0.0)
        if labour is None
        else (labour.labour_share, labour.annual_wage, np.exp(-labour.hoarding_release / 12.0))
    )
    wage = m.get("wage", np.ones(m["sigma"].size))[sec]
    inputs = m.get("input_price", np.ones(m["sigma"].size))[sec]
    cost = (1.0 - lam) * inputs + lam * wage
    mc0 = (sig - 1.0) / (sig * e_a)
    mc = mc0 * cost
    q = s["quantity"]
    rev = np.where(q > 0, s["price"] * q / 12.0, 0.0)
    need = lam * mc0 * q / wage0
    s["workers"][:] = np.where(s["rescued_until"] > month, need + keep_m * np.maximum(s["workers"] - need, 0.0), need)
    s["workers_year"] += s["workers"] / 12.0
    materials = (1.0 - lam) * inputs * mc0 * q / 12.0
    var = materials + wage * wage0 * s["workers"] / 12.0
    vat_rate, surcharge, cit, local_vat, local_cit = (0.0,) * 5 if tax is None else tax
    vat = vat_rate * (rev - materials - s["overhead"] / 12.0) - s["vat_credit"]
    s["vat_credit"][:] = np.maximum(-vat, 0.0)
    vat = np.maximum(vat, 0.0)
    levies = surcharge * vat + m.get("resource_tax", np.zeros(m["sigma"].size))[sec] * rev
    k, wip, d = s["capital"], s["capital_wip"], s["debt"]
    dep = p.depreciation_rate * k / 12.0
    ebit = rev - var - s["overhead"] / 12.0 - dep - levies
    interest = p.interest_rate * d / 12.0
    s["pretax_year"] += ebit - interest
    due = cit * np.maximum(s["pretax_year"] - s["loss_carry"], 0.0)
    income_tax = due - s["income_tax_year"]
    s["income_tax_year"][:] = due
    tax_paid = vat + levies + income_tax
    profit = ebit - interest - income_tax
    cash = profit + dep
    q_free = np.where(q > 0, q * (s["price"] * e_a / cost) ** sig, 0.0)
    k_dem = q_free / p.target_utilisation * k_cap / e_a
    p_sell = np.where(q > 0, s["price"], cost / e_a)
    ret = (p_sell - mc) * e_a / k_cap * p.target_utilisation
    user_cost = p.interest_rate + p.depreciation_rate
    k_star = np.where(ret >= user_cost, k_dem, np.minimum(k, k_dem))
    beyond = np.maximum(k_star - s["plant_limit"], 0.0)
    k_star = np.maximum(np.minimum(k_star, s["plant_limit"]), 0.0)
    keep = p.depreciation_rate * np.minimum(k, k_star) / 12.0
    want = np.maximum((k_star - k + keep * p.build_months - wip) / p.investment_adjust_months + keep, 0.0)
    lev = p.target_leverage
    own = np.minimum(np.maximum(cash, 0.0), (1.0 - lev) * want) if lev < 1.0 else np.zeros_like(want)
    req = {
        "internal": own,
        "loan": np.minimum(want - own, np.maximum(0.0, p.max_leverage * (k + wip) - d)),
        "deficit": np.maximum(-cash, 0.0),
        "beyond_plant": beyond,
        "repay": np.minimum(p.repayment_share * (np.maximum(cash, 0.0) - own), np.maximum(d - lev * (k + wip), 0.0)),
    }
    s["output"][:] = rev
    s["output_year"] += rev
    s["tax_year"] += tax_paid
    s["local_tax_year"] += local_vat * vat + levies + local_cit * income_tax
    s["ebit_year"] += ebit
    s["interest_year"] += interest
    s["profit_year"] += profit
    s["var_input_year"] += var
    s["age"] += 1.0 / 12.0
    return req


def kernel_credit_and_capital(s: dict, req: dict, limit: float, p) -> None:
    """One pool: repayments, rollover of deficits then investment loans pro rata, installation."""
    outstanding = s["debt"].sum() - req["repay"].sum()
    room = max(limit - outstanding, 0.0)
    lent = req["deficit"] * min(1.0, room / max(req["deficit"].sum(), 1e-300))
    room -= lent.sum()
    loans = req["loan"] * min(1.0, max(room, 0.0) / max(req["loan"].sum(), 1e-300))
    s["debt"] += lent + loans - req["repay"]
    s["capital_wip"] += req["internal"] + loans
    done = s["capital_wip"] / p.build_months
    s["capital"] += done - p.depreciation_rate / 12.0 * s["capital"]
    s["capital_wip"] -= done


def kernel_exit_probability(s: dict, protection: np.ndarray, p) -> np.ndarray:
    """Monthly exit probability, as :func:`sim.model.firms.exit_probability`, on contiguous arrays."""
    failing = (s["debt"] > p.insolvency_leverage * s["capital"]) | s["zombie"]
    rate = p.base_exit_rate + np.where(failing, p.insolvent_exit_rate * (1.0 - protection), 0.0)
    return 1.0 - np.exp(-rate / 12.0)


def kernel_agglomeration(
    zone: np.ndarray, sector: np.ndarray, n_zones: int, n_sectors: int, elasticity: float
) -> np.ndarray:
    """Agglomeration factor of operating firms that all lie in zones (one bincount)."""
    cell = zone * n_sectors + sector
    same = np.bincount(cell, minlength=n_zones * n_sectors)[cell] - 1
    return 1.0 + elasticity * np.log1p(same)


def kernel_protection(county: np.ndarray, output: np.ndarray, n_counties: int, pc) -> np.ndarray:
    """Soft-budget protection from the share of county output (one bincount); ``pc`` the ProtectionConfig."""
    county_out = np.bincount(county, weights=output, minlength=n_counties)
    share = output / np.maximum(county_out[county], 1e-12)
    return np.minimum(pc.max, pc.base + pc.size_weight * share)


def kernel_month(s: dict, rng: np.random.Generator, spend: tuple, m: dict, sizes: tuple, params) -> np.ndarray:
    """The whole monthly enterprise update on contiguous arrays: returns the exit mask.

    ``spend`` = (local, outside) spending per sector; ``m`` the per-sector market arrays;
    ``sizes`` = (zones, sectors, counties); ``params`` the ModelConfig.
    """
    n_zones, n_sectors, n_counties = sizes
    p = params.firms
    n = s["log_prod"].size
    rho_m = p.productivity_persistence ** (1 / 12)
    sd_m = p.productivity_sd * np.sqrt((1 - rho_m**2) / max(1 - p.productivity_persistence**2, 1e-12))
    s["log_prod"] *= rho_m
    s["log_prod"] += sd_m * rng.standard_normal(n)
    agg = kernel_agglomeration(s["zone"], s["sector"], n_zones, n_sectors, p.agglomeration_elasticity)
    s["a_eff"] = s["log_prod"] + np.log(agg)
    kernel_market(s, spend[0], spend[1], m)
    req = kernel_book(s, m, p, params.labour, 0, monthly_tax_array(params.tax, params.tax.vat_rate))
    demand = np.bincount(s["sector"], weights=s["workers"], minlength=n_sectors)
    supply = m.setdefault("labour_supply", demand.copy())  # the first month's workforce, as the model's
    m["wage"] = next_wage(
        m.get("wage", np.ones(n_sectors)),
        demand,
        supply,
        params.labour.supply_elasticity,
        params.labour.wage_adjust_months,
    )
    m["cost"] = 1.0 - params.labour.labour_share + params.labour.labour_share * m["wage"]
    kernel_credit_and_capital(s, req, 1.02 * s["debt"].sum(), p)
    protection = kernel_protection(s["county"], s["output"], n_counties, params.protection)
    prob = kernel_exit_probability(s, protection, p)
    return rng.random(n) < prob


def kernel_state(n: int, sizes: tuple, rng: np.random.Generator) -> dict:
    """Plausible contiguous state of ``n`` operating enterprises (sizes = zones, sectors, counties)."""
    n_zones, n_sectors, n_counties = sizes
    capital = rng.lognormal(np.log(30000.0), 1.0, n)
    return {
        "zone": rng.integers(0, max(n_zones, 1), n).astype(np.int32),
        "sector": rng.integers(0, n_sectors, n).astype(np.int16),
        "county": rng.integers(0, n_counties, n).astype(np.int32),
        "log_prod": rng.normal(0.0, 0.2, n),
        "capital": capital,
        "plant_limit": 1.5 * capital,
        "overhead": 0.1 * capital,
        "demand_weight": rng.lognormal(0.0, 1.0, n),
        "debt": capital * np.maximum(rng.normal(1.459, 0.3, n), 0.0),
        "zombie": rng.random(n) < 0.1,
        **{
            k: np.zeros(n)
            for k in (
                "output",
                "output_year",
                "tax_year",
                "ebit_year",
                "interest_year",
                "profit_year",
                "age",
                "a_eff",
                "price",
                "quantity",
                "capacity",
                "capital_wip",
                "var_input_year",
                "workers",
                "workers_year",
                "vat_credit",
                "local_tax_year",
                "pretax_year",
                "income_tax_year",
                "loss_carry",
            )
        },
        "rescued_until": np.where(rng.random(n) < 0.3, 12, 0).astype(np.int32),
    }


def market_arrays(model) -> dict:
    """The per-sector arrays of a model's markets (for the kernel), at its last simulated month (after
    a run ``path_month`` is one past the paths' end)."""
    last = max(model.path_month - 1, 0)
    return {
        "sigma": model.sigma,
        "sigma_a": model.sigma_a,
        "theta": model.home_share,
        "k_cap": model.k_cap,
        "wage": model.labour.wage.copy(),
        "input_price": model.labour.input_price(last),
        "cost": model.labour.cost_index(last),
        "resource_tax": model.resource_tax,
    }


def time_kernel(
    n: int,
    sizes: tuple,
    spend: tuple,
    m: dict,
    params,
    min_total_s: float = 0.3,
    min_repeats: int = 7,
    max_repeats: int = 500,
) -> float:
    """Median wall time (s) of :func:`kernel_month` on ``n`` enterprises, after one warm-up call."""
    rng = np.random.default_rng(0)
    s = kernel_state(max(int(n), 1), sizes, rng)
    kernel_month(s, rng, spend, m, sizes, params)
    times: list[float] = []
    while len(times) < max_repeats and (len(times) < min_repeats or sum(times) < min_total_s):
        t = time.perf_counter()
        kernel_month(s, rng, spend, m, sizes, params)
        times.append(time.perf_counter() - t)
    return float(np.median(times))
