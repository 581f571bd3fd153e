"""``zonesim-bench``: wall time, peak memory and how cost grows with enterprises (issue 7).

Not part of the test suite (timings on shared machines are noisy): run it explicitly,
``zonesim-bench`` (the national region at full scale takes minutes) or ``zonesim-bench --quick``
(small sizes, under half a minute).  Every case runs in a fresh Python process, so that its peak
memory is its own: the peak resident set size (``ru_maxrss``) that the kernel reports for that
child when it is reaped (``os.wait4``), interpreter and imports included.  Wall times are measured
inside the child and exclude interpreter start-up and imports; they include building the region
and the model.  Cases:

* the default Ningxia run (2015–2030): best of three;
* a 50,000-enterprise synthetic region (``region=synthetic``), 2015–2030;
* the national region (``region=national``, ``--national-scale``, default 1.0 = 375,000
  enterprises), 2015–2035 monthly;
* the scaling curve: the national region, 2015–2035, at five scales (by default 7,500, 18,750,
  50,000 and 150,000 enterprises and the ``--national-scale`` run, reused), written to
  ``<out>/scaling.csv`` and ``<out>/scaling.png``, with time at 375,000 ÷ time at 50,000
  (measured when both sizes are on the curve, else extrapolated from the fitted exponent).

For every case it reports enterprise-months per second (operating enterprises summed over the
months, over the run's wall time) and the ratio of the model's monthly enterprise update to a bare
numpy kernel of the same update, both measured in the child.  The update is the time spent in
``model._produce`` and ``model._exits`` (production, finance, exit probability and draw), timed
by wrappers installed on the model instance; the kernel (:func:`kernel_month`) performs the same
operations on contiguous arrays of the same size (the mean number of operating enterprises):
agglomeration and county protection (bincounts), the AR(1) productivity draw,
the market clearing (Newton steps on the sectors' price indices), accounts and investment plans,
credit and installation of capital, exit probability and the exit draw.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.labour import next_wage
from sim.model.tax import monthly_tax_array

SMALL, LARGE = 50_000, 375_000  # acceptance c: time at 375k enterprises ÷ time at 50k <= 9
NATIONAL_ENTERPRISES = 375_000  # region.national.enterprises at scale 1
DEFAULT_SCALES = (0.02, 0.05, SMALL / NATIONAL_ENTERPRISES, 0.4)  # + the --national-scale run
QUICK_SCALES = (0.002, 0.004, 0.006, 0.008)
NATIONAL_END = "2035-12"
TARGETS = {
    "ningxia_wall_s": 0.5,
    "national_wall_s": 30.0,
    "national_peak_gib": 4.0,
    "scaling_ratio": 9.0,
    "update_over_kernel": 3.0,
}


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
    """The per-sector arrays of a model's markets (for the kernel)."""
    return {
        "sigma": model.sigma,
        "sigma_a": model.sigma_a,
        "theta": model.home_share,
        "k_cap": model.k_cap,
        "wage": model.labour.wage.copy(),
        "input_price": model.labour.input_price(model.path_month),
        "cost": model.labour.cost_index(model.path_month),
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


# --------------------------------------------------------------------------- one case (child process)
def case_params(spec: dict):
    """The validated ModelConfig of a case: ``kind`` ningxia | synthetic (``enterprises``) |
    national (``scale``), optional ``end`` (YYYY-MM)."""
    from sim.config.schema import ModelConfig
    from sim.config.validate import validate

    p = ModelConfig()
    match spec["kind"]:
        case "ningxia":
            pass
        case "synthetic":
            n = int(spec["enterprises"])
            counties = max(3, n // 1000)
            p.region.kind = "synthetic"
            s = p.region.synthetic
            s.enterprises, s.cities, s.counties_per_city = n, max(1, counties // 8), min(8, counties)
        case "national":
            p.region.kind = "national"
            p.region.national.scale = float(spec["scale"])
        case other:
            raise ValueError(f"unknown bench case kind {other!r}")
    if spec.get("end"):
        p.time.end = spec["end"]
    return validate(p)


class UpdateProbe:
    """Times the monthly enterprise update (``_produce`` + ``_exits``) of one model instance.

    Wrappers are installed as instance attributes (the model's code is untouched); the number of
    operating enterprises is counted outside the timed window.
    """

    def __init__(self, model):
        from sim.model.firms import LifeCycle

        self.seconds: list[float] = []
        self.operating: list[int] = []
        produce, exits, firms = model._produce, model._exits, model.firms

        def timed_produce():
            self.operating.append(int(np.count_nonzero(firms.state == LifeCycle.OPERATING)))
            t = time.perf_counter()
            produce()
            self.seconds.append(time.perf_counter() - t)

        def timed_exits():
            t = time.perf_counter()
            exits()
            self.seconds[-1] += time.perf_counter() - t

        model._produce, model._exits = timed_produce, timed_exits


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def measure(spec: dict) -> dict:
    """Run one case (best of ``repeats``) in this process and time its update against the kernel."""
    from sim.data import build_region
    from sim.model.model import ZoneReformModel

    rss_import = _maxrss_mib()
    params = case_params(spec)
    best = None
    for _ in range(int(spec.get("repeats", 1))):
        t0 = time.perf_counter()
        region = build_region(params)
        model = ZoneReformModel(params, region)
        t1 = time.perf_counter()
        probe = UpdateProbe(model)
        model.run()
        t2 = time.perf_counter()
        if best is None or t2 - t0 < best[0]:
            best = (t2 - t0, t1 - t0, t2 - t1, model, probe)
    wall, setup, run, model, probe = best
    months = len(probe.seconds)
    ent_months = int(sum(probe.operating))
    mean_n = ent_months / max(months, 1)
    sizes = (len(model.zones), len(model.sector_names), len(model.counties))
    path = model.spending_path[-1] * mean_n / max(len(model.firms), 1)  # spending scaled to the kernel's firms
    spend = (path * (1.0 - model.export_share), path * model.export_share)
    kernel = time_kernel(round(mean_n), sizes, spend, market_arrays(model), params)
    update = sum(probe.seconds) / max(months, 1)
    return {
        "case": spec["case"],
        "kind": spec["kind"],
        "scale": spec.get("scale"),
        "enterprises": int(region.total_firms),
        "zones": sizes[0],
        "counties": sizes[2],
        "period": f"{params.time.start}..{params.time.end}",
        "months": months,
        "setup_s": setup,
        "run_s": run,
        "wall_s": wall,
        "enterprise_months": ent_months,
        "enterprise_months_per_s": ent_months / run,
        "mean_operating": mean_n,
        "firm_rows_end": len(model.firms),
        "update_ms_per_month": 1e3 * update,
        "kernel_ms_per_month": 1e3 * kernel,
        "update_over_kernel": update / kernel,
        "rss_after_import_mib": rss_import,
        "self_peak_rss_mib": _maxrss_mib(),
    }


# --------------------------------------------------------------------------- parent side
def run_case(spec: dict) -> dict:
    """Run :func:`measure` in a fresh Python process; add its peak RSS and CPU time from ``wait4``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.runner.bench", "--child", json.dumps(spec)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"bench case {spec['case']!r} failed (exit code {proc.returncode}); see its stderr above")
    row = json.loads(out.strip().splitlines()[-1])
    row["peak_rss_mib"] = usage.ru_maxrss / 1024.0
    row["cpu_s"] = usage.ru_utime + usage.ru_stime
    row["process_s"] = time.perf_counter() - t
    return row


def scaling_ratio(curve: pd.DataFrame, small: int = SMALL, large: int = LARGE, tol: float = 0.02) -> dict:
    """Time at ``large`` enterprises ÷ time at ``small`` from a curve (columns enterprises, wall_s).

    Measured when both sizes are on the curve (within ``tol``); otherwise extrapolated as
    ``(large/small)**b``, ``b`` the log-log slope fitted to the points >= ``small`` (all points if
    fewer than two are: then ``judged`` is False, fixed costs make small sizes look sublinear).
    """
    x = curve["enterprises"].to_numpy(dtype=float)
    y = curve["wall_s"].to_numpy(dtype=float)
    use = x >= small * (1 - tol)
    if use.sum() < 2:
        use = np.ones_like(x, dtype=bool)
    b = float(np.polyfit(np.log(x[use]), np.log(y[use]), 1)[0]) if use.sum() >= 2 else float("nan")
    at = {n: np.flatnonzero(np.abs(x / n - 1) <= tol) for n in (small, large)}
    if at[small].size and at[large].size:
        return {"ratio": float(y[at[large][0]] / y[at[small][0]]), "how": "measured", "exponent": b, "judged": True}
    judged = bool((x >= small * (1 - tol)).sum() >= 2)
    how = f"extrapolated (t ~ n^{b:.2f}{'' if judged else f' from sizes below {small:,}'})"
    return {"ratio": float((large / small) ** b), "how": how, "exponent": b, "judged": judged}


def write_scaling(curve: pd.DataFrame, out: Path, ratio: dict | None = None) -> tuple[Path, Path]:
    """Write ``scaling.csv`` and ``scaling.png`` (time and cost per enterprise-month vs enterprises)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    curve = curve.sort_values("enterprises")
    csv, png = out / "scaling.csv", out / "scaling.png"
    curve.to_csv(csv, index=False)
    x, y = curve["enterprises"].to_numpy(dtype=float), curve["wall_s"].to_numpy(dtype=float)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.loglog(x, y, "o-", label="measured")
    ref = np.flatnonzero(x >= SMALL * 0.98)
    i = int(ref[0]) if ref.size else 0
    xs = np.array([x.min(), LARGE if x.max() >= SMALL * 0.98 else x.max()])
    ax1.loglog(xs, y[i] * xs / x[i], "--", color="grey", label=f"linear through {int(x[i]):,}")
    ax1.set_xlabel("enterprises at start")
    ax1.set_ylabel("wall time (s)")
    ax1.legend()
    title = "wall time vs enterprises"
    if ratio:
        title += f"\nt(375k)/t(50k) = {ratio['ratio']:.2f} ({ratio['how']}; target <= 9)"
    ax1.set_title(title, fontsize=9)
    if "enterprise_months_per_s" in curve:
        ax2.semilogx(x, 1e6 / curve["enterprise_months_per_s"].to_numpy(dtype=float), "o-")
        ax2.set_ylim(bottom=0)
    ax2.set_xlabel("enterprises at start")
    ax2.set_ylabel("µs per enterprise-month")
    ax2.set_title("cost per enterprise-month (flat = linear)", fontsize=9)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return csv, png


TABLE_COLUMNS = {
    "case": "case",
    "enterprises": "enterprises",
    "zones": "zones",
    "months": "months",
    "setup_s": "setup s",
    "run_s": "run s",
    "wall_s": "wall s",
    "process_s": "process s",
    "cpu_s": "cpu s",
    "peak_rss_mib": "peak MiB",
    "enterprise_months_per_s": "ent-months/s",
    "update_ms_per_month": "update ms/mo",
    "kernel_ms_per_month": "kernel ms/mo",
    "update_over_kernel": "update/kernel",
}


def format_table(rows: pd.DataFrame) -> str:
    t = rows[[c for c in TABLE_COLUMNS if c in rows]].rename(columns=TABLE_COLUMNS)
    fmt = {
        "setup s": "{:.2f}",
        "run s": "{:.2f}",
        "wall s": "{:.2f}",
        "process s": "{:.1f}",
        "cpu s": "{:.1f}",
        "peak MiB": "{:.0f}",
        "ent-months/s": "{:,.0f}",
        "update ms/mo": "{:.3f}",
        "kernel ms/mo": "{:.3f}",
        "update/kernel": "{:.2f}",
        "enterprises": "{:,}",
    }
    for c, f in fmt.items():
        if c in t:
            t[c] = t[c].map(f.format)
    return t.to_string(index=False)


def _progress(r: dict) -> str:
    return (
        f"{r['case']:<18} {r['enterprises']:>8,} enterprises, {r['months']} months: wall {r['wall_s']:.2f} s, "
        f"peak {r['peak_rss_mib']:.0f} MiB, {r['enterprise_months_per_s']:,.0f} ent-months/s, "
        f"update/kernel {r['update_over_kernel']:.2f}"
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "NOT MET"


def summary(cases: pd.DataFrame, curve: pd.DataFrame, ratio: dict, nat_scale: float) -> str:
    """The closing report: both tables, the two ratios and the issue's acceptance targets."""
    T = TARGETS
    nx, nat = cases.iloc[0], cases.iloc[2]
    gib = nat["peak_rss_mib"] / 1024
    head = (
        "cases (wall = region + model construction + run; process = the child's whole life; "
        "peak = child's max RSS, imports included):"
    )
    out = [
        "",
        head,
        format_table(cases),
        "",
        "scaling curve (national region, 2015-2035 monthly):",
        format_table(curve),
        "",
    ]
    out.append(
        f"time at {LARGE:,} / time at {SMALL:,} = {ratio['ratio']:.2f} ({ratio['how']}; "
        f"target <= {T['scaling_ratio']:g}; linear = {LARGE / SMALL:.1f})"
    )
    out.append(
        f"update / kernel = {nat['update_over_kernel']:.2f} (target <= {T['update_over_kernel']:g}; "
        f"{nat['case']}: {nat['update_ms_per_month']:.3f} vs {nat['kernel_ms_per_month']:.3f} ms/month "
        f"at {nat['mean_operating']:,.0f} operating enterprises)"
    )
    out += ["", "acceptance (issue 7):"]
    out.append(
        f"  a. Ningxia default run {nx['wall_s']:.2f} s wall (target <= {T['ningxia_wall_s']:g}): "
        f"{_verdict(nx['wall_s'] <= T['ningxia_wall_s'])}"
    )
    if math.isclose(nat_scale, 1.0):
        verdict = _verdict(nat["wall_s"] <= T["national_wall_s"] and gib <= T["national_peak_gib"])
    else:
        verdict = "not judged: not the full-scale run (--national-scale 1)"
    out.append(
        f"  b. {nat['case']} ({nat['enterprises']:,} enterprises), 2015-2035: {nat['wall_s']:.1f} s wall "
        f"(target <= {T['national_wall_s']:g}), peak {gib:.2f} GiB (target <= {T['national_peak_gib']:g}), "
        f"cpu {nat['cpu_s']:.1f} s in {nat['process_s']:.1f} s: {verdict}"
    )
    if ratio["judged"]:
        verdict = _verdict(ratio["ratio"] <= T["scaling_ratio"])
        verdict += "" if ratio["how"] == "measured" else " [extrapolated]"
    else:
        verdict = f"not judged: fewer than two curve sizes >= {SMALL:,}"
    out.append(f"  c. time ratio 375k/50k {ratio['ratio']:.2f} (target <= {T['scaling_ratio']:g}): {verdict}")
    out.append(
        f"  d. update / kernel {nat['update_over_kernel']:.2f} (target <= {T['update_over_kernel']:g}): "
        f"{_verdict(nat['update_over_kernel'] <= T['update_over_kernel'])}"
    )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--quick",
        action="store_true",
        help="small sizes (under ~30 s): Ningxia once, 3,000 "
        "synthetic enterprises, national scale 0.01 and a curve up to it",
    )
    ap.add_argument(
        "--national-scale",
        type=float,
        default=None,
        help="scale of the national region case (default 1.0 = 375,000 enterprises; 0.01 with --quick)",
    )
    ap.add_argument(
        "--scales",
        type=str,
        default=None,
        help="comma-separated national scales of the scaling curve (default: 0.02,0.05,0.1333,0.4 "
        "and --national-scale, whose run is reused)",
    )
    ap.add_argument("--synthetic", type=int, default=None, help="enterprises of the synthetic case (default 50000)")
    ap.add_argument("--out", type=Path, default=Path("multirun/bench"), help="folder for the CSVs and the plot")
    ap.add_argument("--child", type=str, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:  # one case, in a fresh process: print its measurements as JSON
        print(json.dumps(measure(json.loads(args.child))), flush=True)
        return

    quick = args.quick
    nat_scale = args.national_scale if args.national_scale is not None else (0.01 if quick else 1.0)
    n_synth = args.synthetic if args.synthetic is not None else (3_000 if quick else SMALL)
    if args.scales:
        scales = [float(s) for s in args.scales.split(",") if s.strip()]
    else:
        scales = [*(QUICK_SCALES if quick else DEFAULT_SCALES), nat_scale]
    scales = sorted({round(s, 6) for s in scales})
    national = {"kind": "national", "scale": nat_scale, "end": NATIONAL_END}
    cases = [
        {"case": "ningxia default", "kind": "ningxia", "repeats": 1 if quick else 3},
        {"case": f"synthetic {n_synth:,}", "kind": "synthetic", "enterprises": n_synth},
        {"case": f"national x{nat_scale:g}", **national},
    ]
    print(
        f"zonesim-bench: each case in a fresh process ({os.cpu_count()} CPUs seen; numpy threads limited to 1)",
        flush=True,
    )
    rows, extra = [], {}
    for spec in cases[:2]:
        rows.append(run_case(spec))
        print(f"  {_progress(rows[-1])}", flush=True)
    for s in scales:  # the curve before the national case: the largest run comes last
        if not math.isclose(s, nat_scale, rel_tol=1e-6):
            extra[s] = run_case({"case": f"national x{s:g}", "kind": "national", "scale": s, "end": NATIONAL_END})
            print(f"  curve: {_progress(extra[s])}", flush=True)
    rows.append(run_case(cases[2]))
    print(f"  {_progress(rows[-1])}", flush=True)
    curve_rows = [extra.get(s, rows[2]) for s in scales]
    cases_df, curve = pd.DataFrame(rows), pd.DataFrame(curve_rows).sort_values("enterprises")
    ratio = scaling_ratio(curve)
    args.out.mkdir(parents=True, exist_ok=True)
    cases_df.to_csv(args.out / "cases.csv", index=False)
    csv, png = write_scaling(curve, args.out, ratio)

    text = summary(cases_df, curve, ratio, nat_scale)
    text += f"\n\nwritten: {args.out / 'cases.csv'}, {csv}, {png}, {args.out / 'summary.txt'}"
    (args.out / "summary.txt").write_text(text.lstrip() + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
