"""Investment arrival, location choice and homogeneous competition between zones.

* **Arrival** — projects arrive by sector as a Poisson process (``arrivals_per_1000_firms``
  per year in the sector table × the region's firms / 1,000 × ``arrival_scale``); arrivals and each project's attributes come from
  their own random streams, so they are the same in every scenario (common random numbers).
  Zombies congest credit (Caballero, Hoshi & Kashyap 2008): a share ``zombie_congestion`` ×
  the zombies' share of assets of the arriving projects never get financed.
* **Pipeline at the start** — the projects that arrived in the ``pipeline_months`` before the
  first month are already approved and under construction when the run starts; they chose their
  location at the start (with the same rule) and start production at a uniform time within that
  window.  Without them the first years would see no entries at all (an empty-pipeline
  artefact), and the 2017 state would be off its targets.
* **Location choice** — a random-utility (multinomial logit, Gumbel taste shocks) choice among
  zones with room and whose entry bar the project clears, and the outside option:
  ``U = β_agg·log(1+same-sector firms) + β_lat·E[latency]/100 + β_sub·subsidy + β_rank·rank
  + β_lead·[leading sector] + β_nat·[national] + ε``.
* **Homogeneous competition** (同质化竞争) — each year a zone counts its competitors (other
  active zones weighted by the overlap of leading sectors); more competitors → a higher land
  subsidy (subsidy race, paid by the county) and a lower entry bar (weaker projects admitted,
  future zombies).  Consolidation removes competitors; a yellow card raises the bar.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import RANKS
from sim.model.streams import Stream, stream


class InvestmentMarket:
    """Draws the month's projects and lets each choose where to locate."""

    def __init__(self, model):
        self.model = model
        sec = model.region.sectors
        # projects/year: per-1,000-firm rates × the region's firms at the start
        self.rates = sec["arrivals_per_1000_firms"].to_numpy(dtype=float) * model.region.total_firms / 1000.0
        self.kappa = sec["capital_output_ratio"].to_numpy(dtype=float)
        self.opm = sec["output_per_mu"].to_numpy(dtype=float)
        f = model.firms
        n_sec = len(sec)
        cap = np.bincount(f.sector, weights=f.capacity, minlength=n_sec)
        cnt = np.bincount(f.sector, minlength=n_sec)
        overall = cap.sum() / max(cnt.sum(), 1)
        self.size_mean = np.where(cnt > 0, cap / np.maximum(cnt, 1), overall)
        rev = model.region.counties["fiscal_revenue"].to_numpy(dtype=float)
        self.county_p = rev / rev.sum()
        self.competition_index = 0.0

    # ------------------------------------------------------------------ competition
    def update_competition(self) -> None:
        """Yearly: subsidies and entry bars from the number of same-sector competitors."""
        m, p = self.model, self.model.params.investment
        zones = m.active_zones()
        comps = []
        for z in zones:
            c = sum(len(z.leading & y.leading) / max(len(z.leading), 1) for y in zones if y is not z)
            comps.append(c)
            z.subsidy = min(p.max_subsidy, p.base_subsidy + p.subsidy_per_competitor * c)
            raise_ = m.params.policy.assessment.yellow_card_bar_raise if z.carded_this_year else 0.0
            z.entry_bar = p.base_entry_bar - p.bar_cut_per_competitor * c + raise_
        self.competition_index = float(np.mean(comps)) if comps else 0.0

    # ------------------------------------------------------------------ arrivals
    def arrivals(self) -> None:
        """This month's projects: drawn by sector, located, and sent to approval."""
        m = self.model
        rng = stream(m.params.seed, Stream.ARRIVALS, m.month)
        counts = rng.poisson(self.rates * m.params.investment.arrival_scale / 12.0)
        projects = self._collect(self._locate(counts))
        if projects:
            keys = projects.pop("key")
            draws = [m.approval_draws(key) for key in keys]
            m.create_projects(keys, {d: np.array([x[d] for x in draws]) for d in draws[0]}, **projects)

    @staticmethod
    def _collect(located) -> dict:
        rows = [dict(key=key, **p) for key, p in located]
        if not rows:
            return {}
        out = {c: np.array([r[c] for r in rows]) for c in rows[0] if c != "zone"}
        out["zone"] = np.array([r["zone"].index if r["zone"] is not None else -1 for r in rows], dtype=np.int64)
        return out

    def seed_pipeline(self) -> None:
        """Projects already approved and under construction at the start (see the module docstring)."""
        m = self.model
        p = m.params.investment
        if p.pipeline_months <= 0:
            return
        rng = stream(m.params.seed, Stream.PIPELINE)
        counts = rng.poisson(self.rates * p.arrival_scale / 12.0 * p.pipeline_months)
        projects = self._collect(self._locate(counts))
        if projects:
            keys = projects.pop("key")
            starts_at = np.array([stream(m.params.seed, Stream.PIPELINE, key).uniform(0.0, p.pipeline_months)
                                  for key in keys])
            m.create_pipeline_projects(keys, starts_at, **projects)

    def _locate(self, counts: np.ndarray):
        """Draw each project's attributes and let it choose a zone (or the outside option).

        Yields ``(key, project)`` with the keyword arguments of ``create_project``; projects
        crowded out by zombie credit are counted and dropped.
        """
        m = self.model
        p = m.params.investment
        if counts.sum() == 0:
            return
        zones = m.zones
        n_z = len(zones)
        active = np.array([z.active for z in zones])
        block_free = m.block_free_land()
        free = m.zone_free_land(block_free)
        same = m.zone_sector_counts()  # (zones, sectors)
        lat = np.array([z.expected_latency_days for z in zones])
        rank = np.array([RANKS.index(z.body.rank) for z in zones], dtype=float)
        national = np.array([z.level == "national" for z in zones], dtype=float)
        subsidy = np.array([z.subsidy for z in zones])
        bar = np.array([z.entry_bar for z in zones])
        lead = m.zone_leading_matrix()
        base_u = p.beta_latency * lat / 100 + p.beta_subsidy * subsidy + p.beta_rank * rank + p.beta_national * national
        zombie_assets = m.zombie_asset_share()
        for s in np.repeat(np.arange(len(counts)), counts):
            key = m.next_key()
            r = stream(m.params.seed, Stream.PROJECT, key)
            size = self.size_mean[s] * r.lognormal(-p.project_size_sigma**2 / 2, p.project_size_sigma)
            quality = r.normal(0.0, p.project_quality_sd)
            congested = r.random() < p.zombie_congestion * zombie_assets
            home = r.choice(len(self.county_p), p=self.county_p)
            eps = r.gumbel(size=n_z + 1)
            if congested:
                m.projects_crowded_out += 1
                continue
            land = size / self.opm[s]
            ok = active & (free >= land) & (quality >= bar)
            u = base_u + p.beta_agglomeration * np.log1p(same[:, s]) + p.beta_leading * lead[:, s] + eps[:n_z]
            u = np.where(ok, u, -np.inf)
            u_out = p.outside_utility + p.beta_latency * m.outside_expected_latency / 100 + eps[n_z]
            best = int(np.argmax(u)) if n_z else -1
            block = -1
            if n_z and u[best] > u_out:
                zone = zones[best]
                block = max((b for b in zone.blocks if m.block_active[b]), key=lambda b: (block_free[b], -b))
                block_free[block] -= land
                free[best] = max(block_free[b] for b in zone.blocks if m.block_active[b])
                same[best, s] += 1
                county = m.county_index[zone.county_id]
                m.counties[county].subsidy_spending += zone.subsidy * p.land_price * land
                m.subsidy_month += zone.subsidy * p.land_price * land
            else:
                zone, county = None, int(home)
            yield key, dict(sector=s, zone=zone, block=block, county=county, capacity=size, quality=quality,
                            capital=size * self.kappa[s], land=land)
