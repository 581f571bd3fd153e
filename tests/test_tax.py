"""Taxes (``sim.model.tax``): VAT on value added with input VAT carried forward, surcharges and
resource tax before EBIT, income tax prepaid on the year's profit with losses carried forward,
the local governments' shares, and the national VAT cuts of 2018 and 2019."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.schema import ModelConfig, TaxConfig
from sim.config.validate import ConfigError
from sim.model.calendar import Calendar
from sim.model.firms import FirmTable, LifeCycle, book_month
from sim.model.tax import CARRY_FIELDS, close_tax_year, local_vat_shares, monthly_tax_array, vat_rates
from tests.conftest import compose_params, make_model

SIGMA = np.array([5.0])
K_CAP = np.array([1.0])
TAX = TaxConfig()


def firm(n: int = 1, **cols) -> FirmTable:
    f = FirmTable(capacity=16)
    base = dict(
        sector=np.zeros(n, int),
        state=LifeCycle.OPERATING,
        capital=np.full(n, 1000.0),
        plant_limit=np.full(n, 1000.0),
        overhead=np.full(n, 120.0),
        debt=np.zeros(n),
    )
    base.update(cols)
    f.add(**base)
    return f


def month(f: FirmTable, qty, a_eff=0.0, vat=0.17, resource=0.0, p=None):
    p = p or ModelConfig()
    n = f.n
    book_month(
        f,
        np.arange(n),
        np.full(n, a_eff),
        np.exp(-np.full(n, a_eff)),
        np.full(n, float(qty)),
        np.full(n, 2.0 * qty),
        SIGMA,
        K_CAP,
        p.firms,
        None,
        p.labour,
        0,
        monthly_tax_array(TAX, vat),
        np.array([resource]),
    )


def test_vat_rate_follows_the_national_cuts():
    cal = Calendar.from_config(ModelConfig().time)
    r = vat_rates(cal, TAX)
    assert r[cal.index("2018-04")] == 0.17 and r[cal.index("2018-05")] == 0.16
    assert r[cal.index("2019-03")] == 0.16 and r[cal.index("2019-04")] == 0.13 and r[-1] == 0.13
    assert r[0] == 0.17
    share = local_vat_shares(cal, TAX)
    assert share[cal.index("2016-04")] == 0.25 and share[cal.index("2016-05")] == 0.5 and share[-1] == 0.5


def test_vat_is_charged_on_value_added_and_input_credit_is_carried_forward():
    """Revenue 100 a month (1200 units at price 1), materials 0.85·0.8·100 = 68, overhead 10: VAT
    17% × 22 = 3.74 a month; a credit of 10 (investment's input VAT) covers two months and 1.22
    of the third month's VAT is left to pay (with its 12% surcharges)."""
    f = firm(vat_credit=np.array([10.0]))
    month(f, 1200.0)
    assert f.vat_credit[0] == pytest.approx(10.0 - 3.74, rel=1e-12)
    assert f.tax_year[0] == pytest.approx(f.income_tax_year[0], abs=1e-12)  # no VAT paid, no surcharges
    month(f, 1200.0)
    assert f.vat_credit[0] == pytest.approx(10.0 - 2 * 3.74, rel=1e-12)
    month(f, 1200.0)
    assert f.vat_credit[0] == 0.0
    assert f.tax_year[0] - f.income_tax_year[0] == pytest.approx(1.12 * (3 * 3.74 - 10.0), rel=1e-12)


def test_surcharges_and_resource_tax_lower_ebit_income_tax_does_not():
    plain, coal = firm(overhead=np.array([0.0])), firm(overhead=np.array([0.0]))  # both profitable
    month(plain, 1200.0)
    month(coal, 1200.0, resource=0.06)
    assert plain.ebit_year[0] - coal.ebit_year[0] == pytest.approx(6.0, rel=1e-12)  # 6% of 100
    # the resource tax is paid, and lowers the income tax by the income-tax rate on it
    assert coal.tax_year[0] - plain.tax_year[0] == pytest.approx(6.0 * (1 - 0.15), rel=1e-9)
    assert plain.income_tax_year[0] - coal.income_tax_year[0] == pytest.approx(0.15 * 6.0, rel=1e-9)


def test_higher_margins_at_the_same_output_raise_tax():
    """Acceptance (c): the same revenue at lower costs (higher productivity, the price and sales
    held) leaves more value added and profit, so more VAT and income tax."""
    lo, hi = firm(), firm()
    p = ModelConfig()
    for f, a in ((lo, 0.0), (hi, 0.1)):
        book_month(
            f,
            np.array([0]),
            np.array([a]),
            np.array([1.0]),
            np.array([1200.0]),
            np.array([2400.0]),
            SIGMA,
            K_CAP,
            p.firms,
            None,
            None,
            0,
            monthly_tax_array(TAX, 0.17),
            np.zeros(1),
        )
    assert hi.output_year[0] == lo.output_year[0]
    assert hi.tax_year[0] > lo.tax_year[0] and hi.local_tax_year[0] > lo.local_tax_year[0]


def test_income_tax_is_prepaid_on_the_year_so_far_and_settled_on_the_year():
    """Six months with a profit of 20 a month, then six with a loss of 30 (overhead up): the
    prepayments rise to 15% of 120, then are refunded; the year lost 60 and owes nothing."""
    f = firm(overhead=np.array([0.0]), capital=np.array([0.0]))
    paid = []
    for m in range(12):
        f.overhead[0] = 0.0 if m < 6 else 600.0
        month(f, 1200.0, vat=0.0)
        paid.append(f.income_tax_year[0])
    assert paid[5] == pytest.approx(0.15 * 120.0, rel=1e-12)
    assert paid[8] == pytest.approx(0.15 * 30.0, rel=1e-12)  # 120 - 90 so far
    assert f.pretax_year[0] == pytest.approx(-60.0, rel=1e-12) and paid[-1] == 0.0
    assert f.tax_year[0] == pytest.approx(0.0, abs=1e-12)  # prepaid, then refunded


def test_losses_are_carried_forward_for_five_years_oldest_used_first():
    f = firm()
    f.pretax_year[0] = -100.0
    close_tax_year(f, np.array([0]), TAX)
    assert f.loss_carry_1[0] == 100.0 and f.loss_carry[0] == 100.0
    f.pretax_year[0] = -50.0
    close_tax_year(f, np.array([0]), TAX)
    assert (f.loss_carry_1[0], f.loss_carry_2[0]) == (50.0, 100.0)
    f.pretax_year[0] = 120.0  # uses the 100 of two years ago first, then 20 of last year's 50
    close_tax_year(f, np.array([0]), TAX)
    assert [getattr(f, c)[0] for c in CARRY_FIELDS] == [0.0, 30.0, 0.0, 0.0, 0.0]
    for _ in range(4):  # the 30 is now 2 years old: it lapses after its 5th year
        f.pretax_year[0] = 0.0
        close_tax_year(f, np.array([0]), TAX)
    assert f.loss_carry_5[0] == 0.0 and f.loss_carry[0] == 0.0


def test_income_tax_deducts_losses_carried_forward():
    f = firm(loss_carry=np.array([1e9]))
    month(f, 1200.0, vat=0.0)
    assert f.pretax_year[0] > 0 and f.income_tax_year[0] == 0.0


def test_local_governments_keep_half_the_vat_all_levies_and_40pct_of_income_tax():
    f = firm()
    month(f, 1200.0, resource=0.06)
    vat = 0.17 * (100.0 - 68.0 - 10.0)
    levies = 0.12 * vat + 6.0
    cit = f.income_tax_year[0]
    assert f.tax_year[0] == pytest.approx(vat + levies + cit, rel=1e-12)
    assert f.local_tax_year[0] == pytest.approx(0.5 * vat + levies + 0.4 * cit, rel=1e-12)


@pytest.mark.parametrize(
    "override, words",
    [
        ("tax.vat_cut_months=[2018-13,2019-04]", ["tax.vat_cut_months[0]", "2018-13"]),
        ("tax.vat_cut_rates=[1.6,0.13]", ["tax.vat_cut_rates[0]", "1.6"]),
        ("tax.vat_cut_rates=[0.16]", ["tax.vat_cut_months", "tax.vat_cut_rates", "one rate per month"]),
        ("tax.vat_cut_months=[2018-05,2018-05]", ["tax.vat_cut_months", "2018-05", "twice"]),
        ("tax.local_share_vat_from=2016-5", ["tax.local_share_vat_from", "2016-5"]),
        ("tax.income_tax_rate=2", ["tax.income_tax_rate"]),
    ],
)
def test_bad_tax_settings_are_refused_naming_the_key(override, words):
    with pytest.raises((ConfigError, ValueError)) as e:
        compose_params(override)
    assert all(w in str(e.value) for w in words)


def test_the_model_keeps_the_tax_accounts_consistent():
    """A run with a disposal campaign: every month, every operating firm's VAT credit, carried
    losses and income tax prepaid are never negative and the carried losses add up; the zones'
    local taxes are less than all their taxes."""
    m = make_model(
        compose_params(
            "seed=3",
            "time.end=2017-12",
            "policy/zombie_disposal=ningxia",
            "policy.zombie_disposal.start=2015-06",
            "policy.zombie_disposal.end=2016-12",
        )
    )
    f = m.firms
    while m.running:
        m.step()
        op = m._operating_rows()
        assert (f.vat_credit[op] >= 0).all() and (f.loss_carry[op] >= 0).all()
        assert (f.income_tax_year[op] >= 0).all()
        for c in CARRY_FIELDS:
            assert (getattr(f, c)[op] >= 0).all()
        assert np.allclose(f.loss_carry[op], sum(getattr(f, c)[op] for c in CARRY_FIELDS))
    zy = m.recorder.tables()["zones_yearly"]
    assert len(zy) > 0 and (zy["tax_local"] <= zy["tax"] + 1e-9).all() and (zy["tax_local"] > 0).any()


def test_a_new_plant_brings_the_input_vat_of_its_capital_goods():
    """A project that starts production has paid VAT on its capital goods: the month's VAT rate ×
    its capital becomes its VAT credit (consumption-type VAT)."""
    m = make_model(compose_params("seed=1", "time.end=2016-12"))
    rows = m._pipeline_rows[:3]
    assert rows.size and (m.firms.vat_credit[rows] == 0).all()
    m.start_production(rows)
    np.testing.assert_allclose(m.firms.vat_credit[rows], m.vat_rate[m.month] * m.firms.capital[rows], rtol=1e-12)


def test_a_takeover_moves_workers_and_vat_credit_to_the_acquirer():
    m = make_model(compose_params("seed=2", "time.end=2016-12"))
    f = m.firms
    m.step()
    op = m._operating_rows()
    t, a = int(op[0]), int(op[1])
    f.vat_credit[t] = 50.0
    before = (f.workers[a] + f.workers[t], f.vat_credit[a] + 50.0)
    m.take_over(np.array([t]), np.array([a]))
    assert f.workers[a] == pytest.approx(before[0]) and f.vat_credit[a] == pytest.approx(before[1])
    assert f.workers[t] == 0.0 and f.vat_credit[t] == 0.0
