"""The national region generator (issue 7, acceptance e): a shrunken China has the catalogue's
structure, passes the region checks, runs, and is the same for the same seed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.data import build_region
from sim.data.national import NATIONAL_TYPES, apportion, load_provinces
from sim.data.region import DataError, check_region
from sim.runner.run import simulate
from tests.conftest import compose_params, make_model

SCALE = 0.02
SMALL = ("region=national", f"region.national.scale={SCALE}")


@pytest.fixture(scope="module")
def params():
    return compose_params(*SMALL)


@pytest.fixture(scope="module")
def region(params):
    return build_region(params)


def test_levels_and_types_follow_the_catalogue(params, region):
    """National and provincial zones, and national types, in the catalogue's proportions."""
    cfg = params.region.national
    z = region.zones
    levels = z["level"].value_counts()
    assert levels["national"] == round(cfg.zones_national * SCALE)
    assert levels["region"] == round(cfg.zones_provincial * SCALE)
    weights = [getattr(cfg, f) for f in NATIONAL_TYPES]
    expected = apportion(levels["national"], weights)
    national_types = z.loc[z["level"] == "national", "type"].value_counts()
    for ztype, n in zip(NATIONAL_TYPES.values(), expected):
        share = getattr(cfg, next(f for f, t in NATIONAL_TYPES.items() if t == ztype)) / sum(weights)
        assert national_types.get(ztype, 0) == n
        assert abs(n - share * levels["national"]) < 1  # within rounding
    assert set(z.loc[z["level"] == "region", "type"]) == {"industrial"}
    assert set(z.loc[z["level"] == "national", "rank"]) == {"bureau"}


def test_full_scale_counts_are_the_catalogue():
    """At scale 1 the zone counts are exactly the 2018 catalogue's, and the counties the table's."""
    region = build_region(compose_params("region=national"))
    z = region.zones
    assert len(z) == 2543
    assert z["type"].value_counts().to_dict() == {
        "industrial": 1991,
        "etdz": 219,
        "hightech": 156,
        "bonded": 135,
        "national_other": 23,
        "border": 19,
    }
    assert len(region.counties) == load_provinces()["counties"].sum() == 2851
    assert region.total_firms == 375000


def test_every_zone_lies_in_a_county_of_its_province(region):
    counties = region.counties.set_index("county_id")
    assert (counties.loc[region.zones["county_id"], "city_id"].to_numpy() == region.zones["province_id"]).all()
    assert region.counties["city_id"].nunique() == 31


def test_adjacency_stays_within_a_province(region):
    prov = region.counties.set_index("county_id")["city_id"]
    a, b = region.adjacency["county_a"], region.adjacency["county_b"]
    assert (prov[a].to_numpy() == prov[b].to_numpy()).all()
    assert len(region.adjacency) == len(region.counties) - 31  # one chain per province


def test_firms_output_and_land(params, region):
    """Firms = enterprises × scale, the in-zone share holds, no zone starts over its land."""
    cfg = params.region.national
    assert region.total_firms == round(cfg.enterprises * SCALE)
    assert region.total_output == pytest.approx(region.total_firms * cfg.output_per_firm)
    z = region.zones
    assert z["firms"].sum() == round(region.total_firms * cfg.in_zone_share)
    assert z["output_share"].sum() == pytest.approx(cfg.in_zone_share, abs=1 / region.total_firms)
    used = z["output_share"] * region.total_output / z["output_per_mu"]
    assert (used <= z["land_mu"]).all()


def test_firms_by_province_follow_the_table(region):
    """In-zone firms per province are the table's shares over provinces with zones (largest remainder)."""
    prov = load_provinces()
    per_prov = region.zones.groupby("province_id")["firms"].sum()
    has_zone = prov["province_id"].isin(per_prov.index).to_numpy()
    expected = apportion(int(region.zones["firms"].sum()), prov["firm_share"].to_numpy() * has_zone)
    assert per_prov.reindex(prov["province_id"], fill_value=0).to_numpy().tolist() == expected.tolist()


def test_region_passes_the_checks_again(region):
    copy = type(region)(
        **{k: getattr(region, k).copy() for k in ("counties", "adjacency", "zones", "sectors", "items", "spending")}
    )
    check_region(copy)


def test_model_builds_within_land_and_runs(params):
    """The model's initial firms fit their zones' land, and a short run ends without error."""
    m = make_model(params)
    f = m.firms
    in_zone = f.zone >= 0
    land = np.bincount(f.zone[in_zone], weights=f.land[in_zone], minlength=len(m.zones))
    planned = np.bincount(m.block_zone, weights=m.block_land, minlength=len(m.zones))
    assert (land <= planned + 1e-6).all()
    tables = simulate(compose_params(*SMALL, "time.end=2016-12", "scenario=full_reform"))
    assert len(tables["monthly"]) == 24


def test_same_seed_same_region_other_seed_other(params):
    a, b = build_region(params), build_region(params)
    for t in ("counties", "adjacency", "zones"):
        pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t))
    c = build_region(compose_params(*SMALL, "region.national.seed=1"))
    assert not a.zones.equals(c.zones)


def _broken_provinces(tmp_path, row: int, column: str, value: str):
    """A copy of the province table with one cell replaced, written to ``tmp_path``."""
    bad = load_provinces().astype(str)
    bad.loc[row, column] = value
    path = tmp_path / "provinces.csv"
    bad.to_csv(path, index=False)
    return path


def test_a_broken_province_table_names_file_row_and_column(tmp_path):
    path = _broken_provinces(tmp_path, 2, "counties", "many")
    with pytest.raises(DataError, match=r"provinces\.csv row 4 \(province_id=hebei\): column counties"):
        load_provinces(path)


def test_zones_carry_their_province_and_macro_region(region):
    """Columns the MOFCOM-style ranking will class national zones by (east/central/west/northeast)."""
    macro = load_provinces().set_index("province_id")["macro_region"]
    assert (macro[region.zones["province_id"]].to_numpy() == region.zones["macro_region"]).all()


def test_an_unknown_macro_region_is_named(tmp_path):
    path = _broken_provinces(tmp_path, 0, "macro_region", "south")
    with pytest.raises(DataError, match=r"row 2 \(province_id=beijing\): unknown macro region 'south'"):
        load_provinces(path)
