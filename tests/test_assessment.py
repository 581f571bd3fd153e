"""Assessment and ranking, 亩产论英雄 (acceptance c), on small hand-built regions.

One zone ("weak") is built to score last every year: very low output per mu, few firms and no
free land (so no project can lift its numbers).  Three healthy zones share its class; the best
("top") starts at the lowest rank so that its upgrades are visible.  With
``policy.assessment.start=2015-01`` the first assessment is in the 2015-12 step.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.schema import RANKS
from sim.model.agents import ZoneStatus
from tests.conftest import compose_params, make_model, run_model, tiny_region

ASSESSMENT_EVENTS = {"yellow_card", "downgraded", "upgraded", "abolished", "body_abolished"}
ABOLISH_MONTH = 35  # 2017-12 with time.start 2015-01: the third year-end


def region(weak_rank: str = "division", top_rank: str = "deputy_division"):
    """Three healthy zones and one zone that is last on every indicator of output per mu."""
    return tiny_region(
        [
            dict(zone_id="top", county_id="c1", firms=30, output_share=0.25, output_per_mu=100, rank=top_rank),
            dict(zone_id="mid1", county_id="c1", firms=30, output_share=0.25, output_per_mu=50),
            dict(zone_id="mid2", county_id="c2", firms=30, output_share=0.25, output_per_mu=45),
            # 0.01 × 1e6 万 yuan at 5 万 yuan/mu = 2,000 mu: exactly full, so no project can locate here
            dict(
                zone_id="weak",
                county_id="c2",
                firms=4,
                output_share=0.01,
                output_per_mu=5,
                land_mu=2000.0,
                rank=weak_rank,
            ),
        ],
        total_firms=120,
    )


def assessed(*overrides: str, end: str = "2018-12"):
    return compose_params("policy/assessment=ningxia", "policy.assessment.start=2015-01", f"time.end={end}", *overrides)


def events_of(model, zone_id: str, event: str) -> list[str]:
    ev = model.results()["zone_events"]
    return list(ev.loc[(ev.zone_id == zone_id) & (ev.event == event), "date"])


def zone(model, zone_id: str):
    return next(z for z in model.zones if z.zone_id == zone_id)


def step_to(model, month: int):
    while model.month < month:
        model.step()
    return model


# --------------------------------------------------------------------------- timeline with K1=2, K2=3
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_last_zone_carded_downgraded_then_abolished_with_default_k(seed):
    """Yellow card → downgrade after K1=2 → abolition after K2=3 consecutive bottom years (defaults)."""
    p = assessed(f"seed={seed}")
    assert (p.policy.assessment.years_to_downgrade, p.policy.assessment.years_to_abolish) == (2, 3)
    m = run_model(p, region())
    assert events_of(m, "weak", "yellow_card") == ["2015-12", "2016-12", "2017-12"]
    assert events_of(m, "weak", "downgraded") == ["2016-12"]
    assert events_of(m, "weak", "abolished") == ["2017-12"]
    assert events_of(m, "weak", "body_abolished") == ["2017-12"]
    zy = m.results()["zones_yearly"].set_index(["zone_id", "year"])
    assert [zy.loc[("weak", y), "class_rank"] for y in (2015, 2016)] == [4, 4]  # last of 4
    assert [zy.loc[("weak", y), "consecutive_bottom"] for y in (2015, 2016, 2017)] == [1, 2, 3]
    assert [zy.loc[("weak", y), "status"] for y in (2015, 2016, 2017, 2018)] == [
        "active",
        "active",
        "abolished",
        "abolished",
    ]
    w = zone(m, "weak")
    assert w.status == ZoneStatus.ABOLISHED and not w.body.active
    # no other zone is carded while the weak one is there to be last
    ev = m.results()["zone_events"]
    assert set(ev.loc[(ev.event == "yellow_card") & (ev.date < "2018"), "zone_id"]) == {"weak"}


@pytest.mark.parametrize(
    "k1, k2, downgrade, abolish",
    [
        (1, 2, ["2015-12"], "2016-12"),
        (3, 4, ["2017-12"], "2018-12"),
        (2, 2, [], "2016-12"),  # abolition takes precedence: no downgrade in the same year
        (1, 3, ["2015-12"], "2017-12"),  # downgraded once at K1, not again in the next bottom year
    ],
)
def test_timing_follows_k1_and_k2(k1, k2, downgrade, abolish):
    """Downgrade after exactly K1 and abolition after exactly K2 consecutive bottom years."""
    m = run_model(
        assessed(f"policy.assessment.years_to_downgrade={k1}", f"policy.assessment.years_to_abolish={k2}"), region()
    )
    years = int(abolish[:4]) - 2014
    assert events_of(m, "weak", "yellow_card") == [f"{2014 + y}-12" for y in range(1, years + 1)]
    assert events_of(m, "weak", "downgraded") == downgrade
    assert events_of(m, "weak", "abolished") == [abolish]
    assert zone(m, "weak").status == ZoneStatus.ABOLISHED


# --------------------------------------------------------------------------- rank changes
@pytest.mark.parametrize("start_rank", ["bureau", "division"])
def test_downgrade_lowers_body_rank_by_one_step_and_its_staff(start_rank):
    """A downgrade moves the body exactly one step down RANKS and re-staffs its office for the new
    rank (plus the yellow-card staff the still-carded zone gets to improve its service)."""
    p = assessed(end="2016-12")
    m = run_model(p, region(weak_rank=start_rank))
    w = zone(m, "weak")
    assert events_of(m, "weak", "downgraded") == ["2016-12"]
    assert RANKS.index(w.body.rank) == RANKS.index(start_rank) - 1
    boost = p.policy.assessment.yellow_card_extra_staff
    assert w.carded_this_year
    assert w.body.office.staff == p.bodies.approval_staff[w.body.rank] + boost
    zy = m.results()["zones_yearly"].set_index(["zone_id", "year"])
    assert zy.loc[("weak", 2015), "rank"] == start_rank
    assert zy.loc[("weak", 2016), "rank"] == RANKS[RANKS.index(start_rank) - 1]
    assert zy.loc[("weak", 2016), "office_staff"] == p.bodies.approval_staff[w.body.rank] + boost


def test_downgrade_at_lowest_rank_keeps_rank_and_abolition_still_follows():
    """A deputy-division body cannot fall further (rank stays at the floor); K2 still abolishes it."""
    m = run_model(assessed(), region(weak_rank="deputy_division"))
    zy = m.results()["zones_yearly"].set_index(["zone_id", "year"])
    assert zy.loc[("weak", 2016), "rank"] == "deputy_division"
    assert events_of(m, "weak", "abolished") == ["2017-12"]


def test_top_zone_upgraded_each_year_up_to_its_ceiling():
    """The best zone of the class is upgraded one rank per year up to the ceiling of its level:
    a region-level zone stops at division rank (正处级), with a rank_at_limit event after."""
    p = assessed()
    m = run_model(p, region(top_rank="deputy_division"))
    zy = m.results()["zones_yearly"].set_index(["zone_id", "year"])
    assert [zy.loc[("top", y), "class_rank"] for y in (2015, 2016, 2017, 2018)] == [1, 1, 1, 1]
    assert [zy.loc[("top", y), "rank"] for y in (2015, 2016, 2017, 2018)] == ["division"] * 4
    ev = m.results()["zone_events"]
    real = ev[(ev.zone_id == "top") & (ev.event == "upgraded") & ev.detail.str.contains("->")]
    assert list(real.date) == ["2015-12"]
    assert list(real.detail) == ["body b_top: deputy_division -> division"]
    assert events_of(m, "top", "rank_at_limit") == ["2016-12", "2017-12", "2018-12"]
    assert zone(m, "top").body.office.staff == p.bodies.approval_staff["division"]
    # the other healthy zones are neither upgraded nor downgraded
    for other in ("mid1", "mid2"):
        assert zy.loc[(other, 2018), "rank"] == "division"


def test_upgrade_rules_follow_config():
    """upgrade_min_years delays the first upgrade; upgrade_top=0 switches upgrades off."""
    m = run_model(assessed("policy.assessment.upgrade_min_years=2", end="2016-12"), region())
    ev = m.results()["zone_events"]
    assert list(ev.loc[(ev.event == "upgraded") & (ev.zone_id == "top"), "date"]) == ["2016-12"]
    m = run_model(assessed("policy.assessment.upgrade_top=0", end="2016-12"), region())
    ev = m.results()["zone_events"]
    assert not (ev.event == "upgraded").any()
    assert zone(m, "top").body.rank == "deputy_division"


# --------------------------------------------------------------------------- firms survive abolition
def test_abolished_zone_firms_stay_under_the_county():
    """Abolition loses no enterprise: every row of the zone still exists, now with zone == -1."""
    m = step_to(make_model(assessed(end="2018-06"), region()), ABOLISH_MONTH)
    w = zone(m, "weak")
    f = m.firms
    rows = np.flatnonzero(f.zone == w.index)
    assert rows.size > 0 and w.active
    n_rows, n_ent = len(f), len(m.enterprises)
    keys, states = f.key[rows].copy(), f.state[rows].copy()
    m.step()  # the 2017-12 step: third bottom year → abolished
    assert w.status == ZoneStatus.ABOLISHED
    f = m.firms
    assert len(f) >= n_rows and len(m.enterprises) == len(f) >= n_ent
    assert np.array_equal(f.key[rows], keys)
    assert (f.zone[rows] == -1).all() and (f.block[rows] == -1).all()
    assert all(m.enterprises[r].zone is None for r in rows)
    exited_now = f.exit_month[rows] == ABOLISH_MONTH
    assert np.array_equal(f.state[rows][~exited_now], states[~exited_now])  # abolition changes no state
    assert not (f.zone == w.index).any()
    assert m.zone_firm_counts()[w.index] == 0
    m.run()  # the firms carry on outside any zone
    assert (m.firms.zone[rows] == -1).all()


def test_abolished_zone_firms_go_to_neighbour_when_configured():
    """With abolished_firms_to=neighbour the firms and the land move to the zone of the same county."""
    m = step_to(
        make_model(assessed("policy.assessment.abolished_firms_to=neighbour", end="2017-12"), region()), ABOLISH_MONTH
    )
    w, host = zone(m, "weak"), zone(m, "mid2")  # mid2 is the other zone of county c2
    f = m.firms
    rows = np.flatnonzero(f.zone == w.index)
    blocks = list(w.blocks)
    assert rows.size > 0
    n_rows = len(f)
    m.step()
    assert w.status == ZoneStatus.ABOLISHED and host.active
    assert len(m.firms) >= n_rows
    assert (m.firms.zone[rows] == host.index).all()
    assert all(m.enterprises[r].zone is host for r in rows)
    assert set(blocks) <= set(host.blocks) and (m.block_zone[blocks] == host.index).all()
    assert m.block_active[blocks].all()
    assert events_of(m, "weak", "abolished") == ["2017-12"]
    ev = m.results()["zone_events"]
    assert "firms to mid2" in ev.loc[(ev.zone_id == "weak") & (ev.event == "abolished"), "detail"].iloc[0]


def test_indicators_in_one_year_end_follow_firms_an_abolition_moved():
    """The zones' sums are taken once per year end and again when a zone read has lost or gained
    firms: a class ranked after an abolition sees the firms the abolished zone handed to its
    neighbour, and a class of other zones reuses the sums (theirs did not change)."""
    m = step_to(
        make_model(assessed("policy.assessment.abolished_firms_to=neighbour", end="2017-12"), region()), ABOLISH_MONTH
    )
    a = m.policies.assessment
    w, host, top = zone(m, "weak"), zone(m, "mid2"), zone(m, "top")
    a.indicators([host, top])
    assert a._sums_key is None  # outside the year end's ranking nothing is kept
    a._ranking = True  # as inside on_year_end
    a.indicators([host, top])
    firms_before = a._sums[3].copy()  # firms per zone
    sums = a._sums
    moved = int((m.firms.zone[m._operating_rows()] == w.index).sum())
    assert moved > 0
    m.abolish_zone(w, "test", to="neighbour")
    a.indicators([top])
    assert a._sums is sums  # the top zone neither lost nor gained firms: the same sums
    a.indicators([host])
    assert a._sums is not sums  # the host gained the weak zone's firms: summed again
    assert a._sums[3][host.index] == firms_before[host.index] + moved == m.zone_firm_counts()[host.index]
    assert a._sums[3][top.index] == firms_before[top.index]


# --------------------------------------------------------------------------- switched off / not yet started
def test_assessment_disabled_gives_no_cards_and_no_rank_changes():
    """With the policy off (the default) no zone is scored, carded, downgraded, upgraded or abolished."""
    p = compose_params("time.end=2018-12")
    assert not p.policy.assessment.enabled
    m = run_model(p, region())
    ev = m.results()["zone_events"]
    assert not ev.event.isin(ASSESSMENT_EVENTS).any()
    zy = m.results()["zones_yearly"]
    assert (zy.status == "active").all()
    assert not zy.yellow_card.any() and (zy.consecutive_bottom == 0).all()
    assert zy.score.isna().all()
    assert [z.body.rank for z in m.zones] == ["deputy_division", "division", "division", "division"]


def test_assessment_inactive_before_start():
    """Nothing is assessed before policy.assessment.start: with start 2017-01 the first card is 2017-12."""
    m = run_model(
        compose_params("policy/assessment=ningxia", "policy.assessment.start=2017-01", "time.end=2018-12"), region()
    )
    ev = m.results()["zone_events"]
    assert not (ev.event.isin(ASSESSMENT_EVENTS) & (ev.date < "2017-12")).any()
    assert events_of(m, "weak", "yellow_card") == ["2017-12", "2018-12"]
    assert events_of(m, "weak", "downgraded") == ["2018-12"]


# --------------------------------------------------------------------------- consequences of a card
def test_yellow_card_raises_entry_bar_of_carded_zone_only():
    """A card raises the carded zone's entry bar by yellow_card_bar_raise for the next year, no one else's."""
    bars = {}
    for raise_ in (0.0, 0.25):
        m = run_model(assessed(f"policy.assessment.yellow_card_bar_raise={raise_}", end="2015-12"), region())
        bars[raise_] = {z.zone_id: z.entry_bar for z in m.zones}
        assert zone(m, "weak").carded_this_year
    assert bars[0.25]["weak"] == pytest.approx(bars[0.0]["weak"] + 0.25)
    for z in ("top", "mid1", "mid2"):
        assert bars[0.25][z] == pytest.approx(bars[0.0][z])


def test_yellow_card_adds_service_staff_while_carded():
    """A carded zone improves its service: its office has yellow_card_extra_staff more staff while
    the card holds; the card's staff goes when the zone is no longer last."""
    p = assessed("policy.assessment.yellow_card_extra_staff=3", end="2015-12")
    m = run_model(p, region())
    w, top = zone(m, "weak"), zone(m, "top")
    assert w.carded_this_year and not top.carded_this_year
    assert w.body.office.staff == p.bodies.approval_staff[w.body.rank] + 3
    assert top.body.extra_staff == 0


def test_national_zone_can_be_upgraded_to_bureau():
    """A national zone's ceiling is bureau rank: deputy → division → bureau, then capped."""
    p = assessed("policy.assessment.classify_by=none")
    r = region(top_rank="deputy_division")
    r.zones.loc[r.zones.zone_id == "top", "level"] = "national"
    m = run_model(p, r)
    zy = m.results()["zones_yearly"].set_index(["zone_id", "year"])
    assert [zy.loc[("top", y), "rank"] for y in (2015, 2016, 2017)] == ["division", "bureau", "bureau"]
    assert events_of(m, "top", "rank_at_limit") == ["2017-12", "2018-12"]


# --------------------------------------------------------------------------- as documented (issue 15)
def test_national_zone_at_the_bottom_is_carded_and_downgraded_but_not_abolished_by_the_province():
    """A national zone is the State Council's: K2 bottom years make the province recommend its
    delisting (logged once), the zone carries on, carded, and keeps its firms."""
    r = region()
    r.zones.loc[r.zones.zone_id == "weak", "level"] = "national"
    m = run_model(assessed("policy.assessment.classify_by=none"), r)
    assert events_of(m, "weak", "yellow_card") == ["2015-12", "2016-12", "2017-12", "2018-12"]
    assert events_of(m, "weak", "downgraded") == ["2016-12"]
    assert events_of(m, "weak", "delisting_recommended") == ["2017-12"]
    assert events_of(m, "weak", "abolished") == []
    assert zone(m, "weak").status == ZoneStatus.ACTIVE and zone(m, "weak").body.active
    # the old rule, as a lever: the province abolishes it like a region-level zone
    m = run_model(assessed("policy.assessment.classify_by=none", "policy.assessment.national_zones=abolish"), r)
    assert events_of(m, "weak", "abolished") == ["2017-12"]


@pytest.mark.parametrize("grace, first", [(0, "2016-12"), (1, "2016-12"), (2, "2017-12"), (3, "2018-12")])
def test_a_new_zone_is_ranked_only_after_its_grace_years(grace, first):
    """A zone founded in 2016-01 (months counted from its founding month) is first ranked in the
    December by which it has run 12 × grace_years months."""
    r = region()
    r.zones.loc[r.zones.zone_id == "weak", "founded"] = "2016-01"
    m = run_model(assessed(f"policy.assessment.grace_years={grace}"), r)
    zy = m.results()["zones_yearly"]
    ranked = zy[(zy.zone_id == "weak") & (zy.class_rank > 0)]
    assert str(ranked["year"].min()) == first[:4]


def test_agglomeration_follows_the_ground_not_the_managing_zone():
    """Abolishing a zone (firms to the county) or merging it changes no firm's effective
    productivity: agglomeration counts same-sector plants on the zone ground as built."""
    from sim.model.firms import agglomeration_of_rows, site_cluster

    m = step_to(make_model(assessed(end="2017-12"), region()), ABOLISH_MONTH)
    f = m.firms
    rows = np.flatnonzero(f.state == 3)

    def factors():
        return agglomeration_of_rows(
            site_cluster(f.site_block, m.block_zone_start),
            f.sector,
            rows,
            len(m.zones),
            len(m.sector_names),
            m.params.firms.agglomeration_elasticity,
        )

    before = factors()
    weak, mid2 = zone(m, "weak"), zone(m, "mid2")
    on_weak = f.zone[rows] == weak.index
    assert on_weak.any() and (before[on_weak] > 1).any()  # the weak zone's plants share a sector
    m.abolish_zone(weak, "test")
    assert (f.zone[rows][on_weak] == -1).all()
    m.merge_zone(mid2, zone(m, "mid1"), "test")
    np.testing.assert_array_equal(factors(), before)


# --------------------------------------------------------------------------- firm classes (亩均, Zhejiang)
def test_grade_gives_each_class_its_share_best_first():
    from sim.model.policies.mu_classes import grade

    score = np.arange(100, 0, -1, dtype=float)  # firm 0 best
    cls = grade(score, (0.225, 0.40, 0.325, 0.05))
    assert np.bincount(cls, minlength=5)[1:].tolist() == [22, 40, 33, 5]  # rank midpoints: 22.5% → 22 A
    assert (np.diff(cls) >= 0).all()  # worse scores never get a better class
    assert grade(np.array([3.0, 2.0, 1.0]), (0.225, 0.40, 0.325, 0.05)).tolist() == [1, 2, 3]  # too few for a D


def test_firm_classes_off_changes_nothing_and_on_grades_zone_firms_and_recovers_persistent_d_land():
    base = run_model(assessed(end="2018-12"), region())
    assert base.results()["monthly"]["mu_land_recoveries"].sum() == 0
    assert (base.firms.mu_class == 0).all()
    p = assessed(
        "policy.assessment.firm_classes=true",
        "policy.assessment.firm_d_years_to_recover=2",
        "policy.assessment.firm_d_share=0.2",
        end="2018-12",
    )
    m = run_model(p, region())
    f = m.firms
    graded = f.mu_class > 0
    assert graded.any() and (f.zone[graded] >= 0).all()  # only firms managed by a zone are graded
    mon = m.results()["monthly"]
    recovered = int(mon["mu_land_recoveries"].sum())
    assert recovered > 0
    ex = m.results()["exits"]
    d_exits = ex[(ex["mu_class"] == "D") & (ex["month"] % 12 == 11)]  # closed at a year end as D
    assert len(d_exits) >= recovered
    # a firm is recovered only after 2 D years: none in the first graded year (2015)
    assert mon.loc[mon["date"] <= "2016-01", "mu_land_recoveries"].sum() == 0


def test_firm_class_shares_above_one_are_refused():
    from sim.config.validate import ConfigError

    with pytest.raises(ConfigError, match="firm_a_share"):
        assessed("policy.assessment.firm_a_share=0.6", "policy.assessment.firm_b_share=0.5")


# --------------------------------------------------------------------------- absolute thresholds
def test_without_a_gate_or_floors_the_rule_is_relative_only():
    p = assessed()
    assert (
        p.policy.assessment.gate,
        p.policy.assessment.abolish_output_below,
        p.policy.assessment.abolish_developed_below,
    ) == ({}, 0.0, 0.0)


@pytest.mark.parametrize("minimum, carded", [(10.0, ["2015-12", "2016-12", "2017-12"]), (1.0, [])])
def test_a_bottom_zone_that_clears_the_gate_is_not_carded(minimum, carded):
    """Guangdong's hybrid rule: the last zone (5 万 yuan/mu) is carded only if it is below the gate's
    minimum output per mu; above it, no zone is carded and none is downgraded or abolished."""
    m = run_model(assessed(f"+policy.assessment.gate.output_per_mu={minimum}"), region())
    assert events_of(m, "weak", "yellow_card") == carded
    ev = m.results()["zone_events"]
    if not carded:
        assert not ev.event.isin(["yellow_card", "downgraded", "abolished"]).any()


def test_a_zone_at_or_below_the_output_floor_is_abolished_at_the_first_assessment():
    """The weak zone makes about 8,000 万 yuan a year, the others over 200,000: a floor of 100,000
    (Inner Mongolia's 10亿 yuan) abolishes it at once, and no other zone (the relative rule goes on
    with the three left)."""
    m = run_model(assessed("policy.assessment.abolish_output_below=100000"), region())
    assert events_of(m, "weak", "abolished") == ["2015-12"]
    ev = m.results()["zone_events"]
    reason = ev.loc[(ev.zone_id == "weak") & (ev.event == "abolished"), "detail"].iloc[0]
    assert "assessment floor" in reason and "output" in reason
    floor = ev.event.eq("abolished") & ev.detail.str.contains("assessment floor")
    assert set(ev.loc[floor, "zone_id"]) == {"weak"}


def test_the_floors_spare_young_zones_and_only_recommend_delisting_a_national_zone():
    r = region()
    r.zones.loc[r.zones.zone_id == "weak", "founded"] = "2016-01"
    m = run_model(
        assessed(
            "policy.assessment.abolish_output_below=100000",
            "policy.assessment.absolute_min_years=5",
            "policy.assessment.grace_years=9",
        ),
        r,
    )
    assert events_of(m, "weak", "abolished") == []  # 3 years old at the end of the run: below the 5 years
    m = run_model(
        assessed(
            "policy.assessment.abolish_output_below=100000",
            "policy.assessment.absolute_min_years=1",
            "policy.assessment.grace_years=9",
        ),
        r,
    )
    assert events_of(m, "weak", "abolished") == ["2016-12"]
    r = region()
    r.zones.loc[r.zones.zone_id == "weak", "level"] = "national"
    m = run_model(assessed("policy.assessment.abolish_output_below=100000", "policy.assessment.classify_by=none"), r)
    assert events_of(m, "weak", "abolished") == []
    assert "2015-12" in events_of(m, "weak", "delisting_recommended")


def test_a_zone_with_little_of_its_planned_land_in_use_is_abolished_by_the_land_floor():
    """The 2005 clean-up's floor: under 20% of the planned land in use.  mid2 is planned at
    1,000,000 mu and uses about 5,600; the others use about 60% (the weak one all of it)."""
    r = region()
    r.zones.loc[r.zones.zone_id == "mid2", "land_mu"] = 1e6
    m = run_model(assessed("policy.assessment.abolish_developed_below=0.2"), r)
    ev = m.results()["zone_events"]
    floor = ev.event.eq("abolished") & ev.detail.str.contains("assessment floor")
    assert set(ev.loc[floor, "zone_id"]) == {"mid2"}
    assert events_of(m, "mid2", "abolished") == ["2015-12"]


def test_an_unknown_gate_indicator_is_refused():
    from sim.config.validate import ConfigError

    with pytest.raises(ConfigError, match="gate has unknown indicator 'jobs'"):
        assessed("+policy.assessment.gate.jobs=1")
