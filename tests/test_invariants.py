"""Property-based invariants of the model, over generated small synthetic configurations.

Acceptance (f): stepping month by month, every enterprise ever created is in exactly one
life-cycle state, rows never disappear and exited firms never return; land in use never exceeds
a zone's capacity; output is never negative; every firm's zone is active or -1; and with no
zone founded (the synthetic region founds none), zones and management bodies never increase.
"""

from __future__ import annotations

import numpy as np
from conftest import compose_params, make_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.agents import ZoneStatus
from sim.model.firms import LAND_HOLDING, LifeCycle

SCENARIOS = ["baseline", "consolidation", "devolution", "assessment", "full_reform"]
TOL = 1e-6  # mu

PROPERTY_SETTINGS = settings(
    max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def small_configs(draw, scenarios=SCENARIOS):
    """Hydra overrides for a small synthetic region with the reform moved early (fast runs)."""
    scenario = draw(st.sampled_from(scenarios))
    date = draw(st.sampled_from(["2015-06", "2016-01", "2017-01"]))
    return [
        f"scenario={scenario}",
        f"seed={draw(st.integers(0, 10_000))}",
        "region=synthetic",
        f"region.synthetic.seed={draw(st.integers(0, 1_000))}",
        f"region.synthetic.enterprises={draw(st.integers(50, 400))}",
        f"region.synthetic.cities={draw(st.integers(1, 3))}",
        f"region.synthetic.counties_per_city={draw(st.integers(1, 4))}",
        f"region.synthetic.zones_per_county={draw(st.floats(0.5, 3.0)):.2f}",
        f"investment.arrival_scale={draw(st.sampled_from([1, 4]))}",  # 4 fills blocks to the brim
        f"policy.assessment.abolished_firms_to={draw(st.sampled_from(['county', 'neighbour']))}",
        f"policy.consolidation.date={date}",
        f"policy.devolution.start={date}",
        f"policy.assessment.start={date}",
        f"policy.zombie_disposal.start={date}",
        f"time.end={draw(st.sampled_from(['2018-12', '2019-12']))}",
    ]


class Snapshot:
    """What a month's invariants compare against: the previous month's rows and counts."""

    def __init__(self, m):
        f = m.firms
        self.n = len(f)
        self.key = f.key.copy()
        self.state = f.state.copy()
        self.exit_month = f.exit_month.copy()
        self.zones = len(m.active_zones())
        self.bodies = sum(b.active for b in m.bodies.values())


def check_month(m, prev: Snapshot, ctx: str) -> None:
    """Every per-month invariant of acceptance (f); ``ctx`` names the config and month."""
    f = m.firms
    n = len(f)
    st_ = f.state
    # -- life cycle: exactly one valid state per row, rows never disappear or change identity
    assert set(np.unique(st_).tolist()) <= {int(s) for s in LifeCycle}, ctx
    per_state = [int((st_ == s).sum()) for s in LifeCycle]
    assert sum(per_state) == n, ctx
    assert n >= prev.n, ctx
    assert len(m.enterprises) == n, ctx
    assert all(e.row == i for i, e in enumerate(m.enterprises[prev.n :], start=prev.n)), ctx
    assert np.array_equal(f.key[: prev.n], prev.key), ctx
    # a firm's new plant carries its firm's key (it never operates beside it); a plant whose firm
    # has left carries on as a firm with that key: among firms still alive, keys are unique
    plant = f.parent >= 0
    assert np.array_equal(f.key[plant], f.key[f.parent[plant]]), ctx
    alive = ~plant & ~np.isin(st_, [LifeCycle.EXITED, LifeCycle.MERGED, LifeCycle.WITHDRAWN])
    assert len(np.unique(f.key[alive])) == int(alive.sum()), ctx
    # states only move forward; EXITED (and WITHDRAWN, a project that left the pipeline when its
    # idle land was taken back) is absorbing and keeps the month it left
    assert np.all(st_[: prev.n] >= prev.state), ctx
    for gone in (LifeCycle.EXITED, LifeCycle.WITHDRAWN):
        was = prev.state == gone
        assert np.all(st_[: prev.n][was] == gone), ctx
        assert np.array_equal(f.exit_month[: prev.n][was], prev.exit_month[was]), ctx
    withdrawn_now = (st_[: prev.n] == LifeCycle.WITHDRAWN) & (prev.state != LifeCycle.WITHDRAWN)
    assert np.all(prev.state[withdrawn_now] == LifeCycle.IN_APPROVAL), ctx  # only projects in approval
    exited = (st_ == LifeCycle.EXITED) | (st_ == LifeCycle.WITHDRAWN)
    assert np.all(f.exit_month[exited] >= 0) and np.all(f.exit_month[~exited] == -1), ctx
    assert np.all(f.exit_month[exited] <= m.month), ctx
    # -- land: per active block and per zone, in use <= capacity; inactive blocks hold nothing
    use = m.block_in_use()
    act = m.block_active
    assert np.all(use[act] <= m.block_land[act] + TOL), ctx
    # land held back after a liquidation until it is let again is neither in use nor free
    assert np.all(m.block_land_held >= 0) and np.all(use + m.block_land_held <= m.block_land + TOL), ctx
    assert np.all(use[~act] <= TOL), ctx
    assert np.all(m.zone_land_in_use() <= m.zone_capacity() + TOL), ctx
    assert np.all(f.land >= 0), ctx
    assert not (errors := m.land.check()), f"{ctx}: land ledger {errors}"  # conserved, booked by its rules
    # -- capacity replacement: licences bind, quota never negative (sim.model.capacity)
    lic = np.isfinite(f.licence) & np.isin(st_, [LifeCycle.IN_APPROVAL, LifeCycle.CONSTRUCTION, LifeCycle.OPERATING])
    assert np.all(f.capital[lic] + f.capital_wip[lic] <= f.licence[lic] + TOL), ctx
    assert np.all(m.capacity.quota >= -TOL), ctx
    # -- output never negative (and finite)
    assert np.all(np.isfinite(f.output)) and np.all(f.output >= 0), ctx
    projects = np.isin(st_, [LifeCycle.PROJECT, LifeCycle.IN_APPROVAL, LifeCycle.CONSTRUCTION])
    assert np.all(f.output[projects] == 0), ctx  # nothing produced before operating
    # -- zone membership: -1 or an active zone; block consistent with the zone
    zone_ok = np.array([z.status == ZoneStatus.ACTIVE for z in m.zones] + [True])  # [-1] -> outside
    assert np.all(f.zone >= -1) and np.all(f.zone < len(m.zones)), ctx
    bad = np.unique(f.zone[~zone_ok[f.zone]])
    assert bad.size == 0, f"{ctx}: firms left in inactive zones {[m.zones[i].zone_id for i in bad]}"
    inside = f.zone >= 0
    assert np.all(f.block[~inside] == -1), ctx
    holding = np.isin(st_, LAND_HOLDING)
    assert np.all(f.block[inside & holding] >= 0), ctx
    sel = inside & (f.block >= 0)
    assert np.array_equal(m.block_zone[f.block[sel]], f.zone[sel]), ctx
    assert np.all(act[f.block[inside & holding]]), ctx
    # -- zones and bodies: never more (no zone is founded); bodies are those of active zones
    zones = len(m.active_zones())
    bodies = sum(b.active for b in m.bodies.values())
    assert zones <= prev.zones, f"{ctx}: active zones rose {prev.zones} -> {zones}"
    assert bodies <= prev.bodies, f"{ctx}: active bodies rose {prev.bodies} -> {bodies}"
    assert {id(z.body) for z in m.active_zones()} == {id(b) for b in m.bodies.values() if b.active}, ctx


def run_checked(overrides: list[str]):
    """Step a model month by month, checking every invariant after each month."""
    m = make_model(compose_params(*overrides))
    assert all(z.founded_month is None for z in m.zones)  # synthetic regions found no zones
    prev = Snapshot(m)
    check_month(m, prev, f"{overrides} start")
    n_months = 0
    while m.running:
        m.step()
        n_months += 1
        check_month(m, prev, f"{overrides} month {m.month - 1}")
        prev = Snapshot(m)
    assert n_months == m.calendar.n_months
    return m


@PROPERTY_SETTINGS
@given(overrides=small_configs())
def test_monthly_invariants_hold_in_every_scenario(overrides):
    """Per-month invariants (life-cycle states, rows, land <= capacity, output >= 0, zone
    membership, non-increasing zones and bodies) in random small configurations of all five
    scenarios; the recorded monthly table agrees with them."""
    m = run_checked(overrides)
    monthly = m.results()["monthly"]
    assert len(monthly) == m.calendar.n_months
    assert (monthly["land_in_use"] <= monthly["land_capacity"] + TOL).all()
    assert (monthly["output"] >= 0).all()
    assert (monthly["zones"].diff().dropna() <= 0).all()
    assert (monthly["bodies"].diff().dropna() <= 0).all()
    assert (monthly["zombie_share"].between(0, 1)).all()
    f = m.firms
    assert monthly["firms"].iloc[-1] == int((f.state == LifeCycle.OPERATING).sum())
    # exits count the firms closed and those taken over in the disposal campaign
    assert monthly["exits"].sum() == int((f.state == LifeCycle.EXITED).sum() + (f.acquired_by >= 0).sum())


@PROPERTY_SETTINGS
@given(overrides=small_configs(scenarios=["consolidation"]))
def test_consolidation_never_adds_zones_or_bodies(overrides):
    """Consolidation alone (no zone founded): active zones and bodies are non-increasing month
    to month; from the reform date on, each county has at most one non-exempt zone and each zone
    at most max_blocks active blocks, and no firm sits in a merged or abolished zone."""
    m = make_model(compose_params(*overrides))
    p = m.params.policy.consolidation
    start = m.calendar.index(p.date)
    counties_with_zones = {z.county_id for z in m.active_zones()}
    prev = Snapshot(m)
    zones_series, bodies_series = [prev.zones], [prev.bodies]
    while m.running:
        month = m.month
        m.step()
        check_month(m, prev, f"{overrides} month {month}")
        prev = Snapshot(m)
        zones_series.append(prev.zones)
        bodies_series.append(prev.bodies)
        if month >= start:
            per_county: dict[str, int] = {}
            for z in m.active_zones():
                assert sum(bool(m.block_active[b]) for b in z.blocks) <= p.max_blocks
                if z.type not in p.exempt_types:
                    per_county[z.county_id] = per_county.get(z.county_id, 0) + 1
            assert all(c <= 1 for c in per_county.values()), per_county
            assert prev.zones <= len(counties_with_zones)
    assert all(b <= a for a, b in zip(zones_series, zones_series[1:]))
    assert all(b <= a for a, b in zip(bodies_series, bodies_series[1:]))
    # the reform date lies inside the horizon: a county that started with several zones is merged
    if zones_series[0] > len(counties_with_zones):
        assert zones_series[-1] < zones_series[0] and bodies_series[-1] < bodies_series[0]


def test_pipeline_entirely_crowded_out_adds_no_firms():
    """When no candidate project of the start-up pipeline arrives (the sector prices thin them out),
    the model starts with the initial firms only (no empty batch written into the firm table)."""
    from sim.model.streams import Stream, stream

    for seed in range(300):
        p = compose_params(
            "region=synthetic", "region.synthetic.enterprises=60", f"seed={seed}", "investment.pipeline_months=0.3"
        )
        m = make_model(p)
        inv = p.investment  # the pipeline's arrivals: the first draw of its stream (InvestmentMarket.seed_pipeline)
        arrived = (
            stream(p.seed, Stream.PIPELINE)
            .poisson(  # candidates, thinned by the sector prices
                m.market.rates * inv.arrival_scale * inv.entry_max_multiplier / 12.0 * inv.pipeline_months
            )
            .sum()
        )
        if arrived and not (m.firms.state == LifeCycle.CONSTRUCTION).any():
            break
    else:
        raise AssertionError("no seed crowds out the whole pipeline: the case is not exercised")
    f = m.firms
    assert len(f) == len(m.enterprises) == int((f.state == LifeCycle.OPERATING).sum())
    m.run()  # and the run goes on


def test_firm_table_add_checks_column_lengths():
    """FirmTable.add: one row from scalars alone; no row from empty arrays; unequal arrays refused."""
    from sim.model.firms import FirmTable

    f = FirmTable()
    assert f.add(sector=1, state=3).tolist() == [0]
    assert f.add(sector=np.zeros(0, int), state=3).size == 0 and len(f) == 1
    try:
        f.add(sector=np.zeros(2, int), land=np.zeros(3))
    except ValueError as e:
        assert "different lengths" in str(e)
    else:
        raise AssertionError("unequal columns accepted")
    assert len(f) == 1


def test_a_step_after_the_horizon_does_nothing():
    """Mesa's loop, a dashboard or a user may call ``step`` once more: the model stays at its last
    month, with nothing recorded beyond ``time.end``."""
    m = make_model(compose_params("scenario=full_reform", "seed=0", "time.end=2015-06")).run()
    month, n_months, output = m.month, len(m.recorder.monthly), m.firms.output.copy()
    for _ in range(3):
        m.step()
    assert not m.running and m.month == month and len(m.recorder.monthly) == n_months == 6
    np.testing.assert_array_equal(m.firms.output, output)
