"""The approval-process reform (国办发〔2019〕11号): levers that edit the approval graph.

* (a) with the reform off its levers change nothing;
* (c) each lever moves latency the way its mechanism says, per stage, on a small hand-built
  catalogue with exact times (no queueing, no randomness): overlapping stages shorten the total
  but not a stage's own time, the combined drawing review shortens stage 3, joint acceptance
  stage 4, a commitment-based item leaves the critical path and becomes a post-approval check
  that can fail, acceptance with missing documents shortens the rework loop, and a statutory
  limit with offices cut to one staff produces queueing and late items;
* invariants: merging never loses an item or a power (what devolution counts) and the graph
  stays acyclic after every lever; applications under way when the reform starts finish on the
  process they opened on.
"""

from __future__ import annotations

import graphlib

import numpy as np
import pandas as pd
import pytest

from sim.data import load_catalogue
from sim.data.region import check_region
from sim.model.approval import ApprovalGraph
from sim.model.policies.process import ApprovalProcess
from tests.conftest import EXACT_APPROVAL, compose_params, make_model, tiny_region

OFF_LEVERS = (
    "policy.approval_process.parallel_edges=[]",
    "policy.approval_process.combined_review=[]",
    "policy.approval_process.joint_acceptance=[]",
    "policy.approval_process.commitment_items=[]",
    "policy.approval_process.rework_cut=0",
    "policy.approval_process.rework_prep_cut=0",
    "policy.approval_process.review_limit_days=0",
    "policy.approval_process.transit_cut=0",
)
# the reform in force from the first month, every lever off (each test turns one on)
REFORM = ("policy/approval_process=national", "policy.approval_process.start=2015-01", *OFF_LEVERS)
EXACT = EXACT_APPROVAL  # no queueing, randomness, transit or hand-off (conftest)
# item: stage, prep, effort, review, predecessors — d, f a drawing review and a fire review in a chain;
# e, g acceptances that h (the completion filing) waits for
ITEMS = {
    "a": (1, 10, 2, 5, ""),
    "b": (1, 4, 1, 3, ""),
    "c": (2, 3, 1, 2, "a;b"),
    "d": (3, 2, 1, 1, "c"),
    "f": (3, 1, 1, 2, "d"),
    "e": (4, 6, 2, 4, ""),
    "g": (4, 2, 1, 3, ""),
    "h": (4, 3, 1, 2, "e;g"),
}


def _days(item: str) -> float:
    _s, prep, effort, review, _p = ITEMS[item]
    return prep + effort + review


def _region(firms: int = 30):
    rows = [
        {
            "item_id": i,
            "name_en": i,
            "name_zh": i,
            "stage": s,
            "authority": "city",
            "powers": 1,
            "ra_order": 0,
            "effort_days": effort,
            "review_days": review,
            "prep_days": prep,
            "share": 1.0,
            "predecessors": preds,
            "scaled": "prep;review",
            "source": "test",
        }
        for i, (s, prep, effort, review, preds) in ITEMS.items()
    ]
    region = tiny_region(
        [dict(zone_id="za", county_id="c1", firms=firms, output_share=0.5, output_per_mu=40)], total_firms=firms + 10
    )
    region.items = pd.DataFrame(rows)
    return check_region(region)


def _approvals(*overrides, firms: int = 30) -> pd.DataFrame:
    app = make_model(compose_params(*EXACT, *overrides), _region(firms)).run().results()["approvals"]
    assert len(app) > 0
    return app


def _only(app: pd.DataFrame, col: str) -> float:
    """The value every project has in ``col`` (exact process: all projects alike)."""
    values = app[col].to_numpy()
    assert values == pytest.approx(values[0], abs=1e-6)
    return float(values[0])


@pytest.fixture(scope="module")
def pre_reform():
    app = _approvals()
    assert not app["reformed_process"].any()
    return app


def test_pre_reform_times_of_the_hand_built_process(pre_reform):
    stage1, stage2, stage3 = max(_days("a"), _days("b")), _days("c"), _days("d") + _days("f")
    stage4 = max(_days("e"), _days("g")) + _days("h")
    assert _only(pre_reform, "stage1_wd") == pytest.approx(stage1)
    assert _only(pre_reform, "stage3_wd") == pytest.approx(stage3)
    assert _only(pre_reform, "stage4_wd") == pytest.approx(stage4)
    assert _only(pre_reform, "approval_wd") == pytest.approx(stage1 + stage2 + stage3 + stage4)
    # the reform in force with every lever off runs the same process
    same = _approvals(*REFORM)
    assert same["reformed_process"].all()
    for col in ("approval_wd", "approval_gov_wd", "stage1_wd", "stage2_wd", "stage3_wd", "stage4_wd"):
        assert _only(same, col) == pytest.approx(_only(pre_reform, col))


# --------------------------------------------------------------------------- (c) each lever
def test_parallel_stages_shorten_the_total_but_not_the_stage(pre_reform):
    """Stage 2 no longer waits for a (stage 1): it starts after b and takes as long as before."""
    app = _approvals(*REFORM, "policy.approval_process.parallel_edges=['a>c']")
    for s in (1, 2, 3, 4):
        assert _only(app, f"stage{s}_wd") == pytest.approx(_only(pre_reform, f"stage{s}_wd"))
    permit = max(_days("a"), _days("b") + _days("c") + _days("d") + _days("f"))
    assert _only(app, "approval_wd") == pytest.approx(permit + _only(pre_reform, "stage4_wd"))
    assert _only(app, "approval_wd") < _only(pre_reform, "approval_wd") - 5
    assert _only(app, "approval_gov_wd") < _only(pre_reform, "approval_gov_wd")


def test_combined_review_shortens_the_drawing_review_stage(pre_reform):
    """d and f merged: one submission (longest prep), the work of both (efforts add), one review lag (longest)."""
    app = _approvals(*REFORM, "policy.approval_process.combined_review=[d,f]")
    merged = max(2, 1) + (1 + 1) + max(1, 2)
    assert _only(app, "stage3_wd") == pytest.approx(merged)
    assert _only(app, "stage3_wd") < _only(pre_reform, "stage3_wd")
    assert _only(app, "stage3_gov_wd") < _only(pre_reform, "stage3_gov_wd")
    for s in (1, 2, 4):
        assert _only(app, f"stage{s}_wd") == pytest.approx(_only(pre_reform, f"stage{s}_wd"))


@pytest.mark.parametrize("effort, work", [("concurrent", max(1, 2, 1)), ("pooled", 1 + 2 + 1)])
def test_joint_acceptance_shortens_the_acceptance_stage(pre_reform, effort, work):
    """h, e, g accepted at once: one submission, one review lag; the departments' work at once
    (concurrent: the longest) or by the lead's office (pooled: all of it)."""
    app = _approvals(
        *REFORM,
        "policy.approval_process.joint_acceptance=[h,e,g]",
        f"policy.approval_process.joint_acceptance_effort={effort}",
    )
    assert _only(app, "stage4_wd") == pytest.approx(max(3, 6, 2) + work + max(2, 4, 3))
    assert _only(app, "stage4_wd") < _only(pre_reform, "stage4_wd")
    assert _only(app, "stage4_gov_wd") < _only(pre_reform, "stage4_gov_wd")
    for s in (1, 2, 3):
        assert _only(app, f"stage{s}_wd") == pytest.approx(_only(pre_reform, f"stage{s}_wd"))


def test_commitment_item_leaves_the_critical_path_and_is_checked_after(pre_reform):
    """a (the slowest of stage 1) approved on commitment: stage 1 is b alone; a is checked when
    construction ends (office work and review, no preparation) beside the acceptances."""
    over = (*REFORM, "policy.approval_process.commitment_items=[a]")
    kept = _approvals(*over, "policy.approval_process.check_failure_probability=0")
    stage4 = _only(pre_reform, "stage4_wd")
    permit = _days("b") + _days("c") + _days("d") + _days("f")
    assert _only(kept, "stage1_wd") == pytest.approx(_days("b"))
    assert _only(kept, "approval_wd") == pytest.approx(permit + stage4)
    assert (kept["checks_failed"] == 0).all()
    # every check fails: the applicant does a's preparation and the office reviews it again
    failed = _approvals(*over, "policy.approval_process.check_failure_probability=1")
    assert (failed["checks_failed"] == 1).all()
    check = (2 + 5) + (10 + 2 + 5)
    assert check > stage4  # the failed check now delays production
    assert _only(failed, "approval_wd") == pytest.approx(permit + check)
    assert _only(failed, "stage4_wd") == pytest.approx(stage4)  # a check is no stage's item
    assert _only(failed, "approval_gov_wd") > _only(kept, "approval_gov_wd")


def test_acceptance_with_missing_documents_shortens_the_rework_loop():
    """Every item sent back once before the reform; 容缺受理 removes the rework (rework_cut = 1) or
    the preparation redone (rework_prep_cut = 1)."""
    every = ("approval.rework_probability=1", "time.end=2017-06")
    base = _approvals(*every)
    none = _approvals(*REFORM, *every, "policy.approval_process.rework_cut=1")
    no_prep = _approvals(*REFORM, *every, "policy.approval_process.rework_prep_cut=1")
    total = sum(max(_days(x), _days(y)) for x, y in (("a", "b"), ("e", "g"))) + sum(_days(i) for i in "cdfh")
    assert _only(none, "approval_wd") == pytest.approx(total)
    assert _only(none, "approval_wd") < _only(no_prep, "approval_wd") < _only(base, "approval_wd")


def test_statutory_limit_with_minimal_staff_queues_and_makes_items_late():
    """A limit of 10 working days per item, other work taking half of every office: with ample staff
    no item exceeds it (the slowest takes 2 / 0.5 + 5 = 9); with the offices cut to one server,
    items queue and run late."""
    limit = (
        *REFORM,
        "policy.approval_process.review_limit_days=10",
        "approval.background_load=0.5",
        "time.end=2018-06",
    )
    ample = _approvals(*limit, firms=60)
    assert (ample["items_served"] == len(ITEMS)).all()
    assert ample["items_late"].sum() == 0
    lean = ("approval.min_office_staff=1", "approval.city_staff_per_100_firms=0.01")
    m = make_model(compose_params(*EXACT, *limit, *lean), _region(60)).run()
    tables = m.results()
    app = tables["approvals"]
    assert (tables["offices"].query("level == 'city'")["mean_wait_wd"] > 0).all()
    assert app["items_late"].sum() > 0
    share = app["items_late"].sum() / app["items_served"].sum()
    assert 0 < share <= 1
    assert np.nanmax(tables["monthly"]["approval_items_late_share"]) > 0


def test_statutory_limit_caps_the_review_lag():
    app = _approvals(*REFORM, "policy.approval_process.review_limit_days=3")
    assert _only(app, "stage1_wd") == pytest.approx(max(10 + 2 + 3, 4 + 1 + 3))


def test_one_system_removes_the_transit_between_offices():
    """一个系统、一个窗口: with transit between offices (5 wd to the city office), cutting all of it gives
    the government time of a process without transit, half of it half the way."""
    transit = ("approval.transit_days_city=5",)
    slow = _only(_approvals(*REFORM, *transit), "approval_gov_wd")
    fast = _only(_approvals(*REFORM, *transit, "policy.approval_process.transit_cut=1"), "approval_gov_wd")
    half = _only(_approvals(*REFORM, *transit, "policy.approval_process.transit_cut=0.5"), "approval_gov_wd")
    none = _only(_approvals(*REFORM), "approval_gov_wd")
    assert slow > fast
    assert fast == pytest.approx(none)
    assert half == pytest.approx((slow + fast) / 2)


# --------------------------------------------------------------------------- (a) off: levers unread
def test_with_the_reform_off_its_levers_change_nothing():
    over = ("time.end=2019-12", "seed=2", "policy.approval_process.start=2016-01")
    a = make_model(compose_params(*over)).run().results()
    b = (
        make_model(
            compose_params(
                *over,
                *OFF_LEVERS,
                "policy.approval_process.scope=zones",
                "policy.approval_process.check_failure_probability=0.9",
            )
        )
        .run()
        .results()
    )
    for name in ("monthly", "approvals", "exits", "zones_yearly", "offices"):
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)
    assert not a["approvals"]["reformed_process"].any()


# --------------------------------------------------------------------------- invariants
@pytest.fixture(scope="module")
def national():
    params = compose_params("scenario=approval_reform", "time.end=2015-02")
    m = make_model(params)
    return m, m.policies.approval_process


def _acyclic(g: ApprovalGraph) -> None:
    graphlib.TopologicalSorter({i: set(ps) for i, ps in enumerate(g.preds)}).prepare()


def test_every_lever_keeps_the_graph_acyclic_and_every_item(national):
    m, policy = national
    p = policy.params
    _s, items, _sp = load_catalogue()
    g = ApprovalGraph.from_items(items)
    steps = [g.without([ApprovalProcess.edge(e) for e in p.parallel_edges])]
    steps.append(steps[-1].commit(p.commitment_items))
    steps.append(steps[-1].merge(p.combined_review))
    steps.append(steps[-1].merge(p.joint_acceptance))
    assert steps[-1] == policy.graph(g)
    powers = items["powers"].to_numpy()
    for h in steps:
        _acyclic(h)
        members = sorted(i for ms in h.members for i in ms)
        assert members == list(range(len(items)))  # every item in exactly one node
        assert sum(powers[list(ms)].sum() for ms in h.members) == powers.sum()
    final = steps[-1]
    assert "drawing_review+fire_design" in final.ids
    assert "completion_filing+fire_acceptance+planning_verification" in final.ids
    assert len(final.ids) == len(items) - 1 - 2
    assert {final.ids[c] for c in final.checks} == set(p.commitment_items)
    # the merged node waits for what its members waited for, and what waited for them waits for it
    review = final.ids.index("drawing_review+fire_design")
    assert {final.ids[q] for q in final.preds[review]} == {"building_planning_permit", "preliminary_design"}
    permit = final.ids.index("construction_permit")
    assert review in final.preds[permit]
    assert final.ids.index("quality_safety") not in final.preds[permit]  # parallel: with the permit


def test_merging_across_stages_is_refused():
    _s, items, _sp = load_catalogue()
    with pytest.raises(ValueError, match="across stages"):
        ApprovalGraph.from_items(items).merge(["drawing_review", "completion_filing"])


def test_an_unknown_lever_item_is_refused_naming_the_key():
    with pytest.raises(ValueError, match=r"policy.approval_process.combined_review: 'civil_defence'"):
        make_model(
            compose_params(
                "scenario=approval_reform",
                "time.end=2015-02",
                "policy.approval_process.combined_review=[drawing_review,civil_defence]",
            )
        )


def test_merged_nodes_keep_devolved_powers_in_zones():
    """Devolution of every power (37): a merged node's members are all devolved, so it goes to the zone's office."""
    over = (
        "scenario=approval_reform",
        "policy/devolution=ningxia",
        "policy.devolution.start=2015-01",
        "policy.approval_process.start=2015-01",
        "time.end=2015-03",
    )
    m = make_model(compose_params(*over))
    m.step()
    ctx = m.approval._context()
    devolved = ctx.item_devolved
    ids = list(m.approval.items["item_id"])
    for ms in m.approval._reformed_graph.members:  # a node is devolved when every member is
        assert devolved[1, ms[0]] == devolved[0, list(ms)].all()
    assert devolved[1, ids.index("drawing_review")] and devolved[1, ids.index("completion_filing")]
    partial = make_model(compose_params(*over, "policy.devolution.powers=0"))
    partial.step()
    assert not partial.approval._context().item_devolved[1].any()


def test_applications_under_way_finish_on_the_process_they_opened_on():
    """The reform starts in 2019-03: projects that applied before finish on the pre-reform process,
    those that applied from then on run on the reformed one (scope region: every project)."""
    app = (
        make_model(compose_params("scenario=approval_reform", "time.end=2022-06", "seed=1"))
        .run()
        .results()["approvals"]
    )
    before = app["applied"] < "2019-03"
    assert before.any() and (~before).any()
    assert not app.loc[before, "reformed_process"].any()
    assert app.loc[~before, "reformed_process"].all()
    finished_after = before & (app["production_time"] > app.loc[~before, "applied_time"].min())
    assert finished_after.any()  # some of the old process's cases were still open at the switch
    assert (app.loc[before, "items_late"] == 0).all() and (app.loc[before, "checks_failed"] == 0).all()


def test_scope_zones_reforms_only_projects_in_zones():
    app = (
        make_model(
            compose_params(
                "scenario=approval_reform",
                "policy.approval_process.scope=zones",
                "policy.approval_process.start=2015-01",
                "time.end=2016-12",
            )
        )
        .run()
        .results()["approvals"]
    )
    assert app["in_zone"].any() and (~app["in_zone"]).any()
    assert (app["reformed_process"] == app["in_zone"]).all()
