"""The initial firm population, generated to match the region's aggregates.

Per zone: its number of above-scale firms, its share of regional output, its output per mu;
outside zones: the rest of the region's firms and output.  Firm sizes (sales) are lognormal
within a zone and scaled so that the zone's first-month output matches its share; a share
``leading_sector_share`` of a zone's firms are in its leading sectors.  Land follows output at
the zone's output per mu and is placed in the zone's blocks, largest firm first.

Markets at the start: every sector's price index is 1 (the unit of price); each firm sells its
target at its monopolistic-competition price, which sets its customer base (demand weight);
its capital is the sector's capital-output ratio times its sales, and its capacity runs at the
sector's utilisation of 2016 (NBS).

Initial finance: leverage ~ N(mean, sd) clipped at 0, age ~ exponential(mean), the owner from the
founding year (:mod:`sim.model.ownership`); the interest
coverage a firm has at the start is assumed to have held for the preceding years, so that the
zombie classification has a history from month 0 (assumed).
"""

from __future__ import annotations

import numpy as np

from sim.model.firm_accounts import classify_zombie
from sim.model.firms import agglomeration
from sim.model.kernel_cache import kernel
from sim.model.lifecycle import LifeCycle
from sim.model.market import output_year_deflator
from sim.model.streams import Stream, stream
from sim.model.tax import CARRY_FIELDS


def block_shares(n: int) -> np.ndarray:
    """Land shares of a zone's ``n`` blocks: the first block largest (weights n, n-1, …, 1; assumed)."""
    w = np.arange(n, 0, -1, dtype=float)
    return w / w.sum()


def generate(model) -> dict[str, np.ndarray]:
    """Columns of the initial firms (for :meth:`FirmTable.add`)."""
    params, region = model.params, model.region
    rng = stream(params.seed, Stream.POPULATION)
    sec = region.sectors
    sec_share = sec["output_share"].to_numpy() / sec["output_share"].sum()
    sec_opm = sec["output_per_mu"].to_numpy(dtype=float)
    n_sec = len(sec)
    cols: dict[str, list] = {k: [] for k in ("sector", "zone", "county", "block", "sales", "land")}
    zone_rows = region.zones.to_dict("records")
    free = model.block_land.copy()

    def place(n, zone_idx, county_idx, target, opm, leading, blocks):
        if n == 0:
            return
        lead = np.array(sorted(leading)) if leading else np.arange(n_sec)
        in_lead = (rng.random(n) < params.region.leading_sector_share) & bool(leading)  # outside: no leading sectors
        s = np.where(in_lead, rng.choice(lead, n), rng.choice(n_sec, n, p=sec_share))
        w = rng.lognormal(0.0, params.region.firm_size_sigma, n)
        size = target * w / w.sum()
        land = size / (opm if opm is not None else sec_opm[s])  # outside zones: the sector's output per mu
        blk = np.full(n, -1)
        if blocks:  # largest first into the block with most free land
            _fill_blocks(land, np.argsort(-land), np.array(blocks, dtype=np.int64), free, blk)
        cols["sector"].append(s)
        cols["zone"].append(np.full(n, zone_idx))
        cols["county"].append(np.broadcast_to(county_idx, n))
        cols["block"].append(blk)
        cols["sales"].append(size)
        cols["land"].append(land)

    # region.total_output describes region.output_year: the start's output is smaller by the growth of
    # the sectors' spending paths until then
    total = region.total_output / output_year_deflator(
        region.spending, list(sec["sector"]), sec_share, model.path_calendar, params.region.output_year
    )
    zones = region.zones
    for z in model.zones:
        row = zone_rows[z.index]
        if z.founded_month is not None and z.founded_month > 0:
            continue
        place(
            int(row["firms"]),
            z.index,
            model.county_index[z.county_id],
            row["output_share"] * total,
            float(row["output_per_mu"]),
            z.leading,
            [b for b in z.blocks if model.block_active[b]],
        )
    n_in = int(zones.loc[[z.founded_month is None or z.founded_month <= 0 for z in model.zones], "firms"].sum())
    n_out = max(region.total_firms - n_in, 0)
    out_share = max(1.0 - float(zones["output_share"].sum()), 0.0)
    rev = region.counties["fiscal_revenue"].to_numpy()
    county = rng.choice(len(rev), n_out, p=rev / rev.sum()) if n_out else np.zeros(0, int)
    place(n_out, -1, county, out_share * total, None, set(), [])

    cols = {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}
    n = len(cols["sector"])
    sector = cols["sector"].astype(int)
    zone = cols["zone"].astype(int)
    fp = params.firms
    log_prod = rng.normal(0.0, fp.initial_productivity_sd, n)
    age = rng.exponential(fp.initial_age_mean, n)
    if fp.productivity_age_drift:  # vintage: an incumbent starts where its age puts it (firms.update_productivity)
        log_prod = log_prod - fp.productivity_age_drift * age
    leverage = np.maximum(rng.normal(fp.initial_leverage_mean, fp.initial_leverage_sd, n), 0.0)
    kappa = sec["capital_output_ratio"].to_numpy()[sector]
    sigma = sec["substitution_elasticity"].to_numpy()[sector]
    util = sec["initial_utilisation"].to_numpy()[sector]
    # Each firm sells its target at the monopolistic-competition price p = e^(-ã) (ã = a + log G),
    # with sector price indices of 1 (the unit of price): its customer base φ follows.
    agg = agglomeration(zone, sector, np.ones(n, bool), len(model.zones), n_sec, fp.agglomeration_elasticity)
    a_eff = log_prod + np.log(agg)
    sales = cols["sales"]  # 万 yuan/year
    sector_sales = np.bincount(sector, weights=sales, minlength=n_sec)
    price = np.exp(-a_eff)
    weight = sales / sector_sales[sector] * price ** (sigma - 1.0)
    capital = kappa * sales  # capital of normal output; capacity e^ã·K/(κ·u0) runs at utilisation u0
    # the pipeline a steady replacement keeps under construction (firms.book_month's rule): δ/12 a
    # month of the capital still wanted, K·min(1, u0/u*), for build_months; without it the start
    # would wait a build time for its first completions while its capital depreciates
    building = fp.depreciation_rate / 12.0 * fp.build_months * capital * np.minimum(1.0, util / fp.target_utilisation)
    debt = leverage * capital
    # a year of the accounts firms.book_month keeps, at the start's prices (sim.model.tax): VAT on
    # sales less materials and the replacement investment's input VAT; surcharges and resource tax
    # before EBIT; income tax on the profit before it
    tp = params.tax
    materials = (1.0 - params.labour.labour_share) * (sigma - 1.0) / sigma * sales
    replacement = fp.depreciation_rate * capital * np.minimum(1.0, util / fp.target_utilisation)
    overhead = fp.fixed_cost_share * sales
    vat = np.maximum(model.vat_rate[0] * (sales - materials - overhead - replacement), 0.0)
    resource = model.resource_tax[sector] * sales
    ebit = (
        sales * (1.0 / sigma - fp.fixed_cost_share - fp.depreciation_rate * kappa) - tp.vat_surcharge * vat - resource
    )
    interest = fp.interest_rate * debt
    pretax = ebit - interest
    profit = pretax - tp.income_tax_rate * np.maximum(pretax, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        icr = np.where(interest > 0, ebit / interest, np.inf)
    k = params.zombie.consecutive_years
    low_icr = np.where(icr < params.zombie.icr_threshold, k, 0)
    loss = np.where(profit < 0, k, 0)
    # a firm with losses has made them in each of its last k years (no more years than its age):
    # carried forward (within the law's years)
    carry = {
        c: np.where((profit < 0) & (i < np.minimum(min(k, tp.loss_carry_years), np.floor(age))), -pretax, 0.0)
        for i, c in enumerate(CARRY_FIELDS)
    }
    return {
        "key": np.arange(n),
        "sector": sector,
        "zone": zone,
        "county": cols["county"].astype(int),
        "block": cols["block"].astype(int),
        "state": int(LifeCycle.OPERATING),
        "capacity": sales / price / util,
        "log_prod": log_prod,
        "capital": capital,
        "capital_wip": building,
        "plant_limit": fp.plant_headroom * capital,
        "demand_weight": weight,
        "price": price,
        "overhead": overhead,
        "quantity": sales / price,
        "capital_year_start": capital,
        "land": cols["land"].astype(float),
        "debt": debt,
        "age": age,
        "state_owned": model.ownership.incumbents(np.arange(n), age, model.path_calendar.year(0)),
        "entry_month": model.first_month,
        "output": sales / 12.0,
        "low_icr_years": low_icr,
        "loss_years": loss,
        "zombie": classify_zombie(age, low_icr, loss, params.zombie),
        **carry,
        "loss_carry": sum(carry.values()),
    }


@kernel
def _fill_blocks(land, order, blocks, free, block_of):
    """Firms in ``order`` each into the block (of ``blocks``) with most free land (lowest index on
    ties), never over its capacity (assumed data may be tight)."""
    for i in order:
        best = blocks[0]
        for b in blocks[1:]:
            if free[b] > free[best] or (free[b] == free[best] and b < best):
                best = b
        land[i] = min(land[i], free[best])
        free[best] -= land[i]
        block_of[i] = best
