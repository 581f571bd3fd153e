"""The zombie-disposal campaign (处置僵尸企业): a list fixed at the start by the official definition,
each path in its documented time, write-downs through the credit pool, land held until re-let,
and after the end only insolvency."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import compose_params, make_model
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.validate import ConfigError
from sim.model.firms import DisposalPath, LifeCycle

#: a short campaign inside a short run: list in 2015-07, cases close 3, 6 and 9 months later
CAMPAIGN = (
    "policy/zombie_disposal=ningxia",
    "policy.zombie_disposal.start=2015-07",
    "policy.zombie_disposal.end=2016-06",
    "policy.zombie_disposal.liquidation_months=9",
    "policy.zombie_disposal.merger_months=6",
    "policy.zombie_disposal.restructuring_months=3",
    "policy.zombie_disposal.relet_months=4",
    "time.end=2017-06",
)


@pytest.fixture(scope="module")
def campaign():
    """A run stepped month by month, with each month's state of the firms that matter kept."""
    m = make_model(compose_params("scenario=baseline", "seed=3", *CAMPAIGN))
    d = m.policies.zombie_disposal
    history = {"listed": [], "official": [], "debt": [], "state": [], "free": [], "held": []}
    while m.running:
        history["official"].append(set(d.official_zombies().tolist()) if d.start <= m.month else set())
        history["debt"].append(m.firms.debt.copy())
        history["state"].append(m.firms.state.copy())
        m.step()
        history["listed"].append(np.flatnonzero(m.firms.disposal_path != DisposalPath.NOT_LISTED))
        history["free"].append(m.block_free_land().copy())
        history["held"].append(m.block_land_held.copy())
    return m, history


def test_the_list_is_drawn_up_once_by_the_official_definition(campaign):
    """The listed firms are exactly the official zombies of the first month (loss-making for
    ``zombie.consecutive_years`` years and kept alive by rolled-over loans), never changed after,
    although other firms meet the definition later; every path is drawn for some firm."""
    m, h = campaign
    d = m.policies.zombie_disposal
    listed = h["listed"][d.start]
    assert listed.size > 20
    assert set(listed.tolist()) == h["official"][d.start]
    for month in range(d.start, m.month):
        np.testing.assert_array_equal(h["listed"][month], listed)
    later = set().union(*h["official"][d.start + 13 :]) - set(listed.tolist())
    assert later  # new official zombies after the start are not listed
    paths = m.firms.disposal_path[listed]
    assert set(paths.tolist()) == {
        DisposalPath.LIQUIDATION,
        DisposalPath.MERGER,
        DisposalPath.RESTRUCTURING,
        DisposalPath.CAPACITY_CUT,
    }  # cuts in coal and metallurgy (test_capacity.py)


def test_each_path_closes_in_its_documented_time(campaign):
    """Liquidation: the firm exits exactly ``liquidation_months`` after the listing; merger: it is
    taken over after ``merger_months`` by a healthy firm of its sector; restructuring: its debt is
    cut by the haircut in month ``restructuring_months`` and it carries on."""
    m, h = campaign
    d, p, f = m.policies.zombie_disposal, m.params.policy.zombie_disposal, m.firms
    listed = h["listed"][d.start]
    for path, months in (
        (DisposalPath.LIQUIDATION, p.liquidation_months),
        (DisposalPath.MERGER, p.merger_months),
        (DisposalPath.RESTRUCTURING, p.restructuring_months),
    ):
        rows = listed[f.disposal_path[listed] == path]
        due = d.start + months
        np.testing.assert_array_equal(f.disposal_due[rows], due)
        alive = rows[h["state"][due][rows] == LifeCycle.OPERATING]  # not gone by insolvency before
        assert alive.size > 0, path
        if path == DisposalPath.LIQUIDATION:
            assert np.all(f.state[alive] == LifeCycle.EXITED) and np.all(f.exit_month[alive] == due)
        elif path == DisposalPath.MERGER:
            took = alive[f.state[alive] == LifeCycle.MERGED]
            assert took.size > 0 and np.all(f.exit_month[took] == -1)  # taken over, not exited
            assert np.all(h["state"][due + 1][took] == LifeCycle.MERGED)  # taken over in month due
            buyers = f.acquired_by[took]
            assert np.all(f.sector[buyers] == f.sector[took])
            assert np.all(f.disposal_path[buyers] == DisposalPath.NOT_LISTED)
            assert np.all(f.capital[took] == 0.0) and np.all(f.land[took] == 0.0) and np.all(f.debt[took] == 0.0)
        else:
            # the haircut comes at the start of the due month, before the month's borrowing: replay
            # the run to that point and apply the month's policy step alone
            before = h["debt"][due][alive]
            m2 = make_model(compose_params("scenario=baseline", "seed=3", *CAMPAIGN))
            while m2.month < due:
                m2.step()
            m2.policies.zombie_disposal.on_month()
            np.testing.assert_allclose(m2.firms.debt[alive], (1.0 - p.restructuring_haircut) * before, rtol=1e-12)
            assert np.all(h["state"][-1][alive] != LifeCycle.MERGED)


def test_a_liquidated_firms_land_is_let_again_only_after_the_lag(campaign):
    """The zone land of the firms the campaign closes (liquidations, capacity cuts, and takeovers
    that found no acquirer) is held back from their blocks' free land for ``relet_months`` after closure, then
    released whole; insolvency exits return their land at once."""
    m, h = campaign
    p, f = m.params.policy.zombie_disposal, m.firms
    closed = np.flatnonzero(
        np.isin(f.disposal_path, [DisposalPath.LIQUIDATION, DisposalPath.MERGER, DisposalPath.CAPACITY_CUT])
        & (f.state == LifeCycle.EXITED)
        & (f.zone >= 0)
    )
    closed = closed[f.exit_month[closed] == f.disposal_due[closed]]  # by the campaign, not by insolvency
    assert closed.size > 0
    for month in range(len(h["held"])):
        now = closed[(f.exit_month[closed] <= month) & (month < f.exit_month[closed] + p.relet_months)]
        land = np.bincount(f.block[now], weights=f.land[now], minlength=m.block_land.size)
        np.testing.assert_allclose(h["held"][month], land, atol=1e-6, err_msg=f"month {month}")
        assert np.all(h["free"][month] <= np.where(m.block_active, m.block_land - land, 0.0) + 1e-6)


def test_after_the_campaign_no_case_closes_and_none_is_open(campaign):
    """Every case closes within the campaign; after its end the monthly table shows no disposal
    and no open case: zombies leave only by insolvency, as under the pre-reform rules."""
    m, _ = campaign
    mon = m.results()["monthly"]
    after = mon[mon["date"] > m.params.policy.zombie_disposal.end]
    cols = [
        "disposal_liquidations",
        "disposal_mergers",
        "disposal_restructurings",
        "disposal_capacity_cuts",
        "disposal_cases_open",
    ]
    assert len(after) > 0 and (after[cols] == 0).all().all()
    during = mon[
        (mon["date"] >= m.params.policy.zombie_disposal.start) & (mon["date"] <= m.params.policy.zombie_disposal.end)
    ]
    assert during[cols[:4]].to_numpy().sum() > 0


def test_without_the_campaign_exits_are_the_baseline_s():
    """The campaign is the only thing disposal does: a run with disposal whose campaign starts after
    the horizon is identical to the baseline run (same seed)."""
    tail = ("seed=5", "time.end=2016-12")
    base = make_model(compose_params("scenario=baseline", *tail)).run().results()["monthly"]
    late = (
        make_model(
            compose_params(
                "scenario=baseline", "policy/zombie_disposal=ningxia", "policy.zombie_disposal.start=2018-01", *tail
            )
        )
        .run()
        .results()["monthly"]
    )
    assert base.equals(late)


@pytest.mark.parametrize(
    "override, message",
    [
        (("policy.zombie_disposal.end=2017-12",), "policy.zombie_disposal.end = 2017-12 is before"),
        (
            ("policy.zombie_disposal.merger_share=0.8", "policy.zombie_disposal.restructuring_share=0.3"),
            "merger_share + restructuring_share = 1.1",
        ),
    ],
)
def test_a_campaign_that_cannot_run_is_refused_before_the_run(override, message):
    with pytest.raises(ConfigError, match=message.replace("+", r"\+")):
        compose_params("scenario=full_reform", *override)


def test_the_deadline_closes_the_cases_still_open():
    """A campaign shorter than a path: the cases of that path close in the campaign's last month."""
    m = make_model(compose_params("scenario=baseline", "seed=3", *CAMPAIGN, "policy.zombie_disposal.end=2016-01"))
    while m.month <= m.policies.zombie_disposal.start:
        m.step()
    f, d = m.firms, m.policies.zombie_disposal
    listed = np.flatnonzero(f.disposal_path != DisposalPath.NOT_LISTED)
    due = f.disposal_due[listed]
    # liquidation's 9 months and a capacity cut's 12 are more than the 6 of this campaign
    late = np.isin(f.disposal_path[listed], [DisposalPath.LIQUIDATION, DisposalPath.CAPACITY_CUT])
    assert late.any() and np.all(due[late] == d.end)
    assert np.all(due[~late] == d.start + np.where(f.disposal_path[listed][~late] == DisposalPath.MERGER, 6, 3))


def _acquirers_by_scan(targets, candidates, sector, block, county, log_prod):
    """The rule written out: each target scans every candidate (the code before the sorted lookup)."""
    got, by = [], []
    for t in targets:
        same = candidates[(sector[candidates] == sector[t]) & (block[candidates] == block[t])]
        if block[t] < 0:
            same = same[county[same] == county[t]]
        if same.size:
            got.append(t)
            by.append(same[np.argmax(log_prod[same])])
    return np.array(got, dtype=np.int64), np.array(by, dtype=np.int64)


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
    n_blocks=st.integers(1, 4),
    ties=st.booleans(),
)
def test_the_acquirer_lookup_picks_what_scanning_every_candidate_picks(n, seed, n_blocks, ties):
    """Same sector, same block (outside zones: same county), the most productive, the first of the
    candidates on a tie; targets without one left out, the others in their order."""
    from sim.model.policies.disposal import most_productive_on_same_land

    rng = np.random.default_rng(seed)
    sector = rng.integers(0, 3, n).astype(np.int8)
    block = rng.integers(-1, n_blocks, n).astype(np.int32)
    county = rng.integers(0, 3, n).astype(np.int32)
    log_prod = rng.integers(0, 3, n).astype(float) if ties else rng.normal(size=n)
    rows = rng.permutation(n)
    k = int(rng.integers(0, n + 1))
    targets, candidates = rows[:k], rng.permutation(rows[k:])  # candidates in any order
    got = most_productive_on_same_land(targets, candidates, sector, block, county, log_prod)
    want = _acquirers_by_scan(targets, candidates, sector, block, county, log_prod)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert got[0].dtype == got[1].dtype == np.int64
