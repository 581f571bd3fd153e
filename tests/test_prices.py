"""National prices in the model: the rest of China's price P* of each sector and the prices of
the materials, fuel and power firms buy follow ``spending.csv``'s price rows, the same in every
scenario.  A national price fall squeezes Ningxia's producers through the Armington split (they
sell less at their own costs), an input-price rise through their variable costs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from conftest import compose_params, make_model

from sim.data import build_region
from sim.model.firms import FirmTable, book_month
from sim.model.market import clear_markets

SHORT = ("scenario=baseline", "time.end=2015-08", "seed=4")


def _monthly(spending: pd.DataFrame) -> pd.DataFrame:
    params = compose_params(*SHORT)
    region = build_region(params)
    region.spending = spending(region.spending)
    return make_model(params, region).run().recorder.tables()["monthly"]


def test_flat_price_rows_are_the_model_without_them():
    """Price columns of zeros and no price columns give the same run: the paths are indices."""
    flat = _monthly(lambda sp: sp.assign(price_growth=0.0, input_price_growth=0.0))
    absent = _monthly(lambda sp: sp.drop(columns=["price_growth", "input_price_growth"]))
    pd.testing.assert_frame_equal(flat, absent)


def test_rest_of_china_price_and_input_prices_follow_their_rows():
    """P* and the input price index grow within a year at that year's rates, compounded monthly,
    and spending at P* is the volume path times P*'s."""
    m = make_model(compose_params(*SHORT, "time.end=2016-06"))
    rows = m.region.spending.set_index(["from_year", "sector"]).loc[2015].loc[m.sector_names]
    np.testing.assert_allclose(m.p_star_path[12] / m.p_star_path[0], 1 + rows["price_growth"], rtol=1e-12)
    np.testing.assert_allclose(
        m.labour.input_prices[12] / m.labour.input_prices[0], 1 + rows["input_price_growth"], rtol=1e-12
    )
    np.testing.assert_allclose(
        m.spending_path[12] / m.spending_path[0], (1 + rows["growth"]) * (1 + rows["price_growth"]), rtol=1e-12
    )


def test_a_national_price_fall_cuts_the_sectors_sales_only():
    """Lower P* in one sector: Ningxia's varieties there lose buyers to the rest of China (less
    spending on them at unchanged unit costs); the other sector's market is untouched."""
    n = 6
    sector = np.array([0, 0, 0, 1, 1, 1], dtype=np.int16)
    args = dict(
        rows=np.arange(n),
        sector=sector,
        a_eff=np.zeros(n),
        capital=np.full(n, 10.0),
        weight=np.ones(n),
        n_sectors=2,
        k_cap=np.ones(2),
        sigma=np.full(2, 5.0),
        sigma_a=np.full(2, 3.0),
        theta=np.full(2, 0.5),
        s_local=np.full(2, 3.0),
        s_out=np.full(2, 3.0),
    )
    base = clear_markets(**args, p_star=np.array([1.0, 1.0]), elastic=False)
    fall = clear_markets(**args, p_star=np.array([0.8, 1.0]), elastic=False)
    price_b, qty_b, _, index_b, spend_b = base
    price_f, qty_f, _, index_f, spend_f = fall
    assert spend_f[0] < spend_b[0] and qty_f[:3].sum() < qty_b[:3].sum()
    np.testing.assert_allclose(price_f[:3], price_b[:3])  # spare capacity: prices at unit cost × markup
    np.testing.assert_allclose(spend_f[1], spend_b[1], rtol=1e-12)
    np.testing.assert_allclose(qty_f[3:], qty_b[3:], rtol=1e-12)


def test_input_prices_raise_materials_and_marginal_cost():
    """Materials, (1 - λ) of variable costs, are bought at the input price index: at 1.25 they
    cost 25% more, and wages do not move."""
    p = compose_params(*SHORT)

    def booked(index):
        f = FirmTable(capacity=4)
        rows = f.add(
            sector=np.zeros(2, dtype=np.int16),
            zone=np.zeros(2, dtype=np.int32),
            county=np.zeros(2, dtype=np.int32),
            capital=np.full(2, 100.0),
            debt=np.zeros(2),
            demand_weight=np.ones(2),
            log_prod=np.zeros(2),
            land=np.ones(2),
        )
        book_month(
            f,
            rows,
            np.zeros(2),
            np.full(2, 1.5),
            np.full(2, 120.0),
            np.full(2, 240.0),
            np.array([4.0]),
            np.array([1.0]),
            p.firms,
            np.ones(1),
            p.labour,
            input_price=np.array([index]),
        )
        return f.var_input_year[rows], f.workers[rows]

    var1, workers1 = booked(1.0)
    var2, workers2 = booked(1.25)
    lam = p.labour.labour_share
    materials1 = (1 - lam) * (3.0 / 4.0) * 120.0 / 12.0  # (1-λ)·mc₀·q/12 with mc₀ = (σ-1)/σ at ã = 0
    np.testing.assert_allclose(var2 - var1, 0.25 * materials1, rtol=1e-9)
    np.testing.assert_array_equal(workers1, workers2)


def test_productivity_age_drift_makes_old_firms_fall_behind():
    """With the vintage drift g, log productivity reverts towards -g·age: without shocks a firm of
    30 years settles near -30g and a new one stays at 0; with g = 0 both revert to 0."""
    from sim.model.firms import update_productivity

    for drift in (0.0, 0.02):
        p = compose_params(*SHORT, f"firms.productivity_age_drift={drift}")
        f = FirmTable(capacity=4)
        rows = f.add(sector=np.zeros(2, dtype=np.int16), log_prod=np.array([0.0, 0.0]), age=np.array([0.0, 30.0]))
        for _ in range(12 * 40):
            a = update_productivity(f, rows, np.zeros(2), p.firms)
        np.testing.assert_allclose(a, [0.0, -30.0 * drift], atol=2e-3)  # 0.85^40 of the gap is left
