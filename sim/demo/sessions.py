"""A closed browser tab gives its memory back.

Each session's pair of runs is freed when Solara closes the session (the tab closed, or its
connection gone for ``SOLARA_KERNEL_CULL_TIMEOUT``); Python then reuses that memory, but the C
allocator keeps the freed pages in the process unless asked to return them.  So shortly after a
session closes (:func:`on_session`, registered by :mod:`sim.demo.app` with
``solara.lab.on_kernel_start``), and again whenever a pair is freed (:func:`track`: Solara drops a
closed session's objects some seconds after its close callbacks), the heap is collected and
trimmed, and the server's resident memory falls back when a class closes its tabs.  :data:`LIVE`
holds every pair not yet freed (weakly); with ``ZONESIM_DEMO_STEP_LOG=1`` each release logs how
many are left, which the load test reads to check that closed sessions leave nothing behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import re
import threading
import weakref

from sim.demo import timing

LIVE: weakref.WeakSet = weakref.WeakSet()
"""The reform/baseline pairs alive in this server (:class:`sim.demo.model.DemoPair` adds itself)."""

RELEASE_DELAY_S = 1.0
"""Seconds between a session closing (or a pair being freed) and the release: closes and frees come
in bursts when a class leaves, and one release serves the burst."""

LINE = "memory released: live_pairs={live} rss_mib={rss:.0f}"
PATTERN = re.compile(r"memory released: live_pairs=(\d+)")

logger = logging.getLogger(timing.LOGGER_NAME)


def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = _libc()


def rss_mib(pid: int | str = "self") -> float:
    """A process's resident memory (this one's by default), MiB (Linux ``/proc``; NaN elsewhere)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def release_memory() -> None:
    """Free what closed sessions left (reference cycles included) and return the allocator's free
    pages to the system (glibc's ``malloc_trim``; elsewhere only the collection)."""
    global _pending
    with _lock:
        _pending = None
    gc.collect()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
    if timing.enabled():
        logger.info(LINE.format(live=len(LIVE), rss=rss_mib()))


_lock = threading.Lock()
_pending: threading.Timer | None = None


def _schedule_release() -> None:
    """Release memory in :data:`RELEASE_DELAY_S` (once, however many sessions close meanwhile)."""
    global _pending
    with _lock:
        if _pending is not None:
            return
        timer = threading.Timer(RELEASE_DELAY_S, release_memory)
        timer.daemon = True
        try:
            timer.start()
        except RuntimeError:  # the interpreter is shutting down: nothing to give back
            return
        _pending = timer


def track(pair) -> None:
    """Count ``pair`` among the live ones until it is freed; its freeing releases memory."""
    LIVE.add(pair)
    weakref.finalize(pair, _schedule_release).atexit = False  # nothing to give back at exit


def on_session():
    """Called when a session starts; returns what Solara calls when it closes: collect its objects
    once Solara has dropped them (a pair freed then releases the memory, :func:`track`)."""
    return _schedule_release


def live_pairs(lines) -> int | None:
    """The pairs still alive at the last release logged in a server's output (:data:`LINE`); None
    if none was logged."""
    found = [int(m.group(1)) for m in map(PATTERN.search, lines) if m]
    return found[-1] if found else None
