"""The benchmark's helpers that need no timing (issue 7, build 3): the bare numpy kernel does the
model's arithmetic, the ratio and the curve writer are right, the whole-process rows judge their
goals.  Fast (well under 5 s): one three-month model run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.schema import ModelConfig
from sim.model.firms import FirmTable, LifeCycle, agglomeration, book_month, exit_probability, soft_budget_protection
from sim.model.market import clear_markets
from sim.runner import bench

COLUMNS = (
    "output",
    "output_year",
    "tax_year",
    "ebit_year",
    "interest_year",
    "profit_year",
    "age",
    "var_input_year",
    "workers",
    "workers_year",
    "vat_credit",
    "pretax_year",
    "income_tax_year",
    "local_tax_year",
)
MARKET = {
    "sigma": np.array([3.0, 4, 5, 6, 4, 3, 5, 8]),
    "sigma_a": np.array([2.0, 3, 3, 4, 2.5, 3, 4, 3]),
    "theta": np.linspace(0.2, 0.9, 8),
    "k_cap": np.linspace(0.4, 1.5, 8),
}


@pytest.fixture
def table():
    """A firm table with 300 rows, some not operating, in random but plausible states."""
    rng = np.random.default_rng(7)
    n = 300
    capital = rng.lognormal(10.0, 1.0, n)
    f = FirmTable(capacity=64)
    f.add(
        sector=rng.integers(0, 8, n),
        zone=rng.integers(0, 12, n),
        county=rng.integers(0, 5, n),
        state=rng.choice([LifeCycle.CONSTRUCTION, LifeCycle.OPERATING, LifeCycle.EXITED], n, p=[0.1, 0.8, 0.1]),
        demand_weight=rng.lognormal(0.0, 1.0, n),
        log_prod=rng.normal(0, 0.2, n),
        capital=capital,
        plant_limit=1.5 * capital,
        capital_wip=0.1 * capital,
        overhead=0.1 * capital,
        debt=capital * rng.uniform(0.2, 2.0, n),
        age=rng.uniform(0, 30, n),
        zombie=rng.random(n) < 0.2,
        ebit_year=rng.normal(0, 100, n),
        interest_year=rng.uniform(0, 50, n),
        workers=rng.uniform(0, 500, n),
        rescued_until=np.where(rng.random(n) < 0.4, 20, 0),
        vat_credit=np.where(rng.random(n) < 0.3, rng.uniform(0, 300, n), 0.0),
        pretax_year=rng.normal(0, 200, n),
        income_tax_year=rng.uniform(0, 30, n),
        loss_carry=np.where(rng.random(n) < 0.3, rng.uniform(0, 500, n), 0.0),
    )
    return f


def _operating(f):
    idx = np.flatnonzero(f.state == LifeCycle.OPERATING)
    cols = (
        "zone",
        "sector",
        "county",
        "capital",
        "capital_wip",
        "plant_limit",
        "overhead",
        "demand_weight",
        "debt",
        "zombie",
        "rescued_until",
        "loss_carry",
        "price",
        "quantity",
        "capacity",
        "log_prod",
    ) + COLUMNS
    return idx, {c: getattr(f, c)[idx].copy() for c in cols}


def test_kernel_market_is_clear_markets(table):
    """Same firms, same spending: the numpy kernel finds the model's prices and quantities."""
    rng = np.random.default_rng(1)
    idx, s = _operating(table)
    a_eff = rng.normal(0, 0.2, idx.size)
    s["a_eff"] = a_eff.copy()
    local, out = rng.uniform(1e5, 1e6, 8), rng.uniform(0, 1e6, 8)
    cost = rng.uniform(0.95, 1.05, 8)  # the sectors' cost index (wages)
    price, qty, cap, index, _ = clear_markets(
        idx,
        table.sector,
        a_eff,
        table.capital,
        table.demand_weight,
        8,
        MARKET["k_cap"],
        MARKET["sigma"],
        MARKET["sigma_a"],
        MARKET["theta"],
        local,
        out,
        1.0,
        False,
        cost,
    )
    index_k = bench.kernel_market(s, local, out, {**MARKET, "cost": cost})
    np.testing.assert_allclose(index_k, index, rtol=1e-9)
    np.testing.assert_allclose(s["price"], price, rtol=1e-9)
    np.testing.assert_allclose(s["quantity"], qty, rtol=1e-9)
    np.testing.assert_allclose(s["capacity"], cap, rtol=1e-12)


def test_kernel_book_is_book_month(table):
    """Same market, same wages, same taxes, same arrays: the kernel does the model's accounts,
    hiring (firms kept alive by loans hoard workers), taxes (VAT credit, losses carried forward)
    and investment plans."""
    p = ModelConfig()
    rng = np.random.default_rng(1)
    idx, s = _operating(table)
    a_eff = rng.normal(0, 0.2, idx.size)
    price, qty = rng.uniform(0.8, 1.5, idx.size), rng.lognormal(10, 1, idx.size)
    cap = qty * rng.uniform(1.0, 1.6, idx.size)
    s.update(a_eff=a_eff, price=price.copy(), quantity=qty.copy(), capacity=cap.copy())
    wage = rng.uniform(0.8, 1.3, 8)
    tax = np.array([0.16, 0.12, 0.15, 0.5, 0.4])
    resource = np.array([0.06, 0, 0, 0, 0.02, 0, 0, 0])
    req = book_month(
        table,
        idx,
        a_eff,
        price,
        qty,
        cap,
        MARKET["sigma"],
        MARKET["k_cap"],
        p.firms,
        wage,
        p.labour,
        month=10,
        tax=tax,
        resource_tax=resource,
    )
    req_k = bench.kernel_book(
        s, {**MARKET, "wage": wage, "resource_tax": resource}, p.firms, p.labour, month=10, tax=tax
    )
    for col in COLUMNS:
        np.testing.assert_allclose(s[col], getattr(table, col)[idx], rtol=1e-12, atol=1e-9, err_msg=col)
    for k in req:
        np.testing.assert_allclose(req_k[k], req[k], rtol=1e-12, atol=1e-9, err_msg=k)


def test_kernel_exit_probability_is_the_models(table):
    p = ModelConfig()
    rng = np.random.default_rng(2)
    idx, s = _operating(table)
    protection = rng.uniform(0, 1, idx.size)
    np.testing.assert_allclose(
        bench.kernel_exit_probability(s, protection, p.firms),
        exit_probability(table, idx, protection, p.firms),
        rtol=1e-12,
    )


def test_kernel_agglomeration_and_protection_are_the_models(table):
    """For operating firms all in zones, the kernel's bincounts give the model's factors."""
    p = ModelConfig()
    idx, s = _operating(table)
    op = np.ones(idx.size, dtype=bool)
    e = p.firms.agglomeration_elasticity
    np.testing.assert_allclose(
        bench.kernel_agglomeration(s["zone"], s["sector"], 12, 8, e),
        agglomeration(s["zone"], s["sector"], op, 12, 8, e),
        rtol=1e-12,
    )
    s["output"] = np.random.default_rng(3).lognormal(5, 1, idx.size)
    county_out = np.bincount(s["county"], weights=s["output"], minlength=5)
    np.testing.assert_allclose(
        bench.kernel_protection(s["county"], s["output"], 5, p.protection),
        soft_budget_protection(s["output"] / county_out[s["county"]], p.protection),
        rtol=1e-12,
    )


def test_kernel_month_runs_on_its_own_state():
    p = ModelConfig()
    sizes = (20, 8, 10)
    rng = np.random.default_rng(0)
    s = bench.kernel_state(500, sizes, rng)
    spend = (np.full(8, 2e6), np.full(8, 1e6))
    gone = bench.kernel_month(s, rng, spend, MARKET, sizes, p)
    assert gone.shape == (500,) and gone.dtype == bool
    assert np.all(s["output"] > 0) and np.all(s["debt"] >= 0) and np.allclose(s["age"], 1 / 12)
    assert np.all(s["quantity"] <= s["capacity"] * (1 + 1e-12))


def test_case_params_choose_the_region_and_horizon():
    nat = bench.case_params({"kind": "national", "scale": 0.1, "end": "2035-12"})
    assert (nat.region.kind, nat.region.national.scale, nat.time.start, nat.time.end) == (
        "national",
        0.1,
        "2015-01",
        "2035-12",
    )
    # the records of experiment=national, read from its config: no firm panel, no land-yearly table
    assert (nat.output.firm_panel, nat.output.land_yearly) == (False, False)
    syn = bench.case_params({"kind": "synthetic", "enterprises": 50_000})
    assert syn.region.kind == "synthetic" and syn.region.synthetic.enterprises == 50_000
    assert bench.case_params({"kind": "ningxia"}) == ModelConfig()


def _curve(sizes, seconds_per_firm=1e-4, fixed=0.0):
    n = np.asarray(sizes)
    return pd.DataFrame(
        {
            "case": [f"x{i}" for i in range(len(n))],
            "enterprises": n,
            "wall_s": fixed + seconds_per_firm * n,
            "enterprise_months_per_s": n / (fixed + 1e-4 * n),
        }
    )


def test_scaling_ratio_measured_and_extrapolated():
    measured = bench.scaling_ratio(_curve([7_500, 18_750, 50_000, 150_000, 375_000]))
    assert measured["how"] == "measured" and measured["ratio"] == pytest.approx(7.5)
    extrapolated = bench.scaling_ratio(_curve([7_500, 18_750, 50_000, 112_500, 150_000]))
    assert extrapolated["how"].startswith("extrapolated")
    assert extrapolated["ratio"] == pytest.approx(7.5) and extrapolated["exponent"] == pytest.approx(1.0)
    # a fixed cost makes small sizes cheap per firm; the fit uses only the points >= 50,000
    fixed = bench.scaling_ratio(_curve([7_500, 18_750, 50_000, 100_000, 150_000], fixed=5.0))
    assert fixed["ratio"] < 7.5 and fixed["judged"]
    below = bench.scaling_ratio(_curve([750, 1_500, 3_000], fixed=0.5))  # --quick: nothing at 50,000
    assert not below["judged"] and "below" in below["how"]


def test_write_scaling_writes_csv_and_png(tmp_path):
    curve = _curve([150_000, 7_500, 50_000, 18_750, 375_000])
    csv, png = bench.write_scaling(curve, tmp_path / "bench", bench.scaling_ratio(curve))
    back = pd.read_csv(csv)
    assert list(back["enterprises"]) == sorted(curve["enterprises"])
    np.testing.assert_allclose(back["wall_s"], np.sort(curve["wall_s"].to_numpy()))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "update/kernel" in bench.format_table(pd.DataFrame([{"case": "c", "update_over_kernel": 2.0}]))


# --------------------------------------------------------------------------- whole processes (issue 20)
def test_a_whole_process_row_judges_its_goal_in_the_right_direction():
    from sim.runner import bench_whole as w

    assert w._row("x", 10.0, 12.0)["met"] is True and w._row("x", 13.0, 12.0)["met"] is False
    assert w._row("speed-up", 1.9, 1.8, higher_is_better=True)["met"] is True
    assert w._row("speed-up", 1.5, 1.8, higher_is_better=True)["met"] is False
    assert w._row("no goal", 3.0, None)["met"] is None
    text = w.report([w._row("main job", 54.2, 12.0), w._row("speed-up (ratio)", 1.9, 1.8, higher_is_better=True)])
    assert "54.20  (goal <= 12)  NOT MET" in text and "1.90  (goal >= 1.8)  ok" in text


def test_national_over_kernel_is_the_run_over_the_kernels_months():
    from sim.runner import bench_whole as w

    row = w.national_over_kernel({"run_s": 26.9, "kernel_ms_per_month": 21.5, "months": 252})
    assert row["value"] == pytest.approx(26.9 / (0.0215 * 252)) and row["met"] is False
    assert w.kernel_line(row) == "national run / numpy kernel = 4.96 (target <= 2)"


def test_a_failing_command_is_an_error_with_its_output():
    import sys

    from sim.runner import bench_whole as w

    assert w.timed([sys.executable, "-c", "pass"]) > 0
    with pytest.raises(RuntimeError, match="exit 3"):
        w.timed([sys.executable, "-c", "import sys; print('why'); sys.exit(3)"])


def test_the_fresh_clone_runs_outside_the_benchs_virtual_environment(tmp_path):
    """From an activated environment, ``make run`` in the clone must not find that environment's
    python3 (no pip in it: the install step failed there)."""
    import os

    from sim.runner import bench_whole as w

    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    machine = str(tmp_path / "usr-bin")
    environ = {"PATH": os.pathsep.join([str(venv / "bin"), machine, ""]), "VIRTUAL_ENV": str(venv), "HOME": "/h"}
    env = w.outside_venv(environ, venv_bin=tmp_path / "other-venv" / "bin")
    assert env == {"PATH": machine, "HOME": "/h"}
    assert environ["VIRTUAL_ENV"] == str(venv)  # the caller's environment is left as it was
    # not activated, but run by the environment's own executable: its bin folder goes too
    env = w.outside_venv({"PATH": os.pathsep.join([str(venv / "bin"), machine])}, venv_bin=venv / "bin")
    assert env == {"PATH": machine}


def test_a_failed_command_is_a_failed_row_and_the_other_rows_still_count(tmp_path, monkeypatch):
    """One command failing (the fresh clone's install, say) is reported as FAILED beside the rows
    measured before and after it, instead of losing them all."""
    from sim.runner import bench_whole as w

    def boom(tmp):
        w.timed(["sh", "-c", "echo 'No module named pip'; exit 2"])

    monkeypatch.setattr(w, "single_run", lambda tmp: w._row("zonesim seed=1", 3.0, 1.2))
    monkeypatch.setattr(w, "first_run", lambda tmp, s: [w._row("compile", 0.0, 1.0)])
    monkeypatch.setattr(w, "sweep_speedup", boom)
    monkeypatch.setattr(w, "sensitivity", lambda tmp: w._row("sensitivity", 18.0, 20.0))
    monkeypatch.setattr(w, "main_job", lambda tmp: w._row("main job", 40.0, 12.0))
    rows = bench.whole_processes(tmp_path, clone=False)
    assert [r["row"] for r in rows] == ["zonesim seed=1", "compile", "20-run sweep", "sensitivity", "main job"]
    failed = rows[2]
    assert failed["failed"] and failed["met"] is False and np.isnan(failed["value"])
    assert "exit 2" in failed["note"] and "No module named pip" in failed["note"]
    text = w.report(rows)
    assert "20-run sweep" in text and "FAILED" in text and "18.00  (goal <= 20)  ok" in text


def test_market_arrays_read_a_finished_runs_last_month():
    """After a run the model's month is one past its paths' end (the bench failed there)."""
    import sim
    from sim.data import build_region
    from sim.model.model import ZoneReformModel

    params = sim.make_params("baseline", seed=0, hydra_overrides=["time.end=2015-03"])
    model = ZoneReformModel(params, build_region(params)).run()
    arrays = bench.market_arrays(model)
    last = model.path_month - 1
    assert np.array_equal(arrays["input_price"], model.labour.input_price(last))
    assert np.array_equal(arrays["cost"], model.labour.cost_index(last))
