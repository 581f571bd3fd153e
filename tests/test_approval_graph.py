"""The approval process as a precedence graph: order, chains and branches, regional assessment,
bad catalogues, the two measures of approval time, and the stage-barrier graph."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.data import DataError, load_catalogue
from sim.data.region import check_region
from sim.model import approval_layout as k
from sim.model.approval import ApprovalGraph
from tests.conftest import EXACT_APPROVAL, compose_params, make_model, tiny_region

ZONES = [dict(zone_id="za", county_id="c1", firms=30, output_share=0.5, output_per_mu=40)]
EXACT = EXACT_APPROVAL  # no queueing, randomness, transit or hand-off (conftest)


def _catalogue(preds: dict[str, str], **columns) -> pd.DataFrame:
    """Five items, stages 1, 1, 2, 3, 4, every one needed; ``preds``: predecessors by item."""
    rows = []
    for item, stage, prep, effort, review in (
        ("a", 1, 10, 2, 5),
        ("b", 1, 4, 1, 3),
        ("c", 2, 3, 1, 2),
        ("d", 3, 2, 1, 1),
        ("e", 4, 6, 2, 4),
    ):
        rows.append(
            {
                "item_id": item,
                "name_en": item,
                "name_zh": item,
                "stage": stage,
                "authority": "city",
                "powers": 0,
                "ra_order": 0,
                "effort_days": effort,
                "review_days": review,
                "prep_days": prep,
                "share": 1.0,
                "predecessors": preds.get(item, ""),
                "scaled": "prep;review",
                "source": "test",
            }
        )
    out = pd.DataFrame(rows)
    for col, values in columns.items():
        out[col] = values
    return out


def _region(items: pd.DataFrame):
    region = tiny_region(ZONES, total_firms=40)
    region.items = items
    return check_region(region)


def _approvals(items: pd.DataFrame, *overrides):
    m = make_model(compose_params(*EXACT, *overrides), _region(items)).run()
    app = m.results()["approvals"]
    assert len(app) > 0
    return app


def _days(item):
    prep, effort, review = {"a": (10, 2, 5), "b": (4, 1, 3), "c": (3, 1, 2), "d": (2, 1, 1), "e": (6, 2, 4)}[item]
    return prep + effort + review


def test_chain_takes_the_sum_and_branches_the_longest():
    """a → b → c → d → e: the sum of the items; a ∥ b → c: the longest of a and b instead of both."""
    chain = _approvals(_catalogue({"b": "a", "c": "b", "d": "c", "e": ""}))
    branch = _approvals(_catalogue({"c": "a;b", "d": "c"}))
    total_chain = sum(_days(i) for i in "abcde")
    total_branch = max(_days("a"), _days("b")) + sum(_days(i) for i in "cde")
    assert chain["approval_wd"].to_numpy() == pytest.approx(total_chain, abs=1e-6)
    assert branch["approval_wd"].to_numpy() == pytest.approx(total_branch, abs=1e-6)
    assert chain["stage1_wd"].to_numpy() == pytest.approx(_days("a") + _days("b"), abs=1e-6)
    assert branch["stage1_wd"].to_numpy() == pytest.approx(max(_days("a"), _days("b")), abs=1e-6)
    # government time: effort and review only (no transit, queue or hand-off here), along the chain
    gov = {i: _days(i) - {"a": 10, "b": 4, "c": 3, "d": 2, "e": 6}[i] for i in "abcde"}
    assert chain["approval_gov_wd"].to_numpy() == pytest.approx(sum(gov.values()), abs=1e-6)
    assert branch["approval_gov_wd"].to_numpy() == pytest.approx(gov["a"] + gov["c"] + gov["d"] + gov["e"], abs=1e-6)
    assert branch["stage1_gov_wd"].to_numpy() == pytest.approx(gov["a"], abs=1e-6)


def test_handoff_is_paid_on_edges_that_cross_stages():
    branch = _approvals(_catalogue({"c": "a;b", "d": "c"}), "approval.stage_handoff_days=8")
    total = (
        max(_days("a"), _days("b")) + sum(_days(i) for i in "cde") + 2 * 8
    )  # 1→2 and 2→3; stage 4 follows construction
    assert branch["approval_wd"].to_numpy() == pytest.approx(total, abs=1e-6)


def test_regionally_assessed_item_counts_as_done_for_its_successors():
    """b is a regional-assessment item done zone-wide: a zone's projects skip it and c goes on after a."""
    items = _catalogue({"b": "a", "c": "b", "d": "c"}, ra_order=[0, 1, 0, 0, 0])
    over = (
        "policy/devolution=ningxia",
        "policy.devolution.start=2015-01",
        "policy.devolution.powers=0",
        "policy.devolution.one_stop_agent=false",
        "policy.devolution.no_meeting=false",
        "policy.devolution.county_zone_integration=false",
    )
    m = make_model(compose_params(*EXACT, *over), _region(items))
    for zone in m.zones:  # assessed zone-wide before the start
        m.zone_ra_time[zone.index, 1] = -np.inf
    app = m.run().results()["approvals"]
    zone = app[app["in_zone"]]
    assert len(zone)
    assert (zone["items_skipped"] == 1).all()
    assert zone["approval_wd"].to_numpy() == pytest.approx(sum(_days(i) for i in "acde"), abs=1e-6)


@pytest.mark.parametrize(
    "preds, message",
    [
        ({"a": "b", "b": "a"}, "cycle: a -> b -> a"),
        ({"c": "d", "d": "c"}, "predecessors = 'd': 'd' is of stage 3"),
        ({"b": "b"}, "waits for itself"),
        ({"b": "zz"}, "unknown item 'zz'"),
    ],
)
def test_bad_predecessors_are_refused_naming_file_row_and_items(preds, message):
    with pytest.raises(DataError, match="approval_items.csv") as err:
        _region(_catalogue(preds))
    assert message in str(err.value)


def test_a_longer_cycle_is_named_item_by_item():
    items = _catalogue({"a": "b", "b": "c", "c": "a"})
    items.loc[items["item_id"] == "a", "stage"] = 2
    items.loc[items["item_id"] == "b", "stage"] = 2
    items = pd.concat([items, _catalogue({}).iloc[[0]].assign(item_id="s1")])  # stage 1 still covered
    with pytest.raises(DataError, match=r"cycle: a -> b -> c -> a"):
        _region(items)


@pytest.fixture(scope="module")
def catalogue_run():
    """The embedded catalogue's pre-reform graph, a short run; the pipeline's state checked each month."""
    m = make_model(compose_params("approval.precedence=catalogue", "time.end=2018-06"))
    appr = m.approval
    ptrs, succs = appr._items[8], appr._items[9]  # each compiled graph's successors (process × stream)
    per_graph = []
    for ptr, succ in zip(ptrs, succs):
        preds = [[] for _ in range(ptr.size - 1)]
        for v in range(ptr.size - 1):
            for e in range(ptr[v], ptr[v + 1]):
                preds[succ[e]].append(v)
        per_graph.append(preds)
    checked = 0
    while m.running:
        m.step()
        ints, tasks, per = appr._cases[0], appr._tasks, appr.per_case
        free = set(appr._cases[3][: int(appr.state[k.N_FREE])].tolist())
        for slot in range(ints.shape[0]):
            if slot in free:
                continue
            rows = tasks[slot * per : (slot + 1) * per]
            preds = per_graph[ints[slot, k.GRAPH]]  # the case's own graph: its process and stream
            for j in np.flatnonzero(rows[:, k.T_WAIT] == 0):  # started: every predecessor done before
                for p in preds[j]:
                    assert rows[j, k.T_READY] >= rows[p, k.T_FINISH] - 1e-12
                    checked += 1
    return m.results()["approvals"], checked


def test_an_item_never_starts_before_its_predecessors_are_done(catalogue_run):
    _app, checked = catalogue_run
    assert checked > 1000


def test_government_time_is_at_most_the_total(catalogue_run):
    app, _ = catalogue_run
    assert len(app) > 0
    assert (app["approval_gov_wd"] <= app["approval_wd"] + 1e-9).all()
    assert (app["approval_gov_wd"] > 0).all()
    for s in range(1, 5):
        assert (app[f"stage{s}_gov_wd"] <= app[f"stage{s}_wd"] + 1e-9).all()


def test_stage_barrier_edges_in_the_catalogue_equal_the_stage_sequential_process():
    """Every item of stage k+1 waiting for every item of stage k, written as edges, runs exactly the
    process of stages in sequence with items of a stage in parallel."""
    _s, items, _sp = load_catalogue()
    barrier = ApprovalGraph.stage_barrier(items)
    region = tiny_region(
        [
            dict(zone_id="za", county_id="c1", firms=40, output_share=0.4, output_per_mu=40),
            dict(zone_id="zb", county_id="c2", firms=40, output_share=0.4, output_per_mu=40),
        ],
        total_firms=100,
    )
    region.items = region.items.assign(predecessors=barrier.as_predecessors())
    over = ("time.end=2018-12", "seed=3")
    a = make_model(compose_params(*over, "approval.precedence=stages"), region).run().results()["approvals"]
    b = make_model(compose_params(*over, "approval.precedence=catalogue"), region).run().results()["approvals"]
    assert len(a) > 5
    pd.testing.assert_frame_equal(a, b)


def test_graph_edges_can_be_removed():
    _s, items, _sp = load_catalogue()
    g = ApprovalGraph.from_items(items)
    assert ("drawing_review", "construction_permit") in g.edges()
    h = g.without([("drawing_review", "construction_permit")])
    assert ("drawing_review", "construction_permit") not in h.edges()
    assert len(h.edges()) == len(g.edges()) - 1
    assert ApprovalGraph.from_items(items.assign(predecessors=g.as_predecessors())) == g


def test_calibration_scales_only_the_assumed_times():
    """``prep_scale`` and ``review_scale`` multiply the times the catalogue's ``scaled`` column marks as
    assumed; a documented one (the EIA's statutory review and its preparation, the assessments' and the
    utility connection's review) is kept, whatever the fit.  ``transit_scale`` multiplies every level."""
    p = compose_params(
        "approval.prep_scale=0.5", "approval.review_scale=0.25", "approval.transit_scale=0.5", "time.end=2015-02"
    )
    appr = make_model(p).approval
    items = appr.items.set_index("item_id")
    scaled = {i: set(filter(None, str(v).split(";"))) for i, v in items["scaled"].items()}
    assert scaled["eia"] == set() and scaled["utility_connection"] == {"prep"} and scaled["seismic"] == {"prep"}
    assert scaled["drawing_review"] == {"prep", "review"}
    for pos, item in enumerate(items.index):
        assert appr.prep[pos] == pytest.approx(items.at[item, "prep_days"] * (0.5 if "prep" in scaled[item] else 1))
        review = items.at[item, "review_days"] * (0.25 if "review" in scaled[item] else 1)
        assert appr.review[pos] == pytest.approx(review)
    assert 20 <= appr.prep[items.index.get_loc("eia")] <= 90  # preparation 20-90 working days [V]
    assert appr.review[items.index.get_loc("eia")] * 1.46 <= 60  # statutory 60 days (full report) [V]
    assert appr.pool.transit_days["region"] == pytest.approx(0.5 * p.approval.transit_days_region)
    assert appr.pool.transit_days["zone"] == pytest.approx(0.5 * p.approval.transit_days_zone)


def test_the_calibrated_process_is_the_catalogues_serial_graph():
    p = compose_params()
    assert p.approval.precedence == "catalogue"
    _s, items, _sp = load_catalogue()
    assert make_model(compose_params("time.end=2015-02")).approval.graph == ApprovalGraph.from_items(items)
