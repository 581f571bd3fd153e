"""The compiled passes that replaced chains of numpy gathers and scatters compute exactly what the
numpy code they replaced computed (same operations in the same order: bit for bit), for any input;
and the vectorised readers of the zone table agree with the zone agents they read."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import compose_params, make_model
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model.agents import ZoneStatus
from sim.model.aggregates import count_codes
from sim.model.capacity import _room_and_short, _within_room
from sim.model.choice_kernels import expansion_plans
from sim.model.credit import book_financing
from sim.model.firms import FirmTable, site_cluster
from sim.model.streams import _NEGATIVE, Stream, stream
from sim.model.zone_changes import _leave_block, _move_zone

money = st.floats(0.0, 1e6, allow_nan=False)


def _table(n: int, rng: np.random.Generator) -> FirmTable:
    f = FirmTable(n)
    f.add(
        debt=rng.uniform(0, 100, n),
        capital=rng.uniform(0, 100, n),
        capital_wip=rng.uniform(0, 10, n),
        vat_credit=rng.uniform(0, 5, n),
        investment_year=rng.uniform(0, 20, n),
        rescued_until=rng.integers(0, 50, n),
        licence=np.where(rng.random(n) < 0.3, np.inf, rng.uniform(0, 150, n)),
        land=rng.uniform(1, 50, n),
        plant_limit=np.where(rng.random(n) < 0.1, 0.0, rng.uniform(0, 200, n)),
        expanding=rng.random(n) < 0.3,
        zone=rng.integers(-1, 4, n),
        block=rng.integers(-1, 6, n),
    )
    return f


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.int8, st.integers(0, 300), elements=st.integers(0, 6)))
def test_count_codes_is_a_bincount(codes):
    assert np.array_equal(count_codes(codes, 7), np.bincount(codes, minlength=7))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 80), st.floats(0.0, 0.2))
def test_book_financing_books_what_the_numpy_steps_booked(seed, n, vat):
    rng = np.random.default_rng(seed)
    a, b = _table(n, rng), _table(n, np.random.default_rng(seed))
    idx = np.sort(rng.choice(n, size=rng.integers(0, n + 1), replace=False))
    lent = np.where(rng.random(idx.size) < 0.4, rng.uniform(0, 9, idx.size), 0.0)
    loans, repay, internal = (rng.uniform(0, 9, idx.size) for _ in range(3))
    # the numpy steps it replaced (sim/model/phases.py before)
    a.debt[idx] += lent + loans - repay
    a.rescued_until[idx[lent > 0.0]] = 7 + 12
    invest = internal + loans
    a.capital_wip[idx] += invest
    a.vat_credit[idx] += vat * invest
    a.investment_year[idx] += invest
    got = book_financing(b, idx, lent, loans, repay, internal, vat, 7 + 12)
    assert np.array_equal(got, invest)
    for col in ("debt", "rescued_until", "capital_wip", "vat_credit", "investment_year"):
        assert np.array_equal(getattr(a, col), getattr(b, col)), col


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 80))
def test_room_and_plans_within_it_match_the_numpy_rule(seed, n):
    rng = np.random.default_rng(seed)
    f = _table(n, rng)
    idx = np.sort(rng.choice(n, size=rng.integers(0, n + 1), replace=False))
    internal, loan = rng.uniform(0, 60, idx.size), rng.uniform(0, 60, idx.size)
    room_np = np.maximum(f.licence[idx] - f.capital[idx] - f.capital_wip[idx], 0.0)
    short_np = np.where(np.isfinite(room_np), np.maximum(internal + loan - room_np, 0.0), 0.0)
    room, short = np.empty(idx.size), np.empty(idx.size)
    _room_and_short(idx, f.licence, f.capital, f.capital_wip, internal, loan, room, short)
    assert np.array_equal(room, room_np) and np.array_equal(short, short_np)
    room += rng.uniform(0, 5, idx.size) * (short > 0)  # quota handed out
    want_i = np.minimum(internal, room)
    want_l = np.minimum(loan, room - want_i)
    _within_room(internal, loan, room)
    assert np.array_equal(internal, want_i) and np.array_equal(loan, want_l)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 80), st.floats(0.0, 0.5), st.floats(1.0, 2.0))
def test_expansion_plans_select_and_size_as_the_numpy_rule(seed, n, min_share, headroom):
    rng = np.random.default_rng(seed)
    f = _table(n, rng)
    rows = np.sort(rng.choice(n, size=rng.integers(0, n + 1), replace=False))
    beyond = rng.uniform(0, 40, rows.size)
    want = (beyond >= min_share * f.capital[rows]) & ~f.expanding[rows]
    r_np, e_np = rows[want], beyond[want]
    land_np = e_np * f.land[r_np] / np.maximum(f.plant_limit[r_np] / headroom, 1e-12)
    r, e, land = expansion_plans(rows, beyond, f.capital, f.expanding, f.land, f.plant_limit, min_share, headroom)
    assert np.array_equal(r, r_np) and np.array_equal(e, e_np) and np.array_equal(land, land_np)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60), st.integers(0, 3), st.integers(-1, 3))
def test_moving_a_zones_firms_and_delisting_a_block_touch_only_their_rows(seed, n, src, dst):
    rng = np.random.default_rng(seed)
    f = _table(n, rng)
    zone, block = f.zone.copy(), f.block.copy()
    _move_zone(f.zone, f.block, src, dst)
    rows = zone == src
    want_z, want_b = zone.copy(), block.copy()
    want_z[rows] = dst
    if dst < 0:
        want_b[rows] = -1
    assert np.array_equal(f.zone, want_z) and np.array_equal(f.block, want_b)
    b = int(rng.integers(0, 6))
    on = f.block == b
    want_z[on], want_b[on] = -1, -1
    _leave_block(f.zone, f.block, b)
    assert np.array_equal(f.zone, want_z) and np.array_equal(f.block, want_b)


@pytest.fixture(scope="module")
def reformed():
    """A Ningxia run through consolidation and devolution (zones merged, regional assessments done)."""
    m = make_model(compose_params("scenario=full_reform", "seed=0", "time.end=2020-12"))
    m.run()
    return m


def test_active_zones_are_the_zones_whose_status_is_active(reformed):
    m = reformed
    want = [z for z in m.zones if z.status == ZoneStatus.ACTIVE]
    assert m.active_zones() == want and len(want) < len(m.zones)  # consolidation merged some


def test_regional_assessments_done_per_zone_count_the_items_in_force(reformed):
    m = reformed
    orders = range(1, m.zone_ra_time.shape[1])
    each = [sum(1 for o in orders if z.has_regional_assessment(o)) for z in m.zones]
    assert m.zone_regional_assessments_done().tolist() == each and max(each) > 0
    assert [z.regional_assessments_done() for z in m.zones] == each


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.int32, st.integers(0, 50), elements=st.integers(-1, 9)),
    hnp.arrays(np.int64, 10, elements=st.integers(-1, 40)),
)
def test_site_cluster_is_the_zone_each_block_was_built_for(site_block, block_zone_start):
    want = np.where(site_block >= 0, block_zone_start[np.maximum(site_block, 0)], -1)
    got = site_cluster(site_block, block_zone_start)
    assert got.dtype == want.dtype and np.array_equal(got, want)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    kind=st.sampled_from(list(Stream)),
    key=st.lists(st.integers(-(2**40), 2**63 - 1), max_size=3),
)
def test_a_stream_is_numpys_generator_of_its_seed_list(seed, kind, key):
    """``stream`` hands numpy the 32-bit words of its seed list itself: the same generator as
    ``default_rng([seed, kind, *codes])``, also for seeds and keys of more than 32 bits and for the
    spin-up's negative months."""
    codes = [k if k >= 0 else _NEGATIVE - k for k in key]
    expected = np.random.default_rng([seed, int(kind), *codes])
    got = stream(seed, kind, *key)
    assert np.array_equal(got.integers(0, 2**63, 8), expected.integers(0, 2**63, 8))


def test_column_views_follow_added_rows_and_growth():
    """A column read before rows are added (and before the table grows) is not served stale
    afterwards: each read covers the rows in use, and writes through it reach the table."""
    t = FirmTable(capacity=16)
    t.add(key=np.arange(10), sector=1)
    before = t.key
    assert before.size == 10
    t.add(key=np.arange(10, 30), sector=2)  # grows past 16
    assert t.key.size == 30 and np.array_equal(t.key, np.arange(30))
    assert np.array_equal(t.sector, [1] * 10 + [2] * 20) and t.zone[-1] == -1
    t.capital[3] = 7.0
    assert t._capital[3] == 7.0 and t.capital is t.capital  # one view until the rows change
    assert t.add(sector=3).tolist() == [30] and t.sector.size == 31
    with pytest.raises(TypeError, match="no column 'log_productivity'"):  # a misspelt column is not dropped silently
        t.add(sector=3, log_productivity=0.5)
    assert len(t) == 31 and t.sector.size == 31  # and nothing of it is added
