"""Compiled kernels of the approval pipeline (numba): office queues, the event list, routing.

The pipeline's logic is described in :mod:`sim.model.approval`; this module holds its inner loop,
which runs once per approval item (tens of millions of times at national scale), as numba
functions over flat arrays.  The state is grouped in tuples of arrays, built and owned by
:class:`~sim.model.approval.ApprovalSystem`:

* ``offices`` — ``(free, start, staff, background_load, served, busy, wait, transit_days, touched)``:
  each office's servers are a binary min-heap of the times they free up, stored in
  ``free[start[o] : start[o] + staff[o]]`` (Kiefer–Wolfowitz recursion for a multi-server FCFS queue);
* ``events`` — rows ``[time, seq, ref·4 + kind, -]`` and ``state[N_EVENTS]``: a 4-ary heap ordered by
  time, then by creation (``state[SEQ]``), like Mesa's event list;
* ``cases`` — ``(ints, floats, draws, free stack, worklist)``: one row per open application (a slot,
  recycled through the free stack), its draws in ``draws[slot]`` (``D_*`` × items); the worklist is
  scratch room for the nodes one call completes;
* ``tasks`` — one row (``T_*`` columns, two cache lines) per node of the precedence graph and case
  slot: the catalogue's items, then the construction phase (node ``n_items``);
* ``items`` — the catalogue compiled on the precedence graphs (static per graph; row ``g`` of each
  per-node array): the pre-reform process (0) and the reformed one (1, a copy of 0 until the process
  reform is adopted), each restricted to the items of each project stream (``g = process ·
  N_STREAMS + stream``); a case runs on the graph it opened on (``cases[0][slot, GRAPH]``) to its end;
  ``ctx`` — the routing rules in force
  (built in Python when policies may have changed), ``firms`` — the applicants' columns the pipeline
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
from numba import njit

ARRIVE, READY, DONE = 0, 1, 2
#: 0-based stage whose end issues the construction permit; construction runs before the next one
PERMIT_STAGE = 2
N_STAGES = 4
BUILD, CHECK = -1, -2  # stage codes of the construction node and of post-approval checks
# slots of the int64 ``state`` array
N_EVENTS, SEQ, N_FREE, N_DONE = 0, 1, 2, 3
N_STATE = 4
# life-cycle codes written into (and, for WITHDRAWN, read from) the firm table (sim.model.firms.LifeCycle)
CONSTRUCTION, OPERATING, WITHDRAWN = 2, 3, 6
# routing modes of devolved items
ZONE_OFFICE, COUNTY_DISPATCHED = 0, 1
# project streams (sim.model.approval.STREAMS): enterprise filed (备案), approved (核准), government (审批)
FILED, APPROVED, GOVERNMENT = 0, 1, 2
N_STREAMS = 3
HEAP_OFFSET = 3  # event-heap node i is row i + 3 (see push)
# columns of a case's integer and float rows, of its draws, and of a task's row
ROW, OPEN, SKIPPED, PENDING = 0, 1, 2, 3  # OPEN: nodes not done; PENDING: events of the case in the heap
# GRAPH: the compiled graph the case runs on; SERVED, LATE: items done at an office, of which over the
# statutory limit; FAILED: post-approval checks failed
GRAPH, SERVED, LATE, FAILED = 4, 5, 6, 7
N_CASE_INTS = 8
C_APPLIED, C_PERMIT, C_END, C_GOV = 0, 1, 2, 3  # C_END, C_GOV: the last node's finish and its chain's government time
C_FIRST, C_LAST, C_SGOV = 4, 8, 12  # + stage: first item ready, last item done, government time of its chain
N_CASE_FLOATS = 16
D_NEEDS, D_PREP, D_EFFORT, D_REWORK = 0, 1, 2, 3
(
    T_ITEM,
    T_OFFICE,
    T_PREP,
    T_TRANSIT,
    T_EFFORT,
    T_REVIEW,
    T_REWORK,
    T_REWORK_PREP,
    T_READY,
    T_WAIT,
    T_GOV,
    T_SGOV,
    T_PREP_SPENT,
    T_FINISH,
) = range(14)
N_TASK_COLS = 16  # padded to two cache lines


# --------------------------------------------------------------------------- office queues
@njit(cache=True, inline="always")
def _sift_down(a, lo, n, i):
    """Restore the min-heap ``a[lo:lo+n]`` below position ``i``."""
    while True:
        c = 2 * i + 1
        if c >= n:
            return
        r = c + 1
        if r < n and a[lo + r] < a[lo + c]:
            c = r
        if a[lo + c] < a[lo + i]:
            tmp = a[lo + c]
            a[lo + c] = a[lo + i]
            a[lo + i] = tmp
            i = c
        else:
            return


@njit(cache=True, inline="always")
def serve(offices, o, arrival, effort):
    """Queue an item arriving at office ``o`` at ``arrival`` (months) with ``effort`` (months of staff
    work); it starts when the earliest server frees up.  Returns its finish time."""
    free, start, staff, bl, served, busy, wait = (
        offices[0],
        offices[1],
        offices[2],
        offices[3],
        offices[4],
        offices[5],
        offices[6],
    )
    effort = effort / (1.0 - bl[o])
    lo = start[o]
    begin = arrival if arrival >= free[lo] else free[lo]
    finish = begin + effort
    free[lo] = finish
    _sift_down(free, lo, staff[o], 0)
    served[o] += 1
    busy[o] += effort
    wait[o] += begin - arrival
    return finish


# --------------------------------------------------------------------------- the event list
@njit(cache=True, inline="always")
def _earlier(ev, i, time, seq):
    """Is node ``i`` before (``time``, ``seq``)?"""
    return ev[i + HEAP_OFFSET, 0] < time or (ev[i + HEAP_OFFSET, 0] == time and ev[i + HEAP_OFFSET, 1] < seq)


@njit(cache=True, inline="always")
def _move(ev, dst, src):
    for c in range(3):
        ev[dst + HEAP_OFFSET, c] = ev[src + HEAP_OFFSET, c]


@njit(cache=True, inline="always")
def push(events, state, time, kind, ref):
    """Add an event; the heap (4-ary, rows ``[time, seq, ref·4 + kind, -]``) is ordered by time, then
    creation (``seq``).  Node ``i`` is row ``i + HEAP_OFFSET``, so that the four children of a node
    (``4i+1 .. 4i+4``) fill one aligned 128-byte block."""
    ev = events
    seq = float(state[SEQ])
    state[SEQ] += 1
    i = state[N_EVENTS]
    state[N_EVENTS] = i + 1
    while i > 0:  # move the hole up past later parents
        p = (i - 1) >> 2
        if _earlier(ev, p, time, seq):
            break
        _move(ev, i, p)
        i = p
    r = i + HEAP_OFFSET
    ev[r, 0], ev[r, 1], ev[r, 2] = time, seq, float(ref * 4 + kind)


@njit(cache=True, inline="always")
def _pop(events, state):
    """Remove and return the earliest event ``(time, kind, ref)``."""
    ev = events
    t, code = ev[HEAP_OFFSET, 0], int(ev[HEAP_OFFSET, 2])
    n = state[N_EVENTS] - 1
    state[N_EVENTS] = n
    if n > 0:
        last = n + HEAP_OFFSET  # the last entry sinks from the root's hole
        lt, ls, lc = ev[last, 0], ev[last, 1], ev[last, 2]
        i = 0
        while True:
            c = 4 * i + 1
            if c >= n:
                break
            best = c
            for j in range(c + 1, min(c + 4, n)):
                if _earlier(ev, j, ev[best + HEAP_OFFSET, 0], ev[best + HEAP_OFFSET, 1]):
                    best = j
            if not _earlier(ev, best, lt, ls):
                break
            _move(ev, i, best)
            i = best
        r = i + HEAP_OFFSET
        ev[r, 0], ev[r, 1], ev[r, 2] = lt, ls, lc
    return t, code & 3, code >> 2


# --------------------------------------------------------------------------- applicants
@njit(cache=True, inline="always")
def _zone(firms, row):
    """The zone of an applicant (-1: outside zones): an enterprise's row, or ``-1 - j`` for government project ``j``."""
    return firms[0][row] if row >= 0 else firms[4][-1 - row]


@njit(cache=True, inline="always")
def _county(firms, row):
    return firms[1][row] if row >= 0 else firms[5][-1 - row]


@njit(cache=True, inline="always")
def _state(firms, row):
    return firms[2][row] if row >= 0 else firms[6][-1 - row]


@njit(cache=True, inline="always")
def _set_state(firms, row, code, month):
    """Set an applicant's life-cycle code (and, with ``month`` ≥ 0, its entry month)."""
    if row >= 0:
        firms[2][row] = code
        if month >= 0:
            firms[3][row] = month
    else:
        firms[6][-1 - row] = code
        if month >= 0:
            firms[7][-1 - row] = month


# --------------------------------------------------------------------------- routing
@njit(cache=True, inline="always")
def _services(ctx, in_zone):
    """(prep, rework, transit, hand-off) cuts a case gets: in an active zone once devolution runs."""
    cuts = ctx[1]
    if in_zone and ctx[0][0] == 1:
        return cuts[0], cuts[1], cuts[2], cuts[3]
    return 0.0, 0.0, 0.0, 0.0


@njit(cache=True, inline="always")
def route(slot, i, time, items, ctx, cases, tasks, offices, firms):
    """Route item ``i`` of case ``slot``, ready at ``time``, to an office; fill its task row.

    The item is needed when its need draw falls under the catalogue share; a zone's project skips a
    regional-assessment item done zone-wide by ``time``; a devolved item goes to the zone's office
    (or the county office dispatched into the zone), any other to its region/city/county office.
    Returns whether the item goes to an office (False: not needed or skipped, done at once).
    """
    stage_of, share, ra_order, authority, prep_base, effort_base, review_base, scal = items[:8]
    rework_p, prep_first, prep_rework = items[11], items[12], items[13]
    flags, _cuts, item_devolved, ra_time, ra_cover, zone_office, dispatched, auth_office = ctx
    ci, draws = cases[0], cases[2]
    wd = scal[0]
    g = ci[slot, GRAPH]
    if not draws[slot, D_NEEDS, i] < share[g, i]:
        return False
    row = ci[slot, ROW]
    z = _zone(firms, row)
    in_zone = z >= 0
    if in_zone and flags[0] == 1 and ra_order[g, i] > 0:
        order = ra_order[g, i]
        if ra_time[z, order] <= time and ra_cover[order]:
            ci[slot, SKIPPED] += 1
            return False
    if in_zone and item_devolved[g, i]:
        o = zone_office[z] if flags[1] == ZONE_OFFICE else dispatched[_county(firms, row)]
    else:
        o = auth_office[_county(firms, row), authority[g, i]]
    offices[8][o] = True
    prep_cut, rework_cut, transit_cut, _h = _services(ctx, in_zone)
    prep = prep_base[g, i] * draws[slot, D_PREP, i] * (1 - prep_cut)
    if stage_of[g, i] == CHECK:  # a commitment checked: agent service does not make it pass
        rework_cut = 0.0
    t = slot * (tasks.shape[0] // ci.shape[0]) + i
    tasks[t, T_ITEM] = i
    tasks[t, T_OFFICE] = o
    tasks[t, T_PREP] = prep * prep_first[g, i] / wd
    tasks[t, T_TRANSIT] = offices[7][o] * (1 - transit_cut) * items[15][g] / wd  # items[15]: the process's transit
    tasks[t, T_EFFORT] = effort_base[g, i] * draws[slot, D_EFFORT, i] / wd
    tasks[t, T_REVIEW] = review_base[g, i] / wd
    tasks[t, T_REWORK] = 1.0 if draws[slot, D_REWORK, i] < rework_p[g, i] * (1 - rework_cut) else 0.0
    tasks[t, T_REWORK_PREP] = prep * prep_rework[g, i] / wd
    tasks[t, T_PREP_SPENT] = prep * prep_first[g, i] / wd
    return True


# --------------------------------------------------------------------------- case life cycle
@njit(cache=True, inline="always")
def _push_case(events, state, cases, slot, time, kind, ref):
    cases[0][slot, PENDING] += 1
    push(events, state, time, kind, ref)


@njit(cache=True, inline="always")
def _free_slot(slot, cases, state):
    """Put case ``slot`` back on the free stack (no event of it is pending)."""
    cases[3][state[N_FREE]] = slot
    state[N_FREE] += 1


@njit(cache=True, inline="always")
def _ready(slot, node, time, month, items, ctx, cases, tasks, offices, events, state, firms):
    """Node ``node`` of case ``slot`` has every predecessor done at ``time``: start it.

    An item is routed and sent to its office (an ``ARRIVE`` event); one not needed or skipped is done
    at once.  The construction node issues the permit now and is done when construction ends.
    Returns the time the node is done, or ``-1.0`` when it went to an office."""
    stage_of, scal = items[0], items[7]
    ci, cf = cases[0], cases[1]
    t = slot * (tasks.shape[0] // ci.shape[0]) + node
    s = stage_of[ci[slot, GRAPH], node]
    if s == BUILD:  # construction: the permit is issued, the plant is built
        cf[slot, C_PERMIT] = time
        _set_state(firms, ci[slot, ROW], CONSTRUCTION, -1)
        return time + scal[4]
    if s >= 0 and time < cf[slot, C_FIRST + s]:
        cf[slot, C_FIRST + s] = time
    if route(slot, node, time, items, ctx, cases, tasks, offices, firms):
        _push_case(events, state, cases, slot, time + tasks[t, T_PREP] + tasks[t, T_TRANSIT], ARRIVE, t)
        return -1.0
    return time


@njit(cache=True, inline="always")
def _complete(slot, month, cases, state, firms, done, wd):
    """Case ``slot`` has every node done: production starts; record it and free the slot."""
    ci, cf = cases[0], cases[1]
    d_row, d_zone, d_applied, d_permit, d_time, d_days, d_skipped, d_gov, d_gov_days = done[:9]
    d_graph, d_served, d_late, d_failed = done[9:]
    row = ci[slot, ROW]
    k = state[N_DONE]
    d_row[k] = row
    d_zone[k] = _zone(firms, row)
    d_applied[k] = cf[slot, C_APPLIED]
    d_permit[k] = cf[slot, C_PERMIT]
    d_time[k] = cf[slot, C_END]
    for s in range(N_STAGES):
        d_days[k, s] = (cf[slot, C_LAST + s] - cf[slot, C_FIRST + s]) * wd
        d_gov_days[k, s] = cf[slot, C_SGOV + s] * wd
    d_gov[k] = cf[slot, C_GOV] * wd
    d_skipped[k] = ci[slot, SKIPPED]
    d_graph[k] = ci[slot, GRAPH]
    d_served[k] = ci[slot, SERVED]
    d_late[k] = ci[slot, LATE]
    d_failed[k] = ci[slot, FAILED]
    state[N_DONE] = k + 1
    _set_state(firms, row, OPERATING, month)
    _free_slot(slot, cases, state)


@njit(cache=True)
def _node_done(slot, node, finish, until, month, items, ctx, cases, tasks, offices, events, state, firms, done):
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
    ci, cf, work = cases[0], cases[1], cases[4]
    g = ci[slot, GRAPH]
    stage_of, scal, succ_ptr, succ = items[0][g], items[7], items[8][g], items[9][g]
    wd, handoff_days = scal[0], scal[3]
    per_case = tasks.shape[0] // ci.shape[0]
    base = slot * per_case
    _p, _r, _t, handoff_cut = _services(ctx, _zone(firms, ci[slot, ROW]) >= 0)
    handoff = handoff_days * (1 - handoff_cut) / wd
    tasks[base + node, T_FINISH] = finish
    work[0] = node
    n_work = 1
    while n_work > 0:
        n_work -= 1
        v = work[n_work]
        tv = base + v
        f = tasks[tv, T_FINISH]
        sv = stage_of[v]
        if sv >= 0 and f > cf[slot, C_LAST + sv]:
            cf[slot, C_LAST + sv] = f
            cf[slot, C_SGOV + sv] = tasks[tv, T_SGOV]
        if f > cf[slot, C_END]:
            cf[slot, C_END] = f
            cf[slot, C_GOV] = tasks[tv, T_GOV]
        for e in range(succ_ptr[v], succ_ptr[v + 1]):
            j = succ[e]
            tj = base + j
            sj = stage_of[j]
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
                fj = _ready(slot, j, r, month, items, ctx, cases, tasks, offices, events, state, firms)
                if fj >= 0.0:
                    tasks[tj, T_FINISH] = fj
                    if fj < until:
                        work[n_work] = j
                        n_work += 1
                    else:
                        _push_case(events, state, cases, slot, fj, DONE, tj)
        ci[slot, OPEN] -= 1
    if ci[slot, OPEN] == 0:  # the last node was done now, before ``until``: production starts
        _complete(slot, month, cases, state, firms, done, wd)


@njit(cache=True)
def open_cases(rows, streams, draws, time, month, items, ctx, cases, tasks, offices, events, state, firms, done):
    """Open an application for each applicant row, of its stream (``draws``: rows × DRAWS × items),
    and start the nodes that wait for nothing."""
    ci, cf, case_draws, free_stack = cases[0], cases[1], cases[2], cases[3]
    flags = ctx[0]
    per_case = tasks.shape[0] // ci.shape[0]
    for j in range(rows.shape[0]):
        state[N_FREE] -= 1
        slot = free_stack[state[N_FREE]]
        ci[slot, ROW] = rows[j]
        ci[slot, OPEN] = per_case
        ci[slot, SKIPPED] = 0
        ci[slot, PENDING] = 0
        # the reformed process, once adopted, for every new project (scope region) or a zone's (zones)
        process = 1 if flags[2] == 1 and (flags[3] == 0 or _zone(firms, rows[j]) >= 0) else 0
        g = process * N_STREAMS + streams[j]
        ci[slot, GRAPH] = g
        ci[slot, SERVED] = 0
        ci[slot, LATE] = 0
        ci[slot, FAILED] = 0
        n_pred = items[10][g]
        cf[slot, :] = 0.0
        cf[slot, C_APPLIED] = time
        cf[slot, C_PERMIT] = np.nan
        cf[slot, C_END] = time
        for s in range(N_STAGES):
            cf[slot, C_FIRST + s] = np.inf
            cf[slot, C_LAST + s] = -np.inf
        case_draws[slot] = draws[j]
        base = slot * per_case
        for v in range(per_case):
            tasks[base + v, T_WAIT] = n_pred[v]
            tasks[base + v, T_READY] = time if n_pred[v] == 0 else -np.inf
            tasks[base + v, T_GOV] = 0.0
            tasks[base + v, T_SGOV] = 0.0
        for v in range(per_case):  # the first nodes are routed when the project applies, within the step
            if n_pred[v] == 0:
                f = _ready(slot, v, time, month, items, ctx, cases, tasks, offices, events, state, firms)
                if f >= 0.0:  # not needed: done now; what waits for it is ready from now on
                    _node_done(slot, v, f, time, month, items, ctx, cases, tasks, offices, events, state, firms, done)


@njit(cache=True)
def advance(until, month, items, ctx, cases, tasks, offices, events, state, firms, done):
    """Process every event before ``until`` (months) in time order, then creation order; completed
    applications are appended to ``done`` (not in time order: the caller sorts them)."""
    ci = cases[0]
    per_case = tasks.shape[0] // ci.shape[0]
    while state[N_EVENTS] > 0 and events[HEAP_OFFSET, 0] < until:
        time, kind, ref = _pop(events, state)
        slot = ref // per_case
        ci[slot, PENDING] -= 1
        if _state(firms, ci[slot, ROW]) == WITHDRAWN:  # the project gave up (its land was taken back)
            if ci[slot, PENDING] == 0:  # its last pending event: the case is closed
                _free_slot(slot, cases, state)
            continue
        if kind == ARRIVE:
            finish = serve(offices, int(tasks[ref, T_OFFICE]), time, tasks[ref, T_EFFORT]) + tasks[ref, T_REVIEW]
            g = ci[slot, GRAPH]
            s = items[0][g, ref - slot * per_case]
            if tasks[ref, T_REWORK] != 0.0:  # sent back once: corrected, carried back, queued again
                if s == CHECK:  # a commitment not met: the applicant does the item and it is reviewed
                    ci[slot, FAILED] += 1
                tasks[ref, T_REWORK] = 0.0
                tasks[ref, T_PREP_SPENT] += tasks[ref, T_REWORK_PREP]
                _push_case(
                    events, state, cases, slot, finish + tasks[ref, T_REWORK_PREP] + tasks[ref, T_TRANSIT], ARRIVE, ref
                )
            else:  # government time: from ready to done, less the applicant's preparation
                gov = finish - tasks[ref, T_READY] - tasks[ref, T_PREP_SPENT]
                if s >= 0:  # an item of a stage: over the statutory limit of its graph (months)?
                    ci[slot, SERVED] += 1
                    if gov > items[14][g]:
                        ci[slot, LATE] += 1
                tasks[ref, T_GOV] += gov
                tasks[ref, T_SGOV] += gov
                tasks[ref, T_FINISH] = finish
                if finish < until:
                    _node_done(
                        slot,
                        ref - slot * per_case,
                        finish,
                        until,
                        month,
                        items,
                        ctx,
                        cases,
                        tasks,
                        offices,
                        events,
                        state,
                        firms,
                        done,
                    )
                else:
                    _push_case(events, state, cases, slot, finish, DONE, ref)
        elif kind == READY:
            node = ref - slot * per_case
            f = _ready(slot, node, time, month, items, ctx, cases, tasks, offices, events, state, firms)
            if f < 0.0:
                continue
            tasks[ref, T_FINISH] = f
            if f < until:
                _node_done(slot, node, f, until, month, items, ctx, cases, tasks, offices, events, state, firms, done)
            else:
                _push_case(events, state, cases, slot, f, DONE, ref)
        else:
            _node_done(
                slot,
                ref - slot * per_case,
                time,
                until,
                month,
                items,
                ctx,
                cases,
                tasks,
                offices,
                events,
                state,
                firms,
                done,
            )
