"""Project streams in the approval pipeline (issue 14, item 2): enterprise projects filed (备案) or
approved (核准) by sector, government-investment projects (审批) that are not firms but load the same
offices; each stream runs on the process restricted to its own items."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.data import DataError, load_catalogue
from sim.data.region import check_region
from sim.model import approval_layout as k
from sim.model.approval import STREAMS, ApprovalGraph, stream_items
from sim.runner.outputs import project_approvals, stream_approvals
from tests.conftest import compose_params, make_model, tiny_region


def _preds(m, stream: str, item: str, process: int = 0) -> set[str]:
    """The items ``item`` waits for on the compiled graph of ``stream`` (pre-reform process by default)."""
    appr = m.approval
    g = process * len(STREAMS) + STREAMS.index(stream)
    ptr, succ = appr._items[8][g], appr._items[9][g]
    ids = list(appr.items["item_id"])
    target = ids.index(item)
    return {ids[v] for v in range(len(ids)) for e in range(ptr[v], ptr[v + 1]) if succ[e] == target}


@pytest.fixture(scope="module")
def model():
    return make_model(compose_params("time.end=2015-02"))


def test_each_stream_runs_on_the_catalogue_restricted_to_its_items(model):
    # a filed project's land-planning permit waits for its filing and its land, not for a feasibility study
    assert _preds(model, "filed", "land_planning_permit") == {"project_filing", "land_supply"}
    assert _preds(model, "approved", "land_planning_permit") == {"project_approval", "land_supply"}
    assert _preds(model, "government", "land_planning_permit") == {"feasibility_study", "land_supply"}
    # an approved project applies for land pre-examination first, and is approved after it
    assert _preds(model, "approved", "site_selection") == set()
    assert _preds(model, "approved", "project_approval") == {"site_selection"}
    assert _preds(model, "filed", "site_selection") == {"project_filing"}
    # the government route: proposal, feasibility study (after the site and the energy review), design
    assert _preds(model, "government", "feasibility_study") == {"project_proposal", "site_selection", "energy_review"}
    assert _preds(model, "government", "preliminary_design") == {"feasibility_study"}
    assert _preds(model, "government", "drawing_review") == {"building_planning_permit", "preliminary_design"}
    assert _preds(model, "filed", "drawing_review") == {"building_planning_permit"}


def test_an_item_outside_a_stream_is_never_needed(model):
    appr = model.approval
    share = appr._items[1]
    for s, _name in enumerate(STREAMS):
        outside = ~appr.in_stream[s]
        assert outside.any()
        assert (share[s][outside] == 0).all() and (share[len(STREAMS) + s][outside] == 0).all()
    ids = list(appr.items["item_id"])
    assert [ids[i] for i in np.flatnonzero(appr.in_stream[STREAMS.index("filed")] & ~appr.in_stream[2])] == [
        "project_filing"
    ]


def test_the_outputs_name_the_streams_the_model_has():
    from sim.runner.outputs import STREAM_NAMES

    assert tuple(STREAM_NAMES) == STREAMS


def test_streams_column_reads_empty_as_every_stream():
    items = pd.DataFrame({"streams": ["", "filed", "approved;government"]})
    got = stream_items(items)
    assert got.tolist() == [[True, True, False], [True, False, True], [True, False, True]]
    assert stream_items(pd.DataFrame({"x": [1, 2]})).all()  # no column: every item in every stream


def test_a_project_is_approved_by_its_scale_and_a_government_one_is_government(model):
    """核准 when a project's capital reaches its sector's threshold (the sector's approved_share
    largest projects), else 备案; a sector outside the catalogue never needs approval."""
    appr = model.approval
    f = model.firms
    sector = list(model.sector_names)
    coal, textile = sector.index("coal"), sector.index("light_textile")
    threshold = model.market.approval_capital
    assert 0 < threshold[coal] < np.inf and threshold[textile] == np.inf
    rows = np.array([np.flatnonzero(f.sector == coal)[0], np.flatnonzero(f.sector == textile)[0], -1, -5])
    saved = f.capital[rows[:2]].copy()
    try:
        f.capital[rows[:2]] = [threshold[coal], 1e12]
        assert appr.streams_of(rows).tolist() == [k.APPROVED, k.FILED, k.GOVERNMENT, k.GOVERNMENT]
        f.capital[rows[0]] = threshold[coal] * 0.99
        assert appr.streams_of(rows).tolist()[0] == k.FILED
    finally:
        f.capital[rows[:2]] = saved


@pytest.fixture(scope="module")
def baseline_run():
    return make_model(compose_params("time.end=2019-12", "seed=2")).run().results()


def test_streams_are_reported_apart_and_government_projects_are_not_firms(baseline_run):
    app = stream_approvals(baseline_run["approvals"])
    assert set(app["stream"]) == set(STREAMS)
    gov = app[app["stream"] == "government"]
    assert (gov["key"] == -1).all() and gov["sector"].isna().all()
    ent = app[app["stream"] != "government"]
    assert (ent["key"] >= 0).all() and ent["sector"].notna().all()
    # enterprise projects approved only in the sectors of the approval catalogue, in about their share
    sectors, _items, _sp = load_catalogue()
    share = dict(zip(sectors["sector"], sectors["approved_share"]))
    approved = ent.groupby("sector")["stream"].apply(lambda s: (s == "approved").mean())
    for sec, got in approved.items():
        if share[sec] == 0:
            assert got == 0, sec
    total = (ent["stream"] == "approved").mean()
    expect = ent["sector"].map(share).mean()
    assert abs(total - expect) < 0.05
    # the headline latency is the enterprise projects'
    assert len(project_approvals(baseline_run["approvals"])) == len(ent)
    # government projects never enter the firm counts: every new firm is an enterprise project's
    mon = baseline_run["monthly"]
    assert mon["approvals_completed"].sum() == len(ent[ent["production_time"] >= 0])


def test_government_projects_pass_their_own_route(baseline_run):
    app = stream_approvals(baseline_run["approvals"])
    stage1 = app.groupby("stream")["stage1_wd"].mean()
    assert stage1["government"] > stage1["filed"]  # proposal, feasibility study and design come first


def test_government_projects_load_the_offices_enterprises_use():
    """More government projects, the same enterprise projects (common random numbers): the enterprises'
    government processing time rises through the offices' queues."""
    over = ("time.end=2018-12", "seed=1", "approval.government_in_zone_share=0")
    none = make_model(compose_params(*over, "approval.government_projects_per_1000_firms=0")).run().results()
    many = make_model(compose_params(*over, "approval.government_projects_per_1000_firms=100")).run().results()
    a0, a1 = stream_approvals(none["approvals"]), stream_approvals(many["approvals"])
    assert (a0["stream"] == "government").sum() == 0
    assert (a1["stream"] == "government").sum() > 100
    e0, e1 = project_approvals(a0), project_approvals(a1)
    cohort = lambda a: a[(a["applied"] >= "2015-01") & (a["applied"] <= "2016-12")]  # noqa: E731
    assert cohort(e1)["approval_gov_wd"].mean() > cohort(e0)["approval_gov_wd"].mean() + 2


def test_the_process_reform_applies_to_every_stream():
    app = stream_approvals(
        make_model(compose_params("scenario=approval_reform", "time.end=2021-06", "seed=4"))
        .run()
        .results()["approvals"]
    )
    late = app[app["applied"] >= "2019-06"]
    assert set(late["stream"]) == set(STREAMS)
    assert late["reformed_process"].all()
    assert not app.loc[app["applied"] < "2019-03", "reformed_process"].any()


def _small_region():
    """One zone, with the embedded sectors and catalogue (fresh copies: a test may edit them)."""
    return tiny_region(
        [dict(zone_id="za", county_id="c1", firms=30, output_share=0.5, output_per_mu=40)], total_firms=40
    )


def test_an_unknown_stream_name_is_refused_naming_the_item():
    region = _small_region()
    region.items.loc[region.items["item_id"] == "project_approval", "streams"] = "approved;private"
    with pytest.raises(DataError, match=r"project_approval.*column streams = 'approved;private'"):
        check_region(region)


def test_a_stream_without_items_of_a_stage_is_refused():
    region = _small_region()
    region.items.loc[region.items["stage"] == 4, "streams"] = "filed;approved"
    with pytest.raises(DataError, match=r"stream 'government' without items of stage 4"):
        check_region(region)


def test_an_approved_share_out_of_range_is_refused_naming_the_sector():
    region = _small_region()
    region.sectors.loc[0, "approved_share"] = 1.5
    with pytest.raises(DataError, match=r"approved_share"):
        check_region(region)


def test_restricting_a_graph_drops_edges_through_other_nodes():
    g = ApprovalGraph(("a", "b", "c"), (1, 1, 2), (frozenset(), frozenset({0}), frozenset({0, 1})))
    h = g.only([1, 2])
    assert h.preds == (frozenset(), frozenset(), frozenset({1}))
