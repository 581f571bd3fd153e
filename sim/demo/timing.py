"""The server's own time for a press of a run button: from the click's handler to the end of the
redraw it causes (model months, scoreboard, maps and charts), measured inside the server.

A run button's handler (:func:`sim.demo.controller.RunController`) starts a :class:`PressTimer`
and leaves it on the pair (``DemoPair.press``); the dashboard's effect, which runs after its
redraw, ends it (:func:`finish`).  Wall time includes
waiting for the other sessions (one process, one interpreter lock); CPU time is this press's own
work (the thread's CPU clock, when the redraw ran in the click's thread).  With
``ZONESIM_DEMO_STEP_LOG=1`` in the server's environment each press is logged as one line
(:data:`LINE`), which the load test (:mod:`sim.demo.loadtest`) reads back with :func:`parse`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass

LOGGER_NAME = "zonesim.demo.steps"
ENV = "ZONESIM_DEMO_STEP_LOG"
"""Set to 1 in the server's environment to log every press (off by default: a class's presses
would fill the teacher's terminal)."""
LINE = "press months={months} wall_ms={wall_ms:.1f} cpu_ms={cpu_ms:.1f}"
PATTERN = re.compile(r"press months=(\d+) wall_ms=([\d.]+|nan) cpu_ms=([\d.]+|nan)")

logger = logging.getLogger(LOGGER_NAME)


def enabled() -> bool:
    return os.environ.get(ENV, "") not in ("", "0")


@dataclass(frozen=True)
class PressTime:
    """One press: the months it advanced, the server's wall and CPU milliseconds for it."""

    months: int
    wall_ms: float
    cpu_ms: float

    @property
    def wall_ms_per_month(self) -> float:
        return self.wall_ms / self.months

    @property
    def cpu_ms_per_month(self) -> float:
        return self.cpu_ms / self.months


@dataclass(frozen=True)
class PressTimer:
    """A press under way: when it started, on which thread, and the months it advanced."""

    months: int
    wall: float
    cpu: float
    thread: int

    @classmethod
    def start(cls) -> PressTimer:
        return cls(0, time.perf_counter(), time.thread_time(), threading.get_ident())

    def advanced(self, months: int) -> PressTimer:
        return PressTimer(months, self.wall, self.cpu, self.thread)

    def stop(self) -> PressTime:
        same = threading.get_ident() == self.thread
        cpu = (time.thread_time() - self.cpu) * 1e3 if same else float("nan")
        return PressTime(self.months, (time.perf_counter() - self.wall) * 1e3, cpu)


def finish(pair) -> PressTime | None:
    """End the press ``pair`` is timing, if any (it advanced at least a month): log it when
    :func:`enabled` and return it."""
    timer = pair.press
    if timer is None:
        return None
    pair.press = None
    if timer.months == 0:
        return None
    press = timer.stop()
    if enabled():
        logger.info(LINE.format(months=press.months, wall_ms=press.wall_ms, cpu_ms=press.cpu_ms))
    return press


def parse(lines) -> list[PressTime]:
    """The presses logged in a server's output (:data:`LINE`)."""
    out = []
    for line in lines:
        m = PATTERN.search(line)
        if m:
            out.append(PressTime(int(m.group(1)), float(m.group(2)), float(m.group(3))))
    return out
