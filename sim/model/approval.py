"""The approval pipeline: items in a precedence graph, offices with finite staff, queueing.

A project passes the catalogue's approval items.  Which item waits for which is a precedence
graph (the catalogue's ``predecessors`` column: the pre-reform order of the national process,
串联审批): an item starts when every item it waits for is done, so a chain takes the sum of its
items and parallel branches the longest.  The catalogue's ``stage`` (project & land, planning
permit, construction permit, completion acceptance; 国办发〔2019〕11号) labels what is reported per
stage; construction starts when every item of stages 1-3 is done (the permit) and every stage-4
item waits for its end.  An item of a later stage that waits for one of an earlier stage starts a
hand-off after it (``stage_handoff_days``).  Each item is

1. prepared by the applicant (``prep_days``; one-stop agent service, 代办, cuts it),
2. carried to its office (transit by the office's level; no-meeting approval, 不见面, cuts it),
3. queued first-come-first-served at an office with ``staff`` servers and worked for
   ``effort_days`` (finite staff: a busy office makes items wait — queueing, not a fixed delay),
4. reviewed for a statutory lag (``review_days``, no staff needed),
5. sent back once with the rework probability (agent service cuts it), repeating 1-4.

Two measures of approval time are kept: the total (application to acceptance, less
construction) and the government's processing time — transit, queue wait, office work and
review lag, not the applicant's preparation or the hand-offs — summed along the chain of items
that set the project's end (each item's binding predecessor, back to the application).

Devolution moves an item's office from the region/city/county to the zone's own office (or a
county office dispatched into the zone); consolidation pools staff of merged bodies into one
office; regional assessment (区域评) removes an item from a zone's projects once the county has
done it zone-wide (it counts as done for the items waiting for it).  The approval-process reform
(:mod:`sim.model.policies.process`) edits the graph — edges removed, items merged, items turned
into post-approval checks — and is compiled as a second process when it starts
(:meth:`ApprovalSystem.adopt`): each application runs to its end on the process it opened on.
All times are in working days; the clock of the model is in months.

Projects come in three streams (:data:`STREAMS`; the catalogue's ``streams`` column says which items
each needs): enterprise projects outside the government's approval catalogue are filed (备案),
those in it (政府核准的投资项目目录, 2016) are approved (核准) after a project application report,
and government-investment projects (审批: proposal, feasibility study, preliminary design) are not
firms but load the same offices.  Each stream runs on the process's graph restricted to its own
items: an edge from an item the stream does not have is not there (a filed project's land-planning
permit does not wait for a feasibility study), so each (process, stream) pair is compiled as its
own graph.

Service start times follow the Kiefer–Wolfowitz recursion for a multi-server FCFS queue: an
office keeps the times at which each of its servers frees up; an item arriving at ``t`` starts
at ``max(t, earliest free time)``.  Arrivals, items becoming ready and completions happen at their
own (continuous) times between the model's monthly steps, in time order and then in the order
they were scheduled, like Mesa's event list; they are processed in compiled code
(:mod:`sim.model.approval_kernels`) at the start of each step, up to the step's time, with the
routing rules in force then.  A project's first items are routed when it applies, within the step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.model import approval_kernels as k
from sim.model import approval_layout as L
from sim.model.approval_compile import N_GRAPHS, N_PROCESSES, CompiledProcess  # noqa: F401
from sim.model.approval_graph import (  # noqa: F401  (re-exported: imported from here elsewhere)
    AUTHORITIES,
    DRAWS,
    LEVELS,
    PRE_REFORM,
    STREAMS,
    ApprovalGraph,
    ProcessRules,
    parse_predecessors,
    stream_items,
)
from sim.model.approval_offices import Office, OfficePool  # noqa: F401  (re-exported)
from sim.model.approval_rules import RoutedItem, Routing  # noqa: F401

if TYPE_CHECKING:
    from sim.model.model import ZoneReformModel

#: what :meth:`ApprovalSystem.advance` returns per completed application: enterprise row, zone index,
#: times (months) of application, permit and production start, working days of each stage (first
#: item ready to last done), items skipped by regional assessment, government working days along the
#: chain that set the end, and along each stage's own chain; the process it ran on (0 pre-reform, 1
#: reformed), its items done at an office, of which over the statutory limit, and its failed
#: post-approval checks
DONE = L.Done._fields  # graph: process * len(STREAMS) + stream

#: storage (not a model parameter): the room for open applications grows fourfold when it runs out.
#: Room not yet used costs no memory (the arrays are allocated zeroed, their pages touched only when
#: used); every growth copies the open applications, so fewer, larger steps copy less.
GROWTH = 4


def _done_arrays(capacity: int) -> L.Done:
    n = L.N_STAGES
    return L.Done(
        np.zeros(capacity, np.int64),
        np.zeros(capacity, np.int64),
        np.zeros(capacity),
        np.zeros(capacity),
        np.zeros(capacity),
        np.zeros((capacity, n)),
        np.zeros(capacity, np.int64),
        np.zeros(capacity),
        np.zeros((capacity, n)),
        *(np.zeros(capacity, np.int64) for _ in range(4)),
    )


class ApprovalSystem(CompiledProcess, Routing):
    """Offices, routing rules and the open applications of one model.

    Applications live in the arrays of :mod:`sim.model.approval_kernels` (a slot each, recycled
    when production starts); :meth:`open` starts them within a step, :meth:`advance` runs the
    pipeline's events up to the step's time and returns the applications completed.
    """

    def __init__(self, model: ZoneReformModel, pool: OfficePool):
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
        # the calibration's scales multiply the times the catalogue marks as assumed (column ``scaled``)
        scaled = [{t.strip() for t in str(v).split(";")} for v in self.items["scaled"]]
        self.review = self.items["review_days"].to_numpy() * np.array(
            [p.review_scale if "review" in s else 1.0 for s in scaled]
        )
        self.prep = self.items["prep_days"].to_numpy() * np.array(
            [p.prep_scale if "prep" in s else 1.0 for s in scaled]
        )
        self.share = self.items["share"].to_numpy()
        self.in_stream = stream_items(self.items)  # streams × items: which items each stream needs
        self.stage_items = [np.flatnonzero(self.stage_of == s) for s in range(L.N_STAGES)]
        self.graph = (
            ApprovalGraph.from_items(self.items)
            if p.precedence == "catalogue"
            else ApprovalGraph.stage_barrier(self.items)
        )
        self.reformed: ProcessRules | None = None  # the reformed process's rules, once adopted
        self._reformed_graph = self.graph
        self.pool = pool
        pool.transit_days = {
            level: days * p.transit_scale
            for level, days in (
                ("region", p.transit_days_region),
                ("city", p.transit_days_city),
                ("county", p.transit_days_county),
                ("zone", p.transit_days_zone),
                ("dispatched", p.transit_days_zone),
            )
        }
        self.region_office = Office("region", "region", model.staffing("region", None), p.background_load, pool)
        self.city_offices: dict[str, Office] = {}
        self.county_offices: dict[str, Office] = {}
        self.dispatched_offices: dict[str, Office] = {}
        self._compile(self.graph, PRE_REFORM)
        self._auth: np.ndarray | None = None
        self._zone_office: tuple[int, np.ndarray] | None = None  # (model.zone_version, office of each zone)
        self.state = np.zeros(L.N_STATE, np.int64)
        self._cases = self._tasks = self._events = self._done = None
        self._grow(256)

    # ------------------------------------------------------------------ storage
    def _grow(self, capacity: int) -> None:
        """(Re)allocate room for ``capacity`` open applications, keeping the open ones in place."""
        n_i, per = self.n_items, self.per_case
        old_c = 0 if self._cases is None else self._cases.ints.shape[0]
        cases = L.Cases(
            np.zeros((capacity, L.N_CASE_INTS), np.int64),
            np.zeros((capacity, L.N_CASE_FLOATS)),
            np.zeros((capacity, n_i, len(DRAWS))),
            np.zeros(capacity, np.int64),
            np.zeros(per, np.int64),
        )
        tasks = np.zeros((capacity * per, L.N_TASK_COLS))
        ev_cap = capacity * (per + 1) + 16  # at most one pending event per task and per application
        events = np.zeros((ev_cap + L.HEAP_OFFSET, 4))
        done = _done_arrays(capacity)
        if self._cases is not None:
            for new, old in zip(cases[:3], self._cases[:3]):
                new[:old_c] = old
            tasks[: self._tasks.shape[0]] = self._tasks
            n_ev = int(self.state[L.N_EVENTS])
            events[: n_ev + L.HEAP_OFFSET] = self._events[: n_ev + L.HEAP_OFFSET]
            n_free = int(self.state[L.N_FREE])
            cases.free[:n_free] = self._cases.free[:n_free]
        # new slots go on the free stack below the old free ones (lowest slot on top)
        n_free = int(self.state[L.N_FREE])
        new_slots = np.arange(capacity - 1, old_c - 1, -1, dtype=np.int64)
        stack = cases.free
        stack[new_slots.size : new_slots.size + n_free] = stack[:n_free].copy()
        stack[: new_slots.size] = new_slots
        self.state[L.N_FREE] = n_free + new_slots.size
        self._cases, self._tasks, self._events, self._done = cases, tasks, events, done

    def _firms(self) -> L.Applicants:
        """The applicants' columns the kernels read and write: the enterprises' (rows ≥ 0), then the
        government projects' (row ``-1 - j`` is government project ``j``)."""
        f, g = self.model.firms, self.model.government
        return L.Applicants(f._zone, f._county, f._state, f._entry_month, g.zone, g.county, g.state, g.entry_month)

    def _pipeline(self) -> L.Pipeline:
        """The state one kernel call works on, with the routing rules in force now."""
        return L.Pipeline(
            self._items,
            self._context(),
            self._cases,
            self._tasks,
            self.pool.arrays(),
            self._events,
            self.state,
            self._firms(),
            self._done,
        )

    @property
    def n_open(self) -> int:
        """Applications under way."""
        return int(self._cases.ints.shape[0] - self.state[L.N_FREE])

    # ------------------------------------------------------------------ routing rules

    # ------------------------------------------------------------------ life cycle
    def _ensure(self, new: int) -> None:
        if self.state[L.N_FREE] < new:
            self._grow(max(GROWTH * self._cases.ints.shape[0], self.n_open + new))

    def streams_of(self, rows: np.ndarray) -> np.ndarray:
        """The stream of each applicant: a government project's (rows < 0) is ``government``; an
        enterprise project (or a new plant) is approved (核准) when its capital reaches its sector's
        approval threshold (:func:`sim.model.project_scale.approval_threshold`: its ``approved_share``
        largest projects), else filed (备案)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.full(rows.size, L.GOVERNMENT, dtype=np.int64)
        ent = rows[rows >= 0]
        f = self.model.firms
        big = f.capital[ent] >= self.model.market.approval_capital[f.sector[ent]]
        out[rows >= 0] = np.where(big, L.APPROVED, L.FILED)
        return out

    def open(self, rows: np.ndarray, draws: dict) -> None:
        """Projects at ``rows`` (``-1 - j``: government project ``j``) apply now; ``draws`` holds their
        item draws (arrays rows × items); their streams follow their scale (:meth:`streams_of`)."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        self._ensure(rows.size)
        m = self.model
        k.open_cases(
            rows,
            self.streams_of(rows),
            np.stack([np.asarray(draws[d], dtype=float) for d in DRAWS], axis=2),
            float(m.time),
            m.month,
            *self._pipeline(),
        )
        m.firms.touch()  # the kernels write the applicants' life-cycle states

    def advance(self, until: float) -> dict:
        """Run the pipeline's events before ``until``; return the applications completed
        (see :data:`DONE`)."""
        m = self.model
        if self.state[L.N_EVENTS]:
            self.state[L.N_DONE] = 0
            if self._done.row.size < self._cases.ints.shape[0]:
                self._done = _done_arrays(self._cases.ints.shape[0])
            k.advance(float(until), m.month, *self._pipeline())
            m.firms.touch()  # permits and completions: the kernels wrote life-cycle states
        n = int(self.state[L.N_DONE])
        self.state[L.N_DONE] = 0
        order = np.argsort(self._done.time[:n], kind="stable")  # by the time production starts
        return {name: a[:n][order] for name, a in zip(DONE, self._done)}

    def latency(self, done: dict) -> tuple[np.ndarray, np.ndarray]:
        """Approval time of the projects in ``done`` (a batch from :meth:`advance`), application to
        acceptance less construction: in working days and in calendar days."""
        cal = self.model.calendar
        wd = cal.working_days((done["time"] - done["applied"]) - self.model.params.firms.construction_months)
        return wd, wd * cal.calendar_days_per_working_day

    def offices(self) -> list[Office]:
        out = [self.region_office, *self.city_offices.values(), *self.county_offices.values()]
        touched = self.pool.arrays().touched
        out += [o for o in self.dispatched_offices.values() if touched[o.index]]
        out += [b.office for b in self.model.bodies.values() if b.active]
        return out
