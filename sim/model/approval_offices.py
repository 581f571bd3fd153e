"""Approval offices with finite staff: each a multi-server first-come-first-served queue, all of a
model's kept in one pool of flat arrays for the compiled kernels (:mod:`sim.model.approval_queues`)."""

from __future__ import annotations

import numpy as np

from sim.model import approval_layout as L
from sim.model.approval_queues import serve


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
            free, start, staff = self._arrays.free, self._arrays.start, self._arrays.staff
            self._blocks = [free[s : s + n].copy() for s, n in zip(start, staff)]
            self._arrays = None

    def arrays(self) -> L.Offices:
        """The offices' arrays the kernels use (:class:`~sim.model.approval_layout.Offices`)."""
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
            self._arrays = L.Offices(
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
        free, start, staff = self._arrays.free, self._arrays.start, self._arrays.staff
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
        return int(self.pool.arrays().served[self.index])

    @property
    def busy_time(self) -> float:
        """Months of staff effort spent on project items."""
        return float(self.pool.arrays().busy[self.index])

    @property
    def wait_time(self) -> float:
        """Months items waited in the queue, summed."""
        return float(self.pool.arrays().wait[self.index])

    def set_staff(self, staff: int, now: float) -> None:
        """Change the number of servers: added staff are free now; removed ones are the idlest."""
        self.pool.set_staff(self.index, staff, now)

    def serve(self, arrival: float, effort: float) -> float:
        """Queue an item arriving at ``arrival`` (months) with ``effort`` (months); return its finish time."""
        return float(serve(self.pool.arrays(), self.index, float(arrival), float(effort)))

    def __repr__(self) -> str:
        return f"Office({self.key}, staff={self.staff})"
