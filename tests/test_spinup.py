"""The spin-up (``time.spinup_years``): years simulated before the start and not recorded, so that
the start's debt, ages, zombie histories and queues come from the model's own dynamics."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.firms import LifeCycle
from sim.model.streams import Stream, stream
from tests.conftest import compose_params, make_model, run_model

SHORT = ("time.end=2016-12", "time.spinup_years=3", "seed=2")


def test_a_spun_up_model_starts_at_month_0_with_a_history():
    m = make_model(compose_params(*SHORT))
    assert m.month == 0 and m.first_month == -36
    f = m.firms
    op = f.state == LifeCycle.OPERATING
    # firms entered during the spin-up, and the generated ones are three years older
    assert (f.entry_month[op] > -36).any() and (f.entry_month[op] < 0).any()
    assert f.entry_month[op].min() == -36
    # nothing of the spin-up is in the records
    assert m.recorder.monthly == [] and m.recorder.exits == [] and m.recorder.zone_events == []
    # the offices' counts start at the start
    assert all(o.items_served == 0 for o in m.approval.offices())


def test_recorded_tables_begin_at_the_start():
    t = run_model(compose_params(*SHORT)).results()
    mon = t["monthly"]
    assert mon["date"].iloc[0] == "2015-01" and mon["month"].tolist() == list(range(24))
    assert (t["exits"]["month"] >= 0).all()
    assert t["zones_yearly"]["year"].min() == 2015 and t["firm_panel"]["year"].min() == 2015
    app = t["approvals"]
    # projects that applied during the spin-up and finished after the start carry their real dates
    assert (app["applied"] < "2015-01").any()
    assert (app["production_time"] > 0).all()
    before = app[app["applied"] < "2015-01"]
    assert (before["applied_time"] <= 0).all()
    # times stay month + 1: an application of month m has applied_time m + 1
    months = (pd.PeriodIndex(app["applied"], freq="M") - pd.Period("2015-01", freq="M")).map(lambda d: d.n)
    np.testing.assert_array_equal(np.rint(app["applied_time"]).astype(int), np.asarray(months) + 1)


def test_the_spin_up_is_the_same_in_every_scenario_and_reproducible():
    """Common random numbers: the spin-up has no policy, so a reform's run starts from the very
    state baseline starts from; and the same seed gives the same run."""
    a = make_model(compose_params(*SHORT, "scenario=baseline"))
    b = make_model(compose_params(*SHORT, "scenario=full_reform"))
    for col in ("debt", "capital", "age", "log_prod", "zombie", "state"):
        np.testing.assert_array_equal(getattr(a.firms, col), getattr(b.firms, col), err_msg=col)
    r1 = run_model(compose_params(*SHORT)).results()
    r2 = run_model(compose_params(*SHORT)).results()
    for name in ("monthly", "approvals", "exits", "firm_panel"):
        pd.testing.assert_frame_equal(r1[name], r2[name])


def test_the_spin_up_replaces_the_generated_debt_and_zombie_histories():
    """Without a spin-up the start is the generated draw (every firm of the same age at entry
    month 0); with one, the start's firms carry debts their own accounts made."""
    plain = make_model(compose_params("time.end=2016-12", "seed=2"))
    spun = make_model(compose_params(*SHORT))
    assert (plain.firms.entry_month[: len(plain.firms)] == 0).all()
    assert not np.allclose(spun.firms.debt[:100], plain.firms.debt[:100])


def test_spending_follows_its_history_through_the_spin_up():
    """The spending paths run from the first month of the spin-up and reach the start's level at
    month 0 along spending.csv's rows for those years: each year's volume growth times its
    rest-of-China price growth, compounded monthly; P* moves with the price rows alone."""
    m = make_model(compose_params(*SHORT))
    path, star = m.spending_path, m.p_star_path
    assert path.shape[0] == m.calendar.n_months + 36
    sp = m.region.spending
    for k, year in enumerate((2012, 2013, 2014)):
        rows = sp[sp["from_year"] == year].set_index("sector").loc[m.sector_names]
        volume, price = rows["growth"].to_numpy(float), rows["price_growth"].to_numpy(float)
        np.testing.assert_allclose(path[12 * (k + 1)] / path[12 * k], (1 + volume) * (1 + price), rtol=1e-12)
        np.testing.assert_allclose(star[12 * (k + 1)] / star[12 * k], 1 + price, rtol=1e-12)
    assert (star[36] < star[0])[m.sector_names.index("coal")]  # the 2012-14 fall of coal prices


def test_negative_keys_draw_their_own_streams():
    a = stream(0, Stream.EXIT, -1).random(5)
    b = stream(0, Stream.EXIT, 1).random(5)
    c = stream(0, Stream.EXIT, -1).random(5)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, c)


def test_mesa_counts_steps_from_the_start():
    m = make_model(compose_params(*SHORT))
    assert m.steps == 0
    m.step()
    assert m.steps == 1 and m.month == 1
