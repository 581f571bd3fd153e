"""Product markets: CES demand over firms' varieties inside an Armington split, cleared every month.

Each sector is a market of differentiated varieties, one per operating firm (Dixit–Stiglitz;
Melitz 2003).  A firm with effective log productivity ``ã`` (own productivity plus
agglomeration) has unit variable cost ``mc = e^(-ã)·(σ-1)/σ`` and capacity
``Q̄ = e^(ã)·K / k`` (units/year; ``K`` installed capital, ``k`` capital per unit of capacity).
Given the sector's demand shifter ``A``, its demand is ``q = A·φ·p^(-σ)`` (``φ`` its customer
base, fixed at entry).  It charges the monopolistic-competition price ``p = σ/(σ-1)·mc = e^(-ã)``
(times its sector's cost index ``c``: wages relative to the start's, :mod:`sim.model.labour`)
if that demand fits its capacity, else the price that rations demand to capacity,
``p = (A·φ/Q̄)^(1/σ)``: output never exceeds capacity.

The sector's price index is ``P = (Σ φ·p^(1-σ))^(1/(1-σ))`` and ``A = E(P)·P^(σ-1)``, where
``E(P)`` is the spending on Ningxia's producers (Armington 1969): buyers inside the region split
their spending between Ningxia's varieties and the rest of China's at elasticity ``σ_A``, with a
home share ``θ`` at the 2017 price; buyers outside (power sent by UHV lines, coal, chemicals,
metals) see Ningxia as a small supplier, so their spending on it is ``S_out·(P/P*)^(1-σ_A)``.
The rest of China's price ``P*`` of each sector is exogenous and the same in every scenario: it
follows the sector's national producer prices (``price_growth`` in ``spending.csv``), so that a
national price fall (the overcapacity of 2012–15) squeezes Ningxia's producers through the
Armington split while their input costs (:mod:`sim.model.labour`) fall less.  The price index
solves ``P = P_new(P)``; ``log P - log P_new`` rises with slope at least ``1/σ``, so the root is
unique; it is found by Newton steps safeguarded by bisection.  At the root a sector's summed
revenue ``Σ p·q = A·P^(1-σ) = E(P)`` equals its spending on Ningxia's producers.

``demand = "elastic"`` fixes ``A`` at the spending path and the sector's price at ``P*``: every
firm faces a demand curve of its own that no other Ningxia firm shifts — perfectly elastic
demand for the region's sector as a whole (used by the conservation tests).

The nesting needs ``σ ≥ σ_A`` (varieties within the region are closer substitutes than the
region's and the rest of China's bundles); then a variety that leaves raises the demand of the
others (``d log A / d log P = σ - 1 + d log E/d log P ≥ σ - σ_A ≥ 0``).

Sources: σ by sector from Broda & Weinstein (2006) and Hsieh & Klenow (2009); σ_A from the GTAP
data base (Hertel et al. 2007); see ``sim/data/ningxia/sectors.csv``.
"""

from __future__ import annotations

import numpy as np

from sim.model.kernel_cache import kernel, njit

#: solver settings (not model parameters): |log P - log P_new| below this ends the search
LOG_TOLERANCE = 1e-13
MAX_ITERATIONS = 200


def clear_markets(
    rows: np.ndarray,
    sector: np.ndarray,
    a_eff: np.ndarray,
    capital: np.ndarray,
    weight: np.ndarray,
    n_sectors: int,
    k_cap: np.ndarray,
    sigma: np.ndarray,
    sigma_a: np.ndarray,
    theta: np.ndarray,
    s_local: np.ndarray,
    s_out: np.ndarray,
    p_star,
    elastic: bool,
    cost: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Clear every sector's market for the operating firms ``rows``.

    Per firm (aligned with ``rows``): price, quantity (units/year) and capacity; per sector: the
    price index ``P`` (NaN where no firm sells) and the spending on Ningxia's producers ``E``
    (万 yuan/year).  ``s_local``/``s_out`` are the month's spending of buyers inside / outside the
    region on Ningxia's producers at ``P = P*`` (the spending paths), ``theta`` the home share of
    local buyers at ``P = P*``; ``p_star`` the rest of China's price of each sector's varieties
    (one number for all sectors, or one per sector); ``cost`` each sector's cost index (unit variable costs relative to
    the start's, :mod:`sim.model.labour`; 1 if not given), which scales its firms' unconstrained prices.
    """
    rows = np.asarray(rows, dtype=np.int64)
    price = np.empty(rows.size)
    qty = np.empty(rows.size)
    cap = np.empty(rows.size)
    index = np.full(n_sectors, np.nan)
    spend = np.zeros(n_sectors)
    cost = np.ones(n_sectors) if cost is None else np.asarray(cost, dtype=float)
    p_star = np.broadcast_to(np.asarray(p_star, dtype=float), (n_sectors,)).copy()
    _clear(
        rows,
        sector,
        a_eff,
        capital,
        weight,
        k_cap,
        sigma,
        sigma_a,
        theta,
        s_local,
        s_out,
        p_star,
        bool(elastic),
        cost,
        price,
        qty,
        cap,
        index,
        spend,
    )
    return price, qty, cap, index, spend


@kernel
def spending(log_p, s_local, s_out, theta, sigma_a, log_p_star):
    """Spending on Ningxia's producers at price index ``e^log_p`` and the slope of its log."""
    rel = np.exp((1.0 - sigma_a) * (log_p - log_p_star))  # (P/P*)^(1-σ_A)
    den = theta * rel + (1.0 - theta)
    e_loc = s_local * rel / den
    e_out = s_out * rel
    e = e_loc + e_out
    if e <= 0.0:
        return 0.0, 0.0
    d_loc = (1.0 - sigma_a) * (1.0 - theta * rel / den)  # d log E_loc / d log P
    return e, (e_loc * d_loc + e_out * (1.0 - sigma_a)) / e


@kernel
def _prices(log_a, lo, hi, p_u, pu_neg, pu_one, cap, weight, sigma, price, qty):
    """Prices and quantities of a sector's firms (positions ``lo:hi`` of the sector-ordered arrays) at
    demand shifter ``e^log_a``; returns (Σ φ p^(1-σ), revenue share of capacity-bound firms).
    ``pu_neg``, ``pu_one``: each firm's unconstrained price to the powers -σ and 1-σ, computed once
    per month (they do not change between the search's steps)."""
    a = np.exp(log_a)
    tot = 0.0
    bound = 0.0
    for j in range(lo, hi):
        w = weight[j]
        if cap[j] <= 0.0 or w <= 0.0:
            price[j] = np.inf
            qty[j] = 0.0
            continue
        q_u = a * w * pu_neg[j]
        if q_u <= cap[j]:
            price[j] = p_u[j]
            qty[j] = q_u
            v = w * pu_one[j]
        else:
            p = (a * w / cap[j]) ** (1.0 / sigma)
            price[j] = p
            qty[j] = cap[j]
            v = w * p ** (1.0 - sigma)
            bound += v
        tot += v
    return tot, (bound / tot if tot > 0.0 else 0.0)


@njit(cache=True)
def _clear(
    rows,
    sector,
    a_eff,
    capital,
    weight,
    k_cap,
    sigma_s,
    sigma_a_s,
    theta_s,
    s_local,
    s_out,
    p_star,
    elastic,
    cost,
    price,
    qty,
    cap,
    index,
    spend,
):
    n = rows.size
    n_sec = index.size
    # the firms in sector order (by sector, then their order in ``rows``): every step of a sector's
    # search reads one contiguous stretch, not every n_sectors-th firm of the month's arrays
    counts = np.zeros(n_sec + 1, dtype=np.int64)
    for j in range(n):
        counts[sector[rows[j]] + 1] += 1
    for s in range(n_sec):
        counts[s + 1] += counts[s]
    order = np.empty(n, dtype=np.int64)
    fill = counts[:-1].copy()
    for j in range(n):
        s = sector[rows[j]]
        order[fill[s]] = j
        fill[s] += 1
    p_u = np.empty(n)
    w = np.empty(n)
    cap_s = np.empty(n)
    for k in range(n):
        j = order[k]
        r = rows[j]
        s = sector[r]
        p_u[k] = cost[s] * np.exp(-a_eff[j])
        cap_s[k] = np.exp(a_eff[j]) * capital[r] / k_cap[s]
        cap[j] = cap_s[k]
        w[k] = weight[r]
    price_s = np.empty(n)
    qty_s = np.empty(n)
    pu_neg = np.empty(n)
    pu_one = np.empty(n)
    for s in range(n_sec):
        log_p_star = np.log(p_star[s])
        lo_k, hi_k = counts[s], counts[s + 1]
        if hi_k == lo_k:
            continue
        sigma = sigma_s[s]
        for k in range(lo_k, hi_k):
            pu_neg[k] = p_u[k] ** (-sigma)
            pu_one[k] = p_u[k] ** (1.0 - sigma)
        if elastic:  # fixed demand shifter: the sector's price index does not feed back
            log_a = np.log(max(s_local[s] + s_out[s], 1e-300)) + (sigma - 1.0) * log_p_star
            tot, _ = _prices(log_a, lo_k, hi_k, p_u, pu_neg, pu_one, cap_s, w, sigma, price_s, qty_s)
            if tot > 0.0:
                index[s] = p_star[s]  # the sector's price is the rest of China's: Ningxia's supply does not move it
                spend[s] = np.exp(log_a) * tot
            continue
        # unconstrained index: the lower end of the bracket (h <= 0 there)
        tot_u = 0.0
        for k in range(lo_k, hi_k):
            if cap_s[k] > 0.0 and w[k] > 0.0:
                tot_u += w[k] * pu_one[k]
        if tot_u <= 0.0 or s_local[s] + s_out[s] <= 0.0:
            for k in range(lo_k, hi_k):
                price_s[k] = p_u[k]
                qty_s[k] = 0.0
            continue
        lo = np.log(tot_u) / (1.0 - sigma)
        hi = np.inf
        x = lo
        for _ in range(MAX_ITERATIONS):
            e, de = spending(x, s_local[s], s_out[s], theta_s[s], sigma_a_s[s], log_p_star)
            log_a = np.log(e) + (sigma - 1.0) * x
            tot, bound = _prices(log_a, lo_k, hi_k, p_u, pu_neg, pu_one, cap_s, w, sigma, price_s, qty_s)
            h = x - np.log(tot) / (1.0 - sigma)
            if abs(h) <= LOG_TOLERANCE:
                break
            if h < 0.0:
                lo = x
            else:
                hi = x
            slope = 1.0 - bound * ((sigma - 1.0) + de) / sigma  # >= 1/σ
            nxt = x - h / slope
            if not (lo < nxt < hi):  # safeguard: bisect (or expand the bracket upward)
                nxt = 0.5 * (lo + hi) if hi < np.inf else lo + max(2.0 * (lo - x) + 1.0, 1.0)
            x = nxt
        index[s] = np.exp(x)
        spend[s] = np.exp(log_a) * tot
    for k in range(n):  # back to the order of ``rows``
        price[order[k]] = price_s[k]
        qty[order[k]] = qty_s[k]


def spending_index(spending, sectors: list[str], calendar, column: str = "growth") -> np.ndarray:
    """Index of each sector's path (1 at the first month), months × sectors.

    The path grows within a year at the rate in ``column`` of the ``spending.csv`` row with the
    latest ``from_year`` not after that year (the earliest row before it), compounded monthly:
    ``growth`` is the growth of the volume of spending on the sector's varieties, ``price_growth``
    of the rest of China's price of them (P*), ``input_price_growth`` of the prices of materials,
    fuel and power the sector buys.  A price column that the file does not have is a flat path.
    """
    growth = np.zeros((calendar.n_months, len(sectors)))
    if column not in spending:
        return np.ones_like(growth)
    years = np.array([calendar.year(m) for m in range(calendar.n_months)])
    # the columns once as arrays: every model builds these paths, so no per-sector pandas selection
    sector_of = spending["sector"].to_numpy()
    from_year = spending["from_year"].to_numpy()
    values = spending[column].to_numpy(dtype=float)
    for j, s in enumerate(sectors):
        at = np.flatnonzero(sector_of == s)
        at = at[np.argsort(from_year[at], kind="quicksort")]  # pandas' sort_values order
        starts, rates = from_year[at], values[at]
        pick = np.clip(np.searchsorted(starts, years, side="right") - 1, 0, len(starts) - 1)
        growth[:, j] = rates[pick]
    monthly = np.log1p(growth) / 12.0
    return np.exp(np.vstack([np.zeros((1, len(sectors))), np.cumsum(monthly, axis=0)[:-1]]))


def nominal_spending_index(spending, sectors: list[str], calendar) -> np.ndarray:
    """Spending on each sector's varieties at the rest of China's price, relative to the first
    month: the volume path times the price path (months × sectors)."""
    return spending_index(spending, sectors, calendar) * spending_index(spending, sectors, calendar, "price_growth")


def output_year_deflator(spending, sectors: list[str], weights: np.ndarray, calendar, year: int) -> float:
    """How much larger the spending paths are in ``year`` than at the start (the ``weights``-weighted
    mean of the sectors' indices over that year's months); 1 when the horizon does not hold ``year``."""
    index = nominal_spending_index(spending, sectors, calendar)
    months = [m for m in range(calendar.n_months) if calendar.year(m) == year]
    if not months:
        return 1.0
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    return float(index[months].mean(axis=0) @ w)
