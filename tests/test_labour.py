"""Labour markets (``sim.model.labour``): hiring, hoarding by firms kept alive by loans, and the
sectors' wages (Caballero, Hoshi & Kashyap 2008: zombies that do not shed workers hold wages up
for the healthy firms of their sector)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.schema import ModelConfig
from sim.model.firms import FirmTable, LifeCycle, book_month
from sim.model.labour import next_wage
from tests.conftest import compose_params, make_model

SIGMA = np.array([4.0, 6.0])
K_CAP = np.array([1.0, 0.8])


def one_firm_table(rescued_until: int) -> FirmTable:
    f = FirmTable(capacity=16)
    f.add(
        sector=np.array([0, 1]),
        state=LifeCycle.OPERATING,
        capital=np.array([1000.0, 1000.0]),
        plant_limit=np.array([1500.0, 1500.0]),
        overhead=np.array([10.0, 10.0]),
        debt=np.array([500.0, 500.0]),
        rescued_until=np.array([rescued_until, rescued_until]),
    )
    return f


def book(f: FirmTable, qty: float, wage: np.ndarray, p: ModelConfig, month: int) -> dict:
    idx = np.array([0, 1])
    a_eff = np.zeros(2)
    return book_month(
        f, idx, a_eff, np.ones(2), np.full(2, qty), np.full(2, 2 * qty), SIGMA, K_CAP, p.firms, wage, p.labour, month
    )


@pytest.mark.parametrize("rescued", [False, True])
def test_a_firm_kept_alive_by_loans_hoards_workers_and_pays_them(rescued):
    """Output halves: a firm paying its own way lets half its workers go at once; a firm whose
    deficits its bank rolled over keeps the surplus, letting it go at the rate ``hoarding_release``
    a year, and pays them."""
    p = ModelConfig()
    lab = p.labour
    f = one_firm_table(rescued_until=20 if rescued else 0)
    wage = np.array([1.0, 1.2])
    book(f, 120.0, wage, p, month=5)
    mc0 = (SIGMA - 1) / SIGMA
    need_full = lab.labour_share * mc0 * 120.0 / lab.annual_wage
    np.testing.assert_allclose(f.workers[:2], need_full, rtol=1e-12)
    var_before = f.var_input_year[:2].copy()
    book(f, 60.0, wage, p, month=6)
    kept = need_full / 2 + (np.exp(-lab.hoarding_release / 12) * need_full / 2 if rescued else 0.0)
    np.testing.assert_allclose(f.workers[:2], kept, rtol=1e-12)
    # variable inputs: materials at the start's prices plus the wage bill at the sector's wage
    var = (1 - lab.labour_share) * mc0 * 60.0 / 12 + wage * lab.annual_wage * kept / 12
    np.testing.assert_allclose(f.var_input_year[:2] - var_before, var, rtol=1e-12)
    np.testing.assert_allclose(f.workers_year[:2], (need_full + kept) / 12, rtol=1e-12)


def test_a_higher_wage_raises_marginal_cost_and_lowers_the_return_on_capacity():
    """The sector's wage scales its unit variable cost: the same firm at the same price earns less
    and wants no more capital at a higher wage."""
    p = ModelConfig()
    lo, hi = one_firm_table(0), one_firm_table(0)
    r_lo = book(lo, 100.0, np.array([1.0, 1.0]), p, 0)
    r_hi = book(hi, 100.0, np.array([1.5, 1.5]), p, 0)
    assert (hi.ebit_year[:2] < lo.ebit_year[:2]).all()
    assert (r_hi["internal"] + r_hi["loan"] <= r_lo["internal"] + r_lo["loan"] + 1e-12).all()


def test_the_wage_moves_towards_clearing_by_its_adjustment_step():
    """Demand 21% above supply at η = 0.5: the clearing wage is 1.21^(1/0.5) = 1.4641; with 12
    months to adjust, log w moves 1/12 of the way; sectors with no workers keep their wage."""
    w = next_wage(np.array([1.0, 1.0, 0.9]), np.array([121.0, 100.0, 0.0]), np.array([100.0, 100.0, 50.0]), 0.5, 12.0)
    assert w[0] == pytest.approx(np.exp(np.log(1.4641) / 12), rel=1e-12)
    assert w[1] == pytest.approx(1.0, rel=1e-12) and w[2] == 0.9


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.2, 5.0), st.floats(1.0, 1e6), st.floats(1.0, 1e6)), min_size=1, max_size=8),
    st.floats(0.1, 5.0),
    st.floats(1.0, 60.0),
)
def test_the_wage_never_overshoots_the_clearing_wage(cells, eta, months):
    """Property: the next wage lies between the current one and the clearing one, on the side of excess demand."""
    wage, workers, supply = (np.array(c) for c in zip(*cells))
    nxt = next_wage(wage, workers, supply, eta, months)
    clearing = (workers / supply) ** (1 / eta)
    lo, hi = np.minimum(wage, clearing), np.maximum(wage, clearing)
    assert (nxt >= lo * (1 - 1e-12)).all() and (nxt <= hi * (1 + 1e-12)).all()


def test_fixed_labour_market_keeps_every_wage_at_the_start():
    m = make_model(compose_params("seed=1", "time.end=2016-12", "labour.market=fixed")).run()
    assert (m.labour.wage == 1.0).all()
    assert np.isfinite(m.labour.workforce_start).all()


def test_hoarding_holds_the_wage_up_for_healthy_firms():
    """Mechanism: the same economy with firms kept alive by loans shedding their surplus workers
    fast (``hoarding_release`` = 12/year: about 63% of the surplus a month) has lower wages than
    with the default hoarding."""
    end = "time.end=2017-12"
    hoard = make_model(compose_params("seed=2", end))
    shed = make_model(compose_params("seed=2", end, "labour.hoarding_release=12"))
    wages = {"hoard": [], "shed": []}
    for name, m in (("hoard", hoard), ("shed", shed)):
        while m.running:
            m.step()
            wages[name].append(m.labour.wage.copy())
    assert np.mean(wages["hoard"]) > np.mean(wages["shed"])
    op = hoard._operating_rows()
    assert (hoard.firms.rescued_until[op] > hoard.month - 1).any()  # some firms are hoarding at the end
