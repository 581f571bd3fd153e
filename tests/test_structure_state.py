"""Model state that keeps itself consistent (issue 19, build item 1):

* the recorder only observes: a model whose recorder records nothing follows the same state
  trajectory, month by month, as one that records everything;
* caches are versioned: writing firms' states or changing a zone gives a new version, and the
  cached masks and zone arrays follow without any call to invalidate them;
* one clock: Mesa's time is read from the month (:class:`sim.model.calendar.Clock`).
"""

from __future__ import annotations

import hashlib
from numbers import Number
from pathlib import Path

import numpy as np
import pytest

from sim.data import build_region
from sim.model.calendar import Calendar, Clock
from sim.model.firms import COLUMNS as FIRM_COLUMNS
from sim.model.firms import LifeCycle
from sim.model.model import ZoneReformModel
from tests.conftest import compose_params

#: long enough for every policy of full_reform to act (devolution, assessment, consolidation, disposal)
OVERRIDES = ("scenario=full_reform", "time.end=2019-12")
SIM = Path(__file__).resolve().parents[1] / "sim"


class NullRecorder:
    """A recorder that records nothing (the model's recorder interface, every hook a no-op)."""

    def __init__(self, model):
        self.monthly: list[dict] = []

    def forget(self) -> None:
        pass

    def log_approvals(self, done, plant, wd, days) -> None:
        pass

    def log_exits(self, rows) -> None:
        pass

    def log_zone_event(self, zone, event, detail) -> None:
        pass

    def record_month(self) -> None:
        pass

    def record_year(self) -> None:
        pass

    def tables(self) -> dict:
        return {}


def _hash(h, value) -> bool:
    """Feed ``value`` to ``h`` if it is state (arrays, numbers, text, and tuples, lists and dicts of
    them); False for anything else (objects, which :func:`_digest` reads by their own attributes)."""
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype}{value.shape}".encode())
        h.update(repr(value.tolist()).encode() if value.dtype == object else np.ascontiguousarray(value).tobytes())
    elif value is None or isinstance(value, Number | str | bool | np.generic):
        h.update(repr(value).encode())
    elif isinstance(value, tuple | list) and all(_hash(hashlib.sha256(), v) for v in value):
        for v in value:
            _hash(h, v)
    elif isinstance(value, dict) and all(_hash(hashlib.sha256(), v) for v in value.values()):
        for k in sorted(value, key=repr):
            h.update(repr(k).encode())
            _hash(h, value[k])
    else:
        return False
    return True


#: caches of values derived from the state, filled when read (the recorder reads them too): the
#: aggregates' masks, and the firm table's column views (``firms.capital`` is ``firms._capital[:n]``)
CACHES = {"_state_masks", "_state_masks_key", *FIRM_COLUMNS}


def _state_of(obj) -> str:
    """Digest of an object's state attributes (its arrays, numbers, text, and containers of them)."""
    h = hashlib.sha256()
    for name, value in sorted(vars(obj).items()):
        if name in CACHES:
            continue
        probe = hashlib.sha256()
        if _hash(probe, value):
            h.update(name.encode())
            h.update(probe.digest())
    return h.hexdigest()


def _zone_state(z) -> tuple:
    b = z.body
    return (
        z.status,
        b.body_id,
        b.rank,
        b.active,
        b.extra_staff,
        b.office.staff,
        z.level,
        tuple(z.blocks),
        z.subsidy,
        z.entry_bar,
        z.expected_latency_days,
        z.last_output,
        z.score,
        z.class_rank,
        z.consecutive_bottom,
        z.yellow_cards,
        z.carded_this_year,
        z.merged_into,
        z.renamed,
        z.regional_assessments_done(),
    )


def _digest(m: ZoneReformModel) -> dict[str, str]:
    """The model's state after a month, by part: the firm table, the zones, the model's own arrays
    and counters, and every component (markets, credit, land, approval, offices, policies)."""
    zones = hashlib.sha256()
    _hash(zones, [_zone_state(z) for z in m.zones])
    out = {"firms": _state_of(m.firms), "zones": zones.hexdigest(), "model": _state_of(m)}
    for name in ("market", "credit", "labour", "land", "capacity", "government", "approval", "office_pool"):
        out[name] = _state_of(getattr(m, name))
    for policy in m.policies:
        out[f"policy:{type(policy).__name__}"] = _state_of(policy)
    return out


def _trajectory(model_class, params, region) -> list[dict[str, str]]:
    m = model_class(params, region)
    path = [_digest(m)]  # after the spin-up
    while m.running:
        m.step()
        path.append(_digest(m))
    return path


class Silent(ZoneReformModel):
    recorder_class = NullRecorder


def test_null_recorder_gives_the_same_state_trajectory():
    """A run that records nothing passes through the same states, month by month, as a recording run:
    what the dynamics learn from the past (expected latencies, zones' last output, the credit
    ledger's months) lives in the model, not in the recorder."""
    params = compose_params(*OVERRIDES)
    region = build_region(params)
    recorded = _trajectory(ZoneReformModel, params, region)
    silent = _trajectory(Silent, params, region)
    assert len(recorded) == len(silent) == Calendar.from_config(params.time).n_months + 1
    for month, (a, b) in enumerate(zip(recorded, silent)):
        differ = [part for part in a if a[part] != b.get(part)]
        assert not differ and a.keys() == b.keys(), f"month {month}: {differ} differ"


@pytest.fixture(scope="module")
def model():
    params = compose_params("time.end=2016-12")
    m = ZoneReformModel(params, build_region(params))
    for _ in range(3):
        m.step()
    return m


def test_state_caches_follow_state_writes(model):
    """Writing states through the model gives a new version: the cached masks and rows follow with
    no call to invalidate them."""
    m = model
    before = m._operating_rows()
    version = m.firms.version
    row = before[:1]
    m.firms.set_state(row, LifeCycle.EXITED)
    assert m.firms.version == version + 1
    after = m._operating_rows()
    assert after.size == before.size - 1 and row[0] not in after
    np.testing.assert_array_equal(after, np.flatnonzero(m.firms.state == LifeCycle.OPERATING))
    m.firms.set_state(row, LifeCycle.OPERATING)  # leave the shared model as it was
    np.testing.assert_array_equal(m._operating_rows(), before)


def test_zone_arrays_follow_zone_changes(model):
    """A zone change (logged through the model) gives a new zone version; the approval routing's
    and the location choice's zone arrays are rebuilt for it."""
    m = model
    v0 = m.zone_version
    m.approval._context()
    view = m.market._zone_view()
    assert m.market._zone_view() is view  # cached while nothing changes
    m.log_zone_event(m.zones[0], "test", "a change")
    assert m.zone_version == v0 + 1
    assert m.market._zone_view() is not view
    m.approval._context()
    assert m.approval._zone_office[0] == m.zone_version


def test_clock_reads_mesa_time_from_the_month(model):
    """During a step Mesa's time is the end of the month (months since the first simulated month);
    tables give times as months since the start, which map back to the month."""
    m = model
    seen = []
    original = m.approval.advance

    def spy(until):
        seen.append((m.month, m.time, until))
        return original(until)

    m.approval.advance = spy
    try:
        m.step()
    finally:
        del m.approval.advance
    ((month, time, until),) = seen
    assert until == time == m.clock.step_time(month)
    clock = Clock(first_month=-24)
    assert clock.step_time(-24) == 1.0 and clock.since_start(1.0) == -23
    np.testing.assert_array_equal(
        clock.month_of(np.array([clock.since_start(clock.step_time(m_)) for m_ in (-24, 0, 5)])), [-24, 0, 5]
    )


def test_no_cache_is_invalidated_by_hand_or_keyed_on_the_recorder():
    """Outside the owner of the firm-state caches, nothing in sim/ invalidates a cache, and no cache
    of the model is keyed on what the recorder holds."""
    offenders = []
    for path in SIM.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "states_changed" in text:
            offenders.append(f"{path.relative_to(SIM)}: states_changed")
        if path.parent.name == "model" and ("len(m.recorder" in text or 'hasattr(m, "recorder")' in text):
            offenders.append(f"{path.relative_to(SIM)}: cache keyed on the recorder")
    assert not offenders
