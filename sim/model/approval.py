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

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from sim.data.region import ITEM_STREAMS
from sim.model import approval_kernels as k

if TYPE_CHECKING:
    from sim.model.model import ZoneReformModel

LEVELS = ("region", "city", "county", "zone", "dispatched")
AUTHORITIES = ("region", "city", "county")  # the catalogue's `authority` column, coded 0, 1, 2
DRAWS = ("needs", "prep", "effort", "rework")  # a project's own draws per catalogue item
#: what :meth:`ApprovalSystem.advance` returns per completed application: enterprise row, zone index,
#: times (months) of application, permit and production start, working days of each stage (first
#: item ready to last done), items skipped by regional assessment, government working days along the
#: chain that set the end, and along each stage's own chain; the process it ran on (0 pre-reform, 1
#: reformed), its items done at an office, of which over the statutory limit, and its failed
#: post-approval checks
DONE = (
    "row",
    "zone",
    "applied",
    "permit",
    "time",
    "stage_wd",
    "skipped",
    "gov_wd",
    "stage_gov_wd",
    "graph",
    "items_served",
    "items_late",
    "checks_failed",
)  # graph: process * len(STREAMS) + stream
#: the project streams, coded 0, 1, 2: enterprise projects filed (备案), enterprise projects approved
#: (核准), government-investment projects (审批)
STREAMS = ITEM_STREAMS
assert STREAMS[k.FILED] == "filed" and STREAMS[k.APPROVED] == "approved" and STREAMS[k.GOVERNMENT] == "government"
assert len(STREAMS) == k.N_STREAMS
N_PROCESSES = 2  # the compiled processes: pre-reform (0) and reformed (1)
N_GRAPHS = N_PROCESSES * len(STREAMS)  # graph g = process * len(STREAMS) + stream


def _done_arrays(capacity: int) -> tuple:
    n = k.N_STAGES
    return (
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


def stream_items(items: pd.DataFrame) -> np.ndarray:
    """Which catalogue items each stream needs (bool, streams × items) from the optional ``streams``
    column (``;``-separated stream names; empty or missing: every stream)."""
    col = items["streams"] if "streams" in items else [""] * len(items)
    out = np.zeros((len(STREAMS), len(items)), dtype=bool)
    for i, v in enumerate(col):
        names = parse_predecessors(v)
        out[:, i] = True if not names else [s in names for s in STREAMS]
    return out


def parse_predecessors(value) -> list[str]:
    """The item ids of a ``predecessors`` cell (``;``-separated; empty or missing: none)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


@dataclass(frozen=True)
class ApprovalGraph:
    """The approval process as a precedence graph over the catalogue's items.

    ``preds[g]`` are the nodes node ``g`` waits for.  A node is one catalogue item, or several merged
    into one (``members[g]``: catalogue positions, the first leads; see :meth:`merge`); a node in
    ``checks`` is a post-approval check (see :meth:`commit`).  The graph is data: reform levers that let
    items run in parallel or overlap stages remove edges (:meth:`without`), combined reviews merge
    nodes, commitment-based approval turns a node into a check; the model compiles it onto the
    catalogue's items (:meth:`arrays`).
    """

    ids: tuple[str, ...]
    stage: tuple[int, ...]  # 1-based, as in the catalogue
    preds: tuple[frozenset[int], ...]
    members: tuple[tuple[int, ...], ...] = ()  # catalogue positions of each node; () = one item per node
    checks: frozenset[int] = frozenset()  # nodes approved on commitment, checked after the permit

    def __post_init__(self):
        if not self.members:
            object.__setattr__(self, "members", tuple((i,) for i in range(len(self.ids))))

    @classmethod
    def from_items(cls, items: pd.DataFrame) -> ApprovalGraph:
        """The graph of a checked catalogue's ``predecessors`` column."""
        ids = tuple(items["item_id"])
        pos = {v: i for i, v in enumerate(ids)}
        preds = tuple(frozenset(pos[p] for p in parse_predecessors(v)) for v in items["predecessors"])
        return cls(ids, tuple(int(s) for s in items["stage"]), preds)

    @classmethod
    def stage_barrier(cls, items: pd.DataFrame) -> ApprovalGraph:
        """Stages in sequence, items of a stage in parallel: each item waits for every item of the
        stage before (of stages 1-3; stage 4 waits for construction anyway)."""
        ids, stage = tuple(items["item_id"]), tuple(int(s) for s in items["stage"])
        preds = tuple(
            frozenset(j for j, sj in enumerate(stage) if sj == s - 1 and s - 1 != k.PERMIT_STAGE + 1) for s in stage
        )
        return cls(ids, stage, preds)

    def _pos(self, node: str) -> int:
        try:
            return self.ids.index(node)
        except ValueError:
            raise ValueError(f"approval graph: no node {node!r} (nodes: {', '.join(self.ids)})") from None

    def edges(self) -> list[tuple[str, str]]:
        """``(predecessor, item)`` pairs by node id."""
        return [(self.ids[p], self.ids[i]) for i, ps in enumerate(self.preds) for p in sorted(ps)]

    def without(self, edges) -> ApprovalGraph:
        """The graph less the ``(predecessor, item)`` edges given by node id."""
        drop = {(self._pos(a), self._pos(b)) for a, b in edges}
        preds = tuple(frozenset(p for p in ps if (p, i) not in drop) for i, ps in enumerate(self.preds))
        return ApprovalGraph(self.ids, self.stage, preds, self.members, self.checks)

    def merge(self, nodes) -> ApprovalGraph:
        """The graph with ``nodes`` (ids, of one stage; the first leads) merged into one node, named
        by their ids joined with ``+``, at the lead's place: it waits for every node any of them
        waited for and every node that waited for any of them waits for it (edges among them
        vanish).  Its members are all of theirs: no catalogue item, and so no power, is lost."""
        nodes = list(dict.fromkeys(nodes))
        if len(nodes) < 2:
            return self
        pos = [self._pos(v) for v in nodes]
        stages = {self.stage[p] for p in pos}
        if len(stages) > 1:
            raise ValueError(f"approval graph: cannot merge {nodes} across stages {sorted(stages)}")
        if any(p in self.checks for p in pos):
            raise ValueError(f"approval graph: cannot merge {nodes}: a post-approval check is among them")
        lead, gone = pos[0], set(pos[1:])
        keep = [i for i in range(len(self.ids)) if i not in gone]
        new = {old: j for j, old in enumerate(keep)}
        for g in gone:
            new[g] = new[lead]
        group = set(pos)
        preds = []
        for i in keep:
            ps = set().union(*(self.preds[p] for p in pos)) - group if i == lead else self.preds[i]
            preds.append(frozenset(new[p] for p in ps))
        ids = tuple("+".join(nodes) if i == lead else self.ids[i] for i in keep)
        members = tuple(tuple(m for p in pos for m in self.members[p]) if i == lead else self.members[i] for i in keep)
        return ApprovalGraph(
            ids, tuple(self.stage[i] for i in keep), tuple(preds), members, frozenset(new[c] for c in self.checks)
        )

    def commit(self, nodes) -> ApprovalGraph:
        """The graph with ``nodes`` approved on the applicant's written commitment (告知承诺制): each
        leaves the critical path — nothing waits for it and it waits for nothing before the permit —
        and becomes a post-approval check, run when construction ends (see :meth:`arrays`)."""
        pos = {self._pos(v) for v in nodes}
        preds = tuple(
            frozenset() if i in pos else frozenset(p for p in ps if p not in pos) for i, ps in enumerate(self.preds)
        )
        return ApprovalGraph(self.ids, self.stage, preds, self.members, self.checks | pos)

    def only(self, keep) -> ApprovalGraph:
        """The graph restricted to the nodes ``keep`` (positions): an edge from or to another node is
        not there; the other nodes wait for nothing (a stream's own process, see :data:`STREAMS`)."""
        keep = set(keep)
        preds = tuple(
            frozenset(p for p in ps if p in keep) if i in keep else frozenset() for i, ps in enumerate(self.preds)
        )
        return ApprovalGraph(self.ids, self.stage, preds, self.members, self.checks)

    def as_predecessors(self) -> list[str]:
        """The graph as a catalogue ``predecessors`` column."""
        return [";".join(self.ids[p] for p in sorted(ps)) for ps in self.preds]

    def node_of(self) -> np.ndarray:
        """The node of each catalogue position."""
        out = np.zeros(sum(len(m) for m in self.members), dtype=np.int64)
        for g, ms in enumerate(self.members):
            out[list(ms)] = g
        return out

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(stage_of, succ_ptr, succ, n_pred)`` over the nodes the kernels run: the catalogue's items,
        then the construction phase (node ``n``, stage -1), which waits for every item of stages 1-3
        and which every stage-4 item and every post-approval check (stage ``CHECK``) waits for.

        A merged node runs at its lead's position; each other member waits for what the lead waits
        for and is never needed (done when ready, like an item not needed: see
        ``ApprovalSystem._compile``), so that it changes no time."""
        node_of = self.node_of()
        n = node_of.size
        build = n
        check = np.array([g in self.checks for g in node_of], dtype=bool)
        stage_of = np.array(
            [k.CHECK if check[i] else self.stage[node_of[i]] - 1 for i in range(n)] + [-1], dtype=np.int64
        )
        succ: list[list[int]] = [[] for _ in range(n + 1)]
        n_pred = np.zeros(n + 1, dtype=np.int64)
        for i in range(n):
            for p in sorted(self.members[q][0] for q in self.preds[node_of[i]]):
                succ[p].append(i)
                n_pred[i] += 1
        for i in range(n):
            if 0 <= stage_of[i] <= k.PERMIT_STAGE:
                succ[i].append(build)
                n_pred[build] += 1
            else:
                succ[build].append(i)
                n_pred[i] += 1
        ptr = np.concatenate([[0], np.cumsum([len(x) for x in succ])]).astype(np.int64)
        flat = np.array([j for x in succ for j in x], dtype=np.int64)
        return stage_of, ptr, flat, n_pred


@dataclass(frozen=True)
class ProcessRules:
    """The rules of a process besides its graph (the approval-process reform's levers that are not
    edits of the graph; see :class:`sim.model.policies.process.ApprovalProcess`).

    ``scope``: which new projects run on it (``region``: all, ``zones``: those in zones);
    ``review_limit_days``: statutory limit per item, working days — caps the review lag, and an
    item whose government time exceeds it is late; ``check_failure_probability``: of a
    post-approval check; ``rework_cut``, ``rework_prep_cut``: shares of the rework probability and of
    the preparation redone after rework removed (容缺受理); ``transit_cut``: share of the transit
    between offices removed (one online system and one window, 一个系统、一个窗口); ``concurrent``: lead items of merged
    nodes
    whose members' work runs at once, each department with its own staff (the node's effort is the
    longest member's), where by default one office does every member's work (efforts add up)."""

    scope: str = "region"
    review_limit_days: float = float("inf")
    check_failure_probability: float = 0.0
    rework_cut: float = 0.0
    rework_prep_cut: float = 0.0
    concurrent: frozenset[str] = frozenset()
    transit_cut: float = 0.0


PRE_REFORM = ProcessRules()


class OfficePool:
    """The servers of all approval offices of one model, in flat arrays the compiled kernels use.

    Office ``o``'s servers are ``free[start[o] : start[o] + staff[o]]``: the times (months) at which
    each frees up, kept as a min-heap.  Offices are added and re-staffed between steps (rarely);
    the arrays are rebuilt then.
    """

    def __init__(self, transit_days: dict[str, float] | None = None):
        self.offices: list[Office] = []
        self.transit_days = dict(transit_days or {})
        self._blocks: list[np.ndarray] = []  # each office's server heap while the flat arrays are stale
        self._bl: list[float] = []
        self._arrays: tuple | None = None
        self.served = np.zeros(0, np.int64)
        self.busy = np.zeros(0)
        self.wait = np.zeros(0)
        self.touched = np.zeros(0, bool)

    def add(self, office: Office, staff: int, background_load: float) -> int:
        self._unpack()
        self.offices.append(office)
        self._blocks.append(np.zeros(max(int(staff), 1)))
        self._bl.append(float(background_load))
        return len(self.offices) - 1

    def _unpack(self) -> None:
        """Split the flat server array back into per-office heaps (before a structural change)."""
        if self._arrays is not None:
            free, start, staff = self._arrays[:3]
            self._blocks = [free[s : s + n].copy() for s, n in zip(start, staff)]
            self._arrays = None

    def arrays(self) -> tuple:
        """``(free, start, staff, background_load, served, busy, wait, transit_days, touched)``."""
        if self._arrays is None:
            n = len(self._blocks)
            staff = np.array([b.size for b in self._blocks], dtype=np.int64)
            start = np.concatenate([[0], np.cumsum(staff)[:-1]]).astype(np.int64) if n else np.zeros(0, np.int64)
            free = np.concatenate(self._blocks) if n else np.zeros(0)
            for name in ("served", "busy", "wait", "touched"):
                old = getattr(self, name)
                if old.size < n:
                    setattr(self, name, np.concatenate([old, np.zeros(n - old.size, old.dtype)]))
            transit = np.array([self.transit_days.get(o.level, 0.0) for o in self.offices])
            self._arrays = (
                free,
                start,
                staff,
                np.array(self._bl),
                self.served,
                self.busy,
                self.wait,
                transit,
                self.touched,
            )
            self._blocks = []
        return self._arrays

    def reset_statistics(self) -> None:
        """Start the offices' counts (items served, staff time busy, time items waited) afresh."""
        for a in (self.served, self.busy, self.wait):
            a[:] = 0

    def heap(self, o: int) -> np.ndarray:
        if self._arrays is None:
            return self._blocks[o]
        free, start, staff = self._arrays[:3]
        return free[start[o] : start[o] + staff[o]]

    def set_staff(self, o: int, staff: int, now: float) -> None:
        """Change office ``o``'s servers: added ones are free at ``now``; removed ones are the idlest."""
        staff = max(int(staff), 1)
        heap = np.sort(self.heap(o))
        if staff > heap.size:
            heap = np.sort(np.concatenate([heap, np.full(staff - heap.size, float(now))]))
        else:
            heap = heap[heap.size - staff :]  # keep the servers that are busy longest
        if heap.size == self.heap(o).size:
            self.heap(o)[:] = heap  # a sorted array is a min-heap
            return
        self._unpack()
        self._blocks[o] = heap


class Office:
    """An approval office with ``staff`` parallel servers serving items first come, first served.

    A handle on one office of an :class:`OfficePool` (a private one if none is given).
    """

    def __init__(self, key: str, level: str, staff: int, background_load: float = 0.0, pool: OfficePool | None = None):
        self.key = key
        self.level = level  # region / city / county / zone / dispatched
        self.pool = pool if pool is not None else OfficePool()
        self.index = self.pool.add(self, staff, background_load)

    @property
    def staff(self) -> int:
        return int(self.pool.heap(self.index).size)

    @property
    def background_load(self) -> float:
        """Share of capacity taken by other work."""
        return self.pool._bl[self.index]

    @property
    def items_served(self) -> int:
        return int(self.pool.arrays()[4][self.index])

    @property
    def busy_time(self) -> float:
        """Months of staff effort spent on project items."""
        return float(self.pool.arrays()[5][self.index])

    @property
    def wait_time(self) -> float:
        """Months items waited in the queue, summed."""
        return float(self.pool.arrays()[6][self.index])

    def set_staff(self, staff: int, now: float) -> None:
        """Change the number of servers: added staff are free now; removed ones are the idlest."""
        self.pool.set_staff(self.index, staff, now)

    def serve(self, arrival: float, effort: float) -> float:
        """Queue an item arriving at ``arrival`` (months) with ``effort`` (months); return its finish time."""
        return float(k.serve(self.pool.arrays(), self.index, float(arrival), float(effort)))

    def __repr__(self) -> str:
        return f"Office({self.key}, staff={self.staff})"


class RoutedItem(NamedTuple):
    """Where one catalogue item of a case goes and how long its parts take (months)."""

    item: int
    office: Office
    prep: float
    transit: float
    effort: float
    review: float
    rework: bool


class ApprovalSystem:
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
        self.approved_share = model.region.sector_column("approved_share")  # by sector: share of 核准 projects
        self.stage_items = [np.flatnonzero(self.stage_of == s) for s in range(k.N_STAGES)]
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
        self.state = np.zeros(k.N_STATE, np.int64)
        self._cases = self._tasks = self._events = self._done = None
        self._grow(256)

    def _process_arrays(self, graph: ApprovalGraph, rules: ProcessRules) -> list[np.ndarray]:
        """One process's per-node arrays, a row per stream (see :meth:`_node_arrays`); ``succ`` padded."""
        per = [self._node_arrays(graph, rules, s) for s in range(len(STREAMS))]
        width = max(a[12].size for a in per)
        out = [np.stack([a[j] for a in per]) for j in range(12)]
        out.append(np.stack([np.pad(a[12], (0, width - a[12].size)) for a in per]))
        return out

    def _compile(self, graph: ApprovalGraph, rules: ProcessRules) -> None:
        """The static arrays the kernels read: the catalogue on the pre-reform ``graph`` (rows of process
        0, one per stream, of each per-node array) and on the reformed one (process 1: ``graph`` and
        ``rules`` until :meth:`adopt`); graph ``g`` = process × len(STREAMS) + stream."""
        m, p = self.model, self.model.params.approval
        both = [np.concatenate([a] * N_PROCESSES) for a in self._process_arrays(graph, rules)]
        stage_of, share, ra_order, authority, prep, effort, review, rework_p, first, again, n_pred, ptr, succ = both
        self._items = [
            stage_of,
            share,
            ra_order,
            authority,
            prep,
            effort,
            review,
            np.array(
                [
                    m.calendar.working_days_per_month,
                    p.rework_probability,
                    p.rework_prep_share,
                    p.stage_handoff_days,
                    m.params.firms.construction_months,
                ],
                dtype=float,
            ),
            ptr,
            succ,
            n_pred,
            rework_p,
            first,
            again,
            np.full(N_GRAPHS, rules.review_limit_days / m.calendar.working_days_per_month),
            np.full(N_GRAPHS, 1.0 - rules.transit_cut),
        ]
        self.per_case = stage_of.shape[1]  # task rows per application: one per node

    def _node_arrays(self, graph: ApprovalGraph, rules: ProcessRules, stream: int) -> tuple:
        """One graph's per-node arrays for one stream (see ``approval_kernels.route``), then its
        ``succ_ptr``, ``succ``.  The stream runs on the graph restricted to the nodes whose lead item
        it needs (:meth:`ApprovalGraph.only`); an item it does not need is never needed.

        A merged node runs at its lead's position with the lead's office and draws: it is needed
        when its lead's need draw falls under the largest of its members' shares; the applicant
        prepares one submission (the longest member's preparation); its office does every member's
        work (efforts add up: the same reviews, in one queue at the lead's office) unless the lead is
        in ``rules.concurrent`` (the departments work at once, each with its own staff: the longest
        member's effort); the members' reviews run at once (one lag: the longest).  Its other members are never
        needed.  A
        post-approval check costs no preparation until it fails (then the item's whole preparation)."""
        p = self.model.params.approval
        mine = self.in_stream[stream]
        graph = graph.only([g for g, ms in enumerate(graph.members) if mine[ms[0]]])
        stage_of, ptr, succ, n_pred = graph.arrays()
        n = self.n_items
        share, prep, effort, review = (
            np.where(mine, self.share, 0.0),
            self.prep.astype(float),
            self.effort.astype(float),
            self.review.astype(float),
        )
        ra_order = self.ra_order.astype(np.int64)
        for ms in graph.members:
            lead, rest = ms[0], list(ms[1:])
            if not rest:
                continue
            group = list(ms)
            share[lead], prep[lead] = share[group].max(), prep[group].max()
            at_once = self.items["item_id"].iat[lead] in rules.concurrent
            effort[lead] = effort[group].max() if at_once else effort[group].sum()
            review[lead] = review[group].max()
            ra_order[lead] = ra_order[lead] if (ra_order[group] == ra_order[lead]).all() else 0
            share[rest] = 0.0
        review = np.minimum(review, rules.review_limit_days)
        check = stage_of[:n] == k.CHECK
        rework_p = np.where(check, rules.check_failure_probability, p.rework_probability * (1.0 - rules.rework_cut))
        first = np.where(check, 0.0, 1.0)
        again = np.where(check, 1.0, p.rework_prep_share * (1.0 - rules.rework_prep_cut))
        authority = np.array([AUTHORITIES.index(a) for a in self.authority], dtype=np.int64)
        return (stage_of, share, ra_order, authority, prep, effort, review, rework_p, first, again, n_pred, ptr, succ)

    def adopt(self, graph: ApprovalGraph, rules: ProcessRules) -> None:
        """From now on, projects that apply (in ``rules.scope``) run on the reformed process: ``graph``
        and ``rules`` are compiled as process 1.  Applications under way finish on the process they
        opened on (their case keeps its process index; nothing of process 0 changes)."""
        node = self._process_arrays(graph, rules)
        items = self._items
        new = slice(len(STREAMS), N_GRAPHS)  # the reformed process's graphs, one per stream
        for slot, a in zip((0, 1, 2, 3, 4, 5, 6, 11, 12, 13, 10), node[:11]):
            items[slot][new] = a
        ptr, succ = node[11], node[12]
        width = max(items[9].shape[1], succ.shape[1])
        grown = np.zeros((N_GRAPHS, width), np.int64)
        grown[: len(STREAMS), : items[9].shape[1]] = items[9][: len(STREAMS)]
        grown[new, : succ.shape[1]] = succ
        items[8][new], items[9] = ptr, grown
        items[14][new] = rules.review_limit_days / self.model.calendar.working_days_per_month
        items[15][new] = 1.0 - rules.transit_cut
        self.reformed, self._reformed_graph = rules, graph

    # ------------------------------------------------------------------ storage
    def _grow(self, capacity: int) -> None:
        """(Re)allocate room for ``capacity`` open applications, keeping the open ones in place."""
        n_i, per = self.n_items, self.per_case
        old_c = 0 if self._cases is None else self._cases[0].shape[0]
        cases = (
            np.zeros((capacity, k.N_CASE_INTS), np.int64),
            np.zeros((capacity, k.N_CASE_FLOATS)),
            np.zeros((capacity, len(DRAWS), n_i)),
            np.zeros(capacity, np.int64),
            np.zeros(per, np.int64),
        )
        tasks = np.zeros((capacity * per, k.N_TASK_COLS))
        ev_cap = capacity * (per + 1) + 16  # at most one pending event per task and per application
        events = np.zeros((ev_cap + k.HEAP_OFFSET, 4))
        done = _done_arrays(capacity)
        if self._cases is not None:
            for new, old in zip(cases[:3], self._cases[:3]):
                new[:old_c] = old
            tasks[: self._tasks.shape[0]] = self._tasks
            n_ev = int(self.state[k.N_EVENTS])
            events[: n_ev + k.HEAP_OFFSET] = self._events[: n_ev + k.HEAP_OFFSET]
            n_free = int(self.state[k.N_FREE])
            cases[3][:n_free] = self._cases[3][:n_free]
        # new slots go on the free stack below the old free ones (lowest slot on top)
        n_free = int(self.state[k.N_FREE])
        new_slots = np.arange(capacity - 1, old_c - 1, -1, dtype=np.int64)
        stack = cases[3]
        stack[new_slots.size : new_slots.size + n_free] = stack[:n_free].copy()
        stack[: new_slots.size] = new_slots
        self.state[k.N_FREE] = n_free + new_slots.size
        self._cases, self._tasks, self._events, self._done = cases, tasks, events, done

    def _firms(self) -> tuple:
        """The applicants' columns the kernels read and write: the enterprises' (rows ≥ 0), then the
        government projects' (row ``-1 - j`` is government project ``j``)."""
        f, g = self.model.firms, self.model.government
        return f._zone, f._county, f._state, f._entry_month, g.zone, g.county, g.state, g.entry_month

    @property
    def n_open(self) -> int:
        """Applications under way."""
        return int(self._cases[0].shape[0] - self.state[k.N_FREE])

    # ------------------------------------------------------------------ routing rules
    def devolved(self, item: int) -> bool:
        """Is the item's power among those devolved to zones (catalogue order, whole items)?"""
        dev = self.model.policies.devolution
        return bool(dev.active and self.powers[item] > 0 and self.cum_powers[item] <= dev.params.powers)

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

    def _context(self) -> tuple:
        """The routing rules in force now, as arrays (see ``approval_kernels.route``)."""
        m = self.model
        dev = m.policies.devolution
        active = bool(dev.active)
        mode = {"zone_office": k.ZONE_OFFICE, "county_dispatched": k.COUNTY_DISPATCHED}.get(dev.params.service_mode)
        if mode is None:
            raise ValueError(f"policy.devolution.service_mode = {dev.params.service_mode!r} is not known")
        s = dev.zone_services()
        cuts = np.array([s.prep_cut, s.rework_cut, s.transit_cut, s.handoff_cut])
        devolved = np.array([self.devolved(i) for i in range(self.n_items)], dtype=bool)
        merged = devolved.copy()  # on the reformed process a merged node is devolved when all its members are
        for ms in self._reformed_graph.members:
            merged[ms[0]] = devolved[list(ms)].all()
        devolved = np.stack([devolved] * len(STREAMS) + [merged] * len(STREAMS))  # by graph
        n_order = int(self.ra_order.max()) + 1 if self.n_items else 1
        ra_cover = np.array([dev.ra_covers(o) for o in range(n_order)], dtype=bool)
        ra_time = (
            m.zone_ra_time[:, :n_order]
            if m.zone_ra_time.shape[1] >= n_order
            else np.full((len(m.zones), n_order), np.inf)
        )
        if self._zone_office is None or self._zone_office[0] != m.zone_version:  # bodies change with a zone
            self._zone_office = (m.zone_version, np.array([z.body.office.index for z in m.zones], dtype=np.int64))
        zone_office = self._zone_office[1]
        if active and mode == k.COUNTY_DISPATCHED and not self.dispatched_offices:
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
        return (
            np.array([int(active), mode, *reform], dtype=np.int64),
            cuts,
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
        slot = int(self._cases[3][self.state[k.N_FREE] - 1])  # a free slot, used as scratch
        ints, _f, case_draws, _s, _w = self._cases
        ints[slot, k.ROW], ints[slot, k.SKIPPED], ints[slot, k.GRAPH] = row, 0, STREAMS.index(stream)
        case_draws[slot] = np.stack([draws[d] for d in DRAWS])
        ctx = self._context()
        offices = self.pool.arrays()
        touched = offices[8].copy()  # inspecting marks no office as used
        out = []
        for i in self.stage_items[stage]:
            if k.route(
                slot,
                int(i),
                float(self.model.time),
                tuple(self._items),
                ctx,
                self._cases,
                self._tasks,
                offices,
                self._firms(),
            ):
                t = self._tasks[slot * self.per_case + i]
                out.append(
                    RoutedItem(
                        int(t[k.T_ITEM]),
                        self.pool.offices[int(t[k.T_OFFICE])],
                        float(t[k.T_PREP]),
                        float(t[k.T_TRANSIT]),
                        float(t[k.T_EFFORT]),
                        float(t[k.T_REVIEW]),
                        bool(t[k.T_REWORK]),
                    )
                )
        offices[8][:] = touched
        return out

    # ------------------------------------------------------------------ life cycle
    def _ensure(self, new: int) -> None:
        if self.state[k.N_FREE] < new:
            self._grow(max(2 * self._cases[0].shape[0], self.n_open + new))

    def streams_of(self, rows: np.ndarray, track: np.ndarray) -> np.ndarray:
        """The stream of each applicant: a government project's (rows < 0) is ``government``; an
        enterprise project is approved (核准) when its ``track`` draw falls under its sector's
        ``approved_share``, else filed (备案)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.full(rows.size, k.GOVERNMENT, dtype=np.int64)
        ent = rows >= 0
        share = self.approved_share[self.model.firms.sector[rows[ent]]]
        out[ent] = np.where(np.asarray(track)[ent] < share, k.APPROVED, k.FILED)
        return out

    def open(self, rows: np.ndarray, draws: dict) -> None:
        """Projects at ``rows`` (``-1 - j``: government project ``j``) apply now; ``draws`` holds their
        item draws (arrays rows × items) and their stream draw ``track`` (see :meth:`streams_of`)."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        self._ensure(rows.size)
        m = self.model
        k.open_cases(
            rows,
            self.streams_of(rows, draws["track"]),
            np.stack([np.asarray(draws[d], dtype=float) for d in DRAWS], axis=1),
            float(m.time),
            m.month,
            tuple(self._items),
            self._context(),
            self._cases,
            self._tasks,
            self.pool.arrays(),
            self._events,
            self.state,
            self._firms(),
            self._done,
        )
        m.firms.touch()  # the kernels write the applicants' life-cycle states

    def advance(self, until: float) -> dict:
        """Run the pipeline's events before ``until``; return the applications completed
        (see :data:`DONE`)."""
        m = self.model
        if self.state[k.N_EVENTS]:
            self.state[k.N_DONE] = 0
            if self._done[0].size < self._cases[0].shape[0]:
                self._done = _done_arrays(self._cases[0].shape[0])
            k.advance(
                float(until),
                m.month,
                tuple(self._items),
                self._context(),
                self._cases,
                self._tasks,
                self.pool.arrays(),
                self._events,
                self.state,
                self._firms(),
                self._done,
            )
            m.firms.touch()  # permits and completions: the kernels wrote life-cycle states
        n = int(self.state[k.N_DONE])
        self.state[k.N_DONE] = 0
        order = np.argsort(self._done[4][:n], kind="stable")  # by the time production starts
        return {name: a[:n][order] for name, a in zip(DONE, self._done)}

    def latency(self, done: dict) -> tuple[np.ndarray, np.ndarray]:
        """Approval time of the projects in ``done`` (a batch from :meth:`advance`), application to
        acceptance less construction: in working days and in calendar days."""
        cal = self.model.calendar
        wd = cal.working_days((done["time"] - done["applied"]) - self.model.params.firms.construction_months)
        return wd, wd * cal.calendar_days_per_working_day

    def offices(self) -> list[Office]:
        out = [self.region_office, *self.city_offices.values(), *self.county_offices.values()]
        touched = self.pool.arrays()[8]
        out += [o for o in self.dispatched_offices.values() if touched[o.index]]
        out += [b.office for b in self.model.bodies.values() if b.active]
        return out
