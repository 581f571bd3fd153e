"""The approval pipeline: items, stages, offices with finite staff, queueing.

A project passes the catalogue's approval items in four stages (project & land, planning
permit, construction permit, completion acceptance; 国办发〔2019〕11号): items of a stage run
in parallel, stages in sequence.  Each item is

1. prepared by the applicant (``prep_days``; one-stop agent service, 代办, cuts it),
2. carried to its office (transit by the office's level; no-meeting approval, 不见面, cuts it),
3. queued first-come-first-served at an office with ``staff`` servers and worked for
   ``effort_days`` (finite staff: a busy office makes items wait — queueing, not a fixed delay),
4. reviewed for a statutory lag (``review_days``, no staff needed),
5. sent back once with the rework probability (agent service cuts it), repeating 1-4.

Devolution moves an item's office from the region/city/county to the zone's own office (or a
county office dispatched into the zone); consolidation pools staff of merged bodies into one
office; regional assessment (区域评) removes an item from a zone's projects once the county has
done it zone-wide.  All times are in working days; the clock of the model is in months.

Service start times follow the Kiefer–Wolfowitz recursion for a multi-server FCFS queue: an
office keeps the times at which each of its servers frees up; an item arriving at ``t`` starts
at ``max(t, earliest free time)``.  Arrivals and completions are Mesa events at their own times.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.model import ZoneReformModel


class Office:
    """An approval office with ``staff`` parallel servers serving items first come, first served."""

    def __init__(self, key: str, level: str, staff: int, background_load: float = 0.0):
        self.key = key
        self.level = level  # region / city / county / zone / dispatched
        self.background_load = background_load  # share of capacity taken by other work
        self._free: list[float] = [0.0] * max(int(staff), 1)
        self.items_served = 0
        self.busy_time = 0.0  # months of staff effort spent on project items
        self.wait_time = 0.0  # months items waited in queue

    @property
    def staff(self) -> int:
        return len(self._free)

    def set_staff(self, staff: int, now: float) -> None:
        """Change the number of servers: added staff are free now; removed ones are the idlest."""
        staff = max(int(staff), 1)
        heap = sorted(self._free)
        if staff > len(heap):
            heap += [now] * (staff - len(heap))
        else:
            heap = heap[len(heap) - staff:]  # keep the servers that are busy longest
        heapq.heapify(heap)
        self._free = heap

    def serve(self, arrival: float, effort: float) -> float:
        """Queue an item arriving at ``arrival`` (months) with ``effort`` (months); return its finish time."""
        effort = effort / (1.0 - self.background_load)
        start = max(arrival, self._free[0])
        finish = start + effort
        heapq.heapreplace(self._free, finish)
        self.items_served += 1
        self.busy_time += effort
        self.wait_time += start - arrival
        return finish


class ItemTask:
    """One approval item of one project: its route and its draws; ``arrive`` is a Mesa event."""

    __slots__ = ("case", "item", "office", "prep", "transit", "effort", "review", "rework", "rework_prep",
                 "__weakref__")

    def __init__(self, case, item, office, prep, transit, effort, review, rework, rework_prep):
        self.case = case
        self.item = item  # row of the catalogue
        self.office = office
        self.prep = prep  # months (applicant)
        self.transit = transit  # months (documents and visits to the office)
        self.effort = effort  # months of office work
        self.review = review  # months of statutory lag, no staff
        self.rework = rework  # sent back once?
        self.rework_prep = rework_prep

    def arrive(self) -> None:
        """The item reaches its office: it queues for a server, is worked, then reviewed.

        Its completion time is then known; a rework sends it back once (a new arrival event
        after the applicant's corrections), otherwise the case learns when the item is done.
        """
        model = self.case.model
        done = self.office.serve(model.time, self.effort) + self.review
        if self.rework:
            self.rework = False
            model.schedule_event(self.arrive, at=done + self.rework_prep + self.transit)
        else:
            self.case.item_resolved(done)


@dataclass
class ApprovalCase:
    """The application of one enterprise, stage by stage; records per-stage durations."""

    model: "ZoneReformModel"
    enterprise: object
    draws: dict
    applied: float
    stage: int = 0
    stage_start: float = 0.0
    open_items: int = 0
    stage_end: float = 0.0
    tasks: list = field(default_factory=list)
    stage_days: list = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    items_skipped: int = 0
    permit_at: float | None = None

    def start_stage(self) -> None:
        """Route and launch every item of the current stage (an event at the stage's start)."""
        model = self.model
        self.stage_start = self.stage_end = model.time
        self.tasks = model.approval.route_stage(self)
        self.open_items = len(self.tasks)
        if not self.tasks:
            self.complete_stage()
            return
        for task in self.tasks:
            model.schedule_event(task.arrive, at=model.time + task.prep + task.transit)

    def item_resolved(self, done: float) -> None:
        """An item's completion time is known; the stage ends when its last item is done."""
        self.stage_end = max(self.stage_end, done)
        self.open_items -= 1
        if self.open_items == 0:
            self.model.schedule_event(self.complete_stage, at=self.stage_end)

    def complete_stage(self) -> None:
        model = self.model
        self.stage_days[self.stage] = model.calendar.working_days(model.time - self.stage_start)
        self.tasks = []
        self.stage += 1
        if self.stage == 3:  # construction permit issued: build, then completion acceptance
            self.permit_at = model.time
            model.on_permit(self)
            model.schedule_event(self.start_stage, at=model.time + model.params.firms.construction_months)
        elif self.stage == 4:
            model.approval.case_complete(self)
        else:
            handoff = model.approval.handoff_months(self)
            model.schedule_event(self.start_stage, at=model.time + handoff)


class ApprovalSystem:
    """Offices, routing rules and the register of open cases of one model."""

    def __init__(self, model: "ZoneReformModel"):
        self.model = model
        p = model.params.approval
        self.items = model.region.items.reset_index(drop=True)
        self.n_items = len(self.items)
        self.stage_of = self.items["stage"].to_numpy() - 1
        self.authority = self.items["authority"].to_numpy()
        self.powers = self.items["powers"].to_numpy()
        self.ra_order = self.items["ra_order"].to_numpy()
        self.cum_powers = np.cumsum(self.powers)
        self.effort = self.items["effort_days"].to_numpy() * p.item_effort_scale
        self.review = self.items["review_days"].to_numpy()
        self.prep = self.items["prep_days"].to_numpy() * p.prep_scale
        self.share = self.items["share"].to_numpy()
        self.stage_items = [np.flatnonzero(self.stage_of == k) for k in range(4)]
        self.transit = {"region": p.transit_days_region, "city": p.transit_days_city,
                        "county": p.transit_days_county, "zone": p.transit_days_zone,
                        "dispatched": p.transit_days_zone}
        self.open_cases: dict[int, ApprovalCase] = {}
        self.region_office = Office("region", "region", model.staffing("region", None), p.background_load)
        self.city_offices: dict[str, Office] = {}
        self.county_offices: dict[str, Office] = {}
        self.dispatched_offices: dict[str, Office] = {}

    # ------------------------------------------------------------------ draws
    def draw(self, key: int) -> dict:
        """A project's own draws for every catalogue item (same in every scenario: CRN)."""
        from sim.model.streams import Stream, stream

        p = self.model.params.approval
        rng = stream(self.model.params.seed, Stream.APPROVAL, key)
        n = self.n_items

        def lognormal(cv, size):
            s2 = np.log1p(cv**2)
            return rng.lognormal(-s2 / 2, np.sqrt(s2), size) if cv > 0 else np.ones(size)

        shape = 1 / p.service_cv**2 if p.service_cv > 0 else None
        return {
            "needs": rng.random(n),
            "prep": lognormal(p.prep_cv, n),
            "effort": rng.gamma(shape, 1 / shape, n) if shape else np.ones(n),
            "rework": rng.random(n),
        }

    # ------------------------------------------------------------------ routing
    def devolved(self, item: int) -> bool:
        """Is the item's power among those devolved to zones (catalogue order, whole items)?"""
        dev = self.model.policies.devolution
        return bool(dev.active and self.powers[item] > 0 and self.cum_powers[item] <= dev.params.powers)

    def route_stage(self, case: ApprovalCase) -> list[ItemTask]:
        """The items the case needs in its current stage, each routed to an office."""
        model = self.model
        wd = model.calendar.working_days_per_month
        p = model.params.approval
        ent = case.enterprise
        zone = model.zone_of(ent)
        county = model.counties_by_id[ent.county_id]
        dev = model.policies.devolution
        services = dev.services_for(zone)
        d = case.draws
        idx = self.stage_items[case.stage]
        idx = idx[d["needs"][idx] < self.share[idx]]
        if zone is not None and dev.active:
            skip = np.array([self.ra_order[i] > 0 and zone.has_regional_assessment(int(self.ra_order[i]))
                             for i in idx], dtype=bool)
            case.items_skipped += int(skip.sum())
            idx = idx[~skip]
        prep = self.prep[idx] * d["prep"][idx] * (1 - services.prep_cut)
        effort = self.effort[idx] * d["effort"][idx] / wd
        review = self.review[idx] / wd
        rework = d["rework"][idx] < p.rework_probability * (1 - services.rework_cut)
        tasks = []
        for k, i in enumerate(idx):
            if zone is not None and self.devolved(i):
                office = dev.zone_office(zone, county)
            else:
                office = self.office_for(self.authority[i], county)
            transit = self.transit[office.level] * (1 - services.transit_cut) / wd
            tasks.append(ItemTask(case, int(i), office, prep[k] / wd, transit, effort[k], review[k],
                                  bool(rework[k]), prep[k] * p.rework_prep_share / wd))
        return tasks

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

    def handoff_months(self, case: ApprovalCase) -> float:
        zone = self.model.zone_of(case.enterprise)
        cut = self.model.policies.devolution.services_for(zone).handoff_cut
        return self.model.calendar.months(self.model.params.approval.stage_handoff_days * (1 - cut))

    # ------------------------------------------------------------------ life cycle
    def open(self, enterprise) -> ApprovalCase:
        case = ApprovalCase(self.model, enterprise, self.draw(enterprise.key), applied=self.model.time)
        self.open_cases[enterprise.row] = case
        case.start_stage()
        return case

    def case_complete(self, case: ApprovalCase) -> None:
        del self.open_cases[case.enterprise.row]
        self.model.on_production_start(case)

    def offices(self) -> list[Office]:
        out = [self.region_office, *self.city_offices.values(), *self.county_offices.values(),
               *self.dispatched_offices.values()]
        out += [b.office for b in self.model.bodies.values() if b.active]
        return out
