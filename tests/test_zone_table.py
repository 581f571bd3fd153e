"""The zone table (sim.model.zone_table): a Zone is a view of its row, so every change to a zone's
status, terms or assessment record is a change of one array that vectorised readers take."""

from __future__ import annotations

import numpy as np
from conftest import compose_params, make_model, run_model

from sim.model.agents import ZoneStatus
from sim.model.zone_table import COLUMNS, NOT_FOUNDED_LATER


def test_a_zone_reads_and_writes_its_row():
    m = make_model(compose_params("scenario=baseline", "time.end=2015-03"))
    t, z = m.zone_table, m.zones[3]
    assert len(t) == len(m.zones)
    z.subsidy = 0.123
    assert t.subsidy[3] == 0.123 and isinstance(z.subsidy, float)
    t.yellow_cards[3] = 2
    assert z.yellow_cards == 2 and type(z.yellow_cards) is int
    z.status = ZoneStatus.MERGED
    assert z.status is ZoneStatus.MERGED and not t.active()[3] and t.has_status(ZoneStatus.MERGED)[3]
    z.founded_month = None
    assert t.founded_month[3] == NOT_FOUNDED_LATER and z.founded_month is None
    # every column is a Zone property of the same name
    for name in COLUMNS:
        assert hasattr(type(z), name), name


def test_the_table_follows_the_reform():
    """After the full reform's consolidation and assessment the table's columns are what the zones
    report, and the zones the rules merged or abolished are inactive in it."""
    m = run_model(compose_params("scenario=full_reform", "time.end=2019-12"))
    t = m.zone_table
    np.testing.assert_array_equal(t.active(), [z.active for z in m.zones])
    assert (~t.active()).sum() >= 10  # 33 -> 23: ten zones merged or abolished, 苏银 founded
    assert [z.status for z in m.zones] == [t.statuses[c] for c in t.status]
    np.testing.assert_array_equal(t.yellow_cards, [z.yellow_cards for z in m.zones])
    assessed = t.assessed_years > 0  # the first assessment is of 2019; a zone in its grace period is not scored
    assert assessed.any() and np.isfinite(t.score[assessed]).all() and np.isnan(t.score[~assessed]).all()
