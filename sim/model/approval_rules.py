"""Routing rules of the approval pipeline: which office each item goes to under the policies in force
(devolution, regional assessment, the reformed process), as the kernels read them
(:class:`~sim.model.approval_layout.Context`; the compiled rule is :func:`sim.model.approval_routing.route`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.model import approval_kernels as k
from sim.model import approval_layout as L
from sim.model.approval_graph import DRAWS, STREAMS
from sim.model.approval_offices import Office


class RoutedItem(NamedTuple):
    """Where one catalogue item of a case goes and how long its parts take (months)."""

    item: int
    office: Office
    prep: float
    transit: float
    effort: float
    review: float
    rework: bool


class Routing:
    """The routing rules in force (a part of :class:`~sim.model.approval.ApprovalSystem`)."""

    def devolved(self, item: int) -> bool:
        """Is the item's power among those devolved to zones now (the rule is the policy's:
        :meth:`sim.model.policies.devolution.Devolution.devolved_items`)?"""
        return bool(self.model.policies.devolution.devolved_items(self.powers)[item])

    def office_for(self, authority: str, county) -> Office:
        match authority:
            case "region":
                return self.region_office
            case "city":
                return self.city_offices[county.city_id]
            case "county":
                return self.county_offices[county.county_id]
            case other:
                raise ValueError(f"unknown authority {other!r}")

    def _merged_nodes(self) -> list[tuple[int, np.ndarray]]:
        """The reformed graph's nodes of more than one catalogue item: (lead position, members);
        a node of one item is devolved when its item is."""
        graph = self._reformed_graph
        if getattr(self, "_merged_of", (None,))[0] is not graph:
            self._merged_of = (graph, [(ms[0], np.array(ms)) for ms in graph.members if len(ms) > 1])
        return self._merged_of[1]

    def _devolved(self, dev, active: bool) -> tuple[np.ndarray, np.ndarray]:
        """The items devolved to zones' offices, by graph, and the regional-assessment items done
        zone-wide (by order): the policy's rules, rebuilt only when their inputs change (the kernels
        only read them)."""
        graph = self._reformed_graph
        inputs = (active, dev.params.powers, dev.params.regional_assessment_items)
        kept = getattr(self, "_devolved_of", None)
        if kept is not None and kept[0] is graph and kept[1] is dev and kept[2] == inputs:
            return kept[3], kept[4]
        devolved = dev.devolved_items(self.powers)  # the policy's routing rule
        merged = devolved.copy()  # on the reformed process a merged node is devolved when all its members are
        for lead, members in self._merged_nodes():
            merged[lead] = devolved[members].all()
        devolved = np.stack([devolved] * len(STREAMS) + [merged] * len(STREAMS))  # by graph
        n_order = int(self.ra_order.max()) + 1 if self.n_items else 1
        ra_cover = np.array([dev.ra_covers(o) for o in range(n_order)], dtype=bool)
        self._devolved_of = (graph, dev, inputs, devolved, ra_cover)
        return devolved, ra_cover

    def _context(self) -> L.Context:
        """The routing rules in force now (see ``approval_routing.route``)."""
        m = self.model
        dev = m.policies.devolution
        active = bool(dev.active)
        mode = {"zone_office": L.ZONE_OFFICE, "county_dispatched": L.COUNTY_DISPATCHED}.get(dev.params.service_mode)
        if mode is None:
            raise ValueError(f"policy.devolution.service_mode = {dev.params.service_mode!r} is not known")
        s = dev.zone_services()
        devolved, ra_cover = self._devolved(dev, active)
        n_order = ra_cover.size
        ra_time = (
            m.zone_ra_time[:, :n_order]
            if m.zone_ra_time.shape[1] >= n_order
            else np.full((len(m.zones), n_order), np.inf)
        )
        if self._zone_office is None or self._zone_office[0] != m.zone_version:  # bodies change with a zone
            self._zone_office = (m.zone_version, np.array([z.body.office.index for z in m.zones], dtype=np.int64))
        zone_office = self._zone_office[1]
        if active and mode == L.COUNTY_DISPATCHED and not self.dispatched_offices:
            for c in m.counties:  # every county's dispatched office exists once devolution runs
                self.dispatched_offices[c.county_id] = Office(
                    f"dispatched:{c.county_id}", "dispatched", dev.params.dispatched_staff, 0.0, self.pool
                )
        dispatched = (
            np.array([self.dispatched_offices[c.county_id].index for c in m.counties], dtype=np.int64)
            if self.dispatched_offices
            else np.full(len(m.counties), -1, dtype=np.int64)
        )
        if self._auth is None:  # government offices by county and authority: fixed once built
            self._auth = np.array(
                [
                    [
                        self.region_office.index,
                        self.city_offices[c.city_id].index,
                        self.county_offices[c.county_id].index,
                    ]
                    for c in m.counties
                ],
                dtype=np.int64,
            )
        auth = self._auth
        reform = (0, 0) if self.reformed is None else (1, {"region": 0, "zones": 1}[self.reformed.scope])
        return L.Context(
            int(active),
            int(mode),
            *reform,
            float(s.prep_cut),
            float(s.rework_cut),
            float(s.transit_cut),
            float(s.handoff_cut),
            devolved,
            np.ascontiguousarray(ra_time),
            ra_cover,
            zone_office,
            dispatched,
            auth,
        )

    def route_items(self, row: int, stage: int, draws: dict | None = None, stream: str = "filed") -> list[RoutedItem]:
        """The items of ``stage`` enterprise ``row`` would need if they were ready now on the
        pre-reform process of ``stream``, each routed (for inspection and tests; ``draws`` default:
        every item needed, no rework, mean times)."""
        n = self.n_items
        draws = draws or {"needs": np.zeros(n), "prep": np.ones(n), "effort": np.ones(n), "rework": np.ones(n)}
        self._ensure(1)
        slot = int(self._cases.free[self.state[L.N_FREE] - 1])  # a free slot, used as scratch
        ints, case_draws = self._cases.ints, self._cases.draws
        ints[slot, L.ROW], ints[slot, L.SKIPPED], ints[slot, L.GRAPH] = row, 0, STREAMS.index(stream)
        case_draws[slot] = np.stack([draws[d] for d in DRAWS], axis=1)
        pipeline = self._pipeline()
        touched = pipeline.offices.touched.copy()  # inspecting marks no office as used
        out = []
        for i in self.stage_items[stage]:
            if k.route(slot, int(i), float(self.model.time), *pipeline):
                t = self._tasks[slot * self.per_case + i]
                out.append(
                    RoutedItem(
                        int(t[L.T_ITEM]),
                        self.pool.offices[int(t[L.T_OFFICE])],
                        float(t[L.T_PREP]),
                        float(t[L.T_TRANSIT]),
                        float(t[L.T_EFFORT]),
                        float(t[L.T_REVIEW]),
                        bool(t[L.T_REWORK]),
                    )
                )
        pipeline.offices.touched[:] = touched
        return out
