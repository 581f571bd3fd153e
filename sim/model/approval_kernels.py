"""Compiled kernels of the approval pipeline (numba): office queues, the event list, routing.

The pipeline's logic is described in :mod:`sim.model.approval`; this module holds its inner loop,
which runs once per approval item (tens of millions of times at national scale), as numba
functions over flat arrays.  The state is grouped in named tuples of arrays
(:mod:`sim.model.approval_layout`; the arguments of a call are a
:class:`~sim.model.approval_layout.Pipeline`, unpacked), built and owned by
:class:`~sim.model.approval.ApprovalSystem`; the office queues and the event list are in
:mod:`sim.model.approval_queues`, the applicants' columns and the routing rule in
:mod:`sim.model.approval_routing`:

* ``offices``, ``events`` — the office queues and the event list (:mod:`sim.model.approval_queues`);
* ``cases`` — ``Cases(ints, floats, draws, free, work)``: one row per open application (a slot,
  recycled through the free stack), its draws in ``draws[slot]`` (items × ``D_*``: the draws of one
  item share a cache line); the worklist is scratch room for the nodes one call completes;
* ``tasks`` — one row (``T_*`` columns, two cache lines) per node of the precedence graph and case
  slot: the catalogue's items, then the construction phase (node ``n_items``);
* ``items`` — the catalogue compiled on the precedence graphs (static per graph; row ``g`` of each
  per-node array, ``Items``): the pre-reform process (0) and the reformed one (1, a copy of 0 until the process
  reform is adopted), each restricted to the items of each project stream (``g = process ·
  N_STREAMS + stream``); a case runs on the graph it opened on (``cases.ints[slot, GRAPH]``) to its end;
  ``ctx`` — the routing rules in force (``Context``, built in Python when policies may have changed),
  ``applicants`` — the applicants' columns the pipeline
  reads and writes: zone, county, life-cycle state and entry month of the enterprises (a case's row
  ``≥ 0``), then the same of the government projects (row ``-1 - j``);
* ``done`` — completed applications, appended for the recorder.

The process is a precedence graph: a node starts when every node it waits for is done.  Nodes are
the catalogue's items and one for the construction phase, which waits for every item of the stages
up to the construction permit (``PERMIT_STAGE``) and which every later item waits for.  Event kinds:
an item reaching its office (``ARRIVE``), a node whose predecessors are all done (``READY``), a node
done (``DONE``).  A post-approval check (stage ``CHECK``: an item approved on commitment) waits for the
construction node and sets no stage's time; its failure sends the applicant back to do the item's
preparation and the office's review again (the rework loop, counted in ``FAILED``).  No Python object
is touched in here.
"""

from __future__ import annotations

import numpy as np

from sim.model.approval_layout import (
    ARRIVE,
    BUILD,
    C_APPLIED,
    C_END,
    C_FIRST,
    C_GOV,
    C_LAST,
    C_PERMIT,
    C_SGOV,
    CHECK,
    CONSTRUCTION,
    DONE,
    FAILED,
    GRAPH,
    HEAP_OFFSET,
    LATE,
    N_CASE_FLOATS,
    N_DONE,
    N_EVENTS,
    N_FREE,
    N_STAGES,
    N_STREAMS,
    N_TASK_COLS,
    OPEN,
    OPERATING,
    PENDING,
    READY,
    ROW,
    SERVED,
    SKIPPED,
    T_EFFORT,
    T_FINISH,
    T_GOV,
    T_OFFICE,
    T_PREP,
    T_PREP_SPENT,
    T_READY,
    T_REVIEW,
    T_REWORK,
    T_REWORK_PREP,
    T_SGOV,
    T_TRANSIT,
    T_WAIT,
    WITHDRAWN,
)
from sim.model.approval_queues import _pop, push, serve
from sim.model.approval_routing import _services, _set_state, _state, _zone, route
from sim.model.kernel_cache import kernel, njit
from sim.model.prefetch import prefetch


# --------------------------------------------------------------------------- case life cycle
@njit(cache=True, inline="always")
def _push_case(events, state, cases, slot, time, kind, ref):
    cases.ints[slot, PENDING] += 1
    push(events, state, time, kind, ref)


@njit(cache=True, inline="always")
def _free_slot(slot, cases, state):
    """Put case ``slot`` back on the free stack (no event of it is pending)."""
    cases.free[state[N_FREE]] = slot
    state[N_FREE] += 1


@njit(cache=True, inline="always")
def _ready(slot, node, time, items, ctx, cases, tasks, offices, events, state, applicants, done):
    """Node ``node`` of case ``slot`` has every predecessor done at ``time``: start it.

    An item is routed and sent to its office (an ``ARRIVE`` event); one not needed or skipped is done
    at once.  The construction node issues the permit now and is done when construction ends.
    Returns the time the node is done, or ``-1.0`` when it went to an office."""
    t = slot * (tasks.shape[0] // cases.ints.shape[0]) + node
    s = items.stage_of[cases.ints[slot, GRAPH], node]
    if s == BUILD:  # construction: the permit is issued, the plant is built
        cases.floats[slot, C_PERMIT] = time
        _set_state(applicants, cases.ints[slot, ROW], CONSTRUCTION, -1)
        return time + items.scal.construction_months
    if s >= 0 and time < cases.floats[slot, C_FIRST + s]:
        cases.floats[slot, C_FIRST + s] = time
    if route(slot, node, time, items, ctx, cases, tasks, offices, events, state, applicants, done):
        _push_case(
            events,
            state,
            cases,
            slot,
            time + tasks[t, T_PREP] + tasks[t, T_TRANSIT],
            ARRIVE,
            t,
        )
        return -1.0
    return time


@njit(cache=True, inline="always")
def _complete(slot, month, items, ctx, cases, tasks, offices, events, state, applicants, done):
    """Case ``slot`` has every node done: production starts; record it and free the slot."""
    wd = items.scal.working_days
    row = cases.ints[slot, ROW]
    k = state[N_DONE]
    done.row[k] = row
    done.zone[k] = _zone(applicants, row)
    done.applied[k] = cases.floats[slot, C_APPLIED]
    done.permit[k] = cases.floats[slot, C_PERMIT]
    done.time[k] = cases.floats[slot, C_END]
    for s in range(N_STAGES):
        done.stage_wd[k, s] = (cases.floats[slot, C_LAST + s] - cases.floats[slot, C_FIRST + s]) * wd
        done.stage_gov_wd[k, s] = cases.floats[slot, C_SGOV + s] * wd
    done.gov_wd[k] = cases.floats[slot, C_GOV] * wd
    done.skipped[k] = cases.ints[slot, SKIPPED]
    done.graph[k] = cases.ints[slot, GRAPH]
    done.items_served[k] = cases.ints[slot, SERVED]
    done.items_late[k] = cases.ints[slot, LATE]
    done.checks_failed[k] = cases.ints[slot, FAILED]
    state[N_DONE] = k + 1
    _set_state(applicants, row, OPERATING, month)
    _free_slot(slot, cases, state)


@njit(cache=True, inline="always")
def _node_done(slot, node, finish, until, month, items, ctx, cases, tasks, offices, events, state, applicants, done):
    """Node ``node`` of case ``slot`` is done at ``finish`` (before ``until``); pass it on to the
    nodes waiting for it.

    Each successor's ready time is the latest of its predecessors' finish times (plus the hand-off
    when an item of an earlier stage precedes one of a later stage); the predecessor that sets it
    passes on its chain of government time.  A successor with nothing left to wait for starts now
    when it is ready before ``until`` (a step of the case alone: no office queue is touched), else at
    its time through the event list.  Nodes done on the way before ``until`` (items not needed, the
    construction node) are handled in the same loop, later ones at their time (``DONE``), so that
    what follows a node sees the rules in force when it is done.  When the last node is done the
    case completes.
    """
    g = cases.ints[slot, GRAPH]
    wd, handoff_days = items.scal.working_days, items.scal.handoff_days
    per_case = tasks.shape[0] // cases.ints.shape[0]
    base = slot * per_case
    _p, _r, _t, handoff_cut = _services(ctx, _zone(applicants, cases.ints[slot, ROW]) >= 0)
    handoff = handoff_days * (1 - handoff_cut) / wd
    tasks[base + node, T_FINISH] = finish
    cases.work[0] = node
    n_work = 1
    while n_work > 0:
        n_work -= 1
        v = cases.work[n_work]
        tv = base + v
        f = tasks[tv, T_FINISH]
        sv = items.stage_of[g, v]
        if sv >= 0 and f > cases.floats[slot, C_LAST + sv]:
            cases.floats[slot, C_LAST + sv] = f
            cases.floats[slot, C_SGOV + sv] = tasks[tv, T_SGOV]
        if f > cases.floats[slot, C_END]:
            cases.floats[slot, C_END] = f
            cases.floats[slot, C_GOV] = tasks[tv, T_GOV]
        for e in range(items.succ_ptr[g, v], items.succ_ptr[g, v + 1]):
            j = items.succ[g, e]
            tj = base + j
            sj = items.stage_of[g, j]
            cand = f + handoff if 0 <= sv < sj else f
            if cand > tasks[tj, T_READY]:
                tasks[tj, T_READY] = cand
                tasks[tj, T_GOV] = tasks[tv, T_GOV]
                tasks[tj, T_SGOV] = tasks[tv, T_SGOV] if sv == sj else 0.0
            tasks[tj, T_WAIT] -= 1.0
            if tasks[tj, T_WAIT] == 0.0:
                r = tasks[tj, T_READY]
                if r >= until:
                    _push_case(events, state, cases, slot, r, READY, tj)
                    continue
                fj = _ready(slot, j, r, items, ctx, cases, tasks, offices, events, state, applicants, done)
                if fj >= 0.0:
                    tasks[tj, T_FINISH] = fj
                    if fj < until:
                        cases.work[n_work] = j
                        n_work += 1
                    else:
                        _push_case(events, state, cases, slot, fj, DONE, tj)
        cases.ints[slot, OPEN] -= 1
    if cases.ints[slot, OPEN] == 0:  # the last node was done now, before ``until``: production starts
        _complete(slot, month, items, ctx, cases, tasks, offices, events, state, applicants, done)


@kernel
def _node_done_apart(
    slot, node, finish, until, month, items, ctx, cases, tasks, offices, events, state, applicants, done
):
    """:func:`_node_done` compiled on its own: for :func:`open_cases`, where a node is rarely done at once
    (an inlined copy there too would double the time the kernels take to compile)."""
    _node_done(slot, node, finish, until, month, items, ctx, cases, tasks, offices, events, state, applicants, done)


@kernel
def open_cases(rows, streams, draws, time, month, items, ctx, cases, tasks, offices, events, state, applicants, done):
    """Open an application for each applicant row, of its stream (``draws``: rows × items × DRAWS),
    and start the nodes that wait for nothing."""
    ci, cf, case_draws, free_stack = cases.ints, cases.floats, cases.draws, cases.free
    per_case = tasks.shape[0] // ci.shape[0]
    for j in range(rows.shape[0]):
        state[N_FREE] -= 1
        slot = free_stack[state[N_FREE]]
        ci[slot, ROW] = rows[j]
        ci[slot, OPEN] = per_case
        ci[slot, SKIPPED] = 0
        ci[slot, PENDING] = 0
        # the reformed process, once adopted, for every new project (scope region) or a zone's (zones)
        reformed = ctx.reformed == 1 and (ctx.reform_zones_only == 0 or _zone(applicants, rows[j]) >= 0)
        process = 1 if reformed else 0
        g = process * N_STREAMS + streams[j]
        ci[slot, GRAPH] = g
        ci[slot, SERVED] = 0
        ci[slot, LATE] = 0
        ci[slot, FAILED] = 0
        cf[slot, :] = 0.0
        cf[slot, C_APPLIED] = time
        cf[slot, C_PERMIT] = np.nan
        cf[slot, C_END] = time
        for s in range(N_STAGES):
            cf[slot, C_FIRST + s] = np.inf
            cf[slot, C_LAST + s] = -np.inf
        for i in range(draws.shape[1]):  # element by element: a slice copy needs reference counting
            for d in range(draws.shape[2]):
                case_draws[slot, i, d] = draws[j, i, d]
        base = slot * per_case
        for v in range(per_case):
            tasks[base + v, T_WAIT] = items.n_pred[g, v]
            tasks[base + v, T_READY] = time if items.n_pred[g, v] == 0 else -np.inf
            tasks[base + v, T_GOV] = 0.0
            tasks[base + v, T_SGOV] = 0.0
        for v in range(per_case):  # the first nodes are routed when the project applies, within the step
            if items.n_pred[g, v] == 0:
                f = _ready(slot, v, time, items, ctx, cases, tasks, offices, events, state, applicants, done)
                if f >= 0.0:  # not needed: done now; what waits for it is ready from now on
                    _node_done_apart(
                        slot, v, f, time, month, items, ctx, cases, tasks, offices, events, state, applicants, done
                    )


@kernel
def advance(until, month, items, ctx, cases, tasks, offices, events, state, applicants, done):
    """Process every event before ``until`` (months) in time order, then creation order; completed
    applications are appended to ``done`` (not in time order: the caller sorts them).

    Each event ends with at most one node done before ``until``, passed on by the one inlined copy
    of :func:`_node_done` at the end of the loop.  As soon as an event leaves the heap, the rows of
    the next one (its task, its case) are prefetched (:mod:`sim.model.prefetch`): at national scale
    they lie anywhere in hundreds of megabytes, and the wait for them overlaps this event's work."""
    ci = cases.ints
    per_case = tasks.shape[0] // ci.shape[0]
    while state[N_EVENTS] > 0 and events[HEAP_OFFSET, 0] < until:
        time, kind, ref = _pop(events, state)
        if state[N_EVENTS] > 0:  # the next event's rows, fetched while this one is worked on
            nref = int(events[HEAP_OFFSET, 2]) >> 2
            nslot = nref // per_case
            prefetch(tasks, (nref, 0))
            prefetch(tasks, (nref, N_TASK_COLS - 1))
            prefetch(ci, (nslot, 0))
            prefetch(cases.floats, (nslot, 0))
            prefetch(cases.floats, (nslot, N_CASE_FLOATS - 1))
        slot = ref // per_case
        ci[slot, PENDING] -= 1
        if _state(applicants, ci[slot, ROW]) == WITHDRAWN:  # the project gave up (its land was taken back)
            if ci[slot, PENDING] == 0:  # its last pending event: the case is closed
                _free_slot(slot, cases, state)
            continue
        node_done = False  # a node of the case is done now, at ``done_at``, before ``until``
        done_at = time
        if kind == ARRIVE:  # the item reaches its office: queued, worked, reviewed
            finish = serve(offices, int(tasks[ref, T_OFFICE]), time, tasks[ref, T_EFFORT]) + tasks[ref, T_REVIEW]
            g = ci[slot, GRAPH]
            s = items.stage_of[g, ref - slot * per_case]
            if tasks[ref, T_REWORK] != 0.0:  # sent back once: corrected, carried back, queued again
                if s == CHECK:  # a commitment not met: the applicant does the item and it is reviewed
                    ci[slot, FAILED] += 1
                tasks[ref, T_REWORK] = 0.0
                tasks[ref, T_PREP_SPENT] += tasks[ref, T_REWORK_PREP]
                again = finish + tasks[ref, T_REWORK_PREP] + tasks[ref, T_TRANSIT]
                _push_case(events, state, cases, slot, again, ARRIVE, ref)
            else:  # government time: from ready to done, less the applicant's preparation
                gov = finish - tasks[ref, T_READY] - tasks[ref, T_PREP_SPENT]
                if s >= 0:  # an item of a stage: over the statutory limit of its graph (months)?
                    ci[slot, SERVED] += 1
                    if gov > items.review_limit[g]:
                        ci[slot, LATE] += 1
                tasks[ref, T_GOV] += gov
                tasks[ref, T_SGOV] += gov
                tasks[ref, T_FINISH] = finish
                if finish < until:
                    node_done, done_at = True, finish
                else:
                    _push_case(events, state, cases, slot, finish, DONE, ref)
        elif kind == READY:
            node = ref - slot * per_case
            f = _ready(slot, node, time, items, ctx, cases, tasks, offices, events, state, applicants, done)
            if f >= 0.0:  # done at once (not needed, skipped, or the construction node)
                tasks[ref, T_FINISH] = f
                if f < until:
                    node_done, done_at = True, f
                else:
                    _push_case(events, state, cases, slot, f, DONE, ref)
        else:  # DONE
            node_done = True
        if node_done:
            _node_done(
                slot,
                ref - slot * per_case,
                done_at,
                until,
                month,
                items,
                ctx,
                cases,
                tasks,
                offices,
                events,
                state,
                applicants,
                done,
            )
