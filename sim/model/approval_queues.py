"""Compiled office queues and event list of the approval pipeline (numba); see :mod:`sim.model.approval_kernels`.

* ``offices`` (:class:`~sim.model.approval_layout.Offices`): each office's servers are a binary min-heap
  of the times they free up, stored in ``free[start[o] : start[o] + staff[o]]`` (Kiefer–Wolfowitz
  recursion for a multi-server FCFS queue);
* ``events`` — rows ``[time, seq, ref·4 + kind, -]`` and ``state[N_EVENTS]``: a 4-ary heap ordered by
  time, then by creation (``state[SEQ]``), like Mesa's event list.
"""

from __future__ import annotations

from sim.model.approval_layout import HEAP_OFFSET, N_EVENTS, SEQ
from sim.model.kernel_cache import njit


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
    free, start, staff, bl = offices.free, offices.start, offices.staff, offices.background_load
    served, busy, wait = offices.served, offices.busy, offices.wait
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
