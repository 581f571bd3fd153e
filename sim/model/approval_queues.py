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
def _sift_down(offices, lo, n, i):
    """Restore the min-heap ``offices.free[lo:lo+n]`` below position ``i``."""
    while True:
        c = 2 * i + 1
        if c >= n:
            return
        r = c + 1
        if r < n and offices.free[lo + r] < offices.free[lo + c]:
            c = r
        if offices.free[lo + c] < offices.free[lo + i]:
            tmp = offices.free[lo + c]
            offices.free[lo + c] = offices.free[lo + i]
            offices.free[lo + i] = tmp
            i = c
        else:
            return


@njit(cache=True, inline="always")
def serve(offices, o, arrival, effort):
    """Queue an item arriving at office ``o`` at ``arrival`` (months) with ``effort`` (months of staff
    work); it starts when the earliest server frees up.  Returns its finish time."""
    effort = effort / (1.0 - offices.background_load[o])
    lo = offices.start[o]
    first = offices.free[lo]
    begin = arrival if arrival >= first else first
    finish = begin + effort
    offices.free[lo] = finish
    _sift_down(offices, lo, offices.staff[o], 0)
    offices.served[o] += 1
    offices.busy[o] += effort
    offices.wait[o] += begin - arrival
    return finish


# --------------------------------------------------------------------------- the event list
@njit(cache=True, inline="always")
def _before(t1, s1, t2, s2):
    """Is event (``t1``, ``s1``) before (``t2``, ``s2``): earlier, or as early and created first?"""
    return t1 < t2 or (t1 == t2 and s1 < s2)


@njit(cache=True, inline="always")
def push(events, state, time, kind, ref):
    """Add an event; the heap (4-ary, rows ``[time, seq, ref·4 + kind, -]``) is ordered by time, then
    creation (``seq``).  Node ``i`` is row ``i + HEAP_OFFSET``, so that the four children of a node
    (``4i+1 .. 4i+4``) fill one aligned 128-byte block."""
    seq = float(state[SEQ])
    state[SEQ] += 1
    i = state[N_EVENTS]
    state[N_EVENTS] = i + 1
    while i > 0:  # move the hole up past later parents
        p = (i - 1) >> 2
        if _before(events[p + HEAP_OFFSET, 0], events[p + HEAP_OFFSET, 1], time, seq):
            break
        for c in range(3):
            events[i + HEAP_OFFSET, c] = events[p + HEAP_OFFSET, c]
        i = p
    r = i + HEAP_OFFSET
    events[r, 0], events[r, 1], events[r, 2] = time, seq, float(ref * 4 + kind)


@njit(cache=True, inline="always")
def _pop(events, state):
    """Remove and return the earliest event ``(time, kind, ref)``."""
    t, code = events[HEAP_OFFSET, 0], int(events[HEAP_OFFSET, 2])
    n = state[N_EVENTS] - 1
    state[N_EVENTS] = n
    if n > 0:
        last = n + HEAP_OFFSET  # the last entry sinks from the root's hole
        lt, ls, lc = events[last, 0], events[last, 1], events[last, 2]
        i = 0
        while True:
            c = 4 * i + 1
            if c >= n:
                break
            best = c
            bt, bs = events[c + HEAP_OFFSET, 0], events[c + HEAP_OFFSET, 1]
            for j in range(c + 1, min(c + 4, n)):
                jt, js = events[j + HEAP_OFFSET, 0], events[j + HEAP_OFFSET, 1]
                if _before(jt, js, bt, bs):
                    best, bt, bs = j, jt, js
            if not _before(bt, bs, lt, ls):
                break
            for k in range(3):
                events[i + HEAP_OFFSET, k] = events[best + HEAP_OFFSET, k]
            i = best
        r = i + HEAP_OFFSET
        events[r, 0], events[r, 1], events[r, 2] = lt, ls, lc
    return t, code & 3, code >> 2
