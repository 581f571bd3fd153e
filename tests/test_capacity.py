"""Capacity cuts (去产能) and capacity replacement (产能置换), :mod:`sim.model.capacity`.

Capacity replacement is a national rule in force in every scenario from ``capacity.start``: the
sectors it covers (coal, metallurgy, building materials, nonferrous) add capacity only against
quota from capacity retired in the region.  The disposal campaign closes listed firms of the
sectors under capacity cuts (coal, metallurgy) on their own path.  Tests: the rule comes into
force on its date and not before (at the start if earlier), every covered firm is licensed and
licences bind every month, quota is conserved (checked against the firm table, not the rule's
own counters), each flow (exit, cut, project, plant, takeover, withdrawal) moves it as the rule
says, a proposal needs quota and credit together, quota goes to the most productive firms, and
the rule moves the sectors' capital and prices the way its mechanism says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import compose_params, make_model

from sim.model.firms import LAND_HOLDING, DisposalPath, LifeCycle

#: capacity replacement from 2015-07, and a campaign listing then with cases closing within a year
CAMPAIGN = (
    "scenario=baseline",
    "capacity.start=2015-07",
    "policy/zombie_disposal=ningxia",
    "policy.zombie_disposal.start=2015-07",
    "policy.zombie_disposal.end=2016-06",
    "policy.zombie_disposal.liquidation_months=9",
    "policy.zombie_disposal.merger_months=6",
    "policy.zombie_disposal.restructuring_months=3",
    "policy.zombie_disposal.capacity_cut_months=5",
    "policy.zombie_disposal.relet_months=4",
)
TOL = 1e-6  # 万 yuan


def _regulated_sectors(m) -> set[str]:
    return {s for s, r in zip(m.sector_names, m.capacity.covered) if r}


@pytest.fixture(scope="module")
def stepped():
    """A campaign run to 2017-12, month by month, with what the rule needs checking kept."""
    m = make_model(compose_params(*CAMPAIGN, "seed=2", "time.end=2017-12"))
    cap = m.capacity
    share, ratio = m.params.capacity.cut_quota_share, m.params.capacity.replacement_ratio
    h = {"quota": [], "added": [], "granted": [], "over": [], "unlicensed": [], "balance": []}
    while m.running:
        f = m.firms
        before, n_before = cap.quota.sum(), len(f)
        live = np.isin(f.state, LAND_HOLDING) & np.isfinite(f.licence)
        licences = f.licence[live].sum()
        state, lic = f.state.copy(), f.licence.copy()
        start_month = m.month == cap.start
        m.step()
        if start_month:
            h["start_state"] = m.firms.state.copy()
        h["quota"].append((before, cap.quota.sum()))
        rec = m.recorder.monthly[-1]
        h["added"].append(rec["capacity_quota_added"])
        h["granted"].append(rec["capacity_quota_granted"])
        f = m.firms
        held = np.isin(f.state, LAND_HOLDING)
        reg = np.isfinite(f.licence) & held
        h["over"].append(float(np.max(f.capital[reg] + f.capital_wip[reg] - f.licence[reg], initial=0.0)))
        h["unlicensed"].append(int(np.sum(held & cap.covered[f.sector] & ~np.isfinite(f.licence))))
        if m.month - 1 > cap.start:  # the month's flows, from the firm table alone: pools + live licences
            # change only by what leaves (exits: share/ratio of the licence comes back; withdrawals: all)
            old = np.arange(n_before)
            gone = old[np.isin(state, LAND_HOLDING) & np.isfinite(lic) & ~np.isin(f.state[old], LAND_HOLDING)]
            exited = gone[f.state[gone] == LifeCycle.EXITED]
            # closed by the campaign on the cut path (a cut, or a merger with no acquirer in a cut sector)
            by_case = exited[f.exit_month[exited] == f.disposal_due[exited]]
            cut = by_case[
                (f.disposal_path[by_case] == DisposalPath.CAPACITY_CUT)
                | (
                    (f.disposal_path[by_case] == DisposalPath.MERGER)
                    & m.policies.zombie_disposal.cut_sectors[f.sector[by_case]]
                )
            ]
            expected = -(1 - 1 / ratio) * lic[exited].sum() - (1 - share) / ratio * lic[cut].sum()
            now = cap.quota.sum() + f.licence[reg].sum()
            h["balance"].append((now - (before + licences), expected))
    return m, h


def test_the_covered_sectors():
    m = make_model(compose_params("scenario=baseline", "seed=0", "time.end=2015-02"))
    assert _regulated_sectors(m) == {"coal", "metallurgy", "building_materials", "nonferrous"}
    assert {s for s, c in zip(m.sector_names, m.policies.zombie_disposal.cut_sectors) if c} == {"coal", "metallurgy"}


def test_the_rule_binds_from_its_date_and_never_when_off():
    """Before its date no firm holds a licence; in its first month every land-holding firm of the
    covered sectors is licensed, and no other; switched off, its records stay zero all run."""
    m = make_model(compose_params(*CAMPAIGN, "seed=1", "time.end=2015-08"))
    while m.month < m.capacity.start:
        assert not m.capacity.in_force and np.all(np.isinf(m.firms.licence))
        m.step()
    m.step()  # the start month: every land-holding firm of the covered sectors licensed at its capital
    f = m.firms
    reg = m.capacity.covered[f.sector]
    held = np.isin(f.state, LAND_HOLDING)
    assert (held & reg).any() and np.all(np.isfinite(f.licence[held & reg])) and np.all(np.isinf(f.licence[~reg]))
    off = make_model(
        compose_params("scenario=full_reform", "seed=1", "time.end=2019-12", "capacity.replacement=false")
    ).run()
    mo = pd.DataFrame(off.recorder.monthly)
    for col in (
        "capacity_quota",
        "capacity_quota_added",
        "capacity_quota_granted",
        "projects_refused_quota",
        "expansions_refused_quota",
    ):
        assert (mo[col] == 0).all(), col
    assert np.all(np.isinf(off.firms.licence))


def test_a_rule_in_force_before_the_run_licenses_the_start_and_spares_the_pipeline():
    """With its date before the run's start, the rule is in force from the first month: the initial
    firms and the projects approved before the start (the pipeline) are licensed at construction,
    and the pipeline needs no quota (none of it is refused)."""
    m = make_model(compose_params("scenario=baseline", "seed=4", "time.end=2015-03", "capacity.start=2010-01"))
    f = m.firms
    held = np.isin(f.state, LAND_HOLDING) & m.capacity.covered[f.sector]
    assert m.capacity.licensed and held.any() and np.all(np.isfinite(f.licence[held]))
    pipeline = np.flatnonzero((f.state == LifeCycle.CONSTRUCTION) & m.capacity.covered[f.sector])
    assert pipeline.size > 0
    np.testing.assert_allclose(f.licence[pipeline], f.capital[pipeline])
    later = make_model(compose_params("scenario=baseline", "seed=4", "time.end=2015-03", "capacity.start=2016-01"))
    assert np.sum(later.firms.state == LifeCycle.CONSTRUCTION) == np.sum(f.state == LifeCycle.CONSTRUCTION)


def test_licences_bind_every_month(stepped):
    """Every land-holding firm of a covered sector holds a licence once the rule binds, and its
    capital, installed and under construction, never exceeds it."""
    m, h = stepped
    assert max(h["over"]) <= TOL
    assert max(h["unlicensed"][m.capacity.start :]) == 0


def test_quota_is_conserved_by_its_flows(stepped):
    """The pools plus the live licences change each month only by what leaves: an exit returns its
    licence ÷ the ratio (a cut only ``cut_quota_share`` of that), a withdrawal all of it --
    computed from the firm table, independently of the rule's own counters, which must agree.
    Quota is never negative."""
    m, h = stepped
    assert len(h["balance"]) > 12
    for change, expected in h["balance"]:
        assert change == pytest.approx(expected, abs=1e-6 * max(1.0, abs(expected)))
    for (before, after), added, granted in zip(h["quota"], h["added"], h["granted"]):
        assert after == pytest.approx(before + added - granted, abs=TOL)
        assert after >= -TOL
    assert sum(h["added"]) > 0 and sum(h["granted"]) > 0  # the rule did something


def test_listed_firms_of_the_capped_sectors_are_cut_not_liquidated(stepped):
    """The campaign draws the same paths as before; in coal and metallurgy a firm drawn for
    liquidation has its capacity cut instead, closing ``capacity_cut_months`` after the listing."""
    m, h = stepped
    f, d = m.firms, m.policies.zombie_disposal
    listed = np.flatnonzero(f.disposal_path != DisposalPath.NOT_LISTED)
    reg = d.cut_sectors[f.sector[listed]]
    paths = f.disposal_path[listed]
    assert np.all(paths[reg] != DisposalPath.LIQUIDATION)
    assert np.all(paths[~reg] != DisposalPath.CAPACITY_CUT)
    cut = listed[paths == DisposalPath.CAPACITY_CUT]
    assert cut.size > 0
    due = d.start + m.params.policy.zombie_disposal.capacity_cut_months
    np.testing.assert_array_equal(f.disposal_due[cut], due)
    alive_then = cut[h["start_state"][cut] == LifeCycle.OPERATING]
    closed = alive_then[f.exit_month[alive_then] == due]
    assert closed.size > 0 and np.all(f.state[closed] == LifeCycle.EXITED)


def _in_force(seed: int = 0, **over):
    """A model in the month the rule comes into force, licences handed out."""
    extra = [f"capacity.{k}={v}" for k, v in over.items()]
    m = make_model(compose_params(*CAMPAIGN, f"seed={seed}", "time.end=2016-12", *extra))
    while m.month < m.capacity.start:
        m.step()
    m.capacity.on_month()
    return m


def _regulated_operating(m):
    f = m.firms
    return np.flatnonzero((f.state == LifeCycle.OPERATING) & m.capacity.covered[f.sector])


def test_an_exit_makes_quota_and_a_cut_makes_only_its_share():
    """Quota from an exit is the licence (what it was allowed to run, not what it still had) ÷ the ratio."""
    m = _in_force(cut_quota_share=0.4, replacement_ratio=1.25)
    f, cap = m.firms, m.capacity
    a, b = _regulated_operating(m)[:2]
    f.capital[a] *= 0.5  # worn down below its licence
    lic_a, lic_b = f.licence[a], f.licence[b]
    s_a, s_b = f.sector[a], f.sector[b]
    q = cap.quota.copy()
    m.close_firms(np.array([a]))  # insolvency or liquidation: all of it, at the ratio
    assert cap.quota[s_a] - q[s_a] == pytest.approx(lic_a / 1.25)
    q = cap.quota.copy()
    m.close_firms(np.array([b]), replaceable=m.params.capacity.cut_quota_share)
    assert cap.quota[s_b] - q[s_b] == pytest.approx(0.4 * lic_b / 1.25)
    other = np.flatnonzero((f.state == LifeCycle.OPERATING) & ~cap.covered[f.sector])[:3]
    q = cap.quota.copy()
    m.close_firms(other)  # unregulated sectors: no quota
    np.testing.assert_array_equal(cap.quota, q)


def test_proposals_need_quota_and_credit_together_first_come_first_served():
    """New projects and plants in a covered sector go ahead only with quota for all their capital
    and their loan, in order; one refused a loan takes no quota (the next may use it); uncovered
    sectors need no quota."""
    m = _in_force()
    cap, credit = m.capacity, m.credit
    coal = m.sector_names.index("coal")
    light = m.sector_names.index("light_textile")
    cap.quota[:] = 0.0
    cap.quota[coal] = 100.0
    room = credit.room.sum()
    sector = np.array([coal, coal, coal, light, coal])
    capital = np.array([60.0, 30.0, 50.0, 1e6, 40.0])
    loans = np.array([1.0, 2.0 * room, 1.0, 1.0, 1.0])  # the second cannot get its loan
    short = np.zeros(5, dtype=bool)
    ok = credit.grant_in_order(np.zeros(5, dtype=np.int64), loans, "projects", cap.budget(sector, capital), short)
    np.testing.assert_array_equal(ok, [True, False, False, True, True])
    np.testing.assert_array_equal(short, [False, False, True, False, False])  # 50 > 40 left; then 40 fits
    assert cap.quota[coal] == pytest.approx(0.0) and cap.quota[light] == 0.0
    assert cap.budget(sector, capital, exempt=True) is None


def test_quota_goes_to_the_most_productive_firm_short_of_it():
    """Two firms of one sector at their licence want to add capital; the quota covers one: the
    more productive gets it, the other's plan is cut to its licence."""
    m = _in_force()
    f, cap = m.firms, m.capacity
    rows = _regulated_operating(m)
    s = f.sector[rows[0]]
    pair = rows[f.sector[rows] == s][:2]
    f.licence[pair] = f.capital[pair] + f.capital_wip[pair]  # no room left
    cap.quota[:] = 0.0
    cap.quota[s] = 50.0
    a_eff = np.array([0.1, 0.5])  # the second is the more productive
    internal, loan = cap.cap_investment(pair, np.array([30.0, 30.0]), np.array([20.0, 20.0]), a_eff)
    np.testing.assert_allclose(internal + loan, [0.0, 50.0], atol=1e-6)
    assert f.licence[pair[1]] == pytest.approx(f.capital[pair[1]] + f.capital_wip[pair[1]] + 50.0)
    assert cap.quota[s] == pytest.approx(0.0)


def test_a_takeover_moves_the_licence_and_a_withdrawn_project_gives_its_back():
    m = _in_force()
    f, cap = m.firms, m.capacity
    rows = _regulated_operating(m)
    s = f.sector[rows[0]]
    target, buyer = rows[f.sector[rows] == s][:2]
    total = f.licence[target] + f.licence[buyer]
    m.take_over(np.array([target]), np.array([buyer]))
    assert f.licence[buyer] == pytest.approx(total)
    assert f.capital[buyer] + f.capital_wip[buyer] <= f.licence[buyer] + TOL
    projects = np.flatnonzero((f.state == LifeCycle.IN_APPROVAL) & cap.covered[f.sector])
    if projects.size == 0:
        pytest.skip("no regulated project in approval at the start month")
    p = projects[:1]
    q = cap.quota[f.sector[p[0]]]
    lic = f.licence[p[0]]
    m.withdraw_projects(p)
    assert cap.quota[f.sector[p[0]]] == pytest.approx(q + lic)


def test_a_failed_merger_in_a_cut_sector_is_cut():
    """A listed coal or metallurgy firm drawn for a merger that finds no acquirer closes on the cut
    path: only ``cut_quota_share`` of its licence becomes quota."""
    m = _in_force(cut_quota_share=0.0)
    d, f, cap = m.policies.zombie_disposal, m.firms, m.capacity
    rows = _regulated_operating(m)
    rows = rows[d.cut_sectors[f.sector[rows]]][:1]
    f.disposal_path[rows] = DisposalPath.MERGER
    f.disposal_due[rows] = m.month
    d.acquirers = lambda targets: (np.zeros(0, np.int64), np.zeros(0, np.int64))  # nobody takes it over
    q = cap.quota.copy()
    d.close_cases()
    assert f.state[rows[0]] == LifeCycle.EXITED
    np.testing.assert_allclose(cap.quota, q)


def test_replacement_holds_capacity_down_and_prices_up():
    """Mechanism: with the rule, the covered sectors add capacity only against retired capacity, so
    over 2018-2024 coal's and metallurgy's capital is lower and their price index higher than without
    it (averaged over the years: in a single year the gap can close when a sector's demand shrinks
    below what its licences allow, as coal's nearly does in 2024 in seed 0)."""
    runs = {}
    for on in (True, False):
        m = make_model(
            compose_params(
                "scenario=full_reform", "seed=0", "time.end=2024-12", f"capacity.replacement={str(on).lower()}"
            )
        ).run()
        sy = pd.concat([pd.DataFrame(d) for d in m.recorder.sector_years])
        runs[on] = (
            sy[sy.year.between(2018, 2024)].groupby("sector")[["capital", "price_index", "replacement_quota"]].mean()
        )
    for s in ("coal", "metallurgy"):
        assert runs[True].loc[s, "capital"] < 0.95 * runs[False].loc[s, "capital"], s
        assert runs[True].loc[s, "price_index"] > runs[False].loc[s, "price_index"], s
    assert runs[True].loc["coal", "replacement_quota"] >= 0
