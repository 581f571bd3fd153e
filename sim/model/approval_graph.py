"""The approval process as data: the precedence graph over the catalogue's items, the process's other
rules, and which items each project stream needs (the mechanism is described in :mod:`sim.model.approval`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.data.region import ITEM_STREAMS
from sim.model import approval_layout as L

LEVELS = ("region", "city", "county", "zone", "dispatched")
AUTHORITIES = ("region", "city", "county")  # the catalogue's `authority` column, coded 0, 1, 2
DRAWS = ("needs", "prep", "effort", "rework")  # a project's own draws per catalogue item

#: the project streams, coded 0, 1, 2: enterprise projects filed (备案), enterprise projects approved
#: (核准), government-investment projects (审批)
STREAMS = ITEM_STREAMS
assert STREAMS[L.FILED] == "filed" and STREAMS[L.APPROVED] == "approved" and STREAMS[L.GOVERNMENT] == "government"
assert len(STREAMS) == L.N_STREAMS


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
            frozenset(j for j, sj in enumerate(stage) if sj == s - 1 and s - 1 != L.PERMIT_STAGE + 1) for s in stage
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
            [L.CHECK if check[i] else self.stage[node_of[i]] - 1 for i in range(n)] + [-1], dtype=np.int64
        )
        succ: list[list[int]] = [[] for _ in range(n + 1)]
        n_pred = np.zeros(n + 1, dtype=np.int64)
        for i in range(n):
            for p in sorted(self.members[q][0] for q in self.preds[node_of[i]]):
                succ[p].append(i)
                n_pred[i] += 1
        for i in range(n):
            if 0 <= stage_of[i] <= L.PERMIT_STAGE:
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
