"""Storage of the model's tables: growth keeps every row, the land ledger's project list stays the
sorted union of the projects supplied, and the approval pipeline's room grows without losing a case."""

from __future__ import annotations

import numpy as np
from conftest import compose_params, make_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import approval, firms
from sim.model.firms import FirmTable, LifeCycle


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12))
def test_firm_table_growth_keeps_every_row_and_default(batches):
    """Rows added over several growths keep their values; new rows take the columns' defaults."""
    f = FirmTable(capacity=1)
    expect_sector = []
    for b in batches:
        sectors = np.arange(len(expect_sector), len(expect_sector) + b) % 7
        rows = f.add(sector=sectors, state=int(LifeCycle.OPERATING))
        assert rows.tolist() == list(range(len(expect_sector), len(expect_sector) + b))
        expect_sector += sectors.tolist()
    assert len(f) == len(expect_sector)
    assert f.sector.tolist() == expect_sector
    assert (f.zone == -1).all() and (f.exit_month == -1).all() and np.isinf(f.licence).all()
    assert f._cap >= len(f)


def test_firm_table_grows_by_its_factor():
    f = FirmTable(capacity=16)
    f.add(sector=np.zeros(17, int))
    assert f._cap == firms.GROWTH * 16


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.integers(min_value=0, max_value=60), max_size=8), min_size=1, max_size=6))
def test_land_projects_are_the_sorted_union_of_the_rows_supplied(batches):
    """``supply`` appends new ascending rows directly and merges anything else: either way the
    ledger's projects are the ascending, duplicate-free union."""
    m = make_model(compose_params("seed=0", "time.end=2015-03"))
    land = m.land
    start = set(land.projects.tolist())
    n = len(m.firms)
    union = set(start)
    for batch in batches:
        rows = np.array([r % n for r in batch], dtype=np.int64)
        land.supply(np.unique(rows) if len(batch) % 2 else rows)
        union |= set(rows.tolist())
        assert land.projects.tolist() == sorted(union)


def test_approval_room_grows_and_keeps_open_cases():
    """When the pipeline's room runs out it grows by its factor; the open applications stay in
    place and the run goes on to the same result as with ample room from the start."""
    params = compose_params("seed=2", "time.end=2016-12")
    m = make_model(params)
    cap0 = m.approval._cases.ints.shape[0]
    m.run()
    cap1 = m.approval._cases.ints.shape[0]
    assert cap1 == approval.GROWTH * cap0  # grown once: several hundred applications open at a time

    roomy = make_model(params)
    roomy.approval._grow(cap1 * approval.GROWTH)
    roomy.run()
    np.testing.assert_array_equal(roomy.firms.output, m.firms.output)
    np.testing.assert_array_equal(roomy.firms.state, m.firms.state)
