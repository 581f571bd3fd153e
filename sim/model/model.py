"""ZoneReformModel: development zones, their enterprises and counties under reform.

One Mesa time unit is one month.  ``step()`` runs the month's phases in this order:

1. policies' monthly hooks (zones founded, consolidation on its date, regional assessments commissioned,
   the reformed approval process adopted),
2. markets, production, finance and investment of operating firms (array operations): every
   sector's market clears (CES demand inside an Armington split, :mod:`sim.model.market`),
   firms book the month, hire (:mod:`sim.model.labour`) and borrow from the credit pool
   (:mod:`sim.model.credit`), capital is installed and depreciates, and the sectors' wages move
   towards clearing their labour markets,
3. land held back since a liquidation let again, idle land taken back (国土资源部令第53号,
   :mod:`sim.model.land`), exits (insolvency under the soft budget constraint, disposal), debt
   written off, land returned to zones,
4. investment arrival and location choice; financed projects apply for approval,
5. the month's records; in December: yearly accounts, zombie status, competition, assessment.

Before the phases, the approval pipeline runs its events (item arrivals at offices, stage ends
and starts, at their own times since the last step) up to the step's time, and projects under
construction at the start that are due begin production (:meth:`_advance_pipeline`).
The model does no file I/O and knows nothing of Hydra: it takes a validated
:class:`~sim.config.schema.ModelConfig` and a :class:`~sim.data.region.RegionData`.
"""

from __future__ import annotations

from collections import deque
from functools import partial

import mesa
import numpy as np

from sim.config.schema import ModelConfig
from sim.data.region import RegionData
from sim.model.agents import County, Enterprises, ManagementBody, Zone, ZoneStatus
from sim.model.aggregates import ZoneAggregates
from sim.model.approval import ApprovalSystem, Office, OfficePool
from sim.model.calendar import Calendar, Clock
from sim.model.capacity import CapacityReplacement
from sim.model.credit import CreditPool
from sim.model.firms import (
    DisposalPath,
    FirmTable,
    LifeCycle,
    agglomeration_of_rows,
    book_month,
    close_year,
    exit_draws,
    install_capital,
    reset_year_accounts,
    site_cluster,
    update_productivity,
)
from sim.model.government import GovernmentProjects
from sim.model.investment import InvestmentMarket
from sim.model.labour import LabourMarkets
from sim.model.land import LandLedger
from sim.model.market import clear_markets, spending_index
from sim.model.metrics import Recorder
from sim.model.policies import PolicySet
from sim.model.population import block_shares, generate
from sim.model.streams import Stream, stream
from sim.model.tax import close_tax_year, local_vat_shares, monthly_tax_array, vat_rates

#: the monthly series the Mesa DataCollector mirrors (columns of the ``monthly`` table; units there)
DATACOLLECTOR_SERIES = (
    "date",
    "output",
    "output_real",
    "firms",
    "firms_in_zones",
    "in_zone_output_share",
    "zombies",
    "zombie_share",
    "entries",
    "exits",
    "zombie_exits",
    "projects",
    "investment",
    "credit_outstanding",
    "approvals_completed",
    "approval_wd_mean",
    "approval_gov_wd_mean",
    "output_per_mu",
    "zones",
    "bodies",
)


class ZoneReformModel(ZoneAggregates, mesa.Model):
    """Agent-based model of development-zone reform (Ningxia 2018–2020 by default).

    Built from a validated :class:`~sim.config.schema.ModelConfig` and its region
    (``ZoneReformModel(params, region)``: what the runner does), or, as Mesa's ``batch_run`` and
    other keyword callers build models, from keyword parameters on top of the ``baseline``
    defaults: ``ZoneReformModel(rng=3, **{"policy.devolution.powers": 20})`` (dotted keys, checked
    and validated as :func:`sim.config.validate.from_values` does; ``rng`` an integer seed, a
    numpy Generator to draw one from, or None for a fresh one; the region is then read by
    :func:`sim.data.build_region`).  ``datacollector`` mirrors :data:`DATACOLLECTOR_SERIES` of the
    monthly series, one row per month from the start; ``running`` turns False after ``time.end``.
    Merged and abolished zones leave ``model.agents`` and stay in ``model.zones`` with their status.

    The recorder only observes: what the dynamics learn from the past lives in the model (the
    market's expected latencies, the zones' ``last_output``), so a model whose
    :attr:`recorder_class` records nothing follows the same path.
    """

    #: what records the run (made with the model, before the spin-up); it reads the model's state
    recorder_class = Recorder

    def __init__(self, params: ModelConfig | None = None, region: RegionData | None = None, *, rng=None, **values):
        if params is None:
            from sim.config.validate import from_values
            from sim.data import build_region  # the data layer reads the region's files, not the model

            params = from_values(values, seed=_seed_of(rng))
            region = region if region is not None else build_region(params)
        elif values or rng is not None:
            raise TypeError("ZoneReformModel takes a ModelConfig or keyword parameters (with rng), not both")
        if region is None:
            raise TypeError(
                "ZoneReformModel(params, region): the region of a ModelConfig must be given "
                "(sim.data.build_region(params))"
            )
        if region.total_firms is None or region.total_output is None:
            raise ValueError("region.total_firms and region.total_output must be set (see sim.data.build_region)")
        super().__init__(rng=params.seed)
        self.params = params
        self.region = region
        self.zone_version = 0  # a new version with every zone change (:meth:`log_zone_event`)
        self.calendar = Calendar.from_config(params.time)
        # the spin-up: months -12·spinup_years .. -1, simulated and not recorded (:meth:`_spin_up`);
        # month 0 is time.start.  The month is the clock; Mesa's time, which the approval pipeline
        # runs on, is read from it by self.clock (sim.model.calendar.Clock)
        self.first_month = -12 * params.time.spinup_years
        self.month = self.first_month
        self.clock = Clock(self.first_month)
        self.path_calendar = self.calendar.from_month(self.first_month)  # the spending paths' months: all simulated
        sec = region.sectors.reset_index(drop=True)
        self.sector_names = list(sec["sector"])
        self.office_pool = OfficePool()
        self.sigma = sec["substitution_elasticity"].to_numpy(dtype=float)
        self.sigma_a = sec["armington_elasticity"].to_numpy(dtype=float)
        self.export_share = sec["export_share"].to_numpy(dtype=float)
        self.home_share = sec["local_home_share"].to_numpy(dtype=float)
        self.kappa = sec["capital_output_ratio"].to_numpy(dtype=float)
        self.k_cap = self.kappa * sec["initial_utilisation"].to_numpy(dtype=float)  # capital per unit of capacity
        self.resource_tax = region.sector_column("resource_tax_rate")  # share of sales
        self.vat_rate = vat_rates(self.calendar, params.tax)  # the general VAT rate of each month
        self.local_vat_share = local_vat_shares(self.calendar, params.tax)  # of it, what local governments keep
        n_sec = len(sec)
        self.sector_price = np.ones(n_sec)  # price index P_s: 1 at the start (the unit of price)
        self.sector_spending = np.zeros(n_sec)  # E_s: spending on the region's producers, 万 yuan/year
        self._build_counties()
        self._build_zones()
        # month (model time) from which a zone's regional-assessment item (by its order) is done zone-wide
        n_orders = max(int(region.items["ra_order"].max()), params.policy.devolution.regional_assessment_items) + 1
        self.zone_ra_time = np.full((len(self.zones), n_orders), np.inf)
        self.firms = FirmTable(capacity=2 * region.total_firms + 1024)
        self.enterprises = Enterprises(self)  # Mesa agents of the firm table's rows, made on first use
        self.land = LandLedger(self)  # every block's approved land, unsupplied until firms hold it
        self.capacity = CapacityReplacement(self, params.capacity)  # 产能置换 in the sectors it covers
        rows = self.firms.add(**generate(self))
        self.capacity.on_month()  # in force from the start: the initial firms (and the pipeline) licensed
        self.land.open_balance(rows)
        self.firms.credit_pool[rows] = self.credit_pool_of(self.firms.county[rows], self.firms.sector[rows])
        self._firms_per_county = np.bincount(self.firms.county, minlength=len(self.counties))  # offices' sizes
        self._next_key = len(rows)
        # sector spending paths at P = P*: the first month's sales times the trends (spending.csv; before
        # its first year at its first year's rates), from the first month of the spin-up
        start_sales = np.bincount(self.firms.sector[rows], weights=12.0 * self.firms.output[rows], minlength=n_sec)
        trend = spending_index(region.spending, self.sector_names, self.path_calendar)  # volume
        star = spending_index(region.spending, self.sector_names, self.path_calendar, "price_growth")
        self.spending_path = start_sales[None, :] * trend * star
        # the rest of China's price of each sector's varieties, and the sectors' input prices, by month
        self.p_star_path = params.market.rest_of_china_price * star
        input_prices = spending_index(region.spending, self.sector_names, self.path_calendar, "input_price_growth")
        self.sector_spending = self.spending_path[0].copy()
        self.labour = LabourMarkets(trend, params.labour, input_prices)  # labour supply follows the volume trends
        self.sector_shifter = self.spending_path[0] * self.p_star_path[0] ** (self.sigma - 1.0)
        self.policies = PolicySet.build(self)
        self.approval = ApprovalSystem(self, self.office_pool)
        self.government = GovernmentProjects(self)  # government-investment projects: they load the offices
        for county in self.counties:
            self.approval.county_offices[county.county_id] = Office(
                f"county:{county.county_id}",
                "county",
                self.staffing("county", county),
                params.approval.background_load,
                self.office_pool,
            )
        for city in sorted({c.city_id for c in self.counties}):
            self.approval.city_offices[city] = Office(
                f"city:{city}", "city", self.staffing("city", city), params.approval.background_load, self.office_pool
            )
        self._pipeline_rows = np.zeros(0, dtype=np.int64)  # projects under construction at the start
        self._pipeline_starts = np.zeros(0)  # ... and when each starts production (months)
        self.market = InvestmentMarket(self)
        self.market.update_competition()
        self._reset_month_counters()
        self.market.seed_pipeline()  # pre-start projects: not counted in the first month's records
        f = self.firms
        held = f.state != LifeCycle.EXITED
        n_pools = {"county": len(self.counties), "sector": n_sec}.get(params.credit.scope, 1)
        self.credit = CreditPool(
            np.bincount(f.credit_pool[held], weights=f.debt[held], minlength=n_pools), params.credit
        )
        self.credit.take_month()
        self._reset_month_counters()
        self.recorder = self.recorder_class(self)
        self.zone_history: deque = deque(maxlen=params.policy.consolidation.lookback_months)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(ZoneReformModel.monthly_value, name=name) for name in DATACOLLECTOR_SERIES}
        )
        self._spin_up()

    def _spin_up(self) -> None:
        """Simulate the spin-up months (``time.spinup_years`` before the start) and forget their
        records, so that the run starts at month 0 from a state the model's own dynamics made:
        firms' debt, ages, zombie histories and customer bases, the offices' queues and the
        projects in the pipeline.  The population is generated at the first month, its sales at the
        spending paths' level then; spending and labour supply follow their trends from there
        (:attr:`path_month`); tax rates are the start month's (:attr:`dated_month`); no policy
        dated from the start on has begun."""
        while self.month < 0 and self.running:
            self.step()
        self.recorder.forget()
        self.office_pool.reset_statistics()
        self.steps = 0  # Mesa's step count: months since the start (as max_steps of mesa.batch_run reads it)

    @property
    def p_star(self) -> np.ndarray:
        """The rest of China's price of each sector's varieties this month (``market.rest_of_china_price``
        times the sector's national price path since the first simulated month)."""
        return self.p_star_path[self.path_month]

    @property
    def path_month(self) -> int:
        """Row of the spending and labour-supply paths, which run from the first month of the spin-up."""
        return self.month - self.first_month

    @property
    def dated_month(self) -> int:
        """The month of the horizon whose dated conditions apply now: the start's during the spin-up."""
        return max(self.month, 0)

    # ------------------------------------------------------------------ construction
    def _build_counties(self) -> None:
        r = self.region
        nb: dict[str, set] = {c: set() for c in r.counties["county_id"]}
        for a, b in zip(r.adjacency["county_a"], r.adjacency["county_b"]):
            nb[a].add(b)
            nb[b].add(a)
        self.counties = [
            County(self, i, row, nb[row.county_id]) for i, row in enumerate(r.counties.itertuples(index=False))
        ]
        self.counties_by_id = {c.county_id: c for c in self.counties}
        self.county_index = {c.county_id: c.index for c in self.counties}
        self.county_ids = [c.county_id for c in self.counties]

    def _build_zones(self) -> None:
        zones = self.region.zones.reset_index(drop=True)
        self.bodies: dict[str, ManagementBody] = {}
        land, owner = [], []
        self.zones: list[Zone] = []
        sector_ix = {s: i for i, s in enumerate(self.sector_names)}
        for i, row in enumerate(zones.itertuples(index=False)):
            founded = self.calendar.index(row.founded, f"zones.csv row {i + 2} founded") if row.founded else None
            body = self.bodies.get(row.body_id)
            if body is None:
                body = ManagementBody(
                    row.body_id,
                    row.rank,
                    Office(f"zone:{row.body_id}", "zone", 1, 0.0, self.office_pool),
                    row.county_id,
                    "region" if row.level == "national" else "city/county",
                )
                self.bodies[row.body_id] = body
            blocks = list(range(len(land), len(land) + int(row.blocks)))
            land += list(float(row.land_mu) * block_shares(int(row.blocks)))
            owner += [i] * int(row.blocks)
            lead = {sector_ix[s] for s in str(row.leading_sectors).split(";") if s}
            z = Zone(self, i, row, body, blocks, lead)
            z.founded_month = founded
            if founded is not None and founded > 0:
                z.status = ZoneStatus.PLANNED
            else:
                body.zones.add(z)
            self.zones.append(z)
        self.zone_leading = np.zeros((len(self.zones), len(self.sector_names)))  # fixed over a run
        for z in self.zones:
            self.zone_leading[z.index, list(z.leading)] = 1.0
        self._planned = [z for z in self.zones if z.status == ZoneStatus.PLANNED]  # zones founded later
        self.zone_county = np.array([self.county_index[z.county_id] for z in self.zones], dtype=np.int64)
        self.block_land = np.array(land, dtype=float)
        self.block_zone = np.array(owner, dtype=int)
        self.block_zone_start = self.block_zone.copy()  # each block's zone as built (planned zones' too): never changes
        self.block_active = np.array([self.zones[o].status == ZoneStatus.ACTIVE for o in owner], dtype=bool)
        for body in self.bodies.values():
            body.active = bool(body.zones)
            body.office.set_staff(self.params.bodies.approval_staff[body.rank], 0.0)

    def staffing(self, level: str, where) -> int:
        """Approval staff of a government office, sized to the firms it serves at the start."""
        p = self.params.approval
        f = self.firms
        per_county = self._firms_per_county  # offices are sized once, to the firms at the start
        match level:
            case "region":
                n, per = len(f), p.region_staff_per_100_firms
            case "city":
                n = int(sum(per_county[c.index] for c in self.counties if c.city_id == where))
                per = p.city_staff_per_100_firms
            case "county":
                n, per = int(per_county[where.index]), p.county_staff_per_100_firms
            case other:
                raise ValueError(f"unknown office level {other!r}")
        return max(p.min_office_staff, int(round(per * n / 100)))

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month, in the phase order of the module docstring; nothing once the horizon
        (``time.end``) is done (``running`` is False), whoever calls it (Mesa's step loop, a dashboard)."""
        if not self.running:
            return
        self.capacity.on_month()  # licences, in the month capacity replacement comes into force
        self._advance_pipeline()
        for policy in self.policies:
            policy.on_month()
        self._found_zones()
        self._produce()
        self._exits()
        self.market.arrivals()
        self.government.arrivals()
        if self.policies.consolidation.pending:  # the track record its rules will read
            self.zone_history.append(
                (
                    self.zone_annual_output(),
                    self.zone_operating_land(),
                    self.zone_firm_counts(),
                    self.region_annual_output(),
                )
            )
        year_end = self.calendar.is_year_end(self.month)
        if year_end:
            self._close_year()
        self.credit_month = self.credit.take_month()  # the month's credit flows (the recorder reads them)
        self.recorder.record_month()
        if self.month >= 0:
            self.datacollector.collect(self)
        self._reset_month_counters()  # events until the next step count for the next month
        if year_end:
            for policy in self.policies:
                policy.on_year_end()
            self.market.update_competition()
            self.recorder.record_year()
            self._learn_from_year()
            f = self.firms
            for col in (
                f.output_year,
                f.tax_year,
                f.local_tax_year,
                f.var_input_year,
                f.investment_year,
                f.workers_year,
            ):
                col[:] = 0.0
            f.capital_year_start[:] = f.capital
        self.month += 1
        if self.month >= self.calendar.n_months:
            self.running = False

    def monthly_value(self, name: str):
        """The last recorded month's value of the monthly series ``name`` (None before the first month)."""
        return self.recorder.monthly[-1][name] if self.recorder.monthly else None

    def run(self) -> ZoneReformModel:
        """Run every month of the horizon."""
        while self.running:
            self.step()
        return self

    def _reset_month_counters(self) -> None:
        self.exits_month = 0
        self.zombie_exits_month = 0
        self.entries_month = 0
        self.projects_month = 0
        self.projects_crowded_out = 0
        self.ra_spending_month = 0.0
        self.subsidy_month = 0.0
        self.investment_month = 0.0
        self.expansions_month = 0
        self.expansions_blocked_month = 0
        self.expansions_refused_month = 0
        self.completed_month: list[float] = []  # approval working days of the month's completed projects
        self.completed_gov_month: list[float] = []  # ... of which the government's processing time
        self.items_served_month = 0  # ... their items done at an office
        self.items_late_month = 0  # ... of which over the statutory limit (approval-process reform)
        self.checks_failed_month = 0  # ... their failed post-approval checks
        self.land_freed_month = 0.0
        self.projects_withdrawn_month = 0
        self.mu_recoveries_month = 0  # firms closed by 亩均 land recovery (sim.model.policies.mu_classes)
        self.land.reset_month()
        self.capacity.reset_month()
        self.disposals_month = np.zeros(len(DisposalPath), dtype=np.int64)  # cases closed, by path

    def _found_zones(self) -> None:
        planned = [z for z in self._planned if z.status == ZoneStatus.PLANNED]
        self._planned = [z for z in planned if z.founded_month is None or z.founded_month > self.month]
        for z in planned:
            if z.founded_month is not None and z.founded_month <= self.month:
                body = self.policies.consolidation.body_for_new_zone(z)
                if body is not None:
                    z.body = body
                z.status = ZoneStatus.ACTIVE
                z.body.zones.add(z)
                if not z.body.active:
                    z.body.active = True
                    z.body.office.set_staff(self.params.bodies.approval_staff[z.body.rank], self.time)
                self.block_active[z.blocks] = True
                self.land.open_blocks(z.blocks)
                self.log_zone_event(z, "founded", f"managed by body {z.body.body_id}")

    def credit_pool_of(self, county: np.ndarray, sector: np.ndarray) -> np.ndarray:
        """The credit pool that lends to firms of ``county`` and ``sector`` (index arrays): the
        region's (0), the county's or the sector's (``credit.scope``)."""
        county, sector = np.asarray(county, dtype=np.int64), np.asarray(sector, dtype=np.int64)
        match self.params.credit.scope:
            case "region":
                return np.zeros_like(county)
            case "county":
                return county
            case "sector":
                return sector
            case other:
                raise ValueError(f"credit.scope = {other!r} is not known")

    def _produce(self) -> None:
        """Markets clear, firms book the month and borrow, capital is installed (module docstring, 2)."""
        f, p = self.firms, self.params
        idx = self._operating_rows()
        shocks = stream(p.seed, Stream.PRODUCTIVITY, self.month).standard_normal(self._next_key)
        a = update_productivity(f, idx, shocks[f.key[idx]], p.firms)
        agg = agglomeration_of_rows(
            site_cluster(f.site_block, self.block_zone_start),
            f.sector,
            idx,
            len(self.zones),
            len(self.sector_names),
            p.firms.agglomeration_elasticity,
        )
        a_eff = a + np.log(agg)
        path = self.spending_path[self.path_month]
        price, qty, cap, index, spend = clear_markets(
            idx,
            f.sector,
            a_eff,
            f.capital,
            f.demand_weight,
            len(self.sector_names),
            self.k_cap,
            self.sigma,
            self.sigma_a,
            self.home_share,
            path * (1.0 - self.export_share),
            path * self.export_share,
            self.p_star,
            p.market.demand == "elastic",
            self.labour.cost_index(self.path_month),
        )
        sold = np.isfinite(index)
        self.sector_price = np.where(sold, index, np.nan)
        self.sector_spending = spend
        self.sector_shifter = np.where(
            sold, spend * np.where(sold, index, 1.0) ** (self.sigma - 1.0), path * self.p_star ** (self.sigma - 1.0)
        )
        vat = self.vat_rate[self.dated_month]
        req = book_month(
            f,
            idx,
            a_eff,
            price,
            qty,
            cap,
            self.sigma,
            self.k_cap,
            p.firms,
            self.labour.wage,
            p.labour,
            self.month,
            monthly_tax_array(p.tax, vat, self.local_vat_share[self.dated_month]),
            self.resource_tax,
            self.labour.input_price(self.path_month),
        )
        # within capacity licences where capacity replacement binds (sim.model.capacity)
        req["internal"], req["loan"] = self.capacity.cap_investment(idx, req["internal"], req["loan"], a_eff)
        self.labour.adjust(
            self.path_month, np.bincount(f.sector[idx], weights=f.workers[idx], minlength=len(self.sector_names))
        )
        pool = f.credit_pool[idx]
        self.credit.repay(pool, req["repay"])
        lent = self.credit.roll_over(pool, req["deficit"])  # evergreen: deficits are always financed
        loans = self.credit.grant(pool, req["loan"], "investment")
        f.debt[idx] += lent + loans - req["repay"]
        f.rescued_until[idx[lent > 0.0]] = self.month + 12  # kept alive by loans (the official zombie test)
        invest = req["internal"] + loans
        f.capital_wip[idx] += invest
        f.vat_credit[idx] += vat * invest  # input VAT on capital goods, deducted from later output VAT
        f.investment_year[idx] += invest
        self.investment_month += float(invest.sum())
        install_capital(f, idx, p.firms)
        self.market.expansions(idx, req["beyond_plant"])
        self.credit.grow()

    def _exits(self) -> None:
        """Insolvency exits under the soft budget constraint (a yellow card cuts zombies' protection)."""
        f = self.firms
        self.land.release_held()
        self._recover_idle_land()
        idx = self._operating_rows()
        if idx.size == 0:
            return
        carded = np.array([z.carded_this_year for z in self.zones] + [False], dtype=bool)  # [-1]: outside
        u = stream(self.params.seed, Stream.EXIT, self.month).random(self._next_key)
        gone = idx[
            exit_draws(
                f,
                idx,
                u,
                len(self.counties),
                carded,
                1.0 - self.params.policy.assessment.yellow_card_protection_cut,
                self.params.protection,
                self.params.firms,
            )
        ]
        self.close_firms(gone)

    def close_firms(self, rows: np.ndarray, relet_months: int = 0, replaceable: float = 1.0) -> None:
        """The operating firms ``rows`` close: their debt is written off (the capital recovers part
        of it), their zone land returns to its block, at once or after ``relet_months``, and, in a
        sector under capacity replacement, ``replaceable`` of their capacity becomes quota."""
        if rows.size == 0:
            return
        f = self.firms
        self.capacity.retire(rows, replaceable)
        self.credit.write_off(f.credit_pool[rows], f.debt[rows], f.capital[rows] + f.capital_wip[rows])
        self.firms.set_state(rows, LifeCycle.EXITED)
        f.exit_month[rows] = self.month
        self.exits_month += rows.size
        self.zombie_exits_month += int(f.zombie[rows].sum())
        in_zone = rows[f.zone[rows] >= 0]
        self.land_freed_month += float(f.land[in_zone].sum())
        self.land.exit(rows, relet_months)
        self.recorder.log_exits(rows)

    @property
    def block_land_held(self) -> np.ndarray:
        """Per block, liquidated firms' land held back until it can be let again, mu (of the ledger's idle land)."""
        return self.land.held

    def _recover_idle_land(self) -> None:
        """Idle-land recovery (国土资源部令第53号, art. 14 [R]): a project supplied land
        ``land.idle_recovery_months`` or more ago that has not started building loses it, without
        compensation, and gives up (:meth:`withdraw_projects`)."""
        rows = self.land.due_for_recovery(self.params.land.idle_recovery_months)
        if rows.size:
            self.land.recover_idle(rows)
            self.withdraw_projects(rows)

    def withdraw_projects(self, rows: np.ndarray) -> None:
        """Projects in approval at ``rows`` give up: they leave the approval pipeline (their open
        items are not served), repay the loan they had not spent (nothing was built) and stay in
        the table as WITHDRAWN, with the month in ``exit_month``; a firm whose new plant gives up
        may file another."""
        f = self.firms
        self.credit.repay(f.credit_pool[rows], f.debt[rows])
        self.capacity.give_back(rows)
        f.debt[rows] = 0.0
        self.firms.set_state(rows, LifeCycle.WITHDRAWN)
        f.exit_month[rows] = self.month
        plant = rows[f.parent[rows] >= 0]
        f.expanding[f.parent[plant]] = False
        self.projects_withdrawn_month += rows.size

    def take_over(self, targets: np.ndarray, acquirers: np.ndarray) -> None:
        """Mergers (兼并重组): each firm ``targets[i]`` is taken over by ``acquirers[i]``, which runs its
        plant at its own productivity and sells to its customers too: capital (installed and
        building), land, customer base, overhead, workers (职工安置: the acquirer takes them on, and
        sheds those it does not need as any firm paying its own way does) and VAT credit move to the
        acquirer; the acquirer assumes the debt its capital recovers (``credit.recovery_rate``), the
        rest is written down."""
        if targets.size == 0:
            return
        f, fp = self.firms, self.params.firms
        k = f.capital[targets] + f.capital_wip[targets]
        assumed = np.minimum(f.debt[targets], self.params.credit.recovery_rate * k)
        self.credit.write_down(f.credit_pool[targets], f.debt[targets] - assumed)
        self.credit.transfer(f.credit_pool[targets], f.credit_pool[acquirers], assumed)
        for col, moved in (
            (f.capital, f.capital[targets]),
            (f.capital_wip, f.capital_wip[targets]),
            (f.land, f.land[targets]),
            (f.demand_weight, f.demand_weight[targets]),
            (f.overhead, f.overhead[targets]),
            (f.debt, assumed),
            (f.plant_limit, fp.plant_headroom * f.capital[targets]),
            (f.workers, f.workers[targets]),
            (f.vat_credit, f.vat_credit[targets]),
            (f.licence, f.licence[targets]),
        ):
            np.add.at(col, acquirers, moved)
        self.exits_month += targets.size
        self.zombie_exits_month += int(f.zombie[targets].sum())
        f.land[targets] = 0.0  # the land stays in use, by the acquirer: none returns to the zone
        self.recorder.log_exits(targets)
        for col in (f.capital, f.capital_wip, f.debt, f.demand_weight, f.overhead, f.workers, f.vat_credit):
            col[targets] = 0.0
        self.firms.set_state(targets, LifeCycle.MERGED)
        f.acquired_by[targets] = acquirers  # taken over this month: its disposal_due

    def restructure(self, rows: np.ndarray, haircut: float) -> None:
        """Debt restructuring or a debt-for-equity swap (债转股): ``haircut`` of each firm's debt is
        written down (the banks' loss destroys lending capacity); the firm carries on, no longer
        kept alive by rolled-over loans (it stops hoarding workers until a deficit is rolled over
        again).  The income the forgiven debt makes is not taxed in the model."""
        if rows.size == 0:
            return
        f = self.firms
        cut = haircut * f.debt[rows]
        self.credit.write_down(f.credit_pool[rows], cut)
        f.debt[rows] -= cut
        f.rescued_until[rows] = np.minimum(f.rescued_until[rows], self.month)

    def _close_year(self) -> None:
        """Zombie status from the year's accounts of firms that operated all twelve months;
        firms that started during the year only open fresh accounts; every operating firm closes
        its income-tax year (:func:`sim.model.tax.close_tax_year`)."""
        f = self.firms
        op = self._operating_rows()
        whole = self.operated_all_year()
        close_year(f, whole, self.params.zombie)
        reset_year_accounts(f, op[f.entry_month[op] > max(self.month - 11, self.first_month)])
        close_tax_year(f, op, self.params.tax)  # losses carried forward, income-tax year closed

    def operated_all_year(self) -> np.ndarray:
        """Rows (ascending) of the operating firms that have operated all twelve months of this year:
        the firms whose yearly accounts cover a whole year."""
        op = self._operating_rows()
        return op[self.firms.entry_month[op] <= max(self.month - 11, self.first_month)]

    def _learn_from_year(self) -> None:
        """What the year teaches for the next: investors' expected approval latency (from the year's
        completions, :meth:`InvestmentMarket.update_expected_latency`) and each zone's output of
        the year (``last_output``, the assessment's growth indicator)."""
        self.market.update_expected_latency()
        out = self.zone_year_output()
        for z in self.zones:
            z.last_output = out[z.index]

    # ------------------------------------------------------------------ projects
    def next_keys(self, n: int) -> np.ndarray:
        """Random keys (CRN) for ``n`` new projects."""
        keys = np.arange(self._next_key, self._next_key + n, dtype=np.int64)
        self._next_key += n
        return keys

    def customer_base(self, size: np.ndarray, log_prod: np.ndarray, sector: np.ndarray) -> np.ndarray:
        """The demand weight φ with which a newcomer in ``sector`` sells ``size`` (万 yuan/year) at its
        monopolistic-competition price ``p = e^(-a)`` in today's market: revenue ``A_s·φ·p^(1-σ)`` =
        size, so ``φ = size·p^(σ-1)/A_s`` (``A_s`` the sector's demand shifter)."""
        sigma = self.sigma[sector]
        return size * np.exp(-log_prod) ** (sigma - 1.0) / np.maximum(self.sector_shifter[sector], 1e-300)

    def _add_projects(
        self, state: LifeCycle, keys, sector, zone, block, county, credit_pool, size, quality, capital, land
    ) -> np.ndarray:
        """New enterprises in ``state`` at their chosen locations (``zone`` index and ``block``, or -1
        outside), holding their land from now on; returns their rows.

        Its customer base is :meth:`customer_base` of its planned sales ``size``; its capital is
        sized to that output."""
        fp = self.params.firms
        price = np.exp(-quality)
        rows = self.firms.add(
            key=keys,
            sector=sector,
            zone=zone,
            county=county,
            credit_pool=credit_pool,
            block=block,
            state=int(state),
            log_prod=quality,
            capital=capital,
            capital_year_start=capital,
            plant_limit=fp.plant_headroom * capital,
            price=price,
            overhead=fp.fixed_cost_share * size,
            demand_weight=self.customer_base(size, quality, sector),
            capacity=np.exp(quality) * capital / self.k_cap[sector],
            land=land,
            debt=fp.entrant_leverage * capital,
            age=0.0,
            entry_month=self.month,
        )
        self.capacity.licence_new(rows)
        return rows

    def create_projects(self, keys, draws: dict, **projects) -> np.ndarray:
        """Investment projects that chose their locations: reserve the land and apply for approval
        (``draws``: their approval draws, one row per project, see :data:`sim.model.approval.DRAWS`)."""
        rows = self._add_projects(LifeCycle.IN_APPROVAL, keys, **projects)
        self.land.supply(rows)
        self.projects_month += rows.size
        self.approval.open(rows, draws)
        return rows

    def create_pipeline_projects(self, keys, starts_at: np.ndarray, **projects) -> np.ndarray:
        """Projects approved before the start and under construction: they hold their land and start
        production at ``starts_at`` (months from the start), with no approval record."""
        rows = self._add_projects(LifeCycle.CONSTRUCTION, keys, **projects)
        order = np.argsort(np.concatenate([self._pipeline_starts, starts_at]), kind="stable")
        self.land.open_balance(rows)
        self._pipeline_rows = np.concatenate([self._pipeline_rows, rows])[order]
        self._pipeline_starts = np.concatenate([self._pipeline_starts, starts_at])[order]
        return rows

    def _advance_pipeline(self) -> None:
        """Before the month's phases: what happened in the approval pipeline and on construction
        sites since the last step (permits, production starts), in time order: until the end of this
        month (:meth:`Clock.step_time`)."""
        now = self.clock.step_time(self.month)
        due = int(np.searchsorted(self._pipeline_starts, now, side="left"))
        if due:
            self.start_production(self._pipeline_rows[:due])
            self._pipeline_rows, self._pipeline_starts = self._pipeline_rows[due:], self._pipeline_starts[due:]
        done = self.approval.advance(now)
        rows = done["row"]
        firm_rows = rows[rows >= 0]  # government projects (rows < 0) hold no plant, land or VAT credit
        self._credit_plant_vat(firm_rows)
        self.land.start_construction()  # the permits issued: idle -> construction
        self.land.start_production(firm_rows)  # completions accepted: construction -> operating
        if rows.size:
            plant = np.zeros(rows.size, dtype=bool)  # firms' expansion plants
            plant[rows >= 0] = self.firms.parent[firm_rows] >= 0
            new = (rows >= 0) & ~plant  # new enterprises: the monthly approval records are theirs
            wd, days = self.approval.latency(done)
            self.market.observe_latency(done["zone"][new], days[new])
            self.recorder.log_approvals(done, plant, wd, days)
            self.completed_month += wd[new].tolist()
            self.completed_gov_month += done["gov_wd"][new].tolist()
            self.items_served_month += int(done["items_served"][new].sum())
            self.items_late_month += int(done["items_late"][new].sum())
            self.checks_failed_month += int(done["checks_failed"][new].sum())
            self.entries_month += int(new.sum()) + self.install_expansions(rows[plant])

    def create_expansions(self, parents: np.ndarray, capital: np.ndarray, land: np.ndarray, draws: dict) -> None:
        """New plants of the operating firms ``parents`` (capital and land of each): rows in
        approval that share their parent's location and random key (they never operate on their own
        while it lives)."""
        f, fp = self.firms, self.params.firms
        rows = f.add(
            key=f.key[parents],
            sector=f.sector[parents],
            zone=f.zone[parents],
            county=f.county[parents],
            credit_pool=f.credit_pool[parents],
            block=f.block[parents],
            site_block=f.site_block[parents],
            state=int(LifeCycle.IN_APPROVAL),
            log_prod=f.log_prod[parents],
            capital=capital,
            capital_year_start=capital,
            land=land,
            debt=fp.entrant_leverage * capital,
            parent=parents,
            age=0.0,
            entry_month=self.month,
        )
        f.expanding[parents] = True
        self.capacity.licence_new(rows)
        self.land.supply(rows)
        self.expansions_month += rows.size
        self.approval.open(rows, draws)

    def install_expansions(self, rows: np.ndarray) -> int:
        """Expansion plants at ``rows`` are built: each is installed into its parent (capital, land,
        debt; its land can hold ``plant_headroom`` × the new capital); a plant whose parent has left
        carries on as a firm of its own (it keeps the key, and gets a customer base as a project of
        its size would).  Returns the number of such new firms."""
        if rows.size == 0:
            return 0
        f, fp = self.firms, self.params.firms
        parent = f.parent[rows]
        alive = f.state[parent] == LifeCycle.OPERATING
        into, plant = parent[alive], rows[alive]
        np.add.at(f.capital, into, f.capital[plant])
        np.add.at(f.plant_limit, into, fp.plant_headroom * f.capital[plant])
        np.add.at(f.debt, into, f.debt[plant])
        np.add.at(f.land, into, f.land[plant])
        np.add.at(f.vat_credit, into, f.vat_credit[plant])
        np.add.at(f.licence, into, f.licence[plant])
        f.expanding[parent] = False
        for col in (f.capital, f.debt, f.land, f.vat_credit):
            col[plant] = 0.0
        self.firms.set_state(plant, LifeCycle.MERGED)
        orphan = rows[~alive]
        if orphan.size:
            size = f.capital[orphan] / self.kappa[f.sector[orphan]]
            f.demand_weight[orphan] = self.customer_base(size, f.log_prod[orphan], f.sector[orphan])
            f.plant_limit[orphan] = fp.plant_headroom * f.capital[orphan]
            f.overhead[orphan] = fp.fixed_cost_share * size
            f.parent[orphan] = -1
        return int(orphan.size)

    def _credit_plant_vat(self, rows: np.ndarray) -> None:
        """A plant that starts production has paid input VAT on its capital goods: the month's VAT
        rate × its capital becomes VAT credit it deducts from its output VAT (a firm's new plant
        passes it to the firm, :meth:`install_expansions`)."""
        rows = np.asarray(rows, dtype=np.int64)
        self.firms.vat_credit[rows] += (
            self.vat_rate[min(self.dated_month, self.calendar.n_months - 1)] * self.firms.capital[rows]
        )

    def start_production(self, rows) -> None:
        """The enterprises at ``rows`` (under construction at the start) start operating (entries)."""
        self._credit_plant_vat(rows)
        self.firms.set_state(rows, LifeCycle.OPERATING)
        self.land.start_production(rows)
        self.firms.entry_month[rows] = self.month
        self.entries_month += np.size(rows)

    # ------------------------------------------------------------------ zone changes
    def active_zones(self) -> list[Zone]:
        return [z for z in self.zones if z.status == ZoneStatus.ACTIVE]

    def _move_firms(self, src: Zone, dst: Zone | None) -> None:
        f = self.firms
        rows = f.zone == src.index
        if dst is None:
            f.zone[rows] = -1
            f.block[rows] = -1
        else:
            f.zone[rows] = dst.index
        self.government.move(src.index, -1 if dst is None else dst.index)

    def _retire_body(self, zone: Zone, successor: ManagementBody | None) -> None:
        body = zone.body
        body.zones.discard(zone)
        if not body.zones and body.active and body is not successor:
            body.active = False
            if successor is not None:  # pooled staff follow the work
                successor.extra_staff += int(
                    round(self.params.policy.consolidation.staff_retention * body.office.staff)
                )
                self.restaff(successor)
            self.log_zone_event(zone, "body_abolished", f"body {body.body_id} ({body.rank}) cut")

    def merge_zone(self, zone: Zone, host: Zone, reason: str) -> None:
        """``zone`` joins ``host``: its firms and blocks move, its body is cut if left with no zone."""
        self._move_firms(zone, host)
        for b in zone.blocks:
            self.block_zone[b] = host.index
        host.blocks = host.blocks + zone.blocks
        zone.blocks = []
        self.policies.assessment.lift_card(zone)
        zone.status = ZoneStatus.MERGED
        zone.merged_into = host.zone_id
        self.log_zone_event(zone, "merged", f"into {host.zone_id}: {reason}")
        self._retire_body(zone, host.body)
        zone.remove()  # out of model.agents; kept in self.zones (indexed by zone) with its status

    def abolish_zone(self, zone: Zone, reason: str, to: str = "county") -> None:
        """Abolish ``zone``: its firms stay, under the county or a neighbouring zone (none is lost)."""
        host = self._neighbour_zone(zone) if to == "neighbour" else None
        if host is not None:
            self._move_firms(zone, host)
            for b in zone.blocks:
                self.block_zone[b] = host.index
            host.blocks = host.blocks + zone.blocks
        else:
            self._move_firms(zone, None)
            self.block_active[zone.blocks] = False
            self.land.close_blocks(zone.blocks)
        zone.blocks = []
        self.policies.assessment.lift_card(zone)
        zone.status = ZoneStatus.ABOLISHED
        self.log_zone_event(zone, "abolished", reason + (f"; firms to {host.zone_id}" if host else "; firms to county"))
        self._retire_body(zone, None)
        zone.remove()  # out of model.agents; kept in self.zones (indexed by zone) with its status

    def _neighbour_zone(self, zone: Zone) -> Zone | None:
        county = self.counties_by_id[zone.county_id]
        out = self.zone_annual_output()
        cands = [z for z in self.active_zones() if z is not zone and z.county_id == zone.county_id]
        cands = cands or [z for z in self.active_zones() if z.county_id in county.neighbours]
        return max(cands, key=lambda z: (out[z.index], -z.index)) if cands else None

    def delist_block(self, zone: Zone, block: int, reason: str) -> None:
        f = self.firms
        rows = f.block == block
        f.zone[rows] = -1
        f.block[rows] = -1
        self.block_active[block] = False
        self.land.close_blocks([block])
        zone.blocks = [b for b in zone.blocks if b != block]
        self.log_zone_event(zone, "block_delisted", f"block {block}: {reason}")

    def set_body_rank(self, body: ManagementBody, rank: str, event: str, zone: Zone) -> None:
        old = body.rank
        body.rank = rank
        self.restaff(body)
        self.log_zone_event(zone, event, f"body {body.body_id}: {old} -> {rank}")

    def restaff(self, body: ManagementBody) -> None:
        """Set a body's office staff from its rank, pooled staff and any yellow-card boost."""
        body.office.set_staff(self.params.bodies.approval_staff[body.rank] + body.extra_staff, self.time)

    def log_zone_event(self, zone: Zone, event: str, detail: str) -> None:
        """``zone`` changed (``event``, with ``detail``): every change to a zone's status, body, rank,
        level or blocks comes here.  A new :attr:`zone_version` (caches of zone arrays compare it);
        the recorder is told."""
        self.zone_version += 1
        self.recorder.log_zone_event(zone, event, detail)

    # ------------------------------------------------------------------ outputs
    def results(self) -> dict:
        """All recorded tables as pandas DataFrames (the runner writes them)."""
        return self.recorder.tables()


def _seed_of(rng) -> int:
    """The run's seed from Mesa's ``rng`` argument: an integer as is; a numpy Generator draws one;
    None draws a fresh one from the operating system (recorded in ``params.seed``)."""
    if rng is None:
        return int(np.random.SeedSequence().entropy % (2**31))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**31))
    return int(rng)
