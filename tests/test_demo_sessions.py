"""A closed session gives its memory back (sim.demo.sessions): a freed pair is counted out of the
live ones and triggers one collection and trim, logged in a line the load test reads back."""

from __future__ import annotations

import gc
import logging
import time

import pytest

from sim.demo import sessions, timing


class FakePair:
    """Stands in for a DemoPair: only its lifetime matters here."""


def _wait_for_release(caplog, n: int, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [int(m.group(1)) for m in map(sessions.PATTERN.search, (r.getMessage() for r in caplog.records)) if m]
        if len(found) >= n:
            return found
        time.sleep(0.05)
    pytest.fail(f"no memory release logged within {timeout} s")


def test_a_freed_pair_leaves_the_live_set_and_releases_memory_once(monkeypatch, caplog):
    monkeypatch.setenv(timing.ENV, "1")
    monkeypatch.setattr(sessions, "RELEASE_DELAY_S", 0.05)
    gc.collect()
    before = len(sessions.LIVE)
    pairs = [FakePair() for _ in range(3)]
    with caplog.at_level(logging.INFO, logger=timing.LOGGER_NAME):
        for p in pairs:
            sessions.track(p)
        assert len(sessions.LIVE) == before + 3
        del p
        pairs.clear()  # three frees in a burst: one release serves them
        (live,) = _wait_for_release(caplog, 1)
        time.sleep(0.2)
    assert live == before
    assert sessions.live_pairs(r.getMessage() for r in caplog.records) == before
    assert len([r for r in caplog.records if sessions.PATTERN.search(r.getMessage())]) == 1


def test_a_closed_session_schedules_a_release(monkeypatch, caplog):
    monkeypatch.setenv(timing.ENV, "1")
    monkeypatch.setattr(sessions, "RELEASE_DELAY_S", 0.05)
    closed = sessions.on_session()
    with caplog.at_level(logging.INFO, logger=timing.LOGGER_NAME):
        closed()
        _wait_for_release(caplog, 1)


def test_live_pairs_reads_the_last_release_and_none_without_one():
    lines = ["INFO: started", "memory released: live_pairs=3 rss_mib=500", "memory released: live_pairs=0 rss_mib=410"]
    assert sessions.live_pairs(lines) == 0
    assert sessions.live_pairs(["press months=12 wall_ms=1 cpu_ms=1"]) is None


def test_resident_memory_is_read_for_this_process():
    assert sessions.rss_mib() > 1
