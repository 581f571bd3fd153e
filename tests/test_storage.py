"""Storage of the model's tables: growth keeps every row, the land ledger's project list stays the
sorted union of the projects supplied, and the approval pipeline's room grows without losing a case."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import compose_params, make_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import approval, firms
from sim.model.firms import FirmTable, LifeCycle
from sim.runner.run import region_of, simulate


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


def _region_copy(region):
    return {k: (v.copy(deep=True) if isinstance(v, pd.DataFrame) else v) for k, v in vars(region).items()}


@pytest.mark.parametrize(
    "overrides",
    [
        ("scenario=full_reform", "seed=1", "time.end=2017-12"),
        ("scenario=full_reform", "region=national", "region.national.scale=0.005", "time.end=2016-06"),
        ("scenario=consolidation", "region=synthetic", "time.end=2016-06"),
    ],
)
def test_a_run_leaves_its_region_as_it_was(overrides):
    """A process keeps the regions it built and gives them to every later run
    (:func:`sim.runner.run.region_of`): a run must only read its region."""
    params = compose_params(*overrides)
    region = region_of(params)
    before = _region_copy(region)
    simulate(params, region)
    after = vars(region)
    assert after.keys() == before.keys()
    for name, value in before.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(after[name], value, check_exact=True)
        else:
            assert after[name] == value, name
    assert region_of(params) is region  # the same settings and files: the same region


def test_region_of_builds_again_when_a_data_file_changes(tmp_path):
    """The cache is keyed by the data files' contents: an edited table is read again."""
    import shutil

    from sim.data.loader import embedded_dir

    data = tmp_path / "ningxia"
    shutil.copytree(embedded_dir(), data)
    params = compose_params("seed=0", f"region.data_dir={data}")
    first = region_of(params)
    assert region_of(params) is first
    zones = data / "zones.csv"
    zones.write_text(zones.read_text().rstrip("\n") + "\n\n")  # the same table in other bytes
    assert region_of(params) is not first
