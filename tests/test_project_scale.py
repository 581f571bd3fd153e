"""A project's scale (sim.model.project_scale): the largest approved_share of a sector's projects
need approval (核准), and in a sector with a designated base those locate only in its bases."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import compose_params, make_model
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.project_scale import approval_threshold

DRAWS = 200_000


@settings(max_examples=25, deadline=None)
@given(share=st.floats(0.02, 0.98), sigma=st.floats(0.2, 2.0), mean=st.floats(1.0, 1e5))
def test_the_threshold_leaves_the_approved_share_of_projects_above_it(share, sigma, mean):
    rng = np.random.default_rng(7)
    capital = mean * rng.lognormal(-(sigma**2) / 2, sigma, DRAWS)  # projects' capital, as drawn in investment
    (threshold,) = approval_threshold(np.array([mean]), np.array([share]), sigma)
    assert abs((capital >= threshold).mean() - share) < 0.01


def test_no_share_approves_nothing_a_full_share_everything_and_alike_projects_only_at_one():
    got = approval_threshold(np.array([5.0, 5.0, 5.0]), np.array([0.0, 1.0, 0.3]), 1.0)
    assert got[0] == np.inf and got[1] == 0.0 and 0 < got[2] < np.inf
    assert approval_threshold(np.array([5.0, 5.0]), np.array([0.3, 1.0]), 0.0).tolist() == [np.inf, 0.0]


@pytest.fixture(scope="module")
def approvals():
    """Enterprise projects' approvals of baseline 2015-19, with and without designated bases."""

    def run(on: bool):
        params = compose_params("time.end=2019-12", "seed=1", f"investment.designated_bases={str(on).lower()}")
        a = make_model(params).run().results()["approvals"]
        return a[(a["stream"] != "government") & ~a["expansion"]]

    return {True: run(True), False: run(False)}


def test_large_chemical_projects_locate_in_their_base(approvals):
    """宁东 is the base of chemicals (zones.csv base_sectors): every approved chemical project is
    there; without the rule some are built elsewhere; filed ones and other sectors go anywhere."""
    on, off = approvals[True], approvals[False]
    big = on[(on["sector"] == "chemicals") & (on["stream"] == "approved")]
    assert len(big) >= 10 and (big["zone_id"] == "ningdong").all()
    big_off = off[(off["sector"] == "chemicals") & (off["stream"] == "approved")]
    assert (big_off["zone_id"] != "ningdong").sum() >= 3
    small = on[(on["sector"] == "chemicals") & (on["stream"] == "filed")]
    assert (small["zone_id"] != "ningdong").sum() >= 10
    other = on[(on["sector"] == "coal") & (on["stream"] == "approved")]  # coal has no base
    assert other["zone_id"].fillna("outside").nunique() > 1


def test_approval_follows_scale_in_about_the_catalogues_share(approvals):
    a = approvals[True]
    for sector, group in a.groupby("sector"):
        share = (group["stream"] == "approved").mean()
        if sector in ("light_textile", "pharma", "other"):  # not in the catalogue: always filed
            assert share == 0
    chem = a[a["sector"] == "chemicals"]
    assert 0.15 < (chem["stream"] == "approved").mean() < 0.45  # approved_share 0.30
