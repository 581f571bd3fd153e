"""The server's own time for a press of a run button (sim.demo.timing): started by the click,
ended by the redraw, logged in a line the load test reads back."""

from __future__ import annotations

import logging
import math
import threading
import time
from types import SimpleNamespace

from sim.demo import timing


def test_a_press_is_timed_from_the_click_to_the_redraw_and_logged_when_asked(monkeypatch, caplog):
    monkeypatch.setenv(timing.ENV, "1")
    pair = SimpleNamespace(press=timing.PressTimer.start().advanced(12))
    deadline = time.thread_time() + 0.02
    while time.thread_time() < deadline:  # 20 ms of this thread's CPU
        pass
    with caplog.at_level(logging.INFO, logger=timing.LOGGER_NAME):
        press = timing.finish(pair)
    assert pair.press is None and press.months == 12
    assert press.cpu_ms >= 19 and press.wall_ms >= press.cpu_ms - 1
    assert math.isclose(press.cpu_ms_per_month, press.cpu_ms / 12)
    (logged,) = timing.parse(r.getMessage() for r in caplog.records)
    assert logged.months == 12 and abs(logged.wall_ms - press.wall_ms) <= 0.05


def test_nothing_is_logged_by_default_nor_for_a_press_that_advanced_nothing(monkeypatch, caplog):
    monkeypatch.delenv(timing.ENV, raising=False)
    with caplog.at_level(logging.INFO, logger=timing.LOGGER_NAME):
        assert timing.finish(SimpleNamespace(press=timing.PressTimer.start().advanced(1))) is not None
        assert timing.finish(SimpleNamespace(press=timing.PressTimer.start())) is None  # 0 months
        assert timing.finish(SimpleNamespace(press=None)) is None  # a redraw without a press
    assert not caplog.records


def test_cpu_time_is_only_read_in_the_clicks_thread():
    timer = timing.PressTimer.start().advanced(1)
    out = []
    thread = threading.Thread(target=lambda: out.append(timer.stop()))
    thread.start()
    thread.join()
    assert math.isnan(out[0].cpu_ms) and out[0].wall_ms >= 0


def test_parse_reads_only_press_lines():
    lines = ["INFO: started", "zonesim.demo.steps press months=12 wall_ms=180.5 cpu_ms=nan", "press months=x"]
    (p,) = timing.parse(lines)
    assert (p.months, p.wall_ms) == (12, 180.5) and math.isnan(p.cpu_ms)
