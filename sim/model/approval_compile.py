"""The approval catalogue compiled on the process's precedence graphs, for the kernels: one graph per
process (pre-reform, reformed) and project stream (see :mod:`sim.model.approval`)."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from sim.model import approval_layout as L
from sim.model.approval_graph import AUTHORITIES, STREAMS, ApprovalGraph, ProcessRules

N_PROCESSES = 2  # the compiled processes: pre-reform (0) and reformed (1)
N_GRAPHS = N_PROCESSES * len(STREAMS)  # graph g = process * len(STREAMS) + stream
#: the per-node arrays of one graph (the kernels' :class:`~sim.model.approval_layout.Items` of the same
#: names, a row per graph there), then its successor lists in CSR form
NODE_ARRAYS = (
    "stage_of",
    "share",
    "ra_order",
    "authority",
    "prep",
    "effort",
    "review",
    "rework_p",
    "prep_first",
    "prep_rework",
    "n_pred",
)
NodeArrays = namedtuple("NodeArrays", (*NODE_ARRAYS, "succ_ptr", "succ"))


class CompiledProcess:
    """The catalogue compiled on the graphs (a part of :class:`~sim.model.approval.ApprovalSystem`)."""

    def _process_arrays(self, graph: ApprovalGraph, rules: ProcessRules) -> NodeArrays:
        """One process's per-node arrays, a row per stream (see :meth:`_node_arrays`); ``succ`` padded."""
        per = [self._node_arrays(graph, rules, s) for s in range(len(STREAMS))]
        width = max(a.succ.size for a in per)
        out = [np.stack([a[j] for a in per]) for j in range(len(NODE_ARRAYS) + 1)]
        out.append(np.stack([np.pad(a.succ, (0, width - a.succ.size)) for a in per]))
        return NodeArrays(*out)

    def _compile(self, graph: ApprovalGraph, rules: ProcessRules) -> None:
        """The static arrays the kernels read: the catalogue on the pre-reform ``graph`` (rows of process
        0, one per stream, of each per-node array) and on the reformed one (process 1: ``graph`` and
        ``rules`` until :meth:`adopt`); graph ``g`` = process × len(STREAMS) + stream."""
        m, p = self.model, self.model.params.approval
        both = NodeArrays(*(np.concatenate([a] * N_PROCESSES) for a in self._process_arrays(graph, rules)))
        self._items = L.Items(
            both.stage_of,
            both.share,
            both.ra_order,
            both.authority,
            both.prep,
            both.effort,
            both.review,
            L.Scalars(
                float(m.calendar.working_days_per_month),
                float(p.rework_probability),
                float(p.rework_prep_share),
                float(p.stage_handoff_days),
                float(m.params.firms.construction_months),
            ),
            both.succ_ptr,
            both.succ,
            both.n_pred,
            both.rework_p,
            both.prep_first,
            both.prep_rework,
            np.full(N_GRAPHS, rules.review_limit_days / m.calendar.working_days_per_month),
            np.full(N_GRAPHS, 1.0 - rules.transit_cut),
        )
        self.per_case = both.stage_of.shape[1]  # task rows per application: one per node

    def _node_arrays(self, graph: ApprovalGraph, rules: ProcessRules, stream: int) -> NodeArrays:
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
        check = stage_of[:n] == L.CHECK
        rework_p = np.where(check, rules.check_failure_probability, p.rework_probability * (1.0 - rules.rework_cut))
        first = np.where(check, 0.0, 1.0)
        again = np.where(check, 1.0, p.rework_prep_share * (1.0 - rules.rework_prep_cut))
        authority = np.array([AUTHORITIES.index(a) for a in self.authority], dtype=np.int64)
        return NodeArrays(
            stage_of, share, ra_order, authority, prep, effort, review, rework_p, first, again, n_pred, ptr, succ
        )

    def adopt(self, graph: ApprovalGraph, rules: ProcessRules) -> None:
        """From now on, projects that apply (in ``rules.scope``) run on the reformed process: ``graph``
        and ``rules`` are compiled as process 1.  Applications under way finish on the process they
        opened on (their case keeps its process index; nothing of process 0 changes)."""
        node = self._process_arrays(graph, rules)
        items = self._items
        new = slice(len(STREAMS), N_GRAPHS)  # the reformed process's graphs, one per stream
        for name in NODE_ARRAYS:
            getattr(items, name)[new] = getattr(node, name)
        ptr, succ = node.succ_ptr, node.succ
        width = max(items.succ.shape[1], succ.shape[1])
        grown = np.zeros((N_GRAPHS, width), np.int64)
        grown[: len(STREAMS), : items.succ.shape[1]] = items.succ[: len(STREAMS)]
        grown[new, : succ.shape[1]] = succ
        items.succ_ptr[new] = ptr
        items.review_limit[new] = rules.review_limit_days / self.model.calendar.working_days_per_month
        items.transit_factor[new] = 1.0 - rules.transit_cut
        self._items = items._replace(succ=grown)
        self.reformed, self._reformed_graph = rules, graph
