"""Product markets, the credit pool and capital: accounting identities and mechanisms.

* Markets (:func:`sim.model.market.clear_markets`): at the root of every sector's price index
  ``P`` the firms' summed revenue is the sector's spending on Ningxia's producers ``E(P)`` (the
  Armington split at ``P``); no firm sells beyond its capacity ``e^ã·K/k``; a firm with spare
  capacity charges its monopolistic-competition price ``e^(-ã)``, a capacity-bound one rations
  demand by a higher price.  With elastic demand each firm's demand curve is its own.
* Model accounts, every month: sector revenue = sector spending; the credit pool's ledger
  (``outstanding' = outstanding + lent − repaid − written off``) and its loans = the debts of the
  firms that have not exited; lending never beyond the pool's room; capital
  ``K' = (1 − δ/12)·K + completions`` out of the capital under construction.
* Conservation (acceptance b): with elastic demand, unlimited credit and no productivity gap,
  closing a firm does not raise regional output; with CES demand the survivors gain — at once
  by quantity if they have spare capacity, by price if they are capacity-bound (their quantity
  rises only as their capital grows).
* The zombie flag never touches productivity (acceptance c).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import compose_params, make_model
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.model.firms import LifeCycle
from sim.model.market import clear_markets

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
MODEL_SETTINGS = settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- clear_markets
def armington_spending(price_index, s_local, s_out, theta, sigma_a, p_star):
    """Spending on Ningxia's producers at price index ``P``: local buyers split by the home share
    ``θ`` at elasticity ``σ_A``, outside buyers see Ningxia as a small supplier."""
    r = (price_index / p_star) ** (1.0 - sigma_a)
    return s_local * r / (theta * r + 1.0 - theta) + s_out * r


@st.composite
def sector_markets(draw, max_sectors=3, max_firms=8):
    """A random small economy: firms' rows (a shuffled subset of the table, so alignment with
    ``rows`` matters), sectors, productivity, capital (some tiny: capacity-bound), customer bases,
    and per-sector elasticities, home shares and spending (sometimes zero)."""
    n_sec = draw(st.integers(1, max_sectors))
    n = draw(st.integers(1, max_firms))
    fl = functools.partial(st.floats, allow_nan=False, allow_infinity=False)
    sector = np.array(draw(st.lists(st.integers(0, n_sec - 1), min_size=n, max_size=n)), dtype=np.int16)
    tiny = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    capital = np.where(
        tiny,
        draw(st.lists(fl(1e-9, 1e-2), min_size=n, max_size=n)),
        draw(st.lists(fl(0.1, 1e3), min_size=n, max_size=n)),
    )
    weight = np.array(draw(st.lists(fl(0.01, 10.0), min_size=n, max_size=n)))
    order = draw(st.permutations(range(n)))
    rows = np.array(order[: draw(st.integers(1, n))], dtype=np.int64)
    spend = st.one_of(st.just(0.0), fl(1e-6, 1e4))  # none, or a (possibly small) positive amount
    return dict(
        rows=rows,
        sector=sector,
        a_eff=np.array(draw(st.lists(fl(-1.0, 1.0), min_size=rows.size, max_size=rows.size))),
        capital=capital,
        weight=weight,
        n_sectors=n_sec,
        k_cap=np.array(draw(st.lists(fl(0.2, 5.0), min_size=n_sec, max_size=n_sec))),
        sigma=np.array(draw(st.lists(fl(1.5, 10.0), min_size=n_sec, max_size=n_sec))),
        sigma_a=np.array(draw(st.lists(fl(0.5, 8.0), min_size=n_sec, max_size=n_sec))),
        theta=np.array(draw(st.lists(fl(0.0, 0.999), min_size=n_sec, max_size=n_sec))),
        s_local=np.array(draw(st.lists(spend, min_size=n_sec, max_size=n_sec))),
        s_out=np.array(draw(st.lists(spend, min_size=n_sec, max_size=n_sec))),
        p_star=draw(fl(0.5, 2.0)),
    )


def clear(case, elastic=False, **changes):
    c = {**case, **changes}
    return clear_markets(
        c["rows"],
        c["sector"],
        c["a_eff"],
        c["capital"],
        c["weight"],
        c["n_sectors"],
        c["k_cap"],
        c["sigma"],
        c["sigma_a"],
        c["theta"],
        c["s_local"],
        c["s_out"],
        c["p_star"],
        elastic,
    )


def check_firms(case, price, qty, cap):
    """Capacity ``e^ã·K/k``; no sales beyond it; spare capacity ⇒ the price ``e^(-ã)``;
    capacity-bound ⇒ a price at least that."""
    sec = case["sector"][case["rows"]]
    np.testing.assert_allclose(
        cap, np.exp(case["a_eff"]) * case["capital"][case["rows"]] / case["k_cap"][sec], rtol=1e-13
    )
    assert np.all(qty >= 0.0)
    assert np.all(qty <= cap)
    p_u = np.exp(-case["a_eff"])
    spare = qty < cap
    np.testing.assert_allclose(price[spare], p_u[spare], rtol=1e-14)
    assert np.all(price[~spare] >= p_u[~spare] * (1.0 - 1e-14))


@PROPERTY_SETTINGS
@given(case=sector_markets())
def test_ces_market_revenue_is_the_armington_spending_at_the_price_index(case):
    """At the root of each sector's price index, Σ p·q = E returned = E(P) of the Armington split;
    P is the CES index of the prices charged; firms with spare capacity sell on the demand curve
    ``q = E·P^(σ-1)·φ·p^(-σ)``; capacity is never exceeded."""
    price, qty, cap, index, spend = clear(case)
    check_firms(case, price, qty, cap)
    sec = case["sector"][case["rows"]]
    for s in np.unique(sec):
        j = sec == s
        revenue = float(np.sum(price[j] * qty[j]))
        np.testing.assert_allclose(revenue, spend[s], rtol=1e-8, atol=0.0)
        if not np.isfinite(index[s]):  # no sales: no spending on Ningxia's producers
            assert spend[s] == 0.0 and np.all(qty[j] == 0.0)
            assert case["s_local"][s] + case["s_out"][s] == 0.0
            continue
        sig = case["sigma"][s]
        e_at_p = armington_spending(
            index[s], case["s_local"][s], case["s_out"][s], case["theta"][s], case["sigma_a"][s], case["p_star"]
        )
        np.testing.assert_allclose(spend[s], e_at_p, rtol=1e-8)
        w = case["weight"][case["rows"]][j]
        np.testing.assert_allclose(index[s], np.sum(w * price[j] ** (1.0 - sig)) ** (1.0 / (1.0 - sig)), rtol=1e-10)
        spare = qty[j] < cap[j]
        demand = spend[s] * index[s] ** (sig - 1.0) * w * price[j] ** (-sig)
        np.testing.assert_allclose(qty[j][spare], demand[spare], rtol=1e-8)
        assert np.all(demand[~spare] >= cap[j][~spare] * (1.0 - 1e-8))  # bound: demand at e^(-ã) exceeds it


@PROPERTY_SETTINGS
@given(case=sector_markets(), drop=st.integers(0, 100))
def test_elastic_demand_each_firm_faces_its_own_curve(case, drop):
    """``demand = elastic``: revenue is the returned spending, and a firm's quantity does not
    depend on which other Ningxia firms sell (dropping one leaves the others' unchanged)."""
    price, qty, cap, index, spend = clear(case, elastic=True)
    check_firms(case, price, qty, cap)
    sec = case["sector"][case["rows"]]
    for s in np.unique(sec):
        j = sec == s
        np.testing.assert_allclose(np.sum(price[j] * qty[j]), spend[s], rtol=1e-8, atol=0.0)
    k = drop % case["rows"].size
    keep = np.arange(case["rows"].size) != k
    price2, qty2, _, _, _ = clear(case, elastic=True, rows=case["rows"][keep], a_eff=case["a_eff"][keep])
    np.testing.assert_allclose(qty2, qty[keep], rtol=1e-14, atol=0.0)
    np.testing.assert_allclose(price2, price[keep], rtol=1e-14, atol=0.0)


@PROPERTY_SETTINGS
@given(case=sector_markets(max_sectors=1), drop=st.integers(0, 100))
def test_ces_survivors_gain_when_a_variety_leaves(case, drop):
    """CES with ``σ_A ≤ σ`` (Ningxia's varieties closer substitutes for each other than for the
    rest of China's): when a firm leaves, the price index rises and so does the demand shifter
    ``A = E(P)·P^(σ-1)`` (d log A / d log P ≥ σ − σ_A ≥ 0).  So no survivor sells less, and no
    survivor's price falls."""
    assume(case["sigma_a"][0] <= case["sigma"][0])
    assume(case["rows"].size >= 2)
    price, qty, cap, index, spend = clear(case)
    k = drop % case["rows"].size
    keep = np.arange(case["rows"].size) != k
    price2, qty2, cap2, index2, spend2 = clear(case, rows=case["rows"][keep], a_eff=case["a_eff"][keep])
    if np.isfinite(index[0]):
        assert index2[0] >= index[0] * (1.0 - 1e-12)
    assert np.all(qty2 >= qty[keep] * (1.0 - 1e-9))
    assert np.all(price2 >= price[keep] * (1.0 - 1e-12))


def test_ces_removal_raises_spare_survivors_quantity_and_bound_survivors_price():
    """A hand-built coal-like market (σ = 5, σ_A = 3): closing firm 3 raises the price index;
    firms 0 and 2, with spare capacity, sell more at once at an unchanged price; firm 1, bound
    by its capacity, sells the same quantity (its capacity) at a higher price."""
    case = dict(
        rows=np.arange(4),
        sector=np.zeros(4, dtype=np.int16),
        a_eff=np.array([0.0, 0.1, -0.1, 0.05]),
        capital=np.array([5000.0, 60.0, 5000.0, 5000.0]),
        weight=np.array([1.0, 1.0, 0.5, 1.0]),
        n_sectors=1,
        k_cap=np.array([0.6]),
        sigma=np.array([5.0]),
        sigma_a=np.array([3.0]),
        theta=np.array([0.8]),
        s_local=np.array([700.0]),
        s_out=np.array([300.0]),
        p_star=1.0,
    )
    price, qty, cap, index, spend = clear(case)
    price2, qty2, cap2, index2, spend2 = clear(case, rows=np.arange(3), a_eff=case["a_eff"][:3])
    assert qty[0] < cap[0] and qty[2] < cap[2] and qty[1] == cap[1]  # the set-up: 0, 2 spare; 1 bound
    assert qty2[0] < cap2[0] and qty2[2] < cap2[2] and qty2[1] == cap2[1]
    assert index2[0] > index[0]
    assert spend2[0] < spend[0]  # buyers turn to the rest of China's varieties
    # spare capacity: more sold, same price e^(-ã)
    assert qty2[0] > qty[0] and qty2[2] > qty[2]
    np.testing.assert_allclose(price2[[0, 2]], price[[0, 2]], rtol=1e-15)
    # capacity-bound: same quantity, higher price
    assert qty2[1] == qty[1] == cap[1]
    assert price2[1] > price[1]


# --------------------------------------------------------------------------- monthly accounts
ACCOUNT_CONFIGS = [
    ("seed=1",),
    ("seed=2", "credit.headroom=0", "credit.growth=0"),  # a tight pool: projects and investment refused
    ("seed=3", "credit.scope=county"),  # one pool per county
    ("seed=4", "credit.headroom=0", "credit.growth=-0.5"),  # a shrinking pool: rollovers still lent
    ("seed=5", "market.demand=elastic"),
    # a disposal campaign inside the 24 months, one pool per county: restructuring haircuts, takeovers
    # (debts assumed across pools) and liquidations
    (
        "seed=6",
        "credit.scope=county",
        "policy/zombie_disposal=ningxia",
        "policy.zombie_disposal.start=2015-04",
        "policy.zombie_disposal.end=2016-06",
        "policy.zombie_disposal.liquidation_months=9",
        "policy.zombie_disposal.merger_months=6",
        "policy.zombie_disposal.restructuring_months=3",
    ),
]


def _record_investment_year(model, store: dict):
    """Keep each month's ``investment_year`` as recorded (before the December reset)."""
    record = model.recorder.record_month

    def wrapped():
        store["investment_year"] = model.firms.investment_year.copy()
        record()

    model.recorder.record_month = wrapped


@pytest.mark.parametrize("overrides", ACCOUNT_CONFIGS, ids=lambda o: ",".join(o))
def test_monthly_market_credit_and_capital_accounts(overrides):
    """Every month of a 24-month run:

    * market: each sector's revenue (Σ 12·output of the firms that sold this month — operating
      now, or exited this month) is the market's spending ``E``; operating firms never sell
      beyond capacity;
    * credit ledger: outstanding after = before + lent (deficits, projects, investment) − repaid
      − written off; each pool's loans = the debts of its firms that have not exited; deficits
      are always rolled over, even beyond the pool's capacity (soft budget constraint), and a
      pool over its capacity lends nothing new;
    * capital of firms operating the whole month: ``ΣK' = ΣK·(1 − δ/12) + completions``, the
      completions being the capital that left construction: ``Σ(W + I − W')``.
    """
    p = compose_params("scenario=baseline", "time.end=2016-12", *overrides)
    m = make_model(p)
    f = m.firms
    delta_m = p.firms.depreciation_rate / 12.0
    single_pool = p.credit.scope == "region"
    seen = {"over": 0, "rolled": 0.0}
    store: dict = {}
    _record_investment_year(m, store)
    plants: list = []
    install = m.install_expansions

    def install_seen(rows):  # firms whose new plant is installed this month gain its capital too
        plants.append(m.firms.parent[rows].copy())
        return install(rows)

    m.install_expansions = install_seen
    for _ in range(m.calendar.n_months):
        out_before = m.credit.outstanding.copy()
        limit_before = m.credit.limit.copy()
        op_before = m._operating_rows().copy()
        k_before, w_before = f.capital[op_before].copy(), f.capital_wip[op_before].copy()
        i_before = f.investment_year[op_before].copy()
        month = m.month
        m.step()
        f = m.firms
        ctx = f"{overrides} month {month}"
        row = m.recorder.monthly[-1]
        op = m._operating_rows()
        # -- market
        sold = np.flatnonzero(
            (f.state == LifeCycle.OPERATING) | ((f.state == LifeCycle.EXITED) & (f.exit_month == month))
        )
        revenue = np.bincount(f.sector[sold], weights=12.0 * f.output[sold], minlength=m.sigma.size)
        np.testing.assert_allclose(revenue, m.sector_spending, rtol=1e-8, atol=0.0, err_msg=ctx)
        assert np.all(f.quantity[op] <= f.capacity[op]), ctx
        # -- credit ledger
        flows = (
            row["credit_lent_deficits"]
            + row["credit_lent_projects"]
            + row["credit_lent_investment"]
            + row["credit_lent_expansions"]
        )
        expected = out_before.sum() + flows - row["credit_repaid"] - row["credit_written_off"]
        scale = out_before.sum()
        assert abs(m.credit.outstanding.sum() - expected) <= 1e-9 * scale, ctx
        assert row["credit_outstanding"] == pytest.approx(m.credit.outstanding.sum(), rel=1e-12), ctx
        held = f.state != LifeCycle.EXITED
        debts = np.bincount(f.credit_pool[held], weights=f.debt[held], minlength=m.credit.outstanding.size)
        np.testing.assert_allclose(m.credit.outstanding, debts, rtol=1e-9, atol=1e-9 * scale, err_msg=ctx)
        if single_pool and (
            out_before.sum() - row["credit_repaid"] + row["credit_lent_deficits"] >= limit_before.sum() * (1.0 + 1e-9)
        ):
            # over capacity once repayments are in and deficits rolled over: no room for new loans
            seen["over"] += 1
            assert row["credit_lent_investment"] + row["credit_lent_expansions"] <= 1e-9 * scale, ctx
            seen["rolled"] += row["credit_lent_deficits"]
        # -- capital
        got_plant = np.concatenate(plants) if plants else np.zeros(0, dtype=np.int64)
        plants.clear()
        taken_over = (f.state == LifeCycle.MERGED) & (f.acquired_by >= 0) & (f.disposal_due == month)
        got_plant = np.union1d(got_plant, f.acquired_by[taken_over])  # acquirers: a plant taken over
        whole = (f.state[op_before] == LifeCycle.OPERATING) & ~np.isin(op_before, got_plant)
        rows = op_before[whole]
        invest = store["investment_year"][rows] - i_before[whole]
        assert np.all(invest >= 0.0), ctx
        completions = w_before[whole] + invest - f.capital_wip[rows]
        assert np.all(completions >= -1e-9 * (1.0 + w_before[whole])), ctx
        np.testing.assert_allclose(
            f.capital[rows].sum(), k_before[whole].sum() * (1.0 - delta_m) + completions.sum(), rtol=1e-12, err_msg=ctx
        )
        # the monthly table's capital stocks are the operating firms'
        assert row["capital"] == pytest.approx(f.capital[op].sum(), rel=1e-12)
        assert row["capital_building"] == pytest.approx(f.capital_wip[op].sum(), rel=1e-12)
    if p.credit.growth < 0:  # the shrinking pool went over capacity and kept rolling deficits over
        assert seen["over"] > 0 and seen["rolled"] > 0


# --------------------------------------------------------------------------- conservation (acceptance b)
CONSERVATION = (
    "market.demand=elastic",
    "labour.market=fixed",
    "credit.headroom=1000",
    "firms.productivity_sd=0",
    "firms.initial_productivity_sd=0",
    "investment.project_quality_sd=0",
)
#: no entry (no arrivals, no projects under construction at the start): incumbents only
NO_ENTRY = ("investment.arrival_scale=0", "investment.pipeline_months=0")
N_MONTHS = 24


def close_firm(model, row: int) -> None:
    """Close the firm at ``row`` before the first month, writing its debt off the pool."""
    f = model.firms
    r = np.array([row])
    model.credit.write_off(f.credit_pool[r], f.debt[r], f.capital[r] + f.capital_wip[r])
    f.set_state(row, LifeCycle.EXITED)
    f.exit_month[row] = -1


def output_path(model, months: int) -> np.ndarray:
    """Regional output (Σ output of the operating firms, 万 yuan/month) after each of ``months`` steps."""
    out = []
    for _ in range(months):
        model.step()
        out.append(model.firms.output[model._operating_rows()].sum())
    return np.array(out)


@functools.cache
def untouched_output(overrides: tuple[str, ...]) -> np.ndarray:
    return output_path(make_model(compose_params(*overrides)), N_MONTHS)


@MODEL_SETTINGS
@given(seed=st.sampled_from([0, 1, 2]), pick=st.floats(0.0, 1.0, exclude_max=True))
def test_closing_a_firm_never_raises_output_under_elastic_demand(seed, pick):
    """Acceptance (b), incumbents: each firm's demand curve is its own (elastic demand), credit
    never binds, wages never move (perfectly elastic labour supply: a closed zombie's workers
    would otherwise lower its sector's wage) and productivity is the same everywhere, so a closure
    moves no sales to anyone else: regional output with the firm closed never exceeds output without, in any month.

    Entry is off: with it, a closure frees land and same-sector neighbours, so later projects
    may locate elsewhere (other agglomeration, other approval offices and queues) and start
    sooner or later -- land recycling and location choice, mechanisms of their own, not sales
    taken from the closed firm."""
    overrides = (f"seed={seed}", "time.end=2016-12", *CONSERVATION, *NO_ENTRY)
    base = untouched_output(overrides)
    m = make_model(compose_params(*overrides))
    op = m._operating_rows()
    close_firm(m, int(op[int(pick * op.size)]))
    closed = output_path(m, N_MONTHS)
    assert np.all(closed <= base * (1.0 + 1e-9)), (closed / base - 1.0).max()
    assert closed[0] < base[0]  # the closed firm's sales are lost at once


def test_ces_capacity_bound_survivor_grows_only_with_its_capital():
    """CES demand, credit unlimited, productivity 0 everywhere (so capacity = K/k).  Five coal
    firms are given a large customer base, so they are capacity-bound; a sixth coal firm closes in
    one of two twin models.  At once the bound survivors sell the same quantity in both (their
    capacity) at a higher price in the twin with the closure.  In every month each sells at most its
    capacity ``K/k`` (K installed when the month's market clears), and its quantity rises only in
    months its capital has grown, through its investment being installed (or a new plant)."""
    p = compose_params(
        "scenario=baseline",
        "seed=3",
        "time.end=2016-12",
        "market.demand=ces",
        "credit.headroom=1000",
        "firms.productivity_sd=0",
        "firms.initial_productivity_sd=0",
        "investment.project_quality_sd=0",
        "firms.agglomeration_elasticity=0",
    )
    base, twin = make_model(p), make_model(p)
    coal = base.sector_names.index("coal")
    assert base.sigma_a[coal] < base.sigma[coal]
    rows = base._operating_rows()
    rows = rows[base.firms.sector[rows] == coal]
    gone, watch = int(rows[0]), rows[1:6]
    for m in (base, twin):
        m.firms.demand_weight[watch] *= 3.0
    close_firm(twin, gone)
    k = twin.k_cap[coal]
    hist = {key: [] for key in ("q", "cap", "k_market", "wip", "price", "q_base", "price_base", "state")}
    produce = twin._produce

    def produce_seen():  # installed capital when the month's market clears (after any new plant)
        hist["k_market"].append(twin.firms.capital[watch].copy())
        produce()

    twin._produce = produce_seen
    for _ in range(base.calendar.n_months):
        base.step()
        twin.step()
        hist["q"].append(twin.firms.quantity[watch].copy())
        hist["cap"].append(twin.firms.capacity[watch].copy())
        hist["price"].append(twin.firms.price[watch].copy())
        hist["state"].append(twin.firms.state[watch].copy())
        hist["wip"].append(twin.firms.capital_wip[watch].copy())
        hist["q_base"].append(base.firms.quantity[watch].copy())
        hist["price_base"].append(base.firms.price[watch].copy())
    h = {key: np.array(v) for key, v in hist.items()}
    alive = np.all(h["state"] == LifeCycle.OPERATING, axis=0)
    assert alive.any()
    q, cap, k_market = h["q"][:, alive], h["cap"][:, alive], h["k_market"][:, alive]
    # at once: bound in both twins, same quantity, higher price with the closure
    assert np.all(h["q_base"][0, alive] == h["q"][0, alive])
    assert np.all(h["price"][0, alive] > h["price_base"][0, alive])
    # every month: quantity <= capacity = e^ã·K/k with ã = 0, and bound
    np.testing.assert_allclose(cap, k_market / k, rtol=1e-12)
    assert np.all(q <= cap)
    np.testing.assert_array_equal(q, cap)
    # quantity rises only when installed capital has grown
    up = q[1:] > q[:-1]
    assert np.all(k_market[1:][up] > k_market[:-1][up])
    assert up.any()  # ... and it does rise, through investment installed
    assert np.all(h["wip"][:, alive] > 0.0)  # capital paid for and being installed, every month


# --------------------------------------------------------------------------- acceptance (c)
def _key_rows(model, rows):
    """Key → row of the firms among ``rows`` whose key is on no other row of the table: a firm's
    expansion plant carries the firm's key, and outlives it as a firm of its own if the firm exits
    before the plant is finished (its productivity then depends on when that happened)."""
    keys, counts = np.unique(model.firms.key, return_counts=True)
    rows = rows[np.isin(model.firms.key[rows], keys[counts == 1])]
    return dict(zip(model.firms.key[rows].tolist(), rows.tolist()))


def test_zombie_definition_never_changes_productivity():
    """Acceptance (c): two runs differing only in the zombie definition (OECD vs China 2016) flag
    different firms and lose different firms, but a firm operating in both, from the same month,
    has the same log productivity: the AR(1) reads only the firm's own random key stream."""
    models = []
    for definition in ("oecd", "china2016"):
        m = make_model(
            compose_params("scenario=baseline", "seed=4", "time.end=2017-12", f"zombie.definition={definition}")
        )
        m.run()
        models.append(m)
    a, b = models
    ka, kb = _key_rows(a, a._operating_rows()), _key_rows(b, b._operating_rows())
    common = sorted(set(ka) & set(kb))
    ra, rb = np.array([ka[k] for k in common]), np.array([kb[k] for k in common])
    assert not np.array_equal(a.firms.zombie[ra], b.firms.zombie[rb])  # the definitions do differ
    same_start = a.firms.entry_month[ra] == b.firms.entry_month[rb]
    assert same_start.mean() > 0.95
    np.testing.assert_array_equal(a.firms.log_prod[ra][same_start], b.firms.log_prod[rb][same_start])
    assert np.unique(a.firms.log_prod[ra]).size > 0.9 * ra.size  # productivity does move


def test_setting_the_zombie_flag_leaves_next_months_productivity_alone():
    """Flagging every firm a zombie mid-run changes exits, not productivity: next month each
    firm operating in both twins has the same log productivity as in the untouched twin."""
    p = compose_params("scenario=baseline", "seed=5", "time.end=2016-12")
    a, b = make_model(p), make_model(p)
    for _ in range(14):
        a.step()
        b.step()
    b.firms.zombie[:] = True
    a.step()
    b.step()
    ka, kb = _key_rows(a, a._operating_rows()), _key_rows(b, b._operating_rows())
    common = sorted(set(ka) & set(kb))
    assert len(common) > 0.9 * len(ka)
    ra, rb = np.array([ka[k] for k in common]), np.array([kb[k] for k in common])
    np.testing.assert_array_equal(a.firms.log_prod[ra], b.firms.log_prod[rb])
