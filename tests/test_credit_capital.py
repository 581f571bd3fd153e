"""The credit pool's rules, expansion plants through approval, and the firm-panel measures.

Mechanism tests: who the pool serves first and what an exit frees or destroys (Caballero,
Hoshi & Kashyap 2008: evergreen lending to zombies uses credit that healthy firms would get);
a firm whose demand outgrows its land files a new plant, which needs land in its block, a loan
and an approval, and is installed into the firm once built; the Hsieh-Klenow TFPR gap and the
Caballero-Hoshi-Kashyap regression recover known answers on synthetic panels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import compose_params, make_model
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis.firm_panel import chk_regression, zombie_productivity_gap
from sim.config.schema import CreditConfig
from sim.model.credit import CreditPool
from sim.model.firms import LifeCycle


# --------------------------------------------------------------------------- the pool's rules
def pool(outstanding=1000.0, headroom=0.1, **kw) -> CreditPool:
    return CreditPool(np.array([outstanding]), CreditConfig(headroom=headroom, **kw))


def test_rollover_is_served_before_investment():
    """Room 100: deficits of 80 are rolled over in full, then investment gets the 20 left, pro rata;
    deficits beyond the room are still rolled over (soft budget), leaving nothing for investment."""
    p = pool()
    zero = np.zeros(2, dtype=np.int64)
    lent = p.roll_over(zero, np.array([50.0, 30.0]))
    loans = p.grant(zero, np.array([30.0, 10.0]), "investment")
    np.testing.assert_allclose(lent, [50.0, 30.0])
    np.testing.assert_allclose(loans, [15.0, 5.0])
    assert p.outstanding[0] == pytest.approx(1100.0)
    ledger = p.take_month()
    assert ledger["lent_deficits"] == 80.0 and ledger["lent_investment"] == pytest.approx(20.0)
    assert ledger["investment_refused"] == pytest.approx(20.0)
    assert p.roll_over(zero, np.array([40.0, 0.0])).tolist() == [40.0, 0.0]
    assert p.outstanding[0] > p.limit[0]
    assert p.grant(zero, np.array([10.0, 10.0]), "investment").tolist() == [0.0, 0.0]


def test_new_plants_are_financed_first_come_first_served():
    p = pool(headroom=0.05)  # room 50
    ok = p.grant_in_order(np.zeros(3, dtype=np.int64), np.array([30.0, 30.0, 20.0]))
    assert ok.tolist() == [True, False, True]
    assert p.room[0] == pytest.approx(0.0)


def _in_order_plainly(room, pool, amount, budget):
    """The first-come-first-served rule written out in Python (the reference of the compiled pass)."""
    ok, lacking = np.zeros(amount.size, bool), np.zeros(amount.size, bool)
    room = room.copy()
    for j in range(amount.size):
        if budget is not None and budget[1][j] > 0.0 and budget[1][j] > budget[2][budget[0][j]]:
            lacking[j] = True
            continue
        if amount[j] <= room[pool[j]]:
            ok[j] = True
            room[pool[j]] -= amount[j]
            if budget is not None:
                budget[2][budget[0][j]] -= budget[1][j]
    return ok, lacking


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.floats(0, 80), st.integers(0, 1), st.floats(0, 60)), max_size=25),
    st.booleans(),
)
def test_new_plants_in_order_match_the_rule_written_out(requests, with_budget):
    """For any queue of requests over three pools (and a quota budget over two sectors), the
    compiled first-come-first-served pass grants, marks short and uses up exactly what the rule
    written out in Python does."""
    p = CreditPool(np.array([100.0, 50.0, 10.0]), CreditConfig(headroom=0.5))
    pool_ = np.array([r[0] for r in requests], dtype=np.int64)
    amount = np.array([r[1] for r in requests], dtype=float)
    key = np.array([r[2] for r in requests], dtype=np.int64)
    need = np.array([r[3] for r in requests], dtype=float)
    quota, quota_ref = np.array([70.0, 20.0]), np.array([70.0, 20.0])
    ok_ref, lacking_ref = _in_order_plainly(p.room, pool_, amount, (key, need, quota_ref) if with_budget else None)
    short = np.zeros(amount.size, bool)
    ok = p.grant_in_order(pool_, amount, "projects", (key, need, quota) if with_budget else None, short)
    np.testing.assert_array_equal(ok, ok_ref)
    np.testing.assert_array_equal(short, lacking_ref)
    np.testing.assert_array_equal(quota, quota_ref)


def test_an_exit_frees_its_loan_and_destroys_the_unrecovered_part():
    """Debt 200 on capital 100 at a 37% recovery rate: the loan (200) leaves the pool; 37 is
    recovered; the loss (163) is lending capacity destroyed (full absorption): room rises by 37."""
    p = pool(recovery_rate=0.37, loss_absorption=1.0)
    room = p.room[0]
    p.write_off(np.zeros(1, dtype=np.int64), np.array([200.0]), np.array([100.0]))
    assert p.outstanding[0] == pytest.approx(800.0)
    assert p.limit[0] == pytest.approx(1100.0 - 163.0)
    assert p.room[0] - room == pytest.approx(37.0)


def test_zombie_rollover_crowds_out_investment_in_the_model():
    """With no room to spare, the month's rolled-over deficits leave less for investment: the same
    model with the deficits' priority taken away (their requests set to zero) lends more for
    investment -- congestion through the pool, nothing else."""

    def month(drop_deficits: bool) -> float:
        m = make_model(compose_params("credit.headroom=0", "credit.growth=0", "seed=3"))
        if drop_deficits:
            roll = m.credit.roll_over
            m.credit.roll_over = lambda pool_, amount: roll(pool_, 0.0 * amount)
        for _ in range(6):
            m.step()
        return sum(r["credit_lent_investment"] for r in m.recorder.monthly)

    assert month(drop_deficits=True) > month(drop_deficits=False)


def test_the_start_carries_the_pipeline_its_investment_rule_keeps():
    """At set-up every firm has the capital under construction that a steady replacement keeps
    building (δ/12 a month of the capital it wants, for ``build_months``): a firm whose capital is
    the capital it wants (utilisation at set-up above the target) neither gains nor loses capital
    when its first month's completions are installed, and one with spare capacity runs down
    towards what it wants at once (no wait of a build time for the first completions)."""
    from sim.model.firms import install_capital

    for target, steady in ((0.5, True), (0.85, False)):
        m = make_model(
            compose_params("scenario=baseline", "seed=2", "time.end=2015-12", f"firms.target_utilisation={target}")
        )
        f, fp = m.firms, m.params.firms
        op = m._operating_rows()
        u0 = m.region.sectors.reset_index(drop=True)["initial_utilisation"].to_numpy()[f.sector[op]]
        wanted = f.capital[op] * np.minimum(1.0, u0 / target)
        np.testing.assert_allclose(f.capital_wip[op], fp.depreciation_rate / 12 * fp.build_months * wanted, rtol=1e-12)
        k0 = f.capital[op].copy()
        dep, done = install_capital(f, op, fp)
        assert done == pytest.approx(fp.depreciation_rate / 12 * wanted.sum(), rel=1e-12)
        if steady:
            np.testing.assert_allclose(f.capital[op], k0, rtol=1e-12)
        else:
            assert np.all(f.capital[op] < k0) and np.all(f.capital[op] > k0 * (1 - fp.depreciation_rate / 12))


# --------------------------------------------------------------------------- expansion plants
EXPAND = ("firms.plant_headroom=1.2", "firms.expansion_min_share=0.1", "credit.headroom=1", "time.end=2017-06")


def test_expansion_plants_go_through_approval_and_are_installed_into_their_firm():
    m = make_model(compose_params(*EXPAND, "seed=1"))
    f = m.firms
    installed = []
    install = m.install_expansions

    def spy(rows):
        parent = f.parent[rows].copy()
        alive = f.state[parent] == LifeCycle.OPERATING
        before = f.capital[parent].copy(), f.land[parent].copy(), f.capital[rows].copy(), f.land[rows].copy()
        out = install(rows)
        installed.append((rows, parent, alive, before, (f.capital[parent].copy(), f.land[parent].copy())))
        return out

    m.install_expansions = spy
    m.run()
    mon = pd.DataFrame(m.recorder.monthly)
    assert mon["expansions"].sum() > 0
    approvals = m.recorder.approvals_table()
    assert approvals["expansion"].sum() > 0  # they passed the approval pipeline
    done = [x for x in installed if x[0].size]
    assert done, "no plant was finished within the horizon"
    for rows, _parent, alive, (k_par, land_par, k_plant, land_plant), (k_after, land_after) in done:
        assert np.all(f.state[rows[alive]] == LifeCycle.MERGED)
        # each live parent got its plant's capital and land (parents are distinct: one plant at a time)
        np.testing.assert_allclose(k_after[alive] - k_par[alive], k_plant[alive], rtol=1e-9)
        np.testing.assert_allclose(land_after[alive] - land_par[alive], land_plant[alive], rtol=1e-9)
    merged = f.state == LifeCycle.MERGED
    assert np.all(f.capital[merged] == 0) and np.all(f.land[merged] == 0) and np.all(f.debt[merged] == 0)
    # plants are not entries: every entry is a project's (or an orphaned plant's) production start
    assert mon["entries"].sum() <= int((f.parent < 0).sum() - (f.entry_month == 0).sum() + merged.sum())


def test_an_expansion_needs_free_land_in_the_firms_block():
    """With every block full, only firms outside zones (county land) can build new plants."""
    m = make_model(compose_params(*EXPAND, "seed=1"))
    m.block_land[:] = 0.0  # no free land anywhere in the zones
    m.run()
    f = m.firms
    plants = f.parent >= 0
    assert pd.DataFrame(m.recorder.monthly)["expansions_without_land"].sum() > 0
    assert np.all(f.block[plants] == -1)


# --------------------------------------------------------------------------- firm-panel measures
def _panel(rng, n_firms=300, years=range(2010, 2020), sectors=4):
    rows = []
    for s in range(sectors):
        for y in years:
            z_share = rng.uniform(0.0, 0.4)
            for i in range(n_firms // sectors):
                key = s * 1000 + i
                zombie = rng.random() < z_share
                k = rng.lognormal(5, 0.5)
                rows.append(
                    {
                        "run": 0,
                        "year": y,
                        "key": key,
                        "sector": f"s{s}",
                        "zombie": zombie,
                        "capital": k,
                        "capital_start": k,
                        "revenue": k * rng.uniform(0.8, 1.2),
                        "variable_inputs": k * 0.7,
                        "employment": rng.lognormal(3, 0.1),
                        "log_productivity": rng.normal(-0.2 if zombie else 0.0, 0.05),
                        "investment": 0.0,
                        "age": 15.0,
                        "debt": k,
                        "price": 1.0,
                        "utilisation": 0.8,
                    }
                )
    return pd.DataFrame(rows)


def test_chk_regression_recovers_a_known_congestion_effect():
    """Healthy firms invest 0.15 - 0.2·Z (Z = their sector's zombie capital share last year),
    zombies 0.05: both specifications find a negative coefficient near the truth."""
    rng = np.random.default_rng(0)
    p = _panel(rng)
    zk = p.assign(zk=p["capital"] * p["zombie"]).groupby(["year", "sector"])[["zk", "capital"]].sum()
    share = (zk["zk"] / zk["capital"]).rename("z").reset_index()
    share["year"] += 1
    p = p.merge(share, on=["year", "sector"], how="left").fillna({"z": 0.2})
    rate = np.where(p["zombie"], 0.05, 0.15 - 0.2 * p["z"]) + rng.normal(0, 0.01, len(p))
    p["investment"] = rate * p["capital_start"]
    fits = chk_regression(p.drop(columns="z")).set_index(["specification", "outcome"])
    healthy = fits.loc[("healthy", "investment_rate")]
    assert healthy["ci_low"] < -0.2 < healthy["ci_high"]
    assert fits.loc[("interacted", "investment_rate"), "coefficient"] == pytest.approx(-0.2, abs=0.05)


def test_chk_regression_controls_for_the_firms_own_sales_growth():
    """No congestion at all, only a sector demand cycle: a slump (low demand in year t - 1) leaves more
    zombies at its end and is followed by a recovery, in which healthy firms' sales grow and they
    invest in proportion.  Without the published sales-growth control the cycle shows as a positive
    zombie-share coefficient; with it the healthy firms' coefficient is nil."""
    rng = np.random.default_rng(2)
    years = range(2005, 2020)
    p = _panel(rng, n_firms=400, years=years, sectors=8)
    demand = {(f"s{s}", y): rng.normal(0.0, 0.2) for s in range(8) for y in years}
    d = np.array([demand[(s, y)] for s, y in zip(p["sector"], p["year"])])
    # a slump makes zombies: the chance of the flag falls with the year's demand
    p["zombie"] = rng.random(len(p)) < np.clip(0.15 - 0.6 * d, 0.0, 0.9)
    # each firm keeps its capital; its return on capital says nothing of demand
    p["capital"] = p["capital_start"] = p.groupby("key")["capital"].transform("first")
    p["revenue"] = p["capital"] * np.exp(d)
    p["variable_inputs"] = p["revenue"] - p["capital"] * rng.uniform(0.2, 0.4, len(p))
    prev_d = np.array([demand.get((s, y - 1), 0.0) for s, y in zip(p["sector"], p["year"])])
    p["investment"] = (0.1 + 0.3 * (d - prev_d) + rng.normal(0, 0.01, len(p))) * p["capital_start"]
    fits = chk_regression(p).set_index(["specification", "outcome"])
    assert fits.loc[("healthy_without_sales_growth", "investment_rate"), "ci_low"] > 0
    healthy = fits.loc[("healthy", "investment_rate")]
    assert healthy["ci_low"] < 0 < healthy["ci_high"]
    assert abs(healthy["coefficient"]) < 0.02
    assert "sales_growth" in healthy["controls"]


def test_zombie_productivity_gap_is_measured_within_sectors():
    """Zombies' own productivity is 0.2 lower by construction; TFPR follows revenue per input."""
    rng = np.random.default_rng(1)
    p = _panel(rng, years=[2017])
    p.loc[p["zombie"], "revenue"] *= np.exp(-0.1)
    gap = zombie_productivity_gap(p, 2017, interest_rate=0.05, depreciation_rate=0.1)
    assert gap["gap_log_productivity"] == pytest.approx(-0.2, abs=0.02)
    assert gap["gap_log_tfpr"] == pytest.approx(-0.1, abs=0.05)
    assert gap["zombies"] == int(p["zombie"].sum())


def test_a_newcomer_customer_base_sells_its_planned_size_at_its_own_price():
    """Projects and plants whose firm has left get φ such that, at their monopolistic-competition
    price e^(-a) and today's demand shifter A, revenue A·φ·p^(1-σ) is their planned sales -- for
    any productivity (a regression: orphaned plants once got e^(+a(σ-1)))."""
    m = make_model(compose_params("seed=0", "time.end=2015-03"))
    m.step()
    sector = np.arange(len(m.sector_names))
    for a in (-0.3, 0.0, 0.4):
        size = np.full(sector.size, 1000.0)
        phi = m.customer_base(size, np.full(sector.size, a), sector)
        revenue = m.sector_shifter * phi * np.exp(-a) ** (1.0 - m.sigma)
        np.testing.assert_allclose(revenue, size, rtol=1e-12)
