"""Agents of the zone-reform model: enterprises, development zones (开发区), counties.

Management bodies (管委会) and approval offices are plain objects owned by zones and counties:
they hold state (rank, staff, queues) but take no decisions of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from sim.model.approval import Office
from sim.model.lifecycle import LifeCycle
from sim.model.mesa_core import mesa
from sim.model.zone_table import Column, FoundedColumn, StatusColumn

if TYPE_CHECKING:
    from sim.model.model import ZoneReformModel


class Enterprise(mesa.Agent):
    """A firm, or an investment project before it operates.

    Its numbers (output, debt, age, ...) live in the model's :class:`~sim.model.firms.FirmTable`
    at ``row``; the properties below read them.  ``key`` is its fixed random key (CRN).
    """

    def __init__(self, model: ZoneReformModel, row: int):
        super().__init__(model)
        self.row = row

    def _col(self, name):
        return getattr(self.model.firms, name)[self.row]

    key = property(lambda self: int(self._col("key")))
    state = property(lambda self: LifeCycle(int(self._col("state"))))
    sector = property(lambda self: self.model.sector_names[int(self._col("sector"))])
    land = property(lambda self: float(self._col("land")))
    output = property(lambda self: float(self._col("output")), doc="last month's output, 万 yuan")
    debt = property(lambda self: float(self._col("debt")))
    capital = property(lambda self: float(self._col("capital")))
    age = property(lambda self: float(self._col("age")), doc="years")
    is_zombie = property(lambda self: bool(self._col("zombie")))

    @property
    def zone(self) -> Zone | None:
        z = int(self._col("zone"))
        return self.model.zones[z] if z >= 0 else None

    @property
    def county_id(self) -> str:
        return self.model.county_ids[int(self._col("county"))]

    def __repr__(self) -> str:
        where = self.zone.zone_id if self.zone else f"outside ({self.county_id})"
        return f"Enterprise(row={self.row}, {self.sector}, {self.state.name}, {where})"


class Enterprises(Sequence):
    """The model's enterprises as Mesa agents, one per row of the firm table, made when first used.

    ``model.enterprises[row]`` (or iterating) gives the :class:`Enterprise` agent of a row; it is
    created and registered with the model on first access and kept from then on.  No monthly
    mechanism needs the agent objects (their numbers live in the firm table), and a national run
    has about 800,000 rows: building every agent up front would cost seconds and ~0.3 GB.
    """

    def __init__(self, model: ZoneReformModel):
        self.model = model
        self._agents: dict[int, Enterprise] = {}

    def __len__(self) -> int:
        return len(self.model.firms)

    def _agent(self, row: int) -> Enterprise:
        agent = self._agents.get(row)
        if agent is None:
            agent = self._agents[row] = Enterprise(self.model, row)
        return agent

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._agent(r) for r in range(*i.indices(len(self)))]
        r = int(i) + (len(self) if int(i) < 0 else 0)
        if not 0 <= r < len(self):
            raise IndexError(f"enterprise row {i} out of range (0..{len(self) - 1})")
        return self._agent(r)


@dataclass
class ManagementBody:
    """A zone management body (管委会): rank sets approval staff, posts, departments and cost."""

    body_id: str
    rank: str
    office: Office
    county_id: str
    dispatched_by: str  # "region" for national zones, else "city/county"
    zones: set = field(default_factory=set)
    active: bool = True
    extra_staff: int = 0  # approval staff pooled in from merged bodies


class ZoneStatus(StrEnum):
    PLANNED = "planned"  # founded later than the current month
    ACTIVE = "active"
    MERGED = "merged"
    ABOLISHED = "abolished"


def _optional_text(row, column: str) -> str | None:
    """The value of an optional zones.csv column, or None where the column is absent or empty."""
    value = getattr(row, column, None)
    return str(value) if isinstance(value, str) and value else None


class Zone(mesa.Agent):
    """A development zone: county, level, management body, blocks of land, leading sectors,
    devolved services, regional assessment done, and its assessment record.

    Its changing numbers are a view of its row in the model's
    :class:`~sim.model.zone_table.ZoneTable`."""

    def __init__(
        self, model: ZoneReformModel, index: int, row, body: ManagementBody, blocks: list[int], leading: set[int]
    ):
        super().__init__(model)
        self.index = index
        self.zone_id: str = row.zone_id
        self.name_zh: str = row.name_zh
        self.name_en: str = row.name_en
        self.county_id: str = row.county_id
        self.level: str = row.level
        self.type: str = row.type
        # where MOFCOM-style ranking classes a zone (national region only; None elsewhere)
        self.province_id: str | None = _optional_text(row, "province_id")
        self.macro_region: str | None = _optional_text(row, "macro_region")
        self.body = body
        self.blocks = blocks  # indices into the model's block arrays
        self.leading = leading
        self.name_mismatch = bool(row.name_mismatch)
        self.merged_into: str | None = None
        # the numbers below live in the model's ZoneTable (row ``index``): set to their start values
        self.status = ZoneStatus.ACTIVE
        self.expected_latency_days = model.params.investment.prior_latency_days
        self.subsidy = model.params.investment.base_subsidy
        self.entry_bar = model.params.investment.base_entry_bar
        self.bottom_years: list[int] = []  # years in its class's bottom since its last downgrade (MOFCOM rule)

    # state in the model's ZoneTable (sim.model.zone_table): the zone is a view of its row
    status = StatusColumn()
    founded_month = FoundedColumn()  # None: there from the start
    renamed = Column()
    expected_latency_days = Column()
    subsidy = Column()
    entry_bar = Column()
    # assessment record (亩产论英雄)
    score = Column()
    class_rank = Column()
    consecutive_bottom = Column()
    yellow_cards = Column()
    carded_this_year = Column()
    assessed_years = Column()
    last_output = Column()

    @property
    def active(self) -> bool:
        return self.status == ZoneStatus.ACTIVE

    @property
    def rank(self) -> str:
        return self.body.rank

    def has_regional_assessment(self, order: int) -> bool:
        """Is regional-assessment item ``order`` done zone-wide (区域评), so projects skip it?  The
        month each item takes effect is the model's ``zone_ra_time`` (inf: not commissioned)."""
        return self.model.zone_ra_time[
            self.index, order
        ] <= self.model.time and self.model.policies.devolution.ra_covers(order)

    def regional_assessments_done(self) -> int:
        """How many regional-assessment items are done zone-wide and in force now."""
        return int(self.model.zone_regional_assessments_done()[self.index])

    def __repr__(self) -> str:
        return f"Zone({self.zone_id}, {self.level}, {self.rank}, {self.status})"


class County(mesa.Agent):
    """A county-level division: hosts zones and an approval office, pays regional assessments
    and land subsidies from its budget, and protects failing firms (soft budget constraint)."""

    def __init__(self, model: ZoneReformModel, index: int, row, neighbours: set[str]):
        super().__init__(model)
        self.index = index
        self.county_id: str = row.county_id
        self.name_zh: str = row.name_zh
        self.city_id: str = row.city_id
        self.fiscal_revenue: float = float(row.fiscal_revenue)
        self.neighbours = neighbours

    def __repr__(self) -> str:
        return f"County({self.county_id})"
