"""MOFCOM-style ranking (``policy.assessment.rule=mofcom``): classes by macro region and province,
a bottom capped by a share of the class, and downgrade candidates after repeated bottom years.

The trigger is tested deterministically: the model is built on a tiny hand-made region, the
policy's scores are replaced by fixed numbers, and its yearly method is called in the
Decembers of successive years.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.schema import RANKS
from tests.conftest import compose_params, make_model, run_model, tiny_region

WEAK = "weak"
N_ZONES = 6  # with the default share 0.2, a class of 6 has a bottom of one
DECEMBER = 11  # month index of December in a year that starts in January


def mofcom(*overrides: str):
    """Assessment in force from the first month, under MOFCOM's rule."""
    return compose_params(
        "policy/assessment=ningxia",
        "policy.assessment.start=2015-01",
        "policy.assessment.rule=mofcom",
        "time.end=2020-12",
        *overrides,
    )


def one_class_region(level: str = "national"):
    """Six zones of one level in one province and macro region: one class under MOFCOM's rule."""
    common = {
        "level": level,
        "rank": "division",
        "province_id": "p1",
        "macro_region": "west",
        "firms": 20,
        "output_per_mu": 40,
    }
    rows = [{"zone_id": f"z{i}", "county_id": f"c{i % 2}", "output_share": 0.15, **common} for i in range(N_ZONES - 1)]
    rows.append({"zone_id": WEAK, "county_id": "c1", "output_share": 0.05, **common})
    return tiny_region(rows)


class Ranker:
    """Drives the assessment year by year with the weak zone placed last or not."""

    def __init__(self, params, region):
        self.model = make_model(params, region)
        self.policy = self.model.policies.assessment
        self.weak = next(z for z in self.model.zones if z.zone_id == WEAK)

    def year(self, offset: int, weak_last: bool) -> None:
        """Assess the year ``offset`` years after the start, with the weak zone last or first."""
        self.model.month = 12 * offset + DECEMBER
        self.policy.scores = lambda zones: np.array(
            [(-1.0 if weak_last else 2.0) if z is self.weak else 1.0 for z in zones]
        )
        self.policy.on_year_end()

    def events(self, event: str) -> list[str]:
        ev = self.model.results()["zone_events"]
        return list(ev.loc[(ev.zone_id == WEAK) & (ev.event == event), "date"])


# --------------------------------------------------------------------------- the trigger
def test_once_in_the_bottom_within_the_window_is_no_candidate():
    r = Ranker(mofcom("policy.assessment.years_to_abolish=9"), one_class_region())
    for offset, last in enumerate([True, False, False, True, False]):  # bottom in 2015 and 2018: 4 years apart
        r.year(offset, last)
    assert r.events("yellow_card") == ["2015-12", "2018-12"]
    assert r.events("downgrade_candidate") == []
    assert r.weak.level == "national"


def test_twice_in_the_bottom_within_three_years_delists_a_national_zone():
    r = Ranker(mofcom("policy.assessment.years_to_abolish=9"), one_class_region())
    for offset, last in enumerate([True, False, True]):  # bottom in 2015 and 2017: within 3 years
        r.year(offset, last)
    assert r.events("downgrade_candidate") == ["2017-12"]
    assert r.events("delisted_national") == ["2017-12"]
    assert r.weak.level == "region"
    assert r.weak.bottom_years == []  # the downgrade uses up the record


def test_twice_in_the_bottom_lowers_a_provincial_zone_body_one_rank():
    r = Ranker(mofcom("policy.assessment.years_to_abolish=9"), one_class_region(level="region"))
    r.year(0, True)
    assert r.weak.body.rank == "division"
    r.year(1, True)
    assert r.events("downgrade_candidate") == ["2016-12"]
    assert r.weak.body.rank == RANKS[RANKS.index("division") - 1]
    assert r.weak.level == "region"


@pytest.mark.parametrize("window,times,candidate", [(3, 3, False), (4, 2, True), (2, 2, False)])
def test_window_and_times_follow_config(window, times, candidate):
    """Bottom in 2015 and 2017 (two bottom years, 3 years apart inclusive)."""
    r = Ranker(
        mofcom(
            "policy.assessment.years_to_abolish=9",
            f"policy.assessment.mofcom_window_years={window}",
            f"policy.assessment.mofcom_times_in_window={times}",
        ),
        one_class_region(),
    )
    for offset, last in enumerate([True, False, True]):
        r.year(offset, last)
    assert bool(r.events("downgrade_candidate")) == candidate


@pytest.mark.parametrize("class_size,share,bottom", [(6, 0.2, 1), (4, 0.2, 0), (30, 0.2, 5), (12, 0.5, 5), (3, 1.0, 2)])
def test_bottom_is_k_capped_by_a_share_of_the_class(class_size, share, bottom):
    r = Ranker(mofcom(f"policy.assessment.mofcom_max_bottom_share={share}"), one_class_region())
    assert r.policy.bottom_size(class_size) == bottom


# --------------------------------------------------------------------------- classes
@pytest.fixture(scope="module")
def national():
    """A shrunken national region at its first assessment (2016-12) under MOFCOM's rule."""
    m = make_model(
        compose_params(
            "region=national",
            "region.national.scale=0.02",
            "policy/assessment=ningxia",
            "policy.assessment.start=2016-01",
            "policy.assessment.rule=mofcom",
            "time.end=2016-12",
        )
    )
    return m.run()


def test_national_zones_are_ranked_within_their_macro_region_provincial_within_their_province(national):
    policy = national.policies.assessment
    classes = policy.classes()
    assert classes, "no zone ranked"
    for key, zones in classes.items():
        level, home = key.split(":")
        assert {z.level for z in zones} == {level}
        assert {z.macro_region if level == "national" else z.province_id for z in zones} == {home}
    national_keys = {k.split(":")[1] for k in classes if k.startswith("national:")}
    assert national_keys <= {"east", "central", "west", "northeast"} and len(national_keys) > 1


def test_ranks_run_within_each_class(national):
    for zones in national.policies.assessment.classes().values():
        assert sorted(z.class_rank for z in zones) == list(range(1, len(zones) + 1))


def test_without_province_columns_the_city_is_the_class():
    rows = [
        {"zone_id": f"z{i}", "county_id": f"c{i}", "firms": 10, "output_share": 0.2, "output_per_mu": 40}
        for i in range(4)
    ]
    counties = [
        {
            "county_id": f"c{i}",
            "name_zh": f"c{i}",
            "name_en": f"c{i}",
            "city_id": f"city{i // 2}",
            "fiscal_revenue": 50000.0,
            "source": "test",
        }
        for i in range(4)
    ]
    m = make_model(mofcom(), tiny_region(rows, counties=counties, adjacency=[]))
    assert {k: sorted(z.zone_id for z in v) for k, v in m.policies.assessment.classes().items()} == {
        "region:city0": ["z0", "z1"],
        "region:city1": ["z2", "z3"],
    }


# --------------------------------------------------------------------------- default unchanged
def test_rule_seed_is_the_default_and_runs_as_before():
    base = ("scenario=full_reform", "time.end=2020-12", "policy.assessment.start=2016-01")
    assert compose_params(*base).policy.assessment.rule == "seed"
    a = run_model(compose_params(*base)).results()
    b = run_model(compose_params(*base, "policy.assessment.rule=seed")).results()
    for name in a:
        assert a[name].equals(b[name]), name
