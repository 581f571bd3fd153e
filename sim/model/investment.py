"""Investment arrival, location choice and homogeneous competition between zones.

* **Arrival** — projects arrive by sector as a Poisson process (``arrivals_per_1000_firms``
  per year in the sector table × the region's firms / 1,000 × ``arrival_scale``), more where the
  sector's price index ``P`` (and so its margins) is high: the rate is multiplied by
  ``(P/P*)^entry_price_elasticity`` (capped), by thinning a Poisson stream at the cap rate.  A
  month's candidate projects, and their attributes, taste draws and approval draws, come from
  that month's own random streams (by sector, in a fixed order), so they are the same in every
  scenario (common random numbers).
* **Finance** — a project borrows ``entrant_leverage`` × its capital from the credit pool
  (:mod:`sim.model.credit`) when it chooses its location; projects that find no room are
  crowded out.  Zombies' rolled-over deficits use that room first (Caballero, Hoshi & Kashyap
  2008): congestion works only through the pool.
* **Pipeline at the start** — the projects that arrived in the ``pipeline_months`` before the
  first month are already approved and under construction when the run starts; they chose their
  location at the start (with the same rule) and start production at a uniform time within that
  window.  Without them the first years would see no entries at all (an empty-pipeline
  artefact), and the 2017 state would be off its targets.
* **Location choice** — a random-utility (multinomial logit, Gumbel taste shocks) choice among
  zones with room and whose entry bar the project clears, and the outside option:
  ``U = β_agg·log(1+same-sector firms) + β_lat·E[latency]/100 + β_sub·subsidy + β_rank·rank
  + β_lead·[leading sector] + β_nat·[national] + ε``; drawn from its logit probabilities
  (:mod:`sim.model.choice_kernels`), projects in arrival order, each seeing the land and
  same-sector firms of those before it.
* **Scale and designated bases** (核准 and 基地) — a project is approved (核准) rather than filed
  (备案) when it is among the largest ``approved_share`` of its sector's projects (the catalogue
  sets its thresholds by capacity): its capital is at least the ``1 - approved_share`` quantile of
  the sector's project capital, read from the size distribution above (no draw).  In a sector
  with a designated base (zones.csv ``base_sectors``: the national layout plan puts large
  coal-chemical projects in its demonstration bases), such a project chooses among the bases of
  its sector only (no site outside zones), and as any project if none has room
  (``designated_bases``).
* **Homogeneous competition** (同质化竞争) — each year a zone counts its competitors (the other
  active zones of its rival cities, ``competition_scope``: by default its own prefecture-level city
  and the cities adjacent to it, as local competition for investment is found between neighbouring
  jurisdictions; each weighted by the overlap of leading sectors); more competitors → a higher land
  subsidy (subsidy race, paid by the county) and a lower entry bar (weaker projects admitted,
  future zombies).  Consolidation removes competitors; a yellow card raises the bar.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import RANKS
from sim.model.choice_kernels import CROWDED_OUT, Projects, Tastes, Zones, expansion_plans, fit_in_blocks, locate
from sim.model.project_scale import approval_threshold, base_matrix
from sim.model.streams import Stream, stream


class InvestmentMarket:
    """Draws the month's projects and lets each choose where to locate; learns from the approval
    times investors saw (the zones' and the outside option's expected latency)."""

    def __init__(self, model):
        self.model = model
        sec = model.region.sectors
        # projects/year: per-1,000-firm rates × the region's firms at the start
        self.rates = sec["arrivals_per_1000_firms"].to_numpy(dtype=float) * model.region.total_firms / 1000.0
        self.kappa = sec["capital_output_ratio"].to_numpy(dtype=float)
        self.opm = sec["output_per_mu"].to_numpy(dtype=float)
        f = model.firms
        n_sec = len(sec)
        cap = np.bincount(f.sector, weights=12.0 * f.output, minlength=n_sec)  # sales at the start
        cnt = np.bincount(f.sector, minlength=n_sec)
        overall = cap.sum() / max(cnt.sum(), 1)
        self.size_mean = np.where(cnt > 0, cap / np.maximum(cnt, 1), overall)
        rev = model.region.counties["fiscal_revenue"].to_numpy(dtype=float)
        self.county_p = rev / rev.sum()
        # the outside option is an aggregate of the sites outside zones in every county: McFadden's (1978)
        # size term, the log of the elemental alternatives it stands for, keeps the in-zone share the same
        # when a region is replicated (counties and zones alike)
        self.outside_size = float(np.log(len(rev)))
        self.competition_index = 0.0
        county_city = city_index(model.region.counties["city_id"])
        self.zone_city = county_city[model.zone_county]
        self.rival_cities = rival_cities(model.region, model.params.investment.competition_scope)
        self._view, self._view_key = {}, None
        self.approval_capital = approval_threshold(
            self.size_mean * self.kappa,
            model.region.sector_column("approved_share"),
            model.params.investment.project_size_sigma,
        )
        self.bases = base_matrix(model.region.zones, list(sec["sector"]))  # zones × sectors
        self.sector_has_base = self.bases.any(axis=0)
        self.outside_expected_latency = model.params.investment.prior_latency_days  # of sites outside zones
        self._latency: list[tuple[np.ndarray, np.ndarray]] = []  # (zone, calendar days) of completions

    # ------------------------------------------------------------------ expected latency
    def observe_latency(self, zone: np.ndarray, days: np.ndarray) -> None:
        """New enterprises completed their approval: ``days`` (calendar days) in ``zone`` (-1: outside)."""
        self._latency.append((np.asarray(zone), np.asarray(days)))

    def update_expected_latency(self) -> None:
        """Yearly: the zones' and the outside option's expected approval latency, exponentially
        weighted by the mean of the completions observed since the last update."""
        w = self.model.params.investment.latency_memory
        by_zone = self._latency_by_zone()
        for z in self.model.zones:
            if z.index in by_zone:
                z.expected_latency_days = w * z.expected_latency_days + (1 - w) * by_zone[z.index]
        if -1 in by_zone:
            self.outside_expected_latency = w * self.outside_expected_latency + (1 - w) * by_zone[-1]

    def _latency_by_zone(self) -> dict[int, float]:
        """Mean latency (calendar days) of the completions observed since the last call, by zone
        (-1: outside zones); forgets them."""
        if not self._latency:
            return {}
        zone = np.concatenate([z for z, _ in self._latency])
        days = np.concatenate([d for _, d in self._latency])
        self._latency.clear()
        order = np.argsort(zone, kind="stable")
        keys, first = np.unique(zone[order], return_index=True)
        return {int(z): float(np.mean(v)) for z, v in zip(keys, np.split(days[order], first[1:]))}

    # ------------------------------------------------------------------ competition
    def update_competition(self) -> None:
        """Yearly: subsidies and entry bars from the number of same-sector competitors."""
        m, p = self.model, self.model.params.investment
        zones = m.active_zones()
        idx = [z.index for z in zones]
        comps = competitors(m.zone_leading_matrix()[idx], self.zone_city[idx], self.rival_cities)
        table = m.zone_table
        table.subsidy[idx] = np.minimum(p.max_subsidy, p.base_subsidy + p.subsidy_per_competitor * comps)
        raise_ = np.where(table.carded_this_year[idx], m.params.policy.assessment.yellow_card_bar_raise, 0.0)
        table.entry_bar[idx] = p.base_entry_bar - p.bar_cut_per_competitor * comps + raise_
        self.competition_index = float(np.mean(comps)) if zones else 0.0

    # ------------------------------------------------------------------ arrivals
    def arrivals(self) -> None:
        """This month's projects: drawn by sector, located, and sent to approval."""
        m = self.model
        rng = stream(m.params.seed, Stream.ARRIVALS, m.month)
        p = m.params.investment
        counts = rng.poisson(self.rates * p.arrival_scale * p.entry_max_multiplier / 12.0)
        if counts.sum() == 0:
            return
        keys, projects = self._locate(counts, stream(m.params.seed, Stream.PROJECT, m.month), borrow=True)
        draws = approval_draws(
            stream(m.params.seed, Stream.APPROVAL, m.month), keys.size, m.approval.n_items, m.params.approval
        )
        financed = projects.pop("arrived") & (projects["zone"] != CROWDED_OUT)
        if financed.any():
            m.create_projects(
                keys[financed],
                {d: v[financed] for d, v in draws.items()},
                **{c: v[financed] for c, v in projects.items()},
            )

    def seed_pipeline(self) -> None:
        """Projects already approved and under construction at the start (see the module docstring)."""
        m = self.model
        p = m.params.investment
        if p.pipeline_months <= 0:
            return
        rng = stream(m.params.seed, Stream.PIPELINE)
        counts = rng.poisson(self.rates * p.arrival_scale * p.entry_max_multiplier / 12.0 * p.pipeline_months)
        if counts.sum() == 0:
            return
        keys, projects = self._locate(counts, rng, borrow=False)
        starts_at = m.time + rng.uniform(0.0, p.pipeline_months, keys.size)  # from now
        financed = projects.pop("arrived") & (projects["zone"] != CROWDED_OUT)
        if financed.any():
            m.create_pipeline_projects(
                keys[financed], starts_at[financed], **{c: v[financed] for c, v in projects.items()}
            )

    def _locate(self, counts: np.ndarray, rng: np.random.Generator, borrow: bool) -> tuple[np.ndarray, dict]:
        """Draw the candidate projects' attributes (sector by sector, in key order); keep those that
        the sector's prices attract (``arrived``); with ``borrow``, let them borrow from the credit
        pool in arrival order; let each financed one choose a zone or the outside option.

        Returns their keys and the columns of ``create_projects`` (``zone`` = index, -1 outside,
        ``CROWDED_OUT`` for projects that did not arrive or found no credit) and ``arrived``.
        """
        m = self.model
        p = m.params.investment
        n = int(counts.sum())
        keys = m.next_keys(n)
        sector = np.repeat(np.arange(len(counts)), counts)
        size = self.size_mean[sector] * rng.lognormal(-(p.project_size_sigma**2) / 2, p.project_size_sigma, n)
        quality = rng.normal(0.0, p.project_quality_sd, n)
        u_entry = rng.random(n)
        home = np.minimum(
            np.searchsorted(np.cumsum(self.county_p), rng.random(n), side="right"), len(self.county_p) - 1
        )
        u = rng.random(n)
        land = size / self.opm[sector]
        p_star = m.p_star[sector]
        price = np.where(np.isnan(m.sector_price[sector]), p_star, m.sector_price[sector])
        pull = np.minimum((price / p_star) ** p.entry_price_elasticity, p.entry_max_multiplier)
        arrived = u_entry * p.entry_max_multiplier < pull
        crowded = ~arrived
        pool = m.credit_pool_of(home, sector)  # a project borrows from its home county's (or sector's) banks
        if borrow and arrived.any():
            amount = m.params.firms.entrant_leverage * size * self.kappa[sector]
            # first come first served, each needing its loan and, under capacity replacement, its quota
            at = np.flatnonzero(arrived)
            capital = size[at] * self.kappa[sector[at]]
            short = np.zeros(at.size, dtype=bool)
            ok = m.credit.grant_in_order(
                pool[at], amount[at], "projects", m.capacity.budget(sector[at], capital), short
            )
            m.capacity.count_granted(sector[at], capital, ok, short, "projects")
            crowded[at[~ok]] = True
            m.projects_crowded_out += int((~ok & ~short).sum())

        n_z = len(m.zones)
        v = self._zone_view()
        u_out = self.outside_size + p.outside_utility + p.beta_latency * self.outside_expected_latency / 100
        block_free = m.block_free_land()
        zone, block = np.empty(n, np.int64), np.empty(n, np.int64)
        capital = size * self.kappa[sector]
        based = p.designated_bases & (capital >= self.approval_capital[sector]) & self.sector_has_base[sector]
        locate(
            Projects(sector, land, quality, crowded, u, based),
            Zones(
                v["base_u"],
                v["active"],
                v["entry_bar"],
                m.zone_leading_matrix(),
                m.zone_sector_counts(),
                v["block_ptr"],
                v["blocks"],
                block_free,
                m.block_active,
                self.bases,
            ),
            Tastes(float(u_out), float(p.beta_agglomeration), float(p.beta_leading)),
            zone,
            block,
        )
        subsidy = v["subsidy"]

        inside = zone >= 0
        county = np.where(inside, m.zone_county[np.maximum(zone, 0)] if n_z else 0, home)
        paid = np.where(inside, subsidy[np.maximum(zone, 0)] if n_z else 0.0, 0.0) * p.land_price * land
        m.subsidy_month += float(paid.sum())
        return keys, dict(
            sector=sector,
            zone=zone,
            block=block,
            county=county,
            credit_pool=pool,
            size=size,
            quality=quality,
            capital=capital,
            land=land,
            arrived=arrived,
        )

    def expansions(self, rows: np.ndarray, beyond: np.ndarray) -> None:
        """Operating firms ``rows`` whose desired capital exceeds what their land holds by ``beyond``
        (万 yuan) file a new plant when the excess reaches ``expansion_min_share`` of their capital
        and none is under way: it needs land in the firm's own block (at the density of its plant;
        outside zones, county land), a loan from the credit pool (``entrant_leverage``), and the
        approval pipeline like a new project; the built plant is installed into the firm
        (:meth:`~sim.model.model.ZoneReformModel.install_expansions`)."""
        m = self.model
        f, fp = m.firms, m.params.firms
        rows, extra, land = expansion_plans(
            rows, beyond, f.capital, f.expanding, f.land, f.plant_limit, fp.expansion_min_share, fp.plant_headroom
        )
        if rows.size == 0:
            return
        fits = fit_in_blocks(f.block[rows].astype(np.int64), land, m.block_free_land())
        m.expansions_blocked_month += int((~fits).sum())
        rows, extra, land = rows[fits], extra[fits], land[fits]
        short = np.zeros(rows.size, dtype=bool)  # capacity replacement: a plant needs quota as well as a loan
        ok = m.credit.grant_in_order(
            f.credit_pool[rows],
            fp.entrant_leverage * extra,
            "expansions",
            m.capacity.budget(f.sector[rows], extra),
            short,
        )
        m.capacity.count_granted(f.sector[rows], extra, ok, short, "expansions")
        m.expansions_refused_month += int((~ok & ~short).sum())
        rows, extra, land = rows[ok], extra[ok], land[ok]
        if rows.size == 0:
            return
        draws = approval_draws(
            stream(m.params.seed, Stream.EXPANSION, m.month), rows.size, m.approval.n_items, m.params.approval
        )
        m.create_expansions(rows, extra, land, draws)

    def _zone_view(self) -> dict[str, np.ndarray]:
        """The zones as the location choice sees them: utility without the project's own terms,
        active, entry bar, subsidy, blocks.  These change only with a zone change (the model's
        ``zone_version``) or at the year end, so the arrays are rebuilt only then."""
        m, p = self.model, self.model.params.investment
        key = (m.zone_version, m.calendar.year(m.month))
        if self._view_key == key:
            return self._view
        zones, table = m.zones, m.zone_table
        lat = table.expected_latency_days.copy()
        rank = np.array([RANKS.index(z.body.rank) for z in zones], dtype=float)
        national = np.array([z.level == "national" for z in zones], dtype=float)  # MOFCOM downgrades change it
        subsidy = table.subsidy.copy()
        self._view = {
            "base_u": p.beta_latency * lat / 100
            + p.beta_subsidy * subsidy
            + p.beta_rank * rank
            + p.beta_national * national,
            "subsidy": subsidy,
            "active": table.active(),
            "entry_bar": table.entry_bar.copy(),
            "block_ptr": np.concatenate([[0], np.cumsum([len(z.blocks) for z in zones])]).astype(np.int64),
            "blocks": np.array([b for z in zones for b in z.blocks], dtype=np.int64),
        }
        self._view_key = key
        return self._view


def rival_cities(region, scope: str) -> np.ndarray:
    """Which cities' zones compete with a zone of each city (cities × cities, 0/1, cities in the
    order of their first county): all of them (``region``), its own (``city``), or its own and
    those with a county adjacent to one of its counties (``adjacent_cities``)."""
    county_city = city_index(region.counties["city_id"])
    n = int(county_city.max()) + 1
    if scope == "region":
        return np.ones((n, n))
    rivals = np.eye(n)
    if scope == "adjacent_cities":
        row = dict(zip(region.counties["county_id"], range(len(county_city))))
        a = county_city[[row[c] for c in region.adjacency["county_a"]]]
        b = county_city[[row[c] for c in region.adjacency["county_b"]]]
        rivals[a, b] = rivals[b, a] = 1.0
    return rivals


def city_index(city_ids) -> np.ndarray:
    """Each county's city as an index (cities numbered in the order of their first county)."""
    cities = {c: i for i, c in enumerate(dict.fromkeys(city_ids))}
    return np.array([cities[c] for c in city_ids], dtype=np.int64)


def competitors(lead: np.ndarray, city: np.ndarray, rival_cities: np.ndarray) -> np.ndarray:
    """Each zone's competitors: the other zones of its rival cities, each weighted by the share of
    the zone's leading sectors it shares, ``Σ_y |L_z ∩ L_y| / |L_z|`` (``lead``: zones × sectors 0/1;
    ``city``: each zone's city)."""
    n_lead = lead.sum(axis=1)
    by_city = np.zeros((rival_cities.shape[0], lead.shape[1]))
    np.add.at(by_city, city, lead)  # leading sectors summed over each city's zones
    # Σ_y L_y over the zones of the rival cities, the zone itself included: L_z · that − |L_z|
    shared = (lead * (rival_cities @ by_city)[city]).sum(axis=1) - n_lead
    return shared / np.maximum(n_lead, 1.0)


def approval_draws(rng: np.random.Generator, n: int, n_items: int, p) -> dict[str, np.ndarray]:
    """Projects' own draws for every catalogue item (rows: projects; ``p`` the ApprovalConfig):
    whether an item is needed, preparation and office-effort multipliers (mean 1) and rework.  (An
    enterprise project's stream follows its scale, :meth:`~sim.model.approval.ApprovalSystem.streams_of`.)"""

    def lognormal(cv):
        s2 = np.log1p(cv**2)
        return rng.lognormal(-s2 / 2, np.sqrt(s2), (n, n_items)) if cv > 0 else np.ones((n, n_items))

    shape = 1 / p.service_cv**2 if p.service_cv > 0 else None
    return {
        "needs": rng.random((n, n_items)),
        "prep": lognormal(p.prep_cv),
        "effort": rng.gamma(shape, 1 / shape, (n, n_items)) if shape else np.ones((n, n_items)),
        "rework": rng.random((n, n_items)),
    }
