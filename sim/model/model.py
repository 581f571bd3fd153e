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
5. the month's records; in December: yearly accounts, zombie status, the policies' year-end hooks
   (the assessment among them), then competition.

Before the phases, the approval pipeline runs its events (item arrivals at offices, stage ends
and starts, at their own times since the last step) up to the step's time, and projects under
construction at the start that are due begin production (:meth:`_advance_pipeline`).
The phases are in :mod:`sim.model.phases`, firms' life events in :mod:`sim.model.firm_events`, zone
changes in :mod:`sim.model.zone_changes` and zone aggregates in :mod:`sim.model.aggregates` (mixins of
the model); this module builds the model and runs its months.
The model does no file I/O and knows nothing of Hydra: it takes a validated
:class:`~sim.config.schema.ModelConfig` and a :class:`~sim.data.region.RegionData`.
"""

from __future__ import annotations

from collections import deque
from functools import partial

import numpy as np

from sim.config.schema import ModelConfig
from sim.data.region import RegionData
from sim.model.agents import County, Enterprises, ManagementBody, Zone, ZoneStatus
from sim.model.aggregates import ZoneAggregates
from sim.model.approval import ApprovalSystem, Office, OfficePool
from sim.model.calendar import Calendar, Clock
from sim.model.capacity import CapacityReplacement
from sim.model.credit import CreditPool
from sim.model.firm_events import FirmEvents
from sim.model.firms import FirmTable
from sim.model.government import GovernmentProjects
from sim.model.investment import InvestmentMarket
from sim.model.labour import LabourMarkets
from sim.model.land import LandLedger
from sim.model.lifecycle import LifeCycle
from sim.model.market import spending_index
from sim.model.mesa_core import mesa
from sim.model.metrics import Recorder
from sim.model.ownership import Ownership
from sim.model.phases import MonthlyPhases
from sim.model.policies import PolicySet
from sim.model.population import block_shares, generate
from sim.model.tax import local_vat_shares, vat_rates
from sim.model.zone_changes import ZoneChanges
from sim.model.zone_table import ZoneTable

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


class ZoneReformModel(ZoneAggregates, MonthlyPhases, FirmEvents, ZoneChanges, mesa.Model):
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
        self.zones_moved: list[int] = []  # zones that lost or gained firms, in order (merges, abolitions, ...)
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
        self.ownership = Ownership(params.seed, params.ownership)  # who owns each firm, by its key
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
        self.zone_table = ZoneTable(len(zones), ZoneStatus)  # the zones' changing state (Zone is a view)
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
        self.block_active = self.zone_table.active()[np.asarray(owner, dtype=int)]
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
