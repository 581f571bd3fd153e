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
* ``cases`` — ``(ints, floats, draws, free stack)``: one row per open application (a slot, recycled
  through the free stack), its draws in ``draws[slot]`` (``D_*`` × items);
* ``tasks`` — one row (``T_*`` columns, 64 bytes) per task slot, ``K`` per case slot (``K`` = most items
  in one stage): an item's data sit in one cache line, which matters at national scale;
* ``items`` — the catalogue (static), ``ctx`` — the routing rules in force (built in Python when
  policies may have changed), ``firms`` — the enterprise columns the pipeline reads and writes;
* ``done`` — completed applications, appended for the recorder.

Event kinds: an item reaching its office (``ARRIVE``), a stage starting (``STAGE_START``), a
stage whose last item is done (``STAGE_DONE``).  No Python object is touched in here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

ARRIVE, STAGE_START, STAGE_DONE = 0, 1, 2
# slots of the int64 ``state`` array
N_EVENTS, SEQ, N_FREE, N_DONE = 0, 1, 2, 3
N_STATE = 4
# life-cycle codes written into (and, for WITHDRAWN, read from) the firm table (sim.model.firms.LifeCycle)
CONSTRUCTION, OPERATING, WITHDRAWN = 2, 3, 6
# routing modes of devolved items
ZONE_OFFICE, COUNTY_DISPATCHED = 0, 1
HEAP_OFFSET = 3  # event-heap node i is row i + 3 (see push)
# columns of a case's integer and float rows, of its draws, and of a task's row (one cache line)
ROW, STAGE, SKIPPED, OPEN = 0, 1, 2, 3
C_START, C_END, C_APPLIED, C_PERMIT, C_DAYS = 0, 1, 2, 3, 4  # C_DAYS.. C_DAYS+3: days of each stage
D_NEEDS, D_PREP, D_EFFORT, D_REWORK = 0, 1, 2, 3
T_ITEM, T_OFFICE, T_PREP, T_TRANSIT, T_EFFORT, T_REVIEW, T_REWORK, T_REWORK_PREP = range(8)


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
    free, start, staff, bl, served, busy, wait = offices[0], offices[1], offices[2], offices[3], \
        offices[4], offices[5], offices[6]
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


# --------------------------------------------------------------------------- routing
@njit(cache=True, inline="always")
def _services(ctx, in_zone):
    """(prep, rework, transit, hand-off) cuts a case gets: in an active zone once devolution runs."""
    cuts = ctx[1]
    if in_zone and ctx[0][0] == 1:
        return cuts[0], cuts[1], cuts[2], cuts[3]
    return 0.0, 0.0, 0.0, 0.0


@njit(cache=True, inline="always")
def route(slot, time, items, ctx, cases, tasks, offices, firms):
    """Route the items case ``slot`` needs in its current stage to offices; fill its task slots.

    Items are those whose need draw falls under the catalogue share; a zone's project skips
    regional-assessment items done zone-wide by ``time``; a devolved item goes to the zone's office
    (or the county office dispatched into the zone), any other to its region/city/county office.
    Returns the number of tasks.
    """
    stage_ptr, stage_items, share, ra_order, authority, prep_base, effort_base, review_base, scal = items
    flags, _cuts, item_devolved, ra_time, ra_cover, zone_office, dispatched, auth_office = ctx
    ci, draws = cases[0], cases[2]
    wd, rework_probability, rework_prep_share = scal[0], scal[1], scal[2]
    row = ci[slot, ROW]
    z = firms[0][row]
    county = firms[1][row]
    in_zone = z >= 0
    dev_active = flags[0] == 1
    prep_cut, rework_cut, transit_cut, _h = _services(ctx, in_zone)
    rework_bar = rework_probability * (1 - rework_cut)
    stage = ci[slot, STAGE]
    base = slot * (tasks.shape[0] // ci.shape[0])
    n = 0
    for j in range(stage_ptr[stage], stage_ptr[stage + 1]):
        i = stage_items[j]
        if not draws[slot, D_NEEDS, i] < share[i]:
            continue
        if in_zone and dev_active and ra_order[i] > 0:
            order = ra_order[i]
            if ra_time[z, order] <= time and ra_cover[order]:
                ci[slot, SKIPPED] += 1
                continue
        if in_zone and item_devolved[i]:
            if flags[1] == ZONE_OFFICE:
                o = zone_office[z]
            else:
                o = dispatched[county]
        else:
            o = auth_office[county, authority[i]]
        offices[8][o] = True
        prep = prep_base[i] * draws[slot, D_PREP, i] * (1 - prep_cut)
        t = base + n
        tasks[t, T_ITEM] = i
        tasks[t, T_OFFICE] = o
        tasks[t, T_PREP] = prep / wd
        tasks[t, T_TRANSIT] = offices[7][o] * (1 - transit_cut) / wd
        tasks[t, T_EFFORT] = effort_base[i] * draws[slot, D_EFFORT, i] / wd
        tasks[t, T_REVIEW] = review_base[i] / wd
        tasks[t, T_REWORK] = 1.0 if draws[slot, D_REWORK, i] < rework_bar else 0.0
        tasks[t, T_REWORK_PREP] = prep * rework_prep_share / wd
        n += 1
    return n


# --------------------------------------------------------------------------- case life cycle
@njit(cache=True, inline="always")
def _case_event(slot, kind, time, until, month, items, ctx, cases, tasks, offices, events, state, firms, done):
    """A stage of case ``slot`` starts (``STAGE_START``) or ends (``STAGE_DONE``) at ``time``.

    A starting stage routes its items and sends each to its office (an ``ARRIVE`` event); with none
    it ends at once.  An ending stage records its duration; after stage 3 the permit is issued and
    construction runs; after stage 4 production starts; otherwise the next stage starts after the
    hand-off.  These steps touch only the case itself, so the next one is taken at once when it
    falls before ``until`` (the step being run up to) instead of going through the event list:
    the same outcome with fewer events.  Only item arrivals, which share office queues, are
    always taken in time order.
    """
    scal = items[8]
    wd, handoff_days, construction_months = scal[0], scal[3], scal[4]
    ci, cf = cases[0], cases[1]
    if firms[2][ci[slot, ROW]] == WITHDRAWN:  # the project gave up (its land was taken back): case closed
        _free_slot(slot, cases, state)
        return
    while True:
        if kind == STAGE_START:
            cf[slot, C_START] = time
            cf[slot, C_END] = time
            n = route(slot, time, items, ctx, cases, tasks, offices, firms)
            ci[slot, OPEN] = n
            if n > 0:
                base = slot * (tasks.shape[0] // ci.shape[0])
                for t in range(base, base + n):
                    push(events, state, time + tasks[t, T_PREP] + tasks[t, T_TRANSIT], ARRIVE, t)
                return
            kind = STAGE_DONE  # no item needed: the stage is done now
            continue
        stage = ci[slot, STAGE]
        cf[slot, C_DAYS + stage] = (time - cf[slot, C_START]) * wd
        stage += 1
        ci[slot, STAGE] = stage
        row = ci[slot, ROW]
        if stage == 4:
            d_row, d_zone, d_applied, d_permit, d_time, d_days, d_skipped = done
            k = state[N_DONE]
            d_row[k] = row
            d_zone[k] = firms[0][row]
            d_applied[k] = cf[slot, C_APPLIED]
            d_permit[k] = cf[slot, C_PERMIT]
            d_time[k] = time
            for s in range(4):
                d_days[k, s] = cf[slot, C_DAYS + s]
            d_skipped[k] = ci[slot, SKIPPED]
            state[N_DONE] = k + 1
            firms[2][row] = OPERATING
            firms[3][row] = month
            free_stack = cases[3]
            free_stack[state[N_FREE]] = slot
            state[N_FREE] += 1
            return
        if stage == 3:
            cf[slot, C_PERMIT] = time
            firms[2][row] = CONSTRUCTION
            nxt = time + construction_months
        else:
            _p, _r, _t, handoff_cut = _services(ctx, firms[0][row] >= 0)
            nxt = time + handoff_days * (1 - handoff_cut) / wd
        if nxt >= until:
            push(events, state, nxt, STAGE_START, slot)
            return
        time = nxt
        kind = STAGE_START


@njit(cache=True, inline="always")
def _free_slot(slot, cases, state):
    """Put case ``slot`` back on the free stack (no event of it is pending)."""
    cases[3][state[N_FREE]] = slot
    state[N_FREE] += 1


@njit(cache=True)
def open_cases(rows, draws, time, month, items, ctx, cases, tasks, offices, events, state, firms, done):
    """Open an application for each enterprise row (``draws``: rows × DRAWS × items) and start its
    first stage."""
    ci, cf, case_draws, free_stack = cases
    for j in range(rows.shape[0]):
        state[N_FREE] -= 1
        slot = free_stack[state[N_FREE]]
        ci[slot, ROW] = rows[j]
        ci[slot, STAGE] = 0
        ci[slot, SKIPPED] = 0
        cf[slot, :] = 0.0
        cf[slot, C_APPLIED] = time
        cf[slot, C_PERMIT] = np.nan
        case_draws[slot] = draws[j]
        _case_event(slot, STAGE_START, time, time, month, items, ctx, cases, tasks, offices, events, state, firms,
                    done)


@njit(cache=True)
def advance(until, month, items, ctx, cases, tasks, offices, events, state, firms, done):
    """Process every event before ``until`` (months) in time order, then creation order; completed
    applications are appended to ``done`` (not in time order: the caller sorts them)."""
    ci, cf = cases[0], cases[1]
    per_case = tasks.shape[0] // ci.shape[0]
    while state[N_EVENTS] > 0 and events[HEAP_OFFSET, 0] < until:
        time, kind, ref = _pop(events, state)
        if kind == ARRIVE and firms[2][ci[int(ref) // per_case, ROW]] == WITHDRAWN:
            slot = int(ref) // per_case  # an item of a withdrawn project: not served; the last one closes the case
            ci[slot, OPEN] -= 1
            if ci[slot, OPEN] == 0:
                _free_slot(slot, cases, state)
        elif kind == ARRIVE:
            finish = serve(offices, int(tasks[ref, T_OFFICE]), time, tasks[ref, T_EFFORT]) + tasks[ref, T_REVIEW]
            if tasks[ref, T_REWORK] != 0.0:  # sent back once: corrected, carried back, queued again
                tasks[ref, T_REWORK] = 0.0
                push(events, state, finish + tasks[ref, T_REWORK_PREP] + tasks[ref, T_TRANSIT], ARRIVE, ref)
            else:
                slot = ref // per_case
                if finish > cf[slot, C_END]:
                    cf[slot, C_END] = finish
                ci[slot, OPEN] -= 1
                if ci[slot, OPEN] == 0:
                    if cf[slot, C_END] < until:
                        _case_event(slot, STAGE_DONE, cf[slot, C_END], until, month, items, ctx, cases, tasks,
                                    offices, events, state, firms, done)
                    else:
                        push(events, state, cf[slot, C_END], STAGE_DONE, slot)
        else:
            _case_event(ref, kind, time, until, month, items, ctx, cases, tasks, offices, events, state, firms,
                        done)
