"""Compiled kernels of the approval pipeline (numba): office queues, the event list, routing.

The pipeline's logic is described in :mod:`sim.model.approval`; this module holds its inner loop,
which runs once per approval item (tens of millions of times at national scale), as numba
functions over flat arrays.  The state is grouped in tuples of arrays, built and owned by
:class:`~sim.model.approval.ApprovalSystem`:

* ``offices`` — ``(free, start, staff, background_load, served, busy, wait, transit_days, touched)``:
  each office's servers are a binary min-heap of the times they free up, stored in
  ``free[start[o] : start[o] + staff[o]]`` (Kiefer–Wolfowitz recursion for a multi-server FCFS queue);
* ``events`` — ``(time, seq, kind, ref)`` and ``state[N_EVENTS]``: a binary heap ordered by time, then
  by creation (``state[SEQ]``), like Mesa's event list;
* ``cases`` — one slot per open application (recycled through a free stack), with its draws;
* ``tasks`` — ``K`` task slots per case slot (``K`` = most items in one stage);
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
N_EVENTS, SEQ, N_FREE, N_DONE, ENTRIES = 0, 1, 2, 3, 4
N_STATE = 5
# life-cycle codes written into the firm table (sim.model.firms.LifeCycle)
CONSTRUCTION, OPERATING = 2, 3
# routing modes of devolved items
ZONE_OFFICE, COUNTY_DISPATCHED = 0, 1


# --------------------------------------------------------------------------- office queues
@njit(cache=True)
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


@njit(cache=True)
def heapify(a, lo, n):
    for i in range(n // 2 - 1, -1, -1):
        _sift_down(a, lo, n, i)


@njit(cache=True)
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
@njit(cache=True)
def _before(ht, hs, i, j):
    return ht[i] < ht[j] or (ht[i] == ht[j] and hs[i] < hs[j])


@njit(cache=True)
def _swap(events, i, j):
    ht, hs, hk, hr = events
    ht[i], ht[j] = ht[j], ht[i]
    hs[i], hs[j] = hs[j], hs[i]
    hk[i], hk[j] = hk[j], hk[i]
    hr[i], hr[j] = hr[j], hr[i]


@njit(cache=True)
def push(events, state, time, kind, ref):
    ht, hs, hk, hr = events
    i = state[N_EVENTS]
    ht[i], hs[i], hk[i], hr[i] = time, state[SEQ], kind, ref
    state[N_EVENTS] = i + 1
    state[SEQ] += 1
    while i > 0:
        p = (i - 1) >> 1
        if _before(ht, hs, i, p):
            _swap(events, i, p)
            i = p
        else:
            break


@njit(cache=True)
def _pop(events, state):
    ht, hs, hk, hr = events
    t, k, r = ht[0], hk[0], hr[0]
    n = state[N_EVENTS] - 1
    state[N_EVENTS] = n
    if n > 0:
        ht[0], hs[0], hk[0], hr[0] = ht[n], hs[n], hk[n], hr[n]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= n:
                break
            if c + 1 < n and _before(ht, hs, c + 1, c):
                c += 1
            if _before(ht, hs, c, i):
                _swap(events, c, i)
                i = c
            else:
                break
    return t, k, r


# --------------------------------------------------------------------------- routing
@njit(cache=True)
def _services(ctx, in_zone):
    """(prep, rework, transit, hand-off) cuts a case gets: in an active zone once devolution runs."""
    cuts = ctx[1]
    if in_zone and ctx[0][0] == 1:
        return cuts[0], cuts[1], cuts[2], cuts[3]
    return 0.0, 0.0, 0.0, 0.0


@njit(cache=True)
def route(slot, time, items, ctx, cases, tasks, offices, firms):
    """Route the items case ``slot`` needs in its current stage to offices; fill its task slots.

    Items are those whose need draw falls under the catalogue share; a zone's project skips
    regional-assessment items done zone-wide by ``time``; a devolved item goes to the zone's office
    (or the county office dispatched into the zone), any other to its region/city/county office.
    Returns the number of tasks.
    """
    stage_ptr, stage_items, share, ra_order, authority, prep_base, effort_base, review_base, scal = items
    flags, _cuts, item_devolved, ra_time, ra_cover, zone_office, dispatched, auth_office = ctx
    c_row, c_stage, c_skipped, needs, d_prep, d_effort, d_rework = cases[0], cases[1], cases[2], \
        cases[9], cases[10], cases[11], cases[12]
    t_item, t_office, t_prep, t_transit, t_effort, t_review, t_rework, t_rework_prep = tasks
    wd, rework_probability, rework_prep_share = scal[0], scal[1], scal[2]
    row = c_row[slot]
    z = firms[0][row]
    county = firms[1][row]
    in_zone = z >= 0
    dev_active = flags[0] == 1
    prep_cut, rework_cut, transit_cut, _h = _services(ctx, in_zone)
    rework_bar = rework_probability * (1 - rework_cut)
    stage = c_stage[slot]
    k_per_case = t_item.shape[0] // c_row.shape[0]
    base = slot * k_per_case
    n = 0
    for j in range(stage_ptr[stage], stage_ptr[stage + 1]):
        i = stage_items[j]
        if not needs[slot, i] < share[i]:
            continue
        if in_zone and dev_active and ra_order[i] > 0:
            order = ra_order[i]
            if ra_time[z, order] <= time and ra_cover[order]:
                c_skipped[slot] += 1
                continue
        if in_zone and item_devolved[i]:
            if flags[1] == ZONE_OFFICE:
                o = zone_office[z]
            else:
                o = dispatched[county]
        else:
            o = auth_office[county, authority[i]]
        offices[8][o] = True
        prep = prep_base[i] * d_prep[slot, i] * (1 - prep_cut)
        t = base + n
        t_item[t] = i
        t_office[t] = o
        t_prep[t] = prep / wd
        t_transit[t] = offices[7][o] * (1 - transit_cut) / wd
        t_effort[t] = effort_base[i] * d_effort[slot, i] / wd
        t_review[t] = review_base[i] / wd
        t_rework[t] = d_rework[slot, i] < rework_bar
        t_rework_prep[t] = prep * rework_prep_share / wd
        n += 1
    return n


# --------------------------------------------------------------------------- case life cycle
@njit(cache=True)
def _start_stage(slot, time, month, items, ctx, cases, tasks, offices, events, state, firms, done):
    """Route and launch every item of the case's current stage; with none, the stage is done now."""
    stage_start, stage_end, n_open = cases[3], cases[4], cases[5]
    stage_start[slot] = time
    stage_end[slot] = time
    n = route(slot, time, items, ctx, cases, tasks, offices, firms)
    n_open[slot] = n
    if n == 0:
        _complete_stage(slot, time, month, items, ctx, cases, tasks, offices, events, state, firms, done)
        return
    k_per_case = tasks[0].shape[0] // cases[0].shape[0]
    t_prep, t_transit = tasks[2], tasks[3]
    for t in range(slot * k_per_case, slot * k_per_case + n):
        push(events, state, time + t_prep[t] + t_transit[t], ARRIVE, t)


@njit(cache=True)
def _complete_stage(slot, time, month, items, ctx, cases, tasks, offices, events, state, firms, done):
    """A stage is done: record its duration; after stage 3 the permit is issued and construction
    runs; after stage 4 production starts; otherwise the next stage starts after the hand-off."""
    scal = items[8]
    wd, handoff_days, construction_months = scal[0], scal[3], scal[4]
    c_row, c_stage, stage_start, applied, permit, days, c_skipped = cases[0], cases[1], cases[3], \
        cases[6], cases[7], cases[8], cases[2]
    stage = c_stage[slot]
    days[slot, stage] = (time - stage_start[slot]) * wd
    stage += 1
    c_stage[slot] = stage
    row = c_row[slot]
    if stage == 3:
        permit[slot] = time
        firms[2][row] = CONSTRUCTION
        push(events, state, time + construction_months, STAGE_START, slot)
    elif stage == 4:
        d_row, d_zone, d_applied, d_permit, d_time, d_days, d_skipped = done
        k = state[N_DONE]
        d_row[k] = row
        d_zone[k] = firms[0][row]
        d_applied[k] = applied[slot]
        d_permit[k] = permit[slot]
        d_time[k] = time
        for s in range(4):
            d_days[k, s] = days[slot, s]
        d_skipped[k] = c_skipped[slot]
        state[N_DONE] = k + 1
        firms[2][row] = OPERATING
        firms[3][row] = month
        state[ENTRIES] += 1
        free_stack = cases[13]
        free_stack[state[N_FREE]] = slot
        state[N_FREE] += 1
    else:
        _p, _r, _t, handoff_cut = _services(ctx, firms[0][row] >= 0)
        push(events, state, time + handoff_days * (1 - handoff_cut) / wd, STAGE_START, slot)


@njit(cache=True)
def open_cases(rows, needs, prep, effort, rework, time, month, items, ctx, cases, tasks, offices, events,
               state, firms, done):
    """Open an application for each enterprise row (with its item draws) and start its first stage."""
    c_row, c_stage, c_skipped, applied, permit, days = cases[0], cases[1], cases[2], cases[6], cases[7], cases[8]
    d_needs, d_prep, d_effort, d_rework, free_stack = cases[9], cases[10], cases[11], cases[12], cases[13]
    for j in range(rows.shape[0]):
        state[N_FREE] -= 1
        slot = free_stack[state[N_FREE]]
        c_row[slot] = rows[j]
        c_stage[slot] = 0
        c_skipped[slot] = 0
        applied[slot] = time
        permit[slot] = np.nan
        days[slot, :] = 0.0
        d_needs[slot, :] = needs[j]
        d_prep[slot, :] = prep[j]
        d_effort[slot, :] = effort[j]
        d_rework[slot, :] = rework[j]
        _start_stage(slot, time, month, items, ctx, cases, tasks, offices, events, state, firms, done)


@njit(cache=True)
def advance(until, month, items, ctx, cases, tasks, offices, events, state, firms, done):
    """Process every event before ``until`` (months) in time order, then creation order."""
    t_office, t_effort, t_review, t_rework, t_rework_prep, t_transit = tasks[1], tasks[4], tasks[5], \
        tasks[6], tasks[7], tasks[3]
    stage_end, n_open = cases[4], cases[5]
    k_per_case = tasks[0].shape[0] // cases[0].shape[0]
    ht = events[0]
    while state[N_EVENTS] > 0 and ht[0] < until:
        time, kind, ref = _pop(events, state)
        if kind == ARRIVE:
            finish = serve(offices, t_office[ref], time, t_effort[ref]) + t_review[ref]
            if t_rework[ref]:  # sent back once: corrected, carried back, queued again
                t_rework[ref] = False
                push(events, state, finish + t_rework_prep[ref] + t_transit[ref], ARRIVE, ref)
            else:
                slot = ref // k_per_case
                if finish > stage_end[slot]:
                    stage_end[slot] = finish
                n_open[slot] -= 1
                if n_open[slot] == 0:
                    push(events, state, stage_end[slot], STAGE_DONE, slot)
        elif kind == STAGE_START:
            _start_stage(ref, time, month, items, ctx, cases, tasks, offices, events, state, firms, done)
        else:
            _complete_stage(ref, time, month, items, ctx, cases, tasks, offices, events, state, firms, done)
