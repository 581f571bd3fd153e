"""Devolution and services (放管服): powers devolved to zones, the service mode, no-meeting
approval (不见面), one-stop agent service (一站式代办), regional assessment (区域评) paid by the
county, and county–zone integration (县区一体)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.policies.base import Policy


@dataclass(frozen=True)
class Services:
    """Shares of preparation, rework, transit and stage hand-off removed for a zone's projects."""

    prep_cut: float = 0.0
    rework_cut: float = 0.0
    transit_cut: float = 0.0
    handoff_cut: float = 0.0


NO_SERVICES = Services()


class Devolution(Policy):
    name = "devolution"

    def __init__(self, model, params):
        super().__init__(model, params, params.start, "policy.devolution.start")
        p = params
        self._services = Services(
            prep_cut=p.agent_prep_cut if p.one_stop_agent else 0.0,
            rework_cut=p.agent_rework_cut if p.one_stop_agent else 0.0,
            transit_cut=p.no_meeting_transit_cut if p.no_meeting else 0.0,
            handoff_cut=p.integration_handoff_cut if p.county_zone_integration else 0.0,
        )

    def zone_services(self) -> Services:
        """Service improvements a project in a zone gets now (none before devolution runs; projects
        outside zones never get them)."""
        return self._services if self.active else NO_SERVICES

    def devolved_items(self, powers: np.ndarray) -> np.ndarray:
        """The routing rule: which catalogue items go to a zone's office now (bool per item).

        The policy devolves its first ``powers`` powers in catalogue order, whole items only: an item
        is devolved when it carries powers and every power up to and including its own is among them
        (none before devolution runs)."""
        powers = np.asarray(powers)
        if not self.active:
            return np.zeros(powers.size, dtype=bool)
        return (powers > 0) & (np.cumsum(powers) <= self.params.powers)

    def ra_covers(self, order: int) -> bool:
        """Is regional-assessment item ``order`` (1–9) among those the policy does zone-wide?"""
        return self.active and order <= self.params.regional_assessment_items

    def on_month(self) -> None:
        """At the start and every January: counties commission the zone-wide assessments they can pay."""
        m = self.model
        if not self.active or self.params.regional_assessment_items == 0:
            return
        if m.month != self.start and not m.calendar.is_year_start(m.month):
            return
        p = self.params
        budget = {c.county_id: p.ra_budget_share * c.fiscal_revenue for c in m.counties}
        done_at = m.time + p.regional_assessment_months
        for zone in m.active_zones():
            for order in range(1, p.regional_assessment_items + 1):
                if m.zone_ra_time[zone.index, order] < np.inf:
                    continue  # commissioned already
                if budget[zone.county_id] < p.regional_assessment_cost:
                    break
                budget[zone.county_id] -= p.regional_assessment_cost
                m.zone_ra_time[zone.index, order] = done_at
                m.ra_spending_month += p.regional_assessment_cost
