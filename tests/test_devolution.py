"""Devolution and services (放管服) work through the approval mechanism (acceptance d).

* ``sim.model.approval.Office`` unit tests: a multi-server first-come-first-served queue;
* routing: devolved items go to the zone's office only once the policy has started;
* on the embedded Ningxia data with fixed seeds: mean approval latency falls as powers are
  devolved and as regional-assessment items are done zone-wide, and rises again when the zone
  offices that receive the devolved work are cut to one staff (queueing, not a fixed delay).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from sim.model.approval import Office
from sim.model.policies.devolution import NO_SERVICES
from tests.conftest import compose_params, make_model, run_model, tiny_region

# --------------------------------------------------------------------------- Office (FCFS, c servers)


def test_one_server_serves_first_come_first_served():
    """A 1-staff office serving three items that arrive together (effort 1) finishes them at 1, 2, 3."""
    o = Office("t", "zone", 1)
    assert [o.serve(0.0, 1.0) for _ in range(3)] == [1.0, 2.0, 3.0]
    assert o.items_served == 3
    assert o.wait_time == pytest.approx(0 + 1 + 2)
    assert o.busy_time == pytest.approx(3.0)


def test_three_servers_serve_three_items_in_parallel():
    """A 3-staff office serving the same three items finishes all of them at 1, with no waiting."""
    o = Office("t", "zone", 3)
    assert [o.serve(0.0, 1.0) for _ in range(3)] == [1.0, 1.0, 1.0]
    assert o.wait_time == 0.0
    assert o.serve(0.0, 1.0) == 2.0  # a fourth item waits for the first free server


def test_queue_empties_and_server_idles_between_arrivals():
    """Start = max(arrival, earliest free server): a later arrival waits only for work still queued."""
    o = Office("t", "county", 1)
    assert o.serve(0.0, 2.0) == 2.0
    assert o.serve(1.0, 1.0) == 3.0  # waits 1 behind the first item
    assert o.serve(5.0, 1.0) == 6.0  # office idle from 3 to 5: no wait
    assert o.wait_time == pytest.approx(1.0)


def test_background_load_slows_service():
    """Other work takes a share of capacity: effort is divided by 1 - background_load."""
    o = Office("t", "region", 1, background_load=0.5)
    assert o.serve(0.0, 1.0) == pytest.approx(2.0)
    assert o.serve(0.0, 1.0) == pytest.approx(4.0)


def test_set_staff_pools_new_servers_free_now():
    """Pooling staff into a busy office: added servers are free from ``now`` and take the queue."""
    o = Office("t", "zone", 1)
    assert o.serve(0.0, 3.0) == 3.0
    o.set_staff(3, now=0.5)
    assert o.staff == 3
    assert o.serve(0.5, 1.0) == 1.5
    assert o.serve(0.5, 1.0) == 1.5
    assert o.serve(0.5, 1.0) == 2.5  # the pooled servers are busy, the original one until 3
    pooled, alone = Office("p", "zone", 1), Office("a", "zone", 1)
    pooled.set_staff(2, now=0.0)
    assert max(pooled.serve(0.0, 1.0) for _ in range(4)) == 2.0
    assert max(alone.serve(0.0, 1.0) for _ in range(4)) == 4.0


def test_set_staff_cut_keeps_committed_work_and_at_least_one_server():
    """Cutting staff removes the idlest servers (work already started finishes); never below one."""
    o = Office("t", "zone", 3)
    assert [o.serve(0.0, e) for e in (1.0, 2.0, 5.0)] == [1.0, 2.0, 5.0]
    o.set_staff(1, now=0.0)
    assert o.staff == 1
    assert o.serve(0.0, 1.0) == 6.0  # the remaining server is the one busy until 5
    o.set_staff(0, now=6.0)
    assert o.staff == 1
    assert Office("z", "zone", 0).staff == 1


# --------------------------------------------------------------------------- routing before / after start


def _two_zone_model(*overrides):
    reg = tiny_region(
        [
            dict(zone_id="za", county_id="c1", firms=20, output_share=0.4, output_per_mu=40),
            dict(zone_id="zb", county_id="c2", firms=20, output_share=0.4, output_per_mu=40),
        ],
        total_firms=60,
    )
    return make_model(compose_params(*overrides), reg)


def _route_all_items(m, ent):
    """Route every stage of a case whose draws need every item (no rework): routed item per catalogue row."""
    return {t.item: t for stage in range(4) for t in m.approval.route_items(ent.row, stage)}


def _devolving_from(start: str):
    """A two-zone model whose Ningxia devolution starts at ``start`` (no zone-wide assessments), its
    policy, approval system and an enterprise in a zone."""
    m = _two_zone_model(
        "policy/devolution=ningxia",
        f"policy.devolution.start={start}",
        "policy.devolution.regional_assessment_items=0",
        "time.end=2015-12",
    )
    return m, m.policies.devolution, m.approval, next(e for e in m.enterprises if e.zone is not None)


def test_routing_uses_government_offices_before_start_and_zone_office_after():
    """Before policy.devolution.start every item goes to its region/city/county office; from the start
    month the devolved powers go to the zone's own office, the rest still to government offices."""
    m, dev, appr, ent = _devolving_from("2015-04")
    zone, county = ent.zone, m.counties_by_id[ent.county_id]
    gov = {"region", "city", "county"}
    for _ in range(3):  # months 2015-01 .. 2015-03: not yet in force
        assert not dev.active and dev.zone_services() is NO_SERVICES
        tasks = _route_all_items(m, ent)
        assert len(tasks) == appr.in_stream[0].sum()  # every item of a filed project
        for i, t in tasks.items():
            assert t.office is appr.office_for(appr.authority[i], county)
            assert t.office.level in gov
        m.step()
    assert m.month == 3 and dev.active  # 2015-04
    tasks = _route_all_items(m, ent)
    devolved = [i for i in tasks if appr.devolved(i)]
    assert int(appr.powers[devolved].sum()) == 37
    for i, t in tasks.items():
        if i in devolved:
            assert t.office is zone.body.office and t.office.level == "zone"
        else:  # powers that are not devolvable stay with the government
            assert appr.powers[i] == 0 and t.office.level in gov
    z_transit = m.calendar.months(
        m.params.approval.transit_days_zone
        * m.params.approval.transit_scale
        * (1 - m.params.policy.devolution.no_meeting_transit_cut)
    )
    assert tasks[devolved[0]].transit == pytest.approx(z_transit)


def test_routing_follows_the_powers_devolved_now_when_they_change_mid_run():
    """The routing rules are rebuilt when the policy's inputs change (a dashboard's slider moves
    ``powers`` between months): items of powers no longer devolved go back to government offices,
    and back to the zone when the powers return."""
    m, dev, appr, ent = _devolving_from("2015-01")
    m.step()
    zone_items = lambda: {i for i, t in _route_all_items(m, ent).items() if t.office is ent.zone.body.office}  # noqa: E731
    full = zone_items()
    assert int(appr.powers[sorted(full)].sum()) == 37
    dev.params.powers = 0
    assert zone_items() == set()
    dev.params.powers = 37
    assert zone_items() == full


def test_no_devolved_work_reaches_zone_offices_before_start():
    """On Ningxia, zone offices serve nothing until the start month; afterwards they do, and the monthly
    record shows 0 powers devolved before and 37 from the start."""
    m = make_model(compose_params("scenario=devolution", "policy.devolution.start=2016-01", "time.end=2016-12"))
    while m.month < 12:
        m.step()
    zone_offices = [b.office for b in m.bodies.values() if b.active]
    assert sum(o.items_served for o in zone_offices) == 0
    assert sum(o.items_served for o in m.approval.county_offices.values()) > 0
    m.run()
    assert sum(o.items_served for o in zone_offices) > 0
    mon = m.results()["monthly"].set_index("date")
    assert (mon.loc[:"2015-12", "powers_devolved"] == 0).all()
    assert (mon.loc["2016-01":, "powers_devolved"] == 37).all()


# --------------------------------------------------------------------------- latency on Ningxia, fixed seeds

BASE = ("policy/devolution=ningxia", "policy.devolution.start=2015-01", "time.end=2020-12")
SEEDS = (0, 1)
MIN_STAFF = (
    "bodies.approval_staff.bureau=1",
    "bodies.approval_staff.division=1",
    "bodies.approval_staff.deputy_division=1",
)


@cache
def _results(*overrides: str) -> tuple:
    """Results of the Ningxia devolution scenario for each seed (cached: several tests share runs)."""
    return tuple(run_model(compose_params(*BASE, *overrides, f"seed={s}")).results() for s in SEEDS)


def _runs(powers: int, ra: int, *extra: str) -> tuple:
    return _results(f"policy.devolution.powers={powers}", f"policy.devolution.regional_assessment_items={ra}", *extra)


def _latency(runs) -> float:
    """Mean approval latency (working days), averaged over seeds."""
    return float(np.mean([r["approvals"]["approval_wd"].mean() for r in runs]))


def _zone_offices(r):
    o = r["offices"]
    return o[o.level == "zone"]


def _zone_wait(runs) -> float:
    """Mean queueing wait at zone offices (working days, weighted by items served), averaged over seeds."""
    waits = []
    for r in runs:
        z = _zone_offices(r)
        waits.append(np.average(z.mean_wait_wd, weights=z.items_served))
    return float(np.mean(waits))


def test_latency_falls_as_powers_are_devolved():
    """Mean approval latency strictly falls as policy.devolution.powers goes 0 → 10 → 20 → 37."""
    lat = [_latency(_runs(p, 0)) for p in (0, 10, 20, 37)]
    assert all(a > b for a, b in zip(lat, lat[1:])), lat
    assert lat[0] - lat[-1] > 10.0, lat  # a material fall, not numerical noise


def test_devolved_powers_move_work_to_zone_offices():
    """The mechanism: the more powers devolved, the more items zone offices serve (none at 0 powers)."""
    served = [np.mean([_zone_offices(r).items_served.sum() for r in _runs(p, 0)]) for p in (0, 10, 20, 37)]
    assert served[0] == 0
    assert all(a < b for a, b in zip(served, served[1:])), served


def test_latency_falls_with_regional_assessment_items():
    """With powers=37, latency strictly falls as regional_assessment_items goes 0 → 5 → 9, because
    projects in zones skip the items the county has assessed zone-wide."""
    runs = [_runs(37, ra) for ra in (0, 5, 9)]
    lat = [_latency(r) for r in runs]
    assert all(a > b for a, b in zip(lat, lat[1:])), lat
    skipped = [np.mean([r["approvals"]["items_skipped"].mean() for r in rs]) for rs in runs]
    assert skipped[0] == 0
    assert all(a < b for a, b in zip(skipped, skipped[1:])), skipped
    for rs in runs:  # only projects in zones skip items
        for r in rs:
            a = r["approvals"]
            assert (a.loc[~a.in_zone, "items_skipped"] == 0).all()


def test_minimum_zone_staff_raises_latency_through_queueing():
    """powers=37 with zone offices cut to 1 staff: latency is higher than with normal staff, and the
    cause is queueing — the zone offices' mean wait is many times larger."""
    normal, minimum = _runs(37, 0), _runs(37, 0, *MIN_STAFF)
    for r in minimum:
        assert (_zone_offices(r).staff == 1).all()
    assert _latency(minimum) > _latency(normal) + 20.0  # calendar days: a material rise
    w_normal, w_min = _zone_wait(normal), _zone_wait(minimum)
    assert w_min > 5.0 and w_min > 10 * w_normal, (w_normal, w_min)  # working days
    util = [np.mean([_zone_offices(r).utilisation.max() for r in rs]) for rs in (normal, minimum)]
    assert util[1] > util[0]


def test_zone_staff_is_irrelevant_without_devolved_powers():
    """Control: with 0 powers no item reaches a zone office, so cutting zone staff changes nothing."""
    assert _latency(_runs(0, 0, *MIN_STAFF)) == _latency(_runs(0, 0))


def test_catalogue_with_fewer_regional_assessment_items_than_the_policy():
    """A catalogue whose regional-assessment items stop at order 6 runs with the policy's default of 9
    items: the counties commission what exists, projects skip those items, nothing else happens."""
    from sim.data import build_region
    from sim.data.region import check_region

    p = compose_params("scenario=devolution", "region=synthetic", "time.end=2021-12")
    region = build_region(p)
    items = region.items.copy()
    items.loc[items.ra_order > 6, "ra_order"] = 0
    region.items = items
    check_region(region)
    m = make_model(p, region)
    m.run()
    skipped = m.results()["approvals"]["items_skipped"]
    assert skipped.max() > 0 and skipped.max() <= 6
