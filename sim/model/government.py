"""Government-investment projects (政府投资项目, 审批): the third stream of the approval pipeline.

Counties and zones build roads, pipelines, sewage plants and standard factory buildings; each such
project passes the government route of the catalogue (project proposal, feasibility study,
preliminary design; then land, planning, construction permit and acceptance like any project) in
the same offices as the enterprises' projects, and so queues with them.  They are not firms: they
produce nothing the model counts, hold no industrial land and borrow nothing; they only load the
offices, and their approval times are reported as a stream of their own.

Arrival is a Poisson process of ``approval.government_projects_per_1000_firms`` per year per 1,000
firms of the region at the start; a project's county is drawn by fiscal revenue (where government
money is), and it is in one of that county's active zones with ``approval.government_in_zone_share``
(zone infrastructure, served by the zone's office where the items are devolved), else outside zones.
A month's projects come from that month's own random stream: the same in every scenario.
"""

from __future__ import annotations

import numpy as np

from sim.model.investment import approval_draws
from sim.model.lifecycle import LifeCycle
from sim.model.streams import Stream, stream


class GovernmentProjects:
    """The government projects of one model: a row each, appended as they apply (never reused).

    The approval pipeline reads ``zone`` and ``county`` and writes ``state`` (a
    :class:`~sim.model.lifecycle.LifeCycle` code) and ``entry_month`` (the month the project was accepted),
    addressing project ``j`` as applicant row ``-1 - j``."""

    def __init__(self, model):
        self.model = model
        p = model.params.approval
        self.rate = p.government_projects_per_1000_firms * model.region.total_firms / 1000.0  # projects/year
        rev = model.region.counties["fiscal_revenue"].to_numpy(dtype=float)
        self.county_p = rev / rev.sum()
        self.n = 0
        self.zone = np.zeros(0, np.int64)
        self.county = np.zeros(0, np.int64)
        self.state = np.zeros(0, np.int64)
        self.entry_month = np.full(0, -1, np.int64)

    def _grow(self, extra: int) -> None:
        need = self.n + extra
        if need <= self.zone.size:
            return
        size = max(need, 2 * self.zone.size, 64)
        for name, fill in (("zone", -1), ("county", 0), ("state", 0), ("entry_month", -1)):
            old = getattr(self, name)
            new = np.full(size, fill, np.int64)
            new[: old.size] = old
            setattr(self, name, new)

    def arrivals(self) -> None:
        """This month's government projects: drawn, placed, and sent to approval."""
        m = self.model
        if self.rate <= 0:
            return
        rng = stream(m.params.seed, Stream.GOVERNMENT, m.month)
        n = int(rng.poisson(self.rate / 12.0))
        if n == 0:
            return
        county = np.minimum(
            np.searchsorted(np.cumsum(self.county_p), rng.random(n), side="right"), len(self.county_p) - 1
        )
        in_zone = rng.random(n) < m.params.approval.government_in_zone_share
        pick = rng.random(n)
        # the county's active zones, in index order: zones sorted by county, a project takes the
        # pick-th share of its county's run
        active = np.array([z.index for z in m.active_zones()], dtype=np.int64)
        by_county = active[np.argsort(m.zone_county[active], kind="stable")]
        count = np.bincount(m.zone_county[active], minlength=len(self.county_p))
        first = np.concatenate([[0], np.cumsum(count)[:-1]])
        has = in_zone & (count[county] > 0)
        zone = np.full(n, -1, np.int64)
        at = np.minimum((pick[has] * count[county[has]]).astype(np.int64), count[county[has]] - 1)
        zone[has] = by_county[first[county[has]] + at]
        draws = approval_draws(rng, n, m.approval.n_items, m.params.approval)
        self._grow(n)
        rows = np.arange(self.n, self.n + n)
        self.zone[rows], self.county[rows] = zone, county
        self.state[rows] = int(LifeCycle.IN_APPROVAL)
        self.n += n
        m.approval.open(-1 - rows, draws)

    def move(self, src: int, dst: int) -> None:
        """Zone ``src`` merged into ``dst`` (-1: abolished): its projects follow its land."""
        rows = np.flatnonzero(self.zone[: self.n] == src)
        self.zone[rows] = dst
