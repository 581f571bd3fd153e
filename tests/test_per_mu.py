"""Output and tax per mu, two ways (sim.analysis.per_mu), the land_yearly table and zonesim-per-mu."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.per_mu import BASE_YEAR, COMPOSITION_PARTS, FHK_PARTS, MEASURES, fhk, fixed_zones, per_mu
from sim.experiments import per_mu as command
from sim.model.firms import LifeCycle
from tests.conftest import compose_params, make_model
from tests.test_aggregate import write_run

END = "time.end=2020-12"


@pytest.fixture(scope="module")
def reform_model():
    """A full_reform model run to 2020-12 (consolidation: zones merged and abolished, blocks delisted)."""
    return make_model(compose_params("scenario=full_reform", "seed=0", END)).run()


@pytest.fixture(scope="module")
def abolishing() -> dict[str, pd.DataFrame]:
    """full_reform to 2020-12 where one bottom year abolishes a zone (the seed's rule takes three,
    too late for a short run), its firms going to the county."""
    from sim.runner.run import simulate

    return simulate(
        compose_params(
            "scenario=full_reform",
            "seed=0",
            END,
            "policy.assessment.years_to_downgrade=1",
            "policy.assessment.years_to_abolish=1",
            "policy.assessment.abolished_firms_to=county",
        )
    )


@pytest.fixture(scope="module")
def reform(reform_model) -> dict[str, pd.DataFrame]:
    return reform_model.results()


@pytest.fixture(scope="module")
def table(reform) -> pd.DataFrame:
    return per_mu(reform["land_yearly"], reform["zones_yearly"])


def _frame(rows: dict) -> pd.DataFrame:
    return pd.DataFrame(rows.values(), index=list(rows), columns=["value", "land"])


def test_fhk_known_answer():
    """Three firms: a continues (grows), b exits, c enters; d left during year t (output, no land).

    Base: a (value 10, land 2 → p 5), b (6, 3 → p 2); L = 5, s = (0.4, 0.6), P_b = 0.4·5 + 0.6·2 = 3.2.
    Year t: a (24, 3 → p 8), c (4, 1 → p 4), d (2, 0); L = 4, s = (0.75, 0.25), X/L = 0.5.
    within = 0.4·3 = 1.2; between = 0.35·(5 − 3.2) = 0.63; cross = 0.35·3 = 1.05;
    entry = 0.25·(4 − 3.2) = 0.2; exit = −0.6·(2 − 3.2) = 0.72; leavers = 0.5.
    Change = 30/4 − 16/5 = 7.5 − 3.2 = 4.3 = 1.2 + 0.63 + 1.05 + 0.2 + 0.72 + 0.5."""
    base = _frame({"a": (10.0, 2.0), "b": (6.0, 3.0)})
    cur = _frame({"a": (24.0, 3.0), "c": (4.0, 1.0), "d": (2.0, 0.0)})
    got = fhk(base, cur)
    want = {"within": 1.2, "between": 0.63, "cross": 1.05, "entry": 0.2, "exit": 0.72, "leavers": 0.5}
    for k, v in want.items():
        assert got[k] == pytest.approx(v, abs=1e-12), k
    assert got["change"] == pytest.approx(4.3, abs=1e-12)
    assert got["composition"] == pytest.approx(sum(want[k] for k in COMPOSITION_PARTS), abs=1e-12)
    assert got["within"] + got["composition"] == pytest.approx(got["change"], abs=1e-12)
    assert (got["level_base"], got["level"]) == pytest.approx((3.2, 7.5))


def test_fhk_no_change_is_all_zero():
    base = _frame({"a": (10.0, 2.0), "b": (6.0, 3.0)})
    got = fhk(base, base.copy())
    assert all(got[k] == pytest.approx(0.0, abs=1e-15) for k in (*FHK_PARTS, "change"))


def test_decomposition_adds_up_on_a_run(table):
    assert set(range(2015, 2021)) <= set(table["year"])
    for m in MEASURES:
        parts = table[f"{m}_definition"] + table[f"{m}_within"] + table[f"{m}_composition"]
        np.testing.assert_allclose(parts, table[f"{m}_change"], rtol=0, atol=1e-9)
        comp = sum(table[f"{m}_{p}"] for p in COMPOSITION_PARTS)
        np.testing.assert_allclose(comp, table[f"{m}_composition"], rtol=0, atol=1e-9)
        base = table[table["year"] == BASE_YEAR].iloc[0]
        assert base[f"{m}_change"] == 0.0 and base[f"{m}_definition"] == 0.0
        # the two definitions agree before the reform changes which firms the zones manage
        assert base[f"{m}_per_mu_fixed"] == pytest.approx(base[f"{m}_per_mu_assessment"], rel=1e-12)


def test_assessment_definition_is_the_zones_sums(reform, table):
    """The assessment definition sums what zones_yearly holds for the zones active each year."""
    zy = reform["zones_yearly"]
    act = zy[zy["status"] == "active"].groupby("year")[["output", "tax_local", "land_operating"]].sum()
    t = table.set_index("year").loc[act.index]
    np.testing.assert_allclose(t["output_assessment"], act["output"], rtol=1e-12)
    np.testing.assert_allclose(t["tax_assessment"], act["tax_local"], rtol=1e-12)
    np.testing.assert_allclose(t["output_land_assessment"], act["land_operating"], rtol=1e-9)
    np.testing.assert_allclose(t["output_per_mu_assessment"], act["output"] / act["land_operating"], rtol=1e-9)
    # every zone's firms are in the table: its rows with a zone add up zone by zone too
    ly = reform["land_yearly"]
    by_zone = ly[ly["zone_id"].notna()].groupby(["year", "zone_id"])["output_year"].sum()
    z = zy.set_index(["year", "zone_id"])["output"]
    np.testing.assert_allclose(by_zone, z.loc[by_zone.index], rtol=1e-12)
    assert (z.drop(by_zone.index) == 0).all()


def test_fixed_ground_does_not_move_after_2017(abolishing):
    """The fixed definition counts the firms on the 2017 zones' ground whoever manages them: the
    reform merges and abolishes zones, and firms leave the zones' management, but the fixed
    measure does not depend on who manages them (or whether anyone does)."""
    ev = abolishing["zone_events"]
    assert {"merged", "abolished"} <= set(ev["event"])
    ly, zy = abolishing["land_yearly"], abolishing["zones_yearly"]
    table = per_mu(ly, zy)
    ground = fixed_zones(zy, BASE_YEAR)
    on = ly[ly["site_zone"].isin(ground) & (ly["year"] > BASE_YEAR)]
    moved = on["zone_id"].isna() | (on["zone_id"] != on["site_zone"])
    assert moved.any(), "the reform moved some firms on the 2017 ground to another body or none"
    # the 2017 set of zones is the ground, later zone statuses do not change it
    later = zy[zy["year"] > BASE_YEAR]
    assert (later.loc[later["zone_id"].isin(ground), "status"] != "active").any()
    # who manages a firm does not enter the fixed definition
    blind = per_mu(ly.assign(zone_id=None), zy)
    for m in MEASURES:
        np.testing.assert_array_equal(blind[f"{m}_per_mu_fixed"], table[f"{m}_per_mu_fixed"])
    # its land is the operating land on the 2017 zones' blocks, every year
    land = on.groupby("year")["land_mu"].sum()
    np.testing.assert_allclose(table.set_index("year").loc[land.index, "output_land_fixed"], land, rtol=1e-12)


def test_site_block_survives_delisting_and_abolition(reform_model, reform):
    m = reform_model
    f = m.firms
    ev = reform["zone_events"]
    delisted = [int(d.split()[1].rstrip(":")) for d in ev.loc[ev["event"] == "block_delisted", "detail"]]
    lost = (f.block < 0) & (f.site_block >= 0)  # no longer in a zone's block, still on its ground
    assert lost.any()
    assert delisted, "the consolidation delists blocks"
    on_delisted = np.isin(f.site_block, delisted)
    assert on_delisted.any() and (f.block[on_delisted] == -1).all() and (f.zone[on_delisted] == -1).all()
    assert (~m.block_active[f.site_block[lost & (f.state == LifeCycle.OPERATING)]]).all()
    # where a firm still has its block, it is its site block; the start's owners never change
    keep = f.block >= 0
    np.testing.assert_array_equal(f.block[keep], f.site_block[keep])
    assert (m.block_zone_start != m.block_zone).any()  # merged zones' blocks moved to their hosts
    # firms outside zones never had a site block; firms with a zone always have one
    assert (f.site_block[f.zone >= 0] >= 0).all()


def test_land_yearly_rows(reform):
    ly = reform["land_yearly"]
    assert (ly["site_block"] >= 0).all()
    assert not ly.duplicated(["year", "row"]).any()
    assert (ly.loc[~ly["operating"], "land_mu"] == 0).all()
    assert ly["site_zone"].notna().all()


def test_command_end_to_end(tmp_path):
    exp = tmp_path / "exp"
    for scenario in ("baseline", "full_reform"):
        for seed in (0, 1):
            write_run(exp, f"scenario={scenario}", f"seed={seed}", "time.end=2018-12")
    assert command.main([str(exp)]) == 0
    out = exp / "per_mu"
    assert {p.name for p in out.iterdir()} == {"per_mu.csv", "per_mu.md", "per_mu.png"}
    csv = pd.read_csv(out / "per_mu.csv")
    assert set(csv["scenario"]) == {"baseline", "full_reform"}
    assert set(csv["year"]) == {2015, 2016, 2017, 2018}
    assert (csv["n"] == 2).all()
    row = csv[(csv["scenario"] == "full_reform") & (csv["year"] == 2018) & (csv["column"] == "output_change")]
    assert len(row) == 1 and row["low"].iloc[0] <= row["mean"].iloc[0] <= row["high"].iloc[0]
    md = (out / "per_mu.md").read_text()
    assert "## full_reform (2 seeds)" in md and "output_per_mu_fixed" in md
    # a run without the table fails the command (non-zero), the others are still reported
    bad = next((exp / "runs").iterdir())
    (bad / "land_yearly.parquet").unlink()
    assert command.main([str(exp)]) == 1


def test_command_with_no_runs_fails(tmp_path):
    assert command.main([str(tmp_path)]) == 1


def test_land_table_can_be_switched_off():
    from sim.runner.run import simulate

    t = simulate(compose_params("scenario=baseline", "seed=0", "time.end=2015-12", "output.land_yearly=false"))
    assert t["land_yearly"].empty and list(t["land_yearly"].columns)[:4] == ["year", "key", "row", "site_block"]
