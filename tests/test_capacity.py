"""Capacity cuts (去产能) and capacity replacement (产能置换), :mod:`sim.model.capacity`.

The disposal campaign closes listed firms of the sectors under capacity cuts (coal, metallurgy)
on their own path; from its start those sectors add capacity only against quota from capacity
retired in the region.  Tests: the rule comes into force at the campaign start and not before,
licences bind every month, quota is conserved by its flows, each flow (exit, cut, project,
plant, takeover, withdrawal) moves it as the rule says, quota goes to the most productive firms,
and the rule moves the sectors' capital and prices the way its mechanism says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import compose_params, make_model

from sim.model.firms import LAND_HOLDING, DisposalPath, LifeCycle

#: a campaign listing in 2015-07 with cases closing within a year, in a short run
CAMPAIGN = ("scenario=baseline", "policy/zombie_disposal=ningxia", "policy.zombie_disposal.start=2015-07",
            "policy.zombie_disposal.end=2016-06", "policy.zombie_disposal.liquidation_months=9",
            "policy.zombie_disposal.merger_months=6", "policy.zombie_disposal.restructuring_months=3",
            "policy.zombie_disposal.capacity_cut_months=5", "policy.zombie_disposal.relet_months=4")
TOL = 1e-6  # 万 yuan


def _regulated_sectors(m) -> set[str]:
    return {s for s, r in zip(m.sector_names, m.capacity.regulated) if r}


@pytest.fixture(scope="module")
def stepped():
    """A campaign run to 2017-12, month by month, with what the rule needs checking kept."""
    m = make_model(compose_params(*CAMPAIGN, "seed=2", "time.end=2017-12"))
    cap = m.capacity
    h = {"quota": [], "added": [], "granted": [], "over": [], "licensed_at_start": None}
    while m.running:
        before = cap.quota.sum()
        start_month = m.month == cap.start
        m.step()
        if start_month:
            h["start_state"] = m.firms.state.copy()
        h["quota"].append((before, cap.quota.sum()))
        rec = m.recorder.monthly[-1]
        h["added"].append(rec["capacity_quota_added"])
        h["granted"].append(rec["capacity_quota_granted"])
        f = m.firms
        reg = np.isfinite(f.licence) & np.isin(f.state, LAND_HOLDING)
        h["over"].append(float(np.max(f.capital[reg] + f.capital_wip[reg] - f.licence[reg], initial=0.0)))
    return m, h


def test_coal_and_metallurgy_are_the_sectors_under_capacity_cuts():
    m = make_model(compose_params("scenario=baseline", "seed=0", "time.end=2015-02"))
    assert _regulated_sectors(m) == {"coal", "metallurgy"}


def test_the_rule_binds_from_the_campaign_start_and_never_without_it():
    """Before the campaign no firm holds a licence and no proposal is refused; in the baseline the
    rule never binds, so its records stay zero all run."""
    m = make_model(compose_params(*CAMPAIGN, "seed=1", "time.end=2015-08"))
    while m.month < m.capacity.start:
        assert not m.capacity.in_force and np.all(np.isinf(m.firms.licence))
        m.step()
    m.step()  # the start month: every land-holding firm of the regulated sectors licensed at its capital
    f = m.firms
    reg = m.capacity.regulated[f.sector]
    held = np.isin(f.state, LAND_HOLDING)
    assert np.all(np.isfinite(f.licence[held & reg])) and np.all(np.isinf(f.licence[~reg]))
    base = make_model(compose_params("scenario=baseline", "seed=1", "time.end=2016-12")).run()
    mo = pd.DataFrame(base.recorder.monthly)
    for col in ("capacity_quota", "capacity_quota_added", "capacity_quota_granted", "projects_refused_quota",
                "expansions_refused_quota"):
        assert (mo[col] == 0).all(), col
    assert np.all(np.isinf(base.firms.licence))


def test_licences_bind_every_month(stepped):
    """A regulated firm's capital, installed and under construction, never exceeds its licence."""
    m, h = stepped
    assert max(h["over"]) <= TOL


def test_quota_is_conserved_by_its_flows(stepped):
    """Each month the sectors' quota changes by exactly what was created (retired capacity ÷ the
    ratio, licences given back) less what was granted; it is never negative."""
    m, h = stepped
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
    reg = m.capacity.regulated[f.sector[listed]]
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
    """A model at the campaign start with the rule in force (nothing else stepped)."""
    extra = [f"policy.zombie_disposal.{k}={v}" for k, v in over.items()]
    m = make_model(compose_params(*CAMPAIGN, f"seed={seed}", "time.end=2016-12", *extra))
    while m.month < m.capacity.start:
        m.step()
    m.capacity.come_into_force()
    return m


def _regulated_operating(m):
    f = m.firms
    return np.flatnonzero((f.state == LifeCycle.OPERATING) & m.capacity.regulated[f.sector])


def test_an_exit_makes_quota_and_a_cut_makes_only_its_share():
    m = _in_force(cut_quota_share=0.4)
    f, cap, ratio = m.firms, m.capacity, m.params.policy.zombie_disposal.replacement_ratio
    a, b = _regulated_operating(m)[:2]
    k_a, k_b = f.capital[a] + f.capital_wip[a], f.capital[b] + f.capital_wip[b]
    s_a, s_b = f.sector[a], f.sector[b]
    q = cap.quota.copy()
    m.close_firms(np.array([a]))  # insolvency or liquidation: all of it, at the ratio
    assert cap.quota[s_a] - q[s_a] == pytest.approx(k_a / ratio)
    q = cap.quota.copy()
    m.close_firms(np.array([b]), replaceable=m.params.policy.zombie_disposal.cut_quota_share)
    assert cap.quota[s_b] - q[s_b] == pytest.approx(0.4 * k_b / ratio)
    other = np.flatnonzero((f.state == LifeCycle.OPERATING) & ~cap.regulated[f.sector])[:3]
    q = cap.quota.copy()
    m.close_firms(other)  # unregulated sectors: no quota
    np.testing.assert_array_equal(cap.quota, q)


def test_proposals_need_quota_for_their_whole_capital():
    """New projects and plants in a regulated sector go ahead only with quota for all their
    capital, in order; unregulated ones need none; a refund puts it back."""
    m = _in_force()
    cap = m.capacity
    coal = m.sector_names.index("coal")
    light = m.sector_names.index("light_textile")
    cap.quota[:] = 0.0
    cap.quota[coal] = 100.0
    ok = cap.grant(np.array([coal, coal, light, coal]), np.array([60.0, 60.0, 1e9, 40.0]))
    np.testing.assert_array_equal(ok, [True, False, True, True])
    assert cap.quota[coal] == pytest.approx(0.0)
    cap.refund(np.array([coal, light]), np.array([40.0, 5.0]))
    assert cap.quota[coal] == pytest.approx(40.0) and cap.quota[light] == 0.0


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
    projects = np.flatnonzero((f.state == LifeCycle.IN_APPROVAL) & cap.regulated[f.sector])
    if projects.size == 0:
        pytest.skip("no regulated project in approval at the start month")
    p = projects[:1]
    q = cap.quota[f.sector[p[0]]]
    lic = f.licence[p[0]]
    m.withdraw_projects(p)
    assert cap.quota[f.sector[p[0]]] == pytest.approx(q + lic)


def test_replacement_holds_capacity_down_and_prices_up():
    """Mechanism: with the rule, coal and metallurgy add capacity only against retired capacity at
    1.25:1, so by 2024 their capital is lower and their price index higher than in the same
    campaign without it; sectors not under cuts are not held back that way."""
    runs = {}
    for on in (True, False):
        m = make_model(compose_params("scenario=full_reform", "seed=0", "time.end=2024-12",
                                      f"policy.zombie_disposal.capacity_replacement={str(on).lower()}")).run()
        sy = pd.concat([pd.DataFrame(d) for d in m.recorder.sector_years])
        runs[on] = sy[sy.year == 2024].set_index("sector")
    for s in ("coal", "metallurgy"):
        assert runs[True].loc[s, "capital"] < 0.95 * runs[False].loc[s, "capital"], s
        assert runs[True].loc[s, "price_index"] > runs[False].loc[s, "price_index"], s
    assert runs[True].loc["coal", "replacement_quota"] >= 0
