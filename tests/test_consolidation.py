"""Consolidation on the embedded Ningxia data (acceptance b) and its rules on hand-built regions."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import compose_params, make_model, run_model, tiny_region

REFORM_MONTH = 44  # 2018-09 with time.start 2015-01


@pytest.fixture(scope="module")
def consolidated():
    """The consolidation scenario on Ningxia, stepped to just before and just after the reform."""
    m = make_model(compose_params("scenario=consolidation", "time.end=2020-12"))
    for _ in range(REFORM_MONTH):
        m.step()
    before = {
        "zones": len(m.active_zones()),
        "bodies": sum(b.active for b in m.bodies.values()),
        "firms": len(m.firms),
    }
    m.run()
    return m, before


def test_33_zones_before_the_reform_date(consolidated):
    """Before 2018-09 the embedded data has 33 zones with 32 management bodies (two zones share one)."""
    _, before = consolidated
    assert before["zones"] == 33
    assert before["bodies"] == 32


def test_counts_match_documented_reading_of_the_seed(consolidated):
    """Rules give 33 − 11 = 22 zones at the reform date; 苏银产业园 (founded 2019-01) makes 23;
    22 bodies (6 national + 16 region-level); 10 bodies cut; 10 zones renamed."""
    m, before = consolidated
    mon = m.results()["monthly"].set_index("date")
    assert mon.loc["2018-09", "zones"] == 22
    assert mon.loc["2019-01", "zones"] == 23
    assert mon.loc["2020-12", "zones"] == 23
    bodies = [b for b in m.bodies.values() if b.active]
    assert len(bodies) == 22
    national = {b.body_id for b in bodies if any(z.level == "national" for z in b.zones)}
    assert len(national) == 6
    assert before["bodies"] - len(bodies) == 10
    ev = m.results()["zone_events"]
    removed = ev[ev.event.isin(["merged", "abolished"])]
    assert len(removed) == 11
    assert (ev.event == "renamed").sum() == 10
    assert (ev.event == "body_abolished").sum() == 10


def test_rules_hold_after_the_reform(consolidated):
    """≤ 1 body per county except the documented exempt types; ≤ 3 active blocks per zone;
    merged zones point at an active host; no firm left in a merged or abolished zone."""
    m, _ = consolidated
    exempt = set(m.params.policy.consolidation.exempt_types)
    per_county: dict[str, set] = {}
    for z in m.active_zones():
        if z.type not in exempt:
            per_county.setdefault(z.county_id, set()).add(z.body.body_id)
        assert int(m.block_active[z.blocks].sum()) <= m.params.policy.consolidation.max_blocks
    assert all(len(b) == 1 for b in per_county.values())
    active_ids = {z.zone_id for z in m.active_zones()}
    for z in m.zones:
        if z.merged_into is not None:
            assert z.merged_into in active_ids
    active_ix = {z.index for z in m.active_zones()}
    assert set(np.unique(m.firms.zone)) <= active_ix | {-1}


def test_no_firm_lost_in_consolidation(consolidated):
    """Merging and abolishing move firms, never delete them: rows only grow."""
    m, before = consolidated
    assert len(m.firms) >= before["firms"]
    assert len(m.enterprises) == len(m.firms)


def test_which_zones_go_is_decided_by_rules_on_data():
    """Change the data, not a list: a zone made large and productive is no longer abolished,
    and a county's second zone becomes the host when it is the larger one (by planned land)."""
    zones = [
        dict(
            zone_id="big",
            county_id="c1",
            firms=40,
            output_share=0.5,
            output_per_mu=40,
            level="national",
            rank="bureau",
            type="etdz",
        ),
        dict(zone_id="small_inverted", county_id="c2", firms=3, output_share=0.01, output_per_mu=4),
        dict(zone_id="c2_main", county_id="c2", firms=20, output_share=0.2, output_per_mu=40),
        dict(zone_id="c3_zone", county_id="c3", firms=20, output_share=0.2, output_per_mu=40),
    ]
    p = compose_params("policy/consolidation=ningxia", "policy.consolidation.date=2016-01", "time.end=2016-06")
    m = run_model(p, tiny_region(zones, total_firms=90))
    status = {z.zone_id: str(z.status) for z in m.zones}
    assert status["small_inverted"] == "abolished"
    assert status["c2_main"] == "active" and status["c3_zone"] == "active"

    zones[1] = dict(
        zone_id="small_inverted", county_id="c2", firms=30, output_share=0.25, output_per_mu=60, land_mu=1e6
    )  # the larger zone by plan (and by output)
    zones[0]["output_share"] = 0.3
    m = run_model(p, tiny_region(zones, total_firms=120))
    by_id = {z.zone_id: z for z in m.zones}
    assert str(by_id["small_inverted"].status) == "active"  # now the larger zone of county c2: the host
    assert by_id["c2_main"].merged_into == "small_inverted"


def test_block_limit_follows_config():
    """With max_blocks = 1 every surviving zone keeps a single block; firms on delisted blocks stay."""
    zones = [
        dict(zone_id=f"z{i}", county_id="c1", firms=10, output_share=0.2, output_per_mu=40, blocks=2) for i in range(3)
    ]
    p = compose_params(
        "policy/consolidation=ningxia",
        "policy.consolidation.date=2016-01",
        "policy.consolidation.max_blocks=1",
        "time.end=2016-03",
    )
    m = run_model(p, tiny_region(zones, total_firms=40))
    active = m.active_zones()
    assert len(active) == 1
    assert int(m.block_active[active[0].blocks].sum()) == 1
    assert len(m.firms) >= 40


def test_staff_pooled_into_host_office():
    """Merged bodies' approval staff join the host's office (consolidation pools staff)."""
    zones = [
        dict(zone_id=f"z{i}", county_id="c1", firms=10, output_share=0.3 - 0.05 * i, output_per_mu=40) for i in range(3)
    ]
    p = compose_params("policy/consolidation=ningxia", "policy.consolidation.date=2016-01", "time.end=2016-02")
    m = run_model(p, tiny_region(zones, total_firms=40))
    host = m.active_zones()[0]
    staff = m.params.bodies.approval_staff
    merged = [z for z in m.zones if z.merged_into == host.zone_id]
    assert len(merged) == 2
    assert host.body.office.staff == staff[host.body.rank] + 2 * staff["division"]
